"""The AXI monitor's checks, one broken rule at a time, on a bare port (axi_port.v) whose
signals the test drives just after each rising clock edge: the monitor must report each
violation with its message, at the clock edge where it shows, and record every handshake at
its clock before any coroutine woken by that edge runs.
"""

from types import SimpleNamespace

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from tb.common.axi_monitor import AxiMonitor

PORT = ("awvalid", "awready", "awaddr", "awlen", "awsize", "awburst", "wvalid", "wready",
        "wdata", "wstrb", "wlast", "bvalid", "bready", "bresp", "arvalid", "arready", "araddr",
        "arlen", "arsize", "arburst", "rvalid", "rready", "rresp", "rlast")
RING = SimpleNamespace(base=0x10000, end=0x10000 + 16 * 16, owned=[1] * 16)


class PortTB:
    """What the monitor needs of a bench: the port, its width, the ring, an error sink."""

    def __init__(self, dut):
        self.dut = dut
        self.nbytes = len(dut.m_axi_wstrb)
        self.ring = RING
        self.errors = []
        self.mon = AxiMonitor(self)

    def error(self, msg):
        self.errors.append((self.mon.cyc, msg))


def _bits(v, n):
    return format(v, f"0{n}b")


def _addr(addr, alen=1, size=3, burst=1):
    return (_bits(addr, 64), _bits(alen, 8), _bits(size, 3), _bits(burst, 2))


AW0 = dict(awvalid=1, awready=0, awaddr=0x1000, awlen=1, awsize=3, awburst=1)
B = RING.base

# values set just after rising edge i (the monitor samples them at clock i + 1), with the
# errors expected (clock, message) and the handshake records
SCRIPT = [
    AW0,                                                         # 1: AW stalls
    {},                                                          # 2
    dict(awaddr=0x1040),                                         # 3: changed while stalled
    dict(awready=1),                                             # 4: AW burst 0 (2 beats)
    dict(awvalid=0, awready=0),                                  # 5
    dict(awvalid=1, awaddr=0x2000),                              # 6: AW stalls
    dict(awvalid=0),                                             # 7: dropped
    dict(wvalid=1, wready=0, wdata=1, wstrb=0xFF, wlast=0),      # 8: W stalls
    dict(wdata=2),                                               # 9: changed while stalled
    dict(wready=1),                                              # 10: beat 1 of burst 0
    {},                                                          # 11: beat 2, no wlast
    dict(wready=0),                                              # 12: W stalls
    dict(wvalid=0),                                              # 13: dropped
    dict(bvalid=1, bready=1, bresp=0),                           # 14: B of burst 0
    {},                                                          # 15: B of no burst
    dict(bvalid=0, arvalid=1, arready=0, araddr=B, arlen=1, arsize=3, arburst=1),  # 16
    dict(araddr=B + 16),                                         # 17: changed while stalled
    dict(arready=1),                                             # 18: AR of descriptor 1
    dict(arready=0, araddr=B + 32),                              # 19: AR stalls
    dict(arvalid=0),                                             # 20: dropped
    dict(arvalid=1, arready=1, araddr=0x5000),                   # 21: AR outside the ring
    dict(arvalid=0, rvalid=1, rready=1, rresp=2, rlast=0),       # 22: R error
    dict(rresp=0, rlast=1),                                      # 23
    dict(rvalid=0, wvalid=1, wready=1, wstrb=0xFF, wlast=1),     # 24: W ahead of its AW
    dict(wvalid=0, awvalid=1, awready=1, awaddr=0x3000, awlen=0),  # 25: AW after the error
    dict(awvalid=0, awready=0, arvalid=1, arready=1, araddr=B + 48),  # 26: AR after it
    dict(arvalid=0),                                             # 27 (then rearm)
    dict(awvalid=1, awready=1, awaddr=0x3FF8, awlen=3, awsize=2, awburst=0),  # 28
    dict(awvalid=0, awready=0, awsize=3, awburst=1),             # 29
    {},                                                          # 30
]
REARM_AT = 27

