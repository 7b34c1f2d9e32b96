"""One test per TX / XDP edge behaviour of the table in docs/PYMODEL.md ("Transmit and
XDP"), each saying what the v6.18 function does."""
import pytest

from pymodel.driver import XDP_PASS
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix
from pymodel.tx import NETDEV_TX_OK, NetdevQueue
from pymodel.xdp import XdpProg

SEED = 41


def test_sent_queue_with_xmit_more_only_queues_and_rings_only_when_stopped():
    """__netdev_tx_sent_queue(): with more to come only dql_queued(), and the doorbell is due
    only if the queue is stopped; without, netdev_tx_sent_queue() and the doorbell."""
    nq = NetdevQueue()
    nq.dql.adj_limit = 10_000
    assert nq.sent_queue(1000, True) is False and nq.dql.num_queued == 1000
    assert not nq.stack_xoff                         # xmit_more never sets STACK_XOFF
    assert nq.sent_queue(1000, False) is True
    nq.netif_tx_stop_queue()
    assert nq.sent_queue(1000, True) is True         # stopped: ring now


def test_completed_queue_with_no_bytes_does_nothing():
    """netdev_tx_completed_queue(): `if (!bytes) return;` before dql_completed()."""
    nq = NetdevQueue()
    nq.netdev_tx_sent_queue(500)
    assert nq.stack_xoff
    nq.netdev_tx_completed_queue(0, 0)
    assert nq.stack_xoff and nq.dql.num_completed == 0
    woke = []
    nq.schedule = lambda: woke.append(1)
    nq.netdev_tx_completed_queue(1, 500)
    assert not nq.stack_xoff and woke == [1] and nq.bql_wakes == 1


def test_wake_schedules_the_qdisc_only_for_a_stopped_queue():
    """netif_tx_wake_queue(): test_and_clear_bit(__QUEUE_STATE_DRV_XOFF) then schedule."""
    nq = NetdevQueue()
    woke = []
    nq.schedule = lambda: woke.append(1)
    nq.netif_tx_wake_queue()
    assert woke == [] and nq.wakes == 0
    nq.netif_tx_stop_queue()
    nq.netif_tx_wake_queue()
    assert woke == [1] and nq.wakes == 1


def test_a_failed_fragment_map_unmaps_the_rest_and_drops_the_skb():
    """mvneta_tx(): a mapping error unwinds what was mapped, frees the skb, NETDEV_TX_OK."""
    s = RefSystem(tx="stack", seed=SEED, tx_frag_len=300)
    s.open()
    skb = s.skbs.alloc_skb_with_frags(b"\x02" * 1000, 256, 300)
    assert len(skb.frags) == 3
    real = s.hm.skb_frag_dma_map
    calls = []

    def frag_map(*a):
        calls.append(a)
        if len(calls) == 2:
            s.hm.map_fail_next = 1                    # the second fragment's map fails
        return real(*a)

    s.hm.skb_frag_dma_map = frag_map
    assert s.env.run_until_complete(s.txq.ndo_start_xmit(skb)) == NETDEV_TX_OK
    st = s.txq.stats
    assert st.tx_map_fail == 1 and st.tx_dropped == 1 and st.tx_packets == 0
    assert skb.freed and s.hm.snapshot()["tx_mappings_live"] == 0 and s.txq.count == 0
    s.hm.skb_frag_dma_map = real
    s.close()
    assert s.hm.checker.breaches == [] and s.hm.alloc.nr_in_use == 0


@pytest.mark.parametrize("verdict, aborted", [(0, 1), (1, 0), (7, 1)])
def test_aborted_and_unknown_verdicts_drop_like_xdp_drop(verdict, aborted):
    """mvneta_run_xdp(): XDP_ABORTED and an invalid action (bpf_warn_invalid_xdp_action)
    go through trace_xdp_exception() into the XDP_DROP case: the page recycled directly."""
    prog = XdpProg("v", lambda p, x: verdict)
    s = RefSystem(xdp=prog, seed=SEED)
    s.open()
    s.run_traffic(40, sizes=SizeMix([(1.0, 60, 500)], seed=SEED))
    st = s.driver.stats
    assert st.rx_xdp_drop == 40 and st.rx_xdp_aborted == 40 * aborted
    assert s.accounting()["balanced"]
    s.close()
    assert s.hm.checker.breaches == []


def test_tx_and_redirect_without_a_tx_queue_are_aborted():
    """A bare callable program has no TX queue behind it: XDP_TX and XDP_REDIRECT cannot be
    carried out and end as an exception (dropped, counted aborted)."""
    s = RefSystem(xdp=lambda x: 3, seed=SEED)
    s.open()
    s.run_traffic(10, sizes=SizeMix([(1.0, 60, 500)], seed=SEED))
    assert s.driver.stats.rx_xdp_aborted == 10 and s.driver.stats.rx_xdp_drop == 10
    s.close()


@pytest.mark.parametrize("coherent", [False, True])
def test_a_program_that_rewrites_a_passed_frame_is_seen_by_the_stack(coherent):
    """The program's stores land in the page (through the CPU's cache on non-coherent
    memory); XDP_PASS builds the skb over them; the page's recycling cleans the dirty lines
    before the device writes it again, so no breach."""
    def swap_and_pass(prog, x):
        x[0:6], x[6:12] = bytes(x[6:12]), bytes(x[0:6])
        return XDP_PASS

    s = RefSystem(xdp=XdpProg("swap_pass", swap_and_pass), seed=SEED, coherent=coherent,
                  ring_size=16)
    s.open()
    s.run_traffic(60, sizes=SizeMix([(1.0, 60, 500)], seed=SEED))
    sb, st = s.scoreboard, s.stack.stats
    assert sb.received == 60 and sb.mismatches == 60     # the stack saw the swapped frames
    assert st.csum_ok == 60                               # CSUM covers bytes 14 on
    s.close()
    assert s.hm.checker.breaches == []


def test_a_program_may_not_resize_the_frame():
    def grow(prog, x):
        x.extend(b"\x00")
        return XDP_PASS

    s = RefSystem(xdp=XdpProg("grow", grow), seed=SEED)
    s.open()
    with pytest.raises(ValueError, match="not resize"):
        s.run_traffic(1, sizes=SizeMix([(1.0, 60, 60)], seed=SEED))


def test_tx_every_k_sends_the_kth_frames_it_sees():
    s = RefSystem(xdp="tx_every:5", seed=SEED)
    s.open()
    s.run_traffic(50, sizes=SizeMix([(1.0, 60, 500)], seed=SEED))
    assert s.prog.sent_seqs == list(range(4, 50, 5)) == s.mac_sink.seqs
    s.close()
