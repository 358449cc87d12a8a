"""The prose of the reports, in Chinese (default) and English.

The caveats every report lists, the reading guide and the methodology appendix (built
from the stored real-time evaluation of the within-year model). Short strings and names
live in :mod:`zzforecast.i18n`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..i18n import check_lang, percent

__all__ = ["caveats", "methodology_appendix", "reading_guide", "calibration_evidence"]


def _level_target(targets, indicator: str):
    """The plan's city-wide level target on ``indicator`` (e.g. IAV in 亿元), or None."""
    return next((t for t in targets if t.indicator == indicator and t.kind == "level"
                 and t.scope == "city"), None)


def _about_target(targets):
    """The plan's first growth target stated as 'about' (左右, one with a tolerance)."""
    return next((t for t in targets if t.kind == "growth" and t.tolerance), None)


def _iav_caveat(targets, lang: str) -> str:
    """Real IAV growth against a nominal level: quotes the plan's level target if any."""
    level = _level_target(targets, "iav")
    if lang == "zh":
        what = f"{level.value:g}{level.unit}" if level is not None else "工业增加值总量目标"
        return (f"工业增加值增速为可比价（实际）增速，而{what}为现价总量；两者之间的换算依赖价格指数，"
                "价格指数本身也有不确定性。")
    if level is None:
        what = "the value-added level target"
    elif level.unit == "亿元":  # 1 亿 = 100 million: ten of them make a billion
        what = f"the {level.value / 10:,.0f} billion yuan level"
    else:
        what = f"the {level.value:,g} {level.unit} level"
    return (f"Industrial value-added growth is real (comparable prices) while {what} is "
            "nominal; linking them needs a price deflator, itself uncertain.")


def _about_caveat(targets, lang: str) -> str:
    """How 'about' targets are assessed, with the plan's own example if it has one."""
    about = _about_target(targets)
    if lang == "zh":
        what = f"“{percent(about.value, 0)}左右”等" if about is not None else "“左右”等"
        return f"{what}表述按目标值及容差分别给出概率；容差是参数，可调整。"
    what = f"'about {percent(about.value, 0)}'" if about is not None else "'about' a value"
    return (f"Targets stated as {what} get two probabilities: reaching the value, and "
            "reaching it within a tolerance (a parameter you can change).")


_CAVEATS = {
    "zh": [
        "概率来自模型：它衡量的是在所用数据、模型和情景假设下达到目标的可能性，"
        "不是对结果的保证，也不包含模型本身设定错误的风险。",
        "规模以上工业的统计口径每年变化，官方增速按可比口径计算，不能用两年公布的总量直接相除。",
        _iav_caveat,
        "固定资产投资集中在下半年完成；年初数据对全年的指示作用有限，越接近年末越可靠。",
        "重大项目的开工时间和完成率不确定；方案所附的项目清单不在本项目的数据中。",
        _about_caveat,
        "星级评定规则不在方案中，参数文件中的规则是假设，需要使用者补充确认。",
    ],
    "en": [
        "Probabilities come from a model: they measure how likely the target is under the "
        "data, models and scenario assumptions used. They are not guarantees and do not "
        "include the risk that the model itself is wrong.",
        "The set of enterprises above designated size changes every year; official growth "
        "is on a comparable basis and cannot be recomputed by dividing published levels.",
        _iav_caveat,
        "Fixed-asset investment is back-loaded; early-year data say little about the full "
        "year and become more informative as the year goes on.",
        "Start dates and completion rates of major projects are uncertain; the project "
        "lists annexed to the plan are not in this project's data.",
        _about_caveat,
        "The star-rating rules are not in the plan; those in the parameter file are "
        "assumptions for users to confirm.",
    ],
}


def caveats(lang: str = "zh", targets: Iterable = ()) -> list[str]:
    """The caveats every report lists.

    ``targets`` are the run's plan targets (``Bundle.targets``): a caveat about a target
    quotes the plan's own (its IAV level, an 'about' growth target); without them the
    sentences stay general. No year's figure is written into the text.
    """
    targets = list(targets)
    lang = check_lang(lang)
    return [c(targets, lang) if callable(c) else c for c in _CAVEATS[lang]]


_READING = {
    "zh": (
        "**如何理解达成概率**：例如“达到目标的概率约为70%”，意思是在一万条模拟的全年路径中，"
        "约七成达到或超过目标。概率接近50%表示结果与目标相当、难以判断；低于20%表示在当前趋势下"
        "很可能达不到，需要额外措施；高于80%表示即使遇到一般性冲击也较可能完成。"
        "概率随数据更新而变化，每份报告都注明所用数据的截止月份。"
    ),
    "en": (
        "**How to read a probability of attainment**: 'about 70%' means that about seven in "
        "ten of the simulated full-year paths reach or exceed the target. Near 50% means the "
        "outcome is a toss-up; below 20% means the target is likely to be missed on current "
        "trends without additional measures; above 80% means it is likely to be met even "
        "after an ordinary shock. Probabilities change as new data arrive; every report "
        "states the month its data run to."
    ),
}


def reading_guide(lang: str = "zh") -> str:
    """A paragraph (Markdown) on how to read a probability of attainment."""
    return _READING[check_lang(lang)]


