"""The AXI monitor and its helpers in the simulators (both, each test):

- the monitor's rules one violation at a time, on a bare AXI port the test drives
  (tests/monitor/axi_port.v, tests/monitor/cocotb_rules.py `rules`), and W taken in runs of
  beats, around an error response and a re-enable (`w_runs`);
- ReadBeats against the real block at DATA_W 512, where descriptor reads are narrow
  (tests/monitor/cocotb_beats.py).

Each cocotb module is copied into its run directory, which cocotb puts on the simulator's
import path.
"""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from suite import ROOT, SIMS, build, run

from tb.common.build import venv_on_path, verilator_makeflags

HERE = Path(__file__).resolve().parent / "monitor"


def _port(sim):
    """Build axi_port.v (once per session and simulator); returns the build directory."""
    from cocotb_tools.runner import get_runner
    venv_on_path()
    bdir = ROOT / "sim_build" / "monitor" / sim
    kw = {"build_args": ["-O1"]} if sim == "verilator" else {}
    with verilator_makeflags(sim):
        get_runner(sim).build(sources=[HERE / "axi_port.v"], hdl_toplevel="axi_port",
                              build_dir=bdir, always=True, timescale=("1ns", "1ps"),
                              log_file=bdir / "build.log", **kw)
    return bdir


@pytest.mark.parametrize("sim", SIMS)
def test_monitor_rules(sim):
    from cocotb_tools.runner import get_runner
    bdir = _port(sim)
    tdir = bdir / "run"
    if tdir.exists():
        shutil.rmtree(tdir)
    tdir.mkdir(parents=True)
    shutil.copy(HERE / "cocotb_rules.py", tdir)
    xml = tdir / "results.xml"
    try:
        get_runner(sim).test(test_module="cocotb_rules", hdl_toplevel="axi_port",
                             hdl_toplevel_lang="verilog", build_dir=bdir, test_dir=tdir,
                             results_xml=str(xml), log_file=tdir / "sim.log",
                             timescale=("1ns", "1ps"),
                             extra_env={"PYTHONWARNINGS": "ignore::DeprecationWarning"})
    except SystemExit as e:
        pytest.fail(f"simulator exit {e.code}: see {tdir / 'sim.log'}", pytrace=False)
    cases = list(ET.parse(xml).getroot().iter("testcase")) if xml.exists() else []
    failures = [f"{fl.get('message') or ''}\n{fl.text or ''}" for tc in cases
                for fl in [*tc.iter("failure"), *tc.iter("error")]]
    assert cases and not failures, "\n".join(failures) or f"no test ran: {tdir / 'sim.log'}"


@pytest.mark.parametrize("name", ["narrow_beats", "narrow_fault"])
@pytest.mark.parametrize("sim", SIMS)
def test_read_beats_dw512(sim, name):
    bdir = build(sim, 512)
    tdir = bdir / "runs" / name
    tdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "cocotb_beats.py", tdir)
    run(sim, 512, "cocotb_beats", name, bdir, tag=f"monitor.{name}")
