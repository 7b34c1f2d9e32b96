"""Functional coverage of nic_rx_dma: the block's corner cases as named cover points and
crosses (cocotb-coverage), sampled from its internal state while a test runs.

Enabled by COVERAGE=1 (tb.common.build.coverage_enabled); TB starts the sampler, nothing else does.
The monitor is event driven: one small task per watched register waits for that register to
change, and a single evaluator looks at the settled state once per time step in which any of
them changed (ReadOnly). Idle clocks cost nothing, and a frame costs a handful of wake-ups:
its commit, its pop, its release, the data engine's state changes. The registers watched:

  ingress_inst    meta_wr_reg, meta_rd_reg, rd_ptr_reg, ev_drop_fifo_reg
  frame_dma_inst  state_reg
  ctrl_inst       state_reg, ev_halt_drops_reg
  regs_inst       icr_reg, stat_drop_{fifo,nodesc,err,oversize}_reg
  wb_inst         wi_q_reg
  top             err_desc_rd, err_data_wr, err_wb

When the test ends the database is written to
sim_build/coverage/functional/<sim>/<build>/<module>.<test>.yml (COVERAGE_DIR overrides the
root); scripts/rtl_coverage.py merges the files and reports the holes.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import cocotb
from cocotb.task import current_task
from cocotb.triggers import Event, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time
from cocotb_coverage.coverage import CoverCross, CoverPoint, coverage_db

from tb.common import params as params_mod
from tb.common.build import ROOT

TOP = "nic_rx_dma"
OUT_ROOT = ROOT / "sim_build" / "coverage" / "functional"
MIN_FRAME = 64          # bytes: "full" means no room left for a minimum Ethernet frame

# data engine states (nic_rx_frame_dma STATE_*) and queue states (nic_rx_ctrl STATE_*)
DMA_STATES = {0: "scan", 1: "load", 2: "burst"}
Q_STOPPED, Q_RUNNING, Q_STOPPING, Q_HALTING, Q_HALTED = range(5)
Q_NAMES = {Q_RUNNING: "running", Q_STOPPING: "stopping", Q_HALTING: "halting"}

WRAP_POINTERS = ["ram_wr", "ram_rd", "meta_wr", "meta_rd"]
LEVELS = ["empty", "one", "two", "more", "full"]
ERR_CODES = [1, 2, 3, 4, 5]
DROP_CAUSES = ["fifo", "nodesc", "err", "oversize"]
DROP_FIFO_SOURCES = ["ingress", "flush", "halt"]
IRQ_CAUSES = ["rxdw", "rxdmt", "rxo", "err"]
AXI_ERR_KINDS = ["desc_read_r", "data_write_b", "writeback_b"]


def _n(name):
    return f"{TOP}.{name}"


# ------------------------------------------------------------------ cover points
# Each sampling function below is a no-op whose decorators do the binning. Points are
# created at import, so every test's database holds every named point, hit or not. The
# bins do not depend on the build's parameters (the writeback merge counts go up to the
# default WB_BURST), so databases of different builds merge bin by bin; only the lane
# offsets, whose number is DATA_W/8, are a point per DATA_W (see _lane_point).

@CoverPoint(_n("ingress.wrap_pointer"), xf=lambda ptr, level: ptr, bins=WRAP_POINTERS)
# a wrap's level counts the frame that moves the pointer, so it is never "empty"
@CoverPoint(_n("ingress.wrap_level"), xf=lambda ptr, level: level, bins=LEVELS[1:])
@CoverCross(_n("ingress.wrap_pointer_x_level"),
            items=[_n("ingress.wrap_pointer"), _n("ingress.wrap_level")])
def sample_wrap(ptr, level):
    """A frame RAM or metadata pointer crossed the end of its storage, and the level of that
    structure, in frames ("full": no room for a 64-byte frame in the RAM, META_DEPTH frames
    in the metadata FIFO). A write pointer wraps as a frame is stored: `level` is what the
    structure holds just after, that frame included. A read pointer wraps as a frame leaves
    (popped from the metadata FIFO, or its RAM words released): `level` is what the
    structure held in the clock before, the leaving frame included, so `full` is a full FIFO
    giving up the frame that wraps the pointer."""


@CoverPoint(_n("ingress.ram_wrap_frame"), bins=["ends_at_end", "straddles"])
def sample_ram_wrap_frame(kind):
    """The frame whose commit wrapped the RAM write pointer ends exactly at the RAM's end, or
    straddles it (the W generator then reads words on both sides of the wrap)."""


@CoverPoint(_n("dma.frame_start"), xf=lambda start, prev: start, bins=["scan", "chained"])
@CoverPoint(_n("dma.prev_frame"), xf=lambda start, prev: prev, bins=["single", "multi"])
@CoverCross(_n("dma.frame_start_x_prev"), items=[_n("dma.frame_start"), _n("dma.prev_frame")])
def sample_frame_start(start, prev):
    """The data engine began a frame: from its scan state, or "chained", in the clock it issued
    the last burst of the previous frame; `prev` is whether that frame used one buffer or more."""


@CoverPoint(_n("dma.buffer_4k"), bins=["within", "ends_at_4k", "crosses"])
def sample_buffer_4k(kind):
    """The part of a frame written into one buffer stays within a 4 KB page, ends exactly on a
    4 KB boundary, or crosses one (its bursts are cut there)."""


@CoverPoint(_n("dma.multi_buffer_ring"), bins=["wraps", "no_wrap"])
def sample_multi_buffer_ring(kind):
    """A multi-buffer frame's descriptors run past the end of the ring and wrap to index 0."""


