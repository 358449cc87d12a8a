"""Every stage's words in Chinese (default) and English.

One table of short strings (:func:`text`), the names of indicators and scopes and the
language check. It sits below every stage so that scenario files, assessments and
reports name things the same way; tests check that both languages are complete.
"""

from __future__ import annotations

__all__ = ["LANGS", "STRINGS", "text", "check_lang", "indicator_name", "scope_name", "percent"]

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


# --------------------------------------------------------------------------- assess stage
# The words of ``zzforecast attain``'s text report: its sections and columns
# (assess/text.py) and the 序时进度 section with each zone's latest month (assess/progress.py).

ATTAIN_TEXT: dict[str, dict] = {
    "zh": {
        "title": "{year}年目标实现概率（数据截至{as_of}，{scenario}，{n:,}条联合模拟路径，种子{seed}）",
        "plan": "一、全市及省级产业集聚区目标",
        "clusters": "二、各集聚区目标（{n}项；目标为{derived}）",
        "derived_yes": "推算值",
        "derived_no": "附件录入值",
        "no_target_section": "二、各集聚区",
        "no_target_head": "方案附件的目标未录入的指标只给出预测，不计算“实现概率”；由方案推算的数值不是目标，见 --format json 的 no_official_target。",
        "cols_no_target": ["集聚区", "指标", "目标", "预测中位数", "90%区间"],
        "joint": "三、联合概率（同一路径上同时实现）",
        "drivers_head": "四、主要拖累与各集聚区所需增速（等幅：余下月份各加同样百分点；等比：余下月份各按同样比例放大）",
        "drivers": "{ind}：全市目标{target}，预期{expected}，缺口{gap}",
        "uplift": "各集聚区余下月份增速需在常规基础上同时提高{p50}，才有50%把握达标；80%把握需提高{p80}。",
        "stars": "五、星级目标（评定规则为假设，见 params/plans/<年份>/stars.yaml）",
        "projects": "重大项目：{n}个项目计划{as_of}之后完成投资{planned:,.1f}亿元，本情景预期完成{expected:,.1f}亿元（项目推迟与完成率使全市投资平均变化{adj:+,.1f}亿元，相对基准情景）。",
        "not_assessed": "另有{n}项目标无相应数据，未评估（如专利、项目个数等），详见 --format json。",
        "cols_plan": ["目标", "范围", "目标值", "实现概率", "容差内概率", "余下月份需增长", "中位数", "90%区间", "未达时平均差距"],
        "cols_cluster": ["集聚区", "指标", "目标", "实现概率", "余下月份需增长", "中位数"],
        "cols_joint": ["组合", "联合概率", "若相互独立"],
        "cols_drivers": ["集聚区", "权重", "预期增速", "对缺口贡献", "需增速(等幅)", "需增速(等比)"],
        "cols_stars": ["集聚区", "目标星级", "达到概率", "期望星级"],
        "scope": {"city": "全市", "provincial": "省级集聚区", "municipal": "市级专业园区"},
        "kind": {"growth": "增速", "level": "总量"},
        "method": "方法：余下月份增速以1—{m}月累计增速为中心，按各集聚区历年同期偏差校准；集聚区间冲击相关（{corr}）；全市、省级合计为各集聚区路径逐条加总。",
        "provenance": "来源：数据摘要 {data}…，参数摘要 {params}…，版本 {version}",
        "none": "—",
        "left_out": "未纳入模拟：{items}",
        "check": "六、模型交叉检验：自下而上联合模拟 与 对全市/省级累计数直接做的实时预测（nowcast）",
        "cols_check": ["范围与指标", "目标", "模拟：均值", "80%区间", "实现概率", "nowcast：均值", "80%区间", "实现概率"],
    },
    "en": {
        "title": "Probability of reaching the {year} targets (data through {as_of}, {scenario}, {n:,} joint paths, seed {seed})",
        "plan": "1. City and provincial-subset targets",
        "clusters": "2. Cluster targets ({n}; targets are {derived})",
        "derived_yes": "DERIVED values",
        "derived_no": "as entered",
        "no_target_section": "2. Clusters",
        "no_target_head": "Indicators whose targets in the plan's annexes are not entered get a forecast only, no probability of attainment; values derived from the plan are not targets (see no_official_target in --format json).",
        "cols_no_target": ["cluster", "indicator", "target", "forecast median", "90% range"],
        "joint": "3. Joint probabilities (all met on the same path)",
        "drivers_head": "4. Main drags and the growth each cluster would need (equal: the same points added to every cluster's remaining months; proportional: the same percentage)",
        "drivers": "{ind}: city target {target}, expected {expected}, gap {gap}",
        "uplift": "Every cluster's remaining months would need {p50} more growth than the usual pattern for a 50% chance of the target, {p80} for 80%.",
        "stars": "5. Star-rating goals (rules are an ASSUMPTION, see params/plans/<year>/stars.yaml)",
        "projects": "Major projects: {n} projects plan {planned:,.1f} 100m yuan of investment after {as_of}; this scenario expects {expected:,.1f} (delays and completion rates change city FAI by {adj:+,.1f} on average, against the baseline).",
        "not_assessed": "{n} further targets have no data behind them and are not assessed (patents, project counts, ...); see --format json.",
        "cols_plan": ["target", "scope", "target value", "P(attain)", "P(within tol.)", "rest of year needs", "median", "90% range", "mean shortfall if missed"],
        "cols_cluster": ["cluster", "indicator", "target", "P(attain)", "rest of year needs", "median"],
        "cols_joint": ["combination", "P(joint)", "if independent"],
        "cols_drivers": ["cluster", "weight", "expected growth", "part of gap", "needs (equal)", "needs (proport.)"],
        "cols_stars": ["cluster", "target stars", "P(reach)", "expected stars"],
        "scope": {"city": "city", "provincial": "provincial clusters", "municipal": "municipal parks"},
        "kind": {"growth": "growth", "level": "level"},
        "method": "Method: growth of the months to come is centred on the Jan-{m} year-to-date growth and calibrated on each cluster's past surprises at the same month; shocks are correlated across clusters ({corr}); city and provincial totals sum cluster paths path by path.",
        "provenance": "Provenance: data digest {data}..., params digest {params}..., version {version}",
        "none": "-",
        "left_out": "Left out of the simulation: {items}",
        "check": "6. Cross-check: the bottom-up joint simulation against a top-down nowcast of the city/provincial year-to-date totals",
        "cols_check": ["scope and indicator", "target", "simulation: mean", "80% range", "P(attain)", "nowcast: mean", "80% range", "P(attain)"],
    },
}

