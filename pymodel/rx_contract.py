"""What nic_rx_dma does with a frame (docs/CONTRACT.md §2, docs/DESIGN.md), as plain functions.

Ingress classification, the FIFO room a frame takes, which descriptors a frame takes and how
its bytes spread over their buffers, the writebacks, the counters' widths and the interrupt
rules. RefNic (refnic.py) runs on these functions in zero time, and the RTL bench
(tb/rtl/expect.py) predicts the RTL's outcomes from them. The register map, the descriptor
formats and the CSUM checksum (`regs.csum16`) are in regs.py.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from . import regs

# A frame's fate at ingress. A drop is named after the statistic that counts it
# (regs.STAT_REGS); a stored frame is delivered unless the descriptor rules or a halt drop it.
STORED = "stored"
DROP_FIFO = "drop_fifo"
DROP_NODESC = "drop_nodesc"
DROP_ERR = "drop_err"
DROP_OVERSIZE = "drop_oversize"
DROPS = (DROP_FIFO, DROP_NODESC, DROP_ERR, DROP_OVERSIZE)
RXO_DROPS = frozenset((DROP_FIFO, DROP_NODESC))     # the drops that set ICR.RXO

# The frame at the FIFO head when the descriptors it needs are not all held: it waits, and
# STAT_NODESC_WAIT counts it once.
NODESC_WAIT = "nodesc_wait"

ADDR_TOP = 1 << 64          # a buffer may end at, not past, the top of the address space
STAT_BITS = 32              # every STAT_* counter but STAT_BYTES
BYTES_BITS = 64             # STAT_BYTES (STAT_BYTES_LO, STAT_BYTES_HI)
DELAY_UNIT_CLOCKS = 16      # ITR.DELAY counts in units of 16 clocks


# ------------------------------------------------------------------ ingress

def tkeep_beats(tkeep: Sequence[int], nbytes: int) -> List[int]:
    """The per-beat tkeep words of a frame whose per-byte tkeep is `tkeep`."""
    out = []
    for i in range(0, len(tkeep), nbytes):
        k = 0
        for j, b in enumerate(tkeep[i:i + nbytes]):
            k |= (b & 1) << j
        out.append(k)
    return out


def tkeep_well_formed(beats: Sequence[int], nbytes: int) -> bool:
    """Ingress rule 2: at least one beat, all ones before tlast, and on tlast non-zero and
    contiguous from bit 0. A zero-length frame is malformed."""
    if not beats:
        return False
    full = (1 << nbytes) - 1
    if any(k != full for k in beats[:-1]):
        return False
    last = beats[-1]
    return last != 0 and last & (last + 1) == 0


def fifo_room(length: int, nbytes: int) -> int:
    """FIFO bytes a frame of `length` bytes takes: whole bus words, from a word boundary."""
    return -(-length // nbytes) * nbytes


def fifo_admits(length: int, *, used: int, frames: int, nbytes: int, fifo_bytes: int,
                meta_depth: int) -> bool:
    """Ingress rule 4: the frame fits beside `used` bytes and `frames` frames already stored."""
    return used + fifo_room(length, nbytes) <= fifo_bytes and frames < meta_depth


def classify(length: int, *, running: bool, malformed: bool, fits: bool, tuser: bool,
             drop_bad: bool, max_frame: int) -> str:
    """A frame's fate on its tlast beat by the first ingress rule that applies (DESIGN
    'Ingress' 1-6): DROP_FIFO, DROP_ERR, DROP_OVERSIZE or STORED. `fits` is rule 4."""
    if not running:
        return DROP_FIFO
    if malformed or length == 0:
        return DROP_ERR
    if length > max_frame:
        return DROP_OVERSIZE
    if not fits:
        return DROP_FIFO
    if tuser and drop_bad:
        return DROP_ERR
    return STORED


# ------------------------------------------------------------------ descriptors and placement

def bad_descriptor(buf_addr: int, buf_len: int) -> bool:
    """BUF_LEN 0, or a buffer that wraps past the top of the address space: the queue halts
    with ERR_BAD_DESC when a frame first needs it."""
    return buf_len == 0 or buf_addr + buf_len > ADDR_TOP


def descriptors_needed(length: int, buf_lens: Sequence[int]) -> Optional[int]:
    """How many of the buffers, in ring order, a frame of `length` bytes fills; None when
    they all together hold fewer than `length` bytes."""
    have = 0
    for n, bl in enumerate(buf_lens, 1):
        have += bl
        if have >= length:
            return n
    return None


def short_of_descriptors(held: int, *, desc_queue: int, all_fetched: bool,
                         drop_nodesc: bool) -> Optional[str]:
    """The frame at the FIFO head when the `held` descriptors do not cover it (DESIGN
    'Descriptors per frame'): DROP_NODESC when it needs more than the queue holds, or when
    the device holds every descriptor it owns and CTRL.DROP_NODESC is set; NODESC_WAIT when it
    holds them all without DROP_NODESC; None while descriptors are still being fetched."""
    if held >= desc_queue:
        return DROP_NODESC
    if all_fetched:
        return DROP_NODESC if drop_nodesc else NODESC_WAIT
    return None


def place(length: int, buf_lens: Sequence[int]) -> List[int]:
    """Bytes a frame writes into each buffer it takes: each one full, the last one partial."""
    out = []
    rem = length
    for bl in buf_lens:
        n = min(bl, rem)
        out.append(n)
        rem -= n
        if rem == 0:
            return out
    raise ValueError(f"buffers of {list(buf_lens)} bytes hold fewer than {length}")


# ------------------------------------------------------------------ writeback

def writebacks(bufs: Sequence[Tuple[int, int]], length: int, csum: int,
               mac_err: bool) -> List[regs.Writeback]:
    """The descriptors a frame of `length` bytes is written back as, over `bufs`
    [(BUF_ADDR, BUF_LEN)] in ring order: LEN per buffer and DD on each; EOP, CSUM and
    ERRORS.MAC_ERR on the last only. Pack each with regs.pack_writeback(*wb)."""
    lens = place(length, [bl for _, bl in bufs])
    last = len(lens) - 1
    return [regs.Writeback(addr, n, csum if i == last else 0,
                           regs.DESC_DD | (regs.DESC_EOP if i == last else 0),
                           regs.DESC_ERR_MAC if i == last and mac_err else 0)
            for i, ((addr, _), n) in enumerate(zip(bufs, lens))]


# ------------------------------------------------------------------ counters

def wrap(count: int, bits: int = STAT_BITS) -> int:
    """What a statistic register reads after `count` events (or bytes): it wraps."""
    return count & ((1 << bits) - 1)


# ------------------------------------------------------------------ interrupts

def pkt_thresh(itr: int) -> int:
    """Reported frames that set RXDW: ITR.PKT_THRESH, where 0 acts as 1."""
    return max(itr & 0xFFFF, 1)


def delay_clocks(itr: int) -> int:
    """Clocks after the last report that set RXDW while frames are counted (0: no timer)."""
    return ((itr >> 16) & 0xFFFF) * DELAY_UNIT_CLOCKS


def rxdw_due(reported: int, itr: int) -> bool:
    """RXDW by count: `reported` frames since RXDW was last cleared reach the threshold."""
    return reported >= pkt_thresh(itr)


def owned(head: int, tail: int, ring_size: int) -> int:
    """Descriptors the device owns: (TAIL - HEAD) mod RING_SIZE."""
    return (tail - head) % ring_size if ring_size else 0


def rxdmt_due(owned_after: int, rdmt: int) -> bool:
    """RXDMT when HEAD advances and leaves fewer than RDMT descriptors owned."""
    return owned_after < rdmt


def irq_level(icr: int, ims: int) -> bool:
    """The irq line: any enabled cause."""
    return bool(icr & ims)


# ------------------------------------------------------------------ queue

def ring_size_ok(size: int) -> bool:
    """RING_SIZE at enable: a power of two in [RING_SIZE_MIN, RING_SIZE_MAX], else the queue
    halts with ERR_BAD_CONFIG."""
    return regs.RING_SIZE_MIN <= size <= regs.RING_SIZE_MAX and size & (size - 1) == 0
