"""XDP in the page_pool RX path, end to end on the reference nic_dma: every verdict, XDP_TX
through xdp_frame and the TX ring with pages recycled by TX completion, XDP_REDIRECT through
ndo_xdp_xmit and xdp_do_flush, the accounting sent = delivered + transmitted + drops, the
programs. Seeds are fixed and printed."""
import pytest

from pymodel.dma import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE
from pymodel.driver import RxDriver
from pymodel.errors import BusErrorResponse
from pymodel.stack import HoldTime
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix
from pymodel.xdp import (
    XDP_ABORTED,
    XDP_DROP,
    XDP_PASS,
    XDP_REDIRECT,
    XDP_TX,
    XdpBuff,
    XdpFrameBulk,
    XdpProg,
    program,
    xdp_convert_buff_to_frame,
    xdp_return_frame_bulk,
)

SEED = 21
MODES = [("cortex-a53", None, "profile"), ("cortex-a53-smmu-strict", None, "profile"),
         ("x86-iommu-lazy", None, "profile"), ("cortex-a53", True, None),
         ("cortex-a53", None, "lazy")]


def finish(s):
    """Close; nothing leaked, nothing breached, every pool freed."""
    s.close()
    assert s.hm.checker.breaches == []
    assert s.hm.alloc.nr_in_use == 0 and s.hm.dma_debug_check_leaks() == 0
    assert not s.hm.xdp_frames
    assert all(p.freed and p.inflight == 0 for p in s.driver.pools)


def test_the_verdicts_are_the_kernels():
    assert (XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT) == (0, 1, 2, 3, 4)


@pytest.mark.parametrize("spec", ["tx_every:0", "tx_every:x", "bogus", "tx:1"])
def test_program_names_are_checked(spec):
    with pytest.raises(ValueError, match=f"XDP={spec}"):
        program(spec)


def test_the_legacy_path_refuses_a_program(hm):
    with pytest.raises(ValueError, match="page_pool RX path"):
        RxDriver(hm, None, None, path="legacy", xdp=program("pass"))


def test_a_program_makes_the_pool_bidirectional():
    s = RefSystem(xdp="pass", seed=SEED)
    s.open()
    assert s.driver.pool.p.dma_dir == DMA_BIDIRECTIONAL
    finish(s)
    s = RefSystem(seed=SEED)
    s.open()
    assert s.driver.pool.p.dma_dir == DMA_FROM_DEVICE
    finish(s)


def test_xdp_tx_5000_frames_end_to_end():
    """XDP=tx: every frame goes back out once, in order, byte-exact with its addresses
    swapped; every page comes back to the pool through TX completion, recycled directly."""
    print(f"seed={SEED}")
    s = RefSystem(xdp="tx", seed=SEED, tx_gbps=1.0)
    s.open()
    s.run_traffic(5000, sizes=SizeMix(seed=SEED), gbps=1.0)
    acc = s.accounting()
    sink, st, tst = s.mac_sink, s.driver.stats, s.txq.stats
    assert acc["sent"] == 5000 and acc["balanced"] and acc["tx_seqs_match"]
    assert acc["delivered"] == 0 and acc["transmitted"] == 5000 and acc["drops_total"] == 0
    assert sink.received == 5000 and sink.seqs == list(range(5000))
    assert sink.mismatches == sink.duplicates == sink.out_of_order == 0
    assert st.rx_xdp_tx == tst.tx_xdp_tx == tst.tx_xdp_returned_napi == 5000
    assert st.rx_xdp_pass == st.rx_xdp_drop == st.rx_xdp_tx_err == tst.tx_xdp_tx_err == 0
    assert tst.tx_doorbell == 5000                  # mvneta: the doorbell after each frame
    hw = s.env.run_until_complete(s.txq.update_hw_stats())
    assert hw["frames"] == 5000 and hw["bytes"] == sink.bytes
    pages = hw["desc_fetched"]                      # one TX descriptor per page of a frame
    assert pages == 5000 + st.rx_multi_buf + sum(
        1 for n in s.txnic.frames_sent if n > 2 * s.driver.buf_len)
    rs = s.driver.pool.stats.recycle_stats
    assert rs.cached == pages and rs.ring == rs.cache_full == rs.released_refcnt == 0
    assert s.hm.snapshot()["map"] == s.driver.pool.maps   # XDP_TX maps nothing new
    finish(s)


