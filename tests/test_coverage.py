"""`make coverage` keeps working: one short RTL test with COVERAGE=1 on each simulator writes a
functional coverage database holding every named cover point, the report script merges and
reads it, and the Verilator coverage build leaves its line/toggle counts."""

from pathlib import Path

import pytest
import yaml
from suite import build, run

ROOT = Path(__file__).resolve().parents[1]


def report_script():
    """scripts/rtl_coverage.py (named so as not to hide coverage.py's package `coverage`)."""
    import rtl_coverage
    return rtl_coverage


def named_points():
    """Every cover point and cross tb/common/coverage.py names, without the `nic_rx_dma.` prefix."""
    from cocotb_coverage.coverage import CoverItem

    from tb.common import coverage as cov_tb
    return {n.split(".", 1)[1] for n, item in cov_tb.coverage_db.items()
            if type(item) is not CoverItem and n.startswith(cov_tb.TOP + ".")}


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_coverage_written(sim, tmp_path, monkeypatch):
    cov_script = report_script()
    monkeypatch.setenv("COVERAGE", "1")        # the harness build picks the _cov build
    bdir = build(sim, 64)
    assert bdir.name.endswith("_cov")
    dat = bdir / "runs" / "cocotb_rx.frame_lengths" / "coverage.dat"
    if dat.exists():
        dat.unlink()
    run(sim, 64, "cocotb_rx", "frame_lengths", bdir,
        extra_env={"COVERAGE": "1", "COVERAGE_DIR": str(tmp_path)})

    log = (bdir / "runs" / "cocotb_rx.frame_lengths" / "sim.log").read_text(errors="replace")
    assert "coverage sampling stopped" not in log
    files = list((tmp_path / sim / "dw64").glob("*.yml"))
    assert [f.name for f in files] == ["cocotb_rx.frame_lengths.yml"]
    db = yaml.safe_load(files[0].read_text())
    pts = cov_script.points(db)
    missing = (named_points() | {"dma.buffer_lane.dw64"}) - set(pts)
    assert not missing, f"named points missing from the database: {sorted(missing)}"
    # frame_lengths writes single-buffer frames into lane-aligned buffers
    assert pts["dma.frame_start"]["scan"] > 0
    assert pts["dma.buffer_lane.dw64"]["0"] > 0

    # the report script merges and reports the same database
    monkeypatch.setattr(cov_script, "FUNC", tmp_path)
    monkeypatch.setattr(cov_script, "OUT", tmp_path)
    merged, used = cov_script.merge_functional(sim)
    text, holes = cov_script.functional_report(sim, merged, used)
    assert "dma.frame_start" in text and "HOLES" in text
    assert "errors.err_code" in holes          # no error is injected by frame_lengths

    if sim == "verilator":
        body = dat.read_text(encoding="latin-1")
        assert "v_line/" in body and "v_toggle/" in body
