"""Co-simulation: pymodel's driver, page_pool and DMA checker against the RTL, on both simulators.

Every run checks each frame byte for byte, in order and exactly once, that sent = delivered +
drops, that no DMA rule is broken and that nothing leaks at close. The sabotage runs give the
driver one classic bug each and require the checker to name the rule it breaks; a mutant of
the RTL that reads past TAIL must be named too. Further down: narrow descriptor reads on a
wide bus, the level irq under load, halt accounting for a fault on any beat, the memory's
timing (backpressure, latency with many transactions in flight, gaps in the MAC stream),
random faults of every class with the driver's recovery, disruption and a memory limit, and
long runs.
"""
import re
from pathlib import Path

import pytest

from pymodel import errors as E
from tb.common.fault_plan import LATE_B_NS
from tb.common.mutate import mutant_hdl
from tb.cosim.run import options, run

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "sim_build" / "cosim" / "tests"
SIMS = ("icarus", "verilator")


def cosim(name, **kw):
    opts = options({k.upper(): str(v) for k, v in kw.items()})
    res = run(opts, OUT / f"{name}.json", fst=OUT / f"{name}.fst")
    print(f"{name}: seed {opts['seed']} sent {res['frames_sent']} delivered "
          f"{res['frames_delivered']} drops {res['drops_total']} verdict {res['verdict']}")
    return res


JSON_KEYS = {"sim", "driver", "frames_sent", "frames_delivered", "drops", "mismatches", "breaches",
             "pages_in_flight", "mappings_left", "page_pool", "sim_ns", "cycles", "wall_s"}


def assert_clean(res):
    assert JSON_KEYS <= set(res), JSON_KEYS - set(res)
    assert res["verdict"] == [], res["verdict"]
    assert res["errors"] == [] and res["breaches"] == 0
    assert res["mismatches"] == 0 and res["duplicates"] == 0 and res["out_of_order"] == 0
    assert res["frames_delivered"] + res["drops_total"] == res["frames_sent"]
    assert res["pages_in_flight"] == 0 and res["mappings_left"] == 0 and res["leaks"] == 0
    assert res["csum_bad"] == 0
    drv, dev = res["driver_stats"], res["device"]
    assert drv["irq_spurious"] == 0
    assert dev["frames"] == res["frames_delivered"] + res["drops"]["driver_mac_err"]
    assert dev["axi_err"] == 0 and drv["rx_halt_recounted"] == 0
    # the driver's folded counters are the device's, frame for frame
    assert drv["rx_missed_errors"] == res["drops"]["device_fifo"] == dev["drop_fifo"]
    assert res["drops"]["device_nodesc"] == dev["drop_nodesc"]


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("driver", ["page_pool", "legacy"])
@pytest.mark.parametrize("coherent", [0, 1])
def test_cosim_clean(sim, driver, coherent):
    res = cosim(f"clean-{sim}-{driver}-{coherent}", sim=sim, driver=driver, coherent=coherent,
                frames=300, sizes="imix", rate=1, seed=11, mac_err_every=50)
    assert_clean(res)
    assert res["frames_sent"] == 300 and res["drops"]["driver_mac_err"] == 6
    dma = res["dma"]
    if driver == "page_pool":
        pp = res["page_pool"]
        # pages are mapped once, when the pool gets them; after the first fill of the ring
        # (bulk slow-path calls of 64 pages) every allocation comes from the cache
        assert dma["map"] == pp["pages_state_hold_cnt"] == pp["pages_state_release_cnt"] == 256
        assert pp["alloc_stats.slow"] == 256 // 64 and pp["alloc_stats.empty"] == 256 // 64
        assert pp["alloc_stats.fast"] >= res["frames_delivered"]
        assert dma["unmap"] == dma["map"]
    else:
        # legacy: one map per refill, copybreak frames reuse their buffer
        assert dma["map"] == dma["unmap"] >= res["frames_delivered"] - res["driver_stats"]["rx_copybreak"]


@pytest.mark.parametrize("sim, iommu, profile", [("icarus", "strict", "cortex-a53-smmu-strict"),
                                                 ("verilator", "lazy", "x86-iommu-lazy")])
