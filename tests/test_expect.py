"""The RTL bench's predictions (tb/rtl/expect.py): the outcome sets timing allows and the
writebacks of a delivered frame, as the contract gives them."""
import struct

from pymodel import regs
from tb.rtl import expect as rm

NB = 8


def cfg(**kw):
    return rm.Config(nbytes=NB, fifo_bytes=1024, meta_depth=2, desc_queue=4, **kw)


def frame(n, **kw):
    return rm.Frame(data=bytes(i * 7 & 0xFF for i in range(n)), **kw)


def test_config_registers_start_at_their_reset_values():
    c = cfg()
    assert (c.max_frame, c.csum_start) == (regs.MAX_FRAME_RESET, regs.CSUM_START_RESET)
    assert not c.drop_bad and not c.drop_nodesc


def test_ingress_rules_and_the_outcomes_timing_allows():
    c = cfg(max_frame=100)
    assert rm.ingress(frame(60), c, running=False, fifo_may_be_full=True) == {rm.DROP_FIFO}
    assert rm.ingress(frame(0), c) == {rm.DROP_ERR}
    assert rm.ingress(frame(60, tkeep=[1] * 30 + [0] + [1] * 29), c,
                      fifo_may_be_full=True) == {rm.DROP_ERR}
    assert rm.ingress(frame(101), c, fifo_may_be_full=True) == {rm.DROP_OVERSIZE}
    assert rm.ingress(frame(104, tkeep=[1] * 100 + [0] * 4), c) == {rm.DELIVER}
    assert rm.ingress(frame(60), c) == {rm.DELIVER}
    assert rm.ingress(frame(60), c, fifo_may_be_full=True) == {rm.DELIVER, rm.DROP_FIFO}
    assert rm.ingress(frame(60), c, desc_may_starve=True) == {rm.DELIVER}
    c.drop_nodesc = True
    assert rm.ingress(frame(60), c, desc_may_starve=True) == {rm.DELIVER, rm.DROP_NODESC}
    assert rm.ingress(frame(60, tuser=True), c) == {rm.DELIVER}
    c.drop_bad = True
    assert rm.ingress(frame(60, tuser=True), c, desc_may_starve=True) == {rm.DROP_ERR}
    assert rm.ingress(frame(60, tuser=True), c,
                      fifo_may_be_full=True) == {rm.DROP_ERR, rm.DROP_FIFO}
    assert rm.ingress(frame(60, tuser_early=True), c) == {rm.DELIVER}


def test_malformed_reads_tkeep_beat_by_beat():
    assert not rm.malformed(frame(NB + 3), NB)
    assert rm.malformed(frame(2 * NB, tkeep=[1] * NB + [0] * NB), NB)
    assert rm.malformed(frame(NB + 2, tkeep=[1] * NB + [0, 1]), NB)
    assert not rm.malformed(frame(NB + 2, tkeep=[1] * NB + [1, 0]), NB)


def test_expected_writebacks_of_a_frame_over_three_buffers():
    f = frame(250, tuser=True)
    bufs = [(0x1000, 100), (0x2003, 100), (0x3000, 100), (0, 1 << 30)]
    got = rm.expected_writebacks(f, cfg(), bufs)
    cs = regs.csum16(f.data, regs.CSUM_START_RESET)
    assert [(a, bl, n) for a, bl, n, _ in got] == [(0x1000, 100, 100), (0x2003, 100, 100),
                                                   (0x3000, 100, 50)]
    assert [wb for *_, wb in got] == [struct.pack("<QHHBBH", 0x1000, 100, 0, 1, 0, 0),
                                      struct.pack("<QHHBBH", 0x2003, 100, 0, 1, 0, 0),
                                      struct.pack("<QHHBBH", 0x3000, 50, cs, 3, 1, 0)]


def test_expected_writebacks_carry_the_payload_length_and_csum_start():
    f = frame(70, tkeep=[1] * 66 + [0] * 4)
    ((_, _, n, wb),) = rm.expected_writebacks(f, cfg(csum_start=0), [(0x40, 2048)])
    assert n == 66 and regs.unpack_writeback(wb) == (0x40, 66, regs.csum16(f.data[:66], 0), 3, 0)


def test_fifo_fill_with_nothing_leaving():
    c = cfg()
    assert rm.fifo_fill([frame(1000), frame(24), frame(1)], c) == [True, True, False]
    assert rm.fifo_fill([frame(1000), frame(25), frame(1)], c) == [True, False, True]
    c.meta_depth = 4
    assert rm.fifo_fill([frame(1), frame(1), frame(1000), frame(1)], c) == [True, True, True,
                                                                            True]
