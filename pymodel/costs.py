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

# the operations the XDP paths charge on top of the page_pool RX path's (pymodel/xdp.py,
# pymodel/tx.py), in the order a frame meets them
XDP_OPS = ("xdp_prepare_buff", "bpf_prog_run_xdp", "xdp_convert_buff_to_frame",
           "xdp_submit_frame", "txq_bufs_free", "xdp_return_frame")


def citation(profile: str, op: str, path: str = _COSTS_FILE) -> dict:
    """One figure of a profile as costs.json states it: ns (and ns per byte where the op has
    one), the source key, the source's description and the entry's note."""
    with open(path) as f:
        data = json.load(f)
    raw = data["profiles"]
    name = profile
    while op not in raw[name]["costs"]:
        name = raw[name]["inherit"]         # KeyError: no profile up the chain has the op
    entry = raw[name]["costs"][op]
    out = {"op": op, "ns": entry["ns"], "source": entry["source"],
           "source_text": data["sources"][entry["source"]], "note": entry.get("note")}
    per_byte = PROFILES[profile].ns.get(op + "_per_byte")
    if per_byte is not None:
        out["ns_per_byte"] = per_byte
    return out


def reference_figures(profile: str = DEFAULT_PROFILE, path: str = _COSTS_FILE) -> Dict[str, dict]:
    """The published packet rates costs.json records for a profile (name -> pps, source,
    source text, note); the model does not use them, the bench compares with them."""
    with open(path) as f:
        data = json.load(f)
    ref = data.get("reference", {}).get(profile, {})
    return {k: {**v, "source_text": data["sources"][v["source"]]} for k, v in ref.items()}


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
