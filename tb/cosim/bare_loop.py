"""The bare per-clock loop the bench's speed is measured against (scripts/bench.py, section speed).

A cocotb test module for the co-simulation's build of the same top level: the clock started as
the harness starts it (GPI-driven, `CLK_NS`, low first), reset held, and one coroutine awaiting
every rising edge, `BARE_CLOCKS` times. It writes {clocks, wall_s, cycles_per_s} to
`BARE_RESULTS` (JSON). Nothing else runs in Python: this is what one Python wake-up per clock
costs on this simulator, build and machine.
"""
import json
import os
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge


@cocotb.test()
async def bare_loop(dut):
    """Await RisingEdge(clk) BARE_CLOCKS times; record the wall time."""
    clocks = int(os.environ.get("BARE_CLOCKS", "100000"))
    clk_ns = float(os.environ.get("CLK_NS", "8"))
    cocotb.start_soon(Clock(dut.clk, clk_ns, unit="ns", impl="gpi").start(start_high=False))
    dut.rst.value = 1
    edge = RisingEdge(dut.clk)
    for _ in range(10):                 # settle: the first edges, outside the measurement
        await edge
    t0 = time.perf_counter()
    for _ in range(clocks):
        await edge
    wall = time.perf_counter() - t0
    res = {"clocks": clocks, "wall_s": wall, "cycles_per_s": clocks / wall if wall > 0 else None,
           "clk_ns": clk_ns}
    out = os.environ.get("BARE_RESULTS")
    if out:
        with open(out, "w") as f:
            json.dump(res, f)
