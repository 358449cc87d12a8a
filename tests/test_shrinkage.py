"""Ledoit-Wolf (2004) shrinkage toward constant correlation: the paper's formulas, term by term."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zzforecast.estimate.shrinkage import ledoit_wolf_constant_correlation, shrunk_correlation


def _paper(y: np.ndarray) -> tuple[float, float]:
    """Ledoit and Wolf (2004), "Honey, I shrunk the sample covariance matrix", section 2 and
    appendix B, written out with loops: returns (delta, rbar) for centred data ``y``."""
    t, n = y.shape
    s = [[sum(y[k, i] * y[k, j] for k in range(t)) / t for j in range(n)] for i in range(n)]
    r = [[s[i][j] / math.sqrt(s[i][i] * s[j][j]) for j in range(n)] for i in range(n)]
    rbar = sum(r[i][j] for i in range(n) for j in range(n) if i < j) * 2 / ((n - 1) * n)
    f = [[s[i][i] if i == j else rbar * math.sqrt(s[i][i] * s[j][j]) for j in range(n)]
         for i in range(n)]
    pi = [[sum((y[k, i] * y[k, j] - s[i][j]) ** 2 for k in range(t)) / t for j in range(n)]
          for i in range(n)]

    def theta(i, j):  # AsyCov(sqrt(T) s_ii, sqrt(T) s_ij)
        return sum((y[k, i] ** 2 - s[i][i]) * (y[k, i] * y[k, j] - s[i][j])
                   for k in range(t)) / t

    rho = sum(pi[i][i] for i in range(n)) + sum(
        rbar / 2 * (math.sqrt(s[j][j] / s[i][i]) * theta(i, j)
                    + math.sqrt(s[i][i] / s[j][j]) * theta(j, i))
        for i in range(n) for j in range(n) if i != j)
    gamma = sum((f[i][j] - s[i][j]) ** 2 for i in range(n) for j in range(n))
    kappa = (sum(map(sum, pi)) - rho) / gamma
    return max(0.0, min(kappa / t, 1.0)), rbar


@pytest.mark.parametrize("seed, t, n", [(0, 6, 3), (1, 12, 4), (2, 40, 5)])
def test_intensity_follows_the_paper(seed, t, n):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((t, n)) @ rng.standard_normal((n, n)) + rng.standard_normal(n)
    shrunk, delta, rbar = ledoit_wolf_constant_correlation(x)
    y = x - x.mean(axis=0)
    want_delta, want_rbar = _paper(y)
    assert delta == pytest.approx(want_delta, abs=1e-12)
    assert rbar == pytest.approx(want_rbar, abs=1e-12)
    sample = y.T @ y / t
    sd = np.sqrt(np.diag(sample))
    target = rbar * np.outer(sd, sd)
    np.fill_diagonal(target, np.diag(sample))
    assert np.allclose(shrunk, want_delta * target + (1 - want_delta) * sample)


def test_a_small_case_by_hand():
    """Three centred series: S = [[1, 0, 1], [0, 1, 1], [1, 1, 2]], correlations 0, 1/sqrt2,
    1/sqrt2, so rbar = sqrt2/3. Then pi = 10 (diagonal part 4), theta is non-zero only at
    (2, 0) and (2, 1), both 2, so rho = 4 + rbar * 2 * (2 / sqrt2) = 16/3; gamma = 2 *
    (2/9 + 1/9 + 1/9) = 8/9; kappa = (10 - 16/3) / (8/9) = 5.25. With T = 4, kappa / T > 1:
    delta = 1; the same rows twice (T = 8) give the same moments: delta = 5.25 / 8."""
    y = np.array([[1.0, 1.0, 2.0], [-1.0, -1.0, -2.0], [1.0, -1.0, 0.0], [-1.0, 1.0, 0.0]])
    _, delta, rbar = ledoit_wolf_constant_correlation(y, assume_centered=True)
    assert rbar == pytest.approx(math.sqrt(2) / 3) and delta == 1.0
    shrunk, delta, _ = ledoit_wolf_constant_correlation(np.vstack([y, y]), assume_centered=True)
    assert delta == pytest.approx(5.25 / 8) == _paper(np.vstack([y, y]))[0]
    assert shrunk[0, 1] == pytest.approx(delta * math.sqrt(2) / 3)
    assert shrunk[0, 2] == pytest.approx(delta * 2 / 3 + (1 - delta) * 1)


def test_intensity_stays_in_the_unit_interval_and_falls_with_more_data():
    rng = np.random.default_rng(3)
    mix = rng.standard_normal((6, 6))
    deltas = []
    for t in (8, 30, 200, 5000):
        x = rng.standard_t(4, size=(t, 6)) @ mix
        _, delta, _ = ledoit_wolf_constant_correlation(x)
        assert 0.0 <= delta <= 1.0
        deltas.append(delta)
    assert deltas[-1] < deltas[0] and deltas[-1] < 0.05  # consistent: S wins with long history


def test_no_shrinkage_when_the_sample_correlation_is_already_constant():
    # Two series always have one (constant) correlation.
    x = np.random.default_rng(4).standard_normal((10, 2))
    shrunk, delta, _ = ledoit_wolf_constant_correlation(x)
    y = x - x.mean(axis=0)
    assert delta == 0.0 and np.allclose(shrunk, y.T @ y / 10)
    # Four series, every pair correlated exactly 0.5: a common part plus orthogonal parts.
    q, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((12, 5)))
    y = q[:, :1] + q[:, 1:]
    shrunk, delta, rbar = ledoit_wolf_constant_correlation(y, assume_centered=True)
    assert rbar == pytest.approx(0.5) and delta == 0.0
    assert np.allclose(shrunk, y.T @ y / 12)


def test_shrunk_correlation_handles_missing_values_and_reports_the_method():
    rng = np.random.default_rng(6)
    rows = rng.standard_normal((9, 4)) @ rng.standard_normal((4, 4))
    rows[2, 1] = rows[5, 3] = np.nan
    corr, method = shrunk_correlation(rows)
    assert np.allclose(corr, corr.T) and np.allclose(np.diag(corr), 1.0)
    assert np.linalg.eigvalsh(corr).min() > 0
    delta = float(method.split()[2])
    rho = float(method.split()[-1])
    assert method.startswith("ledoit-wolf shrinkage") and 0 <= delta <= 1 and 0 <= rho <= 0.95
    # Between the sample correlation (missing values at the column mean) and the target.
    x = rows - np.nanmean(rows, axis=0)
    x = np.where(np.isfinite(x), x / np.sqrt(np.nanmean(x**2, axis=0)), 0.0)
    sample = x.T @ x / 9
    d = np.sqrt(np.diag(sample))
    sample = sample / np.outer(d, d)
    off = ~np.eye(4, dtype=bool)
    assert np.allclose(corr[off], (1 - delta) * sample[off] + delta * rho, atol=0.006)
    one, method = shrunk_correlation(rows[:, :1])
    assert one.tolist() == [[1.0]] and method == "single series"
