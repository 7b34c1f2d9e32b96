"""The RTL bench: nic_rx_dma driven directly, without the driver model. bench's `TB` is the
shared harness over the bench's own bus memory, with frames, ring set-up and the final checks;
a minimal ring driver (ring) writes descriptors straight into that memory; expect holds the
bench's predictions from the contract (docs/CONTRACT.md §2); the scoreboard accounts for every
frame and writeback; env (`Rx`) ties them together for the cocotb tests in tests/rtl/.
"""