@pytest.mark.parametrize("profile, coherent, iommu", MODES)
def test_xdp_tx_every_memory_mode(profile, coherent, iommu):
    print(f"seed={SEED} profile={profile} coherent={coherent} iommu={iommu}")
    s = RefSystem(xdp="tx", seed=SEED, profile=profile, coherent=coherent, iommu=iommu)
    s.open()
    s.run_traffic(400, sizes=SizeMix(seed=SEED + 1), gbps=1.0)
    acc = s.accounting()
    assert acc["balanced"] and acc["transmitted"] == 400 and acc["tx_seqs_match"]
    assert s.mac_sink.mismatches == 0
    finish(s)


@pytest.mark.parametrize("spec, delivered, transmitted, dropped", [
    ("pass", 300, 0, 0), ("drop", 0, 0, 300), ("redirect", 0, 300, 0),
    ("tx_every:3", 200, 100, 0), ("tx_every:1", 0, 300, 0)])
def test_every_program_accounts_for_every_frame(spec, delivered, transmitted, dropped):
    print(f"seed={SEED} XDP={spec}")
    s = RefSystem(xdp=spec, seed=SEED, tx_gbps=1.0)
    s.open()
    s.run_traffic(300, sizes=SizeMix(seed=SEED + 2), gbps=1.0)
    acc = s.accounting()
    assert acc["balanced"] and acc["sent"] == 300
    assert (acc["delivered"], acc["transmitted"], acc["drops_total"]) == \
        (delivered, transmitted, dropped)
    assert acc["drops"]["driver_xdp_drop"] == dropped
    assert s.scoreboard.mismatches == 0 and s.scoreboard.received == delivered
    assert s.mac_sink.mismatches == 0 and acc["tx_seqs_match"]
    if spec == "redirect":
        tst = s.txq.stats
        assert tst.tx_xdp_xmit == 300 and tst.tx_xdp_returned_bulk == 300
        assert s.driver.xdp_bq.flushes >= 1 and s.driver.xdp_bq.dropped == 0
        bufs = s.env.run_until_complete(s.txq.update_hw_stats())["desc_fetched"]
        assert bufs >= 300 + s.driver.stats.rx_multi_buf
        assert s.hm.snapshot()["map"] == s.driver.pool.maps + bufs   # dma_map_single each
    finish(s)


def test_xdp_tx_with_the_ring_full_drops_and_counts():
    print(f"seed={SEED}")
    s = RefSystem(xdp="tx", seed=SEED, tx_ring_size=64)
    s.open()
    s.txnic.pause()
    s.run_traffic(100, sizes=SizeMix([(1.0, 60, 1000)], seed=SEED), gbps=1.0, drain_ns=1e5)
    st = s.driver.stats
    assert st.rx_xdp_tx == 62 and st.rx_xdp_tx_err == 38       # 63 usable slots, one kept
    s.txnic.pause(False)
    s.drain()
    acc = s.accounting()
    assert acc["balanced"] and acc["transmitted"] == 62
    assert acc["drops"]["driver_xdp_tx_err"] == 38
    assert s.mac_sink.seqs == s.prog.sent_seqs[:62] and s.mac_sink.mismatches == 0
    finish(s)


def test_frames_left_on_the_tx_ring_at_close_go_back_to_the_pool():
    s = RefSystem(xdp="tx", seed=SEED, tx_gbps=0.01)
    s.open()
    s.run_traffic(20, sizes=SizeMix([(1.0, 500, 1000)], seed=SEED), gbps=1.0, drain_ns=1e4)
    assert s.txq.count > 1
    s.close()
    assert s.txq.stats.tx_ring_discard >= 1
    assert s.hm.checker.breaches == [] and s.hm.alloc.nr_in_use == 0 and not s.hm.xdp_frames


def test_convert_needs_headroom_for_the_frame(hm):
    page = hm.alloc.alloc_pages(0)
    assert xdp_convert_buff_to_frame(XdpBuff(b"x" * 60, page, 32), hm) is None
    xdpf = xdp_convert_buff_to_frame(XdpBuff(b"x" * 60, page, 256), hm)
    assert xdpf.headroom == 256 - 40 and xdpf.len == 60 and hm.xdp_frames


def test_bulk_return_flushes_at_sixteen():
    s = RefSystem(xdp="tx", seed=SEED)
    s.open()
    pool = s.driver.pool
    pages = [pool.alloc_pages() for _ in range(20)]
    bq = XdpFrameBulk()
    for p in pages:
        xdpf = xdp_convert_buff_to_frame(XdpBuff(b"y" * 64, p, 256), s.hm)
        xdp_return_frame_bulk(xdpf, bq)
    assert len(bq.q) == 4                             # 16 went in one bulk
    from pymodel.xdp import xdp_flush_frame_bulk
    xdp_flush_frame_bulk(bq)
    assert not bq.q and not s.hm.xdp_frames
    finish(s)