def test_cosim_iommu(sim, iommu, profile):
    res = cosim(f"iommu-{sim}-{iommu}", sim=sim, iommu=iommu, profile=profile, frames=200,
                coherent=1 if profile.startswith("x86") else 0, seed=12)
    assert_clean(res)


@pytest.mark.parametrize("sim", SIMS)
def test_cosim_wide_bus(sim):
    res = cosim(f"dw512-{sim}", sim=sim, data_w=512, frames=200, sizes="uniform:60-9000",
                rate=10, seed=13)
    assert_clean(res)


@pytest.mark.parametrize("sim, data_w, driver, off", [
    ("icarus", 64, "legacy", 2), ("verilator", 512, "page_pool", 2),
    ("verilator", 128, "page_pool", 7), ("icarus", 256, "legacy", 63)])
def test_cosim_rx_offset(sim, data_w, driver, off):
    """RX_OFFSET: every buffer starts `off` bytes past an aligned address, so the block's first
    and last beat of each buffer are partial on every lane layout; multi-buffer frames too."""
    res = cosim(f"rx_offset{off}-{sim}-dw{data_w}", sim=sim, data_w=data_w, driver=driver,
                rx_offset=off, frames=250, sizes="uniform:60-5000", rate=10, seed=17)
    assert_clean(res)
    assert res["rx_offset"] == off and res["frames_delivered"] == 250


def test_100g_64b_line_rate_behind_memory_latency():
    """100 GbE of 64 B frames at DATA_W 512 behind 200-clock reads and 100-clock write
    responses, with the parameters sized for that latency (tb.common.params.LATENCY): no drop
    and no descriptor wait. Line rate needs more than 4 descriptor reads in flight (the
    fetcher's limit scales with DESC_QUEUE / DESC_BURST) and about 70 write bursts."""
    from tb.common.params import LATENCY
    par = ",".join(f"{k}={v}" for k, v in LATENCY[512].items())
    res = cosim("line100g64", sim="verilator", data_w=512, clk_ns=4, rate=100, frames=3000,
                sizes="fixed:60", ring=4096, mem_latency="800,400", params=par,
                profile="x86-iommu-lazy", coherent=1, iommu="lazy", seed=3)
    assert_clean(res)
    assert res["drops_total"] == 0 and res["device"]["nodesc_wait"] == 0
    assert res["bus"]["in_flight_max"]["read"] > 4 and res["bus"]["in_flight_max"]["write"] > 16


# bug -> (the breach the checker must raise, extra options that make the bug bite)
SABOTAGE = {
    "no_sync_for_cpu": (E.CpuReadDeviceOwned, {}),
    "short_sync_for_device": (E.DeviceWriteNotOwned, {"sizes": "uniform:2000-3400"}),
    "recycle_while_held": (E.RecycleWhileHeld, {"hold": "fixed:5000"}),
    "double_put": (E.DoublePut, {"mac_err_every": 5}),
    "unmap_while_device_owns": (E.UnmapWhileDeviceOwns, {}),
    "cpu_write_from_device": (E.CpuWriteFromDevice, {}),
    "tail_on_head": (E.RingTailOnHead, {}),
    "wrong_pool": (E.WrongPool, {"mac_err_every": 5}),
}


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("bug", list(SABOTAGE))
def test_sabotage_is_caught(sim, bug):
    exc, extra = SABOTAGE[bug]
    res = cosim(f"sabotage-{sim}-{bug}", sim=sim, bug=bug, frames=80, ring=32, seed=21,
                **{"sizes": "uniform:60-600", **extra})
    rule = exc.rule
    text = " ".join(res["verdict"] + res["errors"])
    assert res["verdict"], f"{bug} was not caught"
    assert f"[{rule}]" in text, f"{bug}: the rule is not named: {text[:400]}"


@pytest.mark.parametrize("sim", SIMS)
def test_permissive_non_coherent_shows_stale_bytes(sim):
    # a small ring recycles pages quickly: the CPU's clean cache lines of a page's previous
    # frame are read back instead of what the device just wrote
    res = cosim(f"stale-{sim}", sim=sim, bug="no_sync_for_cpu", strict=0, coherent=0,
                frames=200, ring=32, hold="fixed:5000", sizes="uniform:60-1500", seed=22)
    assert res["breaches_by_rule"].get("CpuReadDeviceOwned", 0) > 0
    assert res["mismatches"] > 0 and res["csum_bad"] > 0, "stale cache lines were not seen"


