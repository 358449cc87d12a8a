"""Joint Monte-Carlo simulation of every cluster and indicator through the target year.

As of a data vintage (say 2017-07) each cluster's year is part observed, part unknown.
For an indicator published monthly as year-to-date cumulative values (FAI, IAV), the
full-year growth G splits exactly into the months already published and the months to
come (DESIGN.md section 1)::

    G = s * g + (1 - s) * r

where ``s = C(m, t-1) / A(t-1)`` is the share of last year's total that fell in January to
month m (the cumulative seasonal share), ``g`` the published year-to-date growth and
``r`` the growth of the remaining months over the same months last year. Only ``r`` is
unknown. Its centre is the year-to-date growth plus the cluster's average "surprise"
``r - g`` in past years at the same month, its spread the standard deviation of those
surprises; both are shrunk toward the pooled values of all clusters when a cluster's
history is short. Indicators published only annually (revenue, employment), and clusters
with no year-to-date data, use their annual growth history instead.

Shocks are correlated across clusters and indicators: the correlation of standardised
surprises is estimated from history with Ledoit-Wolf shrinkage toward a constant
correlation (scikit-learn supplies the shrinkage intensity), with a documented fallback
(one-factor equicorrelation, ``DEFAULT_RHO``) when fewer than ``MIN_YEARS_FOR_CORR``
years of history exist. Each month still to come gets its own correlated draw, so the
monthly paths are random walks whose year-end spread is the calibrated one. City and
provincial totals are sums of the jointly simulated cluster paths, path by path.

IAV growth is real; its nominal level is ``base * (1 + real growth) * (1 + P)``. The
year's price change P mixes what the year's data already show and an assumption for the
rest: ``P = s * gap + (1 - s) * D``, with ``gap`` the nominal/real gap of the published
January-m figures (``SimInputs.price_gap``), ``s`` the share of the year they cover, and
``D`` drawn per path from the scenario's deflator (mean, sd); without a measurable gap,
P = D.

The hot loop is numpy only (float32, one vectorised draw per chunk of paths, no per-path
Python loops, no pandas).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtr

from ..data.schemas import CITY_SCOPE, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..data.vintages import as_published, release_lags_of
from ..estimate.engine_inputs import (
    ANNUAL_INDICATORS,
    DEFAULT_RHO,
    MIN_YEARS_FOR_CORR,
    MONTHLY_INDICATORS,
    SimInputs,
    parse_as_of,
    prepare_inputs,
)
from ..estimate.robust import PROBS
from ..exceptions import DataError, UserError
from .scenarios import Scenario, load_scenario

__all__ = [
    "Simulation",
    "SimInputs",
    "Totals",
    "prepare_inputs",
    "simulate",
    "simulate_arrays",
    "parse_as_of",
    "DEFAULT_RHO",
    "MIN_YEARS_FOR_CORR",
    "MONTHLY_INDICATORS",
    "ANNUAL_INDICATORS",
]

_CHUNK_ELEMENTS = 8_000_000  # float32 draws per chunk of paths (about 32 MB)
_FORMAT_VERSION = 2  # 2: the metadata also hold the scenario's assumptions
_READABLE_FORMATS = (1, _FORMAT_VERSION)


# --------------------------------------------------------------------------- engine

@dataclass(frozen=True)
class Totals:
    """Paths of an aggregate: ``annual`` and ``growth`` are (n_paths, n_indicators)."""

    annual: np.ndarray
    growth: np.ndarray
    base: np.ndarray  # (n_indicators,) last year's total of the clusters included


FACTOR_MODEL_ABOVE = 256  # series; above this a factor model replaces the full Cholesky
N_FACTORS = 24  # factors kept by the factor model


def _shock_model(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """How to turn independent normals into correlated shocks.

    Up to :data:`FACTOR_MODEL_ABOVE` series: the exact Cholesky factor (idio is None).
    Above: the top :data:`N_FACTORS` eigenvectors of the correlation as loadings plus an
    idiosyncratic part that keeps every variance at one (the usual statistical factor
    model), so a city of 1,000 clusters costs O(series x factors), not O(series^2).
    """
    n = len(corr)
    if n <= FACTOR_MODEL_ABOVE:
        return _cholesky(corr).astype(np.float32), None
    w, v = np.linalg.eigh((corr + corr.T) / 2)
    top = np.argsort(w)[::-1][:N_FACTORS]
    loadings = v[:, top] * np.sqrt(np.clip(w[top], 0, None))
    resid = np.clip(1 - (loadings**2).sum(axis=1), 0, None)
    return loadings.astype(np.float32), np.sqrt(resid).astype(np.float32)


def _cholesky(corr: np.ndarray) -> np.ndarray:
    corr = (corr + corr.T) / 2
    for jitter in (0.0, 1e-8, 1e-6, 1e-4, 1e-2):
        try:
            return np.linalg.cholesky(corr + jitter * np.eye(len(corr)))
        except np.linalg.LinAlgError:
            continue
    w, v = np.linalg.eigh(corr)  # last resort: clip eigenvalues
    fixed = (v * np.clip(w, 1e-6, None)) @ v.T
    d = np.sqrt(np.diag(fixed))
    return np.linalg.cholesky(fixed / np.outer(d, d))


_W_GRID = np.linspace(-5.0, 5.0, 4001)  # standard normal values tabulated for the copula


def _normal_to_shock(quantiles: np.ndarray) -> np.ndarray:
    """The shock Z as a function of a standard normal w on :data:`_W_GRID` (Z = Q(Phi(w)))."""
    return np.interp(ndtr(_W_GRID), PROBS, quantiles).astype(np.float32)


def _lookup(table: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``table`` (on :data:`_W_GRID`) at ``w``, in float32."""
    step = np.float32(_W_GRID[1] - _W_GRID[0])
    pos = np.clip((w - np.float32(_W_GRID[0])) / step, 0, len(_W_GRID) - 1.001).astype(np.float32)
    i = pos.astype(np.int32)
    frac = pos - i
    return table[i] + frac * (table[i + 1] - table[i])


