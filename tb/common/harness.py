"""The harness every bench of nic_rx_dma stands on: clock, reset, bus models, protocol monitor.

`Harness(dut, target, clk_ns=..., seed=...)` starts the clock, binds the models to the block's
ports (cocotbext-axi's AXI-Lite master of the registers and AXI slave, which answers the DMA
master port from `target`; the MAC's stream source tb.common.mac.MacSource), reads the
build's parameters from the environment (tb.common.params) and hooks the AXI protocol monitor
to the slave; `reset()` starts the monitor (unless the harness is made with monitor=False).
Every check reports through `error()`; `check()` raises the first one. From the first
release of reset on, the harness checks that the MAC is never stalled (`s_axis_rx_tready` high
whenever reset is low). `backpressure()` stalls
the slave's channels and the stream source at random, a pause drawn every clock while the bus
or the source is busy (the RTL bench); `bus_timing()` also adds a pipelined latency to read
data and write responses (both are `BusTiming`; the co-simulation uses the second). The RTL bench
(tb.rtl.bench.TB) and the co-simulation (tb.cosim.cosim.CoSim) are subclasses; the monitor's
confinement checks look at the subclass's `ring` (None: no ring).
"""

import logging
import random
import time
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, First, RisingEdge, ValueChange
from cocotb.utils import get_sim_time
from cocotbext.axi import (
    AxiBus,
    AxiLiteBus,
    AxiLiteMaster,
    AxiSlave,
)

from pymodel import regs
from tb.common import params
from tb.common.axi_monitor import AxiMonitor
from tb.common.mac import MacSource


class BenchError(AssertionError):
    pass


def pause_gen(rng, p, burst=1):
    """Random backpressure: pause with probability p, in runs of up to `burst` clocks."""
    pat = []
    while len(pat) < 4096:
        if rng.random() < p:
            pat.extend([True] * rng.randint(1, burst))
        else:
            pat.append(False)
    i = 0
    n = len(pat)
    while True:
        yield pat[i]
        i = i + 1 if i + 1 < n else 0


