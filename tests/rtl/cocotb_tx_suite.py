"""pytest side of the TX bench (tests/test_tx_rtl.py, tests/test_tx_mutants.py): build a top
once per (simulator, DATA_W), run one cocotb test of tests/rtl/cocotb_tx_*.py, turn a failure
into a pytest failure that ends with its one-line reproducer. No cocotb test lives here."""

import ast
import os
import re
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RTL_DIR = ROOT / "tests" / "rtl"
BUILD = ROOT / "sim_build" / "rtl"
STATS_DIR = BUILD / "stats_tx"     # apart from the RX bench's (tests/conftest.py sums those)
SIMS = ("icarus", "verilator")
FULL_DW = (64, 512)
SMOKE_DW = (128, 256)
DMA_DW = (64, 512)


def cocotb_tests(pattern):
    out = []
    for f in sorted(RTL_DIR.glob(pattern)):
        tree = ast.parse(f.read_text())
        for node in tree.body:
            if isinstance(node, ast.AsyncFunctionDef) and any(
                    "cocotb.test" in ast.unparse(d) for d in node.decorator_list):
                out.append((f.stem, node.name))
    return out


def seed_for(name):
    if os.environ.get("SEED"):
        return int(os.environ["SEED"])
    base = int(os.environ.get("RTL_SEED", "1"))
    return (zlib.crc32(("tx:" + name).encode()) ^ (base * 0x9E3779B1)) & 0x7FFFFFFF


def build_top(sim, dw, top, hdl_dir=None, tag=None):
    from tb.common.build import build
    waves = bool(int(os.environ.get("WAVES", "0") or 0))
    try:
        if tag is None:
            return build(sim, dw, waves=waves, top=top)
        return build(sim, dw, waves=waves, hdl_dir=hdl_dir, name=tag, top=top,
                     build_root=ROOT / "sim_build" / "mutants")
    except (FileNotFoundError, RuntimeError) as e:
        pytest.fail(str(e), pytrace=False)


def run_tx(sim, dw, top, module, name, bdir, *, node_id="", extra_env=None, tag=None):
    """Run one cocotb test; pytest.fail with the reason and a reproducer if it fails."""
    from tb.common.build import run_test
    tdir = bdir / "runs" / (f"{module}.{name}" if tag is None else tag)
    seed = seed_for(name)
    print(f"{top} {sim} DATA_W={dw} {module}.{name} seed {seed}")
    env = {"TX_BENCH_SEED": str(seed), "RTL_STATS_DIR": str(STATS_DIR if tag is None else tdir),
           "RTL_SIM": sim, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    env.update(extra_env or {})
    xml = tdir / "results.xml"
    log = tdir / "sim.log"
    failed = None
    try:
        run_test(sim, bdir, module, tdir, test_filter=rf"\.{re.escape(name)}$", extra_env=env,
                 seed=seed, top=top)
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
        tail = log.read_text(errors="replace").splitlines()[-30:] if log.exists() else []
        repro = f"SEED={seed} pytest {node_id or 'tests/test_tx_rtl.py'}" if tag is None else ""
        pytest.fail(f"{top} {sim} DATA_W={dw} {module}.{name} seed {seed} failed: "
                    f"{failed or ''}\n" + "\n".join(m[:3000] for m in msgs) +
                    "\n--- sim.log tail ---\n" + "\n".join(tail) +
                    (f"\nreproduce: {repro}" if repro else ""), pytrace=False)


