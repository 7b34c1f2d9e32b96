"""pymodel against Linux v6.18: each test states what the kernel function named does.

The eight edges of issue 11 (pool size, fragment stats, draining a fragment page, fragment
alignment, destroy's scrub, bidirectional syncs, the map-error check, the dirty-line hazard),
then the driver-facing API: page_pool_napi_local() with pool->p.napi, bulk return, size
dispatch of page_pool_alloc(), the ptr_ring's batched consumption and the deferred release.
"""
import pytest

from pymodel import errors as E
from pymodel.costs import get_profile
from pymodel.dma import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, HostMemory
from pymodel.page import LOC_FREE, LOC_PP_CACHE, PAGE_SIZE
from pymodel.page_pool import (
    PP_FLAG_DMA_MAP,
    PP_FLAG_DMA_SYNC_DEV,
    PagePoolParams,
    page_pool_create,
)
from pymodel.sim import Env

FLAGS = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV


def make_pool(hm, env=None, **kw):
    p = dict(order=0, flags=FLAGS, pool_size=256, dev=hm, dma_dir=DMA_FROM_DEVICE,
             max_len=3520, offset=256)
    p.update(kw)
    if env is None:
        return page_pool_create(PagePoolParams(**p), hm)
    return page_pool_create(PagePoolParams(**p), hm, env=env)


# ---------------------------------------------------------------- 1. pool size
@pytest.mark.parametrize("pool_size, ring", [(0, 1024), (512, 512), (16384, 16384),
                                             (20000, 16384), (65536, 16384)])
def test_page_pool_init_clamps_the_ring_to_16384(hm, pool_size, ring):
    """page_pool_init(): ring_qsize = min(pool_size, 16384), 1024 when pool_size is 0; no
    size is refused."""
    assert make_pool(hm, pool_size=pool_size).ring_size == ring


# ---------------------------------------------------------------- 2. fragment stats
def test_alloc_frag_counts_only_page_level_events(hm):
    """page_pool_alloc_frag_netmem(): carving a piece off pool->frag_page counts no stat; a
    new page counts where page_pool_alloc_netmems() gets it (slow, fast, refill); a drained
    page reused in place counts recycle 'cached' and alloc 'fast'."""
    pool = make_pool(hm)
    a, r = pool.stats.alloc_stats, pool.stats.recycle_stats
    pieces = [pool.alloc_frag(1024) for _ in range(4)]       # one page, four pieces
    assert (a.slow, a.fast, a.refill) == (1, 0, 0)
    for page, _ in pieces:
        pool.put_page(page, -1, False)
    pool.alloc_frag(1024)                                     # does not fit: drain, reuse
    assert (a.slow, a.fast, r.cached) == (1, 1, 1)
    pool.alloc_frag(2048)                                     # a piece of the reused page
    assert (a.slow, a.fast, r.cached) == (1, 1, 1)


# ---------------------------------------------------------------- 3. draining a frag page
@pytest.mark.parametrize("why", ["pfmemalloc", "page_ref"])
def test_drain_frag_releases_a_page_that_cannot_be_recycled(hm, why):
    """page_pool_drain_frag(): once the last piece is back, a page that
    __page_pool_page_can_be_recycled() refuses (pfmemalloc, or a page refcount above 1) goes
    to page_pool_return_netmem() and a new page is allocated."""
    pool = make_pool(hm)
    page, _ = pool.alloc_frag(2048)
    if why == "pfmemalloc":
        page.pfmemalloc = True
    else:
        hm.alloc.get_page(page)                               # someone else holds the page
    pool.put_page(page, -1, False)
    before = pool.release_cnt
    nxt, off = pool.alloc_frag(4096)
    assert nxt is not page and off == 0
    assert pool.release_cnt == before + 1 and page.pp is None and page.dma_addr == 0
    assert hm.mappings_of(page) == []
    assert pool.stats.recycle_stats.cached == 0 and pool.stats.recycle_stats.released_refcnt == 0


