"""Words of the reports, in Chinese (default) and English.

One table of short strings (:func:`text`), the names of indicators and scopes, the
caveats every report lists and the methodology appendix. Keeping them here keeps the
notebooks free of prose logic and lets tests check that both languages are complete.
"""

from __future__ import annotations

__all__ = ["LANGS", "STRINGS", "text", "check_lang", "indicator_name", "scope_name",
           "caveats", "methodology_appendix", "percent", "reading_guide"]

LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "observed": "实际值",
        "median": "中位数预测",
        "interval": "{level}%区间",
        "target_line": "目标",
        "target_band": "目标±容差",
        "cum_growth": "累计同比增速",
        "p_reach": "达到目标的概率 {p}",
        "growth_pct": "全年增速（%）",
        "paths": "模拟路径数",
        "p_attain": "达到目标的概率",
        "p_within_tol": "达到目标（含容差）的概率",
        "probability": "概率",
        "scenario": "情景",
        "planned_investment": "本年计划投资（亿元）",
        "status_new": "新开工",
        "status_continuing": "续建",
        "status_completed": "竣工",
        "cluster_title": "{name}：{year}年目标达成评估",
        "overview_title": "{year}年郑州市产业集聚区目标达成总览",
        "explorer_title": "情景探索：调整假设，观察达成概率",
        "subtitle": "情景：{scenario}；数据截至{as_of}（1–{month}月累计）",
        "summary": "要点",
        "history_forecast": "历史与预测",
        "outlook": "{year}年之后的走势（展望，非目标）",
        "outlook_note": ("{year}年由联合模拟给出；此后各年由年度预测模型根据已公布的全年增速外推，"
                         "区间为其滚动起点校准的80%区间。本方案的“期末”即{year}年末，此后各年仅为展望。"),
        "outlook_cols": "范围|年份|来源|增速中位数|增速80%区间|总量中位数|总量80%区间",
        "outlook_sources": "联合模拟|年度预测",
        "targets": "目标达成概率",
        "required": "全年目标所需的剩余月份增速",
        "scenarios": "不同情景对比",
        "pipeline": "重大项目",
        "drivers": "差距的主要来源",
        "audit": "工作方案一致性审查",
        "stars": "星级目标",
        "caveats": "注意事项",
        "provenance": "数据与运行信息",
        "methodology": "附录：方法说明",
        "no_projects": "本集聚区在数据中没有登记重大项目。",
        "no_targets": "本集聚区没有可评估的数值目标。",
        "indicator": "指标",
        "scope": "范围",
        "target": "目标",
        "q_range": "90%区间",
        "median_outcome": "中位数",
        "required_growth": "剩余月份所需增速",
        "expected_shortfall": "未达标时的平均差距",
        "p_attain_short": "达标概率",
        "p_within_short": "含容差达标概率",
        "cluster": "产业集聚区",
        "level": "级别",
        "level_provincial": "省级产业集聚区",
        "level_municipal": "市级工业专业园区",
        "data_vintage": "数据版本",
        "data_digest": "数据摘要（SHA-256）",
        "params_digest": "参数摘要（SHA-256）",
        "seed": "随机种子",
        "n_paths": "模拟路径数",
        "version": "zzforecast 版本",
        "as_of": "数据截至",
        "generated_from": "模拟来源",
        "precomputed": "批处理预先计算的联合模拟（与全市汇总一致）",
        "computed_here": "本笔记本自行计算的联合模拟",
        "sentence_target": "{indicator}{target_text}：达到的概率约为{p}，"
                           "中位数结果为{median}（90%区间 {lo} 至 {hi}）。",
        "sentence_required": "要实现全年目标，{m1}–12月需比上年同期增长{g}。",
        "explorer_help": "拖动滑块调整假设，表格中的概率会随之更新。",
        "growth_shift": "增速冲击（百分点）",
        "project_delay": "项目延迟（月）",
        "deflator": "工业品价格变动",
        "not_applicable": "不适用",
        "star_goal": "方案要求的星级",
        "star_p": "达到该星级的概率",
        "no_official_target": "无正式目标（方案附件未录入）",
        "sentence_no_target": "{indicator}：无正式目标（方案附件未录入），不计算实现概率；"
                              "预测全年增长中位数{median}（90%区间 {lo} 至 {hi}）。",
        "forecast_median": "预测中位数",
        "progress_head": "序时进度（“正常年份”为此前{k}年同月累计占全年比重的平均）",
        "stale": "（滞后）",
    },
    "en": {
        "observed": "observed",
        "median": "median forecast",
        "interval": "{level}% interval",
        "target_line": "target",
        "target_band": "target ± tolerance",
        "cum_growth": "cumulative growth, year on year",
        "p_reach": "probability of reaching the target {p}",
        "growth_pct": "full-year growth (%)",
        "paths": "simulated paths",
        "p_attain": "probability of reaching the target",
        "p_within_tol": "probability of reaching it within tolerance",
        "probability": "probability",
        "scenario": "scenario",
        "planned_investment": "investment planned this year (100 million yuan)",
        "status_new": "new",
        "status_continuing": "continuing",
        "status_completed": "completed",
        "cluster_title": "{name}: will it reach its {year} targets?",
        "overview_title": "Zhengzhou industrial cluster zones: {year} targets overview",
        "explorer_title": "Scenario explorer: change the assumptions, watch the probabilities",
        "subtitle": "Scenario: {scenario}; data as of {as_of} (January–{month} cumulative)",
        "summary": "Key points",
        "history_forecast": "History and forecast",
        "outlook": "Beyond {year} (an outlook, not a target)",
        "outlook_note": ("{year} comes from the joint simulation; later years from the annual "
                         "forecasters extrapolating published full-year growth, with their "
                         "rolling-origin calibrated 80% intervals. The plan's period end "
                         "(期末) is the end of {year}: later years are an outlook only."),
        "outlook_cols": "Scope|Year|Source|Median growth|80% interval of growth|Median level|80% interval of level",
        "outlook_sources": "joint simulation|annual forecaster",
        "targets": "Probability of reaching each target",
        "required": "Growth the rest of the year must deliver",
        "scenarios": "Scenarios side by side",
        "pipeline": "Major projects",
        "drivers": "What drives the gap",
        "audit": "Plan consistency audit",
        "stars": "Star-rating goals",
        "caveats": "Caveats",
        "provenance": "Data and run provenance",
        "methodology": "Appendix: methodology",
        "no_projects": "No major projects are registered for this cluster in the data.",
        "no_targets": "This cluster has no numeric target that can be assessed.",
        "indicator": "indicator",
        "scope": "scope",
        "target": "target",
        "q_range": "90% interval",
        "median_outcome": "median",
        "required_growth": "required growth, rest of year",
        "expected_shortfall": "mean shortfall when missed",
        "p_attain_short": "P(reach)",
        "p_within_short": "P(reach within tolerance)",
        "cluster": "cluster",
        "level": "level",
        "level_provincial": "provincial cluster zone",
        "level_municipal": "municipal industrial park",
        "data_vintage": "data vintage",
        "data_digest": "data digest (SHA-256)",
        "params_digest": "parameters digest (SHA-256)",
        "seed": "random seed",
        "n_paths": "simulated paths",
        "version": "zzforecast version",
        "as_of": "data as of",
        "generated_from": "simulation",
        "precomputed": "joint simulation precomputed by the batch (consistent with city totals)",
        "computed_here": "joint simulation computed by this notebook",
        "sentence_target": "{indicator}{target_text}: probability of reaching it about {p}; "
                           "median outcome {median} (90% interval {lo} to {hi}).",
        "sentence_required": "To reach the full-year target, months {m1}–12 must grow "
                             "{g} over the same months last year.",
        "explorer_help": "Move the sliders to change the assumptions; the probabilities "
                         "in the table update.",
        "growth_shift": "growth shock (percentage points)",
        "project_delay": "project delay (months)",
        "deflator": "industrial producer price change",
        "not_applicable": "n/a",
        "star_goal": "star level the plan asks for",
        "star_p": "probability of reaching it",
        "no_official_target": "no official target (plan annex not entered)",
        "sentence_no_target": "{indicator}: no official target (plan annex not entered), so "
                              "no probability of attainment; forecast full-year growth median "
                              "{median} (90% interval {lo} to {hi}).",
        "forecast_median": "forecast median",
        "progress_head": "Time progress (a normal year = mean share of the full year reached "
                         "by the same month over the previous {k} years)",
        "stale": "(stale)",
    },
}

