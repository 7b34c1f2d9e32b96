"""The soak (tb/cosim/soak.py): one co-simulation shard per test.

SOAK_FRAMES sets the frames of the whole soak (default 50,000, what `make test` runs; `make
soak` runs 1,000,000), SOAK_SELECT=K/M runs one machine's part of M. Each shard writes its
results to sim_build/soak/<shard>.json; tests/soak/conftest.py merges them at the end of the
session (into SOAK_OUT, default sim_build/soak.json). A failing shard's message ends with the
`make sim` line that replays it alone.
"""
import json
import os
import time

import pytest

from tb.cosim.options import parse
from tb.cosim.run import run, summary
from tb.cosim.soak import DEFAULT_FRAMES, SHARD_DIR, commit, shards

FRAMES = int(os.environ.get("SOAK_FRAMES") or DEFAULT_FRAMES)
SHARDS = shards(FRAMES, os.environ.get("SOAK_SELECT", ""))


@pytest.mark.soak
@pytest.mark.parametrize("shard", SHARDS, ids=lambda s: s.name)
def test_soak_shard(shard):
    o = parse(shard.variables, environ={})
    path = SHARD_DIR / f"{shard.name}.json"
    t0 = time.time()
    res = run(o, path)
    res["soak"] = {"shard": shard.name, "started": t0, "ended": time.time(),
                   "reproduce": o.command(),
                   "workers": int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1),
                   "commit": commit()}
    path.write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    f = res.get("faults") or {}
    problems = list(res.get("verdict") or [])
    if not res["accounted"]:
        problems.append("frames not accounted for")
    if res["frames_sent"] != shard.frames:
        problems.append(f"sent {res['frames_sent']} of {shard.frames} frames")
    assert not problems, (f"shard {shard.name}: " + "; ".join(problems[:5])
                          + f"\n{summary(res)}\nreproduce: {o.command()}")
    assert f.get("injected_total", 0) == f.get("recovered_total", 0)
