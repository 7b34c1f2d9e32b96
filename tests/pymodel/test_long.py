"""100,000 frames of mixed sizes on each RX path against the reference NIC (select with -m long)."""
import time

import pytest

from pymodel.stack import HoldTime
from pymodel.system import RefSystem

N_FRAMES = 100_000


@pytest.mark.long
@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_100k_frames_zero_mismatches_zero_leaks(path):
    seed = 2026
    print(f"seed={seed}")
    t0 = time.time()
    s = RefSystem(path=path, ring_size=256, seed=seed, hold=HoldTime("exp", 4000, seed=seed))
    s.open()
    s.run_traffic(N_FRAMES, mac_err_every=1000)
    snap = s.snapshot()
    s.close()
    sb = s.scoreboard
    print(f"{path}: {time.time() - t0:.1f} s wall, {s.env.now_ns / 1e6:.1f} ms simulated, "
          f"{snap['cpu_ns'] / N_FRAMES:.0f} ns CPU per frame")
    assert sb.sent == N_FRAMES and sb.mismatches == 0, sb.first_mismatch
    assert sb.received == N_FRAMES - N_FRAMES // 1000 and sb.missing == N_FRAMES // 1000
    assert sb.duplicates == 0 and sb.out_of_order == 0
    assert snap["driver"]["rx_mac_err"] == N_FRAMES // 1000
    assert snap["stack"]["csum_ok"] == sb.received and snap["stack"]["csum_bad"] == 0
    assert snap["device"]["frames"] == N_FRAMES and snap["device"]["drop_fifo"] == 0
    assert s.hm.alloc.nr_in_use == 0 and s.hm.dma_debug_check_leaks() == 0
    assert s.hm.checker.breaches == []
    if path == "page_pool":
        pool = s.driver.pool
        a = pool.stats.alloc_stats
        assert pool.freed and pool.inflight == 0
        assert a.fast / (a.fast + a.slow + a.refill) > 0.95
        assert s.hm.stats.map == pool.hold_cnt == pool.release_cnt
