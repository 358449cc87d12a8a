"""Rolling-origin nowcast backtest on the real national FAI series.

Data: National Bureau of Statistics of China, fixed-asset investment, monthly cumulative,
1981 to July 2017, via AFAN-LIFE/macropage (CC-BY-4.0), read from ../shared/data. For
each target year 2000-2016 and as-of month Feb..Nov, the nowcast sees only data published
by then. Prints the table and writes benchmarks/results/nowcast_national.json.

    .venv/bin/python benchmarks/nowcast_national.py [--data PATH] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from zzforecast.models.nowcast_backtest import format_nowcast_tables, nowcast_backtest

    result = nowcast_backtest(args.data, seed=args.seed)
    print(format_nowcast_tables(result))
    out = Path(__file__).resolve().parent / "results" / "nowcast_national.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
