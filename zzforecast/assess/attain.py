"""Target attainability from a joint simulation: the assessment table and joint odds.

Every statistic is computed on the simulated paths of :class:`~zzforecast.simulate.simulation.Simulation`
(aggregates are sums of cluster paths, path by path), so the same seed gives the same
numbers to the last digit. :func:`assess` gives one row per target (probabilities,
required growth, quantiles, shortfall, both bases of a level target);
:func:`joint_attainment` the chance that several targets are met on the same path. The
other answers of the assess stage have their own modules (:mod:`.drivers`, :mod:`.stars`,
:mod:`.outlook`, :mod:`.crosscheck`, :mod:`.progress`) and :func:`zzforecast.assess.result.assess_plan`
gathers them all into one :class:`~zzforecast.assess.result.Attainment`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.deflators import zone_deflators
from ..data.schemas import CITY_SCOPE, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..data.targets import DERIVED_TAG, NO_OFFICIAL_TARGET, cluster_growth_targets
from ..data.vintages import as_published, release_lags_of
from ..exceptions import UserError
from .outcomes import ASSESS_COLUMNS, QUANTILES, ScopeOutcomes, is_deflated, probability, row_stats

__all__ = [
    "assess",
    "joint_attainment",
    "QUANTILES",
    "DEFAULT_TOLERANCE",
    "ASSESS_COLUMNS",
]

DEFAULT_TOLERANCE = 0.005  # 0.5 percentage point: what "左右" allows when the plan gives none
_AGG_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)


def _growth_equivalent(out: ScopeOutcomes, scope: str, indicator: str, kind: str,
                       value: float) -> float | None:
    """Growth that reaching ``value`` means for the scope (level targets -> growth)."""
    if kind == "growth":
        return float(value)
    sim = out.sim
    j = sim.indicator_index(indicator)
    base = out.totals(scope).base[j]
    if not np.isfinite(base) or base <= 0:
        return None
    price = 1 + float(np.mean(sim.deflator)) if is_deflated(indicator) else 1.0
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
    observations = getattr(bundle, "observations", None)
    if observations is not None and simulation.as_of:
        observations = as_published(observations, simulation.as_of, release_lags_of(bundle))
    out = ScopeOutcomes(simulation, observations)
    records, placeholders = [], []
    keep_derived = derived
    for (tid, ind, scope, kind, value, unit, comp, tol, derived, source) in rows:
        x = out.outcome(scope, ind, kind)
        if derived and source == "cluster_targets" and not keep_derived:
            placeholders.append(_placeholder(tid, ind, scope, kind, value, unit, x))
            continue
        stats = row_stats(x, value, comp, tol)
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
    clusters = getattr(bundle, "clusters", None)
    if clusters is None or simulation.year is None:
        return {}
    found = zone_deflators(getattr(bundle, "deflators", None), clusters, int(simulation.year))
    return {k: v for k, v in found.items() if k in simulation.cluster_ids}


def _published_fields(out: ScopeOutcomes, scope: str, indicator: str, kind: str, value: float,
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
    deflated = is_deflated(indicator)
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
        fields["p_attain_published"] = probability(paths, value, comparison)
    fields["published_gap"] = gap
    return fields


def _placeholder(tid, indicator, scope, kind, value, unit, x) -> dict:
    """A zone and indicator without an entered target: the tagged derived value, outlook."""
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
    out = ScopeOutcomes(simulation)
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


