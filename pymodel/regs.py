"""Register offsets, bit fields and descriptor layouts of nic_rx_dma (docs/CONTRACT.md §2,
docs/DESIGN.md) and, below the RX table, of nic_tx_dma (§5: the `TX_*` names)."""
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


# ---------------------------------------------------------------------------------------------
# nic_tx_dma (docs/CONTRACT.md §5): the same layout as the RX block, with the meanings of §5.
# Behind the top `nic_dma` its registers sit at TX_BASE; a bare nic_tx_dma has them at 0.
# ---------------------------------------------------------------------------------------------
TX_BASE = 0x1000               # nic_dma: RX registers at 0x0000-0x0FFF, TX at 0x1000-0x1FFF
BLOCK_SPAN = 0x1000            # bytes of register space each block decodes behind nic_dma
TX_ID_VALUE = 0x4E494354       # "NICT"
TX_VERSION_VALUE = 0x00010000  # 1.0

# ICR / IMS cause bits of the TX block
ICR_TXDW = 1 << 0              # descriptors done (moderated)
TX_ICR_ALL = ICR_TXDW | ICR_ERR

# ERR_CODE 2 reads "data read error" on the TX block (the RX block's is a data write error)
ERR_DATA_READ = ERR_DATA_WRITE

# TX descriptor (16 bytes, little-endian): BUF_ADDR 0-7, LEN 8-9, CMD 11, STATUS 12
TXD_CMD_EOP = 1 << 0           # CMD bit0: the last buffer of the frame
TXD_STA_DD = 1 << 0            # STATUS bit0: written back by the device
TXD_CMD_BYTE = 11
TXD_STATUS_BYTE = 12

# The TX block's statistics, named as the co-sim summary prints them.
TX_STAT_REGS = {
    "frames": STAT_FRAMES,
    "desc_fetched": STAT_DESC_FETCHED,
    "axi_err": STAT_AXI_ERR,
}
TX_STAT_ALL = {"frames": STAT_FRAMES, "bytes_lo": STAT_BYTES_LO, "bytes_hi": STAT_BYTES_HI,
               "desc_fetched": STAT_DESC_FETCHED, "axi_err": STAT_AXI_ERR}

# The TX block's RW registers: offset -> (reset value, writable mask).
TX_RW_REGS = {
    CTRL: (0, 0x1),
    RING_BASE_LO: (0, 0xFFFFFFF0),
    RING_BASE_HI: (0, 0xFFFFFFFF),
    RING_SIZE: (0, 0xFFFFFFFF),
    IMS: (0, TX_ICR_ALL),
    ITR: (0, 0xFFFFFFFF),
}

# Every offset the TX block decodes; any other one (the RX-only RDMT, STAT_DROP_*,
# STAT_NODESC_WAIT, MAX_FRAME, CSUM_START included) is an unknown offset: it reads 0 and
# ignores writes.
TX_NAMES = {off: name for name, off in (
    ("ID", ID), ("VERSION", VERSION), ("CTRL", CTRL), ("STATUS", STATUS),
    ("RING_BASE_LO", RING_BASE_LO), ("RING_BASE_HI", RING_BASE_HI), ("RING_SIZE", RING_SIZE),
    ("HEAD", HEAD), ("TAIL", TAIL), ("ICR", ICR), ("IMS", IMS), ("ITR", ITR),
    ("STAT_FRAMES", STAT_FRAMES), ("STAT_BYTES_LO", STAT_BYTES_LO),
    ("STAT_BYTES_HI", STAT_BYTES_HI), ("STAT_DESC_FETCHED", STAT_DESC_FETCHED),
    ("STAT_AXI_ERR", STAT_AXI_ERR), ("FIFO_BYTES", FIFO_BYTES_REG), ("DATA_W", DATA_W_REG))}
TX_UNKNOWN_RX_OFFSETS = tuple(sorted(set(NAMES) - set(TX_NAMES)))

_TX_FMT = struct.Struct("<QHxBB3x")


class TxDesc(NamedTuple):
    """A TX descriptor: as the driver writes it (status 0) or as the device writes it back."""
    buf_addr: int
    length: int
    cmd: int
    status: int

    @property
    def eop(self) -> bool:
        return bool(self.cmd & TXD_CMD_EOP)

    @property
    def dd(self) -> bool:
        return bool(self.status & TXD_STA_DD)


def pack_tx_desc(buf_addr: int, length: int, eop: bool) -> bytes:
    """The read format the driver writes: BUF_ADDR, LEN, CMD.EOP; STATUS and the rest zero."""
    return _TX_FMT.pack(buf_addr, length, TXD_CMD_EOP if eop else 0, 0)


def pack_tx_writeback(buf_addr: int, length: int, cmd: int) -> bytes:
    """The writeback over all 16 bytes: BUF_ADDR, LEN and CMD unchanged, STATUS.DD, zeros."""
    return _TX_FMT.pack(buf_addr, length, cmd, TXD_STA_DD)


def unpack_tx_desc(raw: bytes) -> TxDesc:
    """Parse a TX descriptor (either format)."""
    return TxDesc(*_TX_FMT.unpack(raw))
