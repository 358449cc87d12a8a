"""Which clusters drive the scope's expected gap, and the growth each would need.

Works on the simulated paths alone: cluster weights are shares of last year's scope total,
so the contributions add up exactly to the scope's expected gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schemas import CITY_SCOPE
from ..exceptions import UserError

__all__ = ["drivers", "UPLIFT_PROBABILITIES"]

UPLIFT_PROBABILITIES = (0.5, 0.8, 0.9)  # chances for which drivers() gives the uplift needed


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