def simulate_arrays(inputs: SimInputs, n_paths: int = 10_000, seed: int = 0, *,
                    shift: np.ndarray | None = None, volatility: float = 1.0,
                    deflator_mean: float = 0.0, deflator_sd: float = 0.0,
                    keep_monthly: bool = True) -> dict[str, np.ndarray]:
    """Draw joint paths from prepared inputs: the numpy engine behind :func:`simulate`.

    Parameters
    ----------
    inputs : SimInputs
    n_paths : int
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same paths.
    shift : array (n_clusters, n_indicators), optional
        Added to the growth of the months still to come (for annual-model series, scaled
        by the share of the year still to come).
    volatility : float
        Multiplier of every spread.
    deflator_mean, deflator_sd : float
        Price change applied to the nominal level of real-growth indicators (IAV).
    keep_monthly : bool
        Also return the monthly cumulative paths (n_paths x clusters x indicators x 12).

    Returns
    -------
    dict
        ``growth``, ``annual`` (float32, n_paths x n_clusters x n_indicators),
        ``remaining`` (growth of the months to come), ``deflator`` (n_paths,) and,
        when asked, ``monthly``.
    """
    if int(n_paths) < 1:
        raise UserError(f"n_paths must be a positive integer, got {n_paths}")
    n_paths = int(n_paths)
    n_c, n_i = inputs.shape
    n_cols = n_c * n_i
    rng = np.random.default_rng(seed)
    f32 = np.float32
    # Flatten series cluster-major (column = c * n_i + j), so outputs reshape without a
    # copy; the correlation matrix of SimInputs is indicator-major and is permuted here.
    def flat(a):
        return np.ascontiguousarray(np.asarray(a).reshape(-1))

    perm = (np.arange(n_i)[None, :] * n_c + np.arange(n_c)[:, None]).reshape(-1)

    m = flat(inputs.ytd_month).astype(int)
    valid = np.isfinite(flat(inputs.base))
    ytd = (m >= 2) & (m < 12) & valid
    done = (m == 12) & valid
    annual_model = valid & (m < 2)
    m_min = int(m[ytd].min()) if ytd.any() else (inputs.as_of_month if inputs.as_of_month >= 2 else 0)
    m_min = min(m_min, 11)
    n_draw = 12 - m_min
    m_eff = np.where(ytd, m, m_min)  # annual-model series use every draw
    n_rem = (12 - m_eff).astype(f32)
    shift_f = np.zeros(n_cols) if shift is None else flat(shift)
    frac_left = (12 - inputs.as_of_month) / 12.0
    mu = flat(inputs.mu) + np.where(annual_model, shift_f * frac_left, shift_f)
    sigma = flat(inputs.sigma) * float(volatility)
    mu = np.where(valid, mu, 0.0).astype(f32)
    sigma = np.where(valid & ~done, sigma, 0.0).astype(f32)
    s = np.where(ytd | done, flat(inputs.share), 0.0).astype(f32)
    g = np.where(ytd | done, flat(inputs.ytd_growth), 0.0).astype(f32)
    base = np.where(valid, flat(inputs.base), np.nan).astype(f32)
    corr = np.asarray(inputs.corr)[np.ix_(perm, perm)]
    loadings, idio = _shock_model(corr)
    deflated_col = np.tile(np.asarray(inputs.deflated, dtype=bool), n_c)

    growth = np.empty((n_paths, n_cols), dtype=f32)
    remaining = np.empty((n_paths, n_cols), dtype=f32)
    deflator = (deflator_mean + deflator_sd * rng.standard_normal(n_paths, dtype=f32)).astype(f32)
    # The year's price change per series: the published year-to-date gap for the share of
    # the year it covers, the scenario's assumption for the rest.
    gap = flat(inputs.price_gap) if inputs.price_gap is not None else np.full(n_cols, np.nan)
    known_gap = (ytd | done) & np.isfinite(gap)
    gap_part = np.where(known_gap, s * np.where(known_gap, gap, 0), 0).astype(f32)
    rest_share = np.where(known_gap, 1 - s, 1).astype(f32)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, n_draw * n_cols))
    prof = inputs.profile_last.reshape(n_cols, 12).astype(f32)
    obs = inputs.observed.reshape(n_cols, 12).astype(f32)
    c_m_last = np.where(ytd | done, np.take_along_axis(prof, np.clip(m - 1, 0, 11)[:, None], 1)[:, 0], 0)
    c_m_last = c_m_last.astype(f32)
    prof_share = prof / np.where(np.isfinite(base) & (base != 0), base, 1)[:, None]
    offset = (m_eff - m_min).astype(int)  # draws to skip (series with stale data)
    stale = offset > 0
    inv_sqrt = (1 / np.sqrt(n_rem)).astype(f32)
    monthly_ind = (np.tile(np.array([i in MONTHLY_INDICATORS for i in inputs.indicators]), n_c)
                   | (m >= 2))  # an annual-only indicator given year-to-date data
    # Year-to-date series end the year on the within-year model's distribution exactly:
    # the correlated normal year-end draw is mapped through its shock quantiles (a Gaussian
    # copula with the measured marginal), log(1 + G) = g_loc + g_scale * Z.
    g_loc = flat(inputs.g_loc) if inputs.g_loc is not None else np.full(n_cols, np.nan)
    g_scale = flat(inputs.g_scale) * float(volatility) if inputs.g_scale is not None else g_loc
    exact = ytd & np.isfinite(g_loc)
    ind_of_col = np.tile(np.arange(n_i), n_c)
    exact_groups = [(np.where(exact & (ind_of_col == j))[0], _normal_to_shock(inputs.shock_quantiles[j]))
                    for j in range(n_i) if inputs.shock_quantiles is not None]
    exact_groups = [(cols, q) for cols, q in exact_groups if cols.size]
    monthly = None
    groups = []
    if keep_monthly:
        # Published months as published; NaN elsewhere until filled below.
        template = np.where((np.arange(1, 13)[None, :] <= m_eff[:, None]) & monthly_ind[:, None]
                            & valid[:, None], obs, np.nan).astype(f32)
        monthly = np.empty((n_paths, n_cols, 12), dtype=f32)
        monthly[:] = template[None]
        # Year-to-date series grouped by last published month and price basis.
        for mv in np.unique(m[ytd]):
            for defl in (False, True):
                cols = np.where(ytd & (m == mv) & (deflated_col == defl))[0]
                if cols.size:
                    inc = (prof[cols][:, mv:] - c_m_last[cols][:, None]).T  # (12-mv, k)
                    head = ((1 + g[cols]) * c_m_last[cols])  # (k,)
                    groups.append((int(mv), defl, cols, inc, head))
    # One BLAS thread: the correlating matmul is small, so threads only add overhead, and
    # the same seed then gives the same paths whatever the machine's thread count.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, n_paths, chunk):
            stop = min(n_paths, start + chunk)
            p = stop - start
            # Drawn path-major (so chunking never changes the stream), worked month-major.
            z = rng.standard_normal((p, n_draw, n_cols), dtype=f32)
            z = np.ascontiguousarray(z.transpose(1, 0, 2))
            if idio is None:
                z = z @ loadings.T  # Cholesky: correlate across series
            else:  # factor model: common factors plus scaled own shocks
                f = rng.standard_normal((p, n_draw, loadings.shape[1]), dtype=f32)
                z *= idio
                z += np.ascontiguousarray(f.transpose(1, 0, 2)) @ loadings.T
            w = z  # random walk over the months to come (in-place adds beat np.cumsum here)
            for k in range(1, n_draw):
                w[k] += w[k - 1]
            if stale.any():
                pad = np.concatenate([np.zeros_like(w[:1]), w], axis=0)
                w[:, :, stale] -= pad[offset[stale], :, np.where(stale)[0]].T[None]
            w *= inv_sqrt  # variance 1 at year end
            w_end = w[-1].copy()
            r_path = w
            r_path *= sigma
            r_path += mu
            for cols, table in exact_groups:
                z_end = _lookup(table, w_end[:, cols])
                g_end = np.expm1(g_loc[cols] + g_scale[cols] * z_end) + (1 - s[cols]) * shift_f[cols]
                r_path[-1][:, cols] = (g_end - s[cols] * g[cols]) / (1 - s[cols])
            np.maximum(r_path, f32(-0.95), out=r_path)
            r_end = r_path[-1]
            remaining[start:stop] = r_end
            gr = np.where(ytd | done, s * g + (1 - s) * r_end, r_end)
            gr[:, done] = g[done]
            growth[start:stop] = gr
            if monthly is not None:
                # C(k,t) = (1+g) C(m,t-1) + (1+r_k) (C(k,t-1) - C(m,t-1)) for months k > m.
                mon = monthly[start:stop]
                for mv, defl, cols, inc, head in groups:
                    r = r_path[mv - m_min:, :, cols]  # (12-mv, p, k)
                    level = head + (1 + r) * inc[:, None, :]
                    if defl:
                        level *= (1 + gap_part[cols][None, None, :]
                                  + rest_share[cols][None, None, :] * deflator[start:stop][None, :, None])
                    mon[:, cols, mv:] = level.transpose(1, 2, 0)
    price_all = np.where(deflated_col[None, :],
                         1 + gap_part[None, :] + rest_share[None, :] * deflator[:, None], f32(1))
    annual = (base[None, :] * (1 + growth) * price_all).astype(f32)
    if monthly is not None:
        fill = annual_model & monthly_ind  # no year-to-date data: spread by seasonal shares
        if fill.any():
            monthly[:, fill, :] = annual[:, fill, None] * prof_share[fill][None]
        monthly[:, :, 11] = annual
        monthly[:, ~valid, :] = np.nan
    growth[:, ~valid] = np.nan
    remaining[:, ~(ytd | annual_model)] = np.nan

    def unflat(a):
        return a.reshape((a.shape[0], n_c, n_i) + a.shape[2:])

    out = {"growth": unflat(growth), "annual": unflat(annual),
           "remaining": unflat(remaining), "deflator": deflator}
    if monthly is not None:
        out["monthly"] = unflat(monthly)
    return out


