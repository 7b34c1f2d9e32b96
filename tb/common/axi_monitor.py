"""AXI4 protocol and confinement monitor for the device's m_axi master port.

One RisingEdge coroutine reads only the VALID signals every clock (through the raw GPI
handles, which is several times cheaper than `.value`), READY only when VALID is high and the
payload only at a handshake or a stall. Per handshake it checks:

- AW/AR: INCR bursts, `awsize` = log2(DATA_W/8), `arsize` = log2(min(DATA_W/8, 16)) (narrow
  descriptor reads, DESIGN.md), no burst across 4 KB, burst length within MAX_BURST (data),
  WB_BURST (writebacks) and DESC_BURST (descriptor reads); reads only inside descriptors the
  device owns, 16-byte aligned.
- W: `wlast` on the last beat of its AW (W beats ahead of their AW are legal AXI and are
  counted in `w_before_aw`); after an error response
  (B or R != OKAY) every W beat first presented later has `wstrb` = 0.
- AW, W, AR: payload stable and VALID held while VALID is high and READY low.
- B: records the handshake clock of every burst (for the ordering checks of the scoreboard).

Errors are collected in `tb.errors` with the simulated time; the test fails on the first one.
"""

from collections import deque

from cocotb.triggers import RisingEdge


class AxiMonitor:
    def __init__(self, tb, max_burst=16, wb_burst=8, desc_burst=16):
        self.tb = tb
        dut = tb.dut
        self.nbytes = tb.nbytes
        self.size_w = (self.nbytes - 1).bit_length()
        self.size_r = (min(self.nbytes, 16) - 1).bit_length()
        self.max_burst = max_burst
        self.max_wb_beats = max(1, (wb_burst * 16 + self.nbytes - 1) // self.nbytes) + 1
        self.max_desc_beats = desc_burst * 16 // (1 << self.size_r)
        self.cyc = 0
        # per write burst, in issue order (AWID is always 0: B returns in this order)
        self.aw_cyc = []          # handshake clock
        self.aw_ring = []         # True: a writeback burst (into the ring)
        self.b_cyc = []           # B handshake clock
        self.b_resp = []
        self.err_cyc = None       # clock of the first non-OKAY response seen
        self.err_transactions = 0 # R bursts with a non-OKAY beat, and non-OKAY B responses
        self._r_burst_err = False
        self.desc_read = 0        # descriptors covered by AR bursts
        self.desc_fetched = 0     # descriptors whose every R beat was OKAY, before any error
        self.r_failed = False     # an R error since the last enable: no later beat counts
        self._r_beat = 0          # beat within the current descriptor (DATA_W 64: two)
        self._r_bad = False       # the current descriptor had an errored beat
        self.ar_count = 0
        self.w_beats = 0
        self._aw_open = deque()   # [beats expected, beats seen] of bursts still owed W beats
        self._w_wait = deque()    # W beats (wlast) not yet paired with an AW
        self.w_before_aw = 0
        self.slave_aw = 0         # AW bursts the slave model has taken (its current burst + 1)
        self.running = False
        h = lambda n: getattr(dut, n)._handle.get_signal_val_binstr
        self._g = {n: h("m_axi_" + n) for n in (
            "awvalid", "awready", "awaddr", "awlen", "awsize", "awburst",
            "wvalid", "wready", "wdata", "wstrb", "wlast",
            "bvalid", "bready", "bresp",
            "arvalid", "arready", "araddr", "arlen", "arsize", "arburst",
            "rvalid", "rready", "rresp", "rlast")}

    def hook_slave(self, axi_slave):
        """Count AW bursts as the slave model starts them, so memory writes know their burst."""
        ch = axi_slave.write_if.aw_channel
        orig = ch._recv

        def _recv(item, _orig=orig):
            self.slave_aw += 1
            return _orig(item)
        ch._recv = _recv

    def error(self, msg):
        self.tb.error(f"AXI monitor: {msg}")

    def start(self):
        import cocotb
        self.running = True
        return cocotb.start_soon(self._run())

    async def _run(self):
        g = self._g
        awv, awr, wv, wr, bv, br, arv, arr = (g["awvalid"], g["awready"], g["wvalid"], g["wready"],
                                              g["bvalid"], g["bready"], g["arvalid"], g["arready"])
        rv, rr = g["rvalid"], g["rready"]
        aw_pay = lambda: (g["awaddr"](), g["awlen"](), g["awsize"](), g["awburst"]())
        ar_pay = lambda: (g["araddr"](), g["arlen"](), g["arsize"](), g["arburst"]())
        w_pay = lambda: (g["wdata"](), g["wstrb"](), g["wlast"]())
        edge = RisingEdge(self.tb.dut.clk)
        aw_st = ar_st = w_st = None      # payload of a stalled transfer
        aw_first = ar_first = 0          # clock at which the current AW / AR was first seen
        w_new = True                     # next W beat seen starts a new presentation
        w_first = 0                      # clock at which the current W beat was first seen
        while self.running:
            await edge
            self.cyc = cyc = self.cyc + 1
            # ---- AW
            v = awv()
            if v == "1":
                if aw_st is None:
                    aw_first = cyc
                if awr() == "1":
                    p = aw_pay()
                    if aw_st is not None and p != aw_st:
                        self.error(f"AW payload changed while stalled: {aw_st} -> {p}")
                    aw_st = None
                    self._aw(p, aw_first)
                else:
                    p = aw_pay()
                    if aw_st is not None and p != aw_st:
                        self.error(f"AW payload changed while stalled: {aw_st} -> {p}")
                    aw_st = p
            elif aw_st is not None:
                self.error("AWVALID dropped before AWREADY")
                aw_st = None
            elif v != "0":
                self.error(f"AWVALID is {v}")
            # ---- W
            v = wv()
            if v == "1":
                if w_new:
                    w_first = cyc
                    w_new = False
                if wr() == "1":
                    if w_st is not None:
                        p = w_pay()
                        if p != w_st:
                            self.error("W payload changed while stalled")
                        w_st = None
                    self._w(g["wlast"]() == "1", w_first, cyc)
                    w_new = True
                else:
                    p = w_pay()
                    if w_st is not None and p != w_st:
                        self.error("W payload changed while stalled")
                    w_st = p
            elif w_st is not None:
                self.error("WVALID dropped before WREADY")
                w_st = None
            # ---- B
            if bv() == "1" and br() == "1":
                self._b(g["bresp"](), cyc)
            # ---- AR
            v = arv()
            if v == "1":
                if ar_st is None:
                    ar_first = cyc
                if arr() == "1":
                    p = ar_pay()
                    if ar_st is not None and p != ar_st:
                        self.error(f"AR payload changed while stalled: {ar_st} -> {p}")
                    ar_st = None
                    self._ar(p, ar_first, cyc)
                else:
                    p = ar_pay()
                    if ar_st is not None and p != ar_st:
                        self.error(f"AR payload changed while stalled: {ar_st} -> {p}")
                    ar_st = p
            elif ar_st is not None:
                self.error("ARVALID dropped before ARREADY")
                ar_st = None
            # ---- R: error responses (for the post-error write check), descriptors fetched
            if rv() == "1" and rr() == "1":
                self._r(g["rresp"]() != "00", g["rlast"]() == "1", cyc)

    def rearm(self):
        """The bench re-enabled the queue after a halt: errors and fetch counting start over."""
        self.err_cyc = None
        self.r_failed = False
        self._r_beat = 0
        self._r_bad = False

    # ------------------------------------------------------------------ handshakes
    def _r(self, err, last, cyc):
        if err and self.err_cyc is None:
            self.err_cyc = cyc
        if err and not self._r_burst_err:
            self.err_transactions += 1
        self._r_burst_err = (self._r_burst_err or err) and not last
        self._r_bad |= err
        self._r_beat += 1
        if self._r_beat << self.size_r == 16:
            if not self._r_bad and not self.r_failed:
                self.desc_fetched += 1
            self.r_failed |= self._r_bad
            self._r_beat = 0
            self._r_bad = False

    def _aw(self, p, first):
        addr, alen, size, burst = (int(x, 2) for x in p)
        beats = alen + 1
        n = len(self.aw_cyc)
        if burst != 1:
            self.error(f"AW burst {n} at {addr:#x}: awburst={burst}, not INCR")
        if size != self.size_w:
            self.error(f"AW burst {n} at {addr:#x}: awsize={size}, expected {self.size_w}")
        start = addr & ~(self.nbytes - 1)
        if (start & 0xFFF) + beats * self.nbytes > 0x1000:
            self.error(f"AW burst {n} at {addr:#x} len {beats} crosses a 4 KB boundary")
        ring = self.tb.ring
        is_ring = ring is not None and ring.base <= addr < ring.end
        if is_ring:
            if beats > self.max_wb_beats:
                self.error(f"writeback burst {n} at {addr:#x}: {beats} beats > WB_BURST")
        elif beats > self.max_burst:
            self.error(f"data burst {n} at {addr:#x}: {beats} beats > MAX_BURST {self.max_burst}")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self.error(f"AW burst {n} at {addr:#x} presented at clock {first}, after the "
                       f"error response at clock {self.err_cyc}")
        self.aw_cyc.append(self.cyc)
        self.aw_ring.append(is_ring)
        self._aw_open.append([beats, 0])
        self._match()

    def _w(self, last, first, cyc):
        self.w_beats += 1
        if self.err_cyc is not None and first > self.err_cyc:
            strb = int(self._g["wstrb"](), 2)
            if strb:
                self.error(f"W beat with wstrb={strb:#x} presented at clock {first}, after the "
                           f"error response at clock {self.err_cyc}")
        self._w_wait.append(last)
        if not self._aw_open:
            self.w_before_aw += 1     # legal AXI; DESIGN.md says the RTL never does it
        self._match()

    def _match(self):
        """Pair W beats with their AW (in order) and check wlast."""
        while self._aw_open and self._w_wait:
            last = self._w_wait.popleft()
            b = self._aw_open[0]
            b[1] += 1
            n = len(self.aw_cyc) - len(self._aw_open)
            if last != (b[1] == b[0]):
                self.error(f"burst {n}: wlast={int(last)} on beat {b[1]} of {b[0]}")
            if b[1] >= b[0] or last:
                self._aw_open.popleft()

    def _b(self, resp, cyc):
        n = len(self.b_cyc)
        if n >= len(self.aw_cyc):
            self.error("B response without an outstanding AW")
        r = int(resp, 2)
        self.b_cyc.append(cyc)
        self.b_resp.append(r)
        if r != 0:
            self.err_transactions += 1
        if r != 0 and self.err_cyc is None:
            self.err_cyc = cyc

    def _ar(self, p, first, cyc):
        addr, alen, size, burst = (int(x, 2) for x in p)
        beats = alen + 1
        self.ar_count += 1
        if burst != 1:
            self.error(f"AR at {addr:#x}: arburst={burst}, not INCR")
        if size != self.size_r:
            self.error(f"AR at {addr:#x}: arsize={size}, expected {self.size_r}")
        nbytes = beats << size
        if (addr & 0xFFF) + nbytes > 0x1000:
            self.error(f"AR at {addr:#x} len {beats} crosses a 4 KB boundary")
        if beats > self.max_desc_beats:
            self.error(f"AR at {addr:#x}: {beats} beats > DESC_BURST")
        if self.err_cyc is not None and first > self.err_cyc + 1:
            self.error(f"AR at {addr:#x} presented at clock {first}, after the error response "
                       f"at clock {self.err_cyc}")
        ring = self.tb.ring
        if ring is None or addr & 0xF or not (ring.base <= addr and addr + nbytes <= ring.end):
            self.error(f"AR at {addr:#x} ({nbytes} bytes) is not a descriptor read inside the ring")
            return
        first = (addr - ring.base) >> 4
        cnt = nbytes >> 4
        for s in range(first, first + cnt):
            if not ring.owned[s]:
                self.error(f"AR at {addr:#x} reads descriptor {s}, which the device does not own")
                break
        self.desc_read += cnt
