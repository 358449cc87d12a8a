"""The audit's finding object and the helpers its checks share (percentages, plan facts, data)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ...data.plan import AuditFacts
from ...data.targets import Target
from ...i18n import percent as pct

__all__ = ["Finding", "pct", "by_id", "fact", "data_label", "city_level", "growth_to_reach"]


@dataclass(frozen=True)
class Finding:
    """One result of the audit.

    Attributes
    ----------
    id : str
        Stable id, e.g. ``"employment_conflict"``.
    kind : str
        ``conflict`` (two statements disagree), ``implication`` (what the numbers imply),
        ``check`` (a comparison whose meaning is limited) or ``note``.
    title, text : dict
        ``{"zh": ..., "en": ...}``.
    numbers : dict
        The figures quoted in the text (fractions for growth and shares).
    table : tuple of dict
        Optional rows (same keys in each row).
    targets : tuple of str
        Ids of the targets involved.
    """

    id: str
    kind: str
    title: dict
    text: dict
    numbers: dict = field(default_factory=dict)
    table: tuple = ()
    targets: tuple = ()



def by_id(targets: list[Target]) -> dict[str, Target]:
    return {t.id: t for t in targets}


def fact(facts: AuditFacts, name: str, lang: str, template: str, default: str = "") -> str:
    """``template`` filled with the plan's fact ``name`` in ``lang`` ({} = the fact), or
    ``default`` when the plan's audit.yaml does not give it."""
    text = getattr(facts, name, None)
    return template.format(getattr(text, lang)) if text is not None else default


def data_label(synthetic: bool) -> tuple[str, str]:
    return (("（合成演示数据，非官方统计）", " (synthetic demonstration data, not official statistics)")
            if synthetic else ("", ""))


def city_level(observations: pd.DataFrame | None, indicator: str, year: int) -> float | None:
    if observations is None:
        return None
    obs = observations
    rows = obs[(obs["indicator"] == indicator) & (obs["measure"] == "level")
               & (obs["frequency"] == "annual") & (obs["period"].astype(str) == str(year))]
    if rows.empty:
        return None
    return float(pd.to_numeric(rows["value"]).sum())


def growth_to_reach(observations, indicator: str, year: int, target: float, synthetic: bool,
                     what_zh: str) -> tuple[dict, str, str]:
    """What the data say about reaching a level target: the numbers and a zh/en sentence.

    Returns empty results when the data hold no city level for ``year``.
    """
    data = city_level(observations, indicator, year)
    if data is None:
        return {}, "", ""
    growth = target / data - 1
    lz, le = data_label(synthetic)
    zh = f"数据中{year}年{what_zh}为{data:.1f}亿元{lz}，达到{target:g}亿元需增长{pct(growth)}。"
    en = f" The data{le} give {data:.1f} for {year}; reaching {target:g} needs {pct(growth)}."
    return {"data_base": data, "data_growth_to_level": growth}, zh, en

