"""Benchmark logic of `make bench`: one cell run, the searches over it, and Little's law.

Pure Python like the rest of pymodel (no simulator, no plotting). A *cell* is one run of one
RX queue at one configuration; `run_cell(backend, **cell)` runs it and returns a dict of plain
numbers. The "ref" back end is the reference NIC (pymodel.system.RefSystem) with the driver,
page_pool and the CPU cost model. The "rtl" back end, the RTL under a simulator, lives in
tb/cosim/bench_backend.py (pymodel imports no simulator) and registers itself in BACKENDS; it
returns the same keys, and takes what a cell does to the host from here (`charge_stack`,
`customize_pool`, `Window`), so both back ends measure a cell the same way.

Two kinds of cell run:

- paced: `frames` frames at `offered_pps`, then a drain; counts drops (the zero-loss trial of
  RFC 2544 and the sizing runs);
- saturating (`saturate=True`): frames at `offered_pps` (well above what the CPU takes) until
  `warmup` frames were delivered, then a measured window of `measure` more; the delivered
  rate in that window is the CPU-bound maximum, and the CPU time charged in it, by
  operation, divided by the frames delivered in it is the per-packet cost.

The stack's per-packet cost is the `stack_rx` figure of costs.json, charged once per skb the
driver hands to netif_receive_skb (with `stack=True`, the default).

With `xdp` (a program name of pymodel.xdp.program: "drop", "tx", "pass") a reference cell runs
the page_pool path on the top nic_dma with that program attached and the driver's TX queue
(the TX MAC takes frames at once, like the RX side the device costs no time); its window
counts the frames the program saw (`Window(prog=...)`), so XDP_DROP and XDP_TX, which hand
nothing to the stack, are measured the same way as the skb paths. `cpu_bound_max` is the
CPU-bound maximum of one cell, for an RX path or an XDP action alike.
"""
from __future__ import annotations

import math
import time
import types
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .dma import DMA_FROM_DEVICE
from .page_pool import PP_FLAG_DMA_MAP, PP_FLAG_DMA_SYNC_DEV, PagePoolParams, page_pool_create
from .skb import SKB_DATA_ALIGN, SKB_TAILROOM, XDP_PACKET_HEADROOM
from .stack import HoldTime
from .system import RefSystem

RFC2544_SIZES = (64, 128, 256, 384, 512, 768, 1024, 1280, 1518)   # bytes on the wire, FCS included
FCS_LEN = 4                    # the MAC strips it: the block receives size - 4 bytes
WIRE_EXTRA = 20                # preamble + SFD 8, minimum inter-frame gap 12 (IEEE 802.3)
PROFILES = ("cortex-a53", "cortex-a53-smmu-strict", "x86-iommu-lazy")
PATHS = ("legacy", "page_pool")
MTU_FRAME = 1514               # the largest frame the block receives at MTU 1500 (no FCS)
PP_MAX_LEN = 4096 - XDP_PACKET_HEADROOM - SKB_TAILROOM    # the driver's page_pool max_len, 3520

# cost-model operations grouped as the figures show them
OP_GROUPS: Dict[str, Tuple[str, ...]] = {
    "page alloc/free": ("alloc_pages", "free_pages"),
    "IOMMU map/unmap": ("iommu_map", "iommu_unmap"),
    "cache clean/invalidate": ("cache_clean", "cache_inval"),
    "page_pool fast/ring/slow": ("page_pool_fast", "page_pool_ring", "page_pool_slow"),
    "skb build/alloc/free": ("kmem_cache_alloc", "build_skb", "napi_alloc_skb", "kmem_cache_free"),
    "copybreak memcpy": ("copybreak_memcpy",),
    "MMIO": ("mmio_read", "mmio_write"),
    "stack": ("stack_rx",),
}


# ---------------------------------------------------------------------------- rates
def line_rate_pps(size_fcs: int, gbps: float) -> float:
    """Frames per second a link of gbps carries at size_fcs bytes (FCS included) back to back."""
    return gbps * 1e9 / ((size_fcs + WIRE_EXTRA) * 8)


