"""page_pool: params, fast/slow paths, frags, put, destroy, stats; and a property test."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pymodel import errors as E
from pymodel.costs import get_profile
from pymodel.dma import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, HostMemory
from pymodel.page import LOC_FREE, LOC_PP_CACHE, LOC_PP_RING, LOC_USER, PAGE_SIZE, PageAllocator
from pymodel.page_pool import (
    EINVAL,
    PP_ALLOC_CACHE_REFILL,
    PP_ALLOC_CACHE_SIZE,
    PP_FLAG_DMA_MAP,
    PP_FLAG_DMA_SYNC_DEV,
    PagePoolError,
    PagePoolParams,
    page_pool_create,
)

FLAGS = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV


def make_pool(hm, **kw):
    p = dict(order=0, flags=FLAGS, pool_size=256, dev=hm, dma_dir=DMA_FROM_DEVICE,
             max_len=3520, offset=256, napi=object())
    p.update(kw)
    return page_pool_create(PagePoolParams(**p), hm)


@pytest.mark.parametrize("kw, errno", [
    (dict(flags=1 << 5), -EINVAL),
    (dict(dma_dir=DMA_TO_DEVICE), -EINVAL),
    (dict(flags=PP_FLAG_DMA_SYNC_DEV), -EINVAL),
    (dict(max_len=0), -EINVAL),
    (dict(dev=None), -EINVAL),
    (dict(order=11), -EINVAL),
])
def test_params_validation(hm, kw, errno):
    with pytest.raises(PagePoolError) as ei:
        make_pool(hm, **kw)
    assert ei.value.errno == errno


def test_defaults_and_bidirectional(hm):
    pool = make_pool(hm, pool_size=0, dma_dir=DMA_BIDIRECTIONAL)
    assert pool.ring_size == 1024 and make_pool(hm, pool_size=65536).ring_size == 16384
    plain = page_pool_create(PagePoolParams(), hm)          # no DMA at all
    page = plain.alloc_pages()
    assert page.dma_addr == 0 and hm.stats.map == 0
    plain.put_full_page(page)
    plain.destroy()
    assert plain.freed


def test_slow_path_bulk_then_fast_and_each_page_mapped_once(hm):
    pool = make_pool(hm)
    first = pool.alloc_pages()
    a = pool.stats.alloc_stats
    assert (a.slow, a.fast) == (1, 0)
    assert pool.hold_cnt == PP_ALLOC_CACHE_REFILL and len(pool.cache) == 63
    assert hm.stats.map == 64 and hm.stats.sync_for_device == 64
    assert hm.stats.sync_for_device_bytes == 64 * 3520
    pages = [first] + [pool.alloc_pages() for _ in range(63)]
    assert a.fast == 63
    for p in pages:
        pool.recycle_direct(p)
    assert pool.stats.recycle_stats.cached == 64
    for _ in range(1000):
        p = pool.alloc_pages()
        pool.recycle_direct(p)
    assert a.fast == 1063 and a.slow == 1 and hm.stats.map == 64
    assert all(p.map_count_total == 1 for p in pages)
    pool.destroy()
    assert pool.freed and pool.inflight == 0 and hm.stats.unmap == 64
    assert hm.dma_debug_check_leaks() == 0 and hm.alloc.nr_in_use == 0


def test_ring_refill_empty_and_sync_size(hm):
    pool = make_pool(hm)
    pages = [pool.alloc_pages() for _ in range(64)]
    before = hm.stats.sync_for_device_bytes
    pool.put_page(pages[0], 100, allow_direct=False)
    assert hm.stats.sync_for_device_bytes - before == 100
    pool.put_page(pages[1], 9999, allow_direct=False)        # clamped to max_len
    assert hm.stats.sync_for_device_bytes - before == 100 + 3520
    for p in pages[2:]:
        pool.put_full_page(p)
    r = pool.stats.recycle_stats
    assert r.ring == 64 and r.cached == 0
    assert pages[5].location == LOC_PP_RING
    p = pool.alloc_pages()                                   # cache empty -> refill from ring
    a = pool.stats.alloc_stats
    assert a.refill == 1 and len(pool.cache) == 63 and p.location == LOC_USER
    pool.put_full_page(p)
    while pool.cache:
        pool.alloc_pages()
    pool.alloc_pages()                                       # refills the last one from ring
    assert a.refill == 2
    n_out = 64
    assert pool.inflight == n_out
    # empty ring -> empty++ and a new bulk
    pool2 = make_pool(hm)
    pool2.alloc_pages()
    assert pool2.stats.alloc_stats.empty == 1


def test_cache_full_and_ring_full(hm):
    pool = make_pool(hm, pool_size=8)
    pages = [pool.alloc_pages() for _ in range(PP_ALLOC_CACHE_SIZE + 10)]
    left = len(pool.cache)                                   # rest of the last bulk
    assert left == 3 * 64 - len(pages)
    for p in pages:
        pool.recycle_direct(p)
    r = pool.stats.recycle_stats
    assert r.cached == PP_ALLOC_CACHE_SIZE - left
    assert r.cache_full == len(pages) - r.cached and r.ring == 8
    assert r.ring_full == r.cache_full - 8
    assert pool.release_cnt == r.ring_full and hm.stats.unmap == r.ring_full
    assert pages[-1].location == LOC_FREE


def test_released_refcnt_and_pfmemalloc(hm):
    pool = make_pool(hm)
    p = pool.alloc_pages()
    hm.alloc.get_page(p)                                     # someone else holds a page ref
    pool.put_full_page(p)
    assert pool.stats.recycle_stats.released_refcnt == 1 and p.refcount == 1
    assert p.location != LOC_FREE
    hm.alloc.put_page(p)
    assert p.location == LOC_FREE
    hm.alloc.pfmemalloc_next = 64
    pool2 = make_pool(hm)
    q = pool2.alloc_pages()
    assert q.pfmemalloc
    pool2.recycle_direct(q)
    assert pool2.stats.recycle_stats.released_refcnt == 1


def test_high_order_path(hm):
    pool = make_pool(hm, order=2, max_len=16000)
    p = pool.alloc_pages()
    assert p.order == 2 and pool.stats.alloc_stats.slow_high_order == 1
    assert hm.find_mapping(p.dma_addr).size == 4 * PAGE_SIZE
    pool.recycle_direct(p)
    assert pool.alloc_pages() is p
    hm.alloc.fail_next = 1
    assert pool.alloc_pages() is None


def test_slow_path_failures(hm):
    pool = make_pool(hm)
    hm.alloc.fail_next = 1
    assert pool.alloc_pages() is None
    hm.map_fail_next = 3
    p = pool.alloc_pages()
    assert p is not None and pool.hold_cnt == 61 and hm.alloc.nr_in_use == 61
    hm.map_fail_next = 1
    pool3 = make_pool(hm, order=1, max_len=100)
    assert pool3.alloc_pages() is None


def test_numa_waive(hm):
    hm2 = HostMemory(get_profile("cortex-a53"), strict=True, nr_nodes=2)
    pool = make_pool(hm2, nid=0)
    pages = [pool.alloc_pages() for _ in range(64)]
    for p in pages:
        pool.put_full_page(p)                                # all in the ring, node 0
    pool.update_nid(1)
    p = pool.alloc_pages()
    a = pool.stats.alloc_stats
    assert a.waive == 1 and a.slow == 2 and p.nid == 1
    assert pool.release_cnt == 1


def test_frags_share_a_page_and_return_with_the_last_piece(hm):
    pool = make_pool(hm)
    frags = [pool.alloc_frag(1000) for _ in range(4)]        # 1024 each after alignment
    assert [o for _, o in frags] == [0, 1024, 2048, 3072]
    page = frags[0][0]
    assert all(p is page for p, _ in frags) and page.pp_ref_count == 5
    nxt, off = pool.alloc_frag(100)                           # does not fit: a new page
    assert nxt is not page and off == 0
    for p, _ in frags[:3]:
        pool.put_full_page(p)
        assert page.location == LOC_USER
    pool.put_full_page(frags[3][0], allow_direct=True)
    assert page.location == LOC_PP_CACHE
    assert pool.alloc_frag(5000) is None
    # drain reuses the current frag page when its pieces are already back
    p2, o2 = pool.alloc_frag(4096)
    pool.put_full_page(p2)
    p3, o3 = pool.alloc_frag(64)
    assert p3 is p2 and o3 == 0
    pool.put_full_page(p3)
    pool.put_full_page(nxt)
    pool.destroy()
    assert pool.freed and hm.alloc.nr_in_use == 0


def test_destroy_with_inflight_defers_and_warns(hm):
    pool = make_pool(hm)
    out = [pool.alloc_pages() for _ in range(3)]
    assert pool.destroy() == 3
    assert not pool.freed and pool.warnings == []             # no warning before 60 s
    with pytest.raises(E.PageLeak):
        pool.check_leaks()
    pool.defer_warn = 0.0                                     # as if a minute had passed
    assert pool.release_retry() == 3
    assert pool.warnings == [f"page_pool_release_retry() stalled pool shutdown: id {pool.id}, "
                             f"3 inflight 0 sec"]
    for p in out:
        pool.put_full_page(p)                                 # napi is off: into the ring
    assert not pool.freed and len(pool.ring) == 3
    assert pool.release_retry() == 0
    assert pool.freed and pool.inflight == 0 and hm.alloc.nr_in_use == 0
    assert pool.destroy() == 0 and pool.release_retries == 2


def test_double_put_wrong_pool_recycle_while_held(hm):
    pool, other = make_pool(hm), make_pool(hm)
    p = pool.alloc_pages()
    pool.recycle_direct(p)
    with pytest.raises(E.DoublePut, match="pp_cache"):
        pool.recycle_direct(p)
    q = pool.alloc_pages()
    with pytest.raises(E.WrongPool):
        other.recycle_direct(q)
    q.skb_refs = 1
    with pytest.raises(E.RecycleWhileHeld, match="owner=stack"):
        pool.recycle_direct(q)


def test_stats_names_match_the_kernel(hm):
    pool = make_pool(hm)
    snap = pool.snapshot()
    assert set(k for k in snap if k.startswith("rx_pp_")) == {
        "rx_pp_alloc_fast", "rx_pp_alloc_slow", "rx_pp_alloc_slow_ho", "rx_pp_alloc_empty",
        "rx_pp_alloc_refill", "rx_pp_alloc_waive", "rx_pp_recycle_cached",
        "rx_pp_recycle_cache_full", "rx_pp_recycle_ring", "rx_pp_recycle_ring_full",
        "rx_pp_recycle_released_ref"}
    assert "alloc_stats.slow_high_order" in snap and "recycle_stats.released_refcnt" in snap


def test_allocator_counters_and_failures():
    a = PageAllocator(seed=3)
    a.fail_rate = 1.0
    assert a.alloc_pages() is None and a.stats.alloc_fail == 1
    a.fail_rate = 0.0
    a.fail_hook = lambda order: order == 1
    assert a.alloc_pages(1) is None and a.alloc_pages(0) is not None
    assert a.alloc_pages(11) is None
    assert len(a.alloc_pages_bulk(5)) == 5 and a.stats.bulk_calls == 1
    p = a.alloc_pages(3)
    assert a.page_of(p.phys + 3 * PAGE_SIZE + 5) is p and a.page_of(0) is None
    a.put_page(p)
    a.checker.strict = False
    a.put_page(p)
    a.free_pages(p)
    a.get_page(p)
    assert [type(b).__name__ for b in a.checker.breaches] == ["DoublePut", "DoublePut", "UseAfterFree"]
    q = a.alloc_pages(3)
    assert q is p                                            # LIFO free list


# ---------------------------------------------------------------- property test
OPS = st.lists(st.tuples(st.sampled_from(["alloc", "frag", "put", "put_direct", "put_ring_sized",
                                          "nid", "fail", "destroy"]),
                         st.integers(0, 10_000)), min_size=1, max_size=120)


@settings(max_examples=120, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, pool_size=st.sampled_from([4, 64, 256]))
def test_random_sequences_keep_every_invariant(ops, pool_size):
    hm = HostMemory(get_profile("cortex-a53"), strict=True, nr_nodes=2)
    pool = make_pool(hm, pool_size=pool_size)
    held = []        # pages the "driver" holds: one entry per reference
    destroyed = False
    got = 0          # page-level allocations: alloc_pages, and alloc_frag taking a page
    last_puts = 0    # puts of a page's last reference, plus drained frag pages reused
    for op, arg in ops:
        if op == "alloc" and not destroyed:
            p = pool.alloc_pages()
            if p is not None:
                held.append(p)
                got += 1
        elif op == "frag" and not destroyed:
            prev = pool.frag_page
            r = pool.alloc_frag(1 + arg % 3000)
            if r is not None:
                held.append(r[0])
                # page_pool_alloc_frag_netmem() counts a stat only for a new page or a
                # drained one reused (offset 0), never for a piece carved off the current page
                got += r[1] == 0
                if r[0] is prev and r[1] == 0:
                    last_puts += 1
        elif op.startswith("put") and held:
            p = held.pop(arg % len(held))
            last_puts += p.pp_ref_count == 1
            if op == "put_direct" and not destroyed:     # direct after destroy: a leak
                pool.recycle_direct(p)
            elif op == "put_ring_sized":
                pool.put_page(p, arg, allow_direct=False)
            else:
                pool.put_full_page(p)
        elif op == "nid" and not destroyed:
            pool.update_nid(arg % 2)
        elif op == "fail":
            hm.alloc.fail_next = arg % 3
        elif op == "destroy" and not destroyed:
            pool.destroy()
            destroyed = True
        check_invariants(hm, pool, held)
        a, r = pool.stats.alloc_stats, pool.stats.recycle_stats
        assert a.fast + a.slow + a.refill + a.slow_high_order == got
        assert r.cached + r.ring + r.ring_full + r.released_refcnt == last_puts
    # teardown: give everything back, destroy, nothing leaks
    for p in held:
        pool.put_full_page(p)
    pool.free_frag() if not destroyed else None
    if not destroyed:
        pool.destroy()
    else:
        pool.release_retry()             # the deferred release's next run
    assert pool.freed and pool.inflight == 0
    assert hm.alloc.nr_in_use == 0 and hm.dma_debug_check_leaks() == 0
    assert hm.stats.map == hm.stats.unmap == pool.hold_cnt == pool.release_cnt
    assert hm.checker.breaches == []


def check_invariants(hm, pool, held):
    cache_ids = [id(p) for p in pool.cache]
    ring_ids = [id(p) for p in pool.ring]
    out = {id(p): p for p in held}
    if pool.frag_page is not None:
        out[id(pool.frag_page)] = pool.frag_page
    # no page is ever in two places
    assert len(set(cache_ids)) == len(cache_ids)
    assert len(set(ring_ids)) == len(ring_ids)
    assert not set(cache_ids) & set(ring_ids)
    assert not (set(cache_ids) | set(ring_ids)) & set(out)
    assert all(p.location == LOC_PP_CACHE for p in pool.cache)
    assert all(p.location == LOC_PP_RING for p in pool.ring)
    assert all(p.location == LOC_USER for p in out.values())
    assert len(pool.cache) <= PP_ALLOC_CACHE_SIZE and len(pool.ring) <= pool.ring_size
    # inflight == hold - release == every pool page outside the allocator
    assert pool.inflight == pool.hold_cnt - pool.release_cnt
    assert pool.inflight == len(cache_ids) + len(ring_ids) + len(out)
    assert hm.alloc.nr_in_use == pool.inflight
    # the stats add up: every allocation came from exactly one source
    r = pool.stats.recycle_stats
    assert r.ring + r.ring_full >= r.cache_full
    # every page the pool holds or lent is mapped until destroy's scrub unmaps them all
    mapped = 0 if pool.destroy_cnt else pool.inflight
    assert hm.stats.map - hm.stats.unmap == len(pool.dma_mapped) == mapped
    assert len(hm.mappings) == mapped
    # each frag page's refcount equals its pieces held plus the pool's own reference
    for p in out.values():
        pieces = sum(1 for q in held if q is p) + (1 if p is pool.frag_page else 0)
        assert p.pp_ref_count == pieces
