`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_desc_fetch: descriptor prefetch and the on-chip descriptor queue of nic_tx_dma.
 *
 * Reads owned descriptors [fetch point, TAIL) in read bursts (never past the ring's end,
 * never across 4 KB, only into free queue entries, and only while fewer than DESC_AHEAD
 * descriptors are fetched or being fetched and not yet taken by the read engine: the
 * prefetch keeps ahead of the engine without filling R with descriptors). No byte outside the owned descriptors
 * is read: a burst uses beats of at most 16 bytes, each carrying one descriptor (or half of
 * one at DATA_W 64), unless (DESC_FULL, DATA_W 256 and 512) it starts on a bus word and
 * covers whole bus words of owned descriptors: then it uses full-width beats, DATA_W / 128
 * descriptors each, and all of them enter the queue in the beat's clock. A fetch point
 * inside a bus word first reads up to the word's end in 16-byte beats. The read requests go
 * to the block's read arbiter; the R beats of those bursts come back here, in request order.
 * Each queue entry holds BUF_ADDR, LEN and CMD; entries are freed in ring order once their
 * writeback's B response has arrived.
 *
 * A beat answered with anything but OKAY never enters the queue, nor does any beat after it
 * until the next enable; the error is reported in the clock that beat arrives.
 */
module nic_tx_desc_fetch #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // descriptor queue entries (power of two)
    parameter DESC_QUEUE = 64,
    // queue index width, log2(DESC_QUEUE)
    parameter QW = 6,
    // most descriptors per read burst
    parameter DESC_BURST = 16,
    // most descriptors per writeback burst (width of the EOP window)
    parameter WB_BURST = 8,
    // descriptors one W beat of a writeback carries, max(1, DATA_W/128)
    parameter WBP = 1,
    // 1: bursts covering whole bus words use full-width beats (DATA_W 256 and 512)
    parameter DESC_FULL = 1,
    // most descriptors fetched (or being fetched) ahead of the read engine
    parameter DESC_AHEAD = 192
)
(
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Control
     */
    input  wire                  fetch_en,
    input  wire                  halt,          // withdraw a request not yet granted
    input  wire                  enable_pulse,
    input  wire [63:0]           cfg_ring_base,
    input  wire [15:0]           ring_mask,
    input  wire [15:0]           cfg_tail,
    input  wire [QW:0]           q_free,        // oldest entry still in use
    input  wire [QW:0]           q_taken,       // next entry the read engine takes

    /*
     * Read request to the arbiter, and the R beats of this stage's bursts
     */
    output wire                  ar_req_valid,
    output wire [ADDR_W-1:0]     ar_req_addr,
    output wire [7:0]            ar_req_len,
    output wire [2:0]            ar_req_size,
    input  wire                  ar_req_ready,
    input  wire                  r_valid,
    input  wire [DATA_W-1:0]     r_data,
    input  wire [1:0]            r_resp,
    input  wire                  r_last,

    /*
     * Queue state
     */
    output wire [QW:0]           q_wr,          // one past the newest filled entry
    output wire                  ar_idle,       // no descriptor read requested or outstanding
    output wire                  fetch_done,    // every owned descriptor has been read

    /*
     * Read port for the read engine
     */
    input  wire [QW-1:0]         ra_idx,
    output wire [ADDR_W-1:0]     ra_addr,
    output wire [15:0]           ra_len,
    output wire                  ra_eop,

    /*
     * Writeback images (16 bytes each) and the EOP flags of a writeback window
     */
    input  wire [WBP*QW-1:0]     rw_idx,
    output wire [WBP*128-1:0]    rw_desc,
    input  wire [QW-1:0]         rwin_base,
    output wire [WB_BURST-1:0]   rwin_eop,

    /*
     * Events
     */
    output wire [3:0]            ev_desc_fetched, // descriptors that entered the queue now
    output wire                  err_desc_rd,
    output wire                  ev_axi_err
);

localparam BYTES = DATA_W / 8;
localparam BEATS_PER_DESC = (BYTES == 8) ? 2 : 1;
localparam [2:0] AR_SIZE = (BYTES == 8) ? 3'd3 : 3'd4;
localparam integer DESC_BURST_I = DESC_BURST;
localparam [16:0] DESC_BURST_N = DESC_BURST_I[16:0];
localparam LB = $clog2(BYTES);
// descriptors a full-width beat carries, and whether bursts may use full-width beats
localparam DPB = (BYTES >= 32) ? BYTES / 16 : 1;
localparam FULL = (DESC_FULL != 0) && (DPB > 1);
localparam integer DPB_I = DPB;
localparam [16:0] DPB_N = DPB_I[16:0];
localparam [2:0] FULL_SIZE = LB[2:0];

initial begin
    if ((1 << QW) != DESC_QUEUE) begin
        $error("Error: DESC_QUEUE must be 2**QW (instance %m)");
        $finish;
    end
    if (DESC_AHEAD < 1) begin
        $error("Error: DESC_AHEAD must be at least 1 (instance %m)");
        $finish;
    end
    if (DESC_BURST < 1 || DESC_BURST * BEATS_PER_DESC > 256 || DESC_QUEUE < 2 * DESC_BURST) begin
        $error("Error: DESC_BURST must be 1 .. 128 and at most DESC_QUEUE / 2 (instance %m)");
        $finish;
    end
    if (WB_BURST > DESC_QUEUE) begin
        $error("Error: WB_BURST must not exceed DESC_QUEUE (instance %m)");
        $finish;
    end
end

// queue storage
reg [ADDR_W-1:0] d_addr_mem [0:DESC_QUEUE-1];
reg [15:0] d_len_mem [0:DESC_QUEUE-1];
reg [7:0] d_cmd_mem [0:DESC_QUEUE-1];     // CMD as read; bit 0 EOP

integer n;
initial begin
    for (n = 0; n < DESC_QUEUE; n = n + 1) begin
        d_addr_mem[n] = {ADDR_W{1'b0}};
        d_len_mem[n] = 16'd0;
        d_cmd_mem[n] = 8'd0;
    end
end

reg [15:0] fetch_idx_reg;
reg [QW:0] q_alloc_reg;
reg [QW:0] q_wr_reg;
reg [15:0] r_idx_reg;
reg r_half_reg;
reg r_err_reg;          // this burst has had an error beat (one STAT_AXI_ERR per burst)
reg r_failed_reg;       // a read failed since enable: no beat enters the queue any more
reg [63:0] r_lo_reg;
reg [4:0] ar_out_reg;   // descriptor bursts requested and not finished

reg req_valid_reg;
reg [ADDR_W-1:0] req_addr_reg;
reg [7:0] req_len_reg;
reg req_full_reg;       // the request uses full-width beats
reg [3:0] ev_fetched_reg;

// beat size of each burst granted and not finished, in request order (at most 16)
reg full_mem [0:15];
reg [4:0] full_wr_reg;
reg [4:0] full_rd_reg;

// next read burst
wire [15:0] owned_unfetched = (cfg_tail - fetch_idx_reg) & ring_mask;
wire [16:0] to_ring_end = {1'b0, ring_mask} + 17'd1 - {1'b0, fetch_idx_reg};
wire [63:0] fetch_addr64 = cfg_ring_base + {44'd0, fetch_idx_reg, 4'd0};
wire [8:0] to_4k = 9'd256 - {1'b0, fetch_addr64[11:4]};
wire [QW:0] q_used = q_alloc_reg - q_free;
wire [QW+1:0] free_slots = DESC_QUEUE[QW+1:0] - {1'b0, q_used};
wire [QW:0] q_ahead = q_alloc_reg - q_taken;
// a DESC_AHEAD past DESC_QUEUE - DESC_BURST acts as that: the free entries are the bound
localparam integer DESC_AHEAD_I = (DESC_AHEAD < DESC_QUEUE - DESC_BURST) ? DESC_AHEAD :
                                  DESC_QUEUE - DESC_BURST;
localparam [QW+1:0] DESC_AHEAD_N = DESC_AHEAD_I[QW+1:0];

reg [16:0] n_want;
always @* begin
    n_want = {1'b0, owned_unfetched};
    if (n_want > DESC_BURST_N) n_want = DESC_BURST_N;
    if (n_want > to_ring_end) n_want = to_ring_end;
    if (n_want > {8'd0, to_4k}) n_want = {8'd0, to_4k};
end

// the burst: up to the next bus word in 16-byte beats from a fetch point inside one; from
// a bus word, whole words in full-width beats (DESC_FULL), the rest in 16-byte beats
wire [16:0] word_off;
generate
    if (FULL) begin : g_off
        assign word_off = {{(17-(LB-4)){1'b0}}, fetch_addr64[LB-1:4]};
    end else begin : g_nooff
        assign word_off = 17'd0;
    end
endgenerate
reg [16:0] n_issue;
reg issue_full;
always @* begin
    n_issue = n_want;
    issue_full = 1'b0;
    if (FULL) begin
        if (word_off != 17'd0) begin
            if (n_issue > DPB_N - word_off) n_issue = DPB_N - word_off;
        end else if (n_want >= DPB_N) begin
            n_issue = n_want & ~(DPB_N - 17'd1);
            issue_full = 1'b1;
        end
    end
end
wire [16:0] issue_beats = issue_full ? n_issue / DPB_N : n_issue * BEATS_PER_DESC;

wire issue = fetch_en && !req_valid_reg && !ar_out_reg[4] && n_issue != 17'd0 &&
             {{(15-QW){1'b0}}, free_slots} >= n_issue &&
             {{(16-QW){1'b0}}, q_ahead} + n_issue <= {{(15-QW){1'b0}}, DESC_AHEAD_N};

// the descriptor carried by the current R beat
wire [127:0] r_desc;
generate
    if (BYTES == 8) begin : g_r64
        assign r_desc = {r_data, r_lo_reg};
    end else if (BYTES == 16) begin : g_r128
        assign r_desc = r_data;
    end else begin : g_rwide
        wire [63:0] r_addr64 = cfg_ring_base + {44'd0, r_idx_reg, 4'd0};
        wire [$clog2(BYTES/16)-1:0] lane = r_addr64[$clog2(BYTES)-1:4];
        assign r_desc = r_data[lane*128 +: 128];
        wire unused_ok_addr = &{1'b0, r_addr64, 1'b0};
    end
endgenerate
wire r_full = FULL && full_mem[full_rd_reg[3:0]];     // the beat is a full-width one
wire r_desc_done = r_valid && (BYTES != 8 || r_half_reg);
wire r_beat_err = r_valid && r_resp != 2'b00;
wire r_enter = r_desc_done && !r_beat_err && !r_failed_reg;
wire r_err_first = r_beat_err && !r_err_reg;
wire granted = req_valid_reg && ar_req_ready;

assign ar_req_valid = req_valid_reg;
assign ar_req_addr = req_addr_reg;
assign ar_req_len = req_len_reg;
assign ar_req_size = req_full_reg ? FULL_SIZE : AR_SIZE;

assign q_wr = q_wr_reg;
assign ar_idle = ar_out_reg == 5'd0 && !req_valid_reg;
assign fetch_done = fetch_idx_reg == cfg_tail && ar_out_reg == 5'd0 && !req_valid_reg;

assign ra_addr = d_addr_mem[ra_idx];
assign ra_len = d_len_mem[ra_idx];
assign ra_eop = d_cmd_mem[ra_idx][0];

// writeback image: BUF_ADDR, LEN and CMD as read (CMD bits other than EOP mean nothing to
// the block and come back unchanged), STATUS.DD set, the rest zero
genvar g;
generate
    for (g = 0; g < WBP; g = g + 1) begin : g_rw
        wire [QW-1:0] idx = rw_idx[g*QW +: QW];
        wire [63:0] addr64;
        if (ADDR_W == 64) begin : g_a64
            assign addr64 = d_addr_mem[idx];
        end else begin : g_anarrow
            assign addr64 = {{(64-ADDR_W){1'b0}}, d_addr_mem[idx]};
        end
        assign rw_desc[g*128 +: 128] = {24'd0, 8'h01, d_cmd_mem[idx], 8'd0,
                                        d_len_mem[idx], addr64};
    end
    for (g = 0; g < WB_BURST; g = g + 1) begin : g_win
        wire [QW-1:0] idx = rwin_base + g[QW-1:0];
        wire [7:0] cmd = d_cmd_mem[idx];
        assign rwin_eop[g] = cmd[0];
        wire unused_ok_cmd = &{1'b0, cmd, 1'b0};    // only EOP counts frames
    end
endgenerate

assign ev_desc_fetched = ev_fetched_reg;
assign err_desc_rd = r_err_first;
assign ev_axi_err = r_err_first;

integer k;
always @(posedge clk) begin
    ev_fetched_reg <= 4'd0;

    if (granted) begin
        req_valid_reg <= 1'b0;
    end
    if (issue) begin
        req_valid_reg <= 1'b1;
        req_addr_reg <= fetch_addr64[ADDR_W-1:0];
        req_len_reg <= issue_beats[7:0] - 8'd1;
        req_full_reg <= issue_full;
        fetch_idx_reg <= (fetch_idx_reg + n_issue[15:0]) & ring_mask;
        q_alloc_reg <= q_alloc_reg + n_issue[QW:0];
    end
    if (granted) begin
        full_mem[full_wr_reg[3:0]] <= req_full_reg;
        full_wr_reg <= full_wr_reg + 5'd1;
    end
    if (r_valid && r_last) begin
        full_rd_reg <= full_rd_reg + 5'd1;
    end
    if (granted && !(r_valid && r_last)) begin
        ar_out_reg <= ar_out_reg + 5'd1;
    end else if (!granted && r_valid && r_last) begin
        ar_out_reg <= ar_out_reg - 5'd1;
    end

    if (r_valid) begin
        if (BYTES == 8) begin
            r_half_reg <= !r_half_reg;
            r_lo_reg <= r_data[63:0];
        end
        if (r_enter && !r_full) begin
            d_addr_mem[q_wr_reg[QW-1:0]] <= r_desc[ADDR_W-1:0];
            d_len_mem[q_wr_reg[QW-1:0]] <= r_desc[79:64];
            d_cmd_mem[q_wr_reg[QW-1:0]] <= r_desc[95:88];
            q_wr_reg <= q_wr_reg + 1'b1;
            r_idx_reg <= (r_idx_reg + 16'd1) & ring_mask;
            ev_fetched_reg <= 4'd1;
        end
        if (r_enter && r_full) begin
            for (k = 0; k < DPB; k = k + 1) begin
                d_addr_mem[q_wr_reg[QW-1:0] + k[QW-1:0]] <= r_data[k*128 +: ADDR_W];
                d_len_mem[q_wr_reg[QW-1:0] + k[QW-1:0]] <= r_data[k*128+64 +: 16];
                d_cmd_mem[q_wr_reg[QW-1:0] + k[QW-1:0]] <= r_data[k*128+88 +: 8];
            end
            q_wr_reg <= q_wr_reg + DPB_N[QW:0];
            r_idx_reg <= (r_idx_reg + DPB_N[15:0]) & ring_mask;
            ev_fetched_reg <= DPB_N[3:0];
        end
        if (r_beat_err) begin
            r_failed_reg <= 1'b1;
        end
        if (r_last) begin
            r_err_reg <= 1'b0;
        end else if (r_beat_err) begin
            r_err_reg <= 1'b1;
        end
    end

    if (halt && !granted) begin
        req_valid_reg <= 1'b0;
    end

    if (enable_pulse) begin
        req_valid_reg <= 1'b0;
        fetch_idx_reg <= 16'd0;
        q_alloc_reg <= 0;
        q_wr_reg <= 0;
        r_idx_reg <= 16'd0;
        r_half_reg <= 1'b0;
        r_failed_reg <= 1'b0;
    end

    if (rst) begin
        fetch_idx_reg <= 16'd0;
        q_alloc_reg <= 0;
        q_wr_reg <= 0;
        r_idx_reg <= 16'd0;
        r_half_reg <= 1'b0;
        r_err_reg <= 1'b0;
        r_failed_reg <= 1'b0;
        r_lo_reg <= 64'd0;
        ar_out_reg <= 5'd0;
        req_valid_reg <= 1'b0;
        req_addr_reg <= {ADDR_W{1'b0}};
        req_len_reg <= 8'd0;
        req_full_reg <= 1'b0;
        full_wr_reg <= 5'd0;
        full_rd_reg <= 5'd0;
        ev_fetched_reg <= 4'd0;
    end
end

// bytes 10 and 12-15 of a read descriptor are zero or ignored; CMD bits other than EOP too
wire unused_ok = &{1'b0, r_desc, fetch_addr64, r_lo_reg, issue_beats, word_off, 1'b0};

endmodule

`resetall
