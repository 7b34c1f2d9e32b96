"""RTL suite: every cocotb test in tests/rtl/cocotb_*.py on {icarus, verilator} x DATA_W.

Full matrix at DATA_W 64 and 512; the SMOKE subset at 128 and 256. Pick cells with -k, e.g.
`pytest tests/test_rtl.py -k "icarus and dw64 and checksum"`.
"""

import pytest

from harness import FULL_DW, SIMS, SMOKE_DW, build, cocotb_tests, run

SMOKE = {"reg_reset_values", "frame_lengths", "buffer_offsets", "multi_buffer", "checksum",
         "slverr_data_write", "random_traffic_smoke"}
SMOKE_ONLY = {"random_traffic_smoke"}

CASES = []
for sim in SIMS:
    for dw in FULL_DW + SMOKE_DW:
        for module, name in cocotb_tests():
            if dw in SMOKE_DW and name not in SMOKE:
                continue
            if dw in FULL_DW and name in SMOKE_ONLY:
                continue
            CASES.append(pytest.param(sim, dw, module, name, id=f"{sim}-dw{dw}-{name}"))


@pytest.mark.parametrize("sim,dw,module,name", CASES)
def test_rtl(sim, dw, module, name):
    bdir = build(sim, dw)
    run(sim, dw, module, name, bdir)
