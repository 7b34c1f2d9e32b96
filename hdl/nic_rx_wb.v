`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_wb: descriptor writeback and HEAD of nic_rx_dma.
 *
 * Counts the descriptors whose frame data has been acknowledged (all B responses), writes
 * them back in ring order as whole 16-byte descriptors, merging up to WB_BURST consecutive
 * ones into one burst (never past the ring's end or across 4 KB). While frames are still
 * awaiting their B responses it holds a partial burst back so that more can join it; once
 * nothing is in flight it writes back what it has. HEAD advances, and the frames covered
 * are reported, when the writeback's own B response arrives.
 */
module nic_rx_wb #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // descriptor queue index width
    parameter QW = 6,
    // most descriptors per writeback burst
    parameter WB_BURST = 8
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * Control
     */
    input  wire                   enable_pulse,
    input  wire                   wb_allow,
    input  wire                   halt,
    input  wire [63:0]            cfg_ring_base,
    input  wire [15:0]            ring_mask,
    input  wire [15:0]            cfg_tail,
    input  wire [31:0]            cfg_rdmt,

    /*
     * B results from the write path
     */
    input  wire                   b_data_done,
    input  wire [QW:0]            b_ndesc,
    input  wire                   b_wb_done,
    input  wire [QW:0]            b_wb_count,
    input  wire [7:0]             b_wb_frames,
    input  wire [23:0]            b_wb_bytes,
    input  wire [QW+4:0]          frames_in_flight,

    /*
     * Descriptor queue window
     */
    output wire [QW-1:0]          rwin_base,
    input  wire [WB_BURST-1:0]    rwin_eop,
    input  wire [WB_BURST*16-1:0] rwin_frame_len,

    /*
     * Writeback burst commands
     */
    output wire                   wc_valid,
    input  wire                   wc_ready,
    output wire [ADDR_W-1:0]      wc_addr,
    output wire [7:0]             wc_len,
    output wire [QW-1:0]          wc_qidx,
    output wire [1:0]             wc_slot0,
    output wire [QW:0]            wc_count,
    output wire [7:0]             wc_frames,
    output wire [23:0]            wc_bytes,

    /*
     * State and events
     */
    output wire [15:0]            head,
    output wire [QW:0]            q_head,
    output wire                   wb_idle,
    output wire [7:0]             ev_frames,
    output wire [23:0]            ev_bytes,
    output wire                   ev_rxdmt
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam SLOTS = BYTES >= 32 ? BYTES / 16 : 1;

initial begin
    if (WB_BURST < 1 || WB_BURST > 64 || WB_BURST > (1 << QW)) begin
        $error("Error: WB_BURST must be 1 .. 64 and fit the descriptor queue (instance %m)");
        $finish;
    end
end

reg [15:0] head_reg;
reg [QW:0] q_head_reg;
reg [15:0] wi_ring_reg;
reg [QW:0] wi_q_reg;
reg [QW+1:0] ready_reg;

wire [16:0] to_ring_end = {1'b0, ring_mask} + 17'd1 - {1'b0, wi_ring_reg};
wire [63:0] wb_addr64 = cfg_ring_base + {44'd0, wi_ring_reg, 4'd0};
wire [8:0] to_4k = 9'd256 - {1'b0, wb_addr64[11:4]};

reg [16:0] m_max;
reg [16:0] m;
always @* begin
    m_max = WB_BURST;
    if (m_max > to_ring_end) m_max = to_ring_end;
    if (m_max > {8'd0, to_4k}) m_max = {8'd0, to_4k};
    m = {{(15-QW){1'b0}}, ready_reg};
    if (m > m_max) m = m_max;
end

// frames (EOP descriptors) and their bytes among the first m queued descriptors
reg [7:0] sum_frames;
reg [23:0] sum_bytes;
integer i;
always @* begin
    sum_frames = 8'd0;
    sum_bytes = 24'd0;
    for (i = 0; i < WB_BURST; i = i + 1) begin
        if (i < m && rwin_eop[i]) begin
            sum_frames = sum_frames + 8'd1;
            sum_bytes = sum_bytes + {8'd0, rwin_frame_len[i*16 +: 16]};
        end
    end
end

// 16-byte slot of the first descriptor within beat 0, and the burst's beats
wire [1:0] slot0 = BYTES >= 32 ? (wb_addr64[5:4] & SLOTS[1:0] - 2'd1) : 2'd0;
localparam integer SLOTS_M1_I = SLOTS - 1;
localparam [16:0] SLOTS_M1 = SLOTS_M1_I[16:0];
localparam SLOT_SHIFT = LB > 4 ? LB - 4 : 0;
wire [16:0] beats_wide = ({15'd0, slot0} + m + SLOTS_M1) >> SLOT_SHIFT;
wire [16:0] beats = BYTES == 8  ? {m[15:0], 1'b0} :
                    BYTES == 16 ? m : beats_wide;

wire issue = wb_allow && m != 0 && (m == m_max || frames_in_flight == 0);

assign rwin_base = wi_q_reg[QW-1:0];
assign wc_valid = issue;
assign wc_addr = {wb_addr64[ADDR_W-1:LB], {LB{1'b0}}};
assign wc_len = beats[7:0] - 8'd1;
assign wc_qidx = wi_q_reg[QW-1:0];
assign wc_slot0 = slot0;
assign wc_count = m[QW:0];
assign wc_frames = sum_frames;
assign wc_bytes = sum_bytes;

wire report = b_wb_done && !halt;
wire [15:0] head_next = (head_reg + {{(15-QW){1'b0}}, b_wb_count}) & ring_mask;
wire [15:0] owned_after = (cfg_tail - head_next) & ring_mask;

assign head = head_reg;
assign q_head = q_head_reg;
assign wb_idle = ready_reg == 0;
assign ev_frames = report ? b_wb_frames : 8'd0;
assign ev_bytes = report ? b_wb_bytes : 24'd0;
assign ev_rxdmt = report && {16'd0, owned_after} < cfg_rdmt;

always @(posedge clk) begin
    ready_reg <= ready_reg
        + (b_data_done ? {1'b0, b_ndesc} : {(QW+2){1'b0}})
        - ((issue && wc_ready) ? {1'b0, m[QW:0]} : {(QW+2){1'b0}});
    if (issue && wc_ready) begin
        wi_ring_reg <= (wi_ring_reg + m[15:0]) & ring_mask;
        wi_q_reg <= wi_q_reg + m[QW:0];
    end
    if (report) begin
        head_reg <= head_next;
        q_head_reg <= q_head_reg + b_wb_count;
    end

    if (enable_pulse || rst) begin
        head_reg <= 16'd0;
        q_head_reg <= 0;
        wi_ring_reg <= 16'd0;
        wi_q_reg <= 0;
        ready_reg <= 0;
    end
end

// descriptors are 16-byte aligned; a burst has at most 256 beats
wire unused_ok = &{1'b0, wb_addr64[3:0], beats[16:8], 1'b0};

endmodule

`resetall
