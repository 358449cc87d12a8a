"""The plan's targets as data: lookups, what they imply, per-cluster defaults.

A year's plan lives in ``params/plans/<year>/`` (see :mod:`zzforecast.data.plan`); its
``targets.yaml`` is read by :func:`load_targets` (defined in
:mod:`zzforecast.data.plan_targets`, re-exported here) into frozen :class:`Target`
objects that carry their year. Per-cluster targets (the plan's annexes 2 and 3) live in
``params/plans/<year>/cluster_targets.csv``; until real ones are entered,
:func:`derive_cluster_targets` gives every cluster a default derived from the plan.
"""

from __future__ import annotations

import pandas as pd

from .loaders import levels_in_year
from .plan_targets import GROUP_SCOPES, Target, load_targets
from .schemas import (
    CITY_SCOPE,
    CLUSTER_TARGETS_COLUMNS,
    MONTHLY_INDICATORS,
    PROVINCIAL_SCOPE,
)

__all__ = [
    "Target",
    "GROUP_SCOPES",
    "load_targets",
    "targets_year",
    "find_target",
    "implied_park_growth",
    "provincial_share",
    "derive_cluster_targets",
    "cluster_growth_targets",
    "NO_OFFICIAL_TARGET",
    "DERIVED_TAG",
    "no_official_target_label",
]

# How a zone without an entered (official) target is shown. Derived per-zone values are
# arithmetic placeholders until the plan's annexes 2 and 3 are entered: they are never
# shown as goals, never given a probability of "attainment", and never enter the star or
# summary tables (issue 11, item 4).
NO_OFFICIAL_TARGET = {"zh": "无正式目标（方案附件未录入）",
                      "en": "no official target (plan annex not entered)"}
DERIVED_TAG = {"zh": "推算值", "en": "derived"}


def no_official_target_label(lang: str = "zh") -> str:
    """The words shown where a zone has no entered target (Chinese or English)."""
    return NO_OFFICIAL_TARGET["en" if lang == "en" else "zh"]


def targets_year(targets, year: int | None) -> int:
    """``year``, else the year the targets carry (one plan, one year)."""
    if year is not None:
        return int(year)
    years = {t.year for t in targets if getattr(t, "year", None) is not None}
    if len(years) == 1:
        return int(years.pop())
    from ..exceptions import UserError

    raise UserError("the plan year is not known: pass year= (the targets carry "
                    + (f"several years: {sorted(years)})" if years else "no year)"))


def find_target(targets: list[Target], *, indicator: str, scope: str, kind: str) -> Target | None:
    """The first target with this indicator, scope and kind, or None."""
    for t in targets:
        if t.indicator == indicator and t.scope == scope and t.kind == kind:
            return t
    return None


def implied_park_growth(city_growth: float, provincial_growth: float, provincial_share):
    """Growth the municipal parks must reach for the city total to grow ``city_growth``.

    With the provincial clusters' share ``s`` of last year's total,
    ``g_city = s * g_prov + (1 - s) * g_park``, hence
    ``g_park = (g_city - s * g_prov) / (1 - s)``.

    Parameters
    ----------
    city_growth, provincial_growth : float
        Fractions.
    provincial_share : float or array-like
        The provincial clusters' share of last year's city total, in [0, 1).

    Returns
    -------
    float or numpy.ndarray
        The parks' required growth (a fraction); may be negative.
    """
    import numpy as np

    s = np.asarray(provincial_share, dtype=float)
    if np.any((s < 0) | (s >= 1)):
        raise ValueError("provincial_share must be in [0, 1)")
    out = (city_growth - s * provincial_growth) / (1.0 - s)
    return float(out) if out.ndim == 0 else out


def provincial_share(observations: pd.DataFrame, clusters: pd.DataFrame, indicator: str,
                     year: int) -> float | None:
    """The provincial clusters' share of the registered clusters' annual level in ``year``.

    Parameters
    ----------
    observations : pandas.DataFrame
        Long observations (columns of ``schemas.OBSERVATIONS_COLUMNS``; ``value`` numeric).
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``).
    indicator : str
    year : int

    Returns
    -------
    float or None
        None when no municipal or no provincial level is present for that year.
    """
    obs = observations
    period = obs["period"].astype(str)
    rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == "level")
               & (obs["frequency"] == "annual") & (period == str(year))]
    if rows.empty:
        return None
    levels = levels_in_year(clusters, year)  # the status each zone had in that year
    lv = rows["cluster_id"].map(levels)
    values = pd.to_numeric(rows["value"], errors="coerce")
    prov = values[lv == "provincial"].sum()
    total = values[lv.isin(["provincial", "municipal"])].sum()
    if total <= 0 or prov <= 0 or prov >= total:
        return None
    return float(prov / total)


