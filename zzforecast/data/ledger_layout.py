"""The layout of the Excel monthly ledger (月度台账): sheet names, Chinese headers, accepted names.

Shared by the template writer (``ledger_template.py``) and the importer (``ledger.py``),
so that what the template asks for and what the importer accepts cannot drift apart.
"""

from __future__ import annotations

from .schemas import INDICATORS

__all__ = [
    "MONTHLY_SHEET", "ANNUAL_SHEET", "INSTRUCTIONS_SHEET", "CODES_SHEET",
    "MONTHLY_HEADERS", "ANNUAL_HEADERS", "SHEETS", "INDICATOR_NAMES", "BASIS_NAMES",
    "BASIS_LABEL",
]

MONTHLY_SHEET = "月度台账"
ANNUAL_SHEET = "年度数据"
INSTRUCTIONS_SHEET = "说明"
CODES_SHEET = "集聚区代码"

# header -> role; the same roles in both data sheets
MONTHLY_HEADERS = ("集聚区代码", "集聚区名称", "指标", "月份", "1-当月累计值", "累计增速(%)",
                   "单位", "价格口径", "数据来源", "发布日期")
ANNUAL_HEADERS = ("集聚区代码", "集聚区名称", "指标", "年份", "全年值", "全年增速(%)",
                  "单位", "价格口径", "数据来源", "发布日期")
_ROLES = ("cluster_id", "name", "indicator", "period", "level", "growth", "unit",
          "price_basis", "source", "vintage")
SHEETS = {
    MONTHLY_SHEET: ("monthly_ytd", dict(zip(_ROLES, MONTHLY_HEADERS, strict=True))),
    ANNUAL_SHEET: ("annual", dict(zip(_ROLES, ANNUAL_HEADERS, strict=True))),
}

INDICATOR_NAMES: dict[str, str] = {
    **{ind.id: ind.id for ind in INDICATORS.values()},
    **{ind.name_zh: ind.id for ind in INDICATORS.values()},
    "工业增加值": "iav", "规上工业增加值": "iav", "投资": "fai", "主营业务收入": "revenue",
    "期末从业人员": "employment", "从业人员数": "employment",
}
BASIS_NAMES = {
    "现价": "nominal", "名义": "nominal", "当年价": "nominal", "nominal": "nominal",
    "可比价": "real", "实际": "real", "不变价": "real", "real": "real",
    "无": "none", "none": "none",
}
BASIS_LABEL = {"nominal": "现价", "real": "可比价", "none": "无"}
