"""Register map and field constants of nic_rx_dma (SPEC §2, docs/DESIGN.md)."""

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
FIFO_BYTES = 0x078
DATA_W = 0x07C

ID_VALUE = 0x4E494352
VERSION_VALUE = 0x00010000

CTRL_EN = 1 << 0
CTRL_DROP_BAD = 1 << 1
CTRL_DROP_NODESC = 1 << 2

STATUS_RUNNING = 1 << 0
STATUS_HALTED = 1 << 1

ICR_RXDW = 1 << 0
ICR_RXDMT = 1 << 1
ICR_RXO = 1 << 2
ICR_ERR = 1 << 3

ERR_NONE = 0
ERR_DESC_READ = 1
ERR_DATA_WRITE = 2
ERR_WRITEBACK = 3
ERR_BAD_DESC = 4
ERR_BAD_CONFIG = 5

# DESIGN.md parameter defaults the bench relies on
DEFAULTS = dict(FIFO_BYTES=32768, META_DEPTH=512, DESC_QUEUE=64, DESC_BURST=16,
                MAX_BURST=16, WB_BURST=8, MAX_OUTSTANDING=16)
MAX_FRAME_RESET = 9216
CSUM_START_RESET = 14

# (offset, reset value, writable mask); RO registers have mask 0
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
STAT_REGS = {
    "frames": STAT_FRAMES, "bytes_lo": STAT_BYTES_LO, "bytes_hi": STAT_BYTES_HI,
    "drop_fifo": STAT_DROP_FIFO, "drop_nodesc": STAT_DROP_NODESC, "drop_err": STAT_DROP_ERR,
    "drop_oversize": STAT_DROP_OVERSIZE, "nodesc_wait": STAT_NODESC_WAIT,
    "desc_fetched": STAT_DESC_FETCHED, "axi_err": STAT_AXI_ERR,
}
NAMES = {v: k for k, v in globals().items() if isinstance(v, int) and k.isupper()
         and not k.startswith(("CTRL_", "STATUS_", "ICR_", "ERR_", "ID_", "VERSION_"))
         and k not in ("MAX_FRAME_RESET", "CSUM_START_RESET") and v < 0x1000}
