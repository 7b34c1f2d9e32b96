"""Reference model of nic_tx_dma (docs/CONTRACT.md §5), in Python, and the top nic_dma's
register decode; the MAC sink that checks what the device sends.

RefTx follows the functions of tx_contract.py. It sits behind the same two interfaces as the
RTL: an async register bus (read32 / write32) and host memory reached only through
device_read / device_write on bus addresses, as a *device*: every access goes through the
IOMMU and the ownership checker, and on non-coherent memory it reads DRAM, not the CPU's
cache, so a buffer the driver did not sync for the device shows up as stale bytes. It reads
exactly the bytes of each buffer (the RTL widens reads to whole beats and discards the rest:
tx_contract.read_span; the co-simulation's memory narrows them). Frames go to `mac` in ring
order, whole; then the descriptors are written back with DD, HEAD advances and TXDW is
moderated. With `gbps` the MAC takes each frame's wire time, so the ring fills and drains as
on a real link; without it the device sends the moment it can. `pause()` holds the MAC's
`tready` low.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, List, Optional, Tuple

from . import regs
from . import tx_contract as contract
from .errors import BusErrorResponse
from .traffic import make_frame, parse_frame, wire_ns

MASK32 = 0xFFFFFFFF


class RefTx:
    """nic_tx_dma in Python: registers, descriptor prefetch, store and forward, writeback,
    moderation, irq."""

    def __init__(self, mem, env, *, mac: Optional[Callable[[bytes], None]] = None,
                 data_w: int = 64, fifo_bytes: int = contract.FIFO_BYTES_MIN,
                 desc_queue: int = 32, desc_burst: int = 8, wb_burst: int = 8,
                 clk_ns: float = 4.0, gbps: Optional[float] = None,
                 on_irq: Optional[Callable[[], None]] = None) -> None:
        if fifo_bytes < contract.FIFO_BYTES_MIN:
            raise ValueError(f"fifo_bytes {fifo_bytes}: at least {contract.FIFO_BYTES_MIN}")
        self.mem = mem
        self.env = env
        self.mac = mac
        self.data_w = data_w
        self.fifo_bytes = fifo_bytes
        self.desc_queue = desc_queue
        self.desc_burst = desc_burst
        self.wb_burst = wb_burst
        self.clk_ns = clk_ns
        self.gbps = gbps
        self.on_irq = on_irq
        self.paused = False
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Synchronous reset: every RW register to its reset value, queue stopped."""
        self.ctrl = 0
        self.running = False
        self.halted = False
        self.err_code = 0
        self.ring_base = 0
        self.ring_size = 0
        self.head = 0
        self.tail = 0
        self.icr = 0
        self.ims = 0
        self.itr = 0
        self.stat = {name: 0 for name in regs.TX_STAT_REGS}
        self.stat_bytes = 0
        self._bytes_hi_latch = 0
        self.dq: Deque[Tuple[int, regs.TxDesc]] = deque()    # prefetched (index, descriptor)
        self.fetch = 0
        self._mod_count = 0
        self._deadline: Optional[float] = None
        self._timer_running = False
        self._worker = None
        self._in_flight = False          # a frame read and not yet written back
        self.irq = False
        self.frames_sent: List[int] = []     # lengths, in order (tests)

    @property
    def enabled(self) -> bool:
        return bool(self.ctrl & regs.CTRL_EN)

    @property
    def owned(self) -> int:
        """Descriptors the device owns: (TAIL - HEAD) mod RING_SIZE."""
        return contract.owned(self.head, self.tail, self.ring_size)

    def _count(self, name: str, n: int = 1) -> None:
        self.stat[name] = contract.wrap(self.stat[name] + n)

    # ------------------------------------------------------------------ register bus
    async def read32(self, off: int) -> int:
        """AXI-Lite read of a register."""
        return self.reg_read(off)

    async def write32(self, off: int, value: int) -> None:
        """AXI-Lite write of a register."""
        self.reg_write(off, value)

    def reg_read(self, off: int) -> int:
        """Register read, zero time; unknown offsets (the RX-only ones too) read 0."""
        if not contract.reg_known(off):
            return 0
        if off == regs.ID:
            return regs.TX_ID_VALUE
        if off == regs.VERSION:
            return regs.TX_VERSION_VALUE
        if off == regs.CTRL:
            return self.ctrl
        if off == regs.STATUS:
            return (int(self.running) | (int(self.halted) << 1)
                    | (self.err_code << regs.STATUS_ERR_SHIFT))
        if off == regs.RING_BASE_LO:
            return self.ring_base & 0xFFFFFFF0
        if off == regs.RING_BASE_HI:
            return self.ring_base >> 32
        if off == regs.RING_SIZE:
            return self.ring_size
        if off == regs.HEAD:
            return self.head
        if off == regs.TAIL:
            return self.tail
        if off == regs.ICR:
            return self.icr
        if off == regs.IMS:
            return self.ims
        if off == regs.ITR:
            return self.itr
        if off == regs.STAT_BYTES_LO:
            self._bytes_hi_latch = (self.stat_bytes >> 32) & MASK32
            return self.stat_bytes & MASK32
        if off == regs.STAT_BYTES_HI:
            return self._bytes_hi_latch
        if off == regs.FIFO_BYTES_REG:
            return self.fifo_bytes
        if off == regs.DATA_W_REG:
            return self.data_w
        for name, reg in regs.TX_STAT_REGS.items():
            if off == reg:
                return self.stat[name]
        return 0

    def reg_write(self, off: int, value: int) -> None:
        """Register write, zero time; the device reacts at once. Writes to RO registers and
        unknown offsets are ignored."""
        value &= MASK32
        en = self.enabled
        if off == regs.CTRL:
            self.ctrl = contract.reg_write_value(off, value)
            if en and not self.enabled:
                self._disable()
            elif not en and self.enabled:
                self._enable()
        elif off in (regs.RING_BASE_LO, regs.RING_BASE_HI, regs.RING_SIZE):
            if en:
                return                       # ignored while EN = 1
            if off == regs.RING_BASE_LO:
                self.ring_base = (self.ring_base & ~MASK32) | (value & 0xFFFFFFF0)
            elif off == regs.RING_BASE_HI:
                self.ring_base = (self.ring_base & MASK32) | (value << 32)
            else:
                self.ring_size = value
        elif off == regs.TAIL:
            if value < self.ring_size:
                self.tail = value
                self._kick()
        elif off == regs.ICR:
            clear = value & regs.TX_ICR_ALL
            self.icr &= ~clear
            if clear & regs.ICR_TXDW:
                self._mod_count = 0
                self._deadline = None
            self._update_irq()
        elif off == regs.IMS:
            self.ims = contract.reg_write_value(off, value)
            self._update_irq()
        elif off == regs.ITR:
            self.itr = value

    # ------------------------------------------------------------------ queue state machine
    def _enable(self) -> None:
        if not contract.ring_size_ok(self.ring_size):
            self.halted = True
            self.err_code = contract.ERR_BAD_CONFIG
            self._raise(regs.ICR_ERR)
            return
        self.head = self.tail = self.fetch = 0
        self.halted = False
        self.err_code = 0
        self.dq.clear()
        self.running = True

    def _disable(self) -> None:
        """EN 1->0: stop fetching; a frame being read is finished, sent and written back;
        then RUNNING drops."""
        self.dq.clear()
        if not self._in_flight:
            self.running = False

    def _halt(self, code: int) -> None:
        if not self.halted:
            self.err_code = code
        self.halted = True
        self.running = False
        self.dq.clear()
        self._raise(regs.ICR_ERR)

    # ------------------------------------------------------------------ interrupts
    def _raise(self, bits: int) -> None:
        self.icr |= bits
        self._update_irq()

    def _update_irq(self) -> None:
        level = contract.irq_level(self.icr, self.ims)
        rise = level and not self.irq
        self.irq = level
        if rise and self.on_irq is not None:
            self.on_irq()

    def _moderate(self, frames: int) -> None:
        self._mod_count += frames
        delay = contract.delay_clocks(self.itr)
        if contract.txdw_due(self._mod_count, self.itr):
            self._raise(regs.ICR_TXDW)
        elif delay:
            self._deadline = self.env.now_ns + delay * self.clk_ns
            if not self._timer_running:
                self._timer_running = True
                self.env.spawn(self._delay_timer(), name="reftx_itr")

    async def _delay_timer(self) -> None:
        while self._deadline is not None and self._deadline > self.env.now_ns:
            await self.env.sleep_ns(self._deadline - self.env.now_ns)
        self._timer_running = False
        if self._deadline is not None and self._mod_count > 0:
            self._deadline = None
            self._raise(regs.ICR_TXDW)

    # ------------------------------------------------------------------ the MAC side
    def pause(self, on: bool = True) -> None:
        """Hold the MAC's tready low (on) or release it: frames wait on chip meanwhile."""
        self.paused = on
        if not on:
            self._kick()

    # ------------------------------------------------------------------ descriptor fetch
    def _prefetch(self, need: int) -> bool:
        """Read owned descriptors from the fetch point until `need` are held (or TAIL); False
        after a read error (the queue halted)."""
        while self.running and self.enabled and len(self.dq) < max(need, 1) \
                and self.fetch != self.tail:
            avail = (self.tail - self.fetch) % self.ring_size
            addr = contract.desc_addr(self.ring_base, self.fetch)
            to_4k = (contract.BOUNDARY_4K - (addr % contract.BOUNDARY_4K)) // regs.DESC_SIZE
            n = min(avail, self.desc_queue - len(self.dq), self.ring_size - self.fetch,
                    self.desc_burst, to_4k)
            if n <= 0:
                return True
            try:
                raw = self.mem.device_read(addr, n * regs.DESC_SIZE)
            except BusErrorResponse:
                self._count("axi_err")
                self._halt(contract.ERR_DESC_READ)
                return False
            for i in range(n):
                self.dq.append((self.fetch + i,
                                regs.unpack_tx_desc(raw[i * 16:(i + 1) * 16])))
            self._count("desc_fetched", n)
            self.fetch = (self.fetch + n) % self.ring_size
        return True

    # ------------------------------------------------------------------ frames
    def _next_frame(self) -> Optional[Tuple[bytes, List[Tuple[int, regs.TxDesc]]]]:
        """Fetch and judge the next frame's descriptors and read its buffers: (frame, its
        descriptors), or None (waiting for descriptors, or halted)."""
        need = 1
        while True:
            if not self._prefetch(need):
                return None
            held = list(self.dq)
            chk = contract.check_frame(d for _, d in held)
            if chk is not None:
                break
            if len(held) < need or self.fetch == self.tail or not self.enabled:
                return None                  # no EOP among the owned descriptors yet
            need = len(held) + 1
        if chk.bad is not None:
            self._halt(contract.ERR_BAD_DESC)
            return None
        descs = [self.dq.popleft() for _ in range(chk.ndesc)]
        pieces = []
        try:
            for _, d in descs:
                a, left = d.buf_addr, d.length
                while left:
                    k = min(left, contract.BOUNDARY_4K - (a % contract.BOUNDARY_4K))
                    pieces.append(self.mem.device_read(a, k))
                    a += k
                    left -= k
        except BusErrorResponse:
            self._count("axi_err")
            self._halt(contract.ERR_DATA_READ)   # a frame with a failed read is never sent
            return None
        return contract.assemble(pieces), descs

    def _complete(self, frame: bytes, descs: List[Tuple[int, regs.TxDesc]]) -> None:
        """Send the frame whole, then write the descriptors back with DD in ring order, HEAD
        after each writeback, counters and moderation."""
        if self.mac is not None:
            self.mac(frame)
        self.frames_sent.append(len(frame))
        frames, nbytes = contract.count_sent(self.stat["frames"], self.stat_bytes, len(frame))
        self.stat["frames"], self.stat_bytes = frames, nbytes
        wbs = [(idx, contract.writeback(d)) for idx, d in descs]
        i = 0
        while i < len(wbs):
            idx0 = wbs[i][0]
            addr = contract.desc_addr(self.ring_base, idx0)
            j = i + 1
            while (j < len(wbs) and j - i < self.wb_burst and wbs[j][0] == idx0 + (j - i)
                   and (addr + (j - i) * 16) % contract.BOUNDARY_4K != 0):
                j += 1
            try:
                self.mem.device_write(addr, b"".join(w for _, w in wbs[i:j]))
            except BusErrorResponse:
                self._count("axi_err")
                self._halt(contract.ERR_WRITEBACK)
                return
            self.head = (self.head + (j - i)) % self.ring_size
            i = j
        self._moderate(1)

    def _kick(self) -> None:
        """Work became possible (TAIL moved, the MAC was released): send what can be sent."""
        if self._worker is not None or not self.running:
            return
        if self.gbps is None and not self.paused:
            while self.running and self.enabled:
                got = self._next_frame()
                if got is None:
                    break
                self._complete(*got)
            return
        self._worker = self.env.spawn(self._run(), name="reftx")

    async def _run(self) -> None:
        """The paced MAC: each frame takes its wire time; a paused MAC holds it on chip."""
        try:
            while self.running and self.enabled:
                got = self._next_frame()
                if got is None:
                    break
                self._in_flight = True
                frame, descs = got
                if self.gbps is not None:
                    await self.env.sleep_ns(wire_ns(len(frame), self.gbps))
                while self.paused:
                    await self.env.sleep_ns(self.clk_ns * 16)
                self._complete(frame, descs)
                self._in_flight = False
        finally:
            self._in_flight = False
            self._worker = None
            if not self.enabled:
                self.running = False


