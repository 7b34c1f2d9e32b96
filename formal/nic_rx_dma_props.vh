// Formal properties of nic_rx_dma, included inside the top module under `ifdef FORMAL
// (formal/top.sby). The environment is assumed: reset at the start, an AXI4-Lite master, an
// AXI4 slave and a driver that obey their rules. Everything the block drives is asserted.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_past_valid = 1'b0;
reg f_rst_q, f_aw_wait_q, f_ar_wait_q, f_w_wait_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
    f_aw_wait_q <= m_axi_awvalid && !m_axi_awready;
    f_ar_wait_q <= m_axi_arvalid && !m_axi_arready;
    f_w_wait_q <= m_axi_wvalid && !m_axi_wready;
end
// the clock after reset or later: the previous clock's outputs are meaningful
wire f_live = f_past_valid && !f_rst_q;

localparam [2:0] F_AR_SIZE = (BYTES == 8) ? 3'd3 : 3'd4;
localparam integer F_AR_BEATS_MAX = DESC_BURST * ((BYTES == 8) ? 2 : 1);
localparam integer F_WB_BEATS_MAX = (BYTES == 8) ? 2 * WB_BURST :
                                    (BYTES == 16) ? WB_BURST : (WB_BURST + 2 * WBP - 2) / WBP;
localparam integer F_AW_PENDING_MAX = (MAX_OUTSTANDING < 2 ? 2 : MAX_OUTSTANDING);

/*
 * Environment: reset once at the start
 */
initial assume (rst);
always @(*) begin
    if (f_past_valid) begin
        env_reset__once: assume (!rst);
    end
end

/*
 * Environment: the AXI-Lite master holds VALID and payload until READY;
 * the MAC holds its beat while tready is low
 */
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(s_axil_awvalid && !s_axil_awready)) begin
            env_axil__aw_held: assume (s_axil_awvalid && $stable(s_axil_awaddr) && $stable(s_axil_awprot));
        end
        if ($past(s_axil_wvalid && !s_axil_wready)) begin
            env_axil__w_held: assume (s_axil_wvalid && $stable(s_axil_wdata) && $stable(s_axil_wstrb));
        end
        if ($past(s_axil_arvalid && !s_axil_arready)) begin
            env_axil__ar_held: assume (s_axil_arvalid && $stable(s_axil_araddr) && $stable(s_axil_arprot));
        end
        if ($past(s_axis_rx_tvalid && !s_axis_rx_tready)) begin
            env_stream__held: assume (s_axis_rx_tvalid && $stable(s_axis_rx_tdata) && $stable(s_axis_rx_tkeep)
                                      && $stable(s_axis_rx_tlast) && $stable(s_axis_rx_tuser));
        end
    end
end

/*
 * Environment: the AXI4 slave answers only what was issued, R bursts end on the beat ARLEN
 * says, B only after the burst's AW and its last W beat; responses are held until READY
 */
reg [7:0] f_arq_len [0:7];
reg [3:0] f_arq_wr, f_arq_rd;
reg [7:0] f_r_beat;
wire [3:0] f_ar_pending = f_arq_wr - f_arq_rd;
reg [3:0] f_aw_unanswered, f_wlast_unanswered;

