"""struct page and a page allocator (alloc_pages / __free_pages / get_page / put_page)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from .errors import Breach, Checker, DoublePut, UseAfterFree

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT          # include/asm-generic/page.h, 4 KiB pages
NUMA_NO_NODE = -1                    # include/linux/numa.h
MAX_PAGE_ORDER = 10                  # include/linux/mmzone.h (default)
FILL_BYTE = 0xA5                     # fresh memory pattern: zero-filled memory would hide a bad strobe
PP_SIGNATURE = 0x40                  # include/linux/poison.h, POISON_POINTER_DELTA taken as 0

# Where a page is, for the "never in two places" invariant.
LOC_FREE = "buddy"
LOC_USER = "user"          # handed out (driver ring, skb, caller)
LOC_PP_CACHE = "pp_cache"
LOC_PP_RING = "pp_ring"


@dataclass(eq=False)
class Page:
    """struct page of a (possibly compound) page: refcount, page_pool fields, flags."""

    pfn: int
    order: int = 0
    nid: int = 0
    refcount: int = 0                # _refcount
    pfmemalloc: bool = False
    # page_pool fields (struct page's pp_magic, pp, dma_addr, pp_ref_count)
    pp_magic: int = 0
    pp: Optional[object] = None
    dma_addr: int = 0
    pp_ref_count: int = 0
    # model-only bookkeeping
    data: bytearray = field(default_factory=bytearray, repr=False)
    location: str = LOC_FREE
    coherent: bool = False           # backs a dma_alloc_coherent buffer: CPU accesses uncached
    skb_refs: int = 0                # live skbs pointing at this page (checker only)
    map_count_total: int = 0         # how many times it was ever DMA-mapped

    @property
    def size(self) -> int:
        """Bytes covered by the compound page."""
        return PAGE_SIZE << self.order

    @property
    def phys(self) -> int:
        """Physical address of the first byte (page_to_phys)."""
        return self.pfn << PAGE_SHIFT

    def __repr__(self) -> str:
        return f"pfn:{self.pfn:#x}/o{self.order}"

    def __str__(self) -> str:
        return self.__repr__()


@dataclass
class AllocatorStats:
    """Page allocator counters (in the spirit of /proc/vmstat pgalloc / pgfree)."""

    pgalloc: int = 0
    pgfree: int = 0
    alloc_fail: int = 0
    alloc_fail_limit: int = 0        # of alloc_fail: the host memory limit was reached
    bulk_calls: int = 0
    bulk_short: int = 0              # bulk calls that returned fewer pages than asked for


class PageAllocator:
    """Buddy-allocator stand-in: per-order LIFO free lists, counters, injectable failures.

    mem_pages (0 or None: unlimited) is the host's memory in 4 KiB pages: an allocation that
    would take more than that many pages in use at once fails, as alloc_pages() does when the
    zone is below its watermark and reclaim finds nothing (GFP_ATOMIC, no OOM kill): it returns
    NULL and counts in alloc_fail; a bulk allocation returns the pages it got before.
    """

    def __init__(self, checker: Optional[Checker] = None, nr_nodes: int = 1, seed: int = 0,
                 meter: Optional[object] = None, mem_pages: Optional[int] = None) -> None:
        self.checker = checker or Checker()
        self.nr_nodes = nr_nodes
        self.stats = AllocatorStats()
        self.meter = meter
        self._next_pfn = 0x100                     # leave page 0 unused: bus address 0 is never valid
        self._free: Dict[tuple, List[Page]] = {}   # (order, nid) -> free pages
        self.pages: Dict[int, Page] = {}           # pfn of every base page -> its head page
        self.in_use: Dict[int, Page] = {}          # head pfn -> page, allocated now
        self._rng = random.Random(seed)
        self.fail_next = 0                         # fail the next n allocations
        self.fail_rate = 0.0                       # fail each allocation with this probability
        self.fail_hook: Optional[Callable[[int], bool]] = None
        self.pfmemalloc_next = 0                   # mark the next n allocations pfmemalloc
        self.mem_pages = mem_pages                 # host memory limit in pages (None/0: none)
        self.pages_used = 0                        # base pages allocated now
        self.pages_used_max = 0                    # the most ever allocated at once

    # --- failure injection -------------------------------------------------------------
    def _should_fail(self, order: int) -> bool:
        if self.fail_next > 0:
            self.fail_next -= 1
            return True
        if self.fail_hook is not None and self.fail_hook(order):
            return True
        return self.fail_rate > 0 and self._rng.random() < self.fail_rate

    # --- allocation ---------------------------------------------------------------------
    def _new_block(self, order: int, nid: int) -> Page:
        pfn = self._next_pfn
        self._next_pfn += 1 << order
        page = Page(pfn=pfn, order=order, nid=nid,
                    data=bytearray([FILL_BYTE]) * (PAGE_SIZE << order))
        for i in range(1 << order):
            self.pages[pfn + i] = page
        return page

    def alloc_pages(self, order: int = 0, nid: int = NUMA_NO_NODE, charge: bool = True) -> Optional[Page]:
        """alloc_pages_node(): one compound page of 2**order pages, refcount 1, or None."""
        if order < 0 or order > MAX_PAGE_ORDER:
            return None
        nid = 0 if nid == NUMA_NO_NODE else min(nid, self.nr_nodes - 1)
        if charge and self.meter is not None:
            self.meter.charge("alloc_pages")
        if self._should_fail(order):
            self.stats.alloc_fail += 1
            return None
        if self.mem_pages and self.pages_used + (1 << order) > self.mem_pages:
            self.stats.alloc_fail += 1
            self.stats.alloc_fail_limit += 1
            return None
        free = self._free.get((order, nid))
        page = free.pop() if free else self._new_block(order, nid)
        page.refcount = 1
        page.location = LOC_USER
        page.pfmemalloc = False
        if self.pfmemalloc_next > 0:
            self.pfmemalloc_next -= 1
            page.pfmemalloc = True
        self.in_use[page.pfn] = page
        self.pages_used += 1 << order
        self.pages_used_max = max(self.pages_used_max, self.pages_used)
        self.stats.pgalloc += 1
        return page

    def alloc_pages_bulk(self, nr: int, nid: int = NUMA_NO_NODE, charge: bool = True) -> List[Page]:
        """alloc_pages_bulk(): up to nr order-0 pages; stops at the first failure."""
        self.stats.bulk_calls += 1
        out: List[Page] = []
        for _ in range(nr):
            page = self.alloc_pages(0, nid, charge)
            if page is None:
                self.stats.bulk_short += 1
                break
            out.append(page)
        return out

    def free_pages(self, page: Page, call: str = "__free_pages") -> None:
        """__free_pages(): give a page whose last reference went back to the free lists."""
        if page.location == LOC_FREE or page.pfn not in self.in_use:
            self.checker.breach(DoublePut("page already free", page=page, owner="buddy", call=call))
            return
        if self.meter is not None:
            self.meter.charge("free_pages")
        page.refcount = 0
        page.location = LOC_FREE
        page.pp = None
        page.pp_magic = 0
        page.dma_addr = 0
        page.pp_ref_count = 0
        del self.in_use[page.pfn]
        self.pages_used -= 1 << page.order
        self._free.setdefault((page.order, page.nid), []).append(page)
        self.stats.pgfree += 1

    def get_page(self, page: Page) -> None:
        """get_page(): take one more reference."""
        if page.refcount <= 0:
            self.checker.breach(UseAfterFree("get_page on a free page", page=page, owner="buddy",
                                             call="get_page"))
        page.refcount += 1

    def put_page(self, page: Page, call: str = "put_page") -> None:
        """put_page(): drop one reference; the last one frees the page."""
        if page.refcount <= 0:
            self.checker.breach(DoublePut("refcount already zero", page=page, owner=page.location,
                                          call=call))
            return
        page.refcount -= 1
        if page.refcount == 0:
            self.free_pages(page, call=call)

    def page_of(self, phys: int) -> Optional[Page]:
        """pfn_to_page(phys >> PAGE_SHIFT) as the head of its compound page, or None."""
        return self.pages.get(phys >> PAGE_SHIFT)

    @property
    def pages_free(self) -> Optional[int]:
        """Pages left under the memory limit (None without one)."""
        return self.mem_pages - self.pages_used if self.mem_pages else None

    @property
    def nr_in_use(self) -> int:
        """Pages (compound heads) currently allocated."""
        return len(self.in_use)


__all__ = ["Page", "PageAllocator", "AllocatorStats", "PAGE_SIZE", "PAGE_SHIFT", "NUMA_NO_NODE",
           "Breach", "LOC_FREE", "LOC_USER", "LOC_PP_CACHE", "LOC_PP_RING", "PP_SIGNATURE"]
