"""Tiny synthetic inputs for the attainability tests (simulate, attain, CLI).

Built inline with a fixed seed: a handful of clusters, monthly year-to-date FAI and IAV
and annual levels of every indicator, in the long observations shape of
``schemas.OBSERVATIONS_COLUMNS``. Nothing here is official data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SHARE = np.array([0.0, 0.12, 0.2, 0.29, 0.37, 0.47, 0.55, 0.63, 0.71, 0.8, 0.89, 1.0])


def make_clusters(n: int = 6) -> pd.DataFrame:
    ids = [f"c{i:02d}" for i in range(n)]
    return pd.DataFrame({
        "cluster_id": ids,
        "name_zh": [f"集聚区{i}" for i in range(n)],
        "name_en": [f"Cluster {i}" for i in range(n)],
        "level": ["provincial" if i < (2 * n) // 3 else "municipal" for i in range(n)],
        "county": ["县"] * n,
        "lead_industries": ["装备制造"] * n,
        "star_target": [6, 3, 2, 1, None, None][:n] + [None] * max(0, n - 6),
        "founded": [2010] * n,
    })


def make_observations(clusters: pd.DataFrame, *, year: int = 2017, last_month: int = 7,
                      first_year: int = 2010, seed: int = 3, growth: float = 0.12,
                      short: dict[str, int] | None = None) -> pd.DataFrame:
    """Observations with levels consistent with growth; ``short`` maps id -> first year."""
    rng = np.random.default_rng(seed)
    rows = []
    short = short or {}
    base = {"fai": 100.0, "iav": 60.0, "revenue": 300.0, "employment": 5.0}
    g0 = {"fai": growth, "iav": growth - 0.03, "revenue": growth - 0.02, "employment": 0.03}
    for k, cid in enumerate(clusters["cluster_id"]):
        start = short.get(cid, first_year)
        common = rng.standard_normal(year - first_year + 1)
        for ind, b in base.items():
            level = b * (1 + 0.3 * k)
            for y in range(start, year + 1):
                gy = g0[ind] + 0.03 * (0.6 * common[y - first_year] + 0.8 * rng.standard_normal())
                new = level * (1 + gy) if y > start else level
                if y < year:
                    rows.append((cid, ind, "level", "annual", str(y), new, "亿元" if ind != "employment" else "万人"))
                    if y > start:
                        rows.append((cid, ind, "growth", "annual", str(y), gy, "fraction"))
                if ind in ("fai", "iav") and y > first_year:
                    shares = SHARE * (1 + 0.02 * rng.standard_normal(12))
                    shares[11] = 1.0
                    months = range(2, 13) if y < year else range(2, last_month + 1)
                    for m in months:
                        rows.append((cid, ind, "level", "monthly_ytd", f"{y}-{m:02d}", new * shares[m - 1], "亿元"))
                        if y > start:
                            gm = gy + 0.01 * rng.standard_normal()
                            rows.append((cid, ind, "growth", "monthly_ytd", f"{y}-{m:02d}", gm, "fraction"))
                level = new
    df = pd.DataFrame(rows, columns=["cluster_id", "indicator", "measure", "frequency", "period",
                                     "value", "unit"])
    df["price_basis"] = np.where(df["indicator"] == "iav", "real", "nominal")
    df["source"] = "test fixture"
    df["vintage"] = "2017-08-01"
    df["synthetic"] = True
    return df


def make_projects(clusters: pd.DataFrame, year: int = 2017) -> pd.DataFrame:
    ids = list(clusters["cluster_id"])
    return pd.DataFrame({
        "project_id": ["p1", "p2", "p3"],
        "cluster_id": [ids[0], ids[0], ids[1]],
        "name_zh": ["项目一", "项目二", "项目三"],
        "name_en": ["One", "Two", "Three"],
        "status": ["new", "continuing", "new"],
        "total_investment": [50.0, 80.0, 20.0],
        "planned_investment": [12.0, 30.0, 6.0],
        "planned_start": [f"{year}-09", f"{year - 1}-03", f"{year}-03"],
        "planned_completion": [f"{year + 1}-12", f"{year}-12", f"{year}-10"],
        "year": [year] * 3,
        "source": ["test"] * 3,
        "synthetic": [True] * 3,
    })


@dataclass(frozen=True)
class FakeTarget:
    """Duck-typed stand-in for ``zzforecast.data.targets.Target``."""

    id: str
    indicator: str
    scope: str
    kind: str
    value: float
    unit: str = "fraction"
    comparison: str = ">="
    tolerance: float | None = None
    section: str = "二"
    quote: str = ""
    note: str = ""
    derived: bool = False


def plan_targets() -> list[FakeTarget]:
    return [
        FakeTarget("fai_growth_city", "fai", "city", "growth", 0.13, tolerance=0.005,
                   quote="同比增长 13%左右"),
        FakeTarget("fai_growth_provincial", "fai", "provincial", "growth", 0.14),
        FakeTarget("fai_level_city", "fai", "city", "level", 1500.0, unit="亿元"),
        FakeTarget("iav_growth_city", "iav", "city", "growth", 0.10, tolerance=0.005,
                   quote="同比增长 10%左右"),
        FakeTarget("iav_growth_provincial", "iav", "provincial", "growth", 0.12),
        FakeTarget("employment_city", "employment", "city", "level", 40.0, unit="万人"),
        FakeTarget("revenue_city", "revenue", "city", "level", 4000.0, unit="亿元"),
        FakeTarget("patents", "patents", "city", "count", 3000, unit="件"),
    ]


@dataclass
class FakeBundle:
    """Duck-typed stand-in for ``zzforecast.data.bundle.Bundle``."""

    clusters: pd.DataFrame
    observations: pd.DataFrame
    projects: pd.DataFrame
    params_dir: Path
    targets: list = field(default_factory=list)
    cluster_targets: pd.DataFrame | None = None
    data_dir: Path = Path("data")
    data_digest: str = "d" * 64
    params_digest: str = "p" * 64
    vintage: str = "2017-08-01"
    synthetic: bool = True


def make_bundle(params_dir: Path, n: int = 6, **kwargs) -> FakeBundle:
    clusters = make_clusters(n)
    return FakeBundle(clusters=clusters, observations=make_observations(clusters, **kwargs),
                      projects=make_projects(clusters), params_dir=Path(params_dir),
                      targets=plan_targets())
