"""What nic_tx_dma does with descriptors, buffers and register writes (docs/CONTRACT.md §5), as
plain functions.

The descriptor formats, which descriptors make a frame and when a frame is a bad descriptor,
how its bytes are assembled from the buffers, which bus beats the reads cover, the writebacks,
the counters and the interrupt rules. RefTx (reftx.py) runs on these functions in zero time,
and an RTL bench predicts the RTL's outcomes from them. No driver logic lives here. The
register table (offsets, reset values, writable masks, ID) is in regs.py (`TX_*`).
"""
from __future__ import annotations

from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

from . import regs, rx_contract

MAX_SKB_FRAGS = 17                   # include/linux/skbuff.h (CONFIG_MAX_SKB_FRAGS default)
MAX_DESC_PER_FRAME = MAX_SKB_FRAGS + 1   # the linear part plus every fragment: 18
MAX_FRAME_BYTES = 9216               # the longest frame the device sends
FIFO_BYTES_MIN = 2 * MAX_FRAME_BYTES     # the TX FIFO holds at least two of the longest frames
BOUNDARY_4K = 0x1000                 # no read burst crosses a 4 KB boundary
ADDR_TOP = rx_contract.ADDR_TOP

# The device's reasons for a bad descriptor (each halts the queue with ERR_BAD_DESC).
BAD_LEN0 = "len0"                    # LEN 0
BAD_TOO_MANY = "too_many_descriptors"    # no EOP within MAX_DESC_PER_FRAME descriptors
BAD_TOO_LONG = "too_long"            # the frame's bytes pass MAX_FRAME_BYTES
BAD_WRAP = "addr_wrap"               # a buffer that runs past the top of the address space
BAD_REASONS = (BAD_LEN0, BAD_TOO_MANY, BAD_TOO_LONG, BAD_WRAP)

# ERR_CODE of each halt (STATUS bits [7:4])
ERR_DESC_READ = regs.ERR_DESC_READ       # 1: a descriptor read answered other than OKAY
ERR_DATA_READ = regs.ERR_DATA_READ       # 2: a buffer read answered other than OKAY
ERR_WRITEBACK = regs.ERR_WRITEBACK       # 3: a writeback answered other than OKAY
ERR_BAD_DESC = regs.ERR_BAD_DESC         # 4: a bad descriptor
ERR_BAD_CONFIG = regs.ERR_BAD_CONFIG     # 5: RING_SIZE not legal at enable

STAT_BITS = rx_contract.STAT_BITS        # STAT_FRAMES, STAT_DESC_FETCHED, STAT_AXI_ERR wrap at 32
BYTES_BITS = rx_contract.BYTES_BITS      # STAT_BYTES wraps at 64
wrap = rx_contract.wrap
owned = rx_contract.owned
ring_size_ok = rx_contract.ring_size_ok
pkt_thresh = rx_contract.pkt_thresh
delay_clocks = rx_contract.delay_clocks
irq_level = rx_contract.irq_level


# ------------------------------------------------------------------ descriptors

def desc(buf_addr: int, length: int, eop: bool) -> bytes:
    """The 16 bytes the driver writes: regs.pack_tx_desc."""
    return regs.pack_tx_desc(buf_addr, length, eop)


def writeback(d: regs.TxDesc) -> bytes:
    """The 16 bytes the device writes back over descriptor `d`: BUF_ADDR, LEN and CMD as
    read, STATUS.DD, every other byte zero."""
    return regs.pack_tx_writeback(d.buf_addr, d.length, d.cmd)


class FrameCheck(NamedTuple):
    """A frame's descriptors as the device judges them: how many it takes (`ndesc`), its
    bytes (`length`), and `bad`, None or the BAD_* reason that halts the queue (the frame
    is then never sent and `ndesc` counts the descriptors up to the bad one)."""

    ndesc: int
    length: int
    bad: Optional[str]


