"""The RX half of nic_dma for the TX bench's shared-master tests: a small RX driver with its
own ring and buffers, the checks of SPEC §2 that the shared master could break (confinement of
every write and descriptor read, data before writeback, exact writebacks, ring order, HEAD
after B, frames in order and byte-exact, every frame accounted for) and the MAC source.

Frames are at most one buffer long (BUF_LEN = `buf_len`); the ring is refilled as HEAD moves.
Registers are at 0x0000 (RX) while the TX block's are at 0x1000 (TxTB.base)."""

from collections import deque

from pymodel import regs, rx_contract
from tb.rtl.tx_bench import marker

RX_BASE = 0x0000


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
        self.owned = [False] * size
        self.addr = [0] * size
        self.wb = [None] * size          # the writeback image as it lands
        self.wb_mask = [0] * size
        self.wb_burst = [-1] * size
        self.data_burst = [-1] * size
        self.done = [False] * size
        self.tail = 0
        self.clean = 0
        self.wb_next = 0
        self.expect = deque()            # frames sent by the MAC, not yet delivered
        self.sent = 0
        self.delivered = 0
        self.delivered_bytes = 0
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
        self.owned[slot] = True

    async def start(self):
        await self.wr(regs.RING_BASE_LO, self.base & 0xFFFFFFFF)
        await self.wr(regs.RING_BASE_HI, self.base >> 32)
        await self.wr(regs.RING_SIZE, self.size)
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
        self.expect.append(data)
        self.sent += 1
        from cocotbext.axi import AxiStreamFrame
        await self.tb.source.send(AxiStreamFrame(data))

    # ---------------------------------------------------------------- device side
    def _on_buf_write(self, addr, data):
        tb = self.tb
        slot = (addr - self.abase) // self.area
        a = self.addr[slot]
        if not (self.owned[slot] and a <= addr and addr + len(data) <= a + self.buf_len):
            tb.error(f"RX write [{addr:#x}, {addr + len(data):#x}) outside the owned buffer "
                     f"of RX descriptor {slot}")
        elif self.wb_mask[slot]:
            tb.error(f"RX write into the buffer of RX descriptor {slot} after its writeback")
        self.data_burst[slot] = max(self.data_burst[slot], tb.mon.slave_aw - 1)

    def _on_ring_write(self, addr, data):
        tb = self.tb
        burst = tb.mon.slave_aw - 1
        a = addr
        end = addr + len(data)
        while a < end:
            slot = (a - self.base) >> 4
            o = (a - self.base) & 15
            n = min(16 - o, end - a)
            if not self.owned[slot] or self.done[slot]:
                tb.error(f"RX writeback into descriptor {slot}, which the device does not own")
            else:
                self.wb[slot][o:o + n] = data[a - addr:a - addr + n]
                self.wb_mask[slot] |= ((1 << n) - 1) << o
                self.wb_burst[slot] = burst
                if self.wb_mask[slot] == 0xFFFF:
                    self._written_back(slot)
            a += n

    def _written_back(self, slot):
        tb = self.tb
        if slot != self.wb_next:
            tb.error(f"RX descriptor {slot} written back out of ring order ({self.wb_next})")
        self.wb_next = (slot + 1) % self.size
        self.done[slot] = True
        w = regs.unpack_writeback(bytes(self.wb[slot]))
        db = self.data_burst[slot]
        mon = tb.mon
        if db >= 0 and (db >= len(mon.b_cyc)):
            tb.error(f"RX descriptor {slot} written back before the B of its data burst {db}")
        if not self.expect:
            tb.error(f"RX descriptor {slot} written back with no frame pending")
            return
        data = self.expect.popleft()
        got = self.mem.peek(self.addr[slot], w.length)
        want = regs.pack_writeback(self.addr[slot], len(data), regs.csum16(data, 14),
                                   regs.DESC_DD | regs.DESC_EOP, 0)
        if bytes(self.wb[slot]) != want:
            tb.error(f"RX descriptor {slot} writeback {bytes(self.wb[slot]).hex()}, expected "
                     f"{want.hex()}")
        elif got != data:
            tb.error(f"RX frame {self.delivered} in descriptor {slot} differs from what the MAC "
                     f"sent ({len(data)} bytes)")
        self.delivered += 1
        self.delivered_bytes += len(data)

    def _desc_beat(self, b, lo, hi, resp):
        for slot in range((lo - self.base) >> 4, ((hi - 1 - self.base) >> 4) + 1):
            if not self.owned[slot]:
                self.tb.error(f"RX descriptor read [{lo:#x}, {hi:#x}) covers descriptor {slot}, "
                              f"which the device does not own")

    def _buf_beat(self, b, lo, hi, resp):
        self.tb.error(f"read [{lo:#x}, {hi:#x}) of an RX buffer (the RX block never reads them)")

    async def reap(self):
        tb = self.tb
        head = await self.rd(regs.HEAD)
        cyc = tb.mon.cyc
        while self.clean != head:
            s = self.clean
            if not self.done[s]:
                tb.error(f"RX HEAD passed descriptor {s}, which was never written back")
            elif self.wb_burst[s] >= len(tb.mon.b_cyc) or tb.mon.b_cyc[self.wb_burst[s]] > cyc:
                tb.error(f"RX HEAD passed descriptor {s} before its writeback's B")
            self.owned[s] = False
            self.clean = (self.clean + 1) % self.size
        await self.give()

    async def finish(self):
        """Every frame the MAC sent is delivered, in order and byte-exact (the bench paces
        the MAC so that the RX FIFO never fills: no frame may be dropped)."""
        tb = self.tb
        await tb.source.wait()
        for _ in range(600):
            await self.reap()
            if not self.expect:
                break
            await tb.cycles(64)
        st = {k: await self.rd(off) for k, off in regs.STAT_REGS.items()}
        drops = sum(st[k] for k in rx_contract.DROPS)
        if self.expect or drops:
            tb.error(f"RX: {self.sent} frames sent, {self.delivered} delivered, STAT drops "
                     f"{drops}")
        if st["frames"] != self.delivered:
            tb.error(f"RX STAT_FRAMES {st['frames']}, the bench saw {self.delivered} delivered")
        return st
