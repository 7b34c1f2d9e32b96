"""The MAC's two AXI-Stream ends: `MacSource` on `s_axis_rx` (frames in, beats out, with
cocotbext-axi's AxiStreamSource's timing and beat layout at a fraction of its cost per beat)
and `TxStreamSink` on `m_axis_tx` (beats in, frames out, TREADY always high).

AxiStreamSource assembles every beat byte by byte in Python (a loop over the byte lanes that
reads five per-byte lists), which made it about a tenth of a co-simulation's time at DATA_W
256 (py-spy, 10 GbE, uniform 60-1514 B frames). `MacSource` cuts each frame into beats once,
with `int.from_bytes`, when it takes the frame off its queue, and per clock only drives the
next beat. It keeps AxiStreamSource's public behaviour that the benches use:

- `send(frame)` queues an AxiStreamFrame (or bytes), waiting while `queue_occupancy_limit_frames`
  frames are queued; `wait()` returns once every queued frame went out; `idle()`;
- `pause` holds TVALID low from the next clock (tb.common.harness.BusTiming sets it);
- the same clocking: each rising edge, if the beat on the bus was taken (TVALID and TREADY) or
  TVALID is low, the next beat is driven; a frame's first beat goes out on the edge after it
  was queued; no bubble between back-to-back frames;
- the same beat layout: TDATA holds every byte of the beat (TKEEP does not mask it), the last
  beat's bytes past the frame are 0, TKEEP is the frame's per-byte keep (all ones without one),
  TUSER is the user value of the beat's last byte, TLAST on the frame's last beat.
Reset is the harness's: the source starts driving after the first rising edge out of reset and
is not reset mid-run (no bench resets with frames queued).
"""

from collections import deque

import cocotb
from cocotb.triggers import Event, FallingEdge, RisingEdge


class MacSource:
    def __init__(self, dut, prefix: str, clock, reset):
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.tkeep = getattr(dut, f"{prefix}_tkeep")
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.tlast = getattr(dut, f"{prefix}_tlast")
        self.tuser = getattr(dut, f"{prefix}_tuser")
        self.clock = clock
        self.reset = reset
        self.nbytes = len(self.tdata) // 8
        self.full_keep = (1 << self.nbytes) - 1
        self.queue = deque()
        self.queue_occupancy_limit_frames = 0      # 0: no limit
        self.pause = False
        self._busy = False                         # a frame is on the bus
        self._wake = Event()
        self._dequeued = Event()
        self._idle = Event()
        self._idle.set()
        self.tvalid.value = 0
        self.tlast.value = 0
        cocotb.start_soon(self._run())

    # ------------------------------------------------------------------ public
    async def send(self, frame):
        lim = self.queue_occupancy_limit_frames
        while lim and len(self.queue) >= lim:
            self._dequeued.clear()
            await self._dequeued.wait()
        self.queue.append(self._beats(frame))
        self._idle.clear()
        self._wake.set()

    def idle(self) -> bool:
        return not self.queue and not self._busy

    async def wait(self):
        while not self.idle():
            await self._idle.wait()

    # ------------------------------------------------------------------ beats
    def _beats(self, frame):
        """[(tdata, tkeep, tlast, tuser)] of one frame (AxiStreamFrame or bytes)."""
        if isinstance(frame, (bytes, bytearray)):
            data, keep, user = bytes(frame), None, 0
        else:
            data, keep, user = bytes(frame.tdata), frame.tkeep, frame.tuser
        n, nb = len(data), self.nbytes
        if not n:
            raise ValueError("MacSource: a frame of 0 bytes (AXI-Stream has no empty frame)")
        if keep is not None:
            keep = list(keep[:n]) + [keep[-1]] * (n - len(keep))
        if user is None:
            user = 0
        per_byte_user = not isinstance(user, (int, bool))
        if per_byte_user:
            user = list(user[:n]) + [user[-1]] * (n - len(user))
        beats = []
        for off in range(0, n, nb):
            end = min(off + nb, n)
            if keep is None:
                k = self.full_keep if end - off == nb else (1 << (end - off)) - 1
            else:
                k = 0
                for i, b in enumerate(keep[off:end]):
                    k |= (b & 1) << i
            u = int(user[end - 1]) if per_byte_user else int(user)
            beats.append((int.from_bytes(data[off:end], "little"), k, end == n, u))
        return beats

    # ------------------------------------------------------------------ the bus
    async def _run(self):
        rise = RisingEdge(self.clock)
        tdata, tkeep, tvalid, tready = self.tdata, self.tkeep, self.tvalid, self.tready
        tlast, tuser, rst = self.tlast, self.tuser, self.reset
        await FallingEdge(rst)
        beats, i, valid = None, 0, False
        while True:
            await rise
            if valid and not tready.value:
                continue                              # the beat on the bus waits
            if beats is None and self.queue:
                beats, i = self.queue.popleft(), 0
                self._busy = True
                self._dequeued.set()
            if beats is not None and not self.pause:
                d, k, last, u = beats[i]
                tdata.value = d
                tkeep.value = k
                tlast.value = last
                tuser.value = u
                if not valid:
                    tvalid.value = 1
                    valid = True
                i += 1
                if last:
                    beats = None
                continue
            if valid:
                tvalid.value = 0
                tlast.value = 0
                valid = False
            if beats is None:
                self._busy = False
                if not self.queue:
                    self._idle.set()
                    self._wake.clear()
                    await self._wake.wait()


class TxStreamSink:
    """The MAC on `m_axis_tx` in the co-simulation: TREADY always high; each frame's bytes
    (the bytes TKEEP marks, in lane order, as cocotbext-axi's AxiStreamSink gives them) go to
    `on_frame(bytes)` at its TLAST beat. It samples the stream at each rising edge while TVALID
    is high and sleeps until TVALID rises otherwise (the TX bench's own sink, tb.rtl.tx_axi.TxSink,
    also checks the stream's rules)."""

    def __init__(self, dut, prefix: str, clock, on_frame):
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.tkeep = getattr(dut, f"{prefix}_tkeep")
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tlast = getattr(dut, f"{prefix}_tlast")
        getattr(dut, f"{prefix}_tready").value = 1
        self.clock = clock
        self.on_frame = on_frame
        self.nbytes = len(self.tdata) // 8
        cocotb.start_soon(self._run())

    async def _run(self):
        rise = RisingEdge(self.clock)
        tdata, tkeep, tvalid, tlast = self.tdata, self.tkeep, self.tvalid, self.tlast
        nb, full = self.nbytes, (1 << self.nbytes) - 1
        buf = bytearray()
        while True:
            await rise
            if str(tvalid.value) != "1":
                await RisingEdge(tvalid)
                continue
            word = int(tdata.value).to_bytes(nb, "little")
            keep = int(tkeep.value)
            if keep == full:
                buf += word
            else:
                buf += bytes(word[i] for i in range(nb) if keep >> i & 1)
            if str(tlast.value) == "1":
                frame, buf = bytes(buf), bytearray()
                self.on_frame(frame)
