"""The bundled CJK font reaches matplotlib (after seaborn) and WeasyPrint."""

from __future__ import annotations

import io
import warnings

import pytest

from zzforecast.report.fonts import (
    CSS_FAMILY,
    FONT_FAMILY,
    font_face_css,
    font_path,
    font_paths,
    use_cjk_font,
)

CHINESE = "郑州市产业集聚区固定资产投资增速"


def test_font_files_are_bundled_opentype():
    paths = font_paths()
    assert set(paths) == {"regular", "bold"}
    for path in paths.values():
        assert path.is_absolute() and path.is_file()
        assert path.read_bytes()[:4] == b"OTTO"  # CFF-flavoured OpenType
    with pytest.raises(ValueError, match="style"):
        font_path("italic")


def test_use_cjk_font_survives_seaborn_theme():
    import matplotlib as mpl
    import seaborn as sns
    from matplotlib import font_manager

    sns.set_theme()  # resets font.sans-serif
    assert use_cjk_font() == FONT_FAMILY
    assert mpl.rcParams["font.sans-serif"][0] == FONT_FAMILY
    assert mpl.rcParams["axes.unicode_minus"] is False
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                  fallback_to_default=False)
    assert found == str(font_path("regular"))


def test_chinese_text_draws_without_missing_glyph_warnings():
    from matplotlib.figure import Figure

    use_cjk_font()
    fig = Figure()
    ax = fig.subplots()
    ax.set_title(CHINESE)
    ax.set_xlabel("全年增速（%）")
    ax.plot([-1, 1], [-2, 2], label="实际值")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise
        fig.savefig(io.BytesIO(), format="png")
        fig.savefig(io.BytesIO(), format="pdf")


def test_font_face_css_points_at_the_font_files():
    css = font_face_css()
    assert css.count("@font-face") == 2
    assert CSS_FAMILY in css
    assert font_path("regular").as_uri() in css and font_path("bold").as_uri() in css


def test_glyph_check_catches_a_font_without_chinese():
    """Control: the warning filter above really fails when the CJK font is not used."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig = Figure()
        fig.subplots().set_title(CHINESE)
        with pytest.warns(UserWarning, match="Glyph .* missing"):
            fig.savefig(io.BytesIO(), format="png")
