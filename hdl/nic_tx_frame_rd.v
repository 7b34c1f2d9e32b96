`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_frame_rd: the frame read engine of nic_tx_dma.
 *
 * Takes descriptors from the queue in ring order, checks each frame's shape (LEN != 0, at
 * most 18 descriptors, at most 9216 bytes, no buffer past the top of the address space), and reads each buffer in INCR bursts of
 * full-width beats: from the beat holding BUF_ADDR to the beat holding its last byte, split
 * at MAX_BURST beats and at 4 KB. A burst is requested only when the TX FIFO has room for
 * every word it can produce, so read data never waits for the MAC.
 *
 * Returning beats are packed: the bytes of the buffer (lanes outside it dropped) are
 * appended to an accumulator of up to two words, and every full word is written to the
 * FIFO; a frame's last word carries its byte count and `last`. The frame is committed to the
 * FIFO (visible to the MAC side) with its last word, and only if every read of it returned
 * OKAY. Its descriptors then become ready for writeback.
 *
 * On a halt, nothing more is requested or written: a request not yet granted is withdrawn,
 * the uncommitted part of the FIFO is rolled back and the beats still returning are dropped. While the queue is being disabled, a begun frame is
 * finished; if its remaining descriptors are not owned, it is abandoned and rolled back.
 */
module nic_tx_frame_rd #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // descriptor queue index width
    parameter QW = 6,
    // TX FIFO words and the width of a word index
    parameter DEPTH = 4096,
    parameter FW = 12,
    // most beats per read burst (1 .. 256)
    parameter MAX_BURST = 32,
    // read bursts in flight at most (power of two)
    parameter MAX_RD = 32,
    // tag payload width, 2 * log2(DATA_W/8) + 3
    parameter TAG_W = 9
)
(
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Control
     */
    input  wire                  enable_pulse,
    input  wire                  take_en,       // may begin new frames
    input  wire                  drain,         // disabling: finish the begun frame only
    input  wire                  halt,          // halted: write nothing more
    input  wire                  fetch_done,    // every owned descriptor has been read

    /*
     * Descriptor queue
     */
    input  wire [QW:0]           q_wr,
    output wire [QW-1:0]         ra_idx,
    input  wire [ADDR_W-1:0]     ra_addr,
    input  wire [15:0]           ra_len,
    input  wire                  ra_eop,
    output wire [QW:0]           q_done,        // one past the last descriptor of a committed frame
    output wire [QW:0]           q_taken,       // next descriptor to take

    /*
     * Read requests and returning beats
     */
    output wire                  req_valid,
    output wire [ADDR_W-1:0]     req_addr,
    output wire [7:0]            req_len,
    output wire [TAG_W-1:0]      req_tag,
    input  wire                  req_ready,
    input  wire                  r_valid,
    input  wire [TAG_W-1:0]      r_tag,
    input  wire [DATA_W-1:0]     r_data,
    input  wire [1:0]            r_resp,
    input  wire                  r_last,
    output wire                  r_ready,

    /*
     * TX FIFO write side
     */
    input  wire [FW:0]           fifo_used,     // words written and not yet read out
    output wire                  fw_en,
    output wire [DATA_W-1:0]     fw_data,
    output wire [$clog2(DATA_W/8):0] fw_cnt,    // bytes in the word, 1 .. DATA_W/8
    output wire                  fw_last,
    output wire                  fw_commit,     // this write ends a frame: make it visible
    output wire                  fw_rollback,   // drop every uncommitted word

    /*
     * State and events
     */
    output wire                  idle,          // no frame begun, nothing requested or in flight
    output wire                  err_data_rd,
    output wire                  err_bad_desc,
    output wire                  ev_axi_err
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam TW = $clog2(MAX_RD);
localparam [16:0] MAX_FRAME_BYTES = 17'd9216;
localparam [4:0] MAX_FRAME_DESCS = 5'd18;
localparam integer MAX_BURST_I = MAX_BURST;
localparam [12:0] MAX_BURST_N = MAX_BURST_I[12:0];
localparam integer BYTES_I = BYTES;
localparam [LB+1:0] BYTES_N = BYTES_I[LB+1:0];
localparam integer DEPTH_I = DEPTH;
localparam [FW+1:0] DEPTH_N = DEPTH_I[FW+1:0];

initial begin
    if (TAG_W != 2 * LB + 3) begin
        $error("Error: TAG_W must be 2 * log2(DATA_W/8) + 3 (instance %m)");
        $finish;
    end
    if (MAX_BURST < 1 || MAX_BURST > 256) begin
        $error("Error: MAX_BURST must be 1 .. 256 (instance %m)");
        $finish;
    end
    if ((1 << FW) != DEPTH || DEPTH * BYTES < 2 * 9216) begin
        $error("Error: DEPTH must be 2**FW words holding at least 2 x 9216 bytes (instance %m)");
        $finish;
    end
end

// descriptor being read
reg [QW:0] q_rd_reg;            // next queue entry to take
reg [QW:0] q_rdone_reg;         // one past the last descriptor whose reads all returned
reg [QW:0] q_done_reg;
reg active_reg;                 // a descriptor's buffer still has bytes to request
reg [63:0] cur_addr_reg;        // next byte to request
reg [15:0] rem_reg;             // bytes left to request
reg eop_reg;                    // the descriptor is its frame's last
reg [4:0] frame_descs_reg;      // descriptors taken of the frame begun (0: none begun)
reg [16:0] frame_bytes_reg;
reg bad_seen_reg;

// request register and bookkeeping
reg req_valid_reg;
reg [ADDR_W-1:0] req_addr_reg;
reg [7:0] req_len_reg;
reg [TAG_W-1:0] req_tag_reg;
reg [FW+1:0] req_words_reg;     // FIFO words the request holds reserved
reg [FW+1:0] resv_reg;          // FIFO words reserved by bursts requested and not finished
reg [TW:0] d_out_reg;           // data bursts granted and not finished

// return side
reg first_reg;                  // the next beat is its burst's first
reg [8:0] beats_reg;            // beats of the current burst so far
reg failed_reg;                 // a data read failed since enable
reg r_err_reg;                  // this burst has had an error beat
reg [2*DATA_W-1:0] acc_reg;
reg [LB:0] acc_cnt_reg;         // bytes in the accumulator, below BYTES between beats
reg flush_reg;                  // a frame's last word waits in the accumulator

// next burst of the descriptor being read
wire [LB-1:0] lo = cur_addr_reg[LB-1:0];
wire [63:0] a0 = {cur_addr_reg[63:LB], {LB{1'b0}}};
wire [12:0] to_4k_beats = (13'd4096 - {1'b0, a0[11:0]}) >> LB;
wire [12:0] max_beats = (to_4k_beats < MAX_BURST_N) ? to_4k_beats : MAX_BURST_N;
wire [16:0] span = {{(17-LB){1'b0}}, lo} + {1'b0, rem_reg};
wire [16:0] need = (span + {{(16-LB){1'b0}}, {LB{1'b1}}}) >> LB;
wire ends = need <= {4'd0, max_beats};
wire [12:0] beats = ends ? need[12:0] : max_beats;
wire [16:0] burst_bytes = {4'd0, beats} << LB;
wire [16:0] hi_full = span - burst_bytes + {{(16-LB){1'b0}}, BYTES_N[LB:0]};
wire [LB:0] hi = hi_full[LB:0];
wire [16:0] consumed = burst_bytes - {{(17-LB){1'b0}}, lo};
wire [15:0] words_max16 = {3'd0, beats} + 16'd1;    // words one burst can produce
wire [FW+1:0] words_max = words_max16[FW+1:0];
wire [FW+1:0] committed = {1'b0, fifo_used} + resv_reg;
wire room = committed + words_max + {{FW{1'b0}}, 2'd1} <= DEPTH_N;
wire issue = active_reg && !halt && (!req_valid_reg || req_ready) && room &&
             d_out_reg != MAX_RD[TW:0];
wire last_issue = issue && ends;   // the next descriptor may be taken in the same clock

// taking a descriptor
wire have_desc = q_rd_reg != q_wr;
wire may_take = !halt && (!active_reg || last_issue) && have_desc &&
                (take_en || (drain && frame_descs_reg != 5'd0));
wire [16:0] bytes_after = frame_bytes_reg + {1'b0, ra_len};
// a buffer must not run past the top of the address space
wire [ADDR_W:0] buf_end = {1'b0, ra_addr} + {{(ADDR_W-15){1'b0}}, ra_len};
wire wraps = buf_end[ADDR_W] && buf_end[ADDR_W-1:0] != {ADDR_W{1'b0}};
wire bad = ra_len == 16'd0 || bytes_after > MAX_FRAME_BYTES || wraps ||
           (frame_descs_reg == MAX_FRAME_DESCS - 5'd1 && !ra_eop);
wire take = may_take && !bad;

// returning beats
wire [LB-1:0] t_lo = r_tag[LB-1:0];
wire [LB:0] t_hi = r_tag[2*LB:LB];
wire t_ends = r_tag[2*LB+1];
wire t_eop = r_tag[2*LB+2];
wire drop = failed_reg || halt;
wire beat = r_valid && r_ready;
wire beat_err = beat && r_resp != 2'b00;
wire [LB-1:0] lo_b = first_reg ? t_lo : {LB{1'b0}};
wire [LB:0] hi_b = (r_last && t_ends) ? t_hi : BYTES_N[LB:0];
wire [LB:0] nb = hi_b - {1'b0, lo_b};
wire [DATA_W-1:0] shifted = r_data >> {lo_b, 3'b000};
wire [DATA_W-1:0] keep_mask = {DATA_W{1'b1}} >> {BYTES_N[LB:0] - nb, 3'b000};
wire [2*DATA_W-1:0] placed = {{DATA_W{1'b0}}, shifted & keep_mask} << {acc_cnt_reg, 3'b000};
wire [2*DATA_W-1:0] acc_new = acc_reg | placed;
wire [LB+1:0] cnt_new = {1'b0, acc_cnt_reg} + {1'b0, nb};
wire frame_end = r_last && t_ends && t_eop;
wire use_beat = beat && !beat_err && !drop;
wire full_word = cnt_new >= BYTES_N;

// abandoning a begun frame whose remaining descriptors are not owned (while disabling)
wire abandon = drain && !halt && frame_descs_reg != 5'd0 && !active_reg && !have_desc &&
               fetch_done && d_out_reg == {(TW+1){1'b0}} && !req_valid_reg && !flush_reg;

reg fw_en_c;
reg [DATA_W-1:0] fw_data_c;
reg [LB:0] fw_cnt_c;
reg fw_last_c;
reg fw_commit_c;
always @* begin
    fw_en_c = 1'b0;
    fw_data_c = acc_new[DATA_W-1:0];
    fw_cnt_c = BYTES_N[LB:0];
    fw_last_c = 1'b0;
    fw_commit_c = 1'b0;
    if (flush_reg) begin
        fw_en_c = !halt;
        fw_data_c = acc_reg[DATA_W-1:0];
        fw_cnt_c = acc_cnt_reg;
        fw_last_c = 1'b1;
        fw_commit_c = !halt;
    end else if (use_beat) begin
        if (full_word) begin
            fw_en_c = 1'b1;
            fw_last_c = frame_end && cnt_new == BYTES_N;
            fw_commit_c = frame_end && cnt_new == BYTES_N;
        end else if (frame_end) begin
            fw_en_c = 1'b1;
            fw_cnt_c = cnt_new[LB:0];
            fw_last_c = 1'b1;
            fw_commit_c = 1'b1;
        end
    end
end

assign ra_idx = q_rd_reg[QW-1:0];
assign q_done = q_done_reg;
assign q_taken = q_rd_reg;
assign req_valid = req_valid_reg;
assign req_addr = req_addr_reg;
assign req_len = req_len_reg;
assign req_tag = req_tag_reg;
assign r_ready = !flush_reg;
assign fw_en = fw_en_c;
assign fw_data = fw_data_c;
assign fw_cnt = fw_cnt_c;
assign fw_last = fw_last_c;
assign fw_commit = fw_commit_c;
assign fw_rollback = halt || abandon;
assign idle = frame_descs_reg == 5'd0 && !active_reg && !req_valid_reg &&
              d_out_reg == {(TW+1){1'b0}} && !flush_reg;
assign err_data_rd = beat_err && !failed_reg && !halt;
assign err_bad_desc = may_take && bad && !bad_seen_reg;
assign ev_axi_err = beat_err && !r_err_reg;

always @(posedge clk) begin
    // request the next burst
    if (req_valid_reg && req_ready) begin
        req_valid_reg <= 1'b0;
    end
    if (issue) begin
        req_valid_reg <= 1'b1;
        req_words_reg <= words_max;
        req_addr_reg <= a0[ADDR_W-1:0];
        req_len_reg <= beats[7:0] - 8'd1;
        req_tag_reg <= {ends && eop_reg, ends, hi, lo};
        if (ends) begin
            active_reg <= 1'b0;
        end else begin
            cur_addr_reg <= a0 + {47'd0, burst_bytes};
            rem_reg <= rem_reg - consumed[15:0];
        end
    end

    // take a descriptor
    if (take) begin
        q_rd_reg <= q_rd_reg + 1'b1;
        active_reg <= 1'b1;
        cur_addr_reg <= {{(64-ADDR_W){1'b0}}, ra_addr};
        rem_reg <= ra_len;
        eop_reg <= ra_eop;
        frame_descs_reg <= ra_eop ? 5'd0 : frame_descs_reg + 5'd1;
        frame_bytes_reg <= ra_eop ? 17'd0 : bytes_after;
    end
    if (may_take && bad) begin
        bad_seen_reg <= 1'b1;
    end

    // words reserved: added at the request, released with the burst's last beat
    begin : resv_update
        reg [FW+1:0] add;
        reg [FW+1:0] sub;
        reg [FW+1:0] withdrawn;
        add = issue ? words_max : {(FW+2){1'b0}};
        sub = (beat && r_last) ? {{(FW-7){1'b0}}, beats_reg} + {{FW{1'b0}}, 2'd2} : {(FW+2){1'b0}};
        // a request withdrawn on halt gives its words back
        withdrawn = (halt && req_valid_reg && !req_ready) ? req_words_reg : {(FW+2){1'b0}};
        resv_reg <= resv_reg + add - sub - withdrawn;
    end
    if ((req_valid_reg && req_ready) && !(beat && r_last)) begin
        d_out_reg <= d_out_reg + 1'b1;
    end else if (!(req_valid_reg && req_ready) && beat && r_last) begin
        d_out_reg <= d_out_reg - 1'b1;
    end

    // returning beats
    if (beat) begin
        first_reg <= r_last;
        beats_reg <= r_last ? 9'd0 : beats_reg + 9'd1;
        if (r_last) begin
            r_err_reg <= 1'b0;
        end else if (beat_err) begin
            r_err_reg <= 1'b1;
        end
        if (beat_err) begin
            failed_reg <= 1'b1;
        end
        if (use_beat && r_last && t_ends) begin
            q_rdone_reg <= q_rdone_reg + 1'b1;
        end
    end
    if (use_beat) begin
        if (full_word) begin
            acc_reg <= acc_new >> DATA_W;
            acc_cnt_reg <= cnt_new[LB:0] - BYTES_N[LB:0];
            flush_reg <= frame_end && cnt_new != BYTES_N;
        end else if (frame_end) begin
            acc_reg <= {2*DATA_W{1'b0}};
            acc_cnt_reg <= {(LB+1){1'b0}};
        end else begin
            acc_reg <= acc_new;
            acc_cnt_reg <= cnt_new[LB:0];
        end
        if (frame_end && (!full_word || cnt_new == BYTES_N)) begin
            q_done_reg <= q_rdone_reg + 1'b1;
        end
    end
    if (flush_reg) begin
        flush_reg <= 1'b0;
        acc_reg <= {2*DATA_W{1'b0}};
        acc_cnt_reg <= {(LB+1){1'b0}};
        if (!halt) begin
            q_done_reg <= q_rdone_reg;
        end
    end

    // a halt withdraws a request not yet granted: no new AR after an error
    if (halt && !req_ready) begin
        req_valid_reg <= 1'b0;
    end

    // a halt drops the frame being assembled; an abandoned frame likewise
    if (halt || abandon) begin
        acc_reg <= {2*DATA_W{1'b0}};
        acc_cnt_reg <= {(LB+1){1'b0}};
        flush_reg <= 1'b0;
    end
    if (abandon) begin
        frame_descs_reg <= 5'd0;
        frame_bytes_reg <= 17'd0;
    end

    if (enable_pulse) begin
        req_valid_reg <= 1'b0;
        resv_reg <= {(FW+2){1'b0}};
        q_rd_reg <= {(QW+1){1'b0}};
        q_rdone_reg <= {(QW+1){1'b0}};
        q_done_reg <= {(QW+1){1'b0}};
        active_reg <= 1'b0;
        frame_descs_reg <= 5'd0;
        frame_bytes_reg <= 17'd0;
        bad_seen_reg <= 1'b0;
        failed_reg <= 1'b0;
    end

    if (rst) begin
        q_rd_reg <= {(QW+1){1'b0}};
        q_rdone_reg <= {(QW+1){1'b0}};
        q_done_reg <= {(QW+1){1'b0}};
        active_reg <= 1'b0;
        cur_addr_reg <= 64'd0;
        rem_reg <= 16'd0;
        eop_reg <= 1'b0;
        frame_descs_reg <= 5'd0;
        frame_bytes_reg <= 17'd0;
        bad_seen_reg <= 1'b0;
        req_valid_reg <= 1'b0;
        req_addr_reg <= {ADDR_W{1'b0}};
        req_len_reg <= 8'd0;
        req_tag_reg <= {TAG_W{1'b0}};
        req_words_reg <= {(FW+2){1'b0}};
        resv_reg <= {(FW+2){1'b0}};
        d_out_reg <= {(TW+1){1'b0}};
        first_reg <= 1'b1;
        beats_reg <= 9'd0;
        failed_reg <= 1'b0;
        r_err_reg <= 1'b0;
        acc_reg <= {2*DATA_W{1'b0}};
        acc_cnt_reg <= {(LB+1){1'b0}};
        flush_reg <= 1'b0;
    end
end

wire unused_ok = &{1'b0, a0, words_max16, need[16:13], hi_full[16:LB+1], consumed[16], cnt_new[LB+1],
                   1'b0};

endmodule

`resetall