# ---------------------------------------------------------------- 4. fragment alignment
@pytest.mark.parametrize("profile, align", [("cortex-a53", 128), ("x86-iommu-lazy", 1)])
def test_frag_size_is_aligned_to_dma_get_cache_alignment(profile, align):
    """page_pool_alloc_frag_netmem(): size = ALIGN(size, dma_get_cache_alignment());
    ARCH_DMA_MINALIGN is 128 on arm64, and x86 defines none (alignment 1)."""
    hm = HostMemory(get_profile(profile), strict=True)
    assert hm.dma_get_cache_alignment() == align
    pool = make_pool(hm)
    offs = [pool.alloc_frag(100)[1] for _ in range(3)]
    step = -(-100 // align) * align
    assert offs == [0, step, 2 * step]


# ---------------------------------------------------------------- 5. destroy
def test_destroy_scrub_unmaps_pages_in_flight_and_stops_syncing(hm):
    """page_pool_scrub() (first call): dma_sync goes false and every page in pool->dma_mapped
    is unmapped, the pages the stack holds included; they come back later without a sync for
    the device, into the ring, and are released by the next page_pool_release()."""
    env = Env()
    pool = make_pool(hm, env=env)
    out = [pool.alloc_pages() for _ in range(3)]
    assert pool.destroy() == 3
    assert hm.dma_debug_check_leaks() == 0                    # nothing left mapped
    syncs = hm.stats.sync_for_device
    for p in out:
        pool.put_page(p, -1, False)
    assert hm.stats.sync_for_device == syncs                  # dma_sync is off
    assert pool.stats.recycle_stats.ring == 3 and not pool.freed
    env.run()                                                  # the release work runs
    assert pool.freed and pool.inflight == 0 and hm.alloc.nr_in_use == 0
    assert hm.stats.unmap == hm.stats.map                      # each page unmapped once


# ---------------------------------------------------------------- 6. bidirectional
def test_check_sync_ignores_direction_of_a_bidirectional_mapping(hm):
    """kernel/dma/debug.c check_sync(): for a DMA_BIDIRECTIONAL entry the direction of the
    sync is not compared; for other entries a different direction is reported."""
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_BIDIRECTIONAL)
    assert not hm.dma_mapping_error(addr)
    hm.dma_sync_single_for_cpu(addr, 64, DMA_FROM_DEVICE)
    hm.dma_sync_single_for_device(addr, 64, DMA_TO_DEVICE)
    hm.dma_sync_single_for_cpu(addr, 64, DMA_TO_DEVICE)
    assert hm.checker.breaches == []
    p2 = hm.alloc.alloc_pages(0)
    a2 = hm.dma_map_page(p2, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_mapping_error(a2)
    with pytest.raises(E.DmaSyncDirMismatch):
        hm.dma_sync_single_for_cpu(a2, 64, DMA_BIDIRECTIONAL)


# ---------------------------------------------------------------- 7. map error check
def test_map_error_check_is_reported_at_unmap_only(hm):
    """kernel/dma/debug.c: check_unmap() reports a mapping whose dma_mapping_error() was never
    called; check_sync() does not look at it."""
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_sync_single_for_cpu(addr, 64, DMA_FROM_DEVICE)
    hm.dma_sync_single_for_device(addr, 64, DMA_FROM_DEVICE)
    assert hm.checker.breaches == []
    with pytest.raises(E.DmaMapErrorNotChecked):
        hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)


# ---------------------------------------------------------------- 8. the dirty-line hazard
def test_cpu_write_after_sync_for_cpu_is_normal_use(hm):
    """A CPU write into a DMA_FROM_DEVICE buffer the CPU owns (after sync_for_cpu) is what
    drivers and the stack do; sync_for_device cleans the line (arm64's
    arch_sync_dma_for_device cleans whatever the direction), so the device's next write is
    safe and nothing is reported."""
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_mapping_error(addr)
    hm.device_write(addr, b"A" * 256)
    hm.dma_sync_single_for_cpu(addr, 256, DMA_FROM_DEVICE)
    hm.cpu_write(page, 0, b"x" * 100)                        # in place, CPU-owned
    hm.dma_sync_single_for_device(addr, 256, DMA_FROM_DEVICE)
    hm.device_write(addr, b"B" * 256)
    hm.dma_sync_single_for_cpu(addr, 256, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 256) == b"B" * 256
    assert hm.checker.breaches == []


