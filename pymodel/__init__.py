"""pymodel: a pure-Python model of the Linux RX side (page allocator, DMA API, page_pool,
skb, an RX driver) plus a reference model of the nic_rx_dma block, with no simulator needed.

See docs/PYMODEL.md for the module map and the API the co-simulation binds to.
"""
