#!/usr/bin/env python3
"""Prepare the saved GTKWave layout for a wave file and open it (`make waves`).

Reads the saved layout of the file's top level (tb/nic_rx_dma.gtkw; for a run of the top
nic_dma, XDP= or TX=, that layout mapped onto nic_dma plus the TX groups of
tb/nic_dma_tx.gtkw), looks every signal up in the FST with pywellen,
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
RX_LAYOUT = ROOT / "tb" / "nic_rx_dma.gtkw"
TX_GROUPS = ROOT / "tb" / "nic_dma_tx.gtkw"
# the top's own ports in the RX layout: on nic_dma they are the shared ones, the rest is rx_inst's
SHARED = ("s_axil_", "s_axis_rx_", "m_axi_", "clk", "rst", "irq")
IDS = {"m_axi_awready": "m_axi_awid", "m_axi_bready": "m_axi_bid",
       "m_axi_arready": "m_axi_arid", "m_axi_rready": "m_axi_rid"}
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
    """The top level the wave file holds: nic_dma when its clock is in the file."""
    return "nic_dma" if any(v.startswith("nic_dma.clk") for v in vars_) else "nic_rx_dma"


def nic_dma_layout():
    """nic_dma's layout: the RX layout with its signals moved under `rx_inst` (the top's own
    ports becoming the shared ones, with the AXI IDs beside them) and the TX groups of
    tb/nic_dma_tx.gtkw before the shared AXI channels."""
    out = []
    for ln in RX_LAYOUT.read_text().splitlines():
        if ln.startswith("[treeopen]"):
            ln = "[treeopen] nic_dma."
        elif ln.startswith("nic_rx_dma."):
            name = ln[len("nic_rx_dma."):]
            ln = ("nic_dma." if name.startswith(SHARED) else "nic_dma.rx_inst.") + name
            if name in IDS:
                out += [ln, "@22", "nic_dma." + IDS[name]]
                continue
        out.append(ln)
    tx = [ln for ln in TX_GROUPS.read_text().splitlines() if not ln.startswith("[*]")]
    at = out.index("-AXI AW") - 1
    return "\n".join(out[:at] + tx + out[at:]) + "\n"


def render(fst, check_only=False):
    vars_ = fst_vars(fst)
    top = layout_for(vars_)
    text = nic_dma_layout() if top == "nic_dma" else RX_LAYOUT.read_text()
    name = f"the {top} layout"
    missing = [s for s in layout_signals(text) if s not in vars_]
    if missing:
        print(f"{fst}: {len(missing)} signal(s) of {name} missing: " + ", ".join(missing))
        return None
    if check_only:
        print(f"{fst}: all {len(layout_signals(text))} signals of {name} present")
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
