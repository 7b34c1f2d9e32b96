"""Co-simulation on nic_dma: XDP and the TX queue through the RTL, on both simulators.

Every run checks each frame on m_axis_tx with the MAC sink (once, in order, byte-exact, with
the Ethernet addresses swapped for XDP_TX), that sent = delivered + transmitted + drops, that
no DMA rule is broken and that nothing leaks at close; the TX block's STAT_FRAMES must equal
the frames the MAC saw. The sabotage runs give the TX queue one TX or XDP bug each and require
the checker to name its rule.
"""
from pathlib import Path

import pytest

from pymodel.sabotage import TX_BUGS
from tb.cosim.run import options, run

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sim_build" / "cosim" / "tests_xdp"
SIMS = ("icarus", "verilator")
# a wide bus at 10 Gb/s: few beats a frame, so 5,000 frames take seconds on either simulator;
# the x86 cost profile keeps up with that rate, so no frame is dropped
FAST = dict(data_w=512, clk_ns=4, rate=10, profile="x86-iommu-lazy")
XDP_TX_FRAMES = {"verilator": 5000, "icarus": 2000}


def cosim(name, **kw):
    opts = options({k.upper(): str(v) for k, v in kw.items()})
    res = run(opts, OUT / f"{name}.json", fst=OUT / f"{name}.fst")
    print(f"{name}: seed {opts['seed']} sent {res['frames_sent']} delivered "
          f"{res['frames_delivered']} transmitted {res.get('frames_transmitted')} drops "
          f"{res['drops_total']} verdict {res['verdict']}")
    return res


def assert_tx_clean(res):
    assert res["verdict"] == [], res["verdict"]
    assert res["errors"] == [] and res["breaches"] == 0
    ms = res["mac_sink"]
    assert ms["mismatches"] == 0 and ms["duplicates"] == 0 and ms["out_of_order"] == 0, ms
    assert res["accounted"]
    assert (res["frames_delivered"] + res["frames_transmitted"] + res["drops_total"]
            == res["frames_sent"])
    assert res["pages_in_flight"] == 0 and res["mappings_left"] == 0 and res["leaks"] == 0
    dev = res["tx"]["device"]
    assert dev["frames"] == ms["received"] and dev["bytes"] == ms["bytes"], dev
    assert dev["axi_err"] == 0
    assert res["tx"]["in_flight"] == 0


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("coherent", [0, 1])
def test_xdp_tx_sends_every_frame_back(sim, coherent):
    """make sim XDP=tx FRAMES=5000 (2,000 on Icarus, three times slower, in make test's
    budget): every frame goes back out byte-exact with its addresses swapped, and every page
    comes back to its pool through TX completion."""
    frames = XDP_TX_FRAMES[sim]
    res = cosim(f"xdp-tx-{sim}-c{coherent}", sim=sim, xdp="tx", coherent=coherent,
                frames=frames, seed=31, **FAST)
    assert_tx_clean(res)
    assert res["frames_transmitted"] == res["tx_meant"] == frames and res["drops_total"] == 0
    assert res["tx_seqs_match"]
    assert res["frames_delivered"] == 0
    td = res["tx"]["driver"]
    assert td["tx_xdp_tx"] == res["frames_transmitted"]
    # the pages come back through TX completion: direct recycling inside NAPI
    assert td["tx_xdp_returned_napi"] == res["frames_transmitted"]
    assert res["page_pool"]["recycle_stats.cached"] >= res["frames_transmitted"]


@pytest.mark.parametrize("xdp, check", [
    ("pass", lambda r: r["frames_delivered"] == r["frames_sent"]
     and r["frames_transmitted"] == 0),
    ("drop", lambda r: r["drops"]["driver_xdp_drop"] == r["frames_sent"]
     and r["frames_transmitted"] == 0),
    ("redirect", lambda r: r["frames_transmitted"] == r["frames_sent"]
     and r["tx"]["driver"]["tx_xdp_xmit"] == r["frames_sent"]
     and r["tx"]["driver"]["tx_xdp_returned_bulk"] == r["frames_sent"]),
    ("tx_every:4", lambda r: r["frames_transmitted"] == r["frames_sent"] // 4
     and r["frames_delivered"] == r["frames_sent"] - r["frames_sent"] // 4),
])
def test_xdp_actions(xdp, check):
    res = cosim(f"xdp-{xdp.replace(':', '')}", sim="verilator", xdp=xdp, frames=400, seed=32,
                iommu="strict", profile="cortex-a53-smmu-strict")
    assert_tx_clean(res)
    assert check(res), {k: res[k] for k in ("frames_sent", "frames_delivered",
                                            "frames_transmitted", "drops")}


@pytest.mark.parametrize("sim", SIMS)
def test_tx_from_the_stack(sim):
    """TX=stack: frames from the stack through ndo_start_xmit alone, in 1 .. 18 buffers."""
    res = cosim(f"tx-stack-{sim}", sim=sim, tx="stack", frames=300, seed=33,
                sizes="uniform:60-9000", iommu="lazy", **FAST)
    assert_tx_clean(res)
    td = res["tx"]["driver"]
    assert res["frames_transmitted"] == td["tx_completed"] == td["tx_packets"]
    assert res["frames_transmitted"] + res["drops_total"] == 300
    assert td["tx_multi_desc"] > 0


TX_SABOTAGE = {
    "xdp_tx_no_sync": dict(xdp="tx", coherent=0),
    "xdp_double_return": dict(xdp="tx"),
    # a completion that ignores DD breaks once a descriptor is still out when NAPI polls:
    # memory latency keeps TX reads in flight (on a fast memory the block may finish each
    # frame before the next poll, and the bug would go unseen)
    "tx_free_before_dd": dict(xdp="tx", mem_latency="200,100"),
    "tx_cpu_write_after_post": dict(tx="stack"),
}
# tx_leak_at_close forgets descriptors still in flight at close; the co-simulation closes only
# after the TX side drained, so it has nothing to forget: tests/pymodel/test_tx_sabotage.py
# closes mid-traffic and catches it (TxBufferLeak)
NOT_COSIM = {"tx_leak_at_close"}


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("bug", list(TX_SABOTAGE))
def test_tx_sabotage_is_caught(bug, sim):
    """Each TX and XDP sabotage variant the co-simulation can meet is caught on both
    simulators, with its rule named."""
    assert set(TX_SABOTAGE) | NOT_COSIM == set(TX_BUGS)
    res = cosim(f"tx-sabotage-{bug}-{sim}", sim=sim, bug=bug, frames=120, seed=34,
                **TX_SABOTAGE[bug])
    rule = TX_BUGS[bug]
    text = " ".join(res["verdict"] + res["errors"])
    assert res["verdict"], f"{bug} was not caught"
    assert rule in text or res["breaches_by_rule"].get(rule), \
        f"{bug}: the rule {rule} is not named: {text[:400]}"


@pytest.mark.parametrize("sim", SIMS)
def test_waves_of_nic_dma_have_the_tx_layout(sim):
    """A nic_dma run's FST holds every signal of its layout (RX, TX and the shared bus)."""
    res = cosim(f"xdp-waves-{sim}", sim=sim, xdp="tx", waves=1, frames=20, seed=36)
    assert_tx_clean(res)
    fst = Path(res["waves"])
    assert fst.exists() and fst.stat().st_size > 0
    import waves
    assert waves.layout_for(waves.fst_vars(fst)) == "nic_dma"
    assert waves.render(fst, check_only=True) is not None
