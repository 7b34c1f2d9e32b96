"""make bench's XDP section (scripts/bench.py section_xdp) in a small quick form: the JSON's
schema, the order of the actions, every action's accounting, the cited costs and the
published rates set beside the model, and page_pool recycling through TX completion."""
import argparse
import json

import pytest

from pymodel import bench as B
from pymodel.costs import XDP_OPS, get_profile

KINDS = ("XDP_DROP", "XDP_TX", "XDP_PASS", "legacy", "page_pool")
SIZES = (64, 1518)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import bench as script  # scripts/bench.py, on pytest's pythonpath

    out = tmp_path_factory.mktemp("bench_xdp")
    args = argparse.Namespace(seed=3, backend="ref", jobs=1, quick=True)
    cfg = dict(script.CONFIGS["quick"], sizes=SIZES, warmup=200, measure=500)
    script.section_xdp(args, cfg, "test", out)
    return out, json.loads((out / "bench_xdp.json").read_text())


def test_schema(result):
    out, data = result
    meta = data["meta"]
    assert meta["seed"] == 3 and meta["date"] and meta["git_commit"] is not None
    assert {"platform", "python", "cpu_count"} <= set(meta["machine"])
    assert data["inputs"]["profile"] == "cortex-a53" and data["inputs"]["sizes"] == list(SIZES)
    for png, fig in data["figures"].items():
        assert (out / png).stat().st_size > 1000 and fig["inputs"]
    assert set(data["pps"]) == set(KINDS)
    assert len(data["rows"]) == len(KINDS) * len(SIZES)
    for row in data["rows"]:
        for key in ("kind", "size_fcs", "frame_len", "cpu_max_pps", "cpu_ns_per_pkt",
                    "cpu_ns_by_op", "line_rate_pps", "busy", "accounted", "page_pool"):
            assert key in row
        assert row["frame_len"] == row["size_fcs"] - 4
        assert row["busy"] > 0.9                     # CPU-bound in every cell
        # 10^9 / (cost per packet) is the CPU-bound maximum
        assert 1e9 / row["cpu_ns_per_pkt"] == pytest.approx(row["cpu_max_pps"], rel=0.01)
    assert data["wall_s"] > 0


def test_every_action_accounts_for_every_frame(result):
    _, data = result
    checks = data["checks"]
    assert checks["all_accounted"] and checks["mismatches"] == 0 and checks["breaches"] == 0
    for row in data["rows"]:
        assert row["accounted"] and row["mismatches"] == 0 and row["breaches"] == 0, row["kind"]
        if row["xdp"] is None:
            continue
        run = row["xdp_run"]
        assert run["balanced"] and run["tx_seqs_match"]
        assert sum(run["verdicts"].values()) == sum(
            run["driver"][k] for k in ("rx_xdp_pass", "rx_xdp_drop", "rx_xdp_tx"))
        assert run["mac_sink"]["mismatches"] == run["mac_sink"]["duplicates"] == 0
        if row["kind"] == "XDP_TX":
            assert run["transmitted"] == run["tx_meant"] == run["driver"]["rx_xdp_tx"] > 0
        else:
            assert run["transmitted"] == 0


def test_drop_is_fastest_then_tx_then_the_skb_paths(result):
    _, data = result
    pps = data["pps"]
    for s in map(str, SIZES):
        assert pps["XDP_DROP"][s] >= pps["XDP_TX"][s] > pps["page_pool"][s] > pps["XDP_PASS"][s]


def test_xdp_costs_are_charged_and_cited(result):
    _, data = result
    ns = get_profile("cortex-a53").ns
    rows = {(r["kind"], r["size_fcs"]): r for r in data["rows"]}
    for s in SIZES:
        drop, tx = rows[("XDP_DROP", s)]["cpu_ns_by_op"], rows[("XDP_TX", s)]["cpu_ns_by_op"]
        passed, pp = rows[("XDP_PASS", s)]["cpu_ns_by_op"], rows[("page_pool", s)]["cpu_ns_by_op"]
        for by in (drop, tx, passed):
            assert by["bpf_prog_run_xdp"] == pytest.approx(ns["bpf_prog_run_xdp"])
            assert by["xdp_prepare_buff"] == pytest.approx(ns["xdp_prepare_buff"])
        for op in ("xdp_convert_buff_to_frame", "xdp_submit_frame"):
            assert tx[op] == pytest.approx(ns[op]), op               # one a frame
        for op in ("txq_bufs_free", "xdp_return_frame"):
            # TX completion reclaims in batches: over a short window, one a frame give or take
            # a batch
            assert tx[op] == pytest.approx(ns[op], rel=0.15), op
        for op in ("xdp_convert_buff_to_frame", "xdp_submit_frame", "txq_bufs_free",
                   "xdp_return_frame"):
            assert op not in drop and op not in passed and op not in pp
        assert not set(XDP_OPS) & set(pp)
        # XDP_PASS is the page_pool path plus the program and its xdp_buff
        extra = sum(passed.values()) - sum(pp.values())
        assert extra == pytest.approx(ns["bpf_prog_run_xdp"] + ns["xdp_prepare_buff"], abs=2)
    for op in XDP_OPS:
        c = data["citations"][op]
        assert c["ns"] == pytest.approx(ns[op]) and c["source"] and c["source_text"]
        assert c["note"]
    for c in data["citations"].values():
        assert c["source_text"]


def test_published_rates_are_set_beside_the_model(result):
    _, data = result
    ref = data["reference"]
    assert ref["XDP_DROP"]["published_pps"] == 421419
    assert ref["XDP_TX"]["reference"] == "xdp_redirect_same_port"
    for kind, c in ref.items():
        assert c["size_fcs"] == 64
        assert c["model_pps"] == data["pps"][kind]["64"]
        assert c["model_over_published"] == pytest.approx(c["model_pps"] / c["published_pps"])
        assert c["ns_not_in_model"] == pytest.approx(
            1e9 / c["published_pps"] - c["model_ns_per_pkt"])


def test_xdp_tx_pages_come_back_through_tx_completion(result):
    _, data = result
    assert data["checks"]["xdp_tx_pages_back_through_tx_completion"]
    for s in map(str, SIZES):
        rec = data["xdp_tx_recycling"][s]
        assert rec["tx_xdp_returned_napi"] == rec["xdp_tx"] > 0
        assert rec["tx_xdp_returned_bulk"] == 0
        # each page returned by xdp_return_frame_rx_napi goes into the pool's cache directly
        assert rec["recycle_stats.cached"] >= rec["tx_xdp_returned_napi"]
        assert rec["window_per_pkt"]["rx_xdp_tx"] == 1.0
        assert rec["window_per_pkt"]["tx_xdp_returned_napi"] == pytest.approx(1.0, abs=0.15)
        assert rec["alloc_stats.slow"] * 64 == rec["dma_maps"]   # no page mapped twice


def test_cpu_bound_max_counts_the_programs_drops_as_work_not_loss():
    sat, offered = B.cpu_bound_max("ref", "page_pool", "cortex-a53", 512, link_gbps=1.0,
                                   warmup=100, measure=300, xdp="drop")
    assert sat["drops_by_cause"]["driver_xdp_drop"] > 0
    assert sat["window"]["busy"] > 0.9 and offered == B.saturation_load(512, 1.0)
    assert sat["window"]["frames"] == 300
    with pytest.raises(ValueError, match="page_pool"):
        B.run_cell("ref", path="legacy", profile="cortex-a53", frame_len=60,
                   offered_pps=1e5, frames=10, xdp="drop")
