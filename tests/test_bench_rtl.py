"""make bench's RTL back end (tb/cosim/bench_backend.py): a bench cell as a Verilator
co-simulation returns the reference back end's keys and agrees with it.

One co-simulation at a time, a few hundred frames each (about 35 s in all)."""
import json

import pytest

from pymodel import bench as B
from tb.cosim import bench_backend


@pytest.fixture
def rtl(monkeypatch):
    monkeypatch.setitem(B.BACKENDS, "rtl", bench_backend.run_rtl)


def test_profile_sets_the_memory_as_the_reference_does():
    assert bench_backend.profile_memory("cortex-a53") == (0, "off")
    assert bench_backend.profile_memory("cortex-a53-smmu-strict") == (0, "strict")
    assert bench_backend.profile_memory("x86-iommu-lazy") == (1, "lazy")
    o = bench_backend.cell_options(dict(path="legacy", profile="cortex-a53-smmu-strict",
                                        frame_len=124, ring_size=128, seed=5))
    assert (o.driver, o.iommu, o.coherent, o.ring, o.seed, o.sizes, o.clk_ns, o.sim) == \
        ("legacy", "strict", 0, 128, 5, "fixed:124", 4.0, "verilator")


def test_saturated_cell_matches_the_reference(rtl):
    kw = dict(path="page_pool", profile="cortex-a53", frame_len=508, offered_pps=6e5,
              saturate=True, warmup=100, measure=300, ring_size=128, seed=2)
    ref = B.run_cell("ref", **kw)
    r = B.run_cell("rtl", **kw)
    assert set(ref) <= set(r), set(ref) - set(r)
    assert r["backend"] == "rtl" and r["cosim"]["verdict"] == [] and r["cosim"]["errors"] == []
    assert r["accounted"] and r["mismatches"] == 0 and r["breaches"] == 0 and r["dropped"] > 0
    w, v = ref["window"], r["window"]
    assert v["frames"] == 300 and v["busy"] == pytest.approx(1.0, abs=0.01)
    assert v["pps"] == pytest.approx(w["pps"], rel=0.01)
    assert set(v["cpu_ns_by_op"]) == set(w["cpu_ns_by_op"])
    for op, ns in w["cpu_ns_by_op"].items():
        assert v["cpu_ns_by_op"][op] == pytest.approx(ns, rel=0.02, abs=1.0), op
    # the time the driver waits on AXI-Lite is what the RTL path spends on top
    assert v["per_pkt"]["mmio_bus_ns"] >= 0


def test_paced_cell_drops_nothing_on_either(rtl):
    kw = dict(path="legacy", profile="cortex-a53-smmu-strict", frame_len=124,
              offered_pps=1e5, frames=200, ring_size=64, seed=3)
    ref = B.run_cell("ref", **kw)
    r = B.run_cell("rtl", **kw)
    assert r["cosim"]["verdict"] == []
    for x in (ref, r):
        assert x["sent"] == 200 and x["delivered"] == 200 and x["dropped"] == 0
        assert x["accounted"] and x["mismatches"] == 0
    assert r["backlog_end"] - r["backlog_quarter"] <= B.BACKLOG_SLACK
    assert r["cpu_ns_per_delivered"] == pytest.approx(ref["cpu_ns_per_delivered"], rel=0.01)


def test_crosscheck_writes_its_json_and_fails_past_the_bound(monkeypatch, tmp_path, capsys):
    import bench as script  # scripts/bench.py, on pytest's pythonpath

    monkeypatch.setitem(B.BACKENDS, "rtl", B.BACKENDS["rtl"])      # restored afterwards
    monkeypatch.setitem(script.XCHECK, "quick", {"sizes": (512,), "profiles": ("cortex-a53",),
                                                 "warmup": 60, "measure": 200})
    monkeypatch.setattr(script, "XCHECK_TOL", 0.0)   # any difference at all fails
    rc = script.main(["--quick", "--only", "crosscheck", "--out", str(tmp_path), "--seed", "4"])
    out = capsys.readouterr().out
    data = json.loads((tmp_path / "bench_crosscheck.json").read_text())
    assert (tmp_path / "bench_crosscheck.png").stat().st_size > 1000
    rows = data["rows"]
    assert [(r["path"], r["size_fcs"]) for r in rows] == [("legacy", 512), ("page_pool", 512)]
    for r in rows:
        assert r["ref"]["pps"] > 0 and r["rtl"]["pps"] > 0 and r["rtl_cosim"]["verdict"] == []
        assert abs(r["diff"]) < 0.01 and r["offered_pps"] == pytest.approx(
            2 * r["ref_at_section1_load_pps"])
    assert data["meta"]["seed"] == 4 and data["checks"]["all_accounted"]
    assert "cortex-a53" in data["ratio_page_pool_over_legacy"]
    if any(r["diff"] != 0 for r in rows):
        assert rc == 1 and "FAIL: RTL and reference differ by more than 0 %" in out
    else:
        assert rc == 0


def test_linerate_json(monkeypatch, tmp_path):
    import bench as script  # scripts/bench.py

    monkeypatch.setitem(script.LINERATE, "quick", {
        "links": ((64, 6.4, 10.0),), "sizes": (64,), "offsets": (2,), "min_frames": 300,
        "saturation": ((128, 4.0),), "saturation_sizes": (1518,)})
    monkeypatch.setattr(script, "LINERATE_BYTES", 300 * 64)
    rc = script.main(["--quick", "--only", "linerate", "--out", str(tmp_path), "--jobs", "1"])
    data = json.loads((tmp_path / "bench_linerate.json").read_text())
    row, sat = data["rows"]
    assert rc == 0 and row["verdict"] == [] and row["accounted"] and row["frames_sent"] == 300
    assert row["ring"] == 1024 and row["mem_latency_ns"] == "1280,640" and row["offset"] == 2
    assert row["nodesc_wait"] is not None and row["max_outstanding"] >= 1
    # 10 % of clocks paused, measured over the clocks the slave was timed
    assert data["inputs"]["backpressure"] == script.pause_probability(0.1) == 0.0426
    assert 0.85 < row["w_ready_share"] < 0.97
    # offset 2 at DATA_W 64: 60 bytes from byte 2 take 8 beats, a writeback 2 more a frame
    assert (row["data_beats_per_frame"], row["w_beats_per_frame"]) == (8, 10)
    assert "MEM_LATENCY=1280,640" in row["command"] and "BACKPRESSURE=0.0426" in row["command"]
    assert "RX_OFFSET=2" in row["command"]
    # saturation: the MAC offered twice the bus's rate, W busy on (nearly) every ready clock
    assert sat["kind"] == "saturation"
    assert sat["parameters"] == script.rtl_params.LATENCY[128] == {"MAX_OUTSTANDING": 32,
                                                                   "DESC_QUEUE": 128}
    assert sat["drops_total"] > 0 and sat["accounted"] and sat["verdict"] == []
    assert 0.9 < sat["w_efficiency"] <= 1.0
    assert "PARAMS=DESC_QUEUE=128,MAX_OUTSTANDING=32" in sat["command"]
    assert (tmp_path / "bench_linerate.png").exists()
