"""Register tests: reset values, RW masks, RO and unknown offsets, locks, bad RING_SIZE."""

import cocotb

from pymodel import regs
from tb.rtl.bench import TB

UNKNOWN = [0x01C, 0x028, 0x02C, 0x068, 0x06C, 0x080, 0x100, 0x400, 0xFFC]
RO = [regs.ID, regs.VERSION, regs.STATUS, regs.HEAD, regs.FIFO_BYTES_REG, regs.DATA_W_REG] + \
    list(regs.STAT_ALL.values())


async def _reset_values(tb):
    exp = {regs.ID: regs.ID_VALUE, regs.VERSION: regs.VERSION_VALUE, regs.STATUS: 0,
           regs.HEAD: 0, regs.TAIL: 0, regs.ICR: 0,
           regs.FIFO_BYTES_REG: tb.params["FIFO_BYTES"], regs.DATA_W_REG: tb.dw}
    for off, (rst, _) in regs.RW_REGS.items():
        exp[off] = rst
    for off in regs.STAT_ALL.values():
        exp[off] = 0
    for off in UNKNOWN:
        exp[off] = 0
    for off, v in sorted(exp.items()):
        got = await tb.read(off)
        if got != v:
            tb.error(f"{regs.NAMES.get(off, hex(off))} ({off:#05x}) reads {got:#x}, expected {v:#x}")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_reset_values(dut):
    """Every register's reset value; unknown offsets read 0; irq low."""
    tb = TB(dut)
    await tb.reset()
    await _reset_values(tb)
    if dut.irq.value != 0:
        tb.error("irq high after reset")
    await tb.finish("reg_reset_values")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_rw_masks(dut):
    """RW registers keep exactly their writable bits; RO and unknown offsets ignore writes."""
    tb = TB(dut)
    await tb.reset()
    for off, (rst, mask) in regs.RW_REGS.items():
        if off == regs.CTRL:
            continue  # EN has side effects; covered below
        for pat in (0xFFFFFFFF, 0x5A5AA5A5, 0x12345678, 0):
            await tb.write(off, pat)
            got = await tb.read(off)
            if got != pat & mask:
                tb.error(f"{regs.NAMES[off]}: wrote {pat:#x}, read {got:#x}, expected {pat & mask:#x}")
        await tb.write(off, rst)
    # CTRL without EN
    for pat in (0x6, 0xFFFFFFFE, 0x2, 0x4, 0):
        await tb.write(regs.CTRL, pat)
        got = await tb.read(regs.CTRL)
        if got != pat & 0x6:
            tb.error(f"CTRL: wrote {pat:#x}, read {got:#x}")
    # TAIL: writable below RING_SIZE only
    await tb.write(regs.RING_SIZE, 64)
    await tb.write(regs.TAIL, 63)
    if (v := await tb.read(regs.TAIL)) != 63:
        tb.error(f"TAIL: wrote 63 with RING_SIZE 64, read {v}")
    await tb.write(regs.TAIL, 0)
    # RO registers and unknown offsets: writes ignored (and answered OKAY, see TB.write)
    before = {off: await tb.read(off) for off in RO}
    for off in RO + UNKNOWN:
        await tb.write(off, 0xFFFFFFFF)
    for off in RO:
        got = await tb.read(off)
        if got != before[off]:
            tb.error(f"RO {regs.NAMES.get(off, hex(off))}: write changed it {before[off]:#x} -> {got:#x}")
    for off in UNKNOWN:
        if (got := await tb.read(off)) != 0:
            tb.error(f"unknown offset {off:#x} reads {got:#x} after a write")
    # ICR is W1C: writing ones to a clear ICR leaves it clear
    await tb.write(regs.ICR, 0xF)
    if (v := await tb.read(regs.ICR)) != 0:
        tb.error(f"ICR reads {v:#x} after W1C of a clear register")
    await tb.finish("reg_rw_masks")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_tail_bounds(dut):
    """A TAIL write >= RING_SIZE is ignored (stopped and running)."""
    tb = TB(dut)
    await tb.reset()
    for size in (8, 16, 1024):
        await tb.write(regs.RING_SIZE, size)
        await tb.write(regs.TAIL, size - 1)
        for bad in (size, size + 1, 2 * size, 0xFFFFFFFF):
            await tb.write(regs.TAIL, bad)
            if (v := await tb.read(regs.TAIL)) != size - 1:
                tb.error(f"RING_SIZE {size}: TAIL write {bad:#x} not ignored, reads {v}")
        await tb.write(regs.TAIL, 0)
    await tb.write(regs.RING_BASE_LO, 0x1000)
    await tb.write(regs.RING_SIZE, 8)
    await tb.write(regs.CTRL, regs.CTRL_EN)
    await tb.wait_status(regs.STATUS_RUNNING, regs.STATUS_RUNNING)
    await tb.write(regs.TAIL, 8)
    if (v := await tb.read(regs.TAIL)) != 0:
        tb.error(f"running, RING_SIZE 8: TAIL write 8 not ignored, reads {v}")
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    await tb.finish("reg_tail_bounds")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_ring_locked_while_en(dut):
    """RING_BASE and RING_SIZE writes are ignored while EN=1; enable zeroes HEAD and TAIL."""
    tb = TB(dut)
    await tb.reset()
    await tb.write(regs.RING_BASE_LO, 0x2000)
    await tb.write(regs.RING_BASE_HI, 0x12)
    await tb.write(regs.RING_SIZE, 16)
    await tb.write(regs.TAIL, 5)
    await tb.write(regs.CTRL, regs.CTRL_EN)
    await tb.wait_status(regs.STATUS_RUNNING, regs.STATUS_RUNNING)
    for off in (regs.HEAD, regs.TAIL):
        if (v := await tb.read(off)) != 0:
            tb.error(f"{regs.NAMES[off]} reads {v} after enable, expected 0")
    await tb.write(regs.RING_BASE_LO, 0x4000)
    await tb.write(regs.RING_BASE_HI, 0x99)
    await tb.write(regs.RING_SIZE, 32)
    for off, v in ((regs.RING_BASE_LO, 0x2000), (regs.RING_BASE_HI, 0x12), (regs.RING_SIZE, 16)):
        if (got := await tb.read(off)) != v:
            tb.error(f"{regs.NAMES[off]} changed while EN=1: {got:#x}, expected {v:#x}")
    if (st := await tb.read(regs.STATUS)) != regs.STATUS_RUNNING:
        tb.error(f"STATUS {st:#x} while running idle, expected RUNNING only")
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    await tb.write(regs.RING_SIZE, 32)
    if (got := await tb.read(regs.RING_SIZE)) != 32:
        tb.error(f"RING_SIZE not writable after disable: {got}")
    await tb.finish("reg_ring_locked_while_en")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_bad_ring_size(dut):
    """EN with RING_SIZE not a power of two in 8..32768 halts with ERR_CODE 5 and ICR.ERR;
    the driver recovers by clearing EN and enabling with a good size."""
    tb = TB(dut)
    await tb.reset()
    await tb.write(regs.IMS, regs.ICR_ERR)
    for bad in (0, 1, 4, 12, 24, 65536, 0x80000000, 0xFFFFFFFF):
        await tb.write(regs.RING_SIZE, bad)
        await tb.write(regs.CTRL, regs.CTRL_EN)
        await tb.cycles(10)
        st = await tb.read(regs.STATUS)
        if st != (regs.STATUS_HALTED | (regs.ERR_BAD_CONFIG << 4)):
            tb.error(f"RING_SIZE {bad:#x}: STATUS {st:#x}, expected HALTED, ERR_CODE 5, not RUNNING")
        icr = await tb.read(regs.ICR)
        if not icr & regs.ICR_ERR:
            tb.error(f"RING_SIZE {bad:#x}: ICR {icr:#x} lacks ERR")
        await tb.cycles(2)
        if dut.irq.value != 1:
            tb.error(f"RING_SIZE {bad:#x}: irq low with ICR.ERR and IMS.ERR set")
        await tb.write(regs.ICR, regs.ICR_ERR)
        await tb.cycles(3)
        if (icr := await tb.read(regs.ICR)) & regs.ICR_ERR:
            tb.error(f"ICR.ERR not cleared by W1C: {icr:#x}")
        if dut.irq.value != 0:
            tb.error("irq still high after ICR cleared")
        await tb.write(regs.CTRL, 0)
        await tb.cycles(4)
    for good in (8, 32768):
        await tb.write(regs.RING_SIZE, good)
        await tb.write(regs.CTRL, regs.CTRL_EN)
        await tb.wait_status(0xF3, regs.STATUS_RUNNING)
        await tb.write(regs.CTRL, 0)
        await tb.wait_status(regs.STATUS_RUNNING, 0)
    await tb.finish("reg_bad_ring_size")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_irq_mask(dut):
    """irq = |(ICR & IMS): follows IMS for a pending cause."""
    tb = TB(dut)
    await tb.reset()
    await tb.write(regs.RING_SIZE, 3)
    await tb.write(regs.CTRL, regs.CTRL_EN)       # bad size -> ICR.ERR
    await tb.cycles(10)
    for ims, exp in ((0, 0), (regs.ICR_ERR, 1), (0x7, 0), (0xF, 1), (0, 0)):
        await tb.write(regs.IMS, ims)
        await tb.cycles(3)
        if int(dut.irq.value) != exp:
            tb.error(f"IMS {ims:#x} with ICR.ERR pending: irq {dut.irq.value}, expected {exp}")
    await tb.finish("reg_irq_mask")
