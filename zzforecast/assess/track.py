"""How the odds moved: P(target) by data vintage, and why each month's change happened.

``track`` runs the engine at every vintage of a year, 1–2月 to the given month, with the
same seed (common random numbers) and the within-year model fitted once (it learns only
from complete earlier years, which no vintage of the year changes). Each month-to-month
change of a target's probability and median is split, in the spirit of the New York Fed
Staff Nowcast's news decomposition, into:

- ``calendar``: moving the vintage a month on with no new figure (the months left to run,
  the project schedule, the scenario's share of the year);
- ``news: <zone>``: that zone's new release, added zone by zone in registry order;
- ``revisions``: earlier months' figures revised between the two vintages' publication
  dates (:func:`zzforecast.data.vintages.as_published`; zero while the data hold one
  vintage per period), taken before the news.

Each vintage sees only what was published by its own as-of's publication date.

The steps chain from the earlier vintage's run to the later one's, so the parts add up to
the change exactly. The order matters for the split between zones (not for the total);
the registry order is stated with the result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from ..data.asof import parse_as_of
from ..exceptions import UserError

__all__ = ["VintageFigures", "TrackResult", "track", "HEADLINE_SCOPES"]

HEADLINE_SCOPES = ("city", "provincial")


@dataclass(frozen=True)
class VintageFigures:
    """Headline figures of a year by data vintage and each change's parts: what
    :class:`TrackResult` and :class:`zzforecast.assess.history.VintageHistory` share.
    ``zone_order`` is the registry order in which the news is added zone by zone."""

    year: int
    scenario: str
    seed: int
    n_paths: int
    by_vintage: pd.DataFrame
    decomposition: pd.DataFrame
    zone_order: tuple[str, ...]


@dataclass(frozen=True)
class TrackResult(VintageFigures):
    """``by_vintage``: as_of, target_id, indicator, scope, target, p_attain, median.
    ``decomposition``: from_as_of, to_as_of, target_id, scope, component, delta_p,
    delta_median (the components of one change add up to it). ``through``: the last
    vintage."""

    through: str


def _visible(observations: pd.DataFrame, year: int, cutoff: dict[str, int]) -> pd.DataFrame:
    """Observations with each zone's months of ``year`` cut at ``cutoff[zone]``."""
    period = observations["period"].astype(str)
    this_year = period.str.startswith(f"{year}-") & (observations["frequency"] == "monthly_ytd")
    month = pd.to_numeric(period.str[5:7], errors="coerce")
    limit = observations["cluster_id"].map(cutoff).fillna(0)
    annual_this_year = (observations["frequency"] == "annual") & (period.str[:4] == str(year))
    keep = ~annual_this_year & (~this_year | (month <= limit))
    return observations[keep]


def _outcomes(bundle, year, as_of, observations, scenario, n_paths, seed, fitted):
    """P(target) and median of every headline target for one state of the data."""
    from ..estimate.engine_inputs import prepare_inputs
    from ..simulate.engine import simulate
    from .attain import assess

    state = dataclasses.replace(bundle, observations=observations)
    inputs = prepare_inputs(bundle.clusters, observations, year, as_of, fitted=fitted)
    sim = simulate(state, year, as_of, scenario, n_paths=n_paths, seed=seed, inputs=inputs,
                   keep_monthly=False)
    table = assess(sim, state, clusters=False)
    table = table[table["scope"].isin(HEADLINE_SCOPES)]
    out = table[["target_id", "indicator", "scope", "target", "p_attain", "q50"]].rename(
        columns={"q50": "median"})
    return out.set_index(["target_id", "scope"]), inputs.models


def track(bundle, year: int, through: str, scenario="baseline", *, n_paths: int = 4000,
          seed: int = 0) -> TrackResult:
    """P(target) and the median by vintage from 1–2月 to ``through``, and the news
    decomposition of every month-to-month change (see the module docstring).

    Raises
    ------
    UserError
        For a ``through`` outside ``year`` or before February.
    """
    t_year, t_month = parse_as_of(through)
    if t_year != int(year) or t_month < 2:
        raise UserError(f"--through {through} must be a month of {year} from {year}-02 on "
                        "(the first release of a year is 1–2月)")
    from ..data.vintages import as_published, release_lags_of
    from ..simulate.scenarios import Scenario, load_scenario

    if not isinstance(scenario, Scenario):  # read once, not once per engine run
        scenario = load_scenario(bundle.params_dir, str(scenario))

    zones = tuple(bundle.clusters["cluster_id"])
    lags = release_lags_of(bundle)
    fitted = None
    vintages, steps = [], []
    previous = earlier = None
    for month in range(2, t_month + 1):
        as_of = f"{year}-{month:02d}"
        obs = as_published(bundle.observations, as_of, lags)  # published by this as-of
        full, models = _outcomes(bundle, year, as_of, _visible(obs, year, dict.fromkeys(zones, month)),
                                 scenario, n_paths, seed, fitted)
        fitted = fitted or models
        vintages.append(full.reset_index().assign(as_of=as_of))
        if previous is not None:
            before = previous
            cutoff = dict.fromkeys(zones, month - 1)
            old, new = _visible(earlier, year, cutoff), _visible(obs, year, cutoff)
            calendar = _outcomes(bundle, year, as_of, old, scenario, n_paths, seed, fitted)[0]
            revised = len(old) != len(new) or not old["vintage"].astype(str).reset_index(
                drop=True).equals(new["vintage"].astype(str).reset_index(drop=True))
            chain = [("calendar", calendar),
                     ("revisions", _outcomes(bundle, year, as_of, new, scenario, n_paths, seed,
                                             fitted)[0] if revised else calendar)]
            for zone in zones:
                cutoff[zone] = month
                state = full if zone == zones[-1] else _outcomes(
                    bundle, year, as_of, _visible(obs, year, cutoff), scenario, n_paths,
                    seed, fitted)[0]
                chain.append((f"news: {zone}", state))
            for component, after in chain:
                delta = (after[["p_attain", "median"]] - before[["p_attain", "median"]])
                steps.append(delta.reset_index().rename(
                    columns={"p_attain": "delta_p", "median": "delta_median"}).assign(
                    from_as_of=f"{year}-{month - 1:02d}", to_as_of=as_of, component=component))
                before = after
        previous, earlier = full, obs
    by_vintage = pd.concat(vintages, ignore_index=True)[
        ["as_of", "target_id", "indicator", "scope", "target", "p_attain", "median"]]
    cols = ["from_as_of", "to_as_of", "target_id", "scope", "component", "delta_p",
            "delta_median"]
    decomposition = (pd.concat(steps, ignore_index=True)[cols] if steps
                     else pd.DataFrame(columns=cols))
    name = scenario.name
    return TrackResult(year=int(year), through=f"{t_year}-{t_month:02d}", scenario=name,
                       seed=int(seed), n_paths=int(n_paths), by_vintage=by_vintage,
                       decomposition=decomposition, zone_order=zones)
