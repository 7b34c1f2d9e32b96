"""Random traffic: random lengths and frame kinds, random stalls on every AXI channel and
the MAC stream, random refill timing (starvation phases), random settings per seed.
Every frame is accounted for exactly once; memory outside owned buffers stays 0xA5."""

import os

import cocotb

from pymodel import regs
from pymodel import rx_contract as contract
from tb.rtl import expect as rm
from tb.rtl.bench import TB
from tb.rtl.env import Rx


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


async def _settle(tb, rx, timeout=100000):
    """Reap and refill until every frame sent is delivered or counted: the FIFO is empty."""
    start = tb.mon.cyc
    while True:
        await rx.reap()
        await tb.source.wait()
        st = await tb.stats()
        if st["frames"] + sum(st[k] for k in rm.DROPS) >= rx.sb.sent:
            return
        if tb.mon.cyc - start > timeout:
            tb.error(f"not settled after {timeout} clocks: {st}, {rx.sb.sent} sent")
            tb.check()
        await tb.cycles(16)


async def _paced(dut, name, n_frames):
    """Paced traffic in phases, so the frame FIFO runs at every level while its pointers wrap.

    - idle: one frame at a time, each into an empty FIFO;
    - burst: k frames back to back into an empty FIFO, k from 2 to META_DEPTH + 2, so the
      FIFO holds one, two, ... up to full (metadata or bytes) frames;
    - trickle: frames spaced about one drain time apart, with a prompt driver;
    - starve: the driver stops refilling while small frames keep coming: the FIFO fills.
    A frame the FIFO must hold (nothing before it can be lost: it fits in an empty FIFO with
    the frames of its burst) must be delivered; only frames of trickle and starve phases and
    burst frames beyond what fits may be dropped, and every drop must be counted.
    """
    tb = TB(dut)
    rng = tb.rng
    await tb.reset()
    nb = tb.nbytes
    p = tb.params
    small = p["DESC_QUEUE"] <= 4
    ring_size = 8 if small else rng.choice((8, 32, 256))
    max_frame = min(9216, p["FIFO_BYTES"])
    # buffers so that every frame needs at most DESC_QUEUE and at most ring_size - 1 descriptors
    ndesc = min(p["DESC_QUEUE"], ring_size - 1)
    min_len = max(64, -(-max_frame // ndesc)) if small else rng.choice((256, 512, 1024, 2048))
    max_len = max(min_len, min(4096, rng.choice((1, 2)) * min_len))
    big = min(max_frame, min_len * ndesc)      # the longest frame the ring can ever take
    top = min(big, 1518)
    p_axi = rng.choice((0.0, 0.1, 0.3))
    csum_start = rng.choice((14, 0, 23))
    knobs = dict(ring_size=ring_size, min_len=min_len, max_len=max_len, max_frame=max_frame,
                 big=big, p_axi=p_axi, csum_start=csum_start, params=p)
    tb.log.info("paced test %s: seed %d, %d frames, %s", name, tb.seed, n_frames, knobs)
    rx = Rx(tb, ring_size=ring_size, min_len=min_len, max_len=max_len, max_off=2 * nb)
    await rx.start(csum_start=csum_start, max_frame=max_frame, ims=0, itr=0)
    tb.backpressure(p_axi=p_axi, burst=4)
    phases = {"idle": 0, "burst": 0, "trickle": 0, "starve": 0, "wrap": 0}
    starving = False
    done = False

    async def driver():
        while not done:
            await tb.cycles(rng.randint(8, 64))
            if not starving:
                await rx.reap()

    def length(tiny=False):
        if tiny or rng.random() < 0.4:
            return rng.randint(1, 2 * nb + 1)
        if rng.random() < 0.85:
            return rng.randint(60, top)
        return rng.randint(top, big)

    def frame(n):
        f = tb.make_frame(n)
        r = rng.random()
        if r < 0.02:
            f.tkeep = [1] * n
            f.tkeep[rng.randrange(n)] = 0
        elif r < 0.04:
            f.tuser = True
        elif r < 0.05:
            f = tb.make_frame(max_frame + rng.randint(1, 64))
        return f

    def surely_stored(fs):
        """Per frame sent back to back into an empty FIFO: True if it fits even when every
        frame before it was stored (the device may drain faster than the model assumes, so a
        frame the FIFO could not hold at first may still take room from those behind it)."""
        used, out = 0, []
        for n, f in enumerate(fs):
            used += contract.fifo_room(len(f.data), nb)
            out.append(used <= p["FIFO_BYTES"] and n < p["META_DEPTH"])
        return out

    async def hold(fs):
        """Send `fs` back to back with the write channels paused: nothing leaves the FIFO, so
        the k-th frame is committed with exactly k - 1 frames stored."""
        tb.backpressure(0, 0)
        tb.axi.write_if.aw_channel.pause = True
        for f, ok in zip(fs, surely_stored(fs)):
            await rx.send(f, allowed=rm.ingress(f, tb.cfg, True, fifo_may_be_full=not ok))
        await tb.source.wait()
        await tb.cycles(20)
        tb.axi.write_if.aw_channel.pause = False
        tb.backpressure(p_axi=p_axi, burst=4)

    # the level the FIFO holds when its metadata write pointer wraps, in turn: empty, one
    # frame, two, full; each twice, so the full pointer (every second index wrap) sees each
    md = p["META_DEPTH"]
    wrap_levels = [min(v, md - 1) for v in (0, 0, 1, 1, 2, 2, md - 1, md - 1)]
    wraps = 0
    task = cocotb.start_soon(driver())
    sent = 0
    while sent < n_frames or wraps < len(wrap_levels):
        await _settle(tb, rx)
        st = await tb.stats()
        to_wrap = md - (st["frames"] + st["drop_nodesc"]) % md
        level = wrap_levels[wraps % len(wrap_levels)]
        if level == md - 1 and to_wrap < md:
            level = 0 if to_wrap < 3 else min(2, md - 1, to_wrap - 1)
        budget = to_wrap - level - 1          # frames that may commit before the wrap phase
        if budget <= 8:
            phases["wrap"] += 1
            tb.log.info("seq %d: wrap phase, level %d, %d single frames first", rx.seq, level,
                         budget)
            for _ in range(budget):           # single frames up to the wrap
                await rx.send(frame(length()))
                await _settle(tb, rx)
                sent += 1
            fs = [tb.make_frame(length(tiny=True)) for _ in range(level + 1)]
            if level == md - 1:
                fs += [tb.make_frame(length(tiny=True)) for _ in range(2)]   # dropped: full
            await hold(fs)
            sent += len(fs)
            wraps += 1
            continue
        budget -= 8
        kind = rng.choices(("idle", "burst", "trickle", "starve"), (2, 4, 3, 1))[0]
        phases[kind] += 1
        tb.log.info("seq %d: %s phase, at most %d frames", rx.seq, kind, budget)
        if kind == "idle":
            for _ in range(min(budget, rng.randint(1, 8))):
                await rx.send(frame(length()))
                await _settle(tb, rx)
                sent += 1
        elif kind == "burst":
            k = rng.randint(2, md + 2) if rng.random() < 0.5 else rng.randint(2, 4)
            fs = [frame(length(tiny=rng.random() < 0.5)) for _ in range(min(k, budget))]
            for f, ok in zip(fs, surely_stored(fs)):
                await rx.send(f, allowed=rm.ingress(f, tb.cfg, True, fifo_may_be_full=not ok))
            sent += len(fs)
        elif kind == "trickle":
            for _ in range(min(budget, rng.randint(4, 32))):
                f = frame(length())
                await rx.send(f, allowed=rm.ingress(f, tb.cfg, True, fifo_may_be_full=True))
                await tb.source.wait()
                await tb.cycles(rng.randint(0, 2 * (len(f.data) // nb) + 40))
                sent += 1
        else:
            starving = True
            for _ in range(min(budget, rng.randint(md, 2 * md + 8))):
                f = frame(length(tiny=True))
                await rx.send(f, allowed=rm.ingress(f, tb.cfg, True, fifo_may_be_full=True))
                sent += 1
            await tb.source.wait()
            await tb.cycles(rng.randint(0, 200))
            starving = False
        tb.check()
    await tb.source.wait()
    done = True
    await task
    tb.backpressure(0, 0)
    st = await rx.finish(name, extra=dict(knobs=knobs, phases=phases, wraps=wraps))
    tb.log.info("paced %s: %d sent, %d delivered, phases %s, counters %s", name, rx.sb.sent,
                rx.sb.delivered, phases, st)


def _paced_frames(tb_params):
    """Four laps of the metadata pointer (2**(width) frames each, at least the 3 laps every
    pointer needs): its wrap meets the FIFO empty, with one frame, with two and full."""
    return 4 * 2 * tb_params["META_DEPTH"] + 100


@cocotb.test(timeout_time=400, timeout_unit="ms")
async def random_paced(dut):
    """Paced traffic in phases (idle, bursts up to full, trickle, starvation), every FIFO level
    at every wrap of the metadata pointer."""
    from tb.common.params import from_env
    n = int(os.environ.get("RTL_FRAMES_PACED", "0")) or max(600, _paced_frames(from_env()))
    await _paced(dut, "random_paced", n)
