"""The TX bench's bus models: a read responder that may reorder and interleave R data across
IDs, the MAC sink on `m_axis_tx` with its no-gap check, and the AXI protocol monitor with the
TX block's read rules.

`ReadResponder` answers the AR/R half of the DMA master port from a `BusMemory`. cocotbext-axi's
AxiRam and AxiSlave serve AR bursts strictly one at a time, in the order of their handshakes,
whatever their IDs, so they can never return two IDs' data interleaved or out of order; behind
`nic_dma` that is exactly what the shared master must survive (SPEC §5: "a slave may return
different IDs' data interleaved or out of order"). This responder keeps a queue of bursts per
ARID, holds each burst for a latency drawn at its handshake, and picks the next R beat at
random among the IDs whose oldest burst is due (`reorder`): every beat may switch ID
(`interleave`), or a begun burst is finished first. Beats of one ID stay in order, as AXI
requires. It also pauses ARREADY and RVALID at random, answers a beat SLVERR or DECERR when
the bench's `fault` callback says so (the data then is a poison pattern), and reports each beat
to `on_beat` (read confinement) and each burst's end to `on_done`.

`TxSink` takes the frames off `m_axis_tx`, driving TREADY from a pause pattern (random or
fixed), and checks the stream's rules: once TVALID rises for a frame it stays high until the
TLAST handshake (no gap, SPEC §5 store and forward), payload stable while stalled, TKEEP all
ones but on the TLAST beat, where it is contiguous from lane 0 and not zero.

`TxMonitor` is tb.common.axi_monitor.AxiMonitor (AW, W, B and AR handshake and stability rules,
WLAST, 4 KB, post-error: no AR or AW presented after an error response) with the AR rules of
the TX block: descriptor reads inside the ring with beats of min(DATA_W/8, 16) bytes and at
most DESC_BURST descriptors (full-width descriptor bursts, DESC_FULL, are handed to these
rules as 16-byte beats by tb.rtl.tx_bench.full_desc_reads), data reads with full-width beats
of at most MAX_BURST. The TX block keeps W beats of a writeback issued before an error (no new
AW is the rule), so the RX rule "no strobed W after an error" is off. Behind nic_dma
(shared=True) the post-error rules are off too: the other block keeps running.
"""

import random
from collections import deque

import cocotb
from cocotb.triggers import RisingEdge
from cocotb.utils import get_sim_time

from tb.common.axi_monitor import AxiMonitor

OKAY, SLVERR, DECERR = 0, 2, 3
POISON = 0xEE


def pattern_gen(pattern):
    """A pause generator cycling over `pattern` (a list of bools)."""
    i = 0
    n = len(pattern)
    while True:
        yield pattern[i]
        i = i + 1 if i + 1 < n else 0


class Burst:
    __slots__ = ("id", "addr", "size", "beats", "beat", "due", "err", "kind", "seq")

    def __init__(self, arid, addr, size, beats, due, seq):
        self.id, self.addr, self.size, self.beats = arid, addr, size, beats
        self.beat = 0
        self.due = due
        self.err = False
        self.kind = None
        self.seq = seq

    def span(self):
        """[start, end) of the bytes the burst covers."""
        a = self.addr - self.addr % self.size
        return self.addr, a + self.beats * self.size

    def beat_range(self, k):
        a = self.addr - self.addr % self.size + k * self.size
        return (self.addr if k == 0 else a), a + self.size


