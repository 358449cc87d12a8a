"""What a report draws from: the plan's bundle, the simulation and its assessments.

When the batch passes ``simulation_path`` (and ``scenarios_path``), the report reads the
joint simulation the batch ran once, so every cluster agrees with the city totals;
without it the report runs its own simulation (interactive use, papermill by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import check_lang
from .scenario_compare import compare_scenarios

__all__ = ["ReportInputs", "load_inputs", "report_inputs", "resolve_dirs"]


@dataclass
class ReportInputs:
    """Everything a report draws from: data bundle, simulation, its one attainment result.

    Attributes
    ----------
    bundle : zzforecast.data.bundle.Bundle
    simulation : zzforecast.simulate.simulation.Simulation
    attainment : zzforecast.assess.result.Attainment
        :func:`~zzforecast.assess.result.assess_plan` of the simulation, built once: every
        section showing targets, joint probabilities, drivers, stars, the project outlook,
        the nowcast cross-check or 序时进度 reads it, so the report, its JSON and
        ``zzforecast attain`` agree.
    scenarios : pandas.DataFrame or None
        Assessments of every scenario (column ``scenario`` added), for comparisons.
    precomputed : bool
        Whether the simulation came from the batch.
    scenario : str
        The scenario's name (``simulation.scenario_name``).
    """

    bundle: Any
    simulation: Any
    attainment: Any
    scenarios: pd.DataFrame | None
    precomputed: bool
    year: int
    as_of: str
    scenario: str
    lang: str
    extras: dict = field(default_factory=dict)

    @property
    def assessment(self) -> pd.DataFrame:
        """``attain.assess`` of the simulation: one row per target and scope."""
        return self.attainment.table


def resolve_dirs(data_dir: str | Path | None = None,
                 params_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Find the ``data`` and ``params`` folders when they are not given.

    Looks in the working directory, its parent (a notebook opened in ``notebooks/``) and
    the source tree the package was installed from, in that order.
    """
    candidates = [Path.cwd(), Path.cwd().parent, Path(__file__).resolve().parents[2]]

    def find(given, name):
        if given:
            return Path(given)
        for root in candidates:
            if (root / name).is_dir():
                return root / name
        return Path(name)

    return find(data_dir, "data"), find(params_dir, "params")


def load_inputs(year: int, as_of: str, scenario: str = "baseline", *, n_paths: int = 10000,
                seed: int = 0, lang: str = "zh", data_dir: str | Path = "data",
                params_dir: str | Path = "params", simulation_path: str | Path | None = None,
                scenarios_path: str | Path | None = None,
                compare_n_paths: int = 2000) -> ReportInputs:
    """Load the bundle and the simulation (precomputed or run here) and assess it once.

    Parameters
    ----------
    simulation_path : path, optional
        A simulation saved by the batch (``Simulation.save``); without it the simulation
        runs here with ``n_paths`` and ``seed``.
    scenarios_path : path, optional
        CSV of :func:`compare_scenarios` saved by the batch; without it the comparison
        runs here with ``compare_n_paths`` paths per scenario.
    """
    from ..data.bundle import load_bundle
    from ..data.vintages import published_bundle
    from ..simulate.engine import simulate
    from ..simulate.simulation import Simulation

    check_lang(lang)
    data_dir, params_dir = resolve_dirs(data_dir, params_dir)
    bundle = load_bundle(data_dir, params_dir, year)
    bundle = published_bundle(bundle, as_of)  # only what was published by the as-of
    if simulation_path:
        sim = Simulation.load(simulation_path)
    else:
        sim = simulate(bundle, year, as_of, scenario, n_paths=n_paths, seed=seed)
    scen = pd.read_csv(scenarios_path, encoding="utf-8") if scenarios_path else None
    inputs = report_inputs(bundle, sim, lang=lang, scenarios=scen,
                           precomputed=bool(simulation_path))
    if inputs.scenarios is None:
        try:
            inputs.scenarios = compare_scenarios(
                bundle, year, as_of, n_paths=min(compare_n_paths, n_paths), seed=seed,
                known={sim.scenario_name: inputs.assessment})
        except Exception:  # noqa: BLE001 - the comparison is an extra; say so in the report
            inputs.scenarios = None
    return inputs


def report_inputs(bundle, simulation, *, lang: str = "zh",
                  scenarios: pd.DataFrame | None = None,
                  precomputed: bool = False) -> ReportInputs:
    """A report's inputs from a bundle and a simulation in memory, assessed once here.

    The simulation may run under a scenario edited in memory (the explorer's): the
    assessment, the project outlook included, follows ``simulation.scenario`` and never
    reads the scenario file.

    Parameters
    ----------
    bundle : Bundle
        As published by the simulation's as-of (:func:`zzforecast.data.vintages.published_bundle`).
    simulation : Simulation
    scenarios : pandas.DataFrame, optional
        :func:`compare_scenarios` of the same vintage, for the scenario sections.
    """
    from ..assess.result import assess_plan

    check_lang(lang)
    # the simulation's zones: a subset's totals are not the city's (no city 序时进度 share)
    attainment = assess_plan(simulation, bundle, clusters=list(simulation.cluster_ids))
    return ReportInputs(bundle=bundle, simulation=simulation, attainment=attainment,
                        scenarios=scenarios, precomputed=precomputed,
                        year=int(simulation.year), as_of=str(simulation.as_of),
                        scenario=str(simulation.scenario_name), lang=lang)
