"""The contract of nic_tx_dma (pymodel.tx_contract, regs' TX table): descriptor formats, the
bad-descriptor rules, assembly, read bursts, counters, registers."""
import pytest

from pymodel import regs
from pymodel import tx_contract as c
from pymodel.regs import TxDesc


def d(length, eop=False, addr=0x1000):
    return TxDesc(addr, length, regs.TXD_CMD_EOP if eop else 0, 0)


def test_descriptor_bytes():
    raw = c.desc(0x1122334455667788, 0x1234, True)
    assert raw == bytes.fromhex("8877665544332211" "3412" "00" "01" "00" "000000")
    wb = c.writeback(regs.unpack_tx_desc(raw))
    assert wb[:12] == raw[:12] and wb[12] == regs.TXD_STA_DD and wb[13:] == bytes(3)
    assert regs.unpack_tx_desc(wb).dd and regs.unpack_tx_desc(wb).eop
    assert not regs.unpack_tx_desc(raw).dd          # DD never in what the driver wrote
    assert regs.unpack_tx_desc(c.desc(8, 1, False)).cmd == 0


def test_frame_of_one_and_of_eighteen_descriptors():
    assert c.check_frame([d(60, True)]) == c.FrameCheck(1, 60, None)
    descs = [d(100)] * 17 + [d(100, True)]
    assert c.check_frame(descs) == c.FrameCheck(18, 1800, None)
    assert c.check_frame([d(100)] * 5) is None                 # no EOP yet: wait


@pytest.mark.parametrize("descs, n, bad", [
    ([d(0, True)], 1, c.BAD_LEN0),
    ([d(10), d(0, True)], 2, c.BAD_LEN0),
    ([d(100)] * 18 + [d(1, True)], 18, c.BAD_TOO_MANY),
    ([d(9216, True)], 1, None),
    ([d(9000), d(217, True)], 2, c.BAD_TOO_LONG),
    ([d(9217, True)], 1, c.BAD_TOO_LONG),
    ([TxDesc((1 << 64) - 10, 11, 1, 0)], 1, c.BAD_WRAP),
])
def test_bad_descriptor_rules(descs, n, bad):
    chk = c.check_frame(descs)
    assert chk.ndesc == n and chk.bad == bad


def test_assemble_and_reads_widened_to_beats_never_crossing_4k():
    assert c.assemble([b"ab", b"", b"cd"]) == b"abcd"
    assert c.read_span(0x1003, 10, 8) == (0x1000, 0x1010)
    bursts = c.read_bursts(0xFF8, 0x20, 8)
    assert bursts == [(0xFF8, 1), (0x1000, 3)]
    for addr, beats in c.read_bursts(0x1F01, 9216, 64, max_beats=16):
        assert addr % 64 == 0 and addr // 4096 == (addr + beats * 64 - 1) // 4096
        assert beats <= 16


def test_counters_wrap():
    assert c.count_sent(0xFFFFFFFF, (1 << 64) - 1, 2) == (0, 1)
    assert c.txdw_due(16, 16) and not c.txdw_due(3, 4) and c.txdw_due(1, 0)


def test_register_table():
    assert regs.TX_ID_VALUE == 0x4E494354 and regs.TX_BASE == 0x1000
    for off in (regs.RDMT, regs.STAT_DROP_FIFO, regs.STAT_DROP_NODESC, regs.STAT_DROP_ERR,
                regs.STAT_DROP_OVERSIZE, regs.STAT_NODESC_WAIT, regs.MAX_FRAME,
                regs.CSUM_START):
        assert not c.reg_known(off) and off in regs.TX_UNKNOWN_RX_OFFSETS
    for off in (regs.ID, regs.HEAD, regs.TAIL, regs.STAT_FRAMES, regs.STAT_DESC_FETCHED,
                regs.STAT_AXI_ERR, regs.FIFO_BYTES_REG, regs.DATA_W_REG):
        assert c.reg_known(off)
    assert c.reg_write_value(regs.CTRL, 0xFF) == 1
    assert c.reg_write_value(regs.IMS, 0xFF) == regs.TX_ICR_ALL == 0x9
    assert c.reg_write_value(regs.HEAD, 5) is None
    assert c.FIFO_BYTES_MIN == 2 * 9216 and c.MAX_DESC_PER_FRAME == 18


def test_expect_predicts_frames_writebacks_and_the_halt():
    mem = {0x1000: b"A" * 10, 0x2000: b"B" * 5, 0x3000: b"C" * 7}

    def read(addr, n):
        return mem[addr][:n]

    descs = [TxDesc(0x1000, 10, 0, 0), TxDesc(0x2000, 5, 1, 0), TxDesc(0x3000, 7, 1, 0)]
    assert c.expect(descs, read) == ([b"A" * 10 + b"B" * 5, b"C" * 7], 3, None)
    assert c.expect(descs + [TxDesc(0x1000, 3, 0, 0)], read)[1:] == (3, None)   # waits
    assert c.expect(descs[:1] + [TxDesc(0x2000, 0, 1, 0)] + descs[2:], read) == \
        ([], 0, c.ERR_BAD_DESC)
    assert c.expect(descs[1:2] + [TxDesc(0x1000, 9217, 1, 0)], read) == \
        ([b"B" * 5], 1, c.ERR_BAD_DESC)