EXPECTED = [
    (3, f"AW payload changed while stalled: {_addr(0x1000)} -> {_addr(0x1040)}"),
    (7, "AWVALID dropped before AWREADY"),
    (9, "W payload changed while stalled"),
    (11, "burst 0: wlast=0 on beat 2 of 2"),
    (13, "WVALID dropped before WREADY"),
    (15, "B response without an outstanding AW"),
    (17, f"AR payload changed while stalled: {_addr(B)} -> {_addr(B + 16)}"),
    (20, "ARVALID dropped before ARREADY"),
    (21, "AR at 0x5000 (16 bytes) is not a descriptor read inside the ring"),
    (24, "W beat with wstrb=0xff presented at clock 24, after the error response at clock 22"),
    (25, "AW burst 1 at 0x3000 presented at clock 25, after the error response at clock 22"),
    (26, f"AR at {B + 48:#x} presented at clock 26, after the error response at clock 22"),
    (28, "AW burst 2 at 0x3ff8: awburst=0, not INCR"),
    (28, "AW burst 2 at 0x3ff8: awsize=2, expected 3"),
    (28, "AW burst 2 at 0x3ff8 len 4 crosses a 4 KB boundary"),
]


async def _drive(dut, script, rearm_at=None, probe=None):
    """Start a monitor on the port and play `script`: step i's values are set just after rising
    edge i and sampled at clock i + 1; `rearm_at`: the step before which the bench re-enables;
    `probe(i, mon)` runs at rising edge i + 1. Returns the monitor and the errors (clock, message)."""
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start(start_high=False))
    sigs = {n: getattr(dut, "m_axi_" + n) for n in PORT}
    for s in sigs.values():
        s.value = 0
    tb = PortTB(dut)
    await ClockCycles(dut.clk, 4)
    tb.mon.start()
    for i, step in enumerate(script):
        if i == rearm_at:
            tb.mon.rearm()
        for name, v in step.items():
            sigs[name].value = v
        await RisingEdge(dut.clk)
        if probe:
            probe(i, tb.mon)
    got = [(c, m.removeprefix("AXI monitor: ")) for c, m in tb.errors]
    return tb.mon, got


def _same(got, expected):
    assert got == expected, "\n".join(["errors:", *map(str, got), "expected:", *map(str, expected)])


@cocotb.test()
async def rules(dut):
    seen = []                    # AW handshakes recorded when each edge wakes this coroutine
    mon, got = await _drive(dut, SCRIPT, REARM_AT,
                            lambda i, mon: seen.append((mon.cyc, len(mon.aw_cyc))))
    _same(got, EXPECTED)
    assert mon.aw_cyc == [4, 25, 28], mon.aw_cyc
    assert mon.aw_ring == [False, False, False]
    assert (mon.b_cyc, mon.b_resp) == ([14, 15], [0, 0])
    assert (mon.ar_count, mon.desc_read, mon.desc_fetched) == (3, 2, 0)
    assert (mon.w_beats, mon.w_before_aw, mon.err_transactions) == (3, 1, 1)
    assert [len(b) for b in (mon._aw_open, mon._w_wait)] == [1, 0]   # burst 2 owes 4 beats
    assert seen[3] == (4, 1) and seen[24] == (25, 2) and seen[27] == (28, 3), seen
    mon.running = False
    stop = mon.cyc
    await ClockCycles(dut.clk, 3)
    assert mon.cyc == stop == len(SCRIPT)


