"""The co-simulation's options: the one table of names, defaults, types and legal values for
`make sim`, the tests and the cocotb side. A make variable is the option's name in capitals
(SIM, DRIVER, ...); the simulator process gets them as COSIM_<NAME>.

Every value is parsed and checked here before anything builds. A bad one raises OptionError,
whose text is one line: the option, the value, and what the option takes. Legal names come
from where they are defined (simulators from tb.common.build, RX paths and bugs from pymodel.driver,
profiles from pymodel/costs.json, hold-time kinds from pymodel.stack, build parameters from
hdl/nic_rx_dma.v through tb.common.params); a PARAMS set is also elaborated once by Icarus, so the
RTL's own parameter checks refuse it here rather than at the start of a simulation. No cocotb
here: the runner imports it too.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple

from pymodel import disrupt as disrupt_spec
from pymodel import regs
from pymodel.costs import PROFILES
from pymodel.driver import PATHS, RX_OFFSET_LIMIT
from pymodel.sabotage import BUGS, TX_BUGS
from pymodel.stack import HoldTime
from pymodel.traffic import MIN_LEN
from pymodel.xdp import PROGRAMS as XDP_PROGRAMS
from pymodel.xdp import program as xdp_program
from tb.common import fault_plan
from tb.common import params as rtl_params
from tb.common.build import ROOT, SIMS, TOP, build_tag, hdl_sources

DATA_WIDTHS = (64, 128, 256, 512)           # docs/CONTRACT.md §2: every one must work
IOMMU_MODES = ("off", "strict", "lazy")      # off, or pymodel.iommu.Iommu's two modes
FRAME_MAX = regs.MAX_FRAME_RESET            # longest generated frame: the device's MAX_FRAME
CLOCK_STEP_PS = 1                           # the simulators' time precision (tb/common/build.py)
NIC_DMA = "nic_dma"                          # the top with RX and TX (XDP=, TX=)
LATENCY_MAX_NS = 100_000                    # MEM_LATENCY's bound: 100 us, far past any DRAM or PCIe


class OptionError(ValueError):
    """A value an option does not take; str() is the one line `make sim` prints."""

    def __init__(self, name: str, value: str, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name}={_shown(value)}: {reason}")


def _shown(value: str) -> str:
    return value if value and value.isprintable() and " " not in value else repr(value)


class _Refused(Exception):
    """Raised by a parser; the text (may be empty) says why, before what the option takes."""


# ---------------------------------------------------------------------- parsers: text -> value
def _one_of(values) -> Callable[[str], str]:
    def parse(s: str) -> str:
        if s not in values:
            raise _Refused()
        return s
    return parse


def _int(lo: Optional[int] = None) -> Callable[[str], int]:
    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise _Refused("not an integer") from None
        if lo is not None and v < lo:
            raise _Refused()
        return v
    return parse


def _flag(s: str) -> int:
    if s not in ("0", "1"):
        raise _Refused()
    return int(s)


def _positive_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise _Refused("not a number") from None
    if not 0 < v < math.inf:
        raise _Refused()
    return v


def _probability(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise _Refused("not a number") from None
    if not 0 <= v < 1:
        raise _Refused()
    return v


def _latency(s: str) -> str:
    parts = s.split(",")
    if len(parts) != 2:
        raise _Refused("not two numbers")
    ns = []
    for part in parts:
        try:
            v = float(part)
        except ValueError:
            raise _Refused(f"{part.strip()!r} is not a number") from None
        if not 0 <= v <= LATENCY_MAX_NS:
            raise _Refused()
        ns.append(v)
    return ",".join(f"{v + 0.0:g}" for v in ns)          # + 0.0: "-0" reads as 0


def _data_w(s: str) -> int:
    if s not in {str(w) for w in DATA_WIDTHS}:
        raise _Refused()
    return int(s)


def _clk_ns(s: str) -> float:
    v = _positive_float(s)
    steps = v * 1000 / CLOCK_STEP_PS          # how cocotb's Clock converts it: exact, or refused
    if steps != math.floor(steps) or int(steps) % 2:
        raise _Refused()
    return v


def _ring(s: str) -> int:
    v = _int()(s)
    if v & (v - 1) or not regs.RING_SIZE_MIN <= v <= regs.RING_SIZE_MAX:
        raise _Refused()
    return v


def _hold(s: str) -> str:
    try:
        HoldTime.parse(s)                     # the sampler's own grammar and limits
    except ValueError as e:
        raise _Refused(f"{s.partition(':')[2]!r} is not a number"
                       if "is not a number" in str(e) else "") from None
    return s


def _sizes(s: str) -> str:
    from tb.cosim.sizes import size_source  # the grammar's owner
    if s.lower().startswith("pcap:"):
        path = s[5:]
        quiet = logging.getLogger("scapy")           # its link-type notes are not errors
        level, quiet.level = quiet.level, logging.ERROR
        try:
            size_source(s, 1)
        except OSError as e:
            raise _Refused(f"cannot read {path}: {e.strerror or e}") from None
        except ValueError as e:                   # readable but empty
            raise _Refused(str(e).split(": ", 1)[-1]) from None
        except Exception as e:                    # noqa: BLE001 - scapy's "not a capture file"
            raise _Refused(f"{path} is not a pcap file ({e})") from None
        finally:
            quiet.setLevel(level)
        return "pcap:" + str(Path(path).resolve())     # the simulator runs elsewhere
    try:
        _, mix = size_source(s, 1)
    except ValueError as e:
        text = str(e)
        raise _Refused(text.split(": ", 1)[1] if text.startswith("SIZES=") and
                       "use N" not in text else "") from None
    if max(hi for _, _, hi in mix.bands) > FRAME_MAX:
        raise _Refused(f"frames longer than {FRAME_MAX} bytes")
    return s


def _bug(s: str) -> str:
    if s == "none":
        return ""
    if s not in BUGS and s not in TX_BUGS:
        raise _Refused()
    return s


def _params(s: str) -> str:
    """Syntax and value types only; names and the RTL's own checks come with the HDL."""
    if s in ("", "small"):
        return s
    seen: Dict[str, int] = {}
    for item in s.split(","):
        name, eq, value = item.strip().partition("=")
        name = name.strip().upper()
        if not eq or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            raise _Refused(f"{item.strip()!r} is not NAME=VALUE")
        if name in seen:
            raise _Refused(f"{name} given twice")
        try:
            v = int(value.strip())
        except ValueError:
            raise _Refused(f"{name}={value.strip()!r} is not an integer") from None
        if not 0 < v < 2 ** 31:
            raise _Refused(f"{name}={v} is not a positive 32-bit integer")
        seen[name] = v
    return ",".join(f"{k}={v}" for k, v in sorted(seen.items()))