class ReadResponder:
    def __init__(self, tb, mem, *, reorder=False, interleave=False, lat=(0, 0), p_ar=0.0,
                 p_r=0.0, burst=4, fault=None, on_beat=None, on_done=None):
        self.tb = tb
        self.dut = tb.dut
        self.mem = mem
        self.nbytes = tb.nbytes
        rng = random.Random(tb.rng.random())
        self.rng = rng
        self.reorder, self.interleave = reorder, interleave
        self.lat = lat
        from tb.common.harness import pause_gen
        self.ar_pause = pause_gen(random.Random(rng.random()), p_ar, burst) if p_ar else None
        self.r_pause = pause_gen(random.Random(rng.random()), p_r, burst) if p_r else None
        self.fault = fault          # (burst, lo, hi) -> resp
        self.on_beat = on_beat      # (burst, lo, hi, resp)
        self.on_done = on_done      # (burst)
        self.queues = {}            # arid -> deque of Burst
        self.order = deque()        # every burst, in AR order (in-order mode)
        self.outstanding = []       # bursts taken and not finished
        self.seq = 0
        self.cur = None             # burst of the beat on R
        self.bursts = 0
        self.by_kind = {}           # AR bursts per region kind (desc, data, outside)
        self.beats = 0
        self.max_out = 0
        self.switches = 0           # R beats whose ID differs from the previous beat's
        self.overtakes = 0          # bursts finished before an older burst of another ID
        self._last_id = None
        self.clk_ps = None
        import os
        self.debug = bool(os.environ.get("TXDBG"))
        cocotb.start_soon(self._run())

    def busy(self):
        return bool(self.outstanding)

    def _now(self):
        return get_sim_time("ps") // self.clk_ps

    def _pick(self, now):
        if self.cur is not None and self.cur.beat < self.cur.beats and not self.interleave:
            return self.cur
        if not self.reorder:
            b = self.order[0] if self.order else None
            return b if b is not None and b.due <= now else None
        heads = [q[0] for q in self.queues.values() if q and q[0].due <= now]
        if not heads:
            return None
        return self.rng.choice(heads)

    async def _run(self):
        d = self.dut
        clk = d.clk
        arvalid, arready = d.m_axi_arvalid, d.m_axi_arready
        araddr, arlen, arsize, arid = d.m_axi_araddr, d.m_axi_arlen, d.m_axi_arsize, d.m_axi_arid
        rvalid, rready = d.m_axi_rvalid, d.m_axi_rready
        rdata, rresp, rlast, rid = d.m_axi_rdata, d.m_axi_rresp, d.m_axi_rlast, d.m_axi_rid
        arready.value = 0
        rvalid.value = 0
        await RisingEdge(clk)
        t = get_sim_time("ps")
        await RisingEdge(clk)
        self.clk_ps = get_sim_time("ps") - t
        nb = self.nbytes
        mem = self.mem
        ar_rdy = 0
        r_on = None                 # (burst, resp) presented on R
        while True:
            now = self._now()
            if str(d.rst.value) == "1":
                self.queues.clear()
                self.order.clear()
                self.outstanding.clear()
                self.cur = None
                r_on = None
                rvalid.value = 0
                arready.value = 0
                ar_rdy = 0
                await RisingEdge(clk)
                continue
            # handshakes at this edge
            if ar_rdy and str(arvalid.value) == "1":
                lo, hi = self.lat
                b = Burst(int(arid.value), int(araddr.value), 1 << int(arsize.value),
                          int(arlen.value) + 1, now + (self.rng.randint(lo, hi) if hi else 0),
                          self.seq)
                self.seq += 1
                if self.debug:
                    self.tb.log.warning("AR %#x x%d size %d id %d due %d (burst %d)", b.addr,
                                        b.beats, b.size, b.id, b.due, b.seq)
                b.kind = self.tb.classify_read(b.addr)
                self.by_kind[b.kind] = self.by_kind.get(b.kind, 0) + 1
                self.queues.setdefault(b.id, deque()).append(b)
                self.order.append(b)
                self.outstanding.append(b)
                self.bursts += 1
                self.max_out = max(self.max_out, len(self.outstanding))
            if r_on is not None and str(rready.value) == "1":
                b, resp = r_on
                r_on = None
                lo, hi = b.beat_range(b.beat)
                b.beat += 1
                self.beats += 1
                if self.on_beat:
                    self.on_beat(b, lo, hi, resp)
                if b.beat == b.beats:
                    q = self.queues[b.id]
                    q.popleft()
                    self.order.remove(b)
                    if any(o.seq < b.seq and o.id != b.id for o in self.outstanding):
                        self.overtakes += 1
                    self.outstanding.remove(b)
                    if self.on_done:
                        self.on_done(b)
            # next values
            ar_rdy = 0 if (self.ar_pause is not None and next(self.ar_pause)) else 1
            arready.value = ar_rdy
            if r_on is None:
                b = None
                if not (self.r_pause is not None and next(self.r_pause)):
                    b = self._pick(now + 1)
                if b is None:
                    rvalid.value = 0
                else:
                    self.cur = b
                    if self._last_id is not None and b.id != self._last_id:
                        self.switches += 1
                        self.tb.cov.reorder()
                    self._last_id = b.id
                    lo, hi = b.beat_range(b.beat)
                    resp = self.fault(b, lo, hi) if self.fault else OKAY
                    word = lo - lo % nb
                    if resp == OKAY:
                        o = word - mem.base
                        data = bytes(mem.mem[o:o + nb]) if 0 <= o and word + nb <= mem.end \
                            else None
                        if data is None:
                            resp = DECERR
                    if resp != OKAY:
                        b.err = True
                        data = bytes([POISON]) * nb
                    rdata.value = int.from_bytes(data, "little")
                    rresp.value = resp
                    rlast.value = int(b.beat == b.beats - 1)
                    rid.value = b.id
                    rvalid.value = 1
                    r_on = (b, resp)
            if r_on is None and not self.outstanding and str(arvalid.value) != "1":
                # idle: sleep until an AR is presented (ARREADY stays as set)
                await RisingEdge(arvalid)
            await RisingEdge(clk)