@pytest.mark.parametrize("sim", SIMS)
def test_waves_file_has_every_layout_signal(sim):
    res = cosim(f"waves-{sim}", sim=sim, waves=1, frames=20, seed=23)
    assert_clean(res)
    fst = Path(res["waves"])
    assert fst.exists() and fst.stat().st_size > 0
    import waves
    assert waves.render(fst, check_only=True) is not None


def test_cosim_pcap_replay(tmp_path):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap
    pkts = [Ether(dst="02:00:00:00:00:01") / IP(dst="10.0.0.1") / UDP(dport=9000 + i)
            / bytes((i * 7 + k) & 0xFF for k in range(n))
            for i, n in enumerate([18, 100, 300, 1000, 1472, 5, 700])]
    path = tmp_path / "replay.pcap"
    wrpcap(str(path), pkts)
    res = cosim("pcap-icarus", sim="icarus", sizes=f"pcap:{path}", frames=60, seed=14)
    assert_clean(res)
    assert res["frames_delivered"] == 60


@pytest.mark.parametrize("sim", SIMS)
def test_cosim_halt_and_recovery(sim):
    """One write answered SLVERR: the block halts, the driver recovers, no frame is unaccounted."""
    res = cosim(f"halt-{sim}", sim=sim, frames=300, fault_write=2000, seed=15)
    dev, drv = res["device"], res["driver_stats"]
    assert dev["axi_err"] == 1 and drv["rx_halts"] == 1 and drv["rx_recoveries"] == 1
    assert res["drops"]["device_fifo"] >= 1           # the frames the halt cut off
    assert res["verdict"] == [] and res["breaches"] == 0 and res["mismatches"] == 0
    assert res["frames_delivered"] + res["drops_total"] == res["frames_sent"] == 300
    assert res["pages_in_flight"] == 0 and res["mappings_left"] == 0


# ---------------------------------------------------------------------------------------------
# Descriptor reads with beats narrower than the bus (DESIGN.md: arsize 16 bytes at DATA_W
# 256 and 512). The memory checks each beat's own 16 bytes, not the whole bus word around it.

@pytest.mark.parametrize("sim, frames", [("verilator", 3000), ("icarus", 800)])
def test_wide_bus_narrow_descriptor_reads(sim, frames):
    res = cosim(f"narrow-reads-{sim}", sim=sim, data_w=512, clk_ns=4, rate=25, sizes="fixed:64",
                frames=frames, profile="x86-iommu-lazy")
    assert_clean(res)
    assert res["frames_sent"] == frames
    if frames >= 3000:
        # 37 Mpps offered: sustained overload. Every dropped frame is in rx_missed_errors
        # (assert_clean: equal to STAT_DROP_FIFO); RXO is one cause, latched while NAPI,
        # polling with its whole budget each time, never completes.
        drv = res["driver_stats"]
        assert res["drops"]["device_fifo"] > 1000
        assert drv["napi_budget_exhausted"] > 10 and drv["irq_rxo"] >= 1


def cosim_mutant(name, fname, pat, repl, **kw):
    """One co-simulation of a copy of hdl/ with one textual mutation (as tests/test_rtl_mutants
    makes them). The anchor must match exactly once."""
    d = mutant_hdl(ROOT / "sim_build" / "mutants" / f"{name}_hdl", name, fname, pat, repl)
    opts = options({k.upper(): str(v) for k, v in kw.items()})
    return run(opts, OUT / f"mutant-{name}.json", hdl_dir=d)


