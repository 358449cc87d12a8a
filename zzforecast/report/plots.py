"""Figures for reports: fan charts, attainment bars, scenarios, drivers.

Labels are Chinese by default and English with ``lang="en"``. Every function returns a
matplotlib ``Figure`` and takes plain inputs (pandas Series / DataFrames and numpy
arrays), so the notebooks stay thin and tests can draw without a simulation.
Call :func:`set_style` once first: it applies the seaborn theme and *then* the CJK font
(seaborn's ``set_theme`` resets the font settings).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..i18n import text
from .fonts import use_cjk_font

__all__ = [
    "set_style",
    "fan_chart",
    "growth_fan_chart",
    "outcome_histogram",
    "attainment_chart",
    "scenario_chart",
    "drivers_chart",
    "pipeline_chart",
    "vintage_chart",
]

_BLUE = "#1f5fa8"
_RED = "#c0392b"
_GREY = "#555555"


def set_style(seaborn: bool = False, context: str = "notebook") -> str:
    """Apply the report theme (seaborn's ``whitegrid`` look) and then the bundled CJK font.

    Parameters
    ----------
    seaborn : bool
        ``True`` calls ``seaborn.set_theme(style="whitegrid", context=context)``. The
        default applies the same look from matplotlib's bundled copy of seaborn's style
        (``seaborn-v0_8-whitegrid``) without importing seaborn, which saves about a
        second per report notebook. Either way the CJK font is set *afterwards*: seaborn's
        ``set_theme`` resets ``font.sans-serif``, so call :func:`use_cjk_font` again if
        you call ``set_theme`` yourself later.
    context : str
        seaborn plotting context (only with ``seaborn=True``).

    Returns
    -------
    str
        The font family now first in ``font.sans-serif``.
    """
    if seaborn:
        import seaborn as sns

        sns.set_theme(style="whitegrid", context=context)
    else:
        import matplotlib.style

        matplotlib.style.use("seaborn-v0_8-whitegrid")
    import matplotlib as mpl

    # Labels come from data (cluster and project names): a "$" must stay a dollar sign,
    # not start mathtext.
    mpl.rcParams["text.parse_math"] = False
    return use_cjk_font()


def _new_ax(ax, figsize=(7.5, 4.0), layout: str | None = "constrained"):
    # A bare Figure, not pyplot: nothing is kept in pyplot's registry (no memory growth,
    # no automatic display of a second copy in notebooks).
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots()


def _wrap(title: str, lang: str) -> str:
    """Wrap a long title (CJK characters are about twice as wide as Latin letters)."""
    import textwrap

    return "\n".join(textwrap.wrap(title, 36 if lang == "zh" else 72)) or title


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def fan_chart(history, paths, x_future: Sequence, *, target: float | None = None,
              title: str | None = None, ylabel: str | None = None, lang: str = "zh",
              levels: Sequence[int] = (50, 90), ax=None):
    """Draw history and simulated futures as a fan (quantile bands around the median).

    Parameters
    ----------
    history : pandas.Series
        Observed values indexed by period (years or month ends); NaNs are skipped.
    paths : array-like, shape (n_paths, h) or (n_paths,)
        Simulated values for the periods ``x_future``.
    x_future : sequence
        Periods of the simulated values (``h`` of them).
    target : float, optional
        Drawn as a dashed horizontal line.
    title, ylabel : str, optional
    lang : {"zh", "en"}
    levels : sequence of int
        Central interval widths in percent, widest drawn lightest.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    paths = np.asarray(paths, dtype=float)
    if paths.ndim == 1:
        paths = paths[:, None]
    x_future = list(x_future)
    if paths.shape[1] != len(x_future):
        raise ValueError(f"paths has {paths.shape[1]} columns but x_future has "
                         f"{len(x_future)} periods")
    # Fixed margins rather than constrained layout: fan charts have short tick labels, and
    # the layout solver costs more than drawing the chart.
    own = ax is None
    fig, ax = _new_ax(ax, layout=None)
    hist = history.dropna()
    if len(hist):
        ax.plot(list(hist.index), hist.to_numpy(dtype=float), color=_GREY, marker="o",
                markersize=3, label=text("observed", lang))
    for i, level in enumerate(sorted(levels, reverse=True)):
        lo, hi = np.nanpercentile(paths, [50 - level / 2, 50 + level / 2], axis=0)
        if len(x_future) == 1:  # one period ahead: a bar, since a band has no width
            ax.vlines(x_future, lo, hi, color=_BLUE, alpha=0.25 + 0.25 * i,
                      linewidth=6 + 6 * i, label=text("interval", lang, level=level))
            continue
        ax.fill_between(x_future, lo, hi, color=_BLUE, alpha=0.15 + 0.15 * i, linewidth=0,
                        label=text("interval", lang, level=level))
    median = np.nanmedian(paths, axis=0)
    ax.plot(x_future, median, color=_BLUE, marker="o" if len(x_future) < 3 else None,
            markersize=4, label=text("median", lang))
    if len(hist) and len(x_future):
        # Join the last observation to the first simulated median.
        ax.plot([hist.index[-1], x_future[0]], [float(hist.iloc[-1]), median[0]],
                color=_BLUE, linestyle=":", linewidth=1)
    if target is not None and np.isfinite(target):
        ax.axhline(target, color=_RED, linestyle="--", linewidth=1.2,
                   label=text("target_line", lang))
    if title:
        title = _wrap(title, lang)
        ax.set_title(title)
    if ylabel:
        ax.set_ylabel(ylabel)
    # Series rise through the year (cumulative) or over the years: upper left stays clear.
    ax.legend(loc="upper left", fontsize="small")
    if own:
        lines = title.count("\n") + 1 if title else 0
        fig.subplots_adjust(left=0.11, right=0.98, bottom=0.13, top=0.95 - 0.055 * lines)
    return fig


def growth_fan_chart(history, paths, months: Sequence[int], *, target: float | None = None,
                     tolerance: float | None = None, title: str | None = None,
                     lang: str = "zh", levels: Sequence[int] = (50, 90), ax=None):
    """Cumulative growth by month (1–2月 ... 1–12月) as a fan, with the target band.

    Parameters
    ----------
    history : pandas.Series
        Published cumulative growth (fractions) indexed by month 2..m.
    paths : array-like (n_paths, len(months))
        Simulated cumulative growth for ``months`` (m+1..12).
    target, tolerance : float, optional
        The full-year growth target, drawn as a dashed line, and the band target ±
        tolerance (the plan's 左右) shaded behind it.
    """
    own = ax is None
    fig = fan_chart(history, paths, list(months), title=title, lang=lang, levels=levels,
                    ax=ax)
    ax = fig.axes[0] if own else ax
    if target is not None and np.isfinite(target):
        if tolerance:
            ax.axhspan(target - tolerance, target + tolerance, color=_RED, alpha=0.08,
                       linewidth=0, label=text("target_band", lang))
        ax.axhline(target, color=_RED, linestyle="--", linewidth=1.2,
                   label=text("target_line", lang))
    ticks = list(range(2, 13))
    ax.set_xticks(ticks, [f"1–{m}月" if lang == "zh" else ("Jan-Feb" if m == 2 else f"-{m}")
                          for m in ticks], fontsize="small")
    ax.set_xlim(1.6, 12.4)
    lo, hi = ax.get_ylim()
    digits = 0 if hi - lo > 0.04 else 1  # a narrow range needs a decimal to tell ticks apart
    ax.yaxis.set_major_formatter(lambda y, _pos: f"{100 * y:.{digits}f}%")
    ax.set_ylabel(text("cum_growth", lang))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=5, fontsize="small",
              frameon=False)
    if own:
        fig.subplots_adjust(bottom=0.22)
    return fig


