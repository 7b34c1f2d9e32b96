"""The event loop, the cost profiles and the register/descriptor helpers."""
import json
import os
import subprocess

import pytest

from pymodel import regs
from pymodel.costs import PROFILES, CpuMeter, get_profile, load_profiles
from pymodel.sim import Env


def test_env_orders_tasks_by_time_and_joins():
    env = Env()
    log = []

    async def worker(name, delay):
        await env.sleep_ns(delay)
        log.append((env.now_ns, name))
        return name

    async def main():
        a = env.spawn(worker("a", 30))
        b = env.spawn(worker("b", 10))
        ra = await a
        rb = await b
        return ra + rb

    assert env.run_until_complete(main()) == "ab"
    assert log == [(10, "b"), (30, "a")]
    assert env.now_ns == 30


def test_env_rejects_foreign_awaitables_and_negative_sleep():
    env = Env()

    class Foreign:
        def __await__(self):
            yield "something"

    async def bad():
        await Foreign()

    with pytest.raises(TypeError):
        env.run_until_complete(bad())
    with pytest.raises(ValueError):
        env.sleep_ns(-1)


def test_env_until_timeout_cancel():
    env = Env()

    async def forever():
        while True:
            await env.sleep_ns(100)

    t = env.spawn(forever())
    env.run(until_ns=1000)
    assert env.now_ns == 1000 and not t.done
    t.cancel()
    assert t.done and t.cancelled
    with pytest.raises(TimeoutError):
        env.run_until_complete(forever(), timeout_ns=500)
    env.run(max_steps=3)


def test_profiles_cover_every_op_with_a_source():
    data = json.load(open(os.path.join(os.path.dirname(regs.__file__), "costs.json")))
    ops = set(PROFILES["cortex-a53"].ns)
    for name, prof in PROFILES.items():
        assert set(prof.ns) == ops, name
        for op, src in prof.sources.items():
            assert src in data["sources"], (name, op, src)
    assert get_profile("cortex-a53").coherent is False and get_profile("cortex-a53").iommu is None
    assert get_profile("cortex-a53-smmu-strict").iommu == "strict"
    assert get_profile("x86-iommu-lazy").coherent and get_profile("x86-iommu-lazy").iommu == "lazy"
    assert load_profiles()["cortex-a53"].ns["build_skb"] == 120
    with pytest.raises(KeyError):
        get_profile("z80")


def test_cost_fit_matches_the_cited_points():
    p = get_profile("cortex-a53")
    for nbytes, ns in ((1536, 438), (3520, 727)):
        assert abs(p.ns["cache_clean"] + p.ns["cache_clean_per_byte"] * nbytes - ns) < 1.0


def test_meter_accumulates_and_carries_fraction():
    m = CpuMeter(get_profile("cortex-a53"))
    m.charge("build_skb")
    m.charge("cache_clean", 1536)
    assert m.calls == {"build_skb": 1, "cache_clean": 1}
    assert m.take_ns() == int(120 + 438.05)
    assert 0 <= m.pending_ns < 1


def test_descriptor_pack_and_csum():
    raw = regs.pack_read_desc(0x1122334455667788, 3520)
    assert raw == bytes.fromhex("8877665544332211c00d000000000000")
    assert regs.unpack_read_desc(raw) == (0x1122334455667788, 3520)
    wb = regs.pack_writeback(0x1000, 60, 0xBEEF, regs.DESC_DD | regs.DESC_EOP, 1)
    assert len(wb) == 16 and wb[12] == 3 and wb[13] == 1
    assert regs.unpack_writeback(wb) == (0x1000, 60, 0xBEEF, 3, 1)
    assert regs.csum16(bytes(range(20)), 14) == 0x0E0F + 0x1011 + 0x1213
    assert regs.csum16(b"\xff" * 20 + b"\x01", 14) == 0x100          # odd byte, end-around carry
    assert regs.csum16(b"short", 14) == 0
    assert regs.csum16(bytes(14), 14) == 0


def test_pymodel_never_imports_cocotb():
    root = os.path.dirname(regs.__file__)
    out = subprocess.run(["grep", "-rl", "cocotb", root, "--include=*.py"], capture_output=True,
                         text=True)
    assert out.stdout == ""
