"""The soak: many co-simulations of the whole system under faults, disruption and a slow bus,
split into shards, and the merge of their results into one account (`results/soak.json`).

No cocotb here: the shard table, the frames each shard gets and the merge are plain Python;
tests/soak/test_soak.py runs one shard per pytest test (so pytest-xdist spreads them over
the cores, or `--dist` over machines) and `scripts/soak.py` merges and prints.

A configuration is a set of make variables (tb/cosim/options.py). Its share of SOAK_FRAMES is
cut into shards of at most CHUNK frames, each with its own seed, so a failure replays alone:
its reproducer is the `make sim` line of that shard (Options.command()).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from tb.common.build import ROOT
from tb.common.fault_plan import CLASSES

DEFAULT_FRAMES = 50_000           # what `make test` runs
FULL_FRAMES = 1_000_000           # what `make soak` runs
CHUNK = 25_000                    # the most frames one shard sends
SHARD_DIR = ROOT / "sim_build" / "soak"

# (name, weight, make variables). Together they cover both simulators and RX paths, coherent
# and not, IOMMU off/strict/lazy, every DATA_W and the small-parameter build, ring sizes 8 to
# 4096, every generated size mix, hold times that starve the pool, MAC errors, backpressure,
# memory latency, MAC pauses, every fault class, driver disruption and a host memory limit.
# Every configuration gets at least 5,000 frames of a million; the rest goes to the two that
# run fastest (wide buses at 10 Gb/s, about 5 ms of CPU a frame on a 2-core machine, against
# 10 to 70 ms for the paced, small-ring and small-parameter ones), so that a million frames
# fit in an hour on 2 cores. Icarus runs about a third as fast as Verilator.
CONFIGS = [
    ("pp_a53_w64_latency", 0.03, dict(
        SIM="verilator", DRIVER="page_pool", COHERENT="0", IOMMU="off", PROFILE="cortex-a53",
        DATA_W="64", RING="256", SIZES="imix", RATE="1", FAULTS="20000",
        BACKPRESSURE="0.1", MEM_LATENCY="200,100")),
    ("legacy_smmu_w128_ring8", 0.005, dict(
        SIM="verilator", DRIVER="legacy", COHERENT="0", IOMMU="strict",
        PROFILE="cortex-a53-smmu-strict", DATA_W="128", RING="8", SIZES="mixed", RATE="1",
        FAULTS="40000", MAC_ERR_EVERY="37", MAC_PAUSE="0.05")),
    ("pp_lazy_w256_disrupt", 0.43, dict(
        SIM="verilator", DRIVER="page_pool", COHERENT="1", IOMMU="lazy",
        PROFILE="x86-iommu-lazy", DATA_W="256", CLK_NS="4", RING="2048",
        SIZES="uniform:60-1514", RATE="10", FAULTS="20000",
        DISRUPT="close:2000000,resize:3000000,rings:8/512/4096")),
    ("pp_w512_starved_pool", 0.42, dict(
        SIM="verilator", DRIVER="page_pool", COHERENT="1", IOMMU="off",
        PROFILE="x86-iommu-lazy", DATA_W="512", CLK_NS="4", RING="1024", SIZES="imix",
        RATE="10", HOLD="exp:300000", FAULTS="30000", MEM_LATENCY="150,100")),
    ("small_params", 0.005, dict(
        SIM="verilator", DRIVER="page_pool", COHERENT="1", IOMMU="off", PROFILE="cortex-a53",
        DATA_W="64", PARAMS="small", RING="16", SIZES="imix", RATE="0.5", FAULTS="20000",
        MEM_LATENCY="100,40", HOLD="exp:100000", MAC_ERR_EVERY="41")),
    ("pp_mem_limit_disrupt", 0.07, dict(
        SIM="verilator", DRIVER="page_pool", COHERENT="0", IOMMU="off", PROFILE="cortex-a53",
        DATA_W="256", CLK_NS="4", RING="256", SIZES="64", RATE="0.2", MEM_PAGES="400",
        HOLD="exp:50000", FAULTS="25000",
        DISRUPT="close:1500000,resize:2000000,rings:64/128/256/512")),
    ("icarus_make_sim", 0.005, dict(
        SIM="icarus", DRIVER="page_pool", COHERENT="0", IOMMU="off", PROFILE="cortex-a53",
        DATA_W="64", RING="256", SIZES="imix", RATE="1")),
    ("icarus_legacy_small_w512", 0.035, dict(
        SIM="icarus", DRIVER="legacy", COHERENT="1", IOMMU="lazy", PROFILE="x86-iommu-lazy",
        DATA_W="512", CLK_NS="4", PARAMS="small", RING="32", SIZES="uniform:60-600",
        RATE="2", FAULTS="20000", BACKPRESSURE="0.05", MAC_PAUSE="0.1")),
]


@dataclass(frozen=True)
class Shard:
    config: str
    index: int
    frames: int
    variables: Dict[str, str]

    @property
    def name(self) -> str:
        return f"{self.config}-{self.index}"

    @property
    def seed(self) -> int:
        return int(self.variables["SEED"])


def shards(total: int = DEFAULT_FRAMES, select: str = "") -> List[Shard]:
    """Every shard of a soak of `total` frames; select "K/M" keeps shards K, K+M, K+2M, ...
    (1-based), one machine's part of M."""
    out: List[Shard] = []
    for c, (name, weight, var) in enumerate(CONFIGS):
        frames = max(1, round(total * weight))
        n = -(-frames // CHUNK)
        for i in range(n):
            part = frames // n + (1 if i < frames % n else 0)
            out.append(Shard(name, i, part, {**var, "FRAMES": str(part),
                                             "SEED": str(1000 * (c + 1) + i)}))
    if select:
        k, m = (int(x) for x in select.split("/"))
        if not 1 <= k <= m:
            raise ValueError(f"SOAK_SELECT={select}: K/M needs 1 <= K <= M")
        out = [s for j, s in enumerate(out) if j % m == k - 1]
    return out


# ---------------------------------------------------------------------- merging
def _add(into: Dict[str, int], more: Optional[Dict[str, int]]) -> None:
    for k, v in (more or {}).items():
        into[k] = into.get(k, 0) + int(v or 0)


def merge(paths: Iterable[Path]) -> dict:
    """One account of the shard results (tb.cosim.run's JSON plus `soak` keys)."""
    runs = [json.loads(Path(p).read_text()) for p in sorted(paths)]
    tot = {"frames_sent": 0, "frames_delivered": 0, "drops_total": 0, "mismatches": 0,
           "duplicates": 0, "out_of_order": 0, "breaches": 0, "pages_leaked": 0,
           "mappings_leaked": 0, "pools_leaked": 0, "not_accounted_shards": 0}
    drops: Dict[str, int] = {}
    injected = {c: 0 for c in CLASSES}
    recovered = {c: 0 for c in CLASSES}
    resumed = {c: 0 for c in CLASSES}
    per_sim: Dict[str, Dict[str, float]] = {}
    shard_rows, failed = [], []
    t_start, t_end = None, None
    workers = 0
    for r in runs:
        for k in ("frames_sent", "frames_delivered", "drops_total", "mismatches", "duplicates",
                  "out_of_order", "breaches"):
            tot[k] += int(r.get(k) or 0)
        tot["pages_leaked"] += int(r.get("pages_in_flight") or 0)
        tot["mappings_leaked"] += int(r.get("mappings_left") or 0)
        tot["pools_leaked"] += int(r.get("pools_pending") or 0)
        tot["not_accounted_shards"] += 0 if r.get("accounted") else 1
        _add(drops, r.get("drops"))
        f = r.get("faults") or {}
        _add(injected, f.get("injected"))
        _add(recovered, f.get("recovered"))
        _add(resumed, f.get("resumed"))
        s = per_sim.setdefault(r["sim"], {"frames": 0, "wall_s": 0.0, "cycles": 0})
        s["frames"] += int(r.get("frames_sent") or 0)
        s["wall_s"] += float(r.get("wall_s") or 0)
        s["cycles"] += int(r.get("cycles") or 0)
        soak = r.get("soak", {})
        workers = max(workers, int(soak.get("workers") or 1))
        if soak.get("started"):
            t_start = min(t_start or soak["started"], soak["started"])
            t_end = max(t_end or soak["ended"], soak["ended"])
        row = {"shard": soak.get("shard"), "sim": r["sim"], "frames": r["frames_sent"],
               "delivered": r["frames_delivered"], "drops": r["drops_total"],
               "faults": f.get("injected_total", 0), "wall_s": r.get("wall_s"),
               "accounted": r.get("accounted"), "verdict": r.get("verdict") or [],
               "reproduce": soak.get("reproduce")}
        shard_rows.append(row)
        if row["verdict"] or not row["accounted"]:
            failed.append(row)
    for s in per_sim.values():
        s["frames_per_wall_s"] = round(s["frames"] / s["wall_s"], 1) if s["wall_s"] else None
        s["cycles_per_wall_s"] = round(s["cycles"] / s["wall_s"], 1) if s["wall_s"] else None
        s["wall_s"] = round(s["wall_s"], 1)
    out = {
        **tot, "drops": drops, "shards": len(runs), "failed_shards": len(failed),
        "faults": {"injected": injected, "recovered": recovered, "resumed": resumed,
                   "injected_total": sum(injected.values()),
                   "recovered_total": sum(recovered.values())},
        "per_simulator": per_sim,
        "elapsed_s": round(t_end - t_start, 1) if t_start is not None else None,
        "workers": workers or None,
        "shard_results": shard_rows,
        "failures": failed,
    }
    out["sent_equals_delivered_plus_drops"] = (
        tot["frames_sent"] == tot["frames_delivered"] + tot["drops_total"])
    out["machine"] = {"platform": platform.platform(), "python": platform.python_version(),
                      "cpus": _cpus()}
    out["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    ran = sorted({(r.get("soak") or {}).get("commit") for r in runs} - {None})
    out["commit"] = ",".join(ran) if ran else commit()
    return out


def _cpus() -> Optional[int]:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def commit() -> Optional[str]:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip() or None
    except OSError:
        return None


def table(res: dict) -> str:
    """The README's table of a soak."""
    f = res["faults"]
    rows = [
        ("frames", f"sent {res['frames_sent']:,}, delivered {res['frames_delivered']:,}, "
                   f"dropped {res['drops_total']:,} (sent = delivered + drops: "
                   f"{'yes' if res['sent_equals_delivered_plus_drops'] else 'NO'})"),
        ("drops by cause", ", ".join(f"{k} {v:,}" for k, v in res["drops"].items() if v) or "-"),
        ("mismatched, duplicated, out of order",
         f"{res['mismatches']}, {res['duplicates']}, {res['out_of_order']}"),
        ("faults injected / recovered", f"{f['injected_total']:,} / {f['recovered_total']:,}"),
        ("by class (injected)", ", ".join(f"{c} {n}" for c, n in f["injected"].items())),
        ("breaches", str(res["breaches"])),
        ("leaked pages, mappings, pools",
         f"{res['pages_leaked']}, {res['mappings_leaked']}, {res['pools_leaked']}"),
        ("shards (failed)", f"{res['shards']} ({res['failed_shards']})"),
        ("wall time", f"{res['elapsed_s']:.0f} s, {res.get('workers') or '?'} pytest worker(s) "
                      f"on {res['machine']['cpus']} cores, commit {res.get('commit')}"
         if res.get("elapsed_s") is not None else "-"),
    ]
    for sim, s in sorted(res["per_simulator"].items()):
        rows.append((f"{sim}", f"{s['frames']:,} frames in {s['wall_s']:,.0f} s of shard time: "
                               f"{s['frames_per_wall_s']} frames/s, "
                               f"{s['cycles_per_wall_s']:,.0f} cycles/s"))
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def configs_table() -> str:
    """The README's table of the soak's configurations."""
    rows = ["| configuration | share | make variables |", "|---|---|---|"]
    for name, weight, var in CONFIGS:
        rows.append(f"| `{name}` | {weight * 100:g}% | "
                    + " ".join(f"{k}={v}" for k, v in var.items()) + " |")
    return "\n".join(rows)
