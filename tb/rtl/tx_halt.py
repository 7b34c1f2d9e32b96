"""Halts and recovery of the TX queue (SPEC §5 Errors, Disable), shared by the error tests and
the random test."""

from pymodel import regs
from tb.rtl.tx_bench import DONE


async def check_halt(tb, ring, code, head=None):
    """The queue halted with ERR_CODE `code`: STATUS.HALTED, ICR.ERR and irq (IMS.ERR set);
    RUNNING drops once everything outstanding was answered; HEAD then stays (at `head` when
    given); no frame with a failed read and none after the halt point is sent (TxRing); every
    frame whose descriptors were all written back is sent; no AR or AW after the error
    response (TxMonitor)."""
    s = await tb.wait_status(0xF2, regs.STATUS_HALTED | (code << 4))
    tb.log.info("halted with ERR_CODE %d", code)
    tb.cov.halt(code)
    await tb.cycles(3)
    if not (await tb.read(regs.ICR)) & regs.ICR_ERR:
        tb.error("halt: ICR.ERR not set")
    ims = await tb.read(regs.IMS)
    if ims & regs.ICR_ERR and int(tb.dut.irq.value) != 1:
        tb.error("halt: irq low with ICR.ERR and IMS.ERR")
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    await ring.reap()
    h = await tb.read(regs.HEAD)

    def requests():
        # behind nic_dma the RX block goes on: count the TX block's own requests only
        if tb.shared:
            return (tb.rd.by_kind.get("data", 0), ring.desc_ars(), ring.wb_writes)
        return (tb.mon.ar_count, len(tb.mon.aw_cyc))
    before = requests()
    await tb.cycles(300)
    if await tb.read(regs.HEAD) != h or (head is not None and h != head):
        tb.error(f"HEAD moved after the halt ({h}, expected {head})")
    if requests() != before:
        tb.error(f"the TX block's bus requests after RUNNING dropped on a halt "
                 f"({before} -> {requests()})")
    for fr in ring.frames:
        slots = [ring.slots[(fr.first + k) % ring.size] for k in range(fr.ndesc)]
        if all(s.state == DONE for s in slots) and not fr.sent:
            tb.error(f"frame seq {fr.seq} was written back (DD) but never sent")
    tb.check()
    return s


async def recover(tb, ring, ims=0, itr=0):
    """The driver's recovery: clear EN, wait for RUNNING low, reclaim [HEAD, TAIL), clear
    ICR, enable again: RUNNING with HALTED and ERR_CODE clear, HEAD and TAIL 0."""
    from tb.rtl.tx_env import setup
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    tb.log.info("recovering: RUNNING low")
    tb.disarm()
    ring.reclaim_all()
    tb.mon.rearm()
    await tb.write(regs.ICR, regs.TX_ICR_ALL)
    await setup(tb, ring, ims=ims, itr=itr)
    s = await tb.read(regs.STATUS)
    if s != regs.STATUS_RUNNING:
        tb.error(f"after recovery STATUS={s:#x}, expected RUNNING only")
    for off in (regs.HEAD, regs.TAIL):
        if (v := await tb.read(off)) != 0:
            tb.error(f"after recovery {regs.TX_NAMES[off]} = {v}, expected 0")
