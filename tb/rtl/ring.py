"""The bench's descriptor ring and buffers: a simple driver that owns host memory.

`Ring` writes descriptors straight into host memory (no bus), hands them to the device with
TAIL writes, reclaims them after HEAD passes them and feeds each writeback to the scoreboard.
It knows at every moment which descriptors and buffers the device owns, and its memory hook
flags every device write outside them (confinement), every write into a buffer after its
descriptor's writeback, and a descriptor written back twice. It records, per descriptor, the
AXI write bursts that carried its data and its writeback, for the ordering checks.
"""

import bisect

from pymodel import regs


class Slot:
    __slots__ = ("addr", "blen", "data_burst", "wb_burst", "area")

    def __init__(self):
        self.addr = None
        self.blen = 0
        self.data_burst = -1
        self.wb_burst = -1
        self.area = None   # (addr, size) this slot's buffers are drawn from


class Ring:
    def __init__(self, tb, size, base=None, buf_alloc=None):
        self.tb = tb
        self.mem = tb.mem
        self.size = size
        self.base = base if base is not None else self.mem.alloc(16 * size, align=4096)
        self.end = self.base + 16 * size
        self.owned = bytearray(size)
        self.slots = [Slot() for _ in range(size)]
        self._starts = []
        self._owner = {}
        self.tail = 0          # next slot the driver hands over (mirror of TAIL)
        self.clean = 0         # next slot the driver reclaims (device HEAD as last read)
        self.buf_alloc = buf_alloc
        self.reaped = 0
        self.mem.on_write.append(self._on_write)
        tb.ring = self

    # ---------------------------------------------------------------- ownership
    def outstanding(self):
        return (self.tail - self.clean) % self.size

    def free_slots(self):
        return self.size - 1 - self.outstanding()

    def arm(self, slot, addr, blen):
        """Write a read-format descriptor for `slot` and pre-fill its buffer with the pattern."""
        s = self.slots[slot]
        if self.owned[slot]:
            raise RuntimeError(f"bench bug: arming descriptor {slot} the device owns")
        if s.addr is not None and self._owner.get(s.addr) == slot:
            self._unmap(slot)
        s.addr, s.blen = addr, blen
        s.data_burst = -1
        s.wb_burst = -1
        self.mem.poke(self.base + 16 * slot, regs.pack_read_desc(addr, blen))
        if blen:
            self.mem.refill(addr, blen)
        i = bisect.bisect_left(self._starts, addr)
        if i < len(self._starts) and self._starts[i] == addr:
            raise RuntimeError(f"bench bug: two buffers at {addr:#x}")
        self._starts.insert(i, addr)
        self._owner[addr] = slot

    def _unmap(self, slot):
        a = self.slots[slot].addr
        i = bisect.bisect_left(self._starts, a)
        del self._starts[i]
        del self._owner[a]

    async def write_tail(self, tail):
        await self.tb.write(regs.TAIL, tail)

    async def give(self, n=None, write=True):
        """Arm up to `n` more descriptors (all free ones by default) and advance TAIL."""
        free = self.free_slots()
        n = free if n is None else min(n, free)
        for _ in range(n):
            slot = self.tail
            addr, blen = self.buf_alloc(slot)
            self.arm(slot, addr, blen)
            self.owned[slot] = 1
            self.tail = (self.tail + 1) % self.size
        if write and n:
            await self.write_tail(self.tail)
        return n

    def give_armed(self, slots):
        """Mark already armed slots as owned (the caller writes TAIL)."""
        for slot in slots:
            self.owned[slot] = 1

    async def reap(self, sb):
        """Read HEAD and feed every descriptor the device completed to the scoreboard."""
        head = await self.tb.read(regs.HEAD)
        cyc = self.tb.mon.cyc
        out = self.outstanding()
        done = (head - self.clean) % self.size
        if head >= self.size or done > out:
            self.tb.error(f"HEAD={head} outside the owned range [{self.clean}, {self.tail}) "
                          f"(RING_SIZE {self.size})")
            return 0
        mon = self.tb.mon
        for _ in range(done):
            slot = self.clean
            s = self.slots[slot]
            w = s.wb_burst
            if w < 0:
                self.tb.error(f"HEAD passed descriptor {slot}, which was never written back")
            elif w >= len(mon.b_cyc) or mon.b_cyc[w] > cyc:
                self.tb.error(f"HEAD passed descriptor {slot} before the B response of its "
                              f"writeback burst {w}")
            wb = self.mem.peek(self.base + 16 * slot, 16)
            sb.completion(slot, s, wb)
            self.owned[slot] = 0
            self._unmap(slot)
            # the driver recycles the buffer: back to the pattern so later scans see strays
            if s.blen:
                self.mem.refill(s.addr, s.blen)
            self.clean = (self.clean + 1) % self.size
            self.reaped += 1
        return done

    def scan_dd(self):
        """Descriptors with DD in memory beyond HEAD (allowed before HEAD moves)."""
        return [(self.clean + i) % self.size for i in range(self.outstanding())
                if self.mem.peek(self.base + 16 * ((self.clean + i) % self.size) + 12, 1)[0] & 1]

    def reclaim_all(self):
        """After a disable or halt: the driver takes [HEAD, TAIL) back without reading it."""
        for slot in range(self.size):
            s = self.slots[slot]
            self.owned[slot] = 0
            if s.addr is not None and self._owner.get(s.addr) == slot:
                self._unmap(slot)
                if s.blen:
                    self.mem.refill(s.addr, s.blen)
            s.addr = None
        self.mem.refill(self.base, 16 * self.size)
        self.clean = self.tail = 0

    # ---------------------------------------------------------------- memory hook
    def _on_write(self, addr, data):
        end = addr + len(data)
        burst = self.tb.mon.slave_aw - 1
        if self.base <= addr < self.end:
            if end > self.end:
                self.tb.error(f"write [{addr:#x}, {end:#x}) runs past the ring's end")
            s0 = (addr - self.base) >> 4
            s1 = (min(end, self.end) - 1 - self.base) >> 4
            for sl in range(s0, s1 + 1):
                s = self.slots[sl]
                if not self.owned[sl]:
                    self.tb.error(f"writeback into descriptor {sl}, which the device does not own "
                                  f"(write [{addr:#x}, {end:#x}))")
                elif s.wb_burst < 0:
                    s.wb_burst = burst
                elif s.wb_burst != burst:
                    self.tb.error(f"descriptor {sl} written back twice (bursts {s.wb_burst}, {burst})")
            return
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            st = self._starts[i]
            sl = self._owner[st]
            s = self.slots[sl]
            if end <= st + s.blen:
                if not self.owned[sl]:
                    self.tb.error(f"write [{addr:#x}, {end:#x}) into the buffer of descriptor {sl}, "
                                  f"which the device does not own")
                elif s.wb_burst >= 0:
                    self.tb.error(f"write [{addr:#x}, {end:#x}) into the buffer of descriptor {sl} "
                                  f"after its writeback")
                if burst > s.data_burst:
                    s.data_burst = burst
                return
        self.tb.error(f"write [{addr:#x}, {end:#x}) outside every buffer and descriptor the "
                      f"device owns")

    def buffer_map(self):
        """Sorted list of (start, end) of every armed buffer plus the ring."""
        iv = [(a, a + self.slots[self._owner[a]].blen) for a in self._starts]
        iv.append((self.base, self.end))
        return sorted(iv)


class AreaAllocator:
    """Per-slot buffer areas; each arm draws a random offset and length inside the slot's area."""

    def __init__(self, tb, ring_size, rng, min_len, max_len, max_off=None, gap=None):
        self.rng = rng
        self.min_len, self.max_len = min_len, max_len
        self.max_off = tb.nbytes * 2 if max_off is None else max_off
        gap = 16 if gap is None else gap
        self.area = self.max_off + max_len + gap
        self.base = tb.mem.alloc(self.area * ring_size, align=64)
        self.size = ring_size

    def __call__(self, slot):
        off = self.rng.randrange(self.max_off + 1)
        blen = self.rng.randint(self.min_len, self.max_len)
        return self.base + slot * self.area + off, blen
