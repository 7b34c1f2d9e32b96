"""nic_tx_dma at line rate behind memory latency: one case per run (tb/rtl/tx_linerate.py
runs it for scripts/bench.py's section txrate and tests/test_tx_linerate.py).

The case comes in TXRATE_CASE (JSON: link_gbps, clk_ns, size_fcs, frames, lat_rd, lat_b,
offset, and optionally expect_line_rate: the least share of line rate, with no underrun, the
run must reach to pass); the result goes to the file TXRATE_OUT (JSON). TXRATE_TRACE=1 logs
the block's queue pointers, reservations and reads in flight at the start of each underrun.

- **The bench** is the TX bench's: TxTB (the clock at the link's period), its ReadResponder
  answering every read burst `lat_rd` clocks after its AR handshake (`lat=(lat_rd, lat_rd)`:
  the first R beat's handshake exactly that many clocks after the AR's, later beats one a
  clock, no pauses), cocotbext-axi's AxiSlaveWrite with every B held until `lat_b` clocks
  after its AW handshake (`b_latency`, through the B channel's public `pause`; the B queue is
  unbounded, so held responses never stop AW or W), TxRing's scoreboard (every frame byte for
  byte, every writeback, HEAD, the counters) and TxSink's stream rules.
- **The driver never limits:** a ring with more descriptors than frames, every frame posted
  before the enable and handed over with one doorbell. Each frame is one buffer of
  size_fcs − 4 bytes (the MAC appends the FCS) at `offset` in its area (0: aligned to
  every DATA_W).
- **The MAC** (`LineRateMac`, TxSink's TREADY pattern) takes beats at the link's rate: a token
  bucket filled with link_bps × clk_ns / 8e9 wire bytes a clock, holding at most one clock's
  worth; a beat may be taken when the bucket is not negative, and costs its bytes; a frame's
  last beat also costs the 24 wire bytes of FCS, preamble and gap. So a frame takes at least
  ceil(len / bytes a beat) clocks and on average (size_fcs + 20) × 8 / link_bps, the line
  rate, and a clock the MAC could not use is lost for good (the bucket holds no more than a
  clock's bytes).
- **An underrun** is a clock on which the MAC could take a beat (the bucket not negative),
  frames posted are still unsent, the first frame has begun, and TVALID is low. TxSink sleeps
  while TVALID is low, keeping TREADY as last set; the MAC sets it high for those clocks, so a
  frame that starts after an idle stream is taken at once even if the bucket is still paying
  the last frame's overhead (`early_beats` counts such beats; they are charged all the same).
- **Achieved rate:** frames between the first and the last frame's first beat, over the clocks
  between them; wire bits likewise (size_fcs + 20 bytes a frame).
"""

import json
import os
import time
from fractions import Fraction

import cocotb
from cocotb.triggers import FallingEdge, RisingEdge, Timer
from cocotb.utils import get_sim_time

from pymodel import regs
from tb.common.harness import BenchError
from tb.rtl import tx_bench
from tb.rtl.tx_bench import TxRing, TxTB
from tb.rtl.tx_env import setup

FCS, PREAMBLE, IFG = 4, 8, 12
OVERHEAD = FCS + PREAMBLE + IFG     # wire bytes of a frame beyond those handed to the MAC


