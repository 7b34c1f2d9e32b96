"""Breach exceptions and the checker that raises or records them.

Every rule the model enforces has its own exception class. Each message names the rule, the
page (pfn) or bus address, the byte range, the current owner and the call that broke it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional


class Breach(Exception):
    """A broken DMA-API, page_pool or ring rule."""

    rule = "rule"

    def __init__(self, detail: str = "", *, page: object = None, start: Optional[int] = None,
                 end: Optional[int] = None, owner: str = "", call: str = "") -> None:
        self.page = page
        self.start = start
        self.end = end
        self.owner = owner
        self.call = call
        self.detail = detail
        parts = [f"[{self.rule}]"]
        if call:
            parts.append(f"in {call}:")
        if detail:
            parts.append(detail)
        if page is not None:
            parts.append(f"page={page}")
        if start is not None and end is not None:
            parts.append(f"bytes=[{start:#x}, {end:#x})")
        if owner:
            parts.append(f"owner={owner}")
        super().__init__(" ".join(parts))


# --- DMA API rules (Linux v6.18 Documentation/core-api/dma-api.rst, kernel/dma/debug.c) ---

class DmaMapErrorNotChecked(Breach):
    rule = "map result not checked with dma_mapping_error"


class DmaUnmapNotMapped(Breach):
    rule = "unmap of an address that is not mapped"


class DmaUnmapSizeMismatch(Breach):
    rule = "unmap size differs from map size"


class DmaUnmapDirMismatch(Breach):
    rule = "unmap direction differs from map direction"


class DmaSyncNotMapped(Breach):
    rule = "sync outside any mapping"


class DmaSyncDirMismatch(Breach):
    rule = "sync direction differs from map direction"


class DmaBadDirection(Breach):
    rule = "invalid DMA direction"


class CpuReadDeviceOwned(Breach):
    rule = "CPU reads bytes the device owns (missing sync_for_cpu)"


class CpuWriteDeviceOwned(Breach):
    rule = "CPU writes bytes the device owns"


class CpuWriteFromDevice(Breach):
    """The hazard of a CPU write into a buffer the device writes: a dirty CPU cache line over
    bytes the device writes, because no sync_for_device cleaned it after the CPU's last write
    (non-coherent memory; checked at the device's write, not at the CPU's)."""

    rule = "dirty CPU cache line under a device write (CPU write not cleaned by sync_for_device)"


class DeviceWriteNotOwned(Breach):
    rule = "device writes bytes it does not own"


class DeviceReadNotOwned(Breach):
    rule = "device reads bytes it does not own"


class DeviceAccessUnmapped(Breach):
    rule = "device accesses a bus address with no live mapping"


class DeviceWrongDirection(Breach):
    rule = "device access against the mapping's direction"


class IommuFault(Breach):
    rule = "IOMMU translation fault"


class UnmapWhileDeviceOwns(Breach):
    rule = "buffer unmapped while the device may still write it"


class DmaLeak(Breach):
    rule = "DMA mappings or coherent allocations leaked at teardown"


class UseAfterFree(Breach):
    rule = "access to a page that is back in the page allocator"


# --- page and page_pool rules -------------------------------------------------------------

class DoublePut(Breach):
    rule = "page put twice (double free / double recycle)"


class WrongPool(Breach):
    rule = "page returned to a pool it does not belong to"


class RecycleWhileHeld(Breach):
    rule = "page recycled while an skb in the stack still holds it"


class PageLeak(Breach):
    rule = "pages leaked at teardown"


# --- descriptor ring rules (docs/CONTRACT.md §2) ------------------------------------------

class RingTailOnHead(Breach):
    rule = "TAIL moved onto HEAD (ring must keep one slot empty)"


class RingDeviceAccess(Breach):
    rule = "device accesses a descriptor it does not own"


# --- transmit and XDP rules (docs/CONTRACT.md §5) ------------------------------------------

class TxCpuWriteDeviceOwned(CpuWriteDeviceOwned):
    """The CPU writes a TX buffer a handed-over TX descriptor still points into (the device may
    read it any time until it writes DD back)."""

    rule = "CPU writes a TX buffer the device owns (its descriptor has no DD yet)"


class TxFreeBeforeDone(Breach):
    """A TX buffer unmapped, or its page recycled, while its descriptor is still the device's:
    the device may still read it (docs/CONTRACT.md §5: free only after HEAD passed it)."""

    rule = "TX buffer unmapped or recycled before its descriptor's DD"


class XdpTxNoSyncForDevice(Breach):
    """An XDP_TX frame on the TX ring whose bytes the CPU still owns: no
    dma_sync_single_for_device() since the RX path synced them for the CPU (and the program
    may have rewritten them). On non-coherent memory the device reads stale DRAM bytes."""

    rule = "XDP_TX without dma_sync_single_for_device (the device reads what the CPU has not cleaned)"


class XdpFrameDoubleReturn(Breach):
    rule = "xdp_frame returned twice"


class TxBufferLeak(Breach):
    rule = "TX buffer (mapping or xdp_frame) leaked at close"


class BusErrorResponse(Exception):
    """The memory side answers a device access with an error response (AXI SLVERR/DECERR)."""


@dataclass
class Checker:
    """Raises each breach (strict) or records it and lets the access proceed (permissive)."""

    strict: bool = True
    breaches: List[Breach] = field(default_factory=list)

    def breach(self, exc: Breach) -> None:
        """Record exc; raise it in strict mode."""
        self.breaches.append(exc)
        if self.strict:
            raise exc

    def counts(self) -> dict:
        """Breaches by exception class name."""
        out: dict = {}
        for b in self.breaches:
            out[type(b).__name__] = out.get(type(b).__name__, 0) + 1
        return out
