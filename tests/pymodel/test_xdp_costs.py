"""The XDP paths' CPU costs: each operation of pymodel/costs.json charged where the kernel does
the work (xdp_prepare_buff, bpf_prog_run_xdp, xdp_convert_buff_to_frame, the TX descriptor of
mvneta_xdp_submit_frame, TX completion in mvneta_txq_bufs_free, the xdp_frame's return), once
per frame or descriptor, on every profile, cited, and never on the skb paths."""
import json
import os

import pytest

from pymodel import regs
from pymodel.costs import PROFILES, XDP_OPS, citation, reference_figures
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix
from pymodel.xdp import (
    XdpBuff,
    XdpFrameBulk,
    program,
    xdp_convert_buff_to_frame,
    xdp_return_frame_bulk,
    xdp_return_frame_rx_napi,
)

SEED = 5
SMALL = SizeMix([(1.0, 60, 1500)], seed=SEED)     # one buffer a frame: one TX descriptor


def calls(s):
    return {op: s.hm.meter.calls.get(op, 0) for op in XDP_OPS}


def test_every_profile_has_the_xdp_figures_with_a_source():
    data = json.load(open(os.path.join(os.path.dirname(regs.__file__), "costs.json")))
    for name, prof in PROFILES.items():
        for op in XDP_OPS:
            assert prof.ns[op] > 0 and prof.sources[op] in data["sources"], (name, op)
            c = citation(name, op)
            assert c["ns"] == prof.ns[op] and c["note"] and c["source_text"]
    assert PROFILES["cortex-a53"].ns["bpf_prog_run_xdp"] == 173      # 7.29 % of 2,373 ns
    assert PROFILES["cortex-a53-smmu-strict"].ns["txq_bufs_free"] == \
        PROFILES["cortex-a53"].ns["txq_bufs_free"]                    # inherited
    ref = reference_figures("cortex-a53")
    assert ref["xdp_drop"]["pps"] == 421419 and ref["xdp_redirect_same_port"]["pps"] == 263334
    assert all(r["source_text"] for r in ref.values())


def test_buffer_program_convert_and_return_each_charge_once():
    s = RefSystem(xdp="tx", seed=SEED)
    s.open()
    m = s.hm.meter
    page = s.driver.pool.alloc_pages()
    before = dict(m.calls)
    xdp = XdpBuff(b"z" * 64, page, 256)
    assert m.calls["xdp_prepare_buff"] == before.get("xdp_prepare_buff", 0) + 1
    prog = program("drop")
    prog(xdp)
    assert m.calls["bpf_prog_run_xdp"] == before.get("bpf_prog_run_xdp", 0) + 1
    ns = m.total_ns
    xdpf = xdp_convert_buff_to_frame(xdp, s.hm)
    assert m.total_ns - ns == pytest.approx(s.hm.meter.profile.ns["xdp_convert_buff_to_frame"])
    ret = m.calls.get("xdp_return_frame", 0)
    xdp_return_frame_rx_napi(xdpf)
    assert m.calls["xdp_return_frame"] == ret + 1
    s.hm.checker.strict = False
    xdp_return_frame_rx_napi(xdpf)                 # a second return is a breach, not work
    assert m.calls["xdp_return_frame"] == ret + 1
    s.hm.checker.breaches.clear()
    s.hm.checker.strict = True
    s.close()


def test_a_buffer_outside_a_pool_charges_nothing(hm):
    page = hm.alloc.alloc_pages(0)
    program("pass")(XdpBuff(b"x" * 60, page, 256))
    assert "xdp_prepare_buff" not in hm.meter.calls and "bpf_prog_run_xdp" not in hm.meter.calls


def test_bulk_return_charges_each_frame():
    s = RefSystem(xdp="tx", seed=SEED)
    s.open()
    pool, m = s.driver.pool, s.hm.meter
    bq = XdpFrameBulk()
    n0 = m.calls.get("xdp_return_frame", 0)
    for _ in range(5):
        xdp_return_frame_bulk(xdp_convert_buff_to_frame(XdpBuff(b"y" * 64, pool.alloc_pages(),
                                                                256), s.hm), bq)
    assert m.calls["xdp_return_frame"] == n0 + 5
    from pymodel.xdp import xdp_flush_frame_bulk
    xdp_flush_frame_bulk(bq)
    s.close()


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_xdp_tx_charges_once_a_frame(profile):
    s = RefSystem(xdp="tx", seed=SEED, profile=profile)
    s.open()
    s.run_traffic(300, sizes=SMALL, gbps=1.0)
    acc = s.accounting()
    assert acc["balanced"] and acc["transmitted"] == 300
    assert calls(s) == dict.fromkeys(XDP_OPS, 300)
    ns = s.hm.meter.profile.ns
    for op in XDP_OPS:
        assert s.hm.meter.by_op[op] == pytest.approx(300 * ns[op])
    s.close()


@pytest.mark.parametrize("spec", ["drop", "pass"])
def test_drop_and_pass_charge_the_program_and_the_buffer_only(spec):
    s = RefSystem(xdp=spec, seed=SEED)
    s.open()
    s.run_traffic(200, sizes=SMALL, gbps=1.0)
    assert s.accounting()["balanced"]
    c = calls(s)
    assert c["xdp_prepare_buff"] == c["bpf_prog_run_xdp"] == 200
    assert c["xdp_convert_buff_to_frame"] == c["xdp_submit_frame"] == 0
    assert c["txq_bufs_free"] == c["xdp_return_frame"] == 0
    s.close()


def test_redirect_charges_the_tx_side_too():
    s = RefSystem(xdp="redirect", seed=SEED)
    s.open()
    s.run_traffic(200, sizes=SMALL, gbps=1.0)
    assert s.accounting()["transmitted"] == 200
    assert calls(s) == dict.fromkeys(XDP_OPS, 200)
    s.close()


def test_multi_buffer_frames_charge_per_descriptor():
    s = RefSystem(xdp="tx", seed=SEED)
    s.open()
    s.run_traffic(50, sizes=SizeMix([(1.0, 5000, 6000)], seed=SEED), gbps=1.0)
    assert s.accounting()["transmitted"] == 50
    descs = s.env.run_until_complete(s.txq.update_hw_stats())["desc_fetched"]
    c = calls(s)
    assert descs > 50
    assert c["xdp_submit_frame"] == c["txq_bufs_free"] == descs
    assert c["bpf_prog_run_xdp"] == c["xdp_convert_buff_to_frame"] == c["xdp_return_frame"] \
        == 50
    s.close()


@pytest.mark.parametrize("path", ["legacy", "page_pool"])
def test_the_skb_paths_charge_no_xdp_cost(path):
    s = RefSystem(path=path, seed=SEED)
    s.open()
    s.run_traffic(100, sizes=SMALL, gbps=1.0)
    assert not set(XDP_OPS) & set(s.hm.meter.calls)
    s.close()


def test_sending_from_the_stack_charges_no_xdp_cost():
    s = RefSystem(tx="stack", seed=SEED)
    s.open()
    s.run_stack_tx(100)
    assert s.txq.stats.tx_completed == 100
    assert not set(XDP_OPS) & set(s.hm.meter.calls)
    s.close()
