"""Co-simulation glue: pymodel's Linux driver and page_pool against the nic_rx_dma RTL.

`CoSim` is the shared harness (tb.common.harness: clock, reset, AXI-Lite master, MAC stream
source, AXI slave, the AXI protocol monitor, backpressure) with pymodel's host behind it
(pymodel.host.Host: host memory, skb layer, stack, scoreboard, the RX driver and the
level-triggered interrupt service).

- CocotbEnv: the env the driver awaits (now_ns, sleep_ns, spawn) in simulated time.
- AxilRegBus: the driver's register bus over the harness's AXI-Lite master.
- DmaTarget: the AXI slave's memory is pymodel's HostMemory, so every device read and write
  goes through IOMMU translation and the DMA ownership checker; reads are narrowed to each
  R beat's own bytes (ReadBeats), since the slave hands its target the whole bus word.
- IrqPin: the RTL's irq output as the host's interrupt service sees the line.
- DriverRing: the driver's descriptor ring as the monitor sees it, so the monitor's
  descriptor-read confinement check runs against the real driver.
- The protocol monitor runs in every co-simulation; what it reports is among the run's errors
  and fails the verdict (with STRICT=1 it also ends the run, as a DMA breach does). MONITOR=0
  leaves it off, only to measure what it costs.
- BACKPRESSURE, MEM_LATENCY and MAC_PAUSE set the memory's and the MAC's timing through the
  harness's bus_timing() (tb.common.harness.BusTiming): random pauses on the five AXI
  channels, read data and write responses held for a pipelined latency, random gaps inside
  frames on the MAC stream.
- FAULTS (tb.common.fault_plan.FaultPlan): the memory target fails the accesses the plan
  picks (SLVERR, DECERR through tb.common.faults.Responses, garbage data with an error, an
  IOMMU fault) or holds a B late; a task hands the plan the halts the driver logged and the
  frames delivered, so each fault is checked for its ERR_CODE, its recovery and traffic
  resuming. STAT_AXI_ERR must equal the errors injected.
- DISRUPT (pymodel.disrupt.Disruptor) closes, reopens and resizes the interface mid-traffic,
  settled before the drain; MEM_PAGES limits host memory. `DriverRing` and the target's ring
  follow whichever ring the driver has open.
- A MAC source paces frames at an Ethernet rate and records them on the scoreboard.
At the end the driver is closed, the pool destroyed, leaks checked, and the results written.
"""
from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import List, Optional

import cocotb
from cocotb.triggers import Event, First, NullTrigger, RisingEdge, Timer
from cocotb.utils import get_sim_time
from cocotbext.axi import (
    AxiLiteMaster,
    AxiResp,
    AxiSlave,
    AxiStreamFrame,
)

from pymodel import regs
from pymodel.disrupt import Disruptor
from pymodel.dma import HostMemory
from pymodel.errors import Breach
from pymodel.host import Host
from pymodel.reftx import MacSink
from pymodel.sabotage import BUGS, TX_BUGS, tx_queue
from pymodel.stack import HoldTime, StackTx
from pymodel.traffic import wire_ns
from pymodel.xdp import program as xdp_program
from tb.common.bus_memory import ReadBeats
from tb.common.fault_plan import HALT_WAIT_NS, LATE_B_NS, FaultPlan
from tb.common.faults import Responses
from tb.common.harness import Harness
from tb.common.mac import TxStreamSink
from tb.cosim.options import NIC_DMA, Options
from tb.cosim.sizes import PcapScoreboard, size_source


class CocotbEnv:
    """The driver's environment in cocotb: simulated ns, Timer sleeps, cocotb tasks."""

    def __init__(self, on_error) -> None:
        self.on_error = on_error

    @property
    def now_ns(self) -> float:
        return get_sim_time("ns")

    def sleep_ns(self, ns: float):
        ps = round(ns * 1000)
        return Timer(ps, "ps") if ps > 0 else NullTrigger()

    def spawn(self, coro, name: str = ""):
        return cocotb.start_soon(self._guard(coro, name))

    async def _guard(self, coro, name):
        try:
            return await coro
        except Exception as e:  # noqa: BLE001 - every failure in a driver task ends the run
            self.on_error(e, name)


