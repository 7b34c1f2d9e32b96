"""Fault injection on host memory: chosen accesses fail, so the AxiSlave answers SLVERR.

Reads: the slave reads the whole bus word per R beat whatever `arsize`, so the injector
asks `ReadBeats` for each beat's own address; a beat whose address falls in an armed range
fails (`count` times). Writes: any strobed write overlapping an armed range fails (the bytes
are not written) until disarmed. Create the injector before the block issues its first read
(ReadBeats follows the AR bursts from then on).

`Responses` goes past what the slave answers by itself (SLVERR with zero data when its target
raises): DECERR, and an error response that carries data.
"""

from collections import deque

from cocotb.queue import Queue

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


class RewriteQueue(Queue):
    """A stream channel's queue whose items can be changed as they are queued: each
    `put_nowait` first pops the next pending change, if any, and applies it."""

    def __init__(self):
        super().__init__()
        self.pending = deque()    # callables, applied in order to the next items queued

    def put_nowait(self, item):
        if self.pending:
            self.pending.popleft()(item)
        super().put_nowait(item)


class Responses:
    """Change what cocotbext-axi's AxiSlave answers on R and B, beyond the SLVERR it gives when
    its target raises: DECERR, or an error with data on the bus.

    The slave's read process reads one beat from its target, then queues that beat on its R
    channel; its write process writes a burst's beats, then queues the burst's B. So a change
    asked for while the target serves a beat applies to the next R beat queued (`read_beat`)
    or the next B (`write_burst`). The channels' queues are replaced (their public `queue`)
    by RewriteQueues; make this before the first transfer."""

    def __init__(self, axi):
        self.r = axi.read_if.r_channel
        self.b = axi.write_if.b_channel
        self.r.queue = RewriteQueue()
        self.b.queue = RewriteQueue()

    def read_beat(self, resp, data=None):
        """The beat being read goes out with `resp` (and `data`, an int, when given)."""
        def change(r):
            r.rresp = resp
            if data is not None:
                r.rdata = data
        self.r.queue.pending.append(change)

    def write_burst(self, resp):
        """The burst being written gets `resp` on its B."""
        def change(b):
            b.bresp = resp
        self.b.queue.pending.append(change)
