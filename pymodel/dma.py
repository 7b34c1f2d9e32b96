"""Host memory and the DMA API: mappings, syncs, CPU caches, IOMMU, and the ownership checker.

One HostMemory holds the physical pages (through its PageAllocator), the CPU's cached copy of
them (non-coherent mode), the optional IOMMU, and every live mapping with a per-byte owner
(CPU or device). The CPU side calls the dma_* methods and cpu_read / cpu_write; the device side
only ever calls device_read / device_write with bus addresses.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .costs import CostProfile, CpuMeter, get_profile
from .errors import (
    BusErrorResponse,
    Checker,
    CpuReadDeviceOwned,
    CpuWriteDeviceOwned,
    CpuWriteFromDevice,
    DeviceAccessUnmapped,
    DeviceReadNotOwned,
    DeviceWriteNotOwned,
    DeviceWrongDirection,
    DmaBadDirection,
    DmaLeak,
    DmaMapErrorNotChecked,
    DmaSyncDirMismatch,
    DmaSyncNotMapped,
    DmaUnmapDirMismatch,
    DmaUnmapNotMapped,
    DmaUnmapSizeMismatch,
    IommuFault,
    TxBufferLeak,
    TxCpuWriteDeviceOwned,
    TxFreeBeforeDone,
    UnmapWhileDeviceOwns,
    UseAfterFree,
    XdpTxNoSyncForDevice,
)
from .iommu import INJECTED, IOMMU_READ, IOMMU_WRITE, Iommu
from .page import LOC_FREE, PAGE_SHIFT, PAGE_SIZE, Page, PageAllocator

# enum dma_data_direction (include/linux/dma-direction.h)
DMA_BIDIRECTIONAL = 0
DMA_TO_DEVICE = 1
DMA_FROM_DEVICE = 2
DMA_NONE = 3
DIR_NAMES = {0: "DMA_BIDIRECTIONAL", 1: "DMA_TO_DEVICE", 2: "DMA_FROM_DEVICE", 3: "DMA_NONE"}

DMA_MAPPING_ERROR = (1 << 64) - 1          # include/linux/dma-mapping.h: (~(dma_addr_t)0)
DMA_ATTR_SKIP_CPU_SYNC = 1 << 5            # include/linux/dma-mapping.h
L1_CACHE_SHIFT = 6                         # arm64 and x86: 64-byte cache lines
L1_CACHE_BYTES = 1 << L1_CACHE_SHIFT
# dma_get_cache_alignment(): ARCH_DMA_MINALIGN where the architecture defines one
# (arch/arm64/include/asm/cache.h: 128), else 1 (x86 defines none)
ARCH_DMA_MINALIGN = {"arm64": 128, "x86": 1}

OWN_CPU = 0
OWN_DEV = 1
# the calls that map TX buffers (their mappings are the TX queue's, checked at its close)
TX_MAP_CALLS = ("dma_map_single", "skb_frag_dma_map")
_DEV_FILL = bytes([OWN_DEV]) * (PAGE_SIZE << 4)
_CPU_FILL = bytes(PAGE_SIZE << 4)


def _fill(byte_pattern: bytes, n: int) -> bytes:
    return byte_pattern[:n] if n <= len(byte_pattern) else bytes(byte_pattern[:1]) * n


@dataclass(eq=False)
class Mapping:
    """One live streaming mapping (or a coherent allocation) and its per-byte owner map."""

    bus: int
    size: int
    dir: int
    page: Page
    offset: int
    call: str
    coherent: bool = False
    checked: bool = False
    iova_base: int = 0
    iova_size: int = 0
    own: bytearray = field(default_factory=bytearray, repr=False)
    ring_watch: Optional[object] = None

    def owner_name(self, start: int, end: int) -> str:
        """Who owns [start, end) of the mapping (mixed if both)."""
        seg = self.own[start:end]
        has_dev = OWN_DEV in seg
        has_cpu = OWN_CPU in seg
        return "device+cpu" if has_dev and has_cpu else ("device" if has_dev else "cpu")


@dataclass
class DmaStats:
    """DMA API call counters (what the co-sim summary prints)."""

    map: int = 0
    unmap: int = 0
    map_error: int = 0
    sync_for_cpu: int = 0
    sync_for_device: int = 0
    sync_for_cpu_bytes: int = 0
    sync_for_device_bytes: int = 0
    alloc_coherent: int = 0
    free_coherent: int = 0
    lines_cleaned: int = 0
    lines_invalidated: int = 0
    dirty_lines_discarded: int = 0
    device_read_bytes: int = 0
    device_write_bytes: int = 0


class CoherentBuffer:
    """A dma_alloc_coherent() buffer: CPU and device see the same bytes, no syncs needed."""

    def __init__(self, hm: "HostMemory", page: Page, size: int, mapping: Mapping) -> None:
        self.hm = hm
        self.page = page
        self.size = size
        self.mapping = mapping
        self.dma_handle = mapping.bus

    def read(self, off: int, n: int) -> bytes:
        """CPU read through the uncached mapping."""
        return bytes(self.page.data[off:off + n])

    def write(self, off: int, data: bytes) -> None:
        """CPU write through the uncached mapping."""
        if self.mapping.ring_watch is not None:
            self.mapping.ring_watch.on_cpu_write(off, data)
        self.page.data[off:off + len(data)] = data


class _Softirq:
    """Context manager: in_softirq() is true inside the block, as in a NAPI poll."""

    __slots__ = ("hm", "_was")

    def __init__(self, hm: "HostMemory") -> None:
        self.hm = hm
        self._was = False

    def __enter__(self) -> None:
        self._was = self.hm.in_softirq
        self.hm.in_softirq = True

    def __exit__(self, *exc) -> None:
        self.hm.in_softirq = self._was


class _CacheState:
    """The CPU cache's view of one page: valid and dirty line masks and the cached bytes."""

    __slots__ = ("valid", "dirty", "shadow")

    def __init__(self, size: int) -> None:
        self.valid = 0
        self.dirty = 0
        self.shadow = bytearray(size)


