`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_dma_axil_dec: one AXI4-Lite slave port onto the RX (0x0000-0x0FFF) and TX
 * (0x1000-0x1FFF) register files, by address bit 12.
 *
 * One write and one read are in flight at a time (the next address waits for the response),
 * so responses come back in order. Addresses at or above 0x2000 reach neither block: a write
 * there is ignored and a read returns 0, both answered OKAY, as for any unknown offset.
 */
module nic_dma_axil_dec #
(
    // AXI-Lite address width of the shared port (>= 13)
    parameter AXIL_ADDR_W = 13
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * AXI-Lite slave (shared)
     */
    input  wire [AXIL_ADDR_W-1:0] s_axil_awaddr,
    input  wire [2:0]             s_axil_awprot,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire [31:0]            s_axil_wdata,
    input  wire [3:0]             s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire [1:0]             s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,
    input  wire [AXIL_ADDR_W-1:0] s_axil_araddr,
    input  wire [2:0]             s_axil_arprot,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire [31:0]            s_axil_rdata,
    output wire [1:0]             s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    /*
     * AXI-Lite masters: [0] RX, [1] TX, each with a 12-bit address
     */
    output wire [11:0]            m_axil_awaddr,
    output wire [2:0]             m_axil_awprot,
    output wire [1:0]             m_axil_awvalid,
    input  wire [1:0]             m_axil_awready,
    output wire [31:0]            m_axil_wdata,
    output wire [3:0]             m_axil_wstrb,
    output wire [1:0]             m_axil_wvalid,
    input  wire [1:0]             m_axil_wready,
    input  wire [3:0]             m_axil_bresp,
    input  wire [1:0]             m_axil_bvalid,
    output wire [1:0]             m_axil_bready,
    output wire [11:0]            m_axil_araddr,
    output wire [2:0]             m_axil_arprot,
    output wire [1:0]             m_axil_arvalid,
    input  wire [1:0]             m_axil_arready,
    input  wire [63:0]            m_axil_rdata,
    input  wire [3:0]             m_axil_rresp,
    input  wire [1:0]             m_axil_rvalid,
    output wire [1:0]             m_axil_rready
);

localparam [1:0] RESP_OKAY = 2'b00;

initial begin
    if (AXIL_ADDR_W < 13) begin
        $error("Error: AXIL_ADDR_W must be at least 13 (instance %m)");
        $finish;
    end
end

// writes: busy from the address handshake until the response handshake
reg wr_busy_reg;
reg [1:0] wr_sel_reg;           // one-hot block, 0 for an address that reaches neither
reg wr_none_bvalid_reg;
reg rd_busy_reg;
reg [1:0] rd_sel_reg;
reg rd_none_rvalid_reg;

wire wr_in_map = (s_axil_awaddr >> 13) == {AXIL_ADDR_W{1'b0}};
wire [1:0] wr_sel = wr_in_map ? (s_axil_awaddr[12] ? 2'b10 : 2'b01) : 2'b00;
wire rd_in_map = (s_axil_araddr >> 13) == {AXIL_ADDR_W{1'b0}};
wire [1:0] rd_sel = rd_in_map ? (s_axil_araddr[12] ? 2'b10 : 2'b01) : 2'b00;

// a block takes address and data together; an unmapped write is taken at once
wire wr_req = s_axil_awvalid && s_axil_wvalid && !wr_busy_reg;
wire wr_take = wr_req && (wr_sel == 2'b00 || |(m_axil_awready & wr_sel));
wire rd_req = s_axil_arvalid && !rd_busy_reg;
wire rd_take = rd_req && (rd_sel == 2'b00 || |(m_axil_arready & rd_sel));

assign m_axil_awaddr = s_axil_awaddr[11:0];
assign m_axil_awprot = s_axil_awprot;
assign m_axil_awvalid = {2{wr_req}} & wr_sel;
assign m_axil_wdata = s_axil_wdata;
assign m_axil_wstrb = s_axil_wstrb;
assign m_axil_wvalid = {2{wr_req}} & wr_sel;
assign s_axil_awready = wr_take;
assign s_axil_wready = wr_take;

assign s_axil_bvalid = |(m_axil_bvalid & wr_sel_reg) || wr_none_bvalid_reg;
assign s_axil_bresp = wr_sel_reg[1] ? m_axil_bresp[3:2] : wr_sel_reg[0] ? m_axil_bresp[1:0] :
                      RESP_OKAY;
assign m_axil_bready = {2{s_axil_bready}} & wr_sel_reg;

assign m_axil_araddr = s_axil_araddr[11:0];
assign m_axil_arprot = s_axil_arprot;
assign m_axil_arvalid = {2{rd_req}} & rd_sel;
assign s_axil_arready = rd_take;

assign s_axil_rvalid = |(m_axil_rvalid & rd_sel_reg) || rd_none_rvalid_reg;
assign s_axil_rdata = rd_sel_reg[1] ? m_axil_rdata[63:32] : rd_sel_reg[0] ? m_axil_rdata[31:0] :
                      32'd0;
assign s_axil_rresp = rd_sel_reg[1] ? m_axil_rresp[3:2] : rd_sel_reg[0] ? m_axil_rresp[1:0] :
                      RESP_OKAY;
assign m_axil_rready = {2{s_axil_rready}} & rd_sel_reg;

always @(posedge clk) begin
    if (wr_take) begin
        wr_busy_reg <= 1'b1;
        wr_sel_reg <= wr_sel;
        wr_none_bvalid_reg <= wr_sel == 2'b00;
    end else if (s_axil_bvalid && s_axil_bready) begin
        wr_busy_reg <= 1'b0;
        wr_sel_reg <= 2'b00;
        wr_none_bvalid_reg <= 1'b0;
    end
    if (rd_take) begin
        rd_busy_reg <= 1'b1;
        rd_sel_reg <= rd_sel;
        rd_none_rvalid_reg <= rd_sel == 2'b00;
    end else if (s_axil_rvalid && s_axil_rready) begin
        rd_busy_reg <= 1'b0;
        rd_sel_reg <= 2'b00;
        rd_none_rvalid_reg <= 1'b0;
    end

    if (rst) begin
        wr_busy_reg <= 1'b0;
        wr_sel_reg <= 2'b00;
        wr_none_bvalid_reg <= 1'b0;
        rd_busy_reg <= 1'b0;
        rd_sel_reg <= 2'b00;
        rd_none_rvalid_reg <= 1'b0;
    end
end

// the blocks take AW and W together: their WREADY repeats AWREADY
wire unused_ok = &{1'b0, m_axil_wready, 1'b0};

endmodule

`resetall