def test_dirty_line_under_a_device_write_is_the_hazard(hm_loose):
    """The hazard: a dirty CPU line over bytes the device then writes, because no
    sync_for_device cleaned it after the CPU's last write. Its write-back (eviction, or the
    clean of a partial line at sync_for_cpu) lands over the device's bytes."""
    hm = hm_loose
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_mapping_error(addr)
    hm.cpu_write(page, 0, bytes(32))                         # device-owned, not cleaned after
    assert hm.checker.breaches == []
    hm.device_write(addr, b"D" * 64)
    assert [type(b) for b in hm.checker.breaches] == [E.CpuWriteFromDevice]
    assert "dirty" in str(hm.checker.breaches[0])
    hm.cpu_cache_evict_all()
    hm.dma_sync_single_for_cpu(addr, 64, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 64) != b"D" * 64              # the damage it names


def test_coherent_memory_has_no_dirty_line_but_ownership_still_holds():
    """With no CPU cache maintenance (coherent) there is no dirty line; a CPU write into bytes
    the device owns is the ownership rule's."""
    hm = HostMemory(get_profile("x86-iommu-lazy"), strict=True)
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_mapping_error(addr)
    with pytest.raises(E.CpuWriteDeviceOwned):
        hm.cpu_write(page, 0, b"x")


# ---------------------------------------------------------------- the API drivers use
class Napi:
    """struct napi_struct as page_pool_napi_local() reads it: list_owner."""

    def __init__(self, owner=-1):
        self.list_owner = owner


def test_napi_local_decides_direct_recycling(hm):
    """page_pool_put_unrefed_netmem(): without allow_direct it asks page_pool_napi_local():
    in softirq, on the CPU that owns pool->p.napi (napi->list_owner) or pool->cpuid."""
    napi = Napi()
    pool = make_pool(hm, napi=napi)
    pages = [pool.alloc_pages() for _ in range(4)]
    r = pool.stats.recycle_stats
    pool.put_page(pages[0], -1, False)                       # not in softirq: ring
    assert (r.cached, r.ring) == (0, 1)
    with hm.softirq():
        pool.put_page(pages[1], -1, False)                   # NAPI not scheduled: ring
        napi.list_owner = hm.cpu
        pool.put_page(pages[2], -1, False)                   # our NAPI, our CPU: cache
    assert (r.cached, r.ring) == (1, 2)
    pool.put_unrefed_page(pages[3], -1, True)                # the caller says direct
    assert r.cached == 2 and pages[3].location == LOC_PP_CACHE


def test_system_pool_is_napi_local_on_its_cpu(hm):
    """page_pool_create_percpu(): pool->cpuid; PP_FLAG_SYSTEM_POOL is a known flag and makes
    the pool use the shared system recycle stats (pool->system)."""
    from pymodel.page_pool import PP_FLAG_SYSTEM_POOL, page_pool_create_percpu
    params = PagePoolParams(flags=PP_FLAG_SYSTEM_POOL, pool_size=64)
    pool = page_pool_create_percpu(params, hm, hm.cpu)
    assert pool.system and pool.cpuid == hm.cpu
    p = pool.alloc_pages()
    with hm.softirq():
        pool.put_page(p, -1, False)
    assert pool.stats.recycle_stats.cached == 1 and p.location == LOC_PP_CACHE
    pool.destroy()
    assert pool.cpuid == -1                                  # page_pool_disable_direct_recycling


def test_put_netmem_bulk_mixes_pools_and_counts_ring_full_once(hm):
    """page_pool_put_netmem_bulk(): drops one reference per entry, groups by pool, puts each
    group (allow_direct from page_pool_napi_local()), produces the candidates into the ring
    under one lock; at the first full slot ring_full counts once and the rest is released."""
    from pymodel.page_pool import page_pool_put_netmem_bulk
    a, b = make_pool(hm, pool_size=4), make_pool(hm, pool_size=64)
    pa = [a.alloc_pages() for _ in range(6)]
    pb = [b.alloc_pages() for _ in range(3)]
    page_pool_put_netmem_bulk([pa[0], pb[0], pa[1], pb[1], pa[2], pa[3], pa[4], pa[5], pb[2]])
    ra, rb = a.stats.recycle_stats, b.stats.recycle_stats
    assert (ra.ring, ra.ring_full) == (4, 1) and a.release_cnt == 2
    assert (rb.ring, rb.ring_full) == (3, 0)
    assert [p.location for p in pa[4:]] == [LOC_FREE, LOC_FREE]