class LineRateMac:
    """TxSink's pause generator: the MAC at line rate (module doc). TxSink calls `next()` just
    after each rising edge it handles (not while it sleeps on a low TVALID) and drives TREADY
    for the next edge from the answer (True: pause)."""

    def __init__(self, tb, frames, gbps, clk_ns):
        r = Fraction(str(gbps)) * Fraction(str(clk_ns)) / 8     # wire bytes a clock
        self.den = r.denominator
        self.rate = r.numerator                 # all token amounts are bytes x den
        self.cap = self.rate
        self.t = self.cap
        self.nbytes = tb.nbytes
        self.beat_cost = tb.nbytes * self.den
        self.over = OVERHEAD * self.den
        self.sink = tb.sink
        self.tvalid = tb.dut.m_axis_tx_tvalid
        self.fifo_used = tb.dut.fifo_inst.used
        self.q_alloc = tb.dut.fetch_inst.q_alloc_reg
        self.q_free = tb.dut.wb_inst.q_free_reg
        self.qmask = (2 << (tb.params["DESC_QUEUE"].bit_length() - 1)) - 1
        self.clk_ps = round(clk_ns * 1000)
        self.frames = frames
        self.last = None            # clock of the last call
        self.seen_beats = 0
        self.done = 0               # frames whose TLAST was taken
        self.cur_beats = 0          # beats taken of the frame on the stream
        self.first_start = None     # clock of the first frame's first beat
        self.last_start = None
        self.last_end = None        # clock of the last TLAST
        self.underruns = 0
        self.underrun_runs = 0      # separate stretches of underrun clocks
        self.first_underrun_frame = None
        self._in_underrun = False
        self.early_beats = 0
        self.fifo_max = 0
        self.queue_max = 0          # descriptor queue entries in use (fetched, not yet freed)
        self._k = 0

    def __iter__(self):
        return self

    # TXRATE_TRACE=1 logs the queue pointers, reservations and reads in flight at the start
    # of every underrun; TXRATE_TRACE=N > 1 also every N clocks the stream is busy
    trace = int(os.environ.get("TXRATE_TRACE") or 0)

    def _trace(self, n):
        d = self.sink.tb.dut
        vals = {}
        for path in ("fetch_inst.q_alloc_reg", "fetch_inst.q_wr_reg", "fetch_inst.ar_out_reg",
                     "frame_rd_inst.q_rd_reg", "frame_rd_inst.q_done_reg",
                     "frame_rd_inst.resv_reg", "frame_rd_inst.d_out_reg",
                     "wb_inst.wb_q_reg", "wb_inst.q_free_reg", "wb_inst.b_wr_reg",
                     "wb_inst.b_rd_reg", "fifo_inst.used"):
            h = d
            for part in path.split("."):
                h = getattr(h, part)
            v = h.value
            vals[path.split(".")[-1]] = int(v) if v.is_resolvable else str(v)
        rd = self.sink.tb.rd
        vals.update(r_beats=rd.beats, ar=rd.bursts, out=len(rd.outstanding))
        self.sink.tb.log.warning("underrun at clock %d, frame %d (%d clocks): %s",
                                 int(get_sim_time("ps")) // self.clk_ps, self.done, n, vals)

    def _underrun(self, n):
        if n <= 0 or self.first_start is None or self.done >= self.frames:
            self._in_underrun = False
            return
        self.underruns += n
        if not self._in_underrun:
            self.underrun_runs += 1
            self._in_underrun = True
            if self.trace:
                self._trace(n)
        if self.first_underrun_frame is None:
            self.first_underrun_frame = self.done

    def __next__(self):
        now = int(get_sim_time("ps")) // self.clk_ps
        if self.last is None:
            self.last = now - 1
        gap = now - self.last - 1           # edges TxSink slept through: TVALID low
        if gap > 0:
            t = self.t
            neg = 0 if t >= 0 else min(gap, -(t // self.rate))
            self._underrun(gap - neg)
            self.t = min(self.cap, t + gap * self.rate)
        self.last = now
        sink = self.sink
        sleeping = False
        if sink.beats != self.seen_beats:   # a beat was taken at this edge
            self.seen_beats = sink.beats
            self._in_underrun = False
            if self.t < 0:
                self.early_beats += 1
            if self.cur_beats == 0:
                if self.first_start is None:
                    self.first_start = now
                self.last_start = now
            self.cur_beats += 1
            if len(sink.frames) != self.done:   # its TLAST
                n = len(sink.frames[-1])
                self.t -= (n - (self.cur_beats - 1) * self.nbytes) * self.den + self.over
                self.done += 1
                self.cur_beats = 0
                self.last_end = now
            else:
                self.t -= self.beat_cost
        elif str(self.tvalid.value) != "1":
            if self.t >= 0:
                self._underrun(1)
            else:
                self._in_underrun = False
            sleeping = True
        self.t = min(self.cap, self.t + self.rate)
        self._k += 1
        if self.trace > 1 and not self._k % self.trace:
            self._trace(0)
        if not self._k & 7:
            u = self.fifo_used.value
            if u.is_resolvable:
                self.fifo_max = max(self.fifo_max, int(u))
            a, f = self.q_alloc.value, self.q_free.value
            if a.is_resolvable and f.is_resolvable:
                self.queue_max = max(self.queue_max, (int(a) - int(f)) & self.qmask)
        # TxSink sleeps on a low TVALID with TREADY as set now: high (module doc)
        return False if sleeping else self.t < 0


async def b_latency(tb, lat):
    """Hold each B until `lat` clocks after its AW handshake (the protocol monitor's `aw_cyc`),
    in order; responses held do not stop the slave from taking more AW and W."""
    if lat <= 0:
        return
    dut = tb.dut
    ch = tb.wr.b_channel
    ch.queue_occupancy_limit = -1
    ch.pause = True
    mon = tb.mon
    bvalid, awvalid = dut.m_axi_bvalid, dut.m_axi_awvalid
    fall = FallingEdge(dut.clk)
    clk_ps = round(tx_bench.CLK_NS * 1000)
    while True:
        await fall
        edge = mon.cyc + 1                  # the rising edge these values meet
        k = len(mon.b_cyc) + (str(bvalid.value) == "1")   # the B the slave shows after it
        if k >= len(mon.aw_cyc):
            ch.pause = True
            if str(awvalid.value) != "1":
                await RisingEdge(awvalid)
            continue
        due = mon.aw_cyc[k] + lat           # its B handshake may come at this edge at soonest
        # driven after edge E, a B is taken at E + 1
        ch.pause = due > edge + 1
        if due > edge + 2:
            await Timer((due - edge - 2) * clk_ps, "ps")


@cocotb.test(timeout_time=4000, timeout_unit="ms")
async def tx_linerate(dut):
    """One line-rate case (module doc): every frame byte-exact, the MAC's underruns and the
    rate achieved."""
    case = json.loads(os.environ["TXRATE_CASE"])
    gbps, clk_ns = case["link_gbps"], case["clk_ns"]
    frames, size = case["frames"], case["size_fcs"]
    flen = size - FCS
    offset = case.get("offset", 0)
    lat_rd, lat_b = case["lat_rd"], case["lat_b"]
    ring_size = 8
    while ring_size <= frames:
        ring_size *= 2
    area = -(-(offset + flen + 128) // 64) * 64
    mem = ring_size * (16 + area) + (1 << 20)
    tx_bench.CLK_NS = clk_ns                # the link's clock (TxTB.create reads it)
    tb = await TxTB.create(dut, lat=(lat_rd, lat_rd), mem_size=mem)
    cocotb.start_soon(b_latency(tb, lat_b))
    ring = TxRing(tb, size=ring_size, max_len=flen, max_off=offset)
    mac = LineRateMac(tb, frames, gbps, clk_ns)
    tb.set_tready(mac)
    for _ in range(frames):
        ring.post([flen], [offset])
    await setup(tb, ring)
    wall0 = time.perf_counter()
    clk_ps = round(clk_ns * 1000)
    await ring.doorbell()
    door = int(get_sim_time("ps")) // clk_ps       # TAIL written
    step = 500
    stuck = 0
    while mac.done < frames:
        before = mac.done
        await Timer(step * clk_ps, "ps")
        tb.check()
        stuck = stuck + step if mac.done == before else 0
        if stuck > 50 * (lat_rd + lat_b) + 20000:
            raise BenchError(f"no frame sent for {stuck} clocks: {mac.done} of {frames} sent, "
                             f"STATUS {await tb.read(regs.STATUS):#x}; seed {tb.seed}")
    run_clocks = mac.last_end - door
    sim_wall = time.perf_counter() - wall0
    await ring.wait_idle()
    head = await tb.read(regs.HEAD)
    if head != ring.given:
        tb.error(f"HEAD {head} after all frames went out, TAIL {ring.given}")
    st = await ring.check_counters()
    span = mac.last_start - mac.first_start
    per_clk = (frames - 1) / span if span else 0.0
    mpps = per_clk * 1e3 / clk_ns
    line_mpps = gbps * 1e3 / ((size + PREAMBLE + IFG) * 8)
    res = {
        "link_gbps": gbps, "clk_ns": clk_ns, "data_w": tb.dw, "size_fcs": size,
        "frame_len": flen, "offset": offset, "frames": frames, "lat_rd": lat_rd,
        "lat_b": lat_b, "ring": ring_size, "params": tb.params,
        "frames_sent": ring.sent, "clocks_first_to_last": span, "run_clocks": run_clocks,
        "first_frame_clocks": mac.first_start - door,
        "underrun_clocks": mac.underruns, "underrun_runs": mac.underrun_runs,
        "first_underrun_frame": mac.first_underrun_frame,
        "mac_stall_clocks": tb.sink.stalls, "early_beats": mac.early_beats,
        "achieved_mpps": mpps, "line_rate_mpps": line_mpps,
        "achieved_gbps": mpps * (size + PREAMBLE + IFG) * 8 / 1e3,
        "of_line_rate": mpps / line_mpps,
        "line_rate_clocks_per_frame": (size + PREAMBLE + IFG) * 8 / gbps / clk_ns,
        "reads_in_flight_max": tb.rd.max_out,
        "read_bursts": tb.rd.bursts, "read_bursts_by_kind": dict(tb.rd.by_kind),
        "writes_in_flight_max": tb.mon.writes_in_flight_max(),
        "write_bursts": len(tb.mon.aw_cyc),
        "fifo_words_max": mac.fifo_max, "fifo_bytes_max": mac.fifo_max * tb.nbytes,
        "fifo_bytes": tb.params["FIFO_BYTES"],
        "desc_queue_max": mac.queue_max, "desc_queue": tb.params["DESC_QUEUE"],
        "stat_frames": st["frames"], "stat_desc_fetched": st["desc_fetched"],
        "sim_wall_s": sim_wall,
        "clocks_per_s": run_clocks / sim_wall if sim_wall else None,
    }
    want = case.get("expect_line_rate")
    if want is not None and (mac.underruns or res["of_line_rate"] < want):
        tb.error(f"{mac.underruns} underrun clocks, {100 * res['of_line_rate']:.2f} % of line "
                 f"rate (at least {100 * want:g} % and no underrun expected)")
    out = os.environ.get("TXRATE_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(res, f, indent=1)
    tb.log.warning("%s", json.dumps({k: res[k] for k in (
        "size_fcs", "frames", "underrun_clocks", "of_line_rate", "reads_in_flight_max",
        "fifo_words_max", "clocks_per_s")}))
    tb.finish_stats("tx_linerate", frames=ring.sent, extra={"underruns": mac.underruns})
