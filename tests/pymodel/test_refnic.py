"""The reference NIC against docs/CONTRACT.md §2 and docs/DESIGN.md, driven register by register."""
import pytest

from pymodel import regs
from pymodel.costs import get_profile
from pymodel.dma import DMA_FROM_DEVICE, HostMemory
from pymodel.refnic import RefNic
from pymodel.sim import Env


class Rig:
    """A ring of n descriptors over one mapped page each, with a RefNic."""

    def __init__(self, n=8, buf_len=1024, strict=True, profile="cortex-a53"):
        self.env = Env()
        self.hm = HostMemory(get_profile(profile), strict=strict)
        self.irqs = 0
        self.nic = RefNic(self.hm, self.env, on_irq=self._irq)
        self.n = n
        self.buf_len = buf_len
        self.ring = self.hm.dma_alloc_coherent(n * 16)
        self.bufs = []
        for _ in range(n):
            page = self.hm.alloc.alloc_pages(0)
            addr = self.hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
            self.hm.dma_mapping_error(addr)
            self.bufs.append((page, addr))

    def _irq(self):
        self.irqs += 1

    def w(self, off, v):
        self.nic.reg_write(off, v)

    def r(self, off):
        return self.nic.reg_read(off)

    def enable(self, ctrl=regs.CTRL_EN):
        self.w(regs.RING_BASE_LO, self.ring.dma_handle & 0xFFFFFFFF)
        self.w(regs.RING_BASE_HI, self.ring.dma_handle >> 32)
        self.w(regs.RING_SIZE, self.n)
        self.w(regs.CTRL, ctrl)

    def post(self, first, count, buf_len=None):
        for i in range(first, first + count):
            self.ring.write((i % self.n) * 16,
                            regs.pack_read_desc(self.bufs[i % self.n][1],
                                                 self.buf_len if buf_len is None else buf_len))
        self.w(regs.TAIL, (first + count) % self.n)

    def wb(self, i):
        return regs.unpack_writeback(self.ring.read(i * 16, 16))

    def data(self, i, n):
        page, addr = self.bufs[i]
        return bytes(page.data[:n])


def test_id_version_reset_values_and_unknown():
    rig = Rig()
    assert rig.r(regs.ID) == 0x4E494352 and rig.r(regs.VERSION) == 0x00010000
    assert rig.r(regs.MAX_FRAME) == 9216 and rig.r(regs.CSUM_START) == 14
    assert rig.r(regs.FIFO_BYTES_REG) == 32768 and rig.r(regs.DATA_W_REG) == 64
    assert rig.r(0x200) == 0
    rig.w(regs.ID, 5)
    assert rig.r(regs.ID) == 0x4E494352
    rig.w(regs.RING_BASE_LO, 0x1237)
    assert rig.r(regs.RING_BASE_LO) == 0x1230
    for off in (regs.ITR, regs.RDMT):
        rig.w(off, 0x12345678)
        assert rig.r(off) == 0x12345678


def test_single_frame_writeback_csum_head_and_stats():
    rig = Rig()
    rig.enable()
    assert rig.r(regs.STATUS) == regs.STATUS_RUNNING
    rig.post(0, 7)
    assert rig.r(regs.STAT_DESC_FETCHED) == 7
    frame = bytes(range(256)) * 2 + b"\x07"
    assert rig.nic.mac_rx(frame) == "stored"
    assert rig.data(0, len(frame)) == frame and rig.bufs[0][0].data[len(frame)] == 0xA5
    wb = rig.wb(0)
    assert wb == (rig.bufs[0][1], len(frame), regs.csum16(frame, 14), 3, 0)
    assert rig.r(regs.HEAD) == 1 and rig.r(regs.STAT_FRAMES) == 1
    assert rig.r(regs.STAT_BYTES_LO) == len(frame) and rig.r(regs.STAT_BYTES_HI) == 0
    assert rig.r(regs.ICR) & regs.ICR_RXDW


def test_multi_buffer_frame_fills_each_buffer():
    rig = Rig(buf_len=100)
    rig.enable()
    rig.post(0, 7)
    frame = bytes((i * 7) & 0xFF for i in range(250))
    rig.nic.mac_rx(frame)
    assert [rig.wb(i).length for i in range(3)] == [100, 100, 50]
    assert [rig.wb(i).status for i in range(3)] == [1, 1, 3]
    assert [rig.wb(i).csum for i in range(3)] == [0, 0, regs.csum16(frame, 14)]
    assert rig.data(0, 100) + rig.data(1, 100) + rig.data(2, 50) == frame
    assert rig.r(regs.HEAD) == 3


