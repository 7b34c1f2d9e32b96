"""A deliberately broken design makes the suite fail.

Each mutant copies hdl/ to sim_build/mutants/<name>/, applies one textual mutation (a regex
on the RTL source, anchored on the real code), builds it on Icarus at DATA_W=64 and runs a
small targeted subset of the RTL tests, which must FAIL. A missing anchor is an error, not a
pass: the mutation must apply exactly once.
"""


import pytest
from suite import ROOT, build, run

from tb.common.mutate import mutant_hdl

MUTANTS = {
    # every byte lane strobed: writes past the frame's end inside and outside the buffer
    "wstrb_all_ones": ("nic_rx_axi_wr.v",
                       r"assign m_axi_wstrb = [^;]*;",
                       "assign m_axi_wstrb = {BYTES{1'b1}};",
                       [("cocotb_rx", "frame_lengths"), ("cocotb_rx", "buffer_offsets")]),
    # HEAD advances when the writeback burst is issued, not when its B response arrives
    "head_before_wb_b": ("nic_rx_wb.v",
                         r"if \(report\) begin(\s*)head_reg <= head_next;",
                         r"if (issue && wc_ready) begin\1head_reg <= (head_reg + m[15:0]) & ring_mask;",
                         [("cocotb_random", "random_traffic"), ("cocotb_rx", "irq_moderation_count")]),
    # descriptors become ready for writeback when the frame's last data AW is issued, not when
    # its B responses have come back: DD can reach memory before the data has
    "dd_before_data_b": ("nic_rx_dma.v",
                         r"(\.cfg_rdmt\(cfg_rdmt\),\s*)\.b_data_done\(b_data_done\), \.b_ndesc\(b_ndesc\)",
                         r"\1.b_data_done(dc_valid && dc_ready && dc_frame_last), .b_ndesc(dc_ndesc)",
                         [("cocotb_random", "random_traffic"), ("cocotb_rx", "frame_lengths")]),
    # checksum without the end-around carry of the high half
    "csum_no_carry": ("nic_rx_ingress.v",
                      r"wire \[16:0\] fold1 = \{1'b0, csum_acc\[31:16\]\} \+",
                      "wire [16:0] fold1 = {1'b0, 16'd0} +",
                      [("cocotb_rx", "checksum")]),
    # MAC_ERR never reported in the writeback
    "no_mac_err": ("nic_rx_frame_dma.v",
                   r"assign ww_mac_err = [^;]*;",
                   "assign ww_mac_err = 1'b0;",
                   [("cocotb_rx", "drop_bad")]),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_fails(name):
    fname, pat, repl, subset = MUTANTS[name]
    d = mutant_hdl(ROOT / "sim_build" / "mutants" / f"{name}_hdl", name, fname, pat, repl)
    bdir = build("icarus", 64, hdl_dir=d, tag=f"{name}_icarus_dw64")
    caught = []
    for module, test in subset:
        try:
            run("icarus", 64, module, test, bdir, tag=f"{module}.{test}",
                extra_env={"RTL_FRAMES": "400"})
        except pytest.fail.Exception as e:
            caught.append(f"{test}: {str(e).splitlines()[0][:200]}")
    assert caught, f"mutant {name} survived: {[t for _, t in subset]} all passed"
