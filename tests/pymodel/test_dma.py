"""The DMA API model: caches, IOMMU, and one test per ownership rule that breaks it."""
import pytest

from pymodel import errors as E
from pymodel import regs
from pymodel.costs import get_profile
from pymodel.dma import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
    HostMemory,
)
from pymodel.mmio import Mmio
from pymodel.sim import Env


def mapped(hm, direction=DMA_FROM_DEVICE, off=0, size=4096):
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, off, size, direction)
    assert not hm.dma_mapping_error(addr)
    return page, addr


# ---------------------------------------------------------------- correct use, both memory modes
@pytest.mark.parametrize("profile", ["cortex-a53", "cortex-a53-smmu-strict", "x86-iommu-lazy"])
def test_receive_cycle_is_clean_in_every_profile(profile):
    hm = HostMemory(get_profile(profile), strict=True)
    page, addr = mapped(hm)
    if hm.iommu is not None:
        assert addr != page.phys
    for rnd in range(3):
        frame = bytes([rnd + 1]) * 300
        hm.device_write(addr + 64, frame)
        hm.dma_sync_single_range_for_cpu(addr, 64, 300, DMA_FROM_DEVICE)
        assert hm.cpu_read(page, 64, 300) == frame
        hm.dma_sync_single_range_for_device(addr, 64, 300, DMA_FROM_DEVICE)
    hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)
    hm.alloc.put_page(page)
    assert hm.dma_debug_check_leaks() == 0 and hm.checker.breaches == []
    s = hm.snapshot()
    assert (s["map"], s["unmap"], s["sync_for_cpu"], s["sync_for_device"]) == (1, 1, 3, 3)


def test_non_coherent_missing_invalidate_reads_stale_bytes(hm_loose):
    hm = hm_loose
    page, addr = mapped(hm)
    hm.device_write(addr, b"A" * 128)
    hm.dma_sync_single_for_cpu(addr, 128, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 128) == b"A" * 128            # line now cached
    hm.dma_sync_single_for_device(addr, 128, DMA_FROM_DEVICE)
    hm.device_write(addr, b"B" * 128)
    assert hm.cpu_read(page, 0, 128) == b"A" * 128            # no sync_for_cpu: stale
    assert isinstance(hm.checker.breaches[-1], E.CpuReadDeviceOwned)
    hm.dma_sync_single_for_cpu(addr, 128, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 128) == b"B" * 128


def test_coherent_mode_sees_device_bytes_without_sync():
    hm = HostMemory(get_profile("x86-iommu-lazy"), strict=False)
    page, addr = mapped(hm)
    hm.device_write(addr, b"C" * 64)
    assert hm.cpu_read(page, 0, 64) == b"C" * 64
    assert hm.meter.by_op.get("cache_inval", 0) == 0


def test_dirty_line_evicted_over_device_data_is_lost(hm_loose):
    hm = hm_loose
    page = hm.alloc.alloc_pages(0)
    hm.cpu_write(page, 0, b"\x00" * 64)                     # dirty line before mapping
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)
    hm.dma_mapping_error(addr)
    hm.device_write(addr, b"D" * 64)
    hm.cpu_cache_evict_all()                                # eviction writes the stale line back
    hm.dma_sync_single_for_cpu(addr, 64, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 64) == b"\x00" * 64          # device bytes lost
    # the same with the clean that dma_map_page does without SKIP_CPU_SYNC keeps them
    p2 = hm.alloc.alloc_pages(0)
    hm.cpu_write(p2, 0, b"\x00" * 64)
    a2 = hm.dma_map_page(p2, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_mapping_error(a2)
    hm.device_write(a2, b"D" * 64)
    hm.cpu_cache_evict_all()
    hm.dma_sync_single_for_cpu(a2, 64, DMA_FROM_DEVICE)
    assert hm.cpu_read(p2, 0, 64) == b"D" * 64


def test_partial_line_invalidate_cleans_edges(hm_loose):
    hm = hm_loose
    page, addr = mapped(hm, DMA_BIDIRECTIONAL)
    hm.dma_sync_single_for_cpu(addr, 4096, DMA_BIDIRECTIONAL)
    hm.cpu_write(page, 0, b"x" * 128)                        # two dirty lines
    hm.dma_sync_single_for_cpu(addr + 10, 100, DMA_BIDIRECTIONAL)   # unaligned both ends
    assert hm.alloc.pages[page.pfn].data[:128] == b"x" * 128  # edges cleaned (civac), not lost
    assert hm.stats.lines_invalidated >= 2


def test_cache_capacity_evicts_lru_pages():
    hm = HostMemory(get_profile("cortex-a53"), strict=True, cache_pages=2)
    pages = [hm.alloc.alloc_pages(0) for _ in range(3)]
    for p in pages:
        hm.cpu_write(p, 0, b"z" * 64)
    assert pages[0].data[:64] == b"z" * 64                   # evicted with write-back
    assert hm.cpu_read(pages[2], 0, 64) == b"z" * 64
    hm.cpu_read(pages[1], 0, 1)


# ---------------------------------------------------------------- one test per rule
def test_unmap_of_unmapped_address(hm):
    with pytest.raises(E.DmaUnmapNotMapped, match="0x1234"):
        hm.dma_unmap_page(0x1234, 4096, DMA_FROM_DEVICE)


def test_unmap_size_mismatch(hm):
    page, addr = mapped(hm)
    with pytest.raises(E.DmaUnmapSizeMismatch) as ei:
        hm.dma_unmap_page(addr, 2048, DMA_FROM_DEVICE)
    assert "dma_unmap_page" in str(ei.value) and repr(page) in str(ei.value)


def test_unmap_direction_mismatch(hm):
    _, addr = mapped(hm)
    with pytest.raises(E.DmaUnmapDirMismatch, match="DMA_TO_DEVICE"):
        hm.dma_unmap_page(addr, 4096, DMA_TO_DEVICE)


def test_map_error_not_checked(hm):
    """dma-debug reports an unchecked map at unmap (check_unmap), not at sync."""
    page = hm.alloc.alloc_pages(0)
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    hm.dma_sync_single_for_cpu(addr, 64, DMA_FROM_DEVICE)
    with pytest.raises(E.DmaMapErrorNotChecked, match="dma_unmap_page"):
        hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)


