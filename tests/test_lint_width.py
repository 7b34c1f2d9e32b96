"""The width lint (scripts/lint_width.py) flags context-widened pointer arithmetic, and only that.

Each case is a one-module design; the lint must flag the wrapped-pointer comparison that let
the frame FIFO invent frames after 1,024 of them, and must stay quiet on the sized forms.
"""
from pathlib import Path

import lint_width
import pytest

ROOT = Path(__file__).resolve().parents[1]

MODULE = """`default_nettype none
module nic_rx_dma #(parameter DATA_W = 64) (input wire clk, input wire [3:0] wr, input wire [3:0] rd,
    input wire [1:0] lane, input wire [511:0] word, output wire y, output reg [3:0] q,
    output wire [127:0] sel);
{body}
endmodule
"""

CASES = {
    # the FIFO's two-frames test, unsized: flagged
    "unsized_compare": ("assign y = (wr - rd) > 1;", True),
    "wider_operand": ("wire [7:0] lim = 8'd3;\nassign y = (wr - rd) < lim;", True),
    "sum_compared": ("assign y = (wr + 4'd1) == {1'b0, rd};", True),
    "wider_assign": ("wire [7:0] d = wr - rd;\nassign y = d[7];", True),
    # sized first, then compared: clean
    "sized_wire": ("wire [3:0] d = wr - rd;\nassign y = d > 4'd1;", False),
    "sized_literal": ("assign y = (wr - rd) > 4'd1;", False),
    # an assignment that truncates back to the operands' width: clean
    "increment": ("always @(posedge clk) q <= q + 1;\nassign y = 1'b0;", False),
    # an index is a number, not a pointer: clean
    "part_select": ("assign sel = word[lane*128 +: 128];\nassign y = 1'b0;", False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_width_lint_case(tmp_path, name):
    body, flagged = CASES[name]
    (tmp_path / "nic_rx_dma.v").write_text(MODULE.format(body=body))
    errors, found = lint_width.lint({"DATA_W": 64}, tmp_path)
    assert errors == [], errors
    assert bool(found) == flagged, found


def test_width_lint_hdl_is_clean():
    assert lint_width.main(["lint_width.py"]) == 0


def test_width_lint_catches_the_frame_fifo_bug(tmp_path):
    """Put the unsized comparison back into the frame FIFO: the lint names the line."""
    for f in (ROOT / "hdl").glob("*.v"):
        (tmp_path / f.name).write_text(f.read_text())
    ing = tmp_path / "nic_rx_ingress.v"
    src = ing.read_text()
    fixed = "assign meta_valid2 = meta_count > {{META_AW{1'b0}}, 1'b1};"
    assert fixed in src
    ing.write_text(src.replace(fixed, "assign meta_valid2 = (meta_wr_reg - meta_rd_reg) > 1;"))
    errors, found = lint_width.lint({"DATA_W": 64}, tmp_path)
    assert any("nic_rx_ingress.v" in f and "meta_wr_reg - meta_rd_reg" in f for f in found), found