def test_descriptor_read_past_tail_is_caught():
    """A fetch that reads one descriptor past TAIL, whenever it owns unread ones, is caught at
    DATA_W 512 although reads are narrowed to their beats: the breach names that descriptor
    and the 16 bytes of its beat, in a bus word whose other descriptors the device owns; the
    AXI monitor names it too, at the read's AR."""
    res = cosim_mutant("fetch_past_tail", "nic_rx_desc_fetch.v",
                       r"n_want = \{1'b0, owned_unfetched\};",
                       "n_want = {1'b0, owned_unfetched} + {16'd0, owned_unfetched != 16'd0};",
                       sim="verilator", data_w=512, clk_ns=4, rate=25, sizes="fixed:64",
                       frames=200, profile="x86-iommu-lazy")
    text = " ".join(res["errors"])
    assert f"[{E.RingDeviceAccess.rule}]" in text, text[:400]
    m = re.search(r"read of RX descriptor (\d+) \(HEAD \d+, TAIL (\d+)\) "
                  r"bytes=\[(0x[0-9a-f]+), (0x[0-9a-f]+)\)", text)
    assert m, text[:400]
    slot, tail, lo, hi = int(m[1]), int(m[2]), int(m[3], 16), int(m[4], 16)
    assert slot == tail and hi - lo == 16 and lo % 64 != 0, text[:400]
    # the protocol monitor's confinement check, on the driver's ring, names it at the AR
    assert "AXI monitor: AR at 0x" in text and \
        f"reads descriptor {slot}, which the device does not own" in text, text[:400]


# ---------------------------------------------------------------------------------------------
# The AXI protocol monitor (tb/common/axi_monitor.py) watches the master port in every
# co-simulation. A mutant whose descriptor reads say FIXED instead of INCR: at DATA_W 128 with
# one descriptor per read every read is a single beat, which FIXED and INCR address alike, so
# memory, the DMA checker and the scoreboard see nothing wrong. Only the monitor does, and its
# report alone fails the run: recorded with STRICT=0, ending the run at once with STRICT=1.

ARBURST_FIXED = ("nic_rx_desc_fetch.v", r"assign m_axi_arburst = BURST_INCR;",
                 "assign m_axi_arburst = 2'b00;")


@pytest.mark.parametrize("strict", [0, 1])
def test_protocol_monitor_violation_fails_the_run(strict):
    res = cosim_mutant(f"arburst_fixed_strict{strict}", *ARBURST_FIXED, sim="icarus", data_w=128,
                       params="DESC_BURST=1", frames=40, seed=24, strict=strict)
    errors = res["errors"]
    assert errors and all("AXI monitor: AR at" in e and "arburst=0, not INCR" in e
                          for e in errors[:20]), errors[:3]
    assert res["breaches"] == 0 and res["mismatches"] == 0 and res["duplicates"] == 0
    assert res["verdict"], "a monitor error must fail the run"
    assert errors[0] in " ".join(res["verdict"])
    if strict:
        assert res["frames_sent"] < 40           # the run ended at the first report
    else:
        # the run went on to the end: everything else holds, the monitor's reports alone fail it
        assert res["monitor_reports"] >= 40 and res["frames_sent"] == 40
        assert len(errors) == 21 and errors[-1].endswith("more AXI monitor report(s)")
        assert res["frames_delivered"] + res["drops_total"] == 40 and res["pages_in_flight"] == 0


# ---------------------------------------------------------------------------------------------
# The memory's and the MAC's timing (tb.common.harness.BusTiming): random pauses on all five
# AXI channels, read data and write responses held for a pipelined latency, random gaps inside
# frames on the MAC stream. 10 Gb/s keeps the bus busy, so requests queue behind the latency.

TIMING = dict(backpressure=0.2, mem_latency="400,300", mac_pause=0.2, rate=10)
TIMING_RUNS = {("icarus", "page_pool"): 41, ("icarus", "legacy"): 42,
               ("verilator", "page_pool"): 43, ("verilator", "legacy"): 44}


