"""Every TX and XDP checker rule, broken on purpose by a sabotaged TX queue
(pymodel.sabotage.TX_BUGS), is caught with the rule named, on coherent and non-coherent
memory; permissive runs show the damage. Seeds are fixed and printed."""
import pytest

from pymodel import errors
from pymodel.sabotage import TX_BUGS, tx_queue
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix, make_frame

SEED = 31


def small():
    """Frames of 60 to 1500 bytes, the same ones in every test."""
    return SizeMix([(1.0, 60, 1500)], seed=SEED)


def run(bug, coherent, strict=True, xdp=None, tx=None, n=60, gbps=1.0, tx_gbps=1.0):
    print(f"seed={SEED} bug={bug} coherent={coherent} strict={strict} xdp={xdp} tx={tx}")
    s = RefSystem(xdp=xdp, tx=tx, tx_bug=bug, seed=SEED, coherent=coherent, strict=strict,
                  tx_gbps=tx_gbps)
    s.open()
    if tx == "stack":
        s.run_stack_tx(n, sizes=small(), gbps=gbps)
    else:
        s.run_traffic(n, sizes=small(), gbps=gbps)
    return s


def caught(exc_info, cls):
    e = exc_info.value
    assert type(e) is cls and str(e).startswith(f"[{cls.rule}]")
    assert e.call and e.owner
    return e


def test_every_tx_bug_is_listed_with_its_rule():
    assert TX_BUGS == {
        "tx_cpu_write_after_post": "TxCpuWriteDeviceOwned",
        "tx_free_before_dd": "TxFreeBeforeDone",
        "xdp_tx_no_sync": "XdpTxNoSyncForDevice",
        "xdp_double_return": "XdpFrameDoubleReturn",
        "tx_leak_at_close": "TxBufferLeak",
    }
    for rule in TX_BUGS.values():
        assert issubclass(getattr(errors, rule), errors.Breach)
    with pytest.raises(ValueError, match="not defined"):
        tx_queue(None, None, None, bug="nope")


@pytest.mark.parametrize("coherent", [False, True])
def test_cpu_write_into_a_posted_tx_buffer(coherent):
    with pytest.raises(errors.TxCpuWriteDeviceOwned) as ei:
        run("tx_cpu_write_after_post", coherent, tx="stack")
    e = caught(ei, errors.TxCpuWriteDeviceOwned)
    assert e.owner == "device" and e.call == "tx fix-up" and e.page is not None
    assert isinstance(e, errors.CpuWriteDeviceOwned)


@pytest.mark.parametrize("coherent", [False, True])
@pytest.mark.parametrize("mode", ["stack", "xdp"])
def test_unmap_or_recycle_before_dd(coherent, mode):
    kw = {"tx": "stack"} if mode == "stack" else {"xdp": "tx"}
    with pytest.raises(errors.TxFreeBeforeDone) as ei:
        run("tx_free_before_dd", coherent, tx_gbps=0.5, **kw)
    e = caught(ei, errors.TxFreeBeforeDone)
    assert e.owner == "device" and "no DD yet" in str(e)
    assert e.call == ("dma_unmap_single" if mode == "stack" else "page_pool_put_page")


def test_xdp_tx_without_the_sync_on_non_coherent_memory_reads_stale_bytes():
    with pytest.raises(errors.XdpTxNoSyncForDevice) as ei:
        run("xdp_tx_no_sync", False, xdp="tx")
    e = caught(ei, errors.XdpTxNoSyncForDevice)
    assert "stale bytes" in str(e) and e.owner == "cpu" and e.call == "device_read"


@pytest.mark.parametrize("iommu", ["strict", "lazy"])
def test_xdp_tx_without_the_sync_behind_an_iommu(iommu):
    print(f"seed={SEED} iommu={iommu}")
    s = RefSystem(xdp="tx", tx_bug="xdp_tx_no_sync", seed=SEED, iommu=iommu)
    s.open()
    with pytest.raises(errors.XdpTxNoSyncForDevice) as ei:
        s.run_traffic(20, sizes=small(), gbps=1.0)
    assert "stale bytes" in str(caught(ei, errors.XdpTxNoSyncForDevice))


def test_xdp_tx_without_the_sync_on_coherent_memory_is_still_an_ownership_breach():
    with pytest.raises(errors.XdpTxNoSyncForDevice) as ei:
        run("xdp_tx_no_sync", True, xdp="tx")
    assert "coherent memory: the bytes are current" in str(caught(ei, errors.XdpTxNoSyncForDevice))


def test_xdp_tx_without_the_sync_permissive_sends_the_frames_as_they_arrived():
    """Non-coherent memory: the program's swap sits in dirty CPU lines no sync cleaned, so
    the device reads the frames from DRAM as the MAC delivered them, addresses unswapped."""
    print(f"seed={SEED}")
    s = RefSystem(xdp="tx", tx_bug="xdp_tx_no_sync", seed=SEED, coherent=False, strict=False)
    got = []
    sink = s.mac_sink
    s.txnic.mac = lambda f: (got.append(f), sink(f))
    s.open()
    s.run_traffic(50, sizes=small(), gbps=1.0)
    assert s.hm.checker.counts() == {"XdpTxNoSyncForDevice": 50}
    assert sink.received == 50 and sink.mismatches == 50
    for seq, f in enumerate(got):
        assert f == make_frame(seq, len(f), SEED)          # stale: never swapped
    s2 = RefSystem(xdp="tx", tx_bug="xdp_tx_no_sync", seed=SEED, coherent=True, strict=False)
    s2.open()
    s2.run_traffic(50, sizes=small(), gbps=1.0)             # coherent: breached, no damage
    assert s2.mac_sink.mismatches == 0
    assert s2.hm.checker.counts() == {"XdpTxNoSyncForDevice": 50}


@pytest.mark.parametrize("coherent", [False, True])
def test_xdp_frame_returned_twice(coherent):
    with pytest.raises(errors.XdpFrameDoubleReturn) as ei:
        run("xdp_double_return", coherent, xdp="tx")
    e = caught(ei, errors.XdpFrameDoubleReturn)
    assert e.call == "xdp_return_frame_rx_napi" and e.owner == "page_pool"


@pytest.mark.parametrize("coherent", [False, True])
@pytest.mark.parametrize("mode", ["stack", "xdp"])
def test_tx_buffers_leaked_at_close(coherent, mode):
    kw = {"tx": "stack"} if mode == "stack" else {"xdp": "tx"}
    s = RefSystem(tx_bug="tx_leak_at_close", seed=SEED, coherent=coherent, tx_gbps=0.01, **kw)
    s.open()
    s.txq.nq.dql.min_limit = s.txq.nq.dql.limit = s.txq.nq.dql.adj_limit = 1 << 30
    if mode == "stack":
        for _ in range(4):
            s.stack_tx.xmit(800)
        s.env.run(until_ns=s.env.now_ns + 1e4)
    else:
        s.run_traffic(6, sizes=SizeMix([(1.0, 500, 800)], seed=SEED), gbps=1.0, drain_ns=1e4)
    assert s.txq.count > 1
    with pytest.raises(errors.TxBufferLeak) as ei:
        s.close()
    e = caught(ei, errors.TxBufferLeak)
    assert e.call == "ndo_stop"
    assert ("dma_map_single" in str(e)) if mode == "stack" else ("xdp_frame" in str(e))
