// Formal properties of nic_rx_wb (the writeback engine and HEAD), checked alone
// (formal/wb.sby, NIC_RX_WB_ALONE). nic_rx_wb.v has no include line of its own: the runner
// (scripts/formal.py) reads a copy of it with this file included before `endmodule`
// (sim_build/formal/gen/nic_rx_wb_formal.v), so the properties can name its registers.
//
// The write path's B results, the queue state machine and the descriptor queue are assumed
// (below); k-induction proves the relations between HEAD, the writeback issue point and the
// descriptors awaiting writeback for all depths, so across every wrap of the ring (8
// descriptors at RING_SIZE 8) and of the 4-bit queue indices.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

`ifdef NIC_RX_WB_ALONE
localparam integer F_DQ = 1 << QW;

reg f_past_valid = 1'b0;
reg f_rst_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
end
wire f_live = f_past_valid && !f_rst_q;

reg f_halted;                  // a halt or an errored writeback B since enable

initial assume (rst);
always @(*) begin
    if (f_past_valid) begin
        env_reset__once: assume (!rst);
    end
end

/*
 * Environment: the queue state machine (nic_rx_ctrl). RING_SIZE a power of two 8 .. 32768
 * and the base 16-byte aligned, both latched at enable; no writeback from a halt (or the
 * error B that causes it) until the next enable, which comes only with the write path idle
 */
always @(*) begin
    if (f_past_valid) begin
        env_ctrl__ring_size: assume (ring_mask >= 16'd7 && ring_mask <= 16'h7FFF
                                     && ((ring_mask + 16'd1) & ring_mask) == 16'd0);
        env_ctrl__base: assume (cfg_ring_base[3:0] == 4'd0);
        env_ctrl__allow: assume (!(wb_allow && (halt || f_halted)));
    end
end
always @(posedge clk) begin
    if (f_live && !$past(enable_pulse)) begin
        env_ctrl__ring_fixed: assume ($stable(ring_mask) && $stable(cfg_ring_base));
    end
end

/*
 * Environment: the write path (nic_rx_axi_wr). Every writeback burst taken is answered in
 * order: OKAY as b_wb_done with its descriptor count, or an error (f_b_err here) after which
 * the queue halts. b_data_done reports the descriptors of a frame whose data is all
 * acknowledged; those not yet past HEAD are queue entries, never more than DESC_QUEUE.
 */
(* anyseq *) reg f_b_err;
reg [QW:0] f_wq [0:7];
reg [3:0] f_wq_wr, f_wq_rd;
reg [QW+1:0] f_infl;           // descriptors in writebacks awaiting their B
reg [QW:0] f_acked;            // descriptors acknowledged since enable (queue index)
wire [3:0] f_wq_count = f_wq_wr - f_wq_rd;
wire f_push = wc_valid && wc_ready;
wire f_pop = b_wb_done || f_b_err;
wire f_off = f_halted || halt;
always @(posedge clk) begin
    if (f_push) begin
        f_wq[f_wq_wr[2:0]] <= wc_count;
        f_wq_wr <= f_wq_wr + 4'd1;
    end
    if (f_pop) begin
        f_wq_rd <= f_wq_rd + 4'd1;
    end
    f_infl <= f_infl + (f_push ? {1'b0, wc_count} : {(QW+2){1'b0}})
              - (f_pop ? {1'b0, f_wq[f_wq_rd[2:0]]} : {(QW+2){1'b0}});
    if (b_data_done) begin
        f_acked <= f_acked + b_ndesc;
    end
    if (halt || f_b_err) begin
        f_halted <= 1'b1;
    end
    if (rst || enable_pulse) begin
        f_wq_wr <= 4'd0;
        f_wq_rd <= 4'd0;
        f_infl <= 0;
        f_acked <= 0;
        f_halted <= 1'b0;
    end
end
always @(*) begin
    if (f_past_valid) begin
        env_wr__b_after_issue: assume (!f_pop || f_wq_count != 0);
        env_wr__b_one: assume (!(b_wb_done && f_b_err));
        env_wr__b_count: assume (!b_wb_done || b_wb_count == f_wq[f_wq_rd[2:0]]);
        env_wr__enable_idle: assume (!enable_pulse || (f_wq_count == 0 && !f_pop && !b_data_done));
        if (b_data_done) begin
            env_queue__acked: assume (b_ndesc != 0
                                          && {1'b0, f_acked - q_head_reg} + {1'b0, b_ndesc} <= F_DQ);
        end
    end
end

/*
 * HEAD and the writeback issue point. HEAD and the issue point stay within the ring; the
 * issue point is HEAD plus the descriptors whose writeback awaits its B, in the ring and in
 * the queue index alike; the descriptors counted ready are those acknowledged and not yet
 * written back; ready and in flight together never exceed DESC_QUEUE (a descriptor is
 * written back only once, and only after its frame's data B). A writeback burst names 1 ..
 * WB_BURST descriptors and ends by the ring's end.
 */
reg [QW+1:0] f_wq_sum;
reg f_wq_nonzero;
integer f_i;
always @(*) begin
    f_wq_sum = 0;
    f_wq_nonzero = 1'b1;
    for (f_i = 0; f_i < 8; f_i = f_i + 1) begin
        if (f_i < f_wq_count) begin
            f_wq_sum = f_wq_sum + {1'b0, f_wq[(f_wq_rd[2:0] + f_i) & 7]};
            f_wq_nonzero = f_wq_nonzero && f_wq[(f_wq_rd[2:0] + f_i) & 7] != 0
                           && f_wq[(f_wq_rd[2:0] + f_i) & 7] <= WB_BURST;
        end
    end
end
always @(*) begin
    if (f_live && !rst) begin
        head__in_ring: assert ((head_reg & ~ring_mask) == 16'd0 && (wi_ring_reg & ~ring_mask) == 16'd0);
        head__inflight: assert (f_wq_sum == f_infl && f_wq_nonzero && f_wq_count <= F_DQ);
        if (!f_off) begin
            head__issue_point: assert (wi_ring_reg == ((head_reg + {{(14-QW){1'b0}}, f_infl}) & ring_mask));
            head__issue_q: assert (wi_q_reg == q_head_reg + f_infl[QW:0]);
            wb__ready: assert (ready_reg == {1'b0, f_acked - wi_q_reg});
            wb__acked: assert ({1'b0, f_acked - q_head_reg} <= F_DQ);
            wb__bounded: assert ({1'b0, ready_reg} + {1'b0, f_infl} <= F_DQ);
        end
        if (wc_valid) begin
            wb__count: assert (wc_count != 0 && wc_count <= WB_BURST
                               && {1'b0, wi_ring_reg} + {{(16-QW){1'b0}}, wc_count} <= {1'b0, ring_mask} + 17'd1);
        end
    end
end
`endif