@pytest.mark.parametrize("sim, driver", list(TIMING_RUNS))
def test_cosim_bus_timing(sim, driver):
    """BACKPRESSURE, MEM_LATENCY and MAC_PAUSE together: every check holds, more than one read
    and more than one write are in flight at once, and no response came back early. The
    write side is counted twice: by the timing itself and by the protocol monitor's handshake
    clocks (an AW until its B)."""
    res = cosim(f"timing-{sim}-{driver}", sim=sim, driver=driver, frames=300, sizes="imix",
                mac_err_every=50, seed=TIMING_RUNS[(sim, driver)], **TIMING)
    assert_clean(res)
    assert res["monitor_reports"] == 0
    bus = res["bus"]
    assert bus["in_flight_max"]["read"] > 1 and bus["in_flight_max"]["write"] > 1, bus
    assert bus["held_clocks"]["r"] > 0 and bus["held_clocks"]["b"] > 0, bus
    assert bus["mac_gap_clocks"] > 0, bus
    mon = bus["monitor_writes"]
    assert mon["in_flight_max"] > 1, mon
    # B is driven no earlier than 300 ns (37.5 clocks) after its AW handshake and taken a
    # clock later at the earliest
    assert mon["b_clocks_min"] >= 300 / 8, mon


# every bug, on the two simulators in turn, caught under the memory's timing and random faults
# (a halt and its recovery every few microseconds)
TIMING_SABOTAGE = [(SIMS[k % 2], bug) for k, bug in enumerate(SABOTAGE)]


@pytest.mark.parametrize("sim, bug", TIMING_SABOTAGE)
def test_sabotage_is_caught_under_bus_timing_and_faults(sim, bug):
    exc, extra = SABOTAGE[bug]
    res = cosim(f"timing-sabotage-{sim}-{bug}", sim=sim, bug=bug, frames=80, ring=32, seed=21,
                faults=3000, **{"sizes": "uniform:60-600", **extra, **TIMING})
    text = " ".join(res["verdict"] + res["errors"])
    assert res["verdict"], f"{bug} was not caught"
    assert f"[{exc.rule}]" in text, f"{bug}: the rule is not named: {text[:400]}"


# ---------------------------------------------------------------------------------------------
# Random faults (FAULTS=, tb/common/fault_plan.py): one at a time, each checked by the run itself
# for its ERR_CODE, the driver's recovery and traffic resuming; the verdict also holds
# STAT_AXI_ERR to one per injected error.

def assert_faults_recovered(res, at_least):
    f = res["faults"]
    assert f["errors"] == [] and f["injected_total"] >= at_least, f
    assert f["injected"] == f["recovered"], f
    late = f["injected"]["late_b"]
    assert res["device"]["axi_err"] == f["injected_total"] - late
    assert res["driver_stats"]["rx_halts"] == res["driver_stats"]["rx_recoveries"] \
        == f["injected_total"] - late
    # the halts the driver logged carry the ERR_CODE each fault's access calls for (the plan's
    # expectation, from the kind of access it failed, not from what the driver read)
    want = [x["expect_code"] for x in f["first"] if x["cls"] != "late_b"]
    assert want and [h["err_code"] for h in res["halt_log"]][:len(want)] == want, \
        (res["halt_log"][:5], f["first"])


# the classes are split over the two Verilator runs so each run meets each of its own
READ_SIDE = "desc_slverr/desc_decerr/garbage/iommu/late_b"
WRITE_SIDE = "data_slverr/data_decerr/wb_slverr/wb_decerr/iommu"
FAULT_RUNS = {("verilator", "page_pool"): (1500, READ_SIDE), ("verilator", "legacy"): (1500, WRITE_SIDE),
              ("icarus", "page_pool"): (300, WRITE_SIDE), ("icarus", "legacy"): (300, READ_SIDE)}


@pytest.mark.parametrize("sim, driver", list(FAULT_RUNS))
def test_cosim_faults(sim, driver):
    """Faults of every class, with the monitor, backpressure and latency on."""
    frames, classes = FAULT_RUNS[(sim, driver)]
    res = cosim(f"faults-{sim}-{driver}", sim=sim, driver=driver, frames=frames,
                faults=f"2000:{classes}", iommu="lazy", profile="x86-iommu-lazy", sizes="imix",
                rate=1, backpressure=0.1, mem_latency="200,100", seed=5)
    assert res["verdict"] == [] and res["breaches"] == 0 and res["mismatches"] == 0
    assert res["frames_delivered"] + res["drops_total"] == res["frames_sent"] == frames
    assert_faults_recovered(res, 4 if sim == "icarus" else 15)
    if sim == "verilator":
        hit = res["faults"]["injected"]
        assert all(hit[c] > 0 for c in classes.split("/")), hit
    if res["faults"]["injected"]["late_b"]:  # a late B really came back late
        assert res["bus"]["monitor_writes"]["b_clocks_max"] >= LATE_B_NS / 8, res["bus"]


