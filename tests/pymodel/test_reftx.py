"""RefTx, the reference nic_tx_dma, on its own: registers, frames in ring order, writeback,
HEAD, counters, moderation, the bad-descriptor and read-error halts, disable, nic_dma's
register decode. The ring and buffers are written here directly, as a bench would."""
import pytest

from pymodel import regs
from pymodel import tx_contract as c
from pymodel.costs import get_profile
from pymodel.dma import DMA_TO_DEVICE, HostMemory
from pymodel.errors import BusErrorResponse
from pymodel.refnic import RefNic
from pymodel.reftx import NicDma, RefTx
from pymodel.sim import Env

N = 16


class FaultyMem:
    """Host memory whose device accesses at `bad` addresses (reads) or `bad_writes`
    addresses answer SLVERR."""

    def __init__(self, hm):
        self.hm = hm
        self.bad = set()
        self.bad_writes = set()

    def device_read(self, addr, n):
        if addr in self.bad:
            raise BusErrorResponse(f"SLVERR at {addr:#x}")
        return self.hm.device_read(addr, n)

    def device_write(self, addr, data):
        if addr in self.bad_writes:
            raise BusErrorResponse(f"SLVERR at {addr:#x}")
        self.hm.device_write(addr, data)


class Bench:
    def __init__(self, coherent=True, iommu=None, **kw):
        self.env = Env()
        self.hm = HostMemory(get_profile("cortex-a53"), coherent=coherent, iommu=iommu,
                             now_ns=lambda: self.env.now_ns)
        self.mem = FaultyMem(self.hm)
        self.sent = []
        self.irqs = 0
        self.nic = RefTx(self.mem, self.env, mac=self.sent.append, on_irq=self._irq, **kw)
        self.ring = self.hm.dma_alloc_coherent(N * 16)
        self.w(regs.RING_BASE_LO, self.ring.dma_handle & 0xFFFFFFFF)
        self.w(regs.RING_BASE_HI, self.ring.dma_handle >> 32)
        self.w(regs.RING_SIZE, N)
        self.ntu = 0

    def _irq(self):
        self.irqs += 1

    def w(self, off, v):
        self.nic.reg_write(off, v)

    def r(self, off):
        return self.nic.reg_read(off)

    def buf(self, data, offset=0):
        page = self.hm.alloc.alloc_pages(0)
        self.hm.cpu_write(page, offset, data)
        dma = self.hm.dma_map_page(page, offset, len(data), DMA_TO_DEVICE)
        assert not self.hm.dma_mapping_error(dma)
        return dma

    def post(self, pieces, eop=True):
        for k, (addr, ln) in enumerate(pieces):
            self.ring.write(self.ntu * 16, c.desc(addr, ln, eop and k == len(pieces) - 1))
            self.ntu = (self.ntu + 1) % N

    def frame(self, data, cuts=(), offsets=None):
        """Post `data` over buffers cut at `cuts`, each at its own page offset."""
        bounds = [0, *cuts, len(data)]
        parts = [data[a:b] for a, b in zip(bounds, bounds[1:])]
        offs = offsets or [7 * k + 3 for k in range(len(parts))]
        self.post([(self.buf(p, o), len(p)) for p, o in zip(parts, offs)])

    def tail(self):
        self.w(regs.TAIL, self.ntu)


def test_registers():
    b = Bench()
    assert b.r(regs.ID) == regs.TX_ID_VALUE and b.r(regs.VERSION) == regs.TX_VERSION_VALUE
    assert b.r(regs.FIFO_BYTES_REG) >= 2 * 9216 and b.r(regs.DATA_W_REG) == 64
    for off in regs.TX_UNKNOWN_RX_OFFSETS + (0x080, 0xFFC):
        b.w(off, 0xFFFFFFFF)
        assert b.r(off) == 0
    b.w(regs.HEAD, 5)
    assert b.r(regs.HEAD) == 0                           # RO
    b.w(regs.IMS, 0xFF)
    assert b.r(regs.IMS) == regs.TX_ICR_ALL
    b.w(regs.CTRL, 0xFF)
    assert b.r(regs.CTRL) == 1 and b.r(regs.STATUS) & regs.STATUS_RUNNING
    base = b.r(regs.RING_BASE_LO)
    b.w(regs.RING_BASE_LO, 0x12340)
    b.w(regs.RING_SIZE, 64)
    assert b.r(regs.RING_BASE_LO) == base and b.r(regs.RING_SIZE) == N   # ignored while EN
    b.w(regs.TAIL, N)
    assert b.r(regs.TAIL) == 0                           # TAIL >= RING_SIZE ignored


