"""Directed corner tests: the timing corners that random traffic rarely reaches, each steered
to a given clock with the AXI slave's channels paused, and each checked exactly (scoreboard,
counters, STATUS / ERR_CODE, irq, memory outside the owned buffers untouched).

- halt_load_data_write, halt_load_writeback: an error (data write B, writeback B) arrives so
  that the queue begins halting in the clock the data engine spends in LOAD between the two
  buffers of a frame. In the first, a writeback B error and a second data write B error also
  arrive while the queue is halting. halt_load_desc_read, the same with a descriptor read R
  error, is written but not registered (see there).
- halt_burst_writeback: a writeback B error while the data engine is stalled in a burst.
- disable_drains: EN cleared with MAX_OUTSTANDING bursts awaiting B and a frame begun: the
  block finishes the frames begun and their writebacks before RUNNING drops, drops the frame
  stored but not begun and the frame that arrives while stopping.
- slverr_while_stopping: an R error on a descriptor read, a B error on a data write and on a
  writeback, each arriving after EN was cleared while the queue waits for it (stopping).
- rxdmt_masked: RXDMT set with IMS.RXDMT clear: ICR has it, irq stays low until IMS allows it.
- fifo_read_wraps: the frame that wraps the metadata and RAM read pointers leaves a full FIFO,
  then a FIFO of two frames.
- reg_partial_strobes: AXI-Lite writes of one byte lane to every RW register.

How the clock of an error is steered: the slave model's B queue is made unbounded, so it
takes every AW and W beat at once and only the paused B channel holds the responses back.
With MAX_OUTSTANDING bursts awaiting B the write path takes no more commands, so the data
engine waits with its next burst. Once the B channel opens, the responses come one per clock
in issue order. The first (OKAY) frees a slot: the waiting burst is taken in the next clock,
and when it is the last burst of a frame's first buffer the engine is in LOAD in the clock
after. A B error in the second response makes that LOAD clock the queue's first clock of
HALTING; so would a descriptor read's R error beat presented with the first response.
"""

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from pymodel import regs
from pymodel import rx_contract as contract
from tb.common.faults import Faults
from tb.rtl import expect as rm
from tb.rtl.bench import TB
from tb.rtl.env import Rx

# nic_rx_ctrl queue states and nic_rx_frame_dma engine states
Q_STOPPED, Q_RUNNING, Q_STOPPING, Q_HALTING, Q_HALTED = range(5)
DMA_SCAN, DMA_LOAD, DMA_BURST = range(3)
DMA_NAMES = {DMA_SCAN: "SCAN", DMA_LOAD: "LOAD", DMA_BURST: "BURST"}
BUF = 64            # bytes per buffer: one burst, one buffer per 64-byte frame at every DATA_W
LOST = {rm.DROP_FIFO}
# clocks from a failed R beat to the first clock of HALTING: nic_rx_desc_fetch reports the
# error in the beat's own clock (err_desc_rd), as a B error is reported; nic_rx_ctrl's state
# follows one clock later
R_HALT_CLOCKS = 1


def _u(handle):
    v = handle.value
    return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)


class _QueueLog:
    """Every change of the queue state, with the monitor's clock and the data engine's state
    in that clock."""

    def __init__(self, tb):
        self.tb = tb
        self.log = []
        cocotb.start_soon(self._run())

    async def _run(self):
        q, d = self.tb.dut.ctrl_inst.state_reg, self.tb.dut.frame_dma_inst.state_reg
        while True:
            await q.value_change
            await ReadOnly()
            self.log.append((self.tb.mon.cyc, _u(q), _u(d)))

    def entered(self, state, after=None):
        """(clock, engine state) of the first entry into `state` (from `after`), or None."""
        prev = None
        for cyc, s, d in self.log:
            if s == state and (after is None or prev == after):
                return cyc, d
            prev = s
        return None


async def _setup(dut, ring_size=64):
    tb = TB(dut)
    await tb.reset()
    rx = Rx(tb, ring_size=ring_size, min_len=BUF, max_len=BUF, max_off=0, gap=0)
    faults = Faults(tb)
    # the slave answers every burst it has taken: only a paused B channel holds the answers
    # (by default it stops taking AW and W once two B responses wait)
    tb.axi.write_if.b_channel.queue_occupancy_limit = -1
    return tb, rx, faults


