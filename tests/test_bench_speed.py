"""make bench's speed section (scripts/bench.py --only speed --quick, Verilator): the JSON it
writes, with both measurements of each case taken on one build (about 30 s)."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def speed(tmp_path_factory):
    import bench  # scripts/bench.py, on pytest's pythonpath
    out = tmp_path_factory.mktemp("speed")
    assert bench.main(["--only", "speed", "--quick", "--out", str(out)]) == 0
    assert (out / "bench_speed.png").stat().st_size > 0
    return json.loads((out / "bench_speed.json").read_text())


def test_rows(speed):
    assert {"meta", "inputs", "rows", "profiles", "checks", "wall_s"} <= set(speed)
    assert speed["meta"]["mode"] == "quick" and speed["meta"]["git_commit"]
    assert [(r["sim"], r["case"]) for r in speed["rows"]] == \
        [("verilator", "1gbe_imix"), ("verilator", "10gbe_imix")]
    for r in speed["rows"]:
        assert r["verdict"] == [] and r["monitor"] and r["driver"] == "page_pool"
        assert r["frames"] > 0 and r["cycles"] > 0 and r["wall_s"] > 0
        assert r["cycles_per_s"] == pytest.approx(r["cycles"] / r["wall_s"])
        assert r["frames_per_s"] == pytest.approx(r["frames"] / r["wall_s"])
        assert r["bare"]["clocks"] == speed["inputs"]["bare_clocks"]["verilator"]
        assert r["bare"]["cycles_per_s"] > 0
        assert r["ratio"] > 0
        assert r["ratio"] == pytest.approx(r["cycles_per_s"] / r["bare"]["cycles_per_s"])
        b = r["build"]
        assert b["cosim_stamp"] == b["cosim_stamp_after"] == b["bare_stamp"]
        assert r["target"] == {"1gbe_imix": 1.0, "10gbe_imix": 0.6}[r["case"]]
    assert speed["checks"]["same_build"] and speed["checks"]["verdicts_clean"]


def test_profile(speed):
    (p,) = speed["profiles"]
    assert p["sim"] == "verilator" and p["verdict"] == []
    assert "simulator (native)" in p["us_per_clock"]
    assert any(k.startswith("cocotbext-axi") for k in p["us_per_clock"])
    assert all(v >= 0 for v in p["us_per_clock"].values())
    assert set(p["us_per_frame"]) == set(p["us_per_clock"])
    assert p["cycles"] > 0 and p["frames"] > 0