class TxSink:
    """Frames off m_axis_tx (see module doc); `on_frame(data)` is called at each TLAST."""

    def __init__(self, tb, pause=None, on_frame=None):
        self.tb = tb
        self.dut = tb.dut
        self.nbytes = tb.nbytes
        self.pause = pause          # generator of bools (True: TREADY low), or None
        self.on_frame = on_frame
        self.frames = []
        self.stalls = 0             # clocks with TVALID high and TREADY low
        self.frame_stalls = 0       # frames that saw at least one stall
        self.beats = 0
        self.last_stalled = False
        cocotb.start_soon(self._run())

    def set_pause(self, gen):
        self.pause = gen

    async def _run(self):
        d = self.dut
        clk = d.clk
        tvalid, tready = d.m_axis_tx_tvalid, d.m_axis_tx_tready
        tdata, tkeep, tlast = d.m_axis_tx_tdata, d.m_axis_tx_tkeep, d.m_axis_tx_tlast
        nb = self.nbytes
        full = (1 << nb) - 1
        rdy = 1
        tready.value = 1
        in_frame = False
        stalled = None
        stalled_frame = False
        cur = bytearray()
        while True:
            await RisingEdge(clk)
            if str(d.rst.value) == "1":
                in_frame, stalled, cur = False, None, bytearray()
                continue
            v = str(tvalid.value)
            if v == "1":
                in_frame = True
                if rdy:
                    keep = int(tkeep.value)
                    last = str(tlast.value) == "1"
                    if stalled is not None and stalled != (int(tdata.value), keep, last):
                        self.tb.error("m_axis_tx: payload changed while TREADY was low")
                    stalled = None
                    data = int(tdata.value).to_bytes(nb, "little")
                    self.beats += 1
                    if last:
                        if keep == 0 or keep & (keep + 1):
                            self.tb.error(f"m_axis_tx: TKEEP {keep:#x} on the TLAST beat is not "
                                          f"contiguous from lane 0")
                        cur += data[:bin(keep).count("1")]
                        frame = bytes(cur)
                        cur = bytearray()
                        in_frame = False
                        self.frames.append(frame)
                        self.frame_stalls += stalled_frame
                        self.last_stalled = stalled_frame
                        stalled_frame = False
                        if self.on_frame:
                            self.on_frame(frame)
                    else:
                        if keep != full:
                            self.tb.error(f"m_axis_tx: TKEEP {keep:#x} on a beat before TLAST")
                        cur += data
                else:
                    self.stalls += 1
                    stalled_frame = True
                    p = (int(tdata.value), int(tkeep.value), str(tlast.value) == "1")
                    if stalled is not None and stalled != p:
                        self.tb.error("m_axis_tx: payload changed while TREADY was low")
                    stalled = p
            elif in_frame:
                self.tb.error(f"m_axis_tx: TVALID {v} inside a frame (a gap before TLAST, "
                              f"{len(cur)} bytes into frame {len(self.frames)})")
                in_frame = False
                stalled = None
            rdy = 0 if (self.pause is not None and next(self.pause)) else 1
            tready.value = rdy
            if not in_frame and v != "1":
                await RisingEdge(tvalid)


