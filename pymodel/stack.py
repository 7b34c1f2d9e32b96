"""The network stack as a consumer: each skb is checked, held for a sampled time, then freed."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

from .regs import csum16
from .skb import CHECKSUM_COMPLETE, PAGE_SIZE, SkbLayer, SkBuff
from .traffic import Scoreboard, SizeMix, make_frame, wire_ns


@dataclass
class StackStats:
    """Stack-side counters."""

    rx: int = 0
    csum_ok: int = 0
    csum_bad: int = 0
    csum_none: int = 0
    freed: int = 0
    held: int = 0
    max_held: int = 0


class HoldTime:
    """How long the stack keeps an skb: fixed, exponential, or long-tailed (Pareto, alpha 1.5)."""

    KINDS = ("fixed", "exp", "pareto")

    def __init__(self, kind: str = "fixed", mean_ns: float = 0.0, seed: int = 0) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"hold time kind {kind!r}: use one of {', '.join(self.KINDS)}")
        if not 0 <= float(mean_ns) < float("inf"):
            raise ValueError(f"hold time mean {mean_ns!r}: use a finite number of ns >= 0")
        self.kind = kind
        self.mean_ns = float(mean_ns)
        self.rng = random.Random(seed)

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> "HoldTime":
        """'fixed:NS', 'exp:MEAN_NS' or 'pareto:MEAN_NS' (the HOLD option) -> a sampler.
        A bad spec raises ValueError with a one-line reason."""
        kind, colon, mean = str(spec).strip().partition(":")
        if kind not in cls.KINDS or not colon:
            raise ValueError(f"hold time {spec!r}: use KIND:NS with KIND one of "
                             f"{', '.join(cls.KINDS)}")
        try:
            ns = float(mean)
        except ValueError:
            raise ValueError(f"hold time {spec!r}: {mean!r} is not a number") from None
        return cls(kind, ns, seed=seed)

    def sample(self) -> float:
        """One hold time in ns."""
        if self.kind == "fixed" or self.mean_ns == 0:
            return self.mean_ns
        if self.kind == "exp":
            return self.rng.expovariate(1.0 / self.mean_ns)
        alpha = 1.5
        return self.mean_ns * (alpha - 1) / alpha * self.rng.paretovariate(alpha)


class Stack:
    """netif_receive_skb() sink: verifies CHECKSUM_COMPLETE, holds the skb, copies it out, frees it."""

    def __init__(self, env, skbs: SkbLayer, hold: Optional[HoldTime] = None,
                 scoreboard: Optional[Scoreboard] = None, csum_start: int = 14,
                 mangle: bool = False) -> None:
        self.env = env
        self.skbs = skbs
        self.hold = hold or HoldTime()
        self.scoreboard = scoreboard
        self.csum_start = csum_start
        self.mangle = mangle
        self.stats = StackStats()
        self.release_by_ns = 0.0    # when the last skb held now will have been freed

    def netif_receive_skb(self, skb: SkBuff) -> None:
        """Take an skb from the driver (NAPI context)."""
        st = self.stats
        st.rx += 1
        if skb.ip_summed == CHECKSUM_COMPLETE:
            data = self.skbs.read_data(skb, call="__skb_checksum_complete")
            if self.scoreboard is not None:
                self.scoreboard.arrived(data)
            if csum16(data, self.csum_start) == skb.csum:
                st.csum_ok += 1
            else:
                st.csum_bad += 1
        else:
            st.csum_none += 1
        st.held += 1
        st.max_held = max(st.max_held, st.held)
        t = self.hold.sample()
        if t <= 0:
            self._consume(skb, napi_safe=True)      # freed inside the NAPI poll
        else:
            self.release_by_ns = max(self.release_by_ns, self.env.now_ns + t)
            self.env.spawn(self._hold(skb, t), name="skb_hold")

    async def _hold(self, skb: SkBuff, t: float) -> None:
        await self.env.sleep_ns(t)
        self._consume(skb)

    def _consume(self, skb: SkBuff, napi_safe: bool = False) -> None:
        """The reader copies the data out (skb_copy_datagram_iter), then consume_skb()."""
        data = self.skbs.read_data(skb, call="skb_copy_datagram_iter")
        if self.scoreboard is not None:
            self.scoreboard.check(data)
        if self.mangle and skb.head_page is not None:
            # in-place rewrite of the payload (e.g. decryption): dirties the CPU's cache lines
            start = skb.head_off + skb.data
            self.skbs.hm.cpu_write(skb.head_page, start, bytes(skb.headlen), call="stack mangle")
        self.stats.held -= 1
        self.stats.freed += 1
        self.skbs.consume_skb(skb, napi_safe)


@dataclass
class StackTxStats:
    """Sender-side counters."""

    queued: int = 0
    alloc_fail: int = 0
    qdisc_drops: int = 0


class StackTx:
    """The stack as a sender (TX=stack): self-describing frames (pymodel.traffic.make_frame,
    seed `seed`, sequence numbers from 0) built as skbs with a page head of head_len bytes and
    page fragments of up to frag_len bytes (at most MAX_SKB_FRAGS), queued on the device's
    qdisc with dev_queue_xmit()."""

    def __init__(self, env, skbs: SkbLayer, qdisc, seed: int = 0, head_len: int = 256,
                 frag_len: int = PAGE_SIZE) -> None:
        self.env = env
        self.skbs = skbs
        self.qdisc = qdisc
        self.seed = seed
        self.head_len = head_len
        self.frag_len = frag_len
        self.seq = 0
        self.stats = StackTxStats()

    def xmit(self, length: int) -> bool:
        """Build the next frame's skb and queue it; False when it was not queued."""
        frame = make_frame(self.seq, length, self.seed)
        self.seq += 1
        skb = self.skbs.alloc_skb_with_frags(frame, self.head_len, self.frag_len)
        if skb is None:
            self.stats.alloc_fail += 1
            return False
        if not self.qdisc.dev_queue_xmit(skb):
            self.stats.qdisc_drops += 1
            return False
        self.stats.queued += 1
        return True

    async def send(self, n: int, sizes: Optional[SizeMix] = None, gbps: Optional[float] = None,
                   gap_ns: float = 0.0) -> None:
        """Send n frames, one every wire time at gbps (plus gap_ns); back to back without."""
        sizes = sizes or SizeMix(seed=self.seed + 2)
        for _ in range(n):
            length = sizes.draw()
            self.xmit(length)
            wait = (wire_ns(length, gbps) if gbps else 0.0) + gap_ns
            await self.env.sleep_ns(wait)
