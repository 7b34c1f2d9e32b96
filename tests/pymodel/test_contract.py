"""The contract functions of pymodel.rx_contract against docs/CONTRACT.md §2 and docs/DESIGN.md."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pymodel import params, regs
from pymodel import rx_contract as contract
from pymodel.costs import get_profile
from pymodel.dma import HostMemory
from pymodel.refnic import RefNic
from pymodel.sim import Env

NBYTES = st.sampled_from((8, 16, 32, 64))


# ------------------------------------------------------------------ ingress

@given(nbytes=NBYTES, ones=st.integers(0, 200), zeros=st.integers(0, 70))
def test_tkeep_well_formed_is_a_run_of_ones_ending_in_the_last_beat(nbytes, ones, zeros):
    keep = [1] * ones + [0] * zeros
    last_beat_start = (len(keep) - 1) // nbytes * nbytes if keep else 0
    want = ones >= 1 and ones > last_beat_start
    assert contract.tkeep_well_formed(contract.tkeep_beats(keep, nbytes), nbytes) == want


@given(nbytes=NBYTES, length=st.integers(2, 200), data=st.data())
def test_a_hole_anywhere_makes_tkeep_malformed(nbytes, length, data):
    keep = [1] * length
    keep[data.draw(st.integers(0, length - 2))] = 0
    assert not contract.tkeep_well_formed(contract.tkeep_beats(keep, nbytes), nbytes)


def test_tkeep_beats_packs_bytes_lsb_first():
    assert contract.tkeep_beats([1, 1, 0, 1] + [1] * 8 + [1, 0], 8) == [0xFB, 0x1F]
    assert contract.tkeep_beats([], 8) == []


@given(nbytes=NBYTES, length=st.integers(0, 20000))
def test_fifo_room_is_whole_words(nbytes, length):
    room = contract.fifo_room(length, nbytes)
    assert room % nbytes == 0 and length <= room < length + nbytes


def test_fifo_admits_counts_bytes_in_words_and_frames():
    kw = dict(nbytes=8, fifo_bytes=1024, meta_depth=2)
    assert contract.fifo_admits(1024, used=0, frames=0, **kw)
    assert not contract.fifo_admits(1017, used=8, frames=1, **kw)        # 1024 bytes of room
    assert contract.fifo_admits(1016, used=8, frames=1, **kw)
    assert not contract.fifo_admits(1, used=0, frames=2, **kw)            # META_DEPTH frames


# The ingress rules as DESIGN 'Ingress' lists them, first match wins: a restatement kept as
# a table so that a change of order in classify() shows up against the document's order.
RULES = [
    (lambda f: not f["running"], contract.DROP_FIFO),
    (lambda f: f["malformed"] or f["length"] == 0, contract.DROP_ERR),
    (lambda f: f["length"] > f["max_frame"], contract.DROP_OVERSIZE),
    (lambda f: not f["fits"], contract.DROP_FIFO),
    (lambda f: f["tuser"] and f["drop_bad"], contract.DROP_ERR),
    (lambda f: True, contract.STORED),
]


@given(st.fixed_dictionaries(dict(
    length=st.integers(0, 10000), running=st.booleans(), malformed=st.booleans(),
    fits=st.booleans(), tuser=st.booleans(), drop_bad=st.booleans(),
    max_frame=st.sampled_from((0, 64, 1518, regs.MAX_FRAME_RESET)))))
def test_classify_applies_the_first_rule_in_design_order(f):
    want = next(out for rule, out in RULES if rule(f))
    length = f.pop("length")
    assert contract.classify(length, **f) == want


def test_drop_names_are_the_counters_and_rxo_drops():
    assert set(contract.DROPS) <= set(regs.STAT_REGS)
    assert contract.NODESC_WAIT in regs.STAT_REGS
    assert contract.RXO_DROPS == {contract.DROP_FIFO, contract.DROP_NODESC}


# ------------------------------------------------------------------ descriptors and placement

BUF_LENS = st.lists(st.integers(1, 4096), min_size=1, max_size=12)


@given(length=st.integers(1, 20000), lens=BUF_LENS)
def test_place_fills_each_buffer_before_the_next(length, lens):
    need = contract.descriptors_needed(length, lens)
    if sum(lens) < length:
        assert need is None
        with pytest.raises(ValueError):
            contract.place(length, lens)
        return
    got = contract.place(length, lens)
    assert len(got) == need and sum(got) == length
    assert got[:-1] == lens[:need - 1] and 1 <= got[-1] <= lens[need - 1]


def test_bad_descriptor_and_short_of_descriptors():
    assert contract.bad_descriptor(0x1000, 0)
    assert contract.bad_descriptor((1 << 64) - 100, 101)
    assert not contract.bad_descriptor((1 << 64) - 100, 100)
    kw = dict(desc_queue=4)
    assert contract.short_of_descriptors(4, all_fetched=False, drop_nodesc=False, **kw) == \
        contract.DROP_NODESC                                      # needs more than the queue
    assert contract.short_of_descriptors(2, all_fetched=True, drop_nodesc=True, **kw) == \
        contract.DROP_NODESC
    assert contract.short_of_descriptors(2, all_fetched=True, drop_nodesc=False, **kw) == \
        contract.NODESC_WAIT
    assert contract.short_of_descriptors(2, all_fetched=False, drop_nodesc=True, **kw) is None


# ------------------------------------------------------------------ writeback

@given(length=st.integers(1, 9216), lens=BUF_LENS, csum=st.integers(0, 0xFFFF),
       mac_err=st.booleans())
def test_writebacks_mark_every_descriptor_and_the_last_as_eop(length, lens, csum, mac_err):
    bufs = [(0x1_0000_0000 + i * 0x2000, bl) for i, bl in enumerate(lens)] + [(0, 1 << 16)]
    wbs = contract.writebacks(bufs, length, csum, mac_err)
    assert [wb.length for wb in wbs] == contract.place(length, [bl for _, bl in bufs])
    assert [wb.buf_addr for wb in wbs] == [a for a, _ in bufs[:len(wbs)]]
    *body, last = wbs
    for wb in body:
        assert (wb.csum, wb.status, wb.errors) == (0, regs.DESC_DD, 0)
    assert last.csum == csum and last.status == regs.DESC_DD | regs.DESC_EOP
    assert last.errors == (regs.DESC_ERR_MAC if mac_err else 0)
    for wb in wbs:
        assert regs.unpack_writeback(regs.pack_writeback(*wb)) == wb


def _csum_by_definition(data: bytes, start: int) -> int:
    """CSUM by its arithmetic definition, a second model kept on purpose: regs.csum16 folds a
    word array for speed; this adds big-endian words as integers and folds the carries by
    taking the total mod 0xFFFF (a non-zero total never folds to 0)."""
    if len(data) < start:
        return 0
    seg = data[start:] + b"\x00" * ((len(data) - start) & 1)
    total = sum(int.from_bytes(seg[i:i + 2], "big") for i in range(0, len(seg), 2))
    return 0 if total == 0 else (total - 1) % 0xFFFF + 1


@given(data=st.binary(max_size=300), start=st.integers(0, 40))
def test_csum16_matches_its_definition(data, start):
    assert regs.csum16(data, start) == _csum_by_definition(data, start)


def test_csum16_of_all_ones_words_stays_ffff():
    assert regs.csum16(b"\xff" * 64, 0) == 0xFFFF


# ------------------------------------------------------------------ counters and interrupts

def test_counters_wrap_at_their_width():
    assert contract.wrap((1 << 32) + 5) == 5
    assert contract.wrap((1 << 64) + 7, contract.BYTES_BITS) == 7
    assert contract.wrap((1 << 40), contract.BYTES_BITS) == 1 << 40


@given(itr=st.integers(0, 0xFFFFFFFF), reported=st.integers(0, 0x20000))
def test_rxdw_by_count_and_delay(itr, reported):
    thresh = itr & 0xFFFF
    assert contract.rxdw_due(reported, itr) == (reported >= max(thresh, 1))
    assert contract.delay_clocks(itr) == (itr >> 16) * 16


def test_pkt_thresh_zero_acts_as_one():
    assert contract.pkt_thresh(0) == 1 and contract.rxdw_due(1, 0) and not contract.rxdw_due(0, 0)


def test_owned_rxdmt_and_irq():
    assert contract.owned(5, 2, 8) == 5 and contract.owned(0, 0, 0) == 0
    assert contract.rxdmt_due(3, 4) and not contract.rxdmt_due(4, 4)
    assert contract.irq_level(regs.ICR_RXO, regs.ICR_RXO | regs.ICR_ERR)
    assert not contract.irq_level(regs.ICR_RXO, regs.ICR_ERR)


def test_ring_size_ok():
    ok = [n for n in range(0, 70000) if contract.ring_size_ok(n)]
    assert ok == [1 << k for k in range(3, 16)]


# ------------------------------------------------------------------ parameters

def test_defaults_come_from_the_hdl_header():
    d = params.defaults()
    assert list(d)[:3] == ["DATA_W", "ADDR_W", "ID_W"]
    assert all(isinstance(v, int) for v in d.values())
    nic = RefNic(HostMemory(get_profile("cortex-a53")), Env())
    assert (nic.data_w, nic.fifo_bytes, nic.meta_depth, nic.desc_queue, nic.desc_burst,
            nic.wb_burst) == (d["DATA_W"], d["FIFO_BYTES"], d["META_DEPTH"], d["DESC_QUEUE"],
                              d["DESC_BURST"], d["WB_BURST"])
    assert nic.reg_read(regs.FIFO_BYTES_REG) == d["FIFO_BYTES"]
    assert RefNic(HostMemory(get_profile("cortex-a53")), Env(), fifo_bytes=1024).fifo_bytes == 1024


def test_defaults_read_a_given_header(tmp_path):
    top = tmp_path / "top.v"
    top.write_text("module top #\n(\n    // width\n    parameter W = 8,\n    parameter  D=3\n)\n"
                   "(\n    input wire clk\n);\n    localparam L = 4;\nendmodule\n")
    assert params.defaults(top) == {"W": 8, "D": 3}
