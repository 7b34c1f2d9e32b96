#!/usr/bin/env python3
"""make bench: what page_pool recycling buys, how many buffers it needs, and the RTL cross-check.

Sections 1 and 2 run on the pure-Python reference NIC (pymodel.bench, back end "ref"); the
cross-check repeats section 1's CPU-bound maximum on the RTL (back end "rtl",
tb/cosim/bench_backend.py, a Verilator co-simulation). It writes, under --out:

  bench_recycle.json   section 1: RFC 2544 sizes x both RX paths x the three cost profiles:
                       zero-loss throughput, CPU-bound maximum, per-packet cost by operation,
                       the page_pool / legacy ratio and what it would take to reach 2x
  bench_recycle_ratio.png, bench_recycle_cost.png, bench_recycle_throughput.png
  bench_sizing.json    section 2: cortex-a53 page_pool at 1 GbE line rate, 1518 B frames:
                       drops and pages against ring size, page_pool ring size and hold time,
                       the smallest zero-drop memory against Little's law, memory held for
                       PAGE_SIZE 4K / 16K / 64K with and without page_pool fragments
  bench_sizing_ring.png, bench_sizing_pool.png, bench_sizing_little.png, bench_sizing_memory.png
  bench_xdp.json, bench_xdp.png
                       XDP_DROP, XDP_TX and XDP_PASS beside the legacy and page_pool skb
                       paths: the CPU-bound maximum at each size on cortex-a53 (reference
                       nic_dma), the cited XDP costs, page_pool recycling through TX completion
  bench_crosscheck.json, bench_crosscheck.png
                       section 1's CPU-bound maximum at 3 sizes x 2 paths x 2 profiles (quick:
                       2 sizes x 2 paths x 1 profile) on both back ends, and their difference;
                       the command fails (exit 1) if any pair differs by more than 5 %
  bench_linerate.json, bench_linerate.png
                       section 3: the block at the line rate of 10 and 25 GbE (DATA_W 64) and
                       100 GbE (DATA_W 512), every RFC 2544 size, buffer offsets 0 and 2, behind
                       200/100-clock memory latency and 10 % random backpressure: drops,
                       STAT_NODESC_WAIT, the W beats line rate needs against the clocks W was
                       ready, the write bursts in flight; and W's efficiency at saturation at
                       every DATA_W (quick: 10 and 100 GbE at 64 and 1518 B, one saturation
                       row; measured, make bench does not fail on them)
  bench_txrate.json, bench_txrate.png
                       nic_tx_dma alone at the line rate of 10 GbE (DATA_W 64) and 100 GbE
                       (DATA_W 512), every RFC 2544 size (quick: 10 GbE, 64 and 1518 B),
                       behind the same latency: underrun clocks of a MAC at the link's rate and
                       the rate achieved; the command fails (exit 1) on an underrun, below
                       99.9 % of line rate, or on a scoreboard error

docs/PERFORMANCE.md explains each figure.
"""
from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pymodel import bench as B  # noqa: E402
from pymodel import regs  # noqa: E402
from pymodel.costs import PROFILES as COST_PROFILES  # noqa: E402
from tb.common import params as rtl_params  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

KIB = 1024
PAGE_SIZES = (4 * KIB, 16 * KIB, 64 * KIB)
LINK_GBPS = {"cortex-a53": 1.0, "cortex-a53-smmu-strict": 1.0, "x86-iommu-lazy": 10.0}

CONFIGS = {
    "full": {
        "sizes": B.RFC2544_SIZES, "trial_frames": 8000, "warmup": 500, "measure": 3000,
        "sizing_frame": 1518, "sizing_gbps": 1.0,
        "hold_kinds": ("fixed", "exp", "pareto"), "hold_means_ns": (1e4, 1e5, 1e6, 1e7),
        "rings": (64, 128, 256, 512, 1024, 2048, 4096),
        "pool_sizes": (64, 128, 256, 512, 1024, 2048, 4096), "pool_ring": 256,
        "sizing_ring": 256, "frames_lo": 4000, "frames_hi": 24000, "pool_kinds": ("exp", "pareto"),
    },
    "quick": {
        "sizes": (64, 256, 512, 1518), "trial_frames": 3000, "warmup": 300, "measure": 1000,
        "sizing_frame": 1518, "sizing_gbps": 1.0,
        "hold_kinds": ("fixed", "exp", "pareto"), "hold_means_ns": (1e5, 1e6),
        "rings": (64, 256, 1024), "pool_sizes": (64, 256, 1024), "pool_ring": 256,
        "sizing_ring": 256, "frames_lo": 2000, "frames_hi": 6000, "pool_kinds": ("pareto",),
    },
}


# ---------------------------------------------------------------------------- workers
def _recycle_task(args):
    backend, path, profile, size, cfg, seed = args
    return B.recycle_cell(backend, path, profile, size, link_gbps=LINK_GBPS[profile],
                          trial_frames=cfg["trial_frames"], warmup=cfg["warmup"],
                          measure=cfg["measure"], seed=seed)


def _sizing_rate(cfg) -> float:
    return B.line_rate_pps(cfg["sizing_frame"], cfg["sizing_gbps"])