def check_frame(descs: Iterable[regs.TxDesc]) -> Optional[FrameCheck]:
    """Walk descriptors in ring order from a frame's first: the frame up to and including the
    one with EOP, or the first bad descriptor; None while no EOP and no bad descriptor is
    among those given (the device waits for more). A descriptor is bad when its LEN is 0 or
    its buffer passes the top of the address space, when it brings the frame past 9216 bytes,
    or when it is the 18th of a frame and has no EOP (the frame would take more than 18: the
    device knows it without reading the 19th). The rules apply in that order."""
    total = 0
    n = 0
    for d in descs:
        n += 1
        if d.length == 0:
            return FrameCheck(n, total, BAD_LEN0)
        if d.buf_addr + d.length > ADDR_TOP:
            return FrameCheck(n, total, BAD_WRAP)
        total += d.length
        if total > MAX_FRAME_BYTES:
            return FrameCheck(n, total, BAD_TOO_LONG)
        if d.eop:
            return FrameCheck(n, total, None)
        if n == MAX_DESC_PER_FRAME:
            return FrameCheck(n, total, BAD_TOO_MANY)
    return None


def frame_pieces(descs: Sequence[regs.TxDesc]) -> List[Tuple[int, int]]:
    """(BUF_ADDR, LEN) of each buffer of a good frame, in the order its bytes go out."""
    return [(d.buf_addr, d.length) for d in descs]


def assemble(pieces: Iterable[bytes]) -> bytes:
    """The frame on `m_axis_tx`: the buffers' bytes back to back, in descriptor order."""
    return b"".join(pieces)


def expect(descs: Sequence[regs.TxDesc], read) -> Tuple[List[bytes], int, Optional[int]]:
    """What the device does with the descriptors it owns, in ring order from HEAD, when
    every access answers OKAY: (the frames it sends, in order; how many descriptors it writes
    back; ERR_BAD_DESC if it halts on a bad descriptor, else None: it sent them all or waits
    for the rest of a frame). `read(addr, length) -> bytes` gives a buffer's bytes."""
    frames: List[bytes] = []
    done = 0
    while done < len(descs):
        chk = check_frame(descs[done:])
        if chk is None:
            break
        if chk.bad is not None:
            return frames, done, ERR_BAD_DESC
        frames.append(assemble(read(d.buf_addr, d.length) for d in descs[done:done + chk.ndesc]))
        done += chk.ndesc
    return frames, done, None


# ------------------------------------------------------------------ reads

def read_span(buf_addr: int, length: int, nbytes: int) -> Tuple[int, int]:
    """[start, end) the device reads for a buffer: widened to whole bus beats of nbytes; the
    bytes outside [BUF_ADDR, BUF_ADDR + LEN) are discarded."""
    start = buf_addr - buf_addr % nbytes
    end = -(-(buf_addr + length) // nbytes) * nbytes
    return start, end


def read_bursts(buf_addr: int, length: int, nbytes: int, max_beats: int = 256
                ) -> List[Tuple[int, int]]:
    """The INCR bursts (address, beats) of full-width beats that read a buffer: the span of
    read_span, cut at every 4 KB boundary and at max_beats beats."""
    start, end = read_span(buf_addr, length, nbytes)
    out = []
    a = start
    while a < end:
        to_4k = (BOUNDARY_4K - (a % BOUNDARY_4K)) // nbytes
        beats = min((end - a) // nbytes, max_beats, max(to_4k, 1))
        out.append((a, beats))
        a += beats * nbytes
    return out


def desc_addr(ring_base: int, index: int) -> int:
    """Bus address of descriptor `index`."""
    return ring_base + index * regs.DESC_SIZE


# ------------------------------------------------------------------ counters and interrupts

def count_sent(frames: int, nbytes: int, length: int) -> Tuple[int, int]:
    """STAT_FRAMES and STAT_BYTES after one more frame of `length` bytes went to the MAC."""
    return wrap(frames + 1, STAT_BITS), wrap(nbytes + length, BYTES_BITS)


def txdw_due(completed: int, itr: int) -> bool:
    """TXDW by count: `completed` frames since TXDW was last cleared reach PKT_THRESH."""
    return rx_contract.rxdw_due(completed, itr)


# ------------------------------------------------------------------ registers

def reg_known(off: int) -> bool:
    """Whether the TX block decodes `off`; unknown offsets (the RX-only ones too) read 0 and
    ignore writes."""
    return off in regs.TX_NAMES


def reg_write_value(off: int, value: int) -> Optional[int]:
    """What an RW register holds after a write of `value` (its writable mask applied); None
    for an offset that is not an RW register."""
    rw = regs.TX_RW_REGS.get(off)
    return None if rw is None else value & rw[1]