_METHOD = {
    "zh": """### 附录：方法说明

**数据。** 各产业集聚区的年度数据和当年1–m月累计数据（固定资产投资、规模以上工业增加值、
主营业务收入、从业人员），增速按统计部门公布的可比口径使用，不由总量推算。
每个数字都带有单位、价格口径、来源和发布时间（数据版本）。

**模型。** 对按月公布的指标，全年增速由当年1–m月累计增速出发，加上历年同月“全年增速与1–m月增速之差”
的稳健估计（Huber位置、MAD尺度），以及当年累计增速相对上年全年增速“跳变”的回落（statsmodels稳健回归）；
冲击年份及其次年（基数效应）单独处理；误差分布取自历年滚动起点的样本外误差（不假定正态）。
只按年公布的指标用历年全年数据估计趋势增速及其不确定性。
固定资产投资另外加入重大项目的计划投资，开工时间和完成率按情景参数随机抽取。

**联合模拟。** 各集聚区共享全市经济环境，冲击彼此相关。模型生成一万条（可调）联合路径，
全市和省级产业集聚区的合计值由同一路径上各集聚区相加得到，因此各集聚区报告与全市汇总一致。
工业增加值现价总量与可比价增速之间用带不确定性的工业生产者价格指数换算。

**情景。** 情景文件设定增速冲击、项目延迟和价格变化等假设；同一随机种子下，不同情景的差异只来自假设。

**评估。** 对每个目标计算达到目标的概率、在容差内达到的概率、结果分位数、未达标时的平均差距，
以及剩余月份需要实现的增速：[(1+g*)·A(t−1) − C(m,t)] / [A(t−1) − C(m,t−1)] − 1。

**校准。** {calibration_zh}

详细说明见项目文档 docs/methodology.md。
""",
    "en": """### Appendix: methodology

**Data.** Annual and January–m cumulative data per cluster zone (fixed-asset investment,
industrial value added, main-business revenue, employment). Growth rates are used as
published on a comparable basis, never recomputed from levels. Every number carries its
unit, price basis, source and publication date (vintage).

**Models.** For monthly indicators, full-year growth starts from this year's January–m
growth, plus a robust estimate (Huber location, MAD scale) of how full-year growth has
differed from January–m growth at the same month in past years, and the reversion of this
year's jump over last year's pace (statsmodels robust regression); shock years and the
year after them (base effects) are treated apart, and the error distribution is that of
past rolling-origin out-of-sample errors (not assumed normal). Annual-only indicators use
trend growth and its uncertainty from past full years. Fixed-asset investment adds the planned
investment of major projects, with start dates and completion rates drawn per scenario.

**Joint simulation.** Clusters share the city economy, so their shocks are correlated.
The model draws 10,000 (adjustable) joint paths; city and provincial totals are sums of
the cluster values on the same path, so every cluster report agrees with the city totals.
The nominal value-added level and its real growth are linked by an uncertain industrial
producer price deflator.

**Scenarios.** Scenario files set growth shocks, project delays and price changes; with
the same seed, scenarios differ only through their assumptions.

**Assessment.** For each target: the probability of reaching it, of reaching it within
tolerance, quantiles of the outcome, the mean shortfall when missed, and the growth the
remaining months must deliver: [(1+g*)·A(t−1) − C(m,t)] / [A(t−1) − C(m,t−1)] − 1.

**Calibration.** {calibration_en}

See docs/methodology.en.md in the project for the full description.
""",
}


def calibration_evidence() -> dict:
    """The stored real-time evaluation of the within-year model that produces every
    probability (zzforecast/estimate/ytd_evaluation.json, written from
    benchmarks/ytd_calibration.py)."""

    path = Path(__file__).resolve().parents[1] / "estimate" / "ytd_evaluation.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _calibration_sentence(lang: str) -> str:
    e = calibration_evidence()
    eng, carry = e["engine"], e["carry_forward"]
    y0, y1 = e["target_years"]
    if lang == "zh":
        return (f"本报告的概率所用的同一模型，在国家统计局全国固定资产投资（总额、第二产业、民间）和房地产开发投资"
                f"的月度累计数据上按“当时可得数据”回测（{y0}–{y1}年，2–11月，共{e['cases']}次预测）："
                f"80%区间实际覆盖{100 * eng['coverage_80']:.1f}%，95%区间覆盖{100 * eng['coverage_95']:.1f}%；"
                f"Brier评分{eng['brier']:.3f}，优于“累计增速延续到年底”规则的{carry['brier']:.3f}。"
                "这些是全国序列上的证据，不是本数据（合成面板）上的检验。")
    return (f"The same model that produced this page's probabilities, evaluated in real time on "
            f"NBS national FAI (total, secondary industry, private) and real-estate investment, "
            f"monthly year-to-date ({y0}-{y1}, as of February to November, {e['cases']} "
            f"forecasts): 80% intervals covered {100 * eng['coverage_80']:.1f}%, 95% intervals "
            f"{100 * eng['coverage_95']:.1f}%; Brier score {eng['brier']:.3f} against "
            f"{carry['brier']:.3f} for carrying year-to-date growth to December. This is "
            "evidence on national series, not a test on this page's (synthetic) panel.")


def methodology_appendix(lang: str = "zh") -> str:
    """The methodology appendix every report ends with (Markdown), its calibration
    paragraph built from the stored evaluation of the model behind the numbers."""
    lang = check_lang(lang)
    return _METHOD[lang].replace("{calibration_" + lang + "}", _calibration_sentence(lang))
