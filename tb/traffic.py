"""Frame mixes for the MAC source: fixed size, IMIX, uniform, or the frames of a pcap file.

Pure Python (no cocotb), so mixes can be tested and reused by benchmarks. Each generated frame
carries its sequence number in bytes 6..9 (the source MAC field) when it is long enough, so a
scoreboard message can name the frame.
"""
from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass
from typing import List, Optional

# Simple IMIX by frame count, 7 : 4 : 1 of 64, 594 and 1518 bytes (frame sizes with FCS, as
# in the common "simple IMIX" definition used by traffic generators).
IMIX = ((64, 7), (594, 4), (1518, 1))
ETH_WIRE_OVERHEAD = 20   # preamble 8 + inter-frame gap 12 bytes on the wire per frame


@dataclass
class Frame:
    seq: int
    data: bytes
    mac_err: bool = False


def parse_sizes(spec: str):
    """'64' or 'fixed:64', 'imix', 'uniform:60-1518', 'pcap:PATH' -> a size sampler spec."""
    spec = str(spec).strip().lower() if not str(spec).startswith("pcap:") else str(spec)
    if spec.isdigit():
        return ("fixed", int(spec))
    if spec.startswith("fixed:"):
        return ("fixed", int(spec[6:]))
    if spec == "imix":
        return ("imix", None)
    if spec.startswith("uniform:"):
        lo, hi = spec[8:].split("-")
        lo, hi = int(lo), int(hi)
        if not 1 <= lo <= hi:
            raise ValueError(f"SIZES={spec}: need 1 <= min <= max")
        return ("uniform", (lo, hi))
    if spec.startswith("pcap:"):
        return ("pcap", spec[5:])
    raise ValueError(f"SIZES={spec!r}: use N, fixed:N, imix, uniform:MIN-MAX or pcap:FILE")


def read_pcap(path: str) -> List[bytes]:
    """Frames of a pcap file, read with scapy."""
    from scapy.utils import PcapReader
    with PcapReader(path) as rd:
        return [bytes(p) for p in rd]


def make_frames(sizes: str, count: int, seed: int, mac_err_rate: float = 0.0) -> List[Frame]:
    """`count` frames of the mix `sizes` (a pcap file is cycled), reproducible from `seed`."""
    kind, arg = parse_sizes(sizes)
    rng = random.Random(seed)
    pcap = read_pcap(arg) if kind == "pcap" else None
    if pcap is not None and not pcap:
        raise ValueError(f"{arg}: no frames in the pcap file")
    imix_pop = [s for s, w in IMIX for _ in range(w)]
    out = []
    for seq in range(count):
        if pcap is not None:
            data = pcap[seq % len(pcap)]
        else:
            if kind == "fixed":
                n = arg
            elif kind == "imix":
                n = rng.choice(imix_pop)
            else:
                n = rng.randint(*arg)
            buf = bytearray(rng.getrandbits(8) for _ in range(n))
            if n >= 10:
                buf[6:10] = seq.to_bytes(4, "big")
            data = bytes(buf)
        out.append(Frame(seq, data, mac_err=rng.random() < mac_err_rate))
    return out


def wire_ns(nbytes: int, rate_gbps: float) -> float:
    """Time a frame occupies an Ethernet link: frame bytes plus preamble and gap."""
    return (nbytes + ETH_WIRE_OVERHEAD) * 8.0 / rate_gbps


def match_in_order(sent: List[bytes], delivered: List[bytes]):
    """Greedy in-order match of delivered frames against sent ones.

    Returns (matched sent indices, mismatched delivered indices). A delivered frame matches
    the first not-yet-passed sent frame equal to it; frames skipped over were not delivered.
    """
    idx = {}
    for i, d in enumerate(sent):
        idx.setdefault(d, []).append(i)
    matched, bad = [], []
    pos = 0
    for k, d in enumerate(delivered):
        cands = idx.get(d)
        j: Optional[int] = None
        if cands:
            p = bisect_left(cands, pos)
            if p < len(cands):
                j = cands[p]
        if j is None:
            bad.append(k)
        else:
            matched.append(j)
            pos = j + 1
    return matched, bad