def test_late_b_without_bus_timing():
    """With no other bus timing the late B pauses the slave's B channel instead: still late,
    still no halt, and the MAC is never stalled meanwhile."""
    res = cosim("faults-late-b", sim="verilator", frames=600, faults="5000:late_b", rate=2,
                seed=6)
    assert res["verdict"] == [] and res["bus"].get("held_clocks") is None
    f = res["faults"]
    assert f["injected"]["late_b"] >= 3 and f["injected"] == f["recovered"], f
    assert res["device"]["axi_err"] == 0 and res["driver_stats"]["rx_halts"] == 0
    assert res["bus"]["monitor_writes"]["b_clocks_max"] >= LATE_B_NS / 8, res["bus"]


def test_cosim_faults_disruption_and_memory_limit():
    """Faults, close/open and ring resizes, and a host memory limit at once: every pool
    destroyed is freed, nothing leaks, every frame is accounted for."""
    res = cosim("faults-disrupt", sim="verilator", frames=2000, faults=40000, ring=128,
                disrupt="close:100000,resize:150000,rings:64/128/256", mem_pages=300,
                hold="exp:100000",
                sizes="imix", rate=1, seed=9)
    assert res["verdict"] == [], res["verdict"]
    assert res["frames_delivered"] + res["drops_total"] == res["frames_sent"]
    d = res["disrupt"]
    assert d["close"] >= 1 and d["resize"] >= 1, d
    assert res["pools_created"] == 1 + d["close"] + d["resize"] and res["pools_pending"] == 0
    assert res["driver_stats"]["rx_alloc_fail"] > 0          # the limit was reached
    assert_faults_recovered(res, 5)


ERR_CODE_MUTANT = ("nic_rx_ctrl.v", r"err_data_wr \? ERR_DATA_WR :", "err_data_wr ? ERR_WB :")


def test_memory_limit_starves_the_ring_and_receive_recovers():
    """MEM_PAGES=300 with every skb held 300 us: the pool empties, the page allocator refuses,
    `rx_alloc_fail` counts, the ring runs short, and as the stack frees pages the refill
    succeeds again: five times as many frames as there are pages arrive, intact and in order."""
    res = cosim("mem-limit", sim="verilator", frames=1500, mem_pages=300, hold="fixed:300000",
                seed=12)
    assert_clean(res)
    drv, pp = res["driver_stats"], res["page_pool"]
    assert drv["rx_alloc_fail"] > 100 and pp["alloc_stats.empty"] > 100, (drv, pp)
    assert res["frames_delivered"] > 4 * 300


# The rules the fault runs add, each proven checked by a mutant of the RTL that breaks it:
# the halt's ERR_CODE (a data write error reported as a writeback error) and the MAC never
# stalled (tready low while the frame FIFO is nearly full).
@pytest.mark.parametrize("name, fname, pat, repl, said", [
    ("err_code_swapped", "nic_rx_dma.v", None, None, "ERR_CODE 3, expected 2"),
    ("tready_stalls", "nic_rx_ingress.v", r"assign s_axis_rx_tready = !rst;",
     "assign s_axis_rx_tready = !rst && !s_axis_rx_tlast;", "the MAC is stalled"),
])
def test_fault_rules_are_checked(name, fname, pat, repl, said):
    if pat is None:
        fname, pat, repl = ERR_CODE_MUTANT
    res = cosim_mutant(name, fname, pat, repl, sim="icarus", frames=300, seed=3,
                       faults="3000:data_slverr" if name == "err_code_swapped" else "none")
    text = " ".join(res["verdict"])
    assert said in text, text[:400]


