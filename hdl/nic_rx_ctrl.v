`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_ctrl: queue state machine of nic_rx_dma.
 *
 * stopped -> running on EN (after the RING_SIZE check), running -> stopping on !EN,
 * any error -> halting, which waits until every outstanding AXI transaction is answered,
 * then halted until EN is cleared. Counts the frames that left the FIFO but were never
 * reported, so a halt can account for them as drops.
 */
module nic_rx_ctrl
(
    input  wire        clk,
    input  wire        rst,

    // configuration
    input  wire        cfg_en,
    input  wire [31:0] cfg_ring_size,

    // progress
    input  wire        fifo_empty,      // no frame stored in the frame FIFO
    input  wire        ar_idle,         // no descriptor read outstanding
    input  wire        wr_idle,         // no write burst queued, outstanding or owing W beats
    input  wire        dma_idle,        // the data engine holds no begun frame
    input  wire        wb_idle,         // no descriptor waits for its writeback
    input  wire        frame_begun,     // a frame left the FIFO for DMA
    input  wire [7:0]  frames_reported, // frames whose EOP writeback completed

    // errors
    input  wire        err_desc_rd,
    input  wire        err_data_wr,
    input  wire        err_wb,
    input  wire        err_bad_desc,

    // state out
    output wire        run,             // accepting frames, fetching, beginning frames
    output wire        wb_allow,        // writebacks may be issued
    output wire        halt,            // halting or halted: no new AR/AW, W beats void
    output wire        running,         // STATUS.RUNNING
    output wire        halted,          // STATUS.HALTED
    output wire [3:0]  err_code,        // STATUS.ERR_CODE
    output wire [15:0] ring_mask,       // RING_SIZE - 1, valid while running
    output wire        enable_pulse,    // one clock, as the queue starts: reset HEAD, TAIL, queues
    output wire        ev_err,          // ICR.ERR
    output wire [15:0] ev_halt_drops    // frames lost to a halt, counted once it drained
);

localparam [2:0]
    STATE_STOPPED  = 3'd0,
    STATE_RUNNING  = 3'd1,
    STATE_STOPPING = 3'd2,
    STATE_HALTING  = 3'd3,
    STATE_HALTED   = 3'd4;

localparam [3:0]
    ERR_NONE      = 4'd0,
    ERR_DESC_RD   = 4'd1,
    ERR_DATA_WR   = 4'd2,
    ERR_WB        = 4'd3,
    ERR_BAD_DESC  = 4'd4,
    ERR_BAD_CFG   = 4'd5;

reg [2:0]  state_reg, state_next;
reg        halted_reg, halted_next;
reg [3:0]  err_code_reg, err_code_next;
reg [15:0] ring_mask_reg, ring_mask_next;
reg        enable_pulse_next;
reg        ev_err_reg, ev_err_next;
reg [15:0] ev_halt_drops_reg, ev_halt_drops_next;
reg [15:0] inflight_reg, inflight_next;

wire ring_size_ok = (cfg_ring_size >= 32'd8) && (cfg_ring_size <= 32'd32768) &&
                    ((cfg_ring_size & (cfg_ring_size - 32'd1)) == 32'd0);
wire any_err = err_desc_rd || err_data_wr || err_wb || err_bad_desc;
wire [3:0] first_err = err_desc_rd ? ERR_DESC_RD :
                       err_data_wr ? ERR_DATA_WR :
                       err_wb      ? ERR_WB : ERR_BAD_DESC;

assign run           = state_reg == STATE_RUNNING;
assign wb_allow      = state_reg == STATE_RUNNING || state_reg == STATE_STOPPING;
assign halt          = state_reg == STATE_HALTING || state_reg == STATE_HALTED;
assign running       = state_reg == STATE_RUNNING || state_reg == STATE_STOPPING || state_reg == STATE_HALTING;
assign halted        = halted_reg;
assign err_code      = err_code_reg;
assign ring_mask     = ring_mask_reg;
assign enable_pulse  = enable_pulse_next;
assign ev_err        = ev_err_reg;
assign ev_halt_drops = ev_halt_drops_reg;

always @* begin
    state_next = state_reg;
    halted_next = halted_reg;
    err_code_next = err_code_reg;
    ring_mask_next = ring_mask_reg;
    enable_pulse_next = 1'b0;
    ev_err_next = 1'b0;
    ev_halt_drops_next = 16'd0;
    inflight_next = inflight_reg + {15'd0, frame_begun} - {8'd0, frames_reported};

    case (state_reg)
        STATE_STOPPED: begin
            if (cfg_en && fifo_empty) begin
                if (ring_size_ok) begin
                    state_next = STATE_RUNNING;
                    halted_next = 1'b0;
                    err_code_next = ERR_NONE;
                    ring_mask_next = cfg_ring_size[15:0] - 16'd1;
                    enable_pulse_next = 1'b1;
                    inflight_next = 16'd0;
                end else begin
                    state_next = STATE_HALTED;
                    halted_next = 1'b1;
                    err_code_next = ERR_BAD_CFG;
                    ev_err_next = 1'b1;
                end
            end
        end
        STATE_RUNNING, STATE_STOPPING: begin
            if (any_err) begin
                state_next = STATE_HALTING;
                halted_next = 1'b1;
                err_code_next = first_err;
                ev_err_next = 1'b1;
            end else if (state_reg == STATE_RUNNING) begin
                if (!cfg_en) begin
                    state_next = STATE_STOPPING;
                end
            end else if (ar_idle && wr_idle && dma_idle && wb_idle) begin
                state_next = STATE_STOPPED;
            end
        end
        STATE_HALTING: begin
            if (ar_idle && wr_idle && dma_idle) begin
                state_next = STATE_HALTED;
                ev_halt_drops_next = inflight_next;
                inflight_next = 16'd0;
            end
        end
        STATE_HALTED: begin
            if (!cfg_en) begin
                state_next = STATE_STOPPED;
            end
        end
        default: state_next = STATE_STOPPED;
    endcase
end

always @(posedge clk) begin
    state_reg <= state_next;
    halted_reg <= halted_next;
    err_code_reg <= err_code_next;
    ring_mask_reg <= ring_mask_next;
    ev_err_reg <= ev_err_next;
    ev_halt_drops_reg <= ev_halt_drops_next;
    inflight_reg <= inflight_next;

    if (rst) begin
        state_reg <= STATE_STOPPED;
        halted_reg <= 1'b0;
        err_code_reg <= ERR_NONE;
        ring_mask_reg <= 16'd0;
        ev_err_reg <= 1'b0;
        ev_halt_drops_reg <= 16'd0;
        inflight_reg <= 16'd0;
    end
end

endmodule

`resetall
