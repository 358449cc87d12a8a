"""Time the strict loaders on a large observations file and a large Excel ledger.

    .venv/bin/python benchmarks/validate_bench.py [--rows 100000]

Writes the inputs into a temporary folder, then times: read_table alone, load_observations
on a clean file, load_observations on a file where every row is wrong (the problem list is
capped at 50), and import_ledger on a 2,000-row workbook. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from zzforecast.data.ledger import import_ledger
from zzforecast.data.ledger_layout import MONTHLY_SHEET
from zzforecast.data.ledger_template import write_ledger_template
from zzforecast.data.loaders import load_observations
from zzforecast.data.synthetic import bulk_observations
from zzforecast.data.tables import read_table
from zzforecast.exceptions import DataError


def observations(n_rows: int) -> tuple[pd.DataFrame, list[str]]:
    """About n_rows valid rows and the cluster ids they use."""
    frame = bulk_observations(max(1, n_rows // 200))
    return frame, sorted(frame["cluster_id"].unique())


def timed(label: str, func, repeat: int = 3) -> None:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            func()
        except DataError:
            pass
        best = min(best, time.perf_counter() - start)
    print(f"{label:<48} {best:6.2f} s (best of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frame, ids = observations(args.rows)
        clean = tmp / "clean.csv"
        frame.to_csv(clean, index=False)
        bad = tmp / "bad.csv"
        frame.assign(synthetic="yes").to_csv(bad, index=False)
        print(f"observations: {len(frame)} rows, {len(ids)} clusters")
        timed("read_table (CSV, fast path)", lambda: read_table(clean))
        timed("load_observations, clean", lambda: load_observations(clean, ids))
        timed("load_observations, every row wrong (capped)", lambda: load_observations(bad, ids))
        quoted = tmp / "quoted.csv"
        frame.assign(source="benchmark, quoted").to_csv(quoted, index=False)
        timed("load_observations, quoted fields (csv module)", lambda: load_observations(quoted, ids))

        from openpyxl import load_workbook

        ledger = write_ledger_template(tmp / "ledger.xlsx")
        wb = load_workbook(ledger)
        ws = wb[MONTHLY_SHEET]
        n = 0
        for cid in ids[:20]:
            for year in range(2008, 2018):
                for month in range(2, 12):
                    ws.append([cid, None, "固定资产投资", f"{year}-{month:02d}", month * 10.0, 8.5,
                               "亿元", "现价", "benchmark", f"{year}-{month + 1:02d}-15"])
                    n += 1
        wb.save(ledger)
        print(f"ledger: {n} rows")
        timed("import_ledger", lambda: import_ledger(ledger, ids), repeat=1)


if __name__ == "__main__":
    main()
