`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_dma: NIC receive DMA with descriptor prefetch.
 *
 * Frames from the MAC (AXI-Stream) land in a frame FIFO that never stalls the MAC. The
 * descriptor fetcher keeps a queue of the free descriptors the driver handed over (ring in
 * host memory, HEAD/TAIL). The data engine cuts each frame into AXI write bursts into the
 * buffers those descriptors name; once every data write of a frame is acknowledged, the
 * writeback engine writes the descriptors back (length, checksum, DD/EOP), advances HEAD,
 * and interrupt moderation raises RXDW. This top only wires the stages together.
 */
module nic_rx_dma #
(
    // AXI4 and AXI-Stream data width in bits: 64, 128, 256 or 512
    parameter DATA_W = 64,
    // AXI4 address width in bits
    parameter ADDR_W = 64,
    // AXI4 ID width (the block drives ID 0)
    parameter ID_W = 4,
    // AXI-Lite address width
    parameter AXIL_ADDR_W = 12,
    // frame FIFO size in bytes (power of two, >= 8 bus words; >= 2 x 9216 for jumbo frames)
    parameter FIFO_BYTES = 32768,
    // frames the FIFO can hold at once (power of two, >= 2)
    parameter META_DEPTH = 512,
    // on-chip descriptor queue entries (power of two)
    parameter DESC_QUEUE = 64,
    // most descriptors per descriptor read burst
    parameter DESC_BURST = 16,
    // most beats per data write burst (1 .. 256)
    parameter MAX_BURST = 16,
    // most descriptors merged into one writeback burst
    parameter WB_BURST = 8,
    // write bursts in flight awaiting B (power of two, >= 1)
    parameter MAX_OUTSTANDING = 16
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
     * AXI-Stream slave: frames from the MAC
     */
    input  wire [DATA_W-1:0]      s_axis_rx_tdata,
    input  wire [DATA_W/8-1:0]    s_axis_rx_tkeep,
    input  wire                   s_axis_rx_tvalid,
    output wire                   s_axis_rx_tready,
    input  wire                   s_axis_rx_tlast,
    input  wire                   s_axis_rx_tuser,

    /*
     * AXI4 master: host memory
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
     * Interrupt: high while (ICR & IMS) != 0
     */
    output wire                   irq
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam FIFO_AW = $clog2(FIFO_BYTES / BYTES);
localparam QW = $clog2(DESC_QUEUE);
localparam WBP = BYTES >= 32 ? BYTES / 16 : 1;

initial begin
    if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin
        $error("Error: DATA_W must be 64, 128, 256 or 512 (instance %m)");
        $finish;
    end
    if (ADDR_W < 32 || ADDR_W > 64) begin
        $error("Error: ADDR_W must be 32 .. 64 (instance %m)");
        $finish;
    end
    if (FIFO_BYTES < 8 * (DATA_W / 8) || (FIFO_BYTES & (FIFO_BYTES - 1)) != 0) begin
        $error("Error: FIFO_BYTES must be a power of two of at least 8 bus words (instance %m)");
        $finish;
    end
end

// AXI4 cache/prot: normal, non-cacheable bufferable, unprivileged, secure, data
assign m_axi_awlock = 1'b0;
assign m_axi_awcache = 4'b0011;
assign m_axi_awprot = 3'b000;
assign m_axi_arlock = 1'b0;
assign m_axi_arcache = 4'b0011;
assign m_axi_arprot = 3'b000;

/*
 * Interconnect
 */
// configuration
wire        cfg_en, cfg_drop_bad, cfg_drop_nodesc;
wire [63:0] cfg_ring_base;
wire [31:0] cfg_ring_size;
wire [15:0] cfg_tail;
wire [15:0] cfg_pkt_thresh, cfg_delay;
wire [31:0] cfg_rdmt;
wire [15:0] cfg_max_frame, cfg_csum_start;
wire        rxdw_clr;

// queue state
wire        run, wb_allow, halt, running, halted, enable_pulse;
wire [3:0]  err_code;
wire [15:0] ring_mask;
wire [15:0] head;
wire [15:0] fetch_idx;

// frame FIFO
wire                 rd_en;
wire [FIFO_AW-1:0]   rd_addr0, rd_addr1;
wire [DATA_W-1:0]    rd_data0, rd_data1;
wire                 meta_valid, meta_mac_err, meta_pop, meta_valid2;
wire [15:0]          meta_len2;
wire [FIFO_AW-1:0]   meta_start;
wire [15:0]          meta_len, meta_csum;
wire                 free_valid;
wire [FIFO_AW:0]     free_words;
wire [FIFO_AW:0]     fifo_level;

// descriptor queue
wire [QW:0]          q_wr, q_head;
wire                 fetch_done, ar_idle;
wire [QW-1:0]        ra_idx;
wire [ADDR_W-1:0]    ra_addr;
wire [15:0]          ra_len;
wire                 ww_en, ww_eop, ww_mac_err;
wire [QW-1:0]        ww_idx;
wire [15:0]          ww_len, ww_csum, ww_frame_len;
wire [WBP*QW-1:0]    rw_idx;
wire [WBP*128-1:0]   rw_desc;
wire [QW-1:0]        rwin_base;
wire [WB_BURST-1:0]  rwin_eop;
wire [WB_BURST*16-1:0] rwin_frame_len;

// data burst commands
wire                 dc_valid, dc_ready, dc_noaw, dc_frame_last;
wire [ADDR_W-1:0]    dc_addr;
wire [7:0]           dc_len;
wire [FIFO_AW-1:0]   dc_wptr;
wire [LB-1:0]        dc_shift, dc_first_lane, dc_last_lane;
wire [FIFO_AW:0]     dc_free;
wire [QW:0]          dc_ndesc;

// writeback burst commands
wire                 wc_valid, wc_ready;
wire [ADDR_W-1:0]    wc_addr;
wire [7:0]           wc_len;
wire [QW-1:0]        wc_qidx;
wire [1:0]           wc_slot0;
wire [QW:0]          wc_count;
wire [7:0]           wc_frames;
wire [23:0]          wc_bytes;

// B results
wire                 b_data_done, b_wb_done;
wire [QW:0]          b_ndesc, b_wb_count;
wire [7:0]           b_wb_frames;
wire [23:0]          b_wb_bytes;
wire [QW+4:0]        frames_in_flight;
wire                 wr_idle, dma_idle, wb_idle;

// errors and events
wire err_desc_rd, err_data_wr, err_wb, err_bad_desc;
wire ev_axi_err_r, ev_axi_err_b;
wire ev_in_drop_fifo, ev_in_drop_err, ev_in_drop_over;
wire ev_dma_drop_fifo, ev_drop_nodesc, ev_nodesc_wait, ev_desc_fetched;
wire frame_begun;
wire [7:0]  ev_frames;
wire [23:0] ev_bytes;
wire        ev_rxdmt, ev_rxdw, ev_err;
wire [15:0] ev_halt_drops;

wire [15:0] ev_drop_fifo_total = ev_halt_drops + {15'd0, ev_in_drop_fifo} + {15'd0, ev_dma_drop_fifo};
wire        ev_rxo = ev_in_drop_fifo || ev_dma_drop_fifo || ev_drop_nodesc || ev_halt_drops != 16'd0;

nic_rx_regs #(
    .AXIL_ADDR_W(AXIL_ADDR_W),
    .FIFO_BYTES(FIFO_BYTES),
    .DATA_W(DATA_W)
) regs_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
    .cfg_en(cfg_en), .cfg_drop_bad(cfg_drop_bad), .cfg_drop_nodesc(cfg_drop_nodesc),
    .cfg_ring_base(cfg_ring_base), .cfg_ring_size(cfg_ring_size), .cfg_tail(cfg_tail),
    .cfg_pkt_thresh(cfg_pkt_thresh), .cfg_delay(cfg_delay), .cfg_rdmt(cfg_rdmt),
    .cfg_max_frame(cfg_max_frame), .cfg_csum_start(cfg_csum_start), .rxdw_clr(rxdw_clr),
    .st_running(running), .st_halted(halted), .st_err_code(err_code), .st_head(head),
    .enable_pulse(enable_pulse),
    .ev_frames(ev_frames), .ev_bytes(ev_bytes),
    .ev_drop_fifo(ev_drop_fifo_total), .ev_drop_nodesc(ev_drop_nodesc),
    .ev_drop_err(ev_in_drop_err), .ev_drop_oversize(ev_in_drop_over),
    .ev_nodesc_wait(ev_nodesc_wait), .ev_desc_fetched(ev_desc_fetched),
    .ev_axi_err({ev_axi_err_r, ev_axi_err_b}),
    .ev_rxdw(ev_rxdw), .ev_rxdmt(ev_rxdmt), .ev_rxo(ev_rxo), .ev_err(ev_err),
    .irq(irq)
);

nic_rx_ctrl ctrl_inst (
    .clk(clk), .rst(rst),
    .cfg_en(cfg_en), .cfg_ring_size(cfg_ring_size),
    .fifo_empty(!meta_valid), .ar_idle(ar_idle), .wr_idle(wr_idle),
    .dma_idle(dma_idle), .wb_idle(wb_idle),
    .frame_begun(frame_begun), .frames_reported(ev_frames),
    .err_desc_rd(err_desc_rd), .err_data_wr(err_data_wr), .err_wb(err_wb),
    .err_bad_desc(err_bad_desc),
    .run(run), .wb_allow(wb_allow), .halt(halt), .running(running), .halted(halted),
    .err_code(err_code), .ring_mask(ring_mask), .enable_pulse(enable_pulse),
    .ev_err(ev_err), .ev_halt_drops(ev_halt_drops)
);

nic_rx_ingress #(
    .DATA_W(DATA_W),
    .FIFO_BYTES(FIFO_BYTES),
    .META_DEPTH(META_DEPTH),
    .FIFO_AW(FIFO_AW)
) ingress_inst (
    .clk(clk), .rst(rst),
    .s_axis_rx_tdata(s_axis_rx_tdata), .s_axis_rx_tkeep(s_axis_rx_tkeep),
    .s_axis_rx_tvalid(s_axis_rx_tvalid), .s_axis_rx_tready(s_axis_rx_tready),
    .s_axis_rx_tlast(s_axis_rx_tlast), .s_axis_rx_tuser(s_axis_rx_tuser),
    .run(run), .cfg_drop_bad(cfg_drop_bad), .cfg_max_frame(cfg_max_frame),
    .cfg_csum_start(cfg_csum_start),
    .rd_en(rd_en), .rd_addr0(rd_addr0), .rd_addr1(rd_addr1),
    .rd_data0(rd_data0), .rd_data1(rd_data1),
    .meta_valid(meta_valid), .meta_start(meta_start), .meta_len(meta_len),
    .meta_csum(meta_csum), .meta_mac_err(meta_mac_err), .meta_valid2(meta_valid2),
    .meta_len2(meta_len2), .meta_pop(meta_pop),
    .free_valid(free_valid), .free_words(free_words),
    .fifo_level(fifo_level),
    .ev_drop_fifo(ev_in_drop_fifo), .ev_drop_err(ev_in_drop_err),
    .ev_drop_oversize(ev_in_drop_over)
);

nic_rx_desc_fetch #(
    .DATA_W(DATA_W),
    .ADDR_W(ADDR_W),
    .ID_W(ID_W),
    .DESC_QUEUE(DESC_QUEUE),
    .DESC_BURST(DESC_BURST),
    .WB_BURST(WB_BURST),
    .QW(QW),
    .WBP(WBP)
) desc_fetch_inst (
    .clk(clk), .rst(rst),
    .run(run), .enable_pulse(enable_pulse), .cfg_ring_base(cfg_ring_base),
    .ring_mask(ring_mask), .cfg_tail(cfg_tail), .q_free(q_head),
    .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst),
    .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
    .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp),
    .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
    .q_wr(q_wr), .fetch_done(fetch_done), .ar_idle(ar_idle), .fetch_idx(fetch_idx),
    .ra_idx(ra_idx), .ra_addr(ra_addr), .ra_len(ra_len),
    .ww_en(ww_en), .ww_idx(ww_idx), .ww_len(ww_len), .ww_csum(ww_csum),
    .ww_eop(ww_eop), .ww_mac_err(ww_mac_err), .ww_frame_len(ww_frame_len),
    .rw_idx(rw_idx), .rw_desc(rw_desc),
    .rwin_base(rwin_base), .rwin_eop(rwin_eop), .rwin_frame_len(rwin_frame_len),
    .ev_desc_fetched(ev_desc_fetched), .err_desc_rd(err_desc_rd), .ev_axi_err(ev_axi_err_r)
);

nic_rx_frame_dma #(
    .DATA_W(DATA_W),
    .ADDR_W(ADDR_W),
    .FIFO_AW(FIFO_AW),
    .QW(QW),
    .MAX_BURST(MAX_BURST)
) frame_dma_inst (
    .clk(clk), .rst(rst),
    .run(run), .halt(halt), .enable_pulse(enable_pulse), .cfg_drop_nodesc(cfg_drop_nodesc),
    .meta_valid(meta_valid), .meta_start(meta_start), .meta_len(meta_len),
    .meta_csum(meta_csum), .meta_mac_err(meta_mac_err), .meta_valid2(meta_valid2),
    .meta_len2(meta_len2), .meta_pop(meta_pop),
    .q_wr(q_wr), .fetch_done(fetch_done),
    .ra_idx(ra_idx), .ra_addr(ra_addr), .ra_len(ra_len),
    .ww_en(ww_en), .ww_idx(ww_idx), .ww_len(ww_len), .ww_csum(ww_csum),
    .ww_eop(ww_eop), .ww_mac_err(ww_mac_err), .ww_frame_len(ww_frame_len),
    .cmd_valid(dc_valid), .cmd_ready(dc_ready), .cmd_noaw(dc_noaw), .cmd_addr(dc_addr),
    .cmd_len(dc_len), .cmd_wptr(dc_wptr), .cmd_shift(dc_shift),
    .cmd_first_lane(dc_first_lane), .cmd_last_lane(dc_last_lane), .cmd_free(dc_free),
    .cmd_frame_last(dc_frame_last), .cmd_ndesc(dc_ndesc),
    .dma_idle(dma_idle), .frame_begun(frame_begun),
    .ev_drop_fifo(ev_dma_drop_fifo), .ev_drop_nodesc(ev_drop_nodesc),
    .ev_nodesc_wait(ev_nodesc_wait), .err_bad_desc(err_bad_desc)
);

nic_rx_axi_wr #(
    .DATA_W(DATA_W),
    .ADDR_W(ADDR_W),
    .ID_W(ID_W),
    .FIFO_AW(FIFO_AW),
    .QW(QW),
    .WBP(WBP),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
) axi_wr_inst (
    .clk(clk), .rst(rst), .halt(halt),
    .dc_valid(dc_valid), .dc_ready(dc_ready), .dc_noaw(dc_noaw), .dc_addr(dc_addr),
    .dc_len(dc_len), .dc_wptr(dc_wptr), .dc_shift(dc_shift),
    .dc_first_lane(dc_first_lane), .dc_last_lane(dc_last_lane), .dc_free(dc_free),
    .dc_frame_last(dc_frame_last), .dc_ndesc(dc_ndesc),
    .wc_valid(wc_valid), .wc_ready(wc_ready), .wc_addr(wc_addr), .wc_len(wc_len),
    .wc_qidx(wc_qidx), .wc_slot0(wc_slot0), .wc_count(wc_count),
    .wc_frames(wc_frames), .wc_bytes(wc_bytes),
    .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
    .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst),
    .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
    .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
    .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
    .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid),
    .m_axi_bready(m_axi_bready),
    .rd_en(rd_en), .rd_addr0(rd_addr0), .rd_addr1(rd_addr1),
    .rd_data0(rd_data0), .rd_data1(rd_data1),
    .free_valid(free_valid), .free_words(free_words),
    .rw_idx(rw_idx), .rw_desc(rw_desc),
    .b_data_done(b_data_done), .b_ndesc(b_ndesc), .b_wb_done(b_wb_done),
    .b_wb_count(b_wb_count), .b_wb_frames(b_wb_frames), .b_wb_bytes(b_wb_bytes),
    .err_data_wr(err_data_wr), .err_wb(err_wb), .ev_axi_err(ev_axi_err_b),
    .frames_in_flight(frames_in_flight), .wr_idle(wr_idle)
);

nic_rx_wb #(
    .DATA_W(DATA_W),
    .ADDR_W(ADDR_W),
    .QW(QW),
    .WB_BURST(WB_BURST)
) wb_inst (
    .clk(clk), .rst(rst),
    .enable_pulse(enable_pulse), .wb_allow(wb_allow), .halt(halt),
    .cfg_ring_base(cfg_ring_base), .ring_mask(ring_mask), .cfg_tail(cfg_tail),
    .cfg_rdmt(cfg_rdmt),
    .b_data_done(b_data_done), .b_ndesc(b_ndesc), .b_wb_done(b_wb_done),
    .b_wb_count(b_wb_count), .b_wb_frames(b_wb_frames), .b_wb_bytes(b_wb_bytes),
    .frames_in_flight(frames_in_flight),
    .rwin_base(rwin_base), .rwin_eop(rwin_eop), .rwin_frame_len(rwin_frame_len),
    .wc_valid(wc_valid), .wc_ready(wc_ready), .wc_addr(wc_addr), .wc_len(wc_len),
    .wc_qidx(wc_qidx), .wc_slot0(wc_slot0), .wc_count(wc_count),
    .wc_frames(wc_frames), .wc_bytes(wc_bytes),
    .head(head), .q_head(q_head), .wb_idle(wb_idle),
    .ev_frames(ev_frames), .ev_bytes(ev_bytes), .ev_rxdmt(ev_rxdmt)
);

nic_rx_irq_mod irq_mod_inst (
    .clk(clk), .rst(rst),
    .enable_pulse(enable_pulse), .cfg_pkt_thresh(cfg_pkt_thresh), .cfg_delay(cfg_delay),
    .frames_reported(ev_frames), .rxdw_clr(rxdw_clr),
    .ev_rxdw(ev_rxdw)
);

// fetch_idx and fifo_level are kept for waveform viewing
wire unused_ok = &{1'b0, fetch_idx, fifo_level, 1'b0};

`ifdef FORMAL
`include "nic_rx_dma_props.vh"
`endif

endmodule

`resetall
