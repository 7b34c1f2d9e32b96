"""Reference model of nic_rx_dma (docs/CONTRACT.md §2 plus docs/DESIGN.md), in zero-time Python.

The rules it follows (ingress, placement, writeback, counters, interrupts) are the functions
of rx_contract.py; its sizes default to the build parameters' defaults (params.py). It sits
behind the same two interfaces as the RTL: an async register bus (read32 / write32) and host
memory reached only through device_read / device_write on bus addresses. Frames come from
`mac_rx()`. Work is done the moment it becomes possible (a frame arrives, TAIL moves, the
queue is enabled), so the device is never the bottleneck; only the interrupt DELAY timer uses
simulated time.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional

from . import params, regs
from . import rx_contract as contract
from .errors import BusErrorResponse

MASK32 = 0xFFFFFFFF


@dataclass
class _Frame:
    data: bytes
    mac_err: bool
    csum: int
    room: int                   # FIFO bytes it takes
    waited: bool = False


class RefNic:
    """nic_rx_dma in Python: registers, prefetch queue, frame FIFO, writeback, moderation, irq.

    A size left None takes the build parameter's default from hdl/nic_rx_dma.v."""

    def __init__(self, mem, env, *, data_w: Optional[int] = None,
                 fifo_bytes: Optional[int] = None, meta_depth: Optional[int] = None,
                 desc_queue: Optional[int] = None, desc_burst: Optional[int] = None,
                 wb_burst: Optional[int] = None, clk_ns: float = 4.0,
                 on_irq: Optional[Callable[[], None]] = None) -> None:
        d = params.defaults()
        self.mem = mem
        self.env = env
        self.data_w = d["DATA_W"] if data_w is None else data_w
        self.word = self.data_w // 8
        self.fifo_bytes = d["FIFO_BYTES"] if fifo_bytes is None else fifo_bytes
        self.meta_depth = d["META_DEPTH"] if meta_depth is None else meta_depth
        self.desc_queue = d["DESC_QUEUE"] if desc_queue is None else desc_queue
        self.desc_burst = d["DESC_BURST"] if desc_burst is None else desc_burst
        self.wb_burst = d["WB_BURST"] if wb_burst is None else wb_burst
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
        if not contract.ring_size_ok(self.ring_size):
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
            self.fifo_used -= fr.room
            self._drop(contract.DROP_FIFO)

    def _drop(self, outcome: str) -> None:
        """Count a dropped frame; the FIFO and descriptor drops raise RXO."""
        self._count(outcome)
        if outcome in contract.RXO_DROPS:
            self._raise(regs.ICR_RXO)

    # ------------------------------------------------------------------ interrupts
    def _raise(self, bits: int) -> None:
        for bit in self.cause_sets:
            if bits & bit and not self.icr & bit:
                self.cause_sets[bit] += 1            # the cause went from clear to set
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
        if contract.rxdw_due(self._mod_count, self.itr):
            self._raise(regs.ICR_RXDW)
        elif delay:
            self._deadline = self.env.now_ns + delay * self.clk_ns
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
        """One frame from the MAC (tuser on tlast; malformed = bad tkeep); returns its fate:
        "stored" or the drop counter's name."""
        fits = contract.fifo_admits(len(data), used=self.fifo_used, frames=len(self.fifo),
                                    nbytes=self.word, fifo_bytes=self.fifo_bytes,
                                    meta_depth=self.meta_depth)
        fate = contract.classify(len(data), running=self.running, malformed=malformed, fits=fits,
                                 tuser=tuser, drop_bad=bool(self.ctrl & regs.CTRL_DROP_BAD),
                                 max_frame=self.max_frame)
        if fate != contract.STORED:
            self._drop(fate)
            return fate
        room = contract.fifo_room(len(data), self.word)
        self.fifo.append(_Frame(bytes(data), tuser, regs.csum16(data, self.csum_start), room))
        self.fifo_used += room
        self._kick()
        return fate

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
            need = contract.descriptors_needed(len(fr.data), [bl for _, _, bl in self.dq])
            looked = list(self.dq)[:need]       # the ones it takes, or all held when too few
            if any(contract.bad_descriptor(a, bl) for _, a, bl in looked):
                self._halt(regs.ERR_BAD_DESC)
                return
            if need is None:
                action = contract.short_of_descriptors(
                    len(self.dq), desc_queue=self.desc_queue, all_fetched=self.fetch == self.tail,
                    drop_nodesc=bool(self.ctrl & regs.CTRL_DROP_NODESC))
                if action == contract.DROP_NODESC:
                    self.fifo.popleft()
                    self.fifo_used -= fr.room
                    self._drop(action)
                    continue
                if action == contract.NODESC_WAIT and not fr.waited:
                    fr.waited = True
                    self._count("nodesc_wait")
                return
            self.fifo.popleft()
            self.fifo_used -= fr.room
            descs = [self.dq.popleft() for _ in range(need)]
            self._deliver(fr, descs)

    def _deliver(self, fr: _Frame, descs: List[tuple]) -> None:
        data = fr.data
        bufs = [(buf_addr, buf_len) for _, buf_addr, buf_len in descs]
        pos = 0
        try:
            for (buf_addr, _), n in zip(bufs, contract.place(len(data), [bl for _, bl in bufs])):
                a = buf_addr
                end = pos + n
                while pos < end:
                    k = min(end - pos, 0x1000 - (a & 0xFFF))
                    self.mem.device_write(a, data[pos:pos + k])
                    a += k
                    pos += k
        except BusErrorResponse:
            self._count("axi_err")
            self._drop(contract.DROP_FIFO)        # the lost frame: RXO, as the RTL
            self._halt(regs.ERR_DATA_WRITE)
            return
        wbs = [(idx, regs.pack_writeback(*wb)) for (idx, _, _), wb in
               zip(descs, contract.writebacks(bufs, len(data), fr.csum, fr.mac_err))]
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
                self._drop(contract.DROP_FIFO)
                self._halt(regs.ERR_WRITEBACK)
                return
            self.head = (self.head + (j - i)) % self.ring_size
            i = j
        self._count("frames")
        self.stat_bytes = contract.wrap(self.stat_bytes + len(data), contract.BYTES_BITS)
        self._moderate(1)
        if contract.rxdmt_due(self.owned, self.rdmt):
            self._raise(regs.ICR_RXDMT)
