#!/usr/bin/env python3
"""`make sim`: build nic_rx_dma, co-simulate it with the driver model, print a summary.

Options are make variables (environment): SIM, DRIVER, COHERENT, IOMMU, PROFILE, FRAMES, SIZES,
RATE, SEED, DATA_W, WAVES, and CLK_NS, RING, BUG, STRICT, HOLD, MAC_ERR_EVERY, FAULT_WRITE. Results go to
sim_build/sim_results.json; with WAVES=1 the FST goes to sim_build/cosim/nic_rx_dma.fst.
`--matrix` (make sim-matrix) runs both simulators x both RX paths x coherent / non-coherent
with the other options as given, printing each summary and writing
sim_build/sim_results_<sim>_<driver>_<coherent|noncoherent>.json.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tb.cosim_run import options, run, summary  # noqa: E402


def one(overrides, results):
    res = run(options(overrides), results)
    print(summary(res))
    print(f"  results written to {results.relative_to(ROOT)}"
          + (f"; waves in {Path(res['waves']).relative_to(ROOT)} (make waves)"
             if res.get("waves") else ""))
    return not res.get("verdict")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrix", action="store_true",
                    help="both simulators x both RX paths x coherent and non-coherent")
    a = ap.parse_args()
    if not a.matrix:
        return 0 if one({}, ROOT / "sim_build" / "sim_results.json") else 1
    ok = True
    for sim in ("icarus", "verilator"):
        for driver in ("page_pool", "legacy"):
            for coherent in ("0", "1"):
                tag = f"{sim}_{driver}_{'coherent' if coherent == '1' else 'noncoherent'}"
                print(f"\n== {tag}")
                ok &= one({"SIM": sim, "DRIVER": driver, "COHERENT": coherent},
                          ROOT / "sim_build" / f"sim_results_{tag}.json")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
