"""pymodel.host: the one builder of the host side, its level-triggered interrupt service and
the MAC-error rule, used by RefSystem (here) and the co-simulation."""
import pytest

from pymodel import host as host_mod
from pymodel.driver import RxDriver
from pymodel.host import Host, IrqService, mac_error
from pymodel.refnic import RefNic
from pymodel.sim import Env
from pymodel.stack import HoldTime
from pymodel.system import NicIrqLine, RefSystem
from pymodel.traffic import Scoreboard

CLK = 4.0


class Line:
    """An irq line driven by the test: `set(level)` moves it and reports a rise."""

    def __init__(self, env):
        self.env = env
        self.level = False
        self.service = None
        self.clocks = 0

    def set(self, level):
        rise = level and not self.level
        self.level = level
        if rise and self.service is not None:
            self.service.raised()

    def high(self):
        return self.level

    def clock(self):
        self.clocks += 1
        return self.env.sleep_ns(CLK)


def serve(env, handler):
    line = Line(env)
    line.service = IrqService(env, line, handler)
    return line, line.service


# ------------------------------------------------------------------------- the MAC-error rule
def test_mac_error_flags_every_nth_frame():
    assert [k for k in range(20) if mac_error(k, 5)] == [4, 9, 14, 19]
    assert [k for k in range(5) if mac_error(k, 1)] == [0, 1, 2, 3, 4]
    assert not any(mac_error(k, 0) for k in range(100))


def test_host_mac_error_counts_the_drops_the_scoreboard_expects():
    h = Host(Env(), seed=3)
    flags = [h.mac_error(k, 10) for k in range(400)]
    assert sum(flags) == 40 == h.scoreboard.expected_drops
    assert flags.index(True) == 9
    assert not any(h.mac_error(k, 0) for k in range(50)) and h.scoreboard.expected_drops == 40


def test_refsystem_mac_flags_frames_by_the_rule():
    s = RefSystem(path="legacy", ring_size=32, seed=5)
    sent = []
    real = s.nic.mac_rx
    s.nic.mac_rx = lambda frame, tuser=False: (sent.append(tuser), real(frame, tuser=tuser))[1]
    s.open()
    s.run_traffic(30, mac_err_every=7)
    assert [k for k, t in enumerate(sent) if t] == [6, 13, 20, 27]
    assert s.scoreboard.expected_drops == 4 == s.driver.stats.rx_mac_err


# ------------------------------------------------------------------------- the irq service
def test_irq_service_runs_the_handler_once_for_a_pulse():
    env = Env()
    calls = []

    async def handler():
        calls.append(env.now_ns)
        line.set(False)                        # the handler clears the cause

    line, svc = serve(env, handler)
    env.run(until_ns=10)
    line.set(True)
    env.run(until_ns=100)
    assert calls == [10] and svc.calls == 1 and not svc.active and line.clocks == 1


def test_irq_service_runs_again_while_the_line_stays_high():
    """handle_level_irq: one device clock after the handler returns, a line still high runs it
    again; the service stops at the first look that finds it low."""
    env = Env()
    calls = []

    async def handler():
        calls.append(env.now_ns)
        await env.sleep_ns(10)                 # the handler takes time
        if len(calls) == 3:
            line.set(False)

    line, svc = serve(env, handler)
    line.set(True)
    env.run(until_ns=1000)
    assert calls == [0, 10 + CLK, 2 * (10 + CLK)]
    assert svc.calls == 3 and not svc.active


def test_irq_service_ignores_a_rise_while_it_runs_and_sees_the_level_after():
    env = Env()
    calls = []

    async def handler():
        calls.append(env.now_ns)
        if len(calls) == 1:
            line.set(False)
            await env.sleep_ns(5)
            line.set(True)                     # a new cause while the handler still runs
            await env.sleep_ns(5)
        else:
            line.set(False)

    line, svc = serve(env, handler)
    line.set(True)
    env.run(until_ns=1000)
    assert calls == [0, 10 + CLK]             # one service, two runs: no second task
    assert env.tasks_spawned == 1


def test_irq_service_serves_a_later_rise_again():
    env = Env()
    calls = []

    async def handler():
        calls.append(env.now_ns)
        line.set(False)

    line, svc = serve(env, handler)
    line.set(True)
    env.run(until_ns=50)
    line.set(True)
    env.run(until_ns=100)
    assert calls == [0, 50] and env.tasks_spawned == 2


