"""`Rx`: ring + scoreboard + a polling driver, the common frame of the data-path tests."""

import copy

import cocotb

from . import refmodel as rm
from . import regs
from .ring import AreaAllocator, Ring
from .scoreboard import Scoreboard


class Rx:
    def __init__(self, tb, ring_size=256, min_len=2048, max_len=2048, max_off=0, alloc=None,
                 ring_base=None, gap=16):
        self.tb = tb
        alloc = alloc or AreaAllocator(tb, ring_size, tb.rng, min_len, max_len, max_off, gap)
        self.ring = Ring(tb, ring_size, base=ring_base, buf_alloc=alloc)
        self.sb = Scoreboard(tb, tb.cfg)
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
            if v == self.tb.mon.desc_fetched % 2**32:
                return
        self.tb.error(f"STAT_DESC_FETCHED={v}, monitor saw {self.tb.mon.desc_fetched} descriptors "
                      f"read with OKAY")