def littles_law(rate_pps: float, mean_hold_ns: float) -> float:
    """Little's law: the mean number of buffers held = arrival rate x mean holding time."""
    return rate_pps * mean_hold_ns * 1e-9


# ---------------------------------------------------------------------------- searches
def search_max(passes: Callable[[float], bool], lo: float, hi: float, rel_tol: float = 0.01,
               max_trials: int = 30) -> dict:
    """The highest x in [lo, hi] for which passes(x) holds, for a monotone passes (true up to a
    threshold, false above it), as RFC 2544's throughput search: try hi first; then halve the
    interval between the highest pass and the lowest fail until it is within rel_tol x hi.
    Returns {"value", "trials": [(x, passed), ...]}; value is 0.0 if even lo fails."""
    trials: List[Tuple[float, bool]] = []

    def trial(x: float) -> bool:
        ok = bool(passes(x))
        trials.append((x, ok))
        return ok

    if trial(hi):
        return {"value": hi, "trials": trials}
    if not trial(lo):
        return {"value": 0.0, "trials": trials}
    good, bad = lo, hi
    while bad - good > rel_tol * hi and len(trials) < max_trials:
        mid = (good + bad) / 2
        if trial(mid):
            good = mid
        else:
            bad = mid
    return {"value": good, "trials": trials}


def search_min_int(passes: Callable[[int], bool], lo: int, hi: int, rel_tol: float = 0.0,
                   max_trials: int = 40) -> dict:
    """The smallest integer n in [lo, hi] with passes(n), for a monotone passes (false below a
    threshold, true from it on), to within rel_tol x hi (0: exact). hi is assumed to pass.
    Returns {"value", "trials": [(n, passed), ...]}; value is lo if lo passes."""
    trials: List[Tuple[int, bool]] = []

    def trial(n: int) -> bool:
        ok = bool(passes(n))
        trials.append((n, ok))
        return ok

    if trial(lo):
        return {"value": lo, "trials": trials}
    bad, good = lo, hi
    while good - bad > max(1, int(rel_tol * hi)) and len(trials) < max_trials:
        mid = (good + bad) // 2
        if trial(mid):
            good = mid
        else:
            bad = mid
    return {"value": good, "trials": trials}


# ---------------------------------------------------------------------------- page fragments
def frag_size(frame_len: int = MTU_FRAME, headroom: int = XDP_PACKET_HEADROOM) -> int:
    """Bytes of one RX buffer carved as a page_pool fragment: headroom and frame rounded up to
    the cache line, plus the skb_shared_info tailroom (as build_skb needs it)."""
    return SKB_DATA_ALIGN(headroom + frame_len) + SKB_TAILROOM


