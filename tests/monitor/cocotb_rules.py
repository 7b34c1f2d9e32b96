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


@cocotb.test()
async def rules(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start(start_high=False))
    sigs = {n: getattr(dut, "m_axi_" + n) for n in PORT}
    for s in sigs.values():
        s.value = 0
    tb = PortTB(dut)
    await ClockCycles(dut.clk, 4)
    tb.mon.start()
    seen = []                    # AW handshakes recorded when each edge wakes this coroutine
    for i, step in enumerate(SCRIPT):
        if i == REARM_AT:
            tb.mon.rearm()
        for name, v in step.items():
            sigs[name].value = v
        await RisingEdge(dut.clk)
        seen.append((tb.mon.cyc, len(tb.mon.aw_cyc)))
    mon = tb.mon
    got = [(c, m.removeprefix("AXI monitor: ")) for c, m in tb.errors]
    assert got == EXPECTED, "\n".join(["errors:", *map(str, got), "expected:", *map(str, EXPECTED)])
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
