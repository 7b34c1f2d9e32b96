"""Host memory for the AXI slave model: a bytearray pre-filled with 0xA5, with hooks.

`BusMemory` is the `target` of cocotbext-axi's `AxiSlave`: the slave calls `read` once per
R beat (the whole bus word, whatever `arsize`) and `write` once per run of strobed bytes of a
W beat. Hooks see every access; a hook that raises makes the access fail, which the slave
answers with SLVERR (and the bytes are not written). `ReadBeats` tells a target or a hook
which bytes of the word the current R beat carries.
"""

from collections import deque

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import RisingEdge

FILL = 0xA5


class ReadBeats:
    """The bytes each R beat of an AxiSlave carries, for a target that checks who reads what.

    cocotbext-axi's AxiSlaveRead calls its target's read(address, length) once per R beat with
    the whole aligned bus word (address and length = the bus width), whatever `arsize`: the
    burst is not passed. The slave serves the AR bursts in the order of their handshakes, one
    at a time, and reads each beat once. So a watcher on the slave's AR bus (its `bus.ar`)
    queues every burst (araddr, arsize, arlen) at its handshake, and `next_beat()` counts the
    beats of the current burst and moves to the next queued burst when it is used up, giving
    the byte range [lo, hi) of the beat being read: the burst's first beat from araddr to the
    next 2**arsize boundary, every later beat 2**arsize bytes further (INCR).

    The watcher samples at the rising clock edge, as the slave's AR channel does, and is woken
    in that edge's batch of callbacks; the slave's read process is woken later, by its AR
    channel's queue, so a burst is always queued before the slave reads its first beat. It
    sleeps while ARVALID is low. Create ReadBeats before the first AR (after reset at the
    latest); a reset (active high) drops the bursts queued, as the slave does.
    """

    def __init__(self, read_if) -> None:
        self.lanes = read_if.byte_lanes
        self.addr = 0
        self.size = self.lanes
        self.beats = 0
        self.beat = 0
        self.bursts = deque()     # (araddr, 2**arsize, arlen + 1) of bursts not begun
        cocotb.start_soon(self._watch(read_if.bus.ar, read_if.clock))
        if read_if.reset is not None:
            cocotb.start_soon(self._on_reset(read_if.reset))

    async def _watch(self, ar, clock) -> None:
        valid, ready = ar.arvalid, ar.arready
        addr, size, length = ar.araddr, ar.arsize, ar.arlen
        rise = RisingEdge(valid)
        clk = RisingEdge(clock)
        while True:
            await rise
            t = get_sim_time()
            await clk
            if get_sim_time() == t:
                await clk
            while str(valid.value) == "1":
                if str(ready.value) == "1":
                    self.bursts.append((int(addr.value), 1 << int(size.value),
                                        int(length.value) + 1))
                await clk

    async def _on_reset(self, rst) -> None:
        while True:
            await RisingEdge(rst)
            self.bursts.clear()
            self.beats = self.beat = 0

    def begin(self, addr: int, size: int, beats: int) -> None:
        """An AR burst: araddr, bytes per beat (2**arsize), beats (arlen + 1)."""
        self.addr, self.size, self.beats, self.beat = addr, size, beats, 0

    def next_beat(self) -> tuple:
        """[lo, hi) of the next beat of the current burst."""
        if self.beat >= self.beats and self.bursts:
            self.begin(*self.bursts.popleft())
        aligned = self.addr - self.addr % self.size
        lo = aligned + self.beat * self.size
        hi = lo + self.size
        if self.beat == 0:
            lo = self.addr
        self.beat += 1
        return lo, hi


class MemFault(Exception):
    """Raised by a hook to make the slave answer SLVERR."""


class BusMemory:
    """Contiguous host memory at [base, base + size), byte-addressed, little-endian."""

    def __init__(self, base: int, size: int, fill: int = FILL):
        self.base = base
        self.size = size
        self.end = base + size
        self.fill = fill
        self.mem = bytearray([fill]) * size
        self.on_read = []    # callables(addr, length); may raise MemFault
        self.on_write = []   # callables(addr, data); may raise MemFault
        self._next = base
        self.writes = 0
        self.bytes_written = 0

    # --- bump allocator for the bench (ring, buffers) ---------------------------------
    def alloc(self, size: int, align: int = 64, gap: int = 64) -> int:
        """Reserve `size` bytes aligned to `align`, at least `gap` bytes after the last one."""
        addr = self._next + gap
        addr = (addr + align - 1) // align * align
        if addr + size > self.end:
            raise MemoryError(f"host memory exhausted: need {size} bytes at {addr:#x}")
        self._next = addr + size
        return addr

    def alloc_at_offset(self, size: int, offset_in_4k: int, gap: int = 64) -> int:
        """Reserve `size` bytes starting at `offset_in_4k` within a 4 KB page."""
        addr = self._next + gap
        page = addr & ~0xFFF
        addr = page + offset_in_4k
        if addr < self._next + gap:
            addr += 0x1000
        if addr + size > self.end:
            raise MemoryError("host memory exhausted")
        self._next = addr + size
        return addr

    # --- direct (bench/driver) access, no bus -----------------------------------------
    def peek(self, addr: int, length: int) -> bytes:
        o = addr - self.base
        return bytes(self.mem[o:o + length])

    def poke(self, addr: int, data: bytes) -> None:
        o = addr - self.base
        self.mem[o:o + len(data)] = data

    def refill(self, addr: int, length: int) -> None:
        o = addr - self.base
        self.mem[o:o + length] = bytes([self.fill]) * length

    def untouched(self, addr: int, length: int) -> bool:
        o = addr - self.base
        return self.mem.count(self.fill, o, o + length) == length

    def first_touched(self, addr: int, length: int):
        """Address of the first byte in the range that is not the fill pattern, or None."""
        o = addr - self.base
        seg = self.mem[o:o + length]
        for i, b in enumerate(seg):
            if b != self.fill:
                return addr + i
        return None

    # --- AxiSlave target interface ----------------------------------------------------
    async def read(self, address: int, length: int, **kwargs) -> bytes:
        for hook in self.on_read:
            hook(address, length)
        o = address - self.base
        if o < 0 or address + length > self.end:
            raise MemFault(f"read outside host memory at {address:#x}")
        return bytes(self.mem[o:o + length])

    async def write(self, address: int, data: bytes, **kwargs) -> None:
        for hook in self.on_write:
            hook(address, data)
        o = address - self.base
        if o < 0 or address + len(data) > self.end:
            raise MemFault(f"write outside host memory at {address:#x}")
        self.mem[o:o + len(data)] = data
        self.writes += 1
        self.bytes_written += len(data)
