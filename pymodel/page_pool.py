"""page_pool: per-RX-queue page recycling, after net/core/page_pool.c of Linux v6.18.

Fast path: pop the lockless alloc cache, recycle into it when the caller may (allow_direct, or
page_pool_napi_local()). Slow path: refill the cache from the ptr_ring, bulk-allocate and
DMA-map fresh pages, release pages back to the page allocator. Each stat is counted where its
event happens, as in the kernel. Teardown scrubs the pool (unmapping every page it mapped, the
ones the stack holds included) and retries the release every second in simulated time.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Dict, Iterable, List, Optional, Tuple

from .dma import DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, HostMemory
from .errors import DoublePut, PageLeak, RecycleWhileHeld, WrongPool
from .page import (
    LOC_FREE,
    LOC_PP_CACHE,
    LOC_PP_RING,
    LOC_USER,
    MAX_PAGE_ORDER,
    NUMA_NO_NODE,
    PAGE_SIZE,
    PP_SIGNATURE,
    Page,
)
from .ptr_ring import PtrRing

# include/net/page_pool/types.h
PP_FLAG_DMA_MAP = 1 << 0
PP_FLAG_DMA_SYNC_DEV = 1 << 1
PP_FLAG_SYSTEM_POOL = 1 << 2                 # a global per-CPU pool: shared recycle stats
PP_FLAG_ALLOW_UNREADABLE_NETMEM = 1 << 3     # net_iov memory providers (none in the model)
PP_FLAG_ALL = (PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV | PP_FLAG_SYSTEM_POOL
               | PP_FLAG_ALLOW_UNREADABLE_NETMEM)
PP_ALLOC_CACHE_SIZE = 128
PP_ALLOC_CACHE_REFILL = 64
# net/core/page_pool.c
PP_DEFAULT_POOL_SIZE = 1024        # page_pool_init(): ring entries when pool_size is 0
PP_RING_SIZE_MAX = 16384           # page_pool_init(): ring_qsize = min(pool_size, 16384)
DEFER_TIME_NS = 1e9                # msecs_to_jiffies(1000): page_pool_release_retry() period
DEFER_WARN_INTERVAL_NS = 60e9      # 60 * HZ: between "stalled pool shutdown" warnings
NET_PTR_POISON = object()          # pool->slow.netdev once the netdev is unregistered
# include/uapi/asm-generic/errno-base.h
EINVAL = 22


class PagePoolError(Exception):
    """page_pool_create() failed; errno is negative, as ERR_PTR would carry it."""

    def __init__(self, errno: int, why: str) -> None:
        self.errno = errno
        super().__init__(f"page_pool_create: {errno} ({why})")


@dataclass
class PagePoolParams:
    """struct page_pool_params."""

    order: int = 0
    flags: int = 0
    pool_size: int = 0
    nid: int = NUMA_NO_NODE
    dev: Optional[HostMemory] = None
    napi: Optional[object] = None    # struct napi_struct: page_pool_napi_local() reads list_owner
    dma_dir: int = DMA_FROM_DEVICE
    max_len: int = 0
    offset: int = 0
    netdev: Optional[object] = None  # the netdev the pool serves (None: not shown to users)


@dataclass
class PagePoolAllocStats:
    """struct page_pool_alloc_stats."""

    fast: int = 0
    slow: int = 0
    slow_high_order: int = 0
    empty: int = 0
    refill: int = 0
    waive: int = 0


@dataclass
class PagePoolRecycleStats:
    """struct page_pool_recycle_stats."""

    cached: int = 0
    cache_full: int = 0
    ring: int = 0
    ring_full: int = 0
    released_refcnt: int = 0


@dataclass
class PagePoolStats:
    """struct page_pool_stats, as page_pool_get_stats() fills it."""

    alloc_stats: PagePoolAllocStats = field(default_factory=PagePoolAllocStats)
    recycle_stats: PagePoolRecycleStats = field(default_factory=PagePoolRecycleStats)

    def ethtool(self) -> dict:
        """page_pool_ethtool_stats_get(): the rx_pp_* strings and values."""
        a, r = self.alloc_stats, self.recycle_stats
        return {
            "rx_pp_alloc_fast": a.fast, "rx_pp_alloc_slow": a.slow,
            "rx_pp_alloc_slow_ho": a.slow_high_order, "rx_pp_alloc_empty": a.empty,
            "rx_pp_alloc_refill": a.refill, "rx_pp_alloc_waive": a.waive,
            "rx_pp_recycle_cached": r.cached, "rx_pp_recycle_cache_full": r.cache_full,
            "rx_pp_recycle_ring": r.ring, "rx_pp_recycle_ring_full": r.ring_full,
            "rx_pp_recycle_released_ref": r.released_refcnt,
        }

    def as_dict(self) -> dict:
        """Kernel field names, flattened as alloc_stats.fast ... recycle_stats.released_refcnt."""
        out = {}
        for grp in ("alloc_stats", "recycle_stats"):
            obj = getattr(self, grp)
            for f in fields(obj):
                out[f"{grp}.{f.name}"] = getattr(obj, f.name)
        return out


_system_recycle_stats = PagePoolRecycleStats()   # pp_system_recycle_stats (the model has one CPU)
_pool_ids = [0]


class PagePool:
    """struct page_pool: alloc cache, ptr_ring, DMA-mapped pages, hold/release counters."""

    def __init__(self, params: PagePoolParams, hm: HostMemory, cpuid: int = -1,
                 env=None) -> None:
        """page_pool_init(): validate the params (PagePoolError -EINVAL), size the ring."""
        p = params
        if p.flags & ~PP_FLAG_ALL:
            raise PagePoolError(-EINVAL, f"unknown flags {p.flags:#x}")
        ring_qsize = min(p.pool_size, PP_RING_SIZE_MAX) if p.pool_size else PP_DEFAULT_POOL_SIZE
        if p.flags & PP_FLAG_DMA_MAP:
            if p.dma_dir not in (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL):
                raise PagePoolError(-EINVAL, f"dma_dir {p.dma_dir}")
            if p.dev is None:
                raise PagePoolError(-EINVAL, "PP_FLAG_DMA_MAP without dev")
        if p.flags & PP_FLAG_DMA_SYNC_DEV:
            if not p.flags & PP_FLAG_DMA_MAP:
                raise PagePoolError(-EINVAL, "PP_FLAG_DMA_SYNC_DEV needs PP_FLAG_DMA_MAP")
            if not p.max_len:
                raise PagePoolError(-EINVAL, "PP_FLAG_DMA_SYNC_DEV needs max_len")
        if p.order < 0 or p.order > MAX_PAGE_ORDER:
            raise PagePoolError(-EINVAL, f"order {p.order}")
        self.p = p
        self.hm = hm
        self.env = env
        self.allocator = hm.alloc                    # the page allocator behind the pool
        self.checker = hm.checker
        self.cpuid = cpuid                           # pool->cpuid (page_pool_create_percpu)
        self.dma_map = bool(p.flags & PP_FLAG_DMA_MAP)
        self.dma_sync = bool(p.flags & PP_FLAG_DMA_SYNC_DEV)
        self.system = bool(p.flags & PP_FLAG_SYSTEM_POOL)
        self.ring_size = ring_qsize
        self.cache: List[Page] = []                  # pool->alloc.cache, LIFO
        self.ring = PtrRing(ring_qsize)              # pool->ring
        self.dma_mapped: Dict[int, Page] = {}        # pool->dma_mapped: pages the pool mapped
        self.stats = PagePoolStats(recycle_stats=_system_recycle_stats) if self.system \
            else PagePoolStats()
        self.hold_cnt = 0                            # pages_state_hold_cnt
        self.release_cnt = 0                         # pages_state_release_cnt
        self.frag_page: Optional[Page] = None
        self.frag_offset = 0
        self.frag_align = hm.dma_get_cache_alignment()
        self.destroyed = False
        self.destroy_cnt = 0
        self.freed = False
        self.release_retries = 0
        self.defer_start = 0.0
        self.defer_warn = 0.0
        self.warnings: List[str] = []
        self.maps = 0
        _pool_ids[0] += 1
        self.id = _pool_ids[0]                       # pool->user.id

    # ------------------------------------------------------------------ helpers
    @property
    def inflight(self) -> int:
        """page_pool_inflight(): pages handed out (or cached) and not yet released."""
        return self.hold_cnt - self.release_cnt

    @property
    def pages_outstanding(self) -> int:
        """Pages of the pool neither released nor back in its cache or ring (model only)."""
        return self.inflight - len(self.cache) - len(self.ring)

    def _now(self) -> float:
        return self.env.now_ns if self.env is not None else self.hm.now_ns()

    def _pref_nid(self) -> int:
        return 0 if self.p.nid == NUMA_NO_NODE else self.p.nid

    @staticmethod
    def get_dma_addr(page: Page) -> int:
        """page_pool_get_dma_addr()."""
        return page.dma_addr

    def napi_local(self) -> bool:
        """page_pool_napi_local(): in softirq on the pool's CPU (pool->cpuid) or on the CPU
        whose NAPI instance pool->p.napi is (napi->list_owner)."""
        hm = self.hm
        if not hm.in_softirq:
            return False
        if self.cpuid == hm.cpu:
            return True
        napi = self.p.napi
        return napi is not None and getattr(napi, "list_owner", -1) == hm.cpu

    def _dma_map(self, page: Page) -> bool:
        """page_pool_dma_map(): map the whole page once, track it in dma_mapped, sync max_len
        for the device."""
        hm = self.p.dev
        addr = hm.dma_map_page(page, 0, page.size, self.p.dma_dir, DMA_ATTR_SKIP_CPU_SYNC,
                               call="page_pool_dma_map")
        if hm.dma_mapping_error(addr):
            return False
        page.dma_addr = addr
        self.dma_mapped[page.pfn] = page
        self.maps += 1
        self._dma_sync_for_device(page, self.p.max_len)
        return True

    def _dma_sync_for_device(self, page: Page, dma_sync_size: int) -> None:
        """page_pool_dma_sync_for_device(): while pool->dma_sync (SYNC_DEV, until the scrub),
        min(dma_sync_size, max_len) bytes at offset."""
        if not self.dma_sync:
            return
        size = self.p.max_len if dma_sync_size < 0 else min(dma_sync_size, self.p.max_len)
        self.p.dev.dma_sync_single_range_for_device(page.dma_addr, self.p.offset, size,
                                                    self.p.dma_dir)

    def _unmap(self, page: Page) -> None:
        """__page_pool_unmap_netmem_dma(): unmap a page still in dma_mapped (once)."""
        if self.dma_mapped.pop(page.pfn, None) is not None:
            self.p.dev.dma_unmap_page(page.dma_addr, page.size, self.p.dma_dir,
                                      DMA_ATTR_SKIP_CPU_SYNC, call="page_pool_return_page")

    def _set_pp_info(self, page: Page) -> None:
        page.pp = self
        page.pp_magic = PP_SIGNATURE
        page.pp_ref_count = 1
        page.location = LOC_USER
        self.hold_cnt += 1

    @staticmethod
    def _can_be_recycled(page: Page) -> bool:
        """__page_pool_page_can_be_recycled(): page refcount 1 and not pfmemalloc."""
        return page.refcount == 1 and not page.pfmemalloc

    # ------------------------------------------------------------------ alloc
    def alloc_pages(self) -> Optional[Page]:
        """page_pool_alloc_pages(): cache, then ring refill, then the slow path."""
        if self.cache:
            page = self.cache.pop()
            self.stats.alloc_stats.fast += 1
            self.hm.meter.charge("page_pool_fast")
        else:
            page = self._refill_alloc_cache()
            if page is None:
                return self._alloc_pages_slow()
            self.hm.meter.charge("page_pool_fast")
        page.location = LOC_USER
        page.pp_ref_count = 1
        return page

    dev_alloc_pages = alloc_pages

    def _refill_alloc_cache(self) -> Optional[Page]:
        """page_pool_refill_alloc_cache(): up to PP_ALLOC_CACHE_REFILL pages from the ring."""
        ring = self.ring
        if ring.empty():
            self.stats.alloc_stats.empty += 1
            return None
        pref = self._pref_nid()
        cache = self.cache
        while True:
            page = ring.consume()
            if page is None:
                break
            if page.nid == pref:
                page.location = LOC_PP_CACHE
                cache.append(page)
            else:
                page.location = LOC_USER
                self._return_page(page)
                self.stats.alloc_stats.waive += 1
                break
            if len(cache) >= PP_ALLOC_CACHE_REFILL:
                break
        if cache:
            self.stats.alloc_stats.refill += 1
            return cache.pop()
        return None

    def _alloc_pages_slow(self) -> Optional[Page]:
        """__page_pool_alloc_netmems_slow(): bulk of 64 order-0 pages, or one high-order page."""
        if self.p.order:
            page = self.allocator.alloc_pages(self.p.order, self.p.nid, charge=False)
            self.hm.meter.charge("page_pool_slow")
            if page is None:
                return None
            if self.dma_map and not self._dma_map(page):
                self.allocator.put_page(page)
                return None
            self.stats.alloc_stats.slow_high_order += 1
            self._set_pp_info(page)
            return page
        pages = self.allocator.alloc_pages_bulk(PP_ALLOC_CACHE_REFILL, self.p.nid, charge=False)
        for page in pages:
            self.hm.meter.charge("page_pool_slow")
            if self.dma_map and not self._dma_map(page):
                self.allocator.put_page(page)
                continue
            self._set_pp_info(page)
            page.location = LOC_PP_CACHE
            self.cache.append(page)
        if not self.cache:
            return None
        page = self.cache.pop()
        page.location = LOC_USER
        self.stats.alloc_stats.slow += 1
        return page

    def alloc_frag(self, size: int) -> Optional[Tuple[Page, int]]:
        """page_pool_alloc_frag_netmem(): a piece of pool->frag_page, size aligned to
        dma_get_cache_alignment(); (page, offset). Carving a piece counts no stat; only a new
        page (page_pool_alloc_netmems) or a drained page reused in place does."""
        max_size = PAGE_SIZE << self.p.order
        if size > max_size:
            return None                                      # WARN_ON(size > max_size)
        align = self.frag_align
        size = (size + align - 1) // align * align
        offset = self.frag_offset
        page = self.frag_page
        if page is not None and offset + size > max_size:
            page = self._drain_frag(page)
            if page is not None:
                self.stats.recycle_stats.cached += 1
                self.stats.alloc_stats.fast += 1
                self.frag_page = page
        elif page is not None:
            page.pp_ref_count += 1
            self.frag_offset = offset + size
            return page, offset
        if page is None:
            page = self.alloc_pages()
            if page is None:
                self.frag_page = None
                return None
            self.frag_page = page
        page.location = LOC_USER
        page.pp_ref_count = 2           # the pool's own reference (its bias) plus this piece
        self.frag_offset = size
        return page, 0

    def _drain_frag(self, page: Page) -> Optional[Page]:
        """page_pool_drain_frag(): drop the pool's reference; if it was the last, reuse the
        page when it can be recycled (synced for the device), else release it."""
        self.frag_page = None
        page.pp_ref_count -= 1
        if page.pp_ref_count > 0:
            return None
        if self._can_be_recycled(page):
            page.pp_ref_count = 1
            self._dma_sync_for_device(page, -1)
            return page
        self._return_page(page)
        return None

    def free_frag(self) -> None:
        """page_pool_free_frag(): drop the pool's reference on the current frag page."""
        page = self.frag_page
        if page is None:
            return
        self.frag_page = None
        page.pp_ref_count -= 1
        if page.pp_ref_count == 0:
            self._return_page(page)

    def alloc(self, size: int) -> Optional[Tuple[Page, int, int]]:
        """page_pool_alloc() / page_pool_alloc_netmem(): a whole page when size is over half
        of it, else a fragment; (page, offset, size), the last fragment of a page taking the
        rest of it (truesize)."""
        max_size = PAGE_SIZE << self.p.order
        if size << 1 > max_size:
            page = self.alloc_pages()
            return None if page is None else (page, 0, max_size)
        got = self.alloc_frag(size)
        if got is None:
            return None
        page, offset = got
        if self.frag_offset + size > max_size:
            size = max_size - offset
            self.frag_offset = max_size
        return page, offset, size

    dev_alloc = alloc               # page_pool_dev_alloc(): GFP_ATOMIC | __GFP_NOWARN
    alloc_va = alloc                # page_pool_alloc_va(): the address is page + offset
    dev_alloc_va = alloc

    # ------------------------------------------------------------------ put / recycle
    def _unref(self, page: Page, call: str) -> bool:
        """page_pool_unref_and_test() with the model's checks: True for the last reference."""
        if page.pp is not self:
            self.checker.breach(WrongPool(
                f"page belongs to {page.pp!r}, put to {self!r}", page=page, start=0,
                end=page.size, owner=page.location, call=call))
        if page.pp_ref_count <= 0 or page.location in (LOC_PP_CACHE, LOC_PP_RING, LOC_FREE):
            self.checker.breach(DoublePut(
                f"pp_ref_count {page.pp_ref_count}", page=page, start=0, end=page.size,
                owner=page.location, call=call))
            # permissive: do what the kernel would (the page now sits in the pool twice),
            # unless the page is already back in the page allocator
            return page.location != LOC_FREE
        page.pp_ref_count -= 1
        if page.pp_ref_count > 0:
            return False
        if page.skb_refs > 0:
            self.checker.breach(RecycleWhileHeld(
                f"{page.skb_refs} live skb(s) still point at the page", page=page, start=0,
                end=page.size, owner="stack", call=call))
        return True

    def put_page(self, page: Page, dma_sync_size: int = -1, allow_direct: bool = False) -> None:
        """page_pool_put_page(): drop one pool reference; the last one recycles or releases."""
        if self.hm.tx_watches:
            self.hm.check_tx_page_free(page, "page_pool_put_page")
        if self._unref(page, "page_pool_put_page"):
            self.put_unrefed_page(page, dma_sync_size, allow_direct)

    def put_unrefed_page(self, page: Page, dma_sync_size: int = -1,
                         allow_direct: bool = False) -> None:
        """page_pool_put_unrefed_netmem(): direct recycling if the caller allows it or
        page_pool_napi_local() says so; else the ring; a full ring releases the page."""
        if not allow_direct:
            allow_direct = self.napi_local()
        self._put_page_last(page, dma_sync_size, allow_direct)

    def _put_page_last(self, page: Page, dma_sync_size: int, allow_direct: bool) -> None:
        """The put of a page's last reference once allow_direct is decided: cache, ring, or
        release (the rest of page_pool_put_unrefed_netmem())."""
        page = self._put_page(page, dma_sync_size, allow_direct)
        if page is not None and not self._recycle_in_ring(page):
            self.stats.recycle_stats.ring_full += 1
            self._return_page(page)

    def _put_page(self, page: Page, dma_sync_size: int, allow_direct: bool) -> Optional[Page]:
        """__page_pool_put_page(): a recyclable page is synced for the device and cached when
        allowed, else returned for the ring; any other page is released (released_refcnt)."""
        if page.refcount == 1 and not page.pfmemalloc:
            if self.dma_sync:
                self._dma_sync_for_device(page, dma_sync_size)
            if allow_direct:
                if len(self.cache) < PP_ALLOC_CACHE_SIZE:     # page_pool_recycle_in_cache()
                    page.location = LOC_PP_CACHE
                    self.cache.append(page)
                    self.stats.recycle_stats.cached += 1
                    return None
                self.stats.recycle_stats.cache_full += 1
            return page
        self.stats.recycle_stats.released_refcnt += 1
        self._return_page(page)
        return None

    def _recycle_in_ring(self, page: Page) -> bool:
        """page_pool_recycle_in_ring(): __ptr_ring_produce(), counting 'ring' on success."""
        if not self.ring.produce(page):
            return False
        page.location = LOC_PP_RING
        self.stats.recycle_stats.ring += 1
        self.hm.meter.charge("page_pool_ring")
        return True

    def _recycle_ring_bulk(self, bulk: List[Page]) -> None:
        """page_pool_recycle_ring_bulk(): produce under one lock; at the first full slot count
        ring_full once and release the rest."""
        n = 0
        for page in bulk:
            if not self.ring.produce(page):
                self.stats.recycle_stats.ring_full += 1
                break
            page.location = LOC_PP_RING
            self.hm.meter.charge("page_pool_ring")
            n += 1
        self.stats.recycle_stats.ring += n
        for page in bulk[n:]:
            self._return_page(page)

    def put_full_page(self, page: Page, allow_direct: bool = False) -> None:
        """page_pool_put_full_page(): put syncing max_len for the device."""
        self.put_page(page, -1, allow_direct)

    def recycle_direct(self, page: Page) -> None:
        """page_pool_recycle_direct(): put_full_page from NAPI context (allow_direct)."""
        self.put_page(page, -1, True)

    def free_va(self, page: Page, allow_direct: bool = False) -> None:
        """page_pool_free_va(): put a page_pool_alloc_va() buffer."""
        self.put_page(page, -1, allow_direct)

    def _return_page(self, page: Page) -> None:
        """page_pool_return_netmem(): unmap if still mapped, count the release, free the page."""
        if self.dma_map:
            self._unmap(page)
            page.dma_addr = 0
        self.release_cnt += 1
        page.pp = None
        page.pp_magic = 0
        page.pp_ref_count = 0
        page.location = LOC_USER
        self.allocator.put_page(page, call="page_pool_return_page")

    def update_nid(self, new_nid: int) -> None:
        """page_pool_update_nid(): switch node and flush the alloc cache."""
        self.p.nid = new_nid
        while self.cache:
            page = self.cache.pop()
            page.location = LOC_USER
            self._return_page(page)

    # ------------------------------------------------------------------ teardown
    def disable_direct_recycling(self) -> None:
        """page_pool_disable_direct_recycling(): pool->cpuid = -1, pool->p.napi = NULL."""
        self.cpuid = -1
        self.p.napi = None

    def _scrub(self) -> None:
        """page_pool_scrub(): empty the alloc cache (once); on the first call turn dma_sync
        off and unmap every page still in dma_mapped (those the stack holds too); empty the
        ring."""
        if not self.destroy_cnt:
            while self.cache:
                page = self.cache.pop()
                page.location = LOC_USER
                self._return_page(page)
        first = not self.destroy_cnt
        self.destroy_cnt += 1
        if first and self.dma_map:
            self.dma_sync = False
            for page in list(self.dma_mapped.values()):
                self._unmap(page)
        while True:
            page = self.ring.consume()
            if page is None:
                break
            page.location = LOC_USER
            self._return_page(page)

    def _release(self) -> int:
        """page_pool_release(): scrub; free the pool at inflight 0; returns inflight."""
        self._scrub()
        inflight = self.inflight
        if inflight == 0:
            self.freed = True
        return inflight

    def destroy(self) -> int:
        """page_pool_destroy(): disable direct recycling, drop the frag page, release; with
        pages in flight, defer to page_pool_release_retry() every DEFER_TIME_NS (on the env
        given at creation; without one, call release_retry()). Returns inflight."""
        if self.destroyed:
            return self.inflight
        self.destroyed = True
        self.disable_direct_recycling()
        self.free_frag()
        inflight = self._release()
        if not inflight:
            return 0
        self.defer_start = self._now()
        self.defer_warn = self.defer_start + DEFER_WARN_INTERVAL_NS
        if self.env is not None:
            self.env.spawn(self._release_work(), name="page_pool_release_retry")
        return inflight

    async def _release_work(self) -> None:
        """The delayed work: page_pool_release_retry() every DEFER_TIME_NS until it is done."""
        while True:
            await self.env.sleep_ns(DEFER_TIME_NS)
            if self.release_retry() <= 0:
                return

    def release_retry(self) -> int:
        """page_pool_release_retry(): release again; while inflight stays positive, warn
        every DEFER_WARN_INTERVAL_NS for a pool no netdev shows. Returns inflight (0: freed;
        negative: a driver bug, no more retries)."""
        self.release_retries += 1
        inflight = self._release()
        if inflight <= 0:
            return inflight
        netdev = self.p.netdev
        now = self._now()
        if now >= self.defer_warn - 1.0 and (netdev is None or netdev is NET_PTR_POISON):
            sec = int((now - self.defer_start + 1.0) // 1e9)
            self.warnings.append(f"page_pool_release_retry() stalled pool shutdown: id {self.id}, "
                                 f"{inflight} inflight {sec} sec")
            self.defer_warn = now + DEFER_WARN_INTERVAL_NS
        return inflight

    def check_leaks(self) -> None:
        """Raise PageLeak if a destroyed pool still has pages in flight."""
        if self.inflight:
            self.checker.breach(PageLeak(f"{self.inflight} pages in flight (hold {self.hold_cnt},"
                                         f" release {self.release_cnt})", owner="stack",
                                         call="page_pool_destroy"))

    def snapshot(self) -> dict:
        """Kernel-named stats, ethtool strings, hold/release/inflight."""
        out = self.stats.as_dict()
        out.update(self.stats.ethtool())
        out.update(pages_state_hold_cnt=self.hold_cnt, pages_state_release_cnt=self.release_cnt,
                   inflight=self.inflight, cache_count=len(self.cache), ring_count=len(self.ring),
                   dma_maps=self.maps, dma_mapped=len(self.dma_mapped),
                   release_retries=self.release_retries)
        return out

    def __repr__(self) -> str:
        return f"<page_pool {self.id}>"


def page_pool_create(params: PagePoolParams, hm: HostMemory, env=None) -> PagePool:
    """page_pool_create(): validate params (PagePoolError with -EINVAL) and build a pool; env
    (sleep_ns, spawn, now_ns) runs the deferred release of page_pool_destroy()."""
    return PagePool(params, hm, -1, env)


def page_pool_create_percpu(params: PagePoolParams, hm: HostMemory, cpuid: int,
                            env=None) -> PagePool:
    """page_pool_create_percpu(): a pool whose direct recycling belongs to CPU cpuid."""
    return PagePool(params, hm, cpuid, env)


def page_pool_put_netmem_bulk(pages: Iterable[Page]) -> None:
    """page_pool_put_netmem_bulk(): drop one reference on each page; per pool (pages of other
    pools wait for the next round), put the last references with allow_direct from
    page_pool_napi_local() and produce the recyclable ones into the ring in one go."""
    data = []
    for page in pages:
        pool = page.pp
        if pool is None:
            continue                         # not a page_pool page: the caller's bug
        if pool.hm.tx_watches:
            pool.hm.check_tx_page_free(page, "page_pool_put_netmem_bulk")
        if pool._unref(page, "page_pool_put_netmem_bulk"):
            data.append(page)
    while data:
        pool = None
        allow_direct = False
        bulk: List[Page] = []
        foreign: List[Page] = []
        for page in data:
            if pool is None:
                pool = page.pp
                allow_direct = pool.napi_local()
            elif page.pp is not pool:
                foreign.append(page)
                continue
            page = pool._put_page(page, -1, allow_direct)
            if page is not None:
                bulk.append(page)
        if bulk:
            pool._recycle_ring_bulk(bulk)
        data = foreign
