"""The driver's TX queue (pymodel.tx) on the reference nic_dma: DQL and BQL, stop and wake,
xmit_more, frames of 1 to 18 descriptors under every memory mode, halt recovery, close with
frames in flight. Seeds are fixed and printed."""
import pytest

from pymodel import regs
from pymodel.errors import Breach
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix
from pymodel.tx import HZ, Dql

SEED = 11
MODES = [("cortex-a53", None, "profile"),            # non-coherent, no IOMMU
         ("cortex-a53-smmu-strict", None, "profile"),  # non-coherent, strict SMMU
         ("x86-iommu-lazy", None, "profile"),         # coherent, lazy IOMMU
         ("cortex-a53", True, None),                  # coherent, no IOMMU
         ("cortex-a53", None, "lazy")]                # non-coherent, lazy IOMMU


def clean(s):
    """Close, then: the sink saw only right frames, nothing leaked, nothing breached."""
    s.close()
    sink = s.mac_sink
    assert sink.mismatches == 0 and sink.duplicates == 0 and sink.out_of_order == 0, \
        sink.first_mismatch
    assert s.hm.checker.breaches == []
    assert s.hm.dma_debug_check_leaks() == 0 and s.hm.alloc.nr_in_use == 0
    assert not s.hm.xdp_frames


# ------------------------------------------------------------------ DQL (lib/dynamic_queue_limits.c)

def test_dql_grows_when_the_queue_starves_over_its_limit():
    d = Dql()
    assert d.limit == 0 and d.avail() == 0
    d.queued(1000)
    assert d.avail() == -1000                       # over the limit after one packet
    d.completed(1000)                               # starved while over the limit
    assert d.limit == 1000 and d.adj_limit == 2000 and d.avail() == 1000
    d.queued(1500)
    d.queued(1500)
    d.completed(3000)                               # starved again: the limit grows
    assert d.limit == 1000 + 3000 + 1000 - 1000 and d.avail() == d.limit


def test_dql_shrinks_by_the_lowest_slack_after_the_hold_time():
    t = [0.0]
    d = Dql(lambda: t[0])
    d.limit, d.adj_limit = 10000, 10000
    d.queued(3000)
    d.queued(3000)
    d.completed(1000)                                # busy all interval: no change yet
    d.queued(1000)
    d.completed(1000)
    assert d.limit == 10000 and d.lowest_slack == 10000 - 2 * 1000
    t[0] = 2e9                                       # past slack_hold_time (HZ jiffies)
    d.queued(1000)
    d.completed(1000)
    assert d.limit == 10000 - 8000 and d.lowest_slack == 0xFFFFFFFF
    assert d.slack_hold_time == HZ


# ------------------------------------------------------------------ the queue

def test_bql_holds_the_ring_to_what_the_link_drains():
    print(f"seed={SEED}")
    s = RefSystem(tx="stack", seed=SEED, tx_gbps=1.0)
    s.open()
    s.txnic.pause()
    for _ in range(20):
        s.stack_tx.xmit(1000)
    s.env.run(until_ns=s.env.now_ns + 1e5)
    assert s.txq.count == 2 and s.txq.nq.stack_xoff     # the first packet (head + 1 frag)
    assert len(s.txq.qdisc.q) == 19
    s.txnic.pause(False)
    s.drain()
    snap = s.txq.snapshot()
    assert s.mac_sink.seqs == list(range(20))
    assert snap["bql"]["stack_xoff"] >= 1 and snap["bql"]["stack_wake"] >= 1
    assert snap["bql"]["limit"] > 0 and snap["bql"]["num_queued"] == snap["bql"]["num_completed"]
    assert snap["queue"]["stops"] == 0 and s.txq.stats.tx_busy == 0
    clean(s)


