`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_ctrl: queue state of nic_tx_dma.
 *
 * EN 0 -> 1 starts the queue once the previous run has wound down (RUNNING = 0): RING_SIZE
 * is checked (else HALTED with ERR_CODE 5), then HEAD, TAIL, the queues and the FIFO are
 * reset. While running, clearing EN stops fetching and new frames; the frame begun is
 * finished, frames on chip are written back and sent, and then RUNNING drops. The first
 * error halts the queue (no new AR or AW, uncommitted data dropped); frames already on chip
 * are still sent, and RUNNING drops once every outstanding transaction has been answered.
 */
module nic_tx_ctrl
(
    input  wire        clk,
    input  wire        rst,

    // configuration
    input  wire        cfg_en,
    input  wire [31:0] cfg_ring_size,

    // progress
    input  wire        rd_idle,         // no read requested or outstanding
    input  wire        eng_idle,        // no frame begun
    input  wire        wb_idle,         // no writeback issued, being sent or awaiting B
    input  wire        wb_pending,      // descriptors wait for their writeback
    input  wire        out_idle,        // the FIFO has sent every committed frame

    // errors
    input  wire        err_desc_rd,
    input  wire        err_data_rd,
    input  wire        err_wb,
    input  wire        err_bad_desc,

    // state out
    output wire        run,             // fetching and beginning frames
    output wire        drain,           // EN cleared: finishing what was begun
    output wire        halt,            // halted or enabling: no new AR/AW, nothing into the FIFO
    output wire        running,         // STATUS.RUNNING
    output wire        halted,          // STATUS.HALTED
    output wire [3:0]  err_code,        // STATUS.ERR_CODE
    output wire [15:0] ring_mask,       // RING_SIZE - 1
    output wire        enable_pulse,    // one clock as the queue starts
    output wire        ev_err           // ICR.ERR
);

localparam [3:0]
    ERR_NONE      = 4'd0,
    ERR_DESC_RD   = 4'd1,
    ERR_DATA_RD   = 4'd2,
    ERR_WB        = 4'd3,
    ERR_BAD_DESC  = 4'd4,
    ERR_BAD_CFG   = 4'd5;

reg        running_reg;
reg        halted_reg;
reg [3:0]  err_code_reg;
reg        en_seen_reg;         // this EN has started (or tried to start) the queue
reg        enable_pulse_reg;
reg        ev_err_reg;
reg [15:0] ring_mask_reg;

wire size_ok = cfg_ring_size >= 32'd8 && cfg_ring_size <= 32'd32768 &&
               (cfg_ring_size & (cfg_ring_size - 32'd1)) == 32'd0;
wire start = cfg_en && !en_seen_reg && !running_reg;
wire any_err = err_desc_rd || err_data_rd || err_wb || err_bad_desc;
wire [3:0] code = err_desc_rd ? ERR_DESC_RD : err_data_rd ? ERR_DATA_RD :
                  err_wb ? ERR_WB : ERR_BAD_DESC;
wire quiet = rd_idle && wb_idle && out_idle;
wire stopped = halted_reg ? quiet : (quiet && eng_idle && !wb_pending);

assign run = running_reg && !halted_reg && en_seen_reg;
assign drain = running_reg && !halted_reg && !en_seen_reg;
// the enable clock counts as halted: no stage issues from its pre-enable state in the clock
// that resets it
assign halt = halted_reg || enable_pulse_reg;
assign running = running_reg;
assign halted = halted_reg;
assign err_code = err_code_reg;
assign ring_mask = ring_mask_reg;
assign enable_pulse = enable_pulse_reg;
assign ev_err = ev_err_reg;

always @(posedge clk) begin
    enable_pulse_reg <= 1'b0;
    ev_err_reg <= 1'b0;

    if (!cfg_en) begin
        en_seen_reg <= 1'b0;
    end
    if (start) begin
        en_seen_reg <= 1'b1;
        if (size_ok) begin
            running_reg <= 1'b1;
            halted_reg <= 1'b0;
            err_code_reg <= ERR_NONE;
            ring_mask_reg <= cfg_ring_size[15:0] - 16'd1;
            enable_pulse_reg <= 1'b1;
        end else begin
            halted_reg <= 1'b1;
            err_code_reg <= ERR_BAD_CFG;
            ev_err_reg <= 1'b1;
        end
    end
    if (running_reg && !halted_reg && any_err) begin
        halted_reg <= 1'b1;
        err_code_reg <= code;
        ev_err_reg <= 1'b1;
    end
    if (running_reg && (halted_reg || !en_seen_reg) && stopped && !enable_pulse_reg) begin
        running_reg <= 1'b0;
    end

    if (rst) begin
        running_reg <= 1'b0;
        halted_reg <= 1'b0;
        err_code_reg <= ERR_NONE;
        en_seen_reg <= 1'b0;
        enable_pulse_reg <= 1'b0;
        ev_err_reg <= 1'b0;
        ring_mask_reg <= 16'd0;
    end
end

endmodule

`resetall
