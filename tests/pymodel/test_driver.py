"""The RX driver end to end on the reference NIC: both paths, every profile, faults, recovery."""
import random

import pytest

from pymodel import regs
from pymodel.driver import XDP_DROP, XDP_PASS, RxDriver
from pymodel.errors import BusErrorResponse
from pymodel.sabotage import rx_driver
from pymodel.skb import MAX_SKB_FRAGS, SkbLayer, SkbOverPanic, skb_put
from pymodel.stack import HoldTime
from pymodel.system import RefSystem
from pymodel.traffic import SizeMix, parse_frame


def assert_clean_teardown(s):
    s.close()
    sb = s.scoreboard
    assert sb.mismatches == 0, sb.first_mismatch
    assert sb.duplicates == 0 and sb.out_of_order == 0
    assert s.hm.alloc.nr_in_use == 0, "pages leaked"
    assert s.hm.dma_debug_check_leaks() == 0
    assert s.hm.checker.breaches == []
    if s.driver.pool is not None:
        assert s.driver.pool.freed and s.driver.pool.inflight == 0


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
@pytest.mark.parametrize("profile", ["cortex-a53", "cortex-a53-smmu-strict", "x86-iommu-lazy"])
def test_both_paths_every_profile_deliver_every_byte(path, profile):
    s = RefSystem(path=path, profile=profile, ring_size=64, seed=7,
                  hold=HoldTime("exp", 3000, seed=7))
    s.open()
    s.run_traffic(600)
    snap = s.snapshot()
    sb = s.scoreboard
    assert sb.received == sb.sent == 600 and sb.missing == 0
    assert snap["frames_delivered"] == 600 == snap["device"]["frames"]
    assert snap["device"]["bytes"] == snap["driver"]["rx_bytes"]
    assert snap["stack"]["csum_ok"] == 600 and snap["stack"]["csum_bad"] == 0
    assert snap["driver"]["rx_multi_buf"] > 0
    if path == "legacy":
        assert snap["driver"]["rx_copybreak"] > 0
        assert snap["dma"]["map"] >= 600 - snap["driver"]["rx_copybreak"]
    else:
        assert snap["dma"]["map"] <= 128
    assert_clean_teardown(s)


def test_page_pool_steady_state_is_fast_and_maps_each_page_once():
    s = RefSystem(path="page_pool", ring_size=256, seed=3)
    s.open()
    s.run_traffic(3000)
    pool = s.driver.pool
    a, r = pool.stats.alloc_stats, pool.stats.recycle_stats
    allocs = a.fast + a.slow + a.refill
    assert a.fast / allocs > 0.98, pool.snapshot()
    assert a.slow == 256 // 64 and a.slow_high_order == 0 and a.waive == 0
    assert r.cached > 0.99 * s.scoreboard.received and r.released_refcnt == 0
    assert s.hm.stats.map == pool.hold_cnt == 256 == pool.maps
    pages = {id(b.page): b.page for b in s.driver.slots if b is not None}
    assert all(p.map_count_total == 1 for p in pages.values())
    assert s.hm.stats.unmap == 0
    assert_clean_teardown(s)
    assert s.hm.stats.unmap == 256


def test_stack_holding_pages_recycles_through_the_ring():
    s = RefSystem(path="page_pool", ring_size=128, seed=4, hold=HoldTime("pareto", 20_000, seed=4))
    s.open()
    s.run_traffic(1500)
    r = s.driver.pool.stats.recycle_stats
    assert r.ring > 0 and s.stack.stats.max_held > 1
    assert s.driver.pool.stats.alloc_stats.refill > 0
    assert_clean_teardown(s)


def test_mac_errors_are_counted_and_dropped():
    for path in ("page_pool", "legacy"):
        s = RefSystem(path=path, ring_size=64, seed=5)
        s.open()
        s.run_traffic(400, mac_err_every=10)
        snap = s.snapshot()
        assert snap["driver"]["rx_mac_err"] == 40 == snap["drops"]["driver_mac_err"]
        assert s.scoreboard.received == 360 and s.scoreboard.missing == 40
        assert_clean_teardown(s)


def test_xdp_drop_recycles_directly():
    def xdp(head):
        seq, _ = parse_frame(head)
        return XDP_DROP if seq % 3 == 0 else XDP_PASS

    s = RefSystem(path="page_pool", ring_size=64, seed=6, xdp=xdp)
    s.open()
    s.run_traffic(300)
    st = s.driver.stats
    assert st.rx_xdp_drop == 100 and st.rx_xdp_pass == 200 and s.scoreboard.received == 200
    assert_clean_teardown(s)


