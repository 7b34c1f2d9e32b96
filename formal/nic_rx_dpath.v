`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_dpath: formal harness of the data engine of nic_rx_dma (formal/dpath.sby).
 *
 * The queue state machine (nic_rx_ctrl) and the data engine (nic_rx_frame_dma), wired as
 * nic_rx_dma wires them. The frame FIFO's metadata, the descriptor queue and the write path's
 * command handshake are free inputs, constrained inside the engine's property file
 * (formal/nic_rx_frame_dma_props.vh, NIC_RX_FRAME_DMA_ALONE) to behave as nic_rx_ingress,
 * nic_rx_desc_fetch and nic_rx_axi_wr do; the driver's registers and the other stages'
 * idle and error signals are free.
 */
module nic_rx_dpath #
(
    parameter DATA_W = 64,
    parameter ADDR_W = 32,
    parameter FIFO_BYTES = 64,
    parameter DESC_QUEUE = 8,
    parameter MAX_BURST = 4
)
(
    input  wire                   clk,
    input  wire                   rst,

    // driver's registers and the other stages' state, as nic_rx_ctrl sees them
    input  wire                   cfg_en,
    input  wire [31:0]            cfg_ring_size,
    input  wire                   cfg_drop_nodesc,
    input  wire                   ar_idle,
    input  wire                   wr_idle,
    input  wire                   wb_idle,
    input  wire [7:0]             frames_reported,
    input  wire                   err_desc_rd,
    input  wire                   err_data_wr,
    input  wire                   err_wb,

    // frame FIFO head (nic_rx_ingress)
    input  wire                   meta_valid,
    input  wire [$clog2(FIFO_BYTES/(DATA_W/8))-1:0] meta_start,
    input  wire [15:0]            meta_len,
    input  wire [15:0]            meta_csum,
    input  wire                   meta_mac_err,
    input  wire                   meta_valid2,
    input  wire [15:0]            meta_len2,

    // descriptor queue (nic_rx_desc_fetch)
    input  wire [$clog2(DESC_QUEUE):0] q_wr,
    input  wire                   fetch_done,
    input  wire [ADDR_W-1:0]      ra_addr,
    input  wire [15:0]            ra_len,

    // write path (nic_rx_axi_wr)
    input  wire                   dc_ready
);

localparam FIFO_AW = $clog2(FIFO_BYTES / (DATA_W / 8));
localparam QW = $clog2(DESC_QUEUE);
localparam LB = $clog2(DATA_W / 8);

wire        run, wb_allow, halt, running, halted, enable_pulse, ev_err;
wire [3:0]  err_code;
wire [15:0] ring_mask, ev_halt_drops;

wire                 meta_pop, dma_idle, frame_begun;
wire [QW-1:0]        ra_idx;
wire                 ww_en, ww_eop, ww_mac_err;
wire [QW-1:0]        ww_idx;
wire [15:0]          ww_len, ww_csum, ww_frame_len;
wire                 dc_valid, dc_noaw, dc_frame_last;
wire [ADDR_W-1:0]    dc_addr;
wire [7:0]           dc_len;
wire [FIFO_AW-1:0]   dc_wptr;
wire [LB-1:0]        dc_shift, dc_first_lane, dc_last_lane;
wire [FIFO_AW:0]     dc_free;
wire [QW:0]          dc_ndesc;
wire ev_dma_drop_fifo, ev_drop_nodesc, ev_nodesc_wait, err_bad_desc;

nic_rx_ctrl ctrl_inst (
    .clk(clk), .rst(rst),
    .cfg_en(cfg_en), .cfg_ring_size(cfg_ring_size),
    .fifo_empty(!meta_valid), .ar_idle(ar_idle), .wr_idle(wr_idle),
    .dma_idle(dma_idle), .wb_idle(wb_idle),
    .frame_begun(frame_begun), .frames_reported(frames_reported),
    .err_desc_rd(err_desc_rd), .err_data_wr(err_data_wr), .err_wb(err_wb),
    .err_bad_desc(err_bad_desc),
    .run(run), .wb_allow(wb_allow), .halt(halt), .running(running), .halted(halted),
    .err_code(err_code), .ring_mask(ring_mask), .enable_pulse(enable_pulse),
    .ev_err(ev_err), .ev_halt_drops(ev_halt_drops)
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

// the outputs not checked here
wire unused_ok = &{1'b0, wb_allow, running, halted, ev_err, err_code, ring_mask, ev_halt_drops,
                   ww_en, ww_eop, ww_mac_err, ww_idx, ww_len, ww_csum, ww_frame_len,
                   dc_wptr, dc_shift, dc_first_lane, dc_last_lane, dc_free,
                   ev_dma_drop_fifo, ev_drop_nodesc, ev_nodesc_wait, 1'b0};

endmodule

`resetall