def pages_peak(intervals: Sequence[Tuple[float, float]], per_page: int) -> int:
    """Most pages live at once if buffers, in the order they were allocated, are carved
    `per_page` to a page (page_pool_alloc_frag carves consecutive pieces of its current page)
    and a page stays held until the last of its pieces is returned. intervals: (alloc time,
    return time) of each buffer, in allocation order. per_page 1: one page per buffer."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    events: List[Tuple[float, int]] = []
    for k in range(0, len(intervals), per_page):
        group = intervals[k:k + per_page]
        events.append((min(s for s, _ in group), 1))
        events.append((max(e for _, e in group), -1))
    events.sort(key=lambda ev: (ev[0], ev[1]))       # a return before an alloc at the same time
    live = peak = 0
    for _, d in events:
        live += d
        peak = max(peak, live)
    return peak


# ---------------------------------------------------------------------------- the reference back end
class _BufferTrace:
    """Times each page_pool page is handed out (alloc_pages) and comes back (its last put)."""

    def __init__(self, env) -> None:
        self.env = env
        self.start: Dict[int, Tuple[int, float]] = {}
        self.intervals_closed: List[Tuple[int, float, float]] = []
        self.seq = 0

    def wrap(self, pool) -> None:
        alloc, put_last = pool.alloc_pages, pool._put_page_last
        tr = self

        def alloc_pages():
            page = alloc()
            if page is not None:
                tr.start[id(page)] = (tr.seq, tr.env.now_ns)
                tr.seq += 1
            return page

        def _put_page_last(page, dma_sync_size, allow_direct):
            st = tr.start.pop(id(page), None)
            if st is not None:
                tr.intervals_closed.append((st[0], st[1], tr.env.now_ns))
            return put_last(page, dma_sync_size, allow_direct)

        pool.alloc_pages = alloc_pages
        pool._put_page_last = _put_page_last

    def intervals(self) -> List[Tuple[float, float]]:
        """(alloc, return) of every buffer in allocation order; buffers still out end now."""
        now = self.env.now_ns
        rows = list(self.intervals_closed) + [(s, t, now) for s, t in self.start.values()]
        rows.sort()
        return [(a, b) for _, a, b in rows]


def charge_stack(stack, meter) -> None:
    """Charge the stack's cited cost (`stack_rx`) once per skb handed to netif_receive_skb:
    what every back end does when a cell runs with stack=True."""
    rx = stack.netif_receive_skb

    def netif_receive_skb(skb):
        meter.charge("stack_rx")
        rx(skb)

    stack.netif_receive_skb = netif_receive_skb


def customize_pool(drv, pool_size: Optional[int], tracer: Optional[_BufferTrace]) -> None:
    """Make the driver's page_pool with ptr_ring size pool_size (None: the ring size) and,
    with a tracer, trace each page's life; the pool is otherwise the driver's own."""
    def _create_pool(self):
        params = PagePoolParams(order=0, flags=PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
                                pool_size=pool_size or self.N, dev=self.hm, napi=self,
                                dma_dir=DMA_FROM_DEVICE, max_len=self._pp_max_len(),
                                offset=self.headroom)
        pool = page_pool_create(params, self.hm)
        if tracer is not None:
            tracer.wrap(pool)
        self.pools.append(pool)
        return pool

    drv._create_pool = types.MethodType(_create_pool, drv)


class Window:
    """The measured window of a saturating run, the same on every back end: it opens when the
    driver has delivered `warmup` frames and closes `measure` frames later, each at the moment
    the driver hands that frame to netif_receive_skb (after its costs were charged). `sent()`
    counts the frames the MAC has sent. `done` turns true when the window closes. A back end
    may pass `counters` (name -> running total) to have their per-packet growth over the
    window reported too (`per_pkt`). With `prog` (an XdpProg) the window counts the frames
    the program saw instead, looking as each verdict is returned (XDP_DROP and XDP_TX hand
    nothing to netif_receive_skb)."""

    def __init__(self, *, stack, driver, meter, now_ns: Callable[[], float],
                 sent: Callable[[], int], warmup: int, measure: int,
                 counters: Optional[Callable[[], Dict[str, float]]] = None,
                 prog=None) -> None:
        self.driver, self.meter, self.now_ns, self.sent = driver, meter, now_ns, sent
        self.counters = counters
        self.warmup, self.measure = warmup, measure
        self.start: Optional[tuple] = None
        self.end: Optional[tuple] = None
        if prog is not None:
            self.count: Callable[[], int] = lambda: prog.runs
            fn = prog.fn

            def run(p, xdp):
                verdict = fn(p, xdp)
                self._look()
                return verdict

            prog.fn = run
            return
        self.count = lambda: driver.stats.rx_packets
        rx = stack.netif_receive_skb

        def netif_receive_skb(skb):
            rx(skb)
            self._look()

        stack.netif_receive_skb = netif_receive_skb

    @property
    def done(self) -> bool:
        return self.end is not None

    def _mark(self) -> tuple:
        m = self.meter
        return (self.now_ns(), self.count(), dict(m.by_op), dict(m.calls),
                self.sent(), dict(self.counters()) if self.counters else {})

    def _look(self) -> None:
        n = self.count()
        if self.start is None and n >= self.warmup:
            self.start = self._mark()
        elif self.start is not None and self.end is None and n >= self.warmup + self.measure:
            self.end = self._mark()

    def result(self) -> dict:
        """The window: frames, ns, pps delivered, CPU ns per packet (in all and by op), calls
        per packet by op, and busy (the CPU time charged over the window's length)."""
        (t0, rx0, by0, calls0, sent0, c0), (t1, rx1, by1, calls1, sent1, c1) = \
            self.start, self.end
        n = rx1 - rx0
        by = {k: (v - by0.get(k, 0.0)) / n for k, v in by1.items() if v - by0.get(k, 0.0) > 0}
        calls = {k: (v - calls0.get(k, 0)) / n for k, v in calls1.items()
                 if v - calls0.get(k, 0) > 0}
        out = {"frames": n, "ns": t1 - t0, "pps": n * 1e9 / (t1 - t0),
               "offered_in_window": sent1 - sent0,
               "cpu_ns_per_pkt": sum(by.values()), "cpu_ns_by_op": by, "calls_per_pkt": calls,
               "busy": sum(by.values()) * n / (t1 - t0)}
        if c1:
            out["per_pkt"] = {k: (v - c0.get(k, 0)) / n for k, v in c1.items()}
        return out


def _build_ref(*, path: str, profile: str, ring_size: int, hold: Optional[Tuple[str, float]],
               mem_pages: Optional[int], pool_size: Optional[int], stack: bool, seed: int,
               trace: bool, xdp: Optional[str] = None):
    hold_t = HoldTime(hold[0], hold[1], seed=seed + 7) if hold else None
    system = RefSystem(path=path, profile=profile, ring_size=ring_size, hold=hold_t,
                       mem_pages=mem_pages, seed=seed, xdp=xdp)
    if stack:
        charge_stack(system.stack, system.hm.meter)
    tracer = _BufferTrace(system.env) if trace else None
    if path == "page_pool" and (pool_size is not None or tracer is not None):
        customize_pool(system.driver, pool_size, tracer)
    return system, tracer


def _run_ref(*, path: str, profile: str, frame_len: int, offered_pps: float, frames: int = 0,
             saturate: bool = False, warmup: int = 500, measure: int = 2000,
             ring_size: int = 256, hold: Optional[Tuple[str, float]] = None,
             mem_pages: Optional[int] = None, pool_size: Optional[int] = None,
             stack: bool = True, seed: int = 1, trace: bool = False,
             drain_ns: float = 5e7, xdp: Optional[str] = None) -> dict:
    t_wall = time.perf_counter()
    if xdp is not None and path != "page_pool":
        raise ValueError("an XDP program runs on the page_pool path only")
    system, tracer = _build_ref(path=path, profile=profile, ring_size=ring_size, hold=hold,
                                mem_pages=mem_pages, pool_size=pool_size, stack=stack,
                                seed=seed, trace=trace, xdp=xdp)
    env, drv, meter = system.env, system.driver, system.hm.meter
    system.open()
    interval = 1e9 / offered_pps
    state = {"sent": 0, "stop": False, "backlog_q1": None, "backlog_end": None}
    quarter = frames // 4

    async def mac():
        n = 0
        while not state["stop"] and (saturate or n < frames):
            frame = system.scoreboard.frame(frame_len)
            await env.sleep_ns(interval)
            system.nic.mac_rx(frame)
            n += 1
            state["sent"] = n
            if n == quarter:
                state["backlog_q1"] = n - drv.stats.rx_packets
        state["backlog_end"] = state["sent"] - drv.stats.rx_packets
        state["stop"] = True

    win = Window(stack=system.stack, driver=drv, meter=meter, now_ns=lambda: env.now_ns,
                 sent=lambda: state["sent"], warmup=warmup, measure=measure,
                 counters=_xdp_counters(system) if xdp is not None else None,
                 prog=system.prog) if saturate else None
    task = env.spawn(mac(), name="mac")
    window = None
    if saturate:
        env.run(until=lambda: win.done)
        window = win.result()
        state["stop"] = True
    env.run(until=lambda: task.done)
    t_last = env.now_ns
    system.drain(drain_ns)
    snap = system.snapshot()
    drops = snap["drops"]
    sent = state["sent"]
    delivered = snap["frames_delivered"]
    pp = snap["page_pool"]
    out = {
        "backend": "ref", "path": path, "profile": profile, "frame_len": frame_len,
        "size_fcs": frame_len + FCS_LEN, "offered_pps": offered_pps, "ring_size": ring_size,
        "pool_size": (pool_size or ring_size) if path == "page_pool" else None,
        "hold": list(hold) if hold else None, "mem_pages": mem_pages, "stack": stack,
        "seed": seed, "sent": sent, "delivered": delivered, "dropped": sum(drops.values()),
        "drops_by_cause": drops, "accounted": delivered + sum(drops.values()) == sent,
        "mismatches": system.scoreboard.mismatches, "breaches": snap["breaches"],
        "backlog_quarter": state["backlog_q1"], "backlog_end": state["backlog_end"],
        "sim_ns": t_last, "pages_used_max": system.hm.alloc.pages_used_max,
        "stack_max_held": system.stack.stats.max_held,
        "cpu_ns_per_delivered": snap["cpu_ns"] / delivered if delivered else None,
        "page_pool": {k: pp[k] for k in ("alloc_stats.fast", "alloc_stats.slow",
                                          "alloc_stats.refill", "alloc_stats.empty",
                                          "recycle_stats.cached", "recycle_stats.ring",
                                          "recycle_stats.ring_full", "pages_state_hold_cnt",
                                          "pages_state_release_cnt", "dma_maps")} if pp else {},
        "window": window,
    }
    if xdp is not None:
        system.mac_sent = sent
        acc = system.accounting()
        sink, st, tst = system.mac_sink, drv.stats, system.txq.stats
        out["accounted"] = acc["balanced"] and acc["tx_seqs_match"]
        out["mismatches"] += sink.mismatches + sink.duplicates + sink.out_of_order
        out["xdp"] = {
            "prog": xdp, "verdicts": dict(system.prog.verdicts), "transmitted": acc["transmitted"],
            "tx_meant": acc["tx_meant"], "tx_seqs_match": acc["tx_seqs_match"],
            "balanced": acc["balanced"],
            "driver": {k: getattr(st, k) for k in ("rx_xdp_pass", "rx_xdp_drop", "rx_xdp_tx",
                                                    "rx_xdp_tx_err", "rx_packets")},
            "tx": {k: getattr(tst, k) for k in ("tx_xdp_tx", "tx_xdp_tx_err",
                                                 "tx_xdp_returned_napi", "tx_xdp_returned_bulk",
                                                 "tx_doorbell", "tx_completed")},
            "mac_sink": {"received": sink.received, "mismatches": sink.mismatches,
                         "duplicates": sink.duplicates, "out_of_order": sink.out_of_order},
        }
        out["page_pool"].update({k: pp[k] for k in ("recycle_stats.cache_full",
                                                     "recycle_stats.released_refcnt",
                                                     "inflight")})
    if tracer is not None:
        out["buffer_intervals"] = tracer.intervals()
    out["wall_s"] = time.perf_counter() - t_wall
    return out


def _xdp_counters(system) -> Callable[[], Dict[str, float]]:
    """Running totals a window of an XDP cell reports per packet: the verdicts' counters, the
    XDP_TX frames back from TX completion (xdp_return_frame_rx_napi) and the pages page_pool
    recycled directly into its cache."""
    drv, txq = system.driver, system.txq

    def counters() -> Dict[str, float]:
        st, pool = drv.stats, drv.pool
        return {"rx_xdp_drop": st.rx_xdp_drop, "rx_xdp_tx": st.rx_xdp_tx,
                "rx_xdp_pass": st.rx_xdp_pass, "rx_packets": st.rx_packets,
                "tx_xdp_returned_napi": txq.stats.tx_xdp_returned_napi,
                "recycle_stats.cached": pool.stats.recycle_stats.cached if pool else 0,
                "alloc_stats.fast": pool.stats.alloc_stats.fast if pool else 0}
    return counters


def _run_rtl(**cell) -> dict:
    raise NotImplementedError("the RTL back end lives in tb/cosim/bench_backend.py (pymodel "
                              "imports no simulator): register it with "
                              "tb.cosim.bench_backend.register()")


BACKENDS: Dict[str, Callable[..., dict]] = {"ref": _run_ref, "rtl": _run_rtl}


def run_cell(backend: str = "ref", **cell) -> dict:
    """Run one cell on the named back end and return its results (see the module doc)."""
    try:
        fn = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; known: {sorted(BACKENDS)}") from None
    return fn(**cell)


# ---------------------------------------------------------------------------- section 1: one matrix cell
def saturation_load(size_fcs: int, link_gbps: float) -> float:
    """The first offered load of a CPU-bound run: the link's line rate, the 10 GbE line rate
    or 2 Mpps, whichever is highest (recycle_cell raises it fourfold while the CPU keeps up)."""
    return max(line_rate_pps(size_fcs, link_gbps), line_rate_pps(size_fcs, 10.0), 2e6)


BACKLOG_SLACK = 64 + 16        # a NAPI budget and an ITR packet threshold of frames


def cpu_bound_max(backend: str, path: str, profile: str, size_fcs: int, *, link_gbps: float,
                  warmup: int, measure: int, ring_size: int = 256, seed: int = 1,
                  xdp: Optional[str] = None) -> Tuple[dict, float]:
    """The CPU-bound maximum of one cell: a saturating run at saturation_load(), the load
    raised fourfold (up to three times) until frames are lost for want of CPU with the CPU
    busy over 90 % of the window. Returns the saturating run and the load it was run at.
    With `xdp`, the program's own drops (driver_xdp_drop) are not counted as frames lost."""
    base = dict(path=path, profile=profile, frame_len=size_fcs - FCS_LEN, ring_size=ring_size,
                seed=seed)
    if xdp is not None:
        base["xdp"] = xdp
    offered = saturation_load(size_fcs, link_gbps)
    for _ in range(4):
        sat = run_cell(backend, offered_pps=offered, saturate=True, warmup=warmup,
                       measure=measure, **base)
        lost = sat["dropped"] - sat["drops_by_cause"].get("driver_xdp_drop", 0)
        if lost > 0 and sat["window"]["busy"] > 0.9:
            break
        offered *= 4
    return sat, offered


def recycle_cell(backend: str, path: str, profile: str, size_fcs: int, *, link_gbps: float,
                 trial_frames: int, warmup: int, measure: int, ring_size: int = 256,
                 rel_tol: float = 0.01, seed: int = 1) -> dict:
    """One cell of the recycling matrix: the CPU-bound maximum with its per-packet cost by
    operation, then RFC 2544 zero-loss throughput by binary search over the offered rate up to
    the line rate of link_gbps.

    Each trial sends trial_frames frames at the rate tried and passes when nothing was dropped
    and the backlog (frames sent and not yet delivered) grew by no more than BACKLOG_SLACK
    between a quarter of the way and the end: a trial is far shorter than RFC 2544's 60 s, and
    the ring and the device FIFO would otherwise hide a rate the CPU cannot sustain."""
    frame_len = size_fcs - FCS_LEN
    line = line_rate_pps(size_fcs, link_gbps)
    base = dict(path=path, profile=profile, frame_len=frame_len, ring_size=ring_size, seed=seed)
    # CPU-bound: offered load far above what any profile takes; raise it if the CPU kept up
    sat, offered = cpu_bound_max(backend, path, profile, size_fcs, link_gbps=link_gbps,
                                 warmup=warmup, measure=measure, ring_size=ring_size,
                                 seed=seed)
    cpu_max = sat["window"]["pps"]
    trials: List[dict] = []

    def passes(rate: float) -> bool:
        r = run_cell(backend, offered_pps=rate, frames=trial_frames, **base)
        growth = r["backlog_end"] - r["backlog_quarter"]
        ok = r["dropped"] == 0 and growth <= BACKLOG_SLACK
        trials.append({"offered_pps": rate, "sent": r["sent"], "delivered": r["delivered"],
                       "dropped": r["dropped"], "backlog_growth": growth, "passed": ok,
                       "accounted": r["accounted"], "mismatches": r["mismatches"]})
        return ok

    hi = min(line, 1.1 * cpu_max)
    lo = min(hi, 0.5 * cpu_max)
    found = search_max(passes, lo, hi, rel_tol)
    return {
        "backend": backend, "path": path, "profile": profile, "size_fcs": size_fcs,
        "frame_len": frame_len, "link_gbps": link_gbps, "line_rate_pps": line,
        "zero_loss_pps": found["value"], "zero_loss_of_line": found["value"] / line,
        "zero_loss_trials": trials, "cpu_max_pps": cpu_max,
        "cpu_max_offered_pps": offered, "cpu_ns_per_pkt": sat["window"]["cpu_ns_per_pkt"],
        "cpu_ns_by_op": sat["window"]["cpu_ns_by_op"], "calls_per_pkt": sat["window"]["calls_per_pkt"],
        "busy": sat["window"]["busy"], "saturation_run": {k: v for k, v in sat.items()
                                                          if k not in ("window",)},
        "accounted": sat["accounted"] and all(t["accounted"] for t in trials),
        "mismatches": sat["mismatches"] + sum(t["mismatches"] for t in trials),
        "wall_s": sat["wall_s"],
    }


def group_costs(by_op: Dict[str, float]) -> Dict[str, float]:
    """Per-packet ns by operation summed into OP_GROUPS (an op outside them is kept as is)."""
    out = {g: 0.0 for g in OP_GROUPS}
    for op, ns in by_op.items():
        for g, ops in OP_GROUPS.items():
            if op in ops:
                out[g] += ns
                break
        else:
            out[op] = out.get(op, 0.0) + ns
    return out


def ratio_needs(legacy: Dict[str, float], pool: Dict[str, float], target: float = 2.0,
                exclude: Iterable[str] = ()) -> dict:
    """What it takes for legacy/page_pool per-packet cost (= page_pool/legacy packet rate when
    the CPU is the bound) to reach target, from the two per-packet breakdowns by op.

    - "ratio": the ratio as the costs stand;
    - "stack_ns_for_target": the stack cost (op stack_rx, the same on both paths) at which the
      ratio is target; None if no stack cost >= 0 gives it (a free stack does not reach it);
    - "op_factor": for each op, the factor its cost must be scaled by (on both paths, others
      fixed) for the ratio to reach target; ops for which no factor >= 0 works are left out.
    """
    L, P = sum(legacy.values()), sum(pool.values())
    out = {"ratio": L / P if P else None, "legacy_ns": L, "page_pool_ns": P}
    s = legacy.get("stack_rx", 0.0)
    ld, pd = L - s, P - pool.get("stack_rx", 0.0)
    need = (ld - target * pd) / (target - 1)
    out["stack_ns_for_target"] = need if need >= 0 else None
    out["driver_only_ratio"] = ld / pd if pd else None
    factors = {}
    for op in sorted(set(legacy) | set(pool)):
        if op in exclude:
            continue
        lk, pk = legacy.get(op, 0.0), pool.get(op, 0.0)
        den = lk - target * pk
        if abs(den) < 1e-9:
            continue
        f = 1 + (target * P - L) / den
        if f >= 0 and math.isfinite(f):
            factors[op] = f
    out["op_factor"] = factors
    return out


# ---------------------------------------------------------------------------- section 2: sizing
def sizing_frames(rate_pps: float, mean_hold_ns: float, *, lo: int, hi: int,
                  holds: float = 30.0) -> int:
    """Frames for a sizing run: enough to span `holds` mean hold times, within [lo, hi]."""
    return int(min(hi, max(lo, holds * littles_law(rate_pps, mean_hold_ns))))


def min_zero_drop_pages(backend: str, *, frame_len: int, rate_pps: float, frames: int,
                        hold: Tuple[str, float], ring_size: int, hi: int, seed: int = 1,
                        rel_tol: float = 0.02) -> dict:
    """The smallest host memory (pages, the MEM_PAGES limit) with zero drops at rate_pps on
    the page_pool path of cortex-a53, found by binary search; hi must pass."""
    rows: List[dict] = []

    def passes(pages: int) -> bool:
        r = run_cell(backend, path="page_pool", profile="cortex-a53", frame_len=frame_len,
                     offered_pps=rate_pps, frames=frames, ring_size=ring_size, hold=hold,
                     mem_pages=pages, seed=seed)
        rows.append({"mem_pages": pages, "dropped": r["dropped"], "accounted": r["accounted"]})
        return r["dropped"] == 0

    found = search_min_int(passes, 2, hi, rel_tol)
    return {"value": found["value"], "trials": rows}
