"""The TX bench: `TxTB`, the harness of nic_tx_dma (alone, or behind nic_dma with its registers
at 0x1000), and `TxRing`, the driver's TX ring with the scoreboard of every TX guarantee.

`await TxTB.create(dut, ...)` holds reset, starts the 10 ns clock, binds the bus models after a
few clocks with reset still held (the order nic_tx_dma's smoke test found both simulators
need), then releases reset: the AXI-Lite master of the registers, the write half of the AXI
slave (cocotbext-axi's AxiSlaveWrite over the bench's BusMemory, pauses on AW, W and B), the
read half (tb.rtl.tx_axi.ReadResponder: latency, pauses, faults, optional reorder and
interleave across IDs), the MAC sink on m_axis_tx (tb.rtl.tx_axi.TxSink) and the AXI protocol
monitor (tb.rtl.tx_axi.TxMonitor, tb.common.axi_monitor's rules with the TX read rules). The
seed is TX_BENCH_SEED (tests/test_tx_rtl.py sets it; cocotb's runner lets the shell's
environment override what it passes, so the bench uses a name of its own) or cocotb's; it is
logged, and `check()` puts it in the first error.

Host memory is a BusMemory pre-filled with 0xA5. Every device write goes through
`TxTB._on_write`, which hands it to the region (TX ring, RX ring or RX buffers behind nic_dma)
it falls in; any other write is an error. Every R beat goes through `_on_beat`: a beat of the
TX ring must cover only descriptors the device owns, a data beat only the bytes of an owned
buffer widened to whole beats (tx_contract.read_span); anything else is a confinement error.

`TxRing` (one per test) posts frames (buffers at chosen byte offsets inside per-slot areas
whose other bytes hold a marker pattern), rings the doorbell, follows each writeback as it
reaches memory (exact bytes: tx_contract.writeback; ring order; owned; once; never while a
read of the buffer is still outstanding), reaps on HEAD (only descriptors written back, only
after the B of their writeback burst), compares every frame off m_axis_tx with the next one
expected in ring order, byte for byte, and predicts STAT_FRAMES, STAT_BYTES,
STAT_DESC_FETCHED and STAT_AXI_ERR exactly.
"""

import os
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.utils import get_sim_time
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiSlaveWrite, AxiWriteBus

from pymodel import regs
from pymodel import tx_contract as contract
from pymodel.params import ROOT as PM_ROOT
from pymodel.params import defaults
from tb.common.bus_memory import BusMemory, MemFault
from tb.common.harness import BenchError, pause_gen
from tb.rtl.tx_axi import OKAY, ReadResponder, TxMonitor, TxSink, pattern_gen

MEM_BASE = 0x0000_0012_3400_0000   # above 4 GB: RING_BASE_HI and high BUF_ADDR bits
CLK_NS = 10
FREE, POSTED, OWNED, DONE = range(4)


def tx_params():
    """nic_tx_dma's default parameters (its header), with RTL_PARAMS applied."""
    import json
    d = defaults(PM_ROOT / "hdl" / "nic_tx_dma.v")
    d.update(json.loads(os.environ.get("RTL_PARAMS", "") or "{}"))
    return d


def marker(addr):
    """The byte the bench leaves around buffers: never 0xA5, differs from its neighbours."""
    return (addr * 7 + 0x3C) & 0xFF ^ 0x80


def full_desc_reads(mon):
    """DESC_FULL at DATA_W 256 and 512 (docs/DESIGN_TX.md): a descriptor read that starts on a
    bus word and covers whole words of owned descriptors uses full-width beats. The monitor
    checks such a burst as the same bytes in 16-byte beats (inside the ring, DESC_BURST,
    4 KB), after checking it starts on a bus word; TxRing.desc_beat checks every beat's
    descriptors are owned, whatever its width."""
    check = mon._ar

    def _ar(p, first, cyc):
        addr, alen, size = int(p[0], 2), int(p[1], 2), int(p[2], 2)
        if size == mon.size_w and mon.tb.classify_read(addr) == "desc":
            if addr % mon.nbytes:
                mon.error(f"descriptor AR at {addr:#x}: full-width beats from inside a bus word")
            beats = (alen + 1) * (mon.nbytes >> 4)
            p = (p[0], format(beats - 1, "b"), format(mon.size_d, "b"), p[3])
        check(p, first, cyc)
    mon._ar = _ar


