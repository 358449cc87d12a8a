"""Does pooling help short series? Rolling backtest on the real provincial FAI panel.

Data: National Bureau of Statistics of China, provincial annual FAI 2005–2017, via
RenJiyi163/panel_data_analysis_for_thesis (MIT), read from ../shared/data. Every 6-year
window of the 31 provinces is forecast 3 years ahead with and without pooling. Prints the
table and writes benchmarks/results/pooling_provinces.json.

    .venv/bin/python benchmarks/pooling_provinces.py [--data PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--train-length", type=int, default=6)
    parser.add_argument("--h", type=int, default=3)
    args = parser.parse_args()

    from zzforecast.evaluate.pooling_backtest import pooling_backtest

    r = pooling_backtest(args.data, train_length=args.train_length, h=args.h)
    print(f"Pooling backtest, provincial FAI ({r['source']}): "
          f"{r['train_length']}-year windows, h={r['h']}")
    print(f"{'origin':>6} {'variant':<9} {'sMAPE':>7} {'MASE':>6} {'cov80':>6} {'cov95':>6} "
          f"{'MSIS95':>7}")
    for w in [*r["windows"], {"origin": "all", **r["overall"]}]:
        for label in ("pooled", "unpooled"):
            m = w[label]
            print(f"{w['origin']!s:>6} {label:<9} {m['smape']:7.2f} {m['mase']:6.3f} "
                  f"{100 * m['coverage_80']:6.1f} {100 * m['coverage_95']:6.1f} "
                  f"{m['msis_95']:7.2f}")
    out = Path(__file__).resolve().parent / "results" / "pooling_provinces.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(r, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
