"""The ``zzforecast attain --format json`` document (DESIGN.md section 4).

Numbers are rounded to 6 significant digits and NaN becomes null (:func:`clean`), so the
same inputs and seed give byte-identical JSON.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..provenance import SYNTHETIC_NOTICE
from .level_bases import deflator_record
from .outcomes import ASSESS_COLUMNS

__all__ = ["clean", "records", "to_json"]


def clean(v):
    """One value made JSON-ready: 6 significant digits, NaN/NA -> None, numpy -> Python."""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if not math.isfinite(v) else float(f"{v:.6g}")
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is None:
        return None
    return v


def records(frame: pd.DataFrame, cols) -> list[dict]:
    """The columns ``cols`` of ``frame`` as a list of JSON-ready dicts."""
    return [{c: clean(v) for c, v in zip(cols, rec, strict=True)}
            for rec in frame[list(cols)].itertuples(index=False, name=None)]


def to_json(simulation, assessment: pd.DataFrame, *, joint: pd.DataFrame | None = None,
            driver_frames: dict[str, pd.DataFrame] | None = None,
            stars: pd.DataFrame | None = None,
            projects: pd.DataFrame | None = None,
            check: pd.DataFrame | None = None) -> dict:
    """The ``attain --format json`` document: targets, joint, drivers, stars, provenance.

    Numbers are rounded to 6 significant digits; NaN becomes null. Nothing depends on the
    clock, so the same inputs and seed give byte-identical JSON.
    """
    sim = simulation
    targets = []
    for rec in records(assessment, ASSESS_COLUMNS):
        q = {k: rec.pop(k) for k in ("q05", "q25", "q50", "q75", "q95")}
        rec["quantiles"] = q
        targets.append(rec)
    doc: dict[str, Any] = {
        "year": sim.year, "as_of": sim.as_of, "scenario": sim.scenario_name,
        "synthetic": bool(sim.synthetic),
        "notice": SYNTHETIC_NOTICE["en"] if sim.synthetic else None,
        "targets": targets,
        "not_assessed": list(assessment.attrs.get("not_assessed", [])),
        # Zones whose per-zone targets are derived placeholders: not targets (no P).
        "no_official_target": [{k: clean(v) for k, v in rec.items()}
                               for rec in assessment.attrs.get("no_official_target", [])],
        "joint": [] if joint is None else records(joint, joint.columns),
        "drivers": {},
        "stars": None,
        "provenance": {
            "seed": sim.seed, "n_paths": sim.n_paths, "data_digest": sim.data_digest,
            "params_digest": sim.params_digest, "scenario_digest": sim.scenario_digest,
            "version": sim.version, "as_of": sim.as_of, "scenario": sim.scenario_name,
            "synthetic": bool(sim.synthetic),
            "method": {k: (v if isinstance(v, (dict, list)) else str(v))
                       for k, v in sim.method.items()},
        },
    }
    for ind, frame in (driver_frames or {}).items():
        doc["drivers"][ind] = {
            "scope": frame.attrs.get("scope"), "target": clean(frame.attrs.get("target")),
            "expected_growth": clean(frame.attrs.get("expected_growth")),
            "expected_gap": clean(frame.attrs.get("expected_gap")),
            **{k: clean(v) for k, v in frame.attrs.items() if k.startswith("uplift_for_")},
            "clusters": records(frame, frame.columns),
        }
    if projects is not None:
        doc["projects"] = records(projects, projects.columns)
    if check is not None:
        doc["nowcast_check"] = records(check, check.columns)
    # the deflator behind IAV's nominal level and P(IAV level target) at -2/0/+2 points
    doc["deflator"] = deflator_record(sim, assessment)
    doc["level_bases_note"] = (
        "level targets: 'basis' says which basis p_attain/required_growth answer "
        "(comparable: last year's level x (1 + comparable growth); published: the level "
        "the city will publish); p_attain_published and required_growth_published answer "
        "the published basis, assuming the year-to-date ratio of published to "
        "comparable-basis levels (published_gap) holds to December; IAV's nominal level "
        "already carries the year's published nominal/real gap and is not rescaled")
    if stars is not None:
        doc["stars"] = {"assumption": True,
                        "note": f"star-rating rules are assumptions in params/plans/"
                                f"{sim.year}/stars.yaml; the plan gives none",
                        "rules_digest": stars.attrs.get("rules_digest", ""),
                        "rules": {str(k): v for k, v in stars.attrs.get("rules", {}).items()},
                        "clusters": records(stars, stars.columns)}
    return doc

