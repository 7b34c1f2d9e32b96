"""The cocotb benches of nic_rx_dma, in three layers.

- tb.common: what every bench needs around the RTL: builds, parameters, clock, reset and bus
  models, bus memory, the AXI monitor, fault injection, mutants, functional coverage.
- tb.rtl: the RTL bench: a minimal ring driver, the bench's predictions and its scoreboard,
  for the directed and random tests of tests/rtl/.
- tb.cosim: the co-simulation: pymodel's Linux driver and page_pool against the RTL (`make sim`).

The driver model and the block's reference behaviour are not here: they are pymodel/, which
never imports cocotb. See docs/BENCH.md, "Where things live".
"""
