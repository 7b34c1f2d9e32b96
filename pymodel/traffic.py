"""Test traffic: self-describing frames, size mixes, and a scoreboard that checks every byte."""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

ETH_HLEN = 14                 # include/uapi/linux/if_ether.h
ETH_ZLEN = 60                 # shortest frame without FCS
ETH_P_LOCAL_EXP = 0x88B5      # IEEE 802 local experimental EtherType
WIRE_OVERHEAD = 24            # preamble+SFD 8 + minimum IFG 12 (IEEE 802.3) + FCS 4 stripped by the MAC
HDR = struct.Struct(">6s6sHII")   # dst, src, type, seq, length
MIN_LEN = HDR.size            # 22: a frame must carry its own sequence number and length

# (weight, lo, hi): tiny/copybreak, medium, one full buffer, several buffers.
MIXED_SIZES: List[Tuple[float, int, int]] = [
    (0.30, 60, 255), (0.35, 256, 1514), (0.25, 1515, 3520), (0.10, 3521, 9216)]


def make_frame(seq: int, length: int, seed: int = 0) -> bytes:
    """A frame of length bytes whose header carries seq and length; payload from (seed, seq)."""
    length = max(length, MIN_LEN)
    hdr = HDR.pack(b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02", ETH_P_LOCAL_EXP,
                   seq & 0xFFFFFFFF, length)
    body = random.Random(seed * 1_000_003 + seq).randbytes(length - HDR.size)
    return hdr + body


def parse_frame(data: bytes) -> Tuple[int, int]:
    """(seq, length) from a frame's header; (-1, -1) if it is too short."""
    if len(data) < HDR.size:
        return -1, -1
    _, _, _, seq, length = HDR.unpack_from(data)
    return seq, length


class SizeMix:
    """Draws frame lengths from weighted uniform bands, reproducibly."""

    def __init__(self, bands: List[Tuple[float, int, int]] = MIXED_SIZES, seed: int = 1) -> None:
        self.bands = bands
        self.rng = random.Random(seed)
        self._weights = [b[0] for b in bands]

    def draw(self) -> int:
        """One frame length."""
        _, lo, hi = self.rng.choices(self.bands, self._weights)[0]
        return self.rng.randint(lo, hi)


@dataclass
class Scoreboard:
    """Expected frames by sequence number; every received frame must match exactly."""

    seed: int = 0
    sent: int = 0
    received: int = 0
    mismatches: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    expected_drops: int = 0
    first_mismatch: Optional[str] = None
    _seen: set = field(default_factory=set)
    _last_seq: int = -1
    _lengths: Dict[int, int] = field(default_factory=dict)

    def frame(self, length: int) -> bytes:
        """Make the next frame to send and remember it."""
        seq = self.sent
        self.sent += 1
        self._lengths[seq] = max(length, MIN_LEN)
        return make_frame(seq, length, self.seed)

    def check(self, data: bytes) -> bool:
        """Compare a received frame with what was sent under its sequence number."""
        self.received += 1
        seq, length = parse_frame(data)
        ok = seq in self._lengths and length == len(data) and \
            data == make_frame(seq, length, self.seed)
        if not ok:
            self.mismatches += 1
            if self.first_mismatch is None:
                exp = make_frame(seq, self._lengths.get(seq, len(data)), self.seed) \
                    if seq in self._lengths else b""
                diff = next((i for i in range(min(len(exp), len(data))) if exp[i] != data[i]),
                            min(len(exp), len(data)))
                self.first_mismatch = (f"seq {seq} len {len(data)} (expected {len(exp)}): first "
                                       f"differing byte {diff}")
            return False
        if seq in self._seen:
            self.duplicates += 1
        self._seen.add(seq)
        return True

    def arrived(self, data: bytes) -> None:
        """Order check at delivery time: sequence numbers must only increase."""
        seq, _ = parse_frame(data)
        if seq <= self._last_seq:
            self.out_of_order += 1
        self._last_seq = max(self._last_seq, seq)

    @property
    def missing(self) -> int:
        """Frames sent but never received intact."""
        return self.sent - len(self._seen)


def wire_ns(length: int, gbps: float) -> float:
    """Time a frame of length bytes occupies the wire at gbps, with preamble, IFG and FCS."""
    return (length + WIRE_OVERHEAD) * 8 / gbps