always @(posedge clk) begin
    if (m_axi_arvalid && m_axi_arready) begin
        f_arq_len[f_arq_wr[2:0]] <= m_axi_arlen;
        f_arq_wr <= f_arq_wr + 4'd1;
    end
    if (m_axi_rvalid && m_axi_rready) begin
        if (m_axi_rlast) begin
            f_arq_rd <= f_arq_rd + 4'd1;
            f_r_beat <= 8'd0;
        end else begin
            f_r_beat <= f_r_beat + 8'd1;
        end
    end
    f_aw_unanswered <= f_aw_unanswered + {3'd0, m_axi_awvalid && m_axi_awready}
                       - {3'd0, m_axi_bvalid && m_axi_bready};
    f_wlast_unanswered <= f_wlast_unanswered + {3'd0, m_axi_wvalid && m_axi_wready && m_axi_wlast}
                          - {3'd0, m_axi_bvalid && m_axi_bready};
    if (rst) begin
        f_arq_wr <= 4'd0;
        f_arq_rd <= 4'd0;
        f_r_beat <= 8'd0;
        f_aw_unanswered <= 4'd0;
        f_wlast_unanswered <= 4'd0;
    end
end

always @(*) begin
    if (f_past_valid) begin
        env_axi_r__after_ar: assume (!m_axi_rvalid || f_ar_pending != 0);
        env_axi_r__rlast: assume (!m_axi_rvalid || m_axi_rlast == (f_r_beat == f_arq_len[f_arq_rd[2:0]]));
        env_axi_r__id: assume (m_axi_rid == {ID_W{1'b0}});
        env_axi_b__after_w: assume (!m_axi_bvalid || (f_aw_unanswered != 0 && f_wlast_unanswered != 0));
        env_axi_b__id: assume (m_axi_bid == {ID_W{1'b0}});
    end
end
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(m_axi_rvalid && !m_axi_rready)) begin
            env_axi_r__held: assume (m_axi_rvalid && $stable(m_axi_rdata) && $stable(m_axi_rresp) && $stable(m_axi_rlast));
        end
        if ($past(m_axi_bvalid && !m_axi_bready)) begin
            env_axi_b__held: assume (m_axi_bvalid && $stable(m_axi_bresp));
        end
    end
end

/*
 * Environment: the driver hands over descriptors only forward from TAIL (never letting TAIL
 * catch up with HEAD from behind) and leaves RING_BASE / RING_SIZE alone while RUNNING
 */
always @(posedge clk) begin
    if (f_live && running && $past(running) && !$past(enable_pulse)) begin
        env_driver__ring_fixed: assume ($stable(cfg_ring_size) && $stable(cfg_ring_base));
        if (cfg_tail != $past(cfg_tail)) begin
            env_driver__tail_forward: assume (((cfg_tail - $past(head)) & ring_mask) >=
                                              (($past(cfg_tail) - $past(head)) & ring_mask));
        end
    end
end

/*
 * AXI4 master: VALID held and payload stable until READY on AW, W and AR
 */
wire f_new_aw = m_axi_awvalid && !(f_live && f_aw_wait_q);
wire f_new_ar = m_axi_arvalid && !(f_live && f_ar_wait_q);
wire f_new_w = m_axi_wvalid && !(f_live && f_w_wait_q);

always @(posedge clk) begin
    if (f_live) begin
        if ($past(m_axi_awvalid && !m_axi_awready)) begin
            axi_handshake__aw: assert (m_axi_awvalid && $stable(m_axi_awaddr) && $stable(m_axi_awlen)
                                       && $stable(m_axi_awsize) && $stable(m_axi_awburst) && $stable(m_axi_awid));
        end
        if ($past(m_axi_wvalid && !m_axi_wready)) begin
            axi_handshake__w: assert (m_axi_wvalid && $stable(m_axi_wdata) && $stable(m_axi_wstrb)
                                      && $stable(m_axi_wlast));
        end
        if ($past(m_axi_arvalid && !m_axi_arready)) begin
            axi_handshake__ar: assert (m_axi_arvalid && $stable(m_axi_araddr) && $stable(m_axi_arlen)
                                       && $stable(m_axi_arsize) && $stable(m_axi_arburst) && $stable(m_axi_arid));
        end
    end
end

/*
 * AXI4 master: burst shape. INCR, full-width AW beats, DESIGN.md's AR size, no 4 KB
 * crossing, lengths within MAX_BURST (data), the writeback limit, and DESC_BURST (reads)
 */
reg f_aw_is_wb;
always @(posedge clk) begin
    if (wc_valid && wc_ready) begin
        f_aw_is_wb <= 1'b1;
    end else if (dc_valid && dc_ready && !dc_noaw) begin
        f_aw_is_wb <= 1'b0;
    end
end
wire [15:0] f_aw_end = {4'd0, m_axi_awaddr[11:0]} + (({8'd0, m_axi_awlen} + 16'd1) << LB);
wire [15:0] f_ar_end = {4'd0, m_axi_araddr[11:0]} + (({8'd0, m_axi_arlen} + 16'd1) << F_AR_SIZE);

always @(*) begin
    if (f_live) begin
        if (m_axi_awvalid) begin
            axi_burst__aw_incr: assert (m_axi_awburst == 2'b01 && m_axi_awsize == LB[2:0]);
            axi_burst__aw_aligned: assert (m_axi_awaddr[LB-1:0] == {LB{1'b0}});
            axi_4k__aw: assert (f_aw_end <= 16'd4096);
            axi_burst__aw_len: assert (f_aw_is_wb ? ({8'd0, m_axi_awlen} < F_WB_BEATS_MAX)
                                                  : ({8'd0, m_axi_awlen} < MAX_BURST));
        end
        if (m_axi_arvalid) begin
            axi_burst__ar_incr: assert (m_axi_arburst == 2'b01 && m_axi_arsize == F_AR_SIZE);
            axi_4k__ar: assert (f_ar_end <= 16'd4096);
            axi_burst__ar_len: assert ({8'd0, m_axi_arlen} < F_AR_BEATS_MAX);
        end
        axi_burst__ar_outstanding: assert (f_ar_pending <= 4'd4);
    end
end

/*
 * AXI4 master: W beats follow the issued AWs, WLAST exactly on the beat AWLEN says
 */
reg [7:0] f_awq_len [0:7];
reg [3:0] f_awq_wr, f_awq_rd;
reg [7:0] f_w_beat;
wire [3:0] f_awq_count = f_awq_wr - f_awq_rd;

always @(posedge clk) begin
    if (f_new_aw) begin
        f_awq_len[f_awq_wr[2:0]] <= m_axi_awlen;
        f_awq_wr <= f_awq_wr + 4'd1;
    end
    if (m_axi_wvalid && m_axi_wready) begin
        if (m_axi_wlast) begin
            f_awq_rd <= f_awq_rd + 4'd1;
            f_w_beat <= 8'd0;
        end else begin
            f_w_beat <= f_w_beat + 8'd1;
        end
    end
    if (rst) begin
        f_awq_wr <= 4'd0;
        f_awq_rd <= 4'd0;
        f_w_beat <= 8'd0;
    end
end

always @(*) begin
    if (f_live) begin
        axi_wlast__after_aw: assert (!m_axi_wvalid || f_awq_count != 0);
        axi_wlast__beat: assert (!m_axi_wvalid || m_axi_wlast == (f_w_beat == f_awq_len[f_awq_rd[2:0]]));
        axi_wlast__pending: assert (f_awq_count <= F_AW_PENDING_MAX);
    end
end

/*
 * Halt: no new AR or AW once the queue halts; no W beat shown after that carries a strobe;
 * the halt follows an error response (B or R) by one clock
 */
always @(posedge clk) begin
    if (f_live) begin
        if ($past(halt)) begin
            axi_halt__no_new_aw: assert (!f_new_aw);
            axi_halt__no_new_ar: assert (!f_new_ar);
        end
        if ($past(m_axi_bvalid && m_axi_bready && m_axi_bresp != 2'b00)) begin
            axi_halt__after_b_err: assert (halt);
        end
        if ($past(m_axi_rvalid && m_axi_rready && m_axi_rresp != 2'b00)) begin
            axi_halt__after_r_err: assert (halt);
        end
    end
end
always @(*) begin
    if (f_live && halt && f_new_w) begin
        axi_halt__wstrb_zero: assert (m_axi_wstrb == {BYTES{1'b0}});
    end
end

/*
 * AXI-Lite slave: one OKAY response per request, held until READY; constant registers
 * read their values and unknown offsets read 0; RING_* locked while EN; TAIL < RING_SIZE
 */
reg [1:0] f_axil_wr_out, f_axil_rd_out;
reg [6:0] f_axil_rd_idx;
reg       f_axil_rd_hit;
always @(posedge clk) begin
    f_axil_wr_out <= f_axil_wr_out + {1'b0, s_axil_awvalid && s_axil_awready}
                     - {1'b0, s_axil_bvalid && s_axil_bready};
    f_axil_rd_out <= f_axil_rd_out + {1'b0, s_axil_arvalid && s_axil_arready}
                     - {1'b0, s_axil_rvalid && s_axil_rready};
    if (s_axil_arvalid && s_axil_arready) begin
        f_axil_rd_idx <= s_axil_araddr[8:2];
        f_axil_rd_hit <= s_axil_araddr[AXIL_ADDR_W-1:9] == 0;
    end
    if (rst) begin
        f_axil_wr_out <= 2'd0;
        f_axil_rd_out <= 2'd0;
    end
end

always @(*) begin
    if (f_live) begin
        axil__one_b_per_write: assert (f_axil_wr_out <= 2'd1 && s_axil_bvalid == (f_axil_wr_out == 2'd1));
        axil__one_r_per_read: assert (f_axil_rd_out <= 2'd1 && s_axil_rvalid == (f_axil_rd_out == 2'd1));
        axil__aw_with_w: assert (s_axil_awready == s_axil_wready);
        axil__okay: assert ((!s_axil_bvalid || s_axil_bresp == 2'b00) && (!s_axil_rvalid || s_axil_rresp == 2'b00));
        if (s_axil_rvalid && f_axil_rd_hit) begin
            case (f_axil_rd_idx)
                7'h00: axil__ro_id: assert (s_axil_rdata == 32'h4E494352);
                7'h01: axil__ro_version: assert (s_axil_rdata == 32'h00010000);
                7'h1E: axil__ro_fifo_bytes: assert (s_axil_rdata == FIFO_BYTES);
                7'h1F: axil__ro_data_w: assert (s_axil_rdata == DATA_W);
                7'h07, 7'h0A, 7'h0B, 7'h1A, 7'h1B, 7'h20: axil__unknown_zero: assert (s_axil_rdata == 32'd0);
                default: ;
            endcase
        end
    end
end
always @(posedge clk) begin
    if (f_live) begin
        if ($past(s_axil_bvalid && !s_axil_bready)) begin
            axil__b_held: assert (s_axil_bvalid);
        end
        if ($past(s_axil_rvalid && !s_axil_rready)) begin
            axil__r_held: assert (s_axil_rvalid && $stable(s_axil_rdata));
        end
        if ($past(cfg_en)) begin
            axil__ring_locked: assert ($stable(cfg_ring_base) && $stable(cfg_ring_size));
        end
        if (cfg_tail != $past(cfg_tail) && !$past(enable_pulse)) begin
            axil__tail_below_size: assert ({16'd0, cfg_tail} < $past(cfg_ring_size));
        end
    end
end

/*
 * HEAD: a model driven by the AXI write channels. Every issued burst is tagged in AW order;
 * HEAD moves only when a writeback burst's B comes back OKAY (and not halted), by that
 * burst's descriptors. HEAD never passes TAIL: it stays behind the fetch point, which stays
 * within [HEAD, TAIL].
 */
reg       f_tag_wb [0:7];
reg       f_tag_last [0:7];
reg [QW:0] f_tag_count [0:7];
reg [3:0] f_tag_wr, f_tag_rd;
reg [15:0] f_head;
reg [7:0] f_desc_acked, f_desc_wb;
wire f_push_wb = wc_valid && wc_ready;
wire f_push_dc = dc_valid && dc_ready && !dc_noaw;
wire f_b = m_axi_bvalid && m_axi_bready;
wire [2:0] f_th = f_tag_rd[2:0];

always @(posedge clk) begin
    if (f_push_wb || f_push_dc) begin
        f_tag_wb[f_tag_wr[2:0]] <= f_push_wb;
        f_tag_last[f_tag_wr[2:0]] <= f_push_dc && dc_frame_last;
        f_tag_count[f_tag_wr[2:0]] <= f_push_wb ? wc_count : dc_ndesc;
        f_tag_wr <= f_tag_wr + 4'd1;
    end
    if (f_b) begin
        f_tag_rd <= f_tag_rd + 4'd1;
        if (m_axi_bresp == 2'b00) begin
            if (f_tag_wb[f_th] && !halt) begin
                f_head <= (f_head + {{(15-QW){1'b0}}, f_tag_count[f_th]}) & ring_mask;
            end
            if (!f_tag_wb[f_th] && f_tag_last[f_th]) begin
                f_desc_acked <= f_desc_acked + {{(7-QW){1'b0}}, f_tag_count[f_th]};
            end
        end
    end
    if (f_push_wb) begin
        f_desc_wb <= f_desc_wb + {{(7-QW){1'b0}}, wc_count};
    end
    if (enable_pulse) begin
        f_head <= 16'd0;
        f_desc_acked <= 8'd0;
        f_desc_wb <= 8'd0;
    end
    if (rst) begin
        f_tag_wr <= 4'd0;
        f_tag_rd <= 4'd0;
        f_head <= 16'd0;
        f_desc_acked <= 8'd0;
        f_desc_wb <= 8'd0;
    end
end

wire [7:0] f_desc_ready = f_desc_acked - f_desc_wb;
always @(*) begin
    if (f_live) begin
        head__after_wb_b: assert (head == f_head);
        // a descriptor is written back only after the last data B of its frame
        wb__after_data_b: assert (f_desc_ready <= DESC_QUEUE);
        if (running) begin
            head__behind_tail: assert (((fetch_idx - head) & ring_mask) <= ((cfg_tail - head) & ring_mask));
        end
        // a frame is begun only when one is stored (the next one when the head frame pops)
        fifo_meta__begun_stored: assert (!frame_begun || (meta_valid && (!meta_pop || meta_valid2)));
    end
end
always @(posedge clk) begin
    if (f_live && !$past(enable_pulse) && head != $past(head)) begin
        head__over_fetched: assert (((head - $past(head)) & ring_mask) <= (($past(fetch_idx) - $past(head)) & ring_mask));
    end
end
