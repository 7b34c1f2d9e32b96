"""readl / writel over the injected register bus, with the descriptor-ring ownership checker.

The register bus is any object with `async read32(offset) -> int` and
`async write32(offset, value)`. Mmio charges the CPU cost of each access and tells the
RingWatch about the writes that move descriptor ownership (CTRL.EN, TAIL) and the STATUS reads
that prove the device has stopped.
"""
from __future__ import annotations

from typing import Dict, Optional, Set

from . import regs
from .errors import CpuWriteDeviceOwned, RingDeviceAccess, RingTailOnHead
from .page import PAGE_SHIFT


class RingWatch:
    """Shadow of which descriptors of one ring (`kind` "rx" or "tx") the device owns, fed by
    MMIO, CPU and device accesses. The TX descriptor's first ten bytes (BUF_ADDR, LEN) and its
    STATUS.DD (byte 12, bit 0) sit where the RX descriptor has them, so one shadow serves both."""

    def __init__(self, hm, buf, ring_off: int, size: int, kind: str = "rx") -> None:
        self.hm = hm
        self.kind = kind
        self.buf = buf
        self.ring_off = ring_off          # offset of slot 0 inside the coherent buffer
        self.size = size
        self.dev_owned = bytearray(size)
        self.armed = bytearray(size)      # CPU wrote a descriptor since the slot last completed
        self.tail = 0
        self.head_view = 0                # slot after the last writeback seen with DD
        self._held: Dict[int, tuple] = {}         # slot -> (buf_addr, buf_len)
        self._held_bpn: Dict[int, Set[int]] = {}  # bus page -> slots holding a buffer there

    def reset(self) -> None:
        """EN 0->1: HEAD = TAIL = 0, the device owns nothing."""
        self.dev_owned = bytearray(self.size)
        self.armed = bytearray(self.size)
        self.tail = self.head_view = 0
        self._held.clear()
        self._held_bpn.clear()

    def device_stopped(self) -> None:
        """STATUS.RUNNING = 0 seen: the device writes nothing more; [HEAD, TAIL) is the driver's."""
        self.dev_owned = bytearray(self.size)
        self._held.clear()
        self._held_bpn.clear()

    def _release(self, slot: int) -> None:
        self.dev_owned[slot] = 0
        held = self._held.pop(slot, None)
        if held is not None:
            addr, ln = held
            for bpn in range(addr >> PAGE_SHIFT, ((addr + max(ln, 1) - 1) >> PAGE_SHIFT) + 1):
                s = self._held_bpn.get(bpn)
                if s is not None:
                    s.discard(slot)
                    if not s:
                        del self._held_bpn[bpn]

    def device_holds(self, bus: int, size: int) -> Optional[int]:
        """A device-owned slot whose buffer overlaps [bus, bus+size), or None."""
        for bpn in range(bus >> PAGE_SHIFT, ((bus + size - 1) >> PAGE_SHIFT) + 1):
            for slot in self._held_bpn.get(bpn, ()):
                addr, ln = self._held[slot]
                if addr < bus + size and bus < addr + ln:
                    return slot
        return None

    def _slots(self, off: int, n: int):
        rel = off - self.ring_off
        first = max(rel, 0) // regs.DESC_SIZE
        last = (rel + n - 1) // regs.DESC_SIZE
        return range(first, min(last, self.size - 1) + 1) if rel + n > 0 else range(0)

    def on_cpu_write(self, off: int, data: bytes) -> None:
        """The driver writes descriptors: it may only write slots it owns."""
        for slot in self._slots(off, len(data)):
            if self.dev_owned[slot]:
                self.hm.checker.breach(CpuWriteDeviceOwned(
                    f"{self.kind.upper()} descriptor {slot} belongs to the device",
                    start=self.buf.dma_handle + off,
                    end=self.buf.dma_handle + off + len(data), owner="device", call="ring write"))
            self.armed[slot] = 1

    def on_tail_write(self, new: int) -> None:
        """TAIL write: slots [tail, new) pass to the device; TAIL must never land on HEAD."""
        if new >= self.size:
            return
        slot = self.tail
        while slot != new:
            if self.dev_owned[slot]:
                self.hm.checker.breach(RingTailOnHead(
                    f"TAIL {new} hands over slot {slot}, which the device already owns "
                    f"(HEAD {self.head_view}, old TAIL {self.tail})", owner="device",
                    call="writel(TAIL)"))
                break
            self._hand_over(slot)
            slot = (slot + 1) % self.size
        if new == self.head_view and self.armed[new] and not self.dev_owned[new]:
            self.hm.checker.breach(RingTailOnHead(
                f"TAIL {new} == HEAD with all {self.size} slots filled: the device sees an "
                f"empty ring", owner="driver", call="writel(TAIL)"))
        self.tail = new

    def _hand_over(self, slot: int) -> None:
        raw = self.buf.read(self.ring_off + slot * regs.DESC_SIZE, regs.DESC_SIZE)
        addr, ln = regs.unpack_read_desc(raw)
        self.dev_owned[slot] = 1
        self._held[slot] = (addr, ln)
        for bpn in range(addr >> PAGE_SHIFT, ((addr + max(ln, 1) - 1) >> PAGE_SHIFT) + 1):
            self._held_bpn.setdefault(bpn, set()).add(slot)

    def on_device_read(self, off: int, n: int, bus: int, call: str) -> None:
        """The device reads descriptors: only ones it owns."""
        for slot in self._slots(off, n):
            if not self.dev_owned[slot]:
                self.hm.checker.breach(RingDeviceAccess(
                    f"read of {self.kind.upper()} descriptor {slot} (HEAD {self.head_view}, "
                    f"TAIL {self.tail})",
                    start=bus, end=bus + n, owner="driver", call=call))

    def on_device_write(self, off: int, n: int, bus: int, call: str) -> None:
        """The device writes descriptors back: only ones it owns; DD returns them to the driver."""
        for slot in self._slots(off, n):
            if not self.dev_owned[slot]:
                self.hm.checker.breach(RingDeviceAccess(
                    f"write of {self.kind.upper()} descriptor {slot} (HEAD {self.head_view}, "
                    f"TAIL {self.tail})",
                    start=bus, end=bus + n, owner="driver", call=call))
        # Completion is judged after the bytes land (see complete_written).
        self._pending = (off, n)

    def complete_written(self) -> None:
        """After a device write to the ring: slots whose STATUS byte now has DD pass to the driver."""
        off, n = self._pending
        for slot in self._slots(off, n):
            base = self.ring_off + slot * regs.DESC_SIZE
            if off <= base + 12 < off + n and self.buf.page.data[base + 12] & regs.DESC_DD:
                if self.dev_owned[slot]:
                    self._release(slot)
                    self.armed[slot] = 0
                    self.head_view = (slot + 1) % self.size