def test_allocation_failures_carry_over_and_frames_still_arrive():
    for path in ("page_pool", "legacy"):
        s = RefSystem(path=path, ring_size=512, seed=8, hold=HoldTime("exp", 50_000, seed=8))
        rng = random.Random(8)
        s.hm.alloc.fail_hook = lambda order, rng=rng: order == 0 and rng.random() < 0.3
        s.open()
        assert s.driver.posted < 511                        # open could not fill the ring
        s.run_traffic(500)
        s.hm.alloc.fail_hook = None
        s.run_traffic(20)
        snap = s.snapshot()
        assert snap["driver"]["rx_alloc_fail"] > 0
        dev_drops = sum(v for k, v in snap["drops"].items() if k.startswith("device"))
        assert s.scoreboard.received + dev_drops == s.scoreboard.sent
        assert_clean_teardown(s)


def test_ring_drained_by_failures_uses_delayed_refill():
    s = RefSystem(path="legacy", ring_size=16, seed=9)
    s.open()
    s.hm.alloc.fail_rate = 1.0
    s.run_traffic(40, drain_ns=2e5)
    assert s.driver.posted == 0 or s.driver.stats.rx_refill_deferred > 0
    s.hm.alloc.fail_rate = 0.0
    s.env.run(until_ns=s.env.now_ns + 1e6)
    s.run_traffic(10)
    snap = s.snapshot()
    assert snap["driver"]["rx_refill_deferred"] > 0
    dev_drops = sum(v for k, v in snap["drops"].items() if k.startswith("device"))
    assert s.scoreboard.received + dev_drops == s.scoreboard.sent
    assert s.scoreboard.received >= 10
    assert_clean_teardown(s)


def test_overload_drops_are_accounted():
    s = RefSystem(path="legacy", ring_size=16, seed=10)
    s.open()
    s.run_traffic(400, gbps=100.0)
    snap = s.snapshot()
    dev_drops = snap["drops"]["device_fifo"] + snap["drops"]["device_nodesc"]
    assert dev_drops > 0 and snap["driver"]["irq_rxo"] > 0
    assert s.scoreboard.received + dev_drops == s.scoreboard.sent
    assert_clean_teardown(s)


@pytest.mark.parametrize("path, ring", [("page_pool", 256), ("legacy", 32)])
def test_counters_under_sustained_overload_are_exact(path, ring):
    """Thousands of frames dropped for want of FIFO room. rx_missed_errors counts every one of
    them. Each interrupt cause counts as often as the device latched it: once for the whole
    overload when NAPI never completes (ring 256: every poll uses the whole budget), once per
    NAPI run when it completes between bursts of drops (ring 32)."""
    s = RefSystem(path=path, ring_size=ring, seed=19, itr=(2 << 16) | 8)
    s.nic.fifo_bytes = 4096                # a small FIFO: sustained overload drops
    s.open()
    s.run_traffic(6000, gbps=20.0, sizes=SizeMix([(1.0, 60, 1500)], seed=19))
    snap = s.snapshot()
    drv, dev, nic = snap["driver"], snap["device"], s.nic
    assert dev["drop_fifo"] > 4000 and dev["drop_nodesc"] == 0
    assert drv["rx_missed_errors"] == dev["drop_fifo"] == snap["drops"]["device_fifo"]
    assert drv["rx_halt_recounted"] == 0
    assert nic.icr == 0, "causes left unseen"
    latched = {"irq_rxdw": regs.ICR_RXDW, "irq_rxdmt": regs.ICR_RXDMT, "irq_rxo": regs.ICR_RXO,
               "irq_err": regs.ICR_ERR}
    assert {k: drv[k] for k in latched} == {k: nic.cause_sets[b] for k, b in latched.items()}
    assert drv["irq_err"] == 0 and drv["irq_spurious"] == 0
    if ring == 256:
        assert drv["napi_budget_exhausted"] > 10 and drv["irq_rxo"] == 1
    else:
        assert drv["irq_rxo"] > 10
    assert s.scoreboard.received + dev["drop_fifo"] == s.scoreboard.sent == 6000
    assert_clean_teardown(s)