def test_waits_for_descriptors_then_delivers_in_order():
    rig = Rig(buf_len=100)
    rig.enable()
    rig.nic.mac_rx(b"a" * 60)
    rig.nic.mac_rx(b"b" * 150)
    assert rig.r(regs.STAT_NODESC_WAIT) == 1
    rig.post(0, 2)
    assert rig.r(regs.STAT_FRAMES) == 1 and rig.r(regs.STAT_NODESC_WAIT) == 2
    rig.post(2, 1)
    assert rig.r(regs.STAT_FRAMES) == 2
    assert rig.data(0, 60) == b"a" * 60 and rig.data(1, 100) + rig.data(2, 50) == b"b" * 150


def test_drop_rules_in_order():
    rig = Rig(buf_len=100)
    rig.nic.mac_rx(b"x" * 60)                                 # not running
    assert rig.r(regs.STAT_DROP_FIFO) == 1 and rig.r(regs.ICR) & regs.ICR_RXO
    rig.enable(regs.CTRL_EN | regs.CTRL_DROP_BAD | regs.CTRL_DROP_NODESC)
    assert rig.nic.mac_rx(b"x" * 60, malformed=True) == "drop_err"
    assert rig.nic.mac_rx(b"") == "drop_err"
    rig.w(regs.MAX_FRAME, 1000)
    assert rig.nic.mac_rx(b"x" * 1001) == "drop_oversize"
    assert rig.nic.mac_rx(b"x" * 60, tuser=True) == "drop_err"
    assert rig.nic.mac_rx(b"x" * 60) == "stored"              # no descriptors + DROP_NODESC
    assert rig.r(regs.STAT_DROP_NODESC) == 1
    assert (rig.r(regs.STAT_DROP_ERR), rig.r(regs.STAT_DROP_OVERSIZE)) == (3, 1)


def test_mac_err_flagged_when_not_dropped():
    rig = Rig()
    rig.enable()
    rig.post(0, 4)
    rig.nic.mac_rx(b"e" * 80, tuser=True)
    assert rig.wb(0).errors == regs.DESC_ERR_MAC


def test_fifo_overflow_and_frame_too_big_for_queue():
    rig = Rig(buf_len=64)
    rig.nic.fifo_bytes = 1024
    rig.enable()
    assert rig.nic.mac_rx(b"f" * 1000) == "stored"            # waits: no descriptors
    assert rig.nic.mac_rx(b"g" * 100) == "drop_fifo"
    rig.nic.desc_queue = 4
    rig.post(0, 7)                                             # 1000 B needs 16 x 64 B > queue
    assert rig.r(regs.STAT_DROP_NODESC) == 1 and not rig.nic.fifo


def test_bad_config_and_bad_descriptor_halt_and_recover():
    rig = Rig()
    rig.w(regs.RING_SIZE, 12)
    rig.w(regs.CTRL, regs.CTRL_EN)
    st = rig.r(regs.STATUS)
    assert st & regs.STATUS_HALTED and (st >> 4) == regs.ERR_BAD_CONFIG
    assert rig.r(regs.ICR) & regs.ICR_ERR
    rig.w(regs.CTRL, 0)
    rig.enable()
    assert rig.r(regs.STATUS) == regs.STATUS_RUNNING
    rig.post(0, 2, buf_len=0)
    rig.nic.mac_rx(b"h" * 60)
    rig.nic.mac_rx(b"i" * 60)
    st = rig.r(regs.STATUS)
    assert st == regs.STATUS_HALTED | (regs.ERR_BAD_DESC << 4)
    assert rig.r(regs.STAT_DROP_FIFO) == 2                     # flushed at the halt + arrived after
    assert rig.nic.mac_rx(b"j" * 60) == "drop_fifo"            # halted drops what arrives
    rig.w(regs.CTRL, 0)
    rig.w(regs.CTRL, regs.CTRL_EN)
    assert rig.r(regs.STATUS) == regs.STATUS_RUNNING and rig.r(regs.HEAD) == 0


