"""The RX half of nic_dma for the TX bench's shared-master tests: a small RX driver with its
own ring and buffers, the checks of SPEC §2 that the shared master could break (confinement of
every write and descriptor read, data before writeback, exact writebacks, ring order, HEAD
after B, frames in order and byte-exact, every frame accounted for), the MAC source, and
faults on the RX block's own accesses with the §2 halt rules and the driver's recovery.

Frames are at most one buffer long (BUF_LEN = `buf_len`); the ring is refilled as HEAD moves.
Registers are at 0x0000 (RX) while the TX block's are at 0x1000 (TxTB.base).

A frame counts as delivered when HEAD passes its descriptor (the block reports it then:
STAT_FRAMES, docs/DESIGN.md "Writes"); its writeback is matched with the frames sent, in
order, as it lands. Outside a fault every frame must be delivered (the MAC is paced, so the
FIFO never fills). `arm()` injects one fault through TxTB's injectors (`fail_read` on a
descriptor beat through the read responder, `fail_write` on a data burst or a writeback burst
through the write slave over BusMemory) and opens a fault window: every frame not yet
delivered, and every frame sent until the recovery, may then be lost, and is counted lost
when the queue halts (STAT_DROP_FIFO, docs/DESIGN.md "Counters and errors"). In the window,
from the faulty descriptor on (the rest of the owned ring), HEAD may pass nothing, a
descriptor-read fault lets nothing be written there and a data fault no writeback.
`check_halt()` and `recover()` follow the RX bench (tb.rtl.env.Rx)."""

from collections import deque

from cocotb.triggers import Lock
from cocotbext.axi import AxiStreamFrame

from pymodel import regs, rx_contract
from tb.common.harness import BenchError
from tb.rtl.tx_bench import DescFetchTally, marker

RX_BASE = 0x0000
OKAY = 0

# fault kind -> the ERR_CODE the block must halt with (SPEC §2 STATUS, docs/DESIGN.md)
FAULT_CODE = {"desc": regs.ERR_DESC_READ, "data": regs.ERR_DATA_WRITE,
              "wb": regs.ERR_WRITEBACK}


class RxFrame:
    __slots__ = ("seq", "data", "droppable")

    def __init__(self, seq, data, droppable):
        self.seq, self.data, self.droppable = seq, data, droppable


