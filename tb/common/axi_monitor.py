"""AXI4 protocol and confinement monitor for the device's m_axi master port.

Sampling: one coroutine per channel reads the channel's signals (with the handles' public
`get()`, what `.value` returns) only while the channel has something to show, and no
coroutine wakes every clock while no error response has been seen. `cyc` is the simulated
time since `start()` over the clock period (measured during reset), so counting clocks needs
no wake-up.

AW and W are sampled in the ReadOnly phase of the timestep where their signals changed: the
block's registers and the slave's READYs change just after a rising edge and hold until the
next, so these are the values every following edge sees until the next change.
- AW records a handshake in that ReadOnly phase, before any coroutine the next edge wakes runs
  (the bench polls `aw_cyc`); a handshake is followed every clock. Idle or stalled (VALID high,
  READY low), AW sleeps until AWVALID changes or, while stalled, AWREADY rises or the payload
  changes: a stall, however long, costs a few wake-ups.
- W is sampled after a change of WVALID, WREADY or WLAST and, while stalled, of WDATA or WSTRB
  (one watcher coroutine per signal; the first to fire in a timestep samples, in its ReadOnly
  phase). The state sampled held for the edges since the previous sample, `cyc` now minus
  `cyc` then: with VALID and READY high, that many beats were handed over, one a clock, all
  with the same WLAST, and the monitor accounts for the run at once (`_w_run`, `_match`: a
  burst's worth of beats per step, one step per burst on a WLAST streak of single-beat
  bursts). So W costs a few wake-ups per burst or stall, not one per beat; a WLAST error is
  reported when its run closes, with the burst and beat in the message, and `w_beats` counts
  the open run up to the current clock. A payload change, or VALID dropping, after at least
  one edge sampled a stall is reported at the edge that samples it. Once a B or R error
  response sets `err_cyc`, the post-error rule needs the WSTRB of every beat: B and R set
  `_w_err` at that clock, so the run closes there, and W is then sampled at every clock,
  WSTRB included, until `rearm()` clears `err_cyc`.

B, AR and R sleep while VALID is low, wake when it rises and are then sampled at each rising
clock edge (where the slave model samples them too) until VALID is low again. The scheme of W
would gain little on them: their VALIDs are high on few clocks (`random_traffic`, DATA_W 64,
300 frames: of 12,672 clocks, WVALID is high on 12,357, BVALID on 896 in 859 presentations,
ARVALID on 141 in 25, RVALID on 768 in 71), a B lasting about one clock, so waking on changes
would save nothing on B and a few hundred wake-ups on AR and R; and B and R set `err_cyc` at
the edge of the error response, which the AW, AR and W rules need at once. READY is read only
while VALID is high, the payload only at a handshake or a stall.

Per handshake it checks:

- AW/AR: INCR bursts, `awsize` = log2(DATA_W/8), `arsize` = log2(min(DATA_W/8, 16)) (narrow
  descriptor reads, DESIGN.md), no burst across 4 KB, burst length within MAX_BURST (data),
  WB_BURST (writebacks) and DESC_BURST (descriptor reads); reads only inside descriptors the
  device owns, 16-byte aligned.
- W: `wlast` on the last beat of its AW (W beats ahead of their AW are legal AXI and are
  counted in `w_before_aw` once their run has closed); after an error response
  (B or R != OKAY) every W beat first presented later has `wstrb` = 0.
- AW, W, AR: payload stable and VALID held while VALID is high and READY low.
- B: records the handshake clock of every burst (for the ordering checks of the scoreboard).

Errors are collected in `tb.errors` with the simulated time; the test fails on the first one.
"""

from collections import deque

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, ReadOnly, RisingEdge, ValueChange
from cocotb.types import Logic

# a 1-bit signal reads as one of Logic's interned values: `is` compares them cheaply
_0, _1 = Logic("0"), Logic("1")

_W_IDLE, _W_HS, _W_STALL = "idle", "handshakes", "stall"

_AW_PAYLOAD = ("awaddr", "awlen", "awsize", "awburst")
_AR_PAYLOAD = ("araddr", "arlen", "arsize", "arburst")


