`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nic_dma: the NIC's DMA: one nic_rx_dma and one nic_tx_dma behind one AXI4-Lite register
 * port (RX at 0x0000-0x0FFF, TX at 0x1000-0x1FFF) and one AXI4 master.
 *
 * The shared master (nic_dma_axi_mux) grants AR and AW round-robin, keeps every W burst
 * whole and in AW order, and tells the blocks apart by the top ID bit (0 RX, 1 TX), so the
 * slave may interleave or reorder the two blocks' reads. `irq` is either block's interrupt;
 * each block's ICR says which. This top only wires them.
 */
module nic_dma #
(
    // AXI4 and AXI-Stream data width in bits: 64, 128, 256 or 512
    parameter DATA_W = 64,
    // AXI4 address width in bits
    parameter ADDR_W = 64,
    // ID width of each block; the shared master's is ID_W + 1
    parameter ID_W = 4,
    // AXI-Lite address width (>= 13)
    parameter AXIL_ADDR_W = 13,
    // RX frame FIFO and TX FIFO sizes in bytes
    parameter RX_FIFO_BYTES = 32768,
    parameter TX_FIFO_BYTES = 32768
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * AXI-Lite slave: registers of both blocks
     */
    input  wire [AXIL_ADDR_W-1:0] s_axil_awaddr,
    input  wire [2:0]             s_axil_awprot,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire [31:0]            s_axil_wdata,
    input  wire [3:0]             s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire [1:0]             s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,
    input  wire [AXIL_ADDR_W-1:0] s_axil_araddr,
    input  wire [2:0]             s_axil_arprot,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire [31:0]            s_axil_rdata,
    output wire [1:0]             s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    /*
     * AXI-Stream slave: frames from the MAC
     */
    input  wire [DATA_W-1:0]      s_axis_rx_tdata,
    input  wire [DATA_W/8-1:0]    s_axis_rx_tkeep,
    input  wire                   s_axis_rx_tvalid,
    output wire                   s_axis_rx_tready,
    input  wire                   s_axis_rx_tlast,
    input  wire                   s_axis_rx_tuser,

    /*
     * AXI-Stream master: frames to the MAC
     */
    output wire [DATA_W-1:0]      m_axis_tx_tdata,
    output wire [DATA_W/8-1:0]    m_axis_tx_tkeep,
    output wire                   m_axis_tx_tvalid,
    input  wire                   m_axis_tx_tready,
    output wire                   m_axis_tx_tlast,

    /*
     * AXI4 master: shared by both blocks
     */
    output wire [ID_W:0]           m_axi_awid,
    output wire [ADDR_W-1:0]      m_axi_awaddr,
    output wire [7:0]             m_axi_awlen,
    output wire [2:0]             m_axi_awsize,
    output wire [1:0]             m_axi_awburst,
    output wire                   m_axi_awlock,
    output wire [3:0]             m_axi_awcache,
    output wire [2:0]             m_axi_awprot,
    output wire                   m_axi_awvalid,
    input  wire                   m_axi_awready,
    output wire [DATA_W-1:0]      m_axi_wdata,
    output wire [DATA_W/8-1:0]    m_axi_wstrb,
    output wire                   m_axi_wlast,
    output wire                   m_axi_wvalid,
    input  wire                   m_axi_wready,
    input  wire [ID_W:0]           m_axi_bid,
    input  wire [1:0]             m_axi_bresp,
    input  wire                   m_axi_bvalid,
    output wire                   m_axi_bready,
    output wire [ID_W:0]           m_axi_arid,
    output wire [ADDR_W-1:0]      m_axi_araddr,
    output wire [7:0]             m_axi_arlen,
    output wire [2:0]             m_axi_arsize,
    output wire [1:0]             m_axi_arburst,
    output wire                   m_axi_arlock,
    output wire [3:0]             m_axi_arcache,
    output wire [2:0]             m_axi_arprot,
    output wire                   m_axi_arvalid,
    input  wire                   m_axi_arready,
    input  wire [ID_W:0]           m_axi_rid,
    input  wire [DATA_W-1:0]      m_axi_rdata,
    input  wire [1:0]             m_axi_rresp,
    input  wire                   m_axi_rlast,
    input  wire                   m_axi_rvalid,
    output wire                   m_axi_rready,

    /*
     * Interrupt: RX irq OR TX irq
     */
    output wire                   irq
);

// the blocks' AXI4 masters, port 0 RX and port 1 TX, packed for the mux
wire [2*ID_W-1:0]       p_axi_awid;
wire [2*ADDR_W-1:0]     p_axi_awaddr;
wire [15:0]             p_axi_awlen;
wire [5:0]              p_axi_awsize;
wire [3:0]              p_axi_awburst;
wire [1:0]              p_axi_awlock;
wire [7:0]              p_axi_awcache;
wire [5:0]              p_axi_awprot;
wire [1:0]              p_axi_awvalid;
wire [1:0]              p_axi_awready;
wire [2*DATA_W-1:0]     p_axi_wdata;
wire [2*DATA_W/8-1:0]   p_axi_wstrb;
wire [1:0]              p_axi_wlast;
wire [1:0]              p_axi_wvalid;
wire [1:0]              p_axi_wready;
wire [2*ID_W-1:0]       p_axi_bid;
wire [3:0]              p_axi_bresp;
wire [1:0]              p_axi_bvalid;
wire [1:0]              p_axi_bready;
wire [2*ID_W-1:0]       p_axi_arid;
wire [2*ADDR_W-1:0]     p_axi_araddr;
wire [15:0]             p_axi_arlen;
wire [5:0]              p_axi_arsize;
wire [3:0]              p_axi_arburst;
wire [1:0]              p_axi_arlock;
wire [7:0]              p_axi_arcache;
wire [5:0]              p_axi_arprot;
wire [1:0]              p_axi_arvalid;
wire [1:0]              p_axi_arready;
wire [2*ID_W-1:0]       p_axi_rid;
wire [2*DATA_W-1:0]     p_axi_rdata;
wire [3:0]              p_axi_rresp;
wire [1:0]              p_axi_rlast;
wire [1:0]              p_axi_rvalid;
wire [1:0]              p_axi_rready;

// the blocks' AXI-Lite ports
wire [11:0] p_axil_awaddr, p_axil_araddr;
wire [2:0] p_axil_awprot, p_axil_arprot;
wire [1:0] p_axil_awvalid, p_axil_awready, p_axil_wvalid, p_axil_wready, p_axil_bvalid;
wire [1:0] p_axil_bready, p_axil_arvalid, p_axil_arready, p_axil_rvalid, p_axil_rready;
wire [31:0] p_axil_wdata;
wire [3:0] p_axil_wstrb, p_axil_bresp, p_axil_rresp;
wire [63:0] p_axil_rdata;
wire rx_irq, tx_irq;

assign irq = rx_irq || tx_irq;
assign m_axi_awlock = 1'b0;
assign m_axi_awcache = 4'b0011;
assign m_axi_awprot = 3'b000;
assign m_axi_arlock = 1'b0;
assign m_axi_arcache = 4'b0011;
assign m_axi_arprot = 3'b000;

nic_dma_axil_dec #(
    .AXIL_ADDR_W(AXIL_ADDR_W)
) axil_dec_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .m_axil_awaddr(p_axil_awaddr), .m_axil_awprot(p_axil_awprot),
    .m_axil_awvalid(p_axil_awvalid), .m_axil_awready(p_axil_awready),
    .m_axil_wdata(p_axil_wdata), .m_axil_wstrb(p_axil_wstrb), .m_axil_wvalid(p_axil_wvalid),
    .m_axil_wready(p_axil_wready), .m_axil_bresp(p_axil_bresp), .m_axil_bvalid(p_axil_bvalid),
    .m_axil_bready(p_axil_bready),
    .m_axil_araddr(p_axil_araddr), .m_axil_arprot(p_axil_arprot),
    .m_axil_arvalid(p_axil_arvalid), .m_axil_arready(p_axil_arready),
    .m_axil_rdata(p_axil_rdata), .m_axil_rresp(p_axil_rresp), .m_axil_rvalid(p_axil_rvalid),
    .m_axil_rready(p_axil_rready)
);

nic_rx_dma #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .AXIL_ADDR_W(12),
    .FIFO_BYTES(RX_FIFO_BYTES)
) rx_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(p_axil_awaddr), .s_axil_awprot(p_axil_awprot),
    .s_axil_awvalid(p_axil_awvalid[0]), .s_axil_awready(p_axil_awready[0]),
    .s_axil_wdata(p_axil_wdata), .s_axil_wstrb(p_axil_wstrb), .s_axil_wvalid(p_axil_wvalid[0]),
    .s_axil_wready(p_axil_wready[0]), .s_axil_bresp(p_axil_bresp[1:0]),
    .s_axil_bvalid(p_axil_bvalid[0]), .s_axil_bready(p_axil_bready[0]),
    .s_axil_araddr(p_axil_araddr), .s_axil_arprot(p_axil_arprot),
    .s_axil_arvalid(p_axil_arvalid[0]), .s_axil_arready(p_axil_arready[0]),
    .s_axil_rdata(p_axil_rdata[31:0]), .s_axil_rresp(p_axil_rresp[1:0]),
    .s_axil_rvalid(p_axil_rvalid[0]), .s_axil_rready(p_axil_rready[0]),
    .s_axis_rx_tdata(s_axis_rx_tdata), .s_axis_rx_tkeep(s_axis_rx_tkeep),
    .s_axis_rx_tvalid(s_axis_rx_tvalid), .s_axis_rx_tready(s_axis_rx_tready),
    .s_axis_rx_tlast(s_axis_rx_tlast), .s_axis_rx_tuser(s_axis_rx_tuser),
    .m_axi_awid(p_axi_awid[ID_W*0 +: ID_W]), .m_axi_awaddr(p_axi_awaddr[ADDR_W*0 +: ADDR_W]),
    .m_axi_awlen(p_axi_awlen[7:0]), .m_axi_awsize(p_axi_awsize[2:0]),
    .m_axi_awburst(p_axi_awburst[1:0]), .m_axi_awlock(p_axi_awlock[0]), .m_axi_awcache(p_axi_awcache[3:0]), .m_axi_awprot(p_axi_awprot[2:0]),
    .m_axi_awvalid(p_axi_awvalid[0]), .m_axi_awready(p_axi_awready[0]),
    .m_axi_wdata(p_axi_wdata[DATA_W*0 +: DATA_W]),
    .m_axi_wstrb(p_axi_wstrb[DATA_W/8*0 +: DATA_W/8]), .m_axi_wlast(p_axi_wlast[0]),
    .m_axi_wvalid(p_axi_wvalid[0]), .m_axi_wready(p_axi_wready[0]),
    .m_axi_bid(p_axi_bid[ID_W*0 +: ID_W]), .m_axi_bresp(p_axi_bresp[1:0]),
    .m_axi_bvalid(p_axi_bvalid[0]), .m_axi_bready(p_axi_bready[0]),
    .m_axi_arid(p_axi_arid[ID_W*0 +: ID_W]), .m_axi_araddr(p_axi_araddr[ADDR_W*0 +: ADDR_W]),
    .m_axi_arlen(p_axi_arlen[7:0]), .m_axi_arsize(p_axi_arsize[2:0]),
    .m_axi_arburst(p_axi_arburst[1:0]), .m_axi_arlock(p_axi_arlock[0]), .m_axi_arcache(p_axi_arcache[3:0]), .m_axi_arprot(p_axi_arprot[2:0]),
    .m_axi_arvalid(p_axi_arvalid[0]), .m_axi_arready(p_axi_arready[0]),
    .m_axi_rid(p_axi_rid[ID_W*0 +: ID_W]), .m_axi_rdata(p_axi_rdata[DATA_W*0 +: DATA_W]),
    .m_axi_rresp(p_axi_rresp[1:0]), .m_axi_rlast(p_axi_rlast[0]),
    .m_axi_rvalid(p_axi_rvalid[0]), .m_axi_rready(p_axi_rready[0]),
    .irq(rx_irq)
);

nic_tx_dma #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .AXIL_ADDR_W(12),
    .FIFO_BYTES(TX_FIFO_BYTES)
) tx_inst (
    .clk(clk), .rst(rst),
    .s_axil_awaddr(p_axil_awaddr), .s_axil_awprot(p_axil_awprot),
    .s_axil_awvalid(p_axil_awvalid[1]), .s_axil_awready(p_axil_awready[1]),
    .s_axil_wdata(p_axil_wdata), .s_axil_wstrb(p_axil_wstrb), .s_axil_wvalid(p_axil_wvalid[1]),
    .s_axil_wready(p_axil_wready[1]), .s_axil_bresp(p_axil_bresp[3:2]),
    .s_axil_bvalid(p_axil_bvalid[1]), .s_axil_bready(p_axil_bready[1]),
    .s_axil_araddr(p_axil_araddr), .s_axil_arprot(p_axil_arprot),
    .s_axil_arvalid(p_axil_arvalid[1]), .s_axil_arready(p_axil_arready[1]),
    .s_axil_rdata(p_axil_rdata[63:32]), .s_axil_rresp(p_axil_rresp[3:2]),
    .s_axil_rvalid(p_axil_rvalid[1]), .s_axil_rready(p_axil_rready[1]),
    .m_axis_tx_tdata(m_axis_tx_tdata), .m_axis_tx_tkeep(m_axis_tx_tkeep),
    .m_axis_tx_tvalid(m_axis_tx_tvalid), .m_axis_tx_tready(m_axis_tx_tready),
    .m_axis_tx_tlast(m_axis_tx_tlast),
    .m_axi_awid(p_axi_awid[ID_W*1 +: ID_W]), .m_axi_awaddr(p_axi_awaddr[ADDR_W*1 +: ADDR_W]),
    .m_axi_awlen(p_axi_awlen[15:8]), .m_axi_awsize(p_axi_awsize[5:3]),
    .m_axi_awburst(p_axi_awburst[3:2]), .m_axi_awlock(p_axi_awlock[1]), .m_axi_awcache(p_axi_awcache[7:4]), .m_axi_awprot(p_axi_awprot[5:3]),
    .m_axi_awvalid(p_axi_awvalid[1]), .m_axi_awready(p_axi_awready[1]),
    .m_axi_wdata(p_axi_wdata[DATA_W*1 +: DATA_W]),
    .m_axi_wstrb(p_axi_wstrb[DATA_W/8*1 +: DATA_W/8]), .m_axi_wlast(p_axi_wlast[1]),
    .m_axi_wvalid(p_axi_wvalid[1]), .m_axi_wready(p_axi_wready[1]),
    .m_axi_bid(p_axi_bid[ID_W*1 +: ID_W]), .m_axi_bresp(p_axi_bresp[3:2]),
    .m_axi_bvalid(p_axi_bvalid[1]), .m_axi_bready(p_axi_bready[1]),
    .m_axi_arid(p_axi_arid[ID_W*1 +: ID_W]), .m_axi_araddr(p_axi_araddr[ADDR_W*1 +: ADDR_W]),
    .m_axi_arlen(p_axi_arlen[15:8]), .m_axi_arsize(p_axi_arsize[5:3]),
    .m_axi_arburst(p_axi_arburst[3:2]), .m_axi_arlock(p_axi_arlock[1]), .m_axi_arcache(p_axi_arcache[7:4]), .m_axi_arprot(p_axi_arprot[5:3]),
    .m_axi_arvalid(p_axi_arvalid[1]), .m_axi_arready(p_axi_arready[1]),
    .m_axi_rid(p_axi_rid[ID_W*1 +: ID_W]), .m_axi_rdata(p_axi_rdata[DATA_W*1 +: DATA_W]),
    .m_axi_rresp(p_axi_rresp[3:2]), .m_axi_rlast(p_axi_rlast[1]),
    .m_axi_rvalid(p_axi_rvalid[1]), .m_axi_rready(p_axi_rready[1]),
    .irq(tx_irq)
);

nic_dma_axi_mux #(
    .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W)
) axi_mux_inst (
    .clk(clk), .rst(rst),
    .s_axi_awid(p_axi_awid), .s_axi_awaddr(p_axi_awaddr), .s_axi_awlen(p_axi_awlen),
    .s_axi_awsize(p_axi_awsize), .s_axi_awburst(p_axi_awburst), .s_axi_awvalid(p_axi_awvalid),
    .s_axi_awready(p_axi_awready), .s_axi_wdata(p_axi_wdata), .s_axi_wstrb(p_axi_wstrb),
    .s_axi_wlast(p_axi_wlast), .s_axi_wvalid(p_axi_wvalid), .s_axi_wready(p_axi_wready),
    .s_axi_bid(p_axi_bid), .s_axi_bresp(p_axi_bresp), .s_axi_bvalid(p_axi_bvalid),
    .s_axi_bready(p_axi_bready), .s_axi_arid(p_axi_arid), .s_axi_araddr(p_axi_araddr),
    .s_axi_arlen(p_axi_arlen), .s_axi_arsize(p_axi_arsize), .s_axi_arburst(p_axi_arburst),
    .s_axi_arvalid(p_axi_arvalid), .s_axi_arready(p_axi_arready), .s_axi_rid(p_axi_rid),
    .s_axi_rdata(p_axi_rdata), .s_axi_rresp(p_axi_rresp), .s_axi_rlast(p_axi_rlast),
    .s_axi_rvalid(p_axi_rvalid), .s_axi_rready(p_axi_rready), .m_axi_awid(m_axi_awid),
    .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen), .m_axi_awsize(m_axi_awsize),
    .m_axi_awburst(m_axi_awburst), .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
    .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
    .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready), .m_axi_bid(m_axi_bid),
    .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid), .m_axi_bready(m_axi_bready),
    .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready), .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata),
    .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid),
    .m_axi_rready(m_axi_rready)
);

// the shared master drives its own lock, cache and prot
wire unused_ok = &{1'b0, p_axi_awlock, p_axi_awcache, p_axi_awprot, p_axi_arlock, p_axi_arcache,
                   p_axi_arprot, 1'b0};

endmodule

`resetall
