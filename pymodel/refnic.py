"""Reference model of nic_rx_dma (SPEC §2 plus docs/DESIGN.md), in zero-time Python.

It sits behind the same two interfaces as the RTL: an async register bus (read32 / write32)
and host memory reached only through device_read / device_write on bus addresses. Frames come
from `mac_rx()`. Work is done the moment it becomes possible (a frame arrives, TAIL moves, the
queue is enabled), so the device is never the bottleneck; only the interrupt DELAY timer uses
simulated time.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional

from . import regs
from .errors import BusErrorResponse

MASK32 = 0xFFFFFFFF
ADDR_TOP = 1 << 64


@dataclass
class _Frame:
    data: bytes
    mac_err: bool
    csum: int
    words: int
    waited: bool = False


class RefNic:
    """nic_rx_dma in Python: registers, prefetch queue, frame FIFO, writeback, moderation, irq."""

    def __init__(self, mem, env, *, data_w: int = 64, fifo_bytes: int = 32768,
                 meta_depth: int = 512, desc_queue: int = 64, desc_burst: int = 16,
                 wb_burst: int = 8, clk_ns: float = 4.0,
                 on_irq: Optional[Callable[[], None]] = None) -> None:
        self.mem = mem
        self.env = env
        self.data_w = data_w
        self.word = data_w // 8
        self.fifo_bytes = fifo_bytes
        self.meta_depth = meta_depth
        self.desc_queue = desc_queue
        self.desc_burst = desc_burst
        self.wb_burst = wb_burst
        self.clk_ns = clk_ns
        self.on_irq = on_irq
        self.irq = False
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
        self.rdmt = 0
        self.max_frame = regs.MAX_FRAME_RESET
        self.csum_start = regs.CSUM_START_RESET
        self.stat = {name: 0 for name in regs.STAT_REGS}
        self.stat_bytes = 0
        self._bytes_hi_latch = 0
        self.fifo: Deque[_Frame] = deque()
        self.fifo_used = 0
        self.dq: Deque[tuple] = deque()      # prefetched (index, buf_addr, buf_len)
        self.fetch = 0
        self._mod_count = 0
        self._deadline: Optional[float] = None
        self._timer_running = False
        self.irq = False
        self.cause_sets = {bit: 0 for bit in (regs.ICR_RXDW, regs.ICR_RXDMT, regs.ICR_RXO,
                                              regs.ICR_ERR)}

    @property
    def owned(self) -> int:
        """Descriptors the device owns: (TAIL - HEAD) mod RING_SIZE."""
        return (self.tail - self.head) % self.ring_size if self.ring_size else 0

    def _count(self, name: str, n: int = 1) -> None:
        self.stat[name] = (self.stat[name] + n) & MASK32

    # ------------------------------------------------------------------ register bus
    async def read32(self, off: int) -> int:
        """AXI-Lite read of a register."""
        return self.reg_read(off)

    async def write32(self, off: int, value: int) -> None:
        """AXI-Lite write of a register."""
        self.reg_write(off, value)

    def reg_read(self, off: int) -> int:
        """Register read, zero time."""
        if off == regs.ID:
            return regs.ID_VALUE
        if off == regs.VERSION:
            return regs.VERSION_VALUE
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
        if off == regs.RDMT:
            return self.rdmt
        if off == regs.STAT_BYTES_LO:
            self._bytes_hi_latch = (self.stat_bytes >> 32) & MASK32
            return self.stat_bytes & MASK32
        if off == regs.STAT_BYTES_HI:
            return self._bytes_hi_latch
        for name, reg in regs.STAT_REGS.items():
            if off == reg:
                return self.stat[name]
        if off == regs.MAX_FRAME:
            return self.max_frame
        if off == regs.CSUM_START:
            return self.csum_start
        if off == regs.FIFO_BYTES_REG:
            return self.fifo_bytes
        if off == regs.DATA_W_REG:
            return self.data_w
        return 0

    def reg_write(self, off: int, value: int) -> None:
        """Register write, zero time; the device reacts at once."""
        value &= MASK32
        en = self.ctrl & regs.CTRL_EN
        if off == regs.CTRL:
            self.ctrl = value & 0x7
            if en and not value & regs.CTRL_EN:
                self._disable()
            elif not en and value & regs.CTRL_EN:
                self._enable()
        elif off == regs.RING_BASE_LO and not en:
            self.ring_base = (self.ring_base & ~MASK32) | (value & 0xFFFFFFF0)
        elif off == regs.RING_BASE_HI and not en:
            self.ring_base = (self.ring_base & MASK32) | (value << 32)
        elif off == regs.RING_SIZE and not en:
            self.ring_size = value
        elif off == regs.TAIL:
            if value < self.ring_size:
                self.tail = value
                self._kick()
        elif off == regs.ICR:
            clear = value & regs.ICR_ALL
            self.icr &= ~clear
            if clear & regs.ICR_RXDW:
                self._mod_count = 0
                self._deadline = None
            self._update_irq()
        elif off == regs.IMS:
            self.ims = value & regs.ICR_ALL
            self._update_irq()
        elif off == regs.ITR:
            self.itr = value
        elif off == regs.RDMT:
            self.rdmt = value
        elif off == regs.MAX_FRAME:
            self.max_frame = value & 0xFFFF
        elif off == regs.CSUM_START:
            self.csum_start = value & 0xFFFF

    # ------------------------------------------------------------------ queue state machine
    def _enable(self) -> None:
        size = self.ring_size
        if not (regs.RING_SIZE_MIN <= size <= regs.RING_SIZE_MAX and size & (size - 1) == 0):
            self.halted = True
            self.err_code = regs.ERR_BAD_CONFIG
            self._raise(regs.ICR_ERR)
            return
        self.head = self.tail = self.fetch = 0
        self.halted = False
        self.err_code = 0
        self.dq.clear()
        self.running = True
        self._kick()

    def _disable(self) -> None:
        self.running = False
        self.dq.clear()
        self._flush_fifo()

    def _halt(self, code: int) -> None:
        if not self.halted:
            self.err_code = code
        self.halted = True
        self.running = False
        self.dq.clear()
        self._raise(regs.ICR_ERR)
        self._flush_fifo()

    def _flush_fifo(self) -> None:
        while self.fifo:
            fr = self.fifo.popleft()
            self.fifo_used -= fr.words
            self._drop_fifo()

    def _drop_fifo(self) -> None:
        self._count("drop_fifo")
        self._raise(regs.ICR_RXO)

    # ------------------------------------------------------------------ interrupts
    def _raise(self, bits: int) -> None:
        for bit in self.cause_sets:
            if bits & bit and not self.icr & bit:
                self.cause_sets[bit] += 1            # the cause went from clear to set
        self.icr |= bits
        self._update_irq()

    def _update_irq(self) -> None:
        level = bool(self.icr & self.ims)
        rise = level and not self.irq
        self.irq = level
        if rise and self.on_irq is not None:
            self.on_irq()

    def _moderate(self, frames: int) -> None:
        self._mod_count += frames
        thresh = max(self.itr & 0xFFFF, 1)
        delay = (self.itr >> 16) & 0xFFFF
        if self._mod_count >= thresh:
            self._raise(regs.ICR_RXDW)
        elif delay:
            self._deadline = self.env.now_ns + delay * 16 * self.clk_ns
            if not self._timer_running:
                self._timer_running = True
                self.env.spawn(self._delay_timer(), name="refnic_itr")

    async def _delay_timer(self) -> None:
        while self._deadline is not None and self._deadline > self.env.now_ns:
            await self.env.sleep_ns(self._deadline - self.env.now_ns)
        self._timer_running = False
        if self._deadline is not None and self._mod_count > 0:
            self._deadline = None
            self._raise(regs.ICR_RXDW)

    # ------------------------------------------------------------------ MAC ingress
    def mac_rx(self, data: bytes, tuser: bool = False, malformed: bool = False) -> str:
        """One frame from the MAC (tuser on tlast; malformed = bad tkeep); returns its fate."""
        if not self.running:
            self._drop_fifo()
            return "drop_fifo"
        if malformed or len(data) == 0:
            self._count("drop_err")
            return "drop_err"
        if len(data) > self.max_frame:
            self._count("drop_oversize")
            return "drop_oversize"
        words = -(-len(data) // self.word) * self.word
        if self.fifo_used + words > self.fifo_bytes or len(self.fifo) >= self.meta_depth:
            self._drop_fifo()
            return "drop_fifo"
        if tuser and self.ctrl & regs.CTRL_DROP_BAD:
            self._count("drop_err")
            return "drop_err"
        self.fifo.append(_Frame(bytes(data), tuser, regs.csum16(data, self.csum_start), words))
        self.fifo_used += words
        self._kick()
        return "stored"

    # ------------------------------------------------------------------ descriptor fetch
    def _prefetch(self) -> None:
        while self.running and len(self.dq) < self.desc_queue and self.fetch != self.tail:
            avail = (self.tail - self.fetch) % self.ring_size
            addr = self.ring_base + self.fetch * regs.DESC_SIZE
            to_4k = (0x1000 - (addr & 0xFFF)) // regs.DESC_SIZE
            n = min(avail, self.desc_queue - len(self.dq), self.ring_size - self.fetch,
                    self.desc_burst, to_4k)
            try:
                raw = self.mem.device_read(addr, n * regs.DESC_SIZE)
            except BusErrorResponse:
                self._count("axi_err")
                self._halt(regs.ERR_DESC_READ)
                return
            for i in range(n):
                buf_addr, buf_len = regs.unpack_read_desc(raw[i * 16:(i + 1) * 16])
                self.dq.append((self.fetch + i, buf_addr, buf_len))
            self._count("desc_fetched", n)
            self.fetch = (self.fetch + n) % self.ring_size

    # ------------------------------------------------------------------ frame delivery
    def _kick(self) -> None:
        while self.running:
            self._prefetch()
            if not self.running or not self.fifo:
                return
            fr = self.fifo[0]
            need, have = 0, 0
            for _, buf_addr, buf_len in self.dq:
                if buf_len == 0 or buf_addr + buf_len > ADDR_TOP:
                    self._halt(regs.ERR_BAD_DESC)
                    return
                need += 1
                have += buf_len
                if have >= len(fr.data):
                    break
            if have < len(fr.data):
                if len(self.dq) >= self.desc_queue:
                    self.fifo.popleft()
                    self.fifo_used -= fr.words
                    self._count("drop_nodesc")
                    self._raise(regs.ICR_RXO)
                    continue
                if self.fetch == self.tail:
                    if self.ctrl & regs.CTRL_DROP_NODESC:
                        self.fifo.popleft()
                        self.fifo_used -= fr.words
                        self._count("drop_nodesc")
                        self._raise(regs.ICR_RXO)
                        continue
                    if not fr.waited:
                        fr.waited = True
                        self._count("nodesc_wait")
                return
            self.fifo.popleft()
            self.fifo_used -= fr.words
            descs = [self.dq.popleft() for _ in range(need)]
            self._deliver(fr, descs)

    def _deliver(self, fr: _Frame, descs: List[tuple]) -> None:
        data = fr.data
        pos = 0
        lens = []
        try:
            for _, buf_addr, buf_len in descs:
                n = min(buf_len, len(data) - pos)
                a = buf_addr
                end = pos + n
                while pos < end:
                    k = min(end - pos, 0x1000 - (a & 0xFFF))
                    self.mem.device_write(a, data[pos:pos + k])
                    a += k
                    pos += k
                lens.append(n)
        except BusErrorResponse:
            self._count("axi_err")
            self._count("drop_fifo")
            self._halt(regs.ERR_DATA_WRITE)
            return
        wbs = []
        last = len(descs) - 1
        for i, (idx, buf_addr, _) in enumerate(descs):
            eop = i == last
            wbs.append((idx, regs.pack_writeback(
                buf_addr, lens[i], fr.csum if eop else 0,
                regs.DESC_DD | (regs.DESC_EOP if eop else 0),
                regs.DESC_ERR_MAC if (eop and fr.mac_err) else 0)))
        i = 0
        while i < len(wbs):
            idx0 = wbs[i][0]
            addr = self.ring_base + idx0 * regs.DESC_SIZE
            j = i + 1
            while (j < len(wbs) and j - i < self.wb_burst and wbs[j][0] == idx0 + (j - i)
                   and ((addr + (j - i) * 16) & 0xFFF) != 0):
                j += 1
            try:
                self.mem.device_write(addr, b"".join(w for _, w in wbs[i:j]))
            except BusErrorResponse:
                self._count("axi_err")
                self._count("drop_fifo")
                self._halt(regs.ERR_WRITEBACK)
                return
            self.head = (self.head + (j - i)) % self.ring_size
            i = j
        self._count("frames")
        self.stat_bytes = (self.stat_bytes + len(data)) & ((1 << 64) - 1)
        self._moderate(1)
        if self.owned < self.rdmt:
            self._raise(regs.ICR_RXDMT)
