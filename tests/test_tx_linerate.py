"""nic_tx_dma at line rate behind the benchmark's memory latency (200-clock reads, 100-clock
write responses), short runs of make bench's section txrate on Verilator
(tb/rtl/tx_linerate.py, tb/rtl/tx_linerate_bench.py): 10 GbE (DATA_W 64) with 64 B
frames and 100 GbE (DATA_W 512) with 1518 B frames go out with no underrun at line rate, every
frame byte-exact; and with reads 4,000 clocks late, where line rate needs more descriptors
prefetched and more read bursts in flight than the block allows, the checker reports
underruns and the rate falls short.
"""

import pytest

from tb.rtl.tx_linerate import LINKS, run_case

MIN_OF_LINE_RATE = 0.995


def _run(gbps, size, frames, **kw):
    dw, clk = LINKS[gbps]
    r = run_case(gbps, dw, clk, size, frames, **kw)
    print(f"{gbps:g} GbE DATA_W {dw} {size} B: {r.get('frames_sent')} of {frames} frames, "
          f"{r.get('underrun_clocks')} underrun clocks, {100 * (r.get('of_line_rate') or 0):.3f} % "
          f"of line rate, reads in flight {r.get('reads_in_flight_max')}, log {r['log']}")
    assert r["error"] is None, r["error"]
    assert r["frames_sent"] == frames and r["stat_frames"] == frames
    return r


@pytest.mark.parametrize("gbps,size,frames", [(10.0, 64, 1500), (100.0, 1518, 300)],
                         ids=["10g-64B", "100g-1518B"])
def test_tx_line_rate(gbps, size, frames):
    r = _run(gbps, size, frames)
    assert r["underrun_clocks"] == 0, f"{r['underrun_clocks']} underrun clocks"
    assert r["of_line_rate"] >= MIN_OF_LINE_RATE


def test_tx_line_rate_impossible():
    """Reads answered 4,000 clocks after their AR: 10 GbE with 64 B frames needs a frame every
    10.5 clocks, so about 380 descriptors prefetched ahead and 400 read bursts in flight; the
    block's prefetch runs DESC_AHEAD 192 ahead and MAX_RD is 256, so it cannot keep up (about
    half of line rate)."""
    r = _run(10.0, 64, 400, lat_rd=4000)
    assert r["underrun_clocks"] > 0, "the checker saw no underrun where line rate is impossible"
    assert r["of_line_rate"] < 0.9
