"""Driver-level disruption at random times mid-traffic, the way an administrator disrupts a
running interface: close and reopen it (`ip link set down` / `up`: ndo_stop, ndo_open) and
change its ring size (`ethtool -G rx N`: the driver stops, frees the ring, reallocates it at
the new size and restarts).

Each close releases the queue's page_pool (page_pool_destroy(); pages the stack still holds
come back to it later and it is freed when the last one does) and each open creates a new
one. Frames that arrive while the interface is down are dropped by the device and counted in
its STAT_DROP_FIFO; frames the device completed on the ring that NAPI had not taken are
counted by the driver at the stop (rx_ring_discard). The device's counters survive disable
and enable, so delivered + drops = sent holds across every transition.

The spec (the DISRUPT option's text) is comma-separated KEY:VALUE items:

    close:MEAN_NS     close and reopen, at exponential intervals of mean MEAN_NS
    resize:MEAN_NS    change the ring size, at exponential intervals of mean MEAN_NS
    down:NS           how long a closed interface stays down (default 20000)
    rings:A/B/...     the ring sizes a resize picks from (default: a quarter to four times
                      the ring size at start, within 8 .. 4096)

At least one of close and resize. Intervals run from the end of one disruption to the
start of the next, so disruptions never overlap. Like the driver, this needs only
`env.now_ns`, `env.sleep_ns` and `env.spawn`, so RefSystem and the co-simulation both run it:

    d = Disruptor(env, host, "close:200000,resize:300000", seed).start()
    ...
    d.stop(); await d.settle()       # the interface is up again, nothing in progress
    d.stats.close, d.stats.resize, d.snapshot()
"""
from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from typing import Dict, Optional, Tuple, Union

from . import regs

KINDS = ("close", "resize")
DOWN_NS = 20_000.0                 # default time a closed interface stays down
RING_DEFAULT_MAX = 4096            # the largest ring a default resize picks


@dataclass(frozen=True)
class DisruptSpec:
    """What to disrupt and how often: mean spacings in ns (0: never)."""

    close_ns: float = 0.0
    resize_ns: float = 0.0
    down_ns: float = DOWN_NS
    rings: Tuple[int, ...] = ()     # empty: derived from the ring size at start

    def __str__(self) -> str:
        items = [f"{k}:{v:g}" for k, v in (("close", self.close_ns), ("resize", self.resize_ns))
                 if v]
        if self.down_ns != DOWN_NS:
            items.append(f"down:{self.down_ns:g}")
        if self.rings:
            items.append("rings:" + "/".join(str(n) for n in self.rings))
        return ",".join(items)


def _ns(text: str, key: str, spec: str, zero_ok: bool) -> float:
    try:
        ns = float(text)
    except ValueError:
        raise ValueError(f"disrupt {spec!r}: {key}:{text!r} is not a number of ns") from None
    if not math.isfinite(ns) or ns < 0 or (ns == 0 and not zero_ok):
        raise ValueError(f"disrupt {spec!r}: {key} needs a finite number of ns "
                         f"{'>= 0' if zero_ok else '> 0'}, got {text!r}")
    return ns


def ring_size_ok(n: int) -> bool:
    """A ring size the device takes: a power of two in RING_SIZE_MIN .. RING_SIZE_MAX."""
    return regs.RING_SIZE_MIN <= n <= regs.RING_SIZE_MAX and n & (n - 1) == 0


def parse_spec(text: str) -> DisruptSpec:
    """The DISRUPT option's text -> DisruptSpec; a bad spec raises ValueError with a one-line
    reason."""
    spec = str(text).strip()
    vals: Dict[str, str] = {}
    for item in spec.split(","):
        key, colon, value = item.strip().partition(":")
        key, value = key.strip(), value.strip()
        if not item.strip():
            raise ValueError(f"disrupt {spec!r}: an empty item; use KEY:VALUE items with KEY one "
                             f"of close, resize, down, rings")
        if key not in KINDS + ("down", "rings") or not colon or not value:
            raise ValueError(f"disrupt {spec!r}: {item.strip()!r} is not KEY:VALUE with KEY one "
                             f"of close, resize, down, rings")
        if key in vals:
            raise ValueError(f"disrupt {spec!r}: {key} given twice")
        vals[key] = value
    close_ns = _ns(vals["close"], "close", spec, True) if "close" in vals else 0.0
    resize_ns = _ns(vals["resize"], "resize", spec, True) if "resize" in vals else 0.0
    if not close_ns and not resize_ns:
        raise ValueError(f"disrupt {spec!r}: give close:MEAN_NS or resize:MEAN_NS (> 0)")
    down_ns = _ns(vals["down"], "down", spec, True) if "down" in vals else DOWN_NS
    rings: Tuple[int, ...] = ()
    if "rings" in vals:
        try:
            rings = tuple(int(n) for n in vals["rings"].split("/"))
        except ValueError:
            raise ValueError(f"disrupt {spec!r}: rings:{vals['rings']!r} is not sizes "
                             f"separated by /") from None
        bad = [n for n in rings if not ring_size_ok(n)]
        if bad:
            raise ValueError(f"disrupt {spec!r}: ring size {bad[0]} is not a power of two in "
                             f"{regs.RING_SIZE_MIN} .. {regs.RING_SIZE_MAX}")
    return DisruptSpec(close_ns, resize_ns, down_ns, rings)


