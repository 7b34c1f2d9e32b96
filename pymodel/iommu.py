"""An IOMMU: IOVA allocator, page table with read/write permissions, strict or lazy unmap."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .page import PAGE_SHIFT, PAGE_SIZE

IOMMU_READ = 1                 # include/linux/iommu.h
IOMMU_WRITE = 2
IOVA_FQ_SIZE = 256             # drivers/iommu/dma-iommu.c: flush-queue entries
IOVA_FQ_TIMEOUT_NS = 10_000_000  # drivers/iommu/dma-iommu.c: 10 ms flush timeout
IOVA_BASE = 0x1000_0000        # first IOVA handed out; distinct from physical addresses
IOVA_LIMIT = 0x1_0000_0000     # 32-bit DMA mask
INJECTED = "injected: "        # prefix of a fault fail_next() caused (not the driver's doing)


@dataclass
class IommuStats:
    """IOMMU counters."""

    maps: int = 0
    unmaps: int = 0
    iotlb_flushes: int = 0
    faults: int = 0
    stale_hits: int = 0        # device accesses served by a not-yet-flushed IOTLB entry (lazy)
    faults_injected: int = 0   # of `faults`, those fail_next() caused


class Iommu:
    """Translates every device access; faults on unmapped IOVAs or wrong permissions."""

    def __init__(self, mode: str = "strict", now_ns: Callable[[], float] = lambda: 0.0) -> None:
        if mode not in ("strict", "lazy"):
            raise ValueError(f"IOMMU mode must be strict or lazy, not {mode!r}")
        self.mode = mode
        self.now_ns = now_ns
        self.stats = IommuStats()
        self._pt: Dict[int, Tuple[int, int]] = {}        # iova pfn -> (phys pfn, prot)
        self._iotlb_stale: Dict[int, Tuple[int, int]] = {}
        self._fq: List[Tuple[int, int]] = []             # (iova, npages) awaiting flush
        self._fq_first_ns: float = 0.0
        self._free: Dict[int, List[int]] = {}            # npages -> free iova bases
        self._next = IOVA_BASE
        self._fail = 0                                   # translations fail_next() still owes

    # --- fault injection ------------------------------------------------------------------
    def fail_next(self, count: int = 1) -> None:
        """The next `count` device accesses find no translation, as if the IOVA were no longer
        mapped (a page-table entry lost behind the driver's back): each is an IOMMU fault whose
        text starts with INJECTED, and the device gets an error response. The driver's own
        mappings are untouched, so this is not a DMA-API breach."""
        self._fail += count

    # --- IOVA allocator (alloc_iova_fast / free_iova_fast) ------------------------------
    def alloc_iova(self, npages: int) -> Optional[int]:
        """alloc_iova_fast(): an IOVA range of npages pages, or None when the space is full."""
        free = self._free.get(npages)
        if free:
            return free.pop()
        base = self._next
        if base + npages * PAGE_SIZE > IOVA_LIMIT:
            return None
        self._next = base + npages * PAGE_SIZE
        return base

    def _free_iova(self, iova: int, npages: int) -> None:
        self._free.setdefault(npages, []).append(iova)

    # --- iommu_map / iommu_unmap -------------------------------------------------------------
    def map(self, iova: int, phys: int, size: int, prot: int) -> None:
        """iommu_map(): install PTEs for [iova, iova+size) -> [phys, phys+size)."""
        self._maybe_flush_timeout()
        first = iova >> PAGE_SHIFT
        for i in range((size + PAGE_SIZE - 1) >> PAGE_SHIFT):
            self._pt[first + i] = ((phys >> PAGE_SHIFT) + i, prot)
            self._iotlb_stale.pop(first + i, None)
        self.stats.maps += 1

    def unmap(self, iova: int, size: int) -> None:
        """iommu_unmap() then, strict: invalidate the IOTLB now; lazy: queue the IOVA for a batched flush."""
        npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT
        first = iova >> PAGE_SHIFT
        for i in range(npages):
            entry = self._pt.pop(first + i)
            if self.mode == "lazy":
                self._iotlb_stale[first + i] = entry
        self.stats.unmaps += 1
        if self.mode == "strict":
            self.stats.iotlb_flushes += 1
            self._free_iova(iova, npages)
        else:
            if not self._fq:
                self._fq_first_ns = self.now_ns()
            self._fq.append((iova, npages))
            if len(self._fq) >= IOVA_FQ_SIZE:
                self.flush_iotlb_all()
            else:
                self._maybe_flush_timeout()

    def _maybe_flush_timeout(self) -> None:
        if self._fq and self.now_ns() - self._fq_first_ns >= IOVA_FQ_TIMEOUT_NS:
            self.flush_iotlb_all()

    def flush_iotlb_all(self) -> None:
        """iommu_flush_iotlb_all(): drop stale IOTLB entries and free the queued IOVAs."""
        self._iotlb_stale.clear()
        for iova, npages in self._fq:
            self._free_iova(iova, npages)
        self._fq.clear()
        self.stats.iotlb_flushes += 1

    # --- translation ------------------------------------------------------------------
    def translate(self, iova: int, length: int, write: bool) -> Tuple[List[Tuple[int, int]], Optional[str]]:
        """Split [iova, iova+length) into (phys, len) runs; the second item names a fault, if any."""
        need = IOMMU_WRITE if write else IOMMU_READ
        if self._fail:
            self._fail -= 1
            self.stats.faults += 1
            self.stats.faults_injected += 1
            return [], f"{INJECTED}no translation for IOVA {iova:#x}"
        runs: List[Tuple[int, int]] = []
        addr, left = iova, length
        while left > 0:
            vpn = addr >> PAGE_SHIFT
            off = addr & (PAGE_SIZE - 1)
            chunk = min(left, PAGE_SIZE - off)
            entry = self._pt.get(vpn)
            if entry is None:
                entry = self._iotlb_stale.get(vpn)
                if entry is None:
                    self.stats.faults += 1
                    return runs, f"no translation for IOVA {addr:#x}"
                self.stats.stale_hits += 1
            pfn, prot = entry
            if not prot & need:
                self.stats.faults += 1
                return runs, (f"IOVA {addr:#x} mapped {'read' if prot == IOMMU_READ else 'write'}-only, "
                              f"device {'write' if write else 'read'}")
            phys = (pfn << PAGE_SHIFT) | off
            if runs and runs[-1][0] + runs[-1][1] == phys:
                runs[-1] = (runs[-1][0], runs[-1][1] + chunk)
            else:
                runs.append((phys, chunk))
            addr += chunk
            left -= chunk
        return runs, None

    @property
    def nr_mapped_pages(self) -> int:
        """IOVA pages with a live PTE."""
        return len(self._pt)
