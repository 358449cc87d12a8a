"""The within-year model behind every probability: full-year growth from year-to-date growth.

For a series, year t and latest published month m, write x = log(1 + g_t(m)) for the
published cumulative growth (1–m月累计同比) and y_t = log(1 + G_t) for the full year. The
rule "year-to-date growth carries to year end" says y_t = x. The model predicts the
*surprise* d = y_t - x::

    d = a_i(m) + b(m) * j + kappa * sigma_i(m) * e,      e ~ Student-t(nu)
    j = x - y_{t-1}   (the jump of this year's pace over last year's full-year growth)

- ``b(m)``, the reversion of the jump, is a robust regression (statsmodels RLM, Huber's T)
  pooled over every series at month m, restricted to [-1, 0]. It is the base effect: after
  a year whose first months collapsed (a 2020), this year's early growth is inflated and a
  large part of it does not survive to December; and in the collapse year itself an early
  figure far below last year's pace partly recovers.
- ``a_i(m)`` and ``sigma_i(m)``, the usual drift of full-year growth below or above the
  pace and its spread, are robust estimates (Huber location, MAD scale) from the series'
  most recent ``window`` ordinary years, shrunk toward the pool of all series; the spread
  never grows as the year goes on (an envelope from December backwards).
- Exceptional years (declared by the user, or detected: out-of-sample surprises beyond
  ``detect_z`` robust sds at most months) are left out of a, b and sigma: they are not
  normal volatility. They are not ignored either: their standardised errors enter the
  tail fit below, and the next year's jump carries their base effect.
- ``kappa`` (how much spreads widen out of sample) and ``nu`` (tail shape) are fitted by
  maximum likelihood to the standardised out-of-sample errors of rolling origins inside the
  history (each origin sees only the years before it), pooled over series and months.
  With fewer than ``min_tail_errors`` of them, the t measured on the pooled national series
  applies (:data:`DEFAULT_TAIL_DF`, :data:`DEFAULT_INFLATION`).

Fitted on years before the target year; predictions use the target year's published
months only, so a fit plus a prediction is a real-time forecast.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..exceptions import NotFittedError, UserError
from .robust import (
    PROBS,
    fit_t_at_80_95,
    huber_location,
    jump_slope,
    mad_scale,
    smoothed_quantiles,
)
from .ytd_frame import YtdTable, check_ytd_frame, ytd_table

__all__ = ["YearToDateModel", "DEFAULT_TAIL_DF", "DEFAULT_INFLATION", "PLAUSIBLE_MARGIN"]

# Used when the history has too few out-of-sample errors for a tail fit of its own: the
# Student-t matched at the 80% and 95% levels to the pooled rolling-origin errors of the
# four national series in ../shared/data (NBS FAI, its secondary-industry and private parts,
# real-estate investment), complete years before 2017: t(4.6) x 0.79, rounded
# (benchmarks/ytd_calibration.py prints it; docs/models.md).
DEFAULT_TAIL_DF = 4.5
DEFAULT_INFLATION = 0.8
MIN_SCALE = 0.002  # 0.2 log points: identical past years must not give a zero-width interval
MIN_SLOPE_POINTS = 8  # pooled (series, year) pairs behind a month's jump regression
MIN_JUMP_SPREAD = 0.01  # floor of that robust sd (log points): a calm decade is no norm
# In a year with an extraordinary jump (at any month published so far), the share of the
# jump that survives to December is taken as uniform over 0..1, for every month of that
# year: centre one half, sd 1/sqrt(12) = 0.29 of the jump.
JUMP_FRACTION_CENTRE = 0.5
JUMP_FRACTION_SD = 0.29
# A full-year centre further than this from every growth figure the year has shown so far
# (its year-to-date growths and last year's full-year growth) is flagged, never clipped.
PLAUSIBLE_MARGIN = 0.10


class YearToDateModel:
    """Full-year growth from year-to-date growth, with calibrated heavy tails.

    Parameters
    ----------
    window : int
        Most recent ordinary years behind each location, spread and jump regression.
    min_years : int
        Ordinary years needed before a rolling origin (or a series) gets its own estimates.
    shrink : float
        Pseudo-years of the pooled value in each series' location and spread.
    exceptional : iterable of int, or mapping of series id to iterable of int
        Declared exceptional years (all series, or per series). Left out of locations,
        spreads and slopes; their errors still shape the tails.
    detect_z : float or None
        Median absolute standardised surprise over a year's months beyond which the year is
        detected as exceptional (None: no detection).
    min_tail_errors : int
        Out-of-sample errors needed to fit the tails from the history itself.
    extraordinary_z : float
        A jump further than this many robust sds from its usual value at that month is
        extraordinary: the year (a shock, or the year after one) is left out of slope,
        location and spread, and forecast with half the jump reverting, give or take.
    jump : bool
        Use the jump regression (False: location and spread only).
    drift : float
        Share of the usual drift a_i(m) applied (1: all of it; 0: none, as the carry rule).
        Measured on the national series 2004-2016 (docs/models.md): 0.5 sharpens calm
        years (Brier 0.164 against 0.169) but loses coverage after a shock (61-68 % in two
        of the three stress years) and leaves one reliability bin 0.17 off; 1 is kept.

    Attributes
    ----------
    ids_ : tuple of str
    last_year_ : int
        Last complete year of the history (the fit predicts ``last_year_ + 1``).
    slope_ : ndarray (10,)
        b(m) for months 2..11.
    location_, scale_ : ndarray (n_series, 10)
        a_i(m) and sigma_i(m) (before the inflation ``inflation_``).
    tail_df_, inflation_ : float
        nu and kappa.
    annual_scale_ : ndarray (n_series,)
        Spread of year-on-year changes of full-year growth (forecasts before any release).
    exceptional_ : dict
        Series id -> sorted years left out (declared or detected).
    scope_breaks_ : dict
        Series id -> years whose December does not continue January-November.
    errors_ : pandas.DataFrame
        The rolling-origin errors: ``unique_id``, ``year``, ``month``, ``error`` (log
        points), ``z`` (standardised by the spread known at the time).
    shares_ : ndarray (n_series, 11)
        Median seasonal share C(m) / C(12) over the window where levels exist (NaN else).
    """

    def __init__(self, window: int = 10, min_years: int = 4, shrink: float = 3.0,
                 exceptional: Iterable[int] | Mapping[str, Iterable[int]] = (),
                 detect_z: float | None = 4.0, extraordinary_z: float = 4.0,
                 min_tail_errors: int = 60, jump: bool = True, drift: float = 1.0):
        self.window = window
        self.min_years = min_years
        self.shrink = shrink
        self.exceptional = exceptional
        self.detect_z = detect_z
        self.extraordinary_z = extraordinary_z
        self.min_tail_errors = min_tail_errors
        self.jump = jump
        self.drift = drift

    # ------------------------------------------------------------------ params
    def get_params(self) -> dict:
        return {"window": self.window, "min_years": self.min_years, "shrink": self.shrink,
                "exceptional": self.exceptional, "detect_z": self.detect_z,
                "extraordinary_z": self.extraordinary_z,
                "min_tail_errors": self.min_tail_errors, "jump": self.jump,
                "drift": self.drift}

    def _check_params(self) -> None:
        if int(self.window) < 2 or int(self.min_years) < 2:
            raise UserError("window and min_years must be at least 2")
        if self.detect_z is not None and not float(self.detect_z) > 0:
            raise UserError(f"detect_z must be positive or None, got {self.detect_z!r}")

    def _declared(self, ids, years) -> np.ndarray:
        out = np.zeros((len(ids), len(years)), dtype=bool)
        spec = self.exceptional
        if isinstance(spec, Mapping):
            per = {str(k): {int(y) for y in v} for k, v in spec.items()}
        else:
            per = {u: {int(y) for y in spec} for u in ids}
        for i, u in enumerate(ids):
            out[i] = np.isin(years, sorted(per.get(u, ())))
        return out

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, *, before: int | None = None) -> YearToDateModel:
        """Estimate from the complete years of a year-to-date frame.

        Parameters
        ----------
        df : pandas.DataFrame
            ``unique_id``, ``ds``, ``cum_growth`` (fraction), optional ``cum_value``.
        before : int, optional
            Use only years before this one (the target year); default: every complete year.

        Returns
        -------
        self
        """
        self._check_params()
        d = check_ytd_frame(df)
        if before is not None:
            d = d[d["year"] < int(before)]
        complete = d[d["month"] == 12]
        if complete.empty:
            raise UserError("no complete year (no December) in the history: nothing to "
                            "learn the year-to-date surprises from")
        last = int(complete["year"].max()) if before is None else int(before) - 1
        d = d[d["year"] <= last]
        tab = ytd_table(d, np.arange(int(d["year"].min()), last + 1))
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            self._fit_table(tab)
        return self

    def _fit_table(self, tab: YtdTable) -> None:
        n_s, n_y = len(tab.ids), len(tab.years)
        x = tab.growth[:, :, :-1]  # (s, y, 10) months 2..11
        y = tab.full_year  # (s, y)
        d = y[:, :, None] - x
        y_prev = np.concatenate([np.full((n_s, 1), np.nan), y[:, :-1]], axis=1)
        # Last year's full-year growth of another scope (a break) is no base for a jump.
        prev_break = np.concatenate([np.zeros((n_s, 1), bool), tab.scope_break[:, :-1]], axis=1)
        y_prev = np.where(prev_break, np.nan, y_prev)
        jmp = x - y_prev[:, :, None]
        broken = tab.scope_break | ~np.isfinite(y)
        left_out = self._declared(tab.ids, tab.years) | broken
        detected = np.zeros_like(left_out)
        z = np.full(d.shape, np.nan)
        err = np.full(d.shape, np.nan)
        for k in range(n_y):
            core = self._core(d, jmp, left_out | detected, broken, k)
            if core is None:
                continue
            loc, scale, slope, n_used, j_centre, j_spread = core
            jk = np.where(np.isfinite(jmp[:, k]), jmp[:, k], 0.0)
            # Extraordinary as soon as any month so far had an extraordinary jump.
            flag = np.logical_or.accumulate(
                self._jump_excess(jk, j_centre[None, :], j_spread[None, :]) > 0, axis=1)
            pred, scale = _surprise(self.drift * loc, scale, slope[None, :], jk, j_centre[None, :], flag)
            if self.detect_z is not None:
                detected[:, k] |= flag[:, -1]
            e = d[:, k] - pred
            ok = (n_used >= self.min_years) & ~broken[:, k, None]
            err[:, k] = np.where(ok, e, np.nan)
            z[:, k] = np.where(ok, e / scale, np.nan)
            if self.detect_z is not None:
                med = np.nanmedian(np.abs(z[:, k]), axis=1)
                detected[:, k] |= np.isfinite(med) & (med > float(self.detect_z))
        final = self._core(d, jmp, left_out | detected, broken, n_y)
        if final is None:
            loc = np.zeros((n_s, 10))
            scale = np.full((n_s, 10), np.nan)
            slope = np.zeros(10)
            j_centre, j_spread = np.zeros(10), np.full(10, np.inf)
        else:
            loc, scale, slope, _, j_centre, j_spread = final
        self.jump_centre_, self.jump_spread_ = j_centre, j_spread
        self.ids_ = tab.ids
        self.years_ = tab.years
        self.last_year_ = int(tab.years[-1])
        self.location_, self.scale_, self.slope_ = loc, scale, slope
        self.last_full_year_ = np.where(tab.scope_break[:, -1], np.nan, y[:, -1])
        declared = self._declared(tab.ids, tab.years)
        self.exceptional_ = {u: [int(v) for v in tab.years[(declared | detected)[i]]]
                             for i, u in enumerate(tab.ids)}
        self.detected_ = {u: [int(v) for v in tab.years[detected[i]]] for i, u in enumerate(tab.ids)}
        self.scope_breaks_ = {u: [int(v) for v in tab.years[tab.scope_break[i]]]
                              for i, u in enumerate(tab.ids)}
        s_i, y_i, m_i = np.nonzero(np.isfinite(z))
        self.errors_ = pd.DataFrame({
            "unique_id": np.asarray(tab.ids, dtype=object)[s_i] if len(s_i) else [],
            "year": tab.years[y_i], "month": m_i + 2, "error": err[s_i, y_i, m_i],
            "z": z[s_i, y_i, m_i],
            "exceptional": (declared | detected)[s_i, y_i]})
        zs = z[np.isfinite(z) & ~declared[:, :, None]]
        self.n_tail_errors_ = int(zs.size)
        if zs.size >= int(self.min_tail_errors):
            self.shock_quantiles_ = smoothed_quantiles(zs - np.median(zs))
            self.tail_df_, self.inflation_ = fit_t_at_80_95(zs)
            self.tail_source_ = "fitted"
        else:
            from scipy import stats

            self.tail_df_, self.inflation_ = DEFAULT_TAIL_DF, DEFAULT_INFLATION
            self.shock_quantiles_ = DEFAULT_INFLATION * stats.t.ppf(PROBS, DEFAULT_TAIL_DF)
            self.tail_source_ = "default"
        # Before any release of the year: last year's growth, spread of yearly changes.
        dy = np.diff(np.where(left_out | detected, np.nan, y), axis=1)
        self.annual_scale_ = np.array([mad_scale(row[np.isfinite(row)][-self.window:], 0.05)
                                       for row in dy])
        with np.errstate(invalid="ignore", divide="ignore"):
            share = tab.level / tab.level[:, :, -1:]
        self.shares_ = np.nanmedian(share[:, -self.window:], axis=1) if n_y else share[:, 0]

    def _core(self, d, jmp, left_out, broken, k):
        """Estimates from the ordinary years before index ``k`` (None if there are none).

        Returns ``(loc, scale, slope, n_used, jump_centre, jump_spread)``; the last two
        describe the ordinary range of the jump at each month, measured robustly over the
        window's years *including* exceptional ones (so flagging a year never narrows the
        range and flags the next: no cascade).
        """
        n_s = d.shape[0]
        usable = ~left_out[:, :k] & np.isfinite(d[:, :k]).any(axis=2)
        # The window: each series' last `window` ordinary years before k.
        mask = np.zeros((n_s, k), dtype=bool)
        for i in range(n_s):
            mask[i, np.nonzero(usable[i])[0][-int(self.window):]] = True
        if not mask.any():
            return None
        n_used = np.zeros((n_s, 10), dtype=int)
        loc = np.zeros((n_s, 10))
        scale = np.zeros((n_s, 10))
        slope = np.zeros(10)
        jump_centre = np.zeros(10)
        jump_spread = np.full(10, np.inf)
        dw = np.where(mask[:, :, None], d[:, :k], np.nan)
        jw = np.where(mask[:, :, None], jmp[:, :k], np.nan)
        recent = np.zeros((n_s, k), dtype=bool)
        recent[:, max(k - int(self.window), 0):] = True
        j_all = np.where((recent & ~broken[:, :k])[:, :, None], jmp[:, :k], np.nan)
        for j in range(10):
            jj = jw[:, :, j]
            seen = j_all[:, :, j][np.isfinite(j_all[:, :, j])]
            if seen.size >= MIN_SLOPE_POINTS:
                jump_centre[j] = float(np.median(seen))
                jump_spread[j] = max(mad_scale(seen, np.inf), MIN_JUMP_SPREAD)
            ordinary = ~(np.abs(jj - jump_centre[j]) > self.extraordinary_z * jump_spread[j])
            # The slope from ordinary jumps of this month and its neighbours (one shock
            # year's leverage must not set the reversion of every normal year).
            near = slice(max(j - 1, 0), min(j + 2, 10))
            dn, jn = dw[:, :, near], jw[:, :, near]
            cn = np.abs(jn - jump_centre[near]) <= self.extraordinary_z * jump_spread[near]
            pair = np.isfinite(dn) & np.isfinite(jn) & cn
            if self.jump and pair.sum() >= MIN_SLOPE_POINTS and np.std(jn[pair]) > 0:
                slope[j] = jump_slope(dn[pair], jn[pair])
            resid = np.where(ordinary, dw[:, :, j] - slope[j] * np.where(np.isfinite(jj), jj, 0.0),
                             np.nan)
            pooled_loc = float(np.nanmedian(resid)) if np.isfinite(resid).any() else 0.0
            centred = []
            for i in range(n_s):
                r = resid[i][np.isfinite(resid[i])]
                n = r.size
                own = huber_location(r) if n >= 3 else (float(np.median(r)) if n else pooled_loc)
                loc[i, j] = (n * own + self.shrink * pooled_loc) / (n + self.shrink)
                n_used[i, j] = n
                centred.append(r - loc[i, j])
            pooled_sd = mad_scale(np.concatenate(centred), MIN_SCALE)
            for i in range(n_s):
                r = centred[i]
                own_var = mad_scale(r, pooled_sd) ** 2 if r.size >= 3 else pooled_sd ** 2
                dof = max(r.size - 1, 0)
                scale[i, j] = np.sqrt((dof * own_var + self.shrink * pooled_sd ** 2)
                                      / (dof + self.shrink))
        # Uncertainty never grows as the year goes on: envelope from month 11 backwards.
        scale = np.maximum.accumulate(np.maximum(scale, MIN_SCALE)[:, ::-1], axis=1)[:, ::-1]
        return loc, scale, slope, n_used, jump_centre, jump_spread

    def _jump_excess(self, jump, centre, spread):
        """How far a jump lies beyond its ordinary range (0 inside it)."""
        with np.errstate(invalid="ignore"):
            out = np.abs(jump - centre) - float(self.extraordinary_z) * spread
        return np.where(np.isfinite(out) & (out > 0), out, 0.0)

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "slope_"):
            raise NotFittedError("this YearToDateModel is not fitted yet: call fit() first")

    def predict(self, df: pd.DataFrame, as_of=None) -> pd.DataFrame:
        """The predictive distribution of full-year growth for the year after the history.

        Parameters
        ----------
        df : pandas.DataFrame
            Year-to-date frame holding the target year's published months (other years are
            ignored). Series the model was not fitted on get the pooled estimates.
        as_of : str or Timestamp, optional
            Only rows with ``ds`` on or before its month end are used.

        Returns
        -------
        pandas.DataFrame
            One row per series: ``unique_id``, ``year``, ``month`` (latest published month,
            0 if none yet), ``ytd_growth``, ``last_growth``, ``jump``, ``loc`` and ``scale``
            (of log(1 + full-year growth); scale includes the inflation), ``df`` (Student-t
            degrees of freedom), ``median`` (full-year growth), ``warning`` ("" or why the
            centre is implausible).
        """
        from ..data.asof import as_of_month_end

        self._check_fitted()
        d = check_ytd_frame(df)
        if as_of is not None:
            d = d[d["ds"] <= as_of_month_end(as_of)]
        target = self.last_year_ + 1
        ids = list(dict.fromkeys(list(self.ids_) + pd.unique(d["unique_id"]).tolist()))
        this = d[d["year"] == target]
        rows = []
        for uid in ids:
            rows.append(self._predict_one(uid, this[this["unique_id"] == uid], target))
        return pd.DataFrame(rows)

    def _predict_one(self, uid, rows: pd.DataFrame, target: int) -> dict:
        known = uid in self.ids_
        i = self.ids_.index(uid) if known else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pooled_loc = np.nanmedian(self.location_, axis=0)
            pooled_scale = np.nanmedian(self.scale_, axis=0)
            pooled_annual = float(np.nanmedian(self.annual_scale_))
        last = float(self.last_full_year_[i]) if known else np.nan
        rows = rows.dropna(subset=["cum_growth"]).sort_values("month")
        month = int(rows["month"].iloc[-1]) if len(rows) else 0
        out = {"unique_id": uid, "year": target, "month": month, "ytd_growth": np.nan,
               "last_growth": float(np.expm1(last)), "jump": np.nan, "extraordinary": False,
               "warning": ""}
        nu = self.tail_df_
        if month == 12:
            x = float(np.log1p(rows["cum_growth"].iloc[-1]))
            out.update(ytd_growth=float(np.expm1(x)), loc=x, scale=0.0, df=nu)
        elif month == 0:
            if not np.isfinite(last):
                raise UserError(f"series '{uid}': no data for {target} yet and no full-year "
                                f"growth for {target - 1} to start from")
            spread = self.annual_scale_[i] if known else pooled_annual
            out.update(loc=last, scale=float(spread), df=nu)
        else:
            j = month - 2
            x = float(np.log1p(rows["cum_growth"].iloc[-1]))
            jump = x - last if np.isfinite(last) else 0.0
            loc = self.location_[i, j] if known else pooled_loc[j]
            scale = self.scale_[i, j] if known else pooled_scale[j]
            if not np.isfinite(scale):
                scale = pooled_scale[j] if np.isfinite(pooled_scale[j]) else 0.05
            # The jumps of every month published so far: one extraordinary month makes the
            # year extraordinary (a 2020, or the 2021 after it).
            seen_m = rows["month"].to_numpy(dtype=int) - 2
            seen_j = np.log1p(rows["cum_growth"].to_numpy(dtype=float)) - last \
                if np.isfinite(last) else np.zeros(len(rows))
            seen_m, seen_j = seen_m[seen_m < 10], seen_j[seen_m < 10]
            flag = bool((self._jump_excess(seen_j, self.jump_centre_[seen_m],
                                           self.jump_spread_[seen_m]) > 0).any())
            d_centre, d_scale = _surprise(self.drift * loc, float(scale), self.slope_[j], jump,
                                          self.jump_centre_[j], flag)
            out.update(ytd_growth=float(np.expm1(x)), jump=jump, loc=x + float(d_centre),
                       scale=float(d_scale), df=nu, extraordinary=flag)
            seen = np.log1p(rows["cum_growth"].to_numpy(dtype=float))
            if np.isfinite(last):
                seen = np.append(seen, last)
            lo, hi = np.expm1(seen.min()) - PLAUSIBLE_MARGIN, np.expm1(seen.max()) + PLAUSIBLE_MARGIN
            centre = float(np.expm1(out["loc"]))
            if not lo <= centre <= hi:
                out["warning"] = (f"centre {centre:+.1%} is outside the growth this "
                                  f"year has shown ({lo + PLAUSIBLE_MARGIN:+.1%} to "
                                  f"{hi - PLAUSIBLE_MARGIN:+.1%}) +-10 points")
        out["median"] = float(np.expm1(out["loc"]))
        return out

    # ------------------------------------------------------------------ distribution
    def quantile(self, pred: pd.DataFrame, q) -> np.ndarray:
        """Quantiles of full-year growth (fractions), ``[series, len(q)]``."""
        self._check_fitted()
        q = np.atleast_1d(np.asarray(q, dtype=float))
        zq = np.interp(q, PROBS, self.shock_quantiles_)
        return np.expm1(pred["loc"].to_numpy(float)[:, None]
                        + pred["scale"].to_numpy(float)[:, None] * zq[None, :])

    def prob_at_least(self, pred: pd.DataFrame, threshold) -> np.ndarray:
        """P(full-year growth >= threshold) per series (threshold a fraction, > -1).

        Never exactly 0 or 1 while the year is open: the distribution's table ends at the
        0.05% and 99.95% quantiles.
        """
        self._check_fitted()
        thr = np.log1p(np.asarray(threshold, dtype=float))
        loc = pred["loc"].to_numpy(float)
        scale = pred["scale"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            zz = (thr - loc) / np.where(scale > 0, scale, np.nan)
        p = 1.0 - np.interp(zz, self.shock_quantiles_, PROBS)
        exact = (loc >= thr - 1e-12).astype(float)
        return np.where(scale > 0, p, exact)

    def sample(self, pred: pd.DataFrame, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of full-year growth, ``[series, n_paths]``."""
        self._check_fitted()
        u = rng.random((len(pred), n_paths))
        z = np.interp(u, PROBS, self.shock_quantiles_)
        return np.expm1(pred["loc"].to_numpy(float)[:, None]
                        + pred["scale"].to_numpy(float)[:, None] * z)


# ---------------------------------------------------------------------- robust pieces

def _surprise(loc, scale, slope, jump, jump_centre, extraordinary):
    """Centre and spread of the surprise d: ordinary years by the fitted slope; in an
    extraordinary year half the jump (beyond its usual value) reverts, give or take
    :data:`JUMP_FRACTION_SD` of it (arrays broadcast)."""
    beyond = jump - jump_centre
    centre = np.where(extraordinary, loc + slope * jump_centre - JUMP_FRACTION_CENTRE * beyond,
                      loc + slope * jump)
    spread = np.where(extraordinary, np.hypot(scale, JUMP_FRACTION_SD * beyond), scale)
    return centre, spread