def derive_cluster_targets(targets: list[Target], clusters: pd.DataFrame,
                           observations: pd.DataFrame | None = None,
                           year: int | None = None) -> pd.DataFrame:
    """Default per-cluster growth targets derived from the plan (until annexes 2-3 exist).

    Provincial clusters get the provincial-subset growth targets of the plan. Municipal parks get the growth they must reach for the city to meet its target
    when the provincial clusters meet theirs (:func:`implied_park_growth`), using the
    provincial share of last year's levels in ``observations``.

    Parameters
    ----------
    targets : list of Target
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``).
    observations : pandas.DataFrame, optional
        Needed for the parks' targets; without it parks get the city target.
    year : int, optional
        The plan year (shares are taken from ``year - 1``); default: the year the
        targets carry.

    Returns
    -------
    pandas.DataFrame
        Columns of ``schemas.CLUSTER_TARGETS_COLUMNS``; ``derived`` is True everywhere.
    """
    year = targets_year(targets, year)
    rows = []
    for indicator in MONTHLY_INDICATORS:
        city = find_target(targets, indicator=indicator, scope=CITY_SCOPE, kind="growth")
        prov = find_target(targets, indicator=indicator, scope=PROVINCIAL_SCOPE, kind="growth")
        if city is None or prov is None:
            continue
        share = (provincial_share(observations, clusters, indicator, year - 1)
                 if observations is not None else None)
        if share is not None:
            park = implied_park_growth(city.value, prov.value, share)
            park_source = (f"derived: growth municipal parks need for the city to reach "
                           f"{city.value:g} ({city.id}) when provincial clusters reach "
                           f"{prov.value:g} ({prov.id}); provincial share of {year - 1} "
                           f"level {share:.4f} from the bundled data")
        else:
            park = city.value
            park_source = f"derived: city target {city.id} (no data for the provincial share)"
        status = levels_in_year(clusters, year)  # the zones' status in the plan year
        for cid in clusters["cluster_id"]:
            if status[cid] == "provincial":
                value, source = prov.value, (f"derived: provincial-subset target {prov.id} "
                                             f"(plan section {prov.section})")
            else:
                value, source = park, park_source
            rows.append({"cluster_id": cid, "indicator": indicator, "kind": "growth",
                         "value": round(float(value), 4), "unit": "fraction",
                         "derived": True, "source": source})
    return pd.DataFrame(rows, columns=list(CLUSTER_TARGETS_COLUMNS))


def cluster_growth_targets(bundle, year: int | None = None) -> pd.DataFrame:
    """Per-cluster growth targets: the bundle's table where given, else derived defaults.

    Parameters
    ----------
    bundle : zzforecast.data.bundle.Bundle
        Needs ``targets``, ``clusters``, ``observations`` and ``cluster_targets``.
    year : int, optional
        The plan year (default: the bundle's plan year).

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id, indicator, kind, value, unit, derived, source``: every row
        of the bundle's table for ``year`` (growth and level targets), plus a derived
        growth default for each cluster and monthly indicator (``fai``, ``iav``) that has no
        growth row there. Entered rows take precedence over derived defaults.
    """
    if year is None:
        year = getattr(bundle, "year", None)
    year = targets_year(list(bundle.targets), year)
    derived = derive_cluster_targets(list(bundle.targets), bundle.clusters,
                                     bundle.observations, year)
    given = getattr(bundle, "cluster_targets", None)
    if given is None or len(given) == 0:
        return derived
    if "year" in given.columns:
        given = given[given["year"] == year]
    given = given[list(CLUSTER_TARGETS_COLUMNS)]
    keys = set(zip(given["cluster_id"], given["indicator"], given["kind"], strict=True))
    keep = [k not in keys for k in zip(derived["cluster_id"], derived["indicator"],
                                       derived["kind"], strict=True)]
    out = pd.concat([given, derived[keep]], ignore_index=True)
    return out.sort_values(["indicator", "cluster_id"], kind="stable").reset_index(drop=True)
