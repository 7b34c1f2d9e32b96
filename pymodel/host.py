"""The host side of one RX queue, built in one place for every run.

`Host` builds what a run puts behind the device: HostMemory (CPU profile, strict or permissive
checker, coherent or not, IOMMU), the skb layer, the network stack that holds and frees each
skb, the scoreboard that checks every frame delivered, the RX driver (always through
`pymodel.sabotage.rx_driver`, so a named bug is built the same way everywhere) and the
level-triggered interrupt service that calls the driver's hard interrupt handler.

The device is whatever the driver's register bus reaches: the reference NIC in pure-Python
runs (pymodel.system.RefSystem), the RTL in the co-simulation (tb/cosim). Each device side
gives the interrupt service its irq line through the small `IrqLine` interface and reports
the line's rising edges to `IrqService.raised()`.

The MAC-error rule (which frames the MAC flags with tuser, each one a drop the scoreboard
expects) lives here too. Pure Python, like all of pymodel: no simulator import.
"""
from __future__ import annotations

from typing import Awaitable, Callable, Optional, Protocol

from .costs import get_profile
from .dma import HostMemory
from .driver import RxDriver
from .sabotage import rx_driver
from .skb import SkbLayer
from .stack import HoldTime, Stack
from .traffic import Scoreboard

IRQ_TASK = "irq_handler"      # the name of the interrupt service's task (and of its failures)


def mac_error(k: int, every: int) -> bool:
    """The MAC-error rule: with `every` = n > 0, frames n-1, 2n-1, 3n-1, ... (counting the
    first frame sent as 0), every n-th frame, carry tuser (a bad FCS); with 0, none does."""
    return every > 0 and k % every == every - 1


class IrqLine(Protocol):
    """A device's irq output as the interrupt service sees it. The device side also calls
    `IrqService.raised()` whenever the line goes high."""

    def high(self) -> bool:
        """The line's level now."""
        ...

    def clock(self) -> Awaitable:
        """An awaitable that ends one device clock later."""
        ...


class IrqService:
    """The kernel's handle_level_irq() for one line: when the line rises the handler runs;
    one device clock after it returns the controller looks at the line again, and a line
    still high runs the handler again. It stops when it finds the line low, until the line
    next rises. A rise while the handler runs needs nothing more: the line is a level, and
    the look after the handler sees it."""

    def __init__(self, env, line: IrqLine, handler: Callable[[], Awaitable]) -> None:
        self.env = env
        self.line = line
        self.handler = handler
        self.active = False
        self.calls = 0             # handler runs

    def raised(self) -> None:
        """The line went high: serve it unless it is being served."""
        if not self.active:
            self.active = True
            self.env.spawn(self._serve(), name=IRQ_TASK)

    async def _serve(self) -> None:
        try:
            while True:
                self.calls += 1
                await self.handler()
                await self.line.clock()
                if not self.line.high():
                    break
        finally:
            self.active = False


class Host:
    """Host memory, skb layer, stack and scoreboard of one RX queue; `attach()` adds the
    driver on a register bus, `serve_irq()` the interrupt service on an irq line.

    profile, strict, coherent, iommu, seed: HostMemory's (coherent None: the profile's;
    iommu "profile": the profile's, None: off, or "strict" / "lazy"). hold: how long the
    stack holds each skb (default: freed at once); mangle: the stack's reader writes into
    each frame it reads. scoreboard: the one to check frames with (default: pymodel's
    Scoreboard of self-describing frames, seeded with `seed`). mem_pages: the host's memory
    in 4 KiB pages (the MEM_PAGES option; 0 or None: unlimited): past it the page allocator
    fails as a real one does, and the driver's refill counts rx_alloc_fail and retries.
    """

    def __init__(self, env, *, profile: str = "cortex-a53", strict: bool = True,
                 coherent: Optional[bool] = None, iommu: Optional[str] = "profile",
                 seed: int = 0, hold: Optional[HoldTime] = None, mangle: bool = False,
                 scoreboard=None, mem_pages: Optional[int] = None) -> None:
        if mem_pages is not None and mem_pages < 0:
            raise ValueError(f"mem_pages {mem_pages}: use a number of pages >= 0 (0: unlimited)")
        self.env = env
        self.seed = seed
        self.hm = HostMemory(get_profile(profile), strict=strict, coherent=coherent,
                             iommu=iommu, now_ns=lambda: env.now_ns, seed=seed)
        self.hm.alloc.mem_pages = mem_pages or None
        self.scoreboard = scoreboard if scoreboard is not None else Scoreboard(seed=seed)
        self.skbs = SkbLayer(self.hm)
        self.stack = Stack(env, self.skbs, hold or HoldTime("fixed", 0.0), self.scoreboard,
                           mangle=mangle)
        self.driver: Optional[RxDriver] = None
        self.irq: Optional[IrqService] = None

    def attach(self, bus, *, path: str = "page_pool", ring_size: int = 256,
               bug: Optional[str] = None, **driver_kw) -> RxDriver:
        """Build the RX driver on the device's register bus (the clean driver, or with `bug`
        one that commits it); driver_kw go to RxDriver (itr, rdmt, xdp, ...)."""
        self.driver = rx_driver(self.hm, bus, self.env, bug=bug, path=path,
                                ring_size=ring_size, stack=self.stack, **driver_kw)
        return self.driver

    def serve_irq(self, line: IrqLine) -> IrqService:
        """The level-triggered interrupt service of `line`, running the driver's handler (the
        driver `self.driver` is when the line rises). The device side reports each rise to
        the returned service's raised()."""
        self.irq = IrqService(self.env, line, lambda: self.driver.irq_handler())
        return self.irq

    def mac_error(self, k: int, every: int) -> bool:
        """Whether the k-th frame sent (from 0) carries tuser under `mac_error`; a flagged
        frame is one more drop the scoreboard expects."""
        bad = mac_error(k, every)
        if bad:
            self.scoreboard.expected_drops += 1
        return bad
