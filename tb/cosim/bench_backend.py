"""make bench's RTL back end: one bench cell (pymodel.bench) as a co-simulation of nic_rx_dma.

`run_rtl(**cell)` takes the arguments of the reference back end (`pymodel.bench._run_ref`:
path, profile, frame_len, offered_pps, frames or saturate with warmup and measure, ring_size,
hold, mem_pages, pool_size, stack, seed, trace) and returns the same keys, so the two can be
compared cell for cell. `register()` adds it to `pymodel.bench.BACKENDS` as "rtl" (pymodel
never imports tb or cocotb; scripts/bench.py registers it).

The cell runs on the co-simulation's harness and host (tb.cosim.cosim.CoSim: the RTL as the
NIC, pymodel's driver, page_pool, DMA API and cost model as the host, the AXI protocol
monitor on) with what the reference back end does to a cell, taken from pymodel.bench itself:

- the stack's cited cost `stack_rx` once per skb (`charge_stack`), the pool size and the
  buffer trace (`customize_pool`), the measured window of a saturating run (`Window`);
- the MAC sends `frame_len`-byte frames (FCS stripped) at `offered_pps`, the first one
  interval after the queue is open, as the reference MAC does; where the stream cannot carry
  that rate (DATA_W bytes a clock) the frames go back to back, one waiting behind the one on
  the wire;
- the memory is coherent and behind an IOMMU as the profile says (RefSystem's defaults);
- the device runs at the reference NIC's clock (4 ns) and DATA_W 64 by default: the ITR
  delay is counted in clocks, so the same clock gives the same moderation.

This module is also the cocotb test module the simulator loads (`bench_cell`); the runner
passes the cell as JSON in BENCH_CELL.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional, Tuple

import cocotb

from pymodel import bench as B
from pymodel.costs import get_profile
from tb.common.build import ROOT, build, run_test
from tb.common.params import to_env
from tb.cosim import options as cosim_options

MODULE = "tb.cosim.bench_backend"
RUN_DIR = ROOT / "sim_build" / "bench"
CLK_NS = 4.0                 # the reference NIC's clock (pymodel.refnic.RefNic)
DATA_W = 64                  # the RTL's default width, the reference NIC's too
_SIM_KEYS = ("sim", "data_w", "clk_ns", "monitor")


def profile_memory(profile: str) -> Tuple[int, str]:
    """COHERENT and IOMMU for a cost profile: the profile's own, as RefSystem takes them."""
    p = get_profile(profile)
    return int(bool(p.coherent)), p.iommu or "off"


def cell_options(cell: dict, *, sim: str = "verilator", data_w: int = DATA_W,
                 clk_ns: float = CLK_NS, monitor: int = 1):
    """The co-simulation options (tb.cosim.options.Options) of a bench cell."""
    coherent, iommu = profile_memory(cell["profile"])
    hold = cell.get("hold")
    return cosim_options.parse({
        "SIM": sim, "DRIVER": cell["path"], "PROFILE": cell["profile"],
        "COHERENT": str(coherent), "IOMMU": iommu, "RING": str(cell.get("ring_size", 256)),
        "SEED": str(cell.get("seed", 1)), "DATA_W": str(data_w), "CLK_NS": f"{clk_ns:g}",
        "SIZES": f"fixed:{cell['frame_len']}", "FRAMES": str(max(1, cell.get("frames") or 1)),
        "HOLD": f"{hold[0]}:{hold[1]:g}" if hold else "fixed:0",
        "MEM_PAGES": str(cell.get("mem_pages") or 0), "MONITOR": str(monitor),
        "STRICT": "1",
    }, environ={})


