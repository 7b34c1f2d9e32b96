"""make bench's logic (pymodel.bench) and the JSON it writes (scripts/bench.py), on tiny runs."""
import argparse
import json

import pytest

from pymodel import bench as B
from pymodel.costs import get_profile


def test_search_max_finds_a_known_threshold():
    calls = []

    def passes(x):
        calls.append(x)
        return x <= 123.4

    r = B.search_max(passes, 10.0, 1000.0, rel_tol=0.001)
    assert 123.4 - 1.0 <= r["value"] <= 123.4
    assert r["trials"][0] == (1000.0, False) and r["trials"][1] == (10.0, True)
    assert all(ok == (x <= 123.4) for x, ok in r["trials"])
    assert B.search_max(lambda x: True, 1.0, 50.0)["value"] == 50.0          # hi passes: done
    assert B.search_max(lambda x: False, 1.0, 50.0)["value"] == 0.0          # nothing passes


def test_search_min_int_is_exact():
    r = B.search_min_int(lambda n: n >= 37, 1, 1000)
    assert r["value"] == 37
    assert (36, False) in r["trials"] and (37, True) in r["trials"]
    assert B.search_min_int(lambda n: True, 5, 100)["value"] == 5


def test_littles_law_and_line_rate():
    assert B.littles_law(81_274.0, 1e6) == pytest.approx(81.274)
    assert B.littles_law(1e6, 0) == 0
    assert B.line_rate_pps(64, 1.0) == pytest.approx(1_488_095, rel=1e-6)     # 1 GbE, 64 B
    assert B.line_rate_pps(64, 10.0) == pytest.approx(14_880_952, rel=1e-6)
    assert B.line_rate_pps(1518, 1.0) == pytest.approx(81_274, rel=1e-4)


def test_fragments_pin_pages_until_the_last_piece_returns():
    assert B.frag_size() == 2112                 # align64(256 + 1514) + 320
    iv = [(0, 10), (1, 2), (3, 4), (5, 6)]       # in allocation order
    assert B.pages_peak(iv, 1) == 2              # (0,10) overlaps each of the others
    assert B.pages_peak(iv, 2) == 2              # pages (0..10) and (3..6)
    assert B.pages_peak(iv, 4) == 1
    assert B.pages_peak([(0, 1), (1, 2)], 1) == 1     # a return and an alloc at the same time
    with pytest.raises(ValueError):
        B.pages_peak(iv, 0)


def test_ratio_needs():
    legacy = {"a": 300.0, "stack_rx": 100.0}
    pool = {"a": 100.0, "stack_rx": 100.0}
    n = B.ratio_needs(legacy, pool, 2.0)
    assert n["ratio"] == pytest.approx(2.0) and n["driver_only_ratio"] == pytest.approx(3.0)
    assert n["stack_ns_for_target"] == pytest.approx(100.0)
    n = B.ratio_needs({"a": 300.0, "stack_rx": 300.0}, {"a": 100.0, "stack_rx": 300.0}, 2.0)
    assert n["ratio"] == pytest.approx(1.5)
    # scaling "a" by f: (300 f + 300) = 2 (100 f + 300) -> f = 3
    assert n["op_factor"]["a"] == pytest.approx(3.0)
    assert n["op_factor"]["stack_rx"] == pytest.approx(1 / 3)
    assert B.ratio_needs({"a": 100.0}, {"a": 100.0})["stack_ns_for_target"] is None


@pytest.mark.parametrize("path", ["legacy", "page_pool"])
def test_tiny_cell_accounts_for_every_frame(path):
    r = B.run_cell("ref", path=path, profile="cortex-a53", frame_len=508, offered_pps=50e3,
                   frames=300, ring_size=64)
    assert r["sent"] == 300 and r["delivered"] + r["dropped"] == r["sent"] and r["accounted"]
    assert r["dropped"] == 0 and r["mismatches"] == 0 and r["breaches"] == 0
    assert 0 < r["cpu_ns_per_delivered"] < 10_000
    over = B.run_cell("ref", path=path, profile="cortex-a53", frame_len=60, offered_pps=2e6,
                      frames=3000, ring_size=64)
    assert over["dropped"] > 0 and over["accounted"] and over["mismatches"] == 0


def test_saturated_window_charges_the_stack_once_per_packet():
    r = B.run_cell("ref", path="page_pool", profile="cortex-a53", frame_len=508,
                   offered_pps=2e6, saturate=True, warmup=200, measure=600, ring_size=128)
    w = r["window"]
    assert w["frames"] == 600 and r["accounted"] and r["dropped"] > 0
    assert w["busy"] == pytest.approx(1.0, abs=0.05)          # the CPU is the bound
    assert w["pps"] == pytest.approx(1e9 / w["cpu_ns_per_pkt"], rel=0.05)
    assert w["calls_per_pkt"]["stack_rx"] == pytest.approx(1.0)
    assert w["cpu_ns_by_op"]["stack_rx"] == pytest.approx(get_profile("cortex-a53").ns["stack_rx"])
    no_stack = B.run_cell("ref", path="page_pool", profile="cortex-a53", frame_len=508,
                          offered_pps=2e6, saturate=True, warmup=200, measure=600,
                          ring_size=128, stack=False)
    assert "stack_rx" not in no_stack["window"]["cpu_ns_by_op"]
    assert no_stack["window"]["pps"] > w["pps"]


def test_backends():
    with pytest.raises(ValueError, match="unknown backend"):
        B.run_cell("spice", path="legacy")
    with pytest.raises(NotImplementedError, match="register"):
        B.run_cell("rtl", path="legacy")            # tb.cosim.bench_backend registers it


