`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_regs: AXI4-Lite register file of nic_tx_dma.
 *
 * The layout of nic_rx_regs with the TX meanings: CTRL.EN, the ring, TAIL (the doorbell),
 * ICR (TXDW, ERR) with IMS and the level `irq`, ITR, and the TX counters. Offsets the TX
 * map does not list are unknown: reads return 0, writes are ignored, both answered OKAY. One
 * write and one read are served at a time; each answers one clock after its handshake.
 */
module nic_tx_regs #
(
    // AXI-Lite address width (the map spans 0x000 .. 0x07F)
    parameter AXIL_ADDR_W = 12,
    // FIFO_BYTES and DATA_W, reported read-only
    parameter FIFO_BYTES = 32768,
    parameter DATA_W = 64
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * AXI-Lite slave
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
     * Configuration out
     */
    output wire                   cfg_en,
    output wire [63:0]            cfg_ring_base,
    output wire [31:0]            cfg_ring_size,
    output wire [15:0]            cfg_tail,
    output wire [15:0]            cfg_pkt_thresh,
    output wire [15:0]            cfg_delay,
    output wire                   txdw_clr,

    /*
     * Status in
     */
    input  wire                   st_running,
    input  wire                   st_halted,
    input  wire [3:0]             st_err_code,
    input  wire [15:0]            st_head,
    input  wire                   enable_pulse,

    /*
     * Events in
     */
    input  wire                   ev_frame,         // a frame's last beat left for the MAC
    input  wire [15:0]            ev_frame_bytes,   // its length
    input  wire [3:0]             ev_desc_fetched,  // descriptors that entered the queue
    input  wire [1:0]             ev_axi_err,       // one bit per error source (R, B)
    input  wire                   ev_txdw,
    input  wire                   ev_err,

    /*
     * Interrupt
     */
    output wire                   irq
);

localparam [31:0] ID_VALUE      = 32'h4E494354;
localparam [31:0] VERSION_VALUE = 32'h00010000;

localparam [6:0]
    REG_ID              = 7'h00,
    REG_VERSION         = 7'h01,
    REG_CTRL            = 7'h02,
    REG_STATUS          = 7'h03,
    REG_RING_BASE_LO    = 7'h04,
    REG_RING_BASE_HI    = 7'h05,
    REG_RING_SIZE       = 7'h06,
    REG_HEAD            = 7'h08,
    REG_TAIL            = 7'h09,
    REG_ICR             = 7'h0C,
    REG_IMS             = 7'h0D,
    REG_ITR             = 7'h0E,
    REG_STAT_FRAMES     = 7'h10,
    REG_STAT_BYTES_LO   = 7'h11,
    REG_STAT_BYTES_HI   = 7'h12,
    REG_STAT_DESC_FETCH = 7'h18,
    REG_STAT_AXI_ERR    = 7'h19,
    REG_FIFO_BYTES      = 7'h1E,
    REG_DATA_W          = 7'h1F;

// the ICR bits this block has: TXDW (bit 0) and ERR (bit 3)
localparam [3:0] ICR_BITS = 4'b1001;
localparam [1:0] RESP_OKAY = 2'b00;

initial begin
    if (AXIL_ADDR_W < 7) begin
        $error("Error: AXIL_ADDR_W must be at least 7 (instance %m)");
        $finish;
    end
end

// AXI-Lite handshake state
reg        bvalid_reg;
reg        rvalid_reg;
reg [31:0] rdata_reg;

// registers
reg        ctrl_en_reg;
reg [31:4] ring_base_lo_reg;
reg [31:0] ring_base_hi_reg;
reg [31:0] ring_size_reg;
reg [15:0] tail_reg;
reg [3:0]  icr_reg;
reg [3:0]  ims_reg;
reg [31:0] itr_reg;
reg        irq_reg;

reg [31:0] stat_frames_reg;
reg [63:0] stat_bytes_reg;
reg [31:0] stat_bytes_hi_latch_reg;
reg [31:0] stat_desc_fetched_reg;
reg [31:0] stat_axi_err_reg;

wire wr_fire = s_axil_awvalid && s_axil_wvalid && !bvalid_reg;
wire rd_fire = s_axil_arvalid && !rvalid_reg;
wire [6:0] wr_idx = s_axil_awaddr[8:2];
wire [6:0] rd_idx = s_axil_araddr[8:2];
wire wr_hit = wr_fire && (s_axil_awaddr[AXIL_ADDR_W-1:9] == 0);
wire rd_hit = s_axil_araddr[AXIL_ADDR_W-1:9] == 0;

// byte-enable merge of the write data with a register's old value
function [31:0] merge;
    input [31:0] old;
    input [31:0] data;
    input [3:0] strb;
    integer i;
    begin
        for (i = 0; i < 4; i = i + 1) begin
            merge[i*8 +: 8] = strb[i] ? data[i*8 +: 8] : old[i*8 +: 8];
        end
    end
endfunction

wire [31:0] ring_size_wr = merge(ring_size_reg, s_axil_wdata, s_axil_wstrb);
wire [31:0] tail_wr = merge({16'd0, tail_reg}, s_axil_wdata, s_axil_wstrb);
wire [31:0] ring_base_lo_wr = merge({ring_base_lo_reg, 4'd0}, s_axil_wdata, s_axil_wstrb);
wire [3:0]  icr_w1c = (wr_hit && wr_idx == REG_ICR) ?
                      (s_axil_wdata[3:0] & {4{s_axil_wstrb[0]}} & ICR_BITS) : 4'd0;
wire [3:0]  ims_wr = s_axil_wdata[3:0] & ICR_BITS;

assign s_axil_awready = wr_fire;
assign s_axil_wready  = wr_fire;
assign s_axil_bresp   = RESP_OKAY;
assign s_axil_bvalid  = bvalid_reg;
assign s_axil_arready = rd_fire;
assign s_axil_rdata   = rdata_reg;
assign s_axil_rresp   = RESP_OKAY;
assign s_axil_rvalid  = rvalid_reg;

assign cfg_en          = ctrl_en_reg;
assign cfg_ring_base   = {ring_base_hi_reg, ring_base_lo_reg, 4'd0};
assign cfg_ring_size   = ring_size_reg;
assign cfg_tail        = tail_reg;
assign cfg_pkt_thresh  = itr_reg[15:0];
assign cfg_delay       = itr_reg[31:16];
assign txdw_clr        = icr_w1c[0];
assign irq             = irq_reg;

// read mux
reg [31:0] rd_value;
always @* begin
    rd_value = 32'd0;
    if (rd_hit) begin
        case (rd_idx)
            REG_ID:               rd_value = ID_VALUE;
            REG_VERSION:          rd_value = VERSION_VALUE;
            REG_CTRL:             rd_value = {31'd0, ctrl_en_reg};
            REG_STATUS:           rd_value = {24'd0, st_err_code, 2'd0, st_halted, st_running};
            REG_RING_BASE_LO:     rd_value = {ring_base_lo_reg, 4'd0};
            REG_RING_BASE_HI:     rd_value = ring_base_hi_reg;
            REG_RING_SIZE:        rd_value = ring_size_reg;
            REG_HEAD:             rd_value = {16'd0, st_head};
            REG_TAIL:             rd_value = {16'd0, tail_reg};
            REG_ICR:              rd_value = {28'd0, icr_reg};
            REG_IMS:              rd_value = {28'd0, ims_reg};
            REG_ITR:              rd_value = itr_reg;
            REG_STAT_FRAMES:      rd_value = stat_frames_reg;
            REG_STAT_BYTES_LO:    rd_value = stat_bytes_reg[31:0];
            REG_STAT_BYTES_HI:    rd_value = stat_bytes_hi_latch_reg;
            REG_STAT_DESC_FETCH:  rd_value = stat_desc_fetched_reg;
            REG_STAT_AXI_ERR:     rd_value = stat_axi_err_reg;
            REG_FIFO_BYTES:       rd_value = FIFO_BYTES;
            REG_DATA_W:           rd_value = DATA_W;
            default:              rd_value = 32'd0;
        endcase
    end
end

wire [3:0] icr_set = {ev_err, 2'b00, ev_txdw};
wire [3:0] icr_next = (icr_reg & ~icr_w1c) | icr_set;
wire [3:0] ims_next = (wr_hit && wr_idx == REG_IMS && s_axil_wstrb[0]) ? ims_wr : ims_reg;

always @(posedge clk) begin
    // AXI-Lite responses
    if (wr_fire) begin
        bvalid_reg <= 1'b1;
    end else if (s_axil_bready) begin
        bvalid_reg <= 1'b0;
    end
    if (rd_fire) begin
        rvalid_reg <= 1'b1;
        rdata_reg <= rd_value;
    end else if (s_axil_rready) begin
        rvalid_reg <= 1'b0;
    end

    // register writes
    if (wr_hit) begin
        case (wr_idx)
            REG_CTRL: if (s_axil_wstrb[0]) ctrl_en_reg <= s_axil_wdata[0];
            REG_RING_BASE_LO: if (!ctrl_en_reg) ring_base_lo_reg <= ring_base_lo_wr[31:4];
            REG_RING_BASE_HI: if (!ctrl_en_reg) ring_base_hi_reg <= merge(ring_base_hi_reg, s_axil_wdata, s_axil_wstrb);
            REG_RING_SIZE: if (!ctrl_en_reg) ring_size_reg <= ring_size_wr;
            REG_TAIL: if (tail_wr < ring_size_reg) tail_reg <= tail_wr[15:0];
            REG_ITR: itr_reg <= merge(itr_reg, s_axil_wdata, s_axil_wstrb);
            default: ;
        endcase
    end
    ims_reg <= ims_next;
    if (enable_pulse) begin
        tail_reg <= 16'd0;
    end

    // reading STAT_BYTES_LO latches the upper half
    if (rd_fire && rd_hit && rd_idx == REG_STAT_BYTES_LO) begin
        stat_bytes_hi_latch_reg <= stat_bytes_reg[63:32];
    end

    // interrupt causes: a hardware event wins over a same-clock write-1-to-clear
    icr_reg <= icr_next;
    irq_reg <= |(icr_next & ims_next);

    // statistics
    stat_frames_reg       <= stat_frames_reg + {31'd0, ev_frame};
    stat_bytes_reg        <= stat_bytes_reg + (ev_frame ? {48'd0, ev_frame_bytes} : 64'd0);
    stat_desc_fetched_reg <= stat_desc_fetched_reg + {28'd0, ev_desc_fetched};
    stat_axi_err_reg      <= stat_axi_err_reg + {31'd0, ev_axi_err[1]} + {31'd0, ev_axi_err[0]};

    if (rst) begin
        bvalid_reg <= 1'b0;
        rvalid_reg <= 1'b0;
        rdata_reg <= 32'd0;
        ctrl_en_reg <= 1'b0;
        ring_base_lo_reg <= 28'd0;
        ring_base_hi_reg <= 32'd0;
        ring_size_reg <= 32'd0;
        tail_reg <= 16'd0;
        icr_reg <= 4'd0;
        ims_reg <= 4'd0;
        itr_reg <= 32'd0;
        irq_reg <= 1'b0;
        stat_frames_reg <= 32'd0;
        stat_bytes_reg <= 64'd0;
        stat_bytes_hi_latch_reg <= 32'd0;
        stat_desc_fetched_reg <= 32'd0;
        stat_axi_err_reg <= 32'd0;
    end
end

// protection bits carry no meaning here; the low address bits select bytes within a register
wire unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, tail_wr[31:16], ring_base_lo_wr[3:0],
                   s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_wdata[31:4], 1'b0};

endmodule

`resetall
