#!/usr/bin/env python3
"""`make sim`: build nic_rx_dma, co-simulate it with the driver model, print a summary.

Options are make variables (environment); tb/cosim/options.py defines and checks them, and
`scripts/sim.py --options` lists them. Every option is checked before anything builds: a bad
value prints one line (the option, the value, what it takes) and exits 2.
Results go to sim_build/sim_results.json; with WAVES=1 the FST goes to
sim_build/cosim/nic_rx_dma.fst. The summary ends with the `make sim` line that repeats the run.
`--matrix` (make sim-matrix) runs both simulators x both RX paths x coherent / non-coherent
with the other options as given, printing each summary and writing
sim_build/sim_results_<sim>_<driver>_<coherent|noncoherent>.json.
"""
import argparse
import sys
from dataclasses import fields
from pathlib import Path

from tb.cosim.options import OptionError, Options, parse
from tb.cosim.run import run, summary

ROOT = Path(__file__).resolve().parents[1]


def one(opts, results):
    try:
        res = run(opts, results)
    except RuntimeError as e:                  # the build or the simulator failed
        print(f"{e}\n  reproduce  {opts.command()}", file=sys.stderr)
        return False
    print(summary(res, opts.command()))
    print(f"  results written to {results.relative_to(ROOT)}"
          + (f"; waves in {Path(res['waves']).relative_to(ROOT)} (make waves)"
             if res.get("waves") else ""))
    return not res.get("verdict")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrix", action="store_true",
                    help="both simulators x both RX paths x coherent and non-coherent")
    ap.add_argument("--options", action="store_true",
                    help="list every option: name, default and what it takes")
    a = ap.parse_args()
    if a.options:
        for f in fields(Options):
            if f.name != "results":
                print(f"{f.name.upper():14s} default {str(f.default) or '(empty)'}; "
                      f"takes {f.metadata['takes']}")
        return 0
    if a.matrix:
        cells = [(f"{sim}_{driver}_{'coherent' if coherent == '1' else 'noncoherent'}",
                  {"SIM": sim, "DRIVER": driver, "COHERENT": coherent})
                 for sim in ("icarus", "verilator") for driver in ("page_pool", "legacy")
                 for coherent in ("0", "1")]
    else:
        cells = [("", {})]
    try:
        runs = [(tag, parse(overrides)) for tag, overrides in cells]
    except OptionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ok = True
    for tag, opts in runs:
        if tag:
            print(f"\n== {tag}")
        name = f"sim_results_{tag}.json" if tag else "sim_results.json"
        ok &= one(opts, ROOT / "sim_build" / name)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