@CoverPoint(_n("ctrl.disable"), bins=["idle", "drained"])
def sample_disable(kind):
    """EN cleared while running: the queue stopped in the next clock ("idle"), or first
    finished a frame, writebacks or descriptor reads still under way ("drained")."""


@CoverPoint(_n("errors.err_code"), bins=ERR_CODES)
def sample_err_code(code):
    """STATUS.ERR_CODE set by a halt: 1 descriptor read, 2 data write, 3 writeback, 4 bad
    descriptor, 5 bad RING_SIZE at enable."""


@CoverPoint(_n("errors.halt_dma_state"), xf=lambda code, state: state,
            bins=list(DMA_STATES.values()))
@CoverPoint(_n("errors.halt_code"), xf=lambda code, state: code, bins=[1, 2, 3, 4])
@CoverCross(_n("errors.halt_code_x_dma_state"),
            items=[_n("errors.halt_code"), _n("errors.halt_dma_state")],
            # a bad descriptor is found while scanning, before the frame is begun
            ign_bins=[(4, "load"), (4, "burst")])
def sample_halt(code, state):
    """The queue began halting (codes 1-4) with the data engine in `state`."""


@CoverPoint(_n("errors.axi_error_kind"), xf=lambda kind, qstate: kind, bins=AXI_ERR_KINDS)
@CoverPoint(_n("errors.axi_error_queue_state"), xf=lambda kind, qstate: qstate,
            bins=list(Q_NAMES.values()))
@CoverCross(_n("errors.axi_error_kind_x_queue_state"),
            items=[_n("errors.axi_error_kind"), _n("errors.axi_error_queue_state")])
def sample_axi_error(kind, qstate):
    """A non-OKAY response: R on a descriptor read, B on a data burst or on a writeback, and
    the queue state it arrived in (an error while halting leaves ERR_CODE as it was)."""


@CoverPoint(_n("drops.cause"), bins=DROP_CAUSES)
def sample_drop(cause):
    """A frame counted in STAT_DROP_FIFO, _NODESC, _ERR or _OVERSIZE."""


@CoverPoint(_n("drops.fifo_source"), bins=DROP_FIFO_SOURCES)
def sample_drop_fifo_source(source):
    """Which path counted a STAT_DROP_FIFO frame: the ingress (no room, or the queue was not
    running as it arrived), a stored frame flushed while not running, or a frame a halt
    abandoned (counted when the halt drained)."""


