"""The tree's layering rules, checked on the source: no path patching, no class name that
means two different things across tb/ and pymodel/, pymodel free of the simulator, and the
shared bench layer free of the RTL bench and the co-simulation."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _py(*dirs):
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.py"))


def _classes(d):
    out = {}
    for f in _py(d):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ClassDef):
                out.setdefault(node.name, []).append(f.relative_to(ROOT))
    return out


def _imports(f):
    for node in ast.walk(ast.parse(f.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_no_import_path_edits():
    needle = "sys" + ".path"          # spelled apart so this file does not match itself
    hits = [f"{f.relative_to(ROOT)}" for f in _py("tb", "tests", "scripts", "pymodel")
            if needle in f.read_text()]
    assert hits == []


def test_no_class_name_in_both_tb_and_pymodel():
    tb, pm = _classes("tb"), _classes("pymodel")
    assert sorted(set(tb) & set(pm)) == []


def test_pymodel_never_imports_the_simulator_side():
    bad = [(f.relative_to(ROOT), m) for f in _py("pymodel") for m in _imports(f)
           if m.split(".")[0] in ("cocotb", "cocotbext", "cocotb_tools", "tb")]
    assert bad == []


def test_shared_layer_imports_neither_bench():
    bad = [(f.relative_to(ROOT), m) for f in _py("tb/common") for m in _imports(f)
           if m.startswith(("tb.rtl", "tb.cosim"))]
    assert bad == []