class AxiMonitor:
    def __init__(self, tb, max_burst=16, wb_burst=8, desc_burst=16):
        self.tb = tb
        dut = tb.dut
        self.nbytes = tb.nbytes
        self.size_w = (self.nbytes - 1).bit_length()
        self.size_r = (min(self.nbytes, 16) - 1).bit_length()
        self.max_burst = max_burst
        self.max_wb_beats = max(1, (wb_burst * 16 + self.nbytes - 1) // self.nbytes) + 1
        self.max_desc_beats = desc_burst * 16 // (1 << self.size_r)
        # per write burst, in issue order (AWID is always 0: B returns in this order)
        self.aw_cyc = []          # handshake clock
        self.aw_ring = []         # True: a writeback burst (into the ring)
        self.b_cyc = []           # B handshake clock
        self.b_resp = []
        self.err_cyc = None       # clock of the first non-OKAY response seen
        self.err_transactions = 0 # R bursts with a non-OKAY beat, and non-OKAY B responses
        self._r_burst_err = False
        self.desc_read = 0        # descriptors covered by AR bursts
        self.desc_fetched = 0     # descriptors whose every R beat was OKAY, before any error
        self.r_failed = False     # an R error since the last enable: no later beat counts
        self._r_beat = 0          # beat within the current descriptor (DATA_W 64: two)
        self._r_bad = False       # the current descriptor had an errored beat
        self.ar_count = 0
        self._aw_open = deque()   # [beats expected, beats seen] of bursts still owed W beats
        self._w_wait = deque()    # [wlast, clock of the first, beats]: runs of W beats (one
                                  # beat a clock, one wlast) not yet paired with an AW
        self._w_wait_beats = 0    # W beats in _w_wait
        self._w_early = 0         # paired W beats that were handed over before their AW
        self._w_done = 0          # W beats handed over in runs already closed
        self._w_ready = 0         # clocks WREADY was high, up to the last W sample
        self._w_rdy = False       # WREADY as last sampled
        # of the runs of W beats closed so far: [clock of the first beat, of the last, _w_ready
        # before the first, _w_ready at the last]
        self._w_span = None
        self._w_open = None       # clock the open run of W handshakes was sampled at
        # W: the state sampled at clock _w_since (_W_IDLE, _W_HS handshakes, _W_STALL)
        self._w_kind = _W_IDLE
        self._w_since = 0
        self._w_first = None      # clock at which the current W beat was first seen
        self._w_last = False      # WLAST of the handshake state
        self._w_strb = None       # its WSTRB, read only while err_cyc is set
        self._w_sp = None         # payload of the stall state
        self._w_stalled = False   # an edge sampled the stall with payload _w_sp
        self._w_due = False       # a W sample is due in this timestep's ReadOnly phase
        self._aw_sink = None      # the slave model's AW channel (hook_slave)
        self._s = {n: getattr(dut, "m_axi_" + n) for n in (
            "awvalid", "awready", *_AW_PAYLOAD,
            "wvalid", "wready", "wdata", "wstrb", "wlast",
            "bvalid", "bready", "bresp",
            "arvalid", "arready", *_AR_PAYLOAD,
            "rvalid", "rready", "rresp", "rlast")}
        for n in ("awvalid", "awready", "wvalid", "wready", "wlast", "bvalid", "bready",
                  "arvalid", "arready", "rvalid", "rready", "rlast"):
            if not isinstance(self._s[n].get(), Logic):
                raise TypeError(f"m_axi_{n} does not read as a 1-bit Logic")
        self._clk = RisingEdge(dut.clk)
        self._aw_poke = Event()   # set when the AW channel may have changed
        self._aw_stall = Event()  # set while AW is stalled
        self._w_err = Event()     # set when err_cyc is set: W is sampled every clock
        self._w_stall = Event()   # set while W is stalled
        self._running = False
        self._t_start = None      # simulated time (steps) of `start()`
        self._t0 = None           # time of the clock edge the count starts from
        self._period = None       # clock period in steps, measured during reset
        self._edge = None         # time of one rising clock edge
        self._cyc_stop = None     # the clock count frozen when the monitor stopped
        cocotb.start_soon(self._measure_clock())

    # ------------------------------------------------------------------ clock count
    async def _measure_clock(self):
        await self._clk
        t = get_sim_time()
        await self._clk
        self._period = get_sim_time() - t
        self._edge = t

    @property
    def cyc(self):
        """Rising clock edges since `start()` (frozen once `running` is cleared)."""
        if self._cyc_stop is not None:
            return self._cyc_stop
        if self._t0 is None:
            if self._t_start is None or self._period is None:
                return 0
            t = self._t_start   # the last clock edge at or before start()
            self._t0 = t - (t - self._edge) % self._period
        return (get_sim_time() - self._t0) // self._period

    @property
    def running(self):
        return self._running

    @running.setter
    def running(self, on):
        if self._running and not on:
            self._cyc_stop = self.cyc
        self._running = bool(on)

    # ------------------------------------------------------------------ set-up
    def hook_slave(self, axi_slave):
        """Follow the slave model's AW channel, so memory writes know their burst (`slave_aw`)."""
        self._aw_sink = axi_slave.write_if.aw_channel

    @property
    def slave_aw(self):
        """AW bursts the slave model has taken off its AW channel (its current burst + 1)."""
        taken = len(self.aw_cyc)
        return taken - self._aw_sink.count() if self._aw_sink is not None else taken

    @property
    def w_beats(self):
        """W beats handed over so far (the open run's up to the current clock)."""
        if self._w_open is None:
            return self._w_done
        return self._w_done + self.cyc - self._w_open

    def w_window(self) -> dict:
        """From the first W beat to the last (of the runs closed so far): the W beats, the
        clocks of the first and the last, and the clocks WREADY was high (the beats the memory
        would have taken there)."""
        sp = self._w_span
        if sp is None:
            return {"w_beats": 0, "w_first_clock": None, "w_last_clock": None,
                    "w_ready_clocks": 0}
        return {"w_beats": self._w_done, "w_first_clock": sp[0], "w_last_clock": sp[1],
                "w_ready_clocks": sp[3] - sp[2]}

    @property
    def w_before_aw(self):
        """W beats handed over before their AW (legal AXI; DESIGN.md says the RTL never does it),
        among the runs of W beats closed so far."""
        return self._w_early + self._w_wait_beats

    def error(self, msg):
        self.tb.error(f"AXI monitor: {msg}")

    def start(self):
        """Start sampling; clocks count from the last rising edge at or before this call."""
        self._running = True
        self._cyc_stop = None
        self._t_start = get_sim_time()
        self._t0 = None
        return cocotb.start_soon(self._run())

    async def _run(self):
        s = self._s
        # what can end an AW stall or break its rules wakes the AW channel
        poke, stall = self._aw_poke, self._aw_stall
        cocotb.start_soon(self._poke_on(ValueChange(s["awvalid"]), poke))
        cocotb.start_soon(self._poke_on(RisingEdge(s["awready"]), poke, stall, idle_wait=False))
        for n in _AW_PAYLOAD:
            cocotb.start_soon(self._poke_on(ValueChange(s[n]), poke, stall, idle_wait=False))
        # W: sampled after any change of VALID, READY or WLAST; of the payload while stalled
        self._w_kind, self._w_since, self._w_first = _W_IDLE, self.cyc, None
        self._w_stalled = self._w_due = False
        self._w_open = None
        for n in ("wvalid", "wready", "wlast"):
            cocotb.start_soon(self._w_watch(ValueChange(s[n])))
        for n in ("wdata", "wstrb"):
            cocotb.start_soon(self._w_watch(ValueChange(s[n]), self._w_stall))
        chans = [cocotb.start_soon(c) for c in (
            self._aw_channel(), self._w_clock(), self._b_channel(),
            self._ar_channel(), self._r_channel())]
        for t in chans:
            await t

    async def _poke_on(self, trig, poke, stall=None, idle_wait=True):
        """Set `poke` on `trig`: always, or (given `stall`) only while `stall` is set; not
        `idle_wait`: wait for `trig` only while `stall` is set."""
        while self._running:
            if not idle_wait and not stall.is_set():
                await stall.wait()
            await trig
            if stall is None or stall.is_set():
                poke.set()

    async def _next_clock(self, t):
        """The first rising clock edge after simulated time t."""
        await self._clk
        if get_sim_time() == t:
            await self._clk

    def _edge_error(self, msg):
        """Report an error found in the ReadOnly phase at the clock edge it belongs to."""
        cocotb.start_soon(self._later(msg))

    async def _later(self, msg):
        await self._clk
        self.error(msg)

    # ------------------------------------------------------------------ channels
    async def _aw_channel(self):
        """AW in the ReadOnly phase (module doc): a sample at timestep t holds for the next
        rising edge; a handshake or an unknown AWVALID is followed every clock."""
        s = self._s
        valid, ready = s["awvalid"], s["awready"]
        payload = tuple(s[n] for n in _AW_PAYLOAD)
        poke, stall = self._aw_poke, self._aw_stall
        readonly = ReadOnly()
        clk = self._clk
        st = None                 # payload of a stalled transfer
        first = 0                 # clock at which the current AW was first seen
        while self._running:
            await readonly
            poke.clear()
            cyc = self.cyc + 1    # the clock edge these values are sampled at
            v = valid.get()
            if v is _1:
                if st is None:
                    first = cyc
                p = tuple(str(x.get()) for x in payload)
                if st is not None and p != st:
                    self._edge_error(f"AW payload changed while stalled: {st} -> {p}")
                if ready.get() is _1:
                    st = None
                    stall.clear()
                    self._aw(p, first, cyc)
                    await clk
                else:
                    st = p
                    stall.set()
                    await poke.wait()
                continue
            stall.clear()
            if st is not None:
                self._edge_error("AWVALID dropped before AWREADY")
                st = None
            elif v is not _0:
                self._edge_error(f"AWVALID is {str(v).lower()}")
                await clk
                continue
            await poke.wait()

    async def _w_watch(self, trig, gate=None):
        """Sample W in the ReadOnly phase of each timestep where `trig` fires (only while `gate`
        is set, if given): once a timestep, whichever watcher comes first."""
        readonly = ReadOnly()
        while self._running:
            if gate is not None and not gate.is_set():
                await gate.wait()
            await trig
            if self._w_due or gate is not None and not gate.is_set():
                continue
            self._w_due = True
            await readonly
            self._w_due = False
            self._w_sample()

    async def _w_clock(self):
        """Sample W once at the start, then at every clock while err_cyc is set (from the clock
        of the error response, when B or R set `_w_err`, until `rearm()`)."""
        readonly = ReadOnly()
        clk, err = self._clk, self._w_err
        while self._running:
            while self.err_cyc is not None or not err.is_set():
                if not self._w_due:
                    self._w_due = True
                    await readonly
                    self._w_due = False
                    self._w_sample()
                if self.err_cyc is None:
                    break
                await clk
            err.clear()
            await err.wait()

    def _w_sample(self):
        """W in the ReadOnly phase (module doc): close the state sampled at `_w_since`, which held
        for edges _w_since+1 .. cyc (a run of beats while VALID and READY were high), and take
        the state the next edges see."""
        if not self._running:
            return
        s = self._s
        c = self.cyc
        since = self._w_since
        kind = self._w_kind
        if c != since:
            if self._w_rdy:           # READY held high on edges since+1 .. c
                self._w_ready += c - since
            if kind is _W_HS:         # beats on edges since+1 .. c (READY high on each)
                if self._w_span is None:
                    self._w_span = [since + 1, c, self._w_ready - (c - since), self._w_ready]
                else:
                    self._w_span[1], self._w_span[3] = c, self._w_ready
                self._w_run(self._w_last, self._w_strb, self._w_first, since + 1, c - since)
                self._w_first = None
            elif kind is _W_STALL:
                self._w_stalled = True
            self._w_since = c
        if s["wvalid"].get() is _1:
            if self._w_first is None:
                self._w_first = c + 1
            if s["wready"].get() is _1:
                lv = s["wlast"].get()
                self._w_last = lv is _1
                if self._w_stalled:
                    if (str(s["wdata"].get()), str(s["wstrb"].get()), str(lv)) != self._w_sp:
                        self._edge_error("W payload changed while stalled")
                    self._w_stalled = False
                self._w_strb = None if self.err_cyc is None else s["wstrb"].get()
                kind = _W_HS
            else:
                p = (str(s["wdata"].get()), str(s["wstrb"].get()), str(s["wlast"].get()))
                if self._w_stalled and p != self._w_sp:
                    self._edge_error("W payload changed while stalled")
                self._w_sp = p
                kind = _W_STALL
        else:
            if self._w_stalled:
                self._edge_error("WVALID dropped before WREADY")
                self._w_stalled = False
            self._w_first = None
            kind = _W_IDLE
        self._w_open = c if kind is _W_HS else None
        self._w_rdy = s["wready"].get() is _1
        if kind is not self._w_kind:
            self._w_kind = kind
            if kind is _W_STALL:
                self._w_stall.set()
            else:
                self._w_stall.clear()

    async def _b_channel(self):
        s = self._s
        valid, ready, resp = s["bvalid"], s["bready"], s["bresp"]
        rise = RisingEdge(valid)
        clk = self._clk
        await clk
        while self._running:
            if valid.get() is _1:
                if ready.get() is _1:
                    self._b(str(resp.get()), self.cyc)
                await clk
                continue
            await rise
            await self._next_clock(get_sim_time())

    async def _ar_channel(self):
        s = self._s
        valid, ready = s["arvalid"], s["arready"]
        payload = tuple(s[n] for n in _AR_PAYLOAD)
        rise = RisingEdge(valid)
        clk = self._clk
        st = None                 # payload of a stalled transfer
        first = 0                 # clock at which the current AR was first seen
        await clk
        while self._running:
            if valid.get() is _1:
                cyc = self.cyc
                if st is None:
                    first = cyc
                p = tuple(str(x.get()) for x in payload)
                if st is not None and p != st:
                    self.error(f"AR payload changed while stalled: {st} -> {p}")
                if ready.get() is _1:
                    st = None
                    self._ar(p, first, cyc)
                else:
                    st = p
                await clk
                continue
            if st is not None:
                self.error("ARVALID dropped before ARREADY")
                st = None
            await rise
            await self._next_clock(get_sim_time())

    async def _r_channel(self):
        """R: error responses (for the post-error write check), descriptors fetched."""
        s = self._s
        valid, ready, resp, last = s["rvalid"], s["rready"], s["rresp"], s["rlast"]
        rise = RisingEdge(valid)
        clk = self._clk
        await clk
        while self._running:
            if valid.get() is _1:
                if ready.get() is _1:
                    self._r(str(resp.get()) != "00", last.get() is _1, self.cyc)
                await clk
                continue
            await rise
            await self._next_clock(get_sim_time())

    def writes_in_flight_max(self) -> int:
        """The most write bursts out at once, each from its AW handshake to its B's (a B at
        the clock of an AW has left before that AW counts)."""
        aw, b = self.aw_cyc, self.b_cyc
        most = done = 0
        for k, cyc in enumerate(aw):
            while done < len(b) and b[done] <= cyc:
                done += 1
            most = max(most, k + 1 - done)
        return most

    def rearm(self):
        """The bench re-enabled the queue after a halt: errors and fetch counting start over."""
        self.err_cyc = None
        self.r_failed = False
        self._r_beat = 0
        self._r_bad = False

    # ------------------------------------------------------------------ handshakes
    def _r(self, err, last, cyc):
        if err and self.err_cyc is None:
            self.err_cyc = cyc
            self._w_err.set()     # W closes its run of beats at this clock
        if err and not self._r_burst_err:
            self.err_transactions += 1
        self._r_burst_err = (self._r_burst_err or err) and not last
        self._r_bad |= err
        self._r_beat += 1
        if self._r_beat << self.size_r == 16:
            if not self._r_bad and not self.r_failed:
                self.desc_fetched += 1
            self.r_failed |= self._r_bad
            self._r_beat = 0
            self._r_bad = False

    def _aw(self, p, first, cyc):
        addr, alen, size, burst = (int(x, 2) for x in p)
        beats = alen + 1
        n = len(self.aw_cyc)
        if burst != 1:
            self._edge_error(f"AW burst {n} at {addr:#x}: awburst={burst}, not INCR")
        if size != self.size_w:
            self._edge_error(f"AW burst {n} at {addr:#x}: awsize={size}, expected {self.size_w}")
        start = addr & ~(self.nbytes - 1)
        if (start & 0xFFF) + beats * self.nbytes > 0x1000:
            self._edge_error(f"AW burst {n} at {addr:#x} len {beats} crosses a 4 KB boundary")
        ring = self.tb.ring
        is_ring = ring is not None and ring.base <= addr < ring.end
        if is_ring:
            if beats > self.max_wb_beats:
                self._edge_error(f"writeback burst {n} at {addr:#x}: {beats} beats > WB_BURST")
        elif beats > self.max_burst:
            self._edge_error(f"data burst {n} at {addr:#x}: {beats} beats > MAX_BURST {self.max_burst}")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self._edge_error(f"AW burst {n} at {addr:#x} presented at clock {first}, after the "
                       f"error response at clock {self.err_cyc}")
        self.aw_cyc.append(cyc)
        self.aw_ring.append(is_ring)
        self._aw_open.append([beats, 0])
        self._match(self._edge_error)

    def _w_run(self, last, wstrb, first, cyc, count):
        """`count` W beats handed over at clocks cyc .. cyc+count-1, all with WLAST `last`; the
        first was presented from clock `first`, each other at its own handshake clock. `wstrb`
        (the value, read while err_cyc was set; else None) for the post-error rule."""
        self._w_done += count
        err = self.err_cyc
        if wstrb is not None and err is not None and cyc + count - 1 > err:
            strb = int(str(wstrb), 2)
            if strb:
                for i in range(count):
                    f = first if i == 0 else cyc + i
                    if f > err:
                        self.error(f"W beat with wstrb={strb:#x} presented at clock {f}, "
                                   f"after the error response at clock {err}")
        self._w_wait.append([last, cyc, count])
        self._w_wait_beats += count
        self._match(self.error)

    def _match(self, error):
        """Pair W beats with their AW (in order) and check wlast, a run of beats at a time."""
        aw_open, w_wait, aw_cyc = self._aw_open, self._w_wait, self.aw_cyc
        while aw_open and w_wait:
            run = w_wait[0]
            last, cyc, count = run
            b = aw_open[0]
            n = len(aw_cyc) - len(aw_open)
            take = 1 if last else min(count, b[0] - b[1])   # beats of this burst in the run
            early = aw_cyc[n] - cyc
            if early > 0:
                self._w_early += min(early, take)
            b[1] += take
            if last != (b[1] == b[0]):
                error(f"burst {n}: wlast={int(last)} on beat {b[1]} of {b[0]}")
            if b[1] >= b[0] or last:
                aw_open.popleft()
            self._w_wait_beats -= take
            if take == count:
                w_wait.popleft()
            else:
                run[1] += take
                run[2] -= take

    def _b(self, resp, cyc):
        n = len(self.b_cyc)
        if n >= len(self.aw_cyc):
            self.error("B response without an outstanding AW")
        r = int(resp, 2)
        self.b_cyc.append(cyc)
        self.b_resp.append(r)
        if r != 0:
            self.err_transactions += 1
        if r != 0 and self.err_cyc is None:
            self.err_cyc = cyc
            self._w_err.set()     # W closes its run of beats at this clock

    def _ar(self, p, first, cyc):
        addr, alen, size, burst = (int(x, 2) for x in p)
        beats = alen + 1
        self.ar_count += 1
        if burst != 1:
            self.error(f"AR at {addr:#x}: arburst={burst}, not INCR")
        if size != self.size_r:
            self.error(f"AR at {addr:#x}: arsize={size}, expected {self.size_r}")
        nbytes = beats << size
        if (addr & 0xFFF) + nbytes > 0x1000:
            self.error(f"AR at {addr:#x} len {beats} crosses a 4 KB boundary")
        if beats > self.max_desc_beats:
            self.error(f"AR at {addr:#x}: {beats} beats > DESC_BURST")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self.error(f"AR at {addr:#x} presented at clock {first}, after the error response "
                       f"at clock {self.err_cyc}")
        ring = self.tb.ring
        if ring is None or addr & 0xF or not (ring.base <= addr and addr + nbytes <= ring.end):
            self.error(f"AR at {addr:#x} ({nbytes} bytes) is not a descriptor read inside the ring")
            return
        first = (addr - ring.base) >> 4
        cnt = nbytes >> 4
        for s in range(first, first + cnt):
            if not ring.owned[s]:
                self.error(f"AR at {addr:#x} reads descriptor {s}, which the device does not own")
                break
        self.desc_read += cnt
