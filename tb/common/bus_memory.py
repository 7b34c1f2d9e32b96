"""Host memory for the AXI slave model: a bytearray pre-filled with 0xA5, with hooks.

`BusMemory` is the `target` of cocotbext-axi's `AxiSlave`: the slave calls `read` once per
R beat (the whole bus word, whatever `arsize`) and `write` once per run of strobed bytes of a
W beat. Hooks see every access; a hook that raises makes the access fail, which the slave
answers with SLVERR (and the bytes are not written). `ReadBeats` tells a target or a hook
which bytes of the word the current R beat carries.
"""

FILL = 0xA5


class ReadBeats:
    """The bytes each R beat of an AxiSlave carries, for a target that checks who reads what.

    cocotbext-axi's AxiSlaveRead calls its target's read(address, length) once per R beat with
    the whole aligned bus word (address and length = the bus width), whatever `arsize`: the
    burst is not passed. The slave serves one AR burst at a time, taking each off its AR
    channel, so a hook there records the burst (araddr, arsize, arlen) and `next_beat()` gives
    the byte range [lo, hi) of the beat being read: the burst's first beat from araddr to the
    next 2**arsize boundary, every later beat 2**arsize bytes further (INCR). The hook is the
    channel's `_recv`, where tb/faults.py and tb/axi_monitor.py hook the slave too: it runs for
    every burst the slave takes, even through a `recv()` that was already waiting when the hook
    went in.
    """

    def __init__(self, read_if) -> None:
        self.lanes = read_if.byte_lanes
        self.addr = 0
        self.size = self.lanes
        self.beats = 0
        self.beat = 0
        ch = read_if.ar_channel
        take = ch._recv

        def take_and_note(ar):
            size = int(getattr(ar, "arsize", self.lanes.bit_length() - 1))
            self.begin(int(ar.araddr), 1 << size, int(getattr(ar, "arlen", 0)) + 1)
            return take(ar)
        ch._recv = take_and_note

    def begin(self, addr: int, size: int, beats: int) -> None:
        """An AR burst: araddr, bytes per beat (2**arsize), beats (arlen + 1)."""
        self.addr, self.size, self.beats, self.beat = addr, size, beats, 0

    def next_beat(self) -> tuple:
        """[lo, hi) of the next beat of the current burst."""
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
