"""Directed data-path tests: frames, buffers, ring, checksum, drops, interrupts."""

import cocotb

from pymodel import regs
from pymodel import rx_contract as contract
from tb.rtl import expect as rm
from tb.rtl.bench import TB
from tb.rtl.env import Rx


async def _setup(dut, **kw):
    tb = TB(dut)
    await tb.reset()
    rx = Rx(tb, **kw)
    return tb, rx


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def frame_lengths(dut):
    """Frame lengths 1 .. 3 x DATA_W/8, then 1518 and 9216, into one 9216-byte buffer each."""
    tb, rx = await _setup(dut, ring_size=64, min_len=9216, max_len=9216, max_off=0)
    await rx.start()
    rx.start_poller(200)
    lens = list(range(1, 3 * tb.nbytes + 1)) + [1518, 9216, 1, 9216, 64]
    for i, n in enumerate(lens):
        await rx.send(tb.make_frame(n))
        if i % 16 == 15:
            await tb.source.wait()
    await rx.finish("frame_lengths", exact=dict(drop_fifo=0, drop_nodesc=0, drop_err=0,
                                                drop_oversize=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def buffer_offsets(dut):
    """Buffers starting at every offset 0 .. DATA_W/8-1 of a bus word, and buffers that
    straddle a 4 KB boundary, with frames that end at every lane."""
    tb = TB(dut)
    await tb.reset()
    nb = tb.nbytes
    plan = []       # (addr, blen)
    for off in range(nb):
        a = tb.mem.alloc(600 + nb, align=nb, gap=64) + off
        plan.append((a, 600))
    for _ in range(12):
        # straddle: starts up to 300 bytes before a 4 KB boundary, any alignment
        a = tb.mem.alloc_at_offset(700, 0x1000 - 1 - tb.rng.randrange(300), gap=64)
        plan.append((a, 700))
    size = 1
    while size < len(plan) + 1:
        size *= 2
    size = max(size, 8)
    it = iter(plan + [(tb.mem.alloc(700), 700) for _ in range(size)])
    rx = Rx(tb, ring_size=size, alloc=lambda slot: next(it))
    await rx.start()
    for i in range(len(plan)):
        n = 1 + (i * 37) % 599 if i % 3 else 600 - (i % nb)
        await rx.send(tb.make_frame(n))
    await rx.finish("buffer_offsets", exact=dict(drop_fifo=0, drop_nodesc=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def multi_buffer(dut):
    """Frames spread over 2 .. 5 buffers of assorted lengths and alignments."""
    tb, rx = await _setup(dut, ring_size=128, min_len=64, max_len=300, max_off=tb_off(dut))
    await rx.start()
    rx.start_poller(300)
    for nbufs in (2, 3, 4, 5, 2, 3, 4, 5):
        # lengths chosen at send time against the buffers the ring will hand out next is not
        # possible (they are random); use lengths that need 2..5 buffers of at most 300 bytes
        n = 300 * (nbufs - 1) + 1 + tb.rng.randrange(60)
        await rx.send(tb.make_frame(n))
    for n in (600, 1200, 1499, 1500):
        await rx.send(tb.make_frame(n))
    await rx.finish("multi_buffer", exact=dict(drop_fifo=0, drop_nodesc=0))
    spans = [len(s) for _, s in rx.sb.deliveries]
    if max(spans) < 5 or min(spans) > 2:
        raise AssertionError(f"frames spanned {spans} buffers: 2..5 not covered")


def tb_off(dut):
    return len(dut.s_axis_rx_tdata) // 8 - 1


async def _ring_wrap(dut, size):
    """The ring wraps three times at one ring size (one slot kept empty)."""
    tb = TB(dut)
    await tb.reset()
    rx = Rx(tb, ring_size=size, min_len=256, max_len=256, max_off=7)
    await rx.start()
    for i in range(3 * size + 3):
        await rx.send(tb.make_frame(1 + (i * 53) % 256))
        if i % (size // 2) == size // 2 - 1:
            await tb.source.wait()
            await rx.reap()
    await rx.finish(f"ring_wrap_{size}", exact=dict(drop_fifo=0, drop_nodesc=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def ring_wrap_8(dut):
    """Ring of 8 descriptors wraps three times."""
    await _ring_wrap(dut, 8)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def ring_wrap_16(dut):
    """Ring of 16 descriptors wraps three times."""
    await _ring_wrap(dut, 16)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def ring_wrap_32(dut):
    """Ring of 32 descriptors wraps three times."""
    await _ring_wrap(dut, 32)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def ring_wrap_128(dut):
    """Ring of 128 descriptors wraps three times."""
    await _ring_wrap(dut, 128)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def checksum(dut):
    """CSUM: odd lengths, frames shorter than CSUM_START, all-0xFF data, several CSUM_START."""
    tb, rx = await _setup(dut, ring_size=128, min_len=2048, max_len=2048, max_off=3)
    for cs in (14, 0, 1, 33):
        if cs == 14:
            await rx.start(csum_start=14)
        else:
            await tb.source.wait()
            await tb.write(regs.CSUM_START, cs)
            tb.cfg.csum_start = cs
        for n in (cs - 1, cs, cs + 1, cs + 2, 15, 61, 63, 64, 65, 127, 1517, 1518):
            if n >= 1:
                await rx.send(tb.make_frame(n))
        for n in (cs + 1, 100, 101, 1501, 2047):
            if n >= 1:
                await rx.send(tb.make_frame(n, fill=0xFF))
        await rx.send(tb.make_frame(64, fill=0x00))
        await tb.source.wait()
        await rx.reap()
    await rx.finish("checksum", exact=dict(drop_fifo=0, drop_nodesc=0, drop_err=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def max_frame(dut):
    """MAX_FRAME: a frame of exactly MAX_FRAME bytes is delivered, one byte more is dropped."""
    tb, rx = await _setup(dut, ring_size=64, min_len=2048, max_len=2048)
    await rx.start(max_frame=1000)
    for n in (999, 1000, 1001, 1500, 64, 9216, 1000):
        await rx.send(tb.make_frame(n))
    await tb.source.wait()
    await tb.write(regs.MAX_FRAME, 64)
    tb.cfg.max_frame = 64
    for n in (64, 65, 1):
        await rx.send(tb.make_frame(n))
    await rx.finish("max_frame", exact=dict(drop_oversize=4, drop_err=0, drop_fifo=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def drop_bad(dut):
    """tuser on the tlast beat: delivered with MAC_ERR when DROP_BAD=0, dropped (DROP_ERR)
    when DROP_BAD=1; tuser on earlier beats only is ignored."""
    tb, rx = await _setup(dut, ring_size=64, min_len=512, max_len=512)
    await rx.start(ctrl=0)
    for n, tu, early in ((60, 1, 0), (700, 1, 0), (5, 0, 1), (3 * tb.nbytes, 0, 1), (64, 1, 1), (64, 0, 0)):
        f = tb.make_frame(n, tuser=bool(tu))
        f.tuser_early = bool(early)
        await rx.send(f)
    await tb.source.wait()
    await rx.reap()
    await tb.write(regs.CTRL, regs.CTRL_EN | regs.CTRL_DROP_BAD)
    tb.cfg.drop_bad = True
    for n, tu, early in ((60, 1, 0), (700, 1, 0), (3 * tb.nbytes, 0, 1), (64, 1, 1), (64, 0, 0)):
        f = tb.make_frame(n, tuser=bool(tu))
        f.tuser_early = bool(early)
        await rx.send(f)
    await rx.finish("drop_bad", exact=dict(drop_err=3, drop_fifo=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def malformed_tkeep(dut):
    """Malformed tkeep (a hole before tlast, non-contiguous or zero on tlast) and zero-length
    frames are dropped (STAT_DROP_ERR); good frames around them are delivered."""
    tb, rx = await _setup(dut, ring_size=64, min_len=1024, max_len=1024)
    await rx.start()
    nb = tb.nbytes
    bad = []
    n = 3 * nb
    k = [1] * n
    k[nb // 2] = 0                       # hole in the first beat
    bad.append(k)
    k = [1] * (2 * nb)
    k[2 * nb - 1] = 0                    # first beat full, last beat 0111..: fine; make hole
    k[nb] = 0                            # last beat starts with a zero lane: not contiguous from 0
    bad.append(k)
    k = [1] * (nb + 3) + [0] + [1]       # last beat 1110 1: not contiguous
    bad.append(k)
    k = [1] * nb + [0] * nb              # last beat all zero
    bad.append(k)
    bad.append([0] * nb)                 # zero-length frame: one beat, tkeep 0
    bad.append([0] * 3)                  # zero-length, partial
    good = 0
    for i, keep in enumerate(bad):
        await rx.send(tb.make_frame(40 + i))
        f = tb.make_frame(len(keep))
        f.tkeep = keep
        if not rm.malformed(f, nb):
            raise AssertionError(f"bench bug: tkeep pattern {i} is well formed")
        await rx.send(f)
        good += 1
    # well-formed with an explicit tkeep: last beat partial and contiguous
    f = tb.make_frame(nb + 5)
    f.tkeep = [1] * (nb + 3) + [0, 0]
    await rx.send(f)
    await rx.send(tb.make_frame(33))
    await rx.finish("malformed_tkeep", exact=dict(drop_err=len(bad), drop_fifo=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def zero_length(dut):
    """Zero-length frames (tlast with tkeep 0) are dropped and counted in STAT_DROP_ERR."""
    tb, rx = await _setup(dut, ring_size=16, min_len=256, max_len=256)
    await rx.start()
    for i in range(5):
        f = tb.make_frame(tb.nbytes)
        f.tkeep = [0] * tb.nbytes
        await rx.send(f)
        await rx.send(tb.make_frame(1 + i))
    await rx.finish("zero_length", exact=dict(drop_err=5, drop_fifo=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def enable_disable(dut):
    """Frames while EN=0 are dropped (STAT_DROP_FIFO, RXO); enable zeroes HEAD/TAIL; disable
    finishes the frame in progress and drops RUNNING; re-enable starts from slot 0."""
    tb = TB(dut)
    await tb.reset()
    rx = Rx(tb, ring_size=16, min_len=512, max_len=512)
    for n in (64, 65):
        await rx.send(tb.make_frame(n), running=False)
    await tb.source.wait()
    await tb.cycles(20)
    if (v := await tb.read(regs.STAT_DROP_FIFO)) != 2:
        tb.error(f"frames while EN=0: STAT_DROP_FIFO={v}, expected 2")
    if not (await tb.read(regs.ICR)) & regs.ICR_RXO:
        tb.error("frames dropped while EN=0 did not set ICR.RXO")
    await tb.write(regs.ICR, 0xF)
    await rx.start()
    for n in (100, 200, 300):
        await rx.send(tb.make_frame(n))
    await tb.source.wait()
    await rx.wait_head(3)
    await rx.reap(give=False)
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    head, tail = await tb.read(regs.HEAD), await tb.read(regs.TAIL)
    if (head, tail) != (3, 15):
        tb.error(f"after disable HEAD,TAIL = {head},{tail}, expected 3,15")
    await rx.send(tb.make_frame(77), running=False)
    await tb.source.wait()
    await tb.cycles(20)
    # the driver reclaims [HEAD, TAIL) and enables again: HEAD = TAIL = 0
    for s in range(rx.ring.size):
        rx.ring.owned[s] = 0
    rx.ring.clean = rx.ring.tail = 0
    for s in list(rx.ring._owner.values()):
        rx.ring._unmap(s)
    for s in range(rx.ring.size):
        rx.ring.slots[s].addr = None
    await rx.start()
    for n in (10, 20):
        await rx.send(tb.make_frame(n))
    await rx.finish("enable_disable", exact=dict(drop_fifo=3, drop_nodesc=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def drop_nodesc(dut):
    """A frame at the FIFO head without enough descriptors waits (STAT_NODESC_WAIT) with
    DROP_NODESC=0 and is dropped (STAT_DROP_NODESC, RXO) with DROP_NODESC=1."""
    tb, rx = await _setup(dut, ring_size=32, min_len=256, max_len=256)
    await rx.start(give=False)
    await rx.ring.give(2)                  # 512 bytes owned
    await rx.send(tb.make_frame(200))      # fits in one
    await rx.send(tb.make_frame(700))      # needs 3: waits
    await tb.source.wait()
    await tb.cycles(300)
    if (v := await tb.read(regs.STAT_NODESC_WAIT)) != 1:
        tb.error(f"STAT_NODESC_WAIT={v}, expected 1")
    if (v := await tb.read(regs.STAT_FRAMES)) != 1:
        tb.error(f"STAT_FRAMES={v} while the second frame waits, expected 1")
    await rx.reap()                        # gives the rest: the frame goes
    await rx.wait_head(4)
    await rx.reap(give=False)
    # DROP_NODESC: no descriptors at all
    await tb.write(regs.CTRL, regs.CTRL_EN | regs.CTRL_DROP_NODESC)
    tb.cfg.drop_nodesc = True
    await tb.cycles(50)
    free_before = rx.ring.outstanding()
    # consume every owned descriptor first so the device holds none
    n_owned = rx.ring.outstanding()
    for _ in range(n_owned):
        await rx.send(tb.make_frame(256))
    await tb.source.wait()
    await rx.wait_head((rx.ring.clean + n_owned) % rx.ring.size)
    await rx.reap(give=False)
    await tb.write(regs.ICR, 0xF)
    for n in (100, 1000):
        await rx.send(tb.make_frame(n), allowed={rm.DROP_NODESC})
    await tb.source.wait()
    await tb.cycles(100)
    if not (await tb.read(regs.ICR)) & regs.ICR_RXO:
        tb.error("DROP_NODESC drop did not set ICR.RXO")
    await rx.ring.give()
    await rx.send(tb.make_frame(300))
    await rx.finish("drop_nodesc", exact=dict(drop_nodesc=2, nodesc_wait=1, drop_fifo=0),
                    extra=dict(free_before=free_before))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def too_many_descs(dut):
    """A frame that needs more than DESC_QUEUE descriptors is dropped in STAT_DROP_NODESC
    whatever DROP_NODESC says (DESIGN 'Descriptors per frame')."""
    tb, rx = await _setup(dut, ring_size=256, min_len=64, max_len=64)
    await rx.start()
    q = tb.params["DESC_QUEUE"]
    await rx.send(tb.make_frame(64 * q + 1), allowed={rm.DROP_NODESC})
    await rx.send(tb.make_frame(64 * (q - 2)))
    await rx.send(tb.make_frame(100))
    await rx.finish("too_many_descs", exact=dict(drop_nodesc=1, drop_fifo=0))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def fifo_overflow(dut):
    """With no descriptors the FIFO fills: frames that do not fit (bytes rounded up to whole
    words, or META_DEPTH frames) are dropped (STAT_DROP_FIFO, RXO); the stored ones are
    delivered in order once descriptors arrive."""
    tb, rx = await _setup(dut, ring_size=64, min_len=9216, max_len=9216)
    await rx.start(give=False)
    frames = [tb.make_frame(n) for n in (9000, 9216, 8000, 3000, 2000, 1000, 513, 300, 64, 9216, 17)]
    fits = rm.fifo_fill(frames, tb.cfg)
    for f, ok in zip(frames, fits):
        await rx.send(f, allowed={rm.DELIVER} if ok else {rm.DROP_FIFO})
    await tb.source.wait()
    await tb.cycles(50)
    if not (await tb.read(regs.ICR)) & regs.ICR_RXO:
        tb.error("FIFO drops did not set ICR.RXO")
    await rx.ring.give()
    await rx.finish("fifo_overflow", exact=dict(drop_fifo=fits.count(False), drop_nodesc=0,
                                                nodesc_wait=1))


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def buf_len_zero(dut):
    """A descriptor with BUF_LEN 0 halts the queue with ERR_CODE 4 when a frame needs it."""
    tb = TB(dut)
    await tb.reset()

    def alloc(slot):
        if slot == 2:
            return tb.mem.alloc(64), 0
        return tb.mem.alloc(512), 512
    rx = Rx(tb, ring_size=8, alloc=alloc)
    await rx.start(ims=regs.ICR_ERR)
    await rx.send(tb.make_frame(100))
    await rx.send(tb.make_frame(100))
    await tb.source.wait()
    await rx.wait_head(2)
    await rx.send(tb.make_frame(100), allowed={rm.DROP_FIFO})   # needs descriptor 2: halts
    await tb.source.wait()
    await tb.wait_status(0xF3, regs.STATUS_HALTED | (regs.ERR_BAD_DESC << 4))
    await rx.send(tb.make_frame(100), allowed={rm.DROP_FIFO})   # arrives while halted
    await tb.source.wait()
    await tb.cycles(20)
    await tb.wait_status(0xF3, regs.STATUS_HALTED | (regs.ERR_BAD_DESC << 4))
    if not (await tb.read(regs.ICR)) & regs.ICR_ERR:
        tb.error("bad descriptor: ICR.ERR not set")
    await tb.cycles(3)
    if int(dut.irq.value) != 1:
        tb.error("bad descriptor: irq low")
    if (h := await tb.read(regs.HEAD)) != 2:
        tb.error(f"bad descriptor: HEAD={h}, expected 2")
    await rx.ring.reap(rx.sb)
    # descriptors [HEAD, TAIL) are void: reclaim without reading
    st = await tb.stats()
    rx.sb.drain_pending()
    rx.sb.check_counters(st, dict(frames=2, drop_fifo=2))
    tb.check_memory(rx.ring)
    await tb.finish("buf_len_zero", frames=rx.sb.sent)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def irq_moderation_count(dut):
    """RXDW after PKT_THRESH frames; clearing RXDW restarts the count; PKT_THRESH 0 acts as 1."""
    tb, rx = await _setup(dut, ring_size=64, min_len=256, max_len=256)
    itr = 4
    await rx.start(ims=regs.ICR_RXDW, itr=itr)
    head = 0
    for _ in range(2):
        for i in range(4):
            await rx.send(tb.make_frame(60 + i))
            await tb.source.wait()
            head += 1
            await rx.wait_head(head)
            await tb.cycles(4)
            icr = await tb.read(regs.ICR)
            exp = contract.rxdw_due(i + 1, itr)
            if bool(icr & regs.ICR_RXDW) != exp:
                tb.error(f"PKT_THRESH 4, {i + 1} frames reported: ICR.RXDW={icr & 1}, expected {int(exp)}")
            if int(dut.irq.value) != int(exp):
                tb.error(f"PKT_THRESH 4, {i + 1} frames reported: irq={dut.irq.value}")
        await tb.write(regs.ICR, regs.ICR_RXDW)
        await tb.cycles(3)
        if int(dut.irq.value):
            tb.error("irq high after RXDW cleared")
    await tb.write(regs.ITR, 0)
    await rx.send(tb.make_frame(80))
    await tb.source.wait()
    await rx.wait_head(head + 1)
    await tb.cycles(4)
    if not (await tb.read(regs.ICR)) & regs.ICR_RXDW:
        tb.error("PKT_THRESH 0 did not act as 1")
    await rx.finish("irq_moderation_count")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def irq_moderation_delay(dut):
    """RXDW DELAY x 16 clocks after the last report when the count is not reached."""
    tb, rx = await _setup(dut, ring_size=64, min_len=256, max_len=256)
    itr = (4 << 16) | 100
    delay = contract.delay_clocks(itr)
    await rx.start(ims=regs.ICR_RXDW, itr=itr)
    for rnd in range(3):
        await rx.send(tb.make_frame(64 + rnd))
        await tb.source.wait()
        # watch irq every clock; the report time is the B of the last writeback burst
        t = 0
        while int(dut.irq.value) == 0 and t < 2000:
            await tb.cycles(1)
            t += 1
        rise = tb.mon.cyc
        wb = [i for i, r in enumerate(tb.mon.aw_ring) if r]
        b = tb.mon.b_cyc[wb[-1]] if wb and wb[-1] < len(tb.mon.b_cyc) else None
        if b is None:
            tb.error("no writeback B before RXDW")
        else:
            dt = rise - b
            if not delay <= dt <= delay + 8:
                tb.error(f"RXDW rose {dt} clocks after the writeback B, "
                         f"expected {delay}..{delay + 8}")
        await tb.write(regs.ICR, regs.ICR_RXDW)
        await tb.cycles(delay + 40)
        if int(dut.irq.value):
            tb.error("RXDW set again without a new report")
    await rx.finish("irq_moderation_delay")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def rxdmt(dut):
    """RXDMT when HEAD advances and leaves fewer than RDMT owned descriptors."""
    tb, rx = await _setup(dut, ring_size=32, min_len=256, max_len=256)
    rdmt = 4
    await rx.start(give=False, rdmt=rdmt, ims=regs.ICR_RXDMT)
    await rx.ring.give(10)
    for i in range(8):
        await rx.send(tb.make_frame(100))
        await tb.source.wait()
        await rx.wait_head(i + 1)
        await tb.cycles(4)
        owned = 10 - (i + 1)
        icr = await tb.read(regs.ICR)
        exp = contract.rxdmt_due(owned, rdmt)
        if bool(icr & regs.ICR_RXDMT) != exp:
            tb.error(f"{owned} owned, RDMT 4: ICR.RXDMT={int(bool(icr & 2))}, expected {int(exp)}")
        if int(dut.irq.value) != int(exp):
            tb.error(f"{owned} owned: irq={dut.irq.value}")
    await tb.write(regs.ICR, regs.ICR_RXDMT)
    await rx.finish("rxdmt")
