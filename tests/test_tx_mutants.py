"""Deliberately broken TX RTL makes the TX bench fail, with the rule it breaks named.

Each mutant copies hdl/ (tb.common.mutate.mutant_hdl: a regex anchored on the real code that
must match exactly once), builds the top it needs on Verilator at DATA_W 64 (Icarus too: its
builds cost a second), and runs a few TX tests; at least one must fail with a message that
names the mutant's rule (`RULE`), not merely fail.
"""

import pytest
from cocotb_tx_suite import ROOT, build_top, run_tx

from tb.common.mutate import mutant_hdl

MUTANTS = {
    # the descriptors of a frame become ready for writeback as soon as they are taken, before
    # any read of their buffers has returned: DD before the last read returns
    "dd_before_reads": ("nic_tx_frame_rd.v", r"assign q_done = q_done_reg;",
                        "assign q_done = q_rd_reg;", "nic_tx_dma",
                        [("cocotb_tx_frames", "tx_sizes_1_to_5_buffers")],
                        "written back with DD while read burst"),
    # the FIFO's output reads up to the write pointer, not the commit point: frames start
    # before all their bytes are on chip and TVALID drops inside them
    "gap_in_frame": ("nic_tx_fifo.v", r"wire have = rd_ptr_reg != commit_ptr_reg;",
                     "wire have = rd_ptr_reg != wr_ptr_reg;", "nic_tx_dma",
                     [("cocotb_tx_frames", "tx_sizes_1_to_5_buffers")],
                     "inside a frame (a gap before TLAST"),
    # each buffer's last read burst takes one beat more: a read past the buffer's last beat
    "read_past_buffer": ("nic_tx_frame_rd.v",
                         r"wire \[12:0\] beats = ends \? need\[12:0\] : max_beats;",
                         "wire [12:0] beats = ends ? need[12:0] + 13'd1 : max_beats;",
                         "nic_tx_dma", [("cocotb_tx_frames", "tx_every_alignment")],
                         "outside the owned buffer"),
    # the shared master always grants RX's AW first: TX's writebacks wait behind every RX
    # data burst
    "arbiter_starves_tx": ("nic_dma_axi_mux.v",
                           r"wire aw_pick1 = s_axi_awvalid\[1\] && \(!s_axi_awvalid\[0\] \|\| "
                           r"!aw_last_reg\);",
                           "wire aw_pick1 = s_axi_awvalid[1] && !s_axi_awvalid[0];", "nic_dma",
                           [("cocotb_tx_dma", "dma_both_fast")], "(starvation)"),
}


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_tx_mutant_fails(name, sim):
    fname, pat, repl, top, subset, rule = MUTANTS[name]
    d = mutant_hdl(ROOT / "sim_build" / "mutants" / f"tx_{name}_hdl", name, fname, pat, repl)
    bdir = build_top(sim, 64, top, hdl_dir=d, tag=f"tx_{name}_{sim}_dw64")
    caught, other = [], []
    for module, test in subset:
        try:
            run_tx(sim, 64, top, module, test, bdir, tag=f"{module}.{test}",
                   extra_env={"RTL_FRAMES": "40"})
        except pytest.fail.Exception as e:
            msg = str(e)
            (caught if rule in msg else other).append(f"{test}: {msg.splitlines()[1][:300]}")
    print(f"mutant {name} on {sim}: caught by", caught or other)
    assert caught, (f"mutant {name} was not caught by its rule {rule!r}: "
                    + ("; ".join(other) if other else f"{[t for _, t in subset]} all passed"))