def _bch(tb):
    return tb.axi.write_if.b_channel


def _rch(tb):
    return tb.axi.read_if.r_channel


async def _send(rx, n, length=BUF, allowed=None):
    for _ in range(n):
        await rx.send(rx.tb.make_frame(length), allowed=allowed)


async def _release(tb, ch, valid, n):
    """Let exactly `n` responses through the paused channel `ch` (B or R, which the block
    always accepts): open it between two clock edges, close it in the clock the n-th one is
    presented."""
    clk = tb.dut.clk
    await FallingEdge(clk)
    ch.pause = False
    seen = 0
    for _ in range(100 * n + 1000):
        await FallingEdge(clk)
        if str(valid.value) == "1":
            seen += 1
            if seen == n:
                ch.pause = True
                return
    ch.pause = True
    tb.error(f"only {seen} of {n} responses came through")
    tb.check()


async def _wait_aw(tb, n, timeout=5000):
    """Wait for the n-th AW handshake, then make sure no further burst follows (the block
    waits for a B response) and the slave has taken every W beat."""
    for _ in range(timeout):
        if len(tb.mon.aw_cyc) >= n:
            break
        await tb.cycles(1)
    await tb.cycles(64)
    if len(tb.mon.aw_cyc) != n:
        tb.error(f"{len(tb.mon.aw_cyc)} write bursts issued, expected {n}")
    tb.check()