def test_irq_service_failure_propagates_and_leaves_it_ready():
    env = Env()

    async def handler():
        raise RuntimeError("handler broke")

    line, svc = serve(env, handler)
    line.set(True)
    with pytest.raises(RuntimeError, match="handler broke"):
        env.run(until_ns=10)
    assert not svc.active


def test_nic_irq_line_is_the_reference_nics_level_and_clock():
    env = Env()
    h = Host(env)
    nic = RefNic(h.hm, env, clk_ns=5.0)
    line = NicIrqLine(nic, env)
    assert line.high() is False
    nic.irq = True
    assert line.high() is True
    t = env.run_until_complete(_clocked(env, line))
    assert t == 5.0


async def _clocked(env, line):
    await line.clock()
    return env.now_ns


# ------------------------------------------------------------------------- the builder
def test_host_builds_memory_stack_and_scoreboard_from_its_options():
    env = Env()
    h = Host(env, profile="cortex-a53", strict=False, coherent=True, iommu="lazy", seed=9,
             hold=HoldTime("fixed", 700.0), mangle=True)
    assert h.hm.coherent is True and h.hm.iommu is not None and h.hm.checker.strict is False
    assert h.stack.skbs is h.skbs and h.stack.scoreboard is h.scoreboard
    assert h.stack.hold.mean_ns == 700.0 and h.stack.mangle is True
    assert isinstance(h.scoreboard, Scoreboard) and h.scoreboard.seed == 9
    assert h.driver is None and h.irq is None
    off = Host(env, iommu=None)
    assert off.hm.iommu is None
    env.run(until_ns=123.0)
    assert h.hm.iommu.now_ns() == 123.0                  # host time is the env's


def test_host_takes_a_given_scoreboard():
    class Board:
        expected_drops = 0
    board = Board()
    h = Host(Env(), scoreboard=board)
    assert h.scoreboard is board and h.stack.scoreboard is board
    assert h.mac_error(0, 1) and board.expected_drops == 1


def test_attach_builds_the_driver_through_rx_driver(monkeypatch):
    seen = {}
    real = host_mod.rx_driver

    def spy(hm, bus, env, **kw):
        seen.update(kw, hm=hm, bus=bus, env=env)
        return real(hm, bus, env, **kw)

    monkeypatch.setattr(host_mod, "rx_driver", spy)
    env = Env()
    h = Host(env)
    nic = RefNic(h.hm, env)
    drv = h.attach(nic, path="legacy", ring_size=64, bug="tail_on_head", itr=7)
    assert isinstance(drv, RxDriver) and h.driver is drv
    assert seen == dict(hm=h.hm, bus=nic, env=env, bug="tail_on_head", path="legacy",
                        ring_size=64, stack=h.stack, itr=7)
    assert drv.stack is h.stack and drv.N == 64


def test_serve_irq_calls_the_driver_attached_when_the_line_rises():
    env = Env()
    h = Host(env)
    runs = []

    class Drv:
        def __init__(self, name):
            self.name = name

        async def irq_handler(self):
            runs.append(self.name)
            line.set(False)

    line = Line(env)
    line.service = h.serve_irq(line)
    assert h.irq is line.service
    h.driver = Drv("first")
    line.set(True)
    env.run(until_ns=20)
    h.driver = Drv("second")
    line.set(True)
    env.run(until_ns=40)
    assert runs == ["first", "second"]


def test_refsystem_is_built_on_the_host():
    s = RefSystem(path="page_pool", ring_size=32, seed=2)
    h = s.host
    assert (s.hm, s.skbs, s.stack, s.scoreboard, s.driver) == (h.hm, h.skbs, h.stack,
                                                               h.scoreboard, h.driver)
    assert s.nic.on_irq == h.irq.raised and s.driver.stack is s.stack
    s.open()
    s.run_traffic(100)
    assert s.scoreboard.received == 100 and h.irq.calls >= 1
    assert s.driver.stats.irq == h.irq.calls and s.driver.stats.irq_spurious == 0
    s.close()
    assert s.hm.dma_debug_check_leaks() == 0
