"""The co-simulation's options (tb/cosim/options.py): every documented value of every option is
accepted; every class of bad value is refused by `make sim`'s script in one line on stderr with
exit status 2, within seconds and before anything builds. No simulator is needed for those.

TestRealCoSim holds the few short real co-simulations (select or skip them with
`-k RealCoSim` / `-k "not RealCoSim"`): the hold-time samplers that once crashed, the smallest
build parameters, and a co-simulation of another HDL directory.
"""
import os
import re
import shutil
import subprocess
import time
from dataclasses import fields
from pathlib import Path

import pytest

from pymodel.costs import PROFILES
from pymodel.driver import PATHS
from pymodel.sabotage import BUGS, TX_BUGS
from pymodel.stack import HoldTime
from tb.common.build import SIMS
from tb.common.fault_plan import CLASSES as FAULT_CLASSES
from tb.common.params import SMALL as SMALL_PARAMS
from tb.cosim.options import (
    DATA_WIDTHS,
    OptionError,
    Options,
    hdl_parameters,
    parse,
    rtl_refuses,
    table,
)

ROOT = Path(__file__).resolve().parents[1]

PY = ROOT / ".venv" / "bin" / "python"
MAKE_VARS = [f.name.upper() for f in fields(Options) if f.name != "results"]
HAVE_ICARUS = shutil.which("iverilog") is not None and shutil.which("vvp") is not None


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A good pcap, an empty one, a file that is not a pcap, and a directory."""
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap
    d = tmp_path_factory.mktemp("options")
    wrpcap(str(d / "good.pcap"), [Ether(bytes([i]) * (60 + i)) for i in range(4)])
    wrpcap(str(d / "empty.pcap"), [])
    (d / "text.pcap").write_text("not a capture\n")
    return d


# ------------------------------------------------------------------ documented values
# Every value the README's table documents, with its placeholders filled in; {d} is `files`.
GOOD = [
    *({"SIM": s} for s in SIMS),
    *({"DRIVER": p} for p in PATHS),
    {"COHERENT": "0"}, {"COHERENT": "1"},
    {"IOMMU": "off"}, {"IOMMU": "strict"}, {"IOMMU": "lazy"},
    *({"PROFILE": p} for p in PROFILES),
    {"FRAMES": "1000"}, {"FRAMES": "1"},
    {"SIZES": "imix"}, {"SIZES": "128"}, {"SIZES": "fixed:1514"}, {"SIZES": "fixed:9216"},
    {"SIZES": "uniform:60-1500"}, {"SIZES": "uniform:60-9000"}, {"SIZES": "mixed"},
    {"SIZES": "pcap:{d}/good.pcap"},
    {"RATE": "1.0"}, {"RATE": "10"}, {"RATE": "0.1"},
    {"SEED": "1"}, {"SEED": "0"}, {"SEED": "123456789"},
    *({"DATA_W": str(w)} for w in DATA_WIDTHS),
    {"WAVES": "0"}, {"WAVES": "1"},
    {"CLK_NS": "8"}, {"CLK_NS": "4"}, {"CLK_NS": "3.2"},
    {"RING": "8"}, {"RING": "256"}, {"RING": "32768"},
    {"RX_OFFSET": "0"}, {"RX_OFFSET": "2"}, {"RX_OFFSET": "63"},
    {"HOLD": "fixed:0"}, {"HOLD": "fixed:5000"}, {"HOLD": "exp:20000"}, {"HOLD": "pareto:20000"},
    {"MAC_ERR_EVERY": "0"}, {"MAC_ERR_EVERY": "50"},
    {"FAULT_WRITE": "0"}, {"FAULT_WRITE": "2000"},
    {"BACKPRESSURE": "0"}, {"BACKPRESSURE": "0.3"}, {"BACKPRESSURE": "0.95"},
    {"MEM_LATENCY": "0,0"}, {"MEM_LATENCY": "200,100"}, {"MEM_LATENCY": "1000,0"},
    {"MEM_LATENCY": "0,62.5"}, {"MEM_LATENCY": "100000,100000"},
    {"MAC_PAUSE": "0"}, {"MAC_PAUSE": "0.2"},
    {"MONITOR": "1"}, {"MONITOR": "0"},
    {"FAULTS": ""}, {"FAULTS": "none"}, {"FAULTS": "50000"}, {"FAULTS": "2e4:late_b/garbage"},
    *({"FAULTS": f"10000:{c}", "IOMMU": "strict"} for c in FAULT_CLASSES),
    {"FAULTS": "10000", "IOMMU": "lazy"},
    {"XDP": ""}, {"XDP": "none"}, {"XDP": "pass"}, {"XDP": "drop"}, {"XDP": "tx"},
    {"XDP": "redirect"}, {"XDP": "tx_every:1"}, {"XDP": "tx_every:7"},
    {"TX": ""}, {"TX": "none"}, {"TX": "stack"},
    {"DISRUPT": ""}, {"DISRUPT": "none"}, {"DISRUPT": "close:200000"},
    {"DISRUPT": "resize:300000,rings:8/64/4096"}, {"DISRUPT": "close:1e5,resize:2e5,down:5000"},
    {"MEM_PAGES": "0"}, {"MEM_PAGES": "400"},
    {"BUG": ""}, {"BUG": "none"},
    *({"BUG": b, "DRIVER": p} for b in BUGS for p in BUGS[b]),
    *({"BUG": b, "XDP": "tx"} for b in TX_BUGS), {"BUG": "tx_cpu_write_after_post", "TX": "stack"},
    {"STRICT": "1"}, {"STRICT": "0"},
    {"PARAMS": ""}, {"PARAMS": "small"}, {"PARAMS": "FIFO_BYTES=65536"},
    {"PARAMS": "META_DEPTH=4,DESC_QUEUE=32"}, {"PARAMS": "small", "DATA_W": "512"},
    # the README's stale-bytes demo
    {"STRICT": "0", "COHERENT": "0", "BUG": "no_sync_for_cpu", "RING": "32"},
]


def fill(values, d):
    return {k: v.replace("{d}", str(d)) for k, v in values.items()}


def label(values):
    return " ".join(f"{k}={v}" for k, v in values.items()) or "(default)"


@pytest.mark.parametrize("values", GOOD, ids=label)
def test_documented_value_is_accepted(values, files):
    o = parse(fill(values, files), environ={})
    assert Options.from_text(o.text(), check_rtl=False) == o


def test_every_option_is_tested():
    assert {k for v in GOOD for k in v} == set(MAKE_VARS)
    assert {v[1] for v in BAD} == set(MAKE_VARS)


def test_readme_table_is_the_options_table():
    """The README's table is generated from Options (tb.cosim.options.table()), so the names,
    defaults and values users read are the ones the code takes."""
    readme = (ROOT / "README.md").read_text()
    assert table() in readme, "README's options table differs from tb.cosim.options.table()"
    for f in fields(Options):
        if f.name != "results":
            assert f.metadata["doc"], f"{f.name} has no description"


def test_options_listing_and_makefile_take_the_table():
    p = subprocess.run([str(PY), "scripts/sim.py", "--options"], cwd=ROOT, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0
    assert [ln.split()[0] for ln in p.stdout.splitlines()] == MAKE_VARS
    # the Makefile names no option: make passes command-line and environment variables on
    exports = [ln for ln in (ROOT / "Makefile").read_text().splitlines()
               if ln.startswith("export")]
    assert not [v for v in MAKE_VARS for ln in exports if re.search(rf"\b{v}\b", ln)], \
        "the Makefile spells out co-simulation options"


def test_defaults_and_types():
    o = parse(environ={})
    assert o == Options()
    assert (o.sim, o.driver, o.frames, o.rate, o.ring, o.hold, o.params) == \
        ("icarus", "page_pool", 1000, 1.0, 256, "fixed:0", "")
    # make exports unset variables as empty: empty means the default
    assert parse(environ={v: "" for v in MAKE_VARS}) == o
    assert parse({"FRAMES": "50"}, environ={"FRAMES": "7", "SEED": "3"}).frames == 50
    assert parse(environ={"SEED": "3"}).seed == 3


def test_bus_timing_options():
    o = parse(environ={})
    assert (o.backpressure, o.mem_latency, o.mac_pause, o.monitor) == (0.0, "0,0", 0.0, 1)
    assert o.latency_ns() == (0.0, 0.0)
    o = parse({"MEM_LATENCY": " 250 , 1e2", "BACKPRESSURE": "0.25", "MAC_PAUSE": ".1",
               "MONITOR": "0"}, environ={})
    assert o.mem_latency == "250,100" and o.latency_ns() == (250.0, 100.0)
    assert (o.backpressure, o.mac_pause, o.monitor) == (0.25, 0.1, 0)
    assert parse({"MEM_LATENCY": "-0,0"}, environ={}).mem_latency == "0,0"
    assert o.command() == ("make sim SEED=1 BACKPRESSURE=0.25 MEM_LATENCY=250,100 "
                           "MAC_PAUSE=0.1 MONITOR=0")
    assert Options.from_text(o.text()) == o


def test_text_and_env_round_trip(monkeypatch, files):
    o = parse({"SIM": "verilator", "HOLD": "pareto:20000", "PARAMS": "small", "RATE": "2.5",
               "SIZES": f"pcap:{files}/good.pcap", "BUG": "double_put"}, environ={})
    assert Options.from_text(o.text()) == o
    for k, v in o.env().items():
        monkeypatch.setenv(k, v)
    assert Options.from_env() == o


def test_pcap_path_is_made_absolute(files, monkeypatch):
    monkeypatch.chdir(files)
    assert parse({"SIZES": "pcap:good.pcap"}, environ={}).sizes == f"pcap:{files}/good.pcap"


def test_bug_applies_only_to_its_rx_paths():
    for bug, paths in BUGS.items():
        for path in PATHS:
            if path in paths:
                assert parse({"BUG": bug, "DRIVER": path}, environ={}).bug == bug
            else:
                with pytest.raises(OptionError, match=f"^BUG={bug}: .*DRIVER={path}"):
                    parse({"BUG": bug, "DRIVER": path}, environ={})


def test_hold_reaches_the_sampler():
    for spec, kind in (("exp:20000", "exp"), ("pareto:20000", "pareto"), ("fixed:0", "fixed")):
        o = parse({"HOLD": spec}, environ={})
        assert o.hold_time()[0] == kind
        h = HoldTime(*o.hold_time(), seed=3)
        mean = sum(h.sample() for _ in range(4000)) / 4000
        assert (mean == 0) if kind == "fixed" else 12_000 < mean < 30_000


def test_params_small_and_named():
    assert parse({"PARAMS": "small"}, environ={}).parameters() == SMALL_PARAMS
    o = parse({"PARAMS": "desc_queue=32, META_DEPTH=4"}, environ={})
    assert o.params == "DESC_QUEUE=32,META_DEPTH=4"
    assert o.parameters() == {"DESC_QUEUE": 32, "META_DEPTH": 4}
    names = hdl_parameters()
    assert "DATA_W" in names and set(SMALL_PARAMS) <= set(names) - {"DATA_W"}


@pytest.mark.skipif(not HAVE_ICARUS, reason="Icarus Verilog not installed")
@pytest.mark.parametrize("dw", DATA_WIDTHS)
def test_rtl_accepts_small_params(dw):
    assert rtl_refuses(dw, SMALL_PARAMS) is None
    assert rtl_refuses(dw, {}) is None


def test_build_names_keep_builds_apart(tmp_path):
    base = parse({"SIM": "verilator"}, environ={})
    small = parse({"SIM": "verilator", "PARAMS": "small"}, environ={})
    other = parse({"SIM": "verilator", "PARAMS": "FIFO_BYTES=65536"}, environ={})
    assert base.build_name() is None                       # tb.common.build's own name
    names = {small.build_name(), other.build_name(), base.build_name(tmp_path / "a"),
             base.build_name(tmp_path / "b"), small.build_name(tmp_path / "a")}
    assert len(names) == 5 and all(n.startswith("verilator_dw64") for n in names)
    assert f"fifo_bytes{SMALL_PARAMS['FIFO_BYTES']}" in small.build_name()


def test_command_repeats_the_run():
    o = parse({"SIM": "verilator", "FRAMES": "50", "HOLD": "exp:20000"}, environ={})
    assert o.command() == "make sim SIM=verilator FRAMES=50 SEED=1 HOLD=exp:20000"
    assert parse(environ={}).command() == "make sim SEED=1"


# ------------------------------------------------------------------ bad values, command line
# (make variables, the option the one line must name)
BAD = [
    ({"SIM": "foo"}, "SIM"), ({"SIM": "Icarus"}, "SIM"),
    ({"DRIVER": "bogus"}, "DRIVER"),
    ({"COHERENT": "2"}, "COHERENT"), ({"COHERENT": "yes"}, "COHERENT"),
    ({"IOMMU": "on"}, "IOMMU"),
    ({"PROFILE": "pentium"}, "PROFILE"),
    ({"FRAMES": "abc"}, "FRAMES"), ({"FRAMES": "0"}, "FRAMES"), ({"FRAMES": "-5"}, "FRAMES"),
    ({"FRAMES": "1.5"}, "FRAMES"),
    ({"SIZES": "jumbo"}, "SIZES"), ({"SIZES": "uniform:70-60"}, "SIZES"),
    ({"SIZES": "uniform:a-b"}, "SIZES"), ({"SIZES": "fixed:10"}, "SIZES"),
    ({"SIZES": "99999"}, "SIZES"), ({"SIZES": "uniform:60-20000"}, "SIZES"),
    ({"SIZES": "pcap:{d}/missing.pcap"}, "SIZES"), ({"SIZES": "pcap:{d}/text.pcap"}, "SIZES"),
    ({"SIZES": "pcap:{d}/empty.pcap"}, "SIZES"), ({"SIZES": "pcap:{d}"}, "SIZES"),
    ({"RATE": "0"}, "RATE"), ({"RATE": "fast"}, "RATE"), ({"RATE": "inf"}, "RATE"),
    ({"RATE": "nan"}, "RATE"),
    ({"SEED": "x"}, "SEED"), ({"SEED": "1.5"}, "SEED"),
    ({"DATA_W": "48"}, "DATA_W"), ({"DATA_W": "1024"}, "DATA_W"),
    ({"WAVES": "2"}, "WAVES"),
    ({"CLK_NS": "0"}, "CLK_NS"), ({"CLK_NS": "-8"}, "CLK_NS"), ({"CLK_NS": "0.0015"}, "CLK_NS"),
    ({"CLK_NS": "ten"}, "CLK_NS"),
    ({"RING": "100"}, "RING"), ({"RING": "4"}, "RING"), ({"RING": "65536"}, "RING"),
    ({"RING": "x"}, "RING"),
    ({"RX_OFFSET": "64"}, "RX_OFFSET"), ({"RX_OFFSET": "-1"}, "RX_OFFSET"),
    ({"RX_OFFSET": "2.5"}, "RX_OFFSET"),
    ({"HOLD": "exponential:5000"}, "HOLD"), ({"HOLD": "exp"}, "HOLD"),
    ({"HOLD": "exp:-1"}, "HOLD"), ({"HOLD": "pareto:abc"}, "HOLD"),
    ({"MAC_ERR_EVERY": "-1"}, "MAC_ERR_EVERY"), ({"MAC_ERR_EVERY": "x"}, "MAC_ERR_EVERY"),
    ({"FAULT_WRITE": "-3"}, "FAULT_WRITE"), ({"FAULT_WRITE": "x"}, "FAULT_WRITE"),
    ({"FAULT_WRITE": "20", "FAULTS": "5000"}, "FAULT_WRITE"),
    ({"BACKPRESSURE": "1"}, "BACKPRESSURE"), ({"BACKPRESSURE": "-0.1"}, "BACKPRESSURE"),
    ({"BACKPRESSURE": "x"}, "BACKPRESSURE"), ({"BACKPRESSURE": "nan"}, "BACKPRESSURE"),
    ({"MEM_LATENCY": "100"}, "MEM_LATENCY"), ({"MEM_LATENCY": "a,1"}, "MEM_LATENCY"),
    ({"MEM_LATENCY": "-1,0"}, "MEM_LATENCY"), ({"MEM_LATENCY": "1,2,3"}, "MEM_LATENCY"),
    ({"MEM_LATENCY": "200000,0"}, "MEM_LATENCY"), ({"MEM_LATENCY": "inf,0"}, "MEM_LATENCY"),
    ({"MAC_PAUSE": "1"}, "MAC_PAUSE"), ({"MAC_PAUSE": "x"}, "MAC_PAUSE"),
    ({"MONITOR": "2"}, "MONITOR"), ({"MONITOR": "yes"}, "MONITOR"),
    ({"FAULTS": "0:late_b"}, "FAULTS"), ({"FAULTS": "x"}, "FAULTS"),
    ({"FAULTS": "1000:bitflip"}, "FAULTS"), ({"FAULTS": "1000:iommu"}, "FAULTS"),
    ({"FAULTS": "1000:garbage/garbage"}, "FAULTS"), ({"FAULTS": "-5"}, "FAULTS"),
    ({"XDP": "bogus"}, "XDP"), ({"XDP": "tx_every:0"}, "XDP"), ({"XDP": "tx_every:x"}, "XDP"),
    ({"XDP": "TX"}, "XDP"), ({"TX": "xdp"}, "TX"), ({"TX": "1"}, "TX"),
    ({"XDP": "tx", "FAULTS": "20000"}, "FAULTS"), ({"XDP": "tx", "DISRUPT": "close:1e+06"}, "DISRUPT"),
    ({"TX": "stack", "FAULT_WRITE": "3"}, "FAULT_WRITE"), ({"XDP": "pass", "PARAMS": "small"}, "PARAMS"),
    ({"BUG": "xdp_tx_no_sync"}, "BUG"), ({"XDP": "tx", "DRIVER": "legacy"}, "DRIVER"),
    ({"XDP": "tx", "TX": "stack"}, "TX"), ({"TX": "stack", "SIZES": "pcap:/nonexistent"}, "SIZES"),
    ({"DISRUPT": "close"}, "DISRUPT"), ({"DISRUPT": "down:100"}, "DISRUPT"),
    ({"DISRUPT": "resize:1e5,rings:100"}, "DISRUPT"), ({"DISRUPT": "close:x"}, "DISRUPT"),
    ({"MEM_PAGES": "-1"}, "MEM_PAGES"), ({"MEM_PAGES": "lots"}, "MEM_PAGES"),
    ({"BUG": "nonsense"}, "BUG"), ({"BUG": "double_put", "DRIVER": "legacy"}, "BUG"),
    ({"STRICT": "yes"}, "STRICT"),
    ({"PARAMS": "bogus"}, "PARAMS"), ({"PARAMS": "NOPE=1"}, "PARAMS"),
    ({"PARAMS": "DATA_W=128"}, "PARAMS"), ({"PARAMS": "FIFO_BYTES=0"}, "PARAMS"),
    ({"PARAMS": "FIFO_BYTES=abc"}, "PARAMS"), ({"PARAMS": "FIFO_BYTES=1,FIFO_BYTES=2"}, "PARAMS"),
]
BAD_CASES = [pytest.param(v, n, id=label(v)) for v, n in BAD] + [
    pytest.param({"PARAMS": "FIFO_BYTES=1000"}, "PARAMS", id="PARAMS=FIFO_BYTES=1000 (RTL check)",
                 marks=pytest.mark.skipif(not HAVE_ICARUS, reason="needs Icarus Verilog")),
    pytest.param({"PARAMS": "DESC_QUEUE=4"}, "PARAMS", id="PARAMS=DESC_QUEUE=4 (RTL check)",
                 marks=pytest.mark.skipif(not HAVE_ICARUS, reason="needs Icarus Verilog")),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of the sources `make sim` needs (its build would land in the copy's sim_build/),
    and the project's venv. The runs put the copy first on PYTHONPATH (clean_env), so they
    import the copy's tb and pymodel rather than the ones installed from this tree."""
    t = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__")
    for d in ("scripts", "tb", "pymodel", "hdl"):
        shutil.copytree(ROOT / d, t / d, ignore=ignore)
    for f in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / f, t / f)
    (t / ".venv").symlink_to(ROOT / ".venv")
    return t