class NicDma:
    """The top nic_dma's register port: RX registers at 0x0000-0x0FFF, TX registers at
    regs.TX_BASE (0x1000-0x1FFF); irq = RX irq OR TX irq."""

    def __init__(self, rx, tx: RefTx) -> None:
        self.rx = rx
        self.tx = tx

    def _block(self, off: int):
        if off < regs.BLOCK_SPAN:
            return self.rx, off
        if regs.TX_BASE <= off < regs.TX_BASE + regs.BLOCK_SPAN:
            return self.tx, off - regs.TX_BASE
        return None, off

    async def read32(self, off: int) -> int:
        """AXI-Lite read: decoded to the block; outside both blocks 0."""
        blk, rel = self._block(off)
        return 0 if blk is None else blk.reg_read(rel)

    async def write32(self, off: int, value: int) -> None:
        """AXI-Lite write: decoded to the block; outside both blocks ignored."""
        blk, rel = self._block(off)
        if blk is not None:
            blk.reg_write(rel, value)

    @property
    def irq(self) -> bool:
        return bool(self.rx.irq or self.tx.irq)


# ------------------------------------------------------------------ the MAC sink

def swap_macs(frame: bytes) -> bytes:
    """The frame with its Ethernet destination and source addresses swapped (XDP=tx)."""
    return frame[6:12] + frame[0:6] + frame[12:]


