"""Generator of the bundled SYNTHETIC cluster panel and major-projects table.

No official cluster-level statistics are available to us, so the demonstration data that
ships in ``data/`` is made here, with a fixed seed, and every row says so
(``synthetic=true``, ``source="synthetic: zzforecast.data.synthetic seed=<seed>"``).
Real users replace ``data/observations.csv`` and ``data/projects.csv`` with their
ledgers (see docs/plan-data.md).

What the generator does, per registered cluster (``data/clusters.csv``):

- annual FAI, IAV (nominal level, real growth), main-business revenue and employment,
  2010-2016 (from the cluster's ``founded`` year), levels and published growth as
  separate rows. Published levels carry a small "scope" noise (the 规模以上 enterprise set
  changes every year), so published growth is *not* the ratio of published levels;
- monthly year-to-date FAI and IAV (cumulative levels and cumulative growth) from
  2011-02 to 2017-07, without January rows. FAI's within-year cumulative shares s(m) are
  taken from the real national series (../shared/data/china_fai_monthly_cumulative_
  1981_2017-07.csv, NBS via AFAN-LIFE/macropage, CC-BY-4.0), year by year (2017 takes
  2016's shape), perturbed per cluster (a persistent back-loading tilt plus noise); IAV
  accrues almost evenly with a weak January-February;
- growth = city mean of the year + cluster effect + loading x common city factor (so
  shocks are correlated across clusters) + idiosyncratic noise + rare large shocks +
  a start-up boost for zones founded late;
- levels are scaled so that the 2016 city totals equal the bases the plan implies:
  FAI 2800/1.13 = 2477.9亿元; IAV 1600/1.10 = 1454.5亿元, i.e. the plan's own arithmetic
  read with no change in industrial prices in 2017 (the level target is nominal, the
  growth target real; ``zzforecast audit`` shows other deflators); revenue and employment
  to plausible levels below 8500亿元 and 92万人.

IAV deflators are assumptions close to China's national industrial producer price index
(2011 +6.0%, 2012 -1.7%, 2013 -1.9%, 2014 -1.9%, 2015 -5.2%, 2016 -1.4%, 2017 +6.3%).

Each row is stamped with the date it would have been published: its period's end plus
the default release lag (:data:`zzforecast.data.vintages.DEFAULT_LAGS`: 1-m月累计 by the
15th of month m+1, a year's figures by the end of February), so that an as-of earlier
than 2017-07 still sees the data of its own months. The panel holds one vintage per
period (no revisions).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import UserError
from .schemas import MONTHLY_INDICATORS, OBSERVATIONS_COLUMNS, PROJECTS_COLUMNS
from .vintages import DEFAULT_LAGS

__all__ = [
    "bulk_observations",
    "DEFAULT_SEED",
    "VINTAGE",
    "NATIONAL_FAI_FILE",
    "Calibration",
    "find_national_fai",
    "national_fai_shares",
    "generate_observations",
    "generate_projects",
    "calibration_checks",
    "format_calibration",
    "write_synthetic",
    "main",
]

DEFAULT_SEED = 20170817
VINTAGE = "2017-08-15"  # the publication date of the panel's last month (1-7月 2017)
NATIONAL_FAI_FILE = "china_fai_monthly_cumulative_1981_2017-07.csv"
FIRST_YEAR, LAST_YEAR = 2010, 2016
PLAN_YEAR, LAST_MONTH = 2017, 7
MONTHS = tuple(range(2, 13))  # cumulative releases: 1-2月 ... 1-12月

INDICATOR_META = {  # indicator -> (unit, level price basis, growth price basis)
    "fai": ("亿元", "nominal", "nominal"),
    "iav": ("亿元", "nominal", "real"),
    "revenue": ("亿元", "nominal", "nominal"),
    "employment": ("万人", "none", "none"),
}
_INDICATORS = tuple(INDICATOR_META)

# City mean growth by year (2011..2017; FAI, revenue nominal; IAV real).
_MEAN_GROWTH = {
    "fai": (0.30, 0.26, 0.24, 0.20, 0.17, 0.14, 0.125),
    "iav": (0.22, 0.18, 0.16, 0.14, 0.12, 0.105, 0.098),
    "revenue": (0.25, 0.20, 0.17, 0.14, 0.10, 0.11, 0.12),
    "employment": (0.10, 0.08, 0.06, 0.05, 0.04, 0.035, 0.04),
}
# IAV deflator by year (2011..2017), close to national industrial PPI.
_DEFLATOR = (0.060, -0.017, -0.019, -0.019, -0.052, -0.014, 0.063)
_SD_COMMON = {"fai": 0.04, "iav": 0.025, "revenue": 0.03, "employment": 0.012}
_SD_IDIO = {"fai": 0.07, "iav": 0.04, "revenue": 0.05, "employment": 0.02}
_SD_SCOPE = {"fai": 0.01, "iav": 0.02, "revenue": 0.02, "employment": 0.01}
_STARTUP = (0.35, 0.20, 0.10)  # extra growth in the first years after founding

# Relative 2016 sizes (FAI, IAV, revenue, employment) of the registered zones; a zone not
# listed gets the median size of its level. Invented for the demonstration.
_SIZES = {
    "airport": (640, 520, 3300, 30.0),
    "zz_econ_tech": (330, 230, 1050, 11.0),
    "high_tech": (250, 120, 560, 7.0),
    "zhongmou_auto": (230, 110, 600, 5.0),
    "xingyang": (150, 70, 330, 4.5),
    "xinmi": (140, 75, 320, 5.5),
    "xinzheng_xingang": (170, 80, 360, 5.0),
    "dengfeng": (90, 50, 210, 3.5),
    "mazhai": (80, 35, 180, 2.5),
    "baisha": (120, 30, 140, 2.0),
    "shangjie_equipment": (80, 50, 220, 3.0),
    "jindai": (70, 20, 90, 1.5),
    "huiji": (80, 30, 130, 1.8),
    "new_materials_park": (60, 25, 95, 1.1),
    "dengfeng_high_tech": (45, 18, 70, 0.9),
}


@dataclass(frozen=True)
class Calibration:
    """2016 city totals the generator hits (canonical units)."""

    fai_2016: float = 2800 / 1.13
    iav_2016: float = 1600 / 1.10  # assumes no change in industrial prices in 2017
    revenue_2016: float = 7550.0  # 8500 needs +12.6%
    employment_2016: float = 86.0  # 92万 needs +7.0%, 90万 +4.7%

    def total(self, indicator: str) -> float:
        return getattr(self, f"{indicator}_2016")


# --------------------------------------------------------------------------- national shape

def find_national_fai(path: str | Path | None = None) -> Path:
    """Locate the national monthly FAI file (../shared/data by default).

    Raises
    ------
    UserError
        When the file is not found; the message lists where it was looked for.
    """
    if path is not None:
        candidates = [Path(path)]
    else:
        here = Path(__file__).resolve()
        candidates = [Path.cwd().parent / "shared" / "data" / NATIONAL_FAI_FILE,
                      here.parents[3] / "shared" / "data" / NATIONAL_FAI_FILE,
                      Path.cwd() / "shared" / "data" / NATIONAL_FAI_FILE]
    for c in candidates:
        if c.is_file():
            return c
    raise UserError(f"national FAI series not found (looked in: "
                    f"{', '.join(str(c) for c in candidates)}); pass --national-fai PATH")


def _national_cum(path: Path) -> pd.DataFrame:
    """Year, month, cumulative level of the national series (public.py when available)."""
    try:
        from .public import load_national_fai_monthly
    except ImportError:
        load_national_fai_monthly = None
    if load_national_fai_monthly is not None:
        frame = load_national_fai_monthly(path)
        ds = pd.to_datetime(frame["ds"])
        return pd.DataFrame({"year": ds.dt.year, "month": ds.dt.month,
                             "cum": frame["cum_value"].astype(float)})
    raw = pd.read_csv(path, dtype={"month": str})
    year = raw["month"].str.slice(0, 4).astype(int)
    month = raw["month"].str.slice(5, 7).astype(int)
    return pd.DataFrame({"year": year, "month": month, "cum": raw["fai_cum_100m_yuan"]})


def national_fai_shares(path: str | Path | None = None, years=range(2010, 2017)) -> pd.DataFrame:
    """Within-year cumulative shares s(m) = C(m)/C(12) of national FAI, by year.

    Only within-year ratios of the national levels are used (levels are not comparable
    across years; see ../shared/data/README.md).

    Parameters
    ----------
    path : str or Path, optional
        The national CSV; found in ../shared/data by default.
    years : iterable of int
        Complete years to use.

    Returns
    -------
    pandas.DataFrame
        Index = year, columns = months 2..12, values in (0, 1], column 12 equal to 1.
    """
    cum = _national_cum(find_national_fai(path))
    table = cum.pivot_table(index="year", columns="month", values="cum")
    table = table.loc[[y for y in years if y in table.index], list(MONTHS)]
    if table.isna().any().any() or table.empty:
        raise UserError("national FAI series lacks complete years for the seasonal shape")
    return table.div(table[12], axis=0)


# --------------------------------------------------------------------------- panel

def _sizes(clusters: pd.DataFrame) -> np.ndarray:
    known = np.array([_SIZES[c] for c in clusters["cluster_id"] if c in _SIZES] or [[1, 1, 1, 1]])
    out = []
    for cid, level in zip(clusters["cluster_id"], clusters["level"], strict=True):
        if cid in _SIZES:
            out.append(_SIZES[cid])
        else:
            same = [_SIZES[c] for c, lv in zip(clusters["cluster_id"], clusters["level"],
                                               strict=True) if c in _SIZES and lv == level]
            out.append(np.median(np.array(same), axis=0) if same else np.median(known, axis=0))
    return np.asarray(out, dtype=float)


def _founded(clusters: pd.DataFrame) -> np.ndarray:
    founded = pd.to_numeric(clusters["founded"], errors="coerce").fillna(FIRST_YEAR)
    return np.clip(founded.to_numpy(dtype=int), FIRST_YEAR, LAST_YEAR - 1)


def _growth_paths(rng: np.random.Generator, n: int, founded: np.ndarray,
                  sizes: np.ndarray) -> dict[str, np.ndarray]:
    """True growth (FAI/revenue nominal, IAV real) for 2011..2017, shape (n, 7)."""
    years = np.arange(FIRST_YEAR + 1, PLAN_YEAR + 1)
    # common city factors, FAI and IAV shocks correlated (0.5), revenue follows IAV
    z = rng.standard_normal((len(years), 4))
    common = {"fai": z[:, 0], "iav": 0.5 * z[:, 0] + np.sqrt(0.75) * z[:, 1]}
    common["revenue"] = 0.8 * common["iav"] + 0.6 * z[:, 2]
    common["employment"] = 0.5 * common["iav"] + np.sqrt(0.75) * z[:, 3]
    out = {}
    for j, ind in enumerate(_INDICATORS):
        mu = np.asarray(_MEAN_GROWTH[ind])
        effect = rng.normal(0.0, 0.35 * _SD_IDIO[ind], size=(n, 1))
        loading = np.clip(rng.normal(1.0, 0.25, size=(n, 1)), 0.3, 2.0)
        scale = (np.median(sizes[:, j]) / sizes[:, j]) ** 0.25  # small zones are noisier
        idio = rng.standard_normal((n, len(years))) * _SD_IDIO[ind] * scale[:, None]
        rare = (rng.random((n, len(years))) < 0.04) * rng.normal(0, 3 * _SD_IDIO[ind],
                                                                 (n, len(years)))
        g = mu + effect + loading * _SD_COMMON[ind] * common[ind] + idio + rare
        since = years[None, :] - founded[:, None]  # 1 = first year with growth
        boost = np.zeros_like(g)
        for k, b in enumerate(_STARTUP, start=1):
            boost[since == k] = b * (0.3 if ind == "employment" else 1.0)
        late = (founded > FIRST_YEAR)[:, None]
        g = np.maximum(g + boost * late, -0.45)
        # 2017 (seen only to July) is designed to sit near the plan's targets, so that the
        # demonstration is not one-sided: centre the size-weighted city growth on the mean
        w = sizes[:, j] / sizes[:, j].sum()
        g[:, -1] += mu[-1] - (w * g[:, -1]).sum()
        out[ind] = g
    return out


def _shares(rng: np.random.Generator, base_increments: np.ndarray, tilt: float,
            noise: float) -> np.ndarray:
    """Cumulative shares for months 2..12 from perturbed increments (sum to 1)."""
    m = np.asarray(MONTHS, dtype=float)
    inc = base_increments * np.exp(tilt * (m - 7) / 5 + rng.normal(0, noise, len(m)))
    return np.cumsum(inc / inc.sum())


def generate_observations(clusters: pd.DataFrame, seed: int = DEFAULT_SEED,
                          national_shares: pd.DataFrame | None = None,
                          calibration: Calibration | None = None,
                          vintage: str | None = None) -> pd.DataFrame:
    """Generate the synthetic observations table (annual and monthly year-to-date).

    Parameters
    ----------
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``level``, ``founded``).
    seed : int
        Seed of ``numpy.random.default_rng``; same seed, same table.
    national_shares : pandas.DataFrame, optional
        Output of :func:`national_fai_shares` (read from ../shared/data if omitted).
    calibration : Calibration, optional
        2016 city totals to hit.
    vintage : str or None
        The ``vintage`` written on every row; None (default) stamps each row with its
        release date (period end + the default release lag of its indicator).

    Returns
    -------
    pandas.DataFrame
        Columns of ``schemas.OBSERVATIONS_COLUMNS``; ``value`` is a float; every row has
        ``synthetic=True``.
    """
    rng = np.random.default_rng(seed)
    cal = calibration or Calibration()
    shares_nat = national_fai_shares() if national_shares is None else national_shares
    ids = clusters["cluster_id"].tolist()
    n = len(ids)
    sizes, founded = _sizes(clusters), _founded(clusters)
    growth = _growth_paths(rng, n, founded, sizes)
    years = np.arange(FIRST_YEAR, PLAN_YEAR + 1)  # 2010..2017 (2017 hidden, for months)
    deflator = np.concatenate([[0.0], _DEFLATOR])

    # true levels (nominal), backwards from 2016 relative sizes, then scaled to the totals
    nominal_growth, levels = {}, {}
    for j, ind in enumerate(_INDICATORS):
        g = growth[ind]
        gn = (1 + g) * (1 + np.asarray(_DEFLATOR)) - 1 if ind == "iav" else g
        nominal_growth[ind] = gn
        lv = np.empty((n, len(years)))
        i16 = LAST_YEAR - FIRST_YEAR
        lv[:, i16] = sizes[:, j] * np.exp(rng.normal(0, 0.05, n))
        for k in range(i16, 0, -1):  # years[k] -> years[k-1]
            lv[:, k - 1] = lv[:, k] / (1 + gn[:, k - 1])
        lv[:, i16 + 1] = lv[:, i16] * (1 + gn[:, i16])
        levels[ind] = lv
    scope = {ind: 1 + rng.normal(0, _SD_SCOPE[ind], (n, len(years))) for ind in _INDICATORS}
    alive = years[None, :] >= founded[:, None]
    for ind in _INDICATORS:
        published_2016 = (levels[ind] * scope[ind])[:, LAST_YEAR - FIRST_YEAR]
        levels[ind] *= cal.total(ind) / published_2016.sum()

    source = f"synthetic: zzforecast.data.synthetic seed={seed}"
    rows: list[tuple] = []
    release_cache: dict[tuple, str] = {}

    def released(ind, freq, period):
        key = (ind, freq, period)
        if key not in release_cache:
            release_cache[key] = DEFAULT_LAGS.release_date(ind, freq, period).strftime("%Y-%m-%d")
        return release_cache[key]

    def add(cid, ind, measure, freq, period, value):
        unit, lpb, gpb = INDICATOR_META[ind]
        if measure == "growth":
            unit, basis, value = "fraction", gpb, round(float(value), 4)
        else:
            basis = lpb
            value = round(float(value), 2)
        stamp = vintage or released(ind, freq, period)
        rows.append((cid, ind, measure, freq, period, value, unit, basis, source, stamp, True))

    annual_years = range(FIRST_YEAR, LAST_YEAR + 1)
    for c, cid in enumerate(ids):
        for ind in _INDICATORS:
            for k, y in enumerate(annual_years):
                if not alive[c, k]:
                    continue
                add(cid, ind, "level", "annual", str(y), levels[ind][c, k] * scope[ind][c, k])
                if k > 0 and alive[c, k - 1]:
                    add(cid, ind, "growth", "annual", str(y), round(growth[ind][c, k - 1], 3))

    # monthly year-to-date FAI and IAV
    nat_inc = np.diff(np.column_stack([np.zeros(len(shares_nat)), shares_nat.to_numpy()]),
                      axis=1)
    nat_by_year = dict(zip(shares_nat.index.astype(int), nat_inc, strict=True))
    # a year without a complete national year (2017) takes the latest complete year's shape:
    # shapes persist (national s(7) was 0.52 in 2016 and about 0.53 in 2017)
    latest_inc = nat_inc[-1]
    m = np.asarray(MONTHS, dtype=float)
    iav_inc = np.where(m == 2, 2 / 12 * 0.9, 1 / 12 * (1 + 0.015 * (m - 7)))
    for c, cid in enumerate(ids):
        tilt = {"fai": rng.normal(0, 0.15), "iav": rng.normal(0, 0.05)}
        for ind in MONTHLY_INDICATORS:  # fai, iav: the registry's monthly indicators
            cum_true = {}
            for k, y in enumerate(years):
                if not alive[c, k]:
                    continue
                base = (nat_by_year.get(int(y), latest_inc) if ind == "fai" else iav_inc)
                s = _shares(rng, base, tilt[ind], 0.10 if ind == "fai" else 0.02)
                cum_true[y] = levels[ind][c, k] * s
            for k, y in enumerate(years):
                if y < 2011 or y not in cum_true:
                    continue
                last_m = LAST_MONTH if y == PLAN_YEAR else 12
                for i, month in enumerate(MONTHS):
                    if month > last_m:
                        break
                    period = f"{y}-{month:02d}"
                    add(cid, ind, "level", "monthly_ytd", period,
                        cum_true[y][i] * scope[ind][c, k])
                    if y - 1 not in cum_true:
                        continue
                    if month == 12:
                        g = round(growth[ind][c, k - 1], 3)  # the annual published growth
                    else:
                        ratio = cum_true[y][i] / cum_true[y - 1][i]
                        if ind == "iav":
                            ratio /= 1 + deflator[k]
                        g = round(ratio - 1 + rng.normal(0, 0.003), 3)
                    add(cid, ind, "growth", "monthly_ytd", period, g)
    return pd.DataFrame(rows, columns=list(OBSERVATIONS_COLUMNS))


# --------------------------------------------------------------------------- projects

NAMED_PROJECTS = (  # the six projects the plan names (三(二)3); clusters are our assumption
    ("郑州高新数码港项目", "Zhengzhou High-Tech Digital Port", "high_tech", "continuing"),
    ("郑州华强电子高端服务业基地", "Zhengzhou Huaqiang Electronics high-end services base",
     "airport", "continuing"),
    ("友嘉（河南）精密机械产业园", "Fair Friend (Henan) precision machinery park",
     "zz_econ_tech", "new"),
    ("河南移动数据中心及生产指挥调度中心项目",
     "China Mobile Henan data centre and operations dispatch centre", "airport", "continuing"),
    ("郑州宇通客车第三客车工厂及配套设施项目",
     "Yutong Bus third bus plant and supporting facilities", "zz_econ_tech", "new"),
    ("郑州中车轨道交通装备有限公司郑造修基地建设项目",
     "CRRC Zhengzhou rail transit equipment repair base", "shangjie_equipment", "continuing"),
)
_STATUS_COUNTS = {"new": 60, "continuing": 70, "completed": 60}
_MAX_PROJECT_SHARE = 0.5
_STATUS_ZH = {"new": "新开工", "continuing": "续建", "completed": "竣工"}
_INDUSTRY_EN = {"电子信息": "electronics", "装备制造": "equipment", "汽车及零部件": "auto parts",
                "生物医药": "biomedicine", "新材料": "new materials", "节能环保": "energy saving",
                "品牌服装": "apparel", "食品加工": "food processing", "家居制造": "home furnishing"}


def generate_projects(clusters: pd.DataFrame, seed: int = DEFAULT_SEED,
                      year: int = PLAN_YEAR) -> pd.DataFrame:
    """Generate the synthetic major-projects table (new, continuing, completed).

    The six projects the plan names keep their real names; their figures, like every
    generated project, are invented. Generated names say "合成示例" / "synthetic".

    Parameters
    ----------
    clusters : pandas.DataFrame
        The registry (``cluster_id``, ``county``, ``lead_industries``).
    seed : int
        Seed (offset from the observations' stream).
    year : int
        The plan year.

    Returns
    -------
    pandas.DataFrame
        Columns of ``schemas.PROJECTS_COLUMNS``; ``synthetic`` is True everywhere.
    """
    rng = np.random.default_rng([seed, 1])
    ids = clusters["cluster_id"].tolist()
    fai_size = _sizes(clusters)[:, 0]
    fai_2016 = dict(zip(ids, fai_size / fai_size.sum() * Calibration().fai_2016, strict=True))
    size_factor = dict(zip(ids, np.sqrt(fai_size / np.median(fai_size)), strict=True))
    weights = fai_size ** 0.7
    weights = weights / weights.sum()
    source = f"synthetic: zzforecast.data.synthetic seed={seed}"
    known = set(ids)
    specs = [(zh, en, cid, st) for zh, en, cid, st in NAMED_PROJECTS if cid in known]
    for status, count in _STATUS_COUNTS.items():
        n_named = sum(1 for s in specs if s[3] == status)
        for _ in range(count - n_named):
            specs.append((None, None, ids[rng.choice(len(ids), p=weights)], status))
    info = clusters.set_index("cluster_id")
    start_month_p = np.array([2, 4, 6, 6, 5, 4, 3, 3, 2, 2, 1, 1], dtype=float)
    start_month_p /= start_month_p.sum()
    rows = []
    for k, (zh, en, cid, status) in enumerate(specs, start=1):
        total = float(np.clip(rng.lognormal(np.log(10 * size_factor[cid]), 0.8), 1, 200))
        if zh is None:
            industries = str(info.loc[cid, "lead_industries"]).split("、")
            industry = industries[rng.integers(len(industries))]
            zh = (f"{info.loc[cid, 'county']}{industry}{_STATUS_ZH[status]}项目"
                  f"（合成示例{k:03d}）")
            en = f"Synthetic example {k:03d}: {_INDUSTRY_EN.get(industry, 'industry')} project"
        if status == "new":
            start_m = int(rng.choice(12, p=start_month_p)) + 1
            start = (year, start_m)
            duration = int(rng.integers(15, 37))
            share = rng.uniform(0.15, 0.40) * (13 - start_m) / 12 + 0.05
        elif status == "continuing":
            start = (int(rng.integers(year - 3, year)), int(rng.integers(1, 13)))
            duration = (year - start[0]) * 12 - start[1] + int(rng.integers(18, 36))
            share = rng.uniform(0.20, 0.45)
        else:
            start = (int(rng.integers(year - 3, year)), int(rng.integers(1, 13)))
            end_m = int(rng.integers(3, 13))
            duration = (year - start[0]) * 12 + end_m - start[1]
            share = rng.uniform(0.10, 0.35)
        end_index = start[0] * 12 + start[1] - 1 + duration
        completion = (end_index // 12, end_index % 12 + 1)
        rows.append({
            "project_id": f"p{year}_{k:03d}", "cluster_id": cid, "name_zh": zh,
            "name_en": en, "status": status, "total_investment": round(total, 2),
            "planned_investment": round(total * share, 2),
            "planned_start": f"{start[0]}-{start[1]:02d}",
            "planned_completion": f"{completion[0]}-{completion[1]:02d}",
            "year": year, "source": source, "synthetic": True,
        })
    out = pd.DataFrame(rows, columns=list(PROJECTS_COLUMNS))
    # a zone's planned project spending stays below half of its (2016) investment
    planned = out.groupby("cluster_id")["planned_investment"].transform("sum")
    cap = out["cluster_id"].map(fai_2016) * _MAX_PROJECT_SHARE
    scale = np.minimum(1.0, cap / planned)
    for column in ("total_investment", "planned_investment"):
        out[column] = (out[column] * scale).round(2)
    return out


# --------------------------------------------------------------------------- checks

def bulk_observations(n_clusters: int) -> pd.DataFrame:
    """A large, valid, deliberately plain observations frame for scale tests and benchmarks.

    About 200 rows per cluster (ids ``c0000``, ``c0001``, ...): annual FAI 2005–2016 and
    monthly year-to-date FAI 2010–2017, levels and growth, every row flagged synthetic.
    Values are constant patterns, not a calibrated panel: use
    :func:`generate_observations` for demonstration data.

    Returns
    -------
    pandas.DataFrame
        The columns of ``OBSERVATIONS_COLUMNS``, every value as text (as read from a CSV).
    """
    ids = np.array([f"c{i:04d}" for i in range(n_clusters)])
    frames = []
    for measure in ("level", "growth"):
        level = measure == "level"
        cid, year = np.meshgrid(ids, np.arange(2005, 2017), indexing="ij")
        frames.append(pd.DataFrame({
            "cluster_id": cid.ravel(), "indicator": "fai", "measure": measure,
            "frequency": "annual", "period": year.ravel().astype(str),
            "value": "100.5" if level else "0.08",
            "unit": "亿元" if level else "fraction", "price_basis": "nominal",
            "source": "benchmark", "vintage": (year.ravel() + 1).astype(str) + "-02-28",
            "synthetic": "true"}))
        cid, year, month = np.meshgrid(ids, np.arange(2010, 2018), np.arange(2, 13),
                                       indexing="ij")
        frames.append(pd.DataFrame({
            "cluster_id": cid.ravel(), "indicator": "fai", "measure": measure,
            "frequency": "monthly_ytd",
            "period": [f"{y}-{m:02d}" for y, m in zip(year.ravel(), month.ravel(), strict=True)],
            "value": (month.ravel() * 10.0).astype(str) if level else "0.07",
            "unit": "亿元" if level else "fraction", "price_basis": "nominal",
            "source": "benchmark", "vintage": "2018-03-01", "synthetic": "true"}))
    return pd.concat(frames, ignore_index=True)[list(OBSERVATIONS_COLUMNS)]


def calibration_checks(observations: pd.DataFrame, clusters: pd.DataFrame,
                       national_shares: pd.DataFrame | None = None,
                       projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare the synthetic panel with what the plan implies and with the national shape.

    Parameters
    ----------
    observations : pandas.DataFrame
        The generated (or loaded) observations.
    clusters : pandas.DataFrame
        The registry.
    national_shares : pandas.DataFrame, optional
        Output of :func:`national_fai_shares` (read from ../shared/data if omitted).
    projects : pandas.DataFrame, optional
        The projects table, for counts by status.

    Returns
    -------
    pandas.DataFrame
        Columns ``check``, ``reference``, ``synthetic``, ``difference``, ``note``.
    """
    nat = national_fai_shares() if national_shares is None else national_shares
    obs = observations.copy()
    obs["value"] = pd.to_numeric(obs["value"])
    annual = obs[(obs["frequency"] == "annual") & (obs["measure"] == "level")]
    y16 = annual[annual["period"].astype(str) == str(LAST_YEAR)]
    totals = y16.groupby("indicator")["value"].sum()
    level = dict(zip(clusters["cluster_id"], clusters["level"], strict=True))
    rows = []

    def add(check, reference, value, note):
        rows.append({"check": check, "reference": reference, "synthetic": value,
                     "difference": None if reference is None else value - reference,
                     "note": note})

    add("fai_2016_city_total", 2800 / 1.13, totals.get("fai", np.nan),
        "亿元; plan: 2800亿元 at +13% implies 2016 = 2800/1.13")
    add("iav_2016_city_total", 1600 / 1.10, totals.get("iav", np.nan),
        "亿元 nominal; plan: 1600亿元 at +10% real, read with a zero 2017 deflator")
    rev = totals.get("revenue", np.nan)
    add("revenue_growth_needed_for_8500", None, 8500 / rev - 1,
        f"2016 synthetic revenue {rev:.1f}亿元")
    emp = totals.get("employment", np.nan)
    add("employment_growth_needed_for_92", None, 92 / emp - 1, f"2016 synthetic {emp:.2f}万人")
    add("employment_growth_needed_for_90", None, 90 / emp - 1, f"2016 synthetic {emp:.2f}万人")
    for ind in MONTHLY_INDICATORS:
        sub = y16[y16["indicator"] == ind]
        prov = sub[sub["cluster_id"].map(level) == "provincial"]["value"].sum()
        add(f"{ind}_2016_provincial_share", None, prov / sub["value"].sum(),
            "share of provincial clusters in the registered total")
    # seasonal shape: city-total FAI within-year shares vs the national series
    monthly = obs[(obs["frequency"] == "monthly_ytd") & (obs["measure"] == "level")
                  & (obs["indicator"] == "fai")].copy()
    monthly["year"] = monthly["period"].str.slice(0, 4).astype(int)
    monthly["month"] = monthly["period"].str.slice(5, 7).astype(int)
    full = monthly[monthly["year"] <= LAST_YEAR]
    # use clusters present all year-range (founded by 2011) so totals share a scope
    city = full.groupby(["year", "month"])["value"].sum().unstack("month")
    city = city.div(city[12], axis=0)
    years = [y for y in city.index if y in nat.index]
    diff = (city.loc[years, list(MONTHS)] - nat.loc[years, list(MONTHS)]).abs()
    add("fai_share_jan_jul_mean", float(nat.loc[years, 7].mean()),
        float(city.loc[years, 7].mean()), f"s(7) = C(Jul)/C(Dec), mean over {years[0]}-{years[-1]}; "
        "reference = national series (NBS via AFAN-LIFE/macropage)")
    add("fai_share_jan_feb_mean", float(nat.loc[years, 2].mean()),
        float(city.loc[years, 2].mean()), "s(2), same years")
    add("fai_share_max_abs_gap", 0.0, float(diff.to_numpy().max()),
        "largest |city share - national share| over months 2-11 and years")
    if projects is not None:
        counts = projects["status"].value_counts()
        for status, ref in (("new", 60), ("completed", 60)):
            add(f"projects_{status}", ref, int(counts.get(status, 0)),
                "plan: 60 new starts, 60 completed (三(二)3)")
        planned = float(pd.to_numeric(projects["planned_investment"]).sum())
        add("projects_planned_share_of_fai_2016", None, planned / totals.get("fai", np.nan),
            f"planned {PLAN_YEAR} project investment {planned:.1f}亿元 over 2016 city FAI")
    return pd.DataFrame(rows)


def format_calibration(checks: pd.DataFrame) -> str:
    """A plain-text table of :func:`calibration_checks` (all numbers synthetic)."""
    lines = ["Calibration of the SYNTHETIC panel (not official statistics):"]
    for r in checks.itertuples(index=False):
        ref = "" if r.reference is None or pd.isna(r.reference) else f"{r.reference:10.4f}"
        dif = "" if r.difference is None or pd.isna(r.difference) else f"{r.difference:+.4f}"
        lines.append(f"  {r.check:34s} ref {ref:>10s}  synthetic {r.synthetic:10.4f}  "
                     f"{dif:>9s}  {r.note}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- writing

def write_synthetic(data_dir: str | Path = "data", seed: int = DEFAULT_SEED,
                    params_dir: str | Path | None = "params",
                    national_fai: str | Path | None = None) -> pd.DataFrame:
    """Write ``observations.csv`` and ``projects.csv`` (and the derived cluster targets).

    Parameters
    ----------
    data_dir : path
        Folder holding ``clusters.csv``; the generated files are written there.
    seed : int
    params_dir : path or None
        When given, the plan's ``plans/<PLAN_YEAR>/cluster_targets.csv`` is rewritten with
        the default per-cluster targets derived from its ``targets.yaml`` and the new data.
    national_fai : path, optional
        The national monthly FAI CSV.

    Returns
    -------
    pandas.DataFrame
        The calibration checks.
    """
    from .plan import CLUSTER_TARGETS_FILE, TARGETS_FILE, plan_folder
    from .tables import read_table
    from .targets import derive_cluster_targets, load_targets
    from .writing import write_csv_atomic

    data_dir = Path(data_dir)
    clusters = read_table(data_dir / "clusters.csv")
    nat = national_fai_shares(national_fai)
    obs = generate_observations(clusters, seed=seed, national_shares=nat)
    projects = generate_projects(clusters, seed=seed)
    out = obs.assign(synthetic=obs["synthetic"].map({True: "true", False: "false"}))
    write_csv_atomic(out, data_dir / "observations.csv", force=True)
    write_csv_atomic(projects.assign(synthetic="true"), data_dir / "projects.csv", force=True)
    if params_dir is not None:
        params_dir = Path(params_dir)
        folder = plan_folder(params_dir, PLAN_YEAR)
        targets = load_targets(folder / TARGETS_FILE, PLAN_YEAR)
        ct = derive_cluster_targets(targets, clusters, obs, PLAN_YEAR)
        ct = ct.assign(derived=ct["derived"].map({True: "true", False: "false"}))
        write_csv_atomic(ct, folder / CLUSTER_TARGETS_FILE, force=True)
    return calibration_checks(obs, clusters, nat, projects)


def main(argv: list[str] | None = None) -> int:
    """``python -m zzforecast.data.synthetic``: regenerate the bundled synthetic data."""
    parser = argparse.ArgumentParser(
        prog="python -m zzforecast.data.synthetic",
        description="Regenerate the bundled SYNTHETIC panel (data/observations.csv, "
                    "data/projects.csv) and the derived per-cluster targets.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data", default="data", help="folder with clusters.csv (output too)")
    parser.add_argument("--params", default="params",
                        help=f"params folder for plans/{PLAN_YEAR}/cluster_targets.csv "
                             "('' to skip)")
    parser.add_argument("--national-fai", default=None, help=f"path of {NATIONAL_FAI_FILE}")
    args = parser.parse_args(argv)
    try:
        checks = write_synthetic(args.data, args.seed, args.params or None, args.national_fai)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    print(format_calibration(checks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
