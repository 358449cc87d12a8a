"""The scenario explorer: sliders over a scenario, re-simulating the city's chances.

It opens exactly at the scenario of the report it accompanies and, with the report's
defaults, shows the report's numbers.
"""

from __future__ import annotations

import html

from ..data.schemas import CITY_SCOPE, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..i18n import check_lang, text
from .answers import projects_html
from .fragments import display_html, paragraph, table_html, targets_frame

__all__ = ["explorer_scenario", "scenario_explorer"]

AGGREGATE_SCOPES = (CITY_SCOPE, PROVINCIAL_SCOPE, MUNICIPAL_SCOPE)  # the explorer's targets


def explorer_scenario(base, *, fai_shift: float = 0.0, iav_shift: float = 0.0,
                      delay_months: float | None = None, deflator_mean: float | None = None):
    """The scenario the explorer simulates: ``base`` with the sliders' changes.

    Shifts are in percentage points added to the city's growth of the months to come;
    ``None`` keeps the base value exactly (so an untouched explorer is the base scenario,
    whatever its values).
    """
    import dataclasses

    shift = {k: dict(v) for k, v in (base.growth_shift or {}).items()}
    for ind, points in (("fai", fai_shift), ("iav", iav_shift)):
        if points:
            by_scope = shift.setdefault(ind, {})
            by_scope["city"] = float(by_scope.get("city", 0.0)) + float(points) / 100
    return dataclasses.replace(
        base, growth_shift=shift,
        delay_months=base.delay_months if delay_months is None else float(delay_months),
        deflator_mean=base.deflator_mean if deflator_mean is None else float(deflator_mean))


def scenario_explorer(bundle, year: int, as_of: str, scenario: str = "baseline", *,
                      n_paths: int = 10000, seed: int = 0, lang: str = "zh"):
    """An ipywidgets panel: sliders for growth shifts, project delay and the deflator.

    It opens exactly at ``scenario`` (every slider starts at the file's value, and a
    slider not moved passes the file's value itself, so no step rounding changes it) and
    with the report's defaults (``n_paths`` 10,000, ``seed`` 0) shows the report's
    numbers. Sliders update when released (``continuous_update=False``), so dragging
    does not queue one simulation per pixel. Each update re-runs the joint simulation
    under :func:`explorer_scenario` and refreshes the table of city and provincial
    probabilities and the major projects still to come (the outlook of the moved
    scenario, from the simulation's own draws: the file is not read again).

    Returns
    -------
    (ipywidgets.VBox, callable)
        The panel and its ``update()`` function, which returns the assessment of the city,
        provincial and municipal targets shown (called once already, so the table is filled
        when the panel is first shown, and headless runs see real numbers).
    """
    import ipywidgets as widgets
    from IPython.display import display

    from ..assess.result import assess_plan
    from ..simulate.engine import simulate
    from ..simulate.scenarios import load_scenario, scenario_assumptions

    check_lang(lang)
    base = load_scenario(bundle.params_dir, scenario)  # read once: the sliders edit it in memory
    names = dict(zip(bundle.clusters["cluster_id"], bundle.clusters[f"name_{lang}"], strict=True))
    zh = lang == "zh"
    style = {"description_width": "14em"}
    layout = widgets.Layout(width="38em")

    def slider(value, lo, hi, step, description, fmt):
        lo, hi = min(lo, value), max(hi, value)  # the file's value is always in range
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, style=style,
                                   layout=layout, description=description,
                                   continuous_update=False, readout_format=fmt)

    fai = slider(0.0, -5.0, 5.0, 0.1, ("投资" if zh else "FAI ") + text("growth_shift", lang),
                 ".1f")
    iav = slider(0.0, -5.0, 5.0, 0.1, ("工业" if zh else "IAV ") + text("growth_shift", lang),
                 ".1f")
    delay = slider(float(base.delay_months), 0.0, 12.0, 0.1, text("project_delay", lang),
                   ".1f")
    deflator = slider(100 * float(base.deflator_mean), -5.0, 10.0, 0.1,
                      text("deflator", lang) + " (%)", ".1f")
    start = {w: w.value for w in (fai, iav, delay, deflator)}
    out = widgets.Output()

    def moved(w) -> bool:
        return abs(float(w.value) - float(start[w])) > w.step / 2

    def adjusted():
        return explorer_scenario(
            base, fai_shift=fai.value if moved(fai) else 0.0,
            iav_shift=iav.value if moved(iav) else 0.0,
            delay_months=delay.value if moved(delay) else None,
            deflator_mean=deflator.value / 100 if moved(deflator) else None)

    def update(*_):
        sim = simulate(bundle, year, as_of, adjusted(), n_paths=n_paths, seed=seed,
                       keep_monthly=False)
        # the one result of the assess stage: the outlook is the moved scenario's own
        result = assess_plan(sim, bundle)
        frame = result.table[result.table["scope"].isin(AGGREGATE_SCOPES)].reset_index(drop=True)
        # the report's own tables, so the explorer and the report read alike
        table = targets_frame(frame, lang, with_scope=True)
        out.clear_output(wait=True)
        with out:
            display(display_html(table_html(table) + projects_html(result, lang, names)))
        return frame

    for w in (fai, iav, delay, deflator):
        w.observe(update, names="value")
    update()
    assumptions = widgets.HTML(
        paragraph(("起点：" if zh else "Starting point: ") + base.label(lang)
                  + ("（参数文件中的假设如下）" if zh else " (its assumptions from the params file)"))
        + table_html(scenario_assumptions([base], lang)))
    panel = widgets.VBox([widgets.HTML(html.escape(text("explorer_help", lang))),
                          fai, iav, delay, deflator, out, assumptions])
    return panel, update
