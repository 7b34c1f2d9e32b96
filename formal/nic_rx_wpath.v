`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_wpath: formal harness of the write side of nic_rx_dma (formal/wpath.sby).
 *
 * The queue state machine (nic_rx_ctrl), the write path (nic_rx_axi_wr) and the writeback
 * engine with HEAD (nic_rx_wb), wired as nic_rx_dma wires them. Their other neighbours are
 * free inputs: the data engine's burst commands, the descriptor queue's writeback images and
 * window, the frame RAM's words, the driver's registers, and the AXI4 slave's write side.
 * What those neighbours guarantee in the whole block is assumed here (the data engine's
 * commands are asserted in formal/dma.sby, the queue's bound in formal/top.sby); the write
 * side's properties are formal/nic_rx_axi_write_props.vh, the same text the whole-block job
 * checks. Nets carry nic_rx_dma's names so that file reads the same in both.
 */
module nic_rx_wpath #
(
    parameter DATA_W = 64,
    parameter ADDR_W = 32,
    parameter ID_W = 4,
    parameter FIFO_BYTES = 64,
    parameter DESC_QUEUE = 8,
    parameter MAX_BURST = 4,
    parameter WB_BURST = 2,
    parameter MAX_OUTSTANDING = 2
)
(
    input  wire                   clk,
    input  wire                   rst,

    // driver's registers and the other stages' state, as nic_rx_ctrl and nic_rx_wb see them
    input  wire                   cfg_en,
    input  wire [31:0]            cfg_ring_size,
    input  wire [63:0]            cfg_ring_base,
    input  wire [15:0]            cfg_tail,
    input  wire [31:0]            cfg_rdmt,
    input  wire                   fifo_empty,
    input  wire                   ar_idle,
    input  wire                   dma_idle,
    input  wire                   frame_begun,
    input  wire                   err_desc_rd,
    input  wire                   err_bad_desc,

    // data burst commands (nic_rx_frame_dma)
    input  wire                   dc_valid,
    input  wire                   dc_noaw,
    input  wire [ADDR_W-1:0]      dc_addr,
    input  wire [7:0]             dc_len,
    input  wire [$clog2(FIFO_BYTES/(DATA_W/8))-1:0] dc_wptr,
    input  wire [$clog2(DATA_W/8)-1:0] dc_shift,
    input  wire [$clog2(DATA_W/8)-1:0] dc_first_lane,
    input  wire [$clog2(DATA_W/8)-1:0] dc_last_lane,
    input  wire [$clog2(FIFO_BYTES/(DATA_W/8)):0] dc_free,
    input  wire                   dc_frame_last,
    input  wire [$clog2(DESC_QUEUE):0] dc_ndesc,

    // frame RAM words and descriptor queue contents (nic_rx_ingress, nic_rx_desc_fetch)
    input  wire [DATA_W-1:0]      rd_data0,
    input  wire [DATA_W-1:0]      rd_data1,
    input  wire [((DATA_W/8) >= 32 ? (DATA_W/8) / 16 : 1)*128-1:0] rw_desc,
    input  wire [WB_BURST-1:0]    rwin_eop,
    input  wire [WB_BURST*16-1:0] rwin_frame_len,

    // AXI4 slave, write side
    input  wire                   m_axi_awready,
    input  wire                   m_axi_wready,
    input  wire [ID_W-1:0]        m_axi_bid,
    input  wire [1:0]             m_axi_bresp,
    input  wire                   m_axi_bvalid
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam FIFO_AW = $clog2(FIFO_BYTES / BYTES);
localparam QW = $clog2(DESC_QUEUE);
localparam WBP = BYTES >= 32 ? BYTES / 16 : 1;

wire [ID_W-1:0]     m_axi_awid;
wire [ADDR_W-1:0]   m_axi_awaddr;
wire [7:0]          m_axi_awlen;
wire [2:0]          m_axi_awsize;
wire [1:0]          m_axi_awburst;
wire                m_axi_awvalid;
wire [DATA_W-1:0]   m_axi_wdata;
wire [BYTES-1:0]    m_axi_wstrb;
wire                m_axi_wlast;
wire                m_axi_wvalid;
wire                m_axi_bready;

wire        run, wb_allow, halt, running, halted, enable_pulse;
wire [3:0]  err_code;
wire [15:0] ring_mask;
wire [15:0] head;
wire [QW:0] q_head;
wire        ev_err;
wire [15:0] ev_halt_drops;

wire                 rd_en;
wire [FIFO_AW-1:0]   rd_addr0, rd_addr1;
wire                 free_valid;
wire [FIFO_AW:0]     free_words;
wire [WBP*QW-1:0]    rw_idx;
wire [QW-1:0]        rwin_base;
wire                 dc_ready;

wire                 wc_valid, wc_ready;
wire [ADDR_W-1:0]    wc_addr;
wire [7:0]           wc_len;
wire [QW-1:0]        wc_qidx;
wire [1:0]           wc_slot0;
wire [QW:0]          wc_count;
wire [7:0]           wc_frames;
wire [23:0]          wc_bytes;

wire                 b_data_done, b_wb_done;
wire [QW:0]          b_ndesc, b_wb_count;
wire [7:0]           b_wb_frames;
wire [23:0]          b_wb_bytes;
wire [QW+4:0]        frames_in_flight;
wire                 wr_idle, wb_idle;
wire                 err_data_wr, err_wb, ev_axi_err_b;
wire [7:0]           ev_frames;
wire [23:0]          ev_bytes;
wire                 ev_rxdmt;

nic_rx_ctrl ctrl_inst (
    .clk(clk), .rst(rst),
    .cfg_en(cfg_en), .cfg_ring_size(cfg_ring_size),
    .fifo_empty(fifo_empty), .ar_idle(ar_idle), .wr_idle(wr_idle),
    .dma_idle(dma_idle), .wb_idle(wb_idle),
    .frame_begun(frame_begun), .frames_reported(ev_frames),
    .err_desc_rd(err_desc_rd), .err_data_wr(err_data_wr), .err_wb(err_wb),
    .err_bad_desc(err_bad_desc),
    .run(run), .wb_allow(wb_allow), .halt(halt), .running(running), .halted(halted),
    .err_code(err_code), .ring_mask(ring_mask), .enable_pulse(enable_pulse),
    .ev_err(ev_err), .ev_halt_drops(ev_halt_drops)
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

reg f_past_valid = 1'b0;
reg f_rst_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
end
wire f_live = f_past_valid && !f_rst_q;

/*
 * Environment: reset once at the start
 */
initial assume (rst);
always @(*) begin
    if (f_past_valid) begin
        env_reset__once: assume (!rst);
    end
end

/*
 * Environment: the driver leaves RING_BASE alone while the queue runs (the registers lock it
 * while EN); a 16-byte-aligned base
 */
always @(posedge clk) begin
    if (f_live && running && $past(running) && !$past(enable_pulse)) begin
        env_driver__ring_fixed: assume ($stable(cfg_ring_base));
    end
end
always @(*) begin
    env_driver__base_aligned: assume (cfg_ring_base[3:0] == 4'd0);
end

/*
 * Environment: the data engine (asserted in formal/dma.sby and formal/top.sby). A data
 * burst only while writebacks are allowed (the engine begins frames only while running and
 * abandons them on a halt) and while the engine reports itself busy, beat-aligned, at most MAX_BURST beats, never across 4 KB; a
 * frame's last burst names its 1 .. DESC_QUEUE descriptors, and the descriptors handed to
 * the write path and not yet written back never exceed the queue (asserted as desc_queue in
 * formal/top.sby)
 */
reg [QW:0] f_dc_desc;
always @(posedge clk) begin
    if (dc_valid && dc_ready && !dc_noaw && dc_frame_last) begin
        f_dc_desc <= f_dc_desc + dc_ndesc;
    end
    if (rst || enable_pulse) begin
        f_dc_desc <= 0;
    end
end
wire [12:0] f_dc_end = {1'b0, dc_addr[11:0]} + (({5'd0, dc_len} + 13'd1) << LB);
wire [QW+1:0] f_dc_desc_after = {1'b0, f_dc_desc - q_head} + {1'b0, dc_ndesc};
always @(*) begin
    if (f_past_valid && dc_valid && !dc_noaw) begin
        env_dc__while_allowed: assume (wb_allow && !dma_idle);
        env_dc__aligned: assume (dc_addr[LB-1:0] == {LB{1'b0}});
        env_dc__len: assume ({24'd0, dc_len} < MAX_BURST);
        env_dc__no_4k: assume (f_dc_end <= 13'd4096);
        if (dc_frame_last) begin
            env_dc__ndesc: assume (dc_ndesc != 0 && dc_ndesc <= DESC_QUEUE);
            env_dc__queue: assume (f_dc_desc_after <= DESC_QUEUE);
        end
    end
end

`include "nic_rx_axi_write_props.vh"

// the block's other outputs are not checked here
wire unused_ok = &{1'b0, m_axi_awid, m_axi_wdata, m_axi_bready, run, halted, err_code,
                   ev_err, ev_halt_drops, rd_en, rd_addr0, rd_addr1, free_valid, free_words,
                   rw_idx, rwin_base, wc_addr, wc_len, wc_qidx, wc_slot0, wc_frames, wc_bytes,
                   ev_bytes, ev_rxdmt, ev_axi_err_b, 1'b0};

endmodule

`resetall
