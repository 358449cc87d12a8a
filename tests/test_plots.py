"""Report figures draw Chinese (default) and English labels without missing glyphs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from zzforecast.i18n import STRINGS
from zzforecast.report import plots


@pytest.fixture(scope="module", autouse=True)
def _style():
    plots.set_style()


def _draw(fig):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png", dpi=60)


def _texts(fig):
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
        out += [t.get_text() for t in ax.get_yticklabels()]
    return " ".join(out)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_draws_in_both_languages(lang):
    rng = np.random.default_rng(0)
    history = pd.Series([100.0, 110, 121, 133], index=[2013, 2014, 2015, 2016])
    fan = plots.fan_chart(history, rng.normal(146, 5, size=(500, 1)), [2017], target=150,
                          title="航空港产业集聚区 固定资产投资", lang=lang)
    _draw(fan)
    text = _texts(fan)
    assert STRINGS[lang]["observed"] in text and STRINGS[lang]["target_line"] in text
    table = pd.DataFrame({"label": ["固定资产投资增长14%", "工业增加值增长12%"],
                          "p_attain": [0.3, 0.8], "p_attain_within_tolerance": [0.5, 0.9]})
    _draw(plots.attainment_chart(table, lang=lang, title="目标"))
    long = pd.concat([table.assign(scenario="baseline"),
                      table.assign(scenario="downside", p_attain=[0.1, 0.6])])
    _draw(plots.scenario_chart(long, lang=lang))
    _draw(plots.drivers_chart(pd.DataFrame({"label": ["经开区", "高新区"],
                                            "contribution": [-0.02, 0.01]}), lang=lang))
    _draw(plots.outcome_histogram(rng.normal(0.1, 0.02, 500), target=0.12, lang=lang))
    projects = pd.DataFrame({"label": ["富士康扩建", "宇通新能源"], "planned_investment": [30, 12.5],
                             "status": ["continuing", "new"]})
    _draw(plots.pipeline_chart(projects, lang=lang))


def test_fan_chart_bands_bracket_the_median():
    rng = np.random.default_rng(1)
    paths = rng.normal(0, 1, size=(2000, 3)).cumsum(axis=1)
    fig = plots.fan_chart(pd.Series([0.0], index=[0]), paths, [1, 2, 3], levels=(50, 90))
    ax = fig.axes[0]
    assert len(ax.collections) == 2  # one band per level
    one = plots.fan_chart(pd.Series([1.0], index=[2016]), paths[:, :1], [2017]).axes[0]
    segments = [c.get_segments()[0] for c in one.collections]  # vertical interval bars
    widths = sorted(abs(seg[1][1] - seg[0][1]) for seg in segments)
    assert len(widths) == 2 and widths[0] < widths[1]  # the 50% bar sits inside the 90% bar
    with pytest.raises(ValueError, match="x_future"):
        plots.fan_chart(pd.Series(dtype=float), paths, [1, 2])


def test_data_labels_with_dollar_signs_are_not_mathtext():
    names = pd.DataFrame({"label": ["$x^2$ 园区", "a_b$c"], "contribution": [0.1, -0.1]})
    fig = plots.drivers_chart(names, title="$\\frac{1}{0}$")
    _draw(fig)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["$x^2$ 园区", "a_b$c"]


def test_seaborn_theme_keeps_the_cjk_font():
    import matplotlib as mpl

    from zzforecast.report.fonts import FONT_FAMILY

    plots.set_style(seaborn=True)
    assert mpl.rcParams["font.sans-serif"][0] == FONT_FAMILY
    _draw(plots.outcome_histogram(np.linspace(0, 0.2, 50), target=0.1, title="中文标题"))
    plots.set_style()
