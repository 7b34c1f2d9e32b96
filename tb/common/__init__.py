"""The layer both benches share: building and running the RTL (build, params), the harness
(`Harness`: clock, reset, bus models bound with from_prefix, the AXI protocol monitor,
backpressure), bus memory for the AXI slave, fault injection, mutants of hdl/ and functional
coverage. It knows the block's ports and parameters; the predictions and the host side belong
to the benches built on it.
"""
