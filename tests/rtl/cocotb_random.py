"""Random traffic: random lengths and frame kinds, random stalls on every AXI channel and
the MAC stream, random refill timing (starvation phases), random settings per seed.
Every frame is accounted for exactly once; memory outside owned buffers stays 0xA5."""

import os

import cocotb

from tb import refmodel as rm
from tb import regs
from tb.env import Rx
from tb.tb import TB


def _length(rng, nb, max_frame):
    r = rng.random()
    if r < 0.45:
        return rng.randint(1, 3 * nb)
    if r < 0.80:
        return rng.randint(60, 256)
    if r < 0.99:
        return rng.randint(257, 1518)
    return rng.randint(1519, max(1519, min(9216, max_frame + 200)))


async def _random(dut, name, n_frames):
    tb = TB(dut)
    rng = tb.rng
    await tb.reset()
    nb = tb.nbytes
    ring_size = rng.choice((64, 128, 256, 512))
    min_len = rng.choice((256, 512, 1024, 2048))
    max_len = rng.choice((min_len, 2048, 4096))
    drop_bad = rng.random() < 0.5
    drop_nodesc = rng.random() < 0.5
    csum_start = rng.choice((14, 14, 0, 23))
    max_frame = rng.choice((9216, 9216, 1600))
    p_axi = rng.choice((0.1, 0.2, 0.4))
    p_src = rng.choice((0.0, 0.05, 0.15))
    knobs = dict(ring_size=ring_size, min_len=min_len, max_len=max_len, drop_bad=drop_bad,
                 drop_nodesc=drop_nodesc, csum_start=csum_start, max_frame=max_frame,
                 p_axi=p_axi, p_src=p_src)
    tb.log.info("random test %s: seed %d, %d frames, %s", name, tb.seed, n_frames, knobs)
    rx = Rx(tb, ring_size=ring_size, min_len=min_len, max_len=max_len, max_off=2 * nb)
    ctrl = (regs.CTRL_DROP_BAD if drop_bad else 0) | (regs.CTRL_DROP_NODESC if drop_nodesc else 0)
    await rx.start(ctrl=ctrl, csum_start=csum_start, max_frame=max_frame,
                   ims=0xF, itr=(2 << 16) | 8, rdmt=ring_size // 8)
    # stalls come in phases: pause generators cost a coroutine per channel per clock
    tb.backpressure(p_axi=p_axi, p_src=p_src, burst=8)
    stalled = True
    tb.source.queue_occupancy_limit_frames = 4
    done = False
    irqs = 0

    async def driver():
        nonlocal irqs, stalled
        while not done:
            if rng.random() < 0.03:
                wait = rng.randint(500, 3000)         # starvation: the FIFO fills
            else:
                wait = rng.randint(20, 400)
            await tb.cycles(wait)
            if rng.random() < 0.1:
                stalled = not stalled
                tb.backpressure(p_axi=p_axi if stalled else 0, p_src=p_src if stalled else 0,
                                burst=rng.choice((1, 4, 8)))
            if int(dut.irq.value):
                icr = await tb.read(regs.ICR)
                await tb.write(regs.ICR, icr)
                irqs += 1
            await rx.ring.reap(rx.sb)
            free = rx.ring.free_slots()
            await rx.ring.give(free if rng.random() < 0.7 else rng.randint(0, free))
            tb.check()

    task = cocotb.start_soon(driver())
    for i in range(n_frames):
        n = _length(rng, nb, max_frame)
        f = tb.make_frame(n)
        r = rng.random()
        if r < 0.02:
            f.tkeep = [1] * n
            f.tkeep[rng.randrange(n)] = 0
            if n <= nb and rng.random() < 0.5:
                f.tkeep = [0] * n
        elif r < 0.05:
            f.tuser = True
        elif r < 0.06:
            f.tuser_early = True
        await rx.send(f, allowed=rm.ingress(f, tb.cfg, True, fifo_may_be_full=True,
                                            desc_may_starve=True))
        if i % 256 == 0:
            tb.check()
    await tb.source.wait()
    done = True
    await task
    tb.backpressure(0, 0)
    st = await rx.finish(name, extra=dict(knobs=knobs, irqs=irqs))
    tb.log.info("random %s: %d sent, %d delivered, counters %s", name, rx.sb.sent,
                rx.sb.delivered, st)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def random_traffic(dut):
    """5,000 random frames (RTL_FRAMES overrides) under random stalls and refill timing."""
    await _random(dut, "random_traffic", int(os.environ.get("RTL_FRAMES", "5000")))


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def random_traffic_smoke(dut):
    """The random test, shorter, for the DATA_W 128/256 smoke cells."""
    await _random(dut, "random_traffic_smoke", int(os.environ.get("RTL_FRAMES_SMOKE", "1000")))
