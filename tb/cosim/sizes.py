"""Frame-size mixes for the co-simulation's MAC source, and a scoreboard for pcap replay.

Generated frames come from pymodel.traffic (self-describing: each carries its sequence number
and length, and pymodel's Scoreboard checks every byte). This module adds the size mixes users
ask for by name and the replay of a pcap file, whose frames carry no such header.
Pure Python: no cocotb.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Dict, List, Optional

from pymodel.traffic import MIN_LEN, SizeMix

# Simple IMIX by frame count, 7 : 4 : 1 of 64-, 594- and 1518-byte frames (sizes with FCS, as
# traffic generators define it); the MAC strips the 4-byte FCS before the block sees them.
IMIX = ((7, 60), (4, 590), (1, 1514))


def size_source(spec: str, seed: int):
    """SIZES -> ("mix", SizeMix) or ("pcap", [frame bytes]).

    Accepted: N or fixed:N, imix, uniform:MIN-MAX, mixed (pymodel's 60..9216 mix), pcap:FILE.
    Generated frames are at least MIN_LEN bytes (they carry a sequence header).
    """
    s = str(spec).strip()
    low = s.lower()
    if low.startswith("pcap:"):
        from scapy.utils import PcapReader
        with PcapReader(s[5:]) as rd:
            frames = [bytes(p) for p in rd]
        if not frames:
            raise ValueError(f"SIZES={s}: no frames in the pcap file")
        return "pcap", frames
    if low.isdigit() or low.startswith("fixed:"):
        n = int(low.split(":")[-1])
        bands = [(1.0, n, n)]
    elif low == "imix":
        bands = [(float(w), n, n) for w, n in IMIX]
    elif low.startswith("uniform:"):
        lo, hi = (int(x) for x in low[8:].split("-"))
        if not MIN_LEN <= lo <= hi:
            raise ValueError(f"SIZES={s}: need {MIN_LEN} <= MIN <= MAX")
        bands = [(1.0, lo, hi)]
    elif low == "mixed":
        return "mix", SizeMix(seed=seed + 1)
    else:
        raise ValueError(f"SIZES={s!r}: use N, fixed:N, imix, uniform:MIN-MAX, mixed or pcap:FILE")
    if any(hi < MIN_LEN for _, _, hi in bands):
        raise ValueError(f"SIZES={s}: generated frames need at least {MIN_LEN} bytes")
    return "mix", SizeMix(bands, seed=seed + 1)


class PcapScoreboard:
    """In-order, exactly-once, byte-exact check of replayed frames that carry no header.

    A received frame matches the first frame sent after the previous match that is equal to it;
    frames passed over were not delivered. Same counters as pymodel.traffic.Scoreboard.
    """

    def __init__(self) -> None:
        self.frames: List[bytes] = []
        self._where: Dict[bytes, List[int]] = {}
        self._pos = 0
        self.sent = 0
        self.received = 0
        self.mismatches = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.expected_drops = 0
        self.first_mismatch: Optional[str] = None

    def add(self, data: bytes) -> bytes:
        """Record the next frame to send."""
        self._where.setdefault(data, []).append(len(self.frames))
        self.frames.append(data)
        self.sent += 1
        return data

    def arrived(self, data: bytes) -> None:
        """Order check at delivery: match against the frames sent after the previous match."""
        cands = self._where.get(bytes(data), [])
        p = bisect_left(cands, self._pos)
        if p < len(cands):
            self._pos = cands[p] + 1
        elif cands:
            self.out_of_order += 1
        else:
            self.mismatches += 1
            if self.first_mismatch is None:
                self.first_mismatch = (f"delivered frame of {len(data)} bytes matches no frame "
                                       f"sent")

    def check(self, data: bytes) -> bool:
        """The stack's reader copied a frame out (matching was done when it arrived)."""
        self.received += 1
        return bytes(data) in self._where

    @property
    def missing(self) -> int:
        return self.sent - (self.received - self.mismatches - self.out_of_order)