def run_rtl(*, sim: str = "verilator", data_w: int = DATA_W, clk_ns: float = CLK_NS,
            monitor: int = 1, results: Optional[Path] = None, **cell) -> dict:
    """Run one bench cell as a co-simulation; returns the reference back end's keys plus
    `cosim` (simulator, clocks, wall time, the harness's verdict)."""
    t_wall = time.perf_counter()
    cell = {"frames": 0, "saturate": False, "warmup": 500, "measure": 2000, "ring_size": 256,
            "hold": None, "mem_pages": None, "pool_size": None, "stack": True, "seed": 1,
            "trace": False, **cell}
    o = cell_options(cell, sim=sim, data_w=data_w, clk_ns=clk_ns, monitor=monitor)
    params = o.parameters()
    bdir = build(o.sim, o.data_w, parameters=params or None, name=o.build_name())
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    results = Path(results or RUN_DIR / f"cell_{os.getpid()}.json").resolve()
    tdir = results.parent / (results.stem + "_run")
    if results.exists():
        results.unlink()
    env = {**o.env(), **to_env(params), "COSIM_RESULTS": str(results),
           "BENCH_CELL": json.dumps(cell)}
    try:
        run_test(o.sim, bdir, MODULE, tdir, extra_env=env, seed=o.seed)
    except SystemExit:
        pass
    if not results.exists():
        log = (tdir / "sim.log").read_text(errors="replace").splitlines()[-40:] \
            if (tdir / "sim.log").exists() else []
        raise RuntimeError("the bench co-simulation wrote no results\n" + "\n".join(log))
    from tb.cosim.run import failures
    out = json.loads(results.read_text())
    out["cosim"]["verdict"] = failures(tdir / "results.xml")
    out["wall_s"] = time.perf_counter() - t_wall
    return out


def register() -> None:
    """Make run_cell("rtl", ...) run here."""
    B.BACKENDS["rtl"] = run_rtl


