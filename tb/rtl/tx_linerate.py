"""nic_tx_dma at line rate behind memory latency: build the block and run one case of
tb/rtl/tx_linerate_bench.py (its doc describes the bench, the MAC and what is measured).

`run_case(link_gbps, data_w, clk_ns, size_fcs, frames)` returns the case's result: frames,
clocks, underrun clocks, achieved Mpps and Gb/s against the line rate, read bursts and write
bursts in flight at most, the FIFO's highest level, wall time, and `error` (None, or why the
run failed: a scoreboard or protocol error, a stuck queue). Used by scripts/bench.py (section
txrate) and tests/test_tx_linerate.py.
"""
from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tb.rtl.tx_linerate_bench"
TOP = "nic_tx_dma"
RUN_ROOT = ROOT / "sim_build" / "txrate"

# the links: Gb/s -> (DATA_W, clock period in ns)
LINKS = {10.0: (64, 6.4), 100.0: (512, 4.0)}
LAT_RD_CLOCKS, LAT_B_CLOCKS = 200, 100      # the benchmark's memory latency (scripts/bench.py)
WIRE_EXTRA = 20                             # preamble 8 + inter-frame gap 12


def line_rate_mpps(size_fcs: int, gbps: float) -> float:
    return gbps * 1e3 / ((size_fcs + WIRE_EXTRA) * 8)


def run_case(link_gbps: float, data_w: int, clk_ns: float, size_fcs: int, frames: int, *,
             lat_rd: int = LAT_RD_CLOCKS, lat_b: int = LAT_B_CLOCKS, sim: str = "verilator",
             parameters: dict | None = None, seed: int = 1, offset: int = 0,
             name: str | None = None) -> dict:
    """Build nic_tx_dma (DATA_W `data_w`, `parameters` over the defaults) and run one case."""
    from tb.common.build import build, run_test
    params = dict(parameters or {})
    t0 = time.perf_counter()
    bdir = build(sim, data_w, top=TOP, parameters=params)
    build_s = time.perf_counter() - t0
    case = {"link_gbps": link_gbps, "clk_ns": clk_ns, "size_fcs": size_fcs, "frames": frames,
            "lat_rd": lat_rd, "lat_b": lat_b, "offset": offset}
    ptag = "".join(f"_{k.lower()}{v}" for k, v in sorted(params.items()))
    if (lat_rd, lat_b) != (LAT_RD_CLOCKS, LAT_B_CLOCKS):
        ptag += f"_lat{lat_rd}_{lat_b}"
    if offset:
        ptag += f"_off{offset}"
    tdir = RUN_ROOT / (name or f"{sim}_{link_gbps:g}g_dw{data_w}_{size_fcs}{ptag}")
    tdir.mkdir(parents=True, exist_ok=True)
    out = tdir / "result.json"
    if out.exists():
        out.unlink()
    env = {"TXRATE_CASE": json.dumps(case), "TXRATE_OUT": str(out),
           "TX_BENCH_SEED": str(seed), "RTL_PARAMS": json.dumps(params), "RTL_SIM": sim,
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    error = None
    t1 = time.perf_counter()
    try:
        xml = run_test(sim, bdir, MODULE, tdir, test_filter=r"\.tx_linerate$", extra_env=env,
                       seed=seed, top=TOP)
    except (SystemExit, Exception) as e:  # noqa: BLE001
        xml = tdir / "results.xml"
        error = f"simulator: {e}"
    wall = time.perf_counter() - t1
    msgs = []
    if Path(xml).exists():
        for tc in ET.parse(xml).getroot().iter("testcase"):
            for fl in list(tc.iter("failure")) + list(tc.iter("error")):
                msgs.append(f"{fl.get('message') or ''} {fl.text or ''}".strip()[:2000])
    if msgs:
        error = "; ".join(msgs)
    res = json.loads(out.read_text()) if out.exists() else {}
    if not res and error is None:
        error = "the test wrote no result"
    res.update(case)
    res.update({"sim": sim, "data_w": data_w, "seed": seed, "build_parameters": params,
                "error": error, "wall_s": wall, "build_s": build_s,
                "line_rate_mpps": line_rate_mpps(size_fcs, link_gbps),
                "log": str(tdir / "sim.log")})
    return res
