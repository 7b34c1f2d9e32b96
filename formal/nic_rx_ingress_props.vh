// Formal properties of nic_rx_ingress, included inside the module under `ifdef FORMAL.
//
// Alone (NIC_RX_INGRESS_FORMAL_TOP defined, formal/ingress.sby) the consumer side is
// assumed: it pops only stored frames and releases only committed words. Inside nic_rx_dma
// the same lines are assertions on the data engine and the write path.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

`ifdef NIC_RX_INGRESS_FORMAL_TOP
`define INGRESS_CONSUMER assume
`else
`define INGRESS_CONSUMER assert
`endif

reg f_past_valid = 1'b0;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
end

`ifdef NIC_RX_INGRESS_FORMAL_TOP
initial assume (rst);
`endif

// levels computed here from the pointers, apart from the RTL's own meta_count and used
wire [META_AW:0] f_meta_level = meta_wr_reg - meta_rd_reg;
wire [FIFO_AW:0] f_words_used = wr_tent_reg - rd_ptr_reg;
wire [FIFO_AW:0] f_words_committed = wr_commit_reg - rd_ptr_reg;

always @(*) begin
    if (f_past_valid && !rst) begin
        // the consumer pops only a stored frame and releases only committed words
        meta_consumer__pop_stored: `INGRESS_CONSUMER (!meta_pop || f_meta_level != 0);
        fifo_consumer__free_committed: `INGRESS_CONSUMER (!free_valid || free_words <= f_words_committed);
    end
    // the MAC is never stalled: tready is high whenever the block is out of reset
    stream__tready: assert (rst || s_axis_rx_tready);
end

always @(posedge clk) begin
    if (f_past_valid && !$past(rst)) begin
        // frame metadata: level within META_DEPTH, both "stored" flags match the level
        fifo_meta__level: assert (f_meta_level <= META_DEPTH);
        fifo_meta__valid: assert (meta_valid == (f_meta_level != 0));
        fifo_meta__valid2: assert (meta_valid2 == (f_meta_level >= 2));
        // frame RAM: words in use within DEPTH; committed words never exceed written ones
        fifo_words__level: assert (f_words_used <= DEPTH);
        fifo_words__commit: assert (f_words_committed <= f_words_used);
        fifo_words__rewound: assert (in_frame_reg || wr_tent_reg == wr_commit_reg);
        fifo_words__reported: assert (fifo_level == f_words_used);
    end
end

`ifdef NIC_RX_INGRESS_DATA
/*
 * Data (formal/ingress.sby task bmc): the checksum and the MAC-error flag of the frame at
 * the FIFO head are those of the frame's own beats. The checksum is checked from the RTL's
 * 32-bit word sum of the frame (csum_acc on its last beat: which bytes count from
 * CSUM_START, and as high or low bytes, are the RTL's): the checker folds it with its
 * end-around carries, swaps the bytes for an odd CSUM_START (RFC 1071), and keeps the result
 * per stored frame, so the fold, the metadata write and the FIFO's delivery of the right
 * entry to the head (across wraps) are checked, not the lane selection nor the adds. (An
 * independent byte-by-byte reference is the same number, but proving two adder chains over
 * 64 free data bits equal takes yices minutes a step.) The MAC error is tuser on the
 * frame's last beat.
 */
wire [31:0] f_ref_beat = csum_acc;
// fold the 32-bit sum to 16 bits with its end-around carries
wire [16:0] f_ref_f1 = {1'b0, f_ref_beat[15:0]} + {1'b0, f_ref_beat[31:16]};
wire [15:0] f_ref_f2 = f_ref_f1[15:0] + {15'd0, f_ref_f1[16]};
wire [15:0] f_ref_sum = cfg_csum_start[0] ? {f_ref_f2[7:0], f_ref_f2[15:8]} : f_ref_f2;
reg [15:0] f_csum_q [0:META_DEPTH-1];
reg f_err_q [0:META_DEPTH-1];
always @(posedge clk) begin
    if (beat) begin
        if (s_axis_rx_tlast && commit) begin
            f_csum_q[meta_wr_reg[META_AW-1:0]] <= f_ref_sum;
            f_err_q[meta_wr_reg[META_AW-1:0]] <= s_axis_rx_tuser;
        end
    end
end
always @(*) begin
    if (f_past_valid && !rst && meta_valid) begin
        csum__reference: assert (meta_csum == f_csum_q[meta_rd_reg[META_AW-1:0]]);
        mac_err__last_beat: assert (meta_mac_err == f_err_q[meta_rd_reg[META_AW-1:0]]);
    end
end
`endif

`undef INGRESS_CONSUMER
