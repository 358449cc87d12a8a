"""The package's folders read as its pipeline: each stage imports only from earlier ones.

data -> estimate -> simulate -> (assess | evaluate) -> report -> batch -> cli. The
modules at the top of the package (errors, provenance, i18n, formatting, memory) are the
floor every stage may use. The test reads every ``import`` in the source, including the
ones inside functions, so a late import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "zzforecast"

# stage -> rank; a module may import from a lower rank or from its own stage
STAGES = {
    "": 0,  # zzforecast/*.py: the floor
    "data": 1,
    "estimate": 2,
    "simulate": 3,
    "assess": 4,
    "evaluate": 4,
    "report": 5,
    "batch": 6,
    "cli": 7,
    "__main__": 8,
}


def _stage(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts[0] == "__init__":
        return ""
    if parts[0] in STAGES and (len(parts) > 1 or parts[0] == "__main__"):
        return parts[0]
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    return ""


def _imports(path: Path, source: str | None = None) -> list[tuple[str, int]]:
    """(imported module, line) for every zzforecast import in ``path`` (or ``source``)."""
    # a package's __init__ and a plain module both resolve "." to their folder
    package = ["zzforecast", *path.relative_to(PACKAGE).parent.parts]
    if source is None:
        source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("zzforecast"):
                if node.module is None or target in ("zzforecast",):
                    found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
                else:
                    found.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("zzforecast")]
    return found


def _edges():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["zzforecast", *path.relative_to(PACKAGE).with_suffix("").parts]
        yield ".".join(parts), path, _imports(path)


def test_every_module_belongs_to_a_known_stage():
    for module, path, _ in _edges():
        assert _stage(module) in STAGES, f"{path}: folder {_stage(module)!r} is not a stage"


def test_no_stage_imports_a_later_stage():
    upward = []
    for module, path, imports in _edges():
        here = _stage(module)
        for target, line in imports:
            there = _stage(target)
            if there != here and STAGES[there] >= STAGES[here]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here or 'floor'}) imports {target} ({there})")
    assert not upward, "imports against the pipeline:\n" + "\n".join(upward)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from ..report import render\n", "report"),
        ("def f():\n    from ..batch.cluster_reports import run_batch\n", "batch"),
    ],
)
def test_the_scan_sees_late_and_relative_imports(source, expected):
    # the detector itself can fail: a late upward import in a data module is caught
    imports = _imports(PACKAGE / "data" / "probe.py", source)
    assert any(_stage(t) == expected for t, _ in imports)

