"""What earlier runs said: P(target) and the median by vintage, and past forecasts
against outcomes (the OBR's forecast-evaluation idea).

A batch stores each month's run in ``<root>/<year>/<as_of>/<scenario>/`` (``run.json``,
``overview.json``, ``<cluster_id>.json``). :func:`stored_runs` reads them back, skipping,
with a note, a folder that is not a finished run (no or unreadable ``run.json``, a failed
batch, a missing or unreadable JSON, a year or vintage that does not match its folder).

:func:`vintage_history` puts the stored figures beside this run's and fills the vintages
without a stored run with :func:`zzforecast.assess.track.track` (same seed: the same
figures every time). The track's news decomposition explains each month's change of the
recomputed figures; the part of a shown change that comes from comparing figures computed
with other parameters, scenario files or paths (a stored run against a recomputation) is
one more component, :data:`SETTINGS`, so the parts still add up to the shown change.

:func:`zone_history` does the same for each zone's own figures (the median full-year
growth of every simulated indicator, and P(target) where the zone has an entered target).

:func:`forecast_record` lines up the stored forecasts of every year with the outcome, the
December (1–12月累计) figure as first published, once the data hold it.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.asof import parse_as_of
from ..exceptions import UserError
from .cells import finite
from .track import HEADLINE_SCOPES, VintageFigures

__all__ = [
    "STORED",
    "RECOMPUTED",
    "THIS_RUN",
    "SETTINGS",
    "plan_year",
    "StoredRuns",
    "stored_runs",
    "VintageHistory",
    "vintage_history",
    "zone_history",
    "december_outcomes",
    "forecast_record",
]

STORED, RECOMPUTED, THIS_RUN = "stored", "recomputed", "this run"
SETTINGS = "parameters, scenario and paths"
HEADLINE_COLUMNS = ("year", "as_of", "target_id", "indicator", "scope", "kind", "comparison",
                    "target", "p_attain", "median", "seed", "n_paths", "run")
ZONE_COLUMNS = ("year", "as_of", "cluster_id", "indicator", "target_id", "p_attain", "median",
                "q05", "q95", "seed", "n_paths")
RECORD_COLUMNS = (*HEADLINE_COLUMNS[:-1], "outcome", "reached", "error", "brier")
_VINTAGE = re.compile(r"^\d{4}-\d{2}$")


def plan_year(as_of, year: int | None = None) -> int:
    """The plan year of a run: ``year`` when given, else the year of ``as_of``.

    Raises
    ------
    UserError
        When ``year`` is given and ``as_of`` is not one of its months.
    """
    as_year, _ = parse_as_of(as_of)
    if year is None:
        return as_year
    if int(year) != as_year:
        raise UserError(f"as-of {as_of} is not a month of year {year}")
    return int(year)


# --------------------------------------------------------------------------- stored runs

@dataclass(frozen=True)
class StoredRuns:
    """``headline``: :data:`HEADLINE_COLUMNS` (city and provincial targets, ``median`` is
    the stored ``q50``); ``zones``: :data:`ZONE_COLUMNS` (``target_id`` empty for a zone's
    growth outlook); ``notes``: one line per folder skipped, and why."""

    headline: pd.DataFrame
    zones: pd.DataFrame
    notes: tuple[str, ...]


def _read_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _number(value) -> float:
    value = finite(value)
    return math.nan if value is None else value


def _headline_rows(doc: dict, year: int, as_of: str, run: str) -> list[dict]:
    prov = doc.get("provenance") or {}
    rows = []
    for t in doc.get("targets") or []:
        if not isinstance(t, dict) or t.get("scope") not in HEADLINE_SCOPES:
            continue
        rows.append({"year": year, "as_of": as_of, "target_id": str(t.get("target_id")),
                     "indicator": str(t.get("indicator")), "scope": t["scope"],
                     "kind": str(t.get("kind")), "comparison": str(t.get("comparison") or ">="),
                     "target": _number(t.get("target")), "p_attain": _number(t.get("p_attain")),
                     "median": _number(t.get("q50")), "seed": prov.get("seed"),
                     "n_paths": prov.get("n_paths"), "run": run})
    return rows


def _zone_rows(doc: dict, year: int, as_of: str) -> list[dict]:
    prov, cid = doc.get("provenance") or {}, str(doc["cluster_id"])
    common = {"year": year, "as_of": as_of, "cluster_id": cid, "seed": prov.get("seed"),
              "n_paths": prov.get("n_paths")}
    rows = [{**common, "indicator": ind, "target_id": None, "p_attain": math.nan,
             "median": _number(f.get("growth_q50")), "q05": _number(f.get("growth_q05")),
             "q95": _number(f.get("growth_q95"))}
            for ind, f in (doc.get("forecast") or {}).items() if isinstance(f, dict)]
    rows += [{**common, "indicator": str(t.get("indicator")), "target_id": str(t.get("target_id")),
              "p_attain": _number(t.get("p_attain")), "median": _number(t.get("q50")),
              "q05": _number(t.get("q05")), "q95": _number(t.get("q95"))}
             for t in doc.get("targets") or [] if isinstance(t, dict)]
    return rows


def _read_run(folder: Path, year: int, as_of: str, notes: list[str]):
    """(headline rows, zone rows) of one stored run; ``([], [])`` with a note when skipped."""
    try:
        run = _read_json(folder / "run.json")
    except FileNotFoundError:
        notes.append(f"{folder}: no run.json (not a finished batch), skipped")
        return [], []
    except (OSError, ValueError) as exc:
        notes.append(f"{folder}/run.json is unreadable ({exc}), skipped")
        return [], []
    if run.get("status") == "failed" or not run.get("n_ok", 1):
        notes.append(f"{folder}: the batch failed (run.json status {run.get('status')!r}), skipped")
        return [], []
    if str(run.get("as_of", as_of))[:7] != as_of or int(run.get("year", year)) != year:
        notes.append(f"{folder}: run.json is for {run.get('year')}/{run.get('as_of')}, "
                     "not its folder's year and vintage, skipped")
        return [], []
    headline, zones = [], []
    ok = {j.get("name") for j in run.get("jobs") or [] if j.get("status") == "ok"}
    for path in sorted(folder.glob("*.json")):
        if path.name == "run.json" or (ok and path.stem not in ok):
            continue
        try:
            doc = _read_json(path)
        except (OSError, ValueError) as exc:
            notes.append(f"{path} is unreadable ({exc}), skipped")
            continue
        if doc.get("kind") == "overview":
            headline += _headline_rows(doc, year, as_of, str(folder))
        elif doc.get("cluster_id"):
            zones += _zone_rows(doc, year, as_of)
    if not headline:
        notes.append(f"{folder}: no overview.json (the overview failed or was not run): "
                     "its city and provincial figures are not on record")
    return headline, zones


def stored_runs(root, scenario: str = "baseline", *, year: int | None = None,
                through: str | None = None) -> StoredRuns:
    """Every stored run of ``scenario`` under ``root`` (of ``year`` only when given, and up
    to the vintage ``through`` when given). A missing ``root`` holds no runs."""
    notes: list[str] = []
    headline: list[dict] = []
    zones: list[dict] = []
    root = Path(root) if root else None
    years = sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()) if (
        root is not None and root.is_dir()) else []
    for year_dir in years:
        y = int(year_dir.name)
        if year is not None and y != int(year):
            continue
        for vintage_dir in sorted(year_dir.iterdir()):
            folder = vintage_dir / scenario
            if not _VINTAGE.match(vintage_dir.name) or not folder.is_dir():
                continue
            if through is not None and vintage_dir.name > through:
                continue
            h, z = _read_run(folder, y, vintage_dir.name, notes)
            headline += h
            zones += z
    return StoredRuns(pd.DataFrame(headline, columns=list(HEADLINE_COLUMNS)),
                      pd.DataFrame(zones, columns=list(ZONE_COLUMNS)), tuple(notes))


# --------------------------------------------------------------------------- by vintage

@dataclass(frozen=True)
class VintageHistory(VintageFigures):
    """How the headline figures moved from 1–2月 to this run's vintage.

    ``by_vintage``: as_of, target_id, indicator, scope, kind, target, p_attain, median,
    source (:data:`STORED`, :data:`RECOMPUTED` or :data:`THIS_RUN`), seed, n_paths.
    ``decomposition``: from_as_of, to_as_of, target_id, scope, component, delta_p,
    delta_median; per change the components add up to the change of ``by_vintage``.
    ``seconds``: what recomputing cost; ``n_paths`` and ``seed`` are the recomputation's.
    """

    as_of: str
    notes: tuple[str, ...]
    seconds: float

    def vintages(self, source: str) -> list[str]:
        """The vintages whose figures came from ``source``."""
        frame = self.by_vintage
        return sorted(set(frame.loc[frame["source"] == source, "as_of"]))


def _headline_now(assessment: pd.DataFrame, as_of: str, seed: int, n_paths: int) -> pd.DataFrame:
    rows = assessment[assessment["scope"].isin(HEADLINE_SCOPES)]
    return rows[["target_id", "indicator", "scope", "kind", "target", "p_attain", "q50"]].rename(
        columns={"q50": "median"}).assign(as_of=as_of, source=THIS_RUN, seed=seed,
                                          n_paths=n_paths)


def vintage_history(bundle, simulation, assessment: pd.DataFrame, *, stored: StoredRuns | None = None,
                    n_paths: int = 2000, seed: int = 0) -> VintageHistory:
    """The headline targets' P and median at every vintage of the simulation's year up to
    its own, and the decomposition of each month's change (see the module docstring).

    ``simulation`` and ``assessment`` are this run's (its figures are the last vintage's);
    earlier vintages come from ``stored`` where it has them, else from the track, which
    always runs (its decomposition explains every change) with ``n_paths`` and ``seed``.
    """
    from .track import track

    year, as_of, scenario = int(simulation.year), str(simulation.as_of), simulation.scenario_name
    month = parse_as_of(as_of)[1]
    started = time.perf_counter()
    notes = list(stored.notes) if stored is not None else []
    if month >= 3:
        tracked = track(bundle, year, as_of, scenario, n_paths=n_paths, seed=seed)
        recomputed, steps = tracked.by_vintage, tracked.decomposition
        zone_order = tracked.zone_order
    else:  # 1–2月 is the year's first vintage: nothing moved yet
        recomputed = steps = pd.DataFrame(columns=["as_of", "target_id", "scope"])
        zone_order = tuple(bundle.clusters["cluster_id"])
    seconds = time.perf_counter() - started
    key = ["as_of", "target_id", "scope"]
    computed = recomputed[recomputed["as_of"] < as_of].assign(source=RECOMPUTED, seed=seed,
                                                               n_paths=n_paths)
    kinds = assessment.set_index("target_id")["kind"]
    computed["kind"] = computed["target_id"].map(kinds)
    if stored is not None and len(stored.headline):
        old = stored.headline[(stored.headline["year"] == year)
                              & (stored.headline["as_of"] < as_of)]
        old = old.assign(source=STORED).set_index(key)
        computed = computed.set_index(key)
        shared = computed.index.intersection(old.index)
        cols = ["target", "p_attain", "median", "source", "seed", "n_paths"]
        computed.loc[shared, cols] = old.loc[shared, cols].to_numpy()
        computed = computed.reset_index()
    now = _headline_now(assessment, as_of, int(simulation.seed), int(simulation.n_paths))
    shown = pd.concat([computed, now], ignore_index=True)
    shown = shown[shown["target_id"].isin(set(now["target_id"]))]
    columns = ["as_of", "target_id", "indicator", "scope", "kind", "target", "p_attain",
               "median", "source", "seed", "n_paths"]
    shown = shown[columns].sort_values(key, kind="stable").reset_index(drop=True)
    decomposition = _with_settings(shown, recomputed, steps)
    return VintageHistory(year=year, as_of=as_of, scenario=scenario, seed=int(seed),
                          n_paths=int(n_paths), by_vintage=shown, decomposition=decomposition,
                          zone_order=tuple(zone_order), notes=tuple(notes),
                          seconds=round(seconds, 1))


def _with_settings(shown: pd.DataFrame, recomputed: pd.DataFrame,
                   steps: pd.DataFrame) -> pd.DataFrame:
    """The track's decomposition of the recomputed figures plus :data:`SETTINGS`, the gap
    between the shown and the recomputed figures' changes, so the parts add up to the
    shown change."""
    cols = ["from_as_of", "to_as_of", "target_id", "scope", "component", "delta_p",
            "delta_median"]
    if not len(steps):
        return pd.DataFrame(columns=cols)
    key = ["as_of", "target_id", "scope"]
    gap = (shown.set_index(key)[["p_attain", "median"]].astype(float)
           - recomputed.set_index(key)[["p_attain", "median"]].astype(float)).dropna()
    pairs = steps[["from_as_of", "to_as_of", "target_id", "scope"]].drop_duplicates()
    rows = []
    for r in pairs.itertuples(index=False):
        after, before = (r.to_as_of, r.target_id, r.scope), (r.from_as_of, r.target_id, r.scope)
        if after not in gap.index or before not in gap.index:
            continue
        d = gap.loc[after] - gap.loc[before]
        rows.append({**r._asdict(), "component": SETTINGS, "delta_p": float(d["p_attain"]),
                     "delta_median": float(d["median"])})
    keep = steps.set_index(["target_id", "scope"]).index.isin(
        gap.reset_index().set_index(["target_id", "scope"]).index)
    out = pd.concat([steps[keep], pd.DataFrame(rows, columns=cols)], ignore_index=True)
    order = {c: i for i, c in enumerate(dict.fromkeys(out["component"]))}
    return (out.assign(_o=out["component"].map(order))
            .sort_values(["to_as_of", "target_id", "scope", "_o"], kind="stable")
            .drop(columns="_o").reset_index(drop=True)[cols])


# --------------------------------------------------------------------------- each zone

def _zone_figures(simulation, assessment: pd.DataFrame, as_of: str) -> list[dict]:
    """Every zone's growth outlook (median, 90% band) and its entered targets' P."""
    rows = []
    for c, cid in enumerate(simulation.cluster_ids):
        for j, ind in enumerate(simulation.indicators):
            g = np.asarray(simulation.growth[:, c, j], dtype=float)
            g = g[np.isfinite(g)]
            if g.size:
                q05, q50, q95 = np.quantile(g, (0.05, 0.5, 0.95))
                rows.append({"as_of": as_of, "cluster_id": cid, "indicator": ind,
                             "target_id": None, "p_attain": math.nan, "median": float(q50),
                             "q05": float(q05), "q95": float(q95)})
    zones = assessment[assessment["scope"].isin(simulation.cluster_ids)]
    if "derived" in zones:
        zones = zones[~zones["derived"].fillna(False).astype(bool)]
    for r in zones.itertuples(index=False):
        rows.append({"as_of": as_of, "cluster_id": r.scope, "indicator": r.indicator,
                     "target_id": r.target_id, "p_attain": float(r.p_attain),
                     "median": float(r.q50), "q05": float(r.q05), "q95": float(r.q95)})
    return rows


def _recompute_zones(bundle, year: int, vintages: list[str], scenario: str, n_paths: int,
                     seed: int) -> pd.DataFrame:
    """Plain runs at each vintage (what the track runs per vintage, every zone assessed);
    the within-year model is fitted once, as in the track."""
    from ..data.vintages import published_bundle
    from ..estimate.engine_inputs import prepare_inputs
    from ..simulate.engine import simulate
    from .attain import assess

    rows, fitted = [], None
    for v in vintages:
        state = published_bundle(bundle, v)
        inputs = prepare_inputs(state.clusters, state.observations, year, v, fitted=fitted)
        fitted = fitted or inputs.models
        sim = simulate(state, year, v, scenario, n_paths=n_paths,
                       seed=seed, inputs=inputs, keep_monthly=False)
        rows += _zone_figures(sim, assess(sim, state), v)
    return pd.DataFrame(rows, columns=["as_of", *ZONE_COLUMNS[2:-2]])


def zone_history(bundle, simulation, assessment: pd.DataFrame, *, stored: StoredRuns | None = None,
                 n_paths: int = 2000, seed: int = 0,
                 cache_dir=None) -> tuple[pd.DataFrame, float | None]:
    """Every zone's figures (:data:`ZONE_COLUMNS` with ``source``) at every vintage of the
    year up to the simulation's, and the seconds recomputing cost (None when read from
    ``cache_dir``).

    Vintages with a stored run of the zone are read from it; the others are recomputed
    with ``n_paths`` and ``seed`` (all zones at once). With ``cache_dir`` (the batch's
    work folder, shared by the notebooks of one batch) the recomputation is saved there
    and read back by the other notebooks; it is deterministic, so whichever notebook
    writes it, the figures are the same.
    """
    year, as_of, scenario = int(simulation.year), str(simulation.as_of), simulation.scenario_name
    month = parse_as_of(as_of)[1]
    earlier = [f"{year}-{m:02d}" for m in range(2, month)]
    started = time.perf_counter()
    cache = (Path(cache_dir) / f"zone_history_{year}_{as_of}_{scenario}_{n_paths}_{seed}.csv"
             if cache_dir else None)
    seconds = None  # another notebook of the batch paid for it
    if cache is not None and cache.is_file():
        recomputed = pd.read_csv(cache, dtype={"target_id": object})
    else:
        recomputed = _recompute_zones(bundle, year, earlier, scenario, n_paths, seed)
        if cache is not None:
            _write_atomically(cache, recomputed.to_csv(index=False))
        seconds = round(time.perf_counter() - started, 1)
    recomputed = recomputed.assign(source=RECOMPUTED, seed=seed, n_paths=n_paths)
    if stored is not None and len(stored.zones):
        old = stored.zones[(stored.zones["year"] == year) & (stored.zones["as_of"] < as_of)]
        have = set(zip(old["as_of"], old["cluster_id"], strict=True))
        fresh = [(a, c) not in have for a, c in zip(recomputed["as_of"], recomputed["cluster_id"],
                                                    strict=True)]
        recomputed = pd.concat([old.drop(columns="year").assign(source=STORED),
                                recomputed[fresh]], ignore_index=True)
    now = pd.DataFrame(_zone_figures(simulation, assessment, as_of),
                       columns=["as_of", *ZONE_COLUMNS[2:-2]]).assign(
        source=THIS_RUN, seed=int(simulation.seed), n_paths=int(simulation.n_paths))
    out = pd.concat([recomputed, now], ignore_index=True)
    out["target_id"] = out["target_id"].where(out["target_id"].notna(), None)
    return (out.sort_values(["cluster_id", "indicator", "as_of"], kind="stable")
            .reset_index(drop=True), seconds)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the record

def december_outcomes(observations: pd.DataFrame, clusters: pd.DataFrame, year: int) -> pd.DataFrame:
    """The year's outcome by scope and indicator once the data hold its December: ``scope``,
    ``indicator``, ``growth`` (1–12月累计同比) and ``level`` (1–12月累计), as first published.

    A scope whose zones do not all have December has no outcome (an empty frame when the
    year has no December at all).
    """
    from .progress import time_progress

    progress = time_progress(observations, clusters, [], int(year), f"{int(year)}-12")
    done = progress[(progress["month"] == 12) & ~progress["behind"].astype(bool)]
    return done.rename(columns={"cum_growth": "growth", "cum_level": "level"})[
        ["scope", "indicator", "growth", "level"]].reset_index(drop=True)


def forecast_record(stored: StoredRuns, observations: pd.DataFrame,
                    clusters: pd.DataFrame) -> pd.DataFrame:
    """The stored headline forecasts against the outcome (:data:`RECORD_COLUMNS`).

    ``outcome`` is the December figure on the target's own footing (growth for a growth
    target, the level for a level target), NaN until the data hold it; ``reached`` is 1.0
    when the outcome met the target, ``error`` = median - outcome and ``brier`` =
    (P - reached)².
    """
    from .outcomes import probability

    frame = stored.headline.drop(columns="run").copy()
    frame["outcome"] = math.nan
    for year in sorted(set(frame["year"])):
        found = december_outcomes(observations, clusters, year).set_index(["scope", "indicator"])
        for i in frame.index[frame["year"] == year]:
            key = (frame.at[i, "scope"], frame.at[i, "indicator"])
            if key in found.index:
                column = "growth" if frame.at[i, "kind"] == "growth" else "level"
                frame.at[i, "outcome"] = _number(found.at[key, column])
    known = frame["outcome"].notna()
    frame["reached"] = [probability(np.array([o]), float(t), str(c)) if k else math.nan
                        for o, t, c, k in zip(frame["outcome"], frame["target"],
                                              frame["comparison"], known, strict=True)]
    frame["error"] = frame["median"] - frame["outcome"]
    frame["brier"] = (frame["p_attain"] - frame["reached"]) ** 2
    return frame.sort_values(["year", "as_of", "target_id", "scope"],
                             kind="stable").reset_index(drop=True)[list(RECORD_COLUMNS)]