# W in runs (the monitor accounts for a run of handshakes with one wlast at once): a wlast=1
# streak of single-beat bursts with W ahead of some AWs, wlast errors inside runs, a B error
# while W streams (beats first presented after it must have wstrb 0, a beat stalled across it
# need not), the per-clock sampling that rule needs until the bench re-enables, then runs
# again; payload changes while stalled (wstrb, wlast, and at the handshake).
W_SCRIPT = [
    dict(awvalid=1, awready=1, awaddr=0x1000, awlen=0, awsize=3, awburst=1),  # 1: AW 0 (1 beat)
    dict(awaddr=0x1040),                                         # 2: AW 1 (1 beat)
    dict(awvalid=0, awready=0, wvalid=1, wready=1, wdata=1, wstrb=0xFF, wlast=1),  # 3: W, wlast
    dict(wdata=2),                                               # 4
    dict(wdata=3),                                               # 5: ahead of AW 2
    dict(wdata=4, awvalid=1, awready=1, awaddr=0x1080),          # 6: AW 2; W ahead of AW 3
    dict(wvalid=0, awaddr=0x10C0),                               # 7: AW 3
    dict(awaddr=0x2000, awlen=3),                                # 8: AW 4 (4 beats)
    dict(awvalid=0, awready=0, wvalid=1, wlast=0, wdata=5),      # 9: beat 1 of 4
    dict(wdata=6),                                               # 10
    dict(wdata=7),                                               # 11
    dict(wdata=8, wlast=1),                                      # 12: beat 4 of 4
    dict(wdata=9, wlast=0, awvalid=1, awready=1, awaddr=0x3000, awlen=1),  # 13: AW 5 (2 beats)
    dict(wdata=10, awvalid=0, awready=0),                        # 14: beat 2 of 2, no wlast
    dict(wdata=11, wlast=1),                                     # 15: wlast, ahead of AW 6
    dict(wvalid=0, wlast=0),                                     # 16
    dict(awvalid=1, awready=1, awaddr=0x3040, awlen=1),          # 17: AW 6 (2 beats): wlast early
    dict(awaddr=0x4000, awlen=3),                                # 18: AW 7 (4 beats)
    dict(awvalid=0, awready=0, wvalid=1, wready=1, wdata=12, wstrb=0xFF, wlast=0),  # 19: beat 1
    dict(wdata=13),                                              # 20
    dict(wdata=14),                                              # 21: beat 3
    dict(wready=0, wdata=15, wlast=1, bvalid=1, bready=1, bresp=2),  # 22: W stalls; B error
    dict(bvalid=0, bresp=0),                                     # 23
    dict(wready=1),                                              # 24: beat 4, presented at 22
    dict(wdata=16, wlast=0),                                     # 25: ahead of AW 8, wstrb 0xff
    dict(wdata=17, wstrb=0),                                     # 26
    dict(wdata=18, wlast=1),                                     # 27
    dict(wvalid=0, wlast=0),                                     # 28
    dict(awvalid=1, awready=1, awaddr=0x5000, awlen=2),          # 29 (after rearm): AW 8 (3 beats)
    dict(awvalid=0, awready=0),                                  # 30
    dict(wvalid=1, wready=1, wdata=19, wstrb=0xFF),              # 31: ahead of AW 9
    dict(wdata=20),                                              # 32
    dict(wdata=21),                                              # 33
    dict(wdata=22),                                              # 34
    dict(wdata=23, wlast=1),                                     # 35
    dict(wvalid=0, wlast=0),                                     # 36
    dict(awvalid=1, awready=1, awaddr=0x6000, awlen=4),          # 37: AW 9 (5 beats)
    dict(awvalid=0, awready=0, wvalid=1, wready=0, wdata=0x55, wstrb=0x0F),  # 38: W stalls
    dict(wstrb=0x0E),                                            # 39: wstrb changed
    dict(wlast=1),                                               # 40: wlast changed
    {},                                                          # 41
    dict(wready=1, wdata=0x56),                                  # 42: handed over changed
    dict(wvalid=0, wready=0, wlast=0),                           # 43
    dict(wvalid=1, wdata=1),                                     # 44: W stalls
    dict(wready=1),                                              # 45: handed over unchanged
    dict(wvalid=0),                                              # 46
    {},                                                          # 47
]
W_REARM_AT = 28

W_EXPECTED = [
    (14, "burst 5: wlast=0 on beat 2 of 2"),
    (17, "burst 6: wlast=1 on beat 1 of 2"),
    (25, "W beat with wstrb=0xff presented at clock 25, after the error response at clock 22"),
    (39, "W payload changed while stalled"),
    (40, "W payload changed while stalled"),
    (42, "W payload changed while stalled"),
]


@cocotb.test()
async def w_runs(dut):
    probes = {}

    def probe(i, mon):
        if i in (27, 32, 35):
            probes[i] = ([list(r) for r in mon._w_wait], mon.w_beats)

    mon, got = await _drive(dut, W_SCRIPT, W_REARM_AT, probe)
    _same(got, W_EXPECTED)
    assert mon.aw_cyc == [1, 2, 6, 7, 8, 13, 17, 18, 29, 37], mon.aw_cyc
    assert (mon.b_cyc, mon.b_resp, mon.err_transactions) == ([22], [2], 1)
    # after the error, one beat a clock (so each wstrb is seen); after rearm, runs again
    assert probes[27] == ([[False, 25, 1], [False, 26, 1], [True, 27, 1]], 18), probes
    assert probes[32][1] == 21, probes                  # the open run counts to the clock
    assert probes[35] == ([[False, 31, 4], [True, 35, 1]], 23), probes
    assert (mon.w_beats, mon.w_before_aw) == (25, 13)
    assert not mon._aw_open and [list(r) for r in mon._w_wait] == [[True, 42, 1], [False, 45, 1]]