def test_sync_outside_mapping(hm):
    _, addr = mapped(hm, size=1024)
    with pytest.raises(E.DmaSyncNotMapped):
        hm.dma_sync_single_range_for_cpu(addr, 1000, 100, DMA_FROM_DEVICE)
    with pytest.raises(E.DmaSyncNotMapped):
        hm.dma_sync_single_for_device(addr + 4096 * 8, 10, DMA_FROM_DEVICE)


def test_sync_direction_mismatch(hm):
    _, addr = mapped(hm)
    with pytest.raises(E.DmaSyncDirMismatch):
        hm.dma_sync_single_for_cpu(addr, 64, DMA_TO_DEVICE)


def test_bad_direction(hm):
    page = hm.alloc.alloc_pages(0)
    with pytest.raises(E.DmaBadDirection):
        hm.dma_map_page(page, 0, 64, 7)


def test_cpu_read_device_owned(hm):
    page, addr = mapped(hm)
    with pytest.raises(E.CpuReadDeviceOwned) as ei:
        hm.cpu_read(page, 100, 10, call="napi_poll")
    msg = str(ei.value)
    assert "owner=device" in msg and "napi_poll" in msg and "0x64" in msg


def test_cpu_write_device_owned(hm):
    page, addr = mapped(hm, DMA_TO_DEVICE)
    with pytest.raises(E.CpuWriteDeviceOwned):
        hm.cpu_write(page, 0, b"x")


def test_cpu_write_from_device_mapping(hm):
    """Writing a DMA_FROM_DEVICE buffer the CPU owns is allowed; the rule is the dirty line a
    device write then lands under (non-coherent memory)."""
    page, addr = mapped(hm)
    hm.dma_sync_single_for_cpu(addr, 4096, DMA_FROM_DEVICE)
    hm.cpu_write(page, 0, b"x")
    hm.dma_sync_single_for_device(addr, 4096, DMA_FROM_DEVICE)   # cleans the line
    hm.device_write(addr, b"y" * 64)
    hm.cpu_write(page, 128, b"x")                                # device-owned, not cleaned
    with pytest.raises(E.CpuWriteFromDevice, match="dirty CPU line") as ei:
        hm.device_write(addr + 100, b"z" * 64)
    assert "bytes=[0x100, 0x140)" not in str(ei.value) and "0x80" in str(ei.value)


def test_device_write_not_owned(hm):
    page, addr = mapped(hm)
    hm.dma_sync_single_for_cpu(addr, 256, DMA_FROM_DEVICE)
    with pytest.raises(E.DeviceWriteNotOwned) as ei:
        hm.device_write(addr + 200, b"y" * 100)
    assert "owner=device+cpu" in str(ei.value)


def test_device_read_not_owned(hm):
    page, addr = mapped(hm, DMA_TO_DEVICE)
    hm.dma_sync_single_for_cpu(addr, 64, DMA_TO_DEVICE)
    with pytest.raises(E.DeviceReadNotOwned):
        hm.device_read(addr, 8)


