"""Driver-level disruption mid-traffic: close and reopen (ndo_stop / ndo_open), ring size
changes (ethtool -G); every frame accounted once across every transition, nothing leaked."""
import pytest

from pymodel import regs
from pymodel.disrupt import Disruptor, DisruptSpec, default_rings, parse_spec
from pymodel.stack import HoldTime
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix

# (profile, coherent, iommu): non-coherent without IOMMU, non-coherent behind a strict SMMU,
# coherent behind a lazy IOMMU, coherent without IOMMU
HOSTS = [("cortex-a53", None, "profile"), ("cortex-a53-smmu-strict", None, "profile"),
         ("x86-iommu-lazy", None, "profile"), ("cortex-a53", True, None)]


def drops_total(snap):
    return sum(snap["drops"].values())


def assert_accounted(s, snap):
    sb = s.scoreboard
    assert sb.received + drops_total(snap) == sb.sent, (sb.received, snap["drops"], sb.sent)
    assert sb.mismatches == 0, sb.first_mismatch
    assert sb.duplicates == 0 and sb.out_of_order == 0


def assert_nothing_leaks(s):
    s.close()
    s.env.run()                                   # the stack frees what it still holds
    assert s.hm.alloc.nr_in_use == 0, "pages leaked"
    assert s.hm.dma_debug_check_leaks() == 0, "mappings leaked"
    assert s.hm.checker.breaches == []
    assert all(p.destroyed and p.freed and p.inflight == 0 for p in s.driver.pools)


# ------------------------------------------------------------------ the spec

def test_parse_spec():
    sp = parse_spec("close:200000,resize:3e5")
    assert sp == DisruptSpec(close_ns=200000.0, resize_ns=300000.0)
    assert str(sp) == "close:200000,resize:300000" and parse_spec(str(sp)) == sp
    sp = parse_spec(" resize:1000 , down:0, rings:8/64/4096 ")
    assert sp.close_ns == 0 and sp.down_ns == 0 and sp.rings == (8, 64, 4096)
    assert parse_spec(str(sp)) == sp


@pytest.mark.parametrize("text, reason", [
    ("", "empty item"),
    ("close", "not KEY:VALUE"),
    ("close:", "not KEY:VALUE"),
    ("reboot:100", "not KEY:VALUE"),
    ("close:abc", "not a number"),
    ("close:-5", "finite number"),
    ("close:inf", "finite number"),
    ("close:1e5,close:2e5", "given twice"),
    ("down:100", "give close"),
    ("close:0,resize:0", "give close"),
    ("resize:1e5,rings:64/100", "ring size 100"),
    ("resize:1e5,rings:4", "ring size 4"),
    ("resize:1e5,rings:64,,", "empty item"),
    ("resize:1e5,rings:a/b", "sizes separated by /"),
])
def test_parse_spec_refuses_with_one_line_reason(text, reason):
    with pytest.raises(ValueError, match=reason) as e:
        parse_spec(text)
    assert "\n" not in str(e.value)


def test_default_rings():
    assert default_rings(256) == (64, 128, 256, 512, 1024)
    assert default_rings(8) == (8, 16, 32)
    assert default_rings(4096) == (1024, 2048, 4096)
    assert default_rings(32768) == (8192, 16384, 32768)


# ------------------------------------------------------------------ the driver's steps

def test_set_ringparam_stops_resizes_and_reopens():
    s = RefSystem(path="page_pool", ring_size=64, seed=31)
    s.open()
    s.run_traffic(100)
    s.env.run_until_complete(s.driver.set_ringparam(256))
    d = s.driver
    assert d.is_open and d.N == 256 and len(d.slots) == 256 and d.rdmt == 64
    assert s.nic.ring_size == 256 and d.posted == 255
    assert len(d.pools) == 2 and d.pools[0].freed and d.pool is d.pools[1]
    s.run_traffic(300)
    s.close()
    s.env.run_until_complete(d.set_ringparam(16))      # while down: no open
    assert not d.is_open and d.N == 16 and d.ring is None and len(d.pools) == 2
    s.open()
    s.run_traffic(100)
    with pytest.raises(ValueError, match="power of two"):
        s.env.run_until_complete(d.set_ringparam(100))
    with pytest.raises(ValueError, match="power of two"):
        s.env.run_until_complete(d.set_ringparam(4))
    assert d.is_open and d.N == 16
    snap = s.snapshot()
    assert s.scoreboard.received == 500 and snap["ring_size"] == 16
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