# ---------------------------------------------------------------------------- simulator side
def _bench_cosim_class():
    from tb.cosim.cosim import CoSim

    class BenchCoSim(CoSim):
        """CoSim with the bench's MAC (fixed size, paced at a packet rate) and the bench's
        treatment of the host (stack charge, pool, window)."""

        def __init__(self, dut, opt, cell: dict) -> None:
            super().__init__(dut, opt)
            self.cell = cell
            self.stop = False
            self.backlog_q1 = None
            self.backlog_end = None
            meter = self.hm.meter
            if cell["stack"]:
                B.charge_stack(self.stack, meter)
            self.tracer = B._BufferTrace(self.env) if cell["trace"] else None
            if cell["path"] == "page_pool" and (cell["pool_size"] is not None
                                                or self.tracer is not None):
                B.customize_pool(self.driver, cell["pool_size"], self.tracer)
            self.mmio_wait = {"mmio_reads": 0, "mmio_writes": 0, "mmio_bus_ns": 0.0}
            self._time_register_bus()
            self.cpu_ns_drained = None
            self._note_cpu_at_close()
            self.window = B.Window(stack=self.stack, driver=self.driver, meter=meter,
                                   now_ns=lambda: self.env.now_ns, sent=lambda: self.sent,
                                   warmup=cell["warmup"], measure=cell["measure"],
                                   counters=lambda: self.mmio_wait) \
                if cell["saturate"] else None
            # one frame waits behind the one on the wire: a MAC faster than the stream sends
            # back to back instead of queueing without bound
            self.source.queue_occupancy_limit_frames = 1

        def _note_cpu_at_close(self) -> None:
            """The CPU time charged when the traffic has drained, before close() frees the
            ring's buffers (the reference back end reads it there too)."""
            close, meter = self.driver.close, self.hm.meter

            async def noted_close():
                if self.cpu_ns_drained is None:
                    self.cpu_ns_drained = meter.total_ns
                await close()

            self.driver.close = noted_close

        def _time_register_bus(self) -> None:
            """Count the simulated time the driver waits on AXI-Lite for each register
            access: the reference NIC answers at once, so this is time only the RTL path
            spends (the cost model charges mmio_read / mmio_write on both)."""
            bus, acc, env = self.bus, self.mmio_wait, self.env
            read32, write32 = bus.read32, bus.write32

            async def timed_read32(off):
                t = env.now_ns
                try:
                    return await read32(off)
                finally:
                    acc["mmio_reads"] += 1
                    acc["mmio_bus_ns"] += env.now_ns - t

            async def timed_write32(off, value):
                t = env.now_ns
                try:
                    await write32(off, value)
                finally:
                    acc["mmio_writes"] += 1
                    acc["mmio_bus_ns"] += env.now_ns - t

            bus.read32, bus.write32 = timed_read32, timed_write32

        async def _mac(self) -> None:
            c = self.cell
            interval = 1e9 / c["offered_pps"]
            frames, saturate = c["frames"], c["saturate"]
            quarter = frames // 4
            rx = self.driver.stats
            t_next = self.env.now_ns
            n = 0
            while not self.stop and (saturate or n < frames):
                if self.window is not None and self.window.done:
                    break
                data = self.scoreboard.frame(c["frame_len"])
                t_next += interval
                wait = t_next - self.env.now_ns
                if wait > 0:
                    await self.env.sleep_ns(wait)
                if self.t_first is None:
                    self.t_first = self.env.now_ns
                await self.source.send(data)
                n += 1
                self.sent = n
                if n == quarter:
                    self.backlog_q1 = n - rx.rx_packets
            self.backlog_end = self.sent - rx.rx_packets
            await self.source.wait()
            self.t_last = self.env.now_ns

        def bench_results(self, res: dict) -> dict:
            c = self.cell
            pp = res.get("page_pool") or {}
            delivered = res["frames_delivered"]
            window = self.window.result() if self.window is not None and self.window.done \
                else None
            out = {
                "backend": "rtl", "path": c["path"], "profile": c["profile"],
                "frame_len": c["frame_len"], "size_fcs": c["frame_len"] + B.FCS_LEN,
                "offered_pps": c["offered_pps"], "ring_size": c["ring_size"],
                "pool_size": (c["pool_size"] or c["ring_size"]) if c["path"] == "page_pool"
                else None,
                "hold": list(c["hold"]) if c["hold"] else None, "mem_pages": c["mem_pages"],
                "stack": c["stack"], "seed": c["seed"], "sent": res["frames_sent"],
                "delivered": delivered, "dropped": res["drops_total"],
                "drops_by_cause": res["drops"], "accounted": res["accounted"],
                "mismatches": res["mismatches"], "breaches": res["breaches"],
                "backlog_quarter": self.backlog_q1, "backlog_end": self.backlog_end,
                "sim_ns": self.t_last, "pages_used_max": self.hm.alloc.pages_used_max,
                "stack_max_held": self.stack.stats.max_held,
                "cpu_ns_per_delivered": (self.cpu_ns_drained if self.cpu_ns_drained is not None
                                         else res["cpu_ns"]) / delivered if delivered else None,
                "page_pool": {k: pp.get(k) for k in (
                    "alloc_stats.fast", "alloc_stats.slow", "alloc_stats.refill",
                    "alloc_stats.empty", "recycle_stats.cached", "recycle_stats.ring",
                    "recycle_stats.ring_full", "pages_state_hold_cnt",
                    "pages_state_release_cnt", "dma_maps")} if pp else {},
                "window": window,
                "cosim": {"sim": res["sim"], "data_w": res["data_w"], "clk_ns": res["clk_ns"],
                          "cycles": res["cycles"], "wall_s": res["wall_s"],
                          "cycles_per_s": res["cycles_per_s"], "errors": res["errors"],
                          "device": res.get("device"), "bus": res.get("bus"),
                          "monitor_reports": res.get("monitor_reports"),
                          "mpps_active": res["mpps"], "offered_mpps_active": res["offered_mpps"],
                          "register_bus": dict(self.mmio_wait)},
            }
            if self.tracer is not None:
                out["buffer_intervals"] = self.tracer.intervals()
            return out

    return BenchCoSim


@cocotb.test()
async def bench_cell(dut):
    """One bench cell on the RTL: the reference back end's keys to COSIM_RESULTS."""
    from tb.cosim.cosim import Options, verdict, write_results
    opt = Options.from_env()
    cell = json.loads(os.environ["BENCH_CELL"])
    if cell.get("hold"):
        cell["hold"] = tuple(cell["hold"])
    sim = _bench_cosim_class()(dut, opt, cell)
    res = await sim.run()
    write_results(sim.bench_results(res), opt.results)
    problems = verdict(res)
    assert not problems, "; ".join(problems)
