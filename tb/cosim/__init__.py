"""The co-simulation: pymodel's Linux RX driver, page_pool and DMA API as the host of the
nic_rx_dma RTL. options is the one table of `make sim` options; cosim's `CoSim` is the shared
harness with pymodel's host behind it (top is its cocotb entry); run builds, runs and
summarises one co-simulation; sizes holds the frame-size mixes and pcap replay.
"""