class BusTiming:
    """The memory's and the MAC's timing: random pauses on the AXI slave's five channels and
    inside frames on the stream source, and a pipelined latency on read data and write
    responses. Made by `Harness.bus_timing()`.

    cocotbext-axi's AxiSlave serves one burst at a time per direction: its read process takes
    an AR off the AR channel's queue, reads the burst from its target beat by beat and queues
    the R beats on the R channel; its write process takes an AW and its W beats, writes them
    and queues one B. Every channel has a public `pause` (READY low on AW, W and AR, VALID low
    on R and B), and this class sets them:

    - p_axi: every clock, each channel not already pausing starts a pause of 1 to `burst`
      clocks with probability p_axi (pause_gen, one generator per channel seeded from the
      harness's rng);
    - rd_ns: the first R beat of each read burst is driven no earlier than rd_ns after the AR
      handshake of that burst; later beats follow as the channel allows;
    - b_ns: each B is driven no earlier than b_ns after the AW handshake of its burst (the write
      reached memory when its W beats arrived, as a posted write does);
    - b_extra: called at each AW handshake, it returns how many ps later than b_ns that burst's
      B may come (a fault plan's late write response; later Bs wait behind it, in order);
    - p_src: every clock while the stream source has a frame to send, a gap (`tvalid` low) of
      1 to `burst` clocks starts with probability p_src; the first beat after the source was
      idle goes out at once.

    Latency is pipelined: each burst's time counts from its own handshake, and a response held
    does not stop later requests from being accepted. With a latency set the slave's channel
    queues are unbounded (their `queue_occupancy_limit`), so only the block's own limits (its
    outstanding descriptor reads, MAX_OUTSTANDING write bursts) bound what is in flight. A
    request is in flight from its handshake until its response's: an AR until the handshake of
    its last R beat, an AW until its B's. Responses stay in order (AXI IDs are all 0).

    One coroutine times the slave and one the stream, each at the falling clock edge: every
    signal involved changes just after a rising edge, so what it samples there is what the
    next rising edge sees (a handshake then completes), and the pauses it sets are what the
    models act on at that edge. While nothing is in flight and no AR, AW or W is valid the
    slave's coroutine sleeps until ARVALID, AWVALID or WVALID rises; while the source has no
    frame, the stream's sleeps until TVALID rises. `in_flight` keeps the most reads and writes
    in flight at once (while the slave is timed); `held` counts the clocks R and B waited for
    their latency, `gaps` the clocks the source held `tvalid` low with a frame to send.
    """

    def __init__(self, harness, *, p_axi=0.0, p_src=0.0, rd_ns=0.0, b_ns=0.0, burst=4,
                 b_extra=None):
        self.dut = harness.dut
        rd_if, wr_if = harness.axi.read_if, harness.axi.write_if
        self.channels = {"aw": wr_if.aw_channel, "w": wr_if.w_channel, "b": wr_if.b_channel,
                         "ar": rd_if.ar_channel, "r": rd_if.r_channel}
        self.source = harness.source
        rng = harness.rng
        self.pauses = {n: pause_gen(random.Random(rng.random()), p_axi, burst)
                       for n in self.channels} if p_axi else {}
        self.src_pauses = pause_gen(random.Random(rng.random()), p_src, burst) if p_src else None
        self.b_extra = b_extra        # () -> extra ps for the B of the write burst just taken
        if rd_ns or b_ns or b_extra is not None:
            for ch in self.channels.values():
                ch.queue_occupancy_limit = -1
        self.half_ps = round(harness.clk_ns * 1000) // 2
        self.rd_ps = round(rd_ns * 1000)
        self.b_ps = round(b_ns * 1000)
        self.reads = deque()          # [due time, beats left] per AR in flight, in order
        self.writes = deque()         # due time of the B of each AW in flight, in order
        self.in_flight = {"read": 0, "write": 0}
        self.held = {"r": 0, "b": 0}
        self.gaps = 0
        self.rng = rng
        self._slave_task = self._stream_task = None
        self._start()

    @property
    def slave_timed(self) -> bool:
        return bool(self.pauses or self.rd_ps or self.b_ps or self.b_extra is not None)

    def _start(self):
        if self.slave_timed and self._slave_task is None:
            self._slave_task = cocotb.start_soon(self._slave())
        if self.src_pauses is not None and self._stream_task is None:
            self._stream_task = cocotb.start_soon(self._stream())

    def set_pauses(self, p_axi=0.0, p_src=0.0, burst=4):
        """New pause probabilities (0: none) for the slave's channels and the stream source,
        from the next falling edge; a channel left without pauses is released at once."""
        rng = self.rng
        self.pauses = {n: pause_gen(random.Random(rng.random()), p_axi, burst)
                       for n in self.channels} if p_axi else {}
        self.src_pauses = pause_gen(random.Random(rng.random()), p_src, burst) if p_src else None
        if not p_axi:
            for ch in self.channels.values():
                ch.pause = False
        if not p_src:
            self.source.pause = False
        self._start()

    async def _slave(self):
        d = self.dut
        arvalid, arready, arlen = d.m_axi_arvalid, d.m_axi_arready, d.m_axi_arlen
        rvalid, rready = d.m_axi_rvalid, d.m_axi_rready
        awvalid, awready, wvalid = d.m_axi_awvalid, d.m_axi_awready, d.m_axi_wvalid
        bvalid, bready = d.m_axi_bvalid, d.m_axi_bready
        rst = d.rst
        fall = FallingEdge(d.clk)
        reads, writes, most, held = self.reads, self.writes, self.in_flight, self.held
        r_ch, b_ch = self.channels["r"], self.channels["b"]
        table = None
        while True:
            await fall
            if table is not self.pauses:
                # set_pauses() changed the generators (and released the channels it left
                # without pauses, which a bench may then hold by hand): none is set from here
                if not self.slave_timed:
                    reads.clear()
                    writes.clear()
                    self._slave_task = None
                    return
                table = self.pauses
                pauses = [(self.channels[n], g) for n, g in table.items() if n not in ("r", "b")]
                gen_r, gen_b = table.get("r"), table.get("b")
            if str(rst.value) == "1":
                reads.clear()
                writes.clear()
                continue
            edge = get_sim_time("ps") + self.half_ps     # the rising edge these values meet
            if reads and str(rvalid.value) == "1" and str(rready.value) == "1":
                reads[0][1] -= 1
                if not reads[0][1]:
                    reads.popleft()
            if writes and str(bvalid.value) == "1" and str(bready.value) == "1":
                writes.popleft()
            ar = str(arvalid.value) == "1"
            aw = str(awvalid.value) == "1"
            if ar and str(arready.value) == "1":
                reads.append([edge + self.rd_ps, int(arlen.value) + 1])
                most["read"] = max(most["read"], len(reads))
            if aw and str(awready.value) == "1":
                writes.append(edge + self.b_ps + (self.b_extra() if self.b_extra else 0))
                most["write"] = max(most["write"], len(writes))
            hold_r = bool(reads) and reads[0][0] > edge
            hold_b = bool(writes) and writes[0] > edge
            held["r"] += hold_r
            held["b"] += hold_b
            for ch, gen in pauses:
                ch.pause = next(gen)
            r_ch.pause = hold_r or (gen_r is not None and next(gen_r))
            b_ch.pause = hold_b or (gen_b is not None and next(gen_b))
            if not (reads or writes or ar or aw or str(wvalid.value) == "1"):
                await First(RisingEdge(arvalid), RisingEdge(awvalid), RisingEdge(wvalid))

    async def _stream(self):
        src = self.source
        tvalid = self.dut.s_axis_rx_tvalid
        fall = FallingEdge(self.dut.clk)
        while True:
            await fall
            gen = self.src_pauses
            if gen is None:                        # set_pauses() took the pauses away
                self._stream_task = None
                return
            if src.idle():
                src.pause = False
                await RisingEdge(tvalid)
                continue
            src.pause = next(gen)
            self.gaps += src.pause


