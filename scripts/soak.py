"""The soak's results: `show FILE` prints the README table of a merged soak (results/soak.json);
`merge OUT DIR...` merges shard results (sim_build/soak/*.json) copied from several machines.

    python scripts/soak.py show results/soak.json
    python scripts/soak.py merge results/soak.json machineA/soak machineB/soak
"""
import argparse
import json
import sys
from pathlib import Path

from tb.cosim.soak import merge, table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sh = sub.add_parser("show", help="print the table of a merged soak")
    sh.add_argument("file")
    mg = sub.add_parser("merge", help="merge shard results from directories into one file")
    mg.add_argument("out")
    mg.add_argument("dirs", nargs="+")
    a = ap.parse_args(argv)
    if a.cmd == "merge":
        paths = [p for d in a.dirs for p in sorted(Path(d).glob("*.json"))]
        if not paths:
            print(f"error: no shard results (*.json) in {' '.join(a.dirs)}", file=sys.stderr)
            return 2
        res = merge(paths)
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    else:
        path = Path(a.file)
        if not path.exists():
            print(f"error: {path} does not exist (no shard finished)", file=sys.stderr)
            return 2
        res = json.loads(path.read_text())
    print(table(res))
    for f in res["failures"]:
        print(f"FAILED {f['shard']}: {'; '.join(f['verdict'][:3]) or 'not accounted'}\n"
              f"  reproduce: {f['reproduce']}")
    return 1 if res["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