def test_fixed_rdmt_survives_a_resize():
    s = RefSystem(path="legacy", ring_size=64, seed=32, rdmt=5)
    s.open()
    s.env.run_until_complete(s.driver.set_ringparam(128))
    assert s.driver.rdmt == 5 and s.nic.rdmt == 5
    assert_nothing_leaks(s)


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_close_counts_frames_left_on_the_ring_and_frames_while_down(path):
    """Frames the device completed that NAPI never took are freed unread at close and
    counted in rx_ring_discard; frames sent while the interface is down are dropped by the
    device (STAT_DROP_FIFO), and the next open folds them into the drops."""
    slow = (0xFFFF << 16) | 0xFFFF               # no interrupt for 4 ms
    s = RefSystem(path=path, ring_size=64, seed=33, itr=slow)
    s.open()
    s.run_traffic(7, drain_ns=0)
    assert s.scoreboard.received == 0 and s.driver.rx_pending()
    s.close()
    assert s.driver.stats.rx_ring_discard == 7
    s.env.run_until_complete(s.mac(5))         # the interface is down
    assert s.nic.stat["drop_fifo"] == 5
    s.open()
    snap = s.snapshot()
    assert snap["drops"]["driver_ring_discard"] == 7 and snap["drops"]["device_fifo"] == 5
    s.driver.itr = (4 << 16) | 16
    s.close()
    s.open()
    s.run_traffic(50)
    snap = s.snapshot()
    assert s.scoreboard.received == 50 and s.scoreboard.sent == 62
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


def test_close_under_a_flood_stops_a_polling_napi():
    """NAPI that uses its whole budget on every poll keeps polling; close (napi_disable)
    still stops it after the poll in progress."""
    s = RefSystem(path="page_pool", ring_size=256, seed=34, budget=8)
    s.open()
    mac = s.env.spawn(s.mac(4000, gbps=40.0, sizes=SizeMix([(1.0, 60, 200)], seed=34)))
    s.env.run(until=lambda: s.driver.stats.napi_budget_exhausted > 20)
    assert s.driver.napi_scheduled
    s.close()
    assert not s.driver.napi_scheduled and not s.driver.is_open
    s.env.run(until=lambda: mac.done)
    s.open()
    snap = s.snapshot()
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


# ------------------------------------------------------------------ random disruption

@pytest.mark.parametrize("path", ["page_pool", "legacy"])
@pytest.mark.parametrize("profile, coherent, iommu", HOSTS)
def test_many_disruptions_mid_traffic(path, profile, coherent, iommu):
    """Close/reopen and ring size changes at random times during 1,200 frames (MAC errors
    among them, the stack holding skbs across the changes); then traffic resumes. Every frame
    is delivered or counted by one drop cause, and nothing leaks."""
    s = RefSystem(path=path, profile=profile, coherent=coherent, iommu=iommu, ring_size=64,
                  seed=41, hold=HoldTime("exp", 20_000, seed=41))
    s.open()
    d = s.disrupt("close:60000,resize:60000,down:5000", seed=41)
    s.run_traffic(1200, gbps=2.0, mac_err_every=50)
    s.settle(d)
    st = d.stats
    assert st.close >= 10 and st.resize >= 10, d.snapshot()
    assert len(st.ring_sizes) >= 3 and sum(st.ring_sizes.values()) == st.resize
    snap = s.snapshot()
    assert_accounted(s, snap)
    assert snap["drops"]["device_fifo"] > 0 and snap["drops"]["driver_mac_err"] > 0
    assert snap["pools_created"] == (1 + st.close + st.resize if path == "page_pool" else 0)
    # traffic resumes: every frame sent now arrives
    received, dropped = s.scoreboard.received, drops_total(snap)
    s.run_traffic(200)
    snap = s.snapshot()
    assert s.scoreboard.received - received == 200 and drops_total(snap) == dropped
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_disruptions_with_a_memory_limit_and_long_holds(path):
    """Disruptions while the stack holds pages long enough to exhaust a 40-page host: the
    refill fails and retries, closed pools wait for the stack's pages, reopens find memory
    for their rings, and the accounting still holds."""
    s = RefSystem(path=path, ring_size=64, seed=42, mem_pages=40,
                  hold=HoldTime("pareto", 60_000, seed=42))
    s.open()
    d = s.disrupt("close:80000,resize:80000,down:5000,rings:16/64/128", seed=42)
    s.run_traffic(2000, gbps=2.0, sizes=SizeMix([(1.0, 60, 1500)], seed=42))
    s.settle(d)
    s.env.run(until=lambda: s.stack.stats.held == 0)     # the long tail of the holds ends
    snap = s.snapshot()
    assert d.stats.close >= 5 and d.stats.resize >= 5
    assert snap["driver"]["rx_alloc_fail"] > 0 and s.hm.alloc.pages_used_max <= 40
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


