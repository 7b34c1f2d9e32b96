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

`undef INGRESS_CONSUMER
