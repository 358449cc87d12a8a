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
name the file and the key path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.schemas import CITY_SCOPE, INDICATORS, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..exceptions import ParamsError, Problem, UserError

__all__ = ["Scenario", "load_scenario", "list_scenarios", "parse_scenario",
           "scenario_shift", "scenario_digest", "scenario_assumptions", "SCENARIO_DIR"]

SCENARIO_DIR = "scenarios"
_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)
_TOP_KEYS = ("name", "label", "description", "growth_shift", "volatility_multiplier",
             "deflator", "projects")
_PROJECT_KEYS = ("delay_months", "delay_sd_months", "completion_rate", "completion_rate_sd")


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

class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, None, key, message))

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...] | None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(key, f"expected a mapping (key: value), got {type(value).__name__} {value!r}")
            return {}
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                self.add(key, f"keys must be text, got {k!r}")
                continue
            if allowed is not None and k not in allowed:
                self.add(f"{key}.{k}" if key else k,
                         f"unknown key '{k}'; expected one of: {', '.join(allowed)}")
                continue
            out[k] = v
        return out

    def number(self, value: Any, key: str, *, lo: float, hi: float, what: str,
               percent_hint: bool = True, lo_open: bool = False) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(key, f"expected a number ({what}), got {type(value).__name__} {value!r}")
            return None
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            self.add(key, f"expected a finite number ({what}), got {value!r}")
            return None
        if percent_hint and abs(v) >= 1 and hi <= 1 and (v > hi or v < lo):
            self.add(key, f"{value!r} looks like a percent; write fractions ({what}), "
                          f"e.g. {v / 100:g} for {v:g}%")
            return None
        if v < lo or v > hi or (lo_open and v == lo):
            bound = f"({lo:g}, {hi:g}]" if lo_open else f"[{lo:g}, {hi:g}]"
            self.add(key, f"{value!r} is outside the allowed range {bound} ({what})")
            return None
        return v

    def text(self, value: Any, key: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(key, f"expected text, got {type(value).__name__} {value!r}")
            return ""
        return value


def parse_scenario(raw: Any, *, file: str = "<scenario>", expected_name: str | None = None) -> Scenario:
    """Validate a parsed scenario document and return a :class:`Scenario`.

    Raises
    ------
    ParamsError
        Listing every problem, each with the file and the key path.
    """
    chk = _Checker(file)
    top = chk.mapping(raw, "", _TOP_KEYS)
    if not isinstance(raw, dict):
        raise ParamsError(chk.problems or [Problem(file, None, None, "expected a mapping")])
    name = top.get("name")
    if name is None:
        chk.add("name", "missing: every scenario needs a name (the file name without .yaml)")
        name = expected_name or ""
    elif not isinstance(name, str):
        chk.add("name", f"expected text, got {type(name).__name__} {name!r}")
        name = expected_name or ""
    elif expected_name is not None and name != expected_name:
        chk.add("name", f"'{name}' differs from the file name '{expected_name}'")
    label = chk.mapping(top.get("label"), "label", ("zh", "en"))
    description = chk.mapping(top.get("description"), "description", ("zh", "en"))
    shifts: dict[str, dict[str, float]] = {}
    for ind, by_scope in chk.mapping(top.get("growth_shift"), "growth_shift",
                                     tuple(INDICATORS)).items():
        scopes = chk.mapping(by_scope, f"growth_shift.{ind}", _SCOPES)
        out = {}
        for scope, v in scopes.items():
            x = chk.number(v, f"growth_shift.{ind}.{scope}", lo=-0.5, hi=0.5,
                           what="growth shift as a fraction, -0.02 = minus 2 points")
            if x is not None:
                out[scope] = x
        shifts[ind] = out
    vol = 1.0
    if "volatility_multiplier" in top:
        v = chk.number(top["volatility_multiplier"], "volatility_multiplier", lo=0.0, hi=10.0,
                       what="multiplier of the spreads, 1 = as estimated", percent_hint=False,
                       lo_open=True)
        vol = v if v is not None else vol
    defl = chk.mapping(top.get("deflator"), "deflator", ("mean", "sd"))
    dmean = chk.number(defl.get("mean", 0.0), "deflator.mean", lo=-0.5, hi=0.5,
                       what="price change as a fraction, 0.03 = 3%")
    dsd = chk.number(defl.get("sd", 0.0), "deflator.sd", lo=0.0, hi=0.5,
                     what="standard deviation as a fraction")
    proj = chk.mapping(top.get("projects"), "projects", _PROJECT_KEYS)
    delay = chk.number(proj.get("delay_months", 0.0), "projects.delay_months", lo=0.0, hi=36.0,
                       what="months", percent_hint=False)
    delay_sd = chk.number(proj.get("delay_sd_months", 0.0), "projects.delay_sd_months",
                          lo=0.0, hi=24.0, what="months", percent_hint=False)
    rate = chk.number(proj.get("completion_rate", 1.0), "projects.completion_rate", lo=0.0,
                      hi=1.0, what="share of planned investment realised, 0.9 = 90%",
                      lo_open=True)
    rate_sd = chk.number(proj.get("completion_rate_sd", 0.0), "projects.completion_rate_sd",
                         lo=0.0, hi=0.5, what="standard deviation as a fraction")
    if rate is not None and rate_sd is not None and rate_sd > 0 and rate < 1:
        if rate_sd**2 >= rate * (1 - rate):
            chk.add("projects.completion_rate_sd",
                    f"{rate_sd:g} is too large for completion_rate {rate:g}: a share's "
                    f"sd must be below sqrt(rate*(1-rate)) = {(rate * (1 - rate)) ** 0.5:.3f}")
    texts = {
        "label_zh": chk.text(label.get("zh"), "label.zh"),
        "label_en": chk.text(label.get("en"), "label.en"),
        "description_zh": chk.text(description.get("zh"), "description.zh"),
        "description_en": chk.text(description.get("en"), "description.en"),
    }
    if chk.problems:
        raise ParamsError(chk.problems)
    return Scenario(
        name=name, **texts,
        growth_shift=shifts, volatility_multiplier=vol, deflator_mean=dmean,
        deflator_sd=dsd, delay_months=delay, delay_sd_months=delay_sd,
        completion_rate=rate, completion_rate_sd=rate_sd,
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
