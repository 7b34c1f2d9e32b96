`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_irq_mod: RXDW interrupt moderation of nic_rx_dma.
 *
 * Counts frames reported since software last cleared ICR.RXDW. Raises RXDW when the count
 * reaches max(PKT_THRESH, 1), or, with DELAY != 0, when DELAY x 16 clocks pass after the
 * last report while the count is non-zero. Clearing RXDW zeroes the count and stops the
 * timer.
 */
module nic_rx_irq_mod
(
    input  wire        clk,
    input  wire        rst,

    input  wire        enable_pulse,
    input  wire [15:0] cfg_pkt_thresh,
    input  wire [15:0] cfg_delay,
    input  wire [7:0]  frames_reported,
    input  wire        rxdw_clr,

    output wire        ev_rxdw
);

reg [31:0] count_reg;
reg [19:0] timer_reg;
reg        ev_rxdw_reg;

wire [31:0] count_next = (rxdw_clr ? 32'd0 : count_reg) + {24'd0, frames_reported};
wire [31:0] thresh = cfg_pkt_thresh == 16'd0 ? 32'd1 : {16'd0, cfg_pkt_thresh};
wire timer_expired = timer_reg == 20'd1 && count_next != 0;

assign ev_rxdw = ev_rxdw_reg;

always @(posedge clk) begin
    count_reg <= count_next;
    ev_rxdw_reg <= (frames_reported != 0 && count_next >= thresh) || timer_expired;

    if (frames_reported != 0) begin
        timer_reg <= {cfg_delay, 4'd0};
    end else if (rxdw_clr) begin
        timer_reg <= 20'd0;
    end else if (timer_reg != 20'd0) begin
        timer_reg <= timer_reg - 20'd1;
    end

    if (rst || enable_pulse) begin
        count_reg <= 32'd0;
        timer_reg <= 20'd0;
        ev_rxdw_reg <= 1'b0;
    end
end

endmodule

`resetall
