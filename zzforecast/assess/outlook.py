"""Major-project investment still to come this year, under the simulation's scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..simulate.projects import pipeline_summary

__all__ = ["project_outlook", "OUTLOOK_COLUMNS"]

OUTLOOK_COLUMNS = ["cluster_id", "n_projects", "planned_after_as_of", "expected_after_as_of",
                   "expected_adjustment"]


def project_outlook(simulation, bundle, *, n_paths: int | None = None) -> pd.DataFrame:
    """Major-project investment still to come this year, by cluster, under the scenario.

    The scenario is the one the simulation ran with (``simulation.scenario``, an in-memory
    edit included), never re-read from its file, and the project draws are the
    simulation's own (its seed and, by default, its number of paths), so the outlook's
    expected spending is the one behind the simulation's ``project_adjustment``.

    Returns
    -------
    pandas.DataFrame
        :data:`OUTLOOK_COLUMNS` (亿元): what the plan schedules after the vintage, what the
        scenario's delays and completion rates leave of it, and the mean change this makes
        to the cluster's simulated FAI (relative to the baseline scenario). Empty without
        projects; empty with ``attrs["skipped"]`` (the reason) for a simulation that does
        not carry its scenario (a file saved before simulations kept it).
    """
    projects = getattr(bundle, "projects", None)
    if projects is None or not len(projects):
        return pd.DataFrame(columns=OUTLOOK_COLUMNS)
    if simulation.scenario is None:
        empty = pd.DataFrame(columns=OUTLOOK_COLUMNS)
        empty.attrs["skipped"] = (f"the simulation does not carry the assumptions of scenario "
                                  f"'{simulation.scenario_name}' (saved in an older format); "
                                  f"simulate again to see the project outlook")
        return empty
    month = int(simulation.as_of[5:7])
    table = pipeline_summary(projects, simulation.year, month, simulation.scenario,
                             n_paths=simulation.n_paths if n_paths is None else n_paths,
                             seed=simulation.seed)
    table = table[table["cluster_id"].isin(simulation.cluster_ids)]
    if table.empty:
        return pd.DataFrame(columns=OUTLOOK_COLUMNS)
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
    return out[OUTLOOK_COLUMNS]
