"""The co-simulation's options: one table of names and defaults for `make sim`, the tests and
the cocotb side. A make variable is the option's name in capitals (SIM, DRIVER, ...); the
simulator process gets them as COSIM_<NAME>. No cocotb here: the runner imports it too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Dict, Optional


@dataclass
class Options:
    """Every knob of a co-simulation run; from COSIM_* environment variables."""

    sim: str = "icarus"
    driver: str = "page_pool"
    coherent: int = 0
    iommu: str = "off"
    profile: str = "cortex-a53"
    frames: int = 1000
    sizes: str = "imix"
    rate: float = 1.0
    seed: int = 1
    data_w: int = 64
    clk_ns: float = 8.0
    ring: int = 256
    bug: str = ""
    strict: int = 1
    hold: str = "fixed:0"
    waves: int = 0
    mac_err_every: int = 0
    fault_write: int = 0
    results: str = "sim_build/sim_results.json"

    @classmethod
    def from_env(cls) -> "Options":
        o = cls()
        for f in o.__dataclass_fields__.values():
            v = os.environ.get("COSIM_" + f.name.upper())
            if v is not None and v != "":
                setattr(o, f.name, type(getattr(o, f.name))(v))
        return o


def options(overrides: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Option name -> value as text: overrides (by make variable name), else the environment's
    make variable, else the default."""
    o = {}
    for f in fields(Options):
        if f.name == "results":
            continue
        var = f.name.upper()
        default = str(getattr(Options, f.name))
        o[f.name] = str((overrides or {}).get(var, os.environ.get(var, default)) or default)
    return o
