"""The bench's register map: pymodel.regs (the project's one table of offsets and fields), plus
what only the bench needs: short names for FIFO_BYTES/DATA_W, error codes, parameter defaults,
writable masks and names for messages."""
from pymodel.regs import *  # noqa: F401,F403 - re-export the one register table
from pymodel import regs as _regs

FIFO_BYTES = _regs.FIFO_BYTES_REG
DATA_W = _regs.DATA_W_REG

ERR_NONE = 0
ERR_DESC_READ = 1
ERR_DATA_WRITE = 2
ERR_WRITEBACK = 3
ERR_BAD_DESC = 4
ERR_BAD_CONFIG = 5

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
STAT_REGS = {"frames": STAT_FRAMES, "bytes_lo": STAT_BYTES_LO, "bytes_hi": STAT_BYTES_HI,
             **{k: v for k, v in _regs.STAT_REGS.items() if k != "frames"}}
_REG_NAMES = ("ID", "VERSION", "CTRL", "STATUS", "RING_BASE_LO", "RING_BASE_HI", "RING_SIZE",
              "HEAD", "TAIL", "ICR", "IMS", "ITR", "RDMT", "STAT_FRAMES", "STAT_BYTES_LO",
              "STAT_BYTES_HI", "STAT_DROP_FIFO", "STAT_DROP_NODESC", "STAT_DROP_ERR",
              "STAT_DROP_OVERSIZE", "STAT_NODESC_WAIT", "STAT_DESC_FETCHED", "STAT_AXI_ERR",
              "MAX_FRAME", "CSUM_START", "FIFO_BYTES", "DATA_W")
NAMES = {globals()[n]: n for n in _REG_NAMES}
