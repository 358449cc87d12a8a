"""One attainment result: everything the assess stage says about a plan, built once.

:func:`assess_plan` runs every answer of the assess stage on one simulation and returns an
:class:`Attainment`; the CLI (``zzforecast attain``: text or JSON), the notebooks and the
reports read that object instead of assembling the answers again, so they show the same
joint probabilities, drivers, outlook and cross-check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.schemas import MONTHLY_INDICATORS
from ..exceptions import UserError
from .attain import DEFAULT_TOLERANCE, assess, joint_attainment
from .crosscheck import nowcast_check
from .drivers import drivers
from .outlook import project_outlook
from .progress import latest_months, progress_records, time_progress, zone_latest
from .serialise import to_json
from .stars import star_ratings
from .text import render_text

__all__ = ["Attainment", "assess_plan"]


@dataclass
class Attainment:
    """What the plan's targets look like under one simulation (built by :func:`assess_plan`).

    Attributes
    ----------
    simulation : Simulation
        The joint paths behind every number, and the run's metadata: ``year``, ``as_of``,
        ``scenario_name`` and ``scenario`` (the assumptions applied), ``seed``,
        ``n_paths``, the data/params/scenario digests, ``version``, ``synthetic`` and
        ``method`` (correlation, deflator, what was left out).
    table : pandas.DataFrame
        :func:`~zzforecast.assess.attain.assess`: one row per target (columns
        :data:`~zzforecast.assess.attain.ASSESS_COLUMNS`); ``attrs`` hold
        ``not_assessed`` (targets left out and why), ``no_official_target`` (zones whose
        targets are derived placeholders: an outlook, no probability) and
        ``zone_deflators``.
    joint : pandas.DataFrame
        :func:`~zzforecast.assess.attain.joint_attainment`: P(city and provincial growth
        targets met on the same path), beside the product of the single chances.
    drivers : dict of str to pandas.DataFrame
        :func:`~zzforecast.assess.drivers.drivers` per monthly indicator with a city growth
        target: each cluster's part of the expected gap and the growth it would need.
    stars : pandas.DataFrame or None
        :func:`~zzforecast.assess.stars.star_ratings`; None when the plan's star rules are
        missing or invalid, ``stars_skipped`` then says why.
    stars_skipped : str or None
    projects : pandas.DataFrame
        :func:`~zzforecast.assess.outlook.project_outlook` under the simulation's own
        scenario (empty without projects; ``attrs["skipped"]`` when it cannot be stated).
    check : pandas.DataFrame
        :func:`~zzforecast.assess.crosscheck.nowcast_check`: the simulated totals against a
        top-down nowcast; empty with ``attrs["skipped"]`` when it was left out.
    progress : pandas.DataFrame
        :func:`~zzforecast.assess.progress.time_progress`: 序时进度 of every monthly
        indicator and scope.
    zones : pandas.DataFrame
        :func:`~zzforecast.assess.progress.zone_latest`: each zone's latest data month and
        whether it is behind the vintage.
    names : dict
        Display names of the clusters by language: ``{"zh": {id: name}, "en": {...}}``.
    """

    simulation: object
    table: pd.DataFrame
    joint: pd.DataFrame
    drivers: dict[str, pd.DataFrame]
    stars: pd.DataFrame | None
    stars_skipped: str | None
    projects: pd.DataFrame
    check: pd.DataFrame
    progress: pd.DataFrame
    zones: pd.DataFrame
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """What was left out of the result and why, one sentence each (for stderr)."""
        out = []
        if self.stars_skipped:
            out.append(f"star ratings skipped: {self.stars_skipped}")
        if self.check.attrs.get("skipped"):
            out.append(f"nowcast cross-check left out: {self.check.attrs['skipped']}")
        if self.projects.attrs.get("skipped"):
            out.append(f"project outlook left out: {self.projects.attrs['skipped']}")
        return out

    def to_json(self) -> dict:
        """The ``zzforecast attain --format json`` document (DESIGN.md section 4).

        Rounded to 6 significant digits, NaN as null, nothing from the clock: the same
        inputs and seed give byte-identical JSON.
        """
        doc = to_json(self.simulation, self.table, joint=self.joint,
                      driver_frames=self.drivers, stars=self.stars, projects=self.projects,
                      check=self.check)
        doc["progress"] = progress_records(self.progress)
        zones = progress_records(self.zones.drop(columns="by_indicator"))
        for rec, by in zip(zones, self.zones["by_indicator"], strict=True):
            rec["by_indicator"] = dict(by)
        doc["data_as_of"] = {"as_of": self.simulation.as_of, "zones": zones}
        return doc

    def to_text(self, lang: str = "zh") -> str:
        """The readable report of ``zzforecast attain`` in Chinese or English."""
        return render_text(self.simulation, self.table, self.joint, self.drivers, self.stars,
                           lang=lang, projects=self.projects, names=self.names.get(lang, {}),
                           check=self.check, progress=self.progress, zones=self.zones)


def assess_plan(simulation, bundle, *, tolerance: float = DEFAULT_TOLERANCE,
                clusters=None) -> Attainment:
    """Every answer of the assess stage about the bundle's plan, from one simulation.

    Parameters
    ----------
    simulation : Simulation
        The joint paths (of the bundle's plan year, as of the vintage to assess).
    bundle : Bundle
        The loaded data and plan, as published by the simulation's as-of
        (:func:`zzforecast.data.vintages.published_bundle`).
    tolerance : float
        Tolerance of "左右" targets whose registry entry gives none (fraction points).
    clusters : list of str, optional
        The cluster ids the simulation was restricted to; their totals are not the city's,
        so the plan's city-level targets then get no 序时进度 share.

    Returns
    -------
    Attainment
        A missing or bad ``stars.yaml`` leaves the star ratings out (``stars_skipped``)
        and keeps the rest.
    """
    table = assess(simulation, bundle, tolerance=tolerance)
    driver_frames = {}
    for ind in MONTHLY_INDICATORS:
        if ind in simulation.indicators:
            try:
                driver_frames[ind] = drivers(simulation, bundle, indicator=ind)
            except UserError:  # no city growth target for this indicator
                continue
    stars, stars_skipped = None, None
    try:
        stars = star_ratings(simulation, bundle)
    except UserError as exc:
        stars_skipped = str(exc)
    progress, zones = _progress(simulation, bundle, clusters)
    return Attainment(
        simulation=simulation, table=table, joint=joint_attainment(simulation, bundle),
        drivers=driver_frames, stars=stars, stars_skipped=stars_skipped,
        projects=project_outlook(simulation, bundle), check=nowcast_check(simulation, bundle),
        progress=progress, zones=zones, names=_names(bundle.clusters))


def _progress(simulation, bundle, clusters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """序时进度 and each zone's latest month, from the loaded data (no simulation paths)."""
    registry = bundle.clusters
    if clusters is not None:
        registry = registry[registry["cluster_id"].isin(clusters)]
    # a subset's totals are not the city's: the plan's city-level targets do not apply
    targets = bundle.targets if len(registry) == len(bundle.clusters) else []
    lags = getattr(bundle, "release_lags", None)
    progress = time_progress(bundle.observations, registry, targets, simulation.year,
                             simulation.as_of, cluster_targets=bundle.cluster_targets,
                             published=getattr(bundle, "published", None), lags=lags)
    zones = zone_latest(latest_months(bundle.observations, registry, simulation.year,
                                      simulation.as_of, lags=lags))
    return progress, zones


def _names(registry: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The registry's cluster names by language (``name_zh`` / ``name_en``) where given."""
    return {lang: dict(zip(registry["cluster_id"], registry[f"name_{lang}"], strict=True))
            for lang in ("zh", "en") if f"name_{lang}" in registry.columns}
