"""Reference model of nic_rx_dma (SPEC §2 + docs/DESIGN.md), pure Python.

Given the frames the MAC sends, the descriptors the driver hands over and the register
settings, it predicts each frame's fate (delivered, or which drop counter), where a delivered
frame lands (buffer by buffer), every 16-byte writeback, the counters and the interrupt causes.
Outcomes that depend on timing (a full FIFO, descriptor starvation) are returned as the set of
outcomes the contract allows; the scoreboard then accounts for each frame exactly once.
"""

import struct
from dataclasses import dataclass

DELIVER = "deliver"
DROP_FIFO = "drop_fifo"
DROP_NODESC = "drop_nodesc"
DROP_ERR = "drop_err"
DROP_OVERSIZE = "drop_oversize"
DROPS = (DROP_FIFO, DROP_NODESC, DROP_ERR, DROP_OVERSIZE)

# SPEC puts CSUM on the EOP descriptor only and says nothing on where ERRORS.MAC_ERR goes;
# the RTL sets it, like CSUM, on the EOP descriptor only (docs/BENCH.md).
MAC_ERR_ON_EVERY_DESC = False


@dataclass
class Frame:
    """One frame as the MAC sends it."""
    data: bytes
    tuser: bool = False          # tuser on the tlast beat: MAC error
    tuser_early: bool = False    # tuser only on beats before tlast (must be ignored)
    tkeep: list = None           # per-byte tkeep as sent (None: all ones); marks malformed frames
    seq: int = 0
    sent_cyc: int = 0

    def __len__(self):
        return len(self.data)


@dataclass
class Config:
    """Register settings and parameters the model needs. The parameters come from the
    build (tb.common.params), never from defaults here."""
    nbytes: int                  # DATA_W / 8
    fifo_bytes: int
    meta_depth: int
    desc_queue: int
    drop_bad: bool = False
    drop_nodesc: bool = False
    max_frame: int = 9216
    csum_start: int = 14


def csum16(data: bytes, start: int) -> int:
    """16-bit ones'-complement sum, big-endian words, end-around carry, not inverted."""
    if len(data) < start:
        return 0
    seg = data[start:]
    if len(seg) & 1:
        seg = seg + b"\x00"
    s = sum(struct.unpack(f">{len(seg) // 2}H", seg)) if seg else 0
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def beats_tkeep(frame: Frame, nbytes: int):
    """The per-beat tkeep values the source drives for this frame."""
    keep = frame.tkeep if frame.tkeep is not None else [1] * len(frame.data)
    out = []
    for i in range(0, len(keep), nbytes):
        k = 0
        for j, b in enumerate(keep[i:i + nbytes]):
            k |= (b & 1) << j
        out.append(k)
    return out


def malformed(frame: Frame, nbytes: int) -> bool:
    """DESIGN ingress rule 2: tkeep all ones before tlast, contiguous from bit 0 and non-zero on it."""
    beats = beats_tkeep(frame, nbytes)
    if not beats:
        return True
    full = (1 << nbytes) - 1
    if any(k != full for k in beats[:-1]):
        return True
    last = beats[-1]
    return last == 0 or (last & (last + 1)) != 0


def frame_length(frame: Frame) -> int:
    """Bytes in a well-formed frame (tkeep ones)."""
    if frame.tkeep is None:
        return len(frame.data)
    return sum(1 for k in frame.tkeep if k)


def fifo_words(length: int, nbytes: int) -> int:
    return (length + nbytes - 1) // nbytes


def ingress(frame: Frame, cfg: Config, running: bool = True, fifo_may_be_full: bool = False,
            desc_may_starve: bool = False) -> set:
    """Outcomes the contract allows for a frame (DESIGN 'Ingress', rules 1-6, and descriptors)."""
    if not running:
        return {DROP_FIFO}
    if malformed(frame, cfg.nbytes):
        return {DROP_ERR}
    if frame_length(frame) > cfg.max_frame:
        return {DROP_OVERSIZE}
    out = set()
    if fifo_may_be_full:
        out.add(DROP_FIFO)
    if frame.tuser and cfg.drop_bad:
        out.add(DROP_ERR)
        return out
    out.add(DELIVER)
    if desc_may_starve and cfg.drop_nodesc:
        out.add(DROP_NODESC)
    return out


def place(length: int, buf_lens: list) -> list:
    """Bytes written into each buffer: fill each completely, the last one partially."""
    out = []
    rem = length
    for bl in buf_lens:
        n = min(bl, rem)
        out.append(n)
        rem -= n
        if rem == 0:
            return out
    raise ValueError("not enough buffers")


def descs_needed(length: int, buf_lens: list) -> int:
    return len(place(length, buf_lens))


def writeback(buf_addr: int, length: int, csum: int, eop: bool, mac_err: bool) -> bytes:
    """The 16 bytes the device writes back (SPEC 'Writeback format')."""
    err = 1 if mac_err and (eop or MAC_ERR_ON_EVERY_DESC) else 0
    return struct.pack("<QHHBBH", buf_addr, length, csum if eop else 0,
                       1 | (2 if eop else 0), err, 0)


def expected_writebacks(frame: Frame, cfg: Config, bufs: list) -> list:
    """[(buf_addr, buf_len, bytes_written, wb16)] for a delivered frame over `bufs` [(addr, len)]."""
    data = frame.data if frame.tkeep is None else bytes(
        b for b, k in zip(frame.data, frame.tkeep) if k)
    lens = place(len(data), [bl for _, bl in bufs])
    cs = csum16(data, cfg.csum_start)
    mac_err = frame.tuser and not cfg.drop_bad
    out = []
    for i, n in enumerate(lens):
        eop = i == len(lens) - 1
        a, bl = bufs[i]
        out.append((a, bl, n, writeback(a, n, cs, eop, mac_err)))
    return out


@dataclass
class Counters:
    frames: int = 0
    bytes: int = 0
    drop_fifo: int = 0
    drop_nodesc: int = 0
    drop_err: int = 0
    drop_oversize: int = 0


class RxModel:
    """Sequential model for the deterministic case: the queue runs, descriptors are ample
    and the FIFO never fills (directed tests). Predicts outcomes, placements and counters."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.cnt = Counters()
        self.reported = 0          # frames whose EOP writeback HEAD has passed

    def receive(self, frame: Frame, running: bool = True):
        """Outcome of one frame: DELIVER or a drop name."""
        outs = ingress(frame, self.cfg, running)
        if DELIVER in outs:
            self.cnt.frames += 1
            self.cnt.bytes += frame_length(frame)
            return DELIVER
        (o,) = outs
        setattr(self.cnt, o, getattr(self.cnt, o) + 1)
        return o

    def fifo_fill(self, frames: list) -> list:
        """With nothing leaving the FIFO: which frames are stored (True) or dropped (False)."""
        used = 0
        n = 0
        out = []
        for f in frames:
            w = fifo_words(frame_length(f), self.cfg.nbytes) * self.cfg.nbytes
            ok = used + w <= self.cfg.fifo_bytes and n < self.cfg.meta_depth
            if ok:
                used += w
                n += 1
            out.append(ok)
        return out

    @staticmethod
    def rxdw_after(frames_reported: int, pkt_thresh: int) -> bool:
        """RXDW by count: set once max(PKT_THRESH, 1) frames are reported."""
        return frames_reported >= max(pkt_thresh, 1)
