"""Each classic driver bug, built by pymodel.sabotage.rx_driver(bug=...), against the reference NIC.

Strict mode: the checker raises the bug's own exception. Permissive, non-coherent mode: the
run completes and the damage is visible (wrong bytes, a stalled ring, broken accounting).
"""
import inspect

import pytest

import pymodel.driver
from pymodel import errors as E
from pymodel.driver import PATHS, RxDriver
from pymodel.sabotage import BUGS, rx_driver
from pymodel.stack import HoldTime
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix

SMALL = SizeMix([(1.0, 60, 200)], seed=2)
BIG = SizeMix([(1.0, 2000, 3400)], seed=2)

STRICT = [
    ("no_sync_for_cpu", "page_pool", E.CpuReadDeviceOwned, {}),
    ("no_sync_for_cpu", "legacy", E.CpuReadDeviceOwned, {}),
    ("short_sync_for_device", "page_pool", E.DeviceWriteNotOwned, {"sizes": BIG}),
    ("recycle_while_held", "page_pool", E.RecycleWhileHeld, {}),
    ("double_put", "page_pool", E.DoublePut, {"mac_err_every": 5}),
    ("cpu_write_from_device", "page_pool", E.CpuWriteFromDevice, {}),
    ("cpu_write_from_device", "legacy", E.CpuWriteFromDevice, {}),
    ("tail_on_head", "page_pool", E.RingTailOnHead, {}),
    ("tail_on_head", "legacy", E.RingTailOnHead, {}),
    ("wrong_pool", "page_pool", E.WrongPool, {"mac_err_every": 5}),
]


@pytest.mark.parametrize("bug, path, exc, kw", STRICT, ids=[f"{b}-{p}" for b, p, _, _ in STRICT])
def test_strict_checker_names_the_rule(bug, path, exc, kw):
    s = RefSystem(path=path, bug=bug, ring_size=32, seed=21, hold=HoldTime("fixed", 5000))
    with pytest.raises(exc) as ei:
        s.open()
        s.run_traffic(300, **kw)
    msg = str(ei.value)
    assert msg.startswith(f"[{exc.rule}]")
    print(f"{bug}/{path}: {msg}")


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_strict_unmap_while_device_owns_at_close(path):
    s = RefSystem(path=path, bug="unmap_while_device_owns", ring_size=32, seed=22)
    s.open()
    s.run_traffic(100)
    with pytest.raises(E.UnmapWhileDeviceOwns, match="descriptor"):
        s.close()


def permissive(bug, path, **kw):
    s = RefSystem(path=path, bug=bug, strict=False, ring_size=32, seed=23,
                  hold=kw.pop("hold", HoldTime("fixed", 5000)), mangle=kw.pop("mangle", False))
    s.hm.cache_pressure = kw.pop("pressure", False)
    s.open()
    s.run_traffic(kw.pop("n", 400), **kw)
    return s


@pytest.mark.parametrize("pressure", [False, True])
def test_control_run_with_mangling_is_intact(pressure):
    s = permissive(None, "page_pool", mangle=True, pressure=pressure, sizes=BIG)
    assert s.scoreboard.mismatches == 0 and s.scoreboard.received == 400
    # the stack writes pages the CPU owns; the pool's sync for the device cleans those lines
    # before the device writes there again: nothing to report
    assert s.hm.checker.counts() == {}


@pytest.mark.parametrize("path, sizes", [("page_pool", None), ("legacy", SMALL)])
def test_permissive_no_sync_for_cpu_reads_stale_bytes(path, sizes):
    s = permissive("no_sync_for_cpu", path, sizes=sizes)
    assert s.scoreboard.mismatches > 0
    assert s.stack.stats.csum_bad > 0
    assert s.hm.checker.counts()["CpuReadDeviceOwned"] > 0