# An injected write error under W backpressure: W beats the halt leaves owed go out with wstrb
# 0 (docs/DESIGN.md, "Halt"), and a beat stalled on the bus keeps the strobes it was first
# shown with, void or not (nic_rx_axi_wr.v, w_void_reg), so its payload stays stable and no
# byte reaches memory after the error. The monitor checks both.
def test_halt_under_backpressure():
    res = cosim("timing-halt", sim="verilator", frames=200, rate=10, sizes="fixed:1500",
                fault_write=1037, backpressure=0.3, seed=1)
    assert_halt_accounted(res, 1037)


def test_monitor_off():
    """MONITOR=0 (to measure the monitor's cost) really leaves it off: the mutant only the
    monitor catches passes."""
    res = cosim_mutant("arburst_fixed_monitor_off", *ARBURST_FIXED, sim="icarus", data_w=128,
                       params="DESC_BURST=1", frames=40, seed=24, monitor=0)
    assert res["verdict"] == [] and res["errors"] == [] and res["monitor_reports"] == 0
    assert res["bus"]["monitor"] is False and "monitor_writes" not in res["bus"]
    assert res["frames_delivered"] + res["drops_total"] == 40


# ---------------------------------------------------------------------------------------------
# irq is a level (docs/CONTRACT.md §2). Under load causes keep arriving while NAPI completes: one that
# lands as IMS is unmasked holds the line high, and the handler must run again.

@pytest.mark.parametrize("sim, frames", [("verilator", 3000), ("icarus", 400)])
def test_irq_level_survives_unmask_under_load(sim, frames):
    res = cosim(f"irq-level-{sim}", sim=sim, data_w=64, clk_ns=6.4, rate=10, frames=frames,
                sizes="mixed", iommu="lazy", profile="x86-iommu-lazy", coherent=1)
    assert_clean(res)
    assert res["frames_delivered"] == frames
    assert res["driver_stats"]["napi_complete"] > 50


# ---------------------------------------------------------------------------------------------
# A writeback error under load. Writebacks of eight frames merge into one 16-beat burst at
# DATA_W 64 (fixed:60 at 10 Gb/s). The slave writes the burst's other beats, so DD reaches
# memory at or after the HEAD the halt freezes; NAPI, polling DD, takes those frames, and the
# device counts them again among the frames the halt lost (STAT_DROP_FIFO). The driver folds
# them out of its drop count; sent = delivered + drops holds for a fault on any beat.

HALT_LOAD = dict(data_w=64, clk_ns=6.4, rate=10, sizes="fixed:60")
# Write calls of that run (one per W beat at DATA_W 64), one eight-frame cycle: 225 and 232
# the first and the last (partial) beat of the data burst before the writeback burst 233-248
# (descriptors 16-23, two beats each: 233 is BUF_ADDR of 16, 234 its DD half, ..., 248 the DD
# half of 23), then the data bursts 249-312 of the next eight frames.
WB_BEATS = (233, 234, 235, 240, 241, 246, 247, 248)
DATA_BEATS = (225, 232, 249, 252, 256, 257, 312)


def assert_halt_accounted(res, fault_write):
    dev, drv = res["device"], res["driver_stats"]
    assert res["fault"] and res["fault"]["write"] == fault_write, res["fault"]
    assert dev["axi_err"] == 1 and drv["rx_halts"] == 1 and drv["rx_recoveries"] == 1
    assert res["verdict"] == [] and res["errors"] == [] and res["breaches"] == 0
    assert res["mismatches"] == 0 and res["duplicates"] == 0 and res["out_of_order"] == 0
    assert res["frames_delivered"] + res["drops_total"] == res["frames_sent"]
    assert res["pages_in_flight"] == 0 and res["mappings_left"] == 0
    assert drv["irq_spurious"] == 0


@pytest.mark.parametrize("fault_write", WB_BEATS + DATA_BEATS)
def test_halt_accounting_any_beat(fault_write):
    res = cosim(f"halt-beat-{fault_write}", sim="verilator", frames=120, fault_write=fault_write,
                **HALT_LOAD)
    assert_halt_accounted(res, fault_write)
    wb = res["fault"].get("writeback")
    assert (wb is not None) == (fault_write in WB_BEATS), \
        f"write {fault_write} hit {res['fault']}: the sweep's beat map is out of date"