class Mmio:
    """readl()/writel() of one queue block's registers through an async register bus: the
    block's registers start at `base` on the bus (0 for a bare block; regs.TX_BASE for the TX
    block behind nic_dma); `kind` ("rx" or "tx") names its ring in the checker's messages."""

    def __init__(self, bus, hm, base: int = 0, kind: str = "rx") -> None:
        self.bus = bus
        self.hm = hm
        self.base = base
        self.kind = kind
        self.ring_base = 0
        self.ring_size = 0
        self.ctrl = 0
        self.watch: Optional[RingWatch] = None
        self.reads = 0
        self.writes = 0

    async def readl(self, off: int) -> int:
        """readl(): a 32-bit register read."""
        self.hm.meter.charge("mmio_read")
        self.reads += 1
        val = await self.bus.read32(self.base + off)
        if off == regs.STATUS and not val & regs.STATUS_RUNNING and self.watch is not None:
            self.watch.device_stopped()
        return val

    async def writel(self, val: int, off: int) -> None:
        """writel(): a 32-bit register write (kernel argument order: value, offset)."""
        self.hm.meter.charge("mmio_write")
        self.writes += 1
        if off == regs.RING_BASE_LO and not self.ctrl & regs.CTRL_EN:
            self.ring_base = (self.ring_base & ~0xFFFFFFFF) | (val & 0xFFFFFFF0)
        elif off == regs.RING_BASE_HI and not self.ctrl & regs.CTRL_EN:
            self.ring_base = (self.ring_base & 0xFFFFFFFF) | (val << 32)
        elif off == regs.RING_SIZE and not self.ctrl & regs.CTRL_EN:
            self.ring_size = val
        elif off == regs.TAIL and self.watch is not None:
            self.watch.on_tail_write(val)
        elif off == regs.CTRL:
            if val & regs.CTRL_EN and not self.ctrl & regs.CTRL_EN:
                self._attach_watch()
            self.ctrl = val
        await self.bus.write32(self.base + off, val)

    def _attach_watch(self) -> None:
        size = self.ring_size
        if not (regs.RING_SIZE_MIN <= size <= regs.RING_SIZE_MAX and size & (size - 1) == 0):
            return
        m = self.hm.find_mapping(self.ring_base, size * regs.DESC_SIZE)
        if m is None or not m.coherent:
            return
        buf = self.hm.coherent_bufs[m.bus]
        if m.ring_watch is None or m.ring_watch.size != size:
            m.ring_watch = RingWatch(self.hm, buf, self.ring_base - m.bus, size, self.kind)
        self.watch = m.ring_watch
        self.watch.reset()
        if self.kind == "tx" and self.watch not in self.hm.tx_watches:
            self.hm.tx_watches.append(self.watch)

    def detach(self) -> None:
        """Stop watching the ring (before it is freed)."""
        if self.watch is not None:
            self.watch.buf.mapping.ring_watch = None
            if self.watch in self.hm.tx_watches:
                self.hm.tx_watches.remove(self.watch)
            self.watch = None
