"""Mutants: a copy of hdl/ with one textual change, for the checks that must catch it.

The RTL bench's mutants (tests/test_rtl_mutants.py), the co-simulation's (tests/test_cosim.py)
and the formal ones (scripts/formal.py) all start from `mutant_hdl`. The change is a regex
anchored on the real code; an anchor that does not match exactly once is an error, never a
silent pass, so a mutant goes stale loudly when the RTL changes.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HDL = ROOT / "hdl"


class StaleMutant(AssertionError):
    """The mutation's anchor no longer matches the RTL exactly once."""


def mutant_hdl(dest: Path, name: str, fname: str, pattern: str, repl: str,
               hdl: Path = HDL) -> Path:
    """Copy `hdl` to `dest` (replacing it) and apply `pattern` -> `repl` in `fname`, once."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(hdl, dest)
    src = (dest / fname).read_text()
    new, n = re.subn(pattern, repl, src)
    if n != 1:
        raise StaleMutant(f"mutant {name}: anchor {pattern!r} matched {n} times in "
                          f"hdl/{fname}; update the mutation to the current RTL")
    (dest / fname).write_text(new)
    return dest
