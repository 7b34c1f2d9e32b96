"""Build and run one co-simulation (the `make sim` run and the co-sim tests), and its summary.

Options, their defaults and their checks are tb/cosim/options.py, set by make variables. Results go
to sim_build/sim_results.json; with WAVES=1 the FST goes to sim_build/cosim/nic_rx_dma.fst.
"""
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Mapping, Optional, Union

from tb.common.build import ROOT, build, run_test
from tb.common.params import to_env
from tb.cosim.options import Options, options  # noqa: F401 - callers take options from here


def run(opts: Union[Options, Mapping[str, str]], results: Path,
        fst: Path = ROOT / "sim_build" / "cosim" / "nic_rx_dma.fst", *,
        hdl_dir: Optional[Path] = None) -> dict:
    """Build and run one co-simulation; returns the results dict (also written to `results`).

    opts: Options, or option name -> text as tb.cosim.options.options() gives (checked here).
    hdl_dir: co-simulate the RTL in another directory (a mutant copy of hdl/) instead of hdl/;
    its build gets its own name.
    """
    o = opts if isinstance(opts, Options) and hdl_dir is None else Options.from_text(
        opts.text() if isinstance(opts, Options) else opts, hdl_dir=hdl_dir)
    params = o.parameters()
    results = Path(results).resolve()          # the simulator runs in its own directory
    bdir = build(o.sim, o.data_w, waves=bool(o.waves), hdl_dir=hdl_dir,
                 parameters=params or None, name=o.build_name(hdl_dir), top=o.top)
    tdir = results.parent / (results.stem + "_run")
    fst = fst if o.waves else None
    if fst:
        fst.parent.mkdir(parents=True, exist_ok=True)
    if results.exists():
        results.unlink()
    env = {**o.env(), **to_env(params), "COSIM_RESULTS": str(results)}
    t0 = time.time()
    try:
        run_test(o.sim, bdir, "tb.cosim.top", tdir, extra_env=env, seed=o.seed,
                 waves=fst, top=o.top)
    except SystemExit:
        pass
    if not results.exists():
        log = (tdir / "sim.log").read_text(errors="replace").splitlines()[-40:] \
            if (tdir / "sim.log").exists() else []
        raise RuntimeError(f"the co-simulation wrote no results ({time.time() - t0:.0f} s)\n"
                           + "\n".join(log))
    res = json.loads(results.read_text())
    res["verdict"] = failures(tdir / "results.xml")
    res["params"] = o.params
    res["build_parameters"] = params
    if hdl_dir is not None:
        res["hdl_dir"] = str(hdl_dir)
    if o.waves:
        res["waves"] = str(fst)
    results.write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    return res


def failures(xml: Path):
    if not xml.exists():
        return ["no cocotb results"]
    out = []
    for tc in ET.parse(xml).getroot().iter("testcase"):
        for f in list(tc.iter("failure")) + list(tc.iter("error")):
            out.append((f.get("message") or f.text or "failed").strip())
    return out


def _bus_row(bus: dict) -> list:
    """The `memory bus` row: the options that change the bus's timing, what was in flight, and
    whether the protocol monitor was off; none when every one is at its default."""
    rd, b = bus.get("mem_latency_ns") or (0, 0)
    words = []
    if bus.get("backpressure"):
        words.append(f"backpressure {bus['backpressure']:g}")
    if rd or b:
        words.append(f"latency R {rd:g} ns B {b:g} ns")
    if bus.get("mac_pause"):
        words.append(f"MAC pause {bus['mac_pause']:g}")
    most = bus.get("in_flight_max")
    if most:
        words.append(f"in flight at most: reads {most['read']} writes {most['write']}")
    if bus and not bus.get("monitor", True):
        words.append("AXI monitor off")
    return [("memory bus", "  ".join(words))] if words else []


def _tx_rows(res: dict) -> list:
    """nic_dma runs: the TX side's rows (what the MAC sink saw, the XDP actions, the TX
    queue and device counters, the pages that came back through TX completion)."""
    ms = res.get("mac_sink") or {}
    tx = res.get("tx") or {}
    td = tx.get("driver") or {}
    dev = tx.get("device") or {}
    rows = [("top", "nic_dma, " + (f"XDP={res['xdp']}" if res.get("xdp") else
                                     f"TX={res.get('tx_mode')}")),
            ("transmitted", f"{res.get('frames_transmitted', 0)} on m_axis_tx  (MAC sink: "
                            f"received {ms.get('received', 0)}  mismatched "
                            f"{ms.get('mismatches', 0)}  duplicates {ms.get('duplicates', 0)}  "
                            f"out of order {ms.get('out_of_order', 0)})")]
    if res.get("xdp"):
        acts = res.get("xdp_actions") or {}
        rows.append(("XDP actions", "  ".join(f"{k} {v}" for k, v in acts.items())))
    rows.append(("TX queue", f"xmit {td.get('tx_packets', 0)}  XDP_TX {td.get('tx_xdp_tx', 0)}  "
                             f"ndo_xdp_xmit {td.get('tx_xdp_xmit', 0)}  completed "
                             f"{td.get('tx_completed', 0)}  doorbells {td.get('tx_doorbell', 0)}  "
                             f"stops {(tx.get('queue') or {}).get('stops', 0)}"))
    rows.append(("TX completion", f"xdp_return_frame_rx_napi {td.get('tx_xdp_returned_napi', 0)}"
                                  f"  xdp_return_frame_bulk {td.get('tx_xdp_returned_bulk', 0)}  "
                                  f"napi_consume_skb {td.get('tx_completed', 0)}"))
    rows.append(("TX device", f"STAT_FRAMES {dev.get('frames', 0)}  STAT_BYTES "
                              f"{dev.get('bytes', 0)}  STAT_DESC_FETCHED "
                              f"{dev.get('desc_fetched', 0)}  STAT_AXI_ERR {dev.get('axi_err', 0)}"))
    return rows


