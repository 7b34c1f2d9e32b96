"""Wiring for pure-Python runs: env + host memory + reference NIC + driver + stack + traffic."""
from __future__ import annotations

from typing import Optional

from .costs import get_profile
from .dma import HostMemory
from .driver import RxDriver
from .refnic import RefNic
from .sim import Env
from .skb import SkbLayer
from .stack import HoldTime, Stack
from .traffic import Scoreboard, SizeMix, wire_ns


class RefSystem:
    """One RX queue end to end on the reference NIC; the co-sim replaces RefNic with the RTL."""

    def __init__(self, *, path: str = "page_pool", profile: str = "cortex-a53",
                 strict: bool = True, ring_size: int = 256, hold: Optional[HoldTime] = None,
                 bug: Optional[str] = None, seed: int = 0, coherent: Optional[bool] = None,
                 iommu: Optional[str] = "profile", mangle: bool = False, **driver_kw) -> None:
        self.env = Env()
        self.hm = HostMemory(get_profile(profile), strict=strict, coherent=coherent, iommu=iommu,
                             now_ns=lambda: self.env.now_ns, seed=seed)
        self.nic = RefNic(self.hm, self.env, on_irq=self._irq)
        self.scoreboard = Scoreboard(seed=seed)
        self.skbs = SkbLayer(self.hm)
        self.stack = Stack(self.env, self.skbs, hold or HoldTime("fixed", 0.0),
                           self.scoreboard, mangle=mangle)
        self.driver = RxDriver(self.hm, self.nic, self.env, path=path, ring_size=ring_size,
                               stack=self.stack, bug=bug, **driver_kw)
        self.seed = seed
        self.mac_sent = 0
        self._irq_busy = False

    def _irq(self) -> None:
        """The line rose: a level-triggered controller serves it until it is low."""
        if not self._irq_busy:
            self._irq_busy = True
            self.env.spawn(self._irq_line(), name="irq")

    async def _irq_line(self) -> None:
        """handle_level_irq(): run the handler; one device clock after it returns, a line
        still high runs it again."""
        while True:
            await self.driver.irq_handler()
            await self.env.sleep_ns(self.nic.clk_ns)
            if not self.nic.irq:
                break
        self._irq_busy = False

    def open(self) -> None:
        """Run driver.open() to completion."""
        self.env.run_until_complete(self.driver.open())

    def close(self) -> None:
        """Run driver.close() to completion."""
        self.env.run_until_complete(self.driver.close())

    async def mac(self, n: int, sizes: Optional[SizeMix] = None, gbps: float = 1.0,
                  mac_err_every: int = 0, gap_ns: float = 0.0) -> None:
        """Send n frames back to back at gbps (plus gap_ns), every k-th flagged with tuser."""
        sizes = sizes or SizeMix(seed=self.seed + 1)
        for k in range(n):
            length = sizes.draw()
            frame = self.scoreboard.frame(length)
            bad = bool(mac_err_every) and k % mac_err_every == mac_err_every - 1
            if bad:
                self.scoreboard.expected_drops += 1
            await self.env.sleep_ns(wire_ns(len(frame), gbps) + gap_ns)
            self.nic.mac_rx(frame, tuser=bad)
            self.mac_sent += 1

    def run_traffic(self, n: int, drain_ns: float = 5e6, **kw) -> None:
        """Send n frames and run until they are all consumed (or drain_ns after the last)."""
        task = self.env.spawn(self.mac(n, **kw), name="mac")
        self.env.run(until=lambda: task.done)
        limit = self.env.now_ns + drain_ns
        self.env.run(until_ns=limit, until=lambda: self.stack.stats.held == 0
                     and not self.driver.napi_scheduled and not self._ring_has_work())
        self.env.run(until_ns=self.env.now_ns + 1e5)   # let moderation timers and holds settle

    def _ring_has_work(self) -> bool:
        return self.driver.rx_pending()

    def snapshot(self) -> dict:
        """driver.snapshot() run to completion."""
        return self.env.run_until_complete(self.driver.snapshot())
