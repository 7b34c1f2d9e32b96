"""TX errors and queue control: bad descriptors (LEN 0, 19 descriptors, > 9216 bytes: ERR_CODE
4), SLVERR and DECERR on descriptor reads (1), data reads (2) and writebacks (3), each
followed by the driver's recovery; disable finishing a begun frame, abandoning one whose
descriptors are not all owned, and re-enable."""

import cocotb

from pymodel import regs
from pymodel import tx_contract as contract
from tb.rtl.tx_bench import OWNED, TxRing, TxTB
from tb.rtl.tx_env import run_frames, send_all, setup
from tb.rtl.tx_halt import check_halt, recover


async def _good(tb, ring, n=4):
    rng = tb.rng
    top = min(3000, ring.max_len)
    await send_all(tb, ring, [(ring.split(rng.randint(1, top), rng.randint(1, 4)), None)
                              for _ in range(n)])
    await ring.wait_idle()


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def tx_bad_descriptors(dut):
    """Each bad frame of the contract halts with ERR_CODE 4, is never sent, and nothing after
    it is; HEAD stays before it; recovery by disable and enable; the frames before it went out."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=9216)
    await setup(tb, ring, ims=regs.ICR_ERR)
    cases = [
        ("len0", [100, 0, 50], None),
        ("too_many_descriptors", [10] * 19, [False] * 19),
        ("too_many_descriptors_18", [5] * 18, [False] * 18),
        ("too_long", [9216, 1], None),
        ("too_long_many", [2000] * 5, None),
        ("len0_first", [0], None),
    ]
    for name, parts, eops in cases:
        await _good(tb, ring, 3)
        head = ring.clean
        descs = [regs.TxDesc(0, p, 1 if (eops is None and i == len(parts) - 1) else 0, 0)
                 for i, p in enumerate(parts)]
        chk = contract.check_frame(descs)
        if chk is None or chk.bad is None:
            tb.error(f"bench bug: case {name} is not a bad frame by the contract ({chk})")
            continue
        data = tb.rng.randbytes(sum(parts))
        bad = ring.post(parts, eops=eops, data=data, bad=chk.bad)
        after = ring.post([64])
        after.doomed = True
        await ring.doorbell()
        await check_halt(tb, ring, contract.ERR_BAD_DESC, head=head)
        if bad.sent:
            tb.error(f"bad frame {name} was sent")
        await recover(tb, ring, ims=regs.ICR_ERR)
    await _good(tb, ring, 3)
    await ring.check_counters()
    tb.finish_stats("tx_bad_descriptors", frames=ring.sent)


async def _fault_case(tb, ring, kind, resp):
    """Good frames, then a frame whose descriptor read / data read / writeback fails."""
    await _good(tb, ring, 2)
    head = ring.clean
    rng = tb.rng
    parts = ring.split(rng.randint(200, 4000), rng.randint(1, 4))
    fr = ring.post(parts)
    # a frame after it, but not behind a failing writeback: writebacks still pending at the
    # halt are RTL bug C's ground (tx_halt_pending_writeback reproduces it)
    after = ring.post([rng.randint(1, 500)]) if kind != "wb" else None
    k = rng.randrange(fr.ndesc)
    slot = (fr.first + k) % ring.size
    s = ring.slots[slot]
    if kind == "desc":
        a = ring.base + 16 * slot
        tb.fail_read(a, a + 16, resp)
        code = contract.ERR_DESC_READ
    elif kind == "data":
        lo, hi = contract.read_span(s.addr, s.blen, tb.nbytes)
        beat = lo + rng.randrange((hi - lo) // tb.nbytes) * tb.nbytes
        tb.fail_read(beat, beat + tb.nbytes, resp)
        code = contract.ERR_DATA_READ
    else:
        a = ring.base + 16 * slot
        tb.fail_write(a, a + 16, resp)
        code = contract.ERR_WRITEBACK
    if kind != "wb":
        fr.doomed = True
        after.doomed = True
    await ring.doorbell()
    await check_halt(tb, ring, code, head=None if kind == "wb" else head)
    if not tb.fired:
        tb.error(f"the {kind} fault never fired")
    if kind == "wb":
        # the frame was on chip: it is sent; HEAD stops before the failed writeback burst
        if (slot - ring.clean) % ring.size >= (ring.given - ring.clean) % ring.size:
            tb.error(f"HEAD {ring.clean} passed descriptor {slot}, whose writeback failed")
    await ring.check_counters()
    tb.fired.clear()
    await recover(tb, ring, ims=regs.ICR_ERR)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def tx_axi_errors(dut):
    """SLVERR then DECERR on a descriptor read (ERR_CODE 1), a data read (2), a writeback
    (3): halt, the frame with a failed read never sent, STAT_AXI_ERR exact, recovery."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=4000)
    await setup(tb, ring, ims=regs.ICR_ERR)
    for kind in ("desc", "data", "wb"):
        for resp in (2, 3):
            await _fault_case(tb, ring, kind, resp)
    await _good(tb, ring, 4)
    await ring.check_counters()
    tb.finish_stats("tx_axi_errors", frames=ring.sent)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def tx_disable(dut):
    """EN cleared under traffic: fetching stops, the frame being read is finished, sent and
    written back, RUNNING drops; HEAD then covers exactly the frames sent; re-enable
    recovers. A frame whose last descriptors were never handed over is abandoned."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=64, max_len=9216)
    await setup(tb, ring)
    rng = tb.rng
    for rnd in range(4):
        frames = [(ring.split(rng.randint(500, 9216), rng.randint(1, 5)), None)
                  for _ in range(8)]
        sent_before = ring.sent
        await send_all(tb, ring, frames, batch=8)
        await tb.cycles(rng.randint(50, 1500))
        t_off = tb.mon.cyc
        begun = [f for f in ring.frames if f.first_beat is not None and f.first_beat < t_off]
        await tb.write(regs.CTRL, 0)
        await tb.wait_status(regs.STATUS_RUNNING, 0)
        await tb.cycles(50)
        await ring.reap()
        rnd_sent = ring.sent - sent_before
        head = await tb.read(regs.HEAD)
        if head != ring.clean:
            tb.error(f"disable: HEAD {head} moved after RUNNING dropped ({ring.clean})")
        for f in begun:
            if not f.sent:
                tb.error(f"disable: frame seq {f.seq}, begun before EN was cleared (a data "
                         f"beat returned), was not finished and sent")
        # every frame begun was finished, sent and written back before RUNNING dropped: what
        # is left unreclaimed was never sent nor written back
        for f in ring.frames:
            if f.sent:
                tb.error(f"disable: frame seq {f.seq} sent but HEAD did not pass it")
            if ring.slots[f.first].state != OWNED:
                tb.error(f"disable: unsent frame seq {f.seq} was written back")
        tb.check()
        await recover(tb, ring)
        tb.log.info("round %d: %d sent of 8 before RUNNING dropped, %d begun at the disable",
                    rnd, rnd_sent, len(begun))
    # abandoned: TAIL in the middle of a frame, then disable
    fr = ring.post([300, 300, 300])
    fr.doomed = True
    ring.given = ring.tail = 2
    ring.slots[0].state = ring.slots[1].state = OWNED
    await tb.write(regs.TAIL, 2)
    await tb.cycles(300)
    if fr.sent:
        tb.error("a frame whose EOP descriptor was not handed over was sent")
    await tb.write(regs.CTRL, 0)
    await tb.wait_status(regs.STATUS_RUNNING, 0)
    if (h := await tb.read(regs.HEAD)) != 0:
        tb.error(f"HEAD {h} after abandoning a partly owned frame, expected 0")
    await recover(tb, ring)
    await _good(tb, ring, 4)
    await run_frames(tb, ring, [], "tx_disable")


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def tx_halt_mid_buffer(dut):
    """A data read error while the engine is in the middle of a buffer, its next bursts
    waiting for FIFO room (TREADY held low with three 9216-byte frames on chip): the halt
    issues no new AR (SPEC §5 Errors); the three frames on chip still go out; after disable
    and enable no read of the reclaimed buffer is issued and the next frames are byte-exact."""
    tb = await TxTB.create(dut, lat=(40, 40))
    tb.tready_pattern([True])
    ring = TxRing(tb, size=16, max_len=9216)
    await setup(tb, ring, ims=regs.ICR_ERR)
    for _ in range(3):
        ring.post([9216])
    fr = ring.post([9216])
    s = ring.slots[fr.first]
    lo, _ = contract.read_span(s.addr, s.blen, tb.nbytes)
    tb.fail_read(lo, lo + tb.nbytes, 2)
    fr.doomed = True
    await ring.doorbell()
    await tb.wait_status(regs.STATUS_HALTED, regs.STATUS_HALTED)
    tb.set_tready(None)
    await check_halt(tb, ring, contract.ERR_DATA_READ)
    await recover(tb, ring, ims=regs.ICR_ERR)
    await tb.cycles(400)
    await _good(tb, ring, 3)
    await ring.check_counters()
    tb.finish_stats("tx_halt_mid_buffer", frames=ring.sent)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def tx_halt_no_new_ar(dut):
    """A data read error while the engine has read requests queued behind a slow AR channel
    (ARREADY mostly low, long read latency): after the error response no new AR is
    presented (SPEC §5 Errors: no new AR or AW; TxMonitor's post-error rule)."""
    tb = await TxTB.create(dut, lat=(100, 100), p_ar=0.8, burst=8)
    ring = TxRing(tb, size=16, max_len=9216)
    await setup(tb, ring, ims=regs.ICR_ERR)
    frs = [ring.post([9216]) for _ in range(3)]
    s = ring.slots[frs[0].first]
    lo, _ = contract.read_span(s.addr, s.blen, tb.nbytes)
    tb.fail_read(lo, lo + tb.nbytes, 2)
    for f in frs:
        f.doomed = True
    await ring.doorbell()
    await check_halt(tb, ring, contract.ERR_DATA_READ)
    tb.finish_stats("tx_halt_no_new_ar", frames=ring.sent)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def tx_halt_pending_writeback(dut):
    """A writeback error while later frames are on chip and their writebacks wait behind a
    slow AW channel: after the halt, disable and enable, no writeback of the old descriptors
    is issued (the ring was reclaimed) and HEAD starts at 0."""
    tb = await TxTB.create(dut, p_aw=0.9, p_b=0.5, burst=16)
    ring = TxRing(tb, size=32, max_len=256)
    await setup(tb, ring, ims=regs.ICR_ERR)
    frs = [ring.post([tb.rng.randint(1, 200)]) for _ in range(12)]
    a = ring.base + 16 * frs[0].first
    tb.fail_write(a, a + 16, 2)
    await ring.doorbell()
    await check_halt(tb, ring, contract.ERR_WRITEBACK, head=0)
    await recover(tb, ring, ims=regs.ICR_ERR)
    await tb.cycles(400)
    await _good(tb, ring, 3)
    await ring.check_counters()
    tb.finish_stats("tx_halt_pending_writeback", frames=ring.sent)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def tx_bad_desc_addr_wrap(dut):
    """A buffer running past the top of the 64-bit address space is a bad descriptor
    (tx_contract.check_frame BAD_WRAP, as docs/DESIGN.md has it for RX): ERR_CODE 4 before
    any read of it, nothing sent."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=16, max_len=256)
    await setup(tb, ring, ims=regs.ICR_ERR)
    await _good(tb, ring, 2)
    head = ring.clean
    top = (1 << 64) - 8
    chk = contract.check_frame([regs.TxDesc(top, 64, 1, 0)])
    if chk is None or chk.bad != contract.BAD_WRAP:
        tb.error(f"bench bug: the contract does not call the wrapping buffer bad ({chk})")
    fr = ring.post([64], bad=contract.BAD_WRAP)
    slot = fr.first
    ring.mem.poke(ring.base + 16 * slot, contract.desc(top, 64, True))
    ring.slots[slot].addr = top
    await ring.doorbell()
    await check_halt(tb, ring, contract.ERR_BAD_DESC, head=head)
    await recover(tb, ring, ims=regs.ICR_ERR)
    await _good(tb, ring, 2)
    await ring.check_counters()
    tb.finish_stats("tx_bad_desc_addr_wrap", frames=ring.sent)
