"""ReadBeats against the real block at DATA_W 512, where descriptor reads are narrow (arsize 4:
four 16-byte beats share each 64-byte bus word), under random AXI stalls.

The AR and R channels are recorded independently with cocotbext-axi's AxiARMonitor and
AxiRMonitor. Every read the slave hands its target must get from ReadBeats the beat the
recorded bursts say it is, in order (so the burst was queued before the slave read its first
beat), inside the bus word the slave passed; an injected fault on a descriptor in the middle
of a bus word must fail exactly the R beat that carries it.
"""

import cocotb
from cocotbext.axi.axi_channels import AxiARBus, AxiARMonitor, AxiRBus, AxiRMonitor

from pymodel import regs
from tb.common.bus_memory import ReadBeats
from tb.common.faults import Faults
from tb.rtl import expect as rm
from tb.rtl.bench import TB
from tb.rtl.env import Rx


class _Recorder:
    """Both R-side views of each read: the slave's call and ReadBeats' answer; the bursts and
    R beats on the bus."""

    def __init__(self, tb):
        self.beats = ReadBeats(tb.axi.read_if)
        self.calls = []                       # (address, length, lo, hi)
        tb.mem.on_read.insert(0, self._on_read)
        self.ar = AxiARMonitor(AxiARBus.from_prefix(tb.dut, "m_axi"), tb.dut.clk)
        self.r = AxiRMonitor(AxiRBus.from_prefix(tb.dut, "m_axi"), tb.dut.clk)
        self.bursts = []                      # (araddr, arlen, arsize)
        self.rbeats = []                      # (rresp, rlast)

    def _on_read(self, address, length):
        self.calls.append((address, length, *self.beats.next_beat()))

    def collect(self):
        while not self.ar.empty():
            a = self.ar.recv_nowait()
            self.bursts.append((int(a.araddr), int(a.arlen), int(a.arsize)))
        while not self.r.empty():
            r = self.r.recv_nowait()
            self.rbeats.append((int(r.rresp), int(r.rlast)))

    def check(self, tb, complete=True):
        """Every call got its own beat; returns the bus address of every R beat, in order.
        Not `complete`: bursts may still be under way."""
        self.collect()
        addrs = []
        for addr, alen, size in self.bursts:
            if size != 4:
                tb.error(f"AR at {addr:#x}: arsize {size}, the test needs narrow (16-byte) reads")
            addrs += [addr + (i << size) for i in range(alen + 1)]
        if (len(self.rbeats), len(self.calls)) != (len(addrs),) * 2 if complete else \
                not len(self.rbeats) <= len(self.calls) <= len(addrs):
            tb.error(f"{len(addrs)} beats in the AR bursts, {len(self.rbeats)} R beats, "
                     f"{len(self.calls)} target reads")
        for i, ((word, n, lo, hi), want) in enumerate(zip(self.calls, addrs)):
            if (lo, hi) != (want, want + 16) or not word <= lo < hi <= word + n:
                tb.error(f"read {i}: ReadBeats gave [{lo:#x}, {hi:#x}) in the bus word at "
                         f"{word:#x}; the bursts say [{want:#x}, {want + 16:#x})")
                break
        tb.check()
        return addrs


async def _setup(dut):
    tb = TB(dut)
    await tb.reset()
    if tb.nbytes != 64:
        raise AssertionError(f"DATA_W {tb.dw}: this test needs DATA_W 512")
    faults = Faults(tb)
    rec = _Recorder(tb)
    tb.backpressure(p_axi=0.3, burst=3)
    return tb, faults, rec


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def narrow_beats(dut):
    """Frames through a small ring: many short descriptor bursts, every beat narrow."""
    tb, _, rec = await _setup(dut)
    rx = Rx(tb, ring_size=16, min_len=256, max_len=256, max_off=3)
    await rx.start()
    for i in range(40):
        await rx.send(tb.make_frame(60 + 37 * i % 700))
    await rx.finish("narrow_beats")
    if len(rec.check(tb)) < 40:
        tb.error(f"only {len(rec.calls)} descriptor beats read")
    tb.check()


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def narrow_fault(dut):
    """A fault on descriptor 5 (the second beat of the second bus word) fails that R beat."""
    tb, faults, rec = await _setup(dut)
    rx = Rx(tb, ring_size=16, min_len=512, max_len=512, max_off=5)
    target = rx.ring.base + 16 * 5
    faults.fail_read(target, 16, count=10**6)
    await rx.start(ims=regs.ICR_ERR)
    await tb.wait_status(0xF3, regs.STATUS_HALTED | (regs.ERR_DESC_READ << 4))
    await tb.cycles(50)
    addrs = rec.check(tb, complete=False)
    failed = [a for a, (resp, _) in zip(addrs, rec.rbeats) if resp != 0]
    fired = [a for kind, a, _ in faults.fired]
    if not failed or failed[0] != target or set(fired) != {target}:
        tb.error(f"R beats failed at {[hex(a) for a in failed]}, faults fired at "
                 f"{[hex(a) for a in fired]}; expected {target:#x}")
    await rx.check_halt(faults, regs.ERR_DESC_READ)
    await rx.recover(faults)
    for n in (64, 300):
        await rx.send(tb.make_frame(n), allowed={rm.DELIVER, rm.DROP_FIFO})
    await rx.finish("narrow_fault")
    rec.check(tb)