def test_ring_full_stops_the_queue_and_completion_wakes_it():
    print(f"seed={SEED}")
    s = RefSystem(tx="stack", seed=SEED, tx_ring_size=64, tx_frag_len=400)
    s.open()
    s.txq.nq.dql.min_limit = 1 << 30               # BQL out of the way (limit_min)
    s.txq.nq.dql.limit = s.txq.nq.dql.adj_limit = 1 << 30
    s.txnic.pause()
    for _ in range(40):
        s.stack_tx.xmit(1000)                       # 1 head + 2 frags = 3 descriptors each
    s.env.run(until_ns=s.env.now_ns + 1e5)
    txq = s.txq
    assert txq.tx_stop_threshold == 64 - 1 - 18 and txq.count == 45
    assert txq.nq.netif_tx_queue_stopped() and txq.nq.stops == 1 and len(txq.qdisc.q) == 25
    s.txnic.pause(False)
    s.drain()
    assert txq.nq.wakes >= 1 and txq.stats.tx_busy == 0
    assert s.mac_sink.seqs == list(range(40)) and txq.stats.tx_completed == 40
    clean(s)


def test_xmit_more_batches_the_doorbell():
    s = RefSystem(tx="stack", seed=SEED, tx_gbps=10.0)
    s.open()
    s.run_stack_tx(300, sizes=SizeMix([(1.0, 60, 1514)], seed=SEED), gbps=40.0)
    st = s.txq.stats
    assert st.tx_packets == 300 and st.tx_xmit_more > 0
    assert st.tx_doorbell + st.tx_xmit_more == 300
    assert s.mac_sink.received == 300
    clean(s)


@pytest.mark.parametrize("profile, coherent, iommu", MODES)
def test_frames_of_1_to_18_descriptors_every_memory_mode(profile, coherent, iommu):
    print(f"seed={SEED} profile={profile} coherent={coherent} iommu={iommu}")
    s = RefSystem(tx="stack", seed=SEED, profile=profile, coherent=coherent, iommu=iommu,
                  tx_ring_size=64)
    s.open()
    s.stack_tx.frag_len = 100
    lengths = [256 + 100 * (k - 1) for k in range(1, 19)] + [9216]
    for n in lengths:
        s.stack_tx.xmit(n)
        s.env.run(until_ns=s.env.now_ns + 2e4)
    s.drain()
    assert s.mac_sink.seqs == list(range(len(lengths)))
    assert s.txq.stats.tx_desc_max == 18 and s.txq.stats.tx_multi_desc == 18
    totals = s.env.run_until_complete(s.txq.update_hw_stats())
    assert totals["frames"] == len(lengths)
    assert totals["desc_fetched"] == sum(range(1, 19)) + 18
    assert totals["bytes"] == sum(lengths) == s.mac_sink.bytes
    clean(s)
    assert s.hm.snapshot()["mappings_live"] == 0


@pytest.mark.parametrize("profile", ["cortex-a53", "x86-iommu-lazy"])
def test_mixed_traffic_with_the_stack_sending_at_line_rate(profile):
    print(f"seed={SEED} profile={profile}")
    s = RefSystem(tx="stack", seed=SEED, profile=profile, tx_gbps=1.0, tx_frag_len=1024)
    s.open()
    s.run_stack_tx(600, sizes=SizeMix(seed=SEED), gbps=1.0)
    st = s.txq.stats
    assert s.mac_sink.received == 600 == st.tx_completed and st.tx_dropped == 0
    assert s.txq.qdisc.drops == 0 and s.stack_tx.stats.queued == 600
    assert st.tx_bytes == st.tx_completed_bytes == s.mac_sink.bytes
    clean(s)


def test_halt_on_a_read_error_is_recovered_and_traffic_resumes():
    print(f"seed={SEED}")
    s = RefSystem(tx="stack", seed=SEED, profile="cortex-a53-smmu-strict", tx_gbps=1.0)
    s.open()
    s.run_stack_tx(50, sizes=SizeMix([(1.0, 100, 1500)], seed=SEED), gbps=1.0)
    s.hm.iommu.fail_next(1)                         # the next device access faults
    s.run_stack_tx(50, sizes=SizeMix([(1.0, 100, 1500)], seed=SEED + 1), gbps=1.0)
    txq = s.txq
    assert txq.stats.tx_halts == 1 and txq.stats.tx_recoveries == 1
    assert txq.halt_log[0]["err_code"] in (regs.ERR_DESC_READ, regs.ERR_DATA_READ)
    lost = txq.stats.tx_dropped
    assert 1 <= lost <= 2 and s.mac_sink.received + lost == 100
    assert s.mac_sink.seqs[-1] == 99                 # sent again after the recovery
    clean(s)


