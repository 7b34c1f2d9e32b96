`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_rx_frame_dma: the data engine of nic_rx_dma.
 *
 * Takes the frame at the FIFO head, gathers the descriptors it needs from the queue (it
 * begins a frame only once all of them are on chip), and cuts the frame into write bursts:
 * each buffer filled in turn, bursts of at most MAX_BURST beats that never cross 4 KB,
 * partial first and last beats. For every burst it tells the write path which FIFO word
 * and byte shift feed beat 0. When the last burst of a descriptor is issued it records the
 * descriptor's writeback fields; the writeback itself waits for the B responses.
 * Frames that cannot be delivered (queue not running, too few descriptors with DROP_NODESC,
 * more descriptors than the queue holds) are released through the write path in order.
 */
module nic_rx_frame_dma #
(
    // AXI data width in bits
    parameter DATA_W = 64,
    // AXI address width in bits
    parameter ADDR_W = 64,
    // FIFO word address width
    parameter FIFO_AW = 12,
    // descriptor queue index width
    parameter QW = 6,
    // most beats per data burst
    parameter MAX_BURST = 16
)
(
    input  wire                 clk,
    input  wire                 rst,

    /*
     * Control
     */
    input  wire                 run,
    input  wire                 halt,
    input  wire                 enable_pulse,
    input  wire                 cfg_drop_nodesc,

    /*
     * Frame FIFO head
     */
    input  wire                 meta_valid,
    input  wire [FIFO_AW-1:0]   meta_start,
    input  wire [15:0]          meta_len,
    input  wire [15:0]          meta_csum,
    input  wire                 meta_mac_err,
    input  wire                 meta_valid2,
    input  wire [15:0]          meta_len2,
    output wire                 meta_pop,

    /*
     * Descriptor queue
     */
    input  wire [QW:0]          q_wr,
    input  wire                 fetch_done,
    output wire [QW-1:0]        ra_idx,
    input  wire [ADDR_W-1:0]    ra_addr,
    input  wire [15:0]          ra_len,
    output wire                 ww_en,
    output wire [QW-1:0]        ww_idx,
    output wire [15:0]          ww_len,
    output wire [15:0]          ww_csum,
    output wire                 ww_eop,
    output wire                 ww_mac_err,
    output wire [15:0]          ww_frame_len,

    /*
     * Burst commands to the write path
     */
    output wire                 cmd_valid,
    input  wire                 cmd_ready,
    output wire                 cmd_noaw,       // release FIFO words only, no AXI burst
    output wire [ADDR_W-1:0]    cmd_addr,       // beat-aligned
    output wire [7:0]           cmd_len,        // beats - 1
    output wire [FIFO_AW-1:0]   cmd_wptr,       // FIFO word of beat 0's low half
    output wire [$clog2(DATA_W/8)-1:0] cmd_shift,
    output wire [$clog2(DATA_W/8)-1:0] cmd_first_lane,
    output wire [$clog2(DATA_W/8)-1:0] cmd_last_lane,
    output wire [FIFO_AW:0]     cmd_free,       // FIFO words released after this command
    output wire                 cmd_frame_last,
    output wire [QW:0]          cmd_ndesc,

    /*
     * Status and events
     */
    output wire                 dma_idle,
    output wire                 frame_begun,
    output wire                 ev_drop_fifo,
    output wire                 ev_drop_nodesc,
    output wire                 ev_nodesc_wait,
    output wire                 err_bad_desc
);

localparam BYTES = DATA_W / 8;
localparam LB = $clog2(BYTES);
localparam DESC_QUEUE = 1 << QW;
localparam integer MAX_BURST_BYTES_I = MAX_BURST * BYTES;
localparam [16:0] MAX_BURST_BYTES = MAX_BURST_BYTES_I[16:0];
localparam integer BYTES_M1_I = BYTES - 1;
localparam [16:0] BYTES_M1 = BYTES_M1_I[16:0];

localparam [1:0]
    RELEASE_NONE        = 2'd0,
    RELEASE_DROP_FIFO   = 2'd1,
    RELEASE_DROP_NODESC = 2'd2,
    RELEASE_HALT        = 2'd3;

localparam [1:0]
    STATE_SCAN  = 2'd0,
    STATE_LOAD  = 2'd1,
    STATE_BURST = 2'd2;

initial begin
    if (MAX_BURST < 1 || MAX_BURST > 256) begin
        $error("Error: MAX_BURST must be 1 .. 256 (instance %m)");
        $finish;
    end
end

reg [1:0]        state_reg, state_next;
reg [QW:0]       q_use_reg, q_use_next;
reg [QW:0]       k_reg, k_next;
reg [16:0]       sum_reg, sum_next;
reg              waited_reg, waited_next;
reg [QW:0]       di_reg, di_next;
reg [QW:0]       ndesc_reg, ndesc_next;
reg [15:0]       foff_reg, foff_next;
reg [ADDR_W-1:0] cur_addr_reg, cur_addr_next;
reg [15:0]       cur_left_reg, cur_left_next;
reg [15:0]       dbytes_reg, dbytes_next;

reg meta_pop_c, ww_en_c, frame_begun_c;
reg ev_drop_fifo_c, ev_drop_nodesc_c, ev_nodesc_wait_c, err_bad_desc_c;
reg [QW-1:0] ra_idx_c;
reg [1:0] release_c;

wire [16:0] frame_words17 = ({1'b0, meta_len} + BYTES_M1) >> LB;
wire [FIFO_AW:0] frame_words = frame_words17[FIFO_AW:0];

// scan: the next queue entry for the frame at the head
wire [QW:0] scan_idx = q_use_reg + k_reg;
wire scan_avail = scan_idx != q_wr;
wire [ADDR_W:0] buf_end = {1'b0, ra_addr} + {{(ADDR_W-16+1){1'b0}}, ra_len};
wire bad_desc = ra_len == 16'd0 || (buf_end[ADDR_W] && buf_end[ADDR_W-1:0] != {ADDR_W{1'b0}});
wire [16:0] sum_new = sum_reg + {1'b0, ra_len};
// lookahead while bursting: the next frame's first descriptor, for back-to-back frames
wire [QW:0] next_idx = q_use_reg + ndesc_reg;
wire chain_ok = run && meta_valid2 && next_idx != q_wr && !bad_desc && ra_len >= meta_len2;
wire enough = sum_new >= {1'b0, meta_len};

// burst cut
wire [LB-1:0] a_lo = cur_addr_reg[LB-1:0];
wire [12:0] to_4k = 13'd4096 - {1'b0, cur_addr_reg[11:0]};
wire [16:0] max_bytes = MAX_BURST_BYTES - {{(17-LB){1'b0}}, a_lo};
reg [16:0] bb;
always @* begin
    bb = {1'b0, cur_left_reg};
    if (bb > {4'd0, to_4k}) bb = {4'd0, to_4k};
    if (bb > max_bytes) bb = max_bytes;
end
wire [16:0] span = {{(17-LB){1'b0}}, a_lo} + bb + BYTES_M1;
wire [16:0] beats = span >> LB;
wire [16:0] last_byte = {{(17-LB){1'b0}}, a_lo} + bb - 17'd1;
wire [17:0] d_off = {2'b00, foff_reg} - {{(18-LB){1'b0}}, a_lo};
wire [17:0] q_words = $signed(d_off) >>> LB;
wire desc_done = bb[15:0] == cur_left_reg;
wire frame_last = desc_done && (di_reg + 1'b1 == ndesc_reg);

assign meta_pop = meta_pop_c;
assign ra_idx = ra_idx_c;
assign ww_en = ww_en_c;
assign ww_idx = q_use_reg[QW-1:0] + di_reg[QW-1:0];
assign ww_len = dbytes_reg;
assign ww_csum = frame_last ? meta_csum : 16'd0;
assign ww_eop = frame_last;
assign ww_mac_err = frame_last && meta_mac_err;
assign ww_frame_len = meta_len;

// frames released without a write: not running, too few descriptors with DROP_NODESC, more
// descriptors than the queue holds, or abandoned by a halt (a separate block, so that the
// command's valid and kind never depend on cmd_ready)
always @* begin
    release_c = RELEASE_NONE;
    case (state_reg)
        STATE_SCAN: begin
            if (meta_valid) begin
                if (!run) begin
                    release_c = RELEASE_DROP_FIFO;
                end else if (k_reg == DESC_QUEUE[QW:0]) begin
                    release_c = RELEASE_DROP_NODESC;
                end else if (!scan_avail && fetch_done && cfg_drop_nodesc) begin
                    release_c = RELEASE_DROP_NODESC;
                end
            end
        end
        STATE_LOAD, STATE_BURST: begin
            if (halt) begin
                release_c = RELEASE_HALT;
            end
        end
        default: release_c = RELEASE_NONE;
    endcase
end

wire cmd_noaw_c = release_c != RELEASE_NONE;
assign cmd_valid = cmd_noaw_c || state_reg == STATE_BURST;
assign cmd_noaw = cmd_noaw_c;
assign cmd_addr = {cur_addr_reg[ADDR_W-1:LB], {LB{1'b0}}};
assign cmd_len = beats[7:0] - 8'd1;
assign cmd_wptr = meta_start + q_words[FIFO_AW-1:0];
assign cmd_shift = d_off[LB-1:0];
assign cmd_first_lane = a_lo;
assign cmd_last_lane = last_byte[LB-1:0];
assign cmd_free = (cmd_noaw_c || frame_last) ? frame_words : {(FIFO_AW+1){1'b0}};
assign cmd_frame_last = !cmd_noaw_c && frame_last;
assign cmd_ndesc = ndesc_reg;

assign dma_idle = state_reg == STATE_SCAN;
assign frame_begun = frame_begun_c;
assign ev_drop_fifo = ev_drop_fifo_c;
assign ev_drop_nodesc = ev_drop_nodesc_c;
assign ev_nodesc_wait = ev_nodesc_wait_c;
assign err_bad_desc = err_bad_desc_c;

always @* begin
    state_next = state_reg;
    q_use_next = q_use_reg;
    k_next = k_reg;
    sum_next = sum_reg;
    waited_next = waited_reg;
    di_next = di_reg;
    ndesc_next = ndesc_reg;
    foff_next = foff_reg;
    cur_addr_next = cur_addr_reg;
    cur_left_next = cur_left_reg;
    dbytes_next = dbytes_reg;

    meta_pop_c = 1'b0;
    ww_en_c = 1'b0;
    frame_begun_c = 1'b0;
    ev_drop_fifo_c = 1'b0;
    ev_drop_nodesc_c = 1'b0;
    ev_nodesc_wait_c = 1'b0;
    err_bad_desc_c = 1'b0;
    ra_idx_c = scan_idx[QW-1:0];

    case (state_reg)
        STATE_SCAN: begin
            if (meta_valid && release_c == RELEASE_NONE) begin
                if (scan_avail) begin
                    if (bad_desc) begin
                        err_bad_desc_c = 1'b1;
                    end else if (enough) begin
                        frame_begun_c = 1'b1;
                        ndesc_next = k_reg + 1'b1;
                        di_next = 0;
                        foff_next = 16'd0;
                        k_next = 0;
                        sum_next = 17'd0;
                        waited_next = 1'b0;
                        if (k_reg == 0) begin
                            // the common case: one buffer holds the frame
                            cur_addr_next = ra_addr;
                            cur_left_next = meta_len;
                            dbytes_next = meta_len;
                            state_next = STATE_BURST;
                        end else begin
                            state_next = STATE_LOAD;
                        end
                    end else begin
                        k_next = k_reg + 1'b1;
                        sum_next = sum_new;
                    end
                end else if (fetch_done && !waited_reg) begin
                    // every owned descriptor is on chip and they are too few: wait, counted once
                    ev_nodesc_wait_c = 1'b1;
                    waited_next = 1'b1;
                end
            end
        end
        STATE_LOAD: begin
            ra_idx_c = q_use_reg[QW-1:0] + di_reg[QW-1:0];
            if (!halt) begin
                cur_addr_next = ra_addr;
                if ({1'b0, meta_len} - {1'b0, foff_reg} > {1'b0, ra_len}) begin
                    dbytes_next = ra_len;
                end else begin
                    dbytes_next = meta_len - foff_reg;
                end
                cur_left_next = dbytes_next;
                state_next = STATE_BURST;
            end
        end
        STATE_BURST: begin
            ra_idx_c = next_idx[QW-1:0];
            if (!halt && cmd_ready) begin
                cur_addr_next = cur_addr_reg + {{(ADDR_W-17){1'b0}}, bb};
                cur_left_next = cur_left_reg - bb[15:0];
                foff_next = foff_reg + bb[15:0];
                if (desc_done) begin
                    ww_en_c = 1'b1;
                    if (frame_last) begin
                        meta_pop_c = 1'b1;
                        q_use_next = next_idx;
                        if (chain_ok) begin
                            // the next frame fits its first descriptor: begin it at once
                            frame_begun_c = 1'b1;
                            ndesc_next = 1;
                            di_next = 0;
                            foff_next = 16'd0;
                            cur_addr_next = ra_addr;
                            cur_left_next = meta_len2;
                            dbytes_next = meta_len2;
                        end else begin
                            state_next = STATE_SCAN;
                        end
                    end else begin
                        di_next = di_reg + 1'b1;
                        state_next = STATE_LOAD;
                    end
                end
            end
        end
        default: state_next = STATE_SCAN;
    endcase

    // release the head frame's FIFO words without writing it; the halt drain counts the
    // frames a halt abandons, so that release counts nothing here
    if (release_c != RELEASE_NONE) begin
        if (cmd_ready) begin
            meta_pop_c = 1'b1;
            ev_drop_fifo_c = release_c == RELEASE_DROP_FIFO;
            ev_drop_nodesc_c = release_c == RELEASE_DROP_NODESC;
            k_next = 0;
            sum_next = 17'd0;
            waited_next = 1'b0;
            state_next = STATE_SCAN;
        end
    end

    if (enable_pulse) begin
        state_next = STATE_SCAN;
        q_use_next = 0;
        k_next = 0;
        sum_next = 17'd0;
        waited_next = 1'b0;
    end
end

always @(posedge clk) begin
    state_reg <= state_next;
    q_use_reg <= q_use_next;
    k_reg <= k_next;
    sum_reg <= sum_next;
    waited_reg <= waited_next;
    di_reg <= di_next;
    ndesc_reg <= ndesc_next;
    foff_reg <= foff_next;
    cur_addr_reg <= cur_addr_next;
    cur_left_reg <= cur_left_next;
    dbytes_reg <= dbytes_next;

    if (rst) begin
        state_reg <= STATE_SCAN;
        q_use_reg <= 0;
        k_reg <= 0;
        sum_reg <= 17'd0;
        waited_reg <= 1'b0;
        di_reg <= 0;
        ndesc_reg <= 0;
        foff_reg <= 16'd0;
        cur_left_reg <= 16'd0;
        dbytes_reg <= 16'd0;
    end
end

// burst and offset arithmetic is done wide; only the low bits leave the engine
wire unused_ok = &{1'b0, frame_words17[16:FIFO_AW+1], beats[16:8], last_byte[16:LB],
                   q_words[17:FIFO_AW], 1'b0};

`ifdef FORMAL
`include "nic_rx_frame_dma_props.vh"
`endif

endmodule

`resetall
