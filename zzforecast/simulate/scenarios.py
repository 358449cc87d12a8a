"""Scenarios: validated assumptions about the months still to come.

A scenario file ``params/scenarios/<name>.yaml`` holds (every key optional except
``name``; missing keys take the neutral value shown)::

    name: downside                   # must equal the file name
    label: {zh: 下行情景, en: Downside}
    description: {zh: ..., en: ...}
    growth_shift:                    # added to the growth of the months still to come
      fai: {city: -0.02, provincial: 0.0, municipal: 0.0}
      iav: {city: -0.01}
      revenue: {}
      employment: {}
    volatility_multiplier: 1.3       # multiplies every simulated spread (> 0)
    deflator: {mean: 0.03, sd: 0.02} # IAV price change, real -> nominal level
    projects:
      delay_months: 3                # extra mean delay of project starts (months)
      delay_sd_months: 2             # spread of each project's slippage (months)
      completion_rate: 0.8           # share of planned annual investment realised
      completion_rate_sd: 0.1        # spread of that share across projects

Growth and rates are fractions (0.02 for 2 percentage points); a value that looks like a
percent is an error that says so. Unknown keys, wrong types and YAML tags are errors that
name the file, the line and the key path (pydantic models, as for every params file).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)

from ..data.schemas import CITY_SCOPE, INDICATORS, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..data.yaml_models import validate_yaml
from ..exceptions import UserError

__all__ = ["Scenario", "load_scenario", "list_scenarios", "parse_scenario",
           "scenario_shift", "scenario_digest", "scenario_assumptions", "SCENARIO_DIR"]

SCENARIO_DIR = "scenarios"


@dataclass(frozen=True)
class Scenario:
    """One validated scenario (see the module docstring for the meaning of each field)."""

    name: str
    label_zh: str = ""
    label_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    growth_shift: dict[str, dict[str, float]] = field(default_factory=dict)
    volatility_multiplier: float = 1.0
    deflator_mean: float = 0.0
    deflator_sd: float = 0.0
    delay_months: float = 0.0
    delay_sd_months: float = 0.0
    completion_rate: float = 1.0
    completion_rate_sd: float = 0.0
    path: str = ""
    digest: str = ""

    def label(self, lang: str = "zh") -> str:
        """The scenario's display name in Chinese or English."""
        text = self.label_zh if lang == "zh" else self.label_en
        return text or self.name


def list_scenarios(params_dir: str | os.PathLike = "params") -> list[str]:
    """Names of the scenarios available under ``<params_dir>/scenarios/`` (sorted)."""
    folder = Path(params_dir) / SCENARIO_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("."))


# Scenario names are file names here and folder names of the reports: one rule for
# attain, reports and the Python API.
SCENARIO_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"


