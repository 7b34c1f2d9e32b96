"""page_pool: per-RX-queue page recycling, after net/core/page_pool.c.

Fast path: pop the lockless alloc cache, recycle into it from NAPI (allow_direct). Slow path:
refill the cache from the ptr_ring, bulk-allocate and DMA-map fresh pages, release pages back
to the page allocator. Each stat is counted where its event happens, as in the kernel.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, fields
from typing import Deque, List, Optional, Tuple

from .dma import DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, L1_CACHE_BYTES, HostMemory
from .errors import DoublePut, PageLeak, RecycleWhileHeld, WrongPool
from .page import LOC_FREE, LOC_PP_CACHE, LOC_PP_RING, LOC_USER, NUMA_NO_NODE, PAGE_SIZE, PP_SIGNATURE, Page

# include/net/page_pool/types.h
PP_FLAG_DMA_MAP = 1 << 0
PP_FLAG_DMA_SYNC_DEV = 1 << 1
PP_FLAG_ALL = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV
PP_ALLOC_CACHE_SIZE = 128
PP_ALLOC_CACHE_REFILL = 64
# net/core/page_pool.c
PP_DEFAULT_POOL_SIZE = 1024        # ring entries when pool_size is 0
PP_MAX_POOL_SIZE = 32768           # "sanity limit mem that can be pinned down"
# include/uapi/asm-generic/errno-base.h
EINVAL = 22
E2BIG = 7


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
    napi: Optional[object] = None
    dma_dir: int = DMA_FROM_DEVICE
    max_len: int = 0
    offset: int = 0


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


class PagePool:
    """struct page_pool: alloc cache, ptr_ring, hold/release counters."""

    def __init__(self, params: PagePoolParams, hm: HostMemory) -> None:
        p = params
        if p.flags & ~PP_FLAG_ALL:
            raise PagePoolError(-EINVAL, f"unknown flags {p.flags:#x}")
        ring_qsize = p.pool_size or PP_DEFAULT_POOL_SIZE
        if ring_qsize > PP_MAX_POOL_SIZE:
            raise PagePoolError(-E2BIG, f"pool_size {ring_qsize} > {PP_MAX_POOL_SIZE}")
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
        if p.order < 0 or p.order > 10:
            raise PagePoolError(-EINVAL, f"order {p.order}")
        self.p = p
        self.hm = hm
        self.alloc = hm.alloc
        self.checker = hm.checker
        self.ring_size = ring_qsize
        self.cache: List[Page] = []                  # pool->alloc.cache, LIFO
        self.ring: Deque[Page] = deque()             # pool->ring (ptr_ring), FIFO
        self.stats = PagePoolStats()
        self.hold_cnt = 0                            # pages_state_hold_cnt
        self.release_cnt = 0                         # pages_state_release_cnt
        self.frag_page: Optional[Page] = None
        self.frag_offset = 0
        self.destroyed = False
        self.freed = False
        self.warnings: List[str] = []
        self.maps = 0

    # ------------------------------------------------------------------ helpers
    @property
    def inflight(self) -> int:
        """page_pool_inflight(): pages handed out (or cached) and not yet released."""
        return self.hold_cnt - self.release_cnt

    def _pref_nid(self) -> int:
        return 0 if self.p.nid == NUMA_NO_NODE else self.p.nid

    @staticmethod
    def get_dma_addr(page: Page) -> int:
        """page_pool_get_dma_addr()."""
        return page.dma_addr

    def _dma_map(self, page: Page) -> bool:
        """page_pool_dma_map(): map the whole page once; with SYNC_DEV sync max_len for the device."""
        hm = self.p.dev
        addr = hm.dma_map_page(page, 0, page.size, self.p.dma_dir, DMA_ATTR_SKIP_CPU_SYNC,
                               call="page_pool_dma_map")
        if hm.dma_mapping_error(addr):
            return False
        page.dma_addr = addr
        self.maps += 1
        if self.p.flags & PP_FLAG_DMA_SYNC_DEV:
            self._dma_sync_for_device(page, self.p.max_len)
        return True

    def _dma_sync_for_device(self, page: Page, dma_sync_size: int) -> None:
        """page_pool_dma_sync_for_device(): min(dma_sync_size, max_len) bytes at offset."""
        size = self.p.max_len if dma_sync_size < 0 else min(dma_sync_size, self.p.max_len)
        self.p.dev.dma_sync_single_range_for_device(page.dma_addr, self.p.offset, size,
                                                    self.p.dma_dir)

    def _set_pp_info(self, page: Page) -> None:
        page.pp = self
        page.pp_magic = PP_SIGNATURE
        page.pp_ref_count = 1
        page.location = LOC_USER
        self.hold_cnt += 1

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

    def _refill_alloc_cache(self) -> Optional[Page]:
        """page_pool_refill_alloc_cache(): up to PP_ALLOC_CACHE_REFILL pages from the ring."""
        if not self.ring:
            self.stats.alloc_stats.empty += 1
            return None
        pref = self._pref_nid()
        while self.ring:
            page = self.ring.popleft()
            if page.nid == pref:
                page.location = LOC_PP_CACHE
                self.cache.append(page)
            else:
                page.location = LOC_USER
                self._return_page(page)
                self.stats.alloc_stats.waive += 1
                break
            if len(self.cache) >= PP_ALLOC_CACHE_REFILL:
                break
        if self.cache:
            self.stats.alloc_stats.refill += 1
            return self.cache.pop()
        return None

    def _alloc_pages_slow(self) -> Optional[Page]:
        """__page_pool_alloc_pages_slow(): bulk of 64 order-0 pages, or one high-order page."""
        if self.p.order:
            page = self.alloc.alloc_pages(self.p.order, self.p.nid, charge=False)
            self.hm.meter.charge("page_pool_slow")
            if page is None:
                return None
            if self.p.flags & PP_FLAG_DMA_MAP and not self._dma_map(page):
                self.alloc.put_page(page)
                return None
            self._set_pp_info(page)
            self.stats.alloc_stats.slow_high_order += 1
            return page
        pages = self.alloc.alloc_pages_bulk(PP_ALLOC_CACHE_REFILL, self.p.nid, charge=False)
        for page in pages:
            self.hm.meter.charge("page_pool_slow")
            if self.p.flags & PP_FLAG_DMA_MAP and not self._dma_map(page):
                self.alloc.put_page(page)
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
        """page_pool_alloc_frag(): a cache-line-aligned piece of a shared page; (page, offset)."""
        max_size = PAGE_SIZE << self.p.order
        size = (size + L1_CACHE_BYTES - 1) & ~(L1_CACHE_BYTES - 1)
        if size <= 0 or size > max_size:
            return None
        page = self.frag_page
        if page is not None and self.frag_offset + size > max_size:
            page = self._drain_frag(page)
            if page is not None:
                self.stats.recycle_stats.cached += 1
                self.stats.alloc_stats.fast += 1
        elif page is not None:
            page.pp_ref_count += 1
            offset = self.frag_offset
            self.frag_offset += size
            self.stats.alloc_stats.fast += 1
            return page, offset
        if page is None:
            page = self.alloc_pages()
            if page is None:
                self.frag_page = None
                return None
        self.frag_page = page
        page.location = LOC_USER
        page.pp_ref_count = 2           # the pool's own reference plus this piece
        self.frag_offset = size
        return page, 0

    def _drain_frag(self, page: Page) -> Optional[Page]:
        """page_pool_drain_frag(): drop the pool's reference; reuse the page if it was the last."""
        self.frag_page = None
        page.pp_ref_count -= 1
        if page.pp_ref_count > 0:
            return None
        page.pp_ref_count = 1
        if self.p.flags & PP_FLAG_DMA_SYNC_DEV:
            self._dma_sync_for_device(page, -1)
        return page

    def free_frag(self) -> None:
        """page_pool_free_frag(): drop the pool's reference on the current frag page."""
        page = self.frag_page
        if page is None:
            return
        self.frag_page = None
        page.pp_ref_count -= 1
        if page.pp_ref_count == 0:
            self._return_page(page)

    # ------------------------------------------------------------------ put / recycle
    def put_page(self, page: Page, dma_sync_size: int = -1, allow_direct: bool = False) -> None:
        """page_pool_put_page(): drop one pool reference; the last one recycles or releases the page."""
        call = "page_pool_put_page"
        if page.pp is not self:
            self.checker.breach(WrongPool(
                f"page belongs to {page.pp!r}, put to {self!r}", page=page, start=0,
                end=page.size, owner=page.location, call=call))
        if page.pp_ref_count <= 0 or page.location in (LOC_PP_CACHE, LOC_PP_RING, LOC_FREE):
            self.checker.breach(DoublePut(
                f"pp_ref_count {page.pp_ref_count}", page=page, start=0, end=page.size,
                owner=page.location, call=call))
            if page.location == LOC_FREE:
                return
            # permissive: do what the kernel would, the page now sits in the pool twice
            self._put_page_last(page, dma_sync_size, allow_direct and not self.destroyed)
            return
        page.pp_ref_count -= 1
        if page.pp_ref_count > 0:
            return
        if page.skb_refs > 0:
            self.checker.breach(RecycleWhileHeld(
                f"{page.skb_refs} live skb(s) still point at the page", page=page, start=0,
                end=page.size, owner="stack", call=call))
        if self.destroyed:
            allow_direct = False
        self._put_page_last(page, dma_sync_size, allow_direct)

    def _put_page_last(self, page: Page, dma_sync_size: int, allow_direct: bool) -> None:
        """__page_pool_put_page() then the ptr_ring produce of page_pool_put_unrefed_page()."""
        if page.refcount == 1 and not page.pfmemalloc:
            if self.p.flags & PP_FLAG_DMA_SYNC_DEV:
                self._dma_sync_for_device(page, dma_sync_size)
            if allow_direct:
                if len(self.cache) < PP_ALLOC_CACHE_SIZE:
                    page.location = LOC_PP_CACHE
                    self.cache.append(page)
                    self.stats.recycle_stats.cached += 1
                    return
                self.stats.recycle_stats.cache_full += 1
            if len(self.ring) < self.ring_size:
                page.location = LOC_PP_RING
                self.ring.append(page)
                self.stats.recycle_stats.ring += 1
                self.hm.meter.charge("page_pool_ring")
                if self.destroyed:
                    self.release_retry()
                return
            self.stats.recycle_stats.ring_full += 1
            self._return_page(page)
        else:
            self.stats.recycle_stats.released_refcnt += 1
            self._return_page(page)
        if self.destroyed:
            self.release_retry()

    def put_full_page(self, page: Page, allow_direct: bool = False) -> None:
        """page_pool_put_full_page(): put syncing max_len for the device."""
        self.put_page(page, -1, allow_direct)

    def recycle_direct(self, page: Page) -> None:
        """page_pool_recycle_direct(): put_full_page from NAPI context (allow_direct)."""
        self.put_full_page(page, True)

    def _return_page(self, page: Page) -> None:
        """page_pool_return_page(): unmap, count the release, give the page to the allocator."""
        if self.p.flags & PP_FLAG_DMA_MAP and page.dma_addr:
            self.p.dev.dma_unmap_page(page.dma_addr, page.size, self.p.dma_dir,
                                      DMA_ATTR_SKIP_CPU_SYNC, call="page_pool_return_page")
            page.dma_addr = 0
        self.release_cnt += 1
        page.pp = None
        page.pp_magic = 0
        page.pp_ref_count = 0
        page.location = LOC_USER
        self.alloc.put_page(page, call="page_pool_return_page")

    def update_nid(self, new_nid: int) -> None:
        """page_pool_update_nid(): switch node and flush the alloc cache."""
        self.p.nid = new_nid
        while self.cache:
            page = self.cache.pop()
            page.location = LOC_USER
            self._return_page(page)

    # ------------------------------------------------------------------ teardown
    def _scrub(self) -> None:
        """page_pool_scrub(): release every page in the cache and the ring."""
        while self.cache:
            page = self.cache.pop()
            page.location = LOC_USER
            self._return_page(page)
        while self.ring:
            page = self.ring.popleft()
            page.location = LOC_USER
            self._return_page(page)

    def destroy(self) -> int:
        """page_pool_destroy(): drop frag page, scrub, free now or defer while pages are in flight."""
        self.destroyed = True
        self.free_frag()
        return self.release_retry()

    def release_retry(self) -> int:
        """page_pool_release() / page_pool_release_retry(): scrub; free the pool at inflight 0."""
        self._scrub()
        inflight = self.inflight
        if inflight == 0:
            self.freed = True
        elif not self.warnings or self.warnings[-1] != f"stalled pool shutdown: {inflight} inflight":
            self.warnings.append(f"stalled pool shutdown: {inflight} inflight")
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
                   dma_maps=self.maps)
        return out

    def __repr__(self) -> str:
        return f"<page_pool {id(self) & 0xFFFF:04x}>"


def page_pool_create(params: PagePoolParams, hm: HostMemory) -> PagePool:
    """page_pool_create(): validate params (PagePoolError with -EINVAL / -E2BIG) and build a pool."""
    return PagePool(params, hm)
