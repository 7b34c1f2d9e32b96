`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_tx_wb: descriptor writeback, HEAD and the write side of nic_tx_dma's AXI master.
 *
 * Descriptors of committed frames (every read of their buffers returned OKAY) are written
 * back in ring order, merged up to WB_BURST a burst (never past the ring's end, never across
 * 4 KB), in full-width beats with wstrb covering exactly the descriptors written. A burst's
 * W beats follow its AW; the next burst is issued once both are out, with up to MAX_WR
 * bursts awaiting B. HEAD advances by a burst's descriptors on its OKAY B, in order; after
 * the first B error it advances no more. Queue entries are freed with HEAD.
 */
module nic_tx_wb #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // AXI ID width
    parameter ID_W = 4,
    // descriptor queue index width
    parameter QW = 6,
    // most descriptors per writeback burst
    parameter WB_BURST = 8,
    // writeback bursts awaiting B at most (power of two)
    parameter MAX_WR = 16,
    // descriptors one W beat carries, max(1, DATA_W/128)
    parameter WBP = 1
)
(
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Control
     */
    input  wire                  enable_pulse,
    input  wire                  wb_allow,      // new writebacks may be issued (not halted)
    input  wire [63:0]           cfg_ring_base,
    input  wire [15:0]           ring_mask,
    input  wire [QW:0]           q_done,        // one past the last descriptor ready for writeback

    /*
     * Queue read ports
     */
    output wire [WBP*QW-1:0]     rw_idx,
    input  wire [WBP*128-1:0]    rw_desc,
    output wire [QW-1:0]         rwin_base,
    input  wire [WB_BURST-1:0]   rwin_eop,

    /*
     * AXI master write channels
     */
    output wire [ID_W-1:0]       m_axi_awid,
    output wire [ADDR_W-1:0]     m_axi_awaddr,
    output wire [7:0]            m_axi_awlen,
    output wire [2:0]            m_axi_awsize,
    output wire [1:0]            m_axi_awburst,
    output wire                  m_axi_awvalid,
    input  wire                  m_axi_awready,
    output wire [DATA_W-1:0]     m_axi_wdata,
    output wire [DATA_W/8-1:0]   m_axi_wstrb,
    output wire                  m_axi_wlast,
    output wire                  m_axi_wvalid,
    input  wire                  m_axi_wready,
    input  wire [ID_W-1:0]       m_axi_bid,
    input  wire [1:0]            m_axi_bresp,
    input  wire                  m_axi_bvalid,
    output wire                  m_axi_bready,

    /*
     * State and events
     */
    output wire [15:0]           head,
    output wire [QW:0]           q_free,        // one past the newest entry HEAD has passed
    output wire                  idle,          // nothing issued, being sent or awaiting B
    output wire                  pending,       // descriptors ready and not yet issued
    output wire [7:0]            frames_done,   // frames whose EOP descriptor HEAD passed now
    output wire                  err_wb,
    output wire                  ev_axi_err
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam integer SIZE_I = LB;
localparam [2:0] FULL_SIZE = SIZE_I[2:0];
// 16-byte slots per beat (1 at DATA_W 64 and 128)
localparam SLOTS = (BYTES >= 16) ? BYTES / 16 : 1;
localparam SW = (SLOTS > 1) ? $clog2(SLOTS) : 1;
localparam BW = $clog2(MAX_WR);
localparam integer WB_BURST_I = WB_BURST;
localparam [16:0] WB_BURST_N = WB_BURST_I[16:0];
localparam [1:0] BURST_INCR = 2'b01;
localparam [1:0] RESP_OKAY = 2'b00;

initial begin
    if (WBP != SLOTS) begin
        $error("Error: WBP must be max(1, DATA_W/128) (instance %m)");
        $finish;
    end
    if ((1 << BW) != MAX_WR || MAX_WR < 2) begin
        $error("Error: MAX_WR must be a power of two, at least 2 (instance %m)");
        $finish;
    end
    if (WB_BURST < 1 || WB_BURST > 64) begin
        $error("Error: WB_BURST must be 1 .. 64 (instance %m)");
        $finish;
    end
end

reg [QW:0] wb_q_reg;            // next queue entry to write back
reg [15:0] wb_idx_reg;          // its ring index
reg [15:0] head_reg;
reg [QW:0] q_free_reg;
reg b_failed_reg;

reg awvalid_reg;
reg [ADDR_W-1:0] awaddr_reg;
reg [7:0] awlen_reg;

// the burst whose W beats are being sent
reg w_active_reg;
reg [QW-1:0] w_q_reg;           // queue entry of its first descriptor
reg [SW-1:0] w_slot0_reg;       // its slot in the first beat
reg [6:0] w_k_reg;              // descriptors
reg [7:0] w_beat_reg;

// B FIFO: descriptors and frames per burst, in issue order
reg [6:0] b_k_mem [0:MAX_WR-1];
reg [6:0] b_eops_mem [0:MAX_WR-1];
reg [BW:0] b_wr_reg;
reg [BW:0] b_rd_reg;
wire [BW:0] b_level = b_wr_reg - b_rd_reg;
// a beat number and a burst's descriptor count widened past QW (queue arithmetic at any QW)
wire [QW+7:0] w_beat_ext;

reg [7:0] frames_done_reg;
reg ev_axi_err_reg;

// the next burst
wire [QW:0] avail = q_done - wb_q_reg;
wire [63:0] desc_addr = cfg_ring_base + {44'd0, wb_idx_reg, 4'd0};
wire [16:0] to_ring_end = {1'b0, ring_mask} + 17'd1 - {1'b0, wb_idx_reg};
wire [8:0] to_4k = 9'd256 - {1'b0, desc_addr[11:4]};

reg [16:0] k_next;
always @* begin
    k_next = {{(16-QW){1'b0}}, avail};
    if (k_next > WB_BURST_N) k_next = WB_BURST_N;
    if (k_next > to_ring_end) k_next = to_ring_end;
    if (k_next > {8'd0, to_4k}) k_next = {8'd0, to_4k};
end

wire [SW-1:0] slot0;
wire [63:0] aw_addr64;
generate
    if (SLOTS > 1) begin : g_slot
        assign slot0 = desc_addr[LB-1:4];
    end else begin : g_noslot
        assign slot0 = 1'b0;
    end
endgenerate
assign aw_addr64 = {desc_addr[63:LB], {LB{1'b0}}};

// bytes from the beat boundary to the end of the burst's last descriptor, in beats
wire [16:0] span = {{(17-SW-4){1'b0}}, slot0, 4'd0} + {k_next[12:0], 4'd0};
wire [16:0] beats = (span + {{(16-LB){1'b0}}, {LB{1'b1}}}) >> LB;

reg [6:0] eops_next;
integer e;
always @* begin
    eops_next = 7'd0;
    for (e = 0; e < WB_BURST; e = e + 1) begin
        if (e < k_next && rwin_eop[e]) eops_next = eops_next + 7'd1;
    end
end

wire issue = wb_allow && !awvalid_reg && !w_active_reg && avail != {(QW+1){1'b0}} &&
             b_level != MAX_WR[BW:0];

// W beat contents: the writeback image of each slot's descriptor
wire w_last = w_beat_reg == awlen_reg;
wire [DATA_W-1:0] w_data;
wire [BYTES-1:0] w_strb;
genvar g;
generate
    if (BYTES == 8) begin : g_w64
        // two beats a descriptor
        wire [QW-1:0] m = w_q_reg + w_beat_ext[QW:1];
        assign rw_idx = m;
        assign w_data = w_beat_reg[0] ? rw_desc[127:64] : rw_desc[63:0];
        assign w_strb = {BYTES{1'b1}};
    end else if (BYTES == 16) begin : g_w128
        // one beat a descriptor
        assign rw_idx = w_q_reg + w_beat_ext[QW-1:0];
        assign w_data = rw_desc;
        assign w_strb = {BYTES{1'b1}};
    end else begin : g_wide
        for (g = 0; g < SLOTS; g = g + 1) begin : g_slot_w
            // descriptor number of this slot within the burst
            wire [15:0] pos = {{(8-SW){1'b0}}, w_beat_reg, {SW{1'b0}}} + g[15:0];
            wire [15:0] num = pos - {{(16-SW){1'b0}}, w_slot0_reg};
            wire in_burst = pos >= {{(16-SW){1'b0}}, w_slot0_reg} && num < {9'd0, w_k_reg};
            assign rw_idx[g*QW +: QW] = w_q_reg + num[QW-1:0];
            assign w_data[g*128 +: 128] = in_burst ? rw_desc[g*128 +: 128] : 128'd0;
            assign w_strb[g*16 +: 16] = {16{in_burst}};
        end
    end
endgenerate

assign m_axi_awid = {ID_W{1'b0}};
assign m_axi_awaddr = awaddr_reg;
assign m_axi_awlen = awlen_reg;
assign m_axi_awsize = FULL_SIZE;
assign m_axi_awburst = BURST_INCR;
assign m_axi_awvalid = awvalid_reg;
assign m_axi_wdata = w_data;
assign m_axi_wstrb = w_strb;
assign m_axi_wlast = w_last;
assign m_axi_wvalid = w_active_reg;
assign m_axi_bready = 1'b1;

assign rwin_base = wb_q_reg[QW-1:0];
assign head = head_reg;
assign q_free = q_free_reg;
assign idle = !awvalid_reg && !w_active_reg && b_level == {(BW+1){1'b0}};
assign pending = avail != {(QW+1){1'b0}};
assign frames_done = frames_done_reg;
// the first B error halts the queue from the clock of its handshake on, as an R error does:
// no AR or AW is granted in the clock after it
assign err_wb = m_axi_bvalid && m_axi_bresp != RESP_OKAY && !b_failed_reg;
assign ev_axi_err = ev_axi_err_reg;

wire [6:0] b_k = b_k_mem[b_rd_reg[BW-1:0]];
wire [6:0] b_eops = b_eops_mem[b_rd_reg[BW-1:0]];
wire [QW+7:0] b_k_ext = {{(QW+1){1'b0}}, b_k};
assign w_beat_ext = {{QW{1'b0}}, w_beat_reg};
wire b_beat = m_axi_bvalid;

always @(posedge clk) begin
    frames_done_reg <= 8'd0;
    ev_axi_err_reg <= 1'b0;

    if (awvalid_reg && m_axi_awready) begin
        awvalid_reg <= 1'b0;
    end
    if (w_active_reg && m_axi_wready) begin
        w_beat_reg <= w_beat_reg + 8'd1;
        if (w_last) begin
            w_active_reg <= 1'b0;
        end
    end
    if (issue) begin
        awvalid_reg <= 1'b1;
        awaddr_reg <= aw_addr64[ADDR_W-1:0];
        awlen_reg <= beats[7:0] - 8'd1;
        w_active_reg <= 1'b1;
        w_q_reg <= wb_q_reg[QW-1:0];
        w_slot0_reg <= slot0;
        w_k_reg <= k_next[6:0];
        w_beat_reg <= 8'd0;
        b_k_mem[b_wr_reg[BW-1:0]] <= k_next[6:0];
        b_eops_mem[b_wr_reg[BW-1:0]] <= eops_next;
        b_wr_reg <= b_wr_reg + 1'b1;
        wb_q_reg <= wb_q_reg + k_next[QW:0];
        wb_idx_reg <= (wb_idx_reg + k_next[15:0]) & ring_mask;
    end

    if (b_beat) begin
        b_rd_reg <= b_rd_reg + 1'b1;
        if (m_axi_bresp != RESP_OKAY) begin
            ev_axi_err_reg <= 1'b1;
            b_failed_reg <= 1'b1;
        end else if (!b_failed_reg) begin
            head_reg <= (head_reg + {9'd0, b_k}) & ring_mask;
            q_free_reg <= q_free_reg + b_k_ext[QW:0];
            frames_done_reg <= {1'b0, b_eops};
        end
    end

    if (enable_pulse) begin
        wb_q_reg <= {(QW+1){1'b0}};
        wb_idx_reg <= 16'd0;
        head_reg <= 16'd0;
        q_free_reg <= {(QW+1){1'b0}};
        b_failed_reg <= 1'b0;
    end

    if (rst) begin
        wb_q_reg <= {(QW+1){1'b0}};
        wb_idx_reg <= 16'd0;
        head_reg <= 16'd0;
        q_free_reg <= {(QW+1){1'b0}};
        b_failed_reg <= 1'b0;
        awvalid_reg <= 1'b0;
        awaddr_reg <= {ADDR_W{1'b0}};
        awlen_reg <= 8'd0;
        w_active_reg <= 1'b0;
        w_q_reg <= {QW{1'b0}};
        w_slot0_reg <= {SW{1'b0}};
        w_k_reg <= 7'd0;
        w_beat_reg <= 8'd0;
        b_wr_reg <= {(BW+1){1'b0}};
        b_rd_reg <= {(BW+1){1'b0}};
        frames_done_reg <= 8'd0;
        ev_axi_err_reg <= 1'b0;
    end
end

// writes use ID 0 and B comes back in order
wire unused_ok = &{1'b0, m_axi_bid, aw_addr64, desc_addr, w_slot0_reg, w_k_reg, span, beats[16:8], k_next[16:13],
                   w_beat_ext, b_k_ext, 1'b0};

endmodule

`resetall
