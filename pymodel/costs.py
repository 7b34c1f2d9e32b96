"""CPU cost model: named profiles loaded from costs.json, and the meter every layer charges."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, Optional

_COSTS_FILE = os.path.join(os.path.dirname(__file__), "costs.json")


@dataclass(frozen=True)
class CostProfile:
    """A named machine: per-operation CPU costs, memory coherency and IOMMU mode."""

    name: str
    description: str
    coherent: bool
    iommu: Optional[str]            # None, "strict" or "lazy"
    ns: Dict[str, float]
    sources: Dict[str, str]


def load_profiles(path: str = _COSTS_FILE) -> Dict[str, CostProfile]:
    """Read every profile from the data file, resolving 'inherit'."""
    with open(path) as f:
        data = json.load(f)
    raw = data["profiles"]
    out: Dict[str, CostProfile] = {}

    def resolve(name: str) -> Dict[str, dict]:
        p = raw[name]
        base = resolve(p["inherit"]) if "inherit" in p else {}
        return {**base, **p["costs"]}

    for name, p in raw.items():
        costs = resolve(name)
        out[name] = CostProfile(
            name=name, description=p["description"], coherent=bool(p["coherent"]),
            iommu=p["iommu"], ns={k: float(v["ns"]) for k, v in costs.items()},
            sources={k: v["source"] for k, v in costs.items()})
    return out


PROFILES = load_profiles()
DEFAULT_PROFILE = "cortex-a53"


def get_profile(name: str = DEFAULT_PROFILE) -> CostProfile:
    """The profile called name (KeyError lists the known ones)."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown cost profile {name!r}; known: {sorted(PROFILES)}") from None


@dataclass
class CpuMeter:
    """Accumulates simulated CPU time; the driver turns it into env.sleep_ns at await points."""

    profile: CostProfile = field(default_factory=get_profile)
    pending_ns: float = 0.0
    total_ns: float = 0.0
    by_op: Dict[str, float] = field(default_factory=dict)
    calls: Dict[str, int] = field(default_factory=dict)

    def charge(self, op: str, nbytes: int = 0) -> None:
        """Charge one call of op (plus its per-byte rate for nbytes)."""
        ns = self.profile.ns[op]
        if nbytes:
            ns += self.profile.ns.get(op + "_per_byte", 0.0) * nbytes
        self.pending_ns += ns
        self.total_ns += ns
        self.by_op[op] = self.by_op.get(op, 0.0) + ns
        self.calls[op] = self.calls.get(op, 0) + 1

    def take_ns(self) -> int:
        """Whole ns pending (the fraction carries over) and reset."""
        whole = int(self.pending_ns)
        self.pending_ns -= whole
        return whole
