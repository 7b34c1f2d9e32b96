"""Functional coverage of the TX bench: cocotb-coverage points in the style of
tb/common/coverage.py, sampled from the bench's own events (the frames it posts and sees on
m_axis_tx, the faults that fire, the halts, the ring's wrap), so they cost nothing per clock.

Points (prefix `nic_tx_dma.`):
  frame.descriptors     descriptors per frame sent: 1 .. 5, 6-17, 18
  frame.size            bytes per frame sent: 1, 2-63, 64-1514, 1515-4096, 4097-9215, 9216
  frame.descriptors_x_size
  frame.tready          the frame saw TREADY low while TVALID was high ("stalled") or not
  buffer.lane.dw<N>     the lane a buffer's first byte is on (one point per DATA_W)
  buffer.end_lane.dw<N> the lane of its last byte
  buffer.4k             the buffer stays within a 4 KB page, ends on a boundary, or crosses one
  fault.class           desc_read / data_read / writeback x SLVERR / DECERR, as they fire
  halt.err_code         ERR_CODE of each halt, 1 .. 5
  bad.reason            the contract's bad-descriptor reason of each bad frame posted
  ring.wrap             the driver's TAIL wrapped to 0 (sampled per wrap)
  read.reorder          behind nic_dma: an R beat of another ID than the beat before

The database is always filled; with COVERAGE=1 each test writes it to
sim_build/coverage/functional_tx/<sim>/<top>_dw<N>/<module>.<test>.yml (COVERAGE_DIR/tx
overrides the root), apart from the RX bench's files.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import cocotb
from cocotb_coverage.coverage import CoverCross, CoverPoint, coverage_db

from tb.common.build import ROOT

TOP = "nic_tx_dma"
OUT_ROOT = ROOT / "sim_build" / "coverage" / "functional_tx"
DESC_BINS = ["1", "2", "3", "4", "5", "6-17", "18"]
SIZE_BINS = ["1", "2-63", "64-1514", "1515-4096", "4097-9215", "9216"]
FAULT_BINS = [f"{k}_{r}" for k in ("desc_read", "data_read", "writeback")
              for r in ("slverr", "decerr")]


def _n(name):
    return f"{TOP}.{name}"


def desc_bin(n):
    return str(n) if n <= 5 else ("18" if n == 18 else "6-17")


def size_bin(n):
    if n == 1:
        return "1"
    if n < 64:
        return "2-63"
    if n <= 1514:
        return "64-1514"
    if n <= 4096:
        return "1515-4096"
    return "4097-9215" if n < 9216 else "9216"


@CoverPoint(_n("frame.descriptors"), xf=lambda nd, size: desc_bin(nd), bins=DESC_BINS)
@CoverPoint(_n("frame.size"), xf=lambda nd, size: size_bin(size), bins=SIZE_BINS)
@CoverCross(_n("frame.descriptors_x_size"), items=[_n("frame.descriptors"), _n("frame.size")],
            ign_bins=[("2", "1"), ("3", "1"), ("4", "1"), ("5", "1"), ("6-17", "1"),
                      ("18", "1")])
def sample_frame(nd, size):
    """A frame went out on m_axis_tx: its descriptors and bytes."""


@CoverPoint(_n("frame.tready"), bins=["stalled", "free"])
def sample_tready(kind):
    """Whether the frame saw TREADY low while TVALID was high."""


@CoverPoint(_n("buffer.4k"), bins=["within", "ends_at_4k", "crosses"])
def sample_4k(kind):
    """A posted buffer within a 4 KB page, ending on a boundary, or crossing one."""


@CoverPoint(_n("fault.class"), bins=FAULT_BINS)
def sample_fault(kind):
    """An injected fault fired."""


@CoverPoint(_n("halt.err_code"), bins=[1, 2, 3, 4, 5])
def sample_halt(code):
    """The queue halted with this ERR_CODE."""


@CoverPoint(_n("bad.reason"), bins=["len0", "too_many_descriptors", "too_long", "addr_wrap"])
def sample_bad(reason):
    """A bad frame was posted (tx_contract's reason)."""


@CoverPoint(_n("ring.wrap"), bins=[True])
def sample_wrap(w):
    """The driver's TAIL wrapped."""


@CoverPoint(_n("read.reorder"), bins=["id_switch"])
def sample_reorder(kind):
    """Behind nic_dma, an R beat of another ID than the one before."""


_lane_points = {}


def _lanes(nbytes):
    if nbytes not in _lane_points:
        @CoverPoint(_n(f"buffer.lane.dw{nbytes * 8}"), xf=lambda s, e: s,
                    bins=list(range(nbytes)))
        @CoverPoint(_n(f"buffer.end_lane.dw{nbytes * 8}"), xf=lambda s, e: e,
                    bins=list(range(nbytes)))
        def sample_lane(start, end):
            """The lanes of a buffer's first and last bytes."""
        _lane_points[nbytes] = sample_lane
    return _lane_points[nbytes]


class TxCoverage:
    def __init__(self, tb):
        self.tb = tb
        self.nbytes = tb.nbytes
        self.lane = _lanes(tb.nbytes)
        self.log = logging.getLogger("cocotb.tb.coverage")

    def buffer(self, addr, length):
        self.lane(addr % self.nbytes, (addr + length - 1) % self.nbytes)
        end = (addr & 0xFFF) + length
        sample_4k("within" if end < 4096 else "ends_at_4k" if end == 4096 else "crosses")

    def frame(self, nd, size, stalled):
        sample_frame(nd, size)
        sample_tready("stalled" if stalled else "free")

    def fault(self, kind, resp):
        sample_fault(f"{kind}_{'slverr' if resp == 2 else 'decerr'}")

    def halt(self, code):
        sample_halt(code)

    def bad(self, reason):
        sample_bad(reason)

    def wrap(self):
        sample_wrap(True)

    def reorder(self):
        sample_reorder("id_switch")

    def export(self, name):
        if os.environ.get("COVERAGE", "0") in ("", "0"):
            return
        root = Path(os.environ["COVERAGE_DIR"]) / "tx" if os.environ.get("COVERAGE_DIR") \
            else OUT_ROOT
        sim = "icarus" if "icarus" in cocotb.SIM_NAME.lower() else "verilator"
        module = os.environ.get("COCOTB_TEST_MODULES", "tests").split(",")[0]
        f = root / sim / f"{self.tb.top}_dw{self.tb.dw}" / f"{module}.{name}.yml"
        try:
            f.parent.mkdir(parents=True, exist_ok=True)
            coverage_db.export_to_yaml(str(f))
        except Exception as e:  # noqa: BLE001 - coverage output must never fail a test
            self.log.warning("coverage export to %s failed: %s", f, e)


def start(tb):
    return TxCoverage(tb)


def merge(root: Path = OUT_ROOT):
    """{point: {bin: hits}} summed over every YAML file under `root` (all sims and builds)."""
    import yaml
    out = {}
    for f in sorted(Path(root).rglob("*.yml")):
        db = yaml.safe_load(f.read_text()) or {}
        for name, item in db.items():
            hits = item.get("bins:_hits") if isinstance(item, dict) else None
            if hits is None:
                continue
            acc = out.setdefault(name, {})
            for b, n in hits.items():
                acc[str(b)] = acc.get(str(b), 0) + int(n)
    return out


def main():
    """`python -m tb.rtl.tx_coverage [root]`: every TX point merged, with its holes."""
    import sys
    pts = merge(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_ROOT)
    holes = 0
    for name, bins in sorted(pts.items()):
        miss = [b for b, n in bins.items() if n == 0]
        holes += len(miss)
        print(f"{name:48s} {len(bins) - len(miss):3d}/{len(bins):<3d}"
              + (f"  holes: {', '.join(miss)}" if miss else ""))
    print(f"{len(pts)} points, {holes} empty bins")


if __name__ == "__main__":
    main()
