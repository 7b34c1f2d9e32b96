"""The driver's TX queue on nic_tx_dma: ndo_start_xmit, byte queue limits, stop and wake, the
qdisc in front of it, NAPI completion, and the XDP transmit paths (XDP_TX, ndo_xdp_xmit).

After drivers/net/ethernet/marvell/mvneta.c of Linux v6.18 (mvneta_tx, mvneta_txq_done,
mvneta_txq_bufs_free, mvneta_xdp_submit_frame, mvneta_xdp_xmit_back, mvneta_xdp_xmit), with
the byte queue limits of include/linux/netdevice.h (netdev_tx_sent_queue,
__netdev_tx_sent_queue, netdev_tx_completed_queue, netdev_tx_reset_queue) and
lib/dynamic_queue_limits.c (Dql). Like RxDriver it reaches the device only through the
register bus (its registers at `base`: regs.TX_BASE behind nic_dma, 0 for a bare nic_tx_dma)
and host memory only through HostMemory. Completion runs in a NAPI poll: the RX driver's
(`RxDriver(tx=...)`, as mvneta polls TX completion and RX in one NAPI instance, so XDP_TX
pages go back to their pool with direct recycling), or the queue's own for a bare TX block.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from typing import Deque, List, Optional

from . import regs
from . import tx_contract as contract
from .dma import DMA_BIDIRECTIONAL, DMA_TO_DEVICE, HostMemory
from .driver import DeviceError
from .mmio import Mmio
from .skb import SkbLayer, SkBuff
from .xdp import (
    XdpFrame,
    XdpFrameBulk,
    xdp_flush_frame_bulk,
    xdp_return_frame_bulk,
    xdp_return_frame_rx_napi,
)

NETDEV_TX_OK = 0x00                # include/linux/netdevice.h
NETDEV_TX_BUSY = 0x10
NAPI_POLL_WEIGHT = 64
HZ = 250                           # jiffies per second (kernel/Kconfig.hz's default, HZ_250)
TX_QUEUE_LEN = 1000                # DEFAULT_TX_QUEUE_LEN: the pfifo_fast qdisc's length
MAX_DESC_PER_FRAME = contract.MAX_DESC_PER_FRAME
# mvneta's tx_buf types (MVNETA_TYPE_SKB, MVNETA_TYPE_XDP_TX, MVNETA_TYPE_XDP_NDO)
TYPE_SKB = "skb"
TYPE_XDP_TX = "xdp_tx"
TYPE_XDP_NDO = "xdp_ndo"
MASK32 = 0xFFFFFFFF

# lib/dynamic_queue_limits.c, include/linux/dynamic_queue_limits.h
UINT_MAX = 0xFFFFFFFF
DQL_MAX_OBJECT = UINT_MAX // 16
DQL_MAX_LIMIT = UINT_MAX // 2 - DQL_MAX_OBJECT


def _posdiff(a: int, b: int) -> int:
    return a - b if a - b > 0 else 0


class Dql:
    """struct dql with dql_queued, dql_avail, dql_completed, dql_reset, dql_init (stall
    detection off, as by default). Time is jiffies of the env's clock."""

    def __init__(self, now_ns=lambda: 0.0, hold_time: int = HZ) -> None:
        self.now_ns = now_ns
        self.num_queued = 0
        self.adj_limit = 0
        self.last_obj_cnt = 0
        self.limit = 0
        self.num_completed = 0
        self.prev_ovlimit = 0
        self.prev_num_queued = 0
        self.prev_last_obj_cnt = 0
        self.lowest_slack = UINT_MAX
        self.slack_start_time = 0
        self.max_limit = DQL_MAX_LIMIT
        self.min_limit = 0
        self.slack_hold_time = hold_time
        self.reset()

    def jiffies(self) -> int:
        return int(self.now_ns() * HZ // 1_000_000_000)

    def reset(self) -> None:
        """dql_reset(): every dynamic value; the limit back to min_limit."""
        self.limit = self.min_limit
        self.num_queued = 0
        self.num_completed = 0
        self.last_obj_cnt = 0
        self.prev_num_queued = 0
        self.prev_last_obj_cnt = 0
        self.prev_ovlimit = 0
        self.lowest_slack = UINT_MAX
        self.slack_start_time = self.jiffies()

    def queued(self, count: int) -> None:
        """dql_queued(): record `count` bytes handed to the device."""
        self.last_obj_cnt = count
        self.num_queued += count

    def avail(self) -> int:
        """dql_avail(): bytes that may still be queued (negative: over the limit)."""
        return self.adj_limit - self.num_queued

    def completed(self, count: int) -> None:
        """dql_completed(): `count` bytes done; grow the limit when the queue starved while
        over the limit, shrink it by the lowest slack seen over slack_hold_time."""
        completed = self.num_completed + count
        limit = self.limit
        ovlimit = _posdiff(self.num_queued - self.num_completed, limit)
        inprogress = self.num_queued - completed
        prev_inprogress = self.prev_num_queued - self.num_completed
        all_prev_completed = _posdiff(completed, self.prev_num_queued)
        if (ovlimit and not inprogress) or (self.prev_ovlimit and all_prev_completed):
            limit += _posdiff(completed, self.prev_num_queued) + self.prev_ovlimit
            self.slack_start_time = self.jiffies()
            self.lowest_slack = UINT_MAX
        elif inprogress and prev_inprogress and not all_prev_completed:
            slack = _posdiff(limit + self.prev_ovlimit, 2 * (completed - self.num_completed))
            slack_last_objs = _posdiff(self.prev_last_obj_cnt, self.prev_ovlimit) \
                if self.prev_ovlimit else 0
            slack = max(slack, slack_last_objs)
            self.lowest_slack = min(self.lowest_slack, slack)
            if self.jiffies() > self.slack_start_time + self.slack_hold_time:
                limit = _posdiff(limit, self.lowest_slack)
                self.slack_start_time = self.jiffies()
                self.lowest_slack = UINT_MAX
        limit = min(max(limit, self.min_limit), self.max_limit)
        if limit != self.limit:
            self.limit = limit
            ovlimit = 0
        self.adj_limit = limit + completed
        self.prev_ovlimit = ovlimit
        self.prev_last_obj_cnt = self.last_obj_cnt
        self.num_completed = completed
        self.prev_num_queued = self.num_queued


class NetdevQueue:
    """struct netdev_queue: the driver's stop bit (__QUEUE_STATE_DRV_XOFF), BQL's
    (__QUEUE_STATE_STACK_XOFF), the dql, and the qdisc it wakes (`schedule`)."""

    def __init__(self, now_ns=lambda: 0.0) -> None:
        self.drv_xoff = False
        self.stack_xoff = False
        self.dql = Dql(now_ns)
        self.schedule = None             # __netif_schedule(): run the qdisc again
        self.stops = 0                   # netif_tx_stop_queue() calls that stopped it
        self.wakes = 0                   # netif_tx_wake_queue() calls that woke it
        self.bql_stops = 0               # times BQL set STACK_XOFF
        self.bql_wakes = 0

    def netif_tx_stop_queue(self) -> None:
        if not self.drv_xoff:
            self.stops += 1
        self.drv_xoff = True

    def netif_tx_wake_queue(self) -> None:
        """Clear DRV_XOFF; if it was set, schedule the qdisc."""
        if self.drv_xoff:
            self.drv_xoff = False
            self.wakes += 1
            self._schedule()

    def netif_tx_queue_stopped(self) -> bool:
        return self.drv_xoff

    def netif_xmit_stopped(self) -> bool:
        """Either the driver or BQL stopped the queue."""
        return self.drv_xoff or self.stack_xoff

    def _schedule(self) -> None:
        if self.schedule is not None:
            self.schedule()

    def netdev_tx_sent_queue(self, nbytes: int) -> None:
        """netdev_tx_sent_queue(): dql_queued; over the limit: STACK_XOFF (checked again)."""
        self.dql.queued(nbytes)
        if self.dql.avail() >= 0:
            return
        self.stack_xoff = True
        self.bql_stops += 1
        if self.dql.avail() >= 0:
            self.stack_xoff = False

    def sent_queue(self, nbytes: int, xmit_more: bool) -> bool:
        """__netdev_tx_sent_queue(): with xmit_more only dql_queued, and ring the doorbell only
        if the queue is stopped; else netdev_tx_sent_queue and ring it. True: ring now."""
        if xmit_more:
            self.dql.queued(nbytes)
            return self.netif_xmit_stopped()
        self.netdev_tx_sent_queue(nbytes)
        return True

    def netdev_tx_completed_queue(self, pkts: int, nbytes: int) -> None:
        """netdev_tx_completed_queue(): dql_completed; room again: clear STACK_XOFF and
        schedule the qdisc."""
        if not nbytes:
            return
        self.dql.completed(nbytes)
        if self.dql.avail() < 0:
            return
        if self.stack_xoff:
            self.stack_xoff = False
            self.bql_wakes += 1
            self._schedule()

    def netdev_tx_reset_queue(self) -> None:
        """netdev_tx_reset_queue(): clear STACK_XOFF, dql_reset."""
        self.stack_xoff = False
        self.dql.reset()


class Qdisc:
    """The qdisc in front of the queue (pfifo_fast's one band, txqueuelen frames): enqueue
    drops when full; qdisc_run() dequeues while the queue is not stopped and hands each skb to
    ndo_start_xmit with xmit_more while more wait (bulk dequeue within BQL's budget)."""

    def __init__(self, env, txq: "TxQueue", limit: int = TX_QUEUE_LEN) -> None:
        self.env = env
        self.txq = txq
        self.limit = limit
        self.q: Deque[SkBuff] = deque()
        self.drops = 0
        self.requeues = 0
        self.running = False
        self.runs = 0
        self._task = None
        txq.nq.schedule = self.netif_schedule

    def dev_queue_xmit(self, skb: SkBuff) -> bool:
        """Queue an skb (False: dropped, the qdisc is full) and run the qdisc."""
        if len(self.q) >= self.limit:
            self.drops += 1
            self.txq.skbs.kfree_skb(skb)
            return False
        self.q.append(skb)
        self.netif_schedule()
        return True

    def netif_schedule(self) -> None:
        """__netif_schedule(): run the qdisc from net_tx_action unless it runs already."""
        if not self.running and self._task is None:
            self._task = self.env.spawn(self.qdisc_run(), name="qdisc_run")

    async def qdisc_run(self) -> None:
        """__qdisc_run(): send while there is something and the queue runs."""
        self._task = None
        if self.running:
            return
        self.running = True
        self.runs += 1
        try:
            nq = self.txq.nq
            while self.q and not nq.netif_xmit_stopped() and self.txq.is_open:
                budget = max(nq.dql.avail(), 0)
                skb = self.q.popleft()
                budget -= skb.len
                more = bool(self.q) and budget > 0
                if await self.txq.ndo_start_xmit(skb, xmit_more=more) == NETDEV_TX_BUSY:
                    self.q.appendleft(skb)
                    self.requeues += 1
                    break
        finally:
            self.running = False


@dataclass
class TxBuf:
    """mvneta_tx_buf: what a TX descriptor carries, for completion: the type, the bus address
    and length (to unmap), the skb (on the frame's last descriptor) or the xdp_frame (on its
    first)."""

    type: str
    dma: int
    len: int
    skb: Optional[SkBuff] = None
    xdpf: Optional[XdpFrame] = None
    single: bool = True              # mapped with dma_map_single (else skb_frag_dma_map)


@dataclass
class TxStats:
    """TX counters, ethtool -S style."""

    tx_packets: int = 0
    tx_bytes: int = 0
    tx_dropped: int = 0
    tx_map_fail: int = 0
    tx_busy: int = 0
    tx_multi_desc: int = 0
    tx_desc_max: int = 0
    tx_doorbell: int = 0
    tx_xmit_more: int = 0
    tx_completed: int = 0
    tx_completed_bytes: int = 0
    tx_ring_discard: int = 0
    tx_xdp_discard: int = 0
    tx_xdp_tx: int = 0
    tx_xdp_tx_err: int = 0
    tx_xdp_xmit: int = 0
    tx_xdp_xmit_err: int = 0
    tx_xdp_returned_napi: int = 0
    tx_xdp_returned_bulk: int = 0
    tx_halts: int = 0
    tx_recoveries: int = 0
    irq: int = 0
    irq_txdw: int = 0
    irq_err: int = 0
    napi_poll: int = 0


class TxQueue:
    """One TX queue of nic_tx_dma, Linux style. The steps drivers typically get wrong are
    small methods (the sync of an XDP_TX frame, how many descriptors are done, returning an
    xdp_frame, freeing what is left at close), which pymodel.sabotage overrides."""

    bug: Optional[str] = None

    def __init__(self, hm: HostMemory, bus, env, *, base: int = regs.TX_BASE,
                 ring_size: int = 256, itr: int = (4 << 16) | 16,
                 skbs: Optional[SkbLayer] = None, budget: int = NAPI_POLL_WEIGHT,
                 poll_ns: float = 1000.0, stop_timeout_ns: float = 1e7,
                 txqueuelen: int = TX_QUEUE_LEN) -> None:
        if not contract.ring_size_ok(ring_size):
            raise ValueError("ring_size must be a power of two in 8 .. 32768")
        if ring_size - 1 < 2 * MAX_DESC_PER_FRAME:
            raise ValueError(f"ring_size {ring_size}: the TX ring must hold two frames of "
                             f"{MAX_DESC_PER_FRAME} descriptors")
        self.hm = hm
        self.env = env
        self.base = base
        self.mmio = Mmio(bus, hm, base=base, kind="tx")
        self.N = ring_size
        self.itr = itr
        self.budget = budget
        self.poll_ns = poll_ns
        self.stop_timeout_ns = stop_timeout_ns
        self.skbs = skbs if skbs is not None else SkbLayer(hm)
        self.ims_mask = regs.TX_ICR_ALL
        self.nq = NetdevQueue(lambda: env.now_ns)
        self.qdisc = Qdisc(env, self, txqueuelen)
        self.stats = TxStats()
        # as mvneta's tx_stop_threshold (size - MVNETA_MAX_SKB_DESCS) and tx_wake_threshold
        # (half of it), with a frame of MAX_SKB_FRAGS + 1 buffers (no TSO) as the largest
        self.tx_stop_threshold = self.N - 1 - MAX_DESC_PER_FRAME
        self.tx_wake_threshold = self.tx_stop_threshold // 2
        self.ring = None
        self.bufs: List[Optional[TxBuf]] = [None] * ring_size
        self.ntu = 0                    # txq_put_index (== TAIL once the doorbell rings)
        self.ntc = 0                    # txq_get_index
        self.count = 0                  # descriptors in use
        self.pending = 0                # descriptors posted, doorbell not rung yet
        self.is_open = False
        self._closing = False
        self.own_napi = False           # completion in the queue's own NAPI (a bare TX block)
        self.napi_scheduled = False
        self._icr_seen = 0
        self.halt_log: List[dict] = []
        self.hw_totals = {name: 0 for name in regs.TX_STAT_REGS}
        self._hw_raw: Optional[dict] = None

    # ------------------------------------------------------------------ helpers
    async def _cpu(self) -> None:
        ns = self.hm.meter.take_ns()
        if ns:
            await self.env.sleep_ns(ns)

    def _desc_off(self, i: int) -> int:
        return i * regs.DESC_SIZE

    @property
    def free_descs(self) -> int:
        """Descriptors the driver may still fill (one kept empty: TAIL never lands on HEAD)."""
        return self.N - 1 - self.count

    # ------------------------------------------------------------------ open / close
    async def open(self, own_napi: bool = False) -> None:
        """ndo_open() of the TX queue: ring, registers, enable; with own_napi the queue takes
        its own interrupt (a bare nic_tx_dma), else the RX driver's NAPI polls it."""
        if await self.mmio.readl(regs.ID) != regs.TX_ID_VALUE:
            raise DeviceError("nic_tx_dma ID register mismatch")
        self.ring = self.hm.dma_alloc_coherent(self.N * regs.DESC_SIZE)
        if self.ring is None:
            raise MemoryError("dma_alloc_coherent for the TX ring failed")
        self.own_napi = own_napi
        await self._hw_init()
        self.nq.netdev_tx_reset_queue()
        self.nq.drv_xoff = False
        self.is_open = True
        if own_napi:
            await self.unmask()
        await self._cpu()

    async def _hw_init(self) -> None:
        m = self.mmio
        await m.writel(0, regs.CTRL)
        await m.writel(self.ring.dma_handle & MASK32, regs.RING_BASE_LO)
        await m.writel(self.ring.dma_handle >> 32, regs.RING_BASE_HI)
        await m.writel(self.N, regs.RING_SIZE)
        await m.writel(self.itr, regs.ITR)
        await m.writel(regs.TX_ICR_ALL, regs.ICR)
        self._icr_seen = 0
        self.ntu = self.ntc = self.count = self.pending = 0
        await self.update_hw_stats()
        await m.writel(regs.CTRL_EN, regs.CTRL)
        status = await m.readl(regs.STATUS)
        if status & regs.STATUS_HALTED:
            raise DeviceError(f"TX queue halted at enable, STATUS={status:#x}")

    async def _stop_hw(self) -> None:
        """Clear EN and wait for RUNNING = 0: the device reads and writes nothing more."""
        await self.mmio.writel(0, regs.CTRL)
        waited = 0.0
        while await self.mmio.readl(regs.STATUS) & regs.STATUS_RUNNING:
            if waited >= self.stop_timeout_ns:
                raise DeviceError("TX RUNNING did not drop after EN was cleared")
            await self.env.sleep_ns(self.poll_ns)
            waited += self.poll_ns

    async def close(self) -> None:
        """ndo_stop() of the TX queue: stop the stack's queue, mask, stop the device (frames
        being read finish), reclaim what completed, free what did not (dropped,
        tx_ring_discard), reset BQL, check that no TX buffer is left (TxBufferLeak), free the
        ring."""
        self._closing = True
        self.nq.netif_tx_stop_queue()
        await self.mmio.writel(0, regs.IMS)
        while self.napi_scheduled:
            await self.env.sleep_ns(self.poll_ns)
        await self._stop_hw()
        self.tx_done(0, napi=False)
        self._free_pending()
        self.nq.netdev_tx_reset_queue()
        self.hm.check_tx_leaks("ndo_stop")
        await self.update_hw_stats()
        await self.mmio.writel(regs.TX_ICR_ALL, regs.ICR)
        self.mmio.detach()
        self.hm.dma_free_coherent(self.ring)
        self.ring = None
        self.is_open = False
        self._closing = False
        while self.qdisc.q:                     # the qdisc is purged (dev_deactivate)
            self.qdisc.drops += 1
            self.skbs.kfree_skb(self.qdisc.q.popleft())
        await self._cpu()

    def _free_pending(self) -> None:
        """Free the buffers of descriptors the device never completed (the queue stopped):
        each frame is dropped, as mvneta_txq_done_force() does."""
        while self.count:
            self._txq_bufs_free(1, napi=False, completed=False)
        self.ntu = self.ntc = self.pending = 0

    # ------------------------------------------------------------------ posting
    def _post(self, dma: int, length: int, eop: bool, buf: TxBuf) -> None:
        i = self.ntu
        self.ring.write(self._desc_off(i), contract.desc(dma, length, eop))
        self.bufs[i] = buf
        self.ntu = (i + 1) % self.N
        self.count += 1
        self.pending += 1

    async def ring_doorbell(self) -> None:
        """wmb(); writel(next_to_use, TAIL): hand the posted descriptors to the device."""
        if not self.pending:
            return
        self.pending = 0
        self.stats.tx_doorbell += 1
        await self.mmio.writel(self.ntu, regs.TAIL)

    async def ndo_start_xmit(self, skb: SkBuff, xmit_more: bool = False) -> int:
        """mvneta_tx(): map the linear part (dma_map_single) and each fragment
        (skb_frag_dma_map) DMA_TO_DEVICE, post one descriptor per buffer (EOP on the last,
        the skb on the last), BQL, stop the queue when a max-fragment frame would no longer
        fit, ring the doorbell unless xmit_more says more follow."""
        hm = self.hm
        st = self.stats
        nfrags = len(skb.frags) + 1
        if not self.is_open or self._closing:
            return NETDEV_TX_BUSY
        if nfrags > self.free_descs:
            st.tx_busy += 1
            self.nq.netif_tx_stop_queue()
            return NETDEV_TX_BUSY
        head = skb.head_page
        start = skb.head_off + skb.data
        pieces = [(head, start, skb.headlen, True)] + \
            [(fr.page, fr.offset, fr.size, False) for fr in skb.frags]
        mapped = []
        for page, off, size, single in pieces:
            dma = hm.dma_map_single(page, off, size, DMA_TO_DEVICE) if single else \
                hm.skb_frag_dma_map(page, off, size, DMA_TO_DEVICE)
            if hm.dma_mapping_error(dma):
                for d, n, sgl in mapped:
                    if sgl:
                        hm.dma_unmap_single(d, n, DMA_TO_DEVICE)
                    else:
                        hm.dma_unmap_page(d, n, DMA_TO_DEVICE)
                st.tx_map_fail += 1
                st.tx_dropped += 1
                self.skbs.kfree_skb(skb)
                return NETDEV_TX_OK
            mapped.append((dma, size, single))
        for k, (dma, size, single) in enumerate(mapped):
            last = k == len(mapped) - 1
            self._post(dma, size, last, TxBuf(TYPE_SKB, dma, size, skb if last else None,
                                              single=single))
        st.tx_packets += 1
        st.tx_bytes += skb.len
        st.tx_multi_desc += nfrags > 1
        st.tx_desc_max = max(st.tx_desc_max, nfrags)
        ring = self.nq.sent_queue(skb.len, xmit_more)
        if self.count >= self.tx_stop_threshold:
            self.nq.netif_tx_stop_queue()
        if ring or self.nq.netif_xmit_stopped():
            await self.ring_doorbell()
        else:
            st.tx_xmit_more += 1
        await self._cpu()
        return NETDEV_TX_OK

    # ------------------------------------------------------------------ XDP transmit
    def _xdp_tx_sync_for_device(self, xdpf: XdpFrame, dma: int, length: int) -> None:
        """XDP_TX: dma_sync_single_for_device() over the frame, DMA_BIDIRECTIONAL (the pool's
        mapping): the bytes the program may have rewritten go to the device."""
        self.hm.dma_sync_single_for_device(dma, length, DMA_BIDIRECTIONAL)

    def xdp_submit_frame(self, xdpf: XdpFrame, dma_map: bool) -> bool:
        """mvneta_xdp_submit_frame(): one descriptor per buffer of the frame. dma_map
        (ndo_xdp_xmit): dma_map_single DMA_TO_DEVICE; else (XDP_TX) the page_pool's mapping
        and a sync for the device. False when the ring has no room (the caller frees it).
        Each descriptor written charges `xdp_submit_frame` (costs.json)."""
        hm = self.hm
        bufs = [(xdpf.page, xdpf.data, xdpf.len)] + list(xdpf.frags)
        if self.count + len(bufs) >= self.N - 1:
            return False
        plan = []
        for page, off, size in bufs:
            if dma_map:
                dma = hm.dma_map_single(page, off, size, DMA_TO_DEVICE)
                if hm.dma_mapping_error(dma):
                    for d, n in plan:
                        hm.dma_unmap_single(d, n, DMA_TO_DEVICE)
                    return False
            else:
                dma = page.dma_addr + off
                self._xdp_tx_sync_for_device(xdpf, dma, size)
            plan.append((dma, size))
        kind = TYPE_XDP_NDO if dma_map else TYPE_XDP_TX
        for k, (dma, size) in enumerate(plan):
            hm.meter.charge("xdp_submit_frame")          # the descriptor and its tx_buf
            self._post(dma, size, k == len(plan) - 1,
                       TxBuf(kind, dma, size, xdpf=xdpf if k == 0 else None))
        return True

    def xdp_xmit_back(self, xdpf: XdpFrame) -> bool:
        """mvneta_xdp_xmit_back(): XDP_TX of a converted frame; the caller rings the doorbell
        after the frame (mvneta_txq_pend_desc_add per frame). False: no room, counted in
        tx_xdp_tx_err, the caller recycles the page."""
        if not self.is_open or self._closing or not self.xdp_submit_frame(xdpf, False):
            self.stats.tx_xdp_tx_err += 1
            return False
        self.stats.tx_xdp_tx += 1
        return True

    def ndo_xdp_xmit(self, frames: List[XdpFrame], flags: int) -> int:
        """mvneta_xdp_xmit(): submit each frame mapped (dma_map_single); returns how many were
        taken (the rest the caller frees). For XDP_XMIT_FLUSH the caller then awaits
        ring_doorbell() (the register write is the one thing here that takes bus time)."""
        sent = 0
        for xdpf in frames:
            if not self.is_open or self._closing or not self.xdp_submit_frame(xdpf, True):
                break
            sent += 1
        self.stats.tx_xdp_xmit += sent
        self.stats.tx_xdp_xmit_err += len(frames) - sent
        return sent

    # ------------------------------------------------------------------ completion
    def _tx_done_count(self) -> int:
        """Descriptors done at next_to_clean: the run of consecutive ones with DD."""
        n = 0
        i = self.ntc
        while n < self.count:
            if not self.ring.read(self._desc_off(i) + regs.TXD_STATUS_BYTE, 1)[0] & \
                    regs.TXD_STA_DD:
                break
            n += 1
            i = (i + 1) % self.N
        return n

    def idle(self) -> bool:
        """Nothing to send or complete: no descriptor in flight, none posted without the
        doorbell, nothing queued on the qdisc."""
        return self.count == 0 and not self.qdisc.q and not self.pending

    def tx_pending(self) -> bool:
        """A completed descriptor waits at next_to_clean."""
        return bool(self.ring is not None and self.count and self._tx_done_count())

    def tx_done(self, budget: int, napi: bool = True) -> int:
        """mvneta_txq_done(): free the completed descriptors' buffers, wake the queue when
        enough room is back. Returns the descriptors freed."""
        if self.ring is None or not self.count:
            return 0
        n = self._tx_done_count()
        if n:
            self._txq_bufs_free(n, napi, completed=True)
        if self.nq.netif_tx_queue_stopped() and self.count <= self.tx_wake_threshold \
                and not self._closing:
            self.nq.netif_tx_wake_queue()
        return n

    def _xdp_return(self, buf: TxBuf, napi: bool, bq: XdpFrameBulk) -> None:
        """An XDP_TX frame back to its pool from the queue's NAPI with direct recycling
        (xdp_return_frame_rx_napi); outside NAPI, and for ndo_xdp_xmit frames, in bulk."""
        if napi and buf.type == TYPE_XDP_TX:
            self.stats.tx_xdp_returned_napi += 1
            xdp_return_frame_rx_napi(buf.xdpf)
        else:
            self.stats.tx_xdp_returned_bulk += 1
            xdp_return_frame_bulk(buf.xdpf, bq)

    def _txq_bufs_free(self, num: int, napi: bool, completed: bool) -> None:
        """mvneta_txq_bufs_free(): unmap every buffer the driver mapped (not XDP_TX: that page
        stays mapped by its pool), consume the skbs (napi_consume_skb), return the xdp_frames;
        then netdev_tx_completed_queue() with the skbs' bytes. Each XDP descriptor reclaimed
        charges `txq_bufs_free` (costs.json; the skb descriptors of ndo_start_xmit charge
        only their unmap and the skb's free)."""
        hm = self.hm
        bq = XdpFrameBulk()
        pkts = nbytes = 0
        for _ in range(num):
            i = self.ntc
            buf = self.bufs[i]
            self.bufs[i] = None
            self.ntc = (i + 1) % self.N
            self.count -= 1
            if buf is None:
                continue
            if buf.type != TYPE_SKB:
                hm.meter.charge("txq_bufs_free")         # an XDP descriptor reclaimed
            if buf.type != TYPE_XDP_TX:
                if buf.single:
                    hm.dma_unmap_single(buf.dma, buf.len, DMA_TO_DEVICE)
                else:
                    hm.dma_unmap_page(buf.dma, buf.len, DMA_TO_DEVICE)
            if buf.type == TYPE_SKB and buf.skb is not None:
                if completed:
                    pkts += 1
                    nbytes += buf.skb.len
                    self.skbs.napi_consume_skb(buf.skb, self.budget if napi else 0)
                else:
                    self.stats.tx_dropped += 1
                    self.stats.tx_ring_discard += 1
                    self.skbs.kfree_skb(buf.skb)
            elif buf.xdpf is not None:
                if not completed:
                    self.stats.tx_ring_discard += 1
                    self.stats.tx_xdp_discard += 1
                self._xdp_return(buf, napi, bq)
        xdp_flush_frame_bulk(bq)
        if completed:
            self.stats.tx_completed += pkts
            self.stats.tx_completed_bytes += nbytes
            self.nq.netdev_tx_completed_queue(pkts, nbytes)

    # ------------------------------------------------------------------ interrupts
    async def mask(self) -> None:
        """IMS = 0."""
        await self.mmio.writel(0, regs.IMS)

    async def unmask(self) -> None:
        """IMS = TXDW | ERR."""
        await self.mmio.writel(self.ims_mask, regs.IMS)

    async def read_causes(self) -> int:
        """Note ICR's causes (the hard interrupt)."""
        icr = await self.mmio.readl(regs.ICR)
        self._icr_seen |= icr
        return icr

    async def ack_causes(self) -> int:
        """Read ICR, clear (W1C) the causes found, count each; returns them."""
        icr = await self.mmio.readl(regs.ICR)
        if icr:
            await self.mmio.writel(icr, regs.ICR)
        self.stats.irq_txdw += bool(icr & regs.ICR_TXDW)
        self.stats.irq_err += bool(icr & regs.ICR_ERR)
        self._icr_seen |= icr & regs.ICR_ERR
        return icr

    @property
    def halted_seen(self) -> bool:
        return bool(self._icr_seen & regs.ICR_ERR)

    async def irq_handler(self) -> None:
        """The hard interrupt of a bare TX block (own NAPI): mask, note ICR, schedule NAPI."""
        self.stats.irq += 1
        if not self.is_open or self._closing or self.napi_scheduled:
            return
        self.napi_scheduled = True
        await self.mask()
        await self.read_causes()
        self.env.spawn(self._napi_run(), name="tx_napi")

    async def _napi_run(self) -> None:
        """The queue's own NAPI: complete, recover a halt, ack, unmask when nothing is left."""
        try:
            while True:
                self.stats.napi_poll += 1
                if self.halted_seen and not self._closing:
                    await self.recover()
                with self.hm.softirq():
                    done = self.tx_done(self.budget, napi=True)
                await self._cpu()
                if done:
                    continue
                await self.ack_causes()
                if self._closing:
                    return
                if self.halted_seen or self.tx_pending():
                    continue
                self.napi_scheduled = False
                await self.unmask()
                return
        finally:
            self.napi_scheduled = False

    # ------------------------------------------------------------------ halt recovery
    async def recover(self) -> None:
        """After ICR.ERR: reclaim what completed, stop, free the rest (dropped), reset BQL,
        re-init the ring and enable again; the stack's queue is woken."""
        self._icr_seen &= ~regs.ICR_ERR
        status = await self.mmio.readl(regs.STATUS)
        if not status & regs.STATUS_HALTED:
            return
        self.stats.tx_halts += 1
        entry = {"t_ns": self.env.now_ns, "err_code": (status & regs.STATUS_ERR_MASK)
                 >> regs.STATUS_ERR_SHIFT, "recovered_ns": None}
        self.halt_log.append(entry)
        with self.hm.softirq():
            self.tx_done(0, napi=True)
        await self._stop_hw()
        self._free_pending()
        self.nq.netdev_tx_reset_queue()
        self.ring.write(0, bytes(self.N * regs.DESC_SIZE))
        await self._hw_init()
        self.stats.tx_recoveries += 1
        entry["recovered_ns"] = self.env.now_ns
        self.nq.netif_tx_wake_queue()

    # ------------------------------------------------------------------ statistics
    async def update_hw_stats(self) -> dict:
        """Read the device's counters; fold each one's change into hw_totals (32-bit deltas)."""
        hw = {name: await self.mmio.readl(off) for name, off in regs.TX_STAT_REGS.items()}
        lo = await self.mmio.readl(regs.STAT_BYTES_LO)
        hw["bytes"] = ((await self.mmio.readl(regs.STAT_BYTES_HI)) << 32) | lo
        last = self._hw_raw if self._hw_raw is not None else hw
        for name in regs.TX_STAT_REGS:
            self.hw_totals[name] += (hw[name] - last[name]) & MASK32
        self._hw_raw = hw
        return hw

    def snapshot(self) -> dict:
        """The TX counters, BQL state and device counters as last read."""
        dql = self.nq.dql
        return {
            "ring_size": self.N,
            "driver": {f.name: getattr(self.stats, f.name) for f in fields(self.stats)},
            "bql": {"limit": dql.limit, "num_queued": dql.num_queued,
                    "num_completed": dql.num_completed, "stack_xoff": self.nq.bql_stops,
                    "stack_wake": self.nq.bql_wakes},
            "queue": {"stops": self.nq.stops, "wakes": self.nq.wakes,
                      "stopped": self.nq.netif_xmit_stopped()},
            "qdisc": {"backlog": len(self.qdisc.q), "drops": self.qdisc.drops,
                      "requeues": self.qdisc.requeues},
            "device": dict(self._hw_raw or {}),
            "device_totals": dict(self.hw_totals),
            "halt_log": [dict(h) for h in self.halt_log],
            "in_flight": self.count,
        }
