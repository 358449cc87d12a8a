"""Choosing the combination of base forecasters by rolling-origin validation.

Candidates form a small structured family (each kernel alone, the median and mean of the
pool, the median of the k best kernels). They are scored on the validation windows inside the
training data only (never on a test period): mean sMAPE and mean MASE, each relative to
the naive forecast on the same windows, summed. Pooling the score across all the series
of a call makes the choice stable; with too few windows the default combination is used.
"""

from __future__ import annotations

import itertools

import numpy as np

from .base import DEFAULT_POOL

__all__ = ["DEFAULT_COMBO", "Combination", "validation_origins", "candidate_combinations",
           "all_subsets", "choose_combination", "MIN_WINDOWS"]

# What the validation windows of the 645 M3 yearly training series choose from the
# candidate family (two origins per series, h = 6; never the test years): the median of the
# whole pool. Used when a call has too few windows to choose by itself.
DEFAULT_COMBO = (DEFAULT_POOL, "median")

# Fewer validation windows than this: use DEFAULT_COMBO rather than choose.
MIN_WINDOWS = 30


class Combination:
    """A subset of kernels (by name) and how to aggregate them (``mean`` or ``median``)."""

    def __init__(self, members: tuple[str, ...], agg: str = "median"):
        self.members = tuple(members)
        self.agg = agg

    def __repr__(self) -> str:
        return f"Combination({self.members!r}, {self.agg!r})"

    def apply(self, forecasts: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """Combine kernel forecasts of shape (..., len(names), h) into (..., h)."""
        idx = [names.index(m) for m in self.members]
        sub = forecasts[..., idx, :]
        if self.agg == "median" and len(idx) >= 3:
            return np.median(sub, axis=-2)
        return np.mean(sub, axis=-2)


def validation_origins(n: int, h: int, n_windows: int = 3, min_train: int = 4) -> list[int]:
    """Rolling origins inside a series of length ``n`` (training sizes of each window).

    The last window ends at the last observation (origin ``n - h``); earlier windows step
    back one point each. Origins are clipped to leave at least ``min_train`` points for
    fitting and one for checking, so short series get shorter windows rather than none.
    """
    if n <= min_train:
        return []
    raw = [n - h - k for k in range(n_windows - 1, -1, -1)]
    return sorted({min(max(o, min_train), n - 1) for o in raw})


def candidate_combinations(pool: tuple[str, ...] = DEFAULT_POOL,
                           ranking: list[str] | None = None) -> list[Combination]:
    """A small, structured family of candidates.

    Every single kernel; the median and the mean of the whole pool; and the median of the
    k best kernels by validation score (``ranking``, best first) for k = 3 .. len(pool) - 1.
    A free search over all subsets (hundreds of candidates) fitted the validation windows
    better but forecast worse, so the family is kept small.
    """
    out = [Combination((name,), "mean") for name in pool]
    out += [Combination(tuple(pool), "median"), Combination(tuple(pool), "mean")]
    if ranking:
        out += [Combination(tuple(ranking[:k]), "median") for k in range(3, len(pool))]
    return out


def all_subsets(pool: tuple[str, ...] = DEFAULT_POOL) -> list[Combination]:
    """Every non-empty subset of ``pool`` by mean, and every subset of 3+ by median."""
    out = []
    for k in range(1, len(pool) + 1):
        for members in itertools.combinations(pool, k):
            out.append(Combination(members, "mean"))
            if k >= 3:
                out.append(Combination(members, "median"))
    return out


def _smape(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    denom = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 200 * np.abs(y - f) / denom, 0.0)


def choose_combination(val_forecasts: np.ndarray, val_actuals: np.ndarray,
                       val_scales: np.ndarray, names: tuple[str, ...],
                       candidates: list[Combination] | None = None) -> Combination:
    """Pick the candidate with the best pooled validation score.

    Parameters
    ----------
    val_forecasts : numpy.ndarray
        Shape (n_windows, len(names), h): kernel forecasts at each validation origin.
    val_actuals : numpy.ndarray
        Shape (n_windows, h): the values that followed, NaN past the end of the series.
    val_scales : numpy.ndarray
        Shape (n_windows,): the scale of the training data at each origin.
    names : tuple of str
        Kernel names along axis 1 of ``val_forecasts``.

    Returns
    -------
    Combination
        ``DEFAULT_COMBO`` when there are fewer than ``MIN_WINDOWS`` windows.
    """
    if len(val_actuals) < MIN_WINDOWS:
        return Combination(*DEFAULT_COMBO)
    mask = np.isfinite(val_actuals)
    naive = val_forecasts[:, names.index("naive"), :] if "naive" in names else \
        np.repeat(val_forecasts[:, 0, :1], val_actuals.shape[1], axis=1)

    def score(f: np.ndarray) -> float:
        sm = np.nanmean(np.where(mask, _smape(val_actuals, f), np.nan))
        ma = np.nanmean(np.where(mask, np.abs(val_actuals - f) / val_scales[:, None], np.nan))
        return sm, ma

    sm0, ma0 = score(naive)

    def relative(f: np.ndarray) -> float:
        sm, ma = score(f)
        return sm / max(sm0, 1e-12) + ma / max(ma0, 1e-12)

    if candidates is None:
        singles = [relative(val_forecasts[:, k, :]) for k in range(len(names))]
        ranking = [names[k] for k in np.argsort(singles, kind="stable")]
        candidates = candidate_combinations(names, ranking)
    best, best_score = None, np.inf
    for cand in candidates:
        s = relative(cand.apply(val_forecasts, names))
        if s < best_score - 1e-12:
            best, best_score = cand, s
    return best
