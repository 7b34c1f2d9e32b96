"""Error tests: an injected SLVERR on a descriptor read, a data write and a writeback halts
the queue with ERR_CODE 1, 2, 3, counts STAT_AXI_ERR, raises ICR.ERR, writes nothing more;
the driver recovers by clearing EN and enabling again."""

import cocotb

from pymodel import regs
from tb.common.faults import Faults
from tb.rtl import expect as rm
from tb.rtl.bench import TB
from tb.rtl.env import Rx


async def _halt_and_recover(tb, rx, faults, code, name):
    # STAT_AXI_ERR counts one per failed transaction: with one descriptor per read burst
    # (DESC_BURST 1) the other outstanding reads may fail too
    await rx.check_halt(faults, code)
    await rx.recover(faults)
    for n in (1, 100, min(1500, tb.cfg.fifo_bytes // 2)):
        await rx.send(tb.make_frame(n))
        await tb.source.wait()
    await rx.finish(name)


async def _prologue(dut, ring_size=16):
    tb = TB(dut)
    await tb.reset()
    rx = Rx(tb, ring_size=ring_size, min_len=512, max_len=512, max_off=5)
    faults = Faults(tb)
    return tb, rx, faults


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_desc_read(dut):
    """SLVERR on a descriptor read: ERR_CODE 1."""
    tb, rx, faults = await _prologue(dut)
    await rx.start(give=False, ims=regs.ICR_ERR)
    await rx.ring.give(3)
    for n in (100, 200):
        await rx.send(tb.make_frame(n))
    await tb.source.wait()
    await rx.wait_head(2)
    await rx.ring.reap(rx.sb)
    faults.fail_read(rx.ring.base + 16 * 4, 16)
    await rx.ring.give(4)                               # descriptors 3..6, 4 fails
    # a small descriptor queue fetches 4 only once frames have used the ones before it
    for n in (60, 70, 80):
        await rx.send(tb.make_frame(n), allowed={rm.DELIVER, rm.DROP_FIFO})
        await tb.source.wait()
    await _halt_and_recover(tb, rx, faults, regs.ERR_DESC_READ, "slverr_desc_read")


async def _fail_a_write(dut, region, err, name):
    """Two frames complete, then every write into `region(rx)` answers SLVERR for a third."""
    tb, rx, faults = await _prologue(dut)
    await rx.start(ims=regs.ICR_ERR)
    for n in (100, 200):
        await rx.send(tb.make_frame(n))
    await tb.source.wait()
    await rx.wait_head(2)
    faults.fail_write(*region(rx))
    await rx.send(tb.make_frame(90), allowed={rm.DROP_FIFO})
    await _halt_and_recover(tb, rx, faults, err, name)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_data_write(dut):
    """SLVERR on a data write: ERR_CODE 2, the frame is not reported."""
    await _fail_a_write(dut, lambda rx: (rx.ring.slots[2].addr, rx.ring.slots[2].blen),
                        regs.ERR_DATA_WRITE, "slverr_data_write")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_writeback(dut):
    """SLVERR on a writeback: ERR_CODE 3, HEAD does not pass the descriptor."""
    await _fail_a_write(dut, lambda rx: (rx.ring.base + 16 * 2, 16),
                        regs.ERR_WRITEBACK, "slverr_writeback")



@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_first_desc_burst(dut):
    """SLVERR on every beat of the first descriptor burst, a frame at once: ERR_CODE 1, not 4.

    The zero data of an errored beat must never enter the descriptor queue, or the data
    engine takes it for a descriptor (BUF_LEN 0: a bad descriptor; with garbage data, a DMA
    to an address nobody gave the device)."""
    tb, rx, faults = await _prologue(dut)
    faults.fail_read(rx.ring.base, 16 * rx.ring.size, count=10**6)
    await rx.start(ims=regs.ICR_ERR)
    await rx.send(tb.make_frame(100), allowed={rm.DROP_FIFO})
    await _halt_and_recover(tb, rx, faults, regs.ERR_DESC_READ, "slverr_first_desc_burst")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_mid_desc_burst(dut):
    """SLVERR on one descriptor in the middle of a burst: the halt begins at that beat.

    Descriptors of the OKAY beats before it may still take frames; none at or after it
    does, and nothing is written with what the failed beat carried."""
    tb, rx, faults = await _prologue(dut)
    # inside the first prefetch, whatever the queue's size
    faults.fail_read(rx.ring.base + 16 * min(5, tb.params["DESC_QUEUE"] - 1), 16, count=10**6)
    await rx.start(ims=regs.ICR_ERR)
    await tb.wait_status(0xF3, regs.STATUS_HALTED | (regs.ERR_DESC_READ << 4))
    for n in (60, 100):
        await rx.send(tb.make_frame(n), allowed={rm.DELIVER, rm.DROP_FIFO})
    await _halt_and_recover(tb, rx, faults, regs.ERR_DESC_READ, "slverr_mid_desc_burst")
