"""Bottom-up FAI from the major-project pipeline (重大项目).

Each project in ``data/projects.csv`` plans an investment for the target year spread
evenly over its active months (from ``planned_start`` to ``planned_completion`` within the
year). As of month m, what is still to be spent is the part of that schedule after m. Two
uncertainties act on it, drawn per path and project:

- **slippage**: the rest of the schedule moves later by ``d`` months,
  ``d = max(0, delay_months + delay_sd_months * z)`` (continuous months), so spending that
  slips past December leaves the year;
- **completion**: only a share ``q = clip(completion_rate + completion_rate_sd * z', 0, 1)``
  of the planned amount is realised.

The cluster's top-down FAI path (simulate/paths.py) already expects projects to behave as they
usually do. So projects change a cluster's FAI by their *deviation* from a reference:
``adjustment = spend(scenario) - E[spend(reference)]`` with common random numbers, where the
reference is the baseline scenario. Under the baseline the adjustment has mean zero and only
adds project lumpiness; a scenario with longer delays or lower completion lowers FAI.
Everything is vectorised over paths and projects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["project_schedule", "project_spend", "project_adjustment",
           "apply_project_adjustment", "pipeline_summary"]


def _month(text, field: str, pid: str) -> tuple[int, int]:
    s = str(text).strip()
    try:
        y, m = int(s[:4]), int(s[5:7])
        if len(s) < 7 or s[4] != "-" or not 1 <= m <= 12:
            raise ValueError
    except (ValueError, IndexError):
        raise DataError(f"project '{pid}': {field} '{s}' is not a month YYYY-MM") from None
    return y, m


def project_schedule(projects: pd.DataFrame, year: int) -> pd.DataFrame:
    """The active window of each project within ``year``.

    Returns
    -------
    pandas.DataFrame
        ``project_id, cluster_id, planned_investment, start, end`` where the project
        spends in continuous months ``(start, end]`` of the year (0 <= start <= end <= 12);
        projects planned for another year or with no planned investment are dropped.
    """
    df = projects
    if "year" in df.columns:
        df = df[pd.to_numeric(df["year"], errors="coerce") == int(year)]
    rows = []
    for rec in df.itertuples(index=False):
        amount = float(rec.planned_investment)
        if not np.isfinite(amount) or amount <= 0:
            continue
        sy, sm = _month(rec.planned_start, "planned_start", rec.project_id)
        cy, cm = _month(rec.planned_completion, "planned_completion", rec.project_id)
        start = 0 if sy < year else (sm - 1 if sy == year else 12)
        end = 12 if cy > year else (cm if cy == year else 0)
        if end <= start:  # completes before it starts in this year: spend over one month
            end = min(12, start + 1)
            start = end - 1
        rows.append((str(rec.project_id), str(rec.cluster_id), amount, float(start), float(end)))
    return pd.DataFrame(rows, columns=["project_id", "cluster_id", "planned_investment",
                                       "start", "end"])


def project_spend(schedule: pd.DataFrame, as_of_month: int, z_delay: np.ndarray,
                  z_completion: np.ndarray, *, delay_months: float, delay_sd_months: float,
                  completion_rate: float, completion_rate_sd: float) -> np.ndarray:
    """Spending after ``as_of_month`` per path and project, given standard-normal draws.

    Parameters
    ----------
    schedule : DataFrame from :func:`project_schedule`
    as_of_month : int
    z_delay, z_completion : ndarray (n_paths, n_projects)
    delay_months, delay_sd_months, completion_rate, completion_rate_sd : float

    Returns
    -------
    ndarray (n_paths, n_projects), float32, in 亿元
    """
    m = float(as_of_month)
    start = schedule["start"].to_numpy(np.float32)
    end = schedule["end"].to_numpy(np.float32)
    rate = schedule["planned_investment"].to_numpy(np.float32) / np.maximum(end - start, 1e-6)
    d = np.maximum(np.float32(0), np.float32(delay_months) + np.float32(delay_sd_months) * z_delay)
    rest_start = np.maximum(start, m)[None, :] + d
    rest_end = np.where(end > m, end, m)[None, :] + d
    months = np.clip(np.minimum(rest_end, 12) - np.maximum(rest_start, m), 0, None)
    q = np.clip(np.float32(completion_rate) + np.float32(completion_rate_sd) * z_completion, 0, 1)
    return (rate[None, :] * months * q).astype(np.float32)


def _params(s) -> dict:
    return {"delay_months": s.delay_months, "delay_sd_months": s.delay_sd_months,
            "completion_rate": s.completion_rate, "completion_rate_sd": s.completion_rate_sd}


def project_adjustment(projects: pd.DataFrame, cluster_ids, year: int, as_of_month: int,
                       scenario, *, n_paths: int, seed: int = 0,
                       reference=None) -> np.ndarray | None:
    """Deviation of each cluster's project spending from the reference, per path.

    Parameters
    ----------
    projects : DataFrame (schemas.PROJECTS_COLUMNS)
    cluster_ids : sequence of str
    year, as_of_month : int
    scenario : Scenario
    n_paths, seed : int
        Draws come from ``default_rng([seed, 1])``, a stream separate from the main paths.
    reference : Scenario, optional
        The expectation subtracted; by default the scenario itself (mean-zero adjustment).

    Returns
    -------
    ndarray (n_paths, n_clusters) float32 in 亿元, or None when no project applies.
    """
    sched = project_schedule(projects, year)
    sched = sched[sched["cluster_id"].isin(list(cluster_ids))]
    if sched.empty:
        return None
    rng = np.random.default_rng([int(seed), 1])
    shape = (int(n_paths), len(sched))
    z_d = rng.standard_normal(shape, dtype=np.float32)
    z_q = rng.standard_normal(shape, dtype=np.float32)
    spend = project_spend(sched, as_of_month, z_d, z_q, **_params(scenario))
    ref = spend if reference is None else project_spend(sched, as_of_month, z_d, z_q,
                                                        **_params(reference))
    dev = spend - ref.mean(axis=0, dtype=np.float64).astype(np.float32)[None, :]
    onehot = (sched["cluster_id"].to_numpy()[:, None]
              == np.asarray(list(cluster_ids))[None, :]).astype(np.float32)
    return dev @ onehot


def apply_project_adjustment(paths: dict, inputs, adj: np.ndarray) -> None:
    """Add project investment deviations (n_paths, n_clusters) to the FAI paths in place.

    ``paths`` is :func:`zzforecast.simulate.paths.simulate_arrays` output for ``inputs``
    (a :class:`~zzforecast.estimate.engine_inputs.SimInputs`): the full-year level and
    growth move by the deviation, and the monthly paths take it in evenly over the months
    still to come (none of it before the vintage).
    """
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


def pipeline_summary(projects: pd.DataFrame, year: int, as_of_month: int, scenario, *,
                     n_paths: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per project: planned investment, planned and expected spending after the vintage.

    Returns
    -------
    pandas.DataFrame
        ``project_id, cluster_id, planned_investment, planned_after_as_of,
        expected_after_as_of, p_no_spend_after_as_of``
    """
    sched = project_schedule(projects, year)
    if sched.empty:
        return sched.assign(planned_after_as_of=[], expected_after_as_of=[],
                            p_no_spend_after_as_of=[]).drop(columns=["start", "end"])
    rng = np.random.default_rng([int(seed), 1])
    shape = (int(n_paths), len(sched))
    z_d = rng.standard_normal(shape, dtype=np.float32)
    z_q = rng.standard_normal(shape, dtype=np.float32)
    spend = project_spend(sched, as_of_month, z_d, z_q, **_params(scenario))
    zero = np.zeros((1, len(sched)), dtype=np.float32)
    planned = project_spend(sched, as_of_month, zero, zero, delay_months=0, delay_sd_months=0,
                            completion_rate=1.0, completion_rate_sd=0)[0]
    out = sched.drop(columns=["start", "end"]).copy()
    out["planned_after_as_of"] = planned.astype(float)
    out["expected_after_as_of"] = spend.mean(axis=0, dtype=np.float64)
    out["p_no_spend_after_as_of"] = (spend <= 0).mean(axis=0)
    return out.reset_index(drop=True)
