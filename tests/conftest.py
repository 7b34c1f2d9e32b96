"""pytest set-up for the RTL suite: import paths, per-session stats summary."""

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# tests/rtl/ holds cocotb test modules that run inside the simulator, not pytest tests
collect_ignore_glob = ["rtl/*"]

STATS_DIR = ROOT / "sim_build" / "rtl" / "stats"
_T0 = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Sum the JSON records the cocotb tests wrote during this session."""
    if not STATS_DIR.is_dir():
        return
    recs = []
    for f in STATS_DIR.glob("*.json"):
        try:
            if f.stat().st_mtime >= _T0 - 1:
                recs.append(json.loads(f.read_text()))
        except (OSError, ValueError):
            pass
    if not recs:
        return
    frames = sum(r.get("frames", 0) for r in recs)
    clocks = sum(r.get("clocks", 0) for r in recs)
    wall = sum(r.get("wall_s", 0) for r in recs)
    tr = terminalreporter
    tr.section("nic_rx_dma RTL bench")
    tr.write_line(f"{len(recs)} cocotb tests ran, {frames} frames checked, {clocks} clocks "
                  f"simulated in {wall:.0f} s of wall time in the simulators")
    cells = {}
    for r in recs:
        k = f"{r.get('sim', '?')}_dw{r['dw']}"
        c = cells.setdefault(k, [0, 0, 0.0])
        c[0] += 1
        c[1] += r.get("frames", 0)
        c[2] += r.get("wall_s", 0)
    for k in sorted(cells):
        n, fr, w = cells[k]
        tr.write_line(f"  {k:16s} {n:3d} tests {fr:7d} frames {w:7.1f} s")
