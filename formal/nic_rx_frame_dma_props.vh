// Formal properties of nic_rx_frame_dma, included inside the module under `ifdef FORMAL.
//
// Inside nic_rx_dma (formal/top.sby) the burst commands' shape and the metadata pops are
// asserted. Alone with the queue state machine (NIC_RX_FRAME_DMA_ALONE defined,
// formal/nic_rx_dpath.v, formal/dpath.sby) the frame FIFO's metadata, the descriptor queue
// and the write path are assumed to behave as nic_rx_ingress, nic_rx_desc_fetch and
// nic_rx_axi_wr do, and the bounded-progress properties are checked.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_past_valid = 1'b0;
reg f_rst_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
end
wire f_live = f_past_valid && !f_rst_q;

/*
 * Burst commands: at most MAX_BURST beats, never across 4 KB; a frame's last burst names
 * 1 .. DESC_QUEUE descriptors (what formal/wpath.sby assumes of them). The engine pops only
 * a stored frame.
 */
wire [12:0] f_cmd_end = {1'b0, cmd_addr[11:0]} + (({5'd0, cmd_len} + 13'd1) << LB);
always @(*) begin
    if (f_live && !rst) begin
        if (cmd_valid && !cmd_noaw) begin
`ifndef NIC_RX_FRAME_DMA_INDEX
            // these rest on the scan's byte sums, which the induction does not close
            axi_burst__dc_len: assert ({24'd0, cmd_len} < MAX_BURST);
            axi_4k__dc: assert (f_cmd_end <= 13'd4096);
`endif
            if (cmd_frame_last) begin
                axi_burst__dc_ndesc: assert (cmd_ndesc != 0 && cmd_ndesc <= DESC_QUEUE);
            end
        end
        meta_consumer__dma_pop_stored: assert (!meta_pop || meta_valid);
`ifdef NIC_RX_FRAME_DMA_INDEX
        // the writeback fields of a frame's last descriptor carry the head frame's checksum
        // and MAC error (nic_rx_ingress's csum and mac_err properties say they are the
        // frame's own); the other descriptors carry neither. Only in formal/dpath.sby task
        // prove: in the BMC jobs these two made step 13 of dpath_bmc take minutes
        if (ww_en) begin
            csum__wb: assert (ww_csum == (ww_eop ? meta_csum : 16'd0));
            mac_err__wb: assert (ww_mac_err == (ww_eop && meta_mac_err));
        end
`endif
    end
end