def summary(res: dict, command: str = "") -> str:
    """The table `make sim` prints; `command`, the line that repeats the run, ends it."""
    pp = res.get("page_pool", {})
    dma = res.get("dma", {})
    drops = res.get("drops", {})
    rows = [
        ("run", f"{res['sim']}, DATA_W {res['data_w']}, driver {res['driver']}, "
                f"{'coherent' if int(res['coherent']) else 'non-coherent'}, IOMMU {res['iommu']}, "
                f"profile {res['profile']}" + (f", BUG {res['bug']}" if res.get("bug") else "")
                + (f", PARAMS {res['params']}" if res.get("params") else "")
                + (f", RX_OFFSET {res['rx_offset']}" if res.get("rx_offset") else "")),
        ("traffic", f"{res['frames_sent']} frames, sizes {res['sizes']}, {res['rate_gbps']} Gb/s, "
                    f"seed {res['seed']}"),
        *_bus_row(res.get("bus") or {}),
        ("frames", f"sent {res['frames_sent']}  delivered {res['frames_delivered']}  "
                   + (f"transmitted {res['frames_transmitted']}  "
                      if "frames_transmitted" in res else "")
                   + f"dropped {res['drops_total']}  mismatched {res['mismatches']}"),
        ("drops by cause", "  ".join(f"{k} {v}" for k, v in drops.items()) or "-"),
        ("rate (sim time)", f"{res['mpps']:.3f} Mpps delivered of {res['offered_mpps']:.3f} offered"),
        ("page_pool alloc", "  ".join(f"{k} {pp.get('alloc_stats.' + k, 0)}" for k in
                                      ("fast", "slow", "slow_high_order", "empty", "refill", "waive"))
         if pp else "- (legacy path: no pool)"),
        ("page_pool recycle", "  ".join(f"{k} {pp.get('recycle_stats.' + k, 0)}" for k in
                                        ("cached", "cache_full", "ring", "ring_full",
                                         "released_refcnt")) if pp else "-"),
        ("DMA API", f"map {dma.get('map', 0)}  unmap {dma.get('unmap', 0)}  "
                    f"sync_for_cpu {dma.get('sync_for_cpu', 0)}  "
                    f"sync_for_device {dma.get('sync_for_device', 0)}"),
        ("page_pool pages", f"hold {pp.get('pages_state_hold_cnt', 0)}  release "
                            f"{pp.get('pages_state_release_cnt', 0)}  inflight {pp.get('inflight', 0)}"
         if pp else "-"),
        ("breaches", f"{res['breaches']}" + (f"  {res['breaches_by_rule']}" if res['breaches'] else "")),
    ]
    drv = res.get("driver_stats", {}) or {}
    dev = res.get("device", {}) or {}
    if dev.get("axi_err") or drv.get("rx_halts"):
        fault = res.get("fault")
        rows.append(("halts", f"AXI errors {dev.get('axi_err', 0)}  halts {drv.get('rx_halts', 0)}  "
                              f"recoveries {drv.get('rx_recoveries', 0)}  frames taken past HEAD "
                              f"{drv.get('rx_halt_recounted', 0)}"
                              + (f"  (injected: {fault})" if fault else "")))
    f = res.get("faults")
    if f:
        hit = {c: n for c, n in f["injected"].items() if n}
        rows.append(("faults", f"injected {f['injected_total']}  recovered {f['recovered_total']}"
                               + ("  by class: " + "  ".join(f"{c} {n}" for c, n in hit.items())
                                  if hit else "")))
    d = res.get("disrupt")
    if d:
        rows.append(("disruption", f"close/open {d['close']}  ring resizes {d['resize']}  "
                                   f"reopen retries {d['open_fail']}  down "
                                   f"{d['down_ns'] / 1e3:.1f} us  page_pools made "
                                   f"{res.get('pools_created')}"))
    if res.get("top") == "nic_dma":
        rows += _tx_rows(res)
    if res.get("mem_pages"):
        rows.append(("memory limit", f"{res['mem_pages']} pages  refill failures "
                                     f"{drv.get('rx_alloc_fail', 0)}"))
    rows += [
        ("teardown", f"pages in flight {res['pages_in_flight']}  mappings left {res['mappings_left']}"
                     + (f"  destroyed pools never freed {res['pools_pending']}"
                        if res.get("pools_pending") else "")),
        ("simulation", f"{res['cycles']} cycles in {res['wall_s']:.1f} s wall "
                       f"({res['cycles_per_s'] or 0:.0f} cycles/s), {res['sim_ns'] / 1e3:.1f} us simulated"),
        ("verdict", "PASS" if not res.get("verdict") else "FAIL: " + "; ".join(res["verdict"])),
    ] + ([("reproduce", command)] if command else [])
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{w}}  {v}" for k, v in rows)
