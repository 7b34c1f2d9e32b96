"""Frame traffic for the TX tests: post a list of frames through a TxRing as room allows,
reap as HEAD moves, and finish with every frame sent, HEAD = TAIL and the counters exact."""

from pymodel import regs


async def setup(tb, ring, ims=0, itr=0):
    """Program the ring and enable; RUNNING must rise."""
    await tb.write(regs.RING_BASE_LO, ring.base & 0xFFFFFFFF)
    await tb.write(regs.RING_BASE_HI, ring.base >> 32)
    await tb.write(regs.RING_SIZE, ring.size)
    await tb.write(regs.IMS, ims)
    await tb.write(regs.ITR, itr)
    await tb.write(regs.CTRL, regs.CTRL_EN)
    await tb.wait_status(regs.STATUS_RUNNING, regs.STATUS_RUNNING)


async def send_all(tb, ring, frames, batch=4, poll=32):
    """`frames`: a list of (parts, offsets) (offsets None: random). Posts up to `batch` frames
    per doorbell while descriptors are free; returns when all are posted (not yet sent)."""
    i = 0
    while i < len(frames):
        posted = 0
        while i < len(frames) and posted < batch:
            parts, offs = frames[i]
            if len(parts) > ring.free():
                break
            ring.post(parts, offs)
            i += 1
            posted += 1
        if posted:
            await ring.doorbell()
        else:
            await tb.cycles(poll)
            await ring.reap()
        tb.check()


async def run_frames(tb, ring, frames, name, batch=4, extra=None):
    """send_all, then wait until everything went out, then exact counters and HEAD."""
    await send_all(tb, ring, frames, batch)
    await ring.wait_idle()
    head = await tb.read(regs.HEAD)
    if head != ring.given:
        tb.error(f"HEAD {head} after all frames went out, TAIL {ring.given}")
    await ring.check_counters()
    tb.finish_stats(name, frames=ring.sent, extra=extra)