def _line_mask(off: int, n: int) -> Tuple[int, int, int]:
    l0 = off >> L1_CACHE_SHIFT
    l1 = (off + n - 1) >> L1_CACHE_SHIFT
    return (((1 << (l1 - l0 + 1)) - 1) << l0), l0, l1


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class HostMemory:
    """Physical pages, CPU caches, IOMMU and the DMA API for one device, with its checker."""

    def __init__(self, profile: Optional[CostProfile] = None, *, strict: bool = True,
                 coherent: Optional[bool] = None, iommu: Optional[str] = "profile",
                 cache_pages: Optional[int] = None, now_ns=lambda: 0.0, seed: int = 0,
                 nr_nodes: int = 1) -> None:
        self.profile = profile or get_profile()
        self.checker = Checker(strict=strict)
        self.meter = CpuMeter(self.profile)
        self.alloc = PageAllocator(self.checker, nr_nodes=nr_nodes, seed=seed, meter=self.meter)
        self.coherent = self.profile.coherent if coherent is None else coherent
        mode = self.profile.iommu if iommu == "profile" else iommu
        self.iommu: Optional[Iommu] = Iommu(mode, now_ns) if mode else None
        self.stats = DmaStats()
        self.map_fail_next = 0
        self.cache_pages = cache_pages
        self.cache_pressure = False    # evict every line at each NAPI poll (other work thrashes L1)
        self._cache: "OrderedDict[int, _CacheState]" = OrderedDict()
        self.mappings: Dict[int, Mapping] = {}          # bus start -> mapping
        self._by_bpn: Dict[int, List[Mapping]] = {}     # bus page number -> mappings touching it
        self._by_pfn: Dict[int, List[Mapping]] = {}     # head pfn -> mappings of that page
        self.coherent_bufs: Dict[int, CoherentBuffer] = {}
        self.now_ns = now_ns
        # the architecture the profile's CPU has (x86 or arm64)
        self.arch = "x86" if self.profile.name.startswith("x86") else "arm64"
        # the CPU the model's code runs on, and whether it runs in softirq (NAPI) context now:
        # page_pool_napi_local() reads both
        self.cpu = 0
        self.in_softirq = False
        self._softirq = _Softirq(self)
        # the TX rings' ownership shadows (mmio.RingWatch of kind "tx"), and the xdp_frames
        # alive now (xdp.XdpFrame by id, converted and not yet returned) with their pages
        self.tx_watches: list = []
        self.xdp_frames: Dict[int, object] = {}
        self.xdp_pages: Dict[int, int] = {}     # head pfn -> live xdp_frames on that page

    def dma_get_cache_alignment(self) -> int:
        """dma_get_cache_alignment(): ARCH_DMA_MINALIGN of the profile's architecture."""
        return ARCH_DMA_MINALIGN[self.arch]

    def softirq(self) -> "_Softirq":
        """`with hm.softirq():` runs a block in softirq context (local_bh_disable())."""
        return self._softirq

    # ------------------------------------------------------------------ bookkeeping
    def _add_mapping(self, m: Mapping) -> None:
        self.mappings[m.bus] = m
        for bpn in range(m.bus >> PAGE_SHIFT, ((m.bus + m.size - 1) >> PAGE_SHIFT) + 1):
            self._by_bpn.setdefault(bpn, []).append(m)
        self._by_pfn.setdefault(m.page.pfn, []).append(m)

    def _del_mapping(self, m: Mapping) -> None:
        del self.mappings[m.bus]
        for bpn in range(m.bus >> PAGE_SHIFT, ((m.bus + m.size - 1) >> PAGE_SHIFT) + 1):
            lst = self._by_bpn[bpn]
            lst.remove(m)
            if not lst:
                del self._by_bpn[bpn]
        lst = self._by_pfn[m.page.pfn]
        lst.remove(m)
        if not lst:
            del self._by_pfn[m.page.pfn]

    def find_mapping(self, bus: int, size: int = 1) -> Optional[Mapping]:
        """The live mapping containing [bus, bus+size), if any (dma-debug's bucket_find_contain)."""
        for m in self._by_bpn.get(bus >> PAGE_SHIFT, ()):
            if m.bus <= bus and bus + size <= m.bus + m.size:
                return m
        return None

    def mappings_of(self, page: Page) -> List[Mapping]:
        """Live mappings of page."""
        return self._by_pfn.get(page.pfn, [])

    # ------------------------------------------------------------------ CPU cache model
    def _cstate(self, page: Page) -> _CacheState:
        st = self._cache.get(page.pfn)
        if st is None:
            st = _CacheState(page.size)
            self._cache[page.pfn] = st
            if self.cache_pages is not None and len(self._cache) > self.cache_pages:
                old_pfn, old = self._cache.popitem(last=False)
                self._writeback_all(self.alloc.pages[old_pfn], old)
        elif self.cache_pages is not None:
            self._cache.move_to_end(page.pfn)
        return st

    def _writeback_all(self, page: Page, st: _CacheState) -> None:
        for ln in _bits(st.dirty):
            a = ln << L1_CACHE_SHIFT
            page.data[a:a + L1_CACHE_BYTES] = st.shadow[a:a + L1_CACHE_BYTES]
        st.dirty = 0
        st.valid = 0

    def cache_tick(self) -> None:
        """Called at each NAPI poll: with cache_pressure, everything cached is evicted."""
        if self.cache_pressure:
            self.cpu_cache_evict_all()

    def cpu_cache_evict_all(self) -> None:
        """Write back and drop every cached line (cache pressure, or a context switch storm)."""
        for pfn, st in list(self._cache.items()):
            self._writeback_all(self.alloc.pages[pfn], st)
        self._cache.clear()

    def _fill_lines(self, page: Page, st: _CacheState, mask: int, l0: int, l1: int) -> None:
        missing = mask & ~st.valid
        if not missing:
            return
        if missing == mask:
            a, b = l0 << L1_CACHE_SHIFT, (l1 + 1) << L1_CACHE_SHIFT
            st.shadow[a:b] = page.data[a:b]
        else:
            for ln in _bits(missing):
                a = ln << L1_CACHE_SHIFT
                st.shadow[a:a + L1_CACHE_BYTES] = page.data[a:a + L1_CACHE_BYTES]
        st.valid |= mask

    def _clean(self, page: Page, off: int, n: int) -> None:
        """Clean to the point of coherency (dcache_clean_poc): write dirty lines back."""
        if n <= 0 or page.coherent or self.coherent:
            return
        st = self._cache.get(page.pfn)
        mask, _, _ = _line_mask(off, n)
        self.stats.lines_cleaned += bin(mask).count("1")
        if st is None or not (st.dirty & mask):
            return
        for ln in _bits(st.dirty & mask):
            a = ln << L1_CACHE_SHIFT
            page.data[a:a + L1_CACHE_BYTES] = st.shadow[a:a + L1_CACHE_BYTES]
        st.dirty &= ~mask

    def _invalidate(self, page: Page, off: int, n: int) -> None:
        """Invalidate (dcache_inval_poc): partial end lines are cleaned first, whole lines dropped."""
        if n <= 0 or page.coherent or self.coherent:
            return
        mask, l0, l1 = _line_mask(off, n)
        self.stats.lines_invalidated += bin(mask).count("1")
        st = self._cache.get(page.pfn)
        if st is None:
            return
        if off & (L1_CACHE_BYTES - 1):
            self._clean(page, l0 << L1_CACHE_SHIFT, 1)
        if (off + n) & (L1_CACHE_BYTES - 1):
            self._clean(page, l1 << L1_CACHE_SHIFT, 1)
        self.stats.dirty_lines_discarded += bin(st.dirty & mask).count("1")
        st.valid &= ~mask
        st.dirty &= ~mask

    # ------------------------------------------------------------------ CPU accesses
    def _check_cpu(self, page: Page, off: int, n: int, write: bool, call: str) -> None:
        if page.location == LOC_FREE:
            self.checker.breach(UseAfterFree("CPU access", page=page, start=off, end=off + n,
                                             owner="buddy", call=call))
        for m in self._by_pfn.get(page.pfn, ()):
            if m.coherent:
                continue
            a = max(off, m.offset) - m.offset
            b = min(off + n, m.offset + m.size) - m.offset
            if a >= b:
                continue
            first = m.own.find(OWN_DEV, a, b)
            if first < 0:
                continue
            if write and m.dir == DMA_FROM_DEVICE and not self.coherent:
                # the device never reads this buffer: what such a write can break is the
                # device's data, through the dirty line it leaves (checked in device_write)
                continue
            cls = CpuWriteDeviceOwned if write else CpuReadDeviceOwned
            where = ""
            if write and (self.tx_watches or m.call in TX_MAP_CALLS):
                slot = self._tx_slot_holding(m.bus + a, b - a)
                if slot is not None:
                    cls = TxCpuWriteDeviceOwned
                    where = f"TX descriptor {slot} (no DD yet) points into it; "
                elif m.call in TX_MAP_CALLS:
                    cls = TxCpuWriteDeviceOwned
                    where = "a TX buffer mapped for the device and not unmapped yet; "
            self.checker.breach(cls(
                f"{where}mapping {m.bus:#x}+{m.size:#x} {DIR_NAMES[m.dir]}, first device byte "
                f"at page offset {m.offset + first:#x}", page=page, start=m.offset + a,
                end=m.offset + b, owner="device", call=call))

    def cpu_read(self, page: Page, off: int, n: int, call: str = "cpu_read") -> bytes:
        """A CPU load of n bytes at page offset off (through the cache when non-coherent)."""
        if n <= 0:
            return b""
        self._check_cpu(page, off, n, False, call)
        if self.coherent or page.coherent:
            return bytes(page.data[off:off + n])
        st = self._cstate(page)
        mask, l0, l1 = _line_mask(off, n)
        if mask & ~st.valid:
            self._fill_lines(page, st, mask, l0, l1)
        return bytes(st.shadow[off:off + n])

    def cpu_write(self, page: Page, off: int, data: bytes, call: str = "cpu_write") -> None:
        """A CPU store at page offset off (write-allocate, dirty lines when non-coherent)."""
        n = len(data)
        if n <= 0:
            return
        self._check_cpu(page, off, n, True, call)
        if self.coherent or page.coherent:
            page.data[off:off + n] = data
            return
        st = self._cstate(page)
        mask, l0, l1 = _line_mask(off, n)
        self._fill_lines(page, st, mask, l0, l1)
        st.shadow[off:off + n] = data
        st.dirty |= mask

    # ------------------------------------------------------------------ DMA API
    def _check_dir(self, direction: int, call: str) -> bool:
        if direction not in (DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE):
            self.checker.breach(DmaBadDirection(f"direction {direction}", call=call))
            return False
        return True

    def dma_map_page(self, page: Page, offset: int, size: int, direction: int,
                     attrs: int = 0, call: str = "dma_map_page") -> int:
        """dma_map_page_attrs(): hand [offset, offset+size) of page to the device; returns the bus address."""
        if not self._check_dir(direction, call):
            return DMA_MAPPING_ERROR
        if size <= 0 or offset < 0 or offset + size > page.size:
            return DMA_MAPPING_ERROR
        if self.map_fail_next > 0:
            self.map_fail_next -= 1
            return DMA_MAPPING_ERROR
        phys = page.phys + offset
        iova_base = iova_size = 0
        if self.iommu is not None:
            base_phys = phys & ~(PAGE_SIZE - 1)
            npages = (phys - base_phys + size + PAGE_SIZE - 1) >> PAGE_SHIFT
            iova_base = self.iommu.alloc_iova(npages)
            if iova_base is None:
                return DMA_MAPPING_ERROR
            iova_size = npages * PAGE_SIZE
            prot = {DMA_BIDIRECTIONAL: IOMMU_READ | IOMMU_WRITE, DMA_TO_DEVICE: IOMMU_READ,
                    DMA_FROM_DEVICE: IOMMU_WRITE}[direction]
            self.iommu.map(iova_base, base_phys, iova_size, prot)
            self.meter.charge("iommu_map")
            bus = iova_base + (phys - base_phys)
        else:
            bus = phys
        if not (attrs & DMA_ATTR_SKIP_CPU_SYNC):
            self._arch_sync_for_device(page, offset, size)
        m = Mapping(bus=bus, size=size, dir=direction, page=page, offset=offset, call=call,
                    iova_base=iova_base, iova_size=iova_size, own=bytearray(_fill(_DEV_FILL, size)))
        self._add_mapping(m)
        page.map_count_total += 1
        self.stats.map += 1
        return bus

    def dma_mapping_error(self, addr: int) -> bool:
        """dma_mapping_error(): true if addr is the error cookie; marks the mapping checked."""
        if addr == DMA_MAPPING_ERROR:
            self.stats.map_error += 1
            return True
        m = self.mappings.get(addr)
        if m is not None:
            m.checked = True
        return False

    def dma_map_single(self, page: Page, offset: int, size: int, direction: int) -> int:
        """dma_map_single(): map a buffer given by its kernel address (here: page + offset)."""
        return self.dma_map_page(page, offset, size, direction, call="dma_map_single")

    def skb_frag_dma_map(self, page: Page, offset: int, size: int, direction: int) -> int:
        """skb_frag_dma_map(): dma_map_page() of an skb fragment."""
        return self.dma_map_page(page, offset, size, direction, call="skb_frag_dma_map")

    def dma_unmap_single(self, addr: int, size: int, direction: int) -> None:
        """dma_unmap_single(): end a dma_map_single() mapping."""
        self.dma_unmap_page(addr, size, direction, call="dma_unmap_single")

    def _arch_sync_for_device(self, page: Page, off: int, n: int) -> None:
        # arm64 arch_sync_dma_for_device cleans for every direction (dcache_clean_poc).
        if not (self.coherent or page.coherent):
            self.meter.charge("cache_clean", n)
            self._clean(page, off, n)

    def _arch_sync_for_cpu(self, page: Page, off: int, n: int, direction: int) -> None:
        # arm64 arch_sync_dma_for_cpu invalidates unless the device only read (TO_DEVICE).
        if direction != DMA_TO_DEVICE and not (self.coherent or page.coherent):
            self.meter.charge("cache_inval", n)
            self._invalidate(page, off, n)

    def dma_unmap_page(self, addr: int, size: int, direction: int, attrs: int = 0,
                       call: str = "dma_unmap_page") -> None:
        """dma_unmap_page_attrs(): end a mapping; the CPU owns the buffer again."""
        m = self.mappings.get(addr)
        if m is None or m.coherent:
            self.checker.breach(DmaUnmapNotMapped(f"bus address {addr:#x}", start=addr,
                                                  end=addr + size, call=call))
            return
        if not m.checked:
            self.checker.breach(DmaMapErrorNotChecked(
                f"mapping {m.bus:#x} made by {m.call}", page=m.page, start=m.offset,
                end=m.offset + m.size, owner=m.owner_name(0, m.size), call=call))
        if size != m.size:
            self.checker.breach(DmaUnmapSizeMismatch(
                f"mapped {m.size:#x} bytes, unmapping {size:#x}", page=m.page, start=m.offset,
                end=m.offset + m.size, owner=m.owner_name(0, m.size), call=call))
        if direction != m.dir:
            self.checker.breach(DmaUnmapDirMismatch(
                f"mapped {DIR_NAMES[m.dir]}, unmapping {DIR_NAMES.get(direction, direction)}",
                page=m.page, start=m.offset, end=m.offset + m.size,
                owner=m.owner_name(0, m.size), call=call))
        self._check_device_idle(m, call)
        if not (attrs & DMA_ATTR_SKIP_CPU_SYNC):
            self._arch_sync_for_cpu(m.page, m.offset, m.size, m.dir)
        if self.iommu is not None:
            self.iommu.unmap(m.iova_base, m.iova_size)
            self.meter.charge("iommu_unmap")
        self._del_mapping(m)
        self.stats.unmap += 1

    def _check_device_idle(self, m: Mapping, call: str) -> None:
        for watch in self._ring_watches():
            slot = watch.device_holds(m.bus, m.size)
            if slot is not None and getattr(watch, "kind", "rx") == "tx":
                self.checker.breach(TxFreeBeforeDone(
                    f"TX descriptor {slot} handed to the device, no DD yet, points into mapping "
                    f"{m.bus:#x}", page=m.page, start=m.offset, end=m.offset + m.size,
                    owner="device", call=call))
            elif slot is not None:
                self.checker.breach(UnmapWhileDeviceOwns(
                    f"descriptor {slot} handed to the device still points into mapping {m.bus:#x}",
                    page=m.page, start=m.offset, end=m.offset + m.size, owner="device", call=call))

    def _tx_slot_holding(self, bus: int, size: int) -> Optional[int]:
        """The TX descriptor (as "slot N") the device owns whose buffer overlaps [bus, bus+size)."""
        for w in self.tx_watches:
            slot = w.device_holds(bus, size)
            if slot is not None:
                return slot
        return None

    def check_tx_page_free(self, page: Page, call: str) -> None:
        """A page about to go back to its pool or the allocator: no TX descriptor the device
        still owns may point into any mapping of it (TxFreeBeforeDone)."""
        if not self.tx_watches:
            return
        for m in self._by_pfn.get(page.pfn, ()):
            slot = self._tx_slot_holding(m.bus, m.size)
            if slot is not None:
                self.checker.breach(TxFreeBeforeDone(
                    f"TX descriptor {slot} handed to the device, no DD yet, points into the page "
                    f"(mapping {m.bus:#x}+{m.size:#x})", page=page, start=m.offset,
                    end=m.offset + m.size, owner="device", call=call))
                return

    def xdp_frame_live(self, xdpf, live: bool) -> None:
        """Track an xdp_frame from xdp_convert_buff_to_frame() (live) to its return."""
        pfn = xdpf.page.pfn
        if live:
            self.xdp_frames[id(xdpf)] = xdpf
            self.xdp_pages[pfn] = self.xdp_pages.get(pfn, 0) + 1
        elif self.xdp_frames.pop(id(xdpf), None) is not None:
            left = self.xdp_pages[pfn] - 1
            if left:
                self.xdp_pages[pfn] = left
            else:
                del self.xdp_pages[pfn]

    def check_tx_leaks(self, call: str = "ndo_stop") -> int:
        """At a TX queue's close: every TX mapping (dma_map_single, skb_frag_dma_map) and every
        xdp_frame still alive is a leak (TxBufferLeak); returns their count."""
        n = 0
        for m in list(self.mappings.values()):
            if m.call in TX_MAP_CALLS:
                n += 1
                self.checker.breach(TxBufferLeak(
                    f"{DIR_NAMES[m.dir]} mapping {m.bus:#x}+{m.size:#x} made by {m.call}",
                    page=m.page, start=m.offset, end=m.offset + m.size,
                    owner=m.owner_name(0, m.size), call=call))
        for xdpf in list(self.xdp_frames.values()):
            n += 1
            self.checker.breach(TxBufferLeak(
                f"xdp_frame of {xdpf.len} bytes never returned", page=xdpf.page,
                start=xdpf.data, end=xdpf.data + xdpf.len, owner="driver", call=call))
        return n

    def _ring_watches(self):
        return [b.mapping.ring_watch for b in self.coherent_bufs.values()
                if b.mapping.ring_watch is not None]

    def _sync_lookup(self, addr: int, size: int, direction: int, call: str) -> Optional[Mapping]:
        """check_sync() of kernel/dma/debug.c: the range must lie in a mapping; the direction
        must match unless the mapping is DMA_BIDIRECTIONAL. (The map-error check is
        check_unmap()'s, not check_sync()'s.)"""
        m = self.find_mapping(addr, size)
        if m is None or m.coherent:
            self.checker.breach(DmaSyncNotMapped(f"bus range [{addr:#x}, {addr + size:#x})",
                                                 start=addr, end=addr + size, call=call))
            return None
        if direction != m.dir and m.dir != DMA_BIDIRECTIONAL:
            self.checker.breach(DmaSyncDirMismatch(
                f"mapped {DIR_NAMES[m.dir]}, synced {DIR_NAMES.get(direction, direction)}",
                page=m.page, start=m.offset, end=m.offset + m.size, owner=m.owner_name(0, m.size),
                call=call))
        return m

    def dma_sync_single_for_cpu(self, addr: int, size: int, direction: int,
                                call: str = "dma_sync_single_for_cpu") -> None:
        """dma_sync_single_for_cpu(): the CPU takes [addr, addr+size) back from the device."""
        m = self._sync_lookup(addr, size, direction, call)
        self.stats.sync_for_cpu += 1
        self.stats.sync_for_cpu_bytes += size
        if m is None or size <= 0:
            return
        a = addr - m.bus
        self._arch_sync_for_cpu(m.page, m.offset + a, size, m.dir)
        m.own[a:a + size] = _fill(_CPU_FILL, size)

    def dma_sync_single_for_device(self, addr: int, size: int, direction: int,
                                   call: str = "dma_sync_single_for_device") -> None:
        """dma_sync_single_for_device(): hand [addr, addr+size) back to the device."""
        m = self._sync_lookup(addr, size, direction, call)
        self.stats.sync_for_device += 1
        self.stats.sync_for_device_bytes += size
        if m is None or size <= 0:
            return
        a = addr - m.bus
        self._arch_sync_for_device(m.page, m.offset + a, size)
        m.own[a:a + size] = _fill(_DEV_FILL, size)

    def dma_sync_single_range_for_cpu(self, addr: int, offset: int, size: int, direction: int) -> None:
        """dma_sync_single_range_for_cpu(): sync size bytes at addr + offset for the CPU."""
        self.dma_sync_single_for_cpu(addr + offset, size, direction,
                                     call="dma_sync_single_range_for_cpu")

    def dma_sync_single_range_for_device(self, addr: int, offset: int, size: int,
                                         direction: int) -> None:
        """dma_sync_single_range_for_device(): sync size bytes at addr + offset for the device."""
        self.dma_sync_single_for_device(addr + offset, size, direction,
                                        call="dma_sync_single_range_for_device")

    # ------------------------------------------------------------------ coherent allocations
    def dma_alloc_coherent(self, size: int) -> Optional[CoherentBuffer]:
        """dma_alloc_coherent(): zeroed memory both CPU and device see without syncs."""
        order = max(0, (size - 1).bit_length() - PAGE_SHIFT)
        page = self.alloc.alloc_pages(order)
        if page is None:
            return None
        page.coherent = True
        page.data[:] = bytes(page.size)
        if self.iommu is not None:
            iova = self.iommu.alloc_iova(page.size >> PAGE_SHIFT)
            if iova is None:
                self.alloc.put_page(page)
                return None
            self.iommu.map(iova, page.phys, page.size, IOMMU_READ | IOMMU_WRITE)
            bus, iova_size = iova, page.size
        else:
            bus, iova_size = page.phys, 0
        m = Mapping(bus=bus, size=size, dir=DMA_BIDIRECTIONAL, page=page, offset=0,
                    call="dma_alloc_coherent", coherent=True, checked=True, iova_base=bus,
                    iova_size=iova_size)
        self._add_mapping(m)
        buf = CoherentBuffer(self, page, size, m)
        self.coherent_bufs[bus] = buf
        self.stats.alloc_coherent += 1
        return buf

    def dma_free_coherent(self, buf: CoherentBuffer) -> None:
        """dma_free_coherent(): release a coherent buffer."""
        m = buf.mapping
        if self.iommu is not None:
            self.iommu.unmap(m.iova_base, m.iova_size)
        self._del_mapping(m)
        del self.coherent_bufs[buf.dma_handle]
        buf.page.coherent = False
        self.alloc.put_page(buf.page, call="dma_free_coherent")
        self.stats.free_coherent += 1

    # ------------------------------------------------------------------ device accesses
    def _device_runs(self, bus: int, n: int, write: bool, call: str) -> List[Tuple[int, int]]:
        if self.iommu is None:
            return [(bus, n)]
        runs, fault = self.iommu.translate(bus, n, write)
        if fault is not None and fault.startswith(INJECTED):
            raise BusErrorResponse(f"{call}: IOMMU fault: {fault}")   # injected: no breach
        if fault is not None:
            exc = IommuFault(fault, start=bus, end=bus + n, owner="none", call=call)
            self.checker.breach(exc)          # strict: raised here
            raise BusErrorResponse(str(exc))  # permissive: the device still sees an error response
        return runs

    def _device_mapping(self, bus: int, n: int, write: bool) -> Optional[Mapping]:
        """The live mapping a device access goes through. Mappings may overlap (a page_pool
        page mapped once by its pool and again by ndo_xdp_xmit's dma_map_single): the access
        is judged against one that allows it, if any does."""
        found = [m for m in self._by_bpn.get(bus >> PAGE_SHIFT, ())
                 if m.bus <= bus and bus + n <= m.bus + m.size]
        if len(found) <= 1:
            return found[0] if found else None
        for m in found:
            a = bus - m.bus
            if m.coherent or (not ((write and m.dir == DMA_TO_DEVICE)
                                   or (not write and m.dir == DMA_FROM_DEVICE))
                              and m.own.find(OWN_CPU, a, a + n) < 0):
                return m
        return found[0]

    def _xdp_tx_stale(self, m: Mapping, a: int, n: int, call: str) -> None:
        """The device reads CPU-owned bytes of a page an xdp_frame lives on: XDP_TX without
        the sync for the device. Name what it reads: on non-coherent memory, the dirty CPU
        lines the missing clean left behind hold the frame's current bytes; the device gets
        the stale DRAM bytes under them."""
        off = m.offset + a
        detail = f"device read of {n} bytes at page offset {off:#x} of an XDP_TX frame's page"
        if self.coherent or m.page.coherent:
            detail += "; coherent memory: the bytes are current, but the CPU still owns them"
        else:
            st = self._cache.get(m.page.pfn)
            mask, _, _ = _line_mask(off, n)
            dirty = list(_bits(st.dirty & mask)) if st is not None else []
            if dirty:
                lo, hi = dirty[0] << L1_CACHE_SHIFT, (dirty[-1] + 1) << L1_CACHE_SHIFT
                stale = sum(1 for ln in dirty if bytes(m.page.data[ln << L1_CACHE_SHIFT:
                                                                   (ln + 1) << L1_CACHE_SHIFT])
                            != bytes(st.shadow[ln << L1_CACHE_SHIFT:(ln + 1) << L1_CACHE_SHIFT]))
                detail += (f"; {len(dirty)} dirty CPU line(s) at page offsets {lo:#x}..{hi:#x} "
                           f"never cleaned: the device reads stale bytes ({stale} line(s) differ "
                           f"from what the CPU wrote)")
            else:
                detail += "; no dirty line: the bytes in DRAM are current by chance"
        self.checker.breach(XdpTxNoSyncForDevice(detail, page=m.page, start=off, end=off + n,
                                                 owner=m.owner_name(a, a + n), call=call))

    def _device_check(self, bus: int, n: int, write: bool, call: str) -> Optional[Mapping]:
        m = self._device_mapping(bus, n, write)
        if m is None:
            self.checker.breach(DeviceAccessUnmapped(
                f"device {'write' if write else 'read'} of {n} bytes", start=bus, end=bus + n,
                owner="cpu", call=call))
            return None
        a = bus - m.bus
        if m.coherent:
            if m.ring_watch is not None:
                if write:
                    m.ring_watch.on_device_write(a, n, bus, call)
                else:
                    m.ring_watch.on_device_read(a, n, bus, call)
            return m
        bad_dir = (write and m.dir == DMA_TO_DEVICE) or (not write and m.dir == DMA_FROM_DEVICE)
        if bad_dir:
            self.checker.breach(DeviceWrongDirection(
                f"device {'write' if write else 'read'} of a {DIR_NAMES[m.dir]} mapping",
                page=m.page, start=m.offset + a, end=m.offset + a + n,
                owner=m.owner_name(a, a + n), call=call))
        first = m.own.find(OWN_CPU, a, a + n)
        if first >= 0 and not write and self.xdp_pages.get(m.page.pfn):
            self._xdp_tx_stale(m, a, n, call)
        elif first >= 0:
            cls = DeviceWriteNotOwned if write else DeviceReadNotOwned
            self.checker.breach(cls(
                f"mapping {m.bus:#x}+{m.size:#x} {DIR_NAMES[m.dir]}, first CPU-owned byte at "
                f"page offset {m.offset + first:#x}", page=m.page, start=m.offset + a,
                end=m.offset + a + n, owner=m.owner_name(a, a + n), call=call))
        return m

    def _check_dirty_under_write(self, runs: List[Tuple[int, int]], m: Optional[Mapping],
                                 call: str) -> None:
        """The hazard of a CPU write into a buffer the device writes: a dirty CPU cache line
        over bytes the device writes now. No sync_for_device cleaned it after the CPU's last
        write (arm64's arch_sync_dma_for_device cleans by line whatever the direction), so
        its write-back, at eviction or at the clean of a partial line by sync_for_cpu, lands
        over the device's bytes."""
        for phys, k in runs:
            pos = 0
            while pos < k:
                page = self.alloc.page_of(phys + pos)
                if page is None:
                    return
                off = phys + pos - page.phys
                n = min(k - pos, page.size - off)
                pos += n
                st = self._cache.get(page.pfn)
                if st is None or not st.dirty or page.coherent:
                    continue
                mask, _, _ = _line_mask(off, n)
                dirty = st.dirty & mask
                if not dirty:
                    continue
                lines = list(_bits(dirty))
                a, b = lines[0] << L1_CACHE_SHIFT, (lines[-1] + 1) << L1_CACHE_SHIFT
                where = f"mapping {m.bus:#x}+{m.size:#x} {DIR_NAMES[m.dir]}, " if m else ""
                self.checker.breach(CpuWriteFromDevice(
                    f"{where}{len(lines)} dirty CPU line(s) at page offset {a:#x}..{b:#x} under a "
                    f"device write of {n} bytes at page offset {off:#x}: no sync_for_device "
                    f"cleaned them after the CPU wrote", page=page, start=max(a, off),
                    end=min(b, off + n), owner="device", call=call))

    def _phys_access(self, phys: int, n: int, data: Optional[bytes], call: str) -> bytes:
        out = bytearray()
        pos = 0
        while pos < n:
            page = self.alloc.page_of(phys + pos)
            if page is None:
                raise BusErrorResponse(f"{call}: no memory at physical {phys + pos:#x}")
            off = phys + pos - page.phys
            k = min(n - pos, page.size - off)
            if data is None:
                out += page.data[off:off + k]
            else:
                page.data[off:off + k] = data[pos:pos + k]
            pos += k
        return bytes(out)

    def device_read(self, bus_addr: int, length: int) -> bytes:
        """A device (DMA) read of length bytes at a bus address: translate, check, read DRAM."""
        call = "device_read"
        runs = self._device_runs(bus_addr, length, False, call)
        self._device_check(bus_addr, length, False, call)
        self.stats.device_read_bytes += length
        if len(runs) == 1:
            return self._phys_access(runs[0][0], length, None, call)
        return b"".join(self._phys_access(p, k, None, call) for p, k in runs)

    def device_read_beat(self, bus_addr: int, length: int) -> bytes:
        """A device read of a whole bus beat of which the device keeps only the bytes of the
        buffer it reads (nic_tx_dma widens each buffer read to whole beats and drops the rest,
        CONTRACT.md §5). The bytes some live mapping lets the device read (device-owned, in a
        direction that allows a read) are translated, checked and read as device_read does;
        the others read as zero. A beat with no such byte is an ordinary device_read of all of
        it, and so the breach that names what it touched."""
        lo, hi = bus_addr, bus_addr + length
        runs = set()
        for bpn in range(lo >> PAGE_SHIFT, ((hi - 1) >> PAGE_SHIFT) + 1):
            for m in self._by_bpn.get(bpn, ()):
                a, b = max(lo, m.bus), min(hi, m.bus + m.size)
                if a >= b or (not m.coherent and m.dir == DMA_FROM_DEVICE):
                    continue
                if m.coherent:
                    runs.add((a, b))
                    continue
                pos = a
                while pos < b:                        # the device-owned stretches of [a, b)
                    cpu = m.own.find(OWN_CPU, pos - m.bus, b - m.bus)
                    end = b if cpu < 0 else m.bus + cpu
                    if end > pos:
                        runs.add((pos, end))
                    pos = end
                    while pos < b and m.own[pos - m.bus] == OWN_CPU:
                        pos += 1
        if not runs or (lo, hi) in runs:
            return self.device_read(bus_addr, length)
        out = bytearray(length)
        for a, b in sorted(runs):
            out[a - lo:b - lo] = self.device_read(a, b - a)
        return bytes(out)

    def device_write(self, bus_addr: int, data: bytes) -> None:
        """A device (DMA) write of contiguous bytes at a bus address: translate, check, write DRAM."""
        call = "device_write"
        n = len(data)
        runs = self._device_runs(bus_addr, n, True, call)
        m = self._device_check(bus_addr, n, True, call)
        if self._cache and not self.coherent:
            self._check_dirty_under_write(runs, m, call)
        self.stats.device_write_bytes += n
        pos = 0
        for p, k in runs:
            self._phys_access(p, k, data[pos:pos + k], call)
            pos += k
        if m is not None and m.ring_watch is not None:
            m.ring_watch.complete_written()

    # ------------------------------------------------------------------ teardown
    def dma_debug_check_leaks(self, call: str = "driver unbind") -> int:
        """dma-debug at unbind: every live mapping and coherent buffer is a leak; returns their count."""
        left = list(self.mappings.values())
        for m in left:
            self.checker.breach(DmaLeak(f"{'coherent' if m.coherent else DIR_NAMES[m.dir]} mapping "
                                        f"{m.bus:#x}+{m.size:#x} made by {m.call}", page=m.page,
                                        start=m.offset, end=m.offset + m.size,
                                        owner=m.owner_name(0, m.size) if m.own else "shared",
                                        call=call))
        return len(left)

    def snapshot(self) -> dict:
        """DMA counters, live mappings, IOMMU counters, breaches, for the co-sim summary."""
        s = dict(vars(self.stats))
        s["mappings_live"] = sum(1 for m in self.mappings.values() if not m.coherent)
        s["tx_mappings_live"] = sum(1 for m in self.mappings.values() if m.call in TX_MAP_CALLS)
        s["xdp_frames_live"] = len(self.xdp_frames)
        s["coherent_live"] = len(self.coherent_bufs)
        s["pages_in_use"] = self.alloc.nr_in_use
        s["pgalloc"] = self.alloc.stats.pgalloc
        s["pgfree"] = self.alloc.stats.pgfree
        s["alloc_fail"] = self.alloc.stats.alloc_fail
        if self.iommu is not None:
            s.update({f"iommu_{k}": v for k, v in vars(self.iommu.stats).items()})
        s["breaches"] = len(self.checker.breaches)
        s["breaches_by_rule"] = self.checker.counts()
        s["cpu_ns"] = round(self.meter.total_ns, 1)
        return s
