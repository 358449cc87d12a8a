"""The draws of the joint Monte-Carlo simulation: correlated monthly paths to the year's end.

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
correlation (``estimate/shrinkage.py``: the intensity optimal for that target), with a
documented fallback (one-factor equicorrelation, ``DEFAULT_RHO``) when fewer than
``MIN_YEARS_FOR_CORR`` years of history exist. Each month still to come gets its own correlated draw, so the
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

import numpy as np
from scipy.special import ndtr

from ..estimate.engine_inputs import MONTHLY_INDICATORS, SimInputs
from ..estimate.robust import PROBS
from ..exceptions import UserError

__all__ = ["simulate_arrays", "FACTOR_MODEL_ABOVE", "N_FACTORS"]

_CHUNK_ELEMENTS = 8_000_000  # float32 draws per chunk of paths (about 32 MB)

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

