"""RingScoreboard: every frame sent is delivered exactly once, in order, byte-exact, with the
predicted writebacks, or counted by exactly one drop counter; sent == delivered + drops."""

from collections import deque

from pymodel import regs
from pymodel import rx_contract as contract
from tb.rtl import expect as rm


def _hexdiff(exp: bytes, got: bytes) -> str:
    n = min(len(exp), len(got))
    for i in range(n):
        if exp[i] != got[i]:
            return (f"first difference at byte {i}: expected {exp[i]:#04x} got {got[i]:#04x} "
                    f"(lengths {len(exp)}/{len(got)}); expected[{i}:{i + 16}]={exp[i:i + 16].hex()} "
                    f"got={got[i:i + 16].hex()}")
    return f"lengths differ: expected {len(exp)} got {len(got)}"


class RingScoreboard:
    def __init__(self, tb, cfg: rm.Config):
        self.tb = tb
        self.cfg = cfg
        self.pending = deque()      # (frame, allowed outcomes, cfg) sent and not yet resolved
        self.cur = []               # descriptors of the frame being assembled
        self.sent = 0
        self.delivered = 0
        self.bytes = 0
        self.dropped = []           # (frame, allowed drop outcomes)
        self.descs = 0
        self.deliveries = []        # (seq, [slots]) for directed tests

    def send(self, frame: rm.Frame, allowed: set, cfg: rm.Config = None):
        self.sent += 1
        self.pending.append((frame, allowed, cfg or self.cfg))

    # ------------------------------------------------------------ writebacks
    def completion(self, slot, s, wb: bytes):
        """One descriptor HEAD has passed: `s` is the ring's Slot record, `wb` its 16 bytes."""
        self.descs += 1
        w = regs.unpack_writeback(wb)
        ln = w.length
        if not w.status & regs.DESC_DD:
            self.tb.error(f"descriptor {slot} behind HEAD has no DD: {wb.hex()}")
        if ln > s.blen:
            self.tb.error(f"descriptor {slot}: LEN {ln} > BUF_LEN {s.blen}")
            ln = s.blen
        data = self.tb.mem.peek(s.addr, ln)
        if s.blen > ln and not self.tb.mem.untouched(s.addr + ln, s.blen - ln):
            a = self.tb.mem.first_touched(s.addr + ln, s.blen - ln)
            self.tb.error(f"descriptor {slot}: byte at {a:#x} past LEN {ln} inside the buffer "
                          f"was written")
        self.cur.append((slot, s.addr, s.blen, wb, data, s.data_burst, s.wb_burst))
        if w.status & regs.DESC_EOP:
            descs, self.cur = self.cur, []
            self._frame(descs)

    def _frame(self, descs):
        data = b"".join(d[4] for d in descs)
        slots = [d[0] for d in descs]
        match = None
        skipped = []
        for i, (f, allowed, _cfg) in enumerate(self.pending):
            if rm.DELIVER in allowed and f.payload() == data:
                match = i
                break
            if allowed == {rm.DELIVER}:
                self.tb.error(f"descriptors {slots}: frame seq {f.seq} (len {len(f.payload())}, "
                              f"sent at {f.sent_cyc}) must be delivered next but got a different "
                              f"frame: {_hexdiff(f.payload(), data)}")
                return
            skipped.append(i)
        if match is None:
            cand = next((f for f, a, _ in self.pending if rm.DELIVER in a), None)
            extra = _hexdiff(cand.payload(), data) if cand else "no frame pending"
            self.tb.error(f"descriptors {slots}: delivered {len(data)} bytes that match no frame "
                          f"sent and not yet delivered; against seq "
                          f"{cand.seq if cand else '-'}: {extra}")
            return
        for _ in range(match):
            f, allowed, _ = self.pending.popleft()
            self.dropped.append((f, allowed - {rm.DELIVER}))
        f, allowed, cfg = self.pending.popleft()
        self.delivered += 1
        self.bytes += len(data)
        self.deliveries.append((f.seq, slots))
        exp = rm.expected_writebacks(f, cfg, [(d[1], d[2]) for d in descs] + [(0, 1 << 30)])
        if len(exp) != len(descs):
            self.tb.error(f"frame seq {f.seq} (len {len(data)}) spread over {len(descs)} "
                          f"descriptors {slots}, expected {len(exp)}")
            return
        for d, e in zip(descs, exp):
            if d[3] != e[3]:
                self.tb.error(f"frame seq {f.seq}, descriptor {d[0]}: writeback {d[3].hex()} "
                              f"expected {e[3].hex()} (addr,len,csum,status,errors,0)")
        # ordering: every data B before the first writeback AW of the frame
        mon = self.tb.mon
        dmax = max(d[5] for d in descs)
        wmin = min(d[6] for d in descs)
        if dmax >= 0 and wmin >= 0:
            if dmax >= wmin:
                self.tb.error(f"frame seq {f.seq}: writeback burst {wmin} issued before data "
                              f"burst {dmax}")
            elif dmax >= len(mon.b_cyc) or mon.b_cyc[dmax] >= mon.aw_cyc[wmin]:
                bc = mon.b_cyc[dmax] if dmax < len(mon.b_cyc) else "none yet"
                self.tb.error(f"frame seq {f.seq} (descriptors {slots}): writeback burst {wmin} "
                              f"(AW at clock {mon.aw_cyc[wmin]}) before the B of data burst "
                              f"{dmax} (clock {bc})")

    # ------------------------------------------------------------ end of test
    def drain_pending(self):
        """Frames never delivered once the device is idle: they must have been dropped."""
        while self.pending:
            f, allowed, _ = self.pending.popleft()
            if allowed == {rm.DELIVER}:
                self.tb.error(f"frame seq {f.seq} (len {len(f)}) was never delivered")
            self.dropped.append((f, allowed - {rm.DELIVER}))
        if self.cur:
            self.tb.error(f"descriptors {[d[0] for d in self.cur]} written back without an EOP")

    def check_counters(self, st: dict, exact: dict = None):
        """Compare STAT_* with what was delivered and dropped. `exact` pins drop counters."""
        tb = self.tb
        if st["frames"] != contract.wrap(self.delivered):
            tb.error(f"STAT_FRAMES={st['frames']}, scoreboard delivered {self.delivered}")
        b = st["bytes_lo"] | (st["bytes_hi"] << 32)
        if b != contract.wrap(self.bytes, contract.BYTES_BITS):
            tb.error(f"STAT_BYTES={b}, scoreboard delivered {self.bytes} bytes")
        drops = sum(st[k] for k in rm.DROPS)
        if drops != len(self.dropped):
            tb.error(f"drop counters sum to {drops} ({ {k: st[k] for k in rm.DROPS} }), "
                     f"scoreboard has {len(self.dropped)} undelivered frames of {self.sent} sent")
        if self.sent != self.delivered + len(self.dropped):
            tb.error(f"sent {self.sent} != delivered {self.delivered} + dropped {len(self.dropped)}")
        for k in rm.DROPS:
            lo = sum(1 for _, a in self.dropped if a == {k})
            hi = sum(1 for _, a in self.dropped if k in a)
            if not lo <= st[k] <= hi:
                tb.error(f"{k}: counter {st[k]}, expected between {lo} and {hi}")
        for k, v in (exact or {}).items():
            if st[k] != v:
                tb.error(f"{k}: counter {st[k]}, expected {v}")
