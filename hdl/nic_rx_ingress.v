`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_ingress: the frame FIFO of nic_rx_dma.
 *
 * Takes frames from the MAC's AXI-Stream without ever stalling it, checks them (tkeep,
 * MAX_FRAME, room, tuser), computes the checksum on the fly, and stores accepted frames
 * word-aligned in a RAM with a metadata entry (start word, length, checksum, MAC error).
 * A frame is written tentatively and rewound when it is dropped, so only whole frames
 * become visible to the DMA side. The RAM has two read ports so the DMA side can read the
 * two words a realigned output beat needs in one clock.
 */
module nic_rx_ingress #
(
    // AXI-Stream data width in bits
    parameter DATA_W = 64,
    // frame FIFO size in bytes (power of two)
    parameter FIFO_BYTES = 32768,
    // frames the FIFO can hold at once (power of two)
    parameter META_DEPTH = 512,
    // FIFO word address width, log2(FIFO_BYTES / (DATA_W/8))
    parameter FIFO_AW = 12
)
(
    input  wire               clk,
    input  wire               rst,

    /*
     * AXI-Stream from the MAC
     */
    input  wire [DATA_W-1:0]  s_axis_rx_tdata,
    input  wire [DATA_W/8-1:0] s_axis_rx_tkeep,
    input  wire               s_axis_rx_tvalid,
    output wire               s_axis_rx_tready,
    input  wire               s_axis_rx_tlast,
    input  wire               s_axis_rx_tuser,

    /*
     * Configuration
     */
    input  wire               run,
    input  wire               cfg_drop_bad,
    input  wire [15:0]        cfg_max_frame,
    input  wire [15:0]        cfg_csum_start,

    /*
     * Frame RAM read (one clock latency)
     */
    input  wire               rd_en,
    input  wire [FIFO_AW-1:0] rd_addr0,
    input  wire [FIFO_AW-1:0] rd_addr1,
    output wire [DATA_W-1:0]  rd_data0,
    output wire [DATA_W-1:0]  rd_data1,

    /*
     * Frame metadata, oldest first
     */
    output wire               meta_valid,
    output wire [FIFO_AW-1:0] meta_start,
    output wire [15:0]        meta_len,
    output wire [15:0]        meta_csum,
    output wire               meta_mac_err,
    output wire               meta_valid2,     // a second frame is stored behind the head
    output wire [15:0]        meta_len2,       // its length
    input  wire               meta_pop,

    /*
     * Space release: words of the oldest frames read out
     */
    input  wire               free_valid,
    input  wire [FIFO_AW:0]   free_words,

    /*
     * Status and events
     */
    output wire [FIFO_AW:0]   fifo_level,
    output wire               ev_drop_fifo,
    output wire               ev_drop_err,
    output wire               ev_drop_oversize
);

localparam BYTES = DATA_W / 8;
localparam DEPTH = FIFO_BYTES / BYTES;
localparam META_AW = $clog2(META_DEPTH);
localparam LEN_W = 24;

initial begin
    if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin
        $error("Error: DATA_W must be 64, 128, 256 or 512 (instance %m)");
        $finish;
    end
    if ((1 << FIFO_AW) != DEPTH) begin
        $error("Error: FIFO_BYTES / (DATA_W/8) must be 2**FIFO_AW (instance %m)");
        $finish;
    end
    if ((1 << META_AW) != META_DEPTH) begin
        $error("Error: META_DEPTH must be a power of two (instance %m)");
        $finish;
    end
end

// frame RAM and metadata
reg [DATA_W-1:0] mem [0:DEPTH-1];
reg [FIFO_AW-1:0] meta_start_mem [0:META_DEPTH-1];
reg [15:0] meta_len_mem [0:META_DEPTH-1];
reg [15:0] meta_csum_mem [0:META_DEPTH-1];
reg meta_err_mem [0:META_DEPTH-1];

// RAM contents start at zero: lanes outside a frame can reach W beats (with wstrb 0)
integer n;
initial begin
    for (n = 0; n < DEPTH; n = n + 1) begin
        mem[n] = {DATA_W{1'b0}};
    end
end

reg [DATA_W-1:0] rd_data0_reg;
reg [DATA_W-1:0] rd_data1_reg;

reg [FIFO_AW:0] wr_commit_reg;
reg [FIFO_AW:0] wr_tent_reg;
reg [FIFO_AW:0] rd_ptr_reg;
reg [META_AW:0] meta_wr_reg;
reg [META_AW:0] meta_rd_reg;

// frame being received
reg             in_frame_reg;
reg             f_accept_reg;
reg             f_malformed_reg;
reg             f_oversize_reg;
reg             f_overflow_reg;
reg [LEN_W-1:0] f_len_reg;
reg [31:0]      f_csum_reg;

reg ev_drop_fifo_reg;
reg ev_drop_err_reg;
reg ev_drop_oversize_reg;

assign s_axis_rx_tready = !rst;
assign rd_data0 = rd_data0_reg;
assign rd_data1 = rd_data1_reg;
assign meta_valid = meta_wr_reg != meta_rd_reg;
assign meta_start = meta_start_mem[meta_rd_reg[META_AW-1:0]];
assign meta_len = meta_len_mem[meta_rd_reg[META_AW-1:0]];
assign meta_csum = meta_csum_mem[meta_rd_reg[META_AW-1:0]];
assign meta_mac_err = meta_err_mem[meta_rd_reg[META_AW-1:0]];
wire [META_AW-1:0] meta_rd_next = meta_rd_reg[META_AW-1:0] + 1'b1;
// frames stored, sized to the pointers so a wrapped difference stays small and positive
wire [META_AW:0] meta_count = meta_wr_reg - meta_rd_reg;
assign meta_valid2 = meta_count > {{META_AW{1'b0}}, 1'b1};
assign meta_len2 = meta_len_mem[meta_rd_next];
assign fifo_level = wr_tent_reg - rd_ptr_reg;
assign ev_drop_fifo = ev_drop_fifo_reg;
assign ev_drop_err = ev_drop_err_reg;
assign ev_drop_oversize = ev_drop_oversize_reg;

wire beat = s_axis_rx_tvalid && !rst;
wire first = !in_frame_reg;
wire accept = first ? run : f_accept_reg;

// tkeep: all ones before tlast; on tlast non-zero and contiguous from bit 0
wire [BYTES-1:0] keep_inc = s_axis_rx_tkeep + 1'b1;
wire keep_ok = s_axis_rx_tlast ?
    (s_axis_rx_tkeep != 0 && (s_axis_rx_tkeep & keep_inc) == 0) :
    (&s_axis_rx_tkeep);

// bytes in this beat (valid when keep_ok)
reg [LEN_W-1:0] beat_bytes;
integer i;
always @* begin
    beat_bytes = 0;
    for (i = 0; i < BYTES; i = i + 1) begin
        beat_bytes = beat_bytes + {{(LEN_W-1){1'b0}}, s_axis_rx_tkeep[i]};
    end
end

wire [LEN_W-1:0] len_before = first ? {LEN_W{1'b0}} : f_len_reg;
wire [LEN_W:0] len_sum = {1'b0, len_before} + {1'b0, beat_bytes};
wire [LEN_W-1:0] len_after = len_sum[LEN_W] ? {LEN_W{1'b1}} : len_sum[LEN_W-1:0];
wire malformed = (first ? 1'b0 : f_malformed_reg) || !keep_ok;
wire oversize = (first ? 1'b0 : f_oversize_reg) || (len_after > {8'd0, cfg_max_frame});
wire overflow_before = first ? 1'b0 : f_overflow_reg;
wire [FIFO_AW:0] used = wr_tent_reg - rd_ptr_reg;
wire ram_full = used == DEPTH[FIFO_AW:0];
wire want_write = accept && !malformed && !oversize && !overflow_before;
wire do_write = beat && want_write && !ram_full;
wire overflow = overflow_before || (want_write && ram_full);
wire meta_full = meta_count == META_DEPTH[META_AW:0];

// checksum of this beat: lane 2m is the high byte of a big-endian word, 2m+1 the low byte
// (the FIFO word starts at a frame offset that is a multiple of DATA_W/8, hence even)
reg [31:0] beat_sum;
reg [BYTES-1:0] csum_lane;
always @* begin
    beat_sum = 32'd0;
    for (i = 0; i < BYTES; i = i + 1) begin
        csum_lane[i] = (s_axis_rx_tlast ? s_axis_rx_tkeep[i] : 1'b1) &&
            ({8'd0, len_before} + i >= {16'd0, cfg_csum_start});
        if (csum_lane[i]) begin
            if (i % 2 == 0) begin
                beat_sum = beat_sum + {16'd0, s_axis_rx_tdata[i*8 +: 8], 8'd0};
            end else begin
                beat_sum = beat_sum + {24'd0, s_axis_rx_tdata[i*8 +: 8]};
            end
        end
    end
end

wire [31:0] csum_acc = (first ? 32'd0 : f_csum_reg) + beat_sum;
wire [16:0] fold1 = {1'b0, csum_acc[31:16]} + {1'b0, csum_acc[15:0]};
wire [16:0] fold2 = {16'd0, fold1[16]} + {1'b0, fold1[15:0]};
// an odd CSUM_START shifts the word pairing by one byte: the sum is then byte-swapped
wire [15:0] csum_final = cfg_csum_start[0] ? {fold2[7:0], fold2[15:8]} : fold2[15:0];

// decision on the tlast beat
wire drop_fifo = !accept || (!malformed && !oversize && (overflow || meta_full));
wire drop_err = accept && (malformed || (!oversize && !overflow && !meta_full && s_axis_rx_tuser && cfg_drop_bad));
wire drop_over = accept && !malformed && oversize;
wire commit = accept && !malformed && !oversize && !overflow && !meta_full && !(s_axis_rx_tuser && cfg_drop_bad);

always @(posedge clk) begin
    ev_drop_fifo_reg <= 1'b0;
    ev_drop_err_reg <= 1'b0;
    ev_drop_oversize_reg <= 1'b0;

    if (do_write) begin
        mem[wr_tent_reg[FIFO_AW-1:0]] <= s_axis_rx_tdata;
    end

    if (beat) begin
        if (s_axis_rx_tlast) begin
            in_frame_reg <= 1'b0;
            ev_drop_fifo_reg <= drop_fifo;
            ev_drop_err_reg <= drop_err;
            ev_drop_oversize_reg <= drop_over;
            if (commit) begin
                meta_start_mem[meta_wr_reg[META_AW-1:0]] <= wr_commit_reg[FIFO_AW-1:0];
                meta_len_mem[meta_wr_reg[META_AW-1:0]] <= len_after[15:0];
                meta_csum_mem[meta_wr_reg[META_AW-1:0]] <= csum_final;
                meta_err_mem[meta_wr_reg[META_AW-1:0]] <= s_axis_rx_tuser;
                meta_wr_reg <= meta_wr_reg + 1'b1;
                wr_commit_reg <= wr_tent_reg + {{FIFO_AW{1'b0}}, do_write};
                wr_tent_reg <= wr_tent_reg + {{FIFO_AW{1'b0}}, do_write};
            end else begin
                wr_tent_reg <= wr_commit_reg;
            end
        end else begin
            in_frame_reg <= 1'b1;
            f_accept_reg <= accept;
            f_malformed_reg <= malformed;
            f_oversize_reg <= oversize;
            f_overflow_reg <= overflow;
            f_len_reg <= len_after;
            f_csum_reg <= csum_acc;
            if (do_write) begin
                wr_tent_reg <= wr_tent_reg + 1'b1;
            end
        end
    end

    if (meta_pop) begin
        meta_rd_reg <= meta_rd_reg + 1'b1;
    end
    if (free_valid) begin
        rd_ptr_reg <= rd_ptr_reg + free_words;
    end

    if (rd_en) begin
        rd_data0_reg <= mem[rd_addr0];
        rd_data1_reg <= mem[rd_addr1];
    end

    if (rst) begin
        wr_commit_reg <= 0;
        wr_tent_reg <= 0;
        rd_ptr_reg <= 0;
        meta_wr_reg <= 0;
        meta_rd_reg <= 0;
        in_frame_reg <= 1'b0;
        f_accept_reg <= 1'b0;
        f_malformed_reg <= 1'b0;
        f_oversize_reg <= 1'b0;
        f_overflow_reg <= 1'b0;
        f_len_reg <= 0;
        f_csum_reg <= 32'd0;
        ev_drop_fifo_reg <= 1'b0;
        ev_drop_err_reg <= 1'b0;
        ev_drop_oversize_reg <= 1'b0;
    end
end

// fold2 cannot carry again after the second fold
wire unused_ok = &{1'b0, fold2[16], 1'b0};

`ifdef FORMAL
`include "nic_rx_ingress_props.vh"
`endif

endmodule

`resetall
