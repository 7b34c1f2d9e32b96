"""The layer both benches share: building and running the RTL (build, params), the harness
(clock, reset, bus models bound with from_prefix), host memory for the AXI slave (bus_memory),
the AXI protocol monitor, fault injection, mutants of hdl/ and functional coverage. It knows the
block's ports and parameters; it predicts nothing and drives no ring.
"""
