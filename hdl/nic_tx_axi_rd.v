`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_axi_rd: the read side of nic_tx_dma's AXI master.
 *
 * Two requesters share AR: descriptor prefetch and the frame read engine. A free requester
 * slot is granted round-robin into the AR register; each granted burst leaves a tag in an
 * in-order tag FIFO (all reads use one ARID, so R returns in AR order). R beats go to the
 * requester at the head of the tag FIFO, with the engine's tag payload; the engine may hold
 * R for a clock (rready low) while it writes a frame's last word. While halted nothing is
 * granted (an AR already in the output register was presented before the halt).
 */
module nic_tx_axi_rd #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // AXI ID width
    parameter ID_W = 4,
    // read bursts in flight at most (power of two)
    parameter MAX_RD = 32,
    // width of the read engine's tag payload
    parameter TAG_W = 8
)
(
    input  wire                  clk,
    input  wire                  rst,

    input  wire                  halt,          // grant nothing: no new AR after an error

    /*
     * Requester 0: descriptor prefetch
     */
    input  wire                  f_req_valid,
    input  wire [ADDR_W-1:0]     f_req_addr,
    input  wire [7:0]            f_req_len,
    input  wire [2:0]            f_req_size,
    output wire                  f_req_ready,
    output wire                  f_r_valid,

    /*
     * Requester 1: frame read engine
     */
    input  wire                  e_req_valid,
    input  wire [ADDR_W-1:0]     e_req_addr,
    input  wire [7:0]            e_req_len,
    input  wire [TAG_W-1:0]      e_req_tag,
    output wire                  e_req_ready,
    output wire                  e_r_valid,
    output wire [TAG_W-1:0]      e_r_tag,
    input  wire                  e_r_ready,

    /*
     * R beat, shared
     */
    output wire [DATA_W-1:0]     r_data,
    output wire [1:0]            r_resp,
    output wire                  r_last,

    /*
     * AXI master read channels
     */
    output wire [ID_W-1:0]       m_axi_arid,
    output wire [ADDR_W-1:0]     m_axi_araddr,
    output wire [7:0]            m_axi_arlen,
    output wire [2:0]            m_axi_arsize,
    output wire [1:0]            m_axi_arburst,
    output wire                  m_axi_arvalid,
    input  wire                  m_axi_arready,
    input  wire [ID_W-1:0]       m_axi_rid,
    input  wire [DATA_W-1:0]     m_axi_rdata,
    input  wire [1:0]            m_axi_rresp,
    input  wire                  m_axi_rlast,
    input  wire                  m_axi_rvalid,
    output wire                  m_axi_rready,

    /*
     * State
     */
    output wire                  idle            // no burst requested or outstanding
);

localparam BYTES = DATA_W / 8;
localparam integer SIZE_I = $clog2(BYTES);
localparam [2:0] FULL_SIZE = SIZE_I[2:0];
localparam TW = $clog2(MAX_RD);
localparam [1:0] BURST_INCR = 2'b01;

initial begin
    if ((1 << TW) != MAX_RD || MAX_RD < 2) begin
        $error("Error: MAX_RD must be a power of two, at least 2 (instance %m)");
        $finish;
    end
end

// tag FIFO: owner (1 = engine) and the engine's payload, one entry per granted burst
reg [TAG_W:0] tag_mem [0:MAX_RD-1];
reg [TW:0] tag_wr_reg;
reg [TW:0] tag_rd_reg;
wire [TW:0] tag_level = tag_wr_reg - tag_rd_reg;

reg arvalid_reg;
reg [ADDR_W-1:0] araddr_reg;
reg [7:0] arlen_reg;
reg [2:0] arsize_reg;
reg last_grant_reg;     // 1: the engine had the last grant

wire ar_free = !arvalid_reg || m_axi_arready;
wire room = tag_level != MAX_RD[TW:0];
// round-robin: the requester that did not have the last grant goes first
wire pick_e = e_req_valid && (!f_req_valid || !last_grant_reg);
wire pick_f = f_req_valid && !pick_e;
wire grant = ar_free && room && !halt && (pick_e || pick_f);

wire [TAG_W:0] head = tag_mem[tag_rd_reg[TW-1:0]];
wire head_e = head[TAG_W];
wire have = tag_level != {(TW+1){1'b0}};
wire beat = m_axi_rvalid && m_axi_rready;

assign f_req_ready = grant && pick_f;
assign e_req_ready = grant && pick_e;

assign m_axi_arid = {ID_W{1'b0}};
assign m_axi_araddr = araddr_reg;
assign m_axi_arlen = arlen_reg;
assign m_axi_arsize = arsize_reg;
assign m_axi_arburst = BURST_INCR;
assign m_axi_arvalid = arvalid_reg;
assign m_axi_rready = !have || !head_e || e_r_ready;

assign f_r_valid = beat && have && !head_e;
assign e_r_valid = beat && have && head_e;
assign e_r_tag = head[TAG_W-1:0];
assign r_data = m_axi_rdata;
assign r_resp = m_axi_rresp;
assign r_last = m_axi_rlast;
assign idle = !have && !arvalid_reg;

always @(posedge clk) begin
    if (arvalid_reg && m_axi_arready) begin
        arvalid_reg <= 1'b0;
    end
    if (grant) begin
        arvalid_reg <= 1'b1;
        araddr_reg <= pick_e ? e_req_addr : f_req_addr;
        arlen_reg <= pick_e ? e_req_len : f_req_len;
        arsize_reg <= pick_e ? FULL_SIZE : f_req_size;
        last_grant_reg <= pick_e;
        tag_mem[tag_wr_reg[TW-1:0]] <= {pick_e, pick_e ? e_req_tag : {TAG_W{1'b0}}};
        tag_wr_reg <= tag_wr_reg + 1'b1;
    end
    if (beat && have && m_axi_rlast) begin
        tag_rd_reg <= tag_rd_reg + 1'b1;
    end

    if (rst) begin
        arvalid_reg <= 1'b0;
        araddr_reg <= {ADDR_W{1'b0}};
        arlen_reg <= 8'd0;
        arsize_reg <= 3'd0;
        last_grant_reg <= 1'b0;
        tag_wr_reg <= {(TW+1){1'b0}};
        tag_rd_reg <= {(TW+1){1'b0}};
    end
end

// reads use ID 0 and come back in order
wire unused_ok = &{1'b0, m_axi_rid, 1'b0};

endmodule

`resetall
