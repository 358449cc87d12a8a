"""Do two report folders show the same numbers? (the re-housing check of issue 12)

    python benchmarks/compare_reports.py BEFORE_DIR AFTER_DIR

Compares every ``<name>.json`` (provenance, timings and versions left out, since those
change with the code by design), ``summary.csv``, and the sequence of numbers in the
visible text of every HTML page (scripts, styles, embedded images and digests removed).
Keys and numbers only in AFTER (new sections) are counted as additions, not differences:
a difference is a number of BEFORE that changed or vanished, shown with its neighbours.
Prints one line per difference and the count; exits 1 when anything differs.

Make BEFORE_DIR with the older commit, e.g. ``git worktree add /tmp/base <commit>`` and
``PYTHONPATH=/tmp/base python -m zzforecast reports --out /tmp/before ...`` (the kernel
inherits PYTHONPATH, so the notebooks run the older package too).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

import pandas as pd

# keys whose values change with the code or the clock, not with the numbers
VOLATILE = {"provenance", "timings", "elapsed_s", "started", "finished", "version",
            "versions", "created", "data_digest", "params_digest", "duration_s"}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")


def _stable(obj):
    if isinstance(obj, dict):
        return {k: _stable(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_stable(v) for v in obj]
    return obj


def _page_numbers(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r'src="data:[^"]+"', "", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"zzforecast \S+|digest \S+|[0-9a-f]{12,}", "", text)
    return NUMBER.findall(text)


def _changed_numbers(old: list[str], new: list[str]) -> tuple[list[str], int]:
    """Numbers of ``old`` replaced or deleted in ``new`` (with context), and how many added."""
    from difflib import SequenceMatcher

    changed, added = [], 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "insert":
            added += j2 - j1
        elif op in ("replace", "delete"):
            changed.append(f"{' '.join(old[max(0, i1 - 3):i1])} [{' '.join(old[i1:i2])} -> "
                           f"{' '.join(new[j1:j2])}] {' '.join(old[i2:i2 + 3])}")
    return changed, added


def compare(before: Path, after: Path) -> list[str]:
    """One line per number of ``before`` that differs in ``after``."""
    found = []
    for old in sorted(before.glob("*.json")):
        new = after / old.name
        if old.name == "run.json":  # timings and paths only
            continue
        if not new.is_file():
            found.append(f"{old.name}: missing after")
            continue
        a, b = (_stable(json.loads(p.read_text(encoding="utf-8"))) for p in (old, new))
        for key in sorted(a):
            if a.get(key) != b.get(key):
                found.append(f"{old.name}: key {key!r} differs")
    a, b = (pd.read_csv(p / "summary.csv") for p in (before, after))
    if not a.equals(b[[c for c in a.columns if c in b.columns]]):
        found.append("summary.csv differs")
    for old in sorted(before.glob("*.html")):
        new = after / old.name
        if not new.is_file():
            found.append(f"{old.name}: missing after")
        else:
            changed, _ = _changed_numbers(_page_numbers(old), _page_numbers(new))
            found += [f"{old.name}: {line}" for line in changed]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    found = compare(args.before, args.after)
    n_files = len(list(args.before.glob("*.json"))) + len(list(args.before.glob("*.html"))) + 1
    for line in found:
        print(line)
    print(f"{n_files} files compared, {len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
