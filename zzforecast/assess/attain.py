"""Target attainability from a joint simulation: probabilities, drivers, star ratings.

Every statistic is computed on the simulated paths of :class:`~zzforecast.simulate.engine.Simulation`
(aggregates are sums of cluster paths, path by path), so the same seed gives the same
numbers to the last digit. The functions return plain pandas frames; :func:`to_json`
turns them into the shape DESIGN.md gives for ``zzforecast attain --format json``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from ..data.plan import STAR_RULES_FILE, plan_folder
from ..data.plan import load_star_rules as _load_star_rules
from ..data.schemas import (
    CITY_SCOPE,
    INDICATORS,
    MONTHLY_INDICATORS,
    MUNICIPAL_SCOPE,
    PROVINCIAL_SCOPE,
)
from ..exceptions import ParamsError, Problem, UserError

__all__ = [
    "assess",
    "joint_attainment",
    "drivers",
    "star_ratings",
    "load_star_rules",
    "required_growth",
    "published_basis",
    "published_cumulative",
    "project_outlook",
    "to_json",
    "QUANTILES",
    "DEFAULT_TOLERANCE",
    "ASSESS_COLUMNS",
]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
UPLIFT_PROBABILITIES = (0.5, 0.8, 0.9)  # chances for which drivers() gives the uplift needed
DEFAULT_TOLERANCE = 0.005  # 0.5 percentage point: what "左右" allows when the plan gives none
_AGG_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)
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


def required_growth(target_growth, cum_now, annual_last, cum_last):
    """Growth the rest of the year must deliver over the same months last year.

    ``[(1 + g*) A(t-1) - C(m, t)] / [A(t-1) - C(m, t-1)] - 1`` (DESIGN.md section 1);
    numpy arrays in, array out. Uses :func:`zzforecast.nowcast.required_growth` when the
    nowcast module provides it.
    """
    try:
        from ..estimate.nowcast import required_growth as _rg
    except ImportError:
        _rg = None
    if _rg is not None:
        return _rg(target_growth, cum_now, annual_last, cum_last)
    g = np.asarray(target_growth, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((1 + g) * np.asarray(annual_last, float) - np.asarray(cum_now, float)) / (
            np.asarray(annual_last, float) - np.asarray(cum_last, float)) - 1


# --------------------------------------------------------------------------- helpers

class _Outcomes:
    """Caches aggregate paths per scope."""

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


def _deflated(indicator: str) -> bool:
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


def _probabilities(x: np.ndarray, value: float, comparison: str) -> float:
    if comparison == "<=":
        return float(np.mean(x <= value))
    return float(np.mean(x >= value))


def _row_stats(x: np.ndarray, value: float, comparison: str, tol: float | None,
               kind: str) -> dict:
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        x = x[finite]
    if x.size == 0:
        return {}
    p = _probabilities(x, value, comparison)
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


def _growth_equivalent(out: _Outcomes, scope: str, indicator: str, kind: str,
                       value: float) -> float | None:
    """Growth that reaching ``value`` means for the scope (level targets -> growth)."""
    if kind == "growth":
        return float(value)
    sim = out.sim
    j = sim.indicator_index(indicator)
    base = out.totals(scope).base[j]
    if not np.isfinite(base) or base <= 0:
        return None
    deflated = (INDICATORS[indicator].level_price_basis == "nominal"
                and INDICATORS[indicator].growth_price_basis == "real")
    price = 1 + float(np.mean(sim.deflator)) if deflated else 1.0
    return float(value) / (base * price) - 1


def _check_plan_year(sim, bundle) -> None:
    """A simulation of one year is assessed against that year's plan only."""
    year = getattr(bundle, "year", None)
    if year is not None and sim.year is not None and int(year) != int(sim.year):
        raise UserError(f"the bundle holds the plan of {year}, the simulation is of {sim.year}: "
                        f"load the {sim.year} plan (load_bundle(..., year={sim.year}))")