PROGRESS_TEXT: dict[str, dict] = {
    "zh": {
        "head": "序时进度（1–{m}月累计；“正常年份”为此前{k}年同月累计占全年比重的平均）",
        "cols": ["范围", "指标", "截至", "1–m月累计", "累计同比", "完成全年目标", "时间进度",
                 "正常年份同期", "上年同期", "快慢"],
        "cols_pub": ["范围", "指标", "截至", "各区合计", "公布数", "差额", "合计同比",
                     "公布同比", "同比差（百分点）"],
        "pub_head": "公布的全市 / 省级集聚区总数与各集聚区合计之比较（集聚区不覆盖全市，"
                    "财务支出法试点按法人注册地统计投资）",
        "ahead": "快{p}",
        "behind_pace": "慢{p}",
        "no_target": "无年度总量目标",
        "stale": "（滞后）",
        "missing": "注：{scope}{ind}缺{n}个集聚区的{period}数据（{ids}），合计不完整。",
        "scope": {"city": "全市", "provincial": "省级集聚区", "municipal": "市级专业园区"},
        "latest_head": "各集聚区数据截至（运行截至{as_of}）",
        "latest_all": "各集聚区数据均截至{as_of}。",
        "latest_behind": "{n}个集聚区数据落后于{as_of}：{items}",
        "latest_item": "{name}截至{period}",
        "latest_none": "{name}当年无月度数据",
    },
    "en": {
        "head": "Time progress (Jan-{m} cumulative; a normal year = mean share of the "
                "full year reached by the same month over the previous {k} years)",
        "cols": ["scope", "indicator", "as of", "Jan-m level", "YTD growth",
                 "share of annual target", "time elapsed", "normal year", "last year",
                 "pace"],
        "cols_pub": ["scope", "indicator", "as of", "sum of zones", "published", "gap",
                     "sum growth", "published growth", "growth gap (points)"],
        "pub_head": "Published city / provincial totals beside the sum of the zones (zones do "
                    "not cover the whole city; the 财务支出法 pilot counts investment where "
                    "the legal entity is registered)",
        "ahead": "ahead {p}",
        "behind_pace": "behind {p}",
        "no_target": "no annual level target",
        "stale": " (stale)",
        "missing": "Note: {scope} {ind} lacks {period} data for {n} zone(s) ({ids}); the "
                   "total is incomplete.",
        "scope": {"city": "city", "provincial": "provincial", "municipal": "municipal parks"},
        "latest_head": "Latest month of each zone (run as of {as_of})",
        "latest_all": "Every zone has data through {as_of}.",
        "latest_behind": "{n} zone(s) behind {as_of}: {items}",
        "latest_item": "{name} through {period}",
        "latest_none": "{name} has no monthly data this year",
    },
}