def clean_env(values, tree=None):
    env = {k: v for k, v in os.environ.items()
           if k not in MAKE_VARS and not k.startswith(("COSIM_", "MAKE", "MFLAGS"))}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    env.update(values)
    return env


@pytest.mark.parametrize("values, name", BAD_CASES)
def test_bad_value_is_refused_in_one_line(values, name, tree, files):
    values = fill(values, files)
    t0 = time.time()
    p = subprocess.run([str(PY), "scripts/sim.py"], cwd=tree, env=clean_env(values, tree),
                       capture_output=True, text=True, timeout=30)
    elapsed = time.time() - t0
    lines = p.stderr.splitlines()
    assert p.returncode == 2, p.stderr
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"error: {name}={values[name]}: "), lines[0]
    assert f" {name} takes " in lines[0] or "applies to DRIVER=" in lines[0] \
        or "the RTL refuses it" in lines[0], lines[0]
    assert p.stdout == ""
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert not (tree / "sim_build").exists()


def test_bad_value_through_make(tree):
    t0 = time.time()
    p = subprocess.run(["make", "--no-print-directory", "sim", "SIM=foo", "FRAMES=abc"],
                       cwd=tree, env=clean_env({}, tree), capture_output=True, text=True, timeout=60)
    ours = [ln for ln in p.stderr.splitlines() if not ln.startswith("make")]
    assert p.returncode == 2, p.stdout + p.stderr
    assert ours == ["error: SIM=foo: SIM takes icarus or verilator"], p.stderr
    assert any("Error 2" in ln for ln in p.stderr.splitlines())
    assert time.time() - t0 < 10
    assert not (tree / "sim_build").exists()