@pytest.mark.parametrize("fault_write", [62, 63])
def test_halt_accounting_wide_bus(fault_write):
    """DATA_W 512: writeback bursts of one or two 64-byte beats, up to four descriptors a beat
    (62: the first beat of a two-beat burst, 63: its second)."""
    res = cosim(f"halt-dw512-{fault_write}", sim="verilator", data_w=512, clk_ns=4, rate=25,
                sizes="fixed:60", frames=300, profile="x86-iommu-lazy", coherent=1,
                fault_write=fault_write)
    assert_halt_accounted(res, fault_write)
    assert res["fault"].get("writeback"), \
        f"write {fault_write} hit {res['fault']}: the sweep's beat map is out of date"


@pytest.mark.parametrize("sim, frames, fault_write", [("verilator", 3000, 2001),
                                                      ("icarus", 300, 241),
                                                      ("icarus", 300, 248)])
def test_halt_accounting_writeback_under_load(sim, frames, fault_write):
    res = cosim(f"halt-load-{sim}-{fault_write}", sim=sim, frames=frames,
                fault_write=fault_write, **HALT_LOAD)
    assert_halt_accounted(res, fault_write)
    assert res["fault"]["writeback"], res["fault"]


# ---------------------------------------------------------------------------------------------
# Long runs: thousands of frames through both RX paths, so rings wrap many times, page_pool
# recycles every page again and again, and the device's counters and pointers run far. (The
# soak, tests/soak, runs the same on Icarus, `make sim`'s defaults included, and tens of
# thousands of frames more on both simulators, under faults.)

@pytest.mark.parametrize("sim, driver", [("icarus", "page_pool"), ("verilator", "page_pool"),
                                         ("verilator", "legacy")])
def test_cosim_make_sim_3000(sim, driver):
    """`make sim FRAMES=3000` (1 Gb/s imix, non-coherent Cortex-A53): the default simulator,
    and each path on Verilator."""
    res = cosim(f"make-sim-3000-{sim}-{driver}", sim=sim, driver=driver, frames=3000)
    assert_clean(res)
    assert res["frames_delivered"] == res["frames_sent"] == 3000
    if driver == "page_pool":
        pp = res["page_pool"]
        assert pp["pages_state_hold_cnt"] == res["dma"]["map"] == 256
        assert pp["alloc_stats.fast"] >= 3000


@pytest.mark.parametrize("sim, frames", [("verilator", 1000), ("icarus", 300)])
def test_cosim_dw256_40g_full_size(sim, frames):
    """DATA_W 256 at 250 MHz, 1514-byte frames at 40 Gb/s (3.25 Mpps) on an x86 host."""
    res = cosim(f"dw256-40g-{sim}", sim=sim, data_w=256, clk_ns=4, rate=40, sizes="fixed:1514",
                frames=frames, profile="x86-iommu-lazy", coherent=1, seed=33)
    assert_clean(res)
    assert res["frames_delivered"] == frames
    assert res["mpps"] > 3.0


# The smallest legal build (PARAMS=small: META_DEPTH 2, DESC_QUEUE 2, 1 KB of FIFO, one-beat
# bursts, one write in flight) on a ring of 8: every pointer and queue of the device wraps
# every few frames, under the real driver on both RX paths.
# (The other two pairings run at small parameters in the soak, tests/soak: thousands of frames
# under faults.)
SMALL_RUNS = {("verilator", "legacy"): 500, ("icarus", "page_pool"): 500}


@pytest.mark.parametrize("sim, driver", list(SMALL_RUNS))
def test_cosim_small_parameters(sim, driver):
    frames = SMALL_RUNS[(sim, driver)]
    res = cosim(f"small-{sim}-{driver}", sim=sim, driver=driver, params="small", ring=8,
                sizes="uniform:60-1000", rate=1, frames=frames, seed=34)
    assert_clean(res)
    assert res["frames_sent"] == frames
    assert res["build_parameters"]["META_DEPTH"] == 2
    # the FIFO holds two frames: when the driver falls behind the device drops (counted),
    # and only for want of FIFO room or descriptors
    assert res["frames_delivered"] >= frames // 2
    assert set(k for k, v in res["drops"].items() if v) <= {"device_fifo", "device_nodesc"}
