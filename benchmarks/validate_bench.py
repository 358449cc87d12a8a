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

import numpy as np
import pandas as pd

from zzforecast.data.io import read_table
from zzforecast.data.ledger import MONTHLY_SHEET, import_ledger, write_ledger_template
from zzforecast.data.loaders import load_observations
from zzforecast.exceptions import DataError


def observations(n_rows: int) -> pd.DataFrame:
    """About n_rows valid rows: annual and monthly YTD FAI, levels and growth."""
    n_clusters = max(1, n_rows // 200)
    ids = np.array([f"c{i:04d}" for i in range(n_clusters)])
    frames = []
    for measure in ("level", "growth"):
        cid, year = np.meshgrid(ids, np.arange(2005, 2017), indexing="ij")
        frames.append(pd.DataFrame({
            "cluster_id": cid.ravel(), "indicator": "fai", "measure": measure,
            "frequency": "annual", "period": year.ravel().astype(str),
            "value": "100.5" if measure == "level" else "0.08",
            "unit": "亿元" if measure == "level" else "fraction", "price_basis": "nominal",
            "source": "benchmark", "vintage": (year.ravel() + 1).astype(str) + "-02-28",
            "synthetic": "true"}))
        cid, year, month = np.meshgrid(ids, np.arange(2010, 2018), np.arange(2, 13),
                                       indexing="ij")
        frames.append(pd.DataFrame({
            "cluster_id": cid.ravel(), "indicator": "fai", "measure": measure,
            "frequency": "monthly_ytd",
            "period": [f"{y}-{m:02d}" for y, m in zip(year.ravel(), month.ravel(), strict=True)],
            "value": (month.ravel() * 10.0).astype(str) if measure == "level" else "0.07",
            "unit": "亿元" if measure == "level" else "fraction", "price_basis": "nominal",
            "source": "benchmark", "vintage": "2018-03-01", "synthetic": "true"}))
    return pd.concat(frames, ignore_index=True), sorted(ids)


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
