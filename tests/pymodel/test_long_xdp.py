"""100,000 frames of mixed sizes through XDP on the reference nic_dma (select with -m long):
every fourth frame back out with its addresses swapped, the rest to the stack."""
import time

import pytest

from pymodel.stack import HoldTime
from pymodel.system import RefSystem

N_FRAMES = 100_000


@pytest.mark.long
def test_100k_frames_through_xdp_tx_every_4():
    seed = 2026
    print(f"seed={seed}")
    t0 = time.time()
    s = RefSystem(xdp="tx_every:4", seed=seed, hold=HoldTime("exp", 4000, seed=seed),
                  tx_gbps=1.0)
    s.open()
    s.run_traffic(N_FRAMES, mac_err_every=1000)
    acc = s.accounting()
    snap = s.snapshot()
    s.close()
    print(f"{time.time() - t0:.1f} s wall, {s.env.now_ns / 1e6:.1f} ms simulated, "
          f"{snap['cpu_ns'] / N_FRAMES:.0f} ns CPU per frame")
    bad = N_FRAMES // 1000
    seen = N_FRAMES - bad                       # the frames the program saw
    sink, sb = s.mac_sink, s.scoreboard
    assert acc["balanced"] and acc["sent"] == N_FRAMES
    assert acc["transmitted"] == seen // 4 and acc["delivered"] == seen - seen // 4
    assert acc["drops"]["driver_mac_err"] == bad and acc["drops_total"] == bad
    assert acc["tx_seqs_match"] and sink.mismatches == 0 and sink.out_of_order == 0
    assert sb.mismatches == 0 and sb.duplicates == 0 and sb.out_of_order == 0
    assert snap["stack"]["csum_bad"] == 0
    tx = snap["tx"]["driver"]
    assert tx["tx_xdp_returned_napi"] == seen // 4 and tx["tx_xdp_tx_err"] == 0
    assert s.hm.alloc.nr_in_use == 0 and s.hm.dma_debug_check_leaks() == 0
    assert s.hm.checker.breaches == [] and not s.hm.xdp_frames
    assert all(p.freed and p.inflight == 0 for p in s.driver.pools)