class TxMonitor(AxiMonitor):
    """AxiMonitor with the TX block's AR rules (module doc)."""

    def __init__(self, tb, *, max_burst, wb_burst, desc_burst, shared=False):
        super().__init__(tb, max_burst=max_burst, wb_burst=wb_burst, desc_burst=desc_burst)
        self.shared = shared
        self.size_d = (min(self.nbytes, 16) - 1).bit_length()
        self.desc_beats = desc_burst * 16 >> self.size_d
        self.data_ars = 0
        self.desc_ars = 0

    def _r(self, err, last, cyc):
        if err and self.err_cyc is None and not self.shared:
            self.err_cyc = cyc

    def _b(self, resp, cyc):
        if self.shared:
            n = len(self.b_cyc)
            if n >= len(self.aw_cyc):
                self.error("B response without an outstanding AW")
            self.b_cyc.append(cyc)
            self.b_resp.append(int(resp, 2))
            return
        super()._b(resp, cyc)

    def _w_run(self, last, wstrb, first, cyc, count):
        super()._w_run(last, None, first, cyc, count)

    def _ar(self, p, first, cyc):
        addr, alen, size, burst = (int(x, 2) for x in p)
        beats = alen + 1
        self.ar_count += 1
        if burst != 1:
            self.error(f"AR at {addr:#x}: arburst={burst}, not INCR")
        start = addr - addr % (1 << size)
        if (start & 0xFFF) + (beats << size) > 0x1000:
            self.error(f"AR at {addr:#x} len {beats} crosses a 4 KB boundary")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self.error(f"AR at {addr:#x} presented at clock {first}, after the error response "
                       f"at clock {self.err_cyc}")
        kind = self.tb.classify_read(addr)
        if kind == "desc":
            self.desc_ars += 1
            if size != self.size_d:
                self.error(f"descriptor AR at {addr:#x}: arsize={size}, expected {self.size_d}")
            if addr & 0xF:
                self.error(f"descriptor AR at {addr:#x} not 16-byte aligned")
            if beats > self.desc_beats:
                self.error(f"descriptor AR at {addr:#x}: {beats} beats > DESC_BURST")
        elif kind == "data":
            self.data_ars += 1
            if size != self.size_w:
                self.error(f"data AR at {addr:#x}: arsize={size}, expected {self.size_w} "
                           f"(full-width beats)")
            if beats > self.max_burst:
                self.error(f"data AR at {addr:#x}: {beats} beats > MAX_BURST {self.max_burst}")


class ArbiterWatch:
    """Behind nic_dma: the shared master's arbitration, seen at its two ports (the inner
    s_axi_ar/aw valid and ready of nic_dma_axi_mux). A port whose request waits may see the
    other port granted at most once before its own grant (round-robin, SPEC §5 "neither block
    can starve the other"); `most_wait` keeps the longest wait in clocks per channel."""

    def __init__(self, tb, mux):
        self.tb = tb
        self.mux = mux
        self.most_wait = {"ar": 0, "aw": 0}
        self.both = {"ar": 0, "aw": 0}     # clocks both ports requested at once
        for ch in ("ar", "aw"):
            cocotb.start_soon(self._run(ch))

    async def _run(self, ch):
        from cocotb.triggers import ValueChange
        valid = getattr(self.mux, f"s_axi_{ch}valid")
        ready = getattr(self.mux, f"s_axi_{ch}ready")
        clk = RisingEdge(self.tb.dut.clk)
        others = [0, 0]       # grants of the other port while port p waits
        since = [None, None]  # clock port p began waiting
        name = {0: "RX", 1: "TX"}
        while True:
            await clk
            v = valid.value
            if not v.is_resolvable:
                continue
            v = int(v)
            r = int(ready.value) if ready.value.is_resolvable else 0
            now = self.tb.mon.cyc
            if v == 3:
                self.both[ch] += 1
            for p in (0, 1):
                q = 1 - p
                if v >> p & 1:
                    if since[p] is None:
                        since[p] = now
                    if r >> p & 1:
                        self.most_wait[ch] = max(self.most_wait[ch], now - since[p])
                        since[p] = None
                        others[p] = 0
                    elif r >> q & 1:
                        others[p] += 1
                        if others[p] == 2:
                            self.tb.error(f"arbiter: the {name[p]} block's {ch.upper()} request "
                                          f"waited while the {name[q]} block was granted twice "
                                          f"(starvation)")
                else:
                    since[p] = None
                    others[p] = 0
            if v == 0:
                await ValueChange(valid)
