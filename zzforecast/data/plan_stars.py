"""A plan's star goals (``star_goals.csv``) and star-rating rules (``stars.yaml``).

The plan names the star level (1 to 6) each zone should reach; the rules that turn a
zone's figures into a level are not in the plan, so ``stars.yaml`` is an ASSUMPTION and
must say so (``assumption: true``). Both files live in a plan's folder
(``params/plans/<year>/``) and are read by :func:`~zzforecast.data.plan.load_plan`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from .checks import (
    Checker,
    as_text,
    check_columns,
    cluster_id_problems,
    cluster_id_set,
    duplicates,
    int_values,
    no_rows,
    registry_name,
    require,
    text_problems,
)
from .schemas import STAR_GOALS_COLUMNS
from .strict_yaml import read_yaml
from .tables import read_table
from .yaml_models import validate_yaml

__all__ = ["STAR_RULES_FILE", "StarLevel", "StarRules", "load_star_rules", "load_star_goals",
           "empty_star_goals"]

STAR_RULES_FILE = "stars.yaml"


class StarLevel(BaseModel):
    """Thresholds of one star level (every one must be met)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    revenue_min: float | None = None  # 亿元, full-year main-business revenue
    iav_growth_min: float | None = None  # fraction, real IAV growth
    fai_growth_min: float | None = None  # fraction, FAI growth

    @field_validator("iav_growth_min", "fai_growth_min")
    @classmethod
    def _fraction(cls, v):
        if v is not None and abs(v) >= 1:
            raise ValueError(f"{v!r} looks like a percent; write a fraction (e.g. {v / 100:g})")
        return v

    @field_validator("revenue_min")
    @classmethod
    def _positive(cls, v):
        if v is not None and v < 0:
            raise ValueError("must not be negative (亿元)")
        return v


def _star_level(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 6:
        raise ValueError("star level must be an integer from 1 to 6")
    return v


class StarRules(BaseModel):
    """Star-rating rules (``stars.yaml``): an ASSUMPTION, since plans give none."""

    model_config = ConfigDict(extra="forbid", strict=True)

    assumption: Any
    note_zh: str = ""
    note_en: str = ""
    indicator: str | None = None
    levels: dict[Any, StarLevel]

    @field_validator("assumption", mode="before")
    @classmethod
    def _assumption(cls, v):
        if v is not True:
            raise ValueError("must be `true`: the plan gives no rating rules, so these are "
                             "assumptions and must say so")
        return v

    @field_validator("levels", mode="before")
    @classmethod
    def _levels(cls, v):
        if not isinstance(v, dict) or not v:
            raise ValueError("expected a mapping of star level (1..6) to thresholds")
        for key in v:
            _star_level(key)
        return v

    @model_validator(mode="after")
    def _rising(self):
        ordered = sorted(self.levels)
        for a, b in zip(ordered, ordered[1:], strict=False):
            ra, rb = self.levels[a].revenue_min, self.levels[b].revenue_min
            if ra is not None and rb is not None and rb < ra:
                raise ValueError(f"levels.{b}.revenue_min {rb:g} is below level {a}'s {ra:g}: "
                                 "thresholds must rise with the star level")
        return self


def load_star_rules(path: str | Path = "params") -> dict:
    """Read and validate star-rating rules (``stars.yaml``, an ASSUMPTION).

    Parameters
    ----------
    path : str or path-like
        The file, or the folder holding ``stars.yaml`` (a plan folder).

    Returns
    -------
    dict
        ``{"assumption": True, "note_zh": ..., "note_en": ..., "levels": {1: {...}, ...},
        "digest": sha256}``; each level maps threshold names to floats.

    Raises
    ------
    ParamsError
        Naming the file, line and key for unknown keys, wrong types, percent where a
        fraction belongs or thresholds that do not rise with the star level.
    """
    path = Path(path)
    if path.is_dir():
        path = path / STAR_RULES_FILE
    rules = validate_yaml(StarRules, read_yaml(path), path)
    levels = {int(k): {name: float(v) for name, v in rule.model_dump().items() if v is not None}
              for k, rule in rules.levels.items()}
    return {"assumption": True, "note_zh": rules.note_zh, "note_en": rules.note_en,
            "levels": levels, "digest": hashlib.sha256(path.read_bytes()).hexdigest()}


def load_star_goals(path: str | Path, clusters=None) -> pd.DataFrame:
    """Load and check a plan's star goals (``star_goals.csv``).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, star_target`` (int), ``source``, in file order.

    Raises
    ------
    DataError
        Listing every problem with file, row and field: columns, unknown or repeated
        zones, star levels outside 1..6.
    """
    file = str(path)
    frame = read_table(path)
    chk = Checker(file, frame.index)
    if not check_columns(chk, frame.columns, STAR_GOALS_COLUMNS):
        chk.raise_if_any()
    no_rows(chk, frame)
    text = {c: as_text(frame, c) for c in STAR_GOALS_COLUMNS}
    present = require(chk, text, ("cluster_id", "star_target"))
    text_problems(chk, text, STAR_GOALS_COLUMNS)
    ok = cluster_id_problems(chk, text["cluster_id"], present["cluster_id"],
                             cluster_id_set(clusters), registry=registry_name(clusters))
    duplicates(chk, "cluster_id", text["cluster_id"].to_numpy(dtype=object), ok,
               lambda key: f"a star goal for '{key}'")
    stars = int_values(chk, "star_target", text["star_target"], present["star_target"], 1, 6,
                       "star level")
    chk.raise_if_any()
    out = pd.DataFrame({"cluster_id": text["cluster_id"].astype(str).to_numpy(),
                        "star_target": stars.astype("int64").to_numpy(),
                        "source": text["source"].astype(str).to_numpy()})
    out.attrs["file"] = file
    return out


def empty_star_goals() -> pd.DataFrame:
    return pd.DataFrame({"cluster_id": pd.Series([], dtype=object),
                         "star_target": pd.Series([], dtype="int64"),
                         "source": pd.Series([], dtype=object)})