def test_permissive_short_sync_for_device_corrupts_frames():
    # dirty lines past max_len are never cleaned; invalidating the frame's partial last line
    # writes them back over what the device just wrote
    s = permissive("short_sync_for_device", "page_pool", mangle=True, sizes=BIG)
    assert s.scoreboard.mismatches > 0, s.scoreboard
    assert s.hm.checker.counts()["DeviceWriteNotOwned"] > 0


def test_permissive_recycle_while_held_overwrites_held_skbs():
    s = permissive("recycle_while_held", "page_pool", hold=HoldTime("fixed", 200_000))
    assert s.scoreboard.mismatches > 0
    c = s.hm.checker.counts()
    assert c["RecycleWhileHeld"] > 0 and c["DoublePut"] > 0


def test_permissive_double_put_puts_one_page_in_two_places():
    s = permissive("double_put", "page_pool", hold=HoldTime("fixed", 200_000), mac_err_every=4,
                   pressure=True)
    assert s.hm.checker.counts()["DoublePut"] > 0
    assert s.scoreboard.mismatches > 0


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_permissive_cpu_write_from_device_loses_device_bytes(path):
    s = permissive("cpu_write_from_device", path, pressure=True)
    assert s.hm.checker.counts()["CpuWriteFromDevice"] > 0
    assert s.scoreboard.mismatches > 0


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_permissive_tail_on_head_stalls_the_ring(path):
    s = permissive("tail_on_head", path, n=50, drain_ns=1e5)
    snap = s.snapshot()
    assert s.scoreboard.received == 0 and snap["device"]["frames"] == 0
    assert snap["device"]["nodesc_wait"] >= 1
    assert s.hm.checker.counts()["RingTailOnHead"] >= 1


def test_permissive_wrong_pool_breaks_inflight_accounting():
    s = permissive("wrong_pool", "page_pool", mac_err_every=4)
    s.close()
    d = s.driver
    assert d.pool.inflight > 0 and not d.pool.freed
    assert d.other_pool.inflight < 0
    assert s.hm.checker.counts()["WrongPool"] >= 100       # one per page of each dropped frame


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_permissive_unmap_while_device_owns_lets_the_device_scribble(path):
    s = RefSystem(path=path, bug="unmap_while_device_owns", strict=False, ring_size=32, seed=24)
    s.open()
    s.run_traffic(50)
    mac = s.env.spawn(s.mac(200, gbps=10.0))
    s.close()
    s.env.run(until=lambda: mac.done)
    c = s.hm.checker.counts()
    assert c["UnmapWhileDeviceOwns"] > 0
    assert c["DeviceAccessUnmapped"] > 0          # frames DMA'd into pages already freed


def test_the_clean_driver_has_no_bug_branches():
    src = inspect.getsource(pymodel.driver)
    for bug in BUGS:
        assert bug not in src, f"pymodel/driver.py mentions {bug}"
    assert "bug ==" not in src and "bug !=" not in src


@pytest.mark.parametrize("bug", list(BUGS))
def test_every_bug_is_built_for_its_paths_and_refused_for_the_others(bug):
    s = RefSystem()
    assert set(BUGS[bug]) <= set(PATHS)
    for path in PATHS:
        if path in BUGS[bug]:
            d = rx_driver(s.hm, s.nic, s.env, path=path, ring_size=32, bug=bug)
            assert isinstance(d, RxDriver) and type(d) is not RxDriver
            assert d.bug == bug and d.path == path
        else:
            with pytest.raises(ValueError, match=f"bug '{bug}' is not defined for the {path} path"):
                rx_driver(s.hm, s.nic, s.env, path=path, ring_size=32, bug=bug)


def test_no_bug_is_the_clean_driver_and_unknown_bugs_are_refused():
    s = RefSystem()
    d = rx_driver(s.hm, s.nic, s.env, path="legacy", ring_size=32)
    assert type(d) is RxDriver and d.bug is None
    with pytest.raises(ValueError, match="not defined"):
        rx_driver(s.hm, s.nic, s.env, bug="use_after_free")
    with pytest.raises(ValueError, match="path must be one of"):
        rx_driver(s.hm, s.nic, s.env, path="zerocopy", bug="double_put")