@CoverPoint(_n("irq.cause"), xf=lambda cause, enabled: cause, bins=IRQ_CAUSES)
@CoverPoint(_n("irq.enabled"), xf=lambda cause, enabled: enabled, bins=["masked", "irq"])
@CoverCross(_n("irq.cause_x_enabled"), items=[_n("irq.cause"), _n("irq.enabled")])
def sample_irq(cause, enabled):
    """An ICR bit was set, and whether IMS let it raise irq."""


WB_MERGE_BINS = list(range(1, params_mod.defaults().get("WB_BURST", 8) + 1))


@CoverPoint(_n("wb.merge"), bins=WB_MERGE_BINS)
def sample_wb_merge(count):
    """Descriptors written back by one writeback burst (1 .. WB_BURST of the default build)."""


@CoverPoint(_n("wb.merge_full"), bins=[True])
def sample_wb_merge_full(full):
    """A writeback burst merged as many descriptors as the build's WB_BURST allows."""


def _lane_point(nbytes):
    """Buffer start address mod DATA_W/8: one point per DATA_W, as the bins differ."""
    @CoverPoint(_n(f"dma.buffer_lane.dw{nbytes * 8}"), bins=list(range(nbytes)))
    def sample_lane(lane):
        """The byte lane a buffer starts on."""
    return sample_lane


# ------------------------------------------------------------------ the monitor

def _u(handle):
    """The handle's value as an unsigned int; ValueError on X or Z."""
    v = handle.value
    return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)