@pytest.mark.parametrize("path", ["page_pool", "legacy"])
def test_device_halt_is_recovered(path):
    s = RefSystem(path=path, ring_size=32, seed=11)
    s.open()
    s.run_traffic(50)
    real = s.hm.device_write
    state = {"armed": True}

    def faulty(addr, data):
        if state["armed"] and len(data) > 16:
            state["armed"] = False
            raise BusErrorResponse("injected SLVERR")
        return real(addr, data)

    s.hm.device_write = faulty
    s.run_traffic(200)
    snap = s.snapshot()
    assert snap["driver"]["rx_halts"] == 1 and snap["driver"]["rx_recoveries"] == 1
    assert snap["device"]["axi_err"] == 1
    dev_drops = snap["drops"]["device_fifo"]
    assert dev_drops >= 1
    assert s.scoreboard.received + dev_drops == s.scoreboard.sent
    s.hm.device_write = real
    assert_clean_teardown(s)


def test_close_while_stack_holds_skbs_defers_pool_free():
    s = RefSystem(path="page_pool", ring_size=32, seed=12, hold=HoldTime("fixed", 1e6))
    s.open()
    task = s.env.spawn(s.mac(50))
    s.env.run(until=lambda: task.done)
    s.env.run(until_ns=s.env.now_ns + 2e4)
    assert s.stack.stats.held > 0
    s.close()
    pool = s.driver.pool
    t_close = s.env.now_ns
    # page_pool_scrub() unmapped the pages the stack holds; the pool is on a netdev, so no
    # "stalled pool shutdown" warning; page_pool_release_retry() runs every second
    assert pool.destroyed and not pool.freed and not pool.warnings
    assert s.hm.dma_debug_check_leaks() == 0
    snap = s.snapshot()
    assert snap["pools_pending"] == 1
    s.env.run()
    assert pool.freed and s.hm.alloc.nr_in_use == 0 and s.hm.checker.breaches == []
    assert pool.release_retries == 1 and s.env.now_ns == pytest.approx(t_close + 1e9, abs=1e6)
    assert not pool.warnings and s.snapshot()["pools_pending"] == 0
    assert s.scoreboard.mismatches == 0 and s.scoreboard.received == 50


def test_open_fails_on_wrong_device_and_bad_args():
    class Dead:
        async def read32(self, off):
            return 0

        async def write32(self, off, v):
            pass

    s = RefSystem()
    drv = RxDriver(s.hm, Dead(), s.env)
    with pytest.raises(Exception, match="ID"):
        s.env.run_until_complete(drv.open())
    with pytest.raises(ValueError):
        RxDriver(s.hm, Dead(), s.env, path="zerocopy")
    with pytest.raises(ValueError):
        RxDriver(s.hm, Dead(), s.env, ring_size=12)
    with pytest.raises(ValueError):
        rx_driver(s.hm, Dead(), s.env, path="legacy", bug="wrong_pool")
    with pytest.raises(TypeError):
        RxDriver(s.hm, Dead(), s.env, bug="double_put")     # bugs are built by pymodel.sabotage


def test_irq_while_scheduled_is_spurious_and_snapshot_shape():
    s = RefSystem(path="page_pool", ring_size=16, seed=13)
    s.open()
    s.run_traffic(30)
    s.driver.napi_scheduled = True
    s.env.run_until_complete(s.driver.irq_handler())
    s.driver.napi_scheduled = False
    snap = s.snapshot()
    assert snap["driver"]["irq_spurious"] == 1
    for key in ("frames_delivered", "drops", "page_pool", "dma", "breaches", "pages_in_flight",
                "mappings_left", "device", "stack", "cpu_ns_by_op"):
        assert key in snap
    assert snap["page_pool"]["rx_pp_alloc_slow"] == 1
    assert snap["cpu_ns"] > 0 and snap["cpu_ns_by_op"]["build_skb"] == 120 * 30
    assert_clean_teardown(s)


def test_page_pool_path_costs_less_cpu_than_legacy_for_large_frames():
    cost = {}
    for path in ("page_pool", "legacy"):
        s = RefSystem(path=path, ring_size=64, seed=14)
        s.open()
        s.run_traffic(400, sizes=SizeMix([(1.0, 1000, 1500)], seed=1))
        cost[path] = s.hm.meter.total_ns / 400
        assert_clean_teardown(s)
    assert cost["page_pool"] < 0.85 * cost["legacy"], cost


def test_skb_helpers_guard_their_bounds():
    s = RefSystem()
    skbs = SkbLayer(s.hm)
    page = s.hm.alloc.alloc_pages(0)
    skb = skbs.build_skb(page, 0, 4096)
    with pytest.raises(SkbOverPanic):
        skb_put(skb, 4000)
    for _ in range(MAX_SKB_FRAGS):
        skbs.skb_add_rx_frag(skb, page, 0, 10, 100)
    with pytest.raises(SkbOverPanic):
        skbs.skb_add_rx_frag(skb, page, 0, 10, 100)
    skb.frags.clear()
    page.skb_refs = 1
    skbs.kfree_skb(skb)
    assert page.refcount == 0
    s.hm.checker.strict = False
    skbs.kfree_skb(skb)
    assert type(s.hm.checker.breaches[-1]).__name__ == "DoublePut"
    with pytest.raises(ValueError):
        HoldTime("gaussian")


