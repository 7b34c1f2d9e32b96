"""AXI4 protocol and confinement monitor for the device's m_axi master port.

Sampling: one coroutine per channel reads the channel's signals (with the handles' public
`get()`, what `.value` returns) only while the channel has something to show, and no
coroutine wakes every clock. W, B, AR and R sleep while VALID is low, wake when it rises and
are then sampled at each rising clock edge (where the slave model samples them too) until
VALID is low again. AW is sampled in the ReadOnly phase of the timestep where its signals
last changed: the block's registers and the slave's AWREADY change just after a rising edge
and hold until the next, so these are the values the next edge sees, and a handshake is
recorded before any coroutine that edge wakes runs (the bench polls `aw_cyc`). Idle or
stalled (VALID high, READY low), AW sleeps until AWVALID changes or, while stalled, AWREADY
rises or the payload changes: a stall, however long, costs a few wake-ups. READY is read only
while VALID is high, the payload only at a handshake or a stall. `cyc` is the simulated time
since `start()` over the clock period (measured during reset), so counting clocks needs no
wake-up either.

Per handshake it checks:

- AW/AR: INCR bursts, `awsize` = log2(DATA_W/8), `arsize` = log2(min(DATA_W/8, 16)) (narrow
  descriptor reads, DESIGN.md), no burst across 4 KB, burst length within MAX_BURST (data),
  WB_BURST (writebacks) and DESC_BURST (descriptor reads); reads only inside descriptors the
  device owns, 16-byte aligned.
- W: `wlast` on the last beat of its AW (W beats ahead of their AW are legal AXI and are
  counted in `w_before_aw`); after an error response
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
        self.w_beats = 0
        self._aw_open = deque()   # [beats expected, beats seen] of bursts still owed W beats
        self._w_wait = deque()    # (wlast, clock) of W beats not yet paired with an AW
        self._w_early = 0         # paired W beats that were handed over before their AW
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
    def w_before_aw(self):
        """W beats handed over before their AW (legal AXI; DESIGN.md says the RTL never does it)."""
        return self._w_early + len(self._w_wait)

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
        cocotb.start_soon(self._poke_on(ValueChange(s["awvalid"]), False))
        cocotb.start_soon(self._poke_on(RisingEdge(s["awready"]), True, idle_wait=False))
        for n in _AW_PAYLOAD:
            cocotb.start_soon(self._poke_on(ValueChange(s[n]), True))
        chans = [cocotb.start_soon(c) for c in (
            self._aw_channel(), self._w_channel(), self._b_channel(),
            self._ar_channel(), self._r_channel())]
        for t in chans:
            await t

    async def _poke_on(self, trig, stalled, idle_wait=True):
        """Wake the AW channel on `trig`, always or (`stalled`) only while AW is stalled; not
        `idle_wait`: wait for `trig` only while AW is stalled."""
        poke, stall = self._aw_poke, self._aw_stall
        while self._running:
            if not idle_wait and not stall.is_set():
                await stall.wait()
            await trig
            if not stalled or stall.is_set():
                poke.set()

    async def _next_clock(self, t):
        """The first rising clock edge after simulated time t."""
        await self._clk
        if get_sim_time() == t:
            await self._clk

    def _aw_error(self, msg):
        """Report an AW error, found in the ReadOnly phase, at the clock edge it belongs to."""
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
                    self._aw_error(f"AW payload changed while stalled: {st} -> {p}")
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
                self._aw_error("AWVALID dropped before AWREADY")
                st = None
            elif v is not _0:
                self._aw_error(f"AWVALID is {str(v).lower()}")
                await clk
                continue
            await poke.wait()

    async def _w_channel(self):
        s = self._s
        valid, ready, wdata, wstrb, wlast = (s[n] for n in
                                             ("wvalid", "wready", "wdata", "wstrb", "wlast"))
        rise = RisingEdge(valid)
        clk = self._clk
        st = None                 # payload of a stalled beat
        new = True                # the next W beat seen starts a new presentation
        first = 0                 # clock at which the current W beat was first seen
        await clk
        cyc = self.cyc
        while self._running:
            if valid.get() is _1:
                if new:
                    first = cyc
                    new = False
                if ready.get() is _1:
                    last = wlast.get()
                    if st is not None:
                        if (str(wdata.get()), str(wstrb.get()), str(last)) != st:
                            self.error("W payload changed while stalled")
                        st = None
                    self._w(last is _1, wstrb, first, cyc)
                    new = True
                else:
                    p = (str(wdata.get()), str(wstrb.get()), str(wlast.get()))
                    if st is not None and p != st:
                        self.error("W payload changed while stalled")
                    st = p
                await clk
                cyc += 1
                continue
            if st is not None:
                self.error("WVALID dropped before WREADY")
                st = None
                new = True
            await rise
            await self._next_clock(get_sim_time())
            cyc = self.cyc

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
            self._aw_error(f"AW burst {n} at {addr:#x}: awburst={burst}, not INCR")
        if size != self.size_w:
            self._aw_error(f"AW burst {n} at {addr:#x}: awsize={size}, expected {self.size_w}")
        start = addr & ~(self.nbytes - 1)
        if (start & 0xFFF) + beats * self.nbytes > 0x1000:
            self._aw_error(f"AW burst {n} at {addr:#x} len {beats} crosses a 4 KB boundary")
        ring = self.tb.ring
        is_ring = ring is not None and ring.base <= addr < ring.end
        if is_ring:
            if beats > self.max_wb_beats:
                self._aw_error(f"writeback burst {n} at {addr:#x}: {beats} beats > WB_BURST")
        elif beats > self.max_burst:
            self._aw_error(f"data burst {n} at {addr:#x}: {beats} beats > MAX_BURST {self.max_burst}")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self._aw_error(f"AW burst {n} at {addr:#x} presented at clock {first}, after the "
                       f"error response at clock {self.err_cyc}")
        self.aw_cyc.append(cyc)
        self.aw_ring.append(is_ring)
        self._aw_open.append([beats, 0])
        self._match(self._aw_error)

    def _w(self, last, wstrb, first, cyc):
        self.w_beats += 1
        if self.err_cyc is not None and first > self.err_cyc:
            strb = int(str(wstrb.get()), 2)
            if strb:
                self.error(f"W beat with wstrb={strb:#x} presented at clock {first}, after the "
                           f"error response at clock {self.err_cyc}")
        self._w_wait.append((last, cyc))
        self._match(self.error)

    def _match(self, error):
        """Pair W beats with their AW (in order) and check wlast."""
        while self._aw_open and self._w_wait:
            last, cyc = self._w_wait.popleft()
            b = self._aw_open[0]
            b[1] += 1
            n = len(self.aw_cyc) - len(self._aw_open)
            if cyc < self.aw_cyc[n]:
                self._w_early += 1
            if last != (b[1] == b[0]):
                error(f"burst {n}: wlast={int(last)} on beat {b[1]} of {b[0]}")
            if b[1] >= b[0] or last:
                self._aw_open.popleft()

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
