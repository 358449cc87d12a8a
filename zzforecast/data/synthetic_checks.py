"""How close the SYNTHETIC panel comes to what the plan implies and to the national shape.

``python -m zzforecast.data.synthetic`` prints these checks after regenerating the data;
every number they describe is synthetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .national_shape import MONTHS, national_fai_shares
from .schemas import MONTHLY_INDICATORS
from .synthetic_design import LAST_YEAR, PLAN_YEAR

__all__ = ["calibration_checks", "format_calibration"]


def calibration_checks(observations: pd.DataFrame, clusters: pd.DataFrame,
                       national_shares: pd.DataFrame | None = None,
                       projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare the synthetic panel with what the plan implies and with the national shape.

    Parameters
    ----------
    observations : pandas.DataFrame
        The generated (or loaded) observations.
    clusters : pandas.DataFrame
        The registry.
    national_shares : pandas.DataFrame, optional
        Output of :func:`national_fai_shares` (read from ../shared/data if omitted).
    projects : pandas.DataFrame, optional
        The projects table, for counts by status.

    Returns
    -------
    pandas.DataFrame
        Columns ``check``, ``reference``, ``synthetic``, ``difference``, ``note``.
    """
    nat = national_fai_shares() if national_shares is None else national_shares
    obs = observations.copy()
    obs["value"] = pd.to_numeric(obs["value"])
    annual = obs[(obs["frequency"] == "annual") & (obs["measure"] == "level")]
    y16 = annual[annual["period"].astype(str) == str(LAST_YEAR)]
    totals = y16.groupby("indicator")["value"].sum()
    level = dict(zip(clusters["cluster_id"], clusters["level"], strict=True))
    rows = []

    def add(check, reference, value, note):
        rows.append({"check": check, "reference": reference, "synthetic": value,
                     "difference": None if reference is None else value - reference,
                     "note": note})

    add("fai_2016_city_total", 2800 / 1.13, totals.get("fai", np.nan),
        "亿元; plan: 2800亿元 at +13% implies 2016 = 2800/1.13")
    add("iav_2016_city_total", 1600 / 1.10, totals.get("iav", np.nan),
        "亿元 nominal; plan: 1600亿元 at +10% real, read with a zero 2017 deflator")
    rev = totals.get("revenue", np.nan)
    add("revenue_growth_needed_for_8500", None, 8500 / rev - 1,
        f"2016 synthetic revenue {rev:.1f}亿元")
    emp = totals.get("employment", np.nan)
    add("employment_growth_needed_for_92", None, 92 / emp - 1, f"2016 synthetic {emp:.2f}万人")
    add("employment_growth_needed_for_90", None, 90 / emp - 1, f"2016 synthetic {emp:.2f}万人")
    for ind in MONTHLY_INDICATORS:
        sub = y16[y16["indicator"] == ind]
        prov = sub[sub["cluster_id"].map(level) == "provincial"]["value"].sum()
        add(f"{ind}_2016_provincial_share", None, prov / sub["value"].sum(),
            "share of provincial clusters in the registered total")
    # seasonal shape: city-total FAI within-year shares vs the national series
    monthly = obs[(obs["frequency"] == "monthly_ytd") & (obs["measure"] == "level")
                  & (obs["indicator"] == "fai")].copy()
    monthly["year"] = monthly["period"].str.slice(0, 4).astype(int)
    monthly["month"] = monthly["period"].str.slice(5, 7).astype(int)
    full = monthly[monthly["year"] <= LAST_YEAR]
    # use clusters present all year-range (founded by 2011) so totals share a scope
    city = full.groupby(["year", "month"])["value"].sum().unstack("month")
    city = city.div(city[12], axis=0)
    years = [y for y in city.index if y in nat.index]
    diff = (city.loc[years, list(MONTHS)] - nat.loc[years, list(MONTHS)]).abs()
    add("fai_share_jan_jul_mean", float(nat.loc[years, 7].mean()),
        float(city.loc[years, 7].mean()), f"s(7) = C(Jul)/C(Dec), mean over {years[0]}-{years[-1]}; "
        "reference = national series (NBS via AFAN-LIFE/macropage)")
    add("fai_share_jan_feb_mean", float(nat.loc[years, 2].mean()),
        float(city.loc[years, 2].mean()), "s(2), same years")
    add("fai_share_max_abs_gap", 0.0, float(diff.to_numpy().max()),
        "largest |city share - national share| over months 2-11 and years")
    if projects is not None:
        counts = projects["status"].value_counts()
        for status, ref in (("new", 60), ("completed", 60)):
            add(f"projects_{status}", ref, int(counts.get(status, 0)),
                "plan: 60 new starts, 60 completed (三(二)3)")
        planned = float(pd.to_numeric(projects["planned_investment"]).sum())
        add("projects_planned_share_of_fai_2016", None, planned / totals.get("fai", np.nan),
            f"planned {PLAN_YEAR} project investment {planned:.1f}亿元 over 2016 city FAI")
    return pd.DataFrame(rows)


def format_calibration(checks: pd.DataFrame) -> str:
    """A plain-text table of :func:`calibration_checks` (all numbers synthetic)."""
    lines = ["Calibration of the SYNTHETIC panel (not official statistics):"]
    for r in checks.itertuples(index=False):
        ref = "" if r.reference is None or pd.isna(r.reference) else f"{r.reference:10.4f}"
        dif = "" if r.difference is None or pd.isna(r.difference) else f"{r.difference:+.4f}"
        lines.append(f"  {r.check:34s} ref {ref:>10s}  synthetic {r.synthetic:10.4f}  "
                     f"{dif:>9s}  {r.note}")
    return "\n".join(lines)