def _target_rows(sim, bundle, tolerance: float):
    """(target_id, indicator, scope, kind, value, unit, comparison, tol, derived, source)."""
    _check_plan_year(sim, bundle)
    rows, skipped = [], []
    for t in getattr(bundle, "targets", []) or []:
        reason = None
        if t.indicator not in sim.indicators:
            reason = ("no data on this indicator: the simulation covers "
                      + ", ".join(sim.indicators))
        elif t.kind not in ("growth", "level"):
            reason = f"kind '{t.kind}' is not a simulated quantity"
        elif t.scope not in _AGG_SCOPES and t.scope not in sim.cluster_ids:
            reason = f"scope '{t.scope}' is not simulated"
        if reason:
            skipped.append({"target_id": t.id, "indicator": t.indicator, "scope": t.scope,
                            "reason": reason})
            continue
        tol = t.tolerance
        if tol is None and "左右" in (t.quote or ""):
            tol = tolerance if t.kind == "growth" else None
        rows.append((t.id, t.indicator, t.scope, t.kind, float(t.value), t.unit, t.comparison,
                     tol, bool(getattr(t, "derived", False)), "plan"))
    try:
        from ..data.targets import cluster_growth_targets

        table = cluster_growth_targets(bundle, sim.year)
    except Exception:  # noqa: BLE001 - fall back to the bundle's own table
        table = getattr(bundle, "cluster_targets", None)
    if table is not None and len(table):
        if "year" in table.columns:
            table = table[pd.to_numeric(table["year"], errors="coerce").fillna(sim.year) == sim.year]
        for rec in table.itertuples(index=False):
            if rec.cluster_id not in sim.cluster_ids or rec.indicator not in sim.indicators:
                continue
            if rec.kind not in ("growth", "level"):
                continue
            rows.append((f"{rec.cluster_id}_{rec.indicator}_{rec.kind}", rec.indicator,
                         rec.cluster_id, rec.kind, float(rec.value), rec.unit, ">=", None,
                         bool(rec.derived), "cluster_targets"))
    return rows, skipped


# --------------------------------------------------------------------------- assess