class DescFetchTally:
    """STAT_DESC_FETCHED as the bench counts it (from reset): descriptors whose beats all came
    back OKAY, before the first descriptor read error since the enable (docs/DESIGN.md,
    "Descriptors"). A beat narrower than a descriptor (8 bytes at DATA_W 64) counts with the
    descriptor's other half; a wider one counts every descriptor it holds."""

    def __init__(self):
        self.ok = 0
        self.enabled()

    def enabled(self):
        """At an enable: no error yet, no half descriptor pending."""
        self.failed = False
        self._half = 0
        self._half_bad = False

    def beat(self, lo, hi, resp):
        per = 16 // (hi - lo) if hi - lo < 16 else 1
        self._half_bad |= resp != OKAY
        self._half += 1
        if self._half == per:
            if not self._half_bad and not self.failed:
                self.ok += max(1, (hi - lo) // 16)
            self.failed |= self._half_bad
            self._half = 0
            self._half_bad = False


class TxTB:
    def __init__(self, dut, seed):
        self.dut = dut
        self.top = dut._name
        self.shared = self.top == "nic_dma"
        self.base = regs.TX_BASE if self.shared else 0
        self.dw = len(dut.m_axis_tx_tdata)
        self.nbytes = self.dw // 8
        self.seed = seed
        self.rng = random.Random(seed)
        import logging
        self.log = logging.getLogger("cocotb.tb")
        self.log.setLevel(logging.INFO)
        logging.getLogger(f"cocotb.{dut._name}").setLevel(logging.WARNING)
        for n in ("m_axi", "s_axil", "m_axis_tx", "s_axis_rx"):
            logging.getLogger(f"cocotb.{dut._name}.{n}").setLevel(logging.WARNING)
        self.errors = []
        self.params = tx_params()
        self.mem = None
        self.ring = None            # TxRing (the monitor's writeback region)
        self.regions = []           # (lo, hi, write handler, beat handler, kind)

    # ------------------------------------------------------------------ construction
    @classmethod
    async def create(cls, dut, seed=None, *, mem_size=8 << 20, reorder=False, interleave=False,
                     lat=(0, 0), p_ar=0.0, p_r=0.0, p_aw=0.0, p_w=0.0, p_b=0.0, burst=4,
                     tready=None, rx_source=False):
        if seed is None:
            seed = int(os.environ.get("TX_BENCH_SEED") or cocotb.RANDOM_SEED)
        tb = cls(dut, seed)
        from tb.rtl import tx_coverage
        tb.cov = tx_coverage.start(tb)
        tb.mem = BusMemory(MEM_BASE, mem_size)
        dut.rst.value = 1
        if hasattr(dut, "s_axis_rx_tvalid"):
            dut.s_axis_rx_tvalid.value = 0
        dut.m_axis_tx_tready.value = 1
        cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start(start_high=False))
        await ClockCycles(dut.clk, 5)
        tb.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        tb.wr = AxiSlaveWrite(AxiWriteBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst,
                              target=tb.mem)
        if rx_source:
            from tb.common.mac import MacSource
            tb.source = MacSource(dut, "s_axis_rx", dut.clk, dut.rst)
        for name, p in (("aw", p_aw), ("w", p_w), ("b", p_b)):
            if p:
                getattr(tb.wr, f"{name}_channel").set_pause_generator(
                    pause_gen(random.Random(tb.rng.random()), p, burst))
        tb.rd = ReadResponder(tb, tb.mem, reorder=reorder, interleave=interleave, lat=lat,
                              p_ar=p_ar, p_r=p_r, burst=burst, fault=tb._fault,
                              on_beat=tb._on_beat, on_done=tb._on_done)
        tb.sink = TxSink(tb, pause=tready)
        p = tb.params
        tb.mon = TxMonitor(tb, max_burst=max(p["MAX_BURST"], 16), wb_burst=p["WB_BURST"],
                           desc_burst=p["DESC_BURST"], shared=tb.shared)
        tb.mon._aw_sink = tb.wr.aw_channel
        if p.get("DESC_FULL") and tb.nbytes >= 32:
            full_desc_reads(tb.mon)
        tb.mem.on_write.append(tb._on_write)
        tb.faults = []              # [kind, lo, hi, resp, count]: armed read faults
        tb.failed_wb = set()        # descriptors whose writeback burst the slave refused
        tb.fired = []
        tb.log.info("seed %d, %s DATA_W %d, parameters %s", seed, tb.top, tb.dw, p)
        await ClockCycles(dut.clk, 5)
        mut = os.environ.get("TX_MUTANT")
        if mut:     # tests/test_tx_mutants.py: select a mutant of a mutant build
            tb.set_mutant(int(mut))
        dut.rst.value = 0
        await RisingEdge(dut.clk)
        tb.mon.start()
        await ClockCycles(dut.clk, 3)
        return tb

    def set_mutant(self, sel):
        """Deposit `sel` into every `tx_mut` register of a mutant build (tests/
        test_tx_mutants.py); a build without them is left alone."""
        d = self.dut
        tx = d.tx_inst if self.shared else d
        for h in ((tx, "frame_rd_inst"), (tx, "fifo_inst"),
                  (d, "axi_mux_inst") if self.shared else (None, None)):
            if h[0] is None:
                continue
            inst = getattr(h[0], h[1], None)
            if inst is not None and hasattr(inst, "tx_mut"):
                inst.tx_mut.value = sel

    # ------------------------------------------------------------------ basics
    @property
    def cyc(self):
        return self.mon.cyc

    def now(self):
        return get_sim_time("ns")

    def error(self, msg):
        m = f"[{self.now():.0f} ns, clock {self.mon.cyc if self.mon else 0}] {msg}"
        if not self.errors:
            self.log.error("%s (seed %d)", m, self.seed)
        self.errors.append(m)

    def check(self):
        if self.errors:
            for m in self.errors[1:10]:
                self.log.error("also: %s", m)
            more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise BenchError(f"{self.errors[0]}{more}; seed {self.seed}")

    async def cycles(self, n):
        await ClockCycles(self.dut.clk, n)

    async def read(self, off, base=None):
        r = await self.axil.read((self.base if base is None else base) + off, 4)
        if int(r.resp) != 0:
            self.error(f"AXI-Lite read of {off:#x} answered {r.resp}")
        return int.from_bytes(r.data, "little")

    async def write(self, off, val, base=None):
        r = await self.axil.write((self.base if base is None else base) + off,
                                  (val & 0xFFFFFFFF).to_bytes(4, "little"))
        if int(r.resp) != 0:
            self.error(f"AXI-Lite write of {off:#x} answered {r.resp}")

    async def wait_status(self, mask, value, timeout=40000, base=None):
        """Poll STATUS (of the block at `base`, default the TX block's) until STATUS & mask
        is value; BenchError after about `timeout` clocks."""
        s = None
        for _ in range(timeout // 8):
            s = await self.read(regs.STATUS, base=base)
            if s & mask == value:
                return s
            await self.cycles(4)
        who = "" if base is None or base == self.base else f"at {base:#06x} "
        raise BenchError(f"STATUS {who}& {mask:#x} never became {value:#x} (STATUS {s:#x}); "
                         f"seed {self.seed}")

    def set_tready(self, gen):
        self.sink.set_pause(gen)

    def tready_random(self, p, burst=4):
        self.sink.set_pause(pause_gen(random.Random(self.rng.random()), p, burst))

    def tready_pattern(self, pattern):
        self.sink.set_pause(pattern_gen(pattern))

    async def stats(self):
        st = {}
        for k, off in regs.TX_STAT_ALL.items():
            if k == "bytes_hi":
                continue
            st[k] = await self.read(off)
            if k == "bytes_lo":
                st["bytes_hi"] = await self.read(regs.STAT_BYTES_HI)
        st["bytes"] = st["bytes_lo"] | st["bytes_hi"] << 32
        return st

    # ------------------------------------------------------------------ regions
    def add_region(self, lo, hi, on_write, on_beat, kind):
        self.regions.append((lo, hi, on_write, on_beat, kind))

    def _region(self, addr):
        for r in self.regions:
            if r[0] <= addr < r[1]:
                return r
        return None

    def classify_read(self, addr):
        r = self._region(addr)
        return r[4] if r else "outside"

    def _on_write(self, addr, data):
        r = self._region(addr)
        if os.environ.get("TXDBG"):
            self.log.warning("write %#x %s", addr, bytes(data).hex())
        if r is None or r[2] is None:
            self.error(f"device write [{addr:#x}, {addr + len(data):#x}) outside every ring "
                       f"and buffer it may write")
            return
        r[2](addr, data)

    def _on_beat(self, b, lo, hi, resp):
        r = self._region(lo)
        if r is None or hi > r[1]:
            self.error(f"read beat [{lo:#x}, {hi:#x}) (AR {b.addr:#x} x{b.beats}, ID {b.id}) "
                       f"outside every descriptor and buffer the device owns")
            return
        r[3](b, lo, hi, resp)

    def _on_done(self, b):
        r = self._region(b.addr)
        if r is not None and r[4] in ("desc", "data") and b.err and self.ring is not None \
                and r[3] in (self.ring.desc_beat, self.ring.data_beat):
            self.ring.axi_err += 1

    # ------------------------------------------------------------------ faults
    def fail_read(self, lo, hi, resp=2, count=1, kind=None):
        """The next `count` R beats overlapping [lo, hi) answer `resp` (a full-width
        descriptor beat, DESC_FULL, fails for any descriptor it carries). `kind` "rx": a
        fault on the RX block behind nic_dma (not a TX cover point)."""
        self.faults.append([kind, lo, hi, resp, count])

    def _fault(self, b, lo, hi):
        for f in self.faults:
            if f[4] > 0 and lo < f[2] and f[1] < hi:
                f[4] -= 1
                self.fired.append(("read", lo, f[3], self.mon.cyc))
                kind = "desc_read" if self.classify_read(lo) == "desc" else "data_read"
                if f[0] != "rx":
                    self.cov.fault(kind, f[3])
                return f[3]
        return OKAY

    def fail_write(self, lo, hi, resp=2, kind=None, on_refuse=None):
        """The write burst that first touches [lo, hi) fails: SLVERR (none of its bytes reach
        memory, as if the slave refused the whole burst) or DECERR (the bytes land, the B says
        DECERR). The descriptors a refused burst covered go to `failed_wb`; `on_refuse(addr,
        n)` hears of every refused write. `kind` "rx": a fault on the RX block behind nic_dma
        (not a TX cover point)."""
        from tb.common.faults import RewriteQueue
        st = {"burst": None}

        def hook(addr, data):
            burst = self.mon.slave_aw - 1
            if st.get("done"):
                return
            if st["burst"] is None:
                if not (addr < hi and addr + len(data) > lo):
                    return
                st["burst"] = burst
                self.fired.append(("write", addr, resp, self.mon.cyc))
                if kind != "rx":
                    self.cov.fault("writeback", resp)
                if resp != 2:
                    bq = self.wr.b_channel
                    if not isinstance(bq.queue, RewriteQueue):
                        bq.queue = RewriteQueue()

                    def change(b):
                        b.bresp = resp
                    bq.queue.pending.append(change)
            elif burst != st["burst"]:
                st["done"] = True     # (removing it here would skip the next hook)
                return
            if os.environ.get("TXDBG"):
                self.log.warning("refused write %#x %d (burst %d)", addr, len(data), burst)
            if resp == 2:
                if self.ring is not None and self.ring.base <= addr < self.ring.end:
                    for a in range(addr, addr + len(data), 16):
                        self.failed_wb.add((a - self.ring.base) >> 4)
                if on_refuse is not None:
                    on_refuse(addr, len(data))
                raise MemFault(f"injected write error at {addr:#x}")
        self.mem.on_write.insert(0, hook)

    def disarm(self):
        self.faults.clear()
        self.failed_wb.clear()
        for h in list(self.mem.on_write):
            if h != self._on_write:
                self.mem.on_write.remove(h)

    # ------------------------------------------------------------------ end
    def finish_stats(self, name, frames=0, extra=None):
        import json
        import time
        from pathlib import Path
        d = os.environ.get("RTL_STATS_DIR")
        self.check()
        self.cov.export(name)
        if d:
            Path(d).mkdir(parents=True, exist_ok=True)
            sim = os.environ.get("RTL_SIM", "sim")
            rec = dict(test=name, sim=sim, dw=self.dw, top=self.top, seed=self.seed,
                       frames=frames, sim_ns=self.now(), clocks=self.mon.cyc,
                       wall_s=time.process_time(), **(extra or {}))
            with open(Path(d) / f"{sim}_dw{self.dw}_{self.top}_{name}.json", "w") as f:
                json.dump(rec, f)
        self.mon.running = False


class Slot:
    __slots__ = ("state", "addr", "blen", "eop", "frame", "wb_mask", "wb_burst", "area", "wb_img")

    def __init__(self):
        self.state = FREE
        self.addr = 0
        self.blen = 0
        self.eop = False
        self.frame = None
        self.wb_mask = 0
        self.wb_burst = -1
        self.area = 0
        self.wb_img = bytearray(16)


class Frame:
    __slots__ = ("seq", "data", "first", "ndesc", "bad", "sent", "doomed", "first_beat")

    def __init__(self, seq, data, first, ndesc, bad):
        self.seq, self.data, self.first, self.ndesc, self.bad = seq, data, first, ndesc, bad
        self.sent = False
        self.doomed = bad is not None     # may never be sent (bad, or a read of it failed)
        self.first_beat = None            # clock its first data beat returned


class TxRing:
    def __init__(self, tb, size=64, max_len=9216, max_off=None):
        self.tb = tb
        self.mem = tb.mem
        self.size = size
        self.base = self.mem.alloc(16 * size, align=4096)
        self.end = self.base + 16 * size
        self.max_off = 2 * tb.nbytes if max_off is None else max_off
        self.max_len = max_len
        self.area = -(-(self.max_off + max_len + 128) // 64) * 64
        self.abase = self.mem.alloc(self.area * size, align=4096)
        self.aend = self.abase + self.area * size
        for s in range(size):
            a = self.abase + s * self.area
            self.mem.poke(a, bytes(marker(a + i) for i in range(self.area)))
        self.slots = [Slot() for _ in range(size)]
        for i, s in enumerate(self.slots):
            s.area = self.abase + i * self.area
        self.tail = 0           # driver's next slot to post
        self.given = 0          # TAIL as written
        self.clean = 0          # driver's HEAD
        self.wb_next = 0        # next slot expected to be written back
        self.frames = deque()   # posted frames not yet reclaimed or dropped, ring order
        self.expect = deque()   # frames that may still come out of m_axis_tx, in order
        self.seq = 0
        self.sent = 0
        self.sent_bytes = 0
        self.fetched = DescFetchTally()     # STAT_DESC_FETCHED
        self.axi_err = 0        # failed TX read bursts (B errors come from the monitor)
        self.b_err = 0
        self.reaped = 0
        self.wraps = 0
        self.wb_writes = 0      # device writes into the ring
        self._desc_ars = 0      # descriptor read bursts begun (first beat seen)
        tb.ring = self
        tb.add_region(self.base, self.end, self._on_write, self.desc_beat, "desc")
        tb.add_region(self.abase, self.aend, None, self.data_beat, "data")
        tb.sink.on_frame = self._on_frame

    # ---------------------------------------------------------------- driver side
    def outstanding(self):
        return (self.tail - self.clean) % self.size

    def free(self):
        return self.size - 1 - self.outstanding()

    def post(self, parts, offsets=None, eops=None, data=None, bad=None):
        """Post one frame: `parts` buffer lengths (see split()), each at byte offset
        `offsets[i]` inside its slot's area (random below max_off by default; a callable gets
        the area's address and returns the offset). `eops` overrides the EOP bits (bad
        frames); `bad` is the reason
        the contract gives for a bad frame (then it is never expected out). Returns the Frame.
        Descriptors are written to memory; the device owns them after `doorbell()`."""
        n = len(parts)
        if n > self.free():
            raise BenchError(f"bench bug: posting {n} descriptors with {self.free()} free")
        rng = self.tb.rng
        total = sum(parts)
        if data is None:
            data = rng.randbytes(total)
        fr = Frame(self.seq, data, self.tail, n, bad)
        self.seq += 1
        pos = 0
        for i, blen in enumerate(parts):
            slot = self.tail
            s = self.slots[slot]
            off = offsets[i] if offsets is not None else rng.randrange(self.max_off + 1)
            if callable(off):
                off = off(s.area)
            if not 0 <= off <= self.max_off or blen > self.max_len:
                raise BenchError(f"bench bug: buffer offset {off} (0 .. {self.max_off}) or "
                                 f"length {blen} (at most {self.max_len}) out of the area")
            addr = s.area + off
            eop = (i == n - 1) if eops is None else eops[i]
            s.state, s.addr, s.blen, s.eop, s.frame = POSTED, addr, blen, eop, fr
            s.wb_mask, s.wb_burst = 0, -1
            self.mem.poke(addr, data[pos:pos + blen])
            pos += blen
            self.mem.poke(self.base + 16 * slot, contract.desc(addr, blen, eop))
            if os.environ.get("TXDBG"):
                self.tb.log.warning("post slot %d frame %d: %#x len %d eop %d", slot, fr.seq,
                                    addr, blen, eop)
            if blen:
                self.tb.cov.buffer(addr, blen)
            self.tail = (self.tail + 1) % self.size
            if self.tail == 0:
                self.wraps += 1
                self.tb.cov.wrap()
        self.frames.append(fr)
        if bad is None:
            self.expect.append(fr)
        else:
            self.tb.cov.bad(bad)
        return fr

    async def doorbell(self):
        i = self.given
        while i != self.tail:
            if self.slots[i].state == POSTED:
                self.slots[i].state = OWNED
            i = (i + 1) % self.size
        self.given = self.tail
        await self.tb.write(regs.TAIL, self.tail)

    def split(self, total, nbuf):
        """`total` bytes cut at random into `nbuf` non-empty buffers."""
        nbuf = max(1, min(nbuf, total))
        cuts = sorted(self.tb.rng.sample(range(1, total), nbuf - 1)) if nbuf > 1 else []
        return [b - a for a, b in zip([0] + cuts, cuts + [total])]

    async def reap(self):
        """Read HEAD and reclaim every descriptor the device completed."""
        tb = self.tb
        head = await tb.read(regs.HEAD)
        cyc = tb.mon.cyc
        if os.environ.get("TXDBG"):
            tb.log.warning("reap: HEAD %d clean %d given %d STATUS %#x", head, self.clean,
                           self.given, await tb.read(regs.STATUS))
        done = (head - self.clean) % self.size
        if head >= self.size or done > (self.given - self.clean) % self.size:
            tb.error(f"HEAD={head} outside the owned range [{self.clean}, {self.given}) "
                     f"(RING_SIZE {self.size})")
            return 0
        mon = tb.mon
        for _ in range(done):
            slot = self.clean
            s = self.slots[slot]
            if s.state != DONE:
                tb.error(f"HEAD passed descriptor {slot}, which was never written back")
            else:
                w = s.wb_burst
                if w >= len(mon.b_cyc) or mon.b_cyc[w] > cyc:
                    tb.error(f"HEAD passed descriptor {slot} before the B response of its "
                             f"writeback burst {w}")
            fr = s.frame
            if s.eop and fr is not None and self.frames and self.frames[0] is fr:
                self.frames.popleft()
            s.state = FREE
            s.frame = None
            a = s.area
            self.mem.poke(a, bytes(marker(a + i) for i in range(self.area)))
            self.clean = (self.clean + 1) % self.size
            self.reaped += 1
        return done

    def reclaim_all(self):
        """After a disable or a halt with RUNNING low: the driver takes [HEAD, TAIL) back; the
        frames not sent by then never will be."""
        for s in self.slots:
            if s.state != FREE:
                a = s.area
                self.mem.poke(a, bytes(marker(a + i) for i in range(self.area)))
            s.state, s.frame, s.wb_mask = FREE, None, 0
        self.mem.refill(self.base, 16 * self.size)
        self.frames.clear()
        self.expect.clear()
        self.tail = self.given = self.clean = self.wb_next = 0
        self.fetched.enabled()

    # ---------------------------------------------------------------- device side
    def _on_frame(self, data):
        tb = self.tb
        while self.expect and self.expect[0].doomed and not self._match(self.expect[0], data):
            self.expect.popleft()
        if not self.expect:
            tb.error(f"m_axis_tx: frame {self.sent} ({len(data)} bytes) was not expected "
                     f"(no frame pending, or only frames that must not be sent)")
            return
        fr = self.expect.popleft()
        if fr.doomed:
            tb.error(f"m_axis_tx: frame seq {fr.seq} ({len(data)} bytes) was sent though a read "
                     f"of its buffers failed")
        if not self._match(fr, data):
            exp = fr.data
            descs = [(hex(self.slots[(fr.first + k) % self.size].addr),
                      self.slots[(fr.first + k) % self.size].blen) for k in range(fr.ndesc)]
            i = next((k for k in range(min(len(exp), len(data))) if exp[k] != data[k]),
                     min(len(exp), len(data)))
            tb.error(f"m_axis_tx: frame seq {fr.seq} differs: {len(data)} bytes sent, "
                     f"{len(exp)} expected, first difference at byte {i} "
                     f"(sent {data[i:i + 8].hex()}, expected {exp[i:i + 8].hex()}); descriptors "
                     f"{descs}")
        fr.sent = True
        self.tb.cov.frame(fr.ndesc, len(data), self.tb.sink.last_stalled)
        self.sent += 1
        self.sent_bytes += len(data)

    @staticmethod
    def _match(fr, data):
        return fr.data == data

    def desc_ars(self):
        """AR bursts into this ring so far (the responder's count of descriptor reads)."""
        return self._desc_ars

    def _on_write(self, addr, data):
        tb = self.tb
        self.wb_writes += 1
        end = addr + len(data)
        if end > self.end:
            tb.error(f"write [{addr:#x}, {end:#x}) runs past the ring's end")
            return
        burst = tb.mon.slave_aw - 1
        a = addr
        while a < end:
            slot = (a - self.base) >> 4
            o = (a - self.base) & 15
            n = min(16 - o, end - a)
            s = self.slots[slot]
            if s.state != OWNED:
                what = {FREE: "it does not own", POSTED: "not handed over yet",
                        DONE: "already written back"}[s.state]
                tb.error(f"writeback into descriptor {slot}, {what} (write [{addr:#x}, {end:#x}))")
            else:
                if s.wb_burst < 0:
                    s.wb_burst = burst
                elif s.wb_burst != burst:
                    tb.error(f"descriptor {slot} written back by two bursts ({s.wb_burst}, {burst})")
                s.wb_mask |= ((1 << n) - 1) << o
                s.wb_img[o:o + n] = data[a - addr:a - addr + n]
                if s.wb_mask == 0xFFFF:
                    self._written_back(slot, s)
            a += n

    def _written_back(self, slot, s):
        tb = self.tb
        while slot != self.wb_next and self.wb_next in tb.failed_wb:
            self.wb_next = (self.wb_next + 1) % self.size   # its burst was refused (SLVERR)
        if slot != self.wb_next:
            tb.error(f"descriptor {slot} written back out of ring order (expected {self.wb_next})")
        self.wb_next = (slot + 1) % self.size
        got = bytes(s.wb_img)     # the hook runs before the bytes reach memory
        want = regs.pack_tx_writeback(s.addr, s.blen, regs.TXD_CMD_EOP if s.eop else 0)
        if got != want:
            tb.error(f"descriptor {slot} writeback {got.hex()}, expected {want.hex()} "
                     f"(BUF_ADDR, LEN, CMD unchanged, DD, zeros)")
        lo, hi = contract.read_span(s.addr, s.blen, tb.nbytes)
        for b in tb.rd.outstanding:
            blo, bhi = b.span()
            if b.beat < b.beats and blo < hi and bhi > lo:
                tb.error(f"descriptor {slot} written back with DD while read burst "
                         f"{b.addr:#x} x{b.beats} of its buffer has {b.beats - b.beat} beats "
                         f"still to return")
        if s.frame is not None and s.frame.doomed and s.frame.bad is None:
            tb.error(f"descriptor {slot} written back though a read of its frame failed")
        s.state = DONE

    def desc_beat(self, b, lo, hi, resp):
        tb = self.tb
        if b.beat == 1:
            self._desc_ars += 1
        for slot in range((lo - self.base) >> 4, ((hi - 1 - self.base) >> 4) + 1):
            if self.slots[slot].state not in (OWNED, DONE):
                tb.error(f"descriptor read [{lo:#x}, {hi:#x}) covers descriptor {slot}, which "
                         f"the device does not own")
        self.fetched.beat(lo, hi, resp)

    def data_beat(self, b, lo, hi, resp):
        tb = self.tb
        slot = (lo - self.abase) // self.area
        s = self.slots[slot]
        slo, shi = contract.read_span(s.addr, s.blen, tb.nbytes)
        beat_lo = lo - lo % tb.nbytes
        if s.state != OWNED or not (slo <= beat_lo and beat_lo + tb.nbytes <= shi):
            why = {FREE: "a free slot", POSTED: "a descriptor not handed over",
                   DONE: "a descriptor already written back (DD)"}.get(s.state, "")
            tb.error(f"read beat [{beat_lo:#x}, {beat_lo + tb.nbytes:#x}) outside the owned "
                     f"buffer of descriptor {slot} [{s.addr:#x}, {s.addr + s.blen:#x}) widened "
                     f"to [{slo:#x}, {shi:#x}) {why}")
        if s.frame is not None:
            if s.frame.first_beat is None:
                s.frame.first_beat = tb.mon.cyc
            if resp != OKAY:
                s.frame.doomed = True

    # ---------------------------------------------------------------- checks
    def mark_doomed_from(self, fr):
        """A halt at frame `fr`: it and every later frame must never be sent."""
        hit = False
        for f in self.frames:
            hit |= f is fr
            if hit:
                f.doomed = True

    async def wait_idle(self, timeout=200000):
        """Reap until every frame posted has gone out and HEAD reached TAIL."""
        tb = self.tb
        start = tb.mon.cyc
        while True:
            await self.reap()
            tb.check()
            if self.clean == self.given and not self.expect and not tb.rd.busy():
                return
            if tb.mon.cyc - start > timeout:
                raise BenchError(
                    f"not idle after {timeout} clocks: HEAD {self.clean} TAIL {self.given}, "
                    f"{len(self.expect)} frames not sent (sent {self.sent}), STATUS "
                    f"{await tb.read(regs.STATUS):#x}, reads outstanding "
                    f"{len(tb.rd.outstanding)}; seed {tb.seed}")
            await tb.cycles(64)

    async def check_counters(self, extra_err=0):
        """STAT_FRAMES, STAT_BYTES, STAT_DESC_FETCHED and STAT_AXI_ERR, exactly."""
        tb = self.tb
        await tb.cycles(20)
        st = await tb.stats()
        want = {"frames": contract.wrap(self.sent, 32),
                "bytes": contract.wrap(self.sent_bytes, 64),
                "desc_fetched": contract.wrap(self.fetched.ok, 32),
                "axi_err": self.axi_err + self.b_errors() + extra_err}
        for k, v in want.items():
            if st[k] != v:
                tb.error(f"STAT {k} = {st[k]}, expected {v}")
        return st

    def b_errors(self):
        """Error B responses of writebacks into this ring (behind nic_dma the RX block's
        bursts share the monitor's lists)."""
        mon = self.tb.mon
        return sum(1 for r, ring in zip(mon.b_resp, mon.aw_ring) if r != 0 and ring)
