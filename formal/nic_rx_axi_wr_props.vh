// Formal properties of nic_rx_axi_wr, included inside the module under `ifdef FORMAL: the
// levels of its command queue, tag table and output FIFO, and the pointer relations between
// them. They hold for any input, so alone (NIC_RX_AXI_WR_ALONE defined, formal/wr.sby) only
// the reset is assumed and k-induction proves them; inside nic_rx_dma (formal/top.sby) and
// formal/wpath.sby they are asserted as well.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_past_valid = 1'b0;
reg f_rst_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
end

`ifdef NIC_RX_AXI_WR_ALONE
initial assume (rst);
`endif

// frames whose last data burst awaits its B, counted from the tag table
reg [QW+4:0] f_tag_frames;
integer f_i;
always @(*) begin
    f_tag_frames = 0;
    for (f_i = 0; f_i < TAG_DEPTH; f_i = f_i + 1) begin
        if (((f_i - t_rd_reg) & (TAG_DEPTH - 1)) < t_count
                && !t_wb_mem[f_i] && t_last_mem[f_i]) begin
            f_tag_frames = f_tag_frames + 1'b1;
        end
    end
end

always @(*) begin
    if (f_past_valid && !f_rst_q) begin
        // command queue, tag table and output FIFO within their depths; the W generator's
        // credit keeps at most three beats past stage A
        wr_fifo__cmd_level: assert (q_count <= WCMD_DEPTH);
        wr_fifo__tag_level: assert (t_count <= MAX_OUTSTANDING);
        wr_fifo__out_level: assert (o_pending <= 3);
        // the beat counter stays within the head command's burst and is 0 between commands
        wr_fifo__beat_in_burst: assert ((q_nonempty && h_type != WTYPE_FREE) ? (k_reg <= h_len)
                                                                              : (k_reg == 8'd0));
        // frames in flight equal the data-last tags awaiting B
        wr_fifo__frames_in_flight: assert (frames_in_flight_reg == f_tag_frames);
    end
end
