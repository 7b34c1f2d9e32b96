"""The RTL bench's predictions, made from the contract in pymodel/rx_contract.py.

The bench knows each frame as the MAC sends it (bytes, per-byte tkeep, tuser) and the
register settings, but not the RTL's timing. So for each frame it asks the contract for every
outcome timing allows (a FIFO that may be full, descriptors that may run out), and for a
delivered frame the writebacks its buffers must carry; the scoreboard then accounts for each
frame exactly once.
"""

from dataclasses import dataclass
from typing import List, Optional

from pymodel import regs
from pymodel import rx_contract as contract

DELIVER = "deliver"
DROP_FIFO = contract.DROP_FIFO
DROP_NODESC = contract.DROP_NODESC
DROP_ERR = contract.DROP_ERR
DROP_OVERSIZE = contract.DROP_OVERSIZE
DROPS = contract.DROPS


@dataclass
class Frame:
    """One frame as the MAC sends it."""
    data: bytes
    tuser: bool = False          # tuser on the tlast beat: MAC error
    tuser_early: bool = False    # tuser only on beats before tlast (must be ignored)
    tkeep: Optional[list] = None  # per-byte tkeep as sent (None: all ones); marks malformed frames
    seq: int = 0
    sent_cyc: int = 0

    def __len__(self):
        return len(self.data)

    def payload(self) -> bytes:
        """The bytes whose tkeep is set: what a well-formed frame delivers."""
        if self.tkeep is None:
            return self.data
        return bytes(b for b, k in zip(self.data, self.tkeep) if k)


@dataclass
class Config:
    """Register settings and parameters the predictions need. The parameters come from the
    build (tb.common.params), never from defaults here; the registers start at reset."""
    nbytes: int                  # DATA_W / 8
    fifo_bytes: int
    meta_depth: int
    desc_queue: int
    drop_bad: bool = False
    drop_nodesc: bool = False
    max_frame: int = regs.MAX_FRAME_RESET
    csum_start: int = regs.CSUM_START_RESET


def malformed(frame: Frame, nbytes: int) -> bool:
    """Ingress rule 2 on the frame's tkeep as the source drives it, beat by beat."""
    keep = frame.tkeep if frame.tkeep is not None else [1] * len(frame.data)
    return not contract.tkeep_well_formed(contract.tkeep_beats(keep, nbytes), nbytes)


def ingress(frame: Frame, cfg: Config, running: bool = True, fifo_may_be_full: bool = False,
            desc_may_starve: bool = False) -> set:
    """Outcomes the contract allows for a frame: the ingress rules with the FIFO room
    (rule 4) taken both ways when the FIFO may be full, and a stored frame either delivered
    or, with DROP_NODESC and descriptors that may run out, dropped for want of them."""
    def fate(fits: bool) -> str:
        return contract.classify(len(frame.payload()), running=running,
                                 malformed=malformed(frame, cfg.nbytes), fits=fits,
                                 tuser=frame.tuser, drop_bad=cfg.drop_bad,
                                 max_frame=cfg.max_frame)

    out = {fate(True)} | ({fate(False)} if fifo_may_be_full else set())
    if contract.STORED in out:
        out.remove(contract.STORED)
        out.add(DELIVER)
        if desc_may_starve and cfg.drop_nodesc:
            out.add(DROP_NODESC)
    return out


def expected_writebacks(frame: Frame, cfg: Config, bufs: list) -> list:
    """[(buf_addr, buf_len, bytes_written, wb16)] for a delivered frame over `bufs` [(addr, len)]
    in ring order (the buffers past the ones it fills are not used). tuser with DROP_BAD clear
    marks the frame MAC_ERR (ingress rule 6)."""
    data = frame.payload()
    mac_err = frame.tuser and not cfg.drop_bad
    wbs = contract.writebacks(bufs, len(data), regs.csum16(data, cfg.csum_start), mac_err)
    return [(wb.buf_addr, bl, wb.length, regs.pack_writeback(*wb))
            for wb, (_, bl) in zip(wbs, bufs)]


def fifo_fill(frames: list, cfg: Config) -> List[bool]:
    """With nothing leaving the FIFO: which frames it stores (True) and which it drops."""
    used = stored = 0
    out = []
    for f in frames:
        n = len(f.payload())
        ok = contract.fifo_admits(n, used=used, frames=stored, nbytes=cfg.nbytes,
                                  fifo_bytes=cfg.fifo_bytes, meta_depth=cfg.meta_depth)
        if ok:
            used += contract.fifo_room(n, cfg.nbytes)
            stored += 1
        out.append(ok)
    return out
