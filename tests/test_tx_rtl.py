"""The TX bench (docs/BENCH.md "TX bench"): every cocotb test in tests/rtl/cocotb_tx_*.py on
{icarus, verilator} x DATA_W for nic_tx_dma, and the nic_dma tests at DATA_W 64 and 512.

nic_tx_dma: the whole set at DATA_W 64 and 512, the SMOKE subset at 128 and 256. nic_dma
(tests/rtl/cocotb_tx_dma.py): DATA_W 64 and 512. Tests in LONG (a bigger random run) only run
with `-m tx_long` (make test deselects them: they are skipped unless that marker is selected).

Seeds: each test's seed is fixed (crc32 of its name, mixed with RTL_SEED, default 1) and
printed; SEED=<n> overrides it. A failure ends with the one-line reproducer.
"""

import ast
import os
import re
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RTL_DIR = ROOT / "tests" / "rtl"
BUILD = ROOT / "sim_build" / "rtl"
STATS_DIR = BUILD / "stats_tx"     # apart from the RX bench's (tests/conftest.py sums those)
SIMS = ("icarus", "verilator")
FULL_DW = (64, 512)
SMOKE_DW = (128, 256)
DMA_DW = (64, 512)

# at DATA_W 128 and 256 (nic_tx_dma): the tests that see the width
SMOKE = {"tx_reg_reset_values", "tx_sizes_1_to_5_buffers", "tx_every_alignment",
         "tx_backpressure", "tx_random_faults"}
LONG = {"tx_random_long"}

# RTL bugs the bench found (docs/BENCH.md "TX bench", RTL bugs found). The directed
# reproducers fail on every cell: xfail(strict), so a fix makes them XPASS and fail until the
# mark is removed here. The random and fault tests fail on seeds that hit them: xfail, not
# strict. TX_STRICT=1 runs everything without these marks.
RTL_BUGS = {
    "tx_halt_no_new_ar": ("A: a read request queued before an error response is still "
                          "issued on AR while halted", True),
    "tx_halt_mid_buffer": ("B: the buffer being read at a halt gets its next burst issued "
                           "at re-enable, from the reclaimed buffer", True),
    "tx_halt_pending_writeback": ("C: writebacks pending at a halt are issued at re-enable "
                                  "into the reclaimed ring, HEAD moves", True),
    "tx_bad_desc_addr_wrap": ("D: a buffer past the top of the address space is read, not a "
                              "bad descriptor (tx_contract BAD_WRAP)", True),
    "tx_random_faults": ("A, B, C on the seeds that hit them", False),
    "tx_random_long": ("A, B, C on the seeds that hit them", False),
    "tx_axi_errors": ("C at DATA_W 512 and some seeds", False),
}
STRICT = os.environ.get("TX_STRICT", "0") not in ("", "0")


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


CASES = []
for sim in SIMS:
    for dw in FULL_DW + SMOKE_DW:
        for module, name in cocotb_tests("cocotb_tx_*.py"):
            if module == "cocotb_tx_dma":
                continue
            if dw in SMOKE_DW and name not in SMOKE:
                continue
            marks = [pytest.mark.tx_long] if name in LONG else []
            if name in RTL_BUGS and not STRICT:
                why, strict = RTL_BUGS[name]
                marks.append(pytest.mark.xfail(reason=f"RTL bug {why}", strict=strict,
                                               raises=pytest.fail.Exception))
            CASES.append(pytest.param(sim, dw, module, name, id=f"tx-{sim}-dw{dw}-{name}",
                                      marks=marks))
DMA_CASES = [pytest.param(sim, dw, module, name, id=f"dma-{sim}-dw{dw}-{name}")
             for sim in SIMS for dw in DMA_DW
             for module, name in cocotb_tests("cocotb_tx_dma.py")]


def _skip_long(request, name):
    if name in LONG and "tx_long" not in (request.config.getoption("-m") or ""):
        pytest.skip("a long TX test: run with -m tx_long")


@pytest.mark.parametrize("sim,dw,module,name", CASES)
def test_tx_rtl(request, sim, dw, module, name):
    _skip_long(request, name)
    bdir = build_top(sim, dw, "nic_tx_dma")
    run_tx(sim, dw, "nic_tx_dma", module, name, bdir,
           node_id=f"tests/test_tx_rtl.py -k '{request.node.callspec.id}'")


@pytest.mark.parametrize("sim,dw,module,name", DMA_CASES)
def test_tx_nic_dma(request, sim, dw, module, name):
    bdir = build_top(sim, dw, "nic_dma")
    run_tx(sim, dw, "nic_dma", module, name, bdir,
           node_id=f"tests/test_tx_rtl.py -k '{request.node.callspec.id}'")