def test_alloc_dispatches_on_size(hm):
    """page_pool_alloc_netmem(): a size over half the page gets a whole page (size becomes the
    page, offset 0); a smaller one a fragment, and the last fragment that leaves no room for
    another takes the rest of the page (truesize)."""
    pool = make_pool(hm)
    page, off, size = pool.alloc(3000)
    assert off == 0 and size == PAGE_SIZE and page.pp_ref_count == 1
    p1, o1, s1 = pool.dev_alloc(1500)
    p2, o2, s2 = pool.dev_alloc(1500)
    assert p1 is p2 and (o1, s1) == (0, 1500) and (o2, s2) == (1536, PAGE_SIZE - 1536)
    assert pool.frag_offset == PAGE_SIZE
    page3, off3, size3 = pool.alloc_va(100)
    assert page3 is not p1 and off3 == 0 and size3 == 100


def test_ptr_ring_frees_consumed_slots_in_batches():
    """ptr_ring: batch = 2 * SMP_CACHE_BYTES / sizeof(void *) = 16, or 1 when that exceeds
    size / 2; __ptr_ring_discard_one() zeroes consumed slots only per batch, so the producer
    can find the ring full with fewer than size entries in it."""
    from pymodel.ptr_ring import PtrRing
    assert PtrRing(32).batch == 16 and PtrRing(31).batch == 1 and PtrRing(1024).batch == 16
    r = PtrRing(32)
    for i in range(32):
        assert r.produce(i + 1)
    assert not r.produce(99)
    for _ in range(15):
        r.consume()
    assert len(r) == 17 and not r.produce(99)                 # 15 consumed, none freed yet
    r.consume()
    assert r.produce(99) and len(r) == 17


def test_destroy_release_retries_every_second_and_warns_after_a_minute(hm):
    """page_pool_destroy(): inflight pages defer the free to page_pool_release_retry(), run
    every DEFER_TIME (1 s); it warns 'stalled pool shutdown' every DEFER_WARN_INTERVAL (60 s)
    only for a pool no netdev shows (pool->slow.netdev NULL or unregistered)."""
    env = Env()
    pool = make_pool(hm, env=env)
    visible = make_pool(hm, env=env, netdev=object())
    held = [pool.alloc_pages(), visible.alloc_pages()]
    pool.destroy()
    visible.destroy()
    env.run(until_ns=59.5e9)
    assert pool.warnings == [] and pool.release_retries == 59
    env.run(until_ns=61e9)
    assert len(pool.warnings) == 1 and "stalled pool shutdown" in pool.warnings[0]
    assert "1 inflight 60 sec" in pool.warnings[0] and visible.warnings == []
    pool.put_page(held[0], -1, False)
    visible.put_page(held[1], -1, False)
    assert not pool.freed                                    # in the ring until the next retry
    env.run()
    assert pool.freed and visible.freed and env.now_ns <= 62e9 + 1
    assert hm.alloc.nr_in_use == 0


def test_pool_ring_is_full_before_it_holds_pool_size_pages():
    """page_pool_refill_alloc_cache() consumes the ring with __ptr_ring_consume(); a page from
    the wrong NUMA node ends the refill after one entry (waive), whose slot stays taken until
    the consumer frees a batch of 16, so the next produce finds the ring full (ring_full)
    with 31 of 32 entries in it."""
    hm = HostMemory(get_profile("cortex-a53"), strict=True, nr_nodes=2)
    pool = make_pool(hm, pool_size=32, nid=0)
    pages = [pool.alloc_pages() for _ in range(33)]
    pages[0].nid = 1                                          # the first one in the ring
    while pool.cache:
        pool.alloc_pages()
    for p in pages[:32]:
        pool.put_page(p, -1, False)
    assert len(pool.ring) == 32
    got = pool.alloc_pages()                                  # waive one, then the slow path
    assert pool.stats.alloc_stats.waive == 1 and len(pool.ring) == 31
    pool.put_page(pages[32], -1, False)
    r = pool.stats.recycle_stats
    assert r.ring == 32 and r.ring_full == 1 and pages[32].location == LOC_FREE
    assert got is not None
