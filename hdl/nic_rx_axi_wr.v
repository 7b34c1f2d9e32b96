`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_axi_wr: the AXI write path of nic_rx_dma.
 *
 * Merges burst commands from the writeback engine (first) and the data engine into one AW
 * stream, keeps a command per issued burst for the W generator and a tag per burst for the
 * B responses (all writes use one ID, so B returns in issue order). The W generator reads
 * two FIFO words per beat and shifts them to the buffer's byte alignment, or builds a beat
 * of descriptor writeback images; with memory that is always ready it sends one beat per
 * clock. Commands that only release FIFO words travel the same queue, so FIFO space is
 * always released in frame order. While halted no AW is issued and W beats not yet shown
 * on the bus go out with wstrb 0.
 */
module nic_rx_axi_wr #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // AXI ID width
    parameter ID_W = 4,
    // FIFO word address width
    parameter FIFO_AW = 12,
    // descriptor queue index width
    parameter QW = 6,
    // descriptors per writeback W beat, max(1, DATA_W/128)
    parameter WBP = 1,
    // write bursts awaiting their B response
    parameter MAX_OUTSTANDING = 16
)
(
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   halt,

    /*
     * Data burst commands
     */
    input  wire                   dc_valid,
    output wire                   dc_ready,
    input  wire                   dc_noaw,
    input  wire [ADDR_W-1:0]      dc_addr,
    input  wire [7:0]             dc_len,
    input  wire [FIFO_AW-1:0]     dc_wptr,
    input  wire [$clog2(DATA_W/8)-1:0] dc_shift,
    input  wire [$clog2(DATA_W/8)-1:0] dc_first_lane,
    input  wire [$clog2(DATA_W/8)-1:0] dc_last_lane,
    input  wire [FIFO_AW:0]       dc_free,
    input  wire                   dc_frame_last,
    input  wire [QW:0]            dc_ndesc,

    /*
     * Writeback burst commands
     */
    input  wire                   wc_valid,
    output wire                   wc_ready,
    input  wire [ADDR_W-1:0]      wc_addr,
    input  wire [7:0]             wc_len,
    input  wire [QW-1:0]          wc_qidx,      // queue entry of the first descriptor
    input  wire [1:0]             wc_slot0,     // its 16-byte slot in beat 0 (DATA_W >= 256)
    input  wire [QW:0]            wc_count,     // descriptors in the burst
    input  wire [7:0]             wc_frames,    // EOP descriptors among them
    input  wire [23:0]            wc_bytes,     // bytes of those frames

    /*
     * AXI master write channels
     */
    output wire [ID_W-1:0]        m_axi_awid,
    output wire [ADDR_W-1:0]      m_axi_awaddr,
    output wire [7:0]             m_axi_awlen,
    output wire [2:0]             m_axi_awsize,
    output wire [1:0]             m_axi_awburst,
    output wire                   m_axi_awvalid,
    input  wire                   m_axi_awready,
    output wire [DATA_W-1:0]      m_axi_wdata,
    output wire [DATA_W/8-1:0]    m_axi_wstrb,
    output wire                   m_axi_wlast,
    output wire                   m_axi_wvalid,
    input  wire                   m_axi_wready,
    input  wire [ID_W-1:0]        m_axi_bid,
    input  wire [1:0]             m_axi_bresp,
    input  wire                   m_axi_bvalid,
    output wire                   m_axi_bready,

    /*
     * Frame FIFO read and release
     */
    output wire                   rd_en,
    output wire [FIFO_AW-1:0]     rd_addr0,
    output wire [FIFO_AW-1:0]     rd_addr1,
    input  wire [DATA_W-1:0]      rd_data0,
    input  wire [DATA_W-1:0]      rd_data1,
    output wire                   free_valid,
    output wire [FIFO_AW:0]       free_words,

    /*
     * Descriptor writeback images
     */
    output wire [WBP*QW-1:0]      rw_idx,
    input  wire [WBP*128-1:0]     rw_desc,

    /*
     * B results
     */
    output wire                   b_data_done,  // all data of a frame acknowledged
    output wire [QW:0]            b_ndesc,
    output wire                   b_wb_done,    // a writeback burst acknowledged
    output wire [QW:0]            b_wb_count,
    output wire [7:0]             b_wb_frames,
    output wire [23:0]            b_wb_bytes,
    output wire                   err_data_wr,
    output wire                   err_wb,
    output wire                   ev_axi_err,
    output wire [QW+4:0]          frames_in_flight, // frames whose last data burst awaits B
    output wire                   wr_idle
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam SLOTS = BYTES / 16;
// the tag table has at least two entries, so its index is never zero bits wide
localparam TAG_DEPTH = MAX_OUTSTANDING < 2 ? 2 : MAX_OUTSTANDING;
localparam TAG_AW = $clog2(TAG_DEPTH);
localparam WCMD_DEPTH = 2 * TAG_DEPTH;
localparam WCMD_AW = TAG_AW + 1;
localparam OUT_AW = 2;
localparam [1:0] BURST_INCR = 2'b01;
localparam [1:0]
    WTYPE_DATA = 2'd0,
    WTYPE_WB   = 2'd1,
    WTYPE_FREE = 2'd2;

initial begin
    if ((1 << $clog2(MAX_OUTSTANDING)) != MAX_OUTSTANDING || MAX_OUTSTANDING < 1) begin
        $error("Error: MAX_OUTSTANDING must be a power of two >= 1 (instance %m)");
        $finish;
    end
end

/*
 * AW stage
 */
reg                awvalid_reg;
reg [ADDR_W-1:0]   awaddr_reg;
reg [7:0]          awlen_reg;

// W command queue
reg [1:0]          q_type_mem [0:WCMD_DEPTH-1];
reg [7:0]          q_len_mem [0:WCMD_DEPTH-1];
reg [FIFO_AW-1:0]  q_wptr_mem [0:WCMD_DEPTH-1];
reg [LB-1:0]       q_shift_mem [0:WCMD_DEPTH-1];
reg [LB-1:0]       q_first_mem [0:WCMD_DEPTH-1];
reg [LB-1:0]       q_last_mem [0:WCMD_DEPTH-1];
reg [FIFO_AW:0]    q_free_mem [0:WCMD_DEPTH-1];
reg [QW-1:0]       q_qidx_mem [0:WCMD_DEPTH-1];
reg [1:0]          q_slot0_mem [0:WCMD_DEPTH-1];
reg [QW:0]         q_count_mem [0:WCMD_DEPTH-1];
reg [WCMD_AW:0]    q_wr_reg;
reg [WCMD_AW:0]    q_rd_reg;

// B tags
reg                t_wb_mem [0:TAG_DEPTH-1];
reg                t_last_mem [0:TAG_DEPTH-1];
reg [QW:0]         t_count_mem [0:TAG_DEPTH-1];
reg [7:0]          t_frames_mem [0:TAG_DEPTH-1];
reg [23:0]         t_bytes_mem [0:TAG_DEPTH-1];
reg [TAG_AW:0]     t_wr_reg;
reg [TAG_AW:0]     t_rd_reg;
reg [QW+4:0]       frames_in_flight_reg;

wire [WCMD_AW:0] q_count = q_wr_reg - q_rd_reg;
wire [TAG_AW:0] t_count = t_wr_reg - t_rd_reg;
wire q_room = q_count != WCMD_DEPTH[WCMD_AW:0];
wire can_aw = !halt && (!awvalid_reg || m_axi_awready) && q_room &&
              t_count != MAX_OUTSTANDING[TAG_AW:0];

wire take_wb = wc_valid && can_aw;
wire take_dc = dc_valid && !take_wb && (dc_noaw ? q_room : (can_aw && !wc_valid));
wire push_aw = take_wb || (take_dc && !dc_noaw);
wire push_q = take_wb || take_dc;

assign wc_ready = take_wb;
assign dc_ready = take_dc;

assign m_axi_awid = {ID_W{1'b0}};
assign m_axi_awaddr = awaddr_reg;
assign m_axi_awlen = awlen_reg;
assign m_axi_awsize = LB[2:0];
assign m_axi_awburst = BURST_INCR;
assign m_axi_awvalid = awvalid_reg;

/*
 * W generator: stage A picks the beat, stage B has the RAM words
 */
reg [7:0]          k_reg;
reg                sb_valid_reg;
reg                sb_wb_reg;
reg [LB-1:0]       sb_shift_reg;
reg [BYTES-1:0]    sb_strb_reg;
reg                sb_last_reg;
reg [DATA_W-1:0]   sb_wbdata_reg;
reg                sb_free_valid_reg;
reg [FIFO_AW:0]    sb_free_reg;

// output FIFO
reg [DATA_W-1:0]   o_data_mem [0:(1<<OUT_AW)-1];
reg [BYTES-1:0]    o_strb_mem [0:(1<<OUT_AW)-1];
reg                o_last_mem [0:(1<<OUT_AW)-1];
reg [OUT_AW:0]     o_wr_reg;
reg [OUT_AW:0]     o_rd_reg;
reg                w_hold_reg;     // the beat on W was shown last clock and not taken
reg                w_void_reg;     // ... and it was shown with wstrb 0

wire [WCMD_AW-1:0] qh = q_rd_reg[WCMD_AW-1:0];
wire               q_nonempty = q_count != 0;
wire [1:0]         h_type = q_type_mem[qh];
wire [7:0]         h_len = q_len_mem[qh];
wire [FIFO_AW-1:0] h_wptr = q_wptr_mem[qh];
wire [LB-1:0]      h_first = q_first_mem[qh];
wire [LB-1:0]      h_last = q_last_mem[qh];
wire [QW-1:0]      h_qidx = q_qidx_mem[qh];
wire [1:0]         h_slot0 = q_slot0_mem[qh];
wire [QW:0]        h_count = q_count_mem[qh];

wire [OUT_AW:0] o_count = o_wr_reg - o_rd_reg;
wire [OUT_AW+1:0] o_pending = {1'b0, o_count} + {{(OUT_AW+1){1'b0}}, sb_valid_reg};
wire credit = o_pending <= 4'd2;
wire a_free = q_nonempty && h_type == WTYPE_FREE;
wire a_beat = q_nonempty && h_type != WTYPE_FREE && credit;
wire a_last = k_reg == h_len;

// strobes of a data beat
reg [BYTES-1:0] a_strb;
integer i;
always @* begin
    for (i = 0; i < BYTES; i = i + 1) begin
        a_strb[i] = (k_reg != 8'd0 || i >= h_first) && (!a_last || i <= h_last);
    end
end

// writeback beat: descriptor images from the queue, placed in their 16-byte slots
wire [DATA_W-1:0]  a_wbdata;
wire [BYTES-1:0]   a_wbstrb;
generate
    if (BYTES == 8) begin : g_wb64
        // two beats per descriptor: low half (BUF_ADDR), then high half
        // the descriptor a beat carries, at the queue index's width (QW may be wider or
        // narrower than the 8-bit beat count)
        wire [16:0] k_half = {10'd0, k_reg[7:1]};
        assign rw_idx = h_qidx + k_half[QW-1:0];
        wire unused_k = &{1'b0, k_half, 1'b0};
        assign a_wbdata = k_reg[0] ? rw_desc[127:64] : rw_desc[63:0];
        assign a_wbstrb = {BYTES{1'b1}};
    end else if (BYTES == 16) begin : g_wb128
        wire [16:0] k_beat = {9'd0, k_reg};
        assign rw_idx = h_qidx + k_beat[QW-1:0];
        wire unused_k = &{1'b0, k_beat, 1'b0};
        assign a_wbdata = rw_desc;
        assign a_wbstrb = {BYTES{1'b1}};
    end else begin : g_wbwide
        genvar s;
        for (s = 0; s < SLOTS; s = s + 1) begin : g_slot
            // position of this slot's descriptor in the burst; before the first one it
            // wraps to a large unsigned value and fails the count check
            wire [31:0] rel = {24'd0, k_reg} * SLOTS + s - {30'd0, h_slot0};
            assign rw_idx[s*QW +: QW] = h_qidx + rel[QW-1:0];
            assign a_wbdata[s*128 +: 128] = rw_desc[s*128 +: 128];
            assign a_wbstrb[s*16 +: 16] = (rel < {{(31-QW){1'b0}}, h_count}) ? 16'hFFFF : 16'h0000;
        end
    end
endgenerate


assign rd_en = a_beat && h_type == WTYPE_DATA;
// the beat counter is 8 bits; the FIFO address wraps at FIFO_AW bits, which may be fewer
wire [FIFO_AW+7:0] rd_addr_sum = {8'd0, h_wptr} + {{FIFO_AW{1'b0}}, k_reg};
assign rd_addr0 = rd_addr_sum[FIFO_AW-1:0];
assign rd_addr1 = rd_addr0 + 1'b1;

// realignment of two FIFO words to the buffer's byte lanes
wire [2*DATA_W-1:0] pair = {rd_data1, rd_data0};
wire [2*DATA_W-1:0] pair_shifted = pair >> {sb_shift_reg, 3'b000};
wire [DATA_W-1:0] b_data = sb_wb_reg ? sb_wbdata_reg : pair_shifted[DATA_W-1:0];

wire w_fire = m_axi_wvalid && m_axi_wready;
assign m_axi_wvalid = o_count != 0;
assign m_axi_wdata = o_data_mem[o_rd_reg[OUT_AW-1:0]];
// A beat first shown while halted goes out with wstrb 0; a stalled beat keeps the strobes it
// was first shown with, so its payload stays stable until WREADY (AXI) whichever way.
wire w_void = w_hold_reg ? w_void_reg : halt;
assign m_axi_wstrb = w_void ? {BYTES{1'b0}} : o_strb_mem[o_rd_reg[OUT_AW-1:0]];
assign m_axi_wlast = o_last_mem[o_rd_reg[OUT_AW-1:0]];

assign free_valid = sb_free_valid_reg;
assign free_words = sb_free_reg;

/*
 * B responses
 */
wire [TAG_AW-1:0] th = t_rd_reg[TAG_AW-1:0];
wire b_fire = m_axi_bvalid && t_count != 0;
wire b_err = m_axi_bresp != 2'b00;
wire t_wb = t_wb_mem[th];
wire t_last = t_last_mem[th];

assign m_axi_bready = 1'b1;
assign b_data_done = b_fire && !b_err && !t_wb && t_last;
assign b_ndesc = t_count_mem[th];
assign b_wb_done = b_fire && !b_err && t_wb;
assign b_wb_count = t_count_mem[th];
assign b_wb_frames = t_frames_mem[th];
assign b_wb_bytes = t_bytes_mem[th];
assign err_data_wr = b_fire && b_err && !t_wb;
assign err_wb = b_fire && b_err && t_wb;
assign ev_axi_err = b_fire && b_err;
assign frames_in_flight = frames_in_flight_reg;
assign wr_idle = !awvalid_reg && q_count == 0 && t_count == 0 && !sb_valid_reg && o_count == 0;

always @(posedge clk) begin
    // AW
    if (awvalid_reg && m_axi_awready) begin
        awvalid_reg <= 1'b0;
    end
    if (push_aw) begin
        awvalid_reg <= 1'b1;
        awaddr_reg <= take_wb ? wc_addr : dc_addr;
        awlen_reg <= take_wb ? wc_len : dc_len;
        t_wb_mem[t_wr_reg[TAG_AW-1:0]] <= take_wb;
        t_last_mem[t_wr_reg[TAG_AW-1:0]] <= !take_wb && dc_frame_last;
        t_count_mem[t_wr_reg[TAG_AW-1:0]] <= take_wb ? wc_count : dc_ndesc;
        t_frames_mem[t_wr_reg[TAG_AW-1:0]] <= wc_frames;
        t_bytes_mem[t_wr_reg[TAG_AW-1:0]] <= wc_bytes;
        t_wr_reg <= t_wr_reg + 1'b1;
    end
    if (push_q) begin
        q_type_mem[q_wr_reg[WCMD_AW-1:0]] <= take_wb ? WTYPE_WB : (dc_noaw ? WTYPE_FREE : WTYPE_DATA);
        q_len_mem[q_wr_reg[WCMD_AW-1:0]] <= take_wb ? wc_len : dc_len;
        q_wptr_mem[q_wr_reg[WCMD_AW-1:0]] <= dc_wptr;
        q_shift_mem[q_wr_reg[WCMD_AW-1:0]] <= dc_shift;
        q_first_mem[q_wr_reg[WCMD_AW-1:0]] <= dc_first_lane;
        q_last_mem[q_wr_reg[WCMD_AW-1:0]] <= dc_last_lane;
        q_free_mem[q_wr_reg[WCMD_AW-1:0]] <= take_wb ? {(FIFO_AW+1){1'b0}} : dc_free;
        q_qidx_mem[q_wr_reg[WCMD_AW-1:0]] <= wc_qidx;
        q_slot0_mem[q_wr_reg[WCMD_AW-1:0]] <= wc_slot0;
        q_count_mem[q_wr_reg[WCMD_AW-1:0]] <= wc_count;
        q_wr_reg <= q_wr_reg + 1'b1;
    end

    // stage A
    sb_valid_reg <= 1'b0;
    sb_free_valid_reg <= 1'b0;
    if (a_free) begin
        q_rd_reg <= q_rd_reg + 1'b1;
        sb_free_valid_reg <= 1'b1;
        sb_free_reg <= q_free_mem[qh];
    end else if (a_beat) begin
        sb_valid_reg <= 1'b1;
        sb_wb_reg <= h_type == WTYPE_WB;
        sb_shift_reg <= q_shift_mem[qh];
        sb_strb_reg <= h_type == WTYPE_WB ? a_wbstrb : a_strb;
        sb_last_reg <= a_last;
        sb_wbdata_reg <= a_wbdata;
        if (a_last) begin
            k_reg <= 8'd0;
            q_rd_reg <= q_rd_reg + 1'b1;
            sb_free_valid_reg <= q_free_mem[qh] != 0;
            sb_free_reg <= q_free_mem[qh];
        end else begin
            k_reg <= k_reg + 8'd1;
        end
    end

    // stage B into the output FIFO
    if (sb_valid_reg) begin
        o_data_mem[o_wr_reg[OUT_AW-1:0]] <= b_data;
        o_strb_mem[o_wr_reg[OUT_AW-1:0]] <= sb_strb_reg;
        o_last_mem[o_wr_reg[OUT_AW-1:0]] <= sb_last_reg;
        o_wr_reg <= o_wr_reg + 1'b1;
    end
    if (w_fire) begin
        o_rd_reg <= o_rd_reg + 1'b1;
    end
    w_hold_reg <= m_axi_wvalid && !m_axi_wready;
    w_void_reg <= w_void;

    // B
    if (b_fire) begin
        t_rd_reg <= t_rd_reg + 1'b1;
    end
    frames_in_flight_reg <= frames_in_flight_reg
        + {{(QW+4){1'b0}}, push_aw && !take_wb && dc_frame_last}
        - {{(QW+4){1'b0}}, b_fire && !t_wb && t_last};

    if (rst) begin
        awvalid_reg <= 1'b0;
        q_wr_reg <= 0;
        q_rd_reg <= 0;
        t_wr_reg <= 0;
        t_rd_reg <= 0;
        k_reg <= 8'd0;
        sb_valid_reg <= 1'b0;
        sb_free_valid_reg <= 1'b0;
        o_wr_reg <= 0;
        o_rd_reg <= 0;
        w_hold_reg <= 1'b0;
        w_void_reg <= 1'b0;
        frames_in_flight_reg <= 0;
    end
end

// every write carries ID 0, so the B ID needs no matching; slot and count serve DATA_W >= 256
wire unused_ok = &{1'b0, m_axi_bid, pair_shifted[2*DATA_W-1:DATA_W], h_slot0, h_count,
                   rd_addr_sum[FIFO_AW+7:FIFO_AW], 1'b0};

`ifdef FORMAL
`include "nic_rx_axi_wr_props.vh"
`endif

endmodule

`resetall