class RxSide:
    def __init__(self, tb, size=64, buf_len=2048):
        self.tb = tb
        self.mem = tb.mem
        self.size = size
        self.buf_len = buf_len
        self.base = self.mem.alloc(16 * size, align=4096)
        self.end = self.base + 16 * size
        self.area = -(-(buf_len + 128) // 64) * 64
        self.abase = self.mem.alloc(self.area * size, align=4096)
        self.aend = self.abase + self.area * size
        self.ims = 0
        self.owned = [False] * size
        self.addr = [0] * size
        self.wb = [None] * size          # the writeback image as it lands
        self.wb_mask = [0] * size
        self.wb_burst = [-1] * size
        self.data_burst = [-1] * size
        self.done = [False] * size
        self.frame_of = [None] * size    # the frame written back into a descriptor
        self.tail = 0
        self.clean = 0
        self.wb_next = 0
        self.expect = deque()            # frames sent by the MAC, not yet written back
        self.sent = 0
        self.since_en = 0                # frames sent since the last enable (their slots)
        self.delivered = 0
        self.delivered_bytes = 0
        self.dropped = 0                 # frames lost to a fault (STAT_DROP_FIFO)
        self.writes = 0                  # device writes into the RX ring and buffers
        self.axi_errs = 0                # RX faults that fired (STAT_AXI_ERR)
        self.fetched = DescFetchTally()  # STAT_DESC_FETCHED
        self.fault = None                # the armed fault: kind, slot, resp, fired count
        self.faulting = False            # in a fault window: frames sent may be lost
        self.refused = set()             # descriptors of a writeback burst refused (SLVERR)
        self.halts = []                  # (kind, resp, ERR_CODE, clock)
        self._reaping = Lock()           # one reap at a time (tests reap from two tasks)
        tb.add_region(self.base, self.end, self._on_ring_write, self._desc_beat, "desc")
        tb.add_region(self.abase, self.aend, self._on_buf_write, self._buf_beat, "rxbuf")

    async def rd(self, off):
        return await self.tb.read(off, base=RX_BASE)

    async def wr(self, off, v):
        await self.tb.write(off, v, base=RX_BASE)

    def _arm(self, slot):
        a = self.abase + slot * self.area + self.tb.rng.randrange(64)
        self.addr[slot] = a
        area = self.abase + slot * self.area
        self.mem.poke(area, bytes(marker(area + i) for i in range(self.area)))
        self.mem.poke(self.base + 16 * slot, regs.pack_read_desc(a, self.buf_len))
        self.wb[slot] = bytearray(16)
        self.wb_mask[slot] = 0
        self.wb_burst[slot] = self.data_burst[slot] = -1
        self.done[slot] = False
        self.frame_of[slot] = None
        self.owned[slot] = True

    async def start(self, ims=None):
        if ims is not None:
            self.ims = ims
        await self.wr(regs.RING_BASE_LO, self.base & 0xFFFFFFFF)
        await self.wr(regs.RING_BASE_HI, self.base >> 32)
        await self.wr(regs.RING_SIZE, self.size)
        await self.wr(regs.IMS, self.ims)
        await self.wr(regs.CTRL, regs.CTRL_EN)
        for _ in range(60):
            if await self.rd(regs.STATUS) & regs.STATUS_RUNNING:
                break
            await self.tb.cycles(4)
        await self.give()

    async def give(self):
        n = 0
        while (self.tail + 1) % self.size != self.clean:
            self._arm(self.tail)
            self.tail = (self.tail + 1) % self.size
            n += 1
        if n:
            await self.wr(regs.TAIL, self.tail)

    async def send(self, length):
        data = self.tb.rng.randbytes(length)
        self.expect.append(RxFrame(self.sent, data, self.faulting))
        self.sent += 1
        self.since_en += 1
        await self.tb.source.send(AxiStreamFrame(data))

    # ---------------------------------------------------------------- device side
    def _void(self, slot, writeback):
        """In a fault window: `slot` lies at or after the faulty descriptor, where the
        block may write nothing (a descriptor-read fault) or no writeback (a data fault)."""
        f = self.fault
        if f is None or f["kind"] == "wb" or (f["kind"] == "data" and not writeback):
            return False
        return self._after_fault(slot)

    def _after_fault(self, slot):
        f = self.fault
        return f is not None and (slot - f["slot"]) % self.size < \
            (self.tail - f["slot"]) % self.size

    def _on_buf_write(self, addr, data):
        tb = self.tb
        self.writes += 1
        slot = (addr - self.abase) // self.area
        a = self.addr[slot]
        if not (self.owned[slot] and a <= addr and addr + len(data) <= a + self.buf_len):
            tb.error(f"RX write [{addr:#x}, {addr + len(data):#x}) outside the owned buffer "
                     f"of RX descriptor {slot}")
        elif self.wb_mask[slot]:
            tb.error(f"RX write into the buffer of RX descriptor {slot} after its writeback")
        elif self._void(slot, False):
            tb.error(f"RX write into the buffer of RX descriptor {slot}, at or after the "
                     f"descriptor {self.fault['slot']} whose read failed")
        self.data_burst[slot] = max(self.data_burst[slot], tb.mon.slave_aw - 1)

    def _on_ring_write(self, addr, data):
        tb = self.tb
        self.writes += 1
        burst = tb.mon.slave_aw - 1
        a = addr
        end = addr + len(data)
        while a < end:
            slot = (a - self.base) >> 4
            o = (a - self.base) & 15
            n = min(16 - o, end - a)
            if not self.owned[slot] or self.done[slot]:
                tb.error(f"RX writeback into descriptor {slot}, which the device does not own")
            elif self._void(slot, True):
                what = "read" if self.fault["kind"] == "desc" else "frame's data write"
                tb.error(f"RX writeback into descriptor {slot}, at or after descriptor "
                         f"{self.fault['slot']} whose {what} failed")
            else:
                self.wb[slot][o:o + n] = data[a - addr:a - addr + n]
                self.wb_mask[slot] |= ((1 << n) - 1) << o
                self.wb_burst[slot] = burst
                if self.wb_mask[slot] == 0xFFFF:
                    self._written_back(slot)
            a += n

    def _refused(self, addr, n):
        """TxTB.fail_write refused a write (SLVERR): its descriptors never land."""
        if self.base <= addr < self.end:
            for s in range(((addr - self.base) >> 4), ((addr + n - 1 - self.base) >> 4) + 1):
                self.refused.add(s)

    def _written_back(self, slot):
        tb = self.tb
        while slot != self.wb_next and self.wb_next in self.refused:
            self.wb_next = (self.wb_next + 1) % self.size   # its burst was refused
        if slot != self.wb_next:
            tb.error(f"RX descriptor {slot} written back out of ring order ({self.wb_next})")
        self.wb_next = (slot + 1) % self.size
        self.done[slot] = True
        w = regs.unpack_writeback(bytes(self.wb[slot]))
        db = self.data_burst[slot]
        mon = tb.mon
        if db >= 0 and (db >= len(mon.b_cyc)):
            tb.error(f"RX descriptor {slot} written back before the B of its data burst {db}")
        got = self.mem.peek(self.addr[slot], w.length)
        # frames that may have been lost to a fault are passed over
        while self.expect and self.expect[0].droppable and self.expect[0].data != got:
            self.expect.popleft()
            self.dropped += 1
        if not self.expect:
            tb.error(f"RX descriptor {slot} written back with no frame pending that it "
                     f"could hold ({w.length} bytes)")
            return
        fr = self.expect.popleft()
        data = fr.data
        want = regs.pack_writeback(self.addr[slot], len(data), regs.csum16(data, 14),
                                   regs.DESC_DD | regs.DESC_EOP, 0)
        if bytes(self.wb[slot]) != want:
            tb.error(f"RX descriptor {slot} writeback {bytes(self.wb[slot]).hex()}, expected "
                     f"{want.hex()}")
        elif got != data:
            tb.error(f"RX frame seq {fr.seq} in descriptor {slot} differs from what the MAC "
                     f"sent ({len(data)} bytes)")
        self.frame_of[slot] = fr

    def _desc_beat(self, b, lo, hi, resp):
        for slot in range((lo - self.base) >> 4, ((hi - 1 - self.base) >> 4) + 1):
            if not self.owned[slot]:
                self.tb.error(f"RX descriptor read [{lo:#x}, {hi:#x}) covers descriptor {slot}, "
                              f"which the device does not own")
        self.fetched.beat(lo, hi, resp)

    def _buf_beat(self, b, lo, hi, resp):
        self.tb.error(f"read [{lo:#x}, {hi:#x}) of an RX buffer (the RX block never reads them)")

    async def reap(self):
        """Read HEAD; every descriptor it passed must be written back, after its burst's B
        (OKAY), and not at or after a faulty one; its frame is delivered. Then refill."""
        async with self._reaping:
            await self._reap()

    async def _reap(self):
        tb = self.tb
        head = await self.rd(regs.HEAD)
        cyc = tb.mon.cyc
        mon = tb.mon
        if head >= self.size or (head - self.clean) % self.size > \
                (self.tail - self.clean) % self.size:
            tb.error(f"RX HEAD {head} outside the owned range [{self.clean}, {self.tail})")
            return
        while self.clean != head:
            s = self.clean
            w = self.wb_burst[s]
            if not self.done[s]:
                tb.error(f"RX HEAD passed descriptor {s}, which was never written back")
            elif w >= len(mon.b_cyc) or mon.b_cyc[w] > cyc:
                tb.error(f"RX HEAD passed descriptor {s} before its writeback's B")
            elif mon.b_resp[w] != OKAY:
                tb.error(f"RX HEAD passed descriptor {s}, whose writeback was answered "
                         f"{mon.b_resp[w]}")
            if self._after_fault(s):
                tb.error(f"RX HEAD passed descriptor {s}, at or after descriptor "
                         f"{self.fault['slot']} whose {self.fault['kind']} access failed")
            fr = self.frame_of[s]
            if fr is not None:
                self.delivered += 1
                self.delivered_bytes += len(fr.data)
                self.frame_of[s] = None
            self.owned[s] = False
            self.clean = (self.clean + 1) % self.size
        await self.give()

    async def stats(self):
        st = {k: await self.rd(off) for k, off in regs.STAT_ALL.items() if k != "bytes_hi"}
        st["bytes_hi"] = await self.rd(regs.STAT_BYTES_HI)   # latched by the LO read
        st["bytes"] = st["bytes_lo"] | st["bytes_hi"] << 32
        return st

    def check_stats(self, st, where):
        """STAT_* against what the bench saw: frames and bytes delivered, the frames lost to
        faults in STAT_DROP_FIFO and no other drop, one STAT_AXI_ERR per fault."""
        tb = self.tb
        want = {"frames": rx_contract.wrap(self.delivered),
                "bytes": rx_contract.wrap(self.delivered_bytes, rx_contract.BYTES_BITS),
                "drop_fifo": rx_contract.wrap(self.dropped), "axi_err": self.axi_errs,
                **{k: 0 for k in rx_contract.DROPS if k != rx_contract.DROP_FIFO}}
        for k, v in want.items():
            if st[k] != v:
                tb.error(f"RX {where}: STAT {k} = {st[k]}, expected {v} ({self.sent} frames "
                         f"sent, {self.delivered} delivered, {self.dropped} lost to faults)")

    async def _settled_desc_fetched(self):
        """STAT_DESC_FETCHED once the descriptor reads in flight have returned."""
        v = None
        for _ in range(20):
            v = await self.rd(regs.STAT_DESC_FETCHED)
            if v == rx_contract.wrap(self.fetched.ok):
                return
            await self.tb.cycles(100)
        self.tb.error(f"RX STAT_DESC_FETCHED {v}, the bench saw {self.fetched.ok} descriptors "
                      f"read with OKAY")

    # ---------------------------------------------------------------- faults
    def arm(self, kind, resp):
        """Inject one fault on the RX block's next access of its kind and open a fault
        window; returns the ERR_CODE the block must halt with.
        "desc": `resp` on one R beat of the descriptor the driver hands over next (the
        block prefetches every descriptor it owns, so only that one is still unread);
        "data": the first data burst of the next frame (its slot's buffer area) answered
        `resp`; "wb": the first writeback burst that covers the next frame's descriptor."""
        tb = self.tb
        if self.fault is not None:
            raise BenchError("bench bug: an RX fault is already armed")
        if kind == "desc":
            slot = self.tail
            beat = min(tb.nbytes, 16)
            lo = self.base + 16 * slot + beat * tb.rng.randrange(16 // beat)
            tb.fail_read(lo, lo + beat, resp, kind="rx")
        else:
            slot = self.since_en % self.size
            if (slot - self.clean) % self.size >= (self.tail - self.clean) % self.size:
                raise BenchError(f"bench bug: the next RX frame's descriptor {slot} is not "
                                 f"owned ([{self.clean}, {self.tail}))")
            a = self.abase + slot * self.area if kind == "data" else self.base + 16 * slot
            n = self.area if kind == "data" else 16
            tb.fail_write(a, a + n, resp, kind="rx", on_refuse=self._refused)
        self.fault = {"kind": kind, "slot": slot, "resp": resp, "fired": len(tb.fired)}
        self.faulting = True
        for fr in self.expect:
            fr.droppable = True
        for fr in self.frame_of:
            if fr is not None:
                fr.droppable = True
        tb.log.info("RX fault armed: %s %s on descriptor %d", kind,
                    {2: "SLVERR", 3: "DECERR"}.get(resp, resp), slot)
        return FAULT_CODE[kind]

    def fired(self):
        return self.fault is not None and len(self.tb.fired) > self.fault["fired"]

    async def wait_status(self, mask, value, timeout=40000):
        return await self.tb.wait_status(mask, value, timeout, base=RX_BASE)

    def _lose_pending(self, where):
        """The queue stopped: every frame not delivered was lost (the FIFO is flushed)."""
        lost = list(self.expect) + [fr for fr in self.frame_of if fr is not None]
        for fr in lost:
            if not fr.droppable:
                self.tb.error(f"RX frame seq {fr.seq} lost {where}, outside a fault")
        self.dropped += len(lost)
        self.expect.clear()
        self.frame_of = [None] * self.size

    async def check_halt(self, code, on_halt=None):
        """The RX queue halted on the armed fault: HALTED with ERR_CODE `code`, RUNNING drops,
        ICR.ERR and irq (IMS.ERR), exactly one fault fired; then frames arriving are dropped,
        nothing more is written to the RX ring or buffers and HEAD stays; STAT_FRAMES,
        STAT_BYTES, the drop counters and STAT_AXI_ERR exact. `on_halt()` is called as soon
        as HALTED is read; returns the clock of that read."""
        tb = self.tb
        f = self.fault
        s = await self.wait_status(regs.STATUS_HALTED, regs.STATUS_HALTED)
        seen = tb.mon.cyc
        if on_halt is not None:
            on_halt()
        got = (s & regs.STATUS_ERR_MASK) >> regs.STATUS_ERR_SHIFT
        if got != code:
            tb.error(f"RX halted with ERR_CODE {got} on a {f['kind']} fault, expected {code}")
        tb.log.info("RX halted with ERR_CODE %d (%s fault)", got, f["kind"])
        self.halts.append((f["kind"], f["resp"], got, seen))
        await self.wait_status(regs.STATUS_RUNNING, 0)
        await tb.cycles(3)
        if not (await self.rd(regs.ICR)) & regs.ICR_ERR:
            tb.error("RX halt: ICR.ERR not set")
        if self.ims & regs.ICR_ERR and int(tb.dut.irq.value) != 1:
            tb.error("RX halt: irq low with ICR.ERR and IMS.ERR")
        fired = len(tb.fired) - f["fired"]
        if fired != 1:
            tb.error(f"RX halt: {fired} injected faults fired, expected 1")
        self.axi_errs += fired
        head = await self.rd(regs.HEAD)
        writes = self.writes
        for n in (64, 300):
            await self.send(n)
        await tb.source.wait()
        await tb.cycles(300)
        if self.writes != writes:
            tb.error(f"the halted RX block wrote {self.writes - writes} more times into its "
                     f"ring or buffers")
        if (h := await self.rd(regs.HEAD)) != head:
            tb.error(f"RX HEAD {h} after the halt, was {head}")
        await self.reap()
        self._lose_pending("at the halt")
        self.check_stats(await self.stats(), "halted")
        await self._settled_desc_fetched()
        tb.check()
        return seen

    async def recover(self):
        """The driver's recovery (docs/CONTRACT.md §2 Errors, tb.rtl.env.Rx.recover): clear
        EN, wait for RUNNING low, reclaim every descriptor, clear ICR, enable again: RUNNING
        with HALTED and ERR_CODE clear, HEAD 0, irq low."""
        tb = self.tb
        await self.wr(regs.CTRL, 0)
        await self.wait_status(regs.STATUS_RUNNING, 0)
        await tb.source.wait()          # every frame queued arrives (and is dropped) now
        await tb.cycles(50)
        self._lose_pending("while the queue was stopped")
        for s in range(self.size):
            if self.owned[s]:
                area = self.abase + s * self.area
                self.mem.poke(area, bytes(marker(area + i) for i in range(self.area)))
            self.owned[s] = self.done[s] = False
            self.wb_mask[s] = 0
        self.mem.refill(self.base, 16 * self.size)
        self.tail = self.clean = self.wb_next = 0
        self.since_en = 0
        self.refused.clear()
        self.fetched.enabled()
        self.fault = None
        await self.wr(regs.ICR, regs.ICR_ALL)
        await self.start()
        self.faulting = False
        if (s := await self.rd(regs.STATUS)) != regs.STATUS_RUNNING:
            tb.error(f"RX after recovery STATUS={s:#x}, expected RUNNING with HALTED and "
                     f"ERR_CODE clear")
        if (h := await self.rd(regs.HEAD)) != 0:
            tb.error(f"RX after recovery HEAD={h}, expected 0")
        if not (await tb.read(regs.ICR)) & (await tb.read(regs.IMS)) and \
                int(tb.dut.irq.value) != 0:
            tb.error("irq high after the RX recovery cleared ICR, with no TX cause enabled")

    async def finish(self):
        """Every frame the MAC sent is delivered, in order and byte-exact, or was lost to a
        fault (the bench paces the MAC so that the RX FIFO never fills: no other frame may be
        dropped); the counters are exact."""
        tb = self.tb
        await tb.source.wait()
        for _ in range(600):
            await self.reap()
            if not self.expect and self.clean == self.wb_next:
                break
            await tb.cycles(64)
        st = await self.stats()
        if self.expect:
            tb.error(f"RX: {self.sent} frames sent, {self.delivered} delivered, "
                     f"{self.dropped} lost to faults, {len(self.expect)} never written back")
        self.check_stats(st, "at the end")
        await self._settled_desc_fetched()
        return st
