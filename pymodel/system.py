"""Pure-Python runs: the host of pymodel.host on the reference NIC, with a paced MAC; with
XDP or TX=stack, the top nic_dma (the reference RX NIC and the reference TX NIC behind one
register port), the driver's TX queue, and a MAC sink scoreboard on the TX side."""
from __future__ import annotations

from typing import Optional, Union

from . import regs
from .disrupt import Disruptor, DisruptSpec
from .host import Host
from .refnic import RefNic
from .reftx import MacSink, NicDma, RefTx
from .sabotage import tx_queue
from .sim import Env
from .stack import HoldTime, StackTx
from .traffic import SizeMix, wire_ns
from .xdp import XdpProg, program

TX_MODES = ("stack",)                  # the TX option: frames from the stack


class NicIrqLine:
    """The reference NIC's irq as the host's interrupt service sees it: the level is
    `nic.irq`, a device clock is `nic.clk_ns`, and the NIC's on_irq callback reports a rise."""

    def __init__(self, nic: RefNic, env: Env) -> None:
        self.nic = nic
        self.env = env

    def high(self) -> bool:
        return self.nic.irq

    def clock(self):
        return self.env.sleep_ns(self.nic.clk_ns)


class NicDmaIrqLine(NicIrqLine):
    """nic_dma's irq: RX irq OR TX irq."""

    def __init__(self, top: NicDma, env: Env) -> None:
        super().__init__(top.rx, env)
        self.top = top

    def high(self) -> bool:
        return self.top.irq