def test_device_access_unmapped(hm):
    page, addr = mapped(hm)
    hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)
    with pytest.raises(E.DeviceAccessUnmapped):
        hm.device_write(addr, b"late")


def test_device_wrong_direction(hm):
    _, addr = mapped(hm, DMA_TO_DEVICE)
    with pytest.raises(E.DeviceWrongDirection):
        hm.device_write(addr, b"w")
    _, addr2 = mapped(hm, DMA_FROM_DEVICE)
    with pytest.raises(E.DeviceWrongDirection):
        hm.device_read(addr2, 4)


def test_use_after_free(hm):
    page = hm.alloc.alloc_pages(0)
    hm.alloc.put_page(page)
    with pytest.raises(E.UseAfterFree):
        hm.cpu_read(page, 0, 4)


def test_leak_at_teardown(hm):
    mapped(hm)
    with pytest.raises(E.DmaLeak, match="dma_map_page"):
        hm.dma_debug_check_leaks()


def test_unmap_while_device_owns_descriptor(hm):
    env = Env()
    ring = hm.dma_alloc_coherent(8 * 16)
    page, addr = mapped(hm)

    class NullBus:
        async def read32(self, off):
            return 1 if off == regs.STATUS else 0

        async def write32(self, off, val):
            pass

    mmio = Mmio(NullBus(), hm)

    async def setup():
        await mmio.writel(ring.dma_handle & 0xFFFFFFFF, regs.RING_BASE_LO)
        await mmio.writel(ring.dma_handle >> 32, regs.RING_BASE_HI)
        await mmio.writel(8, regs.RING_SIZE)
        await mmio.writel(regs.CTRL_EN, regs.CTRL)
        ring.write(0, regs.pack_read_desc(addr + 256, 2048))
        await mmio.writel(1, regs.TAIL)

    env.run_until_complete(setup())
    with pytest.raises(E.UnmapWhileDeviceOwns, match="descriptor 0"):
        hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)


def test_permissive_mode_records_and_proceeds(hm_loose):
    page, addr = mapped(hm_loose)
    hm_loose.cpu_read(page, 0, 4)
    hm_loose.dma_unmap_page(addr, 100, DMA_TO_DEVICE)
    names = hm_loose.checker.counts()
    assert names == {"CpuReadDeviceOwned": 1, "DmaUnmapSizeMismatch": 1, "DmaUnmapDirMismatch": 1}
    assert hm_loose.mappings == {}


def test_map_failure_injection_and_error_cookie(hm):
    page = hm.alloc.alloc_pages(0)
    hm.map_fail_next = 1
    addr = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    assert addr == DMA_MAPPING_ERROR and hm.dma_mapping_error(addr)
    assert hm.dma_map_page(page, 0, 8192, DMA_FROM_DEVICE) == DMA_MAPPING_ERROR


# ---------------------------------------------------------------- IOMMU
def test_iommu_strict_faults_after_unmap_and_on_direction():
    hm = HostMemory(get_profile("cortex-a53-smmu-strict"), strict=True)
    page, addr = mapped(hm)
    with pytest.raises(E.IommuFault, match="write-only"):
        hm.device_read(addr, 4)
    hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)
    with pytest.raises(E.IommuFault, match="no translation"):
        hm.device_write(addr, b"x")
    assert hm.iommu.stats.faults == 2 and hm.iommu.stats.iotlb_flushes == 1
    assert hm.meter.by_op["iommu_unmap"] == 600


def test_iommu_lazy_keeps_stale_translation_until_flush():
    hm = HostMemory(get_profile("x86-iommu-lazy"), strict=False)
    page, addr = mapped(hm)
    hm.dma_unmap_page(addr, 4096, DMA_FROM_DEVICE)
    hm.device_write(addr, b"stale")                           # IOTLB still translates
    assert page.data[:5] == b"stale" and hm.iommu.stats.stale_hits == 1
    assert isinstance(hm.checker.breaches[-1], E.DeviceAccessUnmapped)
    hm.iommu.flush_iotlb_all()
    with pytest.raises(E.BusErrorResponse):
        hm.device_write(addr, b"x")
    assert isinstance(hm.checker.breaches[-1], E.IommuFault)


