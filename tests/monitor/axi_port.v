// A bare AXI4 master port for the AXI monitor's own tests (tests/monitor/cocotb_rules.py):
// every signal is an input, driven from Python just after each rising clock edge, as the
// block's registered outputs and the slave model's READYs are.
/* verilator lint_off UNUSEDSIGNAL */
module axi_port #(parameter DATA_W = 64) (
    input                 clk,
    input                 m_axi_awvalid,
    input                 m_axi_awready,
    input  [63:0]         m_axi_awaddr,
    input  [7:0]          m_axi_awlen,
    input  [2:0]          m_axi_awsize,
    input  [1:0]          m_axi_awburst,
    input                 m_axi_wvalid,
    input                 m_axi_wready,
    input  [DATA_W-1:0]   m_axi_wdata,
    input  [DATA_W/8-1:0] m_axi_wstrb,
    input                 m_axi_wlast,
    input                 m_axi_bvalid,
    input                 m_axi_bready,
    input  [1:0]          m_axi_bresp,
    input                 m_axi_arvalid,
    input                 m_axi_arready,
    input  [63:0]         m_axi_araddr,
    input  [7:0]          m_axi_arlen,
    input  [2:0]          m_axi_arsize,
    input  [1:0]          m_axi_arburst,
    input                 m_axi_rvalid,
    input                 m_axi_rready,
    input  [1:0]          m_axi_rresp,
    input                 m_axi_rlast
);
endmodule