def load_scenario(params_dir: str | os.PathLike, name: str) -> Scenario:
    """Read and validate ``<params_dir>/scenarios/<name>.yaml``.

    Raises
    ------
    UserError
        For an unknown scenario name (listing the available ones).
    ParamsError
        For a scenario file with problems; each names the file and the key path.
    """
    from ..data.strict_yaml import read_yaml

    if not isinstance(name, str) or not re.fullmatch(SCENARIO_PATTERN, name):
        raise UserError(f"scenario name {name!r} is not valid: a name like 'baseline' "
                        "(letters, digits, '_' and '-', at most 64; it also names the "
                        "report folder)")
    path = Path(params_dir) / SCENARIO_DIR / f"{name}.yaml"
    if not path.is_file():
        known = list_scenarios(params_dir)
        hint = ""
        if path.with_suffix(".yml").is_file():
            hint = f" (found {path.with_suffix('.yml').name}: rename it to {path.name})"
        raise UserError(f"unknown scenario '{name}': no file {path}{hint}; available: "
                        f"{', '.join(known) if known else '(none)'}")
    raw = read_yaml(path)
    scenario = parse_scenario(raw, file=str(path), expected_name=name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Scenario(**{**scenario.__dict__, "path": str(path), "digest": digest})


# --------------------------------------------------------------------------- validation
# pydantic (v2) models of the file, as for every params file (zzforecast.data.yaml_models:
# each problem names the file, the line and the dotted key). Numbers go through one
# checker that says what the number means, and that a "3" meant as 3% should be 0.03.

def _number(*, lo: float, hi: float, what: str, percent_hint: bool = True,
            lo_open: bool = False) -> BeforeValidator:
    """A finite number in [lo, hi] (or (lo, hi]), read as a float."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number ({what}), got {type(value).__name__} {value!r}")
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number ({what}), got {value!r}")
        if percent_hint and abs(v) >= 1 and hi <= 1 and (v > hi or v < lo):
            raise ValueError(f"{value!r} looks like a percent; write fractions ({what}), "
                             f"e.g. {v / 100:g} for {v:g}%")
        if v < lo or v > hi or (lo_open and v == lo):
            bound = f"({lo:g}, {hi:g}]" if lo_open else f"[{lo:g}, {hi:g}]"
            raise ValueError(f"{value!r} is outside the allowed range {bound} ({what})")
        return v

    return BeforeValidator(check)


_Shift = Annotated[float, _number(lo=-0.5, hi=0.5, what="growth shift as a fraction, "
                                  "-0.02 = minus 2 points")]
_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ScopeShifts(BaseModel):
    """One indicator's growth shifts by scope."""

    model_config = _STRICT

    city: _Shift = 0.0
    provincial: _Shift = 0.0
    municipal: _Shift = 0.0


# One optional entry per indicator of the registry (an unknown indicator is an unknown key).
_GrowthShifts = create_model("_GrowthShifts", __config__=_STRICT,
                             **{ind: (_ScopeShifts | None, None) for ind in INDICATORS})


class _Texts(BaseModel):
    model_config = _STRICT

    zh: str | None = None
    en: str | None = None


class _Deflator(BaseModel):
    model_config = _STRICT

    mean: Annotated[float, _number(lo=-0.5, hi=0.5, what="price change as a fraction, "
                                   "0.03 = 3%")] = 0.0
    sd: Annotated[float, _number(lo=0.0, hi=0.5, what="standard deviation as a fraction")] = 0.0


class _Projects(BaseModel):
    model_config = _STRICT

    delay_months: Annotated[float, _number(lo=0.0, hi=36.0, what="months",
                                           percent_hint=False)] = 0.0
    delay_sd_months: Annotated[float, _number(lo=0.0, hi=24.0, what="months",
                                              percent_hint=False)] = 0.0
    completion_rate: Annotated[float, _number(
        lo=0.0, hi=1.0, what="share of planned investment realised, 0.9 = 90%",
        lo_open=True)] = 1.0
    completion_rate_sd: Annotated[float, _number(lo=0.0, hi=0.5, what="standard deviation "
                                                 "as a fraction")] = 0.0

    @field_validator("completion_rate_sd")
    @classmethod
    def _share_sd(cls, sd: float, info: ValidationInfo) -> float:
        # A share's spread is bounded by its mean: sd^2 < rate (1 - rate).
        rate = info.data.get("completion_rate")
        if rate is not None and sd > 0 and rate < 1 and sd**2 >= rate * (1 - rate):
            raise ValueError(f"{sd:g} is too large for completion_rate {rate:g}: a share's "
                             f"sd must be below sqrt(rate*(1-rate)) = "
                             f"{(rate * (1 - rate)) ** 0.5:.3f}")
        return sd


class _ScenarioFile(BaseModel):
    """A scenario file (see the module docstring)."""

    model_config = _STRICT

    # A default run through the validator, so a missing name is a located problem that
    # says what the name must be.
    name: str | None = Field(default=None, validate_default=True)
    label: _Texts | None = None
    description: _Texts | None = None
    growth_shift: _GrowthShifts | None = None
    volatility_multiplier: Annotated[float, _number(
        lo=0.0, hi=10.0, what="multiplier of the spreads, 1 = as estimated",
        percent_hint=False, lo_open=True)] = 1.0
    deflator: _Deflator | None = None
    projects: _Projects | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None, info: ValidationInfo) -> str:
        expected = (info.context or {}).get("expected_name")
        if name is None:
            raise ValueError("missing: every scenario needs a name (the file name without "
                             ".yaml)")
        if expected is not None and name != expected:
            raise ValueError(f"'{name}' differs from the file name '{expected}'")
        return name


def _shifts(raw: dict, shifts: BaseModel | None) -> dict[str, dict[str, float]]:
    """The growth shifts the file states, in its own order (absent scopes stay absent)."""
    out: dict[str, dict[str, float]] = {}
    for ind, by_scope in (raw.get("growth_shift") or {}).items():
        scopes = getattr(shifts, ind)
        out[ind] = {scope: getattr(scopes, scope) for scope in (by_scope or {})}
    return out


def parse_scenario(raw: Any, *, file: str = "<scenario>", expected_name: str | None = None) -> Scenario:
    """Validate a parsed scenario document and return a :class:`Scenario`.

    Raises
    ------
    ParamsError
        Listing every problem, each with the file, the line and the key path.
    """
    doc = validate_yaml(_ScenarioFile, raw, file, context={"expected_name": expected_name})
    label, description = doc.label or _Texts(), doc.description or _Texts()
    deflator, projects = doc.deflator or _Deflator(), doc.projects or _Projects()
    return Scenario(
        name=doc.name, label_zh=label.zh or "", label_en=label.en or "",
        description_zh=description.zh or "", description_en=description.en or "",
        growth_shift=_shifts(raw, doc.growth_shift),
        volatility_multiplier=doc.volatility_multiplier, deflator_mean=deflator.mean,
        deflator_sd=deflator.sd, delay_months=projects.delay_months,
        delay_sd_months=projects.delay_sd_months, completion_rate=projects.completion_rate,
        completion_rate_sd=projects.completion_rate_sd,
    )