def _text(s: str) -> str:
    return s


def _faults(s: str) -> str:
    if s in ("0", "none"):
        return ""
    try:
        return str(fault_plan.parse_spec(s, iommu=True))   # the IOMMU is checked with IOMMU
    except ValueError as e:
        raise _Refused(str(e)) from None


def _xdp(s: str) -> str:
    if s in ("0", "none"):
        return ""
    try:
        xdp_program(s)                        # the program table's own names and checks
    except ValueError as e:
        raise _Refused(str(e).split(": ", 1)[-1] if s.startswith("tx_every") else "") from None
    return s


def _tx(s: str) -> str:
    if s in ("0", "none"):
        return ""
    if s != "stack":
        raise _Refused()
    return s


def _disrupt(s: str) -> str:
    if s in ("0", "none"):
        return ""
    try:
        return str(disrupt_spec.parse_spec(s))
    except ValueError as e:
        raise _Refused(str(e).split(": ", 1)[-1]) from None


def _rx_offset(s: str) -> int:
    v = _int(0)(s)
    if v >= RX_OFFSET_LIMIT:
        raise _Refused("")
    return v


def _opt(default, parse: Callable[[str], object], takes: str, *, doc: str = "",
         values: str = ""):
    """An option: its default, parser, what it takes (for errors), what it does (`doc`) and its
    values as the options table shows them (`values`, default first; empty: the default)."""
    return field(default=default, metadata={"parse": parse, "takes": takes, "doc": doc,
                                            "values": values})