async def _wait_reg(tb, off, value, timeout=20000):
    for _ in range(timeout // 16):
        if (v := await tb.read(off)) == value:
            return
        await tb.cycles(8)
    tb.error(f"{regs.NAMES.get(off, hex(off))}={v}, never reached {value}")
    tb.check()


def _check_engine(tb, state, what):
    if (s := _u(tb.dut.frame_dma_inst.state_reg)) != state:
        tb.error(f"{what}: the data engine is in {DMA_NAMES.get(s, s)}, expected "
                 f"{DMA_NAMES[state]}")
    tb.check()


async def _after_recovery(tb, rx, name):
    for n in (1, 100, BUF):
        await rx.send(tb.make_frame(n))
    await rx.finish(name)


# ------------------------------------------------------------------ halts at a chosen clock

async def _halt_steered(dut, name, kind):
    """Steer a halt (see the module doc). kind: desc_read, data_write or writeback (the halt
    begins with the engine in LOAD), writeback_burst (in BURST)."""
    tb, rx, faults = await _setup(dut)
    p = tb.params
    mo, wbb = p["MAX_OUTSTANDING"], p["WB_BURST"]
    if mo < wbb + 4 or p["MAX_BURST"] * tb.nbytes < BUF:
        raise AssertionError(f"{name} needs MAX_OUTSTANDING >= WB_BURST + 4 and a {BUF}-byte "
                             f"burst: {p}")
    ring = rx.ring
    log = _QueueLog(tb)
    b = _bch(tb)
    bvalid = dut.m_axi_bvalid
    code = {"desc_read": regs.ERR_DESC_READ, "data_write": regs.ERR_DATA_WRITE,
            "writeback": regs.ERR_WRITEBACK, "writeback_burst": regs.ERR_WRITEBACK}[kind]
    want = DMA_BURST if kind == "writeback_burst" else DMA_LOAD
    if kind == "desc_read":
        # mo one-buffer frames and a two-buffer frame, with their descriptors on chip
        await rx.start(give=False, ims=regs.ICR_ERR)
        await ring.give(mo + 2)
        await _wait_reg(tb, regs.STAT_DESC_FETCHED, mo + 2)
        b.pause = True
        await _send(rx, mo, allowed=LOST)
        await rx.send(tb.make_frame(2 * BUF), allowed=LOST)
        await tb.source.wait()
        await _wait_aw(tb, mo)
        _check_engine(tb, DMA_BURST, "mo bursts awaiting B")
        # a descriptor read whose first beat fails waits at the head of the paused R channel
        r = _rch(tb)
        r.pause = True
        faults.fail_read(ring.base + 16 * (mo + 2), 16)
        await ring.give(4)
        for _ in range(2000):
            if faults.fired:
                break
            await tb.cycles(1)
        await tb.cycles(20)
        # the engine enters LOAD two clocks after the first B; the failed R beat, presented
        # R_HALT_CLOCKS before that clock, halts the queue from it on
        await FallingEdge(dut.clk)
        b.pause = False
        for _ in range(2 - R_HALT_CLOCKS):
            await FallingEdge(dut.clk)
        r.pause = False
        n_errors = 1
    else:
        # wbb frames whose writeback (one burst: it merges wbb descriptors) fails, after
        # them X, whose B is the first (OKAY), and for a data write error F1, the second
        await rx.start(ims=regs.ICR_ERR)
        b.pause = True
        faults.fail_write(ring.base, 16 * wbb)
        first = [] if kind == "writeback_burst" else [wbb]
        errors = []
        if kind == "data_write":
            first.append(wbb + 1)
            errors.append(ring.slots[wbb + 1])
        for s in errors:
            faults.fail_write(s.addr, s.blen)
        await _send(rx, wbb + len(first), allowed=LOST)
        await _wait_aw(tb, wbb + len(first))
        # their B responses only: the writeback burst goes out behind the frames after them
        await _release(tb, b, bvalid, wbb)
        await _wait_aw(tb, wbb + len(first) + 1)
        if not tb.mon.aw_ring[-1]:
            tb.error("the last burst is not the writeback")
        outstanding = len(first) + 1
        n_errors = 1 + len(errors)
        rest = mo - outstanding
        if kind == "data_write":
            # D1 OKAY, D2 fails: a second data write error, two clocks after the writeback's
            s = ring.slots[wbb + 3]
            faults.fail_write(s.addr, s.blen)
            n_errors += 1
        await _send(rx, rest, allowed=LOST)
        # the frame whose first burst waits: two buffers (LOAD next), or one (BURST)
        await rx.send(tb.make_frame(BUF if kind == "writeback_burst" else 2 * BUF),
                      allowed=LOST)
        await tb.source.wait()
        await _wait_aw(tb, wbb + len(first) + 1 + rest)
        _check_engine(tb, DMA_BURST, f"{mo} bursts awaiting B")
        await FallingEdge(dut.clk)
        b.pause = False
    await rx.check_halt(faults, code, head=0, n_errors=n_errors)
    got = log.entered(Q_HALTING)
    if got is None or got[1] != want:
        tb.error(f"the halt began with the data engine in "
                 f"{DMA_NAMES.get(got[1], got[1]) if got else 'no halt'}, "
                 f"expected {DMA_NAMES[want]}")
    await rx.recover(faults, ims=regs.ICR_ERR)
    await _after_recovery(tb, rx, name)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def halt_load_desc_read(dut):
    """A descriptor read R error that halts the queue (ERR_CODE 1) in the clock the data
    engine loads a frame's second buffer: the frame is abandoned, every begun frame counted
    lost, nothing written after."""
    await _halt_steered(dut, "halt_load_desc_read", "desc_read")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def halt_load_data_write(dut):
    """A data write B error that halts the queue (ERR_CODE 2) in the clock the data engine
    loads a frame's second buffer; then, while halting, a writeback B error and another data
    write B error (ERR_CODE stays 2, STAT_AXI_ERR counts all three)."""
    await _halt_steered(dut, "halt_load_data_write", "data_write")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def halt_load_writeback(dut):
    """A writeback B error that halts the queue (ERR_CODE 3) in the clock the data engine
    loads a frame's second buffer; HEAD does not pass the descriptors."""
    await _halt_steered(dut, "halt_load_writeback", "writeback")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def halt_burst_writeback(dut):
    """A writeback B error that halts the queue (ERR_CODE 3) while the data engine waits with
    the next frame's burst."""
    await _halt_steered(dut, "halt_burst_writeback", "writeback_burst")


# ------------------------------------------------------------------ disable with work under way

@cocotb.test(timeout_time=5, timeout_unit="ms")
async def disable_drains(dut):
    """EN cleared with MAX_OUTSTANDING bursts awaiting B, one frame begun (its burst waiting)
    and one stored behind it: RUNNING stays 1 until every begun frame is written, written back
    and HEAD has passed it; the stored frame and a frame arriving while stopping are dropped
    (STAT_DROP_FIFO); TAIL keeps its value and no descriptor at or after HEAD has DD."""
    tb, rx, faults = await _setup(dut)
    mo = tb.params["MAX_OUTSTANDING"]
    log = _QueueLog(tb)
    b = _bch(tb)
    await rx.start()
    b.pause = True
    await _send(rx, mo + 1)                      # mo bursts out, one frame begun and waiting
    await _send(rx, 1, allowed=LOST)             # stored, not begun
    await tb.source.wait()
    await _wait_aw(tb, mo)
    _check_engine(tb, DMA_BURST, "a frame begun behind mo bursts")
    await tb.write(regs.CTRL, 0)
    await tb.cycles(100)
    if (s := await tb.read(regs.STATUS)) != regs.STATUS_RUNNING:
        tb.error(f"stopping with work under way: STATUS={s:#x}, expected RUNNING")
    await rx.send(tb.make_frame(100), allowed=LOST, running=False)
    await tb.source.wait()
    b.pause = False
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    stop = log.entered(Q_STOPPED, after=Q_STOPPING)
    start = log.entered(Q_STOPPING)
    if stop is None or start is None or stop[0] - start[0] < 100:
        tb.error(f"queue states {log.log}: expected a long stopping state")
    elif not tb.mon.b_cyc or max(tb.mon.b_cyc) >= stop[0]:
        tb.error(f"RUNNING dropped at clock {stop[0]}, before the last B response "
                 f"(clock {max(tb.mon.b_cyc) if tb.mon.b_cyc else None})")
    if len(tb.mon.b_cyc) != len(tb.mon.aw_cyc):
        tb.error(f"{len(tb.mon.aw_cyc)} write bursts, {len(tb.mon.b_cyc)} B responses")
    head, tail = await tb.read(regs.HEAD), await tb.read(regs.TAIL)
    if (head, tail) != (mo + 1, rx.ring.size - 1):
        tb.error(f"after the disable HEAD,TAIL = {head},{tail}, expected {mo + 1},"
                 f"{rx.ring.size - 1}")
    await rx.ring.reap(rx.sb)
    if dd := rx.ring.scan_dd():
        tb.error(f"descriptors {dd} at or after HEAD have DD after the disable")
    if (v := await tb.read(regs.STAT_DROP_FIFO)) != 2:
        tb.error(f"STAT_DROP_FIFO={v}, expected 2 (one stored frame, one arriving)")
    tb.check()
    rx.ring.reclaim_all()
    await rx.start()
    await _after_recovery(tb, rx, "disable_drains")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def slverr_while_stopping(dut):
    """An error on a transaction issued before EN was cleared, arriving while the queue waits
    for it (stopping): a descriptor read R error (ERR_CODE 1), a data write B error (2), a
    writeback B error (3). Each halts the queue, which then stops (EN is 0) with HALTED and
    ERR_CODE set; the frame under way is lost; the driver enables again."""
    tb, rx, faults = await _setup(dut, ring_size=16)
    log = _QueueLog(tb)
    b, r = _bch(tb), _rch(tb)
    ring = rx.ring
    n_errors = 0

    async def disable_and_hold(what):
        await tb.write(regs.CTRL, 0)
        await tb.cycles(50)
        if (s := await tb.read(regs.STATUS)) != regs.STATUS_RUNNING:
            tb.error(f"{what}: STATUS={s:#x} while the transaction is held, expected RUNNING "
                     f"(stopping)")
        tb.check()

    def check_stopping_halt(what):
        got = log.entered(Q_HALTING, after=Q_STOPPING)
        if got is None:
            tb.error(f"{what}: the queue did not go from stopping to halting ({log.log})")
        log.log.clear()

    # a descriptor read: its first beat fails and waits in the paused R channel
    await rx.start(give=False, ims=regs.ICR_ERR)
    r.pause = True
    faults.fail_read(ring.base, 16)
    await ring.give(4)
    for _ in range(2000):
        if faults.fired:
            break
        await tb.cycles(1)
    await disable_and_hold("descriptor read")
    r.pause = False
    n_errors += 1
    await rx.check_halt(faults, regs.ERR_DESC_READ, head=0, n_errors=n_errors)
    check_stopping_halt("descriptor read")
    await rx.recover(faults, ims=regs.ICR_ERR)

    # a data write: the frame's burst fails, its B waits in the paused channel
    b.pause = True
    faults.fail_write(ring.slots[0].addr, ring.slots[0].blen)
    await _send(rx, 1, allowed=LOST)
    await _wait_aw(tb, len(tb.mon.b_cyc) + 1)
    await disable_and_hold("data write")
    b.pause = False
    n_errors += 1
    await rx.check_halt(faults, regs.ERR_DATA_WRITE, head=0, n_errors=n_errors)
    check_stopping_halt("data write")
    await rx.recover(faults, ims=regs.ICR_ERR)

    # a writeback: the data B goes through, the writeback's B (an error) waits
    b.pause = True
    faults.fail_write(ring.base, 16)
    await _send(rx, 1, allowed=LOST)
    await _wait_aw(tb, len(tb.mon.b_cyc) + 1)
    aw = len(tb.mon.aw_cyc)
    await _release(tb, b, dut.m_axi_bvalid, 1)
    await _wait_aw(tb, aw + 1)
    if not tb.mon.aw_ring[-1]:
        tb.error("the last burst is not the writeback")
    await disable_and_hold("writeback")
    b.pause = False
    n_errors += 1
    await rx.check_halt(faults, regs.ERR_WRITEBACK, head=0, n_errors=n_errors)
    check_stopping_halt("writeback")
    await rx.recover(faults, ims=regs.ICR_ERR)
    await _after_recovery(tb, rx, "slverr_while_stopping")


# ------------------------------------------------------------------ interrupts

@cocotb.test(timeout_time=5, timeout_unit="ms")
async def rxdmt_masked(dut):
    """RXDMT with IMS.RXDMT clear: ICR.RXDMT is set once HEAD leaves fewer than RDMT owned
    descriptors, and irq stays low; setting IMS.RXDMT raises irq, clearing ICR.RXDMT lowers it."""
    tb, rx, faults = await _setup(dut, ring_size=16)
    rdmt = 4
    await rx.start(give=False, rdmt=rdmt, ims=0)
    await rx.ring.give(6)
    for i in range(5):
        await rx.send(tb.make_frame(40 + i))
        await tb.source.wait()
        await rx.wait_head(i + 1)
        await tb.cycles(4)
        owned = 6 - (i + 1)
        icr = await tb.read(regs.ICR)
        if bool(icr & regs.ICR_RXDMT) != contract.rxdmt_due(owned, rdmt):
            tb.error(f"{owned} owned, RDMT {rdmt}: ICR.RXDMT={int(bool(icr & regs.ICR_RXDMT))}")
        if icr & ~(regs.ICR_RXDMT | regs.ICR_RXDW):
            tb.error(f"ICR={icr:#x}: a cause other than RXDW and RXDMT")
        if int(dut.irq.value):
            tb.error(f"{owned} owned: irq high with IMS 0")
    await tb.write(regs.IMS, regs.ICR_RXDMT)
    await tb.cycles(3)
    if int(dut.irq.value) != 1:
        tb.error("IMS.RXDMT set with ICR.RXDMT pending: irq low")
    await tb.write(regs.ICR, regs.ICR_RXDMT)
    await tb.cycles(3)
    if int(dut.irq.value) or (await tb.read(regs.ICR)) & regs.ICR_RXDMT:
        tb.error("ICR.RXDMT cleared: irq or ICR.RXDMT still set")
    await tb.write(regs.IMS, 0)
    await rx.finish("rxdmt_masked", exact=dict(drop_fifo=0, drop_nodesc=0))


# ------------------------------------------------------------------ frame FIFO read wraps

@cocotb.test(timeout_time=20, timeout_unit="ms")
async def fifo_read_wraps(dut):
    """The frame FIFO's read pointers wrap as a full FIFO, then a FIFO of two frames, gives
    up its oldest frame. With 64-byte frames the RAM (FIFO_BYTES / 64 frames) and the
    metadata (META_DEPTH) fill at the same frame when FIFO_BYTES = 64 x META_DEPTH. Three
    frames delivered and frames dropped at once for want of descriptors (DROP_NODESC) bring
    the pointers to the frame before the end; then, with no descriptors, a full FIFO's worth
    of frames is stored, one more is dropped (STAT_DROP_FIFO), and descriptors let them out
    in order. Two frames held at the same place follow."""
    tb = TB(dut)
    await tb.reset()
    p = tb.params
    md = p["META_DEPTH"]
    if p["FIFO_BYTES"] != BUF * md:
        raise AssertionError(f"fifo_read_wraps needs FIFO_BYTES = {BUF} x META_DEPTH: {p}")
    ring_size = 1 << max(3, (md + 8).bit_length())
    rx = Rx(tb, ring_size=ring_size, min_len=BUF, max_len=BUF, max_off=0, gap=0)
    ing = dut.ingress_inst
    depth = p["FIFO_BYTES"] // tb.nbytes

    async def advance(n):
        """n frames through the metadata FIFO, dropped for want of descriptors."""
        await tb.write(regs.CTRL, regs.CTRL_EN | regs.CTRL_DROP_NODESC)
        tb.cfg.drop_nodesc = True
        before = await tb.read(regs.STAT_DROP_NODESC)
        await _send(rx, n, allowed={rm.DROP_NODESC})
        await tb.source.wait()
        await _wait_reg(tb, regs.STAT_DROP_NODESC, before + n)
        await tb.write(regs.CTRL, regs.CTRL_EN)
        tb.cfg.drop_nodesc = False

    async def hold_and_release(k, extra):
        """k frames stored with no descriptors (and `extra` more dropped: the FIFO is full),
        then k descriptors: the oldest frame wraps both read pointers."""
        await _send(rx, k)
        await _send(rx, extra, allowed=LOST)
        await tb.source.wait()
        await tb.cycles(50)
        meta_wr, meta_rd = _u(ing.meta_wr_reg), _u(ing.meta_rd_reg)
        wr, rd = _u(ing.wr_commit_reg), _u(ing.rd_ptr_reg)
        frames = (meta_wr - meta_rd) % (2 * md)
        used = (wr - rd) % (2 * depth)
        if (frames, meta_rd % md, used, rd % depth) != (k, md - 1, k * BUF // tb.nbytes,
                                                         depth - BUF // tb.nbytes):
            tb.error(f"{k} frames held: metadata holds {frames} from slot {meta_rd % md}, RAM "
                     f"{used} words from word {rd % depth}: the oldest frame is not the "
                     f"last of both")
        tb.check()
        head = (rx.ring.clean + k) % ring_size
        await rx.ring.give(k)
        await rx.wait_head(head, timeout=40 * k + 5000)
        await rx.ring.reap(rx.sb)
        tb.check()

    await rx.start(give=False)
    # three frames delivered first: the descriptors of the full FIFO then start at ring index
    # 3, so reads of DESC_BURST and merged writebacks reach the ring's 4 KB boundary (index
    # 256) mid-burst and are cut there
    lead = 3
    await rx.ring.give(lead)
    await _send(rx, lead)
    await rx.wait_head(lead)
    await rx.ring.reap(rx.sb)
    await advance(md - 1 - lead)
    await hold_and_release(md, 1)              # full: metadata and RAM
    await hold_and_release(2, 0)               # two frames
    await rx.finish("fifo_read_wraps", exact=dict(drop_nodesc=md - 1 - lead, drop_fifo=1,
                                                  nodesc_wait=2, drop_err=0, drop_oversize=0))


# ------------------------------------------------------------------ registers

@cocotb.test(timeout_time=5, timeout_unit="ms")
async def reg_partial_strobes(dut):
    """AXI-Lite writes of a single byte lane (one WSTRB bit) change that byte of a RW register
    only, within its writable bits: CTRL and IMS, whose bits all lie in byte 0, keep their
    value when another byte is written. EN stays 0 throughout."""
    tb = TB(dut)
    await tb.reset()
    for off, (_, mask) in regs.RW_REGS.items():
        val = await tb.read(off)
        for lane in (1, 2, 3, 0, 0):
            byte = tb.rng.randrange(1, 256)
            if off == regs.CTRL and lane == 0:
                byte &= ~regs.CTRL_EN
            r = await tb.axil.write(off + lane, bytes([byte]))
            if int(r.resp) != 0:
                tb.error(f"AXI-Lite write of {off + lane:#x} answered {r.resp}")
            exp = (val & ~(0xFF << 8 * lane) | byte << 8 * lane) & mask
            if (got := await tb.read(off)) != exp:
                tb.error(f"{regs.NAMES[off]}: byte {lane} written with {byte:#04x} over "
                         f"{val:#x}: reads {got:#x}, expected {exp:#x}")
            val = got
        await tb.write(off, regs.RW_REGS[off][0])
    if (s := await tb.read(regs.STATUS)) != 0:
        tb.error(f"STATUS={s:#x} after register writes with EN 0")
    await tb.finish("reg_partial_strobes")
