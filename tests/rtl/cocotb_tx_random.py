"""Random TX traffic under a hostile bus: pauses on all five AXI channels, read latency,
TREADY pauses, and faults (SLVERR and DECERR on descriptor reads, data reads and
writebacks). Each fault halts the queue with its ERR_CODE; the frame with a failed read and
every later one is never sent; the driver recovers by disable and enable; at the end
STAT_FRAMES, STAT_BYTES, STAT_DESC_FETCHED and STAT_AXI_ERR are exact.

RTL_FRAMES sets the frames of tx_random_faults (default 100); tx_random_long (pytest -m
tx_long) runs 2,000."""

import os

import cocotb

from pymodel import regs
from pymodel import tx_contract as contract
from tb.rtl.tx_bench import TxRing, TxTB
from tb.rtl.tx_env import run_frames, setup
from tb.rtl.tx_halt import check_halt, recover

KINDS = [("desc", 2), ("desc", 3), ("data", 2), ("data", 3), ("wb", 2), ("wb", 3)]


def _size(rng):
    r = rng.random()
    if r < 0.3:
        return rng.randint(1, 128)
    if r < 0.8:
        return rng.randint(60, 1514)
    return rng.randint(1515, 9216)


async def _random(dut, name, n_frames, p_fault):
    tb = await TxTB.create(dut, lat=(0, 40), p_ar=0.2, p_r=0.2, p_aw=0.2, p_w=0.2, p_b=0.2)
    tb.tready_random(0.3, 6)
    rng = tb.rng
    ring = TxRing(tb, size=64, max_len=9216, max_off=2 * tb.nbytes + 7)
    await setup(tb, ring, ims=regs.ICR_ERR)
    posted = 0
    halts = {}
    while posted < n_frames:
        k = rng.randint(3, 10)
        frs = []
        for _ in range(k):
            parts = ring.split(_size(rng), rng.randint(1, 5))
            while len(parts) > ring.free():
                await tb.cycles(50)
                await ring.reap()
            frs.append(ring.post(parts))
            posted += 1
            if rng.random() < 0.5:
                await ring.doorbell()
        fault = rng.choice(KINDS) if rng.random() < p_fault else None
        code = None
        if fault:
            kind, resp = fault
            i = rng.randrange(len(frs))
            fr = frs[i]
            slot = (fr.first + rng.randrange(fr.ndesc)) % ring.size
            s = ring.slots[slot]
            a = ring.base + 16 * slot
            # arm before the doorbell: the slot may only be read once TAIL covers it
            if s.state == 1:  # POSTED, not yet handed over
                if kind == "desc":
                    tb.fail_read(a, a + 16, resp)
                    code = contract.ERR_DESC_READ
                elif kind == "data":
                    lo, hi = contract.read_span(s.addr, s.blen, tb.nbytes)
                    beat = lo + rng.randrange((hi - lo) // tb.nbytes) * tb.nbytes
                    tb.fail_read(beat, beat + tb.nbytes, resp)
                    code = contract.ERR_DATA_READ
                else:
                    tb.fail_write(a, a + 16, resp)
                    code = contract.ERR_WRITEBACK
                if kind != "wb":
                    ring.mark_doomed_from(fr)
        await ring.doorbell()
        if code is None:
            continue
        await check_halt(tb, ring, code)
        if not tb.fired:
            tb.error(f"the {fault} fault never fired")
        halts[f"{fault[0]}_{fault[1]}"] = halts.get(f"{fault[0]}_{fault[1]}", 0) + 1
        await ring.check_counters()
        tb.fired.clear()
        await recover(tb, ring, ims=regs.ICR_ERR)
    tb.log.info("%d frames posted, %d sent, halts %s", posted, ring.sent, halts)
    await run_frames(tb, ring, [], name,
                     extra={"halts": halts, "max_reads": tb.rd.max_out, "stalls": tb.sink.stalls})


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def tx_random_faults(dut):
    """RTL_FRAMES (100) random frames, 1 .. 5 buffers, every class of fault."""
    await _random(dut, "tx_random_faults", int(os.environ.get("RTL_FRAMES", "100")), 0.35)


@cocotb.test(timeout_time=20000, timeout_unit="ms")
async def tx_random_long(dut):
    """2,000 frames of the same (pytest -m tx_long)."""
    await _random(dut, "tx_random_long", int(os.environ.get("RTL_FRAMES", "2000")), 0.2)