def test_bad_ring_size_halts_with_err_5():
    b = Bench()
    b.w(regs.RING_SIZE, 12)
    b.w(regs.IMS, regs.TX_ICR_ALL)
    b.w(regs.CTRL, 1)
    st = b.r(regs.STATUS)
    assert st & regs.STATUS_HALTED and (st >> 4) & 0xF == c.ERR_BAD_CONFIG
    assert b.r(regs.ICR) & regs.ICR_ERR and b.nic.irq and b.irqs == 1


def test_frames_go_out_whole_in_ring_order_and_are_written_back():
    b = Bench()
    b.w(regs.CTRL, 1)
    frames = [bytes(range(i, i + 60 + 37 * i)) for i in range(5)]
    b.frame(frames[0])
    b.frame(frames[1], cuts=(1,))
    b.frame(frames[2], cuts=(5, 6, 100))
    b.tail()
    assert b.sent == frames[:3] and b.r(regs.HEAD) == 7
    for i in range(7):
        wb = b.ring.read(i * 16, 16)
        d = regs.unpack_tx_desc(wb)
        assert d.dd and wb[10] == 0 and wb[13:] == bytes(3)
        assert d.eop == (i in (0, 2, 6))
    b.frame(frames[3], cuts=(17,))
    b.frame(frames[4])
    b.tail()
    assert b.sent == frames and b.r(regs.HEAD) == 10
    assert b.r(regs.STAT_FRAMES) == 5 and b.r(regs.STAT_DESC_FETCHED) == 10
    assert b.r(regs.STAT_BYTES_LO) == sum(map(len, frames)) and b.r(regs.STAT_BYTES_HI) == 0


def test_a_frame_waits_for_its_eop_descriptor():
    b = Bench()
    b.w(regs.CTRL, 1)
    a, z = b.buf(b"x" * 50), b.buf(b"y" * 30)
    b.post([(a, 50)], eop=False)
    b.tail()
    assert b.sent == [] and b.r(regs.HEAD) == 0
    b.post([(z, 30)])
    b.tail()
    assert b.sent == [b"x" * 50 + b"y" * 30] and b.r(regs.HEAD) == 2


@pytest.mark.parametrize("case", ["len0", "nineteen", "too_long"])
def test_bad_descriptor_halts_with_err_4_and_sends_nothing(case):
    b = Bench()
    b.w(regs.IMS, regs.TX_ICR_ALL)
    b.w(regs.CTRL, 1)
    b.frame(b"ok" * 40)
    if case == "len0":
        b.post([(b.buf(b"z"), 0)])
    elif case == "nineteen":
        a = b.buf(b"q" * 8)
        b.post([(a, 8)] * 12, eop=False)
    else:
        a = b.buf(b"q" * 4000)
        b.post([(a, 4000)] * 3)
    b.tail()
    if case == "nineteen":
        assert b.sent == [b"ok" * 40] and not b.r(regs.STATUS) & regs.STATUS_HALTED
        b.post([(a, 8)] * 7)                              # 19 in the frame
        b.tail()
    st = b.r(regs.STATUS)
    assert b.sent == [b"ok" * 40] and st & regs.STATUS_HALTED
    assert (st >> 4) & 0xF == c.ERR_BAD_DESC and b.r(regs.ICR) & regs.ICR_ERR
    assert b.r(regs.HEAD) == 1 and b.nic.irq
    b.w(regs.CTRL, 0)                                     # recovery: EN 0 -> 1
    b.w(regs.CTRL, 1)
    assert b.r(regs.STATUS) == regs.STATUS_RUNNING and b.r(regs.HEAD) == 0


@pytest.mark.parametrize("where, code", [("desc", c.ERR_DESC_READ), ("data", c.ERR_DATA_READ),
                                         ("wb", c.ERR_WRITEBACK)])
def test_bus_errors_halt_and_a_frame_with_a_failed_read_is_never_sent(where, code):
    b = Bench()
    b.w(regs.CTRL, 1)
    data = bytes(range(200))
    a = b.buf(data)
    b.post([(a, 200)])
    if where == "desc":
        b.mem.bad.add(b.ring.dma_handle)
    elif where == "data":
        b.mem.bad.add(a)
    else:
        b.mem.bad_writes.add(b.ring.dma_handle)
    b.tail()
    st = b.r(regs.STATUS)
    assert st & regs.STATUS_HALTED and (st >> 4) & 0xF == code
    assert b.r(regs.STAT_AXI_ERR) == 1
    assert b.sent == ([data] if where == "wb" else [])
    assert b.r(regs.STAT_FRAMES) == (1 if where == "wb" else 0)


