"""RTL suite: every cocotb test in tests/rtl/cocotb_*.py on {icarus, verilator} x DATA_W.

Full matrix at DATA_W 64 and 512; the SMOKE subset at 128 and 256. Pick cells with -k, e.g.
`pytest tests/test_rtl.py -k "icarus and dw64 and checksum"`.
"""

import pytest
from suite import FULL_DW, SIMS, SMOKE_DW, build, cocotb_tests, run

from tb.common.params import SMALL

SMOKE = {"reg_reset_values", "frame_lengths", "buffer_offsets", "multi_buffer", "checksum",
         "slverr_data_write", "random_traffic_smoke"}
SMOKE_ONLY = {"random_traffic_smoke"}
FULL_ONLY = {"random_paced"}

CASES = []
for sim in SIMS:
    for dw in FULL_DW + SMOKE_DW:
        for module, name in cocotb_tests():
            if dw in SMOKE_DW and name not in SMOKE:
                continue
            if dw in FULL_DW and name in SMOKE_ONLY:
                continue
            if dw in SMOKE_DW and name in FULL_ONLY:
                continue
            CASES.append(pytest.param(sim, dw, module, name, id=f"{sim}-dw{dw}-{name}"))


@pytest.mark.parametrize("sim,dw,module,name", CASES)
def test_rtl(sim, dw, module, name):
    bdir = build(sim, dw)
    run(sim, dw, module, name, bdir)


# The smallest legal parameters (tb.common.params.SMALL: META_DEPTH 2, DESC_QUEUE 2, 1 KB of FIFO,
# bursts of one beat, one write in flight) with RING_SIZE 8: every pointer, counter and queue
# wraps within a few frames. The paced random test sizes its traffic from the parameters;
# the register and error tests hold at any size. The other directed tests queue several
# frames back to back and require each one delivered, which the contract does not promise
# when the FIFO holds two frames.
SMALL_MODULES = {"cocotb_errors", "cocotb_regs"}
SMALL_CASES = [pytest.param(sim, dw, module, name, id=f"{sim}-dw{dw}-small-{name}")
               for sim in SIMS for dw in FULL_DW for module, name in cocotb_tests()
               if module in SMALL_MODULES or name == "random_paced"]


@pytest.mark.parametrize("sim,dw,module,name", SMALL_CASES)
def test_rtl_small(sim, dw, module, name):
    bdir = build(sim, dw, params=SMALL)
    run(sim, dw, module, name, bdir, params=SMALL)