def test_close_with_frames_in_flight_frees_them_and_leaks_nothing():
    s = RefSystem(tx="stack", seed=SEED, tx_gbps=0.01)
    s.open()
    s.txq.nq.dql.min_limit = s.txq.nq.dql.limit = s.txq.nq.dql.adj_limit = 1 << 30
    for _ in range(5):
        s.stack_tx.xmit(1000)
    s.env.run(until_ns=s.env.now_ns + 1e4)
    assert s.txq.count == 10                         # 5 frames of 2 descriptors
    s.close()
    assert s.mac_sink.received == 1                  # the frame being read went out
    assert s.txq.stats.tx_ring_discard == 4 and s.txq.stats.tx_dropped == 4
    assert s.hm.checker.breaches == [] and s.hm.alloc.nr_in_use == 0
    assert s.hm.dma_debug_check_leaks() == 0


def test_the_queue_refuses_a_ring_too_small_for_two_frames():
    with pytest.raises(ValueError, match="two frames"):
        RefSystem(tx="stack", tx_ring_size=32)
    with pytest.raises(ValueError, match="TX=bogus"):
        RefSystem(tx="bogus")


def test_a_cpu_write_into_a_posted_buffer_is_a_breach_even_after_dd():
    s = RefSystem(tx="stack", seed=SEED)
    s.open()
    s.txnic.pause()
    s.stack_tx.xmit(500)
    s.env.run(until_ns=s.env.now_ns + 1e4)
    skb = s.txq.bufs[1].skb                          # on the frame's last descriptor
    with pytest.raises(Breach, match="TX descriptor 0"):
        s.hm.cpu_write(skb.head_page, skb.head_off + skb.data, b"x")


class TxIrqLine:
    """A bare nic_tx_dma's irq line for the host's interrupt service."""

    def __init__(self, nic, env):
        self.nic, self.env = nic, env

    def high(self):
        return self.nic.irq

    def clock(self):
        return self.env.sleep_ns(self.nic.clk_ns)


@pytest.mark.parametrize("coherent", [False, True])
def test_a_bare_nic_tx_dma_with_its_own_napi(coherent):
    """nic_tx_dma alone (registers at 0): the queue serves its own interrupt and NAPI."""
    from pymodel.costs import get_profile
    from pymodel.dma import HostMemory
    from pymodel.host import IrqService
    from pymodel.reftx import MacSink, RefTx
    from pymodel.sim import Env
    from pymodel.skb import SkbLayer
    from pymodel.stack import StackTx
    from pymodel.tx import TxQueue

    print(f"seed={SEED} coherent={coherent}")
    env = Env()
    hm = HostMemory(get_profile("cortex-a53"), coherent=coherent, now_ns=lambda: env.now_ns)
    sink = MacSink(seed=SEED)
    nic = RefTx(hm, env, mac=sink, gbps=1.0)
    skbs = SkbLayer(hm)
    txq = TxQueue(hm, nic, env, base=0, ring_size=64, skbs=skbs)
    nic.on_irq = IrqService(env, TxIrqLine(nic, env), txq.irq_handler).raised
    env.run_until_complete(txq.open(own_napi=True))
    sender = StackTx(env, skbs, txq.qdisc, seed=SEED, frag_len=700)
    task = env.spawn(sender.send(300, SizeMix(seed=SEED), gbps=1.0))
    env.run(until=lambda: task.done)
    env.run(until_ns=env.now_ns + 5e7, until=lambda: txq.count == 0 and not txq.qdisc.q)
    env.run(until_ns=env.now_ns + 1e5)
    assert sink.seqs == list(range(300)) and sink.mismatches == 0
    assert txq.stats.tx_completed == 300 and txq.stats.napi_poll > 0 and txq.stats.irq > 0
    assert txq.stats.tx_desc_max > 2
    env.run_until_complete(txq.close())
    assert hm.checker.breaches == [] and hm.alloc.nr_in_use == 0
    assert hm.dma_debug_check_leaks() == 0
