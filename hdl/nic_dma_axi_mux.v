`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_dma_axi_mux: two AXI4 masters (port 0: RX, port 1: TX) onto one.
 *
 * AR and AW are granted round-robin, one address at a time through an output register; the
 * granted port's number becomes the top bit of the outgoing ID, so R and B are routed back
 * by ID and the slave may interleave or reorder the two ports' reads. W beats follow AW
 * order: each granted AW queues its port, and W is taken only from the port at the head of
 * that queue until its WLAST, so every W burst stays whole and in AW order.
 */
module nic_dma_axi_mux #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // ID width of each port; the shared master's is one more
    parameter ID_W = 4,
    // write bursts granted and not yet through W, at most (power of two)
    parameter W_DEPTH = 16
)
(
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Ports: each signal carries port 1 in its upper half, port 0 in its lower half
     */
    input  wire [2*ID_W-1:0]     s_axi_awid,
    input  wire [2*ADDR_W-1:0]   s_axi_awaddr,
    input  wire [15:0]           s_axi_awlen,
    input  wire [5:0]            s_axi_awsize,
    input  wire [3:0]            s_axi_awburst,
    input  wire [1:0]            s_axi_awvalid,
    output wire [1:0]            s_axi_awready,
    input  wire [2*DATA_W-1:0]   s_axi_wdata,
    input  wire [2*DATA_W/8-1:0] s_axi_wstrb,
    input  wire [1:0]            s_axi_wlast,
    input  wire [1:0]            s_axi_wvalid,
    output wire [1:0]            s_axi_wready,
    output wire [2*ID_W-1:0]     s_axi_bid,
    output wire [3:0]            s_axi_bresp,
    output wire [1:0]            s_axi_bvalid,
    input  wire [1:0]            s_axi_bready,
    input  wire [2*ID_W-1:0]     s_axi_arid,
    input  wire [2*ADDR_W-1:0]   s_axi_araddr,
    input  wire [15:0]           s_axi_arlen,
    input  wire [5:0]            s_axi_arsize,
    input  wire [3:0]            s_axi_arburst,
    input  wire [1:0]            s_axi_arvalid,
    output wire [1:0]            s_axi_arready,
    output wire [2*ID_W-1:0]     s_axi_rid,
    output wire [2*DATA_W-1:0]   s_axi_rdata,
    output wire [3:0]            s_axi_rresp,
    output wire [1:0]            s_axi_rlast,
    output wire [1:0]            s_axi_rvalid,
    input  wire [1:0]            s_axi_rready,

    /*
     * Shared master
     */
    output wire [ID_W:0]         m_axi_awid,
    output wire [ADDR_W-1:0]     m_axi_awaddr,
    output wire [7:0]            m_axi_awlen,
    output wire [2:0]            m_axi_awsize,
    output wire [1:0]            m_axi_awburst,
    output wire                  m_axi_awvalid,
    input  wire                  m_axi_awready,
    output wire [DATA_W-1:0]     m_axi_wdata,
    output wire [DATA_W/8-1:0]   m_axi_wstrb,
    output wire                  m_axi_wlast,
    output wire                  m_axi_wvalid,
    input  wire                  m_axi_wready,
    input  wire [ID_W:0]         m_axi_bid,
    input  wire [1:0]            m_axi_bresp,
    input  wire                  m_axi_bvalid,
    output wire                  m_axi_bready,
    output wire [ID_W:0]         m_axi_arid,
    output wire [ADDR_W-1:0]     m_axi_araddr,
    output wire [7:0]            m_axi_arlen,
    output wire [2:0]            m_axi_arsize,
    output wire [1:0]            m_axi_arburst,
    output wire                  m_axi_arvalid,
    input  wire                  m_axi_arready,
    input  wire [ID_W:0]         m_axi_rid,
    input  wire [DATA_W-1:0]     m_axi_rdata,
    input  wire [1:0]            m_axi_rresp,
    input  wire                  m_axi_rlast,
    input  wire                  m_axi_rvalid,
    output wire                  m_axi_rready
);

localparam STRB_W = DATA_W / 8;
localparam WW = $clog2(W_DEPTH);

initial begin
    if ((1 << WW) != W_DEPTH || W_DEPTH < 2) begin
        $error("Error: W_DEPTH must be a power of two, at least 2 (instance %m)");
        $finish;
    end
end

// ---------------------------------------------------------------- AR
reg ar_valid_reg;
reg [ID_W:0] ar_id_reg;
reg [ADDR_W-1:0] ar_addr_reg;
reg [7:0] ar_len_reg;
reg [2:0] ar_size_reg;
reg [1:0] ar_burst_reg;
reg ar_last_reg;                // port of the last AR grant

wire ar_free = !ar_valid_reg || m_axi_arready;
wire ar_pick1 = s_axi_arvalid[1] && (!s_axi_arvalid[0] || !ar_last_reg);
wire ar_pick0 = s_axi_arvalid[0] && !ar_pick1;
wire ar_grant = ar_free && (ar_pick0 || ar_pick1);

assign s_axi_arready = {ar_grant && ar_pick1, ar_grant && ar_pick0};
assign m_axi_arid = ar_id_reg;
assign m_axi_araddr = ar_addr_reg;
assign m_axi_arlen = ar_len_reg;
assign m_axi_arsize = ar_size_reg;
assign m_axi_arburst = ar_burst_reg;
assign m_axi_arvalid = ar_valid_reg;

// ---------------------------------------------------------------- R, by ID
wire r_port = m_axi_rid[ID_W];
assign s_axi_rid = {2{m_axi_rid[ID_W-1:0]}};
assign s_axi_rdata = {2{m_axi_rdata}};
assign s_axi_rresp = {2{m_axi_rresp}};
assign s_axi_rlast = {2{m_axi_rlast}};
assign s_axi_rvalid = {m_axi_rvalid && r_port, m_axi_rvalid && !r_port};
assign m_axi_rready = r_port ? s_axi_rready[1] : s_axi_rready[0];

// ---------------------------------------------------------------- AW and the W order
reg aw_valid_reg;
reg [ID_W:0] aw_id_reg;
reg [ADDR_W-1:0] aw_addr_reg;
reg [7:0] aw_len_reg;
reg [2:0] aw_size_reg;
reg [1:0] aw_burst_reg;
reg aw_last_reg;

reg w_port_mem [0:W_DEPTH-1];
reg [WW:0] w_wr_reg;
reg [WW:0] w_rd_reg;
wire [WW:0] w_level = w_wr_reg - w_rd_reg;

wire aw_free = (!aw_valid_reg || m_axi_awready) && w_level != W_DEPTH[WW:0];
wire aw_pick1 = s_axi_awvalid[1] && (!s_axi_awvalid[0] || !aw_last_reg);
wire aw_pick0 = s_axi_awvalid[0] && !aw_pick1;
wire aw_grant = aw_free && (aw_pick0 || aw_pick1);

assign s_axi_awready = {aw_grant && aw_pick1, aw_grant && aw_pick0};
assign m_axi_awid = aw_id_reg;
assign m_axi_awaddr = aw_addr_reg;
assign m_axi_awlen = aw_len_reg;
assign m_axi_awsize = aw_size_reg;
assign m_axi_awburst = aw_burst_reg;
assign m_axi_awvalid = aw_valid_reg;

wire w_have = w_level != {(WW+1){1'b0}};
wire w_port = w_port_mem[w_rd_reg[WW-1:0]];
assign m_axi_wdata = w_port ? s_axi_wdata[DATA_W +: DATA_W] : s_axi_wdata[0 +: DATA_W];
assign m_axi_wstrb = w_port ? s_axi_wstrb[STRB_W +: STRB_W] : s_axi_wstrb[0 +: STRB_W];
assign m_axi_wlast = s_axi_wlast[w_port];
assign m_axi_wvalid = w_have && s_axi_wvalid[w_port];
assign s_axi_wready = {w_have && w_port && m_axi_wready, w_have && !w_port && m_axi_wready};

// ---------------------------------------------------------------- B, by ID
wire b_port = m_axi_bid[ID_W];
assign s_axi_bid = {2{m_axi_bid[ID_W-1:0]}};
assign s_axi_bresp = {2{m_axi_bresp}};
assign s_axi_bvalid = {m_axi_bvalid && b_port, m_axi_bvalid && !b_port};
assign m_axi_bready = b_port ? s_axi_bready[1] : s_axi_bready[0];

always @(posedge clk) begin
    if (ar_valid_reg && m_axi_arready) begin
        ar_valid_reg <= 1'b0;
    end
    if (ar_grant) begin
        ar_valid_reg <= 1'b1;
        ar_id_reg <= {ar_pick1, ar_pick1 ? s_axi_arid[ID_W +: ID_W] : s_axi_arid[0 +: ID_W]};
        ar_addr_reg <= ar_pick1 ? s_axi_araddr[ADDR_W +: ADDR_W] : s_axi_araddr[0 +: ADDR_W];
        ar_len_reg <= ar_pick1 ? s_axi_arlen[15:8] : s_axi_arlen[7:0];
        ar_size_reg <= ar_pick1 ? s_axi_arsize[5:3] : s_axi_arsize[2:0];
        ar_burst_reg <= ar_pick1 ? s_axi_arburst[3:2] : s_axi_arburst[1:0];
        ar_last_reg <= ar_pick1;
    end

    if (aw_valid_reg && m_axi_awready) begin
        aw_valid_reg <= 1'b0;
    end
    if (aw_grant) begin
        aw_valid_reg <= 1'b1;
        aw_id_reg <= {aw_pick1, aw_pick1 ? s_axi_awid[ID_W +: ID_W] : s_axi_awid[0 +: ID_W]};
        aw_addr_reg <= aw_pick1 ? s_axi_awaddr[ADDR_W +: ADDR_W] : s_axi_awaddr[0 +: ADDR_W];
        aw_len_reg <= aw_pick1 ? s_axi_awlen[15:8] : s_axi_awlen[7:0];
        aw_size_reg <= aw_pick1 ? s_axi_awsize[5:3] : s_axi_awsize[2:0];
        aw_burst_reg <= aw_pick1 ? s_axi_awburst[3:2] : s_axi_awburst[1:0];
        aw_last_reg <= aw_pick1;
        w_port_mem[w_wr_reg[WW-1:0]] <= aw_pick1;
        w_wr_reg <= w_wr_reg + 1'b1;
    end
    if (m_axi_wvalid && m_axi_wready && m_axi_wlast) begin
        w_rd_reg <= w_rd_reg + 1'b1;
    end

    if (rst) begin
        ar_valid_reg <= 1'b0;
        ar_id_reg <= {(ID_W+1){1'b0}};
        ar_addr_reg <= {ADDR_W{1'b0}};
        ar_len_reg <= 8'd0;
        ar_size_reg <= 3'd0;
        ar_burst_reg <= 2'd0;
        ar_last_reg <= 1'b0;
        aw_valid_reg <= 1'b0;
        aw_id_reg <= {(ID_W+1){1'b0}};
        aw_addr_reg <= {ADDR_W{1'b0}};
        aw_len_reg <= 8'd0;
        aw_size_reg <= 3'd0;
        aw_burst_reg <= 2'd0;
        aw_last_reg <= 1'b0;
        w_wr_reg <= {(WW+1){1'b0}};
        w_rd_reg <= {(WW+1){1'b0}};
    end
end

endmodule

`resetall