def outcome_histogram(samples, *, target: float | None = None, title: str | None = None,
                      xlabel: str | None = None, lang: str = "zh", percent: bool = True,
                      ax=None):
    """Histogram of a simulated outcome (e.g. full-year growth) with the target marked."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    fig, ax = _new_ax(ax, figsize=(7.0, 3.4))
    scale = 100.0 if percent else 1.0
    ax.hist(samples * scale, bins=50, color=_BLUE, alpha=0.7)
    if target is not None and np.isfinite(target):
        ax.axvline(target * scale, color=_RED, linestyle="--",
                   label=text("target_line", lang))
        share = float(np.mean(samples >= target)) if len(samples) else float("nan")
        ax.text(0.99, 0.95, text("p_reach", lang, p=_pct(share)), transform=ax.transAxes,
                ha="right", va="top")
        ax.legend(loc="upper left", fontsize="small")
    if title:
        ax.set_title(title)
    ax.set_xlabel(xlabel or (text("growth_pct", lang) if percent else ""))
    ax.set_ylabel(text("paths", lang))
    return fig


def attainment_chart(table, *, label: str = "label", title: str | None = None,
                     lang: str = "zh", ax=None):
    """Horizontal bars of the probability of reaching each target.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label`` (or the name given), ``p_attain`` and optionally
        ``p_attain_within_tolerance`` (drawn as a lighter bar behind).
    """
    fig, ax = _new_ax(ax, figsize=(7.5, 0.45 * max(len(table), 2) + 1.2))
    y = np.arange(len(table))
    labels = [str(v) for v in table[label]]
    if "p_attain_within_tolerance" in table:
        ax.barh(y, table["p_attain_within_tolerance"].astype(float), color=_BLUE, alpha=0.3,
                label=text("p_within_tol", lang))
    values = table["p_attain"].astype(float).to_numpy()
    ax.barh(y, values, color=_BLUE, label=text("p_attain", lang))
    for yi, v in zip(y, values, strict=True):
        if not np.isfinite(v):
            continue
        if v > 0.85:  # inside a long bar, in white, so it never sits on the bar's edge
            ax.text(v - 0.01, yi, _pct(v), va="center", ha="right", fontsize="small",
                    color="white", fontweight="bold")
        else:
            ax.text(v + 0.01, yi, _pct(v), va="center", fontsize="small")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _pos: _pct(x))
    ax.set_xlabel(text("probability", lang))
    if title:
        ax.set_title(title)
    # Above the bars, never over them (a legend in the plot hid the values of long bars).
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize="small",
              frameon=False)
    return fig


def scenario_chart(table, *, scenario: str = "scenario", label: str = "label",
                   value: str = "p_attain", title: str | None = None, lang: str = "zh",
                   ax=None):
    """Grouped bars: one group per target, one bar per scenario.

    ``table`` is long: columns ``scenario``, ``label`` and the value (default
    ``p_attain``, a probability).
    """
    labels = list(dict.fromkeys(str(v) for v in table[label]))
    scenarios = list(dict.fromkeys(str(v) for v in table[scenario]))
    fig, ax = _new_ax(ax, figsize=(7.5, 0.5 * max(len(labels), 2) * max(len(scenarios), 1)
                                  / 1.5 + 1.2))
    height = 0.8 / max(len(scenarios), 1)
    palette = ["#1f5fa8", "#e08e0b", "#2e8b57", "#8e44ad", "#7f8c8d"]
    for i, sc in enumerate(scenarios):
        sub = table[table[scenario].astype(str) == sc]
        vals = {str(r[label]): float(r[value]) for _, r in sub.iterrows()}
        y = np.arange(len(labels)) + (i - (len(scenarios) - 1) / 2) * height
        ax.barh(y, [vals.get(lb, np.nan) for lb in labels], height=height,
                color=palette[i % len(palette)], label=sc)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _pos: _pct(x))
    ax.set_xlabel(text("probability", lang))
    ax.legend(title=text("scenario", lang), fontsize="small", loc="lower left",
              bbox_to_anchor=(0, 1.0), ncol=max(len(scenarios), 1), frameon=False)
    if title:
        ax.set_title(title)
    return fig


def drivers_chart(table, *, label: str = "label", value: str = "contribution",
                  title: str | None = None, xlabel: str | None = None, lang: str = "zh",
                  ax=None):
    """Horizontal bars of signed contributions (e.g. each cluster's share of the gap)."""
    table = table.copy()
    table = table.reindex(table[value].abs().sort_values(ascending=False).index)
    fig, ax = _new_ax(ax, figsize=(7.5, 0.4 * max(len(table), 2) + 1.2))
    vals = table[value].astype(float).to_numpy()
    colors = [_RED if v < 0 else _BLUE for v in vals]
    y = np.arange(len(table))
    ax.barh(y, vals, color=colors)
    ax.set_yticks(y, [str(v) for v in table[label]])
    ax.invert_yaxis()
    ax.axvline(0, color=_GREY, linewidth=0.8)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig


def pipeline_chart(table, *, label: str = "label", planned: str = "planned_investment",
                   status: str = "status", title: str | None = None, lang: str = "zh",
                   ax=None):
    """Horizontal bars of planned investment per project, coloured by status."""
    colors = {"new": "#e08e0b", "continuing": _BLUE, "completed": "#2e8b57"}
    fig, ax = _new_ax(ax, figsize=(7.5, 0.4 * max(len(table), 2) + 1.2))
    y = np.arange(len(table))
    ax.barh(y, table[planned].astype(float),
            color=[colors.get(str(s), _GREY) for s in table[status]])
    ax.set_yticks(y, [str(v) for v in table[label]])
    ax.invert_yaxis()
    ax.set_xlabel(text("planned_investment", lang))
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=text(f"status_{k}", lang)) for k, c in colors.items()]
    ax.legend(handles=handles, fontsize="small", loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def vintage_chart(by_vintage, *, title: str | None = None, lang: str = "zh", ax=None):
    """P(target) by data vintage, one line per headline target (an OBR-style chart).

    Parameters
    ----------
    by_vintage : pandas.DataFrame
        ``as_of``, ``target_id``, ``scope``, ``indicator``, ``target``, ``p_attain`` (as
        :func:`zzforecast.assess.track.track` returns).
    """
    from ..i18n import indicator_name

    fig, ax = _new_ax(ax, figsize=(7.5, 4.2))
    for (tid, scope), part in by_vintage.groupby(["target_id", "scope"], sort=False):
        part = part.sort_values("as_of")
        ind = indicator_name(str(part["indicator"].iloc[0]), lang)
        where = {"city": "全市", "provincial": "省级集聚区"} if lang == "zh" else {
            "city": "city", "provincial": "provincial clusters"}
        label = f"{ind} · {where.get(scope, scope)} · {tid}"
        ax.plot([f"1–{int(a[5:7])}月" if lang == "zh" else f"Jan–{int(a[5:7])}"
                 for a in part["as_of"]], part["p_attain"].astype(float), marker="o",
                label=label)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda x, _pos: _pct(x))
    ax.set_ylabel(text("probability", lang))
    ax.set_xlabel("数据截至" if lang == "zh" else "data as of")
    ax.set_title(_wrap(title or ("各期数据下的达标概率" if lang == "zh"
                                 else "Probability of reaching each target, by data vintage"),
                       lang))
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