class AxilRegBus:
    """readl/writel for the driver: one AXI-Lite transaction each. `on_enable()` runs just
    before a CTRL write that sets EN while the last CTRL written had it clear: the queue is
    stopped (the driver saw RUNNING drop) and starts afresh."""

    def __init__(self, axil: AxiLiteMaster, on_enable=None) -> None:
        self.axil = axil
        self.on_enable = on_enable
        self.ctrl = 0

    async def read32(self, off: int) -> int:
        return await self.axil.read_dword(off)

    async def write32(self, off: int, value: int) -> None:
        if off == regs.CTRL:
            if value & regs.CTRL_EN and not self.ctrl & regs.CTRL_EN and self.on_enable:
                self.on_enable()
            self.ctrl = value
        await self.axil.write_dword(off, value & 0xFFFFFFFF)


class IrqPin:
    """The RTL's irq output as pymodel's interrupt service sees a line (pymodel.host.IrqLine):
    its level, one clock of the block, and every rise reported by `watch()`."""

    def __init__(self, dut) -> None:
        self.irq = dut.irq
        self.clk = dut.clk

    def high(self) -> bool:
        return self.irq.value == 1

    def clock(self):
        return RisingEdge(self.clk)

    async def watch(self, raised) -> None:
        """Call raised() for a line already high and at every rising edge after that."""
        if self.high():
            raised()
        while True:
            await RisingEdge(self.irq)
            raised()


class DriverRing:
    """The driver's descriptor ring as the AXI monitor sees `tb.ring`: bus addresses
    [base, end) and, per descriptor, whether the device owns it.

    The bounds are those of the ring the driver has open (base = end = 0 while none is:
    then no descriptor read is legal). Ownership is pymodel's RingWatch for that ring, the DMA
    checker's shadow: a TAIL write hands [old TAIL, new TAIL) to the device before the write
    reaches the bus, a writeback that sets DD hands its descriptor back, and a STATUS read
    with RUNNING clear, or enabling the queue, leaves the device nothing. The monitor checks
    at the AR handshake, which is never earlier than the handover of what the burst reads
    and, for an RTL that reads only [fetch, TAIL), never later than its return; while no
    watch is attached (queue never enabled, ring freed) the device owns nothing.
    """

    def __init__(self, driver) -> None:
        self.driver = driver

    @property
    def base(self) -> int:
        ring = self.driver.ring
        return ring.dma_handle if ring is not None else 0

    @property
    def end(self) -> int:
        ring = self.driver.ring
        return ring.dma_handle + self.driver.N * regs.DESC_SIZE if ring is not None else 0

    @property
    def owned(self):
        ring = self.driver.ring
        watch = ring.mapping.ring_watch if ring is not None else None
        return watch.dev_owned if watch is not None else bytes(self.driver.N)


class InjectedFault(Exception):
    """An access the bench answers with an error on purpose (FAULT_WRITE=N, FAULTS=...)."""