def test_redirect_frames_the_tx_ring_cannot_take_are_counted_drops():
    print(f"seed={SEED}")
    s = RefSystem(xdp="redirect", seed=SEED, tx_ring_size=64)
    s.open()
    s.txnic.pause()
    s.run_traffic(200, sizes=SizeMix([(1.0, 60, 1000)], seed=SEED), gbps=1.0, drain_ns=1e5)
    s.txnic.pause(False)
    s.drain()
    acc = s.accounting()
    tst = s.txq.stats
    assert acc["balanced"] and acc["transmitted"] == tst.tx_xdp_xmit == 62
    assert acc["drops"]["driver_xdp_tx_err"] == tst.tx_xdp_xmit_err == 138
    assert s.driver.stats.rx_xdp_redirect == 62 and s.driver.xdp_bq.dropped == 138
    finish(s)


class EveryNthReadFails:
    """The TX block's memory: every n-th device read answers SLVERR."""

    def __init__(self, hm, n):
        self.hm, self.n, self.k = hm, n, 0

    def device_read(self, addr, length):
        self.k += 1
        if self.k % self.n == 0:
            raise BusErrorResponse("SLVERR")
        return self.hm.device_read(addr, length)

    def device_write(self, addr, data):
        self.hm.device_write(addr, data)


@pytest.mark.parametrize("n", [7, 50])
def test_tx_halts_under_xdp_tx_are_recovered_and_every_frame_accounted(n):
    print(f"seed={SEED} every {n}th TX read fails")
    s = RefSystem(xdp="tx", seed=SEED, tx_gbps=1.0)
    s.txnic.mem = EveryNthReadFails(s.hm, n)
    s.open()
    s.run_traffic(400, sizes=SizeMix(seed=SEED), gbps=1.0)
    acc = s.accounting()
    tst = s.txq.stats
    assert acc["balanced"] and tst.tx_halts == tst.tx_recoveries > 0
    assert {h["err_code"] for h in s.txq.halt_log} <= {1, 2}
    assert acc["drops"]["driver_xdp_tx_discard"] == tst.tx_xdp_discard > 0
    assert acc["transmitted"] + tst.tx_xdp_discard == 400
    assert s.mac_sink.mismatches == 0 and s.mac_sink.out_of_order == 0
    finish(s)


def test_close_reopen_and_ring_changes_under_xdp_keep_the_books():
    print(f"seed={SEED}")
    s = RefSystem(xdp="tx_every:2", seed=SEED, hold=HoldTime("exp", 20000, seed=SEED),
                  tx_gbps=1.0)
    s.open()
    d = s.disrupt("close:300000,resize:500000,down:20000,rings:64/256")
    s.run_traffic(2000, sizes=SizeMix(seed=SEED), gbps=1.0)
    s.settle(d)
    s.drain()
    acc = s.accounting()
    assert d.stats.close > 5 and d.stats.resize > 5
    assert acc["balanced"] and acc["delivered"] > 0 and acc["transmitted"] > 0
    assert s.mac_sink.mismatches == 0 and s.mac_sink.out_of_order == 0
    assert s.scoreboard.mismatches == 0
    s.close()
    s.env.run(until_ns=s.env.now_ns + 5e9)              # the pools' deferred release
    assert s.hm.checker.breaches == [] and s.hm.alloc.nr_in_use == 0 and not s.hm.xdp_frames
    assert all(p.freed for p in s.driver.pools)


@pytest.mark.parametrize("verdict", [XDP_DROP, XDP_ABORTED])
def test_xdp_drop_syncs_for_the_device_only_what_the_cpu_touched(verdict):
    """mvneta_run_xdp() (v6.18): a dropped frame's head page goes back with
    page_pool_put_page(pool, page, sync, true), sync = data_end - data_hard_start: the sync for
    the device covers the headroom and the frame, not the whole max_len a full put would."""
    s = RefSystem(xdp=XdpProg("verdict", lambda prog, xdp: verdict), seed=SEED, tx_gbps=1.0,
                  coherent=False)
    s.open()
    sizes = []
    orig = s.hm.dma_sync_single_range_for_device

    def watch(addr, offset, size, direction):
        sizes.append(size)
        orig(addr, offset, size, direction)
    s.hm.dma_sync_single_range_for_device = watch
    s.run_traffic(50, sizes=SizeMix([(1.0, 100, 100)], seed=SEED), gbps=1.0)
    s.hm.dma_sync_single_range_for_device = orig
    acc = s.accounting()
    assert acc["balanced"] and acc["drops"]["driver_xdp_drop"] == 50
    assert sizes == [s.driver.headroom + 100] * 50, sorted(set(sizes))
    finish(s)
