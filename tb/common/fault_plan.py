"""Random bus faults at a mean spacing: what the FAULTS option asks for and when each fires.

No cocotb here (the options module and the pure tests import it). The co-simulation's memory
target asks `FaultPlan.on_access()` at every access it serves; the plan answers which access
fails and how, and the co-simulation tells it when the driver saw the halt, recovered and
traffic flowed again (`halted`, `resumed`).

The classes (`CLASSES`), by the access they hit and what the memory answers:

    desc_slverr  a descriptor read beat            SLVERR, data zero       ERR_CODE 1
    desc_decerr  a descriptor read beat            DECERR, data zero       ERR_CODE 1
    garbage      a descriptor read beat            SLVERR, random data     ERR_CODE 1
    data_slverr  a data write beat                 SLVERR on its burst's B ERR_CODE 2
    data_decerr  a data write beat                 DECERR on its burst's B ERR_CODE 2
    wb_slverr    a writeback beat                  SLVERR on its burst's B ERR_CODE 3
    wb_decerr    a writeback beat                  DECERR on its burst's B ERR_CODE 3
    iommu        the next device access: the IOMMU finds no translation (pymodel's
                 Iommu.fail_next), the memory answers SLVERR;          ERR_CODE of that access
    late_b       the next write burst's B comes back LATE_B_NS later than it would: no error,
                 no halt; the block must wait it out without stalling the MAC

The beat that fails is drawn at random: the plan skips 0 .. SKIP_MAX - 1 accesses of the
class's kind first, so any beat of a burst (up to MAX_BURST 16) can be the one. Faults never
overlap: the next one is drawn only after the last was recovered (the halt seen with its
ERR_CODE, the queue enabled again, and a frame delivered after that; late_b: a frame
delivered after its B was due), at an exponential interval of mean MEAN_NS from then. A fault
armed when traffic ends is dropped, not counted.

The option's text: `MEAN_NS` (every class the run can take: iommu only with an IOMMU) or
`MEAN_NS:CLASS/CLASS/...`.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pymodel import regs

CLASSES = ("desc_slverr", "desc_decerr", "garbage", "data_slverr", "data_decerr",
           "wb_slverr", "wb_decerr", "iommu", "late_b")
KINDS = ("desc_read", "data_write", "wb_write")      # the accesses a target reports
HITS = {"desc_slverr": "desc_read", "desc_decerr": "desc_read", "garbage": "desc_read",
        "data_slverr": "data_write", "data_decerr": "data_write",
        "wb_slverr": "wb_write", "wb_decerr": "wb_write"}
CODES = {"desc_read": regs.ERR_DESC_READ, "data_write": regs.ERR_DATA_WRITE,
         "wb_write": regs.ERR_WRITEBACK}
SKIP_MAX = 16
LATE_B_NS = 20_000.0              # how much later a late_b fault's B comes back
HALT_WAIT_NS = 2_000_000.0        # a fired fault not followed by a halt this long is an error


@dataclass(frozen=True)
class FaultSpec:
    mean_ns: float
    classes: Tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.mean_ns:g}" + (":" + "/".join(self.classes) if self.classes != CLASSES
                                      else "")


def parse_spec(text: str, iommu: bool = True) -> FaultSpec:
    """The FAULTS text -> FaultSpec; ValueError with a one-line reason. Without an IOMMU
    (`iommu` False) the default leaves out the iommu class and naming it is refused."""
    mean, colon, names = str(text).strip().partition(":")
    try:
        ns = float(mean)
    except ValueError:
        raise ValueError(f"{mean.strip()!r} is not a number of ns") from None
    if not (math.isfinite(ns) and ns > 0):
        raise ValueError("the mean spacing must be a number of ns > 0")
    if not colon:
        return FaultSpec(ns, tuple(c for c in CLASSES if iommu or c != "iommu"))
    picked = [c.strip() for c in names.split("/")]
    for c in picked:
        if c not in CLASSES:
            raise ValueError(f"{c!r} is not a fault class")
        if c == "iommu" and not iommu:
            raise ValueError("the iommu class needs IOMMU=strict or lazy")
    if len(set(picked)) != len(picked):
        raise ValueError("a class named twice")
    return FaultSpec(ns, tuple(c for c in CLASSES if c in picked))


@dataclass
class Fault:
    cls: str
    t_ns: float                   # when it fired
    kind: str = ""                # the access it hit (late_b: "write_burst")
    addr: int = 0
    expect_code: Optional[int] = None
    halt_code: Optional[int] = None
    recovered_ns: Optional[float] = None
    resumed_ns: Optional[float] = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class FaultStats:
    injected: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASSES})
    recovered: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASSES})
    resumed: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASSES})


class FaultPlan:
    """When the next fault fires and on which access (module doc)."""

    def __init__(self, spec: FaultSpec, seed: int, now_ns) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.now_ns = now_ns
        self.stats = FaultStats()
        self.faults: List[Fault] = []
        self.errors: List[str] = []
        self.state = "waiting"
        self.due_ns = now_ns() + self._interval()
        self.armed: Optional[str] = None
        self.skip = 0
        self.current: Optional[Fault] = None
        self._base: Optional[int] = None  # frames received when the current fault was recovered
        self.stopped = False

    def _interval(self) -> float:
        return self.rng.expovariate(1.0 / self.spec.mean_ns)

    def stop(self) -> None:
        """Fire nothing more (the traffic is over); an armed fault is dropped."""
        self.stopped = True
        if self.state == "armed":
            self.state, self.armed = "waiting", None

    def _arm(self) -> None:
        if self.state == "waiting" and not self.stopped and self.now_ns() >= self.due_ns:
            self.armed = self.rng.choice(self.spec.classes)
            self.skip = self.rng.randrange(SKIP_MAX)
            self.state = "armed"

    def late_b_due(self) -> bool:
        """The co-simulation asks before each write burst: delay its B now?"""
        self._arm()
        if self.state != "armed" or self.armed != "late_b":
            return False
        self._fire("write_burst", 0, None)
        return True

    def on_access(self, kind: str, addr: int) -> Optional[str]:
        """An access of `kind` (KINDS) at bus address addr is being served: None, or how it
        fails: "slverr", "decerr", "garbage" or "iommu"."""
        self._arm()
        if self.state != "armed" or self.armed == "late_b":
            return None
        c = self.armed
        if c != "iommu" and HITS[c] != kind:
            return None
        if self.skip:
            self.skip -= 1
            return None
        self._fire(kind, addr, CODES[kind])
        return "iommu" if c == "iommu" else "garbage" if c == "garbage" else c.split("_")[1]

    def _fire(self, kind: str, addr: int, code: Optional[int]) -> None:
        f = Fault(self.armed, self.now_ns(), kind, addr, code)
        self.faults.append(f)
        self.current = f
        self.stats.injected[f.cls] += 1
        self.state, self.armed = "fired", None

    # ------------------------------------------------------------------ what followed
    def halted(self, code: int, t_ns: float, recovered_ns: Optional[float],
               received: int) -> None:
        """The driver found the queue halted with ERR_CODE `code` at t_ns and enabled it again
        at recovered_ns; `received`: frames the stack has received by now."""
        f = self.current
        if f is None or f.expect_code is None or f.halt_code is not None:
            self.errors.append(f"a halt with ERR_CODE {code} at {t_ns:.0f} ns that no injected "
                               f"fault explains")
            return
        f.halt_code = code
        if code != f.expect_code:
            self.errors.append(f"{f.cls} fault on a {f.kind} at {f.t_ns:.0f} ns: ERR_CODE {code}, "
                               f"expected {f.expect_code}")
        if recovered_ns is not None:
            f.recovered_ns = recovered_ns
            self.stats.recovered[f.cls] += 1
            self._base = received

    def poll(self, received: int) -> None:
        """Now and then: `received` frames have reached the stack. A frame received after the
        current fault was recovered (late_b: after its B was due) ends it; a fault with no
        halt long after it fired is an error."""
        f = self.current
        if f is None:
            return
        now = self.now_ns()
        if f.expect_code is None and self._base is None and now >= f.t_ns + LATE_B_NS:
            self._base = received
            f.recovered_ns = now
            self.stats.recovered[f.cls] += 1
        if self._base is not None and received > self._base:
            f.resumed_ns = now
            self.stats.resumed[f.cls] += 1
            self._next(now)
        elif f.expect_code is not None and f.halt_code is None and now - f.t_ns > HALT_WAIT_NS:
            self.errors.append(f"{f.cls} fault on a {f.kind} at {f.t_ns:.0f} ns: no halt within "
                               f"{HALT_WAIT_NS / 1e3:.0f} us")
            self._next(now)

    def _next(self, now: float) -> None:
        self.current, self._base = None, None
        self.state = "waiting"
        self.due_ns = now + self._interval()

    def finish(self, drained: bool) -> None:
        """The run is over: a late B still pending counts as recovered when every frame was
        accounted for (its burst completed)."""
        self.stop()
        f = self.current
        if f is not None and f.expect_code is None and self._base is None and drained:
            f.recovered_ns = self.now_ns()
            self.stats.recovered[f.cls] += 1

    def snapshot(self) -> dict:
        s = self.stats
        return {"spec": str(self.spec), "injected": dict(s.injected),
                "recovered": dict(s.recovered), "resumed": dict(s.resumed),
                "injected_total": sum(s.injected.values()),
                "recovered_total": sum(s.recovered.values()),
                "pending": self.current.as_dict() if self.current is not None else None,
                "errors": list(self.errors), "first": [f.as_dict() for f in self.faults[:5]]}