def test_matrix_checks_every_cell_first(tree):
    # BUG=double_put is a page_pool bug: the legacy cells refuse it before any cell builds
    p = subprocess.run([str(PY), "scripts/sim.py", "--matrix"], cwd=tree,
                       env=clean_env({"BUG": "double_put"}, tree), capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == ["error: BUG=double_put: applies to DRIVER=page_pool, "
                                     "not DRIVER=legacy"]
    assert not (tree / "sim_build").exists()


# ------------------------------------------------------------------ real co-simulations
OUT = ROOT / "sim_build" / "cosim" / "tests"


def assert_clean(res, frames):
    assert res["verdict"] == [] and res["errors"] == [] and res["breaches"] == 0, res["verdict"]
    assert res["frames_sent"] == frames
    assert res["frames_delivered"] + res["drops_total"] == frames
    assert res["mismatches"] == 0 and res["csum_bad"] == 0
    assert res["pages_in_flight"] == 0 and res["mappings_left"] == 0


class TestRealCoSim:
    """Short co-simulations: 20 to 50 frames each."""

    @pytest.mark.parametrize("hold", ["exp:20000", "pareto:20000"])
    def test_hold(self, hold):
        from tb.cosim.run import run
        o = parse({"SIM": "verilator", "FRAMES": "50", "HOLD": hold, "SEED": "5"}, environ={})
        res = run(o, OUT / f"options-hold-{hold.split(':')[0]}.json")
        print(o.command(), res["verdict"], res["stack"])
        assert_clean(res, 50)
        assert res["drops_total"] == 0
        assert res["stack"]["max_held"] > 1          # skbs really were held

    @pytest.mark.parametrize("sim", SIMS)
    def test_params_small(self, sim):
        from tb.cosim.run import run
        o = parse({"SIM": sim, "FRAMES": "50", "PARAMS": "small", "SEED": "6"}, environ={})
        res = run(o, OUT / f"options-params-small-{sim}.json")
        print(o.command(), res["verdict"], res["drops"], res["device"])
        assert res["build_parameters"] == SMALL_PARAMS
        assert_clean(res, 50)

    def test_hdl_dir(self):
        from tb.cosim.run import run
        hdl = OUT / "options-hdl-copy"
        shutil.rmtree(hdl, ignore_errors=True)
        shutil.copytree(ROOT / "hdl", hdl)
        o = parse({"SIM": "icarus", "FRAMES": "20", "SEED": "7"}, environ={})
        res = run(o, OUT / "options-hdl-dir.json", hdl_dir=hdl)
        assert res["hdl_dir"] == str(hdl)
        assert (ROOT / "sim_build" / "rtl" / o.build_name(hdl)).is_dir()
        assert_clean(res, 20)
