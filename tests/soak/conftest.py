"""Merge the soak's shard results at the end of the session (on the controller, not on an
xdist worker): the shards this session ran, into SOAK_OUT (default sim_build/soak.json)."""
import json
import os
import time
from pathlib import Path

from tb.common.build import ROOT
from tb.cosim.soak import DEFAULT_FRAMES, SHARD_DIR, merge, shards

LOADED = time.time()      # this conftest is imported as the session collects


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return
    frames = int(os.environ.get("SOAK_FRAMES") or DEFAULT_FRAMES)
    paths = []
    for s in shards(frames, os.environ.get("SOAK_SELECT", "")):
        p = SHARD_DIR / f"{s.name}.json"
        if p.exists() and json.loads(p.read_text()).get("soak", {}).get("started", 0) >= LOADED:
            paths.append(p)
    if not paths:
        return
    out = Path(os.environ.get("SOAK_OUT") or ROOT / "sim_build" / "soak.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merge(paths), indent=2, sort_keys=True) + "\n")
