"""Column contracts of every data file zzforecast reads.

These are the shapes that loaders validate and that every later stage trusts. See
DESIGN.md section 1 for the statistical conventions behind them:

- growth rates are fractions (0.13 for 13 %), stored as their own rows, never derived
  from levels (规模以上 enterprise sets change every year, so published growth is on a
  comparable basis);
- monthly data are cumulative year-to-date (1–m月累计); the first release of a year is
  January–February, so a month of ``01`` is an input error;
- every series carries its unit and price basis; a series that mixes them is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CLUSTER_ID_PATTERN",
    "RESERVED_CLUSTER_IDS",
    "CLUSTER_LEVELS",
    "INDICATORS",
    "Indicator",
    "MONTHLY_INDICATORS",
    "ANNUAL_INDICATORS",
    "indicator_label",
    "MEASURES",
    "FREQUENCIES",
    "PRICE_BASES",
    "UNIT_FACTORS",
    "GROWTH_UNIT",
    "CLUSTERS_COLUMNS",
    "CLUSTERS_OPTIONAL",
    "OBSERVATIONS_COLUMNS",
    "PROJECTS_COLUMNS",
    "PROJECT_STATUSES",
    "CLUSTER_TARGETS_COLUMNS",
    "STAR_GOALS_COLUMNS",
    "TARGET_KINDS",
    "TARGET_COMPARISONS",
    "TARGET_FIELDS",
    "CITY_SCOPE",
    "PROVINCIAL_SCOPE",
    "MUNICIPAL_SCOPE",
]

# Cluster ids become file names (reports/<year>/<scenario>/<cluster_id>.html): lower-case
# ASCII letters, digits and underscores, starting with a letter, at most 40 characters.
CLUSTER_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
# Names a batch gives its own files (index.html, run.json, summary.csv, overview.html):
# a cluster with one of these ids would have its report overwritten, so they are refused.
RESERVED_CLUSTER_IDS = ("index", "run", "summary", "overview")

# 省级产业集聚区 and 市级工业专业园区
CLUSTER_LEVELS = ("provincial", "municipal")

# Aggregate scopes used by targets and simulations.
CITY_SCOPE = "city"  # 全市产业集聚区 (provincial clusters and municipal parks)
PROVINCIAL_SCOPE = "provincial"  # 省级产业集聚区
MUNICIPAL_SCOPE = "municipal"  # 市级工业专业园区


@dataclass(frozen=True)
class Indicator:
    """One statistical indicator: its names, canonical unit, price bases and frequency.

    The registry :data:`INDICATORS` is the one place that says which indicators exist,
    which are published monthly (year-to-date) and what they are called; every list of
    indicators in the package is derived from it.
    """

    id: str
    name_zh: str
    name_en: str
    unit: str  # canonical unit of the level
    level_price_basis: str  # nominal / real / none
    growth_price_basis: str
    # True for flows (cumulative year-to-date levels never fall within a year); False for
    # stocks such as employment at the end of the period, which may fall.
    flow: bool = True
    # True when published monthly as 1–m月累计 (simulated month by month from the
    # year-to-date data); False when only the annual figure exists.
    monthly: bool = False
    short_zh: str = ""  # short name for tables and sentences (else name_zh)
    short_en: str = ""  # short name (else name_en)

    def label(self, lang: str = "zh") -> str:
        """The short name in Chinese (``zh``) or English (``en``)."""
        if lang == "en":
            return self.short_en or self.name_en
        return self.short_zh or self.name_zh


INDICATORS: dict[str, Indicator] = {
    ind.id: ind
    for ind in (
        # FAI growth is nominal.
        Indicator("fai", "固定资产投资", "Fixed-asset investment", "亿元", "nominal", "nominal",
                  monthly=True, short_zh="固定资产投资", short_en="FAI"),
        # IAV level is nominal but its published growth is real (按可比价格计算).
        Indicator("iav", "规模以上工业增加值", "Industrial value added (above designated size)",
                  "亿元", "nominal", "real", monthly=True, short_zh="工业增加值",
                  short_en="IAV"),
        Indicator("revenue", "规模以上工业主营业务收入",
                  "Main-business revenue (above designated size)", "亿元", "nominal", "nominal",
                  short_zh="主营业务收入", short_en="revenue"),
        Indicator("employment", "从业人员", "Employment", "万人", "none", "none", flow=False,
                  short_zh="从业人员", short_en="employment"),
    )
}
# Indicators published monthly (year-to-date) and those known only by the year, in
# registry order: derived from INDICATORS, never written out elsewhere.
MONTHLY_INDICATORS: tuple[str, ...] = tuple(k for k, v in INDICATORS.items() if v.monthly)
ANNUAL_INDICATORS: tuple[str, ...] = tuple(k for k, v in INDICATORS.items() if not v.monthly)


def indicator_label(indicator: str, lang: str = "zh") -> str:
    """Short name of a registered indicator (the id itself for an unregistered one)."""
    ind = INDICATORS.get(indicator)
    return ind.label(lang) if ind is not None else indicator

MEASURES = ("level", "growth")
FREQUENCIES = ("annual", "monthly_ytd")
PRICE_BASES = ("nominal", "real", "none")

# Accepted units -> factor that converts a value into the indicator's canonical unit.
# Conversion is explicit; a series that mixes units is an input error.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "亿元": {"亿元": 1.0, "万元": 1e-4, "元": 1e-8},
    "万人": {"万人": 1.0, "人": 1e-4},
}
GROWTH_UNIT = "fraction"

# data/clusters.csv: the cluster registry.
CLUSTERS_COLUMNS = (
    "cluster_id",  # safe id, see CLUSTER_ID_PATTERN
    "name_zh",
    "name_en",
    "level",  # provincial | municipal
    "county",  # 县（市、区）, Chinese
    "lead_industries",  # Chinese, separated by "、"
    # Legacy column: star goals belong to a plan year (params/plans/<year>/star_goals.csv);
    # a registry may still carry it, blank (a non-blank value is refused by load_bundle).
    "star_target",
    "founded",  # first year with statistics (integer)
    # Status is dated: zones change level (Henan's 2014 adjustment demoted some clusters to
    # municipal parks). `level` holds since `status_since`; before it, `previous_level`.
    "status_since",  # year the current level took effect (integer), blank = since founded
    "previous_level",  # provincial | municipal before status_since, blank when none
    "status_source",  # where the status (and its date) comes from
)
# Columns older registries may lack (read as blank).
CLUSTERS_OPTIONAL = ("star_target", "status_since", "previous_level", "status_source")

# data/observations.csv (or .parquet): one value per row, long.
OBSERVATIONS_COLUMNS = (
    "cluster_id",
    "indicator",  # key of INDICATORS
    "measure",  # level | growth
    "frequency",  # annual | monthly_ytd
    "period",  # YYYY for annual, YYYY-MM for monthly year-to-date (MM from 02 to 12)
    "value",  # level in `unit`, or growth as a fraction
    "unit",  # a key of UNIT_FACTORS[indicator.unit] for levels, "fraction" for growth
    "price_basis",  # nominal | real | none
    "source",  # where the number comes from
    "vintage",  # YYYY-MM-DD: when this number was published or generated
    "synthetic",  # true | false
)

# data/projects.csv: major projects (重大项目).
PROJECT_STATUSES = ("new", "continuing", "completed")  # 新开, 续建, 竣工
PROJECTS_COLUMNS = (
    "project_id",
    "cluster_id",
    "name_zh",
    "name_en",
    "status",
    "total_investment",  # 亿元
    "planned_investment",  # 亿元, planned for the target year
    "planned_start",  # YYYY-MM
    "planned_completion",  # YYYY-MM
    "year",  # the plan year the row belongs to
    "source",
    "synthetic",
)

# params/plans/<year>/cluster_targets.csv: per-cluster targets (annexes 2 and 3 of the plan).
CLUSTER_TARGETS_COLUMNS = (
    "cluster_id",
    "indicator",
    "kind",  # growth | level
    "value",  # fraction for growth, canonical unit for level
    "unit",
    "derived",  # true when derived from the plan rather than entered from the annexes
    "source",
)

# params/plans/<year>/star_goals.csv: the star level the plan asks each zone to reach.
STAR_GOALS_COLUMNS = (
    "cluster_id",
    "star_target",  # 1..6
    "source",  # where in the plan (section, quote)
)

# params/plans/<year>/targets.yaml: the plan's targets.
TARGET_KINDS = ("growth", "level", "count", "share", "date")
TARGET_COMPARISONS = (">=", "<=", "==", "by")
TARGET_FIELDS = (
    "id", "indicator", "scope", "kind", "value", "unit", "comparison", "tolerance",
    "section", "quote", "note",
)
