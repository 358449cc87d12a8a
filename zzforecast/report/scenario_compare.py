"""The scenarios side by side: each one simulated with the same seed, and its assumptions.

With the same seed and paths, the scenarios differ only through their assumptions, so the
differences in their probabilities are the assumptions' effect.
"""

from __future__ import annotations

import pandas as pd

from .fragments import paragraph, table_html

__all__ = ["compare_scenarios", "assumptions_html"]


def compare_scenarios(bundle, year: int, as_of: str, n_paths: int = 2000, seed: int = 0,
                      scenarios: list[str] | None = None,
                      known: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Assess every scenario with the same seed (differences come only from assumptions).

    ``known`` maps scenario names to assessments already computed (the batch passes the
    main scenario's, so its figures are the same in every section).

    Returns
    -------
    pandas.DataFrame
        ``attain.assess`` rows of each scenario plus columns ``scenario``,
        ``scenario_zh`` and ``scenario_en`` (labels).
    """
    from ..assess.attain import assess
    from ..simulate.engine import simulate
    from ..simulate.scenarios import list_scenarios, load_scenario

    names = scenarios or list_scenarios(bundle.params_dir)
    known = dict(known or {})
    frames = []
    for name in names:
        scen = load_scenario(bundle.params_dir, name)
        if name in known:
            frame = known[name]
        else:
            sim = simulate(bundle, year, as_of, scen, n_paths=n_paths, seed=seed,
                           keep_monthly=False)
            frame = assess(sim, bundle)
        frames.append(frame.assign(scenario=name, scenario_zh=scen.label_zh or name,
                                   scenario_en=scen.label_en or name))
    return pd.concat(frames, ignore_index=True)


def assumptions_html(params_dir, names: list[str], lang: str) -> str:
    """Each scenario's assumptions, read from its params file, side by side ('' when a
    scenario file is gone since the batch ran)."""
    from ..simulate.scenarios import load_scenario, scenario_assumptions

    try:
        scenarios = [load_scenario(params_dir, n) for n in names]
    except Exception:  # noqa: BLE001 - a scenario file gone since the batch ran
        return ""
    zh = lang == "zh"
    return (paragraph("情景假设（取自参数文件 params/scenarios/）：" if zh else
                      "The scenarios' assumptions (from params/scenarios/):")
            + table_html(scenario_assumptions(scenarios, lang)))
