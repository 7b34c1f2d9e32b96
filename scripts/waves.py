#!/usr/bin/env python3
"""Prepare the saved GTKWave layout for a wave file and open it (`make waves`).

Reads the saved layout of the file's top level (tb/nic_rx_dma.gtkw, or tb/nic_dma.gtkw for a
run of the top nic_dma: XDP= or TX=), looks every signal up in the FST with pywellen,
writes sim_build/waves.gtkw with the run's dump file and each vector's real range (they vary
with DATA_W), then starts GTKWave if there is one and a display. `--check` only verifies that
every signal the layout names exists in the file and exits non-zero naming those that do not.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = {"nic_rx_dma": ROOT / "tb" / "nic_rx_dma.gtkw", "nic_dma": ROOT / "tb" / "nic_dma.gtkw"}
OUT = ROOT / "sim_build" / "waves.gtkw"


def newest_fst():
    fsts = sorted((ROOT / "sim_build").rglob("*.fst"), key=lambda p: p.stat().st_mtime)
    return fsts[-1] if fsts else None


def fst_vars(path):
    import pywellen
    return {v.full_name: v.bitwidth for v in pywellen.Waveform(str(path)).all_vars()}


def layout_signals(text):
    return [ln.strip() for ln in text.splitlines()
            if ln.strip() and ln[0] not in "@-[*" and not ln.startswith("[")]


def layout_for(vars_):
    """The layout of the wave file's top level: nic_dma's when its clock is in the file."""
    return LAYOUTS["nic_dma"] if any(v.startswith("nic_dma.clk") for v in vars_) \
        else LAYOUTS["nic_rx_dma"]


def render(fst, check_only=False):
    vars_ = fst_vars(fst)
    layout = layout_for(vars_)
    text = layout.read_text()
    missing = [s for s in layout_signals(text) if s not in vars_]
    if missing:
        print(f"{fst}: {len(missing)} signal(s) of {layout.name} missing: " + ", ".join(missing))
        return None
    if check_only:
        print(f"{fst}: all {len(layout_signals(text))} signals of {layout.name} present")
        return OUT
    out = []
    for ln in text.splitlines():
        s = ln.strip()
        if s in vars_ and vars_[s] > 1:
            ln = f"{s}[{vars_[s] - 1}:0]"
        out.append(ln)
    body = "\n".join(out) + "\n"
    body = re.sub(r'^\[dumpfile\] .*$', f'[dumpfile] "{fst.resolve()}"', body, flags=re.M)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(body)
    return OUT


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fst", nargs="?", help="wave file (default: the newest under sim_build/)")
    ap.add_argument("--check", action="store_true", help="only check the layout's signals exist")
    a = ap.parse_args()
    fst = Path(a.fst) if a.fst else newest_fst()
    if fst is None or not fst.exists():
        print("No wave file yet: run `make sim WAVES=1` first.")
        return 1
    gtkw = render(fst, a.check)
    if gtkw is None:
        return 1
    if a.check:
        return 0
    cmd = ["gtkwave", str(fst), str(gtkw)]
    if shutil.which("gtkwave") is None:
        print(f"Layout written to {gtkw}. GTKWave is not installed here "
              f"(Debian: apt-get install gtkwave); then run: {' '.join(cmd)}")
        return 0
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print(f"Layout written to {gtkw}. There is no display here; on a machine with one run: "
              f"{' '.join(cmd)}")
        return 0
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
