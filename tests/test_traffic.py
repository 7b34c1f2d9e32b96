"""The co-simulation's traffic options (no simulator): size mixes, pcap replay and its scoreboard."""
from collections import Counter
from pathlib import Path

import pytest

from pymodel.traffic import MIN_LEN
from tb.cosim.sizes import IMIX, PcapScoreboard, size_source

ROOT = Path(__file__).resolve().parents[1]


def draws(spec, n=4000, seed=3):
    kind, mix = size_source(spec, seed)
    assert kind == "mix"
    return [mix.draw() for _ in range(n)]


def test_fixed_and_uniform():
    assert set(draws("128", 50)) == {128}
    assert set(draws("fixed:1514", 50)) == {1514}
    got = draws("uniform:60-70")
    assert min(got) == 60 and max(got) == 70 and len(set(got)) == 11


def test_imix_is_7_4_1_by_count():
    c = Counter(draws("imix", 12000, seed=5))
    assert set(c) == {n for _, n in IMIX}
    small, mid, big = (c[n] for _, n in IMIX)
    assert abs(small / 12000 - 7 / 12) < 0.02 and abs(mid / 12000 - 4 / 12) < 0.02
    assert abs(big / 12000 - 1 / 12) < 0.02


def test_same_seed_same_sizes():
    assert draws("imix", 200, seed=9) == draws("imix", 200, seed=9)
    assert draws("imix", 200, seed=9) != draws("imix", 200, seed=10)


@pytest.mark.parametrize("bad", ["", "jumbo", "uniform:70-60", "uniform:0-10", f"{MIN_LEN - 1}"])
def test_bad_sizes_are_refused_clearly(bad):
    with pytest.raises(ValueError, match="SIZES"):
        size_source(bad, 1)


def write_pcap(path, frames):
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap
    wrpcap(str(path), [Ether(f) for f in frames])


def test_pcap_frames_come_back_in_file_order(tmp_path):
    frames = [bytes([i]) * (60 + i) for i in range(5)]
    write_pcap(tmp_path / "t.pcap", frames)
    kind, got = size_source(f"pcap:{tmp_path / 't.pcap'}", 1)
    assert kind == "pcap" and got == frames


def test_empty_pcap_is_refused(tmp_path):
    write_pcap(tmp_path / "e.pcap", [])
    with pytest.raises(ValueError, match="no frames"):
        size_source(f"pcap:{tmp_path / 'e.pcap'}", 1)


def test_pcap_scoreboard_in_order_exactly_once():
    sb = PcapScoreboard()
    a, b, c = b"a" * 60, b"b" * 60, b"c" * 60
    for f in (a, b, a, c):
        sb.add(f)
    for f in (a, a, c):                                      # b was dropped
        sb.arrived(f)
        assert sb.check(f)
    assert (sb.received, sb.mismatches, sb.out_of_order, sb.missing) == (3, 0, 0, 1)
    sb.arrived(b)                                            # b after c: out of order
    assert sb.out_of_order == 1
    sb.arrived(b"x" * 60)                                    # never sent
    assert sb.mismatches == 1 and "matches no frame sent" in sb.first_mismatch
