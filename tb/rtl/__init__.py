"""The RTL bench: nic_rx_dma driven directly, without the driver model. bench gives the tests
their `TB` (the shared harness); a minimal ring driver (ring) writes descriptors straight into
bus memory; expect holds the bench's predictions from the contract (docs/CONTRACT.md §2); the
scoreboard accounts for every frame and writeback; env (`Rx`) ties them together for the cocotb
tests in tests/rtl/.
"""
