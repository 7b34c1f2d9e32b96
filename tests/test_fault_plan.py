"""The fault plan of FAULTS= (tb/common/fault_plan.py) on its own: the grammar, which access
each class hits, the beat drawn, one fault at a time, and what counts as recovered."""
import pytest

from pymodel import regs
from tb.common import fault_plan as fp


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_grammar():
    assert fp.parse_spec("5000").classes == fp.CLASSES
    assert "iommu" not in fp.parse_spec("5000", iommu=False).classes
    s = fp.parse_spec("1e4:late_b/desc_slverr")
    assert s.mean_ns == 1e4 and s.classes == ("desc_slverr", "late_b")
    assert str(s) == "10000:desc_slverr/late_b" and str(fp.parse_spec("7")) == "7"
    for bad in ("", "x", "0", "-1", "inf", "nan", "100:foo", "100:late_b/late_b"):
        with pytest.raises(ValueError):
            fp.parse_spec(bad)
    with pytest.raises(ValueError, match="IOMMU"):
        fp.parse_spec("100:iommu", iommu=False)


@pytest.mark.parametrize("cls", [c for c in fp.CLASSES if c not in ("iommu", "late_b")])
def test_each_class_hits_its_own_access(cls):
    clk = Clock()
    plan = fp.FaultPlan(fp.FaultSpec(1.0, (cls,)), seed=3, now_ns=clk)
    clk.t = 100.0
    want = fp.HITS[cls]
    others = [k for k in fp.KINDS if k != want]
    acts = []
    for _ in range(fp.SKIP_MAX + 1):
        for k in others:
            assert plan.on_access(k, 0) is None          # never the wrong kind of access
        acts.append(plan.on_access(want, 0x1000))
    fired = [a for a in acts if a is not None]
    assert len(fired) == 1                              # one fault, then nothing until recovered
    assert fired[0] == ("garbage" if cls == "garbage" else cls.split("_")[1])
    f = plan.faults[0]
    assert f.cls == cls and f.kind == want and f.expect_code == fp.CODES[want]
    assert plan.stats.injected[cls] == 1


def test_iommu_hits_whatever_comes_next_and_expects_its_code():
    clk = Clock()
    for kind in fp.KINDS:
        plan = fp.FaultPlan(fp.FaultSpec(1.0, ("iommu",)), seed=1, now_ns=clk)
        clk.t += 10
        act = None
        while act is None:
            act = plan.on_access(kind, 0)
        assert act == "iommu" and plan.faults[0].expect_code == fp.CODES[kind]


def test_beat_drawn_over_the_whole_burst():
    """The skip count spreads the failing access over 0 .. SKIP_MAX - 1."""
    skips = set()
    for seed in range(200):
        clk = Clock()
        plan = fp.FaultPlan(fp.FaultSpec(1.0, ("data_slverr",)), seed=seed, now_ns=clk)
        clk.t = 1e3
        n = 0
        while plan.on_access("data_write", 0) is None:
            n += 1
        skips.add(n)
    assert skips == set(range(fp.SKIP_MAX))


def test_recovery_then_resume_then_next_fault():
    clk = Clock()
    plan = fp.FaultPlan(fp.FaultSpec(1000.0, ("wb_decerr",)), seed=5, now_ns=clk)
    assert plan.on_access("wb_write", 0) is None       # not due yet at t = 0
    clk.t = 1e6
    while plan.on_access("wb_write", 0) is None:
        pass
    clk.t += 10
    plan.poll(received=7)                               # no halt yet: still current
    assert plan.current is not None and plan.on_access("wb_write", 0) is None
    plan.halted(regs.ERR_WRITEBACK, clk.t, clk.t + 50, received=7)
    assert plan.stats.recovered["wb_decerr"] == 1 and not plan.errors
    clk.t += 100
    plan.poll(received=7)                               # no frame since: not resumed
    assert plan.stats.resumed["wb_decerr"] == 0
    plan.poll(received=8)
    assert plan.stats.resumed["wb_decerr"] == 1 and plan.current is None
    assert plan.state == "waiting" and plan.due_ns > clk.t


def test_wrong_code_unexplained_halt_and_no_halt_are_errors():
    clk = Clock()
    plan = fp.FaultPlan(fp.FaultSpec(1.0, ("data_slverr",)), seed=2, now_ns=clk)
    plan.halted(regs.ERR_DATA_WRITE, 0, 1, 0)
    assert "no injected fault explains" in plan.errors[-1]
    clk.t = 10
    while plan.on_access("data_write", 0) is None:
        pass
    plan.halted(regs.ERR_WRITEBACK, clk.t, clk.t, 0)
    assert "ERR_CODE 3, expected 2" in plan.errors[-1]
    plan2 = fp.FaultPlan(fp.FaultSpec(1.0, ("desc_slverr",)), seed=2, now_ns=clk)
    clk.t += 10
    while plan2.on_access("desc_read", 0) is None:
        pass
    clk.t += fp.HALT_WAIT_NS + 1
    plan2.poll(0)
    assert "no halt within" in plan2.errors[-1]


def test_late_b_is_recovered_by_traffic_or_a_drained_end():
    clk = Clock()
    plan = fp.FaultPlan(fp.FaultSpec(1.0, ("late_b",)), seed=4, now_ns=clk)
    clk.t = 10
    assert plan.on_access("data_write", 0) is None      # late_b does not fail an access
    assert plan.late_b_due() and not plan.late_b_due()
    clk.t += fp.LATE_B_NS + 1
    plan.poll(3)
    plan.poll(4)
    assert plan.stats.recovered["late_b"] == 1 and plan.stats.resumed["late_b"] == 1
    clk.t += 1e6
    assert plan.late_b_due()
    plan.finish(drained=True)
    assert plan.stats.recovered["late_b"] == 2 and not plan.late_b_due()


def test_stop_drops_an_armed_fault():
    clk = Clock()
    plan = fp.FaultPlan(fp.FaultSpec(1.0, ("desc_decerr",)), seed=9, now_ns=clk)
    clk.t = 5
    plan.on_access("data_write", 0)                     # arms, does not fire
    plan.stop()
    assert all(plan.on_access("desc_read", 0) is None for _ in range(40))
    assert plan.stats.injected["desc_decerr"] == 0


def test_soak_shards_and_readme_table():
    """The soak's shards add up to SOAK_FRAMES, each within CHUNK and with its own seed;
    SOAK_SELECT splits them without overlap; the README's table is the configurations'."""
    from pathlib import Path

    from tb.cosim import soak
    for total in (12_000, 1_000_000):
        sh = soak.shards(total)
        assert sum(s.frames for s in sh) == total
        assert all(0 < s.frames <= soak.CHUNK for s in sh)
        assert len({s.seed for s in sh}) == len(sh)
        parts = [soak.shards(total, f"{k}/3") for k in (1, 2, 3)]
        assert sorted(s.name for p in parts for s in p) == sorted(s.name for s in sh)
    with pytest.raises(ValueError):
        soak.shards(100, "4/3")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert soak.configs_table() in readme