def test_iommu_lazy_flush_queue_and_iova_reuse():
    """Lazy mode: an unmapped IOVA waits in the 256-entry flush queue and is handed out again
    only after the flush that frees it (dma-iommu.c's iova_fq)."""
    now = [0.0]
    hm = HostMemory(get_profile("x86-iommu-lazy"), strict=True, now_ns=lambda: now[0])
    page = hm.alloc.alloc_pages(0)
    addrs = []
    for _ in range(300):
        a = hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
        hm.dma_mapping_error(a)
        addrs.append(a)
        hm.dma_unmap_page(a, 4096, DMA_FROM_DEVICE)
    assert hm.iommu.stats.iotlb_flushes == 1                 # the 256-entry flush queue
    assert len(set(addrs[:256])) == 256                       # none reused while queued
    assert addrs[256] == addrs[255]                            # freed by the flush, reused
    assert set(addrs[256:]) <= set(addrs[:256]) and len(set(addrs[256:])) == 44
    hm.dma_map_page(page, 0, 4096, DMA_FROM_DEVICE)
    now[0] = 20e6
    a = hm.dma_map_page(page, 0, 100, DMA_FROM_DEVICE)        # timeout flush on the way
    assert hm.iommu.stats.iotlb_flushes == 2
    with pytest.raises(ValueError):
        from pymodel.iommu import Iommu
        Iommu("sloppy")


def test_coherent_buffer_and_device_bus_error():
    hm = HostMemory(get_profile("cortex-a53-smmu-strict"), strict=False)
    buf = hm.dma_alloc_coherent(256)
    buf.write(0, b"ring")
    assert hm.device_read(buf.dma_handle, 4) == b"ring"
    hm.device_write(buf.dma_handle + 4, b"back")
    assert buf.read(0, 8) == b"ringback"
    hm.dma_free_coherent(buf)
    hm2 = HostMemory(get_profile("cortex-a53"), strict=False)
    with pytest.raises(E.BusErrorResponse):
        hm2.device_write(0x10, b"nowhere")


def test_ring_rules_device_touching_unowned_descriptors_and_cpu_writing_owned_ones(hm):
    env = Env()
    ring = hm.dma_alloc_coherent(8 * 16)
    _, addr = mapped(hm)

    class Bus:
        async def read32(self, off):
            return 1

        async def write32(self, off, val):
            pass

    mmio = Mmio(Bus(), hm)

    async def setup():
        await mmio.writel(ring.dma_handle & 0xFFFFFFFF, regs.RING_BASE_LO)
        await mmio.writel(ring.dma_handle >> 32, regs.RING_BASE_HI)
        await mmio.writel(8, regs.RING_SIZE)
        await mmio.writel(regs.CTRL_EN, regs.CTRL)
        ring.write(0, regs.pack_read_desc(addr, 64) * 2)
        await mmio.writel(2, regs.TAIL)

    env.run_until_complete(setup())
    assert hm.device_read(ring.dma_handle, 32)                # slots 0-1: owned
    with pytest.raises(E.RingDeviceAccess, match="descriptor 5"):
        hm.device_read(ring.dma_handle + 5 * 16, 16)
    with pytest.raises(E.RingDeviceAccess):
        hm.device_write(ring.dma_handle + 2 * 16, bytes(16))
    with pytest.raises(E.CpuWriteDeviceOwned, match="descriptor 1"):
        ring.write(16, bytes(16))
    hm.device_write(ring.dma_handle, regs.pack_writeback(addr, 60, 0, regs.DESC_DD | regs.DESC_EOP, 0))
    ring.write(0, regs.pack_read_desc(addr, 64))              # completed: the driver's again
    ring.write(32, regs.pack_read_desc(addr, 64))
    env.run_until_complete(mmio.writel(3, regs.TAIL))         # hands over slot 2: fine
    with pytest.raises(E.RingTailOnHead, match="already owns"):
        env.run_until_complete(mmio.writel(2, regs.TAIL))     # wraps over slot 1, still the device's


def test_injected_iommu_fault_is_an_error_response_not_a_breach():
    """Iommu.fail_next(): the next device access finds no translation; the device sees an error
    response (BusErrorResponse), the IOMMU counts the fault, and no DMA-API rule is breached."""
    from pymodel.errors import BusErrorResponse
    hm = HostMemory(get_profile("cortex-a53-smmu-strict"), strict=True, coherent=True)
    page, bus = mapped(hm)
    hm.iommu.fail_next()
    with pytest.raises(BusErrorResponse, match="injected"):
        hm.device_write(bus, b"\x01" * 64)
    hm.device_write(bus, b"\x02" * 64)                 # the next access translates again
    assert hm.iommu.stats.faults == 1 and hm.iommu.stats.faults_injected == 1
    assert not hm.checker.breaches
    hm.dma_sync_single_range_for_cpu(bus, 0, 64, DMA_FROM_DEVICE)
    assert hm.cpu_read(page, 0, 64) == b"\x02" * 64