class DmaTarget:
    """cocotbext-axi slave target over pymodel's HostMemory (bus address = IOVA or physical).

    A read hands HostMemory only the beat's own bytes (`ReadBeats`); the other lanes of the bus
    word read as zero. With fault_write=N the N-th write call raises, which the AXI slave
    answers with SLVERR. With a fault plan (`plan`, FAULTS=) every access is offered to it and
    fails the way it says: SLVERR (the call raises), DECERR (raises, and `responses` turns the
    slave's SLVERR into DECERR), an error read with garbage data, or an IOMMU fault (the
    IOMMU finds no translation for this access). `ring` (the DriverRing) tells writebacks
    from data writes.
    """

    def __init__(self, hm: HostMemory, on_error, fault_write: int = 0) -> None:
        self.hm = hm
        self.on_error = on_error
        self.fault_write = fault_write
        self.writes = 0
        self.fault: Optional[dict] = None      # the write answered SLVERR, once it happened
        self.beats: Optional[ReadBeats] = None
        self.ring = None
        self.plan: Optional[FaultPlan] = None
        self.responses: Optional[Responses] = None
        self.rng = None
        self.late_b = None        # () -> None: hold the B channel (FAULTS late_b, no BusTiming)
        self.widen = False        # nic_dma: TX buffer reads are whole beats (device_read_beat)

    def attach(self, axi: AxiSlave) -> "DmaTarget":
        """Learn each read beat's bytes from the slave's AR channel."""
        self.beats = ReadBeats(axi.read_if)
        return self

    def _in_ring(self, address: int) -> Optional[int]:
        ring = self.ring
        if ring is not None and ring.base <= address < ring.end:
            return address - ring.base
        return None

    async def read(self, address: int, length: int) -> bytes:
        lo, hi = address, address + length
        if self.beats is not None:
            lo, hi = self.beats.next_beat()
            if not address <= lo < hi <= address + length:
                raise AssertionError(f"R beat [{lo:#x}, {hi:#x}) outside the bus word at "
                                     f"{address:#x}")
        act = self.plan.on_access("desc_read", lo) if self.plan is not None else None
        if act == "iommu":
            self.hm.iommu.fail_next()
        elif act == "garbage":
            junk = self.rng.getrandbits(8 * length)
            self.responses.read_beat(AxiResp.SLVERR, junk)
            return junk.to_bytes(length, "little")
        elif act is not None:
            if act == "decerr":
                self.responses.read_beat(AxiResp.DECERR)
            raise InjectedFault(f"{act} injected on a descriptor read at {lo:#x}")
        try:
            if self.widen and self._in_ring(lo) is None:
                data = self.hm.device_read_beat(lo, hi - lo)
            else:
                data = self.hm.device_read(lo, hi - lo)
        except Breach as e:
            self.on_error(e, "device read")
            raise
        return bytes(lo - address) + data + bytes(address + length - hi)

    async def write(self, address: int, data: bytes) -> None:
        self.writes += 1
        if self.writes == self.fault_write:
            self.fault = {"write": self.writes, "address": address, "bytes": len(data)}
            off = self._in_ring(address)
            if off is not None:
                self.fault["writeback"] = {"slot": off // regs.DESC_SIZE,
                                           "offset": off % regs.DESC_SIZE}
            raise InjectedFault(f"SLVERR injected on write {self.writes} at {address:#x}")
        if self.plan is not None:
            if self.late_b is not None and self.plan.late_b_due():
                self.late_b()
            kind = "wb_write" if self._in_ring(address) is not None else "data_write"
            act = self.plan.on_access(kind, address)
            if act == "iommu":
                self.hm.iommu.fail_next()
            elif act is not None:
                if act == "decerr":
                    self.responses.write_burst(AxiResp.DECERR)
                raise InjectedFault(f"{act} injected on a {kind} at {address:#x}")
        try:
            self.hm.device_write(address, bytes(data))
        except Breach as e:
            self.on_error(e, "device write")
            raise


MONITOR_REPORTS = 20       # the harness's error reports kept word for word in the results