def default_rings(n: int) -> Tuple[int, ...]:
    """The ring sizes a resize picks from when the spec names none: the powers of two from a
    quarter to four times n, within RING_SIZE_MIN .. RING_DEFAULT_MAX (n itself included)."""
    lo = max(regs.RING_SIZE_MIN, n // 4)
    hi = max(min(RING_DEFAULT_MAX, n * 4), n)
    out, k = [], lo
    while k <= hi:
        out.append(k)
        k *= 2
    return tuple(out)


@dataclass
class DisruptStats:
    """What the disruptor did: counts by kind, reopen retries, time the interface was down."""

    close: int = 0                 # close and reopen cycles
    resize: int = 0                # ring size changes
    open_fail: int = 0             # opens that found no memory for the ring (retried)
    down_ns: float = 0.0           # time from each stop to the end of its open
    ring_sizes: Dict[int, int] = field(default_factory=dict)   # size set -> times


class Disruptor:
    """Closes and reopens the interface and changes its ring size at random times.

    env: now_ns, sleep_ns, spawn. host: a pymodel.host.Host (or anything with `.driver`, or
    the RxDriver itself); the driver is looked up at each disruption. spec: a DisruptSpec or
    the DISRUPT text (parse_spec). seed: the random times and sizes. until_ns: no disruption
    starts after this time.

    An open that finds no memory for the ring (MemoryError, the host memory limit) is retried
    every `down` ns until it succeeds, so the interface always comes back. Call stop() before
    closing the interface for good; settle() then waits for a disruption in progress to end.
    An interface found closed when a disruption is due (closed from outside) ends the task.
    """

    def __init__(self, env, host, spec: Union[str, DisruptSpec], seed: int = 0, *,
                 until_ns: Optional[float] = None, poll_ns: float = 1000.0) -> None:
        self.env = env
        self.host = host
        self.spec = spec if isinstance(spec, DisruptSpec) else parse_spec(spec)
        self.rng = random.Random(seed)
        self.until_ns = until_ns
        self.poll_ns = poll_ns
        self.stats = DisruptStats()
        self.busy = False
        self.stopped = False
        self.task = None
        self.rings = self.spec.rings or default_rings(self.driver.N)

    @property
    def driver(self):
        """The RX driver disrupted now."""
        return getattr(self.host, "driver", self.host)

    def start(self) -> "Disruptor":
        """Start the disrupting task; returns self."""
        self.task = self.env.spawn(self._run(), name="disrupt")
        return self

    def stop(self) -> None:
        """Start no further disruption (one in progress completes)."""
        self.stopped = True

    @property
    def idle(self) -> bool:
        """No disruption in progress: the interface is as the disruptor found it."""
        return not self.busy

    async def settle(self) -> None:
        """stop(), then wait until no disruption is in progress."""
        self.stop()
        while self.busy:
            await self.env.sleep_ns(self.poll_ns)

    def _draw(self) -> Tuple[str, float]:
        """The next disruption's kind and the time until it (merged Poisson processes)."""
        rates = {k: 1.0 / ns for k, ns in (("close", self.spec.close_ns),
                                           ("resize", self.spec.resize_ns)) if ns}
        total = sum(rates.values())
        wait = self.rng.expovariate(total)
        pick = self.rng.random() * total
        for kind, rate in rates.items():
            if pick < rate:
                return kind, wait
            pick -= rate
        return kind, wait

    async def _run(self) -> None:
        while not self.stopped:
            kind, wait = self._draw()
            await self.env.sleep_ns(wait)
            if self.stopped or (self.until_ns is not None and self.env.now_ns > self.until_ns):
                return
            drv = self.driver
            if not drv.is_open or drv.closing:
                self.stopped = True             # closed from outside: the run is ending
                return
            self.busy = True
            t0 = self.env.now_ns
            try:
                if kind == "close":
                    await self._close_open(drv)
                else:
                    await self._resize(drv)
            finally:
                self.stats.down_ns += self.env.now_ns - t0
                self.busy = False

    async def _close_open(self, drv) -> None:
        """ndo_stop, `down` ns with the interface down, ndo_open."""
        await drv.close()
        await self.env.sleep_ns(self.spec.down_ns)
        await self._open(drv)
        self.stats.close += 1

    async def _resize(self, drv) -> None:
        """ethtool -G rx N with N drawn from the ring sizes (another size when there is one)."""
        choices = [n for n in self.rings if n != drv.N] or list(self.rings)
        n = self.rng.choice(choices)
        try:
            await drv.set_ringparam(n)
        except MemoryError:
            self.stats.open_fail += 1
            await self.env.sleep_ns(max(self.spec.down_ns, self.poll_ns))
            await self._open(drv)
        self.stats.resize += 1
        self.stats.ring_sizes[n] = self.stats.ring_sizes.get(n, 0) + 1

    async def _open(self, drv) -> None:
        """ndo_open, retried every `down` ns while there is no memory for the ring."""
        while True:
            try:
                await drv.open()
                return
            except MemoryError:
                self.stats.open_fail += 1
                await self.env.sleep_ns(max(self.spec.down_ns, self.poll_ns))

    def snapshot(self) -> dict:
        """The spec and the counters, as one dict."""
        out = asdict(self.stats)
        out["spec"] = str(self.spec)
        return out


__all__ = ["DisruptSpec", "DisruptStats", "Disruptor", "KINDS", "default_rings", "parse_spec",
           "ring_size_ok"]
