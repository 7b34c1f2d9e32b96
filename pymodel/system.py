"""Pure-Python runs: the host of pymodel.host on the reference NIC, with a paced MAC."""
from __future__ import annotations

from typing import Optional, Union

from .disrupt import Disruptor, DisruptSpec
from .host import Host
from .refnic import RefNic
from .sim import Env
from .stack import HoldTime
from .traffic import SizeMix, wire_ns


class NicIrqLine:
    """The reference NIC's irq as the host's interrupt service sees it: the level is
    `nic.irq`, a device clock is `nic.clk_ns`, and the NIC's on_irq callback reports a rise."""

    def __init__(self, nic: RefNic, env: Env) -> None:
        self.nic = nic
        self.env = env

    def high(self) -> bool:
        return self.nic.irq

    def clock(self):
        return self.env.sleep_ns(self.nic.clk_ns)


class RefSystem:
    """One RX queue end to end on the reference NIC; the co-sim replaces RefNic with the RTL.

    The host (memory, skb layer, stack, scoreboard, driver, interrupt service) is
    pymodel.host.Host's; `hm`, `skbs`, `stack`, `scoreboard` and `driver` are its.
    mem_pages: the host memory limit in pages (0 or None: unlimited).
    """

    def __init__(self, *, path: str = "page_pool", profile: str = "cortex-a53",
                 strict: bool = True, ring_size: int = 256, hold: Optional[HoldTime] = None,
                 bug: Optional[str] = None, seed: int = 0, coherent: Optional[bool] = None,
                 iommu: Optional[str] = "profile", mangle: bool = False,
                 mem_pages: Optional[int] = None, **driver_kw) -> None:
        self.env = Env()
        self.host = Host(self.env, profile=profile, strict=strict, coherent=coherent,
                         iommu=iommu, seed=seed, hold=hold, mangle=mangle, mem_pages=mem_pages)
        self.nic = RefNic(self.hm, self.env)
        self.host.attach(self.nic, path=path, ring_size=ring_size, bug=bug, **driver_kw)
        self.nic.on_irq = self.host.serve_irq(NicIrqLine(self.nic, self.env)).raised
        self.seed = seed
        self.mac_sent = 0

    @property
    def hm(self):
        return self.host.hm

    @property
    def skbs(self):
        return self.host.skbs

    @property
    def stack(self):
        return self.host.stack

    @property
    def scoreboard(self):
        return self.host.scoreboard

    @property
    def driver(self):
        return self.host.driver

    @driver.setter
    def driver(self, drv) -> None:
        self.host.driver = drv

    def open(self) -> None:
        """Run driver.open() to completion."""
        self.env.run_until_complete(self.driver.open())

    def close(self) -> None:
        """Run driver.close() to completion."""
        self.env.run_until_complete(self.driver.close())

    def disrupt(self, spec: Union[str, DisruptSpec], seed: Optional[int] = None,
                **kw) -> Disruptor:
        """Start a Disruptor (pymodel.disrupt) on this system's driver; seed defaults to the
        system's. Stop it with `settle()` before closing the interface for good."""
        return Disruptor(self.env, self.host, spec, self.seed if seed is None else seed,
                         **kw).start()

    def settle(self, disruptor: Disruptor) -> None:
        """Stop the disruptor and run until no disruption is in progress."""
        self.env.run_until_complete(disruptor.settle())

    async def mac(self, n: int, sizes: Optional[SizeMix] = None, gbps: float = 1.0,
                  mac_err_every: int = 0, gap_ns: float = 0.0) -> None:
        """Send n frames back to back at gbps (plus gap_ns), every k-th flagged with tuser."""
        sizes = sizes or SizeMix(seed=self.seed + 1)
        for k in range(n):
            length = sizes.draw()
            frame = self.scoreboard.frame(length)
            bad = self.host.mac_error(k, mac_err_every)
            await self.env.sleep_ns(wire_ns(len(frame), gbps) + gap_ns)
            self.nic.mac_rx(frame, tuser=bad)
            self.mac_sent += 1

    def run_traffic(self, n: int, drain_ns: float = 5e6, **kw) -> None:
        """Send n frames and run until they are all consumed (or drain_ns after the last)."""
        task = self.env.spawn(self.mac(n, **kw), name="mac")
        self.env.run(until=lambda: task.done)
        limit = self.env.now_ns + drain_ns
        self.env.run(until_ns=limit, until=lambda: self.stack.stats.held == 0
                     and not self.driver.napi_scheduled and not self.driver.rx_pending())
        self.env.run(until_ns=self.env.now_ns + 1e5)   # let moderation timers and holds settle

    def snapshot(self) -> dict:
        """driver.snapshot() run to completion."""
        return self.env.run_until_complete(self.driver.snapshot())