class Sampler:
    """Watches the DUT's internal registers and feeds the cover points (see module doc)."""

    def __init__(self, tb, out_file: Path):
        self.tb = tb
        self.dut = dut = tb.dut
        self.out_file = out_file
        self.log = logging.getLogger("cocotb.tb.coverage")
        self.nbytes = len(dut.s_axis_rx_tdata) // 8
        self.sample_lane = _lane_point(self.nbytes)
        self.wb_burst = int(tb.params.get("WB_BURST", WB_MERGE_BINS[-1]))
        ing, dma, ctrl, regs = dut.ingress_inst, dut.frame_dma_inst, dut.ctrl_inst, dut.regs_inst
        self.h = {
            "meta_wr": ing.meta_wr_reg, "meta_rd": ing.meta_rd_reg, "rd_ptr": ing.rd_ptr_reg,
            "wr_commit": ing.wr_commit_reg, "ing_drop_fifo": ing.ev_drop_fifo_reg,
            "dma_state": dma.state_reg, "q_use": dma.q_use_reg, "ndesc": dma.ndesc_reg,
            "cur_addr": dma.cur_addr_reg, "cur_left": dma.cur_left_reg,
            "q_state": ctrl.state_reg, "err_code": ctrl.err_code_reg,
            "ring_mask": ctrl.ring_mask_reg, "halt_drops": ctrl.ev_halt_drops_reg,
            "icr": regs.icr_reg, "ims": regs.ims_reg,
            "drop_fifo": regs.stat_drop_fifo_reg, "drop_nodesc": regs.stat_drop_nodesc_reg,
            "drop_err": regs.stat_drop_err_reg, "drop_oversize": regs.stat_drop_oversize_reg,
            "wi_q": dut.wb_inst.wi_q_reg,
            "err_desc_rd": dut.err_desc_rd, "err_data_wr": dut.err_data_wr, "err_wb": dut.err_wb,
        }
        self.watched = ["meta_wr", "meta_rd", "rd_ptr", "ing_drop_fifo", "dma_state", "q_state",
                        "halt_drops", "icr", "drop_fifo", "drop_nodesc", "drop_err",
                        "drop_oversize", "wi_q", "err_desc_rd", "err_data_wr", "err_wb"]
        # storage geometry, from the pointer widths (each pointer has one wrap bit)
        self.fifo_aw = len(ing.rd_ptr_reg) - 1
        self.meta_aw = len(ing.meta_wr_reg) - 1
        self.q_mod = 1 << len(dma.q_use_reg)
        self.depth = 1 << self.fifo_aw
        self.min_words = -(-MIN_FRAME // self.nbytes)
        self.clk_ns = None
        self.dirty = set()
        self.kick = Event()
        self.last = {}
        self.failed = False

    # -------------------------------------------------------------- tasks
    def start(self):
        cocotb.start_soon(self._run())

    async def _run(self):
        dut = self.dut
        try:
            while True:
                await RisingEdge(dut.clk)
                if str(dut.rst.value) == "0":
                    break
            t0 = get_sim_time("ns")
            await RisingEdge(dut.clk)
            self.clk_ns = get_sim_time("ns") - t0
            await ReadOnly()
            self._guarded(self._snapshot)
            for name in self.watched:
                cocotb.start_soon(self._watch(name))
            cocotb.start_soon(self._watch_reset())
            while True:
                await self.kick.wait()
                await ReadOnly()
                dirty, self.dirty = self.dirty, set()
                self.kick.clear()
                if not self.failed:
                    self._guarded(self._evaluate, dirty)
        finally:
            self.export()

    async def _watch(self, name):
        h = self.h[name]
        while True:
            await h.value_change
            self.dirty.add(name)
            self.kick.set()

    async def _watch_reset(self):
        while True:
            await self.dut.rst.value_change
            self.dirty.add("rst")
            self.kick.set()

    # -------------------------------------------------------------- evaluation
    def _read(self, *names):
        return [_u(self.h[n]) for n in names]

    def _snapshot(self):
        """Take every tracked value as the reference after (re)set."""
        for n in ("meta_wr", "meta_rd", "rd_ptr", "wr_commit", "dma_state", "q_use", "q_state",
                  "icr", "drop_fifo", "drop_nodesc", "drop_err", "drop_oversize", "wi_q",
                  "err_desc_rd", "err_data_wr", "err_wb"):
            self.last[n] = _u(self.h[n])
        self.popped_unfreed = 0       # frames popped from the metadata FIFO, RAM not yet freed
        self.consumed = 0             # descriptors the data engine used since enable
        self.prev_frame = None        # "single" or "multi" once a frame has begun
        self.pending_fifo = (None, 0, 0)   # (time, ingress, halt) drops that count next clock
        self.popped = 0               # metadata pops seen in this time step, for _dma
        self.stopping_since = 0.0     # when the queue entered its stopping state

    def _guarded(self, fn, *args):
        """Run one step of the monitor; a failure stops the sampling, never the test."""
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - e.g. X or Z in a watched register
            self.failed = True
            self.log.warning("coverage sampling stopped at %s: %r", fn.__name__, e)

    def _evaluate(self, dirty):
        if "rst" in dirty:
            if str(self.dut.rst.value) == "0":
                self._snapshot()
            return
        if "q_state" in dirty:
            self._ctrl()
        if dirty & {"meta_wr", "meta_rd", "rd_ptr"}:
            self._ingress()
        if dirty & {"dma_state", "meta_rd"}:
            self._dma()
        if "wi_q" in dirty:
            self._wb()
        if "icr" in dirty:
            self._irq()
        if dirty & {"drop_fifo", "drop_nodesc", "drop_err", "drop_oversize", "ing_drop_fifo",
                    "halt_drops"}:
            self._drops()
        if dirty & {"err_desc_rd", "err_data_wr", "err_wb"}:
            self._axi_errors()

    def _ctrl(self):
        q, code, dstate = self._read("q_state", "err_code", "dma_state")
        prev = self.last["q_state"]
        self.last["q_state"] = q
        now = get_sim_time("ns")
        if q == Q_STOPPING:
            self.stopping_since = now
        elif prev == Q_STOPPING and q == Q_STOPPED:
            clocks = round((now - self.stopping_since) / self.clk_ns)
            sample_disable("idle" if clocks <= 1 else "drained")
        if prev == Q_STOPPED and q == Q_RUNNING:
            # enable: the descriptor queue and the writeback pointers restart at 0
            self.consumed = 0
            self.last["q_use"] = 0
            self.last["wi_q"] = 0
        if q == Q_HALTING and prev != Q_HALTING:
            sample_err_code(code)
            sample_halt(code, DMA_STATES.get(dstate, "scan"))
        elif q == Q_HALTED and prev == Q_STOPPED:
            sample_err_code(code)

    def _ingress(self):
        meta_wr, meta_rd, rd_ptr, wr_commit = self._read("meta_wr", "meta_rd", "rd_ptr",
                                                         "wr_commit")
        last = self.last
        mmod = 1 << (self.meta_aw + 1)
        fmod = 1 << (self.fifo_aw + 1)
        pops = (meta_rd - last["meta_rd"]) % mmod
        frees = 1 if rd_ptr != last["rd_ptr"] else 0    # at most one release per clock
        unfreed_before = self.popped_unfreed
        self.popped_unfreed = max(0, self.popped_unfreed + pops - frees)

        def level(frames, full):
            if full:
                return "full"
            return LEVELS[min(frames, 3)]

        def levels(m_wr, m_rd, w_commit, r_ptr, unfreed):
            """(RAM level, metadata level) of one state of the pointers."""
            meta_count = (m_wr - m_rd) % mmod
            used = (w_commit - r_ptr) % fmod
            return (level(meta_count + unfreed, self.depth - used < self.min_words),
                    level(meta_count, meta_count == (1 << self.meta_aw)))

        # write wraps: the level just after this step; read wraps: the level of the step
        # before (every pointer move is an evaluated step, so `last` is that state)
        ram_after, meta_after = levels(meta_wr, meta_rd, wr_commit, rd_ptr, self.popped_unfreed)
        ram_before, meta_before = levels(last["meta_wr"], last["meta_rd"], last["wr_commit"],
                                         last["rd_ptr"], unfreed_before)
        fbit, mbit = self.fifo_aw, self.meta_aw
        if (wr_commit >> fbit) != (last["wr_commit"] >> fbit):
            sample_wrap("ram_wr", ram_after)
            low = wr_commit & (self.depth - 1)
            sample_ram_wrap_frame("ends_at_end" if low == 0 else "straddles")
        if (rd_ptr >> fbit) != (last["rd_ptr"] >> fbit):
            sample_wrap("ram_rd", ram_before)
        if (meta_wr >> mbit) != (last["meta_wr"] >> mbit):
            sample_wrap("meta_wr", meta_after)
        if (meta_rd >> mbit) != (last["meta_rd"] >> mbit):
            sample_wrap("meta_rd", meta_before)
        last.update(meta_wr=meta_wr, meta_rd=meta_rd, rd_ptr=rd_ptr, wr_commit=wr_commit)
        self.popped = pops

    def _buffer(self, addr, left):
        self.sample_lane(addr % self.nbytes)
        end = (addr & 0xFFF) + left
        sample_buffer_4k("within" if end < 4096 else "ends_at_4k" if end == 4096 else "crosses")

    def _dma(self):
        state, q_use = self._read("dma_state", "q_use")
        prev = self.last["dma_state"]
        self.consumed += (q_use - self.last["q_use"]) % self.q_mod
        self.last.update(dma_state=state, q_use=q_use)
        popped, self.popped = self.popped, 0
        if prev == 0 and state in (1, 2):
            sample_frame_start("scan", self.prev_frame)
            if state == 2:
                self.prev_frame = "single"
                self._buffer(*self._read("cur_addr", "cur_left"))
            else:
                self.prev_frame = "multi"
                ndesc, mask = self._read("ndesc", "ring_mask")
                first = self.consumed & mask
                sample_multi_buffer_ring("wraps" if first + ndesc > mask + 1 else "no_wrap")
        elif prev == 1 and state == 2:
            self._buffer(*self._read("cur_addr", "cur_left"))
        elif prev == 2 and state == 2 and popped:
            # the previous frame's last burst went out and the next frame began in that clock
            sample_frame_start("chained", self.prev_frame)
            self.prev_frame = "single"
            self._buffer(*self._read("cur_addr", "cur_left"))

    def _wb(self):
        (wi_q,) = self._read("wi_q")
        m = (wi_q - self.last["wi_q"]) % self.q_mod
        self.last["wi_q"] = wi_q
        if m:
            sample_wb_merge(m)
            if m == self.wb_burst:
                sample_wb_merge_full(True)

    def _irq(self):
        icr, ims = self._read("icr", "ims")
        rising = icr & ~self.last["icr"]
        self.last["icr"] = icr
        for bit, cause in enumerate(IRQ_CAUSES):
            if rising >> bit & 1:
                sample_irq(cause, "irq" if ims >> bit & 1 else "masked")

    def _drops(self):
        now = get_sim_time("ns")
        vals = dict(zip(DROP_CAUSES, self._read("drop_fifo", "drop_nodesc", "drop_err",
                                                "drop_oversize")))
        for cause, v in vals.items():
            d = (v - self.last["drop_" + cause]) % (1 << 32)
            self.last["drop_" + cause] = v
            for _ in range(min(d, 64)):
                sample_drop(cause)
            if cause == "fifo" and d:
                t, ing, halt = self.pending_fifo
                if t is None or abs(now - t - self.clk_ns) > 1e-6:
                    ing = halt = 0
                for src, k in (("ingress", ing), ("halt", halt), ("flush", d - ing - halt)):
                    for _ in range(min(max(k, 0), 64)):
                        sample_drop_fifo_source(src)
        # ingress and halt-drain events seen now are counted in STAT_DROP_FIFO next clock
        ing, halt = self._read("ing_drop_fifo", "halt_drops")
        self.pending_fifo = (now, ing, halt)

    def _axi_errors(self):
        vals = dict(zip(AXI_ERR_KINDS, self._read("err_desc_rd", "err_data_wr", "err_wb")))
        (q,) = self._read("q_state")
        for kind, key in zip(AXI_ERR_KINDS, ("err_desc_rd", "err_data_wr", "err_wb")):
            if vals[kind] and not self.last[key] and q in Q_NAMES:
                sample_axi_error(kind, Q_NAMES[q])
            self.last[key] = vals[kind]

    # -------------------------------------------------------------- output
    def export(self):
        try:
            self.out_file.parent.mkdir(parents=True, exist_ok=True)
            coverage_db.export_to_yaml(str(self.out_file))
        except Exception as e:  # noqa: BLE001 - coverage output must never fail a test
            self.log.warning("coverage export to %s failed: %s", self.out_file, e)


def out_file(tb) -> Path:
    """sim_build/coverage/functional/<sim>/dw<N>[_<overrides>]/<module>.<test>.yml"""
    root = Path(os.environ.get("COVERAGE_DIR") or OUT_ROOT)
    sim = "icarus" if "icarus" in cocotb.SIM_NAME.lower() else "verilator"
    overrides = json.loads(os.environ.get("RTL_PARAMS", "") or "{}")
    overrides.pop("DATA_W", None)
    build = f"dw{tb.dw}" + "".join(f"_{k.lower()}{v}" for k, v in sorted(overrides.items()))
    try:
        test = current_task().get_name().removeprefix("Test ")
    except RuntimeError:
        test = "run"
    module = os.environ.get("COCOTB_TEST_MODULES", "tests").split(",")[0]
    return root / sim / build / f"{module}.{test}.yml"


_started = set()


def start(tb):
    """Start the sampler for this test (once per test, whatever number of TBs it builds)."""
    f = out_file(tb)
    if f in _started:
        return
    _started.add(f)
    Sampler(tb, f).start()
