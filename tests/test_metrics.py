"""Accuracy metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from zzforecast.evaluate.metrics import coverage, mase, mase_scale, msis, smape


def test_smape_m3_definition():
    # 200 * |100 - 110| / 210 and 200 * |50 - 50| / 100
    assert smape([100, 50], [110, 50]) == pytest.approx((200 * 10 / 210 + 0) / 2)
    assert smape([0.0], [0.0]) == 0.0
    assert smape([1.0], [-1.0]) == pytest.approx(200.0)


def test_mase_scale_and_mase():
    assert mase_scale([1, 3, 2, 6]) == pytest.approx((2 + 1 + 4) / 3)
    y = np.array([[10.0, 12.0], [5.0, 5.0]])
    f = np.array([[11.0, 10.0], [4.0, 7.0]])
    # row 1 scaled by 2, row 2 by 1: (0.5 + 1 + 1 + 2) / 4
    assert mase(y, f, [2.0, 1.0]) == pytest.approx(4.5 / 4)
    with pytest.raises(ValueError):
        mase_scale([3.0])


def test_coverage_and_msis():
    y = np.array([1.0, 5.0, 10.0])
    lo = np.array([0.0, 6.0, 0.0])
    hi = np.array([2.0, 8.0, 9.0])
    assert coverage(y, lo, hi) == pytest.approx(1 / 3)
    # widths 2, 2, 9; penalties 2/0.05*(6-5)=40 and 2/0.05*(10-9)=40; scale 2
    assert msis(y, lo, hi, [2.0, 2.0, 2.0], 95) == pytest.approx((2 + 42 + 49) / 3 / 2)
