"""Sabotage: the driver with one classic bug, for proving that the checkers catch it.

`rx_driver(..., bug=None)` builds the driver a run uses: the clean `RxDriver`, or, with a bug
named, a subclass that commits it. Each subclass overrides one or two of the driver's small
steps (the free descriptor count, the page_pool's sync length, sync for the CPU, recycling a
dropped page, the order of stop and free at close) and breaks one DMA, page_pool or ring rule;
`BUGS` maps each bug to the RX paths it applies to. See docs/PYMODEL.md "Sabotage".

The TX queue's bugs work the same way on `pymodel.tx.TxQueue`: `tx_queue(..., bug=...)`
builds the clean queue or one that commits a TX or XDP bug; `TX_BUGS` lists them, each with
the checker rule that catches it.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

from .driver import PATHS, RxDriver
from .page import Page
from .page_pool import PagePool
from .tx import TxBuf, TxQueue
from .xdp import XdpFrame, XdpFrameBulk

__all__ = ["BUGS", "DRIVERS", "SHORT_MAX_LEN", "TX_BUGS", "TX_QUEUES", "driver_class",
           "rx_driver", "tx_queue"]

SHORT_MAX_LEN = 1536           # the too-small max_len of short_sync_for_device


class SabotagedRxDriver(RxDriver):
    """An RxDriver that commits the classic bug `bug` on the RX paths `paths`."""

    bug: str
    paths: Tuple[str, ...] = PATHS


class NoSyncForCpu(SabotagedRxDriver):
    """Reads frames without dma_sync_single_range_for_cpu(): CpuReadDeviceOwned."""

    bug = "no_sync_for_cpu"

    def _sync_for_cpu(self, dma: int, offset: int, size: int) -> None:
        pass                                                 # BUG: the device still owns it


class ShortSyncForDevice(SabotagedRxDriver):
    """A page_pool max_len shorter than the buffer: the device writes bytes the pool never
    synced back to it (DeviceWriteNotOwned)."""

    bug = "short_sync_for_device"
    paths = ("page_pool",)

    def _pp_max_len(self) -> int:
        return SHORT_MAX_LEN                                 # BUG: < buf_len


class RecycleWhileHeld(SabotagedRxDriver):
    """Recycles the page an skb it just built still uses: RecycleWhileHeld."""

    bug = "recycle_while_held"
    paths = ("page_pool",)

    def _receive_pp(self, idx, bufs, wbs):
        skb = super()._receive_pp(idx, bufs, wbs)
        if skb is not None:
            self.pool.recycle_direct(bufs[0].page)           # BUG: the skb still uses this page
        return skb


class DoublePut(SabotagedRxDriver):
    """Recycles each page of a dropped frame twice: DoublePut."""

    bug = "double_put"
    paths = ("page_pool",)

    def _recycle_direct(self, page: Page) -> None:
        self.pool.recycle_direct(page)
        self.pool.recycle_direct(page)                       # BUG: second put of the same page


class UnmapWhileDeviceOwns(SabotagedRxDriver):
    """Frees the ring's buffers at close before stopping the queue: UnmapWhileDeviceOwns, and
    the device then writes into freed pages (DeviceAccessUnmapped)."""

    bug = "unmap_while_device_owns"

    async def _stop_and_reclaim(self) -> None:
        self._reclaim_all()              # BUG: buffers freed while the device still owns them
        if self.pool is not None:
            self.pool.destroy()
        await self._cpu()
        await self.env.sleep_ns(self.poll_ns)
        await self._stop_hw()

    def _destroy_pools(self) -> None:
        pass                                                 # destroyed before the stop


class CpuWriteFromDevice(SabotagedRxDriver):
    """Clears the header area of each new buffer after it was handed to the device: the
    dirty lines sit under the device's next write (CpuWriteFromDevice, non-coherent memory);
    on coherent memory the write itself is into bytes the device owns (CpuWriteDeviceOwned)."""

    bug = "cpu_write_from_device"

    def _alloc_rx_buf(self):
        buf = super()._alloc_rx_buf()
        if buf is not None:
            # BUG: "pre-clear" the header area of a buffer the device owns
            self.hm.cpu_write(buf.page, self.headroom, bytes(32), call="rx refill")
        return buf


class TailOnHead(SabotagedRxDriver):
    """Fills all N descriptors, so TAIL lands on HEAD and the ring looks empty: RingTailOnHead."""

    bug = "tail_on_head"

    def _desc_unused(self) -> int:
        return (self.ntc - self.ntu) % self.N or self.N      # BUG: no slot kept empty


class WrongPool(SabotagedRxDriver):
    """Recycles a dropped frame's pages into a second pool, not the one they came from:
    WrongPool, and inflight never reaches 0 on one pool and goes negative on the other."""

    bug = "wrong_pool"
    paths = ("page_pool",)
    other_pool: Optional[PagePool] = None

    def _create_pools(self) -> None:
        super()._create_pools()
        self.other_pool = self._create_pool()

    def _recycle_direct(self, page: Page) -> None:
        self.other_pool.recycle_direct(page)                 # BUG: not this queue's pool

    def _destroy_pools(self) -> None:
        super()._destroy_pools()
        if self.other_pool is not None:
            self.other_pool.destroy()


DRIVERS: Dict[str, Type[SabotagedRxDriver]] = {cls.bug: cls for cls in (
    NoSyncForCpu, ShortSyncForDevice, RecycleWhileHeld, DoublePut, UnmapWhileDeviceOwns,
    CpuWriteFromDevice, TailOnHead, WrongPool)}
BUGS: Dict[str, Tuple[str, ...]] = {bug: cls.paths for bug, cls in DRIVERS.items()}


def driver_class(bug: Optional[str], path: str) -> Type[RxDriver]:
    """The driver class that commits `bug` (None: the clean RxDriver) on `path`; ValueError if
    the bug is not defined for that path."""
    if bug is None:
        return RxDriver
    if bug not in BUGS or path not in BUGS[bug]:
        raise ValueError(f"bug {bug!r} is not defined for the {path} path; known: {BUGS}")
    return DRIVERS[bug]


def rx_driver(hm, bus, env, *, bug: Optional[str] = None, **kw) -> RxDriver:
    """The RX driver for one queue; with `bug`, one that commits that bug."""
    path = kw.get("path", "page_pool")
    if path not in PATHS:
        return RxDriver(hm, bus, env, **kw)                  # refuses the path
    return driver_class(bug, path)(hm, bus, env, **kw)


# ---------------------------------------------------------------------------------------------
# The TX queue's bugs (pymodel.tx.TxQueue)
# ---------------------------------------------------------------------------------------------

class SabotagedTxQueue(TxQueue):
    """A TxQueue that commits the TX or XDP bug `bug`, caught by the rule `rule`."""

    bug: str
    rule: str


class TxCpuWriteAfterPost(SabotagedTxQueue):
    """Writes into each skb's head after its descriptors went to the device (a late "fix-up"
    of the frame): the CPU writes a buffer the device owns."""

    bug = "tx_cpu_write_after_post"
    rule = "TxCpuWriteDeviceOwned"

    async def ndo_start_xmit(self, skb, xmit_more=False):
        ret = await super().ndo_start_xmit(skb, xmit_more)
        if skb.head_page is not None and not skb.freed:
            # BUG: the descriptor is the device's now
            self.hm.cpu_write(skb.head_page, skb.head_off + skb.data, b"\x00", call="tx fix-up")
        return ret


class TxFreeBeforeDd(SabotagedTxQueue):
    """Reclaims every posted descriptor at each completion, DD or not: unmaps (skb) or
    recycles (XDP_TX) buffers the device may still read."""

    bug = "tx_free_before_dd"
    rule = "TxFreeBeforeDone"

    def _tx_done_count(self) -> int:
        return self.count                                    # BUG: no look at DD


class XdpTxNoSync(SabotagedTxQueue):
    """Sends XDP_TX frames without dma_sync_single_for_device(): on non-coherent memory the
    device reads the frame as it was before the program rewrote it."""

    bug = "xdp_tx_no_sync"
    rule = "XdpTxNoSyncForDevice"

    def _xdp_tx_sync_for_device(self, xdpf: XdpFrame, dma: int, length: int) -> None:
        pass                                                 # BUG: the CPU still owns it


class XdpDoubleReturn(SabotagedTxQueue):
    """Returns each completed xdp_frame twice."""

    bug = "xdp_double_return"
    rule = "XdpFrameDoubleReturn"

    def _xdp_return(self, buf: TxBuf, napi: bool, bq: XdpFrameBulk) -> None:
        super()._xdp_return(buf, napi, bq)
        super()._xdp_return(buf, napi, bq)                   # BUG: the second return


class TxLeakAtClose(SabotagedTxQueue):
    """Forgets the descriptors still in flight at close: their mappings and xdp_frames leak."""

    bug = "tx_leak_at_close"
    rule = "TxBufferLeak"

    def _free_pending(self) -> None:
        self.bufs = [None] * self.N                          # BUG: dropped, never freed
        self.count = 0
        self.ntu = self.ntc = self.pending = 0


TX_QUEUES: Dict[str, Type[SabotagedTxQueue]] = {cls.bug: cls for cls in (
    TxCpuWriteAfterPost, TxFreeBeforeDd, XdpTxNoSync, XdpDoubleReturn, TxLeakAtClose)}
TX_BUGS: Dict[str, str] = {bug: cls.rule for bug, cls in TX_QUEUES.items()}


def tx_queue(hm, bus, env, *, bug: Optional[str] = None, **kw) -> TxQueue:
    """The TX queue; with `bug`, one that commits that bug (ValueError for an unknown one)."""
    if bug is None:
        return TxQueue(hm, bus, env, **kw)
    if bug not in TX_QUEUES:
        raise ValueError(f"TX bug {bug!r} is not defined; known: {sorted(TX_QUEUES)}")
    return TX_QUEUES[bug](hm, bus, env, **kw)
