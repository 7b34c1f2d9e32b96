#!/usr/bin/env python3
"""Width lint for hdl/: arithmetic that a wider operand or context silently widens.

Verilog sizes an expression by its widest operand and its context, so in `(wr - rd) > 1` the
unsized `1` (32 bits) makes the subtraction 32 bits wide: once `wr` wraps past `rd` the
difference is a large number instead of a small one. `verilator -Wall` does not warn about
it. This lint elaborates the design with slang (pyslang) at every DATA_W and at the smallest
parameters, and flags each add, subtract, multiply, left shift or negation whose result is
wider than its non-constant operands (constants count by the bits their value needs) unless
an assignment truncates the result back to that width. The fix is always the same: put the
arithmetic in a sized wire first, or size the other operand.

Exit status 1 with one line per finding (file:line:col, the expression, the widths); 0 when
clean. Also fails on any slang error.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pyslang
from pyslang import ast, syntax

from tb.common.params import SMALL

ROOT = Path(__file__).resolve().parents[1]

TOP = "nic_rx_dma"
B = ast.BinaryOperator
ARITH = {B.Add, B.Subtract, B.Multiply, B.LogicalShiftLeft, B.ArithmeticShiftLeft}
K = ast.ExpressionKind
INDEX = -1     # the `truncated` mark of arithmetic that selects a bit or a part

# parameter sets the lint elaborates: every DATA_W, at the defaults and at the smallest values
PARAM_SETS = [{"DATA_W": w} for w in (64, 128, 256, 512)] + \
             [{"DATA_W": w, **SMALL} for w in (64, 512)]


def width(e) -> int:
    try:
        return int(e.type.bitWidth)
    except Exception:  # noqa: BLE001 - non-integral types take no part
        return 0


def is_arith(e) -> bool:
    return (e.kind == K.BinaryOp and e.op in ARITH) or \
        (e.kind == K.UnaryOp and e.op == ast.UnaryOperator.Minus)


def natural(e) -> tuple[int, bool]:
    """(width the value needs before context widening, whether a non-constant is involved)."""
    if e.kind == K.Conversion and e.conversionKind == ast.ConversionKind.Propagated:
        return natural(e.operand)
    if e.kind == K.BinaryOp and e.op in ARITH:
        lw, lv = natural(e.left)
        rw, rv = natural(e.right)
        if e.op in (B.LogicalShiftLeft, B.ArithmeticShiftLeft):
            return lw, lv
        return max(lw, rw), lv or rv
    if e.kind == K.UnaryOp and e.op == ast.UnaryOperator.Minus:
        return natural(e.operand)
    if e.kind == K.ConditionalOp:
        lw, lv = natural(e.left)
        rw, rv = natural(e.right)
        return max(lw, rw), lv or rv
    c = e.constant
    if c is not None:
        try:
            v = int(c.value)
            return max(1, v.bit_length()), False
        except Exception:  # noqa: BLE001
            return width(e), False
    return width(e), True


def key(e):
    r = e.sourceRange
    return (r.start.buffer.id, r.start.offset, r.end.offset)


class Lint:
    def __init__(self, sm) -> None:
        self.sm = sm
        self.truncated = {}   # expression key -> narrowest width an assignment keeps of it
        self.arith = []       # (expression, its width, natural width)
        self.findings = {}

    def mark(self, e, limit: int) -> None:
        """Walk down from a truncating conversion through arithmetic and conditionals."""
        if e.kind == K.Conversion and e.conversionKind == ast.ConversionKind.Propagated:
            return self.mark(e.operand, limit)
        if is_arith(e) or e.kind == K.ConditionalOp:
            k = key(e)
            old = self.truncated.get(k, limit)
            self.truncated[k] = INDEX if INDEX in (limit, old) else min(limit, old)
            if e.kind == K.UnaryOp:
                self.mark(e.operand, limit)
            else:
                self.mark(e.left, limit)
                self.mark(e.right, limit)

    def visit(self, node):
        if isinstance(node, ast.GenerateBlockSymbol) and node.isUninstantiated:
            return ast.VisitAction.Skip
        if isinstance(node, ast.Expression):
            # an index or part-select base is a number, not a pointer: widening keeps it exact
            if node.kind == K.ElementSelect:
                self.mark(node.selector, INDEX)
            elif node.kind == K.RangeSelect:
                self.mark(node.left, INDEX)
                self.mark(node.right, INDEX)
            elif node.kind == K.Conversion and node.conversionKind in (
                    ast.ConversionKind.Implicit, ast.ConversionKind.Explicit):
                w, wo = width(node), width(node.operand)
                if w and wo and w < wo:
                    self.mark(node.operand, w)
            if is_arith(node):
                nat, var = natural(node)
                w = width(node)
                if var and w > nat:
                    self.arith.append((node, w, nat))
        return True

    def finish(self, tag: str) -> None:
        for e, w, nat in self.arith:
            k = key(e)
            if self.truncated.get(k, w) <= nat or self.truncated.get(k) == INDEX:
                continue
            loc = e.sourceRange.start
            f = self.sm.getFileName(loc)
            line = self.sm.getLineNumber(loc)
            col = self.sm.getColumnNumber(loc)
            text = e.syntax.__str__().strip() if e.syntax is not None else "?"
            fk = (f, line, col)
            if fk not in self.findings:
                self.findings[fk] = (f"{Path(f).relative_to(ROOT) if Path(f).is_absolute() else f}"
                                     f":{line}:{col}: `{' '.join(text.split())}` is evaluated at "
                                     f"{w} bits, its operands need {nat} ({tag})")


def lint(params: dict, hdl=ROOT / "hdl") -> tuple[list, list]:
    opts = ast.CompilationOptions()
    opts.topModules = {TOP}
    opts.paramOverrides = [f"{k}={v}" for k, v in params.items()]
    bag = pyslang.Bag([opts])
    comp = ast.Compilation(bag)
    sm = None
    for f in sorted(Path(hdl).glob("*.v")):
        tree = syntax.SyntaxTree.fromFile(str(f)) if sm is None else \
            syntax.SyntaxTree.fromFile(str(f), sm)
        sm = tree.sourceManager
        comp.addSyntaxTree(tree)
    errs = [d for d in comp.getAllDiagnostics() if d.isError()]
    msgs = [ast.DiagnosticEngine.reportAll(sm, errs)] if errs else []
    lt = Lint(sm)
    comp.getRoot().visit(lt.visit)
    lt.finish(" ".join(f"{k}={v}" for k, v in params.items()))
    return msgs, list(lt.findings.values())


def main(argv) -> int:
    hdl = Path(argv[1]) if len(argv) > 1 else ROOT / "hdl"
    seen, errors = {}, []
    for p in PARAM_SETS:
        msgs, found = lint(p, hdl)
        errors += msgs
        for f in found:
            seen.setdefault(f.split(" (")[0], f)
    for m in errors:
        print(m.strip(), file=sys.stderr)
    for f in seen.values():
        print(f)
    return 1 if (seen or errors) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
