// Formal properties of nic_rx_desc_fetch, included inside the module under `ifdef FORMAL:
// checked within nic_rx_dma (formal/top.sby), and alone (NIC_RX_DESC_FETCH_ALONE defined,
// formal/fetch.sby) against an assumed queue state machine, driver, writeback engine and
// AXI4 slave read side, where k-induction proves the queue's levels.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_past_valid = 1'b0;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
end

// an R beat has been answered other than OKAY since the last enable
reg f_r_err_seen;
always @(posedge clk) begin
    if (m_axi_rvalid && m_axi_rresp != 2'b00) begin
        f_r_err_seen <= 1'b1;
    end
    if (rst || enable_pulse) begin
        f_r_err_seen <= 1'b0;
    end
end

wire [QW:0] f_q_filled = q_wr_reg - q_free;
wire [QW:0] f_q_alloc = q_alloc_reg - q_free;

always @(posedge clk) begin
    if (f_past_valid && !$past(rst)) begin
        // no descriptor enters the queue from an errored beat, nor after one until enable
        if (!$past(enable_pulse) && q_wr_reg != $past(q_wr_reg)) begin
            desc_rerr__never_enters: assert (!$past(f_r_err_seen) && !$past(m_axi_rvalid && m_axi_rresp != 2'b00));
        end
        // the queue holds at most what was read for it, and never more than DESC_QUEUE
        // the fetcher's own record of a failed read is the checker's
        desc_rerr__failed_flag: assert (r_failed_reg == f_r_err_seen);
        desc_queue__filled_le_alloc: assert (f_q_filled <= f_q_alloc);
        desc_queue__alloc_le_depth: assert (f_q_alloc <= DESC_QUEUE);
        desc_queue__ar_outstanding: assert (ar_out_reg <= MAX_AR);
    end
end

`ifdef NIC_RX_DESC_FETCH_ALONE
reg f_rst_q;
always @(posedge clk) begin
    f_rst_q <= rst;
end
wire f_live = f_past_valid && !f_rst_q;

initial assume (rst);
always @(*) begin
    if (f_past_valid) begin
        env_reset__once: assume (!rst);
    end
end

/*
 * Environment: the queue state machine and the driver. The queue restarts only while no read
 * is outstanding and it is not running (nic_rx_ctrl enables from STOPPED, reached only with
 * the fetcher idle); RING_SIZE is a power of two 8 .. 32768, latched at enable with the base;
 * TAIL within the ring
 */
always @(*) begin
    if (f_past_valid) begin
        if (enable_pulse) begin
            env_ctrl__enable_idle: assume (!run && ar_out_reg == 0 && !arvalid_reg);
        end
        env_ctrl__ring_size: assume (ring_mask >= 16'd7 && ring_mask <= 16'h7FFF
                                     && ((ring_mask + 16'd1) & ring_mask) == 16'd0);
        env_ctrl__tail: assume ((cfg_tail & ~ring_mask) == 16'd0);
        env_ctrl__base: assume (cfg_ring_base[3:0] == 4'd0);
    end
end
always @(posedge clk) begin
    if (f_live && !$past(enable_pulse)) begin
        env_ctrl__ring_fixed: assume ($stable(ring_mask) && $stable(cfg_ring_base));
    end
end

/*
 * Environment: the writeback engine frees entries in order, only entries that were filled
 * (HEAD moves over written-back descriptors), and restarts at 0 with the queue
 */
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(rst || enable_pulse)) begin
            env_wb__free_restart: assume (q_free == 0);
        end else begin
            env_wb__free_forward: assume ((q_free - $past(q_free)) <= ($past(q_wr_reg) - $past(q_free)));
        end
    end
end

/*
 * The fetch point (ring index of the next descriptor to read, wrapping at RING_SIZE, 8 at
 * the least) against HEAD: f_head is the ring position of the queue's oldest entry, moved
 * as the writeback engine frees entries (HEAD itself, in nic_rx_dma). Environment: the
 * driver moves TAIL only forward, never past HEAD from behind, and TAIL restarts at 0 with
 * the queue (nic_rx_regs). Asserted: the fetch point stays in the ring, exactly the
 * allocated descriptors ahead of HEAD, and never past TAIL (HEAD <= fetch point <= TAIL
 * modulo the ring), for all depths (k-induction), so across every wrap of the ring.
 */
reg [15:0] f_head_reg;
reg [QW:0] f_qf_q;
wire [QW:0] f_qf_step = q_free - f_qf_q;
wire [15:0] f_head = (f_head_reg + {{(15-QW){1'b0}}, f_qf_step}) & ring_mask;
always @(posedge clk) begin
    f_head_reg <= f_head;
    f_qf_q <= q_free;
    if (rst || enable_pulse) begin
        f_head_reg <= 16'd0;
        f_qf_q <= 0;
    end
end
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(rst || enable_pulse)) begin
            env_driver__tail_restart: assume (cfg_tail == 16'd0);
        end else if (cfg_tail != $past(cfg_tail)) begin
            env_driver__tail_forward: assume (((cfg_tail - $past(f_head)) & ring_mask) >=
                                              (($past(cfg_tail) - $past(f_head)) & ring_mask));
        end
    end
end
always @(*) begin
    if (f_live && !rst) begin
        fetch_point__in_ring: assert ((fetch_idx_reg & ~ring_mask) == 16'd0
                                      && (f_head_reg & ~ring_mask) == 16'd0);
        fetch_point__ahead_of_head: assert (((fetch_idx_reg - f_head) & ring_mask)
                                            == {{(15-QW){1'b0}}, f_q_alloc});
        fetch_point__behind_tail: assert ({{(15-QW){1'b0}}, f_q_alloc} <= ((cfg_tail - f_head) & ring_mask));
    end
end

/*
 * Environment: the AXI4 slave's read side answers only issued reads, in order, and ends each
 * on the beat ARLEN says
 */
reg [7:0] f_arq_len [0:7];
reg [3:0] f_arq_wr, f_arq_rd;
reg [7:0] f_r_beat;
wire [3:0] f_ar_pending = f_arq_wr - f_arq_rd;
always @(posedge clk) begin
    if (m_axi_arvalid && m_axi_arready) begin
        f_arq_len[f_arq_wr[2:0]] <= m_axi_arlen;
        f_arq_wr <= f_arq_wr + 4'd1;
    end
    if (m_axi_rvalid) begin
        if (m_axi_rlast) begin
            f_arq_rd <= f_arq_rd + 4'd1;
            f_r_beat <= 8'd0;
        end else begin
            f_r_beat <= f_r_beat + 8'd1;
        end
    end
    if (rst) begin
        f_arq_wr <= 4'd0;
        f_arq_rd <= 4'd0;
        f_r_beat <= 8'd0;
    end
end
always @(*) begin
    if (f_past_valid) begin
        env_axi_r__after_ar: assume (!m_axi_rvalid || f_ar_pending != 0);
        env_axi_r__rlast: assume (!m_axi_rvalid || m_axi_rlast == (f_r_beat == f_arq_len[f_arq_rd[2:0]]));
    end
end

/*
 * What the proof needs besides: the reads counted at issue are those on AR or outstanding;
 * the descriptors allocated and not yet entered cover the beats still to come (exactly, until
 * a read fails)
 */
reg [11:0] f_beats_due;
reg f_lens_odd;
integer f_k;
always @(*) begin
    f_beats_due = arvalid_reg ? {4'd0, arlen_reg} + 12'd1 : 12'd0;
    f_lens_odd = 1'b1;
    for (f_k = 0; f_k < 8; f_k = f_k + 1) begin
        if (f_k < f_ar_pending) begin
            f_beats_due = f_beats_due + {4'd0, f_arq_len[(f_arq_rd[2:0] + f_k) & 7]} + 12'd1;
            f_lens_odd = f_lens_odd && f_arq_len[(f_arq_rd[2:0] + f_k) & 7][0];
        end
    end
    f_beats_due = f_beats_due - {4'd0, f_r_beat};
end
wire [11:0] f_desc_due = (f_beats_due + {11'd0, BYTES == 8 && r_half_reg}) >> ((BYTES == 8) ? 1 : 0);
wire [11:0] f_alloc_ahead = {{(11-QW){1'b0}}, q_alloc_reg - q_wr_reg};
always @(*) begin
    if (f_live && !rst) begin
        desc_queue__ar_counted: assert ({1'b0, ar_out_reg} == f_ar_pending + {3'd0, arvalid_reg});
        desc_queue__half_beat: assert (BYTES != 8 || r_half_reg == f_r_beat[0]);
        desc_queue__beats_even: assert (BYTES != 8 || ((!arvalid_reg || arlen_reg[0]) && f_lens_odd));
        desc_queue__beat_in_burst: assert (f_ar_pending == 0 ? (f_r_beat == 8'd0)
                                                              : (f_r_beat <= f_arq_len[f_arq_rd[2:0]]));
        desc_queue__due: assert (r_failed_reg ? (f_alloc_ahead >= f_desc_due) : (f_alloc_ahead == f_desc_due));
    end
end
`endif
