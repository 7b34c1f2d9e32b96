"""The host memory limit (MEM_PAGES): the page allocator fails as a real one does, the refill
counts rx_alloc_fail and retries, the ring starves, and receive recovers once pages come back."""
import pytest

from pymodel.host import Host
from pymodel.page import PageAllocator
from pymodel.sim import Env
from pymodel.stack import HoldTime
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix


def accounted(s, snap):
    """delivered + every drop cause = sent."""
    return s.scoreboard.received + sum(snap["drops"].values()) == s.scoreboard.sent


def test_allocator_fails_past_the_limit_and_bulk_returns_fewer():
    a = PageAllocator(mem_pages=6)
    pages = [a.alloc_pages(0) for _ in range(3)]
    big = a.alloc_pages(2)                          # 4 pages: 3 + 4 > 6
    assert big is None and a.stats.alloc_fail == a.stats.alloc_fail_limit == 1
    assert a.alloc_pages(1) is not None and a.pages_used == 5 and a.pages_free == 1
    got = a.alloc_pages_bulk(8)
    assert len(got) == 1 and a.stats.bulk_short == 1 and a.pages_free == 0
    assert a.alloc_pages(0) is None and a.stats.alloc_fail == 3
    for p in pages + got:
        a.put_page(p)
    assert a.pages_used == 2 and a.alloc_pages(2) is not None      # freed pages count again
    assert a.pages_used_max == 6
    unlimited = PageAllocator()
    assert len(unlimited.alloc_pages_bulk(100)) == 100 and unlimited.pages_free is None


def test_host_takes_mem_pages():
    assert Host(Env(), mem_pages=100).hm.alloc.mem_pages == 100
    assert Host(Env(), mem_pages=0).hm.alloc.mem_pages is None      # 0: unlimited
    assert Host(Env()).hm.alloc.mem_pages is None
    with pytest.raises(ValueError, match="mem_pages"):
        Host(Env(), mem_pages=-1)


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
@pytest.mark.parametrize("drop_nodesc", [True, False])
def test_long_holds_starve_the_ring_and_receive_recovers(path, drop_nodesc):
    """48 pages of host memory for a ring of 128 while the stack holds every skb 400 us at
    2 Gbit/s: the pool cannot grow, refills fail, the ring empties and the device drops
    (DROP_NODESC) or waits for descriptors and drops at its FIFO; NAPI retries the refill
    after refill_retry_ns until the stack frees pages. Once the holds end the first polls
    fill the ring again (a frame or two may find it still short) and then every frame
    arrives."""
    mem = 48
    s = RefSystem(path=path, ring_size=128, seed=21, mem_pages=mem, drop_nodesc=drop_nodesc,
                  hold=HoldTime("fixed", 400_000))
    s.open()
    assert s.driver.posted == mem - 1           # all but the ring's own page
    s.run_traffic(2000, gbps=2.0, sizes=SizeMix([(1.0, 200, 1500)], seed=3))
    snap = s.snapshot()
    drv, dev, alloc = snap["driver"], snap["device"], s.hm.alloc
    assert alloc.pages_used_max <= mem and alloc.stats.alloc_fail_limit > 0
    assert drv["rx_alloc_fail"] > 0 and drv["rx_refill_deferred"] > 0
    if drop_nodesc:
        assert dev["drop_nodesc"] > 100
    else:
        assert dev["nodesc_wait"] > 0 and dev["drop_fifo"] > 100
    assert s.scoreboard.received > 100                 # pages came back and frames flowed
    assert accounted(s, snap)
    s.stack.hold = HoldTime("fixed", 0)                # the holds end
    dropped = sum(snap["drops"].values())
    s.run_traffic(300, gbps=1.0, sizes=SizeMix([(1.0, 200, 1500)], seed=4))
    snap = s.snapshot()
    assert sum(snap["drops"].values()) - dropped < 10
    # every page but the ring's own is back in a ring slot (posted, or on the legacy path
    # kept by a copybreak frame in a slot the refill has not reached)
    assert sum(b is not None for b in s.driver.slots) == mem - 1
    dropped, received = sum(snap["drops"].values()), s.scoreboard.received
    s.run_traffic(300, gbps=1.0, sizes=SizeMix([(1.0, 200, 1500)], seed=5))
    snap = s.snapshot()
    assert s.scoreboard.received - received == 300 and sum(snap["drops"].values()) == dropped
    assert accounted(s, snap)
    s.close()
    sb = s.scoreboard
    assert sb.mismatches == 0 and sb.duplicates == 0 and sb.out_of_order == 0
    assert s.hm.alloc.nr_in_use == 0 and s.hm.dma_debug_check_leaks() == 0
    assert s.hm.checker.breaches == []
    assert all(p.freed for p in s.driver.pools)


def test_without_a_limit_the_same_holds_grow_the_pool_instead():
    s = RefSystem(path="page_pool", ring_size=128, seed=21, hold=HoldTime("fixed", 400_000))
    s.open()
    s.run_traffic(2000, gbps=2.0, sizes=SizeMix([(1.0, 200, 1500)], seed=3))
    snap = s.snapshot()
    assert snap["driver"]["rx_alloc_fail"] == 0 and s.hm.alloc.pages_used_max > 300
    assert s.scoreboard.received == 2000
    s.close()
    assert s.hm.alloc.nr_in_use == 0
