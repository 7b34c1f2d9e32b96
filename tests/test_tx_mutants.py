"""Deliberately broken TX RTL makes the TX bench fail, with the rule it breaks named.

Each mutant is a regex anchored on the real code that must match exactly once
(tb.common.mutate). The mutants of one top share one copy of hdl/ and one build: each is
switched on by its own value of a `tx_mut` register that TxTB sets from TX_MUTANT after
reset (a Verilator build costs seconds, the switch nothing). Each is built at DATA_W 64 on
Verilator and on Icarus and runs a few TX tests; at least one must fail with a message that
names the mutant's rule, not merely fail; with no mutant selected the same tests pass.
"""

import fcntl
import hashlib
import re

import pytest
from cocotb_tx_suite import ROOT, build_top, run_tx

from tb.common.mutate import mutant_hdl

# name: (file, anchor, the mutated text with `tx_mut == K` selecting it, K, top, tests, rule)
MUTANTS = {
    # the descriptors of a frame become ready for writeback as soon as they are taken, before
    # any read of their buffers has returned: DD before the last read returns
    "dd_before_reads": ("nic_tx_frame_rd.v", r"assign q_done = q_done_reg;",
                        "assign q_done = (tx_mut == 8'd1) ? q_rd_reg : q_done_reg;", 1,
                        "nic_tx_dma", [("cocotb_tx_frames", "tx_sizes_1_to_5_buffers")],
                        "written back with DD while read burst"),
    # the FIFO's output reads up to the write pointer, not the commit point: frames start
    # before all their bytes are on chip and TVALID drops inside them
    "gap_in_frame": ("nic_tx_fifo.v", r"wire have = rd_ptr_reg != commit_ptr_reg;",
                     "wire have = rd_ptr_reg != ((tx_mut == 8'd2) ? wr_ptr_reg : commit_ptr_reg);",
                     2, "nic_tx_dma", [("cocotb_tx_frames", "tx_sizes_1_to_5_buffers")],
                     "inside a frame (a gap before TLAST"),
    # each buffer's last read burst takes one beat more: a read past the buffer's last beat
    "read_past_buffer": ("nic_tx_frame_rd.v",
                         r"wire \[12:0\] beats = ends \? need\[12:0\] : max_beats;",
                         "wire [12:0] beats = ends ? need[12:0] + {12'd0, tx_mut == 8'd3} : "
                         "max_beats;", 3,
                         "nic_tx_dma", [("cocotb_tx_frames", "tx_every_alignment")],
                         "outside the owned buffer"),
    # the shared master always grants RX's AW first: TX's writebacks wait behind every RX
    # data burst
    "arbiter_starves_tx": ("nic_dma_axi_mux.v",
                           r"wire aw_pick1 = s_axi_awvalid\[1\] && \(!s_axi_awvalid\[0\] \|\| "
                           r"!aw_last_reg\);",
                           "wire aw_pick1 = s_axi_awvalid[1] && (!s_axi_awvalid[0] || "
                           "(tx_mut != 8'd4 && !aw_last_reg));", 4,
                           "nic_dma", [("cocotb_tx_dma", "dma_both_fast")], "(starvation)"),
}
DECL = "reg [7:0] tx_mut = 8'd0;   // the mutant selected (TX_MUTANT, a deposit by TxTB)\n"


def mutants_hdl(top):
    """One copy of hdl/ with every mutant of `top` in it, each switched on by its own value
    of a `tx_mut` register (TxTB deposits TX_MUTANT into it after reset): one build serves
    them all. Every anchor must match exactly once (tb.common.mutate)."""
    names = sorted(n for n, m in MUTANTS.items() if m[4] == top)
    d = ROOT / "sim_build" / "mutants" / f"tx_{top}_hdl"
    h = hashlib.sha256(repr([MUTANTS[n] for n in names]).encode() + DECL.encode())
    for src in sorted((ROOT / "hdl").glob("*.v")):
        h.update(src.name.encode() + src.read_bytes())
    d.parent.mkdir(parents=True, exist_ok=True)
    # xdist workers share the copy: the first writes it under the lock, the others (and the
    # builds reading it) find it stamped and leave it alone
    with open(str(d) + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        stamp = d / ".stamp"
        if not (stamp.exists() and stamp.read_text() == h.hexdigest()):
            _write_mutants_hdl(d, names)
            stamp.write_text(h.hexdigest())
    return d


def _write_mutants_hdl(d, names):
    first = MUTANTS[names[0]]
    mutant_hdl(d, names[0], first[0], first[1], first[2])
    for n in names[1:]:
        fname, pat, repl = MUTANTS[n][:3]
        src = (d / fname).read_text()
        new, k = re.subn(pat, lambda _m, r=repl: r, src)
        if k != 1:
            raise AssertionError(f"mutant {n}: anchor {pat!r} matched {k} times in {fname}")
        (d / fname).write_text(new)
    for fname in {MUTANTS[n][0] for n in names}:
        lines = (d / fname).read_text().splitlines(keepends=True)
        i = next(k for k, ln in enumerate(lines) if "tx_mut" in ln)
        lines.insert(i, DECL)
        (d / fname).write_text("".join(lines))


# nic_dma's Verilator build is make test's dearest: its mutant runs with -m tx_long
CASES = [pytest.param(name, sim, id=f"{name}-{sim}",
                      marks=[pytest.mark.tx_long] if (sim, MUTANTS[name][4]) ==
                      ("verilator", "nic_dma") else [])
         for name in sorted(MUTANTS) for sim in ("verilator", "icarus")]


@pytest.mark.parametrize("name,sim", CASES)
def test_tx_mutant_fails(request, name, sim):
    if request.node.get_closest_marker("tx_long") and \
            "tx_long" not in (request.config.getoption("-m") or ""):
        pytest.skip("behind the tx_long marker: pytest -m tx_long tests/test_tx_mutants.py")
    fname, pat, repl, sel, top, subset, rule = MUTANTS[name]
    d = mutants_hdl(top)
    bdir = build_top(sim, 64, top, hdl_dir=d, tag=f"tx_mutants_{top}_{sim}_dw64")
    caught, other = [], []
    for module, test in subset:
        try:
            run_tx(sim, 64, top, module, test, bdir, tag=f"{name}.{module}.{test}",
                   extra_env={"RTL_FRAMES": "40", "TX_MUTANT": str(sel)})
        except pytest.fail.Exception as e:
            msg = str(e)
            (caught if rule in msg else other).append(f"{test}: {msg.splitlines()[1][:300]}")
    print(f"mutant {name} on {sim}: caught by", caught or other)
    assert caught, (f"mutant {name} was not caught by its rule {rule!r}: "
                    + ("; ".join(other) if other else f"{[t for _, t in subset]} all passed"))


def test_tx_mutants_off():
    """The mutant build with no mutant selected passes the tests the mutants fail (on
    Icarus): the switches themselves change nothing."""
    for top in ("nic_tx_dma", "nic_dma"):
        bdir = build_top("icarus", 64, top, hdl_dir=mutants_hdl(top),
                         tag=f"tx_mutants_{top}_icarus_dw64")
        for m in MUTANTS.values():
            if m[4] != top:
                continue
            for module, test in m[5]:
                run_tx("icarus", 64, top, module, test, bdir, tag=f"off.{module}.{test}",
                       extra_env={"RTL_FRAMES": "40", "TX_MUTANT": "0"})
