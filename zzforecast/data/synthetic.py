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
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import UserError
from .national_shape import MONTHS, national_fai_shares
from .plan import CLUSTER_TARGETS_FILE, TARGETS_FILE, plan_folder
from .public import NATIONAL_FAI_FILE
from .schemas import INDICATORS, MONTHLY_INDICATORS, OBSERVATIONS_COLUMNS
from .synthetic_checks import calibration_checks, format_calibration
from .synthetic_design import (
    DEFAULT_SEED,
    DEFLATOR,
    FIRST_YEAR,
    LAST_MONTH,
    LAST_YEAR,
    MEAN_GROWTH,
    PLAN_YEAR,
    SD_COMMON,
    SD_IDIO,
    SD_SCOPE,
    STARTUP,
    Calibration,
    zone_sizes,
)
from .synthetic_projects import generate_projects
from .tables import read_table
from .targets import derive_cluster_targets, load_targets
from .vintages import DEFAULT_LAGS
from .writing import write_csv_atomic

__all__ = ["generate_observations", "bulk_observations", "write_synthetic", "main"]

# the indicators the panel holds: those the design gives growth paths (all four registered)
_INDICATORS = tuple(MEAN_GROWTH)


# --------------------------------------------------------------------------- panel

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
        mu = np.asarray(MEAN_GROWTH[ind])
        effect = rng.normal(0.0, 0.35 * SD_IDIO[ind], size=(n, 1))
        loading = np.clip(rng.normal(1.0, 0.25, size=(n, 1)), 0.3, 2.0)
        scale = (np.median(sizes[:, j]) / sizes[:, j]) ** 0.25  # small zones are noisier
        idio = rng.standard_normal((n, len(years))) * SD_IDIO[ind] * scale[:, None]
        rare = (rng.random((n, len(years))) < 0.04) * rng.normal(0, 3 * SD_IDIO[ind],
                                                                 (n, len(years)))
        g = mu + effect + loading * SD_COMMON[ind] * common[ind] + idio + rare
        since = years[None, :] - founded[:, None]  # 1 = first year with growth
        boost = np.zeros_like(g)
        for k, b in enumerate(STARTUP, start=1):
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
    sizes, founded = zone_sizes(clusters), _founded(clusters)
    growth = _growth_paths(rng, n, founded, sizes)
    years = np.arange(FIRST_YEAR, PLAN_YEAR + 1)  # 2010..2017 (2017 hidden, for months)
    deflator = np.concatenate([[0.0], DEFLATOR])

    # true levels (nominal), backwards from 2016 relative sizes, then scaled to the totals
    nominal_growth, levels = {}, {}
    for j, ind in enumerate(_INDICATORS):
        g = growth[ind]
        gn = (1 + g) * (1 + np.asarray(DEFLATOR)) - 1 if ind == "iav" else g
        nominal_growth[ind] = gn
        lv = np.empty((n, len(years)))
        i16 = LAST_YEAR - FIRST_YEAR
        lv[:, i16] = sizes[:, j] * np.exp(rng.normal(0, 0.05, n))
        for k in range(i16, 0, -1):  # years[k] -> years[k-1]
            lv[:, k - 1] = lv[:, k] / (1 + gn[:, k - 1])
        lv[:, i16 + 1] = lv[:, i16] * (1 + gn[:, i16])
        levels[ind] = lv
    scope = {ind: 1 + rng.normal(0, SD_SCOPE[ind], (n, len(years))) for ind in _INDICATORS}
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
        spec = INDICATORS[ind]
        unit, lpb, gpb = spec.unit, spec.level_price_basis, spec.growth_price_basis
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
