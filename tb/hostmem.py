"""Host memory for the AXI slave model: a bytearray pre-filled with 0xA5, with hooks.

`HostMemory` is the `target` of cocotbext-axi's `AxiSlave`: the slave calls `read` once per
R beat (the whole bus word, whatever `arsize`) and `write` once per run of strobed bytes of a
W beat. Hooks see every access; a hook that raises makes the access fail, which the slave
answers with SLVERR (and the bytes are not written).
"""

FILL = 0xA5


class MemFault(Exception):
    """Raised by a hook to make the slave answer SLVERR."""


class HostMemory:
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
