"""The simulated outcome of a scope, and the statistics of one row of the assessment table.

:class:`ScopeOutcomes` caches each scope's aggregate paths (sums of cluster paths, path
by path) and answers the two bases of a level target: the comparable basis (last year's
level x (1 + comparable growth)) and the level the city will publish
(:func:`published_cumulative`, :func:`published_basis`). :func:`row_stats` turns one
target's simulated outcome into P(attain), quantiles and the expected shortfall, the
columns :data:`ASSESS_COLUMNS` of :func:`zzforecast.assess.attain.assess` name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..data.schemas import INDICATORS, MONTHLY_INDICATORS
from ..estimate.nowcast import required_growth

__all__ = [
    "QUANTILES",
    "ASSESS_COLUMNS",
    "ScopeOutcomes",
    "published_cumulative",
    "published_basis",
    "probability",
    "row_stats",
    "is_deflated",
]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
ASSESS_COLUMNS = (
    "target_id", "indicator", "scope", "kind", "target", "unit", "comparison", "tolerance",
    "p_attain", "p_attain_within_tolerance", "required_growth", "mean",
    "q05", "q25", "q50", "q75", "q95", "expected_shortfall", "derived", "source",
    "basis", "p_attain_published", "required_growth_published", "published_gap",
)
# Which basis ``p_attain`` / ``required_growth`` of a level target answer (``basis``):
# "comparable": last year's level x (1 + comparable growth) (FAI, revenue, employment);
# "published": the level the city will publish (IAV: its nominal level already carries the
# year's published nominal/real gap, SimInputs.price_gap, so nothing is rescaled).
# Growth targets have no basis (None): growth is published on the comparable basis.


class ScopeOutcomes:
    """The simulation's outcomes by scope: aggregate paths (cached) and both level bases.

    ``observations`` (as published by the simulation's as-of) supply the published
    January–m levels of the published basis; without them only the comparable basis is
    answered.
    """

    def __init__(self, sim, observations: pd.DataFrame | None = None):
        self.sim = sim
        self._totals: dict[str, Any] = {}
        self.observations = observations
        self._published: dict[str, np.ndarray] = {}

    def cum_published(self, indicator: str) -> np.ndarray | None:
        """C_pub(m, t) per cluster (NaN where unknown), or None without observations."""
        if self.observations is None or indicator not in MONTHLY_INDICATORS:
            return None
        if indicator not in self._published:
            self._published[indicator] = published_cumulative(self.sim, self.observations,
                                                              indicator)
        return self._published[indicator]

    def published_level(self, scope: str, indicator: str):
        """Paths of the scope's level on the published basis, and its year-to-date gap.

        Per cluster with a published January–m level, the gap between published and
        comparable-basis levels so far, ``C_pub(m,t) / ((1+g) C(m,t-1))``, is assumed to
        hold for the rest of the year: the cluster's published level is that ratio times
        its comparable-basis level (so January–m is exactly C_pub). Clusters without a
        published level keep their comparable level. Returns (paths, scope gap - 1) or
        None when no cluster of the scope has a published level.
        """
        sim = self.sim
        found = self._published_scope(scope, indicator)
        if found is None:
            return None
        cpub, j, idx, ok = found
        comp_now = (1 + sim.ytd_growth[idx, j]) * sim.cum_last[idx, j]
        pub = cpub[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = pub / comp_now
        has = ok & np.isfinite(ratio) & (ratio > 0)
        if not has.any():
            return None
        factor = np.where(has, ratio, 1.0).astype(np.float64)
        a = sim.annual[:, idx, j].astype(np.float64)
        a = np.where(ok[None], a, 0.0)
        paths = (a * factor[None]).sum(axis=1)
        gap = float(pub[has].sum() / comp_now[has].sum()) - 1
        return paths, gap

    def _published_scope(self, scope: str, indicator: str):
        """(C_pub per cluster, indicator index, the scope's clusters, which have a base)."""
        cpub = self.cum_published(indicator)
        if cpub is None:
            return None
        j = self.sim.indicator_index(indicator)
        idx = self.sim.cluster_index(scope)
        return cpub, j, idx, np.isfinite(self.sim.base[idx, j])

    def published_required(self, scope: str, indicator: str, target: float) -> float | None:
        """[target - C_pub(m,t)] / [A(t-1) - C(m,t-1)] - 1 for the scope (published basis)."""
        sim = self.sim
        found = self._published_scope(scope, indicator)
        if found is None:
            return None
        cpub, j, idx, ok = found
        base = sim.base[idx, j]
        m = sim.ytd_month[idx, j]
        if not ok.any() or not (m[ok] >= 2).any() or (m[ok] >= 12).all():
            return None
        c_last = np.nan_to_num(sim.cum_last[idx, j][ok])
        comp_now = (1 + np.nan_to_num(sim.ytd_growth[idx, j][ok])) * c_last
        pub = cpub[idx][ok]
        now = np.where(np.isfinite(pub), pub, comp_now)
        if not np.isfinite(pub).any():
            return None
        return published_basis(target, now.sum(), base[ok].sum(), c_last.sum())

    def totals(self, scope: str):
        if scope not in self._totals:
            self._totals[scope] = self.sim.total(scope)
        return self._totals[scope]

    def outcome(self, scope: str, indicator: str, kind: str) -> np.ndarray:
        j = self.sim.indicator_index(indicator)
        t = self.totals(scope)
        return t.growth[:, j] if kind == "growth" else t.annual[:, j]

    def scope_required(self, scope: str, indicator: str, growth_target: float) -> float | None:
        """Required growth of the remaining months for a scope, on the comparable basis."""
        sim = self.sim
        j = sim.indicator_index(indicator)
        if indicator not in MONTHLY_INDICATORS:
            return None
        idx = sim.cluster_index(scope)
        base = sim.base[idx, j]
        ok = np.isfinite(base)
        if not ok.any():
            return None
        m = sim.ytd_month[idx, j][ok]
        if not (m >= 2).any() or (m >= 12).all():
            return None
        a = base[ok].sum()
        c_last = sim.cum_last[idx, j][ok]
        c_now = ((1 + sim.ytd_growth[idx, j][ok]) * c_last)
        value = required_growth(growth_target, c_now.sum(), a, c_last.sum())
        value = float(np.asarray(value))
        return value if math.isfinite(value) else None


def is_deflated(indicator: str) -> bool:
    """True for an indicator whose level is nominal and whose growth is real (IAV)."""
    spec = INDICATORS.get(indicator)
    return bool(spec is not None and spec.level_price_basis == "nominal"
                and spec.growth_price_basis == "real")


def published_cumulative(simulation, observations: pd.DataFrame, indicator: str) -> np.ndarray:
    """C_pub(m, t): each cluster's published 1–m月累计 level at its own latest month m.

    ``observations`` should be as published by the simulation's as-of
    (:func:`zzforecast.data.vintages.as_published`). NaN where the cluster has no
    year-to-date month (``ytd_month < 2``) or no published level for it.
    """
    sim = simulation
    j = sim.indicator_index(indicator)
    rows = observations[(observations["indicator"] == indicator)
                        & (observations["measure"] == "level")
                        & (observations["frequency"] == "monthly_ytd")]
    lookup = dict(zip(zip(rows["cluster_id"], rows["period"].astype(str), strict=True),
                      pd.to_numeric(rows["value"], errors="coerce"), strict=True))
    out = np.full(len(sim.cluster_ids), np.nan)
    for c, cid in enumerate(sim.cluster_ids):
        m = int(sim.ytd_month[c, j])
        if m >= 2:
            out[c] = lookup.get((cid, f"{int(sim.year)}-{m:02d}"), np.nan)
    return out


def published_basis(target: float, cum_published, annual_last, cum_last) -> float:
    """Growth the rest of the year must deliver for a level target on the published basis.

    ``[target - C_pub(m, t)] / [A(t-1) - C(m, t-1)] - 1``: the level the city will
    publish is the published January–m level plus the rest of the year, and the rest is
    compared with the same months of last year's published levels.
    """
    rest_last = float(annual_last) - float(cum_last)
    if not math.isfinite(rest_last) or rest_last <= 0:
        return None
    value = (float(target) - float(cum_published)) / rest_last - 1
    return value if math.isfinite(value) else None


def probability(x: np.ndarray, value: float, comparison: str) -> float:
    """Share of the paths ``x`` meeting ``value`` (``<=`` or, by default, ``>=``)."""
    if comparison == "<=":
        return float(np.mean(x <= value))
    return float(np.mean(x >= value))


def row_stats(x: np.ndarray, value: float, comparison: str, tol: float | None) -> dict:
    """P(attain), P(within the tolerance), mean, quantiles and expected shortfall of ``x``.

    Non-finite paths are left out; an empty dict when none is left.
    """
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        x = x[finite]
    if x.size == 0:
        return {}
    p = probability(x, value, comparison)
    p_tol = None
    if tol is not None:
        slack = tol  # in the target's unit (fraction points for growth)
        if comparison == "<=":
            p_tol = float(np.mean(x <= value + slack))
        elif comparison == "==":
            p_tol = float(np.mean(np.abs(x - value) <= slack))
        else:
            p_tol = float(np.mean(x >= value - slack))
    q = np.quantile(x, QUANTILES)
    if comparison == "<=":
        miss = x[x > value] - value
    else:
        miss = value - x[x < value]
    return {
        "p_attain": p, "p_attain_within_tolerance": p_tol, "mean": float(x.mean()),
        **{f"q{int(round(level * 100)):02d}": float(v) for level, v in zip(QUANTILES, q, strict=True)},
        "expected_shortfall": float(miss.mean()) if miss.size else None,
    }

