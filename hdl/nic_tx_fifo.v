`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_fifo: the store-and-forward TX FIFO of nic_tx_dma and its AXI-Stream output.
 *
 * Words are written at the write pointer; a frame becomes visible to the output only when
 * its last word is committed, so everything between the read pointer and the commit point
 * is whole frames. The output register is loaded from the commit side only, which keeps
 * `tvalid` high from a frame's first beat to its `tlast` whatever `tready` does. Rolling
 * back drops every uncommitted word. Each word carries its byte count (tkeep contiguous
 * from lane 0) and `last`.
 */
module nic_tx_fifo #
(
    // data width in bits
    parameter DATA_W = 64,
    // words, a power of two, and log2 of it
    parameter DEPTH = 4096,
    parameter FW = 12
)
(
    input  wire                  clk,
    input  wire                  rst,

    input  wire                  clear,         // empty the FIFO (only while the output is idle)

    /*
     * Write side
     */
    input  wire                  wr_en,
    input  wire [DATA_W-1:0]     wr_data,
    input  wire [$clog2(DATA_W/8):0] wr_cnt,
    input  wire                  wr_last,
    input  wire                  wr_commit,
    input  wire                  rollback,
    output wire [FW:0]           used,

    /*
     * AXI-Stream master to the MAC
     */
    output wire [DATA_W-1:0]     m_axis_tx_tdata,
    output wire [DATA_W/8-1:0]   m_axis_tx_tkeep,
    output wire                  m_axis_tx_tvalid,
    input  wire                  m_axis_tx_tready,
    output wire                  m_axis_tx_tlast,

    /*
     * State and events
     */
    output wire                  out_idle,      // no committed word left and no beat pending
    output wire                  ev_frame,      // a frame's tlast beat was taken
    output wire [15:0]           ev_frame_bytes
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);

initial begin
    if ((1 << FW) != DEPTH) begin
        $error("Error: DEPTH must be 2**FW (instance %m)");
        $finish;
    end
end

reg [DATA_W-1:0] mem [0:DEPTH-1];
reg [LB:0] mem_cnt [0:DEPTH-1];
reg mem_last [0:DEPTH-1];

reg [FW:0] wr_ptr_reg;
reg [FW:0] commit_ptr_reg;
reg [FW:0] rd_ptr_reg;

reg out_valid_reg;
reg [DATA_W-1:0] out_data_reg;
reg [LB:0] out_cnt_reg;
reg out_last_reg;
reg [15:0] frame_bytes_reg;
reg ev_frame_reg;
reg [15:0] ev_bytes_reg;

wire [FW:0] level = wr_ptr_reg - rd_ptr_reg;
wire have = rd_ptr_reg != commit_ptr_reg;
wire take = out_valid_reg && m_axis_tx_tready;
wire load = have && (!out_valid_reg || m_axis_tx_tready);
wire [BYTES-1:0] ones = {BYTES{1'b1}};

assign used = level;
assign m_axis_tx_tdata = out_data_reg;
assign m_axis_tx_tkeep = ~(ones << out_cnt_reg);
assign m_axis_tx_tvalid = out_valid_reg;
assign m_axis_tx_tlast = out_last_reg;
assign out_idle = !have && !out_valid_reg;
assign ev_frame = ev_frame_reg;
assign ev_frame_bytes = ev_bytes_reg;

always @(posedge clk) begin
    ev_frame_reg <= 1'b0;

    if (wr_en) begin
        mem[wr_ptr_reg[FW-1:0]] <= wr_data;
        mem_cnt[wr_ptr_reg[FW-1:0]] <= wr_cnt;
        mem_last[wr_ptr_reg[FW-1:0]] <= wr_last;
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
        if (wr_commit) begin
            commit_ptr_reg <= wr_ptr_reg + 1'b1;
        end
    end
    if (rollback) begin
        wr_ptr_reg <= commit_ptr_reg;
    end

    if (take) begin
        out_valid_reg <= 1'b0;
        frame_bytes_reg <= out_last_reg ? 16'd0 : frame_bytes_reg + {{(15-LB){1'b0}}, out_cnt_reg};
        if (out_last_reg) begin
            ev_frame_reg <= 1'b1;
            ev_bytes_reg <= frame_bytes_reg + {{(15-LB){1'b0}}, out_cnt_reg};
        end
    end
    if (load) begin
        out_valid_reg <= 1'b1;
        out_data_reg <= mem[rd_ptr_reg[FW-1:0]];
        out_cnt_reg <= mem_cnt[rd_ptr_reg[FW-1:0]];
        out_last_reg <= mem_last[rd_ptr_reg[FW-1:0]];
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
    end

    if (clear) begin
        wr_ptr_reg <= {(FW+1){1'b0}};
        commit_ptr_reg <= {(FW+1){1'b0}};
        rd_ptr_reg <= {(FW+1){1'b0}};
        frame_bytes_reg <= 16'd0;
    end

    if (rst) begin
        wr_ptr_reg <= {(FW+1){1'b0}};
        commit_ptr_reg <= {(FW+1){1'b0}};
        rd_ptr_reg <= {(FW+1){1'b0}};
        out_valid_reg <= 1'b0;
        out_data_reg <= {DATA_W{1'b0}};
        out_cnt_reg <= {(LB+1){1'b0}};
        out_last_reg <= 1'b0;
        frame_bytes_reg <= 16'd0;
        ev_frame_reg <= 1'b0;
        ev_bytes_reg <= 16'd0;
    end
end

endmodule

`resetall
