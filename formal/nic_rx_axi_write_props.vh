// Formal properties of the AXI4 write side of nic_rx_dma: the write path (nic_rx_axi_wr) and
// the writeback engine with HEAD (nic_rx_wb). Included by formal/nic_rx_dma_props.vh (the
// whole block, formal/top.sby) and by formal/nic_rx_wpath.v (the two stages with their
// neighbours abstracted, formal/wpath.sby); both name the nets as nic_rx_dma does.
//
// The includer defines f_past_valid and f_live (the clock after reset or later). The AXI4
// slave's write side is assumed; everything the block drives on it is asserted.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_aw_wait_q, f_w_wait_q;
always @(posedge clk) begin
    f_aw_wait_q <= m_axi_awvalid && !m_axi_awready;
    f_w_wait_q <= m_axi_wvalid && !m_axi_wready;
end

localparam integer F_WB_BEATS_MAX = (BYTES == 8) ? 2 * WB_BURST :
                                    (BYTES == 16) ? WB_BURST : (WB_BURST + 2 * WBP - 2) / WBP;
localparam integer F_AW_PENDING_MAX = (MAX_OUTSTANDING < 2 ? 2 : MAX_OUTSTANDING);

/*
 * Environment: B only after the burst's AW and its last W beat, held until READY, ID 0
 */
reg [3:0] f_aw_unanswered, f_wlast_unanswered;
always @(posedge clk) begin
    f_aw_unanswered <= f_aw_unanswered + {3'd0, m_axi_awvalid && m_axi_awready}
                       - {3'd0, m_axi_bvalid && m_axi_bready};
    f_wlast_unanswered <= f_wlast_unanswered + {3'd0, m_axi_wvalid && m_axi_wready && m_axi_wlast}
                          - {3'd0, m_axi_bvalid && m_axi_bready};
    if (rst) begin
        f_aw_unanswered <= 4'd0;
        f_wlast_unanswered <= 4'd0;
    end
end
always @(*) begin
    if (f_past_valid) begin
        env_axi_b__after_w: assume (!m_axi_bvalid || (f_aw_unanswered != 0 && f_wlast_unanswered != 0));
        env_axi_b__id: assume (m_axi_bid == {ID_W{1'b0}});
    end
end
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(m_axi_bvalid && !m_axi_bready)) begin
            env_axi_b__held: assume (m_axi_bvalid && $stable(m_axi_bresp));
        end
    end
end

/*
 * AXI4 master: VALID held and payload stable until READY on AW and W
 */
wire f_new_aw = m_axi_awvalid && !(f_live && f_aw_wait_q);
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
    end
end

/*
 * AXI4 master: AW burst shape. INCR, full-width beats, beat-aligned, no 4 KB crossing,
 * lengths within MAX_BURST (data) and the writeback limit
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

always @(*) begin
    if (f_live) begin
        if (m_axi_awvalid) begin
            axi_burst__aw_incr: assert (m_axi_awburst == 2'b01 && m_axi_awsize == LB[2:0]);
            axi_burst__aw_aligned: assert (m_axi_awaddr[LB-1:0] == {LB{1'b0}});
            axi_4k__aw: assert (f_aw_end <= 16'd4096);
            axi_burst__aw_len: assert (f_aw_is_wb ? ({8'd0, m_axi_awlen} < F_WB_BEATS_MAX)
                                                  : ({8'd0, m_axi_awlen} < MAX_BURST));
        end
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
 * Halt: no new AW once the queue halts; no W beat shown after that carries a strobe; the
 * halt follows an error B response by one clock
 */
always @(posedge clk) begin
    if (f_live) begin
        if ($past(halt)) begin
            axi_halt__no_new_aw: assert (!f_new_aw);
        end
        if ($past(m_axi_bvalid && m_axi_bready && m_axi_bresp != 2'b00)) begin
            axi_halt__after_b_err: assert (halt);
        end
    end
end
always @(*) begin
    if (f_live && halt && f_new_w) begin
        axi_halt__wstrb_zero: assert (m_axi_wstrb == {BYTES{1'b0}});
    end
end

/*
 * HEAD: a model driven by the AXI write channels. Every issued burst is tagged in AW order;
 * HEAD moves only when a writeback burst's B comes back OKAY (and not halted), by that
 * burst's descriptors. A descriptor is written back only after the last data B of its frame.
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
    end
end