_INDICATORS = {
    "fai": ("固定资产投资", "fixed-asset investment"),
    "iav": ("规模以上工业增加值", "industrial value added"),
    "revenue": ("主营业务收入", "main-business revenue"),
    "employment": ("从业人员", "employment"),
}
_SCOPES = {
    "city": ("全市产业集聚区", "all cluster zones (city)"),
    "provincial": ("省级产业集聚区", "provincial cluster zones"),
    "municipal": ("市级工业专业园区", "municipal industrial parks"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``zh`` or ``en``, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def text(key: str, lang: str = "zh", **values) -> str:
    """Return the string ``key`` in ``lang``, formatted with ``values``."""
    template = STRINGS[check_lang(lang)][key]
    return template.format(**values) if values else template


def indicator_name(indicator: str, lang: str = "zh") -> str:
    """Human name of an indicator id (falls back to the id)."""
    names = _INDICATORS.get(indicator)
    return names[LANGS.index(check_lang(lang))] if names else indicator


def scope_name(scope: str, lang: str = "zh") -> str:
    """Human name of a scope (``city``, ``provincial``, ``municipal`` or a cluster id)."""
    names = _SCOPES.get(scope)
    return names[LANGS.index(check_lang(lang))] if names else scope


def percent(x, digits: int = 1) -> str:
    """Format a fraction as a percentage (``0.134`` -> ``13.4%``); NaN/None -> ``–``."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "–"
    if value != value:  # NaN
        return "–"
    return f"{100 * value:.{digits}f}%"


_CAVEATS = {
    "zh": [
        "概率来自模型：它衡量的是在所用数据、模型和情景假设下达到目标的可能性，"
        "不是对结果的保证，也不包含模型本身设定错误的风险。",
        "规模以上工业的统计口径每年变化，官方增速按可比口径计算，不能用两年公布的总量直接相除。",
        "工业增加值增速为可比价（实际）增速，而1600亿元为现价总量；两者之间的换算依赖价格指数，"
        "价格指数本身也有不确定性。",
        "固定资产投资集中在下半年完成；年初数据对全年的指示作用有限，越接近年末越可靠。",
        "重大项目的开工时间和完成率不确定；方案附件4–6的项目清单不在本项目的数据中。",
        "“13%左右”等表述按目标值及容差分别给出概率；容差是参数，可调整。",
        "星级评定规则不在方案中，参数文件中的规则是假设，需要使用者补充确认。",
    ],
    "en": [
        "Probabilities come from a model: they measure how likely the target is under the "
        "data, models and scenario assumptions used. They are not guarantees and do not "
        "include the risk that the model itself is wrong.",
        "The set of enterprises above designated size changes every year; official growth "
        "is on a comparable basis and cannot be recomputed by dividing published levels.",
        "Industrial value-added growth is real (comparable prices) while the 160 billion "
        "yuan level is nominal; linking them needs a price deflator, itself uncertain.",
        "Fixed-asset investment is back-loaded; early-year data say little about the full "
        "year and become more informative as the year goes on.",
        "Start dates and completion rates of major projects are uncertain; the project "
        "lists in annexes 4–6 of the plan are not in this project's data.",
        "Targets stated as 'about 13%' get two probabilities: reaching the value, and "
        "reaching it within a tolerance (a parameter you can change).",
        "The star-rating rules are not in the plan; those in the parameter file are "
        "assumptions for users to confirm.",
    ],
}


def caveats(lang: str = "zh") -> list[str]:
    """The caveats every report lists."""
    return list(_CAVEATS[check_lang(lang)])


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
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "estimate" / "ytd_evaluation.json"
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
