"""TX register tests (SPEC §5 register table, §2 rules): reset values, RW masks, RO and unknown
offsets (the RX-only ones too), RING_BASE/RING_SIZE locked while EN=1, TAIL >= RING_SIZE
ignored, bad RING_SIZE (ERR_CODE 5), ICR RW1C with TXDW and ERR, IMS and the irq level, ITR
moderation by count and by delay, the STAT_BYTES LO/HI latch, FIFO_BYTES and DATA_W."""

import cocotb

from pymodel import regs
from pymodel import tx_contract as contract
from tb.rtl.tx_bench import TxRing, TxTB
from tb.rtl.tx_env import run_frames, send_all, setup

UNKNOWN = [0x01C, 0x028, 0x02C, 0x068, 0x06C, 0x080, 0x100, 0x400, 0xFFC] + \
    list(regs.TX_UNKNOWN_RX_OFFSETS)
RO = [regs.ID, regs.VERSION, regs.STATUS, regs.HEAD, regs.FIFO_BYTES_REG, regs.DATA_W_REG] + \
    list(regs.TX_STAT_ALL.values())


async def _expect(tb, off, want, what=""):
    got = await tb.read(off)
    if got != want:
        tb.error(f"{regs.TX_NAMES.get(off, hex(off))} ({off:#05x}) reads {got:#x}, expected "
                 f"{want:#x} {what}")
    return got


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def tx_reg_reset_values(dut):
    """Every TX register's reset value; every unknown offset, the RX-only ones included,
    reads 0; FIFO_BYTES is the parameter and at least 2 x 9216; DATA_W; irq low."""
    tb = await TxTB.create(dut)
    exp = {regs.ID: regs.TX_ID_VALUE, regs.VERSION: regs.TX_VERSION_VALUE, regs.STATUS: 0,
           regs.HEAD: 0, regs.TAIL: 0, regs.ICR: 0,
           regs.FIFO_BYTES_REG: tb.params["FIFO_BYTES"], regs.DATA_W_REG: tb.dw}
    for off, (rst, _) in regs.TX_RW_REGS.items():
        exp[off] = rst
    for off in regs.TX_STAT_ALL.values():
        exp[off] = 0
    for off in UNKNOWN:
        exp[off] = 0
    for off, v in sorted(exp.items()):
        await _expect(tb, off, v, "after reset")
    if tb.params["FIFO_BYTES"] < contract.FIFO_BYTES_MIN:
        tb.error(f"FIFO_BYTES {tb.params['FIFO_BYTES']} < {contract.FIFO_BYTES_MIN}")
    if dut.irq.value != 0:
        tb.error("irq high after reset")
    tb.finish_stats("tx_reg_reset_values")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def tx_reg_rw_masks(dut):
    """RW registers keep their writable bits; RO registers and unknown offsets ignore writes
    (answered OKAY: TxTB.write checks the response); RING_BASE, RING_SIZE locked while EN=1;
    TAIL >= RING_SIZE ignored."""
    tb = await TxTB.create(dut)
    for off, (rst, _mask) in regs.TX_RW_REGS.items():
        if off == regs.CTRL:
            continue
        for pat in (0xFFFFFFFF, 0x5A5AA5A5, 0x12345678, 0):
            await tb.write(off, pat)
            await _expect(tb, off, contract.reg_write_value(off, pat), f"after writing {pat:#x}")
        await tb.write(off, rst)
    for pat in (0xFFFFFFFE, 0x6, 0):
        await tb.write(regs.CTRL, pat)
        await _expect(tb, regs.CTRL, pat & 1)
    await tb.write(regs.RING_SIZE, 64)
    await tb.write(regs.TAIL, 63)
    await _expect(tb, regs.TAIL, 63)
    await tb.write(regs.TAIL, 64)
    await _expect(tb, regs.TAIL, 63, "(TAIL = RING_SIZE ignored)")
    await tb.write(regs.TAIL, 0x10005)
    await _expect(tb, regs.TAIL, 63, "(TAIL > RING_SIZE ignored)")
    await tb.write(regs.TAIL, 0)
    before = {off: await tb.read(off) for off in RO}
    for off in RO + UNKNOWN:
        await tb.write(off, 0xFFFFFFFF)
    for off in RO:
        await _expect(tb, off, before[off], "after a write to a RO register")
    for off in UNKNOWN:
        await _expect(tb, off, 0, "after a write to an unknown offset")
    await tb.write(regs.ICR, 0xF)
    await _expect(tb, regs.ICR, 0, "(W1C of a clear ICR)")
    # the ring registers are locked while EN=1
    ring = TxRing(tb, size=16, max_len=256)
    await setup(tb, ring)
    await tb.write(regs.RING_BASE_LO, 0x1230)
    await tb.write(regs.RING_BASE_HI, 0x77)
    await tb.write(regs.RING_SIZE, 8)
    await _expect(tb, regs.RING_BASE_LO, ring.base & 0xFFFFFFFF, "(written while EN=1)")
    await _expect(tb, regs.RING_BASE_HI, ring.base >> 32, "(written while EN=1)")
    await _expect(tb, regs.RING_SIZE, 16, "(written while EN=1)")
    await tb.write(regs.TAIL, 16)
    await _expect(tb, regs.TAIL, 0, "(TAIL = RING_SIZE while running)")
    # frames still go to the ring programmed before EN
    await run_frames(tb, ring, [([100], None), ([7, 9], None)], "tx_reg_rw_masks")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def tx_reg_bad_ring_size(dut):
    """EN with RING_SIZE not a power of two in 8 .. 32768: HALTED, ERR_CODE 5, ICR.ERR, irq
    with IMS.ERR, no bus access; clearing EN and enabling with a good size recovers."""
    tb = await TxTB.create(dut)
    await tb.write(regs.IMS, regs.ICR_ERR)
    for bad in (0, 4, 12, 65536, 0x80000000):
        await tb.write(regs.RING_SIZE, bad)
        await tb.write(regs.CTRL, regs.CTRL_EN)
        await tb.wait_status(0xF3, regs.STATUS_HALTED | (contract.ERR_BAD_CONFIG << 4))
        tb.cov.halt(contract.ERR_BAD_CONFIG)
        await tb.cycles(3)
        if int(dut.irq.value) != 1:
            tb.error(f"RING_SIZE {bad}: irq low with ICR.ERR and IMS.ERR")
        await _expect(tb, regs.ICR, regs.ICR_ERR, f"(RING_SIZE {bad})")
        await tb.write(regs.CTRL, 0)
        await tb.write(regs.ICR, regs.ICR_ERR)
        await tb.cycles(3)
        if int(dut.irq.value) != 0:
            tb.error("irq high after ICR.ERR was cleared")
    if tb.mon.ar_count or tb.mon.aw_cyc:
        tb.error("bus accesses with a bad RING_SIZE")
    await tb.write(regs.RING_SIZE, 32768)
    await tb.write(regs.CTRL, regs.CTRL_EN)
    await tb.wait_status(0xF3, regs.STATUS_RUNNING)
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(0xF3, 0)
    ring = TxRing(tb, size=8, max_len=64)
    await setup(tb, ring)
    await _expect(tb, regs.STATUS, regs.STATUS_RUNNING, "(HALTED, ERR_CODE cleared)")
    await send_all(tb, ring, [([60], None)] * 12)
    await ring.wait_idle()
    await ring.check_counters()
    tb.finish_stats("tx_reg_bad_ring_size", frames=ring.sent)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def tx_irq_moderation_count(dut):
    """ITR.PKT_THRESH = 4, DELAY 0: TXDW rises only once 4 frames have completed (HEAD
    covering them); RW1C clears it; IMS gates irq; irq is the level (ICR & IMS) != 0;
    PKT_THRESH 0 acts as 1."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=256)
    await setup(tb, ring, ims=0, itr=4)
    for k in range(3):
        await send_all(tb, ring, [([40], None)])
        await ring.wait_idle()
        await tb.cycles(20)
        await _expect(tb, regs.ICR, 0, f"after {k + 1} of 4 frames")
    await send_all(tb, ring, [([40, 3], None)])
    await ring.wait_idle()
    await tb.cycles(5)
    await _expect(tb, regs.ICR, regs.ICR_TXDW, "after 4 frames")
    if int(dut.irq.value) != 0:
        tb.error("irq high with IMS 0")
    await tb.write(regs.IMS, regs.ICR_TXDW)
    await tb.cycles(3)
    if int(dut.irq.value) != 1:
        tb.error("irq low with ICR.TXDW and IMS.TXDW")
    await tb.write(regs.ICR, regs.ICR_ERR)      # the other bit: TXDW stays
    await _expect(tb, regs.ICR, regs.ICR_TXDW, "after W1C of ERR only")
    await tb.write(regs.ICR, regs.ICR_TXDW)
    await tb.cycles(3)
    await _expect(tb, regs.ICR, 0, "after W1C of TXDW")
    if int(dut.irq.value) != 0:
        tb.error("irq high after ICR cleared")
    # PKT_THRESH 0 acts as 1
    await tb.write(regs.ITR, 0)
    await send_all(tb, ring, [([33], None)])
    await ring.wait_idle()
    await tb.cycles(5)
    await _expect(tb, regs.ICR, regs.ICR_TXDW, "after 1 frame with PKT_THRESH 0")
    await tb.write(regs.ICR, regs.ICR_TXDW)
    await ring.check_counters()
    tb.finish_stats("tx_irq_moderation_count", frames=ring.sent)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def tx_irq_moderation_delay(dut):
    """ITR.PKT_THRESH = 100, DELAY = 8 (x 16 clocks): TXDW rises DELAY x 16 clocks after the
    last completion, not before (within the register path's few clocks)."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=256)
    delay = 8
    await setup(tb, ring, ims=regs.ICR_TXDW, itr=(delay << 16) | 100)
    irq = dut.irq
    await send_all(tb, ring, [([64], None)])
    # time the irq against the HEAD update (the writeback's B)
    t0 = None
    for _ in range(4000):
        if tb.mon.b_cyc and t0 is None:
            t0 = tb.mon.b_cyc[-1]
        if int(irq.value):
            break
        await tb.cycles(1)
    t1 = tb.mon.cyc
    dt = t1 - (t0 or t1)
    want = contract.delay_clocks((delay << 16) | 100)
    if not int(irq.value):
        tb.error("TXDW never rose by delay")
    elif not want - 2 <= dt <= want + 24:
        tb.error(f"TXDW rose {dt} clocks after the writeback's B, expected about {want}")
    await tb.write(regs.ICR, regs.ICR_TXDW)
    await ring.wait_idle()
    await ring.check_counters()
    tb.finish_stats("tx_irq_moderation_delay", frames=ring.sent, extra={"delay_clocks": dt})


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def tx_stat_bytes_latch(dut):
    """STAT_BYTES is 64 bits: reading LO latches HI. The counter is preset (a deposit into
    nic_tx_regs) just below 2**32 so a frame carries into HI."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=16, max_len=512)
    await setup(tb, ring)
    regs_inst = dut.regs_inst if tb.top == "nic_tx_dma" else dut.tx_inst.regs_inst
    start = (1 << 32) - 50
    regs_inst.stat_bytes_reg.value = start
    await tb.cycles(2)
    await send_all(tb, ring, [([100], None)])
    await ring.wait_idle()
    await tb.cycles(5)
    hi0 = await tb.read(regs.STAT_BYTES_HI)
    if hi0 != 0:
        tb.error(f"STAT_BYTES_HI {hi0} before LO was read (latched at reset: 0)")
    lo = await tb.read(regs.STAT_BYTES_LO)
    hi = await tb.read(regs.STAT_BYTES_HI)
    if (lo, hi) != (50, 1):
        tb.error(f"STAT_BYTES LO/HI = {lo}/{hi}, expected 50/1 (preset {start:#x} + 100)")
    await send_all(tb, ring, [([10], None)])
    await ring.wait_idle()
    if (hi2 := await tb.read(regs.STAT_BYTES_HI)) != 1:
        tb.error(f"STAT_BYTES_HI {hi2} without a LO read, expected the latched 1")
    if (lo2 := await tb.read(regs.STAT_BYTES_LO)) != 60:
        tb.error(f"STAT_BYTES_LO {lo2}, expected 60")
    tb.finish_stats("tx_stat_bytes_latch", frames=ring.sent)
