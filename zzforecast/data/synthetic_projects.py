"""The SYNTHETIC major-projects table: the six projects the plan names, plus invented ones.

Part of the bundled demonstration data (see ``synthetic.py``): every figure is invented
and every generated row says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schemas import PROJECTS_COLUMNS
from .synthetic_design import DEFAULT_SEED, PLAN_YEAR, Calibration, zone_sizes

__all__ = ["NAMED_PROJECTS", "generate_projects"]


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
    fai_size = zone_sizes(clusters)[:, 0]
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
