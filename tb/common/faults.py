"""Fault injection on host memory: chosen accesses fail, so the AxiSlave answers SLVERR.

Reads: the slave reads the whole bus word per R beat whatever `arsize`, so the injector
asks `ReadBeats` for each beat's own address; a beat whose address falls in an armed range
fails (`count` times). Writes: any strobed write overlapping an armed range fails (the bytes
are not written) until disarmed. Create the injector before the block issues its first read
(ReadBeats follows the AR bursts from then on).
"""

from tb.common.bus_memory import MemFault, ReadBeats


class Faults:
    def __init__(self, tb):
        self.tb = tb
        self.reads = []       # [start, end, remaining]
        self.writes = []      # [start, end]
        self.fired = []       # (kind, addr, clock)
        self.beats = ReadBeats(tb.axi.read_if)
        tb.mem.on_read.insert(0, self._on_read)
        tb.mem.on_write.insert(0, self._on_write)

    def fail_read(self, addr, length, count=1):
        self.reads.append([addr, addr + length, count])

    def fail_write(self, addr, length):
        self.writes.append([addr, addr + length])

    def disarm(self):
        self.reads.clear()
        self.writes.clear()

    def _on_read(self, addr, length):
        ba, _ = self.beats.next_beat()
        for r in self.reads:
            if r[2] > 0 and r[0] <= ba < r[1]:
                r[2] -= 1
                self.fired.append(("read", ba, self.tb.mon.cyc))
                raise MemFault(f"injected read error at {ba:#x}")

    def _on_write(self, addr, data):
        end = addr + len(data)
        for r in self.writes:
            if addr < r[1] and end > r[0]:
                self.fired.append(("write", addr, self.tb.mon.cyc))
                raise MemFault(f"injected write error at {addr:#x}")