def _code(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _listing(values) -> str:
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


@dataclass
class Options:
    """Every knob of a co-simulation run, typed; `takes` in each field's metadata says what a
    make variable may hold."""

    sim: str = _opt("icarus", _one_of(SIMS), _listing(SIMS), values=_code(SIMS),
                    doc="simulator")
    driver: str = _opt("page_pool", _one_of(PATHS), _listing(PATHS), values=_code(PATHS),
                       doc="RX path: recycle through page_pool, or allocate+map per buffer "
                           "with copybreak 256")
    coherent: int = _opt(0, _flag, "0 (non-coherent memory) or 1 (coherent)",
                         values="`0`, `1`",
                         doc="non-coherent memory (CPU cache model, syncs clean/invalidate) "
                             "or coherent")
    iommu: str = _opt("off", _one_of(IOMMU_MODES), _listing(IOMMU_MODES),
                      values=_code(IOMMU_MODES), doc="IOMMU translation of every device access")
    profile: str = _opt("cortex-a53", _one_of(PROFILES),
                        _listing(PROFILES) + " (pymodel/costs.json)", values=_code(PROFILES),
                        doc="CPU cost profile (`pymodel/costs.json`, every figure cited)")
    frames: int = _opt(1000, _int(1), "a positive integer", doc="frames the MAC sends")
    sizes: str = _opt("imix", _sizes, f"imix, N, fixed:N, uniform:MIN-MAX, mixed or pcap:FILE, "
                                      f"frame sizes N from {MIN_LEN} to {FRAME_MAX}",
                      values="`imix`, `N`, `fixed:N`, `uniform:MIN-MAX`, `mixed`, `pcap:FILE`",
                      doc=f"frame sizes, {MIN_LEN} to {FRAME_MAX} bytes (IMIX 7:4:1 of "
                          "64/594/1518 B with FCS), or replay a pcap")
    rate: float = _opt(1.0, _positive_float, "a positive link rate in Gb/s",
                       doc="link rate in Gb/s; each frame takes (bytes + 4 FCS + 20 "
                           "preamble/gap) × 8 / RATE ns")
    seed: int = _opt(1, _int(), "an integer", doc="seed of sizes, payloads and hold times")
    data_w: int = _opt(64, _data_w, _listing(DATA_WIDTHS), values=_code(DATA_WIDTHS),
                       doc="AXI / AXI-Stream width")
    clk_ns: float = _opt(8.0, _clk_ns, f"a positive clock period in ns, a whole even number of "
                                       f"{CLOCK_STEP_PS} ps steps (e.g. 8, 4, 3.2)",
                         values="`8`", doc="clock period in ns")
    ring: int = _opt(256, _ring,
                     f"a power of two from {regs.RING_SIZE_MIN} to {regs.RING_SIZE_MAX}",
                     doc=f"ring size (descriptors), a power of two from {regs.RING_SIZE_MIN} "
                         f"to {regs.RING_SIZE_MAX}")
    rx_offset: int = _opt(0, _rx_offset, f"an integer from 0 to {RX_OFFSET_LIMIT - 1}",
                          values="`0`, `2`, `N` (0 to 63)",
                          doc="bytes the driver adds to each RX buffer's aligned headroom, so "
                              "the block writes every frame from that byte offset (`2`: "
                              "NET_IP_ALIGN, the IP header 4-byte aligned)")
    bug: str = _opt("", _bug, _listing(["none", *BUGS, *TX_BUGS]),
                    values="`none`, " + _code(BUGS) + ", " + _code(TX_BUGS),
                    doc="run a driver with one classic bug (list below); the TX and XDP bugs "
                        "(`" + "`, `".join(TX_BUGS) + "`) with XDP= or TX=")
    strict: int = _opt(1, _flag, "1 (stop at the first breach) or 0 (record breaches)",
                       values="`1`, `0`",
                       doc="stop at the first breach, or record breaches and show the damage")
    hold: str = _opt("fixed:0", _hold, _listing(f"{k}:NS" for k in HoldTime.KINDS)
                     + " with NS >= 0", values=_code(f"{k}:NS" for k in HoldTime.KINDS),
                     doc="how long the stack holds each skb before freeing it (NS ≥ 0; "
                         "default `fixed:0`)")
    waves: int = _opt(0, _flag, "0 or 1", values="`0`, `1`",
                      doc="write `sim_build/cosim/nic_rx_dma.fst`")
    mac_err_every: int = _opt(0, _int(0), "an integer >= 0 (0: no MAC errors)",
                              doc="flag every k-th frame with `tuser` (bad FCS)")
    fault_write: int = _opt(0, _int(0), "an integer >= 0 (0: no injected SLVERR)",
                            doc="answer the N-th device write with SLVERR: the block halts and "
                                "the driver recovers (a `halts` row in the summary); at a high "
                                "frame rate, recovery (refilling the ring) may outlast the "
                                "traffic, so nothing arrives after it")
    backpressure: float = _opt(0.0, _probability, "a probability P with 0 <= P < 1",
                               values="`0`, `P`",
                               doc="random pauses on all five AXI channels of the memory (READY "
                                   "low on AW, W and AR, VALID low on R and B): each clock starts "
                                   "a pause of 1 to 4 clocks with probability P (0 ≤ P < 1), "
                                   "drawn from SEED")
    mem_latency: str = _opt("0,0", _latency,
                            f"RD_NS,B_NS, two numbers of ns from 0 to {LATENCY_MAX_NS}",
                            values="`0,0`, `RD_NS,B_NS`",
                            doc="memory latency: each read burst's first R beat comes back at "
                                "least RD_NS after its AR handshake, each B at least B_NS after "
                                "its AW handshake; pipelined: later requests are accepted "
                                "meanwhile, so only the block's own limits bound what is in "
                                "flight (docs/BENCH.md)")
    mac_pause: float = _opt(0.0, _probability, "a probability P with 0 <= P < 1",
                            values="`0`, `P`",
                            doc="random gaps inside frames on the MAC stream (`tvalid` low): "
                                "each clock starts a gap of 1 to 4 clocks with probability P "
                                "(0 ≤ P < 1), drawn from SEED")
    faults: str = _opt("", _faults, "none, MEAN_NS or MEAN_NS:CLASS/CLASS/... with CLASS one of "
                                    + _listing(fault_plan.CLASSES),
                       values="`none`, `MEAN_NS`, `MEAN_NS:CLASS/...`",
                       doc="random bus faults, one at a time, at an exponential spacing of mean "
                           "MEAN_NS ns after the last one was recovered: SLVERR and DECERR on a "
                           "descriptor read, a data write or a writeback beat drawn at random, "
                           "an error read carrying garbage data, an IOMMU fault (with an "
                           "IOMMU), a late write response (`tb/common/fault_plan.py`); each "
                           "checked for its ERR_CODE, the driver's recovery and traffic "
                           "resuming, counted by class")
    disrupt: str = _opt("", _disrupt, "none or KEY:VALUE,... with KEY close, resize, down or "
                                      "rings (pymodel/disrupt.py)",
                        values="`none`, `close:NS,resize:NS,down:NS,rings:A/B`",
                        doc="close and reopen the interface and change its ring size at random "
                            "times mid-traffic, at exponential spacings of mean NS "
                            "(`pymodel/disrupt.py`): each close destroys the page_pool and each "
                            "open makes a new one")
    mem_pages: int = _opt(0, _int(0), "an integer >= 0 (0: no limit)",
                          doc="host memory limit in 4 KB pages (0: none): allocations past it "
                              "fail, the driver counts `rx_alloc_fail` and the ring runs short")
    monitor: int = _opt(1, _flag, "1 (the AXI protocol monitor runs) or 0 (it does not)",
                        values="`1`, `0`",
                        doc="the AXI protocol monitor; `0` only to measure what it costs "
                            "(figures below)")
    params: str = _opt("", _params, "nothing (the defaults), small, or NAME=V,NAME=V with NAME a "
                                    f"parameter of hdl/{TOP}.v other than DATA_W and V a "
                                    "positive integer",
                       values="empty, `small`, `NAME=V,NAME=V`",
                       doc="RTL build parameters: the defaults; the smallest legal set ("
                           "`SMALL` in `tb/common/params.py`: "
                           + ", ".join(f"{k} {v}" for k, v in rtl_params.SMALL.items())
                           + f"); or any top-level parameter of `hdl/{TOP}.v` but `DATA_W`. "
                           "Each set gets its own build directory")
    xdp: str = _opt("", _xdp, "none or " + _listing(XDP_PROGRAMS),
                    values="`none`, " + _code(XDP_PROGRAMS),
                    doc="attach an XDP program to the RX queue and run the top `nic_dma` (RX and "
                        "TX behind one register port and one AXI master): `tx` swaps the "
                        "Ethernet addresses and sends every frame back out (XDP_TX), "
                        "`tx_every:K` every K-th, `redirect` through `ndo_xdp_xmit`, `pass` and "
                        "`drop`; a MAC sink on `m_axis_tx` checks each frame sent")
    tx: str = _opt("", _tx, "none or stack", values="`none`, `stack`",
                   doc="`stack`: the stack sends FRAMES frames through `ndo_start_xmit` on "
                       "`nic_dma`'s TX queue, checked by the MAC sink (no RX traffic)")
    results: str = _opt("sim_build/sim_results.json", _text, "a file name")

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_text(cls, values: Mapping[str, str], *, hdl_dir: Optional[Path] = None,
                  check_rtl: bool = True) -> "Options":
        """Options from text by field name (missing or empty: the default), every value and
        every combination checked. check_rtl also elaborates a PARAMS set with Icarus."""
        kw = {}
        for f in fields(cls):
            text = str(values.get(f.name, "") or "").strip()
            if not text:
                kw[f.name] = f.default
                continue
            try:
                kw[f.name] = f.metadata["parse"](text)
            except _Refused as e:
                reason = f"{e}; " if str(e) else ""
                raise OptionError(f.name.upper(), text,
                                  f"{reason}{f.name.upper()} takes {f.metadata['takes']}") from None
        o = cls(**kw)
        o._check_together(hdl_dir, check_rtl)
        return o

    @classmethod
    def from_env(cls) -> "Options":
        """Inside the simulator: the COSIM_* variables the runner set."""
        return cls.from_text({f.name: os.environ.get("COSIM_" + f.name.upper(), "")
                              for f in fields(cls)}, check_rtl=False)

    def _check_together(self, hdl_dir: Optional[Path], check_rtl: bool) -> None:
        if self.top == NIC_DMA:
            which = "XDP" if self.xdp else "TX"
            for name, set_, why in (
                    ("FAULTS", self.faults, "bus faults"), ("FAULT_WRITE", self.fault_write,
                                                            "bus faults"),
                    ("DISRUPT", self.disrupt, "driver disruption"),
                    ("PARAMS", self.params, "build parameters")):
                if set_:
                    raise OptionError(name, str(set_), f"{why} are not yet run on nic_dma "
                                                       f"({which}=); {name} takes its default "
                                                       f"with {which}")
            if self.sizes.startswith("pcap:"):
                raise OptionError("SIZES", self.sizes, f"{which}= checks self-describing "
                                  "frames on the TX side; SIZES takes a generated mix with it")
            if self.xdp and self.tx:
                raise OptionError("TX", self.tx, "TX=stack sends without RX traffic; TX takes "
                                  "none with XDP")
            if self.xdp and self.driver != "page_pool":
                raise OptionError("DRIVER", self.driver, "XDP runs on the page_pool RX path "
                                  "(pymodel/xdp.py); DRIVER takes page_pool with XDP")
        if self.faults and self.fault_write:
            raise OptionError("FAULT_WRITE", str(self.fault_write),
                              "FAULTS injects faults too; FAULT_WRITE takes 0 when FAULTS is "
                              "set (use one of them)")
        if self.faults:
            try:
                fault_plan.parse_spec(self.faults, iommu=self.iommu != "off")
            except ValueError as e:
                takes = next(f.metadata["takes"] for f in fields(self) if f.name == "faults")
                raise OptionError("FAULTS", self.faults, f"{e}, and IOMMU={self.iommu}; FAULTS "
                                                         f"takes {takes}") from None
        if self.bug in TX_BUGS and self.top != NIC_DMA:
            raise OptionError("BUG", self.bug, "a TX or XDP bug runs on nic_dma (XDP= or "
                                               "TX=stack); without them BUG takes none or an "
                                               "RX bug")
        if self.bug in BUGS and self.driver not in BUGS[self.bug]:
            raise OptionError("BUG", self.bug, f"applies to DRIVER={_listing(BUGS[self.bug])}, "
                                               f"not DRIVER={self.driver}")
        if self.params:
            known = hdl_parameters(hdl_dir)
            for name in self.parameters():
                if name == "DATA_W" or name not in known:
                    why = "DATA_W is an option of its own" if name == "DATA_W" else \
                        f"{TOP} has no parameter {name}"
                    raise OptionError("PARAMS", self.params,
                                      f"{why}; PARAMS takes NAME=V,... with NAME one of "
                                      + _listing([k for k in known if k != "DATA_W"]))
            if check_rtl:
                refused = rtl_refuses(self.data_w, self.parameters(), hdl_dir)
                if refused:
                    raise OptionError("PARAMS", self.params,
                                      f"the RTL refuses it at DATA_W={self.data_w}: {refused}")

    # ------------------------------------------------------------------ derived
    @property
    def top(self) -> str:
        """The RTL top level: nic_dma (RX and TX) with XDP or TX, else nic_rx_dma."""
        return NIC_DMA if self.xdp or self.tx else TOP

    def parameters(self) -> Dict[str, int]:
        """The RTL build parameters PARAMS asks for (besides DATA_W); {} for the defaults."""
        if self.params == "small":
            return dict(rtl_params.SMALL)
        return {k: int(v) for k, v in (i.split("=") for i in self.params.split(",") if i)}

    def build_name(self, hdl_dir: Optional[Path] = None) -> Optional[str]:
        """The build directory's name when it is not tb.common.build's default for (sim, DATA_W, waves):
        it carries the parameters and, for another HDL directory, a digest of its path."""
        p = self.parameters()
        if not p and hdl_dir is None:
            return None
        extra = "" if hdl_dir is None else \
            "_hdl" + hashlib.sha1(str(Path(hdl_dir).resolve()).encode()).hexdigest()[:10]
        return build_tag(self.sim, self.data_w, p, bool(self.waves), extra)

    def hold_time(self) -> Tuple[str, float]:
        """HOLD as (kind, ns) for pymodel.stack.HoldTime."""
        kind, _, ns = self.hold.partition(":")
        return kind, float(ns)

    def fault_spec(self) -> Optional["fault_plan.FaultSpec"]:
        """FAULTS as a FaultSpec, the classes this run can take; None without faults."""
        return fault_plan.parse_spec(self.faults, iommu=self.iommu != "off") if self.faults \
            else None

    def latency_ns(self) -> Tuple[float, float]:
        """MEM_LATENCY as (read, write response) ns."""
        rd, b = self.mem_latency.split(",")
        return float(rd), float(b)

    def text(self) -> Dict[str, str]:
        """Option name -> value as text, every option a make variable sets (not `results`)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if f.name != "results"}

    def env(self) -> Dict[str, str]:
        """COSIM_<NAME> variables for the simulator process."""
        return {"COSIM_" + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    def command(self) -> str:
        """The `make sim` line that repeats this run: the options not at their default, and SEED."""
        default = Options()
        words = [f"{f.name.upper()}={shlex.quote(str(getattr(self, f.name)))}"
                 for f in fields(self) if f.name != "results"
                 and (f.name == "seed" or getattr(self, f.name) != getattr(default, f.name))]
        return "make sim " + " ".join(words)


def table() -> str:
    """The options as the README's Markdown table: variable, values (default first), meaning."""
    rows = ["| variable | values (default first) | meaning |", "|---|---|---|"]
    for f in fields(Options):
        if f.name == "results":
            continue
        values = f.metadata["values"] or f"`{f.default}`"
        rows.append(f"| `{f.name.upper()}` | {values} | {f.metadata['doc']} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------- the RTL's parameters
def hdl_parameters(hdl_dir: Optional[Path] = None) -> Dict[str, int]:
    """The top module's parameters and defaults (tb.common.params reads them from its header)."""
    return rtl_params.defaults(Path(hdl_dir or ROOT / "hdl") / f"{TOP}.v")


def rtl_refuses(data_w: int, parameters: Dict[str, int], hdl_dir: Optional[Path] = None,
                timeout_s: float = 20.0) -> Optional[str]:
    """Elaborate the design with these parameters in Icarus and run its time-0 checks (the
    `initial` blocks that $error on an illegal set): the first complaint, or None when it is
    accepted or Icarus is not installed. Works in a temporary directory."""
    iverilog, vvp = shutil.which("iverilog"), shutil.which("vvp")
    if not (iverilog and vvp):
        return None
    defs = [f"-P{TOP}.{k}={v}" for k, v in {"DATA_W": data_w, **parameters}.items()]
    with tempfile.TemporaryDirectory(prefix="nic_rx_params_") as d:
        out = Path(d) / "elab.vvp"
        try:
            cc = subprocess.run([iverilog, "-g2012", "-s", TOP, "-o", str(out), *defs,
                                 *map(str, hdl_sources(hdl_dir))],
                                capture_output=True, text=True, timeout=timeout_s)
            if cc.returncode != 0:
                lines = [ln for ln in (cc.stderr + cc.stdout).splitlines() if ln.strip()]
                return "iverilog: " + (lines[0] if lines else f"exit status {cc.returncode}")
            run = subprocess.run([vvp, "-n", str(out)], capture_output=True, text=True,
                                 timeout=timeout_s, cwd=d)
        except subprocess.TimeoutExpired:
            return None
    said = []                                  # (not the top's own check, message)
    for ln in (run.stdout + run.stderr).splitlines():
        m = re.search(r"Error:\s*(.*?)\s*(?:\(instance ([^)]*)\))?\s*$", ln)
        if m and (m.group(2) != TOP, m.group(1)) not in said:
            said.append((m.group(2) != TOP, m.group(1)))
    return "; ".join(msg for _, msg in sorted(said, key=lambda x: x[0])) or None


# ---------------------------------------------------------------------- make variables
def parse(overrides: Optional[Mapping[str, str]] = None,
          environ: Optional[Mapping[str, str]] = None, **kw) -> Options:
    """Options from make variables: overrides (by make variable name), else the environment's
    make variable, else the default; checked as Options.from_text (keywords go there)."""
    env = os.environ if environ is None else environ
    ov = overrides or {}
    return Options.from_text({f.name: str(ov.get(f.name.upper(), env.get(f.name.upper(), "")))
                              for f in fields(Options) if f.name != "results"}, **kw)


def options(overrides: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """parse(overrides).text(): option name -> checked value as text."""
    return parse(overrides).text()
