"""sk_buff: build_skb over a page buffer, napi_alloc_skb for copies, frags, recycling on free."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from .dma import L1_CACHE_BYTES, HostMemory
from .errors import Breach, DoublePut
from .page import PAGE_SIZE, PP_SIGNATURE, Page

SMP_CACHE_BYTES = L1_CACHE_BYTES
SKB_SHARED_INFO_SIZE = 320     # sizeof(struct skb_shared_info) on 64-bit with MAX_SKB_FRAGS 17
MAX_SKB_FRAGS = 17             # include/linux/skbuff.h (CONFIG_MAX_SKB_FRAGS default)
NET_SKB_PAD = 64               # max(32, L1_CACHE_BYTES), include/linux/skbuff.h
NET_IP_ALIGN = 0               # arm64 / x86 define it as 0 (include/linux/skbuff.h default is 2)
XDP_PACKET_HEADROOM = 256      # include/uapi/linux/bpf.h
CHECKSUM_NONE = 0
CHECKSUM_UNNECESSARY = 1
CHECKSUM_COMPLETE = 2


def SKB_DATA_ALIGN(x: int) -> int:
    """SKB_DATA_ALIGN(): round up to SMP_CACHE_BYTES."""
    return (x + SMP_CACHE_BYTES - 1) & ~(SMP_CACHE_BYTES - 1)


SKB_TAILROOM = SKB_DATA_ALIGN(SKB_SHARED_INFO_SIZE)


class SkbOverPanic(Breach):
    rule = "skb_over_panic: skb_put past the end of the buffer"


@dataclass
class SkbFrag:
    """skb_frag_t: a piece of a page."""

    page: Page
    offset: int
    size: int


@dataclass(eq=False)
class SkBuff:
    """struct sk_buff with its head either in a page (build_skb) or in slab memory (napi_alloc_skb)."""

    head_page: Optional[Page]
    head_off: int                   # offset of skb->head inside head_page
    end: int                        # bytes from head to the shared info
    slab: Optional[bytearray] = None
    data: int = 0                   # skb->data - skb->head
    tail: int = 0
    len: int = 0
    data_len: int = 0
    truesize: int = 0
    frags: List[SkbFrag] = field(default_factory=list)
    pp_recycle: bool = False
    ip_summed: int = CHECKSUM_NONE
    csum: int = 0
    freed: bool = False
    seq: int = -1                   # set by whoever wants to trace the skb

    @property
    def headlen(self) -> int:
        """skb_headlen()."""
        return self.len - self.data_len


class SkbLayer:
    """The skb functions of one host: allocation, building, freeing back to pools or the allocator."""

    def __init__(self, hm: HostMemory) -> None:
        self.hm = hm
        self.live = 0
        self.allocated = 0
        self.freed = 0

    def build_skb(self, page: Page, head_off: int, frag_size: int) -> SkBuff:
        """build_skb(): wrap an existing buffer; the shared info takes the last SKB_TAILROOM bytes."""
        self.hm.meter.charge("kmem_cache_alloc")
        self.hm.meter.charge("build_skb")
        page.skb_refs += 1
        self.live += 1
        self.allocated += 1
        return SkBuff(head_page=page, head_off=head_off, end=frag_size - SKB_TAILROOM,
                      truesize=frag_size)

    def napi_alloc_skb(self, length: int) -> SkBuff:
        """napi_alloc_skb(): a small skb with its own (slab) head, NET_SKB_PAD headroom."""
        self.hm.meter.charge("napi_alloc_skb")
        size = SKB_DATA_ALIGN(NET_SKB_PAD + NET_IP_ALIGN + length)
        self.live += 1
        self.allocated += 1
        skb = SkBuff(head_page=None, head_off=0, end=size, slab=bytearray(size),
                     truesize=size + SKB_TAILROOM)
        skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN)
        return skb

    def skb_put_data(self, skb: SkBuff, data: bytes) -> None:
        """skb_put_data(): append bytes into a slab head (the copybreak memcpy)."""
        start = skb_put(skb, len(data))
        self.hm.meter.charge("copybreak_memcpy")
        skb.slab[start:start + len(data)] = data

    def skb_add_rx_frag(self, skb: SkBuff, page: Page, off: int, size: int, truesize: int) -> None:
        """skb_add_rx_frag(): attach a page piece as the next fragment."""
        if len(skb.frags) >= MAX_SKB_FRAGS:
            raise SkbOverPanic(f"more than {MAX_SKB_FRAGS} frags", page=page, call="skb_add_rx_frag")
        skb.frags.append(SkbFrag(page, off, size))
        page.skb_refs += 1
        skb.len += size
        skb.data_len += size
        skb.truesize += truesize

    def read_data(self, skb: SkBuff, call: str = "skb_copy_bits") -> bytes:
        """skb_copy_bits() of the whole frame: head then every fragment, through the CPU."""
        if skb.slab is not None:
            parts = [bytes(skb.slab[skb.data:skb.tail])]
        else:
            parts = [self.hm.cpu_read(skb.head_page, skb.head_off + skb.data, skb.headlen, call)]
        for fr in skb.frags:
            parts.append(self.hm.cpu_read(fr.page, fr.offset, fr.size, call))
        return b"".join(parts)

    def _free_page_ref(self, skb: SkBuff, page: Page, napi_safe: bool) -> None:
        """skb_pp_recycle() / napi_pp_put_page(), else put_page().

        napi_pp_put_page() puts the page with allow_direct false; the pool itself decides on
        direct recycling (page_pool_napi_local(): in softirq, on its NAPI's CPU), so
        napi_safe no longer matters (kept for the callers' signature)."""
        page.skb_refs -= 1
        if skb.pp_recycle and page.pp_magic == PP_SIGNATURE and page.pp is not None:
            page.pp.put_page(page, -1, False)
        else:
            self.hm.alloc.put_page(page, call="skb_release_data")

    def kfree_skb(self, skb: SkBuff, napi_safe: bool = False) -> None:
        """kfree_skb(): release head and frags (to their page_pool when marked) and the skb."""
        if skb.freed:
            self.hm.checker.breach(DoublePut("skb freed twice", page=skb.head_page,
                                             owner="freed", call="kfree_skb"))
            return
        skb.freed = True
        if skb.head_page is not None:
            self._free_page_ref(skb, skb.head_page, napi_safe)
        else:
            self.hm.meter.charge("kmem_cache_free")    # the slab head
        for fr in skb.frags:
            self._free_page_ref(skb, fr.page, napi_safe)
        self.hm.meter.charge("kmem_cache_free")        # skbuff_head_cache
        self.live -= 1
        self.freed += 1

    def consume_skb(self, skb: SkBuff, napi_safe: bool = False) -> None:
        """consume_skb(): kfree_skb for a frame that was delivered, not dropped."""
        self.kfree_skb(skb, napi_safe)

    def napi_consume_skb(self, skb: SkBuff, budget: int) -> None:
        """napi_consume_skb(): consume_skb from TX completion; budget 0 means outside NAPI."""
        self.kfree_skb(skb, napi_safe=budget > 0)

    def alloc_skb_with_frags(self, data: bytes, head_len: int,
                             frag_len: int) -> Optional[SkBuff]:
        """An skb to transmit `data` (as the stack builds one: a page head, then page
        fragments): head_len bytes in the head at NET_SKB_PAD, the rest in fragments of up to
        frag_len bytes, each on a page of its own (skb_fill_page_desc); every byte written by
        the CPU. The fragments are spread evenly so that there are at most MAX_SKB_FRAGS.
        None when no page is left (the caller drops the frame)."""
        hm = self.hm
        head = hm.alloc.alloc_pages(0)
        if head is None:
            return None
        head_len = min(head_len, len(data))
        skb = self.build_skb(head, 0, PAGE_SIZE)     # the page's one reference is the skb's
        skb_reserve(skb, NET_SKB_PAD)
        start = skb_put(skb, head_len)
        hm.cpu_write(head, start, data[:head_len], call="skb_put_data")
        pos = head_len
        rest = len(data) - head_len
        nfrags = min(MAX_SKB_FRAGS, -(-rest // frag_len)) if rest > 0 else 0
        frag_len = -(-rest // nfrags) if nfrags else frag_len
        while pos < len(data):
            k = min(frag_len, len(data) - pos)
            page = hm.alloc.alloc_pages(0)
            if page is None:
                self.kfree_skb(skb)
                return None
            hm.cpu_write(page, 0, data[pos:pos + k], call="skb_copy_to_frag")
            self.skb_fill_page_desc(skb, page, 0, k)
            pos += k
        return skb

    def skb_fill_page_desc(self, skb: SkBuff, page: Page, off: int, size: int) -> None:
        """skb_fill_page_desc() (plus the len / data_len / truesize update): the skb takes
        the caller's page reference as a fragment."""
        if len(skb.frags) >= MAX_SKB_FRAGS:
            raise SkbOverPanic(f"more than {MAX_SKB_FRAGS} frags", page=page,
                               call="skb_fill_page_desc")
        skb.frags.append(SkbFrag(page, off, size))
        page.skb_refs += 1
        skb.len += size
        skb.data_len += size
        skb.truesize += PAGE_SIZE


def skb_reserve(skb: SkBuff, n: int) -> None:
    """skb_reserve(): move data and tail forward by n bytes of headroom."""
    skb.data += n
    skb.tail += n


def skb_put(skb: SkBuff, n: int) -> int:
    """skb_put(): extend the linear data by n bytes; returns the old tail offset."""
    old = skb.tail
    if skb.tail + n > skb.end:
        raise SkbOverPanic(f"tail {skb.tail}+{n} > end {skb.end}", page=skb.head_page,
                           call="skb_put")
    skb.tail += n
    skb.len += n
    return old


def skb_mark_for_recycle(skb: SkBuff) -> None:
    """skb_mark_for_recycle(): pages go back to their page_pool when the skb is freed."""
    skb.pp_recycle = True


__all__ = ["SkBuff", "SkbFrag", "SkbLayer", "skb_reserve", "skb_put", "skb_mark_for_recycle",
           "SKB_DATA_ALIGN", "SKB_TAILROOM", "XDP_PACKET_HEADROOM", "NET_SKB_PAD", "PAGE_SIZE",
           "CHECKSUM_COMPLETE", "MAX_SKB_FRAGS"]
