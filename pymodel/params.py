"""nic_rx_dma's build parameters and their defaults, read from the top module's header.

hdl/nic_rx_dma.v is the one place the defaults are written: RefNic takes its sizes from here
and the benches build on the same reader.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parents[1]
TOP_FILE = ROOT / "hdl" / "nic_rx_dma.v"


def defaults(top: Path = TOP_FILE) -> Dict[str, int]:
    """`parameter NAME = <integer>` declarations of the top module's header, in order."""
    text = Path(top).read_text()
    header = text[text.index("module "):text.index(")\n(")]
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"parameter\s+(\w+)\s*=\s*(\d+)", header)}
