"""Sabotage: the driver with one classic bug, for proving that the checkers catch it.

`rx_driver(..., bug=None)` builds the driver a run uses: the clean `RxDriver`, or, with a bug
named, one that commits it. See docs/PYMODEL.md "Sabotage".
"""
from __future__ import annotations

from typing import Optional

from .driver import BUGS, RxDriver

__all__ = ["BUGS", "rx_driver"]


def rx_driver(hm, bus, env, *, bug: Optional[str] = None, **kw) -> RxDriver:
    """The RX driver for one queue; with `bug`, one that commits that bug."""
    return RxDriver(hm, bus, env, bug=bug, **kw)
