#!/usr/bin/env python3
"""`make sim`: build nic_rx_dma, co-simulate it with the driver model, print a summary.

Options are make variables (environment): SIM, DRIVER, COHERENT, IOMMU, PROFILE, FRAMES, SIZES,
RATE, SEED, DATA_W, WAVES, and CLK_NS, RING, BUG, STRICT, HOLD, MAC_ERR_EVERY. Results go to
sim_build/sim_results.json; with WAVES=1 the FST goes to sim_build/cosim/nic_rx_dma.fst.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tb.cosim_run import options, run, summary  # noqa: E402


def main():
    results = ROOT / "sim_build" / "sim_results.json"
    res = run(options(), results)
    print(summary(res))
    print(f"  results written to {results.relative_to(ROOT)}"
          + (f"; waves in {Path(res['waves']).relative_to(ROOT)} (make waves)"
             if res.get("waves") else ""))
    return 0 if not res.get("verdict") else 1


if __name__ == "__main__":
    sys.exit(main())