def _sizing_run(backend, cfg, seed, hold, *, ring, pool_size=None, mem_pages=None,
                trace=False):
    rate = _sizing_rate(cfg)
    frames = B.sizing_frames(rate, hold[1], lo=cfg["frames_lo"], hi=cfg["frames_hi"])
    r = B.run_cell(backend, path="page_pool", profile="cortex-a53",
                   frame_len=cfg["sizing_frame"] - B.FCS_LEN, offered_pps=rate, frames=frames,
                   ring_size=ring, pool_size=pool_size, hold=hold, mem_pages=mem_pages,
                   seed=seed, trace=trace)
    pp = r["page_pool"]
    allocs = pp["alloc_stats.fast"] + pp["alloc_stats.slow"]
    row = {k: r[k] for k in ("ring_size", "pool_size", "hold", "mem_pages", "sent", "delivered",
                             "dropped", "accounted", "mismatches", "pages_used_max",
                             "stack_max_held", "cpu_ns_per_delivered", "sim_ns", "wall_s")}
    row.update(frames=frames, rate_pps=rate, page_pool=pp,
               little_buffers=B.littles_law(rate, hold[1]),
               new_pages_mapped=pp["dma_maps"],
               recycled_share=1 - pp["dma_maps"] / max(1, allocs), allocs=allocs)
    if trace:
        iv = r["buffer_intervals"]
        fsz = B.frag_size()
        mem = {}
        for ps in PAGE_SIZES:
            nofrag = B.pages_peak(iv, 1)
            per = max(1, ps // fsz)
            frag = B.pages_peak(iv, per)
            mem[str(ps)] = {"buffers_peak": nofrag, "frags_per_page": per,
                            "bytes_no_frag": nofrag * ps, "bytes_frag": frag * ps,
                            "pages_frag": frag,
                            "pool_pages_peak_bytes": r["pages_used_max"] * ps}
        row["memory"] = mem
        row["frag_size"] = fsz
    return row


def _ring_task(args):
    backend, cfg, seed, hold, ring = args
    return _sizing_run(backend, cfg, seed, hold, ring=ring, trace=ring == cfg["sizing_ring"])


def _pool_task(args):
    backend, cfg, seed, hold, pool_size = args
    return _sizing_run(backend, cfg, seed, hold, ring=cfg["pool_ring"], pool_size=pool_size)


def _minmem_task(args):
    backend, cfg, seed, hold, hi = args
    rate = _sizing_rate(cfg)
    frames = B.sizing_frames(rate, hold[1], lo=cfg["frames_lo"], hi=cfg["frames_hi"])
    t = time.perf_counter()
    found = B.min_zero_drop_pages(backend, frame_len=cfg["sizing_frame"] - B.FCS_LEN,
                                  rate_pps=rate, frames=frames, hold=hold,
                                  ring_size=cfg["sizing_ring"], hi=hi, seed=seed)
    return {"hold": list(hold), "ring_size": cfg["sizing_ring"], "frames": frames,
            "rate_pps": rate, "little_buffers": B.littles_law(rate, hold[1]),
            "min_pages": found["value"], "trials": found["trials"],
            "wall_s": time.perf_counter() - t}


def _pmap(fn, tasks, jobs, cost=None):
    """fn over tasks, `jobs` processes at once; results in the tasks' order. `cost(task)`:
    the tasks expected to take longest are started first, so the workers finish together."""
    tasks = list(tasks)
    order = sorted(range(len(tasks)), key=lambda i: -cost(tasks[i])) if cost else \
        range(len(tasks))
    if jobs <= 1:
        done = [fn(tasks[i]) for i in order]
    else:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as ex:
            done = list(ex.map(fn, [tasks[i] for i in order]))
    out = [None] * len(tasks)
    for i, r in zip(order, done):
        out[i] = r
    return out


# ---------------------------------------------------------------------------- metadata
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _meta(args, cfg_name, backend=None) -> dict:
    """`backend`: where the section ran, when not --backend (the RTL sections)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        # results/ left out: the sections before this one have written theirs
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                     "--", ".", ":(exclude)results"],
                                    cwd=ROOT, capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": _cpu_model(),
                    "python": platform.python_version(), "cpu_count": os.cpu_count()},
        "git_commit": commit, "git_dirty": dirty, "seed": args.seed, "mode": cfg_name,
        "backend": backend or args.backend, "jobs": args.jobs,
        "command": "python scripts/bench.py " + " ".join(sys.argv[1:]),
    }


# ---------------------------------------------------------------------------- section 1
def _claims(cells, ratios, needs) -> list:
    out = []
    small = {p: [ratios[p][s] for s in (64, 128, 256) if s in ratios[p]] for p in ratios}
    out.append({
        "claim": "below 256 B, copybreak is as fast as recycling or faster",
        "figure": "bench_recycle_ratio.png",
        "model": {p: {str(s): round(ratios[p][s], 3) for s in (64, 128, 256) if s in ratios[p]}
                  for p in ratios},
        "holds": {p: all(r <= 1.02 for r in small[p]) for p in small},
    })
    mid = {p: {str(s): round(ratios[p][s], 3) for s in (256, 384, 512) if s in ratios[p]}
           for p in ratios}
    out.append({
        "claim": "more than 2x for 256-512 B on a Cortex-A53 with mvneta",
        "figure": "bench_recycle_ratio.png",
        "model": mid,
        "holds": {p: all(v > 2 for v in mid[p].values()) for p in mid},
        "what_it_takes": needs,
    })
    a53, smmu = ratios.get("cortex-a53", {}), ratios.get("cortex-a53-smmu-strict", {})
    both = [s for s in (256, 384, 512) if s in a53 and s in smmu]
    out.append({
        "claim": "a larger gain with an SMMU",
        "figure": "bench_recycle_ratio.png",
        "model": {str(s): {"cortex-a53": round(a53[s], 3),
                           "cortex-a53-smmu-strict": round(smmu[s], 3)} for s in both},
        "holds": {str(s): smmu[s] > a53[s] * 1.005 for s in both},
    })
    skb = {}
    for c in cells:
        if c["profile"] != "cortex-a53":
            continue
        by = c["cpu_ns_by_op"]
        skb.setdefault(str(c["size_fcs"]), {})[c["path"]] = {
            k: round(by.get(k, 0.0), 1) for k in ("kmem_cache_alloc", "build_skb",
                                                  "napi_alloc_skb", "copybreak_memcpy")}
    out.append({
        "claim": "build_skb (wrap the DMA buffer) against netdev_alloc_skb (allocate and copy)",
        "figure": "bench_recycle_cost.png",
        "model_cortex_a53_ns_per_pkt": skb,
    })
    return out


def section_recycle(args, cfg, cfg_name, out_dir) -> dict:
    t0 = time.perf_counter()
    tasks = [(args.backend, path, prof, size, cfg, args.seed)
             for prof in B.PROFILES for size in cfg["sizes"] for path in B.PATHS]
    cells = _pmap(_recycle_task, tasks, args.jobs)
    by = {(c["profile"], c["path"], c["size_fcs"]): c for c in cells}
    ratios, zl_ratios, needs = {}, {}, {}
    for prof in B.PROFILES:
        ratios[prof], zl_ratios[prof], needs[prof] = {}, {}, {}
        for size in cfg["sizes"]:
            lg, pp = by[(prof, "legacy", size)], by[(prof, "page_pool", size)]
            ratios[prof][size] = pp["cpu_max_pps"] / lg["cpu_max_pps"]
            zl_ratios[prof][size] = pp["zero_loss_pps"] / lg["zero_loss_pps"] \
                if lg["zero_loss_pps"] else None
            n = B.ratio_needs(lg["cpu_ns_by_op"], pp["cpu_ns_by_op"], 2.0)
            prof_ns = COST_PROFILES[prof].ns
            # what-if: a recycled page synced for the device over the frame's bytes only
            # (the length the device wrote) instead of the pool's max_len
            saved = prof_ns["cache_clean_per_byte"] * (B.PP_MAX_LEN - lg["frame_len"])
            p_sync = n["page_pool_ns"] - saved
            st = pp["cpu_ns_by_op"].get("stack_rx", 0.0)
            n["if_recycle_syncs_frame_only"] = {
                "saved_ns": saved, "ratio": n["legacy_ns"] / p_sync,
                "driver_only_ratio": (n["legacy_ns"] - st) / (p_sync - st)}
            n["op_needed_ns"] = {op: {"factor": round(f, 3),
                                      "figure_now_ns": prof_ns.get(op),
                                      "figure_needed_ns": round(prof_ns.get(op, 0) * f, 1),
                                      "per_byte_now": prof_ns.get(op + "_per_byte"),
                                      "per_byte_needed": None if prof_ns.get(op + "_per_byte")
                                      is None else round(prof_ns[op + "_per_byte"] * f, 5)}
                                 for op, f in n.pop("op_factor").items()}
            needs[prof][size] = n
    inputs = {k: cfg[k] for k in ("sizes", "trial_frames", "warmup", "measure")}
    inputs.update(profiles=list(B.PROFILES), paths=list(B.PATHS), link_gbps=LINK_GBPS,
                  ring_size=256, rel_tol=0.01, copybreak=256, hold="fixed:0 (freed in NAPI)",
                  zero_loss_pass="no drop, and backlog growth from a quarter of the trial to its "
                                 f"end <= {B.BACKLOG_SLACK} frames",
                  stack_rx_ns={p: COST_PROFILES[p].ns["stack_rx"] for p in B.PROFILES},
                  cpu_bound_offered="max(10 GbE line rate, 2 Mpps), x4 until the CPU is the bound")
    result = {
        "meta": _meta(args, cfg_name),
        "inputs": inputs,
        "figures": {
            "bench_recycle_ratio.png": {"what": "page_pool / legacy CPU-bound maximum pps "
                                        "against size, per profile; dashed: driver-only ratio "
                                        "(stack cost left out); the talk's claim shaded",
                                        "inputs": ["cpu_max_pps", "cpu_ns_by_op"]},
            "bench_recycle_cost.png": {"what": "per-packet CPU ns by operation group in the "
                                       "CPU-bound window, legacy (L) beside page_pool (P)",
                                       "inputs": ["cpu_ns_by_op"]},
            "bench_recycle_throughput.png": {"what": "RFC 2544 zero-loss throughput and "
                                             "CPU-bound maximum, pps, against size",
                                             "inputs": ["zero_loss_pps", "cpu_max_pps",
                                                        "line_rate_pps"]},
        },
        "ratio_cpu_max": {p: {str(s): r for s, r in d.items()} for p, d in ratios.items()},
        "ratio_zero_loss": {p: {str(s): r for s, r in d.items()} for p, d in zl_ratios.items()},
        "to_reach_2x": {p: {str(s): n for s, n in d.items()} for p, d in needs.items()},
        "claims": _claims(cells, ratios, {p: {str(s): needs[p][s] for s in (256, 384, 512)
                                              if s in needs[p]} for p in needs}),
        "cells": cells,
        "checks": {"all_accounted": all(c["accounted"] for c in cells),
                   "mismatches": sum(c["mismatches"] for c in cells)},
    }
    result["wall_s"] = time.perf_counter() - t0
    _plot_recycle(result, cfg, out_dir)
    (out_dir / "bench_recycle.json").write_text(json.dumps(result, indent=1, default=float))
    return result


def _plot_recycle(res, cfg, out_dir):
    sizes = list(cfg["sizes"])
    colors = {"cortex-a53": "tab:blue", "cortex-a53-smmu-strict": "tab:red",
              "x86-iommu-lazy": "tab:green"}
    cells = {(c["profile"], c["path"], c["size_fcs"]): c for c in res["cells"]}
    # ratio
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.fill_between([256, 512], 2, 4, color="gold", alpha=0.35,
                    label="talk: > 2x at 256-512 B (Cortex-A53, mvneta)")
    ax.axhline(2, color="goldenrod", lw=0.8, ls=":")
    ax.axhline(1, color="grey", lw=0.8)
    for prof in B.PROFILES:
        r = [res["ratio_cpu_max"][prof][str(s)] for s in sizes]
        d = [res["to_reach_2x"][prof][str(s)]["driver_only_ratio"] for s in sizes]
        ax.plot(sizes, r, "o-", color=colors[prof], label=f"{prof} (with stack)")
        ax.plot(sizes, d, "x--", color=colors[prof], alpha=0.7,
                label=f"{prof}, driver only (no stack cost)")
    ax.axvline(256, color="grey", lw=0.5, ls="--")
    ax.text(258, 0.62, "copybreak 256 B\n(frame = size - 4)", fontsize=7, color="grey")
    ax.set_xlabel("frame size, bytes (RFC 2544, FCS included)")
    ax.set_ylabel("page_pool / legacy, CPU-bound max pps")
    ax.set_ylim(0.6, 4.0)
    ax.set_title("What recycling buys: page_pool over legacy (reference NIC, cost model)")
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_recycle_ratio.png", dpi=110)
    plt.close(fig)
    # cost breakdown
    groups = list(B.OP_GROUPS)
    cmap = plt.get_cmap("tab10")
    fig, axes = plt.subplots(len(B.PROFILES), 1, figsize=(11, 3.6 * len(B.PROFILES)),
                             sharex=True)
    for ax, prof in zip(axes, B.PROFILES):
        for i, size in enumerate(sizes):
            for j, path in enumerate(B.PATHS):
                g = B.group_costs(cells[(prof, path, size)]["cpu_ns_by_op"])
                x = i + (j - 0.5) * 0.38
                bottom = 0.0
                for k, name in enumerate(groups):
                    v = g.get(name, 0.0)
                    ax.bar(x, v, 0.36, bottom=bottom, color=cmap(k),
                           label=name if (i == 0 and j == 0) else None,
                           hatch="//" if path == "legacy" else None, edgecolor="white", lw=0.3)
                    bottom += v
                ax.text(x, bottom + 40, "L" if path == "legacy" else "P", ha="center",
                        fontsize=7)
        ax.set_title(f"{prof}: CPU ns per packet by operation (L legacy, P page_pool)",
                     fontsize=9)
        ax.set_ylabel("ns / packet")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=7, ncol=4, loc="upper left")
    axes[-1].set_xticks(range(len(sizes)))
    axes[-1].set_xticklabels([str(s) for s in sizes])
    axes[-1].set_xlabel("frame size, bytes (FCS included)")
    fig.tight_layout()
    fig.savefig(out_dir / "bench_recycle_cost.png", dpi=100)
    plt.close(fig)
    # throughput
    fig, axes = plt.subplots(1, len(B.PROFILES), figsize=(14, 4.2))
    for ax, prof in zip(axes, B.PROFILES):
        for path, c in (("legacy", "tab:orange"), ("page_pool", "tab:purple")):
            zl = [cells[(prof, path, s)]["zero_loss_pps"] / 1e3 for s in sizes]
            mx = [cells[(prof, path, s)]["cpu_max_pps"] / 1e3 for s in sizes]
            ax.plot(sizes, mx, "o-", color=c, label=f"{path}: CPU-bound max")
            ax.plot(sizes, zl, "s:", color=c, label=f"{path}: zero-loss (RFC 2544)")
        line = [cells[(prof, "legacy", s)]["line_rate_pps"] / 1e3 for s in sizes]
        ax.plot(sizes, line, "k--", lw=0.8, label=f"line rate {LINK_GBPS[prof]:g} GbE")
        ax.set_yscale("log")
        ax.set_title(prof, fontsize=9)
        ax.set_xlabel("frame size, bytes (FCS included)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("kpps")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_recycle_throughput.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------- section 2
def section_sizing(args, cfg, cfg_name, out_dir) -> dict:
    t0 = time.perf_counter()
    holds = [(k, m) for k in cfg["hold_kinds"] for m in cfg["hold_means_ns"]]
    ring_rows = _pmap(_ring_task, [(args.backend, cfg, args.seed, h, r)
                                   for h in holds for r in cfg["rings"]], args.jobs)
    pool_holds = [(k, m) for k in cfg["pool_kinds"] for m in cfg["hold_means_ns"]]
    pool_rows = _pmap(_pool_task, [(args.backend, cfg, args.seed, h, p)
                                   for h in pool_holds for p in cfg["pool_sizes"]], args.jobs)
    base = {tuple(r["hold"]): r for r in ring_rows if r["ring_size"] == cfg["sizing_ring"]}
    minmem = _pmap(_minmem_task, [(args.backend, cfg, args.seed, h,
                                   base[h]["pages_used_max"] + 16) for h in holds], args.jobs)
    rate = _sizing_rate(cfg)
    result = {
        "meta": _meta(args, cfg_name),
        "inputs": {
            "profile": "cortex-a53", "path": "page_pool",
            "frame_size_fcs": cfg["sizing_frame"], "link_gbps": cfg["sizing_gbps"],
            "rate_pps": rate, "hold_kinds": list(cfg["hold_kinds"]),
            "hold_means_ns": list(cfg["hold_means_ns"]), "rings": list(cfg["rings"]),
            "pool_sizes": list(cfg["pool_sizes"]), "pool_sweep_ring": cfg["pool_ring"],
            "pool_sweep_kinds": list(cfg["pool_kinds"]),
            "sizing_ring": cfg["sizing_ring"], "frames": [cfg["frames_lo"], cfg["frames_hi"]],
            "frames_rule": "30 mean hold times of arrivals, within the bounds",
            "page_sizes": list(PAGE_SIZES), "frag_size": B.frag_size(),
            "pareto_alpha": 1.5,
        },
        "figures": {
            "bench_sizing_ring.png": {"what": "drops and peak pages in use against ring size "
                                      "(pool_size = ring size), per hold time; unlimited memory",
                                      "inputs": ["ring_sweep"]},
            "bench_sizing_pool.png": {"what": "page_pool ptr_ring size against share of "
                                      "new pages the pool mapped per frame and CPU ns per packet, "
                                      "exponential and Pareto holds", "inputs": ["pool_sweep"]},
            "bench_sizing_little.png": {"what": "left: smallest host memory (pages) with zero "
                                        "drops against Little's law (rate x mean hold); right: "
                                        "drops against the memory limit (the search's trials)",
                                        "inputs": ["min_memory"]},
            "bench_sizing_memory.png": {"what": "peak memory pinned by RX buffers for PAGE_SIZE "
                                        "4K/16K/64K, one page per buffer or page_pool "
                                        "fragments", "inputs": ["ring_sweep[].memory"]},
        },
        "ring_sweep": ring_rows, "pool_sweep": pool_rows, "min_memory": minmem,
        "checks": {"all_accounted": all(r["accounted"] for r in ring_rows + pool_rows),
                   "mismatches": sum(r["mismatches"] for r in ring_rows + pool_rows)},
    }
    result["wall_s"] = time.perf_counter() - t0
    _plot_sizing(result, cfg, out_dir)
    (out_dir / "bench_sizing.json").write_text(json.dumps(result, indent=1, default=float))
    return result


def _hold_label(h):
    kind, ns = h
    return f"{kind} {_ns(ns)}"


def _ns(ns):
    return f"{ns / 1e6:g} ms" if ns >= 1e6 else f"{ns / 1e3:g} us"


def _plot_sizing(res, cfg, out_dir):
    kinds = cfg["hold_kinds"]
    means = cfg["hold_means_ns"]
    marker = {"fixed": "o", "exp": "s", "pareto": "^"}
    cmap = plt.get_cmap("viridis")
    mcol = {m: cmap(i / max(1, len(means) - 1)) for i, m in enumerate(means)}
    rows = res["ring_sweep"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 4.8))
    for k in kinds:
        for m in means:
            rr = sorted((r for r in rows if r["hold"] == [k, m]), key=lambda r: r["ring_size"])
            x = [r["ring_size"] for r in rr]
            a1.plot(x, [r["dropped"] for r in rr], marker=marker[k], color=mcol[m],
                    label=_hold_label((k, m)), alpha=0.8)
            a2.plot(x, [r["pages_used_max"] for r in rr], marker=marker[k], color=mcol[m],
                    alpha=0.8)
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xlabel("RX ring size (page_pool ptr_ring = ring size)")
        a.grid(alpha=0.3, which="both")
    a1.set_ylabel("frames dropped")
    a1.set_title("drops at 1 GbE line rate, 1518 B, unlimited memory", fontsize=9)
    a2.set_yscale("log")
    a2.set_ylabel("peak pages in use (4 KiB)")
    a2.set_title("buffers the queue took (ring + pool + held by the stack)", fontsize=9)
    a1.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_sizing_ring.png", dpi=100)
    plt.close(fig)
    # pool size
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 4.5))
    for k in cfg["pool_kinds"]:
        for m in means:
            rr = sorted((r for r in res["pool_sweep"] if r["hold"] == [k, m]),
                        key=lambda r: r["pool_size"])
            x = [r["pool_size"] for r in rr]
            ls = "-" if k == "exp" else "--"
            a1.plot(x, [r["new_pages_mapped"] / max(1, r["delivered"]) for r in rr],
                    marker=marker[k], ls=ls, color=mcol[m], label=_hold_label((k, m)))
            a2.plot(x, [r["cpu_ns_per_delivered"] for r in rr], marker=marker[k], ls=ls,
                    color=mcol[m])
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xlabel(f"page_pool ptr_ring size (RX ring {cfg['pool_ring']})")
        a.grid(alpha=0.3, which="both")
    a1.set_ylabel("new pages mapped per frame delivered")
    a1.set_title("pages the pool had to allocate and map (0: every buffer recycled)",
                 fontsize=9)
    a2.set_ylabel("CPU ns per frame delivered")
    a2.set_title("CPU cost per frame", fontsize=9)
    a1.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_sizing_pool.png", dpi=100)
    plt.close(fig)
    # Little
    fig, (ax, a2) = plt.subplots(1, 2, figsize=(14, 5.5))
    for r in res["min_memory"]:
        k, m = r["hold"]
        tr = sorted(r["trials"], key=lambda t: t["mem_pages"])
        a2.plot([t["mem_pages"] for t in tr], [max(t["dropped"], 0.5) for t in tr],
                marker=marker[k], color=mcol[m], lw=0.8, label=_hold_label((k, m)))
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("host memory limit, pages (MEM_PAGES)")
    a2.set_ylabel("frames dropped (0 drawn at 0.5)")
    a2.set_title("drops against the memory limit (binary-search trials)", fontsize=9)
    a2.grid(alpha=0.3, which="both")
    a2.legend(fontsize=6, ncol=2)
    xs = []
    for r in res["min_memory"]:
        k, m = r["hold"]
        x = max(r["little_buffers"], 0.1)
        xs.append(x)
        ax.scatter(x, r["min_pages"], marker=marker[k], color=mcol[m], s=50,
                   label=k if m == means[0] else None, edgecolor="k", lw=0.4)
    lo, hi = min(xs) / 2, max(xs) * 4
    ax.plot([lo, hi], [lo, hi], "k--", lw=0.8, label="Little: rate x mean hold")
    ax.plot([lo, hi], [lo + cfg["sizing_ring"], hi + cfg["sizing_ring"]], "k:", lw=0.8,
            label=f"Little + ring ({cfg['sizing_ring']})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Little's law: buffers held by the stack on average")
    ax.set_ylabel("smallest host memory with zero drops, pages")
    ax.set_title(f"cortex-a53 page_pool, 1 GbE line rate, 1518 B, ring {cfg['sizing_ring']}",
                 fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_sizing_little.png", dpi=100)
    plt.close(fig)
    # memory
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 4.5), sharey=True,
                             squeeze=False)
    axes = axes[0]
    pcol = {4 * KIB: "tab:blue", 16 * KIB: "tab:orange", 64 * KIB: "tab:red"}
    for ax, k in zip(axes, kinds):
        rr = sorted((r for r in rows if r["hold"][0] == k and "memory" in r),
                    key=lambda r: r["hold"][1])
        x = [r["hold"][1] / 1e3 for r in rr]
        for ps in PAGE_SIZES:
            mb = [r["memory"][str(ps)]["bytes_no_frag"] / 2**20 for r in rr]
            mf = [r["memory"][str(ps)]["bytes_frag"] / 2**20 for r in rr]
            ax.plot(x, mb, "o-", color=pcol[ps], label=f"{ps // KIB}K pages, page per buffer")
            ax.plot(x, mf, "s--", color=pcol[ps], label=f"{ps // KIB}K pages, fragments")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"hold {k}", fontsize=9)
        ax.set_xlabel("mean hold, us")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("peak memory pinned by RX buffers, MiB")
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_sizing_memory.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------- XDP beside the RX paths
XDP_PROFILE = "cortex-a53"
# what a kind of cell runs: the RX path and the XDP program (pymodel.xdp.program) attached
XDP_KINDS = {"XDP_DROP": ("page_pool", "drop"), "XDP_TX": ("page_pool", "tx"),
             "XDP_PASS": ("page_pool", "pass"), "legacy": ("legacy", None),
             "page_pool": ("page_pool", None)}
# published rates (costs.json "reference") each kind is set beside, at 64 B
XDP_REFERENCE = {"XDP_DROP": "xdp_drop", "XDP_TX": "xdp_redirect_same_port",
                 "page_pool": "iptables_raw_drop"}
XDP_REFERENCE_LABEL = {"XDP_DROP": "XDP_DROP (xdp1)",
                       "XDP_TX": "XDP_REDIRECT out the same port",
                       "page_pool": "iptables raw drop"}


def _xdp_task(args):
    kind, size, cfg, seed = args
    path, prog = XDP_KINDS[kind]
    t = time.perf_counter()
    sat, offered = B.cpu_bound_max("ref", path, XDP_PROFILE, size,
                                   link_gbps=LINK_GBPS[XDP_PROFILE], warmup=cfg["warmup"],
                                   measure=cfg["measure"], seed=seed, xdp=prog)
    w = sat["window"]
    row = {"kind": kind, "path": path, "xdp": prog, "size_fcs": size,
           "frame_len": size - B.FCS_LEN,
           "line_rate_pps": B.line_rate_pps(size, LINK_GBPS[XDP_PROFILE]),
           "cpu_max_pps": w["pps"], "cpu_max_offered_pps": offered,
           "cpu_ns_per_pkt": w["cpu_ns_per_pkt"], "cpu_ns_by_op": w["cpu_ns_by_op"],
           "calls_per_pkt": w["calls_per_pkt"], "busy": w["busy"],
           "window_frames": w["frames"], "per_pkt": w.get("per_pkt", {}),
           "sent": sat["sent"], "dropped": sat["dropped"],
           "drops_by_cause": sat["drops_by_cause"], "accounted": sat["accounted"],
           "mismatches": sat["mismatches"], "breaches": sat["breaches"],
           "page_pool": sat["page_pool"], "wall_s": time.perf_counter() - t}
    if prog is not None:
        row["xdp_run"] = sat["xdp"]
    return row


def section_xdp(args, cfg, cfg_name, out_dir) -> dict:
    """XDP_DROP, XDP_TX and XDP_PASS beside the legacy and page_pool skb paths: the CPU-bound
    maximum at each RFC 2544 size on the cortex-a53 profile (section 1's method,
    pymodel.bench.cpu_bound_max), on the reference NIC behind nic_dma."""
    from pymodel.costs import XDP_OPS, citation, reference_figures
    t0 = time.perf_counter()
    tasks = [(kind, size, cfg, args.seed) for size in cfg["sizes"] for kind in XDP_KINDS]
    rows = _pmap(_xdp_task, tasks, args.jobs)
    by = {(r["kind"], r["size_fcs"]): r for r in rows}
    pps = {k: {str(s): by[(k, s)]["cpu_max_pps"] for s in cfg["sizes"]} for k in XDP_KINDS}
    ops = sorted({op for r in rows for op in r["cpu_ns_by_op"]})
    refs = reference_figures(XDP_PROFILE)
    compare = {}
    smallest = min(cfg["sizes"])
    for kind, key in XDP_REFERENCE.items():
        model, pub = pps[kind][str(smallest)], refs[key]["pps"]
        compare[kind] = {"reference": key, "published_pps": pub, "model_pps": model,
                         "size_fcs": smallest, "model_over_published": model / pub,
                         "published_ns_per_pkt": 1e9 / pub,
                         "model_ns_per_pkt": by[(kind, smallest)]["cpu_ns_per_pkt"],
                         "ns_not_in_model": 1e9 / pub - by[(kind, smallest)]["cpu_ns_per_pkt"],
                         "published_note": refs[key]["note"]}
    tx = [r for r in rows if r["kind"] == "XDP_TX"]
    result = {
        "meta": _meta(args, cfg_name),
        "inputs": {"profile": XDP_PROFILE, "backend": "ref (the reference nic_dma: RefNic and "
                   "RefTx behind one register port; the TX MAC takes frames at once)",
                   "sizes": list(cfg["sizes"]), "warmup": cfg["warmup"],
                   "measure": cfg["measure"], "link_gbps": LINK_GBPS[XDP_PROFILE],
                   "kinds": {k: {"path": p, "xdp_prog": x} for k, (p, x) in XDP_KINDS.items()},
                   "programs": {"drop": "returns XDP_DROP", "tx": "swaps the Ethernet "
                                "addresses, returns XDP_TX", "pass": "returns XDP_PASS"},
                   "ring_size": 256, "tx_ring_size": 256, "seed": args.seed,
                   "stack_rx_ns": COST_PROFILES[XDP_PROFILE].ns["stack_rx"],
                   "cpu_bound_offered": "max(10 GbE line rate, 2 Mpps), x4 until the CPU is "
                                        "the bound (frames lost, busy > 0.9)",
                   "window": "counts the frames the XDP program saw (the skb paths: the skbs "
                             "handed to netif_receive_skb)"},
        "figures": {"bench_xdp.png": {"what": "CPU-bound maximum pps against frame size on "
                                      "cortex-a53: XDP_DROP, XDP_TX, XDP_PASS, the legacy and "
                                      "page_pool skb paths, the 1 GbE line rate, and the "
                                      "published EspressoBIN rates at 64 B",
                                      "inputs": ["pps", "reference"]}},
        "pps": pps,
        "cpu_ns_per_pkt": {k: {str(s): by[(k, s)]["cpu_ns_per_pkt"] for s in cfg["sizes"]}
                           for k in XDP_KINDS},
        "reference": compare,
        "citations": {op: citation(XDP_PROFILE, op) for op in ops},
        "xdp_ops": list(XDP_OPS),
        "xdp_tx_recycling": {str(r["size_fcs"]): {
            "xdp_tx": r["xdp_run"]["driver"]["rx_xdp_tx"],
            "tx_xdp_returned_napi": r["xdp_run"]["tx"]["tx_xdp_returned_napi"],
            "tx_xdp_returned_bulk": r["xdp_run"]["tx"]["tx_xdp_returned_bulk"],
            "recycle_stats.cached": r["page_pool"]["recycle_stats.cached"],
            "recycle_stats.ring": r["page_pool"]["recycle_stats.ring"],
            "alloc_stats.fast": r["page_pool"]["alloc_stats.fast"],
            "alloc_stats.slow": r["page_pool"]["alloc_stats.slow"],
            "dma_maps": r["page_pool"]["dma_maps"],
            "window_per_pkt": {k: r["per_pkt"][k] for k in ("rx_xdp_tx",
                                                             "tx_xdp_returned_napi",
                                                             "recycle_stats.cached")}}
            for r in tx},
        "rows": rows,
        "checks": {"all_accounted": all(r["accounted"] for r in rows),
                   "mismatches": sum(r["mismatches"] for r in rows),
                   "breaches": sum(r["breaches"] for r in rows),
                   "all_cpu_bound": all(r["busy"] > 0.9 for r in rows),
                   "xdp_tx_pages_back_through_tx_completion": all(
                       r["xdp_run"]["tx"]["tx_xdp_returned_napi"]
                       == r["xdp_run"]["driver"]["rx_xdp_tx"] > 0 for r in tx)},
    }
    result["wall_s"] = time.perf_counter() - t0
    _plot_xdp(result, cfg, out_dir)
    (out_dir / "bench_xdp.json").write_text(json.dumps(result, indent=1, default=float))
    return result


def _plot_xdp(res, cfg, out_dir):
    sizes = list(cfg["sizes"])
    style = {"XDP_DROP": ("o-", "tab:red"), "XDP_TX": ("s-", "tab:blue"),
             "XDP_PASS": ("^-", "tab:green"), "legacy": ("x--", "tab:orange"),
             "page_pool": ("d--", "tab:purple")}
    fig, ax = plt.subplots(figsize=(8.5, 5))
    for kind, (fmt, color) in style.items():
        label = kind if kind.startswith("XDP") else f"{kind} (skb path, with the stack)"
        ax.plot(sizes, [res["pps"][kind][str(s)] / 1e3 for s in sizes], fmt, color=color,
                label=label)
    line = [B.line_rate_pps(s, LINK_GBPS[XDP_PROFILE]) / 1e3 for s in sizes]
    ax.plot(sizes, line, "k:", lw=0.9, label=f"line rate {LINK_GBPS[XDP_PROFILE]:g} GbE")
    for kind, c in res["reference"].items():
        color = style[kind][1]
        ax.scatter([c["size_fcs"]], [c["published_pps"] / 1e3], marker="*", s=110,
                   color=color, edgecolor="k", lw=0.5, zorder=5,
                   label=f"published, EspressoBIN (mvneta): {XDP_REFERENCE_LABEL[kind]}")
    ax.set_yscale("log")
    ax.set_ylim(60, 4000)
    ax.set_xlabel("frame size, bytes (RFC 2544, FCS included)")
    ax.set_ylabel("CPU-bound maximum, kpps")
    ax.set_title(f"XDP beside the skb paths: {XDP_PROFILE} (reference NIC, cost model)",
                 fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_xdp.png", dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- section 1 on the RTL
XCHECK = {
    "full": {"sizes": (128, 512, 1518), "profiles": ("cortex-a53", "cortex-a53-smmu-strict"),
             "warmup": 500, "measure": 2000},
    "quick": {"sizes": (128, 1518), "profiles": ("cortex-a53",), "warmup": 300,
              "measure": 1000},
}
XCHECK_TOL = 0.05              # the bound on |RTL - reference| / reference
XCHECK_LOAD = 2.0              # the cross-check offers this x the reference's CPU-bound maximum


def _rtl_backend():
    """Register the RTL back end (tb/cosim/bench_backend.py) as "rtl" in pymodel.bench."""
    from tb.cosim import bench_backend
    bench_backend.register()
    return bench_backend


def _window_row(r) -> dict:
    w = r["window"]
    return {"pps": w["pps"], "cpu_ns_per_pkt": w["cpu_ns_per_pkt"], "busy": w["busy"],
            "cpu_ns_by_op": w["cpu_ns_by_op"], "window_ns": w["ns"], "frames": w["frames"],
            "offered_in_window": w["offered_in_window"], "sent": r["sent"],
            "delivered": r["delivered"], "dropped": r["dropped"],
            "drops_by_cause": r["drops_by_cause"], "accounted": r["accounted"],
            "mismatches": r["mismatches"], "breaches": r["breaches"],
            "per_pkt": w.get("per_pkt"), "wall_s": r["wall_s"]}


def _part1_cpu_max(out_dir) -> dict:
    """CPU-bound maxima of bench_recycle.json, if one is there: (profile, path, size) -> pps."""
    p = out_dir / "bench_recycle.json"
    try:
        cells = json.loads(p.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    return {(c["profile"], c["path"], c["size_fcs"]): c["cpu_max_pps"] for c in cells}


def _xcheck_task(t) -> dict:
    """One cell of the cross-check: the reference at section 1's saturating load, then both
    back ends at a load the RTL simulates faster (the CPU-bound maximum does not depend on it)."""
    prof, size, path, seed, sim, cfg_name, part1_pps = t
    xc = XCHECK[cfg_name]
    base = dict(path=path, profile=prof, frame_len=size - B.FCS_LEN, saturate=True,
                warmup=xc["warmup"], measure=xc["measure"], ring_size=256, seed=seed)
    rule = B.saturation_load(size, LINK_GBPS[prof])
    ref_rule = B.run_cell("ref", offered_pps=rule, **base)
    load = XCHECK_LOAD * ref_rule["window"]["pps"]
    ref = B.run_cell("ref", offered_pps=load, **base)
    r = B.run_cell("rtl", offered_pps=load, sim=sim, **base)
    a, b = ref["window"]["pps"], r["window"]["pps"] if r["window"] else 0.0
    row = {
        "profile": prof, "path": path, "size_fcs": size, "frame_len": size - 4,
        "offered_pps": load, "section1_load_pps": rule,
        "ref_at_section1_load_pps": ref_rule["window"]["pps"],
        "section1_cpu_max_pps": part1_pps,
        "ref": _window_row(ref), "rtl": _window_row(r) if r["window"] else None,
        "diff": (b - a) / a,
        "rtl_register_bus_ns_per_pkt": (r["window"] or {}).get("per_pkt", {}).get("mmio_bus_ns"),
        "rtl_cosim": r["cosim"], "rtl_wall_s": r["wall_s"],
    }
    row["ok"] = (abs(row["diff"]) <= XCHECK_TOL and not r["cosim"]["verdict"]
                 and r["accounted"] and not r["mismatches"])
    return row


def section_crosscheck(args, cfg_name, out_dir) -> dict:
    """The CPU-bound maximum of section 1, cell by cell on the reference NIC and on the RTL
    (Verilator co-simulation), with the same cell: size, path, profile, ring, seed, offered
    load, warm-up and window."""
    xc = XCHECK[cfg_name]
    rtl = _rtl_backend()
    t0 = time.perf_counter()
    part1 = _part1_cpu_max(out_dir)
    tasks = [(prof, size, path, args.seed, args.rtl_sim, cfg_name, part1.get((prof, path, size)))
             for prof in xc["profiles"] for size in xc["sizes"] for path in B.PATHS]
    # the largest frames take the longest co-simulations
    rows = _pmap(_xcheck_task, tasks, args.jobs, cost=lambda t: t[1])
    for row in rows:
        a, b = row["ref"]["pps"], (row["rtl"] or {}).get("pps", 0.0)
        print(f"  {row['profile']:24s} {row['path']:9s} {row['size_fcs']:5d} B  ref "
              f"{a / 1e3:8.2f} kpps  RTL {b / 1e3:8.2f} kpps  diff {100 * row['diff']:+7.3f} %  "
              f"(RTL {row['rtl_cosim']['cycles']} clocks, {row['rtl_wall_s']:.0f} s)"
              + ("" if row["ok"] else "  <-- FAIL"), flush=True)
    ratios = {}
    for prof in xc["profiles"]:
        for size in xc["sizes"]:
            got = {(x["path"]): x for x in rows if x["profile"] == prof and x["size_fcs"] == size}
            lg, pp = got["legacy"], got["page_pool"]
            ratios.setdefault(prof, {})[str(size)] = {
                "ref": pp["ref"]["pps"] / lg["ref"]["pps"],
                "rtl": pp["rtl"]["pps"] / lg["rtl"]["pps"] if pp["rtl"] and lg["rtl"] else None}
    worst = max(rows, key=lambda x: abs(x["diff"]))
    result = {
        "meta": _meta(args, cfg_name, "ref and rtl"),
        "inputs": {"sizes": list(xc["sizes"]), "profiles": list(xc["profiles"]),
                   "paths": list(B.PATHS), "warmup": xc["warmup"], "measure": xc["measure"],
                   "ring_size": 256, "seed": args.seed, "tolerance": XCHECK_TOL,
                   "offered": f"{XCHECK_LOAD:g} x the reference's CPU-bound maximum at "
                              "section 1's load (the same on both back ends)",
                   "rtl": {"sim": args.rtl_sim, "data_w": rtl.DATA_W, "clk_ns": rtl.CLK_NS,
                           "monitor": True}},
        "figures": {"bench_crosscheck.png": {
            "what": "CPU-bound maximum on the reference NIC and on the RTL, and their "
                    "difference in %, per profile, path and size",
            "inputs": ["rows[].ref.pps", "rows[].rtl.pps", "rows[].diff"]}},
        "rows": rows,
        "ratio_page_pool_over_legacy": ratios,
        "max_abs_diff": abs(worst["diff"]),
        "checks": {"all_within_tolerance": all(abs(x["diff"]) <= XCHECK_TOL for x in rows),
                   "rtl_verdicts_clean": all(not x["rtl_cosim"]["verdict"] for x in rows),
                   "all_accounted": all(x["ref"]["accounted"] and x["rtl"] and
                                        x["rtl"]["accounted"] for x in rows),
                   "mismatches": sum(x["ref"]["mismatches"] + (x["rtl"] or {}).get(
                       "mismatches", 0) for x in rows),
                   "failed": [f"{x['profile']} {x['path']} {x['size_fcs']} B" for x in rows
                              if not x["ok"]]},
    }
    result["wall_s"] = time.perf_counter() - t0
    result["rtl_wall_s"] = sum(x["rtl"]["wall_s"] for x in rows if x["rtl"])
    _plot_crosscheck(result, out_dir)
    (out_dir / "bench_crosscheck.json").write_text(json.dumps(result, indent=1, default=float))
    return result


def _plot_crosscheck(res, out_dir):
    profs = res["inputs"]["profiles"]
    sizes = res["inputs"]["sizes"]
    fig, axes = plt.subplots(2, len(profs), figsize=(5.5 * len(profs), 6.5), squeeze=False,
                             sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    style = {"legacy": ("tab:orange", "s"), "page_pool": ("tab:blue", "o")}
    for k, prof in enumerate(profs):
        top, bot = axes[0][k], axes[1][k]
        for path in B.PATHS:
            rr = sorted((x for x in res["rows"] if x["profile"] == prof and x["path"] == path),
                        key=lambda x: x["size_fcs"])
            col, mk = style[path]
            x = [r["size_fcs"] for r in rr]
            top.plot(x, [r["ref"]["pps"] / 1e3 for r in rr], mk + "-", color=col,
                     label=f"{path}, reference NIC", mfc="none", ms=9)
            top.plot(x, [r["rtl"]["pps"] / 1e3 if r["rtl"] else float("nan") for r in rr],
                     mk, color=col, label=f"{path}, RTL (Verilator)", ms=4)
            bot.plot(x, [100 * r["diff"] for r in rr], mk + "-", color=col, label=path)
        top.set_title(prof, fontsize=10)
        top.set_ylabel("CPU-bound maximum, kpps")
        top.grid(alpha=0.3)
        top.legend(fontsize=7)
        bot.axhspan(-100 * XCHECK_TOL, 100 * XCHECK_TOL, color="green", alpha=0.08,
                    label="±5 % bound")
        bot.axhline(0, color="grey", lw=0.8)
        lim = max(0.1, 1.3 * max(abs(100 * r["diff"]) for r in res["rows"]))
        bot.set_ylim(-lim, lim)
        bot.set_ylabel("(RTL - reference) / reference, %")
        bot.set_xlabel("frame size with FCS, B")
        bot.set_xticks(sizes)
        bot.grid(alpha=0.3)
        bot.legend(fontsize=7)
    fig.suptitle("Section 1's CPU-bound maximum: reference NIC against the RTL co-simulation",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_crosscheck.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------- section 3: line rate
# Links: (DATA_W, clock ns, Gb/s). Each DATA_W builds with the parameters sized for
# 200/100-clock memory (tb.common.params.LATENCY; the defaults cover DATA_W 64).
LINERATE = {
    # frames per size: at least LINERATE_BYTES of frames (16 times the 32 KiB FIFO, so a
    # shortfall of more than 1/16 of line rate overflows it), and at least 1000 frames
    "full": {"links": ((64, 6.4, 10.0), (64, 2.56, 25.0), (512, 4.0, 100.0)),
             "sizes": B.RFC2544_SIZES, "offsets": (0, 2), "min_frames": 1000,
             "saturation": ((64, 6.4), (128, 4.0), (256, 4.0), (512, 4.0)),
             "saturation_sizes": (64, 1518)},
    "quick": {"links": ((64, 6.4, 10.0), (512, 4.0, 100.0)),
              "sizes": (64, 1518), "offsets": (0, 2), "min_frames": 400,
              "saturation": ((64, 6.4),), "saturation_sizes": (1518,)},
}
LINERATE_BYTES = 512 * 1024
LAT_RD_CLOCKS, LAT_B_CLOCKS = 200, 100     # the read and write-response latency
PAUSE_BURST = 4                            # tb.common.harness: a pause lasts 1 to 4 clocks
LINERATE_PAUSED = 0.10                     # the 10 % random backpressure: the share
                                           # of clocks each channel is paused
SATURATION_LOAD = 2.0                      # saturation: the MAC offered 2x the bus's rate
EFFICIENCY_TARGET = 0.97                   # W beats / W-ready clocks at saturation


def pause_probability(paused: float, burst: int = PAUSE_BURST) -> float:
    """BACKPRESSURE p whose pauses (each clock not paused starts one of 1 to `burst` clocks
    with probability p) hold a channel for `paused` of all clocks."""
    mean = (burst + 1) / 2
    return round(paused / (mean - paused * (mean - 1)), 4)


def w_ready_share(p: float, burst: int = PAUSE_BURST) -> float:
    """The share of clocks the memory's W channel is ready under BACKPRESSURE p."""
    return (1 - p) / ((1 - p) + p * (burst + 1) / 2)


def linerate_frames(size: int, min_frames: int) -> int:
    return max(min_frames, -(-LINERATE_BYTES // size))


def linerate_ring(frames: int) -> int:
    """A ring with more descriptors than frames: all posted at open, the driver never limits."""
    n = 1024
    while n <= frames:
        n *= 2
    return n


def w_beats_per_frame(frame: int, nbytes: int, offset: int, wb: int) -> tuple:
    """(data beats, W beats) one frame needs: its bytes from `offset` in the bus word, and its
    share of a writeback burst that merges `wb` descriptors."""
    data = -(-(offset % nbytes + frame) // nbytes)
    return data, data + -(-wb * regs.DESC_SIZE // nbytes) / wb


def _linerate_task(t) -> dict:
    """One co-simulation of section linerate: a line-rate row or a saturation row."""
    from tb.cosim.run import options as cosim_options
    from tb.cosim.run import run as cosim_run
    kind, sim, seed, dw, clk, gbps = t["kind"], t["sim"], t["seed"], t["dw"], t["clk"], t["gbps"]
    size, off, bp, frames = t["size"], t["off"], t["bp"], t["frames"]
    par = rtl_params.LATENCY[dw]
    frame = size - B.FCS_LEN
    ring = linerate_ring(frames)
    lat = f"{LAT_RD_CLOCKS * clk:g},{LAT_B_CLOCKS * clk:g}"
    opts = cosim_options({
        "SIM": sim, "DRIVER": "page_pool", "PROFILE": "x86-iommu-lazy",
        "COHERENT": "1", "IOMMU": "lazy", "DATA_W": str(dw), "CLK_NS": f"{clk:g}",
        "RATE": f"{gbps:g}", "SIZES": f"fixed:{frame}", "FRAMES": str(frames),
        "RING": str(ring), "MEM_LATENCY": lat, "RX_OFFSET": str(off),
        "PARAMS": ",".join(f"{k}={v}" for k, v in par.items()),
        "BACKPRESSURE": f"{bp:g}", "SEED": str(seed)})
    name = f"linerate_{kind}_dw{dw}_{gbps:g}g_{size}_off{off}"
    res = cosim_run(opts, ROOT / "sim_build" / "bench" / f"{name}.json")
    nbytes = dw // 8
    built = rtl_params.effective(par)
    clocks_per_frame = (size + B.WIRE_EXTRA) * 8 / gbps / clk
    data_beats, w_beats = w_beats_per_frame(frame, nbytes, off, built["WB_BURST"])
    bus = res.get("bus") or {}
    mon = bus.get("monitor_writes") or {}
    span = (mon["w_last_clock"] - mon["w_first_clock"] + 1) if mon.get("w_first_clock") else 0
    w_ready = mon.get("w_ready_clocks", 0) / span if span else 1.0
    dev = res.get("device") or {}
    row = {
        "kind": kind, "data_w": dw, "clk_ns": clk, "mhz": 1e3 / clk, "link_gbps": gbps,
        "parameters": par, "size_fcs": size, "frame_len": frame, "offset": off,
        "mem_latency_ns": lat, "backpressure": bp, "ring": ring,
        "frames_sent": res["frames_sent"], "frames_delivered": res["frames_delivered"],
        "drops": res["drops"], "drops_total": res["drops_total"],
        "nodesc_wait": dev.get("nodesc_wait"), "desc_fetched": dev.get("desc_fetched"),
        "offered_mpps": res["offered_mpps"], "mpps": res["mpps"],
        "line_rate_mpps": B.line_rate_pps(size, gbps) / 1e6,
        "clocks_per_frame_at_line_rate": clocks_per_frame,
        "data_beats_per_frame": data_beats, "w_beats_per_frame": w_beats,
        "w_share_of_clocks_at_line_rate": w_beats / clocks_per_frame,
        "w_ready_share": w_ready, "w_ready_share_expected": w_ready_share(bp),
        "w_bound": w_beats / clocks_per_frame > w_ready,
        "w_beats": mon.get("w_beats"), "w_span_clocks": span,
        # W beats over the clocks W could take one (WREADY high), from the first W beat to
        # the last
        "w_efficiency": mon["w_beats"] / mon["w_ready_clocks"] if span else None,
        "bus": bus, "cycles": res["cycles"], "wall_s": res["wall_s"],
        **_outstanding(res, clocks_per_frame, data_beats),
        "verdict": res["verdict"], "accounted": res["accounted"],
        "mismatches": res["mismatches"], "command": opts_command(opts),
    }
    return row


def _linerate_line(row) -> str:
    if row["kind"] == "saturation":
        return (f"  saturation  DATA_W {row['data_w']:3d} {row['mhz']:7.2f} MHz {row['size_fcs']:5d} B"
                f"  W {100 * row['w_efficiency']:.1f} % of the W-ready clocks  drops "
                f"{row['drops_total']}  NODESC_WAIT {row['nodesc_wait']}  ({row['cycles']} "
                f"clocks, {row['wall_s']:.0f} s)" + ("" if not row["verdict"]
                                                     else f"  FAIL: {row['verdict']}"))
    out_note = (f"; writes in flight up to {row['write_in_flight_max']} of "
                f"MAX_OUTSTANDING {row['max_outstanding']}, line rate needs "
                f"{row['outstanding_needed']:.0f}") if row["outstanding_bound"] else ""
    return (f"  DATA_W {row['data_w']:3d} {row['mhz']:7.2f} MHz {row['link_gbps']:5g} GbE "
            f"{row['size_fcs']:5d} B offset {row['offset']}  sent {row['frames_sent']}  drops "
            f"{row['drops_total']}  NODESC_WAIT {row['nodesc_wait']}  {row['mpps']:.3f} of "
            f"{row['offered_mpps']:.3f} Mpps  line rate needs W on "
            f"{100 * row['w_share_of_clocks_at_line_rate']:.1f} % of clocks"
            + (f" > W ready {100 * row['w_ready_share']:.1f} %: bounded by W itself"
               if row["w_bound"] else "")
            + out_note + f"  ({row['cycles']} clocks, {row['wall_s']:.0f} s)"
            + ("" if not row["verdict"] else f"  FAIL: {row['verdict']}"))


def section_linerate(args, cfg_name, out_dir) -> dict:
    """The block at line rate behind memory latency (200-clock reads, 100-clock write
    responses) and 10 % random backpressure on every AXI channel, at every RFC 2544 size and
    buffer offsets 0 and 2, on 10, 25 and 100 GbE; then W's efficiency at saturation (the MAC
    offering twice the bus's rate) at every DATA_W. One co-simulation per row, `jobs` at once,
    the ring pre-posted with more descriptors than frames (the driver never limits)."""
    lc = LINERATE[cfg_name]
    t0 = time.perf_counter()
    bp = pause_probability(LINERATE_PAUSED)
    base = {"sim": args.rtl_sim, "seed": args.seed, "bp": bp}
    tasks = [{**base, "kind": "line", "dw": dw, "clk": clk, "gbps": gbps, "size": size,
              "off": off} for dw, clk, gbps in lc["links"] for size in lc["sizes"]
             for off in lc["offsets"]]
    tasks += [{**base, "kind": "saturation", "dw": dw, "clk": clk,
               "gbps": SATURATION_LOAD * dw / clk, "size": size, "off": 0}
              for dw, clk in lc["saturation"] for size in lc["saturation_sizes"]]
    for t in tasks:
        t["frames"] = linerate_frames(t["size"], lc["min_frames"])
    # bus beats to simulate: frames x beats a frame
    rows = _pmap(_linerate_task, tasks, args.jobs,
                 cost=lambda t: t["frames"] * t["size"] / t["dw"])
    for r in rows:
        print(_linerate_line(r), flush=True)
    line = [r for r in rows if r["kind"] == "line"]
    sat = [r for r in rows if r["kind"] == "saturation"]
    result = {
        "meta": _meta(args, cfg_name, "rtl"),
        "inputs": {"links": [{"data_w": d, "clk_ns": c, "link_gbps": g,
                              "parameters": rtl_params.LATENCY[d]} for d, c, g in lc["links"]],
                   "sizes": list(lc["sizes"]), "offsets": list(lc["offsets"]),
                   "frames": {str(s): linerate_frames(s, lc["min_frames"]) for s in lc["sizes"]},
                   "frames_rule": f"at least {LINERATE_BYTES} bytes of frames and "
                                  f"{lc['min_frames']} frames",
                   "mem_latency_clocks": [LAT_RD_CLOCKS, LAT_B_CLOCKS],
                   "backpressure": bp, "paused_share": LINERATE_PAUSED,
                   "backpressure_rule": f"BACKPRESSURE={bp:g}: every channel paused on "
                                        f"{100 * LINERATE_PAUSED:g} % of clocks on average, in "
                                        f"pauses of 1 to {PAUSE_BURST} clocks; each row's "
                                        "w_ready_share is the share the monitor measured",
                   "saturation": [{"data_w": d, "clk_ns": c, "parameters": rtl_params.LATENCY[d]}
                                  for d, c in lc["saturation"]],
                   "saturation_sizes": list(lc["saturation_sizes"]),
                   "saturation_load": f"{SATURATION_LOAD:g}x the bus's rate (DATA_W / clock)",
                   "efficiency": "W beats / clocks with WREADY high, from the first W beat to "
                                 "the last (the AXI monitor)",
                   "efficiency_target": EFFICIENCY_TARGET,
                   "driver": "page_pool, x86-iommu-lazy (coherent, lazy IOMMU), the ring "
                             "pre-posted with more descriptors than frames sent",
                   "rtl": {"sim": args.rtl_sim, "monitor": True}},
        "rows": rows,
        "checks": {"verdicts_clean": all(not r["verdict"] for r in rows),
                   "all_accounted": all(r["accounted"] for r in rows),
                   "mismatches": sum(r["mismatches"] for r in rows),
                   "zero_drops": all(r["drops_total"] == 0 for r in line),
                   "zero_drops_where_w_is_not_the_bound": all(
                       r["drops_total"] == 0 for r in line if not r["w_bound"]),
                   "w_bound_rows": sum(r["w_bound"] for r in line),
                   "no_descriptor_wait": all(not r["nodesc_wait"] for r in rows),
                   "efficiency_met": all((r["w_efficiency"] or 0) >= EFFICIENCY_TARGET
                                         for r in sat),
                   "zero_drops_where_neither_bound": all(
                       r["drops_total"] == 0 for r in line
                       if not (r["w_bound"] or r["outstanding_bound"]))},
    }
    result["wall_s"] = time.perf_counter() - t0
    (out_dir / "bench_linerate.json").write_text(json.dumps(result, indent=1, default=float))
    _plot_linerate(result, out_dir)
    return result


def _plot_linerate(res, out_dir):
    """Delivered share of line rate against size, per link and offset (hollow: the row is
    bounded by W itself), and W's efficiency at saturation per DATA_W and size."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 1.3]})
    line = [r for r in res["rows"] if r["kind"] == "line"]
    styles = ("-", "--", ":")
    for li, link in enumerate(res["inputs"]["links"]):
        for oi, off in enumerate(res["inputs"]["offsets"]):
            rr = sorted((r for r in line if r["link_gbps"] == link["link_gbps"]
                         and r["data_w"] == link["data_w"] and r["offset"] == off),
                        key=lambda r: r["size_fcs"])
            if not rr:
                continue
            xs = [r["size_fcs"] for r in rr]
            ys = [100 * r["mpps"] / r["line_rate_mpps"] for r in rr]
            c = f"C{2 * li + oi}"
            mk = "os"[oi % 2]
            ax.plot(xs, ys, color=c, ls=styles[li % 3], marker=mk, ms=7 - 2 * oi, lw=2.5 - oi,
                    label=f"{link['link_gbps']:g} GbE, DATA_W {link['data_w']}, offset {off}")
            for r, x, y in zip(rr, xs, ys):
                if r["w_bound"]:
                    ax.plot([x], [y], mk, color="white", markeredgecolor=c, ms=7 - 2 * oi)
    ax.axhline(100, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_xticks(res["inputs"]["sizes"])
    ax.set_xticklabels([str(s) for s in res["inputs"]["sizes"]], fontsize=7)
    ax.set_xlabel("frame size with FCS, B")
    ax.set_ylabel("delivered, % of line rate")
    ax.set_title("RX at line rate: 200/100-clock memory, 10 % backpressure (hollow: bounded by "
                 "W itself; offsets 0 and 2 coincide, as do 10 and 25 GbE)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    sat = [r for r in res["rows"] if r["kind"] == "saturation"]
    labels = [f"{r['data_w']}\n{r['size_fcs']} B" for r in sat]
    ax2.bar(range(len(sat)), [100 * (r["w_efficiency"] or 0) for r in sat], color="C2")
    ax2.axhline(100 * EFFICIENCY_TARGET, color="r", ls="--", lw=1, label="target 97 %")
    ax2.set_xticks(range(len(sat)))
    ax2.set_xticklabels(labels, fontsize=7)
    ax2.set_xlabel("DATA_W and frame size")
    ax2.set_ylim(80, 101)
    ax2.set_ylabel("W beats, % of W-ready clocks")
    ax2.set_title("saturation", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_linerate.png", dpi=100)
    plt.close(fig)


def _outstanding(res, clocks_per_frame: float, data_beats: int) -> dict:
    """Write bursts against the block's MAX_OUTSTANDING: the bursts a frame took (data and
    merged writebacks, from the protocol monitor), and by Little's law the bursts in flight
    line rate needs when each one is out from its AW to its B: its W beats, then the write
    response latency (bursts a clock x latency + W beats a clock)."""
    limit = rtl_params.effective(res.get("build_parameters"))["MAX_OUTSTANDING"]
    mon = (res.get("bus") or {}).get("monitor_writes") or {}
    frames = (res.get("device") or {}).get("frames") or 0
    per_frame = mon.get("bursts", 0) / frames if frames else None
    need = (per_frame * LAT_B_CLOCKS + data_beats) / clocks_per_frame if per_frame else 0.0
    return {"max_outstanding": limit, "write_in_flight_max": mon.get("in_flight_max"),
            "write_bursts_per_frame": per_frame, "outstanding_needed": need,
            "outstanding_bound": need > limit}


def opts_command(opts) -> str:
    """The make sim line of a co-simulation's options (as text by option name)."""
    from tb.cosim.options import Options
    return Options.from_text(opts, check_rtl=False).command()


# ---------------------------------------------------------------------------- txrate: TX at line rate
TXRATE = {
    # Frames per (link, size): FIFO_MULT times the frames the TX FIFO can hold (txrate_frames).
    # A block that sustains only (1 - s) of line rate drains whatever stock the FIFO holds by
    # s frames per frame sent, and the FIFO holds at most F frames, so over N frames any
    # shortfall above F / N runs the MAC dry and shows as underruns: N = 20 F exposes every
    # shortfall above 5 % however full the FIFO got, and the run's highest FIFO level P (at
    # most F) exposes every one above P / N (`shortfall_exposed_above` in each row).
    "full": {"links": (10.0, 100.0), "sizes": B.RFC2544_SIZES, "fifo_mult": 20,
             "min_frames": 200},
    "quick": {"links": (10.0,), "sizes": (64, 1518), "fifo_mult": 10, "min_frames": 200},
}
TXRATE_MIN = 0.999          # achieved / line rate, first to last frame, every row must reach


def tx_defaults() -> dict:
    """nic_tx_dma's build parameters at their defaults (its header)."""
    from pymodel import params
    return params.defaults(ROOT / "hdl" / "nic_tx_dma.v")


def txrate_fifo_frames(size: int, data_w: int, fifo_bytes: int) -> int:
    """Frames of size_fcs `size` the TX FIFO holds: each takes whole FIFO words (one a bus
    beat) of its size - 4 bytes."""
    nbytes = data_w // 8
    return fifo_bytes // (-(-(size - B.FCS_LEN) // nbytes) * nbytes)


def txrate_frames(size: int, data_w: int, lc: dict, fifo_bytes: int) -> int:
    return max(lc["min_frames"], lc["fifo_mult"] * txrate_fifo_frames(size, data_w, fifo_bytes))


def _txrate_needed(size: int, data_w: int, clk_ns: float, gbps: float, p: dict) -> float:
    """Read bursts in flight line rate needs (Little's law): each is out from its AR to its last
    R beat, the read latency plus its beats; a frame takes its data bursts (MAX_BURST beats
    each, buffer at offset 0) and 1/DESC_BURST of a descriptor burst."""
    nbytes = data_w // 8
    beats = -(-(size - B.FCS_LEN) // nbytes)
    bursts = -(-beats // p["MAX_BURST"])
    per_clock = gbps * clk_ns / ((size + B.WIRE_EXTRA) * 8)       # frames a clock
    return per_clock * (bursts * LAT_RD_CLOCKS + beats + LAT_RD_CLOCKS / p["DESC_BURST"])


def section_txrate(args, cfg_name, out_dir) -> dict:
    """nic_tx_dma alone at the line rate of 10 GbE (DATA_W 64, 156.25 MHz) and 100 GbE (DATA_W
    512, 250 MHz), every RFC 2544 size, behind 200-clock reads and 100-clock write responses:
    a MAC that takes beats at the link's rate, a driver that never limits (all frames posted
    before the enable), underrun clocks and the rate achieved (tb/rtl/tx_linerate_bench.py
    describes the bench; tb/rtl/tx_linerate.py runs one case)."""
    from tb.rtl.tx_linerate import LINKS, run_case
    lc = TXRATE[cfg_name]
    p = tx_defaults()
    t0 = time.perf_counter()
    rows = []
    for gbps in lc["links"]:
        dw, clk = LINKS[gbps]
        for size in lc["sizes"]:
            frames = txrate_frames(size, dw, lc, p["FIFO_BYTES"])
            r = run_case(gbps, dw, clk, size, frames, lat_rd=LAT_RD_CLOCKS, lat_b=LAT_B_CLOCKS,
                         sim=args.rtl_sim, seed=args.seed)
            fifo_frames = txrate_fifo_frames(size, dw, p["FIFO_BYTES"])
            nbytes = dw // 8
            peak = r.get("fifo_bytes_max", 0) // (-(-(size - B.FCS_LEN) // nbytes) * nbytes)
            row = {k: r.get(k) for k in (
                "link_gbps", "data_w", "clk_ns", "size_fcs", "frame_len", "frames",
                "frames_sent", "clocks_first_to_last", "run_clocks", "underrun_clocks",
                "underrun_runs", "first_underrun_frame", "achieved_mpps", "achieved_gbps",
                "line_rate_mpps", "of_line_rate", "line_rate_clocks_per_frame",
                "first_frame_clocks",
                "mac_stall_clocks", "early_beats", "reads_in_flight_max", "read_bursts",
                "read_bursts_by_kind", "writes_in_flight_max", "write_bursts",
                "fifo_bytes_max", "desc_queue_max", "stat_frames", "stat_desc_fetched",
                "wall_s", "build_s",
                "clocks_per_s", "error")}
            row.update({
                "mhz": 1e3 / clk, "ring": r.get("ring"),
                "reads_in_flight_needed": _txrate_needed(size, dw, clk, gbps, p),
                "fifo_frames": fifo_frames, "fifo_frames_max": peak,
                "shortfall_exposed_above": max(peak, 1) / frames,
            })
            rows.append(row)
            u = row["underrun_clocks"]
            print(f"  {gbps:5g} GbE  DATA_W {dw:3d} {1e3 / clk:7.2f} MHz {size:5d} B  "
                  f"{row['frames_sent']}/{frames} frames  underrun clocks {u}  "
                  f"{row['achieved_mpps'] or 0:.3f} of {row['line_rate_mpps']:.3f} Mpps "
                  f"({100 * (row['of_line_rate'] or 0):.2f} %)  reads in flight "
                  f"{row['reads_in_flight_max']} (line rate needs "
                  f"{row['reads_in_flight_needed']:.0f})  FIFO peak {row['fifo_frames_max']} "
                  f"of {fifo_frames} frames  ({row['run_clocks']} clocks, {row['wall_s']:.0f} s)"
                  + (f"  FAIL: {row['error']}" if row["error"] else ""), flush=True)
    result = {
        "meta": _meta(args, cfg_name, "rtl"),
        "inputs": {
            "links": [{"link_gbps": g, "data_w": LINKS[g][0], "clk_ns": LINKS[g][1]}
                      for g in lc["links"]],
            "sizes": list(lc["sizes"]),
            "frames": {f"{g:g}G_{s}": txrate_frames(s, LINKS[g][0], lc, p["FIFO_BYTES"])
                       for g in lc["links"] for s in lc["sizes"]},
            "fifo_mult": lc["fifo_mult"], "min_frames": lc["min_frames"],
            "mem_latency_clocks": [LAT_RD_CLOCKS, LAT_B_CLOCKS],
            "frame": "one buffer of size_fcs - 4 bytes (the MAC appends the FCS) at offset 0 "
                     "(aligned to every DATA_W); on the wire size_fcs + 20 bytes",
            "mac": "takes beats at the link's rate: a token bucket of link_bps x clk_ns / 8e9 "
                   "wire bytes a clock holding one clock's worth; a beat costs its bytes, a "
                   "frame's last beat also the 24 bytes of FCS, preamble and gap",
            "underrun": "a clock the MAC could take a beat, frames posted are unsent, the "
                        "first frame has begun and TVALID is low",
            "driver": "a ring with more descriptors than frames, every frame posted before "
                      "the enable, one doorbell",
            "memory": "reads answered 200 clocks after the AR handshake, one beat a clock, no "
                      "pauses; each B 100 clocks after its AW handshake",
            "rtl": {"sim": args.rtl_sim, "top": "nic_tx_dma", "parameters": p},
            "min_of_line_rate": TXRATE_MIN},
        "figures": {"bench_txrate.png": "achieved / line rate (first to last frame) against "
                                        "frame size, one line per link; rows[].of_line_rate"},
        "rows": rows,
        "checks": {
            "runs_clean": all(not r["error"] for r in rows),
            "all_sent": all(r["frames_sent"] == r["frames"] for r in rows),
            "zero_underruns": all(r["underrun_clocks"] == 0 for r in rows),
            "line_rate_everywhere": all((r["of_line_rate"] or 0) >= TXRATE_MIN for r in rows)},
    }
    result["wall_s"] = time.perf_counter() - t0
    (out_dir / "bench_txrate.json").write_text(json.dumps(result, indent=1, default=float))
    _plot_txrate(result, out_dir)
    return result


def _plot_txrate(res, out_dir):
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    sizes = res["inputs"]["sizes"]
    for link, mark in zip(res["inputs"]["links"], ("o", "s")):
        rs = [r for r in res["rows"] if r["link_gbps"] == link["link_gbps"]]
        if not rs:
            continue
        lab = f"{link['link_gbps']:g} GbE, DATA_W {link['data_w']}, {1e3 / link['clk_ns']:g} MHz"
        x = [r["size_fcs"] for r in rs]
        pct = [100 * (r["of_line_rate"] or 0) for r in rs]
        line = ax.plot(x, pct, marker=mark, label=lab)[0]
        for r, y in zip(rs, pct):
            if r["underrun_clocks"]:
                ax.annotate(f"{r['underrun_clocks']} underrun clocks", (r["size_fcs"], y),
                            fontsize=7)
        ax2.plot(x, [r["line_rate_mpps"] for r in rs], color=line.get_color(), lw=0.8,
                 label=f"line rate, {link['link_gbps']:g} GbE")
        ax2.plot(x, [r["achieved_mpps"] or 0 for r in rs], marker=mark, ls="",
                 color=line.get_color(), label=f"sent, {link['link_gbps']:g} GbE")
    ax.axhline(100, color="grey", lw=0.8)
    ax.axhline(100 * TXRATE_MIN, color="grey", lw=0.8, ls=":",
               label=f"{100 * TXRATE_MIN:g} % (the check)")
    lo = min([100 * (r["of_line_rate"] or 0) for r in res["rows"]] + [99.8])
    ax.set_ylim(lo - 0.1, 100.1)
    ax.set_ylabel("frames sent / line rate, %")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("achieved against line rate, first to last frame", fontsize=9)
    ax2.set_yscale("log")
    ax2.set_ylabel("Mpps")
    ax2.legend(fontsize=7)
    ax2.set_title("frames a second: sent (markers) and line rate (lines)", fontsize=9)
    for a in (ax, ax2):
        a.set_xticks(sizes)
        a.set_xticklabels([str(s) for s in sizes], fontsize=7)
        a.set_xlabel("frame size with FCS, B (the block sends size - 4)")
        a.grid(alpha=0.3)
    fig.suptitle(f"nic_tx_dma behind {LAT_RD_CLOCKS}-clock reads and {LAT_B_CLOCKS}-clock "
                 "write responses, a MAC at the link's rate", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_dir / "bench_txrate.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------- main
# ---------------------------------------------------------------------------- speed: the bench's own
SPEED = {
    # frames per (simulator, case): >= 10 s of wall per co-simulation on Verilator; the bare
    # loop runs `bare` clocks on the same build right after its co-simulation
    "full": {"sims": ("verilator", "icarus"),
             "cases": (("1gbe_imix", 64, 8.0, 1.0), ("10gbe_imix", 64, 6.4, 10.0)),
             "frames": {"verilator": {"1gbe_imix": 4000, "10gbe_imix": 12000},
                        "icarus": {"1gbe_imix": 600, "10gbe_imix": 1500}},
             "bare": {"verilator": 1_500_000, "icarus": 300_000},
             "profile": {"verilator": ("1gbe_imix", 1500), "icarus": ("1gbe_imix", 300)}},
    "quick": {"sims": ("verilator",),
              "cases": (("1gbe_imix", 64, 8.0, 1.0), ("10gbe_imix", 64, 6.4, 10.0)),
              "frames": {"verilator": {"1gbe_imix": 150, "10gbe_imix": 300}},
              "bare": {"verilator": 100_000},
              "profile": {"verilator": ("1gbe_imix", 100)}},
}
SPEED_TARGET = {"1gbe_imix": 1.0, "10gbe_imix": 0.6}     # the issue's, on Verilator
SPEED_PROFILE_HZ = 250                                     # py-spy samples per second
# frames whose file is one of these do the work of the frame that called them (the profile
# charges a sample to the innermost frame outside them)
_SPEED_THROUGH = ("cocotb/", "cocotb_bus/", "logging/", "json/", "importlib/", "<frozen",
                  "_pytest/", "collections/", "asyncio/", "encodings/")
_SPEED_STARTUP = ("load_entry", "discover_tests", "_find_and_load")


def _speed_opts(args, sim, dw, clk, gbps, frames):
    from tb.cosim.run import options as cosim_options
    return cosim_options({"SIM": sim, "DRIVER": "page_pool", "DATA_W": str(dw),
                          "CLK_NS": f"{clk:g}", "RATE": f"{gbps:g}", "SIZES": "imix",
                          "FRAMES": str(frames), "MONITOR": "1", "SEED": str(args.seed)})


def _speed_build(opts):
    """The build the co-simulation of `opts` runs on (built or reused) and its stamp."""
    from tb.common.build import build
    from tb.cosim.options import Options
    o = Options.from_text(opts)
    bdir = build(o.sim, o.data_w, parameters=o.parameters() or None,
                 name=o.build_name(None), top=o.top)
    return bdir, (bdir / "stamp").read_text().strip(), o


def _bare_loop(bdir, o, clocks, out: Path) -> dict:
    """tb.cosim.bare_loop on build `bdir`: one coroutine awaiting every rising edge."""
    from tb.common.build import run_test
    if out.exists():
        out.unlink()
    run_test(o.sim, bdir, "tb.cosim.bare_loop", out.parent / (out.stem + "_run"),
             extra_env={"BARE_CLOCKS": str(clocks), "CLK_NS": f"{o.clk_ns:g}",
                        "BARE_RESULTS": str(out.resolve())}, top=o.top)
    return json.loads(out.read_text())


def _speed_category(frames) -> str:
    """The profile category of one sample's Python stack (outermost first)."""
    if not frames:
        return "simulator (native)"
    if any(f.split(" (", 1)[0].rsplit(".", 1)[-1] in _SPEED_STARTUP for f in frames):
        return "start-up (imports)"
    for f in reversed(frames):
        func, _, where = f.partition(" (")
        path = where.rsplit(":", 1)[0]
        if "/" not in path or path.startswith(_SPEED_THROUGH):
            continue
        if path.startswith("axi/") or "cocotbext/axi/" in path:
            return "cocotbext-axi " + func.split(".", 1)[0]
        if path.startswith("pymodel/"):
            name = path[len("pymodel/"):-3]
            return "pymodel " + (name if name in ("driver", "page_pool", "dma") else "other")
        if path.startswith("tb/common/"):
            name = path[len("tb/common/"):-3]
            return {"axi_monitor": "tb.common monitor", "harness": "tb.common harness",
                    "mac": "tb.common mac"}.get(name, "tb.common other")
        if path.startswith("tb/cosim/"):
            return "tb.cosim glue"
        return "other"
    return "cocotb scheduler/triggers"


def _speed_profile(args, sim, dw, clk, gbps, frames, run_dir: Path) -> dict:
    """One co-simulation under `py-spy record --format raw --subprocesses`; the simulator
    process's samples by category, in us per clock and per frame."""
    import shutil
    from collections import Counter
    opts = _speed_opts(args, sim, dw, clk, gbps, frames)
    raw, res_path = run_dir / f"speed_profile_{sim}.txt", run_dir / f"speed_profile_{sim}.json"
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    # a script and an options file: the process names py-spy writes hold no ';'
    script, opts_path = run_dir / "speed_profile_run.py", run_dir / f"speed_profile_{sim}.opts"
    script.write_text("import json\nimport sys\nfrom pathlib import Path\n\n"
                      "from tb.cosim.run import run\n\n"
                      "run(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))\n")
    opts_path.write_text(json.dumps(dict(opts)))
    cmd = [pyspy, "record", "--format", "raw", "--subprocesses", "--rate",
           str(SPEED_PROFILE_HZ), "--output", str(raw), "--",
           sys.executable, str(script), str(opts_path), str(res_path)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    res = json.loads(res_path.read_text())
    samples = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        parts = stack.split(";")
        if len(parts) < 2 or not parts[1].startswith("process "):
            continue                              # the runner's process, not the simulator's
        samples[_speed_category(parts[2:])] += int(n)
    run_s = {k: v / SPEED_PROFILE_HZ for k, v in samples.items() if k != "start-up (imports)"}
    cycles, nframes = res["cycles"], res["frames_sent"]
    return {"sim": sim, "case": f"{gbps:g}gbe_imix", "frames": nframes, "cycles": cycles,
            "wall_s": res["wall_s"], "rate_hz": SPEED_PROFILE_HZ, "samples": dict(samples),
            "us_per_clock": {k: 1e6 * s / cycles for k, s in sorted(run_s.items(),
                                                                     key=lambda kv: -kv[1])},
            "us_per_frame": {k: 1e6 * s / nframes for k, s in sorted(run_s.items(),
                                                                     key=lambda kv: -kv[1])},
            "verdict": res["verdict"], "tool": "py-spy " + subprocess.run(
                [pyspy, "--version"], capture_output=True, text=True).stdout.strip().split()[-1]}


def section_speed(args, cfg_name, out_dir) -> dict:
    """The co-simulation's own speed: clocks and frames per wall second (protocol monitor on,
    page_pool driver), beside a bare per-clock loop on the same build run right after it, and
    a py-spy profile of one co-simulation per simulator."""
    from tb.cosim.run import run as cosim_run
    sc = SPEED[cfg_name]
    t0 = time.perf_counter()
    run_dir = ROOT / "sim_build" / "bench"
    run_dir.mkdir(parents=True, exist_ok=True)
    rows, profiles = [], []
    for sim in sc["sims"]:
        for case, dw, clk, gbps in sc["cases"]:
            opts = _speed_opts(args, sim, dw, clk, gbps, sc["frames"][sim][case])
            bdir, stamp, o = _speed_build(opts)
            res = cosim_run(opts, run_dir / f"speed_{sim}_{case}.json")
            stamp_after = (bdir / "stamp").read_text().strip()
            bare = _bare_loop(bdir, o, sc["bare"][sim], run_dir / f"speed_{sim}_{case}_bare.json")
            bare_stamp = (bdir / "stamp").read_text().strip()
            cps = res["cycles"] / res["wall_s"]
            row = {"sim": sim, "case": case, "data_w": dw, "clk_ns": clk, "link_gbps": gbps,
                   "sizes": "imix", "driver": "page_pool", "monitor": True,
                   "frames": res["frames_sent"], "cycles": res["cycles"],
                   "wall_s": res["wall_s"], "cycles_per_s": cps,
                   "frames_per_s": res["frames_sent"] / res["wall_s"],
                   "bare": {"clocks": bare["clocks"], "wall_s": bare["wall_s"],
                            "cycles_per_s": bare["cycles_per_s"]},
                   "ratio": cps / bare["cycles_per_s"],
                   "target": SPEED_TARGET[case] if sim == "verilator" else None,
                   "build": {"dir": str(bdir.relative_to(ROOT)), "cosim_stamp": stamp,
                             "cosim_stamp_after": stamp_after, "bare_stamp": bare_stamp},
                   "verdict": res["verdict"], "command": opts_command(opts)}
            row["meets_target"] = None if row["target"] is None else row["ratio"] >= row["target"]
            rows.append(row)
            print(f"  {sim:9s} {case:10s} {row['cycles']} clocks {row['frames']} frames in "
                  f"{row['wall_s']:.1f} s: {cps:,.0f} clocks/s {row['frames_per_s']:,.0f} "
                  f"frames/s; bare loop {bare['cycles_per_s']:,.0f} clocks/s; ratio "
                  f"{row['ratio']:.3f}" + ("" if not res["verdict"] else
                                           f"  FAIL: {res['verdict']}"), flush=True)
        if sim in sc.get("profile", {}):
            case, frames = sc["profile"][sim]
            _, dw, clk, gbps = next(c for c in sc["cases"] if c[0] == case)
            try:
                p = _speed_profile(args, sim, dw, clk, gbps, frames, run_dir)
            except (OSError, subprocess.CalledProcessError) as e:
                p = {"sim": sim, "case": case, "error": f"py-spy could not profile: {e}"}
            profiles.append(p)
            if "us_per_clock" in p:
                top = "  ".join(f"{k} {v:.2f}" for k, v in list(p["us_per_clock"].items())[:6])
                print(f"  profile {sim} {case}: us per clock: {top}", flush=True)
    result = {
        "meta": _meta(args, cfg_name, "rtl"),
        "inputs": {"sims": list(sc["sims"]),
                   "cases": [{"case": c, "data_w": d, "clk_ns": k, "link_gbps": g,
                              "sizes": "imix"} for c, d, k, g in sc["cases"]],
                   "frames": sc["frames"], "bare_clocks": sc["bare"],
                   "target_ratio_verilator": SPEED_TARGET,
                   "ratio": "co-simulation clocks per wall second / bare loop clocks per wall "
                            "second, same build, measured back to back",
                   "cosim": "tb.cosim.run, DRIVER=page_pool, MONITOR=1, the options' other "
                            "defaults; wall from the release of reset to the results",
                   "bare_loop": "tb.cosim.bare_loop: the harness's GPI clock, one coroutine "
                                "awaiting RisingEdge(clk) BARE_CLOCKS times",
                   "profile": f"py-spy record --format raw --subprocesses --rate "
                              f"{SPEED_PROFILE_HZ}; a sample counts for the innermost frame "
                              f"outside cocotb, cocotb_bus and the standard library; no Python "
                              f"frame: the simulator's own code; start-up (imports) left out "
                              f"of the per-clock figures"},
        "rows": rows,
        "profiles": profiles,
        "checks": {"verdicts_clean": all(not r["verdict"] for r in rows),
                   "same_build": all(r["build"]["cosim_stamp"] == r["build"]["bare_stamp"]
                                     == r["build"]["cosim_stamp_after"] for r in rows),
                   "targets_met": all(r["meets_target"] for r in rows
                                      if r["meets_target"] is not None)},
    }
    result["wall_s"] = time.perf_counter() - t0
    (out_dir / "bench_speed.json").write_text(json.dumps(result, indent=1, default=float))
    _speed_plot(result, out_dir)
    return result


def _speed_plot(result, out_dir) -> None:
    rows, profs = result["rows"], [p for p in result["profiles"] if "us_per_clock" in p]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    ax = axes[0]
    labels = [f"{r['sim']}\n{r['case']}" for r in rows]
    ax.bar(range(len(rows)), [r["ratio"] for r in rows], color="tab:blue")
    for i, r in enumerate(rows):
        if r["target"] is not None:
            ax.plot([i - 0.4, i + 0.4], [r["target"]] * 2, color="tab:red")
        ax.text(i, r["ratio"], f"{r['ratio']:.2f}\n{r['cycles_per_s'] / 1e3:.0f} k/s",
                ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel("co-simulation clocks/s ÷ bare loop clocks/s")
    ax.set_title("bench speed against the bare per-clock loop (red: target)")
    ax = axes[1]
    cats = []
    for p in profs:
        cats += [k for k in p["us_per_clock"] if k not in cats]
    bottom = [0.0] * len(profs)
    cmap = plt.get_cmap("tab20")
    for j, k in enumerate(cats):
        vals = [p["us_per_clock"].get(k, 0.0) for p in profs]
        ax.bar(range(len(profs)), vals, bottom=bottom, label=k, color=cmap(j % 20))
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(range(len(profs)), [f"{p['sim']}\n{p['case']}" for p in profs], fontsize=8)
    ax.set_ylabel("µs of wall per clock")
    ax.set_title("where the time goes (py-spy)")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(out_dir / "bench_speed.png", dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="docs/PERFORMANCE.md explains every figure.")
    ap.add_argument("--quick", action="store_true", help="a subset that runs in a few minutes")
    ap.add_argument("--out", default="results", help="output directory (default results/)")
    ap.add_argument("--seed", type=int, default=1, help="seed of payloads and hold times")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (default: the CPU count)")
    ap.add_argument("--only", choices=("recycle", "sizing", "xdp", "crosscheck", "linerate",
                                       "txrate", "speed"),
                    help="run one section only")
    ap.add_argument("--backend", default="ref", choices=sorted(B.BACKENDS),
                    help="where the cells of sections 1 and 2 run: the reference NIC (ref) "
                         "or the RTL co-simulation (rtl, slow)")
    ap.add_argument("--rtl-sim", default="verilator", choices=("verilator", "icarus"),
                    help="simulator of the RTL back end (default verilator)")
    args = ap.parse_args(argv)
    if args.backend == "rtl":
        _rtl_backend()
    cfg_name = "quick" if args.quick else "full"
    cfg = CONFIGS[cfg_name]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.only in (None, "recycle"):
        r = section_recycle(args, cfg, cfg_name, out_dir)
        print(f"recycle: {len(r['cells'])} cells in {r['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_recycle.json'}")
        for prof in B.PROFILES:
            row = "  ".join(f"{s}:{v:.2f}" for s, v in r["ratio_cpu_max"][prof].items())
            print(f"  page_pool/legacy {prof:24s} {row}")
        if not r["checks"]["all_accounted"] or r["checks"]["mismatches"]:
            print("  FAIL: accounting or data check", r["checks"])
            return 1
    if args.only in (None, "sizing"):
        s = section_sizing(args, cfg, cfg_name, out_dir)
        print(f"sizing: {len(s['ring_sweep']) + len(s['pool_sweep'])} runs and "
              f"{len(s['min_memory'])} searches in {s['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_sizing.json'}")
        for m in s["min_memory"]:
            print(f"  hold {_hold_label(m['hold']):16s} Little {m['little_buffers']:8.1f}  "
                  f"smallest zero-drop memory {m['min_pages']} pages")
        if not s["checks"]["all_accounted"] or s["checks"]["mismatches"]:
            print("  FAIL: accounting or data check", s["checks"])
            return 1
    if args.only in (None, "xdp"):
        xd = section_xdp(args, cfg, cfg_name, out_dir)
        print(f"xdp: {len(xd['rows'])} cells in {xd['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_xdp.json'}")
        for kind in XDP_KINDS:
            row = "  ".join(f"{s}:{v / 1e3:.0f}" for s, v in xd["pps"][kind].items())
            print(f"  kpps {kind:10s} {row}")
        if not (xd["checks"]["all_accounted"] and not xd["checks"]["mismatches"]
                and not xd["checks"]["breaches"]
                and xd["checks"]["xdp_tx_pages_back_through_tx_completion"]):
            print("  FAIL: accounting, data or recycling check", xd["checks"])
            return 1
    if args.only in (None, "crosscheck"):
        print("crosscheck: section 1's CPU-bound maximum, reference NIC against the RTL "
              f"({args.rtl_sim}), {args.jobs} co-simulations at once", flush=True)
        x = section_crosscheck(args, cfg_name, out_dir)
        print(f"crosscheck: {len(x['rows'])} cells in {x['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_crosscheck.json'}; largest difference "
              f"{100 * x['max_abs_diff']:.3f} %")
        if x["checks"]["failed"]:
            print(f"  FAIL: RTL and reference differ by more than {100 * XCHECK_TOL:g} % or "
                  f"the RTL run failed its checks: {', '.join(x['checks']['failed'])}")
            return 1
    if args.only in (None, "linerate"):
        print(f"linerate: the block at line rate behind {LAT_RD_CLOCKS}/{LAT_B_CLOCKS}-clock "
              f"memory latency and {100 * LINERATE_PAUSED:g} % backpressure, then W at "
              f"saturation ({args.rtl_sim}, {args.jobs} at once)", flush=True)
        lr = section_linerate(args, cfg_name, out_dir)
        ck = lr["checks"]
        print(f"linerate: {len(lr['rows'])} runs in {lr['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_linerate.json'}; zero drops where W is not the bound: "
              f"{ck['zero_drops_where_w_is_not_the_bound']} ({ck['w_bound_rows']} rows bounded "
              f"by W), no descriptor wait: {ck['no_descriptor_wait']}, W efficiency at "
              f"saturation >= {100 * EFFICIENCY_TARGET:g} %: {ck['efficiency_met']} (measured, "
              f"not a pass/fail of make bench)")
        if not (lr["checks"]["verdicts_clean"] and lr["checks"]["all_accounted"]
                and not lr["checks"]["mismatches"]):
            print("  FAIL: a line-rate co-simulation failed its checks", lr["checks"])
            return 1
    if args.only in (None, "txrate"):
        print(f"txrate: nic_tx_dma at line rate behind {LAT_RD_CLOCKS}/{LAT_B_CLOCKS}-clock "
              f"memory latency ({args.rtl_sim})", flush=True)
        tr = section_txrate(args, cfg_name, out_dir)
        ck = tr["checks"]
        print(f"txrate: {len(tr['rows'])} runs in {tr['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_txrate.json'}; zero underruns: {ck['zero_underruns']}, "
              f"at least {100 * TXRATE_MIN:g} % of line rate everywhere: "
              f"{ck['line_rate_everywhere']}")
        if not all(ck.values()):
            print("  FAIL: TX below line rate, or a run failed its checks", ck)
            return 1
    if args.only in (None, "speed"):
        print("speed: the co-simulation's clocks and frames per wall second beside a bare "
              "per-clock loop on the same build, and where the time goes", flush=True)
        sp = section_speed(args, cfg_name, out_dir)
        print(f"speed: {len(sp['rows'])} runs in {sp['wall_s']:.0f} s -> "
              f"{out_dir / 'bench_speed.json'}; targets met: {sp['checks']['targets_met']} "
              f"(measured, not a pass/fail of make bench)")
        if not (sp["checks"]["verdicts_clean"] and sp["checks"]["same_build"]):
            print("  FAIL: a co-simulation failed its checks, or the build changed", sp["checks"])
            return 1
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
