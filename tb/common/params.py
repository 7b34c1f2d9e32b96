"""nic_rx_dma's build parameters as the benches see them: the defaults (pymodel.params reads
them from the top module's header), the smallest legal set, and the set a simulation was built
with.

The builder passes the overrides it used to the simulator as RTL_PARAMS (JSON), so the RTL
bench and the co-simulation predict from the parameters the design really has.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Optional

from pymodel.params import defaults

__all__ = ["LATENCY", "SMALL", "defaults", "effective", "from_env", "to_env"]

# The smallest parameters the suite runs: every pointer, counter and queue wraps within a few
# frames. Each is its legal minimum (hdl/ rejects anything smaller) but FIFO_BYTES, whose
# minimum is 8 bus words: 1024 is the smallest power of two that is legal at every DATA_W
# (8 words of 64 bytes at DATA_W 512) and still holds a 1024-byte frame.
SMALL: Dict[str, int] = {"FIFO_BYTES": 1024, "META_DEPTH": 2, "DESC_QUEUE": 2, "DESC_BURST": 1,
                         "MAX_BURST": 1, "WB_BURST": 1, "MAX_OUTSTANDING": 1}

# Sized for memory 200 clocks away on reads and 100 on write responses, per DATA_W: a wider
# bus moves more frames a clock, so more write bursts (MAX_OUTSTANDING) and descriptors
# between fetch and writeback (DESC_QUEUE) are in flight over the same latency; the defaults
# cover DATA_W 64. make bench runs each width with its set (docs/PERFORMANCE.md, "Sizing for
# memory latency"), and make lint checks them.
LATENCY: Dict[int, Dict[str, int]] = {
    64: {}, 128: {"MAX_OUTSTANDING": 32, "DESC_QUEUE": 128},
    256: {"MAX_OUTSTANDING": 64, "DESC_QUEUE": 256},
    512: {"MAX_OUTSTANDING": 128, "DESC_QUEUE": 512}}


def effective(overrides: Optional[Dict[str, int]] = None) -> Dict[str, int]:
    """The defaults with `overrides` applied; unknown names are an error."""
    d = defaults()
    for k in overrides or {}:
        if k not in d:
            raise KeyError(f"nic_rx_dma has no parameter {k!r} (it has {', '.join(d)})")
    return {**d, **{k: int(v) for k, v in (overrides or {}).items()}}


def to_env(overrides: Optional[Dict[str, int]]) -> Dict[str, str]:
    """The environment entry that tells the simulator process which overrides it was built with."""
    return {"RTL_PARAMS": json.dumps(dict(sorted((overrides or {}).items())))}


def from_env() -> Dict[str, int]:
    """Inside the simulator: the build's parameters (defaults plus RTL_PARAMS)."""
    return effective(json.loads(os.environ.get("RTL_PARAMS", "") or "{}"))