def assess(simulation, bundle, *, tolerance: float = DEFAULT_TOLERANCE,
           clusters: bool = True, derived: bool = False) -> pd.DataFrame:
    """Assess every registered target the simulation can speak to.

    Parameters
    ----------
    simulation : Simulation
    bundle : Bundle
        Supplies ``targets`` (the plan registry) and per-cluster targets.
    tolerance : float
        Tolerance for "左右" targets whose registry entry gives none (fraction points).
    clusters : bool
        Include per-cluster targets.
    derived : bool
        Also assess per-cluster targets marked ``derived=true`` (arithmetic placeholders
        until the plan's annexes are entered), tagged ``derived``. Off by default: a
        derived value is not a goal, so it gets no row; ``frame.attrs
        ["no_official_target"]`` lists each such zone and indicator instead, with the
        derived value (tagged), its source and the outlook of the zone (mean, q05, q50,
        q95 of the simulated outcome), to be shown as "无正式目标（方案附件未录入）".

    Returns
    -------
    pandas.DataFrame
        One row per target and scope, columns :data:`ASSESS_COLUMNS`:
        ``p_attain`` = P(outcome meets the target), ``p_attain_within_tolerance`` (NaN
        where the plan is exact), ``required_growth`` (growth the remaining months must
        deliver over the same months last year; NaN where not applicable),
        ``q05..q95`` and ``mean`` of the outcome (growth as a fraction or level in the
        target's unit), ``expected_shortfall`` = E[target - outcome | missed].
        ``frame.attrs["not_assessed"]`` lists the registry targets left out and why.
    """
    if tolerance is None or not 0 <= float(tolerance) < 0.5:
        raise UserError(f"tolerance must be a fraction in [0, 0.5), got {tolerance!r}")
    rows, skipped = _target_rows(simulation, bundle, float(tolerance))
    if not clusters:
        rows = [r for r in rows if r[2] in _AGG_SCOPES]
    from ..data.vintages import as_published, release_lags_of

    observations = getattr(bundle, "observations", None)
    if observations is not None and simulation.as_of:
        observations = as_published(observations, simulation.as_of, release_lags_of(bundle))
    out = _Outcomes(simulation, observations)
    records, placeholders = [], []
    keep_derived = derived
    for (tid, ind, scope, kind, value, unit, comp, tol, derived, source) in rows:
        x = out.outcome(scope, ind, kind)
        if derived and source == "cluster_targets" and not keep_derived:
            placeholders.append(_placeholder(tid, ind, scope, kind, value, unit, x))
            continue
        stats = _row_stats(x, value, comp, tol, kind)
        if not stats:
            skipped.append({"target_id": tid, "indicator": ind, "scope": scope,
                            "reason": "no simulated data for this scope"})
            continue
        g_eq = _growth_equivalent(out, scope, ind, kind, value)
        req = out.scope_required(scope, ind, g_eq) if g_eq is not None else None
        both = _published_fields(out, scope, ind, kind, value, comp, stats)
        records.append({"target_id": tid, "indicator": ind, "scope": scope, "kind": kind,
                        "target": value, "unit": unit, "comparison": comp, "tolerance": tol,
                        **stats, "required_growth": req, "derived": derived, "source": source,
                        **both})
    frame = pd.DataFrame.from_records(records, columns=list(ASSESS_COLUMNS))
    for col in ("p_attain_within_tolerance", "required_growth", "expected_shortfall", "tolerance",
                "p_attain_published", "required_growth_published", "published_gap"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame.attrs["not_assessed"] = skipped
    frame.attrs["no_official_target"] = placeholders
    frame.attrs["zone_deflators"] = _zone_deflators(simulation, bundle)
    return frame


def _zone_deflators(simulation, bundle) -> dict:
    """Each simulated zone's price change by industry (data/deflators.csv), if given."""
    from ..data.deflators import zone_deflators

    clusters = getattr(bundle, "clusters", None)
    if clusters is None or simulation.year is None:
        return {}
    found = zone_deflators(getattr(bundle, "deflators", None), clusters, int(simulation.year))
    return {k: v for k, v in found.items() if k in simulation.cluster_ids}


def _published_fields(out: _Outcomes, scope: str, indicator: str, kind: str, value: float,
                      comparison: str, stats: dict) -> dict:
    """Level targets on the published-level basis beside the comparable one (issue 11).

    ``basis`` says which basis ``p_attain`` answers; ``p_attain_published`` is P(the level
    the city will publish reaches the target), ``required_growth_published`` the growth
    the rest of the year must deliver on published levels, ``published_gap`` the
    year-to-date gap C_pub / ((1+g) C(m,t-1)) - 1 carried through the year. IAV: the
    nominal level is already on the published basis (the year's nominal/real gap), so
    ``p_attain_published`` is ``p_attain`` (no double counting).
    """
    empty = {"basis": None, "p_attain_published": None, "required_growth_published": None,
             "published_gap": None}
    if kind != "level":
        return empty
    deflated = _deflated(indicator)
    fields = dict(empty, basis="published" if deflated else "comparable")
    fields["required_growth_published"] = out.published_required(scope, indicator, value)
    if deflated:
        fields["p_attain_published"] = stats.get("p_attain")
        got = out.published_level(scope, indicator)
        fields["published_gap"] = got[1] if got is not None else None
        return fields
    got = out.published_level(scope, indicator)
    if got is None:
        return fields
    paths, gap = got
    paths = paths[np.isfinite(paths)]
    if paths.size:
        fields["p_attain_published"] = _probabilities(paths, value, comparison)
    fields["published_gap"] = gap
    return fields


def _placeholder(tid, indicator, scope, kind, value, unit, x) -> dict:
    """A zone and indicator without an entered target: the tagged derived value, outlook."""
    from ..data.targets import DERIVED_TAG, NO_OFFICIAL_TARGET

    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    q = np.quantile(x, (0.05, 0.5, 0.95)) if x.size else (np.nan,) * 3
    return {"target_id": tid, "indicator": indicator, "scope": scope, "kind": kind,
            "status": "no_official_target", "label_zh": NO_OFFICIAL_TARGET["zh"],
            "label_en": NO_OFFICIAL_TARGET["en"], "derived": True,
            "derived_value": float(value), "derived_tag_zh": DERIVED_TAG["zh"],
            "derived_tag_en": DERIVED_TAG["en"], "unit": unit,
            "mean": float(x.mean()) if x.size else None,
            "q05": float(q[0]), "q50": float(q[1]), "q95": float(q[2])}


def joint_attainment(simulation, bundle, *, indicators=None) -> pd.DataFrame:
    """P(the city and the provincial-subset growth targets are all met on the same path).

    Returns
    -------
    pandas.DataFrame
        ``joint_id, target_ids, p_joint, p_if_independent`` for each indicator with both
        targets, and ``all`` for every such target together. ``p_if_independent`` (the
        product of the single probabilities) shows what ignoring correlation would say.
    """
    targets = [t for t in getattr(bundle, "targets", []) or []
               if t.kind == "growth" and t.scope in (CITY_SCOPE, PROVINCIAL_SCOPE)
               and t.indicator in simulation.indicators
               and (indicators is None or t.indicator in indicators)]
    out = _Outcomes(simulation)
    hits, by_ind = {}, {}
    for t in targets:
        x = out.outcome(t.scope, t.indicator, "growth")
        hits[t.id] = (x <= t.value) if t.comparison == "<=" else (x >= t.value)
        by_ind.setdefault(t.indicator, []).append(t.id)
    rows = []
    groups = [(ind, ids) for ind, ids in by_ind.items() if len(ids) >= 2]
    if len(hits) >= 2 and len(groups) != 1:
        groups.append(("all", list(hits)))
    for name, ids in groups:
        both = np.logical_and.reduce([hits[i] for i in ids])
        rows.append({"joint_id": name, "target_ids": ",".join(ids),
                     "p_joint": float(both.mean()),
                     "p_if_independent": float(np.prod([hits[i].mean() for i in ids]))})
    return pd.DataFrame(rows, columns=["joint_id", "target_ids", "p_joint", "p_if_independent"])


# --------------------------------------------------------------------------- drivers

def drivers(simulation, bundle=None, *, indicator: str = "fai", target: float | None = None,
            scope: str = CITY_SCOPE) -> pd.DataFrame:
    """Each cluster's part in the scope's expected gap, and the growth each would need.

    With weights ``w_c`` = the cluster's share of last year's scope total, the scope's
    expected growth is ``sum(w_c * E[G_c])``, so ``contribution_c = w_c * (E[G_c] - g*)``
    adds up exactly to the expected gap ``E[G] - g*`` (negative = short of target).

    Two rules spread the missing growth over the months still to come:

    - equal uplift: every cluster's remaining-months growth rises by the same ``delta``;
    - proportional: every cluster's remaining-months level rises by the same percentage,
      so larger expected remaining investment carries more of the burden.

    Parameters
    ----------
    simulation : Simulation
    bundle : Bundle, optional
        Supplies the target (``<indicator>`` growth at ``scope``) when ``target`` is None.
    indicator : str
    target : float, optional
        Growth target of the scope (fraction).
    scope : str

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, level, weight, share_done, expected_growth, expected_remaining,
        contribution_to_gap, required_growth_equal, required_remaining_equal,
        required_growth_proportional, required_remaining_proportional``, sorted by
        contribution (most negative first). ``attrs`` carry ``target``, ``expected_growth``
        and ``expected_gap`` of the scope, and ``uplift_for_p50`` / ``p80`` / ``p90``: the
        equal uplift of every cluster's remaining-months growth that would give the scope a
        50 / 80 / 90 % chance of reaching the target (negative: room to spare).
    """
    sim = simulation
    j = sim.indicator_index(indicator)
    if target is None:
        found = [t for t in (getattr(bundle, "targets", []) or [])
                 if t.indicator == indicator and t.scope == scope and t.kind == "growth"]
        if not found:
            raise UserError(f"no growth target for {indicator} at scope '{scope}'; pass target=")
        target = float(found[0].value)
    idx = sim.cluster_index(scope)
    base = sim.base[idx, j]
    ok = np.isfinite(base)
    idx, base = idx[ok], base[ok]
    w = base / base.sum()
    eg = sim.growth[:, idx, j].astype(np.float64).mean(axis=0)
    m = sim.ytd_month[idx, j]
    s = np.where((m >= 2), sim.share[idx, j], 0.0)
    g = np.where((m >= 2), sim.ytd_growth[idx, j], 0.0)
    rem = 1 - s
    with np.errstate(invalid="ignore", divide="ignore"):
        er = np.where(rem > 1e-9, (eg - s * g) / np.where(rem > 1e-9, rem, 1), np.nan)
    expected = float((w * eg).sum())
    gap = expected - target
    need = -gap  # growth the scope still needs in expectation (negative = room to spare)
    denom_eq = float((w * rem).sum())
    delta = need / denom_eq if denom_eq > 0 else np.nan
    denom_prop = float((w * rem * (1 + np.nan_to_num(er))).sum())
    k = need / denom_prop if denom_prop > 0 else np.nan
    frame = pd.DataFrame({
        "cluster_id": np.asarray(sim.cluster_ids)[idx],
        "level": np.asarray(sim.cluster_levels)[idx],
        "weight": w, "share_done": s, "expected_growth": eg, "expected_remaining": er,
        "contribution_to_gap": w * (eg - target),
        "required_growth_equal": eg + rem * delta,
        "required_remaining_equal": er + delta,
        "required_growth_proportional": eg + rem * (1 + er) * k,
        "required_remaining_proportional": (1 + er) * (1 + k) - 1,
    })
    frame = frame.sort_values("contribution_to_gap", kind="stable").reset_index(drop=True)
    # Equal uplift needed for a given chance: adding delta to every cluster's remaining
    # months moves the scope's growth by delta * sum(w * (1 - s)) on every path.
    scope_growth = sim.total(scope).growth[:, j]
    scope_growth = scope_growth[np.isfinite(scope_growth)]
    uplift = {}
    for p in UPLIFT_PROBABILITIES:
        q = float(np.quantile(scope_growth, 1 - p)) if scope_growth.size else np.nan
        uplift[f"uplift_for_p{int(round(100 * p))}"] = (
            (target - q) / denom_eq if denom_eq > 0 else np.nan)
    frame.attrs.update({"indicator": indicator, "scope": scope, "target": float(target),
                        "expected_growth": expected, "expected_gap": gap, **uplift})
    return frame


# --------------------------------------------------------------------------- stars

def load_star_rules(path: str | os.PathLike) -> dict:
    """Read and validate star-rating rules (``stars.yaml`` of a plan, an ASSUMPTION).

    ``path`` is the file or the folder holding it (``params/plans/<year>``); see
    :func:`zzforecast.data.plan.load_star_rules`.

    Returns
    -------
    dict
        ``{"assumption": True, "note_zh": ..., "note_en": ..., "levels": {1: {...}, ...}}``.

    Raises
    ------
    ParamsError
        Naming the file, line and key for unknown keys, wrong types or thresholds that do
        not rise with the star level.
    """
    return _load_star_rules(path)


def _plan_star_rules(bundle, year: int) -> dict:
    """The star rules of the bundle's plan, or a ParamsError saying where they belong."""
    plan = getattr(bundle, "plan", None)
    if plan is not None and plan.star_rules is not None:
        return plan.star_rules
    if plan is not None:
        raise ParamsError(Problem(str(plan.folder / STAR_RULES_FILE), None, None,
                                  "file not found: the plan has no star-rating rules"))
    folder = plan_folder(getattr(bundle, "params_dir", "params"), year)
    return load_star_rules(folder / STAR_RULES_FILE)


def star_ratings(simulation, bundle, *, rules: dict | None = None) -> pd.DataFrame:
    """P(each named cluster reaches the star level the plan asks for).

    A simulated path earns level L when it meets every threshold of L (and, since
    thresholds rise, of the levels below). The rules are an ASSUMPTION kept in the plan's
    ``params/plans/<year>/stars.yaml``: the plan names target levels (its
    ``star_goals.csv``, in ``bundle.clusters["star_target"]``) but gives no rating rules.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, star_target, p_reach_target, expected_stars, p_stars_<k>`` for
        k = 0..6; ``attrs["assumption"]`` is True.
    """
    sim = simulation
    if rules is None:
        rules = _plan_star_rules(bundle, sim.year)
    reg = bundle.clusters
    named = reg[reg["star_target"].notna()] if "star_target" in reg.columns else reg.iloc[:0]
    rows = []
    for rec in named.itertuples(index=False):
        if rec.cluster_id not in sim.cluster_ids:
            continue
        c = sim.cluster_ids.index(rec.cluster_id)
        stars = np.zeros(sim.n_paths or sim.annual.shape[0], dtype=np.int8)
        passes = np.ones_like(stars, dtype=bool)
        for lvl in sorted(rules["levels"]):
            rule = rules["levels"][lvl]
            ok = passes.copy()
            for name, v in rule.items():
                ind = {"revenue_min": "revenue", "iav_growth_min": "iav",
                       "fai_growth_min": "fai"}[name]
                if ind not in sim.indicators:
                    continue
                jj = sim.indicators.index(ind)
                x = sim.annual[:, c, jj] if name == "revenue_min" else sim.growth[:, c, jj]
                ok &= np.nan_to_num(x, nan=-np.inf) >= v
            stars = np.where(ok, lvl, stars).astype(np.int8)
            passes = ok
        row = {"cluster_id": rec.cluster_id, "star_target": int(rec.star_target),
               "p_reach_target": float(np.mean(stars >= int(rec.star_target))),
               "expected_stars": float(stars.mean())}
        for k in range(7):
            row[f"p_stars_{k}"] = float(np.mean(stars == k))
        rows.append(row)
    cols = ["cluster_id", "star_target", "p_reach_target", "expected_stars"] + [
        f"p_stars_{k}" for k in range(7)]
    frame = pd.DataFrame(rows, columns=cols)
    frame.attrs["assumption"] = True
    frame.attrs["rules_digest"] = rules.get("digest", "")
    frame.attrs["rules"] = {int(k): dict(v) for k, v in rules["levels"].items()}
    return frame


# --------------------------------------------------------------------------- projects

def project_outlook(simulation, bundle, *, n_paths: int = 2000) -> pd.DataFrame:
    """Major-project investment still to come this year, by cluster, under the scenario.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, n_projects, planned_after_as_of, expected_after_as_of,
        expected_adjustment`` (亿元): what the plan schedules after the vintage, what the
        scenario's delays and completion rates leave of it, and the mean change this makes
        to the cluster's simulated FAI (relative to the baseline scenario).
    """
    from ..simulate.projects import pipeline_summary
    from ..simulate.scenarios import Scenario, load_scenario

    cols = ["cluster_id", "n_projects", "planned_after_as_of", "expected_after_as_of",
            "expected_adjustment"]
    projects = getattr(bundle, "projects", None)
    if projects is None or not len(projects):
        return pd.DataFrame(columns=cols)
    try:
        scen = load_scenario(getattr(bundle, "params_dir", "params"), simulation.scenario)
    except Exception:  # noqa: BLE001 - a scenario object not on disk: neutral assumptions
        scen = Scenario(simulation.scenario)
    month = int(simulation.as_of[5:7])
    table = pipeline_summary(projects, simulation.year, month, scen, n_paths=n_paths,
                             seed=simulation.seed)
    table = table[table["cluster_id"].isin(simulation.cluster_ids)]
    if table.empty:
        return pd.DataFrame(columns=cols)
    out = table.groupby("cluster_id", sort=True).agg(
        n_projects=("project_id", "size"), planned_after_as_of=("planned_after_as_of", "sum"),
        expected_after_as_of=("expected_after_as_of", "sum")).reset_index()
    adj = simulation.project_adjustment
    if adj is not None:
        mean_adj = np.asarray(adj, dtype=np.float64).mean(axis=0)
        index = {c: i for i, c in enumerate(simulation.cluster_ids)}
        out["expected_adjustment"] = [float(mean_adj[index[c]]) for c in out["cluster_id"]]
    else:
        out["expected_adjustment"] = 0.0
    return out[cols]


# --------------------------------------------------------------------------- JSON

def _clean(v):
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if not math.isfinite(v) else float(f"{v:.6g}")
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is None:
        return None
    return v


def _records(frame: pd.DataFrame, cols) -> list[dict]:
    return [{c: _clean(v) for c, v in zip(cols, rec, strict=True)}
            for rec in frame[list(cols)].itertuples(index=False, name=None)]


def to_json(simulation, assessment: pd.DataFrame, *, joint: pd.DataFrame | None = None,
            driver_frames: dict[str, pd.DataFrame] | None = None,
            stars: pd.DataFrame | None = None,
            projects: pd.DataFrame | None = None,
            check: pd.DataFrame | None = None) -> dict:
    """The ``attain --format json`` document: targets, joint, drivers, stars, provenance.

    Numbers are rounded to 6 significant digits; NaN becomes null. Nothing depends on the
    clock, so the same inputs and seed give byte-identical JSON.
    """
    sim = simulation
    from ..provenance import SYNTHETIC_NOTICE

    targets = []
    for rec in _records(assessment, ASSESS_COLUMNS):
        q = {k: rec.pop(k) for k in ("q05", "q25", "q50", "q75", "q95")}
        rec["quantiles"] = q
        targets.append(rec)
    doc: dict[str, Any] = {
        "year": sim.year, "as_of": sim.as_of, "scenario": sim.scenario,
        "synthetic": bool(sim.synthetic),
        "notice": SYNTHETIC_NOTICE["en"] if sim.synthetic else None,
        "targets": targets,
        "not_assessed": list(assessment.attrs.get("not_assessed", [])),
        # Zones whose per-zone targets are derived placeholders: not targets (no P).
        "no_official_target": [{k: _clean(v) for k, v in rec.items()}
                               for rec in assessment.attrs.get("no_official_target", [])],
        "joint": [] if joint is None else _records(joint, joint.columns),
        "drivers": {},
        "stars": None,
        "provenance": {
            "seed": sim.seed, "n_paths": sim.n_paths, "data_digest": sim.data_digest,
            "params_digest": sim.params_digest, "scenario_digest": sim.scenario_digest,
            "version": sim.version, "as_of": sim.as_of, "scenario": sim.scenario,
            "synthetic": bool(sim.synthetic),
            "method": {k: (v if isinstance(v, (dict, list)) else str(v))
                       for k, v in sim.method.items()},
        },
    }
    for ind, frame in (driver_frames or {}).items():
        doc["drivers"][ind] = {
            "scope": frame.attrs.get("scope"), "target": _clean(frame.attrs.get("target")),
            "expected_growth": _clean(frame.attrs.get("expected_growth")),
            "expected_gap": _clean(frame.attrs.get("expected_gap")),
            **{k: _clean(v) for k, v in frame.attrs.items() if k.startswith("uplift_for_")},
            "clusters": _records(frame, frame.columns),
        }
    if projects is not None:
        doc["projects"] = _records(projects, projects.columns)
    if check is not None:
        doc["nowcast_check"] = _records(check, check.columns)
    from .level_bases import deflator_record

    # the deflator behind IAV's nominal level and P(IAV level target) at -2/0/+2 points
    doc["deflator"] = deflator_record(sim, assessment)
    doc["level_bases_note"] = (
        "level targets: 'basis' says which basis p_attain/required_growth answer "
        "(comparable: last year's level x (1 + comparable growth); published: the level "
        "the city will publish); p_attain_published and required_growth_published answer "
        "the published basis, assuming the year-to-date ratio of published to "
        "comparable-basis levels (published_gap) holds to December; IAV's nominal level "
        "already carries the year's published nominal/real gap and is not rescaled")
    if stars is not None:
        doc["stars"] = {"assumption": True,
                        "note": f"star-rating rules are assumptions in params/plans/"
                                f"{sim.year}/stars.yaml; the plan gives none",
                        "rules_digest": stars.attrs.get("rules_digest", ""),
                        "rules": {str(k): v for k, v in stars.attrs.get("rules", {}).items()},
                        "clusters": _records(stars, stars.columns)}
    return doc
