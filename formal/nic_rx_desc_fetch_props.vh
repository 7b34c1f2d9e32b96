// Formal properties of nic_rx_desc_fetch, included inside the module under `ifdef FORMAL
// (checked within nic_rx_dma, formal/top.sby).
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
        desc_queue__filled_le_alloc: assert (f_q_filled <= f_q_alloc);
        desc_queue__alloc_le_depth: assert (f_q_alloc <= DESC_QUEUE);
        desc_queue__ar_outstanding: assert (ar_out_reg <= MAX_AR);
    end
end
