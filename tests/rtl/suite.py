"""pytest-side helpers: build once per (simulator, DATA_W) under a file lock, run one cocotb
test per pytest item, turn a failure into a readable pytest failure."""

import ast
import os
import re
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from tb.common.build import run_test

ROOT = Path(__file__).resolve().parents[2]
RTL_DIR = Path(__file__).resolve().parent
BUILD = ROOT / "sim_build" / "rtl"
STATS_DIR = BUILD / "stats"
SIMS = ("icarus", "verilator")
FULL_DW = (64, 512)
SMOKE_DW = (128, 256)


def cocotb_tests():
    """(module, function name) of every @cocotb.test in tests/rtl/cocotb_*.py (but the TX
    bench's cocotb_tx_*.py), in file order."""
    out = []
    for f in sorted(RTL_DIR.glob("cocotb_*.py")):
        if f.stem.startswith("cocotb_tx_"):
            continue    # nic_tx_dma's and nic_dma's tests: tests/test_tx_rtl.py runs them
        tree = ast.parse(f.read_text())
        for node in tree.body:
            if isinstance(node, ast.AsyncFunctionDef) and any(
                    "cocotb.test" in ast.unparse(d) for d in node.decorator_list):
                out.append((f.stem, node.name))
    return out


def build(sim, dw, hdl_dir=None, tag=None, params=None):
    """Build the design for (sim, DATA_W, parameters) unless an identical build exists;
    returns the build dir.

    Shares tb.common.build's builder (stamp + file lock) with the co-simulation, so both reuse one
    build per (simulator, DATA_W, waves, parameters).
    """
    from tb.common.build import build as tb_build
    waves = bool(int(os.environ.get("WAVES", "0") or 0))
    try:
        if tag is None:
            return tb_build(sim, dw, waves=waves, hdl_dir=hdl_dir, parameters=params)
        return tb_build(sim, dw, waves=waves, hdl_dir=hdl_dir, name=tag, parameters=params,
                        build_root=ROOT / "sim_build" / "mutants")
    except FileNotFoundError as e:
        pytest.fail(f"{e}: the RTL has not landed", pytrace=False)
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


def seed_for(name):
    base = int(os.environ.get("RTL_SEED", "1"))
    return (zlib.crc32(name.encode()) ^ (base * 0x9E3779B1)) & 0x7FFFFFFF


def run(sim, dw, module, name, bdir, extra_env=None, tag=None, params=None):
    """Run one cocotb test in its own directory; pytest.fail with the reason if it fails."""
    from tb.common.params import to_env
    tdir = bdir / "runs" / f"{module}.{name}" if tag is None else bdir / "runs" / name
    tdir.mkdir(parents=True, exist_ok=True)
    seed = seed_for(name)
    env = {"RTL_SEED": str(seed), "RTL_STATS_DIR": str(STATS_DIR if tag is None else tdir),
           **to_env(params),
           "RTL_SIM": sim, "COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING"),
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    env.update(extra_env or {})
    xml = tdir / "results.xml"
    log = tdir / "sim.log"
    failed = None
    try:
        run_test(sim, bdir, module, tdir, test_filter=rf"\.{re.escape(name)}$", extra_env=env,
                 seed=seed)
    except SystemExit as e:
        failed = f"simulator exit {e.code}"
    except Exception as e:  # noqa: BLE001
        failed = str(e)
    msgs, ntests = [], 0
    if xml.exists():
        for tc in ET.parse(xml).getroot().iter("testcase"):
            ntests += 1
            for fl in list(tc.iter("failure")) + list(tc.iter("error")):
                msgs.append(f"{tc.get('name')}: {fl.get('message') or ''} {fl.text or ''}".strip())
    if ntests == 0 and not failed:
        failed = f"cocotb test {module}.{name} did not run"
    if failed or msgs:
        tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
        pytest.fail(f"{sim} DATA_W={dw} {module}.{name} seed {seed} failed: {failed or ''}\n"
                    + "\n".join(msgs) + "\n--- sim.log tail ---\n" + "\n".join(tail),
                    pytrace=False)
