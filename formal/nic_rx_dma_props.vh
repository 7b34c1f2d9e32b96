// Formal properties of nic_rx_dma, included inside the top module under `ifdef FORMAL
// (formal/top.sby). The environment is assumed: reset at the start, an AXI4-Lite master, an
// AXI4 slave and a driver that obey their rules. Everything the block drives is asserted.
// The write side's properties (AW, W, B, HEAD, writeback order) are in
// formal/nic_rx_axi_write_props.vh, included below and shared with formal/wpath.sby.
//
// Labels are <family>__<detail>; scripts/formal.py reports results per family.

reg f_past_valid = 1'b0;
reg f_rst_q, f_ar_wait_q;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_rst_q <= rst;
    f_ar_wait_q <= m_axi_arvalid && !m_axi_arready;
end
// the clock after reset or later: the previous clock's outputs are meaningful
wire f_live = f_past_valid && !f_rst_q;

localparam [2:0] F_AR_SIZE = (BYTES == 8) ? 3'd3 : 3'd4;
localparam integer F_AR_BEATS_MAX = DESC_BURST * ((BYTES == 8) ? 2 : 1);

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
 * says, R held until READY (its write side: formal/nic_rx_axi_write_props.vh)
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
    if (m_axi_rvalid && m_axi_rready) begin
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
        env_axi_r__id: assume (m_axi_rid == {ID_W{1'b0}});
    end
end
always @(posedge clk) begin
    if (f_past_valid) begin
        if ($past(m_axi_rvalid && !m_axi_rready)) begin
            env_axi_r__held: assume (m_axi_rvalid && $stable(m_axi_rdata) && $stable(m_axi_rresp) && $stable(m_axi_rlast));
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

`include "nic_rx_axi_write_props.vh"

/*
 * AXI4 master: AR VALID held and payload stable until READY
 */
wire f_new_ar = m_axi_arvalid && !(f_live && f_ar_wait_q);

always @(posedge clk) begin
    if (f_live) begin
        if ($past(m_axi_arvalid && !m_axi_arready)) begin
            axi_handshake__ar: assert (m_axi_arvalid && $stable(m_axi_araddr) && $stable(m_axi_arlen)
                                       && $stable(m_axi_arsize) && $stable(m_axi_arburst) && $stable(m_axi_arid));
        end
    end
end

/*
 * AXI4 master: AR burst shape. INCR, DESIGN.md's AR size, no 4 KB crossing, at most
 * DESC_BURST descriptors, at most 4 reads outstanding
 */
wire [15:0] f_ar_end = {4'd0, m_axi_araddr[11:0]} + (({8'd0, m_axi_arlen} + 16'd1) << F_AR_SIZE);

always @(*) begin
    if (f_live) begin
        if (m_axi_arvalid) begin
            axi_burst__ar_incr: assert (m_axi_arburst == 2'b01 && m_axi_arsize == F_AR_SIZE);
            axi_4k__ar: assert (f_ar_end <= 16'd4096);
            axi_burst__ar_len: assert ({8'd0, m_axi_arlen} < F_AR_BEATS_MAX);
        end
        axi_burst__ar_outstanding: assert (f_ar_pending <= 4'd4);
    end
end

/*
 * Halt: no new AR once the queue halts; the halt follows an error R response by one clock
 */
always @(posedge clk) begin
    if (f_live) begin
        if ($past(halt)) begin
            axi_halt__no_new_ar: assert (!f_new_ar);
        end
        if ($past(m_axi_rvalid && m_axi_rready && m_axi_rresp != 2'b00)) begin
            axi_halt__after_r_err: assert (halt);
        end
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
 * HEAD never passes TAIL: it stays behind the fetch point, which stays within [HEAD, TAIL],
 * and it moves only over fetched descriptors (the HEAD model itself is in
 * formal/nic_rx_axi_write_props.vh)
 */
always @(*) begin
    if (f_live) begin
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