class SlowBus:
    """The reference NIC's registers over a bus that takes time, as AXI-Lite does: an access
    lands land_ns after it is issued and its response returns resp_ns after that.
    `before_write(off, value)` runs just before a write lands."""

    def __init__(self, nic, env, land_ns=20.0, resp_ns=20.0, before_write=None):
        self.nic, self.env = nic, env
        self.land_ns, self.resp_ns = land_ns, resp_ns
        self.before_write = before_write

    async def read32(self, off):
        await self.env.sleep_ns(self.land_ns)
        v = self.nic.reg_read(off)
        await self.env.sleep_ns(self.resp_ns)
        return v

    async def write32(self, off, value):
        await self.env.sleep_ns(self.land_ns)
        if self.before_write is not None:
            self.before_write(off, value)
        self.nic.reg_write(off, value)
        await self.env.sleep_ns(self.resp_ns)


class LevelIrq:
    """A level-triggered interrupt controller (the kernel's handle_level_irq): while the line
    is high the handler runs, and after each return (EOI, eoi_ns) a line still high runs it
    again. `edge=True` models a controller that only sees rising edges."""

    def __init__(self, env, nic, handler, edge=False, eoi_ns=4.0):
        self.env, self.nic, self.handler = env, nic, handler
        self.edge, self.eoi_ns = edge, eoi_ns
        self.active = False
        self.calls = 0
        nic.on_irq = self._rise

    def _rise(self):
        if not self.active:
            self.active = True
            self.env.spawn(self._run(), name="irq_line")

    async def _run(self):
        while True:
            self.calls += 1
            await self.handler()
            await self.env.sleep_ns(self.eoi_ns)
            if self.edge or not self.nic.irq:
                break
        self.active = False


@pytest.mark.parametrize("controller", ["level", "edge"])
def test_irq_raised_during_the_unmask_is_taken(controller):
    """A frame completes while the driver unmasks (at open, and each time NAPI completes): the
    line goes high as IMS lands. The driver is open, and napi_complete_done has already left
    the scheduled state, so that handler call schedules NAPI (none is spurious), even where
    the controller only sees the rising edge, and every frame arrives."""
    s = RefSystem(path="page_pool", ring_size=64, seed=17)
    injected = []

    def frame_at_unmask(off, value):
        if off == regs.IMS and value and len(injected) < 40:
            injected.append(s.env.now_ns)
            s.nic.mac_rx(s.scoreboard.frame(200))    # RXDW (PKT_THRESH 1) while still masked

    s.driver = RxDriver(s.hm, SlowBus(s.nic, s.env, before_write=frame_at_unmask), s.env,
                        path="page_pool", ring_size=64, stack=s.stack, itr=1)
    line = LevelIrq(s.env, s.nic, s.driver.irq_handler, edge=controller == "edge")
    s.open()
    s.run_traffic(0)          # each frame's NAPI run ends in the unmask that brings the next
    assert len(injected) == 40 and line.calls >= 40
    assert s.driver.stats.irq_spurious == 0
    assert s.scoreboard.received == s.scoreboard.sent == 40
    assert_clean_teardown(s)



@pytest.mark.parametrize("path", ["page_pool", "legacy"])
@pytest.mark.parametrize("off", [2, 7])
def test_rx_offset_moves_every_buffer_and_every_byte_still_arrives(path, off):
    """rx_offset (NET_IP_ALIGN's 2, or any byte up to 63): every posted buffer starts that many
    bytes past an aligned headroom, and frames still arrive whole, checksums right."""
    s = RefSystem(path=path, ring_size=64, seed=21, rx_offset=off)
    s.open()
    assert all(b.dma % 64 == off for b in s.driver.slots if b is not None)
    s.run_traffic(400)
    snap = s.snapshot()
    assert s.scoreboard.received == s.scoreboard.sent == 400 and s.scoreboard.missing == 0
    assert snap["stack"]["csum_ok"] == 400
    assert s.driver.headroom % 64 == off
    with pytest.raises(ValueError, match="rx_offset"):
        RefSystem(path=path, rx_offset=64).open()
    assert_clean_teardown(s)