def test_cpu_bound_maximum_does_not_depend_on_the_load_offered():
    """The cross-check offers less than section 1 (the RTL simulates it faster): the window
    measures the same rate at any load the CPU cannot take."""
    assert B.saturation_load(64, 1.0) == pytest.approx(B.line_rate_pps(64, 10.0))
    assert B.saturation_load(1518, 1.0) == 2e6
    kw = dict(path="legacy", profile="cortex-a53", frame_len=508, saturate=True, warmup=200,
              measure=500, ring_size=128)
    hi = B.run_cell("ref", offered_pps=B.saturation_load(512, 1.0), **kw)["window"]
    lo = B.run_cell("ref", offered_pps=2 * hi["pps"], **kw)["window"]
    assert lo["pps"] == pytest.approx(hi["pps"], rel=1e-3)
    assert lo["cpu_ns_by_op"] == pytest.approx(hi["cpu_ns_by_op"], rel=1e-3)


def test_window_reports_counters_per_packet():
    class Stack:
        def netif_receive_skb(self, skb):
            pass

    class Meter:
        by_op, calls = {"x": 0.0}, {"x": 0}

    class Drv:
        stats = type("S", (), {"rx_packets": 0})()

    st, m, d, clock, c = Stack(), Meter(), Drv(), [0.0], {"k": 0.0}
    w = B.Window(stack=st, driver=d, meter=m, now_ns=lambda: clock[0], sent=lambda: 0,
                 warmup=2, measure=4, counters=lambda: c)
    for _ in range(6):
        d.stats.rx_packets += 1
        clock[0] += 100.0
        m.by_op["x"] += 10.0
        m.calls["x"] += 1
        c["k"] += 3.0
        st.netif_receive_skb(None)
    assert w.done
    r = w.result()
    assert r["frames"] == 4 and r["ns"] == 400.0 and r["pps"] == pytest.approx(1e7)
    assert r["cpu_ns_by_op"] == {"x": 10.0} and r["per_pkt"] == {"k": 3.0}
    assert r["busy"] == pytest.approx(0.1)


def test_pool_size_and_trace_and_memory_limit():
    r = B.run_cell("ref", path="page_pool", profile="cortex-a53", frame_len=1514,
                   offered_pps=81_274, frames=400, ring_size=64, pool_size=32,
                   hold=("exp", 1e5), trace=True)
    assert r["pool_size"] == 32 and r["accounted"] and r["dropped"] == 0
    iv = r["buffer_intervals"]
    assert len(iv) >= r["delivered"] and all(a <= b for a, b in iv)
    assert B.pages_peak(iv, 1) <= r["pages_used_max"]
    starved = B.run_cell("ref", path="page_pool", profile="cortex-a53", frame_len=1514,
                         offered_pps=81_274, frames=400, ring_size=64, hold=("fixed", 1e6),
                         mem_pages=20)
    assert starved["dropped"] > 0 and starved["accounted"]


def test_json_schema(tmp_path):
    import bench as script  # scripts/bench.py, on pytest's pythonpath

    args = argparse.Namespace(seed=3, backend="ref", jobs=1, quick=True)
    cfg = dict(script.CONFIGS["quick"], sizes=(64, 1518), trial_frames=300, warmup=100,
               measure=300, hold_kinds=("exp",), hold_means_ns=(1e5,), rings=(64, 256),
               pool_sizes=(64,), pool_kinds=("exp",), frames_lo=400, frames_hi=400)
    script.section_recycle(args, cfg, "test", tmp_path)
    script.section_sizing(args, cfg, "test", tmp_path)
    for name in ("bench_recycle.json", "bench_sizing.json"):
        data = json.loads((tmp_path / name).read_text())
        meta = data["meta"]
        assert meta["seed"] == 3 and meta["date"] and meta["git_commit"] is not None
        assert {"platform", "python", "cpu_count"} <= set(meta["machine"])
        assert data["inputs"] and data["figures"]
        for png in data["figures"]:
            assert (tmp_path / png).stat().st_size > 1000
            assert data["figures"][png]["inputs"]
        assert data["checks"]["all_accounted"] and data["checks"]["mismatches"] == 0
    data = json.loads((tmp_path / "bench_recycle.json").read_text())
    assert len(data["cells"]) == 2 * 2 * 3
    cell = data["cells"][0]
    for key in ("path", "profile", "size_fcs", "frame_len", "zero_loss_pps", "cpu_max_pps",
                "cpu_ns_by_op", "line_rate_pps", "zero_loss_trials"):
        assert key in cell
    assert cell["frame_len"] == cell["size_fcs"] - 4
    assert set(data["ratio_cpu_max"]) == set(B.PROFILES)
    assert [c["claim"] for c in data["claims"]][:3] == [
        "below 256 B, copybreak is as fast as recycling or faster",
        "more than 2x for 256-512 B on a Cortex-A53 with mvneta", "a larger gain with an SMMU"]
    data = json.loads((tmp_path / "bench_sizing.json").read_text())
    assert {r["ring_size"] for r in data["ring_sweep"]} == {64, 256}
    m = data["min_memory"][0]
    assert m["little_buffers"] == pytest.approx(B.littles_law(m["rate_pps"], 1e5))
    assert m["min_pages"] >= 1
    traced = [r for r in data["ring_sweep"] if "memory" in r][0]
    assert set(traced["memory"]) == {"4096", "16384", "65536"}
    assert traced["memory"]["65536"]["bytes_frag"] <= traced["memory"]["65536"]["bytes_no_frag"]
