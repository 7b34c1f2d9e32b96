#!/usr/bin/env python3
"""make bench, part 1: what page_pool recycling buys, and how many buffers it needs.

Runs on the pure-Python reference NIC (pymodel.bench, back end "ref") and writes, under --out:

  bench_recycle.json   section 1: RFC 2544 sizes x both RX paths x the three cost profiles:
                       zero-loss throughput, CPU-bound maximum, per-packet cost by operation,
                       the page_pool / legacy ratio and what it would take to reach 2x
  bench_recycle_ratio.png, bench_recycle_cost.png, bench_recycle_throughput.png
  bench_sizing.json    section 2: cortex-a53 page_pool at 1 GbE line rate, 1518 B frames:
                       drops and pages against ring size, page_pool ring size and hold time,
                       the smallest zero-drop memory against Little's law, memory held for
                       PAGE_SIZE 4K / 16K / 64K with and without page_pool fragments
  bench_sizing_ring.png, bench_sizing_pool.png, bench_sizing_little.png, bench_sizing_memory.png

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
from pymodel.costs import PROFILES as COST_PROFILES  # noqa: E402

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


def _pmap(fn, tasks, jobs):
    if jobs <= 1:
        return [fn(t) for t in tasks]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as ex:
        return list(ex.map(fn, tasks))


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


def _meta(args, cfg_name) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=ROOT, capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": _cpu_model(),
                    "python": platform.python_version(), "cpu_count": os.cpu_count()},
        "git_commit": commit, "git_dirty": dirty, "seed": args.seed, "mode": cfg_name,
        "backend": args.backend, "jobs": args.jobs,
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


# ---------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="docs/PERFORMANCE.md explains every figure.")
    ap.add_argument("--quick", action="store_true", help="a subset that runs in a few minutes")
    ap.add_argument("--out", default="results", help="output directory (default results/)")
    ap.add_argument("--seed", type=int, default=1, help="seed of payloads and hold times")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (default: the CPU count)")
    ap.add_argument("--only", choices=("recycle", "sizing"), help="run one section only")
    ap.add_argument("--backend", default="ref", choices=sorted(B.BACKENDS),
                    help="where cells run (only 'ref' is built)")
    args = ap.parse_args(argv)
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
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