def test_reopen_waits_for_memory():
    """An open that finds no memory for its ring fails with MemoryError and leaves nothing
    allocated; the disruptor retries it until memory comes back."""
    s = RefSystem(path="page_pool", ring_size=64, seed=43, mem_pages=80)
    s.open()
    s.run_traffic(50)
    alloc, drv = s.hm.alloc, s.driver
    taken = []

    async def close_then_memory_goes():
        await type(drv).close(drv)
        while (p := alloc.alloc_pages(0)) is not None:  # another user takes all memory
            taken.append(p)

    drv.close = close_then_memory_goes
    d = Disruptor(s.env, s.host, "resize:1000,rings:128,down:5000", seed=43).start()
    s.env.run(until=lambda: d.stats.open_fail >= 3, until_ns=s.env.now_ns + 1e7)
    assert d.stats.open_fail >= 3
    assert not drv.is_open and d.busy and drv.ring is None and alloc.pages_free == 0
    del drv.close
    for p in taken[:40]:                               # memory comes back
        alloc.put_page(p)
    s.settle(d)
    assert s.driver.is_open and s.driver.N == 128 and d.stats.resize == 1
    for p in taken[40:]:
        alloc.put_page(p)
    s.run_traffic(100)
    snap = s.snapshot()
    assert s.scoreboard.received == 150
    assert_accounted(s, snap)
    assert_nothing_leaks(s)


def test_disruptor_ends_when_the_interface_is_closed_and_at_until_ns():
    s = RefSystem(path="legacy", ring_size=32, seed=44)
    s.open()
    d = s.disrupt("close:5000,down:1000", until_ns=s.env.now_ns + 50_000)
    s.run_traffic(100, gbps=1.0)
    assert d.task.done and d.idle and d.stats.close > 0
    n = d.stats.close
    d2 = s.disrupt("close:20000", seed=2)
    s.close()
    s.env.run()                                        # returns: the task ended by itself
    assert d2.task.done and d2.stats.close == 0 and d.stats.close == n
    assert d2.snapshot()["spec"] == "close:20000"


def test_hw_counters_are_folded_across_transitions():
    """The device's counters go on while the interface is down; the driver's 64-bit totals
    equal the device's registers however many times it closed and opened."""
    s = RefSystem(path="page_pool", ring_size=32, seed=45)
    s.open()
    d = s.disrupt("close:30000,resize:30000,down:3000,rings:8/32", seed=45)
    s.run_traffic(800, gbps=2.0)
    s.settle(d)
    snap = s.snapshot()
    for name in regs.STAT_REGS:
        assert s.driver.hw_totals[name] == s.nic.stat[name], name
    assert snap["device"]["frames"] == snap["driver"]["rx_packets"] + \
        snap["driver"]["rx_ring_discard"]
    assert_accounted(s, snap)
    assert_nothing_leaks(s)