def test_ring_base_locked_while_enabled_and_tail_range():
    rig = Rig()
    rig.enable()
    rig.w(regs.RING_SIZE, 16)
    rig.w(regs.RING_BASE_LO, 0)
    assert rig.r(regs.RING_SIZE) == 8 and rig.r(regs.RING_BASE_LO) != 0
    rig.w(regs.TAIL, 8)
    assert rig.r(regs.TAIL) == 0


def test_moderation_threshold_delay_and_w1c():
    rig = Rig()
    rig.w(regs.ITR, (10 << 16) | 3)                           # 3 frames or 160 clocks
    rig.w(regs.IMS, regs.ICR_RXDW)
    rig.enable()
    rig.post(0, 7)
    rig.nic.mac_rx(b"k" * 60)
    rig.nic.mac_rx(b"k" * 60)
    assert not rig.r(regs.ICR) & regs.ICR_RXDW and not rig.nic.irq
    rig.nic.mac_rx(b"k" * 60)
    assert rig.r(regs.ICR) & regs.ICR_RXDW and rig.nic.irq and rig.irqs == 1
    rig.w(regs.ICR, regs.ICR_RXDW)
    assert not rig.nic.irq
    rig.nic.mac_rx(b"k" * 60)
    rig.env.run(until_ns=rig.env.now_ns + 10 * 16 * 4 - 1)
    assert not rig.r(regs.ICR) & regs.ICR_RXDW
    rig.env.run(until_ns=rig.env.now_ns + 2)
    assert rig.r(regs.ICR) & regs.ICR_RXDW and rig.irqs == 2


def test_rxdmt_and_disable_flushes_fifo():
    rig = Rig()
    rig.w(regs.RDMT, 4)
    rig.enable()
    rig.post(0, 5)
    rig.nic.mac_rx(b"m" * 60)
    assert not rig.r(regs.ICR) & regs.ICR_RXDMT
    rig.nic.mac_rx(b"m" * 60)
    assert rig.r(regs.ICR) & regs.ICR_RXDMT
    rig.nic.mac_rx(b"m" * 5000)                                # waits in the FIFO
    rig.w(regs.CTRL, 0)
    assert rig.r(regs.STATUS) == 0 and rig.r(regs.STAT_DROP_FIFO) == 1


def test_iommu_fault_halts_in_permissive_mode():
    rig = Rig(strict=False, profile="cortex-a53-smmu-strict")
    rig.enable()
    rig.post(0, 2)
    page, addr = rig.bufs[0]
    rig.hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)        # the device still has it
    rig.nic.mac_rx(b"n" * 60)
    st = rig.r(regs.STATUS)
    assert st & regs.STATUS_HALTED and (st >> 4) == regs.ERR_DATA_WRITE
    assert rig.r(regs.STAT_AXI_ERR) == 1 and rig.r(regs.STAT_DROP_FIFO) == 1
    names = rig.hm.checker.counts()
    assert names["UnmapWhileDeviceOwns"] == 1 if "UnmapWhileDeviceOwns" in names else True
    assert names["IommuFault"] == 1


def test_descriptor_read_fault_halts():
    rig = Rig(strict=False, profile="cortex-a53-smmu-strict")
    rig.w(regs.RING_BASE_LO, 0x10)                             # nothing mapped there
    rig.w(regs.RING_SIZE, 8)
    rig.w(regs.CTRL, regs.CTRL_EN)
    rig.w(regs.TAIL, 3)
    assert (rig.r(regs.STATUS) >> 4) == regs.ERR_DESC_READ


def test_writeback_fault_halts():
    rig = Rig(strict=False, profile="cortex-a53-smmu-strict")
    rig.enable()
    rig.post(0, 3)
    rig.hm.iommu._pt.pop(rig.ring.dma_handle >> 12)            # the ring's PTE vanishes
    rig.nic.mac_rx(b"o" * 60)
    assert (rig.r(regs.STATUS) >> 4) == regs.ERR_WRITEBACK and rig.r(regs.HEAD) == 0


def test_strict_checker_catches_device_writing_unowned_descriptor():
    from pymodel import errors as E
    rig = Rig()
    rig.enable()
    rig.post(0, 2)
    with pytest.raises(E.DeviceWriteNotOwned):
        page, addr = rig.bufs[0]
        rig.hm.dma_sync_single_for_cpu(addr, 4096, DMA_FROM_DEVICE)   # CPU took the buffer
        rig.nic.mac_rx(b"p" * 60)
