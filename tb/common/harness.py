"""The harness every bench of nic_rx_dma stands on: clock, reset, bus models, protocol monitor.

`Harness(dut, target, clk_ns=..., seed=...)` starts the clock, binds cocotbext-axi's models to
the block's ports with from_prefix (the AXI-Lite master of the registers, the MAC's
AXI-Stream source, the AXI slave that answers the DMA master port from `target`), reads the
build's parameters from the environment (tb.common.params) and hooks the AXI protocol monitor
to the slave; `reset()` starts the monitor. Every check reports through `error()`; `check()`
raises the first one. `backpressure()` stalls the slave's channels and the stream source at
random. The RTL bench (tb.rtl.bench.TB) and the co-simulation (tb.cosim.cosim.CoSim) are
subclasses; the monitor's confinement checks look at the subclass's `ring` (None: no ring).
"""

import logging
import random
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.utils import get_sim_time
from cocotbext.axi import (
    AxiBus,
    AxiLiteBus,
    AxiLiteMaster,
    AxiSlave,
    AxiStreamBus,
    AxiStreamSource,
)

from pymodel import regs
from tb.common import params
from tb.common.axi_monitor import AxiMonitor


class BenchError(AssertionError):
    pass


def pause_gen(rng, p, burst=1):
    """Random backpressure: pause with probability p, in runs of up to `burst` clocks."""
    pat = []
    while len(pat) < 4096:
        if rng.random() < p:
            pat.extend([True] * rng.randint(1, burst))
        else:
            pat.append(False)
    i = 0
    n = len(pat)
    while True:
        yield pat[i]
        i = i + 1 if i + 1 < n else 0


class Harness:
    """nic_rx_dma's ports driven and watched; `target` is the AXI slave's memory (an object
    with async read(address, length) and write(address, data))."""

    def __init__(self, dut, target, *, clk_ns, seed):
        self.dut = dut
        self.dw = len(dut.s_axis_rx_tdata)
        self.nbytes = self.dw // 8
        self.clk_ns = clk_ns
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = logging.getLogger("cocotb.tb")
        self.log.setLevel(logging.INFO)
        # cocotbext-axi logs every transfer at INFO
        logging.getLogger(f"cocotb.{dut._name}").setLevel(logging.WARNING)
        self.errors = []
        self.ring = None        # the descriptor ring the monitor confines reads to
        self.t0 = time.time()

        cocotb.start_soon(Clock(dut.clk, clk_ns, unit="ns", impl="gpi").start(start_high=False))
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_rx"), dut.clk, dut.rst)
        self.axi = AxiSlave(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, target=target)
        dut.rst.value = 1   # an edge the models see: they idle until reset is released
        self.params = params.from_env()
        p = self.params
        self.mon = AxiMonitor(self, max_burst=p["MAX_BURST"], wb_burst=p["WB_BURST"],
                              desc_burst=p["DESC_BURST"])
        self.mon.hook_slave(self.axi)

    # ------------------------------------------------------------------ basics
    def now(self):
        return get_sim_time("ns")

    def error(self, msg):
        m = f"[{self.now():.0f} ns, clock {self.mon.cyc}] {msg}"
        if not self.errors:
            self.log.error("%s (seed %d)", m, self.seed)
        self.errors.append(m)

    def check(self):
        if self.errors:
            for m in self.errors[1:10]:
                self.log.error("also: %s", m)
            more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise BenchError(f"{self.errors[0]}{more}; seed {self.seed}")

    async def reset(self, hold=5, settle=3):
        """Reset for `hold` clocks; the monitor starts at the first clock out of reset, and
        `settle` clocks after release (that one included) the block is ready."""
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, hold)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)
        if not self.mon.running:
            self.mon.start()
        if settle > 1:
            await ClockCycles(self.dut.clk, settle - 1)

    async def cycles(self, n):
        await ClockCycles(self.dut.clk, n)

    async def read(self, off):
        r = await self.axil.read(off, 4)
        if int(r.resp) != 0:
            self.error(f"AXI-Lite read of {off:#x} answered {r.resp}")
        return int.from_bytes(r.data, "little")

    async def write(self, off, val):
        r = await self.axil.write(off, (val & 0xFFFFFFFF).to_bytes(4, "little"))
        if int(r.resp) != 0:
            self.error(f"AXI-Lite write of {off:#x} answered {r.resp}")

    async def wait_status(self, mask, value, timeout=20000):
        for _ in range(timeout // 8):
            if (await self.read(regs.STATUS)) & mask == value:
                return
            await self.cycles(4)
        raise BenchError(f"STATUS & {mask:#x} never became {value:#x}")

    # ------------------------------------------------------------------ traffic
    def backpressure(self, p_axi=0.0, p_src=0.0, burst=4):
        """Random stalls on every AXI slave channel and idle cycles on the stream source."""
        chans = [self.axi.write_if.aw_channel, self.axi.write_if.w_channel,
                 self.axi.write_if.b_channel, self.axi.read_if.ar_channel,
                 self.axi.read_if.r_channel]
        for ch in chans:
            if p_axi:
                ch.set_pause_generator(pause_gen(random.Random(self.rng.random()), p_axi, burst))
            else:
                ch.clear_pause_generator()
                ch.pause = False      # a killed generator leaves its last value
        if p_src:
            self.source.set_pause_generator(pause_gen(random.Random(self.rng.random()), p_src, burst))
        else:
            self.source.clear_pause_generator()
            self.source.pause = False