# --------------------------------------------------------------------------- Simulation

_ARRAYS = ("annual", "growth", "remaining", "monthly", "deflator", "base", "share",
           "ytd_growth", "ytd_month", "cum_last", "mu", "sigma", "corr", "project_adjustment")


@dataclass
class Simulation:
    """Joint paths of every cluster and indicator for one year, scenario and vintage.

    Attributes
    ----------
    cluster_ids, cluster_levels, indicators : tuple of str
    annual : ndarray (n_paths, n_clusters, n_indicators), float32
        Full-year levels in canonical units (nominal for IAV).
    growth : ndarray, same shape
        Full-year growth on the indicator's growth basis (real for IAV).
    monthly : ndarray (n_paths, n_clusters, n_indicators, 12) or None
        Cumulative year-to-date levels; published months as published, NaN where an
        indicator has no monthly release.
    remaining : ndarray (n_paths, n_clusters, n_indicators)
        Growth of the months still to come over the same months last year.
    deflator : ndarray (n_paths,)
        Price change turning real IAV growth into the nominal level.
    base, share, ytd_growth, ytd_month, cum_last : ndarray (n_clusters, n_indicators)
        Last year's level A(t-1), the seasonal share s, year-to-date growth g, its month
        m and last year's cumulative C(m, t-1).
    scenario : Scenario or None
        The scenario the paths were drawn under, exactly as applied (so an in-memory
        edit travels with the paths); None only for a file saved in format 1, which kept
        just the name. ``scenario_name`` is its name.
    """

    cluster_ids: tuple[str, ...]
    cluster_levels: tuple[str, ...]
    indicators: tuple[str, ...]
    annual: np.ndarray
    growth: np.ndarray
    remaining: np.ndarray
    deflator: np.ndarray
    base: np.ndarray
    share: np.ndarray
    ytd_growth: np.ndarray
    ytd_month: np.ndarray
    cum_last: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    corr: np.ndarray
    monthly: np.ndarray | None = None
    project_adjustment: np.ndarray | None = None
    year: int = 0
    as_of: str = ""
    scenario_name: str = ""
    seed: int = 0
    n_paths: int = 0
    data_digest: str = ""
    params_digest: str = ""
    scenario_digest: str = ""
    version: str = ""
    synthetic: bool = False
    method: dict = field(default_factory=dict)
    # The scenario the paths were drawn under, as applied (an in-memory edit included), so
    # later stages read its assumptions here rather than from the file; None for a file
    # saved before simulations kept their scenario (format 1).
    scenario: Scenario | None = field(default=None, compare=False)
    inputs: SimInputs | None = field(default=None, repr=False, compare=False)  # not saved

    @classmethod
    def from_arrays(cls, inputs: SimInputs, paths: dict, **meta) -> Simulation:
        """Build a Simulation from prepared inputs and :func:`simulate_arrays` output."""
        cum_last = inputs.share * np.where(np.isfinite(inputs.base), inputs.base, 0.0)
        meta.setdefault("year", inputs.year)
        return cls(
            cluster_ids=inputs.cluster_ids, cluster_levels=inputs.cluster_levels,
            indicators=inputs.indicators, annual=paths["annual"], growth=paths["growth"],
            remaining=paths["remaining"], deflator=paths["deflator"], base=inputs.base,
            share=inputs.share, ytd_growth=inputs.ytd_growth, ytd_month=inputs.ytd_month,
            cum_last=cum_last, mu=inputs.mu, sigma=inputs.sigma, corr=inputs.corr,
            monthly=paths.get("monthly"), inputs=inputs, **meta)

    # ---- aggregation
    def cluster_index(self, scope: str) -> np.ndarray:
        """Indices of the clusters in a scope: ``city``, ``provincial``, ``municipal`` or a cluster id.

        Raises
        ------
        UserError
            For an unknown scope.
        """
        levels = np.asarray(self.cluster_levels)
        if scope == CITY_SCOPE:
            return np.arange(len(self.cluster_ids))
        if scope in (PROVINCIAL_SCOPE, MUNICIPAL_SCOPE):
            return np.where(levels == scope)[0]
        if scope in self.cluster_ids:
            return np.array([self.cluster_ids.index(scope)])
        raise UserError(f"unknown scope '{scope}': expected city, provincial, municipal "
                        f"or a cluster id")

    def total(self, scope: str) -> Totals:
        """Aggregate paths of a scope, summing cluster paths path by path.

        Growth of a total is ``sum(base * (1 + growth)) / sum(base) - 1`` over the clusters
        reporting the indicator (so for IAV it stays real), and the level is the sum of
        cluster levels.
        """
        idx = self.cluster_index(scope)
        base = self.base[idx]  # (k, n_i)
        ok = np.isfinite(base)
        b = np.where(ok, base, 0.0)
        total_base = b.sum(axis=0)
        none = total_base == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(none, 0.0, b / np.where(none, 1.0, total_base))
        g = self.growth[:, idx, :]
        a = self.annual[:, idx, :]
        if not ok.all():
            g = np.where(ok[None], g, np.float32(0))
            a = np.where(ok[None], a, np.float32(0))
        # sum_c w_c (1 + G_c) - 1 = sum_c w_c G_c, since the weights add up to 1.
        growth = np.einsum("pcj,cj->pj", g, weight.astype(np.float32)).astype(np.float64)
        annual = a.sum(axis=1, dtype=np.float64)
        growth[:, none] = np.nan
        annual[:, none] = np.nan
        return Totals(annual=annual, growth=growth, base=np.where(none, np.nan, total_base))

    def to_frame(self, indicator: str, measure: str = "growth", *,
                 scopes: list[str] | None = None):
        """Paths as a long frame in the statsforecast shape (``unique_id, ds, sample_id, y``).

        Parameters
        ----------
        indicator : str
        measure : {"growth", "level", "monthly"}
            Full-year growth, full-year level, or the monthly cumulative levels.
        scopes : list of str, optional
            Cluster ids and/or ``city`` / ``provincial`` / ``municipal`` (default: every
            cluster). Aggregates are sums of cluster paths (monthly: of cluster levels).

        Returns
        -------
        pandas.DataFrame
            ``unique_id`` (scope), ``ds`` (the year for annual measures, month ends for
            ``monthly``), ``sample_id`` (0..n_paths-1) and ``y``.
        """
        import pandas as pd

        if measure not in ("growth", "level", "monthly"):
            raise UserError(f"measure must be growth, level or monthly, got {measure!r}")
        j = self.indicator_index(indicator)
        scopes = list(self.cluster_ids) if scopes is None else list(scopes)
        n = self.annual.shape[0]
        frames = []
        for scope in scopes:
            idx = self.cluster_index(scope)
            if measure == "monthly":
                if self.monthly is None:
                    raise UserError("this simulation kept no monthly paths (keep_monthly=False)")
                block = self.monthly[:, idx, j, :].astype(np.float64).sum(axis=1)  # (n, 12)
                ds = pd.date_range(f"{self.year}-01-31", periods=12, freq="ME")
                frames.append(pd.DataFrame({
                    "unique_id": scope, "ds": np.tile(ds, n),
                    "sample_id": np.repeat(np.arange(n), 12), "y": block.reshape(-1)}))
                continue
            if len(idx) == 1 and scope in self.cluster_ids:
                y = (self.growth if measure == "growth" else self.annual)[:, idx[0], j]
            else:
                tot = self.total(scope)
                y = (tot.growth if measure == "growth" else tot.annual)[:, j]
            frames.append(pd.DataFrame({"unique_id": scope, "ds": self.year,
                                        "sample_id": np.arange(n), "y": np.asarray(y, float)}))
        return pd.concat(frames, ignore_index=True)

    def indicator_index(self, indicator: str) -> int:
        if indicator not in self.indicators:
            raise UserError(f"indicator '{indicator}' was not simulated; simulated: "
                            f"{', '.join(self.indicators)}")
        return self.indicators.index(indicator)

    # ---- persistence
    def metadata(self) -> dict[str, Any]:
        return {
            "format_version": _FORMAT_VERSION,
            "cluster_ids": list(self.cluster_ids), "cluster_levels": list(self.cluster_levels),
            "indicators": list(self.indicators), "year": self.year, "as_of": self.as_of,
            "scenario": self.scenario_name,
            "scenario_assumptions": None if self.scenario is None else asdict(self.scenario),
            "seed": self.seed, "n_paths": self.n_paths,
            "data_digest": self.data_digest, "params_digest": self.params_digest,
            "scenario_digest": self.scenario_digest, "version": self.version,
            "synthetic": self.synthetic, "method": self.method,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the simulation to ``path`` (.npz) and ``path`` + ``.json``, atomically.

        Each file is written to a temporary file in the same folder and renamed, so a
        reader sees the old or the new version, never half a file.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {k: getattr(self, k) for k in _ARRAYS if getattr(self, k) is not None}
        meta = json.dumps(self.metadata(), ensure_ascii=False, indent=2, sort_keys=True)
        _atomic_write(path, lambda f: np.savez_compressed(f, **arrays))
        _atomic_write(Path(str(path) + ".json"), lambda f: f.write(meta.encode("utf-8")))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Simulation:
        """Read a simulation written by :meth:`save`.

        Raises
        ------
        DataError
            When the files are missing or not a zzforecast simulation.
        """
        path = Path(path)
        meta_path = Path(str(path) + ".json")
        if not path.is_file() or not meta_path.is_file():
            raise DataError(f"{path}: simulation file (and its .json metadata) not found")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable zzforecast simulation ({exc})") from None
        if meta.get("format_version") not in _READABLE_FORMATS:
            raise DataError(f"{path}: simulation format {meta.get('format_version')!r}, "
                            f"expected one of {', '.join(map(str, _READABLE_FORMATS))}")
        meta.pop("format_version")
        # On disk "scenario" is the name (as in format 1); the assumptions sit beside it.
        meta["scenario_name"] = meta.pop("scenario", "")
        assumptions = meta.pop("scenario_assumptions", None)
        known_meta = set(cls.__dataclass_fields__) - set(_ARRAYS) - {"inputs", "scenario"}
        required = {"annual", "growth", "remaining", "deflator", "base", "share",
                    "ytd_growth", "ytd_month", "cum_last", "mu", "sigma", "corr"}
        problems = sorted(required - set(arrays)) + sorted(set(arrays) - set(_ARRAYS))
        problems += sorted(set(meta) - known_meta)
        if problems:
            raise DataError(f"{path}: not a zzforecast simulation (unexpected or missing: "
                            f"{', '.join(problems)})")
        try:
            meta["cluster_ids"] = tuple(str(c) for c in meta["cluster_ids"])
            meta["cluster_levels"] = tuple(str(c) for c in meta["cluster_levels"])
            meta["indicators"] = tuple(str(i) for i in meta["indicators"])
            shape = (int(meta["n_paths"]), len(meta["cluster_ids"]), len(meta["indicators"]))
            scenario = None if assumptions is None else Scenario(**assumptions)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{path}: simulation metadata is incomplete ({exc})") from None
        for name in ("annual", "growth", "remaining"):
            if arrays[name].shape != shape:
                raise DataError(f"{path}: array '{name}' has shape {arrays[name].shape}, "
                                f"metadata says {shape}")
        return cls(**arrays, **meta, scenario=scenario)


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- entry point

def _scenario_shift(scenario, inputs: SimInputs) -> np.ndarray:
    n_c, n_i = inputs.shape
    shift = np.zeros((n_c, n_i))
    shifts = getattr(scenario, "growth_shift", {}) or {}
    levels = np.asarray(inputs.cluster_levels)
    for j, ind in enumerate(inputs.indicators):
        by_scope = shifts.get(ind, {}) or {}
        shift[:, j] += float(by_scope.get(CITY_SCOPE, 0.0))
        for scope in (PROVINCIAL_SCOPE, MUNICIPAL_SCOPE):
            shift[levels == scope, j] += float(by_scope.get(scope, 0.0))
        for c, cid in enumerate(inputs.cluster_ids):
            shift[c, j] += float(by_scope.get(cid, 0.0))
    return shift


def simulate(bundle, year: int, as_of: str, scenario="baseline", n_paths: int = 10_000,
             seed: int = 0, *, clusters: list[str] | None = None,
             keep_monthly: bool = True, inputs: SimInputs | None = None) -> Simulation:
    """Simulate every cluster and indicator of ``year`` jointly, as of a data vintage.

    Parameters
    ----------
    bundle : zzforecast.data.loaders.Bundle
        Loaded data and parameters (``clusters``, ``observations``, ``projects``,
        ``params_dir``, digests, ``synthetic``).
    year : int
        Target year.
    as_of : str
        Vintage ``YYYY-MM`` inside ``year``: data published through that month are used.
    scenario : str or Scenario
        Scenario name (read from ``<params_dir>/scenarios/<name>.yaml``) or object.
    n_paths : int
        Number of joint paths.
    seed : int
        Seed of the random generator; the same seed gives identical paths.
    clusters : list of str, optional
        Restrict to these cluster ids (totals then cover only them).
    keep_monthly : bool
        Keep the monthly cumulative paths (memory: n_paths x clusters x indicators x 12).
    inputs : SimInputs, optional
        Inputs prepared earlier by :func:`prepare_inputs` for the same bundle, year,
        vintage and clusters (e.g. ``simulation.inputs`` of a previous run); skips the
        estimation, so re-running under many scenarios (sliders) is fast, and the check
        that the vintage has data (a vintage with no new figure yet is then deliberate,
        as in :func:`zzforecast.assess.track.track`'s calendar step).

    Returns
    -------
    Simulation

    Raises
    ------
    UserError
        For bad arguments (unknown cluster, as-of outside the year or after the data,
        non-positive n_paths) and bad scenario files (``ParamsError``).
    """
    from .. import __version__
    from .projects import project_adjustment

    if isinstance(n_paths, bool) or int(n_paths) != n_paths or int(n_paths) < 1:
        raise UserError(f"n_paths must be a positive integer, got {n_paths!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(scenario, Scenario):
        scen = scenario
    else:
        scen = load_scenario(getattr(bundle, "params_dir", "params"), str(scenario))
    as_year, as_month = parse_as_of(as_of)
    as_of = f"{as_year:04d}-{as_month:02d}"
    registry = bundle.clusters
    if clusters:
        unknown = [c for c in clusters if c not in set(registry["cluster_id"])]
        if unknown:
            raise UserError(f"unknown cluster id(s): {', '.join(unknown)}; known: "
                            f"{', '.join(registry['cluster_id'])}")
        registry = registry[registry["cluster_id"].isin(clusters)]
    # only what was published by the as-of's publication date (data/vintages.py): rows
    # vintaged later, and revisions published later, change nothing
    raw = bundle.observations
    lags = release_lags_of(bundle)
    obs = as_published(raw, as_of, lags)
    if inputs is None:
        _check_as_of_vs_data(obs, year, as_year, as_month, raw=raw, lags=lags)
        source = next((str(f) for f in getattr(bundle, "files", ())
                       if Path(f).stem == "observations"), "observations")
        inputs = prepare_inputs(registry, obs, year, as_of, source=source)
    elif (inputs.year != int(year) or inputs.as_of_month != as_month
          or tuple(inputs.cluster_ids) != tuple(registry["cluster_id"])):
        raise UserError("inputs were prepared for another year, vintage or set of clusters")
    paths = simulate_arrays(
        inputs, n_paths=n_paths, seed=seed, shift=_scenario_shift(scen, inputs),
        volatility=scen.volatility_multiplier, deflator_mean=scen.deflator_mean,
        deflator_sd=scen.deflator_sd, keep_monthly=keep_monthly)
    adj = None
    projects = getattr(bundle, "projects", None)
    if "fai" in inputs.indicators and projects is not None and len(projects):
        # Projects move FAI by their deviation from the baseline file's assumptions (by
        # content, not name: a baseline edited in a notebook must still have an effect).
        try:
            reference = load_scenario(getattr(bundle, "params_dir", "params"), "baseline")
        except UserError:
            reference = None  # no baseline on disk: the scenario is its own reference
        adj = project_adjustment(projects, inputs.cluster_ids, year, as_month, scen,
                                 n_paths=n_paths, seed=seed, reference=reference)
        if adj is not None:
            _apply_adjustment(paths, inputs, adj)
    return Simulation.from_arrays(
        inputs, paths, project_adjustment=adj, as_of=as_of, scenario=scen,
        scenario_name=scen.name,
        seed=int(seed), n_paths=int(n_paths),
        data_digest=str(getattr(bundle, "data_digest", "")),
        params_digest=str(getattr(bundle, "params_digest", "")),
        scenario_digest=_scenario_digest(scen), version=__version__,
        synthetic=bool(getattr(bundle, "synthetic", False)),
        method={"correlation": inputs.corr_method,
                "deflator": {"mean": scen.deflator_mean, "sd": scen.deflator_sd,
                             "ytd_gap": _ytd_price_gap(inputs)},
                "volatility_multiplier": scen.volatility_multiplier,
                "projects": "adjusted" if adj is not None else "none",
                "scenario_label": {"zh": scen.label("zh"), "en": scen.label("en")},
                "left_out": list(inputs.notes)},
    )


def _ytd_price_gap(inputs) -> dict | None:
    """The city's year-to-date nominal/real gap of deflated indicators (level-weighted)."""
    if inputs.price_gap is None:
        return None
    out = {}
    for j, ind in enumerate(inputs.indicators):
        if not inputs.deflated[j]:
            continue
        ok = np.isfinite(inputs.price_gap[:, j]) & np.isfinite(inputs.base[:, j])
        if ok.any():
            w = inputs.base[ok, j] * inputs.share[ok, j]
            out[ind] = {"gap": round(float(np.sum(w * inputs.price_gap[ok, j]) / np.sum(w)), 5),
                        "share_of_year": round(float(np.sum(w) / np.sum(inputs.base[ok, j])), 4),
                        "clusters": int(ok.sum())}
    return out or None


def _scenario_digest(scen) -> str:
    """sha256 of the scenario's assumptions (not of its file: edited copies differ)."""
    import hashlib

    fields = {k: v for k, v in vars(scen).items() if k not in ("path", "digest")}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_as_of_vs_data(obs, year: int, as_year: int, as_month: int, *, raw=None,
                         lags=None) -> None:
    if as_year != int(year):
        raise UserError(f"as-of {as_year}-{as_month:02d} is not in the target year {year}")
    monthly = obs[obs["frequency"] == "monthly_ytd"]
    as_of = f"{as_year:04d}-{as_month:02d}"
    if len(monthly):
        latest = max(str(p) for p in monthly["period"])
        if as_of > latest:
            held = None if raw is None else raw[(raw["frequency"] == "monthly_ytd")
                                                & (raw["period"].astype(str) == as_of)]
            if held is not None and len(held) and lags is not None:
                first = str(held["vintage"].astype(str).min())[:10]
                raise UserError(
                    f"as-of {as_of}: its data are published by "
                    f"{lags.as_of_date(as_of).date()} (release lag {lags.monthly_lag()} "
                    f"days, {Path(lags.source).name if lags.source != 'default' else 'default'}"
                    f"), but the rows of {as_of} carry vintage {first} or later, so the "
                    f"latest data published by then is {latest}; use {latest}, or set the "
                    "release lag in params/release_lags.yaml")
            raise UserError(f"as-of {as_of} is after the latest data "
                            f"({latest}); use {latest} or earlier")
    elif raw is not None and len(raw) and lags is not None:
        raise UserError(f"as-of {as_of}: no observation was published by "
                        f"{lags.as_of_date(as_of).date()} (every row's vintage is later)")


def _apply_adjustment(paths: dict, inputs: SimInputs, adj: np.ndarray) -> None:
    """Add project investment deviations (n_paths, n_clusters) to FAI paths in place."""
    j = inputs.indicators.index("fai")
    base = inputs.base[:, j].astype(np.float32)
    ok = np.isfinite(base) & (base > 0)
    adj = np.where(ok[None], adj, 0).astype(np.float32)
    paths["annual"][:, :, j] += adj
    with np.errstate(invalid="ignore", divide="ignore"):
        paths["growth"][:, :, j] += np.where(ok[None], adj / np.where(ok, base, 1)[None], 0)
    if "monthly" in paths:
        m = inputs.as_of_month
        k = np.arange(1, 13)
        ramp = np.clip((k - m) / max(12 - m, 1), 0, 1).astype(np.float32)
        paths["monthly"][:, :, j, :] += adj[:, :, None] * ramp[None, None, :]
