"""nic_dma: both blocks active at once behind the shared AXI master, against a read slave that
returns different IDs' data interleaved and out of order (tb.rtl.tx_axi.ReadResponder with
reorder and interleave: cocotbext-axi's AxiRam and AxiSlave serve bursts one at a time in AR
order, so they never could). RX frames come in from the MAC while TX frames go out; every TX
guarantee (TxRing) and the RX ones the master could break (tb.rtl.tx_rxside.RxSide) hold;
the arbiter never lets one block's request wait past two grants of the other
(tx_axi.ArbiterWatch). A fault on one block halts it while the other keeps running
(dma_tx_fault_rx_runs, dma_rx_fault_tx_runs). TX registers at 0x1000, RX at 0x0000."""

import os

import cocotb

from pymodel import regs
from tb.rtl.tx_axi import ArbiterWatch
from tb.rtl.tx_bench import TxRing, TxTB
from tb.rtl.tx_env import setup
from tb.rtl.tx_rxside import RxSide


async def _both(dut, name, n_tx, n_rx, rx_ring=64, **bus):
    tb = await TxTB.create(dut, rx_source=True, **bus)
    arb = ArbiterWatch(tb, dut.axi_mux_inst)
    rng = tb.rng
    tb.tready_random(0.2, 4)
    rx = RxSide(tb, size=rx_ring, buf_len=2048)
    ring = TxRing(tb, size=64, max_len=4096)
    await rx.start()
    await setup(tb, ring)
    if await tb.read(regs.ID) != regs.TX_ID_VALUE or await rx.rd(regs.ID) != regs.ID_VALUE:
        tb.error("nic_dma: ID registers at 0x1000 (TX) and 0x0000 (RX) do not read NICT/NICR")

    async def rx_traffic():
        for _ in range(n_rx):
            while len(rx.expect) > 4:
                await tb.cycles(16)
            await rx.send(rng.randint(60, 2048))

    async def rx_reaper():
        while rx.delivered < n_rx:
            await tb.cycles(100)
            await rx.reap()

    t_rx = cocotb.start_soon(rx_traffic())
    t_reap = cocotb.start_soon(rx_reaper())
    posted = 0
    while posted < n_tx:
        parts = ring.split(rng.randint(1, 4096), rng.randint(1, 5))
        while len(parts) > ring.free():
            await tb.cycles(40)
            await ring.reap()
        ring.post(parts)
        posted += 1
        if rng.random() < 0.4:
            await ring.doorbell()
        tb.check()
    await ring.doorbell()
    await t_rx
    await ring.wait_idle()
    await rx.finish()
    t_reap.cancel()
    await ring.check_counters()
    rd = tb.rd
    if bus.get("reorder") and n_tx > 20 and n_rx > 20 and (rd.switches == 0 or rd.overtakes == 0):
        tb.error(f"the slave never interleaved ({rd.switches}) or reordered ({rd.overtakes}) "
                 f"R data across IDs")
    if arb.both["ar"] + arb.both["aw"] == 0:
        tb.error("the two blocks never requested the shared master at once")
    tb.log.info("nic_dma: TX %d frames, RX %d frames; R id switches %d, bursts overtaken %d; "
                "both requesting AR %d / AW %d clocks, longest wait %s", ring.sent,
                rx.delivered, rd.switches, rd.overtakes, arb.both["ar"], arb.both["aw"],
                arb.most_wait)
    tb.finish_stats(name, frames=ring.sent + rx.delivered,
                    extra={"id_switches": rd.switches, "overtakes": rd.overtakes,
                           "both_ar": arb.both["ar"], "both_aw": arb.both["aw"],
                           "most_wait": arb.most_wait})


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def dma_both_reorder(dut):
    """RX and TX at once; R data of the two blocks' IDs interleaved beat by beat and out of
    order, read latency 0 .. 60 clocks, pauses on every AXI channel."""
    n = int(os.environ.get("RTL_FRAMES", "60"))
    await _both(dut, "dma_both_reorder", n, n, reorder=True, interleave=True, lat=(0, 60),
                p_ar=0.1, p_r=0.1, p_aw=0.1, p_w=0.1, p_b=0.1)


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def dma_both_fast(dut):
    """RX and TX at once on a fast bus (no pauses, no latency), bursts reordered but not
    interleaved: the most traffic per clock through the shared master; an RX ring of 8, so
    the RX block's descriptor reads meet the TX block's reads on AR."""
    n = int(os.environ.get("RTL_FRAMES", "60"))
    await _both(dut, "dma_both_fast", n, n, rx_ring=8, reorder=True, interleave=False)


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def dma_tx_fault_rx_runs(dut):
    """nic_dma with the reordering slave: a data-read SLVERR halts the TX block (ERR_CODE 2,
    the frame never sent, no TX request after RUNNING drops) while RX frames keep arriving and
    are delivered; the TX block recovers and both finish exact."""
    from pymodel import tx_contract as contract
    from tb.rtl.tx_halt import check_halt, recover
    tb = await TxTB.create(dut, rx_source=True, reorder=True, interleave=True, lat=(0, 30))
    ArbiterWatch(tb, dut.axi_mux_inst)
    rng = tb.rng
    rx = RxSide(tb, size=64, buf_len=2048)
    ring = TxRing(tb, size=32, max_len=4096)
    await rx.start()
    await setup(tb, ring, ims=regs.ICR_ERR)
    n_rx = int(os.environ.get("RTL_FRAMES", "60"))

    async def rx_traffic():
        for _ in range(n_rx):
            while len(rx.expect) > 4:
                await tb.cycles(16)
            await rx.send(rng.randint(60, 1514))
            await rx.reap()

    t_rx = cocotb.start_soon(rx_traffic())
    for _ in range(4):
        ring.post(ring.split(rng.randint(100, 4096), rng.randint(1, 3)))
    await ring.doorbell()
    await ring.wait_idle()
    fr = ring.post(ring.split(3000, 2))
    ring.post([500])
    s = ring.slots[fr.first + 1]
    lo, hi = contract.read_span(s.addr, s.blen, tb.nbytes)
    tb.fail_read(lo + tb.nbytes * rng.randrange((hi - lo) // tb.nbytes), hi, 2)
    ring.mark_doomed_from(fr)
    delivered = rx.delivered
    await ring.doorbell()
    await check_halt(tb, ring, contract.ERR_DATA_READ)
    await ring.check_counters()
    await recover(tb, ring, ims=regs.ICR_ERR)
    for _ in range(6):
        ring.post(ring.split(rng.randint(1, 4096), rng.randint(1, 5)))
    await ring.doorbell()
    await t_rx
    await ring.wait_idle()
    await rx.finish()
    if rx.delivered == delivered:
        tb.error("no RX frame was delivered while the TX block was halted and recovering")
    await ring.check_counters()
    tb.log.info("TX %d frames sent around a halt; RX %d delivered", ring.sent, rx.delivered)
    tb.finish_stats("dma_tx_fault_rx_runs", frames=ring.sent + rx.delivered)


# RX faults behind nic_dma: (kind, resp) — tx_rxside.RxSide.arm says what each one fails
RX_FAULTS = (("data", 2), ("data", 3), ("desc", 2), ("desc", 3), ("wb", 2), ("wb", 3))
RESP = {2: "SLVERR", 3: "DECERR"}


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def dma_rx_fault_tx_runs(dut):
    """nic_dma with the reordering, interleaving slave, latency and pauses: TX frames of 1 ..
    4096 bytes over 1 .. 5 buffers flow all along while the RX block meets one fault of each
    class in a random order — SLVERR and DECERR on a data write (ERR_CODE 2), on a descriptor
    read beat (1) and on a writeback (3). Each time the RX block halts with its ERR_CODE,
    STAT_AXI_ERR counts the fault, no frame at or after the faulty descriptor is reported and
    the halted block writes nothing; TX frames keep going out, byte-exact, while RX is halted;
    the RX driver recovers and frames are delivered again. At the end both blocks' counters
    are exact."""
    from tb.common.faults import RewriteQueue
    tb = await TxTB.create(dut, rx_source=True, reorder=True, interleave=True, lat=(0, 30),
                           p_ar=0.05, p_r=0.05, p_aw=0.05, p_w=0.05, p_b=0.05)
    tb.wr.b_channel.queue = RewriteQueue()      # before any B: DECERR on a write's B
    arb = ArbiterWatch(tb, dut.axi_mux_inst)
    rng = tb.rng
    tb.tready_random(0.2, 4)
    rx = RxSide(tb, size=64, buf_len=2048)
    ring = TxRing(tb, size=64, max_len=4096)
    await rx.start(ims=regs.ICR_ERR)
    await setup(tb, ring)
    run = {"tx": True}

    async def tx_traffic():
        while run["tx"]:
            parts = ring.split(rng.randint(1, 4096), rng.randint(1, 5))
            while len(parts) > ring.free():
                if ring.given != ring.tail:
                    await ring.doorbell()
                await tb.cycles(40)
                await ring.reap()
            ring.post(parts)
            if rng.random() < 0.4:
                await ring.doorbell()
            tb.check()
        await ring.doorbell()

    async def rx_frames(n):
        """`n` frames from the MAC, paced; every one must be delivered."""
        for _ in range(n):
            while len(rx.expect) > 4:
                await tb.cycles(16)
                await rx.reap()
            await rx.send(rng.randint(60, 2048))
            await rx.reap()
        await tb.source.wait()
        for _ in range(500):
            await rx.reap()
            if not rx.expect and rx.clean == rx.wb_next:
                return
            await tb.cycles(32)
        tb.error(f"RX: {len(rx.expect)} frames not delivered")

    t_tx = cocotb.start_soon(tx_traffic())
    classes = list(RX_FAULTS)
    rng.shuffle(classes)
    tx_halted = []          # TX frames sent while the RX block was halted, per fault
    for kind, resp in classes:
        await rx_frames(rng.randint(3, 8))
        for _ in range(rng.randint(0, 2)):       # frames ahead of the faulty one, in flight
            await rx.send(rng.randint(60, 2048))
        code = rx.arm(kind, resp)
        for _ in range(40):
            for _ in range(rng.randint(1, 3)):
                await rx.send(rng.randint(60, 2048))
            await tb.cycles(rng.randint(20, 200))
            await rx.reap()
            if rx.fired():
                break
        else:
            tb.error(f"RX {kind} {RESP[resp]} fault never fired")
        tb.check()
        mark = {}
        await rx.check_halt(code, on_halt=lambda m=mark: m.setdefault("sent", ring.sent))
        start = tb.mon.cyc
        while ring.sent == mark["sent"] and tb.mon.cyc - start < 50000:
            await tb.cycles(64)
        tx_halted.append(ring.sent - mark["sent"])
        if ring.sent == mark["sent"]:
            tb.error(f"no TX frame was sent while the RX block was halted ({kind} "
                     f"{RESP[resp]})")
        await rx.recover()
        delivered = rx.delivered
        await rx_frames(rng.randint(2, 5))
        if rx.delivered == delivered:
            tb.error(f"no RX frame delivered after the recovery from the {kind} fault")
        tb.check()
    run["tx"] = False
    await t_tx
    await ring.wait_idle()
    await rx.finish()
    await ring.check_counters()
    codes = [(k, r, c) for k, r, c, _ in rx.halts]
    if len(codes) != len(classes):
        tb.error(f"RX halts {codes}, expected one per fault of {classes}")
    rd = tb.rd
    if rd.switches == 0 or rd.overtakes == 0:
        tb.error(f"the slave never interleaved ({rd.switches}) or reordered ({rd.overtakes}) "
                 f"R data across IDs")
    tb.log.info("nic_dma: %d RX faults (%s); TX %d frames, %s of them while RX was halted; "
                "RX %d delivered, %d lost to the faults; R id switches %d, bursts overtaken "
                "%d", len(classes), ", ".join(f"{k} {RESP[r]}: ERR_CODE {c}" for k, r, c in codes),
                ring.sent, tx_halted, rx.delivered, rx.dropped, rd.switches, rd.overtakes)
    tb.finish_stats("dma_rx_fault_tx_runs", frames=ring.sent + rx.delivered,
                    extra={"rx_faults": len(classes), "rx_lost": rx.dropped,
                           "tx_while_rx_halted": sum(tx_halted),
                           "id_switches": rd.switches, "overtakes": rd.overtakes,
                           "most_wait": arb.most_wait})


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def dma_regs(dut):
    """nic_dma's register decode: RX at 0x0000, TX at 0x1000, each block's own ID, VERSION,
    DATA_W; writes reach one block only; unknown offsets of either block read 0, TX's
    (the RX-only ones too) at 0x1000 + offset. (At the default AXIL_ADDR_W of 13 no address
    reaches past 0x1FFF.)"""
    tb = await TxTB.create(dut)
    checks = [(0x0000 + regs.ID, regs.ID_VALUE), (0x1000 + regs.ID, regs.TX_ID_VALUE),
              (0x0000 + regs.VERSION, regs.VERSION_VALUE),
              (0x1000 + regs.VERSION, regs.TX_VERSION_VALUE),
              (0x0000 + regs.DATA_W_REG, tb.dw), (0x1000 + regs.DATA_W_REG, tb.dw)]
    checks += [(0x1000 + off, 0) for off in regs.TX_UNKNOWN_RX_OFFSETS]
    checks += [(a, 0) for a in (0x1FFC, 0x0FFC, 0x1080, 0x0080)]
    for addr, want in checks:
        if (got := await tb.read(addr, base=0)) != want:
            tb.error(f"nic_dma offset {addr:#06x} reads {got:#x}, expected {want:#x}")
    await tb.write(regs.ITR, 0x12345678, base=0x1000)
    if (v := await tb.read(regs.ITR, base=0)) != 0:
        tb.error(f"RX ITR {v:#x} after a write to TX ITR")
    if (v := await tb.read(regs.ITR, base=0x1000)) != 0x12345678:
        tb.error(f"TX ITR {v:#x} after a write of 0x12345678")
    await tb.write(regs.RING_SIZE, 64, base=0)
    if (v := await tb.read(regs.RING_SIZE, base=0x1000)) != 0:
        tb.error(f"TX RING_SIZE {v} after a write to RX RING_SIZE")
    tb.finish_stats("dma_regs")
