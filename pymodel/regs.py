"""Register offsets, bit fields and descriptor layout of nic_rx_dma (docs/CONTRACT.md §2, docs/DESIGN.md)."""
from __future__ import annotations

import array
import struct
import sys
from typing import NamedTuple

# Register byte offsets (docs/CONTRACT.md §2 "Registers").
ID = 0x000
VERSION = 0x004
CTRL = 0x008
STATUS = 0x00C
RING_BASE_LO = 0x010
RING_BASE_HI = 0x014
RING_SIZE = 0x018
HEAD = 0x020
TAIL = 0x024
ICR = 0x030
IMS = 0x034
ITR = 0x038
RDMT = 0x03C
STAT_FRAMES = 0x040
STAT_BYTES_LO = 0x044
STAT_BYTES_HI = 0x048
STAT_DROP_FIFO = 0x04C
STAT_DROP_NODESC = 0x050
STAT_DROP_ERR = 0x054
STAT_DROP_OVERSIZE = 0x058
STAT_NODESC_WAIT = 0x05C
STAT_DESC_FETCHED = 0x060
STAT_AXI_ERR = 0x064
MAX_FRAME = 0x070
CSUM_START = 0x074
FIFO_BYTES_REG = 0x078
DATA_W_REG = 0x07C

ID_VALUE = 0x4E494352          # "NICR"
VERSION_VALUE = 0x00010000     # 1.0 (docs/DESIGN.md)

# CTRL bits
CTRL_EN = 1 << 0
CTRL_DROP_BAD = 1 << 1
CTRL_DROP_NODESC = 1 << 2

# STATUS bits
STATUS_RUNNING = 1 << 0
STATUS_HALTED = 1 << 1
STATUS_ERR_SHIFT = 4
STATUS_ERR_MASK = 0xF << STATUS_ERR_SHIFT
ERR_NONE, ERR_DESC_READ, ERR_DATA_WRITE, ERR_WRITEBACK, ERR_BAD_DESC, ERR_BAD_CONFIG = range(6)

# ICR / IMS cause bits
ICR_RXDW = 1 << 0
ICR_RXDMT = 1 << 1
ICR_RXO = 1 << 2
ICR_ERR = 1 << 3
ICR_ALL = 0xF

# Descriptor (16 bytes, little-endian)
DESC_SIZE = 16
DESC_DD = 1 << 0
DESC_EOP = 1 << 1
DESC_ERR_MAC = 1 << 0
RING_SIZE_MIN = 8
RING_SIZE_MAX = 32768

# Reset values (docs/DESIGN.md "Registers")
MAX_FRAME_RESET = 9216
CSUM_START_RESET = 14

# The named statistic registers, in the order the co-sim summary prints them.
STAT_REGS = {
    "frames": STAT_FRAMES,
    "drop_fifo": STAT_DROP_FIFO,
    "drop_nodesc": STAT_DROP_NODESC,
    "drop_err": STAT_DROP_ERR,
    "drop_oversize": STAT_DROP_OVERSIZE,
    "nodesc_wait": STAT_NODESC_WAIT,
    "desc_fetched": STAT_DESC_FETCHED,
    "axi_err": STAT_AXI_ERR,
}

# Every statistic register in offset order, with the two halves of the byte count.
STAT_ALL = {"frames": STAT_FRAMES, "bytes_lo": STAT_BYTES_LO, "bytes_hi": STAT_BYTES_HI,
            **{k: v for k, v in STAT_REGS.items() if k != "frames"}}

# The RW registers: offset -> (reset value, writable mask).
RW_REGS = {
    CTRL: (0, 0x7),
    RING_BASE_LO: (0, 0xFFFFFFF0),
    RING_BASE_HI: (0, 0xFFFFFFFF),
    RING_SIZE: (0, 0xFFFFFFFF),
    IMS: (0, 0xF),
    ITR: (0, 0xFFFFFFFF),
    RDMT: (0, 0xFFFFFFFF),
    MAX_FRAME: (MAX_FRAME_RESET, 0xFFFF),
    CSUM_START: (CSUM_START_RESET, 0xFFFF),
}

# Register names for messages, by offset.
NAMES = {off: name for name, off in (
    ("ID", ID), ("VERSION", VERSION), ("CTRL", CTRL), ("STATUS", STATUS),
    ("RING_BASE_LO", RING_BASE_LO), ("RING_BASE_HI", RING_BASE_HI), ("RING_SIZE", RING_SIZE),
    ("HEAD", HEAD), ("TAIL", TAIL), ("ICR", ICR), ("IMS", IMS), ("ITR", ITR), ("RDMT", RDMT),
    ("STAT_FRAMES", STAT_FRAMES), ("STAT_BYTES_LO", STAT_BYTES_LO),
    ("STAT_BYTES_HI", STAT_BYTES_HI), ("STAT_DROP_FIFO", STAT_DROP_FIFO),
    ("STAT_DROP_NODESC", STAT_DROP_NODESC), ("STAT_DROP_ERR", STAT_DROP_ERR),
    ("STAT_DROP_OVERSIZE", STAT_DROP_OVERSIZE), ("STAT_NODESC_WAIT", STAT_NODESC_WAIT),
    ("STAT_DESC_FETCHED", STAT_DESC_FETCHED), ("STAT_AXI_ERR", STAT_AXI_ERR),
    ("MAX_FRAME", MAX_FRAME), ("CSUM_START", CSUM_START), ("FIFO_BYTES", FIFO_BYTES_REG),
    ("DATA_W", DATA_W_REG))}

_READ_FMT = struct.Struct("<QH6x")
_WB_FMT = struct.Struct("<QHHBB2x")


class Writeback(NamedTuple):
    """A descriptor as the device wrote it back."""
    buf_addr: int
    length: int
    csum: int
    status: int
    errors: int


def pack_read_desc(buf_addr: int, buf_len: int) -> bytes:
    """Read-format descriptor written by the driver."""
    return _READ_FMT.pack(buf_addr, buf_len)


def unpack_read_desc(raw: bytes) -> tuple:
    """(BUF_ADDR, BUF_LEN) of a read-format descriptor."""
    return _READ_FMT.unpack(raw)


def pack_writeback(buf_addr: int, length: int, csum: int, status: int, errors: int) -> bytes:
    """Writeback-format descriptor written by the device."""
    return _WB_FMT.pack(buf_addr, length, csum, status, errors)


def unpack_writeback(raw: bytes) -> Writeback:
    """Parse a writeback-format descriptor."""
    return Writeback(*_WB_FMT.unpack(raw))


def csum16(data: bytes, start: int) -> int:
    """docs/CONTRACT.md §2 CSUM: ones'-complement sum of big-endian 16-bit words from start, not inverted."""
    if len(data) < start:
        return 0
    words = array.array("H", bytes(data[start:]) + (b"\x00" if (len(data) - start) & 1 else b""))
    if sys.byteorder == "little":
        words.byteswap()
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total
