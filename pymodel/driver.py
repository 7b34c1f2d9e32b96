"""The RX driver: ring in coherent memory, NAPI, refill, the legacy and page_pool RX paths.

It reaches the device only through `bus` (async read32 / write32, wrapped in Mmio for
readl / writel) and host memory only through HostMemory. Time passes only by awaiting
`env.sleep_ns`; concurrent work is started only with `env.spawn`. The device's irq line is a
level: the environment calls `await driver.irq_handler()` while it is high, and again after
each return while it stays high, as a level-triggered interrupt controller does.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, List, Optional

from . import regs
from .dma import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, HostMemory
from .mmio import Mmio
from .page import PAGE_SIZE, Page
from .page_pool import PP_FLAG_DMA_MAP, PP_FLAG_DMA_SYNC_DEV, PagePool, PagePoolParams, page_pool_create
from .skb import (
    CHECKSUM_COMPLETE,
    NET_SKB_PAD,
    SKB_TAILROOM,
    XDP_PACKET_HEADROOM,
    SkbLayer,
    skb_mark_for_recycle,
    skb_put,
    skb_reserve,
)
from .xdp import (
    XDP_ABORTED,
    XDP_DROP,
    XDP_PASS,
    XDP_REDIRECT,
    XDP_TX,
    XDP_XMIT_FLUSH,
    XdpBuff,
    XdpDevBulkQueue,
    xdp_convert_buff_to_frame,
    xdp_do_redirect,
    xdp_return_frame_rx_napi,
)

NAPI_POLL_WEIGHT = 64          # include/linux/netdevice.h
RX_REFILL_BATCH = 64           # refill at most this many descriptors per poll (mvneta)
RX_COPYBREAK = 256             # e1000 / old mvneta copybreak, bytes
RX_OFFSET_LIMIT = 64           # rx_offset stays inside one cache line of headroom
__all__ = ["RxDriver", "RxDriverStats", "RxBuf", "DeviceError", "PATHS", "XDP_ABORTED",
           "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"]
PATHS = ("page_pool", "legacy")


class DeviceError(Exception):
    """The device did not come up (bad ID, halted at enable, no stop within the timeout)."""


MASK32 = 0xFFFFFFFF


@dataclass
class RxDriverStats:
    """Driver counters, named like ethtool -S output.

    rx_missed_errors folds the device's STAT_DROP_FIFO into a 64-bit count at every stats read
    (its deltas, so a wrap is not lost), as igb_update_stats() folds MPC, less
    rx_halt_recounted: frames the driver received from descriptors at or after the HEAD a halt
    froze, which the device also counts among the frames the halt lost. The irq_* cause
    counters count each cause once per time the driver finds it set in ICR and clears it (one
    latched cause may stand for many events: RXO for many dropped frames).

    rx_alloc_fail counts refill allocations that failed (mvneta's refill_errors);
    rx_ring_discard counts frames the device completed on the ring that NAPI had not taken when
    the queue was stopped (close, a ring size change): their buffers are freed unread, as
    mvneta_rxq_drop_pkts() does, and the device's STAT_FRAMES tells how many there were.
    """

    rx_packets: int = 0
    rx_bytes: int = 0
    rx_dropped: int = 0
    rx_mac_err: int = 0
    rx_frame_err: int = 0
    rx_xdp_pass: int = 0
    rx_xdp_drop: int = 0
    rx_xdp_aborted: int = 0
    rx_xdp_tx: int = 0
    rx_xdp_tx_err: int = 0
    rx_xdp_redirect: int = 0
    rx_copybreak: int = 0
    rx_multi_buf: int = 0
    rx_csum_complete: int = 0
    rx_alloc_fail: int = 0
    rx_map_fail: int = 0
    rx_refill: int = 0
    rx_refill_deferred: int = 0
    rx_missed_errors: int = 0
    rx_halt_recounted: int = 0
    rx_ring_discard: int = 0
    rx_halts: int = 0
    rx_recoveries: int = 0
    irq: int = 0
    irq_spurious: int = 0
    irq_rxdw: int = 0
    irq_rxdmt: int = 0
    irq_rxo: int = 0
    irq_err: int = 0
    napi_poll: int = 0
    napi_complete: int = 0
    napi_budget_exhausted: int = 0


@dataclass
class RxBuf:
    """rx_buffer_info: the page behind a descriptor and the bus address given to the device."""

    page: Page
    dma: int


class RxDriver:
    """One RX queue of the nic_rx_dma device, Linux style.

    The steps where a driver typically goes wrong are small methods of their own (the free
    descriptor count, the page_pool's sync length, sync for the CPU, recycling a dropped page,
    stopping the queue before freeing its buffers); pymodel.sabotage overrides them to build
    drivers that each commit one classic bug.
    """

    bug: Optional[str] = None        # the classic bug a sabotaged driver commits

    def __init__(self, hm: HostMemory, bus, env, *, path: str = "page_pool",
                 ring_size: int = 256, budget: int = NAPI_POLL_WEIGHT,
                 copybreak: int = RX_COPYBREAK, stack=None,
                 xdp: Optional[Callable[[XdpBuff], int]] = None, itr: int = (4 << 16) | 16,
                 rdmt: Optional[int] = None, drop_nodesc: bool = False,
                 poll_ns: float = 1000.0, stop_timeout_ns: float = 1e7,
                 refill_retry_ns: float = 10_000.0, tx=None, rx_offset: int = 0) -> None:
        if path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}")
        if xdp is not None and path != "page_pool":
            raise ValueError("XDP needs the page_pool RX path (the legacy path's buffers have "
                             "no XDP_PACKET_HEADROOM and are unmapped on receive)")
        if not 0 <= rx_offset < RX_OFFSET_LIMIT:
            raise ValueError(f"rx_offset must be 0 .. {RX_OFFSET_LIMIT - 1} bytes")
        if ring_size & (ring_size - 1) or not regs.RING_SIZE_MIN <= ring_size <= regs.RING_SIZE_MAX:
            raise ValueError("ring_size must be a power of two in 8 .. 32768")
        self.hm = hm
        self.env = env
        self.mmio = Mmio(bus, hm)
        self.path = path
        self.N = ring_size
        self.budget = budget
        self.copybreak = copybreak
        self.stack = stack
        self.xdp = xdp
        self.tx = tx                     # the TX queue (pymodel.tx.TxQueue) this NAPI completes
        self.xdp_bq = XdpDevBulkQueue(tx) if tx is not None else None
        self._bq_dropped = 0             # xdp_bq.dropped already counted as drops
        self.itr = itr
        self._rdmt = rdmt                # None: a quarter of the ring, whatever its size
        self.rdmt = ring_size // 4 if rdmt is None else rdmt
        self.ctrl = regs.CTRL_EN | (regs.CTRL_DROP_NODESC if drop_nodesc else 0)
        self.ims_mask = regs.ICR_RXDW | regs.ICR_RXDMT | regs.ICR_RXO | regs.ICR_ERR
        self.poll_ns = poll_ns
        self.stop_timeout_ns = stop_timeout_ns
        self.refill_retry_ns = refill_retry_ns
        self.skbs = stack.skbs if stack is not None else SkbLayer(hm)
        self.stats = RxDriverStats()
        # one entry per halt the driver recovered from, as its netdev_err() lines would say:
        # when it saw the halt, STATUS.ERR_CODE, and when the queue ran again
        self.halt_log: List[dict] = []
        # rx_offset moves every buffer's first byte past the aligned headroom, as NET_IP_ALIGN
        # (2) does on architectures that want the IP header 4-byte aligned
        self.rx_offset = rx_offset
        if path == "page_pool":
            self.headroom = XDP_PACKET_HEADROOM + rx_offset
        else:
            self.headroom = NET_SKB_PAD + rx_offset
        self.buf_len = PAGE_SIZE - self.headroom - SKB_TAILROOM
        self.pool: Optional[PagePool] = None
        self.pools: List[PagePool] = []  # every pool created, in order (destroyed ones included)
        self.ring = None
        self.slots: List[Optional[RxBuf]] = [None] * ring_size
        self.ntc = 0                 # next_to_clean
        self.ntu = 0                 # next_to_use (== the TAIL last written)
        self.napi_scheduled = False
        self.is_open = False
        self._closing = False
        self._icr_seen = 0
        self._refill_failed = False
        self.napi_task = None
        # the device's 32-bit counters folded into 64-bit totals since the first open
        # (update_hw_stats); they go on counting across close and open
        self.hw_totals = {name: 0 for name in regs.STAT_REGS}
        self._hw_raw: Optional[dict] = None
        self._frames_at_enable = 0       # hw_totals["frames"] when the queue was last enabled
        self._taken = 0                  # frames taken off the ring since then

    # ------------------------------------------------------------------ helpers
    async def _cpu(self) -> None:
        """Let simulated time pass for the CPU work charged so far."""
        ns = self.hm.meter.take_ns()
        if ns:
            await self.env.sleep_ns(ns)

    def _desc_off(self, i: int) -> int:
        return i * regs.DESC_SIZE

    def _desc_unused(self) -> int:
        """Free slots the driver may fill (e1000's E1000_DESC_UNUSED keeps one empty, so that
        TAIL never lands on HEAD)."""
        return (self.ntc - self.ntu - 1) % self.N

    @property
    def closing(self) -> bool:
        """ndo_stop() is in progress."""
        return self._closing

    @property
    def list_owner(self) -> int:
        """napi_struct.list_owner: the CPU NAPI is scheduled on, -1 when it is not scheduled
        (page_pool_napi_local() compares it with the current CPU)."""
        return self.hm.cpu if self.napi_scheduled else -1

    @property
    def posted(self) -> int:
        """Descriptors handed to the device and not yet cleaned."""
        return (self.ntu - self.ntc) % self.N

    # ------------------------------------------------------------------ open / close
    async def open(self) -> None:
        """ndo_open(): ring, page_pool, registers, fill the ring, enable, unmask.

        As mvneta_rxq_init(): the descriptor ring first, then the pool. Without memory for the
        ring, open fails with MemoryError (-ENOMEM) and leaves nothing allocated.
        """
        if await self.mmio.readl(regs.ID) != regs.ID_VALUE:
            raise DeviceError("nic_rx_dma ID register mismatch")
        if self.tx is not None and not self.tx.is_open:
            await self.tx.open()
        self.ring = self.hm.dma_alloc_coherent(self.N * regs.DESC_SIZE)
        if self.ring is None:
            raise MemoryError("dma_alloc_coherent for the RX ring failed")
        if self.path == "page_pool":
            self._create_pools()
        await self._hw_init()
        self.is_open = True
        if self._refill_failed:
            self._napi_schedule()            # the ring is short: NAPI retries, then unmasks
        else:
            await self.mmio.writel(self.ims_mask, regs.IMS)
            if self.tx is not None:
                await self.tx.unmask()
        await self._cpu()

    def _napi_schedule(self) -> None:
        """napi_schedule(): start the NAPI task unless it is already scheduled."""
        if not self.napi_scheduled:
            self.napi_scheduled = True
            self.napi_task = self.env.spawn(self._napi_run(), name="napi")

    def _create_pools(self) -> None:
        """page_pool_create() of the pool every buffer of the ring comes from."""
        self.pool = self._create_pool()

    def _pp_max_len(self) -> int:
        """page_pool_params.max_len: how much of each page the pool syncs for the device when
        it hands a recycled page out again; the whole buffer the device may write."""
        return self.buf_len

    def _create_pool(self) -> PagePool:
        """page_pool_create() with DMA mapping and sync for device of _pp_max_len() bytes, as
        mvneta_create_page_pool() (DMA_BIDIRECTIONAL with an XDP program attached, so XDP_TX
        can send the page as it is); `napi` and `netdev` set as bnxt_alloc_rx_page_pool() sets
        them (mvneta sets neither): the pool recycles directly whenever a page comes back in
        this queue's NAPI context (page_pool_napi_local()), and being shown on a netdev it
        does not warn about a stalled shutdown."""
        dma_dir = DMA_BIDIRECTIONAL if self.xdp is not None else DMA_FROM_DEVICE
        params = PagePoolParams(order=0, flags=PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
                                pool_size=self.N, dev=self.hm, napi=self, dma_dir=dma_dir,
                                max_len=self._pp_max_len(), offset=self.headroom, netdev=self)
        pool = page_pool_create(params, self.hm, env=self.env)
        self.pools.append(pool)
        return pool

    async def _hw_init(self) -> None:
        """Program ring and moderation, enable the queue, post buffers (interrupts stay masked)."""
        m = self.mmio
        await m.writel(0, regs.CTRL)
        await m.writel(self.ring.dma_handle & 0xFFFFFFFF, regs.RING_BASE_LO)
        await m.writel(self.ring.dma_handle >> 32, regs.RING_BASE_HI)
        await m.writel(self.N, regs.RING_SIZE)
        await m.writel(self.itr, regs.ITR)
        await m.writel(self.rdmt, regs.RDMT)
        await m.writel(regs.ICR_ALL, regs.ICR)
        self._icr_seen = 0
        self.ntc = self.ntu = 0
        await self.update_hw_stats()     # the first read is the baseline of hw_totals
        self._frames_at_enable, self._taken = self.hw_totals["frames"], 0
        await m.writel(self.ctrl, regs.CTRL)
        status = await m.readl(regs.STATUS)
        if status & regs.STATUS_HALTED:
            raise DeviceError(f"queue halted at enable, STATUS={status:#x}")
        self._refill(self.N)
        await self._write_tail()

    async def _stop_hw(self) -> None:
        """Clear EN and wait for RUNNING = 0: afterwards the device writes nothing more."""
        await self.mmio.writel(self.ctrl & ~regs.CTRL_EN, regs.CTRL)
        waited = 0.0
        while await self.mmio.readl(regs.STATUS) & regs.STATUS_RUNNING:
            if waited >= self.stop_timeout_ns:
                raise DeviceError("RUNNING did not drop after EN was cleared")
            await self.env.sleep_ns(self.poll_ns)
            waited += self.poll_ns

    async def close(self) -> None:
        """ndo_stop(): mask, stop NAPI, disable and drain the queue, reclaim, count what the
        device left on the ring, free, destroy the pool (its release is deferred while the
        stack still holds pages). The device's counters keep counting while the interface is
        down; the next open folds them in."""
        self._closing = True
        await self.mmio.writel(0, regs.IMS)
        while self.napi_scheduled:
            await self.env.sleep_ns(self.poll_ns)
        if self.tx is not None and self.tx.is_open:
            await self.tx.close()            # XDP_TX pages go back to the pool before it goes
        status = await self.mmio.readl(regs.STATUS)
        halt = None
        if status & regs.STATUS_HALTED:          # a halt the close overtook: the stop resets it
            self.stats.rx_halts += 1
            halt = {"t_ns": self.env.now_ns, "err_code": (status & regs.STATUS_ERR_MASK)
                    >> regs.STATUS_ERR_SHIFT, "recovered_ns": None, "in": "close"}
            self.halt_log.append(halt)
        self._icr_seen &= ~regs.ICR_ERR
        await self._stop_and_reclaim()
        status = await self.mmio.readl(regs.STATUS) if halt is None else 0
        if status & regs.STATUS_HALTED:
            # an error answered while the stop drained the queue (a writeback's B): the queue
            # halted on its way down, and the next open's enable resets it
            self.stats.rx_halts += 1
            halt = {"t_ns": self.env.now_ns, "err_code": (status & regs.STATUS_ERR_MASK)
                    >> regs.STATUS_ERR_SHIFT, "recovered_ns": None, "in": "close"}
            self.halt_log.append(halt)
        if halt is not None:
            self.stats.rx_recoveries += 1
            halt["recovered_ns"] = self.env.now_ns
        await self._reconcile_stop()
        await self.mmio.writel(regs.ICR_ALL, regs.ICR)
        self.mmio.detach()
        self.hm.dma_free_coherent(self.ring)
        self.ring = None
        self._destroy_pools()
        self.is_open = False
        self._closing = False
        await self._cpu()

    async def set_ringparam(self, rx_pending: int) -> None:
        """ethtool -G rx N (mvneta_ethtool_set_ringparam()): a running interface is stopped
        (ndo_stop), the ring size changed, and the interface opened again (ndo_open) with a
        new ring and a new pool. ValueError (-EINVAL) for a size the device cannot take;
        MemoryError if the reopen finds no memory for the ring (the interface stays down)."""
        if rx_pending & (rx_pending - 1) or \
                not regs.RING_SIZE_MIN <= rx_pending <= regs.RING_SIZE_MAX:
            raise ValueError(f"ring size {rx_pending}: use a power of two in "
                             f"{regs.RING_SIZE_MIN} .. {regs.RING_SIZE_MAX}")
        was_open = self.is_open
        if was_open:
            await self.close()
        self.N = rx_pending
        self.slots = [None] * rx_pending
        self.rdmt = rx_pending // 4 if self._rdmt is None else self._rdmt
        if was_open:
            await self.open()

    async def _stop_and_reclaim(self) -> None:
        """Stop the queue, then free its buffers: the device no longer owns any of them."""
        await self._stop_hw()
        self._reclaim_all()

    def _destroy_pools(self) -> None:
        """page_pool_destroy() of the queue's pool."""
        if self.pool is not None:
            self.pool.destroy()

    def _reclaim_all(self) -> None:
        """Give back every buffer still on the ring ([HEAD, TAIL) and driver-held slots)."""
        for i, buf in enumerate(self.slots):
            if buf is None:
                continue
            self.slots[i] = None
            self._free_rx_buf(buf)
        self.ntc = self.ntu = 0

    def _free_rx_buf(self, buf: RxBuf) -> None:
        if self.path == "page_pool":
            self.pool.put_full_page(buf.page, allow_direct=False)
        else:
            self.hm.dma_unmap_page(buf.dma, self.buf_len, DMA_FROM_DEVICE)
            self.hm.alloc.put_page(buf.page)

    # ------------------------------------------------------------------ refill
    def _alloc_rx_buf(self) -> Optional[RxBuf]:
        """page_pool_dev_alloc_pages() or alloc_page() + dma_map_page()."""
        if self.path == "page_pool":
            page = self.pool.alloc_pages()
            if page is None:
                return None
            return RxBuf(page, page.dma_addr + self.headroom)
        page = self.hm.alloc.alloc_pages(0)
        if page is None:
            return None
        dma = self.hm.dma_map_page(page, self.headroom, self.buf_len, DMA_FROM_DEVICE)
        if self.hm.dma_mapping_error(dma):
            self.stats.rx_map_fail += 1
            self.hm.alloc.put_page(page)
            return None
        return RxBuf(page, dma)

    def _refill(self, limit: int) -> int:
        """Post up to limit buffers at next_to_use; stop at the first failed allocation."""
        posted = 0
        self._refill_failed = False
        while posted < limit and self._desc_unused() > 0:
            i = self.ntu
            buf = self.slots[i]
            if buf is None:
                buf = self._alloc_rx_buf()
                if buf is None:
                    self.stats.rx_alloc_fail += 1
                    self._refill_failed = True
                    break
                self.slots[i] = buf
            self.ring.write(self._desc_off(i), regs.pack_read_desc(buf.dma, self.buf_len))
            self.ntu = (i + 1) % self.N
            posted += 1
        self.stats.rx_refill += posted
        return posted

    async def _write_tail(self) -> None:
        """wmb(); writel(next_to_use, TAIL)."""
        await self.mmio.writel(self.ntu, regs.TAIL)

    # ------------------------------------------------------------------ interrupt and NAPI
    async def irq_handler(self) -> None:
        """The hard interrupt: mask (IMS = 0), note the causes, napi_schedule()."""
        self.stats.irq += 1
        if not self.is_open or self._closing:
            return                           # going down: close masks and clears the causes
        if self.napi_scheduled:
            self.stats.irq_spurious += 1     # NAPI unmasks only after it left the scheduled state
            return
        self.napi_scheduled = True
        await self.mmio.writel(0, regs.IMS)
        if self.tx is not None:
            await self.tx.mask()
        self._icr_seen |= await self.mmio.readl(regs.ICR)
        if self.tx is not None:
            await self.tx.read_causes()
        self.napi_task = self.env.spawn(self._napi_run(), name="napi")

    async def _napi_run(self) -> None:
        """net_rx_action() for this NAPI instance: poll until done, then complete and unmask."""
        completed = False
        try:
            while True:
                if self._icr_seen & regs.ICR_ERR and not self._closing:
                    await self._recover()            # closing: ndo_stop resets the queue
                if self.tx is not None and self.tx.halted_seen and not self._closing:
                    await self.tx.recover()
                done = await self.napi_poll(self.budget)
                if done >= self.budget and not self._closing:   # napi_disable() pending: stop
                    self.stats.napi_budget_exhausted += 1
                    await self.env.sleep_ns(0)
                    continue
                completed = await self.napi_complete_done(done)
                if completed:
                    return
        finally:
            if not completed:
                self.napi_scheduled = False

    async def napi_complete_done(self, work_done: int) -> bool:
        """Clear the causes seen (W1C), look at the ring again, leave the scheduled state, then
        unmask; False: keep polling.

        As in the kernel, NAPI is no longer scheduled when the driver unmasks: a cause raised
        as IMS lands (the line high at once) schedules NAPI again from the handler.
        """
        icr = await self._ack_causes()
        if icr & regs.ICR_ERR:
            self._icr_seen |= regs.ICR_ERR
            if not self._closing:
                return False
        if self.tx is not None:
            await self.tx.ack_causes()
            if self.tx.halted_seen and not self._closing:
                return False
        if self._closing:
            self.napi_scheduled = False
            return True
        if self._frame_ready(self.ntc, self.posted):
            return False
        if self.tx is not None and self.tx.tx_pending():
            return False
        if self._refill_failed and self.posted == 0:
            # nothing on the ring will raise an interrupt: try again later (delayed refill)
            self.stats.rx_refill_deferred += 1
            await self.env.sleep_ns(self.refill_retry_ns)
            return False
        self.stats.napi_complete += 1
        self.napi_scheduled = False
        await self.mmio.writel(self.ims_mask, regs.IMS)
        if self.tx is not None:
            await self.tx.unmask()
        return True

    async def _ack_causes(self) -> int:
        """Read ICR, clear (W1C) exactly the causes found and count each; returns them."""
        icr = await self.mmio.readl(regs.ICR)
        if icr:
            await self.mmio.writel(icr, regs.ICR)
        st = self.stats
        st.irq_rxdw += bool(icr & regs.ICR_RXDW)
        st.irq_rxdmt += bool(icr & regs.ICR_RXDMT)
        st.irq_rxo += bool(icr & regs.ICR_RXO)
        st.irq_err += bool(icr & regs.ICR_ERR)
        return icr

    async def napi_poll(self, budget: int, limit: Optional[int] = None) -> int:
        """The NAPI poll: receive up to budget frames (within limit slots), then refill up to 64."""
        self.stats.napi_poll += 1
        self.hm.cache_tick()
        tx = self.tx
        if tx is not None and tx.is_open:
            with self.hm.softirq():
                tx.tx_done(budget, napi=True)        # mvneta_tx_done_gbe() before RX
        done = 0
        avail = self.posted if limit is None else limit
        while done < budget:
            n = self._frame_ready(self.ntc, avail)
            if not n:
                break
            with self.hm.softirq():
                self._receive(n)
            avail -= n
            done += 1
            if tx is not None and tx.pending and tx.is_open:
                await tx.ring_doorbell()             # XDP_TX: the doorbell after each frame
            await self._cpu()
        if tx is not None and self.xdp_bq.q:
            await self.xdp_do_flush()
        if limit is None:
            with self.hm.softirq():
                refilled = self._refill(RX_REFILL_BATCH)
            if refilled:
                await self._write_tail()
        await self._cpu()
        return done

    async def xdp_do_flush(self) -> None:
        """xdp_do_flush() at the end of the poll: the redirect bulk queue goes to
        ndo_xdp_xmit() with XDP_XMIT_FLUSH, and the doorbell rings."""
        with self.hm.softirq():
            self.xdp_bq.bq_xmit_all(XDP_XMIT_FLUSH)
        self._count_redirect_drops()
        if self.tx.is_open:
            await self.tx.ring_doorbell()

    def _count_redirect_drops(self) -> None:
        """Redirected frames ndo_xdp_xmit did not take (the bulk queue freed them): drops of
        the cause driver_xdp_tx_err, taken out of rx_xdp_redirect."""
        new = self.xdp_bq.dropped - self._bq_dropped
        if new:
            self._bq_dropped = self.xdp_bq.dropped
            self.stats.rx_xdp_redirect -= new
            self.stats.rx_xdp_tx_err += new
            self.stats.rx_dropped += new

    def rx_pending(self) -> bool:
        """A complete frame waits on the ring at next_to_clean (the device handed it back)."""
        return bool(self.ring is not None and self._frame_ready(self.ntc, self.posted))

    def _frame_ready(self, start: int, avail: int) -> int:
        """Descriptors of the complete frame at start (DD on each, EOP on the last), else 0."""
        for k in range(avail):
            i = (start + k) % self.N
            status = self.ring.read(self._desc_off(i) + 12, 1)[0]
            if not status & regs.DESC_DD:
                return 0
            if status & regs.DESC_EOP:
                return k + 1
        return 0

    # ------------------------------------------------------------------ receive
    def _receive(self, n: int) -> None:
        """Turn the n descriptors at next_to_clean into one skb (or a drop)."""
        idx = [(self.ntc + k) % self.N for k in range(n)]
        wbs = [regs.unpack_writeback(self.ring.read(self._desc_off(i), regs.DESC_SIZE)) for i in idx]
        bufs = [self.slots[i] for i in idx]
        self.ntc = (self.ntc + n) % self.N
        self._taken += 1
        total = sum(w.length for w in wbs)
        bad = any(w.length > self.buf_len or b is None for w, b in zip(wbs, bufs)) or \
            any(w.length != self.buf_len for w in wbs[:-1])
        if bad:
            self.stats.rx_frame_err += 1
            self.stats.rx_dropped += 1
            self._drop(idx, bufs)
            return
        if any(w.errors & regs.DESC_ERR_MAC for w in wbs):
            self.stats.rx_mac_err += 1
            self.stats.rx_dropped += 1
            self._drop(idx, bufs)
            return
        if n > 1:
            self.stats.rx_multi_buf += 1
        if self.path == "page_pool":
            skb = self._receive_pp(idx, bufs, wbs)
        else:
            skb = self._receive_legacy(idx, bufs, wbs, total)
        if skb is None:
            return
        skb.ip_summed = CHECKSUM_COMPLETE
        skb.csum = wbs[-1].csum
        self.stats.rx_csum_complete += 1
        self.stats.rx_packets += 1
        self.stats.rx_bytes += total
        if self.stack is not None:
            self.stack.netif_receive_skb(skb)
        else:
            self.skbs.consume_skb(skb, napi_safe=True)

    def _drop(self, idx: List[int], bufs: List[Optional[RxBuf]]) -> None:
        """Drop a frame: page_pool path recycles directly; the legacy path keeps its buffers."""
        if self.path != "page_pool":
            return
        for i, buf in zip(idx, bufs):
            if buf is None:
                continue
            self.slots[i] = None
            self._recycle_direct(buf.page)

    def _recycle_direct(self, page: Page) -> None:
        """page_pool_recycle_direct() of a page the driver still owns, into this queue's pool."""
        self.pool.recycle_direct(page)

    def _sync_for_cpu(self, dma: int, offset: int, size: int) -> None:
        """dma_sync_single_range_for_cpu(): the CPU may read what the device wrote."""
        self.hm.dma_sync_single_range_for_cpu(dma, offset, size, DMA_FROM_DEVICE)

    def _receive_pp(self, idx, bufs, wbs):
        """mvneta-style: sync for CPU, XDP verdict, build_skb on the page, mark for recycle."""
        for buf, w in zip(bufs, wbs):
            self._sync_for_cpu(buf.page.dma_addr, self.headroom, w.length)
        if self.xdp is not None and self._run_xdp(idx, bufs, wbs):
            return None
        for i in idx:
            self.slots[i] = None
        skb = self.skbs.build_skb(bufs[0].page, 0, PAGE_SIZE)
        skb_reserve(skb, self.headroom)
        skb_put(skb, wbs[0].length)
        skb_mark_for_recycle(skb)
        for buf, w in zip(bufs[1:], wbs[1:]):
            self.skbs.skb_add_rx_frag(skb, buf.page, self.headroom, w.length, PAGE_SIZE)
        return skb

    def _run_xdp(self, idx, bufs, wbs) -> bool:
        """mvneta_run_xdp(): the program on an xdp_buff over the first buffer (further buffers
        as frags); the bytes it rewrote stored back through the CPU; then the verdict. PASS:
        False (build the skb). TX: xdp_convert_buff_to_frame and the TX ring
        (mvneta_xdp_xmit_back); REDIRECT: xdp_do_redirect to this device's TX queue; DROP,
        ABORTED, an unknown verdict, or TX / REDIRECT without a TX queue: recycle directly.
        A frame the TX ring has no room for is freed (rx_xdp_tx_err). True: consumed."""
        hm = self.hm
        st = self.stats
        page = bufs[0].page
        frame = hm.cpu_read(page, self.headroom, wbs[0].length, "bpf_prog_run_xdp")
        xdp = XdpBuff(frame, page, self.headroom, frame_sz=PAGE_SIZE,
                      frags=[(b.page, self.headroom, w.length) for b, w in zip(bufs[1:], wbs[1:])])
        verdict = self.xdp(xdp)
        self._xdp_store(xdp)
        if verdict == XDP_PASS:
            st.rx_xdp_pass += 1
            return False
        if verdict in (XDP_TX, XDP_REDIRECT) and self.tx is not None:
            for i in idx:
                self.slots[i] = None         # the pages now belong to the xdp_frame
            if verdict == XDP_TX:
                xdpf = xdp_convert_buff_to_frame(xdp, hm)
                if xdpf is not None and self.tx.xdp_xmit_back(xdpf):
                    st.rx_xdp_tx += 1
                    return True
                if xdpf is not None:
                    xdp_return_frame_rx_napi(xdpf)
                    st.rx_xdp_tx_err += 1
                    st.rx_dropped += 1
                    return True
            elif xdp_do_redirect(xdp, self.xdp_bq, hm) == 0:
                st.rx_xdp_redirect += 1
                self._count_redirect_drops()
                return True
            st.rx_xdp_tx_err += 1                # not converted: the pages are still ours
            st.rx_dropped += 1
            self._xdp_put_buff(bufs, xdp)
            return True
        if verdict != XDP_DROP:
            st.rx_xdp_aborted += 1               # trace_xdp_exception()
        st.rx_xdp_drop += 1
        st.rx_dropped += 1
        for i in idx:
            self.slots[i] = None
        self._xdp_put_buff(bufs, xdp)
        return True

    def _xdp_put_buff(self, bufs, xdp: XdpBuff) -> None:
        """mvneta_xdp_put_buff(): each frag page back with a full sync
        (page_pool_put_full_page), the head page with page_pool_put_page() and a sync for the
        device of only what the CPU may have touched: `sync` in mvneta_run_xdp(), data_end -
        data_hard_start (the headroom and the frame; the program cannot resize it here)."""
        for buf in bufs[1:]:
            if buf is not None:
                self.pool.recycle_direct(buf.page)
        self.pool.put_page(bufs[0].page, xdp.data + len(xdp.original), allow_direct=True)

    def _xdp_store(self, xdp: XdpBuff) -> None:
        """The program's stores: the bytes it changed, written into the page by the CPU."""
        now = bytes(xdp)
        if len(now) != len(xdp.original):
            raise ValueError("an XDP program may rewrite a frame but not resize it")
        if now == xdp.original:
            return
        first = next(i for i in range(len(now)) if now[i] != xdp.original[i])
        last = next(i for i in range(len(now) - 1, -1, -1) if now[i] != xdp.original[i])
        self.hm.cpu_write(xdp.page, xdp.data + first, now[first:last + 1], call="bpf_prog_run_xdp")

    def _receive_legacy(self, idx, bufs, wbs, total):
        """e1000 / old mvneta: copybreak into a small skb, else unmap and build_skb on the page."""
        hm = self.hm
        if len(bufs) == 1 and total < self.copybreak:
            buf = bufs[0]
            self._sync_for_cpu(buf.dma, 0, total)
            skb = self.skbs.napi_alloc_skb(total)
            self.skbs.skb_put_data(skb, hm.cpu_read(buf.page, self.headroom, total, "copybreak"))
            hm.dma_sync_single_range_for_device(buf.dma, 0, total, DMA_FROM_DEVICE)
            self.stats.rx_copybreak += 1
            return skb                                       # the buffer stays in its slot
        for i, buf in zip(idx, bufs):
            self.slots[i] = None
            hm.dma_unmap_page(buf.dma, self.buf_len, DMA_FROM_DEVICE)
        skb = self.skbs.build_skb(bufs[0].page, 0, PAGE_SIZE)
        skb_reserve(skb, self.headroom)
        skb_put(skb, wbs[0].length)
        for buf, w in zip(bufs[1:], wbs[1:]):
            self.skbs.skb_add_rx_frag(skb, buf.page, self.headroom, w.length, PAGE_SIZE)
        return skb

    # ------------------------------------------------------------------ halt recovery
    async def _recover(self) -> None:
        """After ICR.ERR: deliver frames before HEAD, stop, reconcile the drop count, reclaim
        [HEAD, TAIL), re-init, enable."""
        self.stats.rx_halts += 1
        self._icr_seen &= ~regs.ICR_ERR
        status = await self.mmio.readl(regs.STATUS)
        if not status & regs.STATUS_HALTED:
            return
        entry = {"t_ns": self.env.now_ns, "err_code":
                 (status & regs.STATUS_ERR_MASK) >> regs.STATUS_ERR_SHIFT, "recovered_ns": None,
                 "in": "napi"}
        self.halt_log.append(entry)
        head = await self.mmio.readl(regs.HEAD)
        dist = (head - self.ntc) % self.N
        if dist <= self.posted:
            await self.napi_poll(self.N, limit=dist)     # descriptors at/after HEAD are void
        await self._stop_hw()
        await self._reconcile_halt()
        self._reclaim_all()
        self.ring.write(0, bytes(self.N * regs.DESC_SIZE))
        await self._hw_init_keep_ims_masked()
        self.stats.rx_recoveries += 1
        entry["recovered_ns"] = self.env.now_ns

    async def _reconcile_halt(self) -> None:
        """The device has stopped: the frames it reported since enable are final. Frames taken
        beyond them came from descriptors at or after the halted HEAD whose DD reached memory
        all the same (the beats of an errored burst that the memory wrote, or writebacks whose
        B came back after the error): the device counts them in STAT_DROP_FIFO among the frames
        the halt lost, and the driver, which received them, takes them out of its drop count."""
        await self.update_hw_stats()
        reported = self.hw_totals["frames"] - self._frames_at_enable
        recounted = self._taken - reported
        if recounted > 0:
            self.stats.rx_halt_recounted += recounted
            self.stats.rx_missed_errors -= recounted
        self._frames_at_enable, self._taken = self.hw_totals["frames"], 0

    async def _reconcile_stop(self) -> None:
        """The queue has stopped for close: the frames the device reported since enable are
        final. Those NAPI did not take are still on the ring, and their buffers were freed
        unread: rx_ring_discard counts them. Frames taken beyond those reported (a halt the
        close overtook) are recounted as at a halt."""
        await self.update_hw_stats()
        left = self.hw_totals["frames"] - self._frames_at_enable - self._taken
        if left > 0:
            self.stats.rx_ring_discard += left
        elif left < 0:
            self.stats.rx_halt_recounted -= left
            self.stats.rx_missed_errors += left
        self._frames_at_enable, self._taken = self.hw_totals["frames"], 0

    async def _hw_init_keep_ims_masked(self) -> None:
        m = self.mmio
        await self._ack_causes()
        self.ntc = self.ntu = 0
        await m.writel(self.ctrl, regs.CTRL)
        status = await m.readl(regs.STATUS)
        if status & regs.STATUS_HALTED:
            raise DeviceError(f"queue halted at re-enable, STATUS={status:#x}")
        self._refill(self.N)
        await self._write_tail()

    # ------------------------------------------------------------------ statistics
    async def read_hw_stats(self) -> dict:
        """The device's counters over the register bus (STAT_BYTES_LO before _HI)."""
        out = {}
        for name, off in regs.STAT_REGS.items():
            out[name] = await self.mmio.readl(off)
        lo = await self.mmio.readl(regs.STAT_BYTES_LO)
        hi = await self.mmio.readl(regs.STAT_BYTES_HI)
        out["bytes"] = (hi << 32) | lo
        return out

    async def update_hw_stats(self) -> dict:
        """Read the device's counters and fold each one's change since the last read into
        hw_totals (32-bit deltas, so a wrap is not lost) and rx_missed_errors, as a Linux
        driver's update_stats does on every stats read; returns the registers as read."""
        hw = await self.read_hw_stats()
        last = self._hw_raw if self._hw_raw is not None else hw
        for name in regs.STAT_REGS:
            self.hw_totals[name] += (hw[name] - last[name]) & MASK32
        self._hw_raw = hw
        self.stats.rx_missed_errors = self.hw_totals["drop_fifo"] - self.stats.rx_halt_recounted
        return hw

    async def rx_drops(self) -> dict:
        """Frames lost since the first open, by cause: the device's counters (folded; the FIFO
        count as rx_missed_errors; frames that arrive while the interface is down are among
        them) and the driver's own drops (frames left on the ring at a stop among them). With
        the frames delivered they add up to every frame the MAC sent."""
        await self.update_hw_stats()
        t, st = self.hw_totals, self.stats
        return {
            "device_fifo": st.rx_missed_errors, "device_nodesc": t["drop_nodesc"],
            "device_err": t["drop_err"], "device_oversize": t["drop_oversize"],
            "driver_mac_err": st.rx_mac_err, "driver_frame_err": st.rx_frame_err,
            "driver_xdp_drop": st.rx_xdp_drop, "driver_ring_discard": st.rx_ring_discard,
            "driver_xdp_tx_err": st.rx_xdp_tx_err,
            "driver_xdp_tx_discard": self.tx.stats.tx_xdp_discard if self.tx is not None else 0,
        }

    async def snapshot(self) -> dict:
        """Everything the co-sim summary prints, as one dict."""
        drops = await self.rx_drops()
        hw = dict(self._hw_raw)
        drv = {f.name: getattr(self.stats, f.name) for f in fields(self.stats)}
        pool = self.pool.snapshot() if self.pool is not None else {}
        dma = self.hm.snapshot()
        out = {
            "path": self.path,
            "bug": self.bug,
            "ring_size": self.N,
            "frames_delivered": drv["rx_packets"],
            "drops": drops,
            "device": hw,
            "driver": drv,
            "page_pool": pool,
            "dma": {k: dma[k] for k in ("map", "unmap", "map_error", "sync_for_cpu",
                                         "sync_for_device", "sync_for_cpu_bytes",
                                         "sync_for_device_bytes")},
            "breaches": dma["breaches"],
            "breaches_by_rule": dma["breaches_by_rule"],
            "pages_in_flight": pool.get("inflight", 0),
            "halt_log": [dict(h) for h in self.halt_log],
            "pools_created": len(self.pools),
            # destroyed pools still waiting for pages the stack holds, and those whose pages
            # are all back, waiting for page_pool_release_retry() (every second) to free them
            "pools_pending": sum(1 for p in self.pools if p.destroyed and not p.freed
                                 and p.pages_outstanding > 0),
            "pools_awaiting_release": sum(1 for p in self.pools if p.destroyed and not p.freed
                                          and p.pages_outstanding <= 0),
            "mappings_left": dma["mappings_live"],
            "pages_in_use": dma["pages_in_use"],
            "cpu_ns": dma["cpu_ns"],
            "cpu_ns_by_op": {k: round(v, 1) for k, v in self.hm.meter.by_op.items()},
        }
        if self.stack is not None:
            out["stack"] = {f.name: getattr(self.stack.stats, f.name)
                            for f in fields(self.stack.stats)}
        if self.tx is not None:
            if self.tx.is_open:
                await self.tx.update_hw_stats()
            out["tx"] = self.tx.snapshot()
        if self.xdp is not None:
            out["xdp"] = {"prog": getattr(self.xdp, "name", repr(self.xdp)),
                          "verdicts": dict(getattr(self.xdp, "verdicts", {}))}
        return out