class RefSystem:
    """One RX queue end to end on the reference NIC; the co-sim replaces RefNic with the RTL.

    The host (memory, skb layer, stack, scoreboard, driver, interrupt service) is
    pymodel.host.Host's; `hm`, `skbs`, `stack`, `scoreboard` and `driver` are its.
    mem_pages: the host memory limit in pages (0 or None: unlimited).

    With `xdp` (a program name of pymodel.xdp.program, such as "tx" or "tx_every:4", or an
    XdpProg; any other callable is attached to the RX driver alone) or `tx="stack"` the
    system is the top nic_dma: the reference RX NIC and the reference TX NIC (`txnic`, its MAC
    at `tx_gbps`, None: at once) behind one register port, the driver's TX queue (`txq`,
    `tx_bug` for a sabotaged one) completed by the RX driver's NAPI, and the MAC sink
    (`mac_sink`) that checks every frame sent.
    """

    def __init__(self, *, path: str = "page_pool", profile: str = "cortex-a53",
                 strict: bool = True, ring_size: int = 256, hold: Optional[HoldTime] = None,
                 bug: Optional[str] = None, seed: int = 0, coherent: Optional[bool] = None,
                 iommu: Optional[str] = "profile", mangle: bool = False,
                 mem_pages: Optional[int] = None, xdp: Union[str, XdpProg, None] = None,
                 tx: Optional[str] = None, tx_bug: Optional[str] = None,
                 tx_ring_size: int = 256, tx_gbps: Optional[float] = None,
                 tx_frag_len: int = 4096, **driver_kw) -> None:
        if tx is not None and tx not in TX_MODES:
            raise ValueError(f"TX={tx}: use one of {', '.join(TX_MODES)}")
        self.env = Env()
        self.host = Host(self.env, profile=profile, strict=strict, coherent=coherent,
                         iommu=iommu, seed=seed, hold=hold, mangle=mangle, mem_pages=mem_pages)
        self.nic = RefNic(self.hm, self.env)
        self.txnic: Optional[RefTx] = None
        self.txq = None
        self.mac_sink: Optional[MacSink] = None
        self.stack_tx: Optional[StackTx] = None
        self.prog: Optional[XdpProg] = None
        bus = self.nic
        line = NicIrqLine(self.nic, self.env)
        if xdp is not None and not isinstance(xdp, (str, XdpProg)):
            driver_kw["xdp"] = xdp           # a bare callable: RX only (no TX queue to send on)
        elif xdp is not None or tx is not None:
            self.prog = program(xdp) if isinstance(xdp, str) else xdp
            swapped = self.prog is not None and self.prog.name.startswith("tx")
            self.mac_sink = MacSink(seed=seed, swapped=swapped)
            self.txnic = RefTx(self.hm, self.env, mac=self.mac_sink, gbps=tx_gbps)
            top = NicDma(self.nic, self.txnic)
            bus, line = top, NicDmaIrqLine(top, self.env)
            self.txq = tx_queue(self.hm, top, self.env, bug=tx_bug, base=regs.TX_BASE,
                                ring_size=tx_ring_size, skbs=self.host.skbs)
            driver_kw["tx"] = self.txq
            if self.prog is not None:
                driver_kw["xdp"] = self.prog
            if tx == "stack":
                self.stack_tx = StackTx(self.env, self.host.skbs, self.txq.qdisc, seed=seed,
                                        frag_len=tx_frag_len)
        self.host.attach(bus, path=path, ring_size=ring_size, bug=bug, **driver_kw)
        service = self.host.serve_irq(line)
        self.nic.on_irq = service.raised
        if self.txnic is not None:
            self.txnic.on_irq = service.raised
        self.seed = seed
        self.mac_sent = 0

    @property
    def hm(self):
        return self.host.hm

    @property
    def skbs(self):
        return self.host.skbs

    @property
    def stack(self):
        return self.host.stack

    @property
    def scoreboard(self):
        return self.host.scoreboard

    @property
    def driver(self):
        return self.host.driver

    @driver.setter
    def driver(self, drv) -> None:
        self.host.driver = drv

    def open(self) -> None:
        """Run driver.open() to completion."""
        self.env.run_until_complete(self.driver.open())

    def close(self) -> None:
        """Run driver.close() to completion."""
        self.env.run_until_complete(self.driver.close())

    def disrupt(self, spec: Union[str, DisruptSpec], seed: Optional[int] = None,
                **kw) -> Disruptor:
        """Start a Disruptor (pymodel.disrupt) on this system's driver; seed defaults to the
        system's. Stop it with `settle()` before closing the interface for good."""
        return Disruptor(self.env, self.host, spec, self.seed if seed is None else seed,
                         **kw).start()

    def settle(self, disruptor: Disruptor) -> None:
        """Stop the disruptor and run until no disruption is in progress."""
        self.env.run_until_complete(disruptor.settle())

    async def mac(self, n: int, sizes: Optional[SizeMix] = None, gbps: float = 1.0,
                  mac_err_every: int = 0, gap_ns: float = 0.0) -> None:
        """Send n frames back to back at gbps (plus gap_ns), every k-th flagged with tuser."""
        sizes = sizes or SizeMix(seed=self.seed + 1)
        for k in range(n):
            length = sizes.draw()
            frame = self.scoreboard.frame(length)
            bad = self.host.mac_error(k, mac_err_every)
            await self.env.sleep_ns(wire_ns(len(frame), gbps) + gap_ns)
            self.nic.mac_rx(frame, tuser=bad)
            self.mac_sent += 1

    def _tx_idle(self) -> bool:
        txq = self.txq
        return txq is None or txq.idle()

    def run_traffic(self, n: int, drain_ns: float = 5e6, **kw) -> None:
        """Send n frames and run until they are all consumed (or drain_ns after the last)."""
        task = self.env.spawn(self.mac(n, **kw), name="mac")
        self.env.run(until=lambda: task.done)
        self.drain(drain_ns)

    def drain(self, drain_ns: float = 5e6) -> None:
        """Run until the stack holds nothing, NAPI is idle and the TX side is empty (or
        drain_ns passed), then a little longer for moderation timers and holds."""
        limit = self.env.now_ns + drain_ns
        self.env.run(until_ns=limit, until=lambda: self.stack.stats.held == 0
                     and not self.driver.napi_scheduled and not self.driver.rx_pending()
                     and self._tx_idle())
        self.env.run(until_ns=self.env.now_ns + 1e5)

    def run_stack_tx(self, n: int, sizes: Optional[SizeMix] = None,
                     gbps: Optional[float] = None, drain_ns: float = 5e7) -> None:
        """TX=stack: the stack sends n frames through the qdisc and ndo_start_xmit; run until
        the TX side is empty."""
        task = self.env.spawn(self.stack_tx.send(n, sizes, gbps), name="stack_tx")
        self.env.run(until=lambda: task.done)
        self.drain(drain_ns)

    def accounting(self) -> dict:
        """Where every frame the MAC sent went: delivered to the stack, transmitted again
        (XDP_TX, XDP_REDIRECT: the frames the MAC sink received), or dropped (by cause);
        `balanced` when they add up to what was sent; `tx_meant` the frames the XDP program
        sent out again, and which the sink must have seen once, in order, byte-exact."""
        drops = self.env.run_until_complete(self.driver.rx_drops())
        delivered = self.driver.stats.rx_packets
        transmitted = 0
        if self.mac_sink is not None:             # the sink's frames less the stack's own
            transmitted = self.mac_sink.received - self.txq.stats.tx_completed
        sent = self.mac_sent
        out = {"sent": sent, "delivered": delivered, "transmitted": transmitted,
               "drops": drops, "drops_total": sum(drops.values()),
               "balanced": delivered + transmitted + sum(drops.values()) == sent}
        if self.prog is not None and self.mac_sink is not None:
            st = self.driver.stats
            out["tx_meant"] = st.rx_xdp_tx + st.rx_xdp_redirect
            out["tx_seqs_match"] = self.mac_sink.seqs == self.prog.sent_seqs
        return out

    def snapshot(self) -> dict:
        """driver.snapshot() run to completion."""
        return self.env.run_until_complete(self.driver.snapshot())
