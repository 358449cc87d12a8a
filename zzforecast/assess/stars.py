"""Star ratings: P(each named cluster reaches the star level the plan asks for).

The plan names target levels (its ``star_goals.csv``) but gives no rating rules; the
rules are an ASSUMPTION kept in ``params/plans/<year>/stars.yaml`` and read by
:func:`zzforecast.data.plan.load_star_rules`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.plan import STAR_RULES_FILE, plan_folder
from ..data.plan_stars import load_star_rules
from ..exceptions import ParamsError, Problem

__all__ = ["star_ratings"]


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