def test_moderation_by_count_and_by_delay():
    b = Bench(clk_ns=4.0)
    b.w(regs.IMS, regs.ICR_TXDW)
    b.w(regs.ITR, (2 << 16) | 3)                          # 3 frames, or 32 clocks
    b.w(regs.CTRL, 1)
    for _ in range(2):
        b.frame(b"a" * 64)
    b.tail()
    assert not b.r(regs.ICR) & regs.ICR_TXDW
    b.env.run(until_ns=b.env.now_ns + 2 * 16 * 4 + 1)
    assert b.r(regs.ICR) & regs.ICR_TXDW and b.irqs == 1
    b.w(regs.ICR, regs.ICR_TXDW)
    for _ in range(3):
        b.frame(b"a" * 64)
    b.tail()
    assert b.r(regs.ICR) & regs.ICR_TXDW and b.irqs == 2
    b.env.run()


def test_paced_mac_pause_and_disable_finishes_the_frame_in_flight():
    b = Bench(gbps=1.0)
    b.w(regs.CTRL, 1)
    b.frame(b"f" * 1000)
    b.frame(b"g" * 1000)
    b.tail()
    b.env.run(until_ns=b.env.now_ns + 500)
    assert b.sent == [] and b.nic._in_flight
    b.w(regs.CTRL, 0)                                     # EN 1 -> 0 mid-frame
    assert b.r(regs.STATUS) & regs.STATUS_RUNNING
    b.env.run()
    assert b.sent == [b"f" * 1000] and not b.r(regs.STATUS) & regs.STATUS_RUNNING
    assert b.r(regs.HEAD) == 1
    b.nic.pause()
    b.w(regs.CTRL, 1)                                     # HEAD = TAIL = 0 again
    b.ntu = 0
    b.frame(b"h" * 100)
    b.tail()
    b.env.run(until_ns=b.env.now_ns + 1e5)
    assert len(b.sent) == 1
    b.nic.pause(False)
    b.env.run()
    assert b.sent[-1] == b"h" * 100 and len(b.sent) == 2


def test_nic_dma_decodes_both_blocks():
    env = Env()
    hm = HostMemory(get_profile("cortex-a53"))
    rx, tx = RefNic(hm, env), RefTx(hm, env)
    top = NicDma(rx, tx)

    def rd(off):
        return env.run_until_complete(top.read32(off))

    assert rd(regs.ID) == regs.ID_VALUE and rd(regs.TX_BASE + regs.ID) == regs.TX_ID_VALUE
    assert rd(0x2000) == 0 and rd(regs.TX_BASE + regs.RDMT) == 0
    env.run_until_complete(top.write32(regs.TX_BASE + regs.IMS, 0xF))
    assert tx.ims == regs.TX_ICR_ALL and rx.ims == 0
    assert not top.irq
    env.run_until_complete(top.write32(regs.TX_BASE + regs.CTRL, 1))   # RING_SIZE 0: halts
    assert top.irq and tx.irq and not rx.irq and tx.err_code == c.ERR_BAD_CONFIG


@pytest.mark.parametrize("seed", range(8))
def test_reftx_does_what_the_contract_expects(seed):
    """Random descriptor lists (lengths, EOPs, now and then a LEN 0 or a frame too long):
    RefTx sends, writes back and halts as tx_contract.expect predicts."""
    import random
    rng = random.Random(seed)
    print(f"seed={seed}")
    b = Bench()
    b.w(regs.CTRL, 1)
    descs, data = [], {}
    for _ in range(N - 1):
        n = 0 if rng.random() < 0.03 else rng.choice([1, 7, 64, 1500, rng.randint(1, 4096)])
        payload = rng.randbytes(max(n, 1))
        addr = b.buf(payload, rng.randint(0, 4096 - len(payload)))
        data[addr] = payload
        d = regs.TxDesc(addr, n, regs.TXD_CMD_EOP if rng.random() < 0.4 else 0, 0)
        descs.append(d)
        b.ring.write(b.ntu * 16, c.desc(d.buf_addr, d.length, d.eop))
        b.ntu += 1
    b.tail()
    frames, done, err = c.expect(descs, lambda a, n: data[a][:n])
    assert b.sent == frames and b.r(regs.HEAD) == done
    st = b.r(regs.STATUS)
    assert bool(st & regs.STATUS_HALTED) == (err is not None)
    if err is not None:
        assert (st >> 4) & 0xF == err
    for i in range(N - 1):
        assert regs.unpack_tx_desc(b.ring.read(i * 16, 16)).dd == (i < done)