`ifdef NIC_RX_FRAME_DMA_ALONE

localparam integer F_FRAME_MAX = 1 << (FIFO_AW + LB);   // bytes the frame FIFO holds
// the write path takes a pending command within F_ACCEPT clocks (memory answering)
localparam integer F_ACCEPT = 2;

initial assume (rst);
always @(*) begin
    if (f_past_valid) begin
        env_reset__once: assume (!rst);
    end
end

/*
 * Environment: the frame FIFO (nic_rx_ingress). The head frame is held until popped, the
 * second frame likewise and becomes the head when the first pops; lengths 1 .. the FIFO.
 */
always @(*) begin
    if (f_past_valid) begin
        env_meta__valid2: assume (!meta_valid2 || meta_valid);
        if (meta_valid) begin
            env_meta__len: assume (meta_len != 16'd0 && meta_len <= F_FRAME_MAX);
        end
        if (meta_valid2) begin
            env_meta__len2: assume (meta_len2 != 16'd0 && meta_len2 <= F_FRAME_MAX);
        end
    end
end
always @(posedge clk) begin
    if (f_live) begin
        if ($past(meta_valid && !meta_pop)) begin
            env_meta__held: assume (meta_valid && $stable(meta_len) && $stable(meta_start)
                                    && $stable(meta_csum) && $stable(meta_mac_err));
        end
        if ($past(meta_valid2 && !meta_pop)) begin
            env_meta__held2: assume (meta_valid2 && $stable(meta_len2));
        end
        if ($past(meta_valid2 && meta_pop)) begin
            env_meta__next: assume (meta_valid && meta_len == $past(meta_len2));
        end
    end
end

/*
 * Environment: the descriptor queue (nic_rx_desc_fetch). One descriptor enters per clock at
 * most, into a free entry (never more than DESC_QUEUE ahead of the engine); an entry holds
 * what entered it until it is used again; the queue restarts at 0 with the engine.
 */
reg [ADDR_W-1:0] f_daddr [0:DESC_QUEUE-1];
reg [15:0] f_dlen [0:DESC_QUEUE-1];
(* anyseq *) reg [ADDR_W-1:0] f_new_addr;
(* anyseq *) reg [15:0] f_new_len;
reg [QW:0] f_q_wr_q;
// the entry q_wr just moved past holds this clock's free values from this clock on
wire f_fresh = f_live && q_wr == f_q_wr_q + 1'b1;
reg [ADDR_W-1:0] f_daddr_now [0:DESC_QUEUE-1];
reg [15:0] f_dlen_now [0:DESC_QUEUE-1];
integer f_j;
always @(*) begin
    for (f_j = 0; f_j < DESC_QUEUE; f_j = f_j + 1) begin
        f_daddr_now[f_j] = (f_fresh && f_j == f_q_wr_q[QW-1:0]) ? f_new_addr : f_daddr[f_j];
        f_dlen_now[f_j] = (f_fresh && f_j == f_q_wr_q[QW-1:0]) ? f_new_len : f_dlen[f_j];
    end
end
always @(posedge clk) begin
    f_q_wr_q <= q_wr;
    if (f_fresh) begin
        f_daddr[f_q_wr_q[QW-1:0]] <= f_new_addr;
        f_dlen[f_q_wr_q[QW-1:0]] <= f_new_len;
    end
end
wire [QW:0] f_q_avail = q_wr - q_use_reg;
always @(*) begin
    if (f_past_valid) begin
        env_queue__read: assume (ra_addr == f_daddr_now[ra_idx] && ra_len == f_dlen_now[ra_idx]);
        env_queue__room: assume (f_q_avail <= DESC_QUEUE);
    end
end
always @(posedge clk) begin
    if (f_live) begin
        if ($past(rst || enable_pulse)) begin
            env_queue__restart: assume (q_wr == 0);
        end else begin
            env_queue__one_per_clock: assume (q_wr == $past(q_wr) || q_wr == $past(q_wr) + 1'b1);
        end
    end
end

/*
 * The engine's queue index (4-bit at DESC_QUEUE 8: it wraps after 16 descriptors): the
 * entries scanned for the head frame, [q_use, q_use + k), and the descriptors of the frame
 * begun, [q_use, q_use + ndesc), lie within the entries on chip, [q_use, q_wr); the
 * descriptor in use is one of the frame's; the head frame stays stored while the engine
 * works on it. k-induction (task prove) proves these for all depths, so across every wrap.
 */
always @(*) begin
    if (f_live && !rst) begin
        dma_index__state: assert (state_reg == STATE_SCAN || state_reg == STATE_LOAD
                                  || state_reg == STATE_BURST);
        if (state_reg == STATE_SCAN) begin
            dma_index__scan: assert (k_reg <= f_q_avail);
            if (k_reg != 0) begin
                dma_index__scan_held: assert (meta_valid);
            end
        end else begin
            dma_index__frame: assert (ndesc_reg != 0 && ndesc_reg <= f_q_avail);
            dma_index__desc: assert (di_reg < ndesc_reg);
            dma_index__held: assert (meta_valid);
            dma_index__scan_clear: assert (k_reg == 0 && sum_reg == 17'd0);
        end
    end
end

/*
 * Environment: the write path (nic_rx_axi_wr) takes only an offered command, and takes a
 * pending one within F_ACCEPT clocks: memory answers AW, W and B within a bound
 */
reg [3:0] f_cmd_wait;
always @(posedge clk) begin
    f_cmd_wait <= (cmd_valid && !cmd_ready) ? f_cmd_wait + 4'd1 : 4'd0;
    if (rst) begin
        f_cmd_wait <= 4'd0;
    end
end
always @(*) begin
    if (f_past_valid) begin
        env_wpath__ready_offered: assume (!cmd_ready || cmd_valid);
        env_wpath__answers: assume (!cmd_valid || cmd_ready || f_cmd_wait < F_ACCEPT - 1);
    end
end

/*
 * Bounded progress. A frame is "ready" when it is stored at the FIFO head, the engine is
 * free (SCAN), the queue runs, and the unused descriptors on chip hold enough bytes for it.
 * The scan looks at one descriptor per clock and begins the frame on the clock the scanned
 * descriptors cover it (or reports a bad descriptor, which halts the queue), so a ready frame
 * is begun within DESC_QUEUE clocks: at most DESC_QUEUE - 1 clocks without it
 * (docs/FORMAL.md, "Bounded progress").
 */
reg [18:0] f_cover;
integer f_i;
always @(*) begin
    f_cover = 19'd0;
    for (f_i = 0; f_i < DESC_QUEUE; f_i = f_i + 1) begin
        if (f_i < f_q_avail) begin
            f_cover = f_cover + {3'd0, f_dlen_now[(q_use_reg[QW-1:0] + f_i) & (DESC_QUEUE - 1)]};
        end
    end
end
wire f_ready = meta_valid && run && state_reg == STATE_SCAN && f_cover >= {3'd0, meta_len};
reg [7:0] f_ready_wait;
always @(posedge clk) begin
    f_ready_wait <= (f_ready && !frame_begun && !err_bad_desc) ? f_ready_wait + 8'd1 : 8'd0;
    if (rst) begin
        f_ready_wait <= 8'd0;
    end
end
`ifndef NIC_RX_FRAME_DMA_INDEX
always @(*) begin
    if (f_live && !rst) begin
        progress__begin: assert (f_ready_wait < DESC_QUEUE);
    end
end
`endif


`endif