def scenario_shift(scenario: Scenario, inputs) -> np.ndarray:
    """The scenario's growth shift of every simulated series, (n_clusters, n_indicators).

    A series' shift adds up its indicator's city shift, its zone level's
    (provincial/municipal) shift and its own cluster id's; ``inputs`` is a
    :class:`~zzforecast.estimate.engine_inputs.SimInputs`.
    """
    n_c, n_i = inputs.shape
    shift = np.zeros((n_c, n_i))
    shifts = scenario.growth_shift or {}
    levels = np.asarray(inputs.cluster_levels)
    for j, ind in enumerate(inputs.indicators):
        by_scope = shifts.get(ind, {}) or {}
        shift[:, j] += float(by_scope.get(CITY_SCOPE, 0.0))
        for scope in (PROVINCIAL_SCOPE, MUNICIPAL_SCOPE):
            shift[levels == scope, j] += float(by_scope.get(scope, 0.0))
        for c, cid in enumerate(inputs.cluster_ids):
            shift[c, j] += float(by_scope.get(cid, 0.0))
    return shift


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of the scenario's assumptions (not of its file: edited copies differ)."""
    fields = {k: v for k, v in vars(scenario).items() if k not in ("path", "digest")}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_assumptions(scenarios, lang: str = "zh"):
    """Each scenario's assumptions as its params file states them, side by side.

    Parameters
    ----------
    scenarios : sequence of Scenario
        As :func:`load_scenario` returns them (the file's own values, not re-derived).
    lang : {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
        One row per assumption (description, each non-zero growth shift by indicator and
        scope in 个百分点 / points, volatility, deflator mean and sd, project delay and its
        spread, completion rate and its spread, the file), one column per scenario label.
    """
    import pandas as pd

    from ..i18n import check_lang, indicator_name, scope_name

    zh = check_lang(lang) == "zh"
    pts = "个百分点" if zh else " points"

    def shift_rows():
        keys = []
        for sc in scenarios:
            for ind, by in (sc.growth_shift or {}).items():
                for scope, v in by.items():
                    if float(v) != 0 and (ind, scope) not in keys:
                        keys.append((ind, scope))
        for ind, scope in keys:
            label = (f"余下月份增速调整：{indicator_name(ind, 'zh')}（{scope_name(scope, 'zh')}）"
                     if zh else f"growth shift, months to come: {indicator_name(ind, 'en')} "
                     f"({scope_name(scope, 'en')})")
            yield label, [f"{100 * float((sc.growth_shift or {}).get(ind, {}).get(scope, 0.0)):+.1f}"
                          f"{pts}" for sc in scenarios]

    rows = [("说明" if zh else "description",
             [(sc.description_zh if zh else sc.description_en) or "–" for sc in scenarios])]
    shifts = list(shift_rows())
    rows += shifts or [("余下月份增速调整" if zh else "growth shift, months to come",
                        ["0" for _ in scenarios])]
    rows += [
        ("波动倍数" if zh else "volatility multiplier",
         [f"×{sc.volatility_multiplier:g}" for sc in scenarios]),
        ("工业品价格涨幅（均值 / 标准差）" if zh else "producer prices (mean / sd)",
         [f"{100 * sc.deflator_mean:.1f}% / {100 * sc.deflator_sd:.1f}%" for sc in scenarios]),
        ("重大项目平均推迟（月；标准差）" if zh else "project delay (months; sd)",
         [f"{sc.delay_months:g}；{sc.delay_sd_months:g}" if zh else
          f"{sc.delay_months:g}; {sc.delay_sd_months:g}" for sc in scenarios]),
        ("计划投资完成率（均值 / 标准差）" if zh else "share of planned investment realised "
         "(mean / sd)",
         [f"{100 * sc.completion_rate:.0f}% / {100 * sc.completion_rate_sd:.0f}%"
          for sc in scenarios]),
        ("参数文件" if zh else "file",
         [f"params/scenarios/{Path(sc.path).name}" if sc.path else sc.name
          for sc in scenarios]),
    ]
    head = "假设" if zh else "assumption"
    return pd.DataFrame([[label, *values] for label, values in rows],
                        columns=[head, *[sc.label(lang) for sc in scenarios]])