@dataclass
class MacSink:
    """The scoreboard on `m_axis_tx`: every frame is a self-describing frame of
    pymodel.traffic (seed `seed`), after `transform` (swap_macs for XDP=tx, identity for
    TX=stack); it must come out once, in order (sequence numbers only increase), byte-exact.
    Call it with each frame the MAC sends."""

    seed: int = 0
    swapped: bool = False
    received: int = 0
    bytes: int = 0
    mismatches: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    first_mismatch: Optional[str] = None
    seqs: List[int] = field(default_factory=list, repr=False)
    _seen: set = field(default_factory=set, repr=False)
    _last: int = field(default=-1, repr=False)

    def __call__(self, frame: bytes) -> None:
        self.receive(frame)

    def receive(self, frame: bytes) -> bool:
        """Check one frame from the MAC; True when it is the one expected."""
        self.received += 1
        self.bytes += len(frame)
        seq, length = parse_frame(frame)
        ok = seq >= 0 and length == len(frame)
        if ok:
            want = make_frame(seq, length, self.seed)
            ok = frame == (swap_macs(want) if self.swapped else want)
        if not ok:
            self.mismatches += 1
            if self.first_mismatch is None:
                self.first_mismatch = (f"frame {self.received - 1} (seq {seq}, {len(frame)} "
                                       f"bytes) differs from what was meant for TX")
            return False
        if seq in self._seen:
            self.duplicates += 1
        if seq <= self._last:
            self.out_of_order += 1
        self._seen.add(seq)
        self._last = max(self._last, seq)
        self.seqs.append(seq)
        return True
