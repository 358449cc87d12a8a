"""The simulate stage's entry point: :func:`simulate` a year jointly, as of a data vintage.

:func:`simulate` resolves the scenario, keeps only the data published by the vintage
(``data/vintages.py``), estimates the inputs (``estimate/engine_inputs.py``), draws the
correlated paths (:mod:`.paths`; the method is described there), moves FAI by the
key-project pipeline's deviation from the baseline (:mod:`.projects`) and returns a
:class:`~zzforecast.simulate.simulation.Simulation` carrying the paths, the scenario and
their provenance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.vintages import as_published, release_lags_of
from ..estimate.engine_inputs import SimInputs, parse_as_of, prepare_inputs
from ..exceptions import UserError
from .paths import simulate_arrays
from .projects import apply_project_adjustment, project_adjustment
from .scenarios import Scenario, load_scenario, scenario_digest, scenario_shift
from .simulation import Simulation

__all__ = ["simulate"]


def simulate(bundle, year: int, as_of: str, scenario="baseline", n_paths: int = 10_000,
             seed: int = 0, *, clusters: list[str] | None = None,
             keep_monthly: bool = True, inputs: SimInputs | None = None) -> Simulation:
    """Simulate every cluster and indicator of ``year`` jointly, as of a data vintage.

    Parameters
    ----------
    bundle : zzforecast.data.loaders.Bundle
        Loaded data and parameters (``clusters``, ``observations``, ``projects``,
        ``params_dir``, digests, ``synthetic``).
    year : int
        Target year.
    as_of : str
        Vintage ``YYYY-MM`` inside ``year``: data published through that month are used.
    scenario : str or Scenario
        Scenario name (read from ``<params_dir>/scenarios/<name>.yaml``) or object.
    n_paths : int
        Number of joint paths.
    seed : int
        Seed of the random generator; the same seed gives identical paths.
    clusters : list of str, optional
        Restrict to these cluster ids (totals then cover only them).
    keep_monthly : bool
        Keep the monthly cumulative paths (memory: n_paths x clusters x indicators x 12).
    inputs : SimInputs, optional
        Inputs prepared earlier by :func:`prepare_inputs` for the same bundle, year,
        vintage and clusters (e.g. ``simulation.inputs`` of a previous run); skips the
        estimation, so re-running under many scenarios (sliders) is fast, and the check
        that the vintage has data (a vintage with no new figure yet is then deliberate,
        as in :func:`zzforecast.assess.track.track`'s calendar step).

    Returns
    -------
    Simulation

    Raises
    ------
    UserError
        For bad arguments (unknown cluster, as-of outside the year or after the data,
        non-positive n_paths) and bad scenario files (``ParamsError``).
    """
    from .. import __version__

    if isinstance(n_paths, bool) or int(n_paths) != n_paths or int(n_paths) < 1:
        raise UserError(f"n_paths must be a positive integer, got {n_paths!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(scenario, Scenario):
        scen = scenario
    else:
        scen = load_scenario(getattr(bundle, "params_dir", "params"), str(scenario))
    as_year, as_month = parse_as_of(as_of)
    as_of = f"{as_year:04d}-{as_month:02d}"
    registry = bundle.clusters
    if clusters:
        unknown = [c for c in clusters if c not in set(registry["cluster_id"])]
        if unknown:
            raise UserError(f"unknown cluster id(s): {', '.join(unknown)}; known: "
                            f"{', '.join(registry['cluster_id'])}")
        registry = registry[registry["cluster_id"].isin(clusters)]
    # only what was published by the as-of's publication date (data/vintages.py): rows
    # vintaged later, and revisions published later, change nothing
    raw = bundle.observations
    lags = release_lags_of(bundle)
    obs = as_published(raw, as_of, lags)
    if inputs is None:
        _check_as_of_vs_data(obs, year, as_year, as_month, raw=raw, lags=lags)
        source = next((str(f) for f in getattr(bundle, "files", ())
                       if Path(f).stem == "observations"), "observations")
        inputs = prepare_inputs(registry, obs, year, as_of, source=source)
    elif (inputs.year != int(year) or inputs.as_of_month != as_month
          or tuple(inputs.cluster_ids) != tuple(registry["cluster_id"])):
        raise UserError("inputs were prepared for another year, vintage or set of clusters")
    paths = simulate_arrays(
        inputs, n_paths=n_paths, seed=seed, shift=scenario_shift(scen, inputs),
        volatility=scen.volatility_multiplier, deflator_mean=scen.deflator_mean,
        deflator_sd=scen.deflator_sd, keep_monthly=keep_monthly)
    adj = None
    projects = getattr(bundle, "projects", None)
    if "fai" in inputs.indicators and projects is not None and len(projects):
        # Projects move FAI by their deviation from the baseline file's assumptions (by
        # content, not name: a baseline edited in a notebook must still have an effect).
        try:
            reference = load_scenario(getattr(bundle, "params_dir", "params"), "baseline")
        except UserError:
            reference = None  # no baseline on disk: the scenario is its own reference
        adj = project_adjustment(projects, inputs.cluster_ids, year, as_month, scen,
                                 n_paths=n_paths, seed=seed, reference=reference)
        if adj is not None:
            apply_project_adjustment(paths, inputs, adj)
    return Simulation.from_arrays(
        inputs, paths, project_adjustment=adj, as_of=as_of, scenario=scen,
        scenario_name=scen.name,
        seed=int(seed), n_paths=int(n_paths),
        data_digest=str(getattr(bundle, "data_digest", "")),
        params_digest=str(getattr(bundle, "params_digest", "")),
        scenario_digest=scenario_digest(scen), version=__version__,
        synthetic=bool(getattr(bundle, "synthetic", False)),
        method={"correlation": inputs.corr_method,
                "deflator": {"mean": scen.deflator_mean, "sd": scen.deflator_sd,
                             "ytd_gap": _ytd_price_gap(inputs)},
                "volatility_multiplier": scen.volatility_multiplier,
                "projects": "adjusted" if adj is not None else "none",
                "scenario_label": {"zh": scen.label("zh"), "en": scen.label("en")},
                "left_out": list(inputs.notes)},
    )


def _ytd_price_gap(inputs) -> dict | None:
    """The city's year-to-date nominal/real gap of deflated indicators (level-weighted)."""
    if inputs.price_gap is None:
        return None
    out = {}
    for j, ind in enumerate(inputs.indicators):
        if not inputs.deflated[j]:
            continue
        ok = np.isfinite(inputs.price_gap[:, j]) & np.isfinite(inputs.base[:, j])
        if ok.any():
            w = inputs.base[ok, j] * inputs.share[ok, j]
            out[ind] = {"gap": round(float(np.sum(w * inputs.price_gap[ok, j]) / np.sum(w)), 5),
                        "share_of_year": round(float(np.sum(w) / np.sum(inputs.base[ok, j])), 4),
                        "clusters": int(ok.sum())}
    return out or None


def _check_as_of_vs_data(obs, year: int, as_year: int, as_month: int, *, raw=None,
                         lags=None) -> None:
    if as_year != int(year):
        raise UserError(f"as-of {as_year}-{as_month:02d} is not in the target year {year}")
    monthly = obs[obs["frequency"] == "monthly_ytd"]
    as_of = f"{as_year:04d}-{as_month:02d}"
    if len(monthly):
        latest = max(str(p) for p in monthly["period"])
        if as_of > latest:
            held = None if raw is None else raw[(raw["frequency"] == "monthly_ytd")
                                                & (raw["period"].astype(str) == as_of)]
            if held is not None and len(held) and lags is not None:
                first = str(held["vintage"].astype(str).min())[:10]
                raise UserError(
                    f"as-of {as_of}: its data are published by "
                    f"{lags.as_of_date(as_of).date()} (release lag {lags.monthly_lag()} "
                    f"days, {Path(lags.source).name if lags.source != 'default' else 'default'}"
                    f"), but the rows of {as_of} carry vintage {first} or later, so the "
                    f"latest data published by then is {latest}; use {latest}, or set the "
                    "release lag in params/release_lags.yaml")
            raise UserError(f"as-of {as_of} is after the latest data "
                            f"({latest}); use {latest} or earlier")
    elif raw is not None and len(raw) and lags is not None:
        raise UserError(f"as-of {as_of}: no observation was published by "
                        f"{lags.as_of_date(as_of).date()} (every row's vintage is later)")
