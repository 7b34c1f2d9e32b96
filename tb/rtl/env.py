"""`Rx`: ring + scoreboard + a polling driver, the common frame of the data-path tests."""

import copy

import cocotb

from pymodel import regs
from pymodel import rx_contract as contract
from tb.rtl import expect as rm
from tb.rtl.ring import AreaAllocator, Ring
from tb.rtl.scoreboard import RingScoreboard


class Rx:
    def __init__(self, tb, ring_size=256, min_len=2048, max_len=2048, max_off=0, alloc=None,
                 ring_base=None, gap=16):
        self.tb = tb
        alloc = alloc or AreaAllocator(tb, ring_size, tb.rng, min_len, max_len, max_off, gap)
        self.ring = Ring(tb, ring_size, base=ring_base, buf_alloc=alloc)
        self.sb = RingScoreboard(tb, tb.cfg)
        self.seq = 0
        self._poll_task = None
        self._poll_stop = False
        self.polls = 0

    async def start(self, give=True, **kw):
        await self.tb.setup_ring(self.ring, **kw)
        if give:
            await self.ring.give()

    async def send(self, frame, allowed=None, running=True, wait=False):
        """Queue a frame and tell the scoreboard which outcomes the contract allows."""
        frame.seq = self.seq
        self.seq += 1
        cfg = copy.copy(self.tb.cfg)
        if allowed is None:
            allowed = rm.ingress(frame, cfg, running)
        self.sb.send(frame, allowed, cfg)
        await self.tb.send(frame, wait)

    async def reap(self, give=True):
        n = await self.ring.reap(self.sb)
        if give:
            await self.ring.give()
        self.tb.check()
        return n

    async def check_halt(self, faults, code, head=None, n_errors=None):
        """The queue halted with ERR_CODE `code`: ICR.ERR and irq (IMS.ERR set), STAT_AXI_ERR
        equal to the monitor's failed transactions (and to `n_errors` when given), HEAD stays
        (at `head` when given), frames arriving are dropped and nothing more is written; every
        frame HEAD did not pass is counted lost and memory outside owned buffers is untouched."""
        tb = self.tb
        await tb.wait_status(0xF3, regs.STATUS_HALTED | (code << 4))
        await tb.cycles(3)
        if int(tb.dut.irq.value) != 1:
            tb.error("halt: irq low with IMS.ERR")
        if not (await tb.read(regs.ICR)) & regs.ICR_ERR:
            tb.error("halt: ICR.ERR not set")
        v = await tb.read(regs.STAT_AXI_ERR)
        want = tb.mon.err_transactions if n_errors is None else n_errors
        if v != want or tb.mon.err_transactions != want or v < 1:
            tb.error(f"STAT_AXI_ERR={v}, the monitor saw {tb.mon.err_transactions} failed "
                     f"transactions" + ("" if n_errors is None else f", expected {n_errors}"))
        if not faults.fired:
            tb.error("the injected fault never fired")
        if head is None:
            head = await tb.read(regs.HEAD)
            await tb.cycles(200)
        writes = tb.mem.writes
        for n in (64, 300):
            await self.send(tb.make_frame(n), allowed={rm.DROP_FIFO})
        await tb.source.wait()
        await tb.cycles(300)
        if tb.mem.writes != writes:
            tb.error(f"halted queue wrote {tb.mem.writes - writes} more times to host memory")
        if (h := await tb.read(regs.HEAD)) != head:
            tb.error(f"HEAD={h} after the halt, expected {head}")
        await self.ring.reap(self.sb)
        st = await tb.stats()
        self.sb.drain_pending()
        self.sb.check_counters(st)
        tb.check_memory(self.ring)
        tb.check()

    async def recover(self, faults, **kw):
        """The driver's recovery: clear EN, wait for RUNNING to drop, reclaim every
        descriptor, clear ICR and enable again; the queue runs with HALTED and ERR_CODE clear."""
        tb = self.tb
        await tb.write(regs.CTRL, 0)
        await tb.wait_status(regs.STATUS_RUNNING, 0)
        faults.disarm()
        faults.fired.clear()
        self.ring.reclaim_all()
        tb.mon.rearm()
        await tb.write(regs.ICR, 0xF)
        await self.start(**kw)
        if (s := await tb.read(regs.STATUS)) != regs.STATUS_RUNNING:
            tb.error(f"after recovery STATUS={s:#x}, expected RUNNING with HALTED and "
                     f"ERR_CODE clear")

    async def wait_head(self, head, timeout=50000):
        for _ in range(timeout // 16):
            if await self.tb.read(regs.HEAD) == head:
                return
            await self.tb.cycles(8)
        self.tb.error(f"HEAD never reached {head}")
        self.tb.check()

    def start_poller(self, period=150):
        async def _poll():
            while not self._poll_stop:
                await self.tb.cycles(period)
                await self.reap()
                self.polls += 1
        self._poll_stop = False
        self._poll_task = cocotb.start_soon(_poll())

    async def stop_poller(self):
        if self._poll_task is not None:
            self._poll_stop = True
            await self._poll_task
            self._poll_task = None

    async def finish(self, name, exact=None, extra=None):
        """Drain, account for every frame, compare counters, scan memory, write the stats."""
        tb = self.tb
        await self.stop_poller()
        await tb.source.wait()
        st = await tb.drain(self.ring, self.sb, self.sb.sent)
        self.sb.drain_pending()
        self.sb.check_counters(st, exact)
        await self.check_fetched()
        tb.check_memory(self.ring)
        tb.check()
        await tb.finish(name, frames=self.sb.sent, extra=dict(delivered=self.sb.delivered, **(extra or {})))
        return st

    async def check_fetched(self):
        """STAT_DESC_FETCHED equals the descriptors the monitor saw read (once reads settle)."""
        for _ in range(20):
            await self.tb.cycles(100)
            v = await self.tb.read(regs.STAT_DESC_FETCHED)
            if v == contract.wrap(self.tb.mon.desc_fetched):
                return
        self.tb.error(f"STAT_DESC_FETCHED={v}, monitor saw {self.tb.mon.desc_fetched} descriptors "
                      f"read with OKAY")
