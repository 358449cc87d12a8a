"""Real-time evaluation of full-year forecasts from year-to-date data, on any history.

For every series, target year Y and as-of month m (2..11) of a year-to-date frame, each
method sees only what was published by the end of month m of Y (the complete years before
Y and Y's months through m) and is scored against Y's published full-year growth:

- ``engine``: the attainability engine (``zzforecast.simulate.engine``), each series a cluster;
- ``nowcast``: ``zzforecast.nowcast`` (the same within-year model, analytic);
- ``carry_forward``: "the latest year-to-date growth carries to year end" (probability 1
  when the year-to-date growth reaches the threshold, else 0; no interval);
- ``climatology``: the share of the series' earlier full years that reached the threshold
  (interval: their empirical quantiles).

Thresholds per case: the year-to-date growth itself, last year's full-year growth, and the
year-to-date growth +-1 and +-2 points. Years whose December does not continue
January-November (a scope difference, see ``estimate.ytd_frame``) are not scored.

``stress=True`` injects a 2020/2021-like shock pair (the published national FAI anchors:
January-February -24.5 % and full year +2.9 % in the shock year, January-February +35.0 %
on that base in the next) into every series and scores the shock year and the three years
after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..estimate.ytd import YearToDateModel
from ..estimate.ytd_frame import check_ytd_frame, ytd_table
from ..exceptions import UserError

__all__ = ["ytd_backtest", "score_cases", "standard_methods", "from_draws", "summarize",
           "inject_shock_pair", "format_ytd_tables", "METHODS", "OFFSETS", "QUANTILES"]

METHODS = ("engine", "nowcast", "carry_forward", "climatology")
OFFSETS = (-0.02, -0.01, 0.01, 0.02)
MIN_PRIOR_YEARS = 6  # complete years a series needs before one of its years is scored
BINS = np.linspace(0.0, 1.0, 11)
# The shock pair: log deviations from the series' own path at month m = 2..12 in the shock
# year (Jan-Feb -24.5 % against a pace of about +5.4 % before; full year +2.9 %), decaying
# geometrically between those anchors; the next year reverses the deviation on its base.
SHOCK_FEB = float(np.log(1 - 0.245) - np.log(1.054))
SHOCK_DEC = float(np.log(1.029) - np.log(1.054))


def inject_shock_pair(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """A copy of a checked year-to-date frame with a 2020/2021-like shock pair at ``year``.

    Growth in ``year`` moves by ``w(m)`` log points and growth in ``year + 1`` by
    ``-w(m)`` (the base effect of the same months), with w(2) = :data:`SHOCK_FEB` and
    w(12) = :data:`SHOCK_DEC`, geometric in between. Levels of the shock year move by the
    same factors (the next year's levels are then consistent with its growth).
    """
    d = df.copy()
    ratio = SHOCK_DEC / SHOCK_FEB
    w = {m: SHOCK_FEB * ratio ** ((m - 2) / 10) for m in range(2, 13)}
    wm = d["month"].map(w)
    for yr, sign in ((year, 1.0), (year + 1, -1.0)):
        rows = d["year"] == yr
        d.loc[rows, "cum_growth"] = np.expm1(np.log1p(d.loc[rows, "cum_growth"])
                                             + sign * wm[rows])
    rows = d["year"] == year
    d.loc[rows, "cum_value"] = d.loc[rows, "cum_value"] * np.exp(wm[rows])
    return d


def _engine_draws(hist: pd.DataFrame, uid: str, year: int, month: int, model, n_paths, seed):
    """Full-year growth draws of one series through the attainability engine."""
    from ..estimate.engine_inputs import prepare_inputs
    from ..simulate.paths import simulate_arrays

    obs, clusters = _as_observations(hist, uid)
    inp = prepare_inputs(clusters, obs, year, f"{year}-{month:02d}", indicators=("fai",),
                         fitted={"fai": model})
    paths = simulate_arrays(inp, n_paths=n_paths, seed=seed, keep_monthly=False)
    return paths["growth"][:, 0, 0].astype(float)


def _as_observations(hist: pd.DataFrame, uid: str):
    """One series in the engine's observation shape, as cluster ``uid``, indicator fai.

    A growth-only series (no levels, e.g. FAI after 2018 or a sector series) enters the
    engine on an index: last year's level 1 chained by the published full-year growth and
    spread over the months evenly. Only the growth the engine simulates is scored; the
    index never stands for a published level.
    """
    part = hist[hist["unique_id"] == uid].copy()
    if part["cum_value"].isna().all():
        dec = part[part["month"] == 12].set_index("year")["cum_growth"]
        years = np.arange(int(part["year"].min()), int(part["year"].max()) + 1)
        index = pd.Series(np.cumprod([1.0 + float(dec.get(y, 0.0)) for y in years]), index=years)
        part["cum_value"] = part["year"].map(index) * part["month"] / 12.0
    period = part["ds"].dt.strftime("%Y-%m")
    frames = [pd.DataFrame({"period": period, "measure": "growth", "frequency": "monthly_ytd",
                            "value": part["cum_growth"]}),
              pd.DataFrame({"period": period, "measure": "level", "frequency": "monthly_ytd",
                            "value": part["cum_value"]})]
    dec = part[part["month"] == 12]
    frames.append(pd.DataFrame({"period": dec["year"].astype(str), "measure": "growth",
                                "frequency": "annual", "value": dec["cum_growth"]}))
    frames.append(pd.DataFrame({"period": dec["year"].astype(str), "measure": "level",
                                "frequency": "annual", "value": dec["cum_value"]}))
    obs = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    obs.insert(0, "indicator", "fai")
    obs.insert(0, "cluster_id", uid)
    clusters = pd.DataFrame({"cluster_id": [uid], "level": ["provincial"]})
    return obs, clusters


QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)  # the 95% and 80% bounds and the centre


def from_draws(draws: np.ndarray, thresholds) -> dict:
    """A forecast read from draws of full-year growth: quantiles, centre, P(>= t)."""
    return {"q": np.quantile(draws, QUANTILES), "mean": float(np.median(draws)),
            "p": [float(np.mean(draws >= t - 1e-12)) for t in thresholds]}


def standard_methods(methods=METHODS, model_factory=YearToDateModel, n_paths: int = 4000,
                     seed: int = 0):
    """``per_year(hist, year)`` for :func:`score_cases`: the within-year model fitted once
    per target year on the years before it (pooled over every series), then the nowcast
    (read exactly) and the engine (simulated) per case."""

    def per_year(hist, year):
        model = model_factory().fit(hist)

        def nowcast(uid, seen, month, thresholds):
            pred = model.predict(seen)
            pred = pred[pred["unique_id"] == uid]
            q = model.quantile(pred, QUANTILES)[0]
            return {"q": q, "mean": float(q[2]), "warning": str(pred["warning"].iloc[0]),
                    "p": [float(model.prob_at_least(pred, t)[0]) for t in thresholds]}

        def engine(uid, seen, month, thresholds):
            draws = _engine_draws(seen, uid, year, month, model, n_paths,
                                  seed + year * 100 + month)
            return from_draws(draws, thresholds)

        found = {"nowcast": nowcast, "engine": engine}
        return {m: found[m] for m in methods if m in found}

    return per_year


def score_cases(d: pd.DataFrame, years, months, per_year) -> list[dict]:
    """Every (series, target year, as-of month) case with each method's forecast.

    ``per_year(hist, year)`` returns ``{method: forecast(uid, seen, month, thresholds)}``,
    where ``hist`` holds every series' years before ``year``, ``seen`` one series' history
    plus its months of ``year`` through ``month``, and ``forecast`` returns ``{"q":
    quantiles at QUANTILES, "mean": centre, "p": P(growth >= t) per threshold}``. The
    carry-forward rule and climatology are added to every case.
    """
    records = []
    # Years whose December does not continue January-November are data-quality
    # exclusions (judged on the whole file), never forecast inputs.
    table = ytd_table(d)
    breaks = {(u, int(y)) for i, u in enumerate(table.ids)
              for y in table.years[table.scope_break[i]]}
    truth = d[d["month"] == 12].set_index(["unique_id", "year"])["cum_growth"]
    for year in years:
        hist = d[d["year"] < year]
        complete = hist[hist["month"] == 12].groupby("unique_id")["year"].nunique()
        eligible = [u for u in complete.index if complete[u] >= MIN_PRIOR_YEARS
                    and (u, year) in truth.index]
        if not eligible:
            continue
        forecasters = per_year(hist, year)
        for uid in eligible:
            if (uid, year) in breaks:
                records.append({"unique_id": uid, "year": year, "excluded": "scope break"})
                continue
            outcome = float(truth[(uid, year)])
            past = truth.loc[uid]
            past = past[past.index < year].to_numpy(dtype=float)
            last = float(truth.get((uid, year - 1), np.nan))
            series = d[(d["unique_id"] == uid) & (d["year"] == year)]
            for month in months:
                rows = series[series["month"] <= month]
                if rows.empty or int(rows["month"].max()) != month:
                    continue
                g = float(rows["cum_growth"].iloc[-1])
                thresholds = [g] + ([last] if np.isfinite(last) else []) + [g + o for o in OFFSETS]
                seen = hist_and(rows, hist, uid)
                case = {"unique_id": uid, "year": year, "month": month, "ytd_growth": g,
                        "outcome": outcome, "excluded": ""}
                for name, forecast in forecasters.items():
                    f = forecast(uid, seen, month, thresholds)
                    case.update({f"{name}_q": np.asarray(f["q"], dtype=float),
                                 f"{name}_mean": f["mean"], f"{name}_p": f["p"]})
                    if f.get("warning"):
                        case[f"{name}_warning"] = f["warning"]
                case.update(carry_forward_p=[float(g >= t - 1e-12) for t in thresholds],
                            carry_forward_mean=g, carry_forward_q=None)
                if len(past):
                    case.update(climatology_p=[float(np.mean(past >= t - 1e-12)) for t in thresholds],
                                climatology_q=np.quantile(past, QUANTILES),
                                climatology_mean=float(np.median(past)))
                case["thresholds"] = thresholds
                case["hits"] = [float(outcome >= t - 1e-12) for t in thresholds]
                records.append(case)
    return records


def hist_and(rows: pd.DataFrame, hist: pd.DataFrame, uid: str) -> pd.DataFrame:
    """The history before the target year plus the target year's rows seen so far."""
    return pd.concat([hist[hist["unique_id"] == uid], rows], ignore_index=True)


def _score(cases: list[dict], method: str) -> dict:
    usable = [c for c in cases if not c["excluded"] and f"{method}_p" in c]
    if not usable:
        return {"n": 0, "coverage_80": None, "coverage_95": None, "brier": None, "by_month": [],
                "reliability": []}

    def block(part):
        p = np.concatenate([c[f"{method}_p"] for c in part])
        hit = np.concatenate([c["hits"] for c in part])
        out = {"n": len(part), "brier": round(float(np.mean((p - hit) ** 2)), 4)}
        if part[0].get(f"{method}_q") is None:
            out.update(coverage_80=None, coverage_95=None)
        else:
            y = np.array([c["outcome"] for c in part])
            q = np.array([c[f"{method}_q"] for c in part])
            out["coverage_80"] = round(float(np.mean((q[:, 1] <= y) & (y <= q[:, 3]))), 4)
            out["coverage_95"] = round(float(np.mean((q[:, 0] <= y) & (y <= q[:, 4]))), 4)
        return out

    result = block(usable)
    result["by_month"] = [{"month": m, **block([c for c in usable if c["month"] == m])}
                          for m in sorted({c["month"] for c in usable})]
    p = np.concatenate([c[f"{method}_p"] for c in usable])
    hit = np.concatenate([c["hits"] for c in usable])
    which = np.clip(np.digitize(p, BINS) - 1, 0, len(BINS) - 2)
    result["reliability"] = [
        {"lo": round(float(BINS[b]), 2), "hi": round(float(BINS[b + 1]), 2),
         "n": int((which == b).sum()), "mean_p": round(float(p[which == b].mean()), 4),
         "observed": round(float(hit[which == b].mean()), 4)}
        for b in range(len(BINS) - 1) if (which == b).any()]
    means = np.array([c[f"{method}_mean"] for c in usable])
    y = np.array([c["outcome"] for c in usable])
    result["mae_points"] = round(100 * float(np.mean(np.abs(means - y))), 3)
    return result


def ytd_backtest(df: pd.DataFrame, first_year: int | None = None, last_year: int | None = None,
                 *, stress: bool = False, shock_year: int | None = None,
                 methods=METHODS, months=range(2, 12), model_factory=YearToDateModel,
                 n_paths: int = 4000, seed: int = 0, source: str = "<input>") -> dict:
    """Score every method in real time on a year-to-date frame (see the module docstring).

    Returns
    -------
    dict
        ``{"series", "years", "cases", "excluded", <method>: {"n", "coverage_80",
        "coverage_95", "brier", "by_month", "reliability", "mae_points"}, ...}``; with
        ``stress``, also ``"stress": {"shock_year", "by_year": [...]}``.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise UserError(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    d = check_ytd_frame(df, source)
    complete_years = sorted(d.loc[d["month"] == 12, "year"].unique().tolist())
    if len(complete_years) < MIN_PRIOR_YEARS + 1:
        raise UserError(f"{source}: {len(complete_years)} complete years; the backtest needs at "
                        f"least {MIN_PRIOR_YEARS + 1} (each scored year needs {MIN_PRIOR_YEARS} "
                        "complete years before it)")
    last = int(last_year) if last_year is not None else int(complete_years[-1])
    first = int(first_year) if first_year is not None else int(complete_years[MIN_PRIOR_YEARS])
    if first > last:
        raise UserError(f"--first-year {first} is after --last-year {last}")
    result = {"source": source, "series": sorted(d["unique_id"].unique().tolist()),
              "years": [first, last]}
    if stress:
        shock = int(shock_year) if shock_year is not None else last - 3
        d = inject_shock_pair(d, shock)
        first = shock
        result["stress"] = {"shock_year": shock}
    cases = score_cases(d, range(first, last + 1), list(months),
                        standard_methods(methods, model_factory, n_paths, seed))
    result.update(summarize(cases, methods, stress_years=range(first, last + 1) if stress
                            else None))
    if stress:
        result["stress"]["by_year"] = result.pop("stress_by_year")
    return result


def summarize(cases: list[dict], methods=METHODS, stress_years=None) -> dict:
    """Scores of :func:`score_cases` output: ``cases``, ``excluded``, per method ``n``,
    ``coverage_80``, ``coverage_95``, ``brier``, ``by_month``, ``reliability``,
    ``mae_points``; with ``stress_years``, ``stress_by_year`` (coverage, Brier and the
    centres outside the year's year-to-date range +-10 points, per method)."""
    result = {"cases": sum(1 for c in cases if not c["excluded"]),
              "excluded": [{"unique_id": c["unique_id"], "year": int(c["year"]),
                            "why": c["excluded"]} for c in cases if c["excluded"]]}
    for method in methods:
        result[method] = _score(cases, method)
    if stress_years is None:
        return result
    by_year = []
    for yr in stress_years:
        part = [c for c in cases if c["year"] == yr and not c["excluded"]]
        if not part:
            continue
        row = {"year": yr, "n": len(part)}
        ytd = np.array([c["ytd_growth"] for c in part])
        for method in ("engine", "nowcast"):
            if method not in methods:
                continue
            s = _score(part, method)
            means = np.array([c[f"{method}_mean"] for c in part])
            # The year's own year-to-date range, per series.
            outside = 0
            for uid in {c["unique_id"] for c in part}:
                mask = np.array([c["unique_id"] == uid for c in part])
                lo, hi = ytd[mask].min() - 0.10, ytd[mask].max() + 0.10
                outside += int(np.sum((means[mask] < lo) | (means[mask] > hi)))
            row[method] = {"coverage_80": s["coverage_80"], "coverage_95": s["coverage_95"],
                           "brier": s["brier"], "centres_outside_range": outside}
        by_year.append(row)
    result["stress_by_year"] = by_year
    return result


def format_ytd_tables(result: dict) -> str:
    """Readable tables of a :func:`ytd_backtest` result."""
    lines = [f"year-to-date backtest: {', '.join(result['series'])}; target years "
             f"{result['years'][0]}-{result['years'][1]}; {result['cases']} cases"]
    methods = [m for m in METHODS if m in result and result[m]["n"]]

    def pct(v):
        return "   -  " if v is None else f"{100 * v:6.1f}"

    lines.append(f"{'method':<14}{'cov80':>7}{'cov95':>7}{'Brier':>8}{'MAE pp':>8}")
    for m in methods:
        r = result[m]
        lines.append(f"{m:<14}{pct(r['coverage_80'])}{pct(r['coverage_95'])}"
                     f"{r['brier']:8.4f}{r['mae_points']:8.2f}")
    lines.append("")
    lines.append("Brier by as-of month: " + "  ".join(f"{m}" for m in methods))
    months = [row["month"] for row in result[methods[0]]["by_month"]]
    for i, month in enumerate(months):
        cells = []
        for m in methods:
            row = result[m]["by_month"][i]
            cov = "" if row["coverage_80"] is None else f" ({100 * row['coverage_80']:.0f}%)"
            cells.append(f"{row['brier']:.4f}{cov}")
        lines.append(f"  1-{month}月  " + "  ".join(cells))
    for m in ("engine", "nowcast"):
        if m in result and result[m]["reliability"]:
            lines.append("")
            lines.append(f"reliability ({m}): bin, n, mean p, observed")
            for b in result[m]["reliability"]:
                lines.append(f"  [{b['lo']:.1f}, {b['hi']:.1f})  {b['n']:5d}  "
                             f"{b['mean_p']:.3f}  {b['observed']:.3f}")
    if "stress" in result:
        lines.append("")
        lines.append(f"stress: shock pair injected at {result['stress']['shock_year']}")
        for row in result["stress"]["by_year"]:
            parts = [f"{row['year']}"]
            for m in ("engine", "nowcast"):
                if m in row:
                    r = row[m]
                    parts.append(f"{m}: cov80 {pct(r['coverage_80'])} Brier {r['brier']:.4f} "
                                 f"centres outside range {r['centres_outside_range']}")
            lines.append("  " + "; ".join(parts))
    if result.get("excluded"):
        lines.append("")
        lines.append("not scored: " + ", ".join(f"{e['unique_id']} {e['year']} ({e['why']})"
                                                for e in result["excluded"]))
    return "\n".join(lines)