class Harness:
    """nic_rx_dma's ports driven and watched; `target` is the AXI slave's memory (an object
    with async read(address, length) and write(address, data)). monitor=False leaves the
    protocol monitor off (the co-simulation's MONITOR=0, to measure what it costs)."""

    def __init__(self, dut, target, *, clk_ns, seed, monitor=True):
        self.dut = dut
        self.dw = len(dut.s_axis_rx_tdata)
        self.nbytes = self.dw // 8
        self.clk_ns = clk_ns
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = logging.getLogger("cocotb.tb")
        self.log.setLevel(logging.INFO)
        # cocotbext-axi logs every transfer at INFO
        logging.getLogger(f"cocotb.{dut._name}").setLevel(logging.WARNING)
        self.errors = []
        self.ring = None        # the descriptor ring the monitor confines reads to
        self.monitor = monitor
        self.timing = None      # BusTiming, once bus_timing() made one
        self._tready_watch = None
        self.t0 = time.time()

        cocotb.start_soon(Clock(dut.clk, clk_ns, unit="ns", impl="gpi").start(start_high=False))
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.source = MacSource(dut, "s_axis_rx", dut.clk, dut.rst)
        self.axi = AxiSlave(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, target=target)
        dut.rst.value = 1   # an edge the models see: they idle until reset is released
        self.params = params.from_env()
        p = self.params
        self.mon = AxiMonitor(self, max_burst=p["MAX_BURST"], wb_burst=p["WB_BURST"],
                              desc_burst=p["DESC_BURST"])
        self.mon.hook_slave(self.axi)

    # ------------------------------------------------------------------ basics
    def now(self):
        return get_sim_time("ns")

    def error(self, msg):
        clock = f", clock {self.mon.cyc}" if self.monitor else ""
        m = f"[{self.now():.0f} ns{clock}] {msg}"
        if not self.errors:
            self.log.error("%s (seed %d)", m, self.seed)
        self.errors.append(m)

    def check(self):
        if self.errors:
            for m in self.errors[1:10]:
                self.log.error("also: %s", m)
            more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise BenchError(f"{self.errors[0]}{more}; seed {self.seed}")

    async def reset(self, hold=5, settle=3):
        """Reset for `hold` clocks; the monitor starts at the first clock out of reset, and
        `settle` clocks after release (that one included) the block is ready."""
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, hold)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)
        if self.monitor and not self.mon.running:
            self.mon.start()
        if settle > 1:
            await ClockCycles(self.dut.clk, settle - 1)
        if not self._tready_watch:
            self._tready_watch = cocotb.start_soon(self._mac_never_stalled())

    async def _mac_never_stalled(self):
        """The MAC is never stalled: `s_axis_rx_tready` stays high out of reset (CONTRACT.md)."""
        tready, rst = self.dut.s_axis_rx_tready, self.dut.rst
        while True:
            if str(tready.value) != "1" and str(rst.value) == "0":
                self.error(f"the MAC is stalled: s_axis_rx_tready is {tready.value} out of reset")
            await ValueChange(tready)

    async def cycles(self, n):
        await ClockCycles(self.dut.clk, n)

    async def read(self, off):
        r = await self.axil.read(off, 4)
        if int(r.resp) != 0:
            self.error(f"AXI-Lite read of {off:#x} answered {r.resp}")
        return int.from_bytes(r.data, "little")

    async def write(self, off, val):
        r = await self.axil.write(off, (val & 0xFFFFFFFF).to_bytes(4, "little"))
        if int(r.resp) != 0:
            self.error(f"AXI-Lite write of {off:#x} answered {r.resp}")

    async def wait_status(self, mask, value, timeout=20000):
        for _ in range(timeout // 8):
            if (await self.read(regs.STATUS)) & mask == value:
                return
            await self.cycles(4)
        raise BenchError(f"STATUS & {mask:#x} never became {value:#x}")

    # ------------------------------------------------------------------ traffic
    def backpressure(self, p_axi=0.0, p_src=0.0, burst=4):
        """Random stalls on every AXI slave channel and idle cycles on the stream source (0:
        none), drawn every clock while the bus or the source is busy (BusTiming: nothing runs
        on clocks where both are idle); may be called again to change or end them."""
        if self.timing is None:
            self.timing = BusTiming(self, p_axi=p_axi, p_src=p_src, burst=burst)
        else:
            self.timing.set_pauses(p_axi, p_src, burst)

    def bus_timing(self, *, p_axi=0.0, p_src=0.0, rd_ns=0.0, b_ns=0.0, burst=4, b_extra=None):
        """Random pauses on the slave's channels and inside frames on the stream source, and
        read and write-response latency (BusTiming); call once, before reset is released."""
        self.timing = BusTiming(self, p_axi=p_axi, p_src=p_src, rd_ns=rd_ns, b_ns=b_ns,
                                burst=burst, b_extra=b_extra)
        return self.timing
