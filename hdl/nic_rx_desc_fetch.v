`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_desc_fetch: descriptor prefetch and the on-chip descriptor queue of nic_rx_dma.
 *
 * Reads owned descriptors [fetch point, TAIL) from the ring in AR bursts (never past the
 * ring's end, never across 4 KB, only into free queue entries) with beats of at most 16
 * bytes, so every beat carries one descriptor (or half of one at DATA_W 64) and no byte
 * outside the owned descriptors is read. The queue holds, per entry, the descriptor as read
 * and the writeback fields the data engine fills in; entries are freed in ring order when
 * their writeback completes.
 *
 * A beat answered with anything but OKAY never enters the queue, nor does any beat after it
 * until the next enable: the error is reported at that beat, so the halt begins there, and
 * the descriptors of OKAY beats before it stay usable.
 */
module nic_rx_desc_fetch #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // AXI ID width
    parameter ID_W = 4,
    // descriptor queue entries (power of two)
    parameter DESC_QUEUE = 64,
    // most descriptors per AR burst
    parameter DESC_BURST = 16,
    // most descriptors per writeback burst (width of the window read port)
    parameter WB_BURST = 8,
    // queue index width, log2(DESC_QUEUE)
    parameter QW = 6,
    // descriptors a W beat of a writeback can carry, max(1, DATA_W/128)
    parameter WBP = 1
)
(
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Control
     */
    input  wire                  run,
    input  wire                  enable_pulse,
    input  wire [63:0]           cfg_ring_base,
    input  wire [15:0]           ring_mask,
    input  wire [15:0]           cfg_tail,
    input  wire [QW:0]           q_free,        // oldest entry still in use

    /*
     * AXI master read channels
     */
    output wire [ID_W-1:0]       m_axi_arid,
    output wire [ADDR_W-1:0]     m_axi_araddr,
    output wire [7:0]            m_axi_arlen,
    output wire [2:0]            m_axi_arsize,
    output wire [1:0]            m_axi_arburst,
    output wire                  m_axi_arvalid,
    input  wire                  m_axi_arready,
    input  wire [ID_W-1:0]       m_axi_rid,
    input  wire [DATA_W-1:0]     m_axi_rdata,
    input  wire [1:0]            m_axi_rresp,
    input  wire                  m_axi_rlast,
    input  wire                  m_axi_rvalid,
    output wire                  m_axi_rready,

    /*
     * Queue state
     */
    output wire [QW:0]           q_wr,          // one past the newest filled entry
    output wire                  fetch_done,    // every owned descriptor has been read
    output wire                  ar_idle,
    output wire [15:0]           fetch_idx,

    /*
     * Read port for the data engine
     */
    input  wire [QW-1:0]         ra_idx,
    output wire [ADDR_W-1:0]     ra_addr,
    output wire [15:0]           ra_len,

    /*
     * Writeback fields, written by the data engine
     */
    input  wire                  ww_en,
    input  wire [QW-1:0]         ww_idx,
    input  wire [15:0]           ww_len,
    input  wire [15:0]           ww_csum,
    input  wire                  ww_eop,
    input  wire                  ww_mac_err,
    input  wire [15:0]           ww_frame_len,

    /*
     * Writeback images for the W generator (16 bytes each)
     */
    input  wire [WBP*QW-1:0]     rw_idx,
    output wire [WBP*128-1:0]    rw_desc,

    /*
     * Window for the writeback engine
     */
    input  wire [QW-1:0]         rwin_base,
    output wire [WB_BURST-1:0]   rwin_eop,
    output wire [WB_BURST*16-1:0] rwin_frame_len,

    /*
     * Events
     */
    output wire                  ev_desc_fetched,
    output wire                  err_desc_rd,
    output wire                  ev_axi_err
);

localparam BYTES = DATA_W / 8;
localparam BEATS_PER_DESC = (BYTES == 8) ? 2 : 1;
localparam [2:0] AR_SIZE = (BYTES == 8) ? 3'd3 : 3'd4;
// AR bursts in flight: enough full bursts to fill the queue, and at least 4 for short bursts
// (a driver that posts a few descriptors at a time); the queue's free entries bound the
// descriptors in flight whatever this is
localparam integer MAX_AR = (DESC_QUEUE / DESC_BURST > 4) ? DESC_QUEUE / DESC_BURST : 4;
localparam integer ARW = $clog2(MAX_AR + 1);
localparam [ARW-1:0] MAX_AR_N = MAX_AR[ARW-1:0];
localparam [ARW-1:0] AR_ONE = {{(ARW-1){1'b0}}, 1'b1};
localparam integer DESC_BURST_I = DESC_BURST;
localparam [16:0] DESC_BURST_N = DESC_BURST_I[16:0];
localparam [1:0] BURST_INCR = 2'b01;

initial begin
    if ((1 << QW) != DESC_QUEUE) begin
        $error("Error: DESC_QUEUE must be 2**QW (instance %m)");
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
reg [15:0] w_len_mem [0:DESC_QUEUE-1];
reg [15:0] w_csum_mem [0:DESC_QUEUE-1];
reg w_eop_mem [0:DESC_QUEUE-1];
reg w_err_mem [0:DESC_QUEUE-1];
reg [15:0] w_flen_mem [0:DESC_QUEUE-1];

// entries start at zero: at DATA_W >= 256 a writeback beat carries neighbours (wstrb 0)
integer n;
initial begin
    for (n = 0; n < DESC_QUEUE; n = n + 1) begin
        d_addr_mem[n] = {ADDR_W{1'b0}};
        d_len_mem[n] = 16'd0;
        w_len_mem[n] = 16'd0;
        w_csum_mem[n] = 16'd0;
        w_eop_mem[n] = 1'b0;
        w_err_mem[n] = 1'b0;
        w_flen_mem[n] = 16'd0;
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
reg [ARW-1:0] ar_out_reg;

reg arvalid_reg;
reg [ADDR_W-1:0] araddr_reg;
reg [7:0] arlen_reg;

reg ev_fetched_reg;

// next read burst
wire [15:0] owned_unfetched = (cfg_tail - fetch_idx_reg) & ring_mask;
wire [16:0] to_ring_end = {1'b0, ring_mask} + 17'd1 - {1'b0, fetch_idx_reg};
wire [63:0] fetch_addr64 = cfg_ring_base + {44'd0, fetch_idx_reg, 4'd0};
wire [8:0] to_4k = 9'd256 - {1'b0, fetch_addr64[11:4]};
wire [QW:0] q_used = q_alloc_reg - q_free;
wire [QW+1:0] free_slots = DESC_QUEUE[QW+1:0] - {1'b0, q_used};

reg [16:0] n_want;
always @* begin
    n_want = {1'b0, owned_unfetched};
    if (n_want > DESC_BURST_N) n_want = DESC_BURST_N;
    if (n_want > to_ring_end) n_want = to_ring_end;
    if (n_want > {8'd0, to_4k}) n_want = {8'd0, to_4k};
end

wire ar_issue = run && !arvalid_reg && ar_out_reg < MAX_AR_N && n_want != 0 &&
                {{(15-QW){1'b0}}, free_slots} >= n_want;

// lane of the descriptor carried by the current R beat (DATA_W >= 256)
wire [127:0] r_desc;
generate
    if (BYTES == 8) begin : g_r64
        assign r_desc = {m_axi_rdata, r_lo_reg};
    end else if (BYTES == 16) begin : g_r128
        assign r_desc = m_axi_rdata;
    end else begin : g_rwide
        wire [63:0] r_addr64 = cfg_ring_base + {44'd0, r_idx_reg, 4'd0};
        wire [$clog2(BYTES/16)-1:0] lane = r_addr64[$clog2(BYTES)-1:4];
        assign r_desc = m_axi_rdata[lane*128 +: 128];
        wire unused_ok_addr = &{1'b0, r_addr64, 1'b0};
    end
endgenerate
wire r_desc_done = m_axi_rvalid && (BYTES != 8 || r_half_reg);
wire r_beat_err = m_axi_rvalid && m_axi_rresp != 2'b00;
wire r_enter = r_desc_done && !r_beat_err && !r_failed_reg;

assign m_axi_arid = {ID_W{1'b0}};
assign m_axi_araddr = araddr_reg;
assign m_axi_arlen = arlen_reg;
assign m_axi_arsize = AR_SIZE;
assign m_axi_arburst = BURST_INCR;
assign m_axi_arvalid = arvalid_reg;
assign m_axi_rready = 1'b1;

assign q_wr = q_wr_reg;
assign fetch_done = fetch_idx_reg == cfg_tail && ar_out_reg == {ARW{1'b0}} && !arvalid_reg;
assign ar_idle = ar_out_reg == {ARW{1'b0}} && !arvalid_reg;
assign fetch_idx = fetch_idx_reg;

assign ra_addr = d_addr_mem[ra_idx];
assign ra_len = d_len_mem[ra_idx];

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
        assign rw_desc[g*128 +: 128] = {16'd0, 7'd0, w_err_mem[idx], 6'd0, w_eop_mem[idx], 1'b1,
                                        w_csum_mem[idx], w_len_mem[idx], addr64};
    end
    for (g = 0; g < WB_BURST; g = g + 1) begin : g_win
        wire [QW-1:0] idx = rwin_base + g[QW-1:0];
        assign rwin_eop[g] = w_eop_mem[idx];
        assign rwin_frame_len[g*16 +: 16] = w_flen_mem[idx];
    end
endgenerate

// the first error beat of a burst reports at once, in the clock it arrives, as a B error does
wire r_err_first = r_beat_err && !r_err_reg;
assign ev_desc_fetched = ev_fetched_reg;
assign err_desc_rd = r_err_first;
assign ev_axi_err = r_err_first;

always @(posedge clk) begin
    ev_fetched_reg <= 1'b0;

    if (arvalid_reg && m_axi_arready) begin
        arvalid_reg <= 1'b0;
    end
    if (ar_issue) begin
        arvalid_reg <= 1'b1;
        araddr_reg <= fetch_addr64[ADDR_W-1:0];
        arlen_reg <= n_want[7:0] * BEATS_PER_DESC[7:0] - 8'd1;
        fetch_idx_reg <= (fetch_idx_reg + n_want[15:0]) & ring_mask;
        q_alloc_reg <= q_alloc_reg + n_want[QW:0];
    end
    if (ar_issue && !(m_axi_rvalid && m_axi_rlast)) begin
        ar_out_reg <= ar_out_reg + AR_ONE;
    end else if (!ar_issue && m_axi_rvalid && m_axi_rlast) begin
        ar_out_reg <= ar_out_reg - AR_ONE;
    end

    if (m_axi_rvalid) begin
        if (BYTES == 8) begin
            r_half_reg <= !r_half_reg;
            r_lo_reg <= m_axi_rdata[63:0];
        end
        if (r_enter) begin
            d_addr_mem[q_wr_reg[QW-1:0]] <= r_desc[ADDR_W-1:0];
            d_len_mem[q_wr_reg[QW-1:0]] <= r_desc[79:64];
            q_wr_reg <= q_wr_reg + 1'b1;
            r_idx_reg <= (r_idx_reg + 16'd1) & ring_mask;
            ev_fetched_reg <= 1'b1;
        end
        if (r_beat_err) begin
            r_failed_reg <= 1'b1;
        end
        if (m_axi_rlast) begin
            r_err_reg <= 1'b0;
        end else if (r_beat_err) begin
            r_err_reg <= 1'b1;
        end
    end

    if (ww_en) begin
        w_len_mem[ww_idx] <= ww_len;
        w_csum_mem[ww_idx] <= ww_csum;
        w_eop_mem[ww_idx] <= ww_eop;
        w_err_mem[ww_idx] <= ww_mac_err;
        w_flen_mem[ww_idx] <= ww_frame_len;
    end

    if (enable_pulse) begin
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
        ar_out_reg <= {ARW{1'b0}};
        arvalid_reg <= 1'b0;
        ev_fetched_reg <= 1'b0;
    end
end

// reads use ID 0 and come back in order; bytes 10-15 of a read descriptor are reserved
wire unused_ok = &{1'b0, m_axi_rid, r_desc[127:80], r_lo_reg, 1'b0};

`ifdef FORMAL
`include "nic_rx_desc_fetch_props.vh"
`endif

endmodule

`resetall