class CoSim(Harness):
    """One RX queue: the RTL as the NIC, pymodel as the host, on the shared harness."""

    def __init__(self, dut, opt: Options) -> None:
        self.opt = opt
        self.failed = Event()
        self.reports = 0                           # errors the harness's checks reported
        self.env = CocotbEnv(self._fail)
        kind, arg = size_source(opt.sizes, opt.seed)
        self.sizes_kind, self.sizes_arg = kind, arg
        self.host = Host(self.env, profile=opt.profile, strict=bool(opt.strict),
                         coherent=bool(opt.coherent),
                         iommu=None if opt.iommu == "off" else opt.iommu, seed=opt.seed,
                         hold=HoldTime.parse(opt.hold, opt.seed + 7),
                         scoreboard=PcapScoreboard() if kind == "pcap" else None,
                         mem_pages=opt.mem_pages or None)
        self.hm = self.host.hm
        self.scoreboard = self.host.scoreboard
        self.skbs = self.host.skbs
        self.stack = self.host.stack
        self.target = DmaTarget(self.hm, self._fail, opt.fault_write)
        self.top = opt.top
        # the protocol monitor knows one block's rules (docs/BENCH.md): off on nic_dma
        super().__init__(dut, self.target, clk_ns=opt.clk_ns, seed=opt.seed,
                         monitor=bool(opt.monitor) and self.top != NIC_DMA)
        self.target.attach(self.axi)
        self.target.widen = self.top == NIC_DMA
        self.fault_spec = opt.fault_spec()
        self.plan: Optional[FaultPlan] = None       # made when the traffic starts
        if self.fault_spec is not None:
            self.target.responses = Responses(self.axi)
            self.target.rng = random.Random(opt.seed + 11)
        late_b = self.fault_spec is not None and "late_b" in self.fault_spec.classes
        rd_ns, b_ns = opt.latency_ns()
        if opt.backpressure or opt.mac_pause or rd_ns or b_ns:
            # BusTiming holds each B to its due time: a late B is one more hold
            self.bus_timing(p_axi=opt.backpressure, p_src=opt.mac_pause, rd_ns=rd_ns, b_ns=b_ns,
                            b_extra=self._late_b if late_b else None)
        elif late_b:
            # no BusTiming: the B channel pauses from the write the fault picks on
            self.target.late_b = self._hold_b
        for name in ("cocotb.nic_rx_dma", f"cocotb.{dut._name}"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # enabling the queue starts the monitor's error rules afresh (a halt's recovery)
        self.bus = AxilRegBus(self.axil, on_enable=self.mon.rearm)
        driver_kw = {"rx_offset": opt.rx_offset} if opt.rx_offset else {}
        self.tx_sink: Optional[TxStreamSink] = None
        self.mac_sink: Optional[MacSink] = None
        self.txq = None
        self.stack_tx: Optional[StackTx] = None
        self.prog = None
        if self.top == NIC_DMA:
            # nic_dma: the TX queue at 0x1000 on the same register port, the MAC sink on
            # m_axis_tx checking every frame sent, the XDP program or the stack as the sender
            self.prog = xdp_program(opt.xdp) if opt.xdp else None
            swapped = self.prog is not None and self.prog.name.startswith("tx")
            self.mac_sink = MacSink(seed=opt.seed, swapped=swapped)
            self.tx_sink = TxStreamSink(dut, "m_axis_tx", dut.clk, self.mac_sink.receive)
            self.txq = tx_queue(self.hm, self.bus, self.env, base=regs.TX_BASE,
                                ring_size=opt.ring, skbs=self.host.skbs,
                                bug=opt.bug if opt.bug in TX_BUGS else None)
            driver_kw["tx"] = self.txq
            if self.prog is not None:
                driver_kw["xdp"] = self.prog
            if opt.tx == "stack":
                self.stack_tx = StackTx(self.env, self.host.skbs, self.txq.qdisc, seed=opt.seed)
        self.driver = self.host.attach(self.bus, path=opt.driver, ring_size=opt.ring,
                                       bug=opt.bug if opt.bug in BUGS else None, **driver_kw)
        self.ring = DriverRing(self.driver)
        self.target.ring = self.ring
        self.disruptor: Optional[Disruptor] = None
        self.irq_pin = IrqPin(dut)
        self.irq_service = self.host.serve_irq(self.irq_pin)
        self._halts_told = 0
        self._left = 0                             # frames unaccounted at the last drain check
        self.sent = 0
        self.t_first = None
        self.t_last = None

    # ------------------------------------------------------------------ failures
    def _fail(self, exc: BaseException, where: str) -> None:
        msg = f"{type(exc).__name__} in {where} at {self.env.now_ns:.0f} ns: {exc}"
        if msg not in self.errors:
            self.errors.append(msg)
        self.failed.set()

    def error(self, msg: str) -> None:
        """A check of the harness failed (the protocol monitor): one of the run's errors (the
        first MONITOR_REPORTS of them word for word, the rest counted); with STRICT=1 the run
        ends here."""
        self.reports += 1
        if self.reports <= MONITOR_REPORTS:
            super().error(msg)
        if self.opt.strict:
            self.failed.set()

    # ------------------------------------------------------------------ tasks
    async def _stack_sends(self) -> None:
        """TX=stack: the stack sends the frames through the qdisc and ndo_start_xmit, one
        wire time apart at RATE."""
        self.t_first = self.env.now_ns
        await self.stack_tx.send(self.opt.frames, self.sizes_arg, self.opt.rate)
        self.sent = self.stack_tx.seq
        self.t_last = self.env.now_ns

    async def _mac(self) -> None:
        """Send the frames, each starting one wire time after the one before."""
        if self.stack_tx is not None:
            await self._stack_sends()
            return
        t_next = self.env.now_ns
        for k in range(self.opt.frames):
            if self.sizes_kind == "pcap":
                data = self.sizes_arg[k % len(self.sizes_arg)]
                self.scoreboard.add(data)
            else:
                data = self.scoreboard.frame(self.sizes_arg.draw())
            wait = t_next - self.env.now_ns
            if wait > 0:
                await self.env.sleep_ns(wait)
            if self.t_first is None:
                self.t_first = self.env.now_ns
            bad = self.host.mac_error(k, self.opt.mac_err_every)
            await self.source.send(AxiStreamFrame(data, tuser=1 if bad else 0))
            self.sent += 1
            t_next += wire_ns(len(data), self.opt.rate)
        await self.source.wait()
        self.t_last = self.env.now_ns

    def _hold_b(self) -> None:
        """Pause the slave's B channel for LATE_B_NS: the B of the burst being written, and
        of any burst behind it, comes back that much later (FAULTS late_b, no BusTiming)."""
        ch = self.axi.write_if.b_channel
        ch.pause = True

        async def release():
            await Timer(round(LATE_B_NS * 1000), "ps")
            ch.pause = False
        cocotb.start_soon(release())

    def _late_b(self) -> int:
        """BusTiming's b_extra: ps to hold the B of the write burst just taken (FAULTS late_b)."""
        plan = self.plan
        return round(LATE_B_NS * 1000) if plan is not None and plan.late_b_due() else 0

    def _halts_seen(self) -> None:
        """Tell the fault plan of the halts the driver has recovered from since last time."""
        log = self.driver.halt_log
        while self._halts_told < len(log) and log[self._halts_told]["recovered_ns"] is not None:
            h = log[self._halts_told]
            self.plan.halted(h["err_code"], h["t_ns"], h["recovered_ns"],
                             self.scoreboard.received)
            self._halts_told += 1

    async def _settle_fault(self) -> None:
        """After the drain: a fault that fired on the last frames may have halted the queue
        with every frame already accounted for (lost to the halt); give the driver up to
        HALT_WAIT_NS to find the halt and recover before the run closes."""
        waited = 0.0
        while waited < HALT_WAIT_NS:
            self._halts_seen()
            f = self.plan.current
            if f is None or f.expect_code is None or f.recovered_ns is not None:
                return
            await self.env.sleep_ns(2000)
            waited += 2000

    async def _follow_faults(self) -> None:
        """Every 2 us: halts the driver recovered from, and frames delivered since, to the plan."""
        plan = self.plan
        while not plan.stopped:
            self._halts_seen()
            plan.poll(self.scoreboard.received)
            await self.env.sleep_ns(2000)

    async def _accounted(self) -> int:
        """Frames delivered or counted dropped, for the drain: the device's drop counters read
        by the harness over AXI-Lite, not by the driver (whose readl charges the CPU model:
        the harness's polling is not the driver's work), with the driver's own drop counts."""
        st = self.driver.stats
        dev = 0
        for name in ("drop_fifo", "drop_nodesc", "drop_err", "drop_oversize"):
            dev += await self.read(regs.STAT_REGS[name])
        if self.stack_tx is not None:                 # TX=stack: the TX side alone
            return self._transmitted() + self._tx_drops_total()
        tx = 0
        if self.txq is not None:                      # XDP: sent out again, or freed unsent
            tx = self._transmitted() + st.rx_xdp_tx_err + self.txq.stats.tx_xdp_discard
        return (self.scoreboard.received + dev - st.rx_halt_recounted + st.rx_mac_err
                + st.rx_frame_err + st.rx_xdp_drop + st.rx_ring_discard + tx)

    def _transmitted(self) -> int:
        """Frames of the RX traffic the MAC sink saw sent out again (XDP_TX, XDP_REDIRECT),
        or with TX=stack every frame it saw."""
        if self.mac_sink is None:
            return 0
        if self.stack_tx is not None:
            return self.mac_sink.received
        return self.mac_sink.received - self.txq.stats.tx_completed

    def _tx_drops(self) -> dict:
        """TX=stack: the frames the stack made that never reached the MAC, by cause."""
        st, tx = self.stack_tx.stats, self.txq.stats
        return {"stack_alloc_fail": st.alloc_fail, "stack_qdisc_drop": st.qdisc_drops,
                "tx_dropped": tx.tx_dropped, "tx_ring_discard": tx.tx_ring_discard}

    def _tx_drops_total(self) -> int:
        return sum(self._tx_drops().values())

    def _tx_idle(self) -> bool:
        txq = self.txq
        return txq is None or txq.idle()

    async def _drain(self, timeout_ns: float) -> bool:
        """Wait until every frame sent is delivered to the stack (and freed) or counted dropped:
        timeout_ns, or longer while the stack still holds an skb it will free later (a
        long-tailed HOLD)."""
        deadline = self.env.now_ns + timeout_ns
        while self.env.now_ns < max(deadline, self.stack.release_by_ns + 20_000):
            # NAPI may stay scheduled with nothing to take, retrying a refill that finds no
            # memory (MEM_PAGES): then nothing on the ring is pending
            accounted = await self._accounted()
            self._left = self.sent - accounted
            if (self.stack.stats.held == 0
                    and not (self.driver.napi_scheduled and self.driver.rx_pending())
                    and self._tx_idle() and accounted >= self.sent):
                return True
            await self.env.sleep_ns(20_000)
        return False

    async def run(self) -> dict:
        self.dut.s_axis_rx_tvalid.value = 0
        await self.reset(hold=10, settle=10)
        wall0 = time.time()
        t0 = self.env.now_ns
        cocotb.start_soon(self.irq_pin.watch(self.irq_service.raised))
        drained = False

        async def body():
            nonlocal drained
            await self.driver.open()
            if self.fault_spec is not None:
                self.plan = self.target.plan = FaultPlan(self.fault_spec, self.opt.seed + 13,
                                                         lambda: self.env.now_ns)
                self.env.spawn(self._follow_faults(), "faults")
            if self.opt.disrupt:
                self.disruptor = Disruptor(self.env, self.host, self.opt.disrupt,
                                           self.opt.seed + 17).start()
            await self.env.spawn(self._mac(), "mac")
            if self.plan is not None:
                self.plan.stop()
            if self.disruptor is not None:
                await self.disruptor.settle()
            # the slowest drain: the whole run again at the link rate, plus a millisecond
            drained = await self._drain(max(1e6, 2 * (self.env.now_ns - t0)))
            if self.plan is not None:
                await self._settle_fault()
            await self.driver.close()
            if self.plan is not None:
                self._halts_seen()          # a halt the final close found and reset
                self.plan.finish(drained)

        task = self.env.spawn(body(), "main")
        await First(task.complete, self.failed.wait())
        if not task.done():
            task.cancel()
        if not drained and not self.errors:
            self.errors.append(f"frames not accounted for after the drain time: {self._left} of "
                               f"{self.sent} neither delivered nor counted dropped (still in the "
                               f"device or on the ring)")
        sim_ns = self.env.now_ns - t0
        wall = time.time() - wall0
        try:
            leaks = self.hm.dma_debug_check_leaks() if not self.errors else None
        except Breach as e:
            self._fail(e, "teardown")
            leaks = None
        try:
            snap = await self.driver.snapshot()
        except Exception as e:  # noqa: BLE001 - a broken run still reports what it can
            snap = {"error": str(e)}
        return self._results(snap, sim_ns, wall, leaks)

    # ------------------------------------------------------------------ results
    def _fault(self) -> Optional[dict]:
        """The injected SLVERR: write number, address, bytes, and which descriptor's writeback
        (slot and byte offset) or data buffer it hit."""
        f = self.target.fault
        return dict(f) if f is not None else None

    def _bus(self) -> dict:
        """The memory's and the MAC's timing options and what was in flight: with any of them
        set, the most reads (AR to last R) and writes (AW to B) in flight at once and the clocks
        R and B were held for their latency, and the clocks the MAC stream paused inside or
        between queued frames; from the monitor, when it ran, the write bursts, the most in
        flight by its handshake clocks, the fewest and most clocks from an AW handshake to its
        B's, the W beats with the clocks of the first and the last, and the clocks WREADY was
        high between them."""
        o = self.opt
        bus = {"backpressure": o.backpressure, "mem_latency_ns": list(o.latency_ns()),
               "mac_pause": o.mac_pause, "monitor": bool(o.monitor)}
        if self.timing is not None and self.timing.slave_timed:
            bus["in_flight_max"] = dict(self.timing.in_flight)
            bus["held_clocks"] = dict(self.timing.held)
        if self.timing is not None and o.mac_pause:
            bus["mac_gap_clocks"] = self.timing.gaps
        if self.monitor:
            aw, b = self.mon.aw_cyc, self.mon.b_cyc
            bus["monitor_writes"] = {
                "bursts": len(aw), "in_flight_max": self.mon.writes_in_flight_max(),
                "b_clocks_min": min((b[k] - aw[k] for k in range(len(b))), default=None),
                "b_clocks_max": max((b[k] - aw[k] for k in range(len(b))), default=None),
                **self.mon.w_window()}
        return bus

    def _results(self, snap: dict, sim_ns: float, wall: float, leaks) -> dict:
        o = self.opt
        sb = self.scoreboard
        drops = dict(snap.get("drops", {}))
        delivered = sb.received - sb.mismatches - sb.duplicates
        active_ns = (self.t_last or 0) - (self.t_first or 0)
        cycles = round(sim_ns / o.clk_ns)
        dev = snap.get("device", {})
        res = {
            "sim": o.sim, "driver": o.driver, "coherent": o.coherent, "iommu": o.iommu,
            "profile": o.profile, "sizes": o.sizes, "rate_gbps": o.rate, "seed": o.seed,
            "data_w": o.data_w, "clk_ns": o.clk_ns, "ring_size": o.ring,
            "rx_offset": self.driver.rx_offset, "bug": o.bug or None,
            "strict": bool(o.strict), "bus": self._bus(),
            "frames_sent": self.sent,
            "frames_delivered": delivered,
            "drops": drops,
            "drops_total": sum(drops.values()),
            "mismatches": sb.mismatches,
            "duplicates": sb.duplicates,
            "out_of_order": sb.out_of_order,
            "first_mismatch": sb.first_mismatch,
            "csum_bad": snap.get("stack", {}).get("csum_bad"),
            "fault": self._fault(),
            "faults": self.plan.snapshot() if self.plan is not None else None,
            "disrupt": self.disruptor.snapshot() if self.disruptor is not None else None,
            "mem_pages": o.mem_pages,
            "halt_log": snap.get("halt_log", [])[:20],
            "pools_created": snap.get("pools_created"),
            "pools_pending": snap.get("pools_pending"),
            "breaches": snap.get("breaches", len(self.hm.checker.breaches)),
            "breaches_by_rule": snap.get("breaches_by_rule", self.hm.checker.counts()),
            "breach_messages": [str(b) for b in self.hm.checker.breaches[:20]],
            "errors": self.errors + ([f"{self.reports - MONITOR_REPORTS} more AXI monitor "
                                      f"report(s)"] if self.reports > MONITOR_REPORTS else []),
            "monitor_reports": self.reports,
            "pages_in_flight": snap.get("pages_in_flight"),
            "mappings_left": snap.get("mappings_left"),
            "leaks": leaks,
            "page_pool": snap.get("page_pool", {}),
            "dma": snap.get("dma", {}),
            "device": dev,
            "driver_stats": snap.get("driver", {}),
            "stack": snap.get("stack", {}),
            "cpu_ns": snap.get("cpu_ns"),
            "mpps": (delivered / active_ns * 1e3) if active_ns > 0 else 0.0,
            "offered_mpps": (self.sent / active_ns * 1e3) if active_ns > 0 else 0.0,
            "sim_ns": round(sim_ns, 1),
            "cycles": cycles,
            "wall_s": round(wall, 3),
            "cycles_per_s": round(cycles / wall, 1) if wall > 0 else None,
        }
        if self.top == NIC_DMA:
            self._tx_results(res, snap)
        res["accounted"] = (res["frames_delivered"] + res.get("frames_transmitted", 0)
                            + res["drops_total"] == self.sent)
        return res

    def _tx_results(self, res: dict, snap: dict) -> None:
        """nic_dma runs: what the MAC sink saw, the TX queue's counters, the XDP verdicts;
        the frames sent out again count beside those delivered and dropped."""
        ms = self.mac_sink
        res["top"] = self.top
        res["xdp"] = self.opt.xdp or None
        res["tx_mode"] = self.opt.tx or None
        res["frames_transmitted"] = self._transmitted()
        res["mac_sink"] = {"received": ms.received, "bytes": ms.bytes,
                           "mismatches": ms.mismatches, "duplicates": ms.duplicates,
                           "out_of_order": ms.out_of_order, "first_mismatch": ms.first_mismatch}
        res["tx"] = self.txq.snapshot()
        st = snap.get("driver", {})
        res["xdp_actions"] = {k[len("rx_xdp_"):]: v for k, v in st.items()
                              if k.startswith("rx_xdp_")}
        if self.stack_tx is not None:
            drops = self._tx_drops()
            res["drops"] = drops
            res["drops_total"] = sum(drops.values())
            res["frames_delivered"] = 0
        if self.prog is not None:
            res["tx_meant"] = st.get("rx_xdp_tx", 0) + st.get("rx_xdp_redirect", 0)
            res["tx_seqs_match"] = ms.seqs == self.prog.sent_seqs


def write_results(res: dict, path: str) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(res, indent=2, sort_keys=True, default=str) + "\n")


