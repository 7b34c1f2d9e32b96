`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_dma: NIC transmit DMA with descriptor prefetch and a store-and-forward FIFO.
 *
 * The descriptor fetcher keeps a queue of the descriptors the driver handed over (ring in
 * host memory, HEAD/TAIL doorbell). The frame read engine reads each frame's buffers in
 * full-width INCR bursts, many in flight, and packs their bytes into the TX FIFO; a frame
 * becomes visible to the MAC only once all of it is on chip and every read returned OKAY,
 * and then goes out on m_axis_tx without a gap. Its descriptors are then written back with
 * DD, HEAD advances on the writeback's B, and interrupt moderation raises TXDW. This top
 * only wires the stages together.
 */
module nic_tx_dma #
(
    // AXI4 and AXI-Stream data width in bits: 64, 128, 256 or 512
    parameter DATA_W = 64,
    // AXI4 address width in bits
    parameter ADDR_W = 64,
    // AXI4 ID width (the block drives ID 0)
    parameter ID_W = 4,
    // AXI-Lite address width
    parameter AXIL_ADDR_W = 12,
    // TX FIFO size in bytes (a power of two, >= 2 x 9216)
    parameter FIFO_BYTES = 32768,
    // on-chip descriptor queue entries (power of two, 8 .. 1024)
    parameter DESC_QUEUE = 512,
    // most descriptors per descriptor read burst
    parameter DESC_BURST = 16,
    // most beats per data read burst (1 .. 256)
    parameter MAX_BURST = 32,
    // read bursts in flight (power of two, >= 2)
    parameter MAX_RD = 256,
    // most descriptors merged into one writeback burst
    parameter WB_BURST = 8,
    // writeback bursts in flight awaiting B (power of two, >= 2)
    parameter MAX_WR = 16,
    // 1: descriptor reads of whole bus words use full-width beats (DATA_W 256 and 512)
    parameter DESC_FULL = 1,
    // most descriptors fetched ahead of the read engine (>= 1; past DESC_QUEUE - DESC_BURST, no limit)
    parameter DESC_AHEAD = 192
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * AXI-Lite slave: registers
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
     * AXI-Stream master: frames to the MAC
     */
    output wire [DATA_W-1:0]      m_axis_tx_tdata,
    output wire [DATA_W/8-1:0]    m_axis_tx_tkeep,
    output wire                   m_axis_tx_tvalid,
    input  wire                   m_axis_tx_tready,
    output wire                   m_axis_tx_tlast,

    /*
     * AXI4 master: descriptors and buffers in host memory
     */
    output wire [ID_W-1:0]        m_axi_awid,
    output wire [ADDR_W-1:0]      m_axi_awaddr,
    output wire [7:0]             m_axi_awlen,
    output wire [2:0]             m_axi_awsize,
    output wire [1:0]             m_axi_awburst,
    output wire                   m_axi_awlock,
    output wire [3:0]             m_axi_awcache,
    output wire [2:0]             m_axi_awprot,
    output wire                   m_axi_awvalid,
    input  wire                   m_axi_awready,
    output wire [DATA_W-1:0]      m_axi_wdata,
    output wire [DATA_W/8-1:0]    m_axi_wstrb,
    output wire                   m_axi_wlast,
    output wire                   m_axi_wvalid,
    input  wire                   m_axi_wready,
    input  wire [ID_W-1:0]        m_axi_bid,
    input  wire [1:0]             m_axi_bresp,
    input  wire                   m_axi_bvalid,
    output wire                   m_axi_bready,
    output wire [ID_W-1:0]        m_axi_arid,
    output wire [ADDR_W-1:0]      m_axi_araddr,
    output wire [7:0]             m_axi_arlen,
    output wire [2:0]             m_axi_arsize,
    output wire [1:0]             m_axi_arburst,
    output wire                   m_axi_arlock,
    output wire [3:0]             m_axi_arcache,
    output wire [2:0]             m_axi_arprot,
    output wire                   m_axi_arvalid,
    input  wire                   m_axi_arready,
    input  wire [ID_W-1:0]        m_axi_rid,
    input  wire [DATA_W-1:0]      m_axi_rdata,
    input  wire [1:0]             m_axi_rresp,
    input  wire                   m_axi_rlast,
    input  wire                   m_axi_rvalid,
    output wire                   m_axi_rready,

    /*
     * Interrupt: level, high while (ICR & IMS) != 0
     */
    output wire                   irq
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam QW = $clog2(DESC_QUEUE);
localparam DEPTH = FIFO_BYTES / BYTES;
localparam FW = $clog2(DEPTH);
localparam WBP = (DATA_W >= 128) ? DATA_W / 128 : 1;
localparam TAG_W = 2 * LB + 3;

initial begin
    if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin
        $error("Error: DATA_W must be 64, 128, 256 or 512 (instance %m)");
        $finish;
    end
    if (ADDR_W < 32 || ADDR_W > 64) begin
        $error("Error: ADDR_W must be 32 .. 64 (instance %m)");
        $finish;
    end
    if ((1 << QW) != DESC_QUEUE || DESC_QUEUE < 8 || DESC_QUEUE > 1024) begin
        $error("Error: DESC_QUEUE must be a power of two, 8 .. 1024 (instance %m)");
        $finish;
    end
    if ((1 << FW) * BYTES != FIFO_BYTES || FIFO_BYTES < 2 * 9216) begin
        $error("Error: FIFO_BYTES must be a power of two, at least 2 x 9216 (instance %m)");
        $finish;
    end
end

// configuration and state
wire        cfg_en;
wire [63:0] cfg_ring_base;
wire [31:0] cfg_ring_size;
wire [15:0] cfg_tail;
wire [15:0] cfg_pkt_thresh;
wire [15:0] cfg_delay;
wire        txdw_clr;
wire        run, drain, halt, running, halted, enable_pulse, ev_err;
wire [3:0]  err_code;
wire [15:0] ring_mask;

// descriptor queue
wire [QW:0] q_wr, q_done, q_free, q_taken;
wire [QW-1:0] ra_idx;
wire [ADDR_W-1:0] ra_addr;
wire [15:0] ra_len;
wire ra_eop;
wire [WBP*QW-1:0] rw_idx;
wire [WBP*128-1:0] rw_desc;
wire [QW-1:0] rwin_base;
wire [WB_BURST-1:0] rwin_eop;
wire fetch_idle, fetch_done;

// read requests and R routing
wire f_req_valid, f_req_ready, f_r_valid;
wire [ADDR_W-1:0] f_req_addr;
wire [7:0] f_req_len;
wire [2:0] f_req_size;
wire e_req_valid, e_req_ready, e_r_valid, e_r_ready;
wire [ADDR_W-1:0] e_req_addr;
wire [7:0] e_req_len;
wire [TAG_W-1:0] e_req_tag, e_r_tag;
wire [DATA_W-1:0] r_data;
wire [1:0] r_resp;
wire r_last;
wire rd_idle;

// FIFO
wire [FW:0] fifo_used;
wire fw_en, fw_last, fw_commit, fw_rollback;
wire [DATA_W-1:0] fw_data;
wire [LB:0] fw_cnt;
wire out_idle;
wire ev_frame;
wire [15:0] ev_frame_bytes;

// writeback and events
wire [15:0] head;
wire wb_idle, wb_pending;
wire [7:0] frames_done;
wire eng_idle;
wire err_desc_rd, err_data_rd, err_wb, err_bad_desc;
wire [3:0] ev_desc_fetched;
wire ev_axi_err_f, ev_axi_err_e, ev_axi_err_b, ev_txdw;

assign m_axi_awlock = 1'b0;
assign m_axi_awcache = 4'b0011;
assign m_axi_awprot = 3'b000;
assign m_axi_arlock = 1'b0;
assign m_axi_arcache = 4'b0011;
assign m_axi_arprot = 3'b000;

nic_tx_regs #(
    .AXIL_ADDR_W(AXIL_ADDR_W), .FIFO_BYTES(FIFO_BYTES), .DATA_W(DATA_W)
) regs_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .cfg_en(cfg_en), .cfg_ring_base(cfg_ring_base), .cfg_ring_size(cfg_ring_size),
    .cfg_tail(cfg_tail), .cfg_pkt_thresh(cfg_pkt_thresh), .cfg_delay(cfg_delay),
    .txdw_clr(txdw_clr),
    .st_running(running), .st_halted(halted), .st_err_code(err_code), .st_head(head),
    .enable_pulse(enable_pulse),
    .ev_frame(ev_frame), .ev_frame_bytes(ev_frame_bytes), .ev_desc_fetched(ev_desc_fetched),
    .ev_axi_err({ev_axi_err_b, ev_axi_err_f | ev_axi_err_e}), .ev_txdw(ev_txdw), .ev_err(ev_err),
    .irq(irq)
);

nic_tx_ctrl ctrl_inst (
    .clk(clk), .rst(rst),
    .cfg_en(cfg_en), .cfg_ring_size(cfg_ring_size),
    .rd_idle(rd_idle && fetch_idle), .eng_idle(eng_idle), .wb_idle(wb_idle),
    .wb_pending(wb_pending), .out_idle(out_idle),
    .err_desc_rd(err_desc_rd), .err_data_rd(err_data_rd), .err_wb(err_wb),
    .err_bad_desc(err_bad_desc),
    .run(run), .drain(drain), .halt(halt), .running(running), .halted(halted),
    .err_code(err_code), .ring_mask(ring_mask), .enable_pulse(enable_pulse), .ev_err(ev_err)
);

nic_tx_desc_fetch #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .DESC_QUEUE(DESC_QUEUE), .QW(QW),
    .DESC_BURST(DESC_BURST), .WB_BURST(WB_BURST), .WBP(WBP), .DESC_FULL(DESC_FULL),
    .DESC_AHEAD(DESC_AHEAD)
) fetch_inst (
    .clk(clk), .rst(rst),
    .fetch_en(!halt && (run || (drain && !eng_idle))), .halt(halt),
    .enable_pulse(enable_pulse),
    .cfg_ring_base(cfg_ring_base), .ring_mask(ring_mask), .cfg_tail(cfg_tail), .q_free(q_free),
    .q_taken(q_taken),
    .ar_req_valid(f_req_valid), .ar_req_addr(f_req_addr), .ar_req_len(f_req_len),
    .ar_req_size(f_req_size), .ar_req_ready(f_req_ready),
    .r_valid(f_r_valid), .r_data(r_data), .r_resp(r_resp), .r_last(r_last),
    .q_wr(q_wr), .ar_idle(fetch_idle), .fetch_done(fetch_done),
    .ra_idx(ra_idx), .ra_addr(ra_addr), .ra_len(ra_len), .ra_eop(ra_eop),
    .rw_idx(rw_idx), .rw_desc(rw_desc), .rwin_base(rwin_base), .rwin_eop(rwin_eop),
    .ev_desc_fetched(ev_desc_fetched), .err_desc_rd(err_desc_rd), .ev_axi_err(ev_axi_err_f)
);

nic_tx_axi_rd #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .MAX_RD(MAX_RD), .TAG_W(TAG_W)
) axi_rd_inst (
    .clk(clk), .rst(rst), .halt(halt),
    .f_req_valid(f_req_valid), .f_req_addr(f_req_addr), .f_req_len(f_req_len),
    .f_req_size(f_req_size), .f_req_ready(f_req_ready), .f_r_valid(f_r_valid),
    .e_req_valid(e_req_valid), .e_req_addr(e_req_addr), .e_req_len(e_req_len),
    .e_req_tag(e_req_tag), .e_req_ready(e_req_ready), .e_r_valid(e_r_valid),
    .e_r_tag(e_r_tag), .e_r_ready(e_r_ready),
    .r_data(r_data), .r_resp(r_resp), .r_last(r_last),
    .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready), .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata),
    .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid),
    .m_axi_rready(m_axi_rready),
    .idle(rd_idle)
);

nic_tx_frame_rd #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .QW(QW), .DEPTH(DEPTH), .FW(FW),
    .MAX_BURST(MAX_BURST), .MAX_RD(MAX_RD), .TAG_W(TAG_W)
) frame_rd_inst (
    .clk(clk), .rst(rst),
    .enable_pulse(enable_pulse), .take_en(run), .drain(drain), .halt(halt),
    .fetch_done(fetch_done),
    .q_wr(q_wr), .ra_idx(ra_idx), .ra_addr(ra_addr), .ra_len(ra_len), .ra_eop(ra_eop),
    .q_done(q_done), .q_taken(q_taken),
    .req_valid(e_req_valid), .req_addr(e_req_addr), .req_len(e_req_len), .req_tag(e_req_tag),
    .req_ready(e_req_ready), .r_valid(e_r_valid), .r_tag(e_r_tag), .r_data(r_data),
    .r_resp(r_resp), .r_last(r_last), .r_ready(e_r_ready),
    .fifo_used(fifo_used), .fw_en(fw_en), .fw_data(fw_data), .fw_cnt(fw_cnt),
    .fw_last(fw_last), .fw_commit(fw_commit), .fw_rollback(fw_rollback),
    .idle(eng_idle), .err_data_rd(err_data_rd), .err_bad_desc(err_bad_desc),
    .ev_axi_err(ev_axi_err_e)
);

nic_tx_fifo #(
    .DATA_W(DATA_W), .DEPTH(DEPTH), .FW(FW)
) fifo_inst (
    .clk(clk), .rst(rst), .clear(enable_pulse),
    .wr_en(fw_en), .wr_data(fw_data), .wr_cnt(fw_cnt), .wr_last(fw_last),
    .wr_commit(fw_commit), .rollback(fw_rollback), .used(fifo_used),
    .m_axis_tx_tdata(m_axis_tx_tdata), .m_axis_tx_tkeep(m_axis_tx_tkeep),
    .m_axis_tx_tvalid(m_axis_tx_tvalid), .m_axis_tx_tready(m_axis_tx_tready),
    .m_axis_tx_tlast(m_axis_tx_tlast),
    .out_idle(out_idle), .ev_frame(ev_frame), .ev_frame_bytes(ev_frame_bytes)
);

nic_tx_wb #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .QW(QW), .WB_BURST(WB_BURST),
    .MAX_WR(MAX_WR), .WBP(WBP)
) wb_inst (
    .clk(clk), .rst(rst),
    .enable_pulse(enable_pulse), .wb_allow(running && !halt), .cfg_ring_base(cfg_ring_base),
    .ring_mask(ring_mask), .q_done(q_done),
    .rw_idx(rw_idx), .rw_desc(rw_desc), .rwin_base(rwin_base), .rwin_eop(rwin_eop),
    .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
    .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst), .m_axi_awvalid(m_axi_awvalid),
    .m_axi_awready(m_axi_awready), .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb),
    .m_axi_wlast(m_axi_wlast), .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
    .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid),
    .m_axi_bready(m_axi_bready),
    .head(head), .q_free(q_free), .idle(wb_idle), .pending(wb_pending),
    .frames_done(frames_done), .err_wb(err_wb), .ev_axi_err(ev_axi_err_b)
);

nic_rx_irq_mod irq_mod_inst (
    .clk(clk), .rst(rst),
    .enable_pulse(enable_pulse), .cfg_pkt_thresh(cfg_pkt_thresh), .cfg_delay(cfg_delay),
    .frames_reported(frames_done), .rxdw_clr(txdw_clr),
    .ev_rxdw(ev_txdw)
);

endmodule

`resetall
