"""The RTL bench's `TB`: the shared harness over the bench's own host memory, with its
predictions (tb.rtl.expect), frames, ring set-up, drain and the final checks.

`TB(dut)` runs the clock at 10 ns and answers the DMA master port from a `BusMemory` at
MEM_BASE; the seed is RTL_SEED or cocotb's. With COVERAGE=1 the functional coverage sampler
starts too.
"""

import json
import os
import time
from pathlib import Path

import cocotb
from cocotbext.axi import AxiStreamFrame

from pymodel import regs
from tb.common import params
from tb.common.bus_memory import BusMemory
from tb.common.harness import BenchError, Harness
from tb.rtl import expect as rm

__all__ = ["TB", "BenchError", "MEM_BASE", "CLK_NS"]

MEM_BASE = 0x0000_0012_3400_0000   # above 4 GB: exercises RING_BASE_HI and high BUF_ADDR bits
CLK_NS = 10


class TB(Harness):
    def __init__(self, dut, seed=None, mem_size=8 << 20):
        seed = int(os.environ.get("RTL_SEED", cocotb.RANDOM_SEED)) if seed is None else seed
        self.mem = BusMemory(MEM_BASE, mem_size)
        super().__init__(dut, self.mem, clk_ns=CLK_NS, seed=seed)
        self.frames_checked = 0
        p = self.params
        self.cfg = rm.Config(nbytes=self.nbytes, fifo_bytes=p["FIFO_BYTES"],
                             meta_depth=p["META_DEPTH"], desc_queue=p["DESC_QUEUE"])
        self.log.info("seed %d, DATA_W %d, parameters %s", self.seed, self.dw, p)
        if os.environ.get("COVERAGE", "0") not in ("", "0"):   # functional coverage
            from tb.common import coverage
            coverage.start(self)

    async def stats(self):
        st = {}
        for k, off in regs.STAT_ALL.items():
            if k == "bytes_hi":
                continue
            st[k] = await self.read(off)
            if k == "bytes_lo":
                st["bytes_hi"] = await self.read(regs.STAT_BYTES_HI)
        return st

    # ------------------------------------------------------------------ traffic
    def make_frame(self, length, seq=0, tuser=False, fill=None):
        if fill is None:
            data = self.rng.randbytes(length)
        else:
            data = bytes([fill]) * length
        return rm.Frame(data=data, tuser=tuser, seq=seq)

    async def send(self, frame: rm.Frame, wait=False):
        """Queue a frame on the MAC stream (AxiStreamFrame with per-byte tkeep/tuser)."""
        n = len(frame.data)
        tuser = None
        if frame.tuser or frame.tuser_early:
            nb = self.nbytes
            last_beat_start = ((n - 1) // nb) * nb if n else 0
            tuser = [0] * n
            if frame.tuser:
                for i in range(last_beat_start, n):
                    tuser[i] = 1
            if frame.tuser_early:
                for i in range(0, min(last_beat_start, n)):
                    tuser[i] = 1
        frame.sent_cyc = self.mon.cyc
        f = AxiStreamFrame(frame.data, tkeep=frame.tkeep, tuser=tuser)
        await self.source.send(f)
        if wait:
            await self.source.wait()

    # ------------------------------------------------------------------ setup helpers
    async def setup_ring(self, ring, ctrl=0, ims=0, itr=0, rdmt=0, max_frame=None, csum_start=None):
        await self.write(regs.RING_BASE_LO, ring.base & 0xFFFFFFFF)
        await self.write(regs.RING_BASE_HI, ring.base >> 32)
        await self.write(regs.RING_SIZE, ring.size)
        await self.write(regs.IMS, ims)
        await self.write(regs.ITR, itr)
        await self.write(regs.RDMT, rdmt)
        if max_frame is not None:
            await self.write(regs.MAX_FRAME, max_frame)
            self.cfg.max_frame = max_frame
        if csum_start is not None:
            await self.write(regs.CSUM_START, csum_start)
            self.cfg.csum_start = csum_start
        self.cfg.drop_bad = bool(ctrl & regs.CTRL_DROP_BAD)
        self.cfg.drop_nodesc = bool(ctrl & regs.CTRL_DROP_NODESC)
        await self.write(regs.CTRL, ctrl | regs.CTRL_EN)
        ring.tail = ring.clean = 0
        await self.wait_status(regs.STATUS_RUNNING, regs.STATUS_RUNNING)

    async def drain(self, ring, sb, expect_total, timeout_cycles=200000, poll=64):
        """Reap until every frame sent is accounted for (delivered or counted by a drop)."""
        start = self.mon.cyc
        while True:
            await ring.reap(sb)
            await ring.give()
            self.check()
            st = await self.stats()
            accounted = st["frames"] + sum(st[k] for k in rm.DROPS)
            if accounted >= expect_total and self.source.idle():
                await ring.reap(sb)
                return st
            if self.mon.cyc - start > timeout_cycles:
                m = self.mon
                diag = (f"STATUS={await self.read(regs.STATUS):#x} HEAD={await self.read(regs.HEAD)} "
                        f"TAIL={await self.read(regs.TAIL)} driver clean={ring.clean} "
                        f"tail={ring.tail}; AW {len(m.aw_cyc)} B {len(m.b_cyc)} W beats {m.w_beats} "
                        f"open bursts {len(m._aw_open)} AR {m.ar_count}; source idle "
                        f"{self.source.idle()}")
                raise BenchError(f"not drained after {timeout_cycles} clocks: {st}, "
                                 f"expected {expect_total} frames accounted; {diag}; seed {self.seed}")
            await self.cycles(poll)

    def check_memory(self, ring=None):
        """Every byte outside the ring and the armed buffers still holds the fill pattern."""
        ring = ring or self.ring
        iv = ring.buffer_map() if ring else []
        pos = self.mem.base
        for a, b in iv + [(self.mem.end, self.mem.end)]:
            if a > pos and not self.mem.untouched(pos, a - pos):
                bad = self.mem.first_touched(pos, a - pos)
                self.error(f"host memory at {bad:#x} outside every owned buffer was written")
                return
            pos = max(pos, b)

    async def finish(self, name, frames=0, extra=None):
        """Final checks and the per-test JSON the pytest session summary reads."""
        self.check()
        self.mon.running = False
        d = os.environ.get("RTL_STATS_DIR")
        if d:
            Path(d).mkdir(parents=True, exist_ok=True)
            sim = os.environ.get("RTL_SIM", "sim")
            rec = dict(test=name, sim=sim, dw=self.dw, seed=self.seed, frames=frames,
                       sim_ns=self.now(), clocks=self.mon.cyc, wall_s=time.time() - self.t0,
                       bursts=len(self.mon.aw_cyc), **(extra or {}))
            tag = "" if self.params == params.defaults() | {"DATA_W": self.dw} else "_params"
            with open(Path(d) / f"{sim}_dw{self.dw}{tag}_{name}.json", "w") as f:
                json.dump(rec, f)
