"""cocotb entry of the co-simulation: options from COSIM_* variables, results to JSON."""
import cocotb

from tb.cosim.cosim import CoSim, Options, verdict, write_results


@cocotb.test()
async def cosim(dut):
    """The driver model with page_pool receives frames from the RTL; every frame is checked."""
    opt = Options.from_env()
    res = await CoSim(dut, opt).run()
    write_results(res, opt.results)
    problems = verdict(res)
    assert not problems, "; ".join(problems)
