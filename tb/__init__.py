"""cocotb bench for nic_rx_dma: bus models, host memory, AXI monitor, reference model, scoreboard."""
