"""TX data path: frame sizes 1 .. 9216 over 1 .. 5 buffers, every byte alignment, 4 KB
crossings, MAC backpressure on tready. Every frame is compared byte for byte on m_axis_tx,
every writeback exactly, every read beat against the owned buffers (tb.rtl.tx_bench)."""

import cocotb

from pymodel import tx_contract as contract
from tb.rtl.tx_bench import TxRing, TxTB
from tb.rtl.tx_env import run_frames, setup

SIZES = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 60, 63, 64, 65, 127, 128, 129, 511, 1500, 1514,
         4095, 4096, 4097, 9000, 9215, 9216]


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def tx_sizes_1_to_5_buffers(dut):
    """Every size of SIZES over 1 .. 5 buffers (never more buffers than bytes; from 4095
    bytes on over 1, 3 and 5), random offsets; the longest frames back to back; frames of
    6 .. 18 buffers (18 is the most allowed)."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=9216)
    await setup(tb, ring)
    frames = []
    for n in SIZES:
        # the longest sizes over 1, 3 and 5 buffers only: they cost the most clocks
        for nb in (range(1, 6) if n < 4095 else (1, 3, 5)):
            if nb <= n:
                frames.append((ring.split(n, nb), None))
    # the most descriptors a frame may take (MAX_SKB_FRAGS + 1), short and longest
    for n in (18, 200, 9216):
        frames.append((ring.split(n, contract.MAX_DESC_PER_FRAME), None))
    for n in (40, 1514, 3000, 9216):
        frames.append((ring.split(n, tb.rng.randint(6, 17)), None))
    tb.rng.shuffle(frames)
    await run_frames(tb, ring, frames, "tx_sizes_1_to_5_buffers")


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def tx_every_alignment(dut):
    """Each buffer's first byte on every lane (offset mod DATA_W/8), each length mod the bus
    width, over 1 .. 3 buffers: the packing of partial first and last beats."""
    tb = await TxTB.create(dut)
    nb = tb.nbytes
    ring = TxRing(tb, size=64, max_len=4 * nb + 64, max_off=2 * nb)
    await setup(tb, ring)
    frames = []
    rng = tb.rng
    for off in range(nb):
        for nbuf in (1, 2, 3):
            parts = [rng.randint(1, 3 * nb) for _ in range(nbuf)]
            offs = [off] + [rng.randrange(2 * nb) for _ in range(nbuf - 1)]
            frames.append((parts, offs))
    for ln in range(1, nb + 1):
        frames.append(([ln], [rng.randrange(nb)]))
    await run_frames(tb, ring, frames, "tx_every_alignment")


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def tx_4k_crossing(dut):
    """Buffers that end on, start on and cross a 4 KB boundary (the reads are cut there)."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=9216, max_off=4096 + 128)
    await setup(tb, ring)
    rng = tb.rng
    frames = []
    for _ in range(24):
        ln = rng.choice([rng.randint(1, 300), rng.randint(300, 5000), 9216])
        parts = ring.split(ln, rng.randint(1, 3))
        offs = []
        for p in parts:
            # relative to the first 4 KB boundary past the slot's area start
            k = rng.choice([p, rng.randint(1, 64), 0, -3, p // 2])

            def at(area, k=k):
                b = ((area + 64) | 0xFFF) + 1
                return min(max(b - area - k, 0), 4096 + 128)
            offs.append(at)
        frames.append((parts, offs))
    await run_frames(tb, ring, frames, "tx_4k_crossing")


@cocotb.test(timeout_time=300, timeout_unit="ms")
async def tx_backpressure(dut):
    """MAC backpressure: random TREADY pauses, then fixed patterns (1 of 2, 3 of 4 low, long
    stalls); TVALID never drops inside a frame (TxSink), frames still byte-exact."""
    tb = await TxTB.create(dut)
    ring = TxRing(tb, size=32, max_len=3000)
    await setup(tb, ring)
    rng = tb.rng
    sizes = [rng.choice([rng.randint(1, 64), rng.randint(60, 1514), rng.randint(1514, 3000)])
             for _ in range(60)]
    frames = [(ring.split(n, rng.randint(1, 4)), None) for n in sizes]
    for k, mode in enumerate(["random", [True, False], [True, True, True, False],
                              [False] * 5 + [True] * 40, "random_long"]):
        if mode == "random":
            tb.tready_random(0.5, 3)
        elif mode == "random_long":
            tb.tready_random(0.2, 30)
        else:
            tb.tready_pattern(mode)
        chunk = frames[k * 12:(k + 1) * 12]
        from tb.rtl.tx_env import send_all
        await send_all(tb, ring, chunk)
        await ring.wait_idle()
    if tb.sink.frame_stalls == 0:
        tb.error("no frame saw TREADY low")
    tb.set_tready(None)
    await run_frames(tb, ring, [], "tx_backpressure",
                     extra={"stalls": tb.sink.stalls, "frame_stalls": tb.sink.frame_stalls})