def verdict(res: dict) -> List[str]:
    """Everything wrong with a run, as messages; empty when it passed."""
    p = []
    p += res["errors"]
    ms = res.get("mac_sink")
    if ms:
        if ms["mismatches"]:
            p.append(f"{ms['mismatches']} frame(s) sent on m_axis_tx with wrong bytes "
                     f"({ms['first_mismatch']})")
        if ms["duplicates"]:
            p.append(f"{ms['duplicates']} frame(s) sent on m_axis_tx twice")
        if ms["out_of_order"]:
            p.append(f"{ms['out_of_order']} frame(s) sent on m_axis_tx out of order")
        if res.get("tx_meant") is not None and res["tx_meant"] != res["frames_transmitted"]:
            p.append(f"the XDP program sent {res['tx_meant']} frame(s) out again, the MAC saw "
                     f"{res['frames_transmitted']}")
        if res.get("tx_seqs_match") is False:
            p.append("the frames on m_axis_tx are not the ones the XDP program sent, in order")
    if res["mismatches"]:
        p.append(f"{res['mismatches']} frame(s) delivered with wrong bytes ({res['first_mismatch']})")
    if res["duplicates"]:
        p.append(f"{res['duplicates']} frame(s) delivered twice")
    if res["out_of_order"]:
        p.append(f"{res['out_of_order']} frame(s) out of order")
    if not res["accounted"]:
        p.append(f"sent {res['frames_sent']} != delivered {res['frames_delivered']} + "
                 f"drops {res['drops_total']}")
    if res["breaches"]:
        p.append(f"{res['breaches']} DMA/page_pool rule breach(es): "
                 + "; ".join(res["breach_messages"][:3]))
    if res["csum_bad"]:
        p.append(f"{res['csum_bad']} checksum(s) wrong")
    if res["pages_in_flight"]:
        p.append(f"{res['pages_in_flight']} page(s) still in flight after close")
    if res["mappings_left"]:
        p.append(f"{res['mappings_left']} DMA mapping(s) left after close")
    if res.get("pools_pending"):
        p.append(f"{res['pools_pending']} destroyed page_pool(s) never freed")
    f = res.get("faults")
    if f:
        p += f["errors"]
        lost = {c: n - f["recovered"][c] for c, n in f["injected"].items() if n != f["recovered"][c]}
        if lost:
            p.append(f"faults not recovered, by class: {lost}")
        errs = f["injected_total"] - f["injected"].get("late_b", 0)
        axi_err = (res.get("device") or {}).get("axi_err")
        want = errs + (1 if res.get("fault") else 0)
        if axi_err is not None and axi_err != want:
            p.append(f"STAT_AXI_ERR {axi_err}, expected {want} (one per injected error)")
    return p
