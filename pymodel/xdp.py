"""XDP: xdp_buff, xdp_frame, the verdicts, returning frames to their page_pool, the redirect
bulk queue, and the programs a run can attach.

After include/net/xdp.h, net/core/xdp.c (xdp_convert_buff_to_frame, xdp_return_frame,
xdp_return_frame_rx_napi, xdp_return_frame_bulk, xdp_flush_frame_bulk) and net/core/filter.c
with kernel/bpf/devmap.c (xdp_do_redirect, the per-device bulk queue of DEV_MAP_BULK_SIZE
frames flushed by xdp_do_flush at the end of the NAPI poll) of Linux v6.18. A program is a
Python callable on an XdpBuff returning a verdict (the kernel's values 0..4); it may rewrite
the frame in place. The driver side (running the program, XDP_TX, ndo_xdp_xmit) lives in
driver.py and tx.py.

CPU costs (pymodel/costs.json, charged to the host's CpuMeter): `xdp_prepare_buff` when an
XdpBuff is set up over a page_pool page, `bpf_prog_run_xdp` each time an XdpProg runs,
`xdp_convert_buff_to_frame` per conversion, `xdp_return_frame` per xdp_frame returned (napi,
plain or bulk); page_pool's own put and its sync for the device are charged by page_pool.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from .errors import XdpFrameDoubleReturn
from .page import PAGE_SIZE, Page
from .page_pool import page_pool_put_netmem_bulk
from .traffic import parse_frame

# enum xdp_action (include/uapi/linux/bpf.h)
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
ACTION_NAMES = {XDP_ABORTED: "XDP_ABORTED", XDP_DROP: "XDP_DROP", XDP_PASS: "XDP_PASS",
                XDP_TX: "XDP_TX", XDP_REDIRECT: "XDP_REDIRECT"}
XDP_PACKET_HEADROOM = 256          # include/uapi/linux/bpf.h
XDP_XMIT_FLUSH = 1 << 0            # include/net/xdp.h: ndo_xdp_xmit flags
XDP_BULK_QUEUE_SIZE = 16           # include/net/xdp.h: struct xdp_frame_bulk
DEV_MAP_BULK_SIZE = 16             # include/linux/bpf.h: the redirect bulk queue
SIZEOF_XDP_FRAME = 40              # struct xdp_frame on 64-bit: data, len, headroom, metasize,
#                                    mem_type, dev_rx, frame_sz, flags
EOVERFLOW = 75                     # include/uapi/asm-generic/errno.h


def _meter(page: Page):
    """The CPU meter of the host a page_pool page belongs to (None for a page outside a
    pool, which no driver hands to a program)."""
    pp = getattr(page, "pp", None)
    return pp.hm.meter if pp is not None else None


class XdpBuff(bytearray):
    """struct xdp_buff. The object itself is the frame [data, data_end) as the CPU read it, a
    bytearray the program may rewrite in place (the driver stores the bytes it changed back
    into the page through the CPU, so they dirty the CPU's cache lines as a real store does).
    data_hard_start, data_meta, data and data_end are offsets in `page` (the kernel's
    pointers); frame_sz the buffer's truesize; frags the further buffers of a multi-buffer
    frame as (page, offset, length)."""

    def __init__(self, frame: bytes, page: Page, data: int, *, data_hard_start: int = 0,
                 frame_sz: int = PAGE_SIZE, frags: Tuple = ()) -> None:
        super().__init__(frame)
        self.page = page
        self.data_hard_start = data_hard_start
        self.data = data
        self.data_meta = data               # no metadata
        self.data_end = data + len(frame)
        self.frame_sz = frame_sz
        self.frags: List[Tuple[Page, int, int]] = list(frags)
        self.original = bytes(frame)
        meter = _meter(page)
        if meter is not None:
            meter.charge("xdp_prepare_buff")     # xdp_init_buff() + xdp_prepare_buff()

    @property
    def headroom(self) -> int:
        """xdp->data - xdp->data_hard_start."""
        return self.data - self.data_hard_start


@dataclass(eq=False)
class XdpFrame:
    """struct xdp_frame: the frame, as it leaves its xdp_buff for a TX ring. Its fields live in
    this object, not in the headroom bytes (the model keeps the headroom untouched); `data`
    is the frame's page offset; `dma` the address a TX descriptor gives the device."""

    hm: object
    page: Page
    data: int
    len: int
    headroom: int
    metasize: int = 0
    frame_sz: int = PAGE_SIZE
    frags: List[Tuple[Page, int, int]] = field(default_factory=list)
    returned: bool = False

    @property
    def pages(self) -> List[Page]:
        return [self.page] + [p for p, _, _ in self.frags]


def xdp_convert_buff_to_frame(xdp: XdpBuff, hm) -> Optional[XdpFrame]:
    """xdp_convert_buff_to_frame(): the frame takes the buffer's page; None when the headroom
    cannot hold struct xdp_frame (the driver then drops the frame)."""
    hm.meter.charge("xdp_convert_buff_to_frame")
    if xdp.headroom < SIZEOF_XDP_FRAME:
        return None
    xdpf = XdpFrame(hm=hm, page=xdp.page, data=xdp.data, len=xdp.data_end - xdp.data,
                    headroom=xdp.headroom - SIZEOF_XDP_FRAME, frame_sz=xdp.frame_sz,
                    frags=list(xdp.frags))
    hm.xdp_frame_live(xdpf, True)
    return xdpf


def _xdp_frame_done(xdpf: XdpFrame, call: str) -> bool:
    """Mark an xdp_frame returned; False (and XdpFrameDoubleReturn) if it already was."""
    if xdpf.returned:
        xdpf.hm.checker.breach(XdpFrameDoubleReturn(
            f"xdp_frame of {xdpf.len} bytes at page offset {xdpf.data:#x}", page=xdpf.page,
            start=xdpf.data, end=xdpf.data + xdpf.len, owner="page_pool", call=call))
        return False
    xdpf.returned = True
    xdpf.hm.xdp_frame_live(xdpf, False)
    xdpf.hm.meter.charge("xdp_return_frame")
    return True


def _xdp_return(xdpf: XdpFrame, napi_direct: bool, call: str) -> None:
    """__xdp_return() for MEM_TYPE_PAGE_POOL: page_pool_put_full_page() of every page."""
    if not _xdp_frame_done(xdpf, call):
        return
    for page in xdpf.pages:
        page.pp.put_page(page, -1, napi_direct)


def xdp_return_frame(xdpf: XdpFrame) -> None:
    """xdp_return_frame(): the pages back to their pool, no direct recycling."""
    _xdp_return(xdpf, False, "xdp_return_frame")


def xdp_return_frame_rx_napi(xdpf: XdpFrame) -> None:
    """xdp_return_frame_rx_napi(): inside the NAPI poll of the pool's queue, direct recycling
    into the pool's cache."""
    _xdp_return(xdpf, True, "xdp_return_frame_rx_napi")


@dataclass
class XdpFrameBulk:
    """struct xdp_frame_bulk: pages waiting for one page_pool_put_netmem_bulk()."""

    q: List[Page] = field(default_factory=list)


def xdp_return_frame_bulk(xdpf: XdpFrame, bq: XdpFrameBulk) -> None:
    """xdp_return_frame_bulk(): queue the frame's pages, flushing a full queue first."""
    if not _xdp_frame_done(xdpf, "xdp_return_frame_bulk"):
        return
    for page in xdpf.pages:
        if len(bq.q) == XDP_BULK_QUEUE_SIZE:
            xdp_flush_frame_bulk(bq)
        bq.q.append(page)


def xdp_flush_frame_bulk(bq: XdpFrameBulk) -> None:
    """xdp_flush_frame_bulk(): page_pool_put_netmem_bulk() of the queued pages."""
    if bq.q:
        page_pool_put_netmem_bulk(bq.q)
        bq.q.clear()


# ------------------------------------------------------------------ redirect

class XdpDevBulkQueue:
    """struct xdp_dev_bulk_queue of kernel/bpf/devmap.c for one target device: frames wait
    here until DEV_MAP_BULK_SIZE are queued (bq_xmit_all without flush) or xdp_do_flush()
    (with XDP_XMIT_FLUSH) sends them with the target's ndo_xdp_xmit(); frames it does not
    take are freed with xdp_return_frame_rx_napi()."""

    def __init__(self, dev) -> None:
        self.dev = dev                   # the target: its ndo_xdp_xmit(frames, flags) -> sent
        self.q: List[XdpFrame] = []
        self.flushes = 0
        self.dropped = 0

    def bq_enqueue(self, xdpf: XdpFrame) -> None:
        """bq_enqueue(): a full queue is sent first, without the flush flag."""
        if len(self.q) == DEV_MAP_BULK_SIZE:
            self.bq_xmit_all(0)
        self.q.append(xdpf)

    def bq_xmit_all(self, flags: int) -> int:
        """bq_xmit_all(): ndo_xdp_xmit() of every queued frame; returns how many it took."""
        if not self.q:
            return 0
        frames, self.q = self.q, []
        sent = self.dev.ndo_xdp_xmit(frames, flags)
        for xdpf in frames[sent:]:
            self.dropped += 1
            xdp_return_frame_rx_napi(xdpf)
        self.flushes += 1
        return sent


def xdp_do_redirect(xdp: XdpBuff, bq: XdpDevBulkQueue, hm) -> int:
    """xdp_do_redirect() to a device (bpf_redirect() of its ifindex): convert, enqueue on the
    device's bulk queue; 0, or -EOVERFLOW when the frame cannot be converted."""
    xdpf = xdp_convert_buff_to_frame(xdp, hm)
    if xdpf is None:
        return -EOVERFLOW
    bq.bq_enqueue(xdpf)
    return 0


# ------------------------------------------------------------------ programs

class XdpProg:
    """An XDP program: `fn(xdp) -> verdict`. Counts its verdicts, and the sequence numbers of
    the self-describing frames it sends out again (XDP_TX and XDP_REDIRECT) in `sent_seqs`."""

    def __init__(self, name: str, fn: Callable[["XdpProg", XdpBuff], int]) -> None:
        self.name = name
        self.fn = fn
        self.verdicts: Counter = Counter()
        self.runs = 0
        self.sent_seqs: List[int] = []

    def __call__(self, xdp: XdpBuff) -> int:
        """bpf_prog_run_xdp(), charged to the host of the buffer's page."""
        meter = _meter(xdp.page)
        if meter is not None:
            meter.charge("bpf_prog_run_xdp")
        self.runs += 1
        verdict = self.fn(self, xdp)
        self.verdicts[ACTION_NAMES.get(verdict, verdict)] += 1
        if verdict in (XDP_TX, XDP_REDIRECT):
            self.sent_seqs.append(parse_frame(bytes(xdp[:22]))[0])
        return verdict

    def __repr__(self) -> str:
        return f"<xdp prog {self.name}>"


def swap_eth_addrs(xdp: XdpBuff) -> None:
    """Swap the Ethernet destination and source addresses in place."""
    xdp[0:6], xdp[6:12] = bytes(xdp[6:12]), bytes(xdp[0:6])


def _pass(prog, xdp):
    return XDP_PASS


def _drop(prog, xdp):
    return XDP_DROP


def _tx(prog, xdp):
    swap_eth_addrs(xdp)
    return XDP_TX


def _redirect(prog, xdp):
    return XDP_REDIRECT                  # bpf_redirect(the receiving device's ifindex)


def prog_tx_every(k: int) -> XdpProg:
    """Every k-th frame the program sees (the k-th, 2k-th, ...) goes back out with its
    addresses swapped (XDP_TX); the rest pass."""
    def fn(prog, xdp):
        if prog.runs % k == 0:
            swap_eth_addrs(xdp)
            return XDP_TX
        return XDP_PASS
    return XdpProg(f"tx_every:{k}", fn)


PROGRAMS = ("pass", "drop", "tx", "redirect", "tx_every:K")


def program(spec: str) -> XdpProg:
    """The program an XDP option names: pass, drop, tx (swap the Ethernet addresses and send
    the frame back out), redirect (to the receiving device's own TX queue), or tx_every:K.
    ValueError with a one-line reason for anything else."""
    name, _, arg = str(spec).strip().partition(":")
    fns = {"pass": _pass, "drop": _drop, "tx": _tx, "redirect": _redirect}
    if name in fns and not arg:
        return XdpProg(name, fns[name])
    if name == "tx_every":
        try:
            k = int(arg)
        except ValueError:
            k = 0
        if k >= 1:
            return prog_tx_every(k)
        raise ValueError(f"XDP={spec}: tx_every takes a whole number K >= 1")
    raise ValueError(f"XDP={spec}: use one of {', '.join(PROGRAMS)}")
