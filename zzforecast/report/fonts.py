"""Chinese text in figures and PDFs: the bundled Noto Sans CJK font.

The font comes from the PyPI package ``rinoh-typeface-notosanscjk`` (SIL Open Font
Licence), a dependency of zzforecast, so no system font is needed. Matplotlib and
WeasyPrint (through fontconfig) are separate font systems:

- :func:`use_cjk_font` registers the font file with matplotlib's font manager and puts
  it first in ``font.sans-serif``. Call it *after* ``seaborn.set_theme`` (which resets
  the font settings); :func:`zzforecast.report.plots.set_style` does both in the right order.
- :func:`font_face_css` declares the same file with ``@font-face`` for HTML and PDF, so
  WeasyPrint finds it without fontconfig.

The package is located without importing it (its ``__init__`` parses the font with
rinohtype, which is slow and fails on recent versions).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from ..exceptions import SetupError, UserError

__all__ = [
    "FONT_FAMILY",
    "CSS_FAMILY",
    "WEB_FONT_DIR",
    "font_path",
    "font_paths",
    "use_cjk_font",
    "font_face_css",
    "subset_web_fonts",
    "web_font_css",
]

FONT_PACKAGE = "rinoh_typeface_notosanscjk"
# The family name inside the font files (the Japanese-default face of Noto Sans CJK; it
# holds every simplified-Chinese glyph, only a few glyph shapes follow Japanese style).
FONT_FAMILY = "Noto Sans CJK JP"
# The name HTML/PDF stylesheets use for it (declared by font_face_css).
CSS_FAMILY = "ZZ Noto Sans CJK"
_FILES = {"regular": "notosanscjkjp-regular.otf", "bold": "notosanscjkjp-bold.otf"}
# Folder (relative to the HTML pages) holding the web-font subsets of a report batch.
WEB_FONT_DIR = "_fonts"
_WEIGHTS = {"regular": 400, "bold": 700}
_LICENCE = "SIL-OPEN-FONT-LICENSE.txt"


@lru_cache(maxsize=1)
def font_paths() -> dict[str, Path]:
    """Return the absolute paths of the bundled CJK font files.

    Returns
    -------
    dict
        ``{"regular": Path, "bold": Path}``.

    Raises
    ------
    SetupError
        If the font package is not installed or a file is missing (exit 2, with the fix).
    """
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SetupError(f"the CJK font package {FONT_PACKAGE!r} is not installed",
                         fix="run `make setup`, or `pip install rinoh-typeface-notosanscjk`")
    folder = Path(next(iter(spec.submodule_search_locations)))
    paths = {style: (folder / name).resolve() for style, name in _FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise SetupError(f"CJK font file(s) missing: {', '.join(missing)}",
                         fix="reinstall the font package: "
                             "`pip install --force-reinstall rinoh-typeface-notosanscjk`")
    return paths


def font_path(style: str = "regular") -> Path:
    """Return the absolute path of one bundled CJK font file (``regular`` or ``bold``)."""
    paths = font_paths()
    if style not in paths:
        raise UserError(f"style must be one of {sorted(paths)}, got {style!r}")
    return paths[style]


@lru_cache(maxsize=1)
def _register() -> str:
    from matplotlib import font_manager

    for path in font_paths().values():
        font_manager.fontManager.addfont(str(path))
    return FONT_FAMILY


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese text with the bundled font.

    Registers the font files with matplotlib's font manager (once per process) and puts
    the family first in ``font.sans-serif``, with ``axes.unicode_minus`` off (the CJK
    font has no U+2212 minus sign). Call it after ``seaborn.set_theme``, which resets
    these settings.

    Returns
    -------
    str
        The font family name now first in ``font.sans-serif``.
    """
    import matplotlib as mpl

    family = _register()
    current = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *current]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False
    # Embed TrueType/OpenType outlines in vector outputs rather than Type 3 fonts.
    mpl.rcParams["pdf.fonttype"] = 42
    mpl.rcParams["svg.fonttype"] = "path"
    return family


def font_face_css() -> str:
    """Return ``@font-face`` rules declaring the bundled font as :data:`CSS_FAMILY`.

    The rules point at the font files by ``file://`` URL, for WeasyPrint (PDF). Browsers
    viewing HTML reports do not need them: the HTML uses embedded images for figures and
    falls back to the system's CJK fonts for text.
    """
    rules = []
    for style, weight in (("regular", 400), ("bold", 700)):
        url = font_path(style).as_uri()
        rules.append(
            f"@font-face {{ font-family: '{CSS_FAMILY}'; src: url('{url}') format('opentype'); "
            f"font-weight: {weight}; font-style: normal; }}"
        )
    return "\n".join(rules)


def subset_web_fonts(text: str, folder: str | Path) -> dict[str, Path]:
    """Write WOFF subsets of the bundled font holding the characters of ``text``.

    HTML reports are read on machines that may have no CJK font (a bare Linux server, a
    headless browser). A subset with only the characters the pages use is small (about
    100 KB per weight for a batch) and loads from a relative URL even for ``file://``
    pages. The font's licence (SIL OFL) is copied beside the files.

    Parameters
    ----------
    text : str
        Every character the pages show (ASCII letters and digits are always included).
    folder : path
        Where to write ``cjk-regular.woff``, ``cjk-bold.woff`` and the licence.

    Returns
    -------
    dict
        ``{"regular": Path, "bold": Path}``.
    """
    import shutil
    import string

    from fontTools import subset

    from ..data.writing import atomic_write

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chars = "".join(sorted(set(text) | set(string.printable) | {"\u3000"}))
    out = {}
    for style in _WEIGHTS:
        options = subset.Options()
        options.flavor = "woff"
        options.name_IDs = ["*"]
        options.notdef_outline = True
        font = subset.load_font(str(font_path(style)), options)
        target = folder / f"cjk-{style}.woff"
        try:
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=chars)
            subsetter.subset(font)
            atomic_write(target, lambda fh, f=font, o=options: subset.save_font(f, fh, o))
        finally:
            font.close()  # fontTools reads the 16 MB file lazily and keeps it open
        out[style] = target
    licence = font_path("regular").parent / _LICENCE
    if licence.is_file():
        shutil.copyfile(licence, folder / _LICENCE)
    return out


def web_font_css(prefix: str = WEB_FONT_DIR + "/") -> str:
    """``@font-face`` rules declaring :data:`CSS_FAMILY` from the subsets, by relative URL."""
    return "\n".join(
        f"@font-face {{ font-family: '{CSS_FAMILY}'; src: url('{prefix}cjk-{style}.woff') "
        f"format('woff'); font-weight: {weight}; font-style: normal; font-display: swap; }}"
        for style, weight in _WEIGHTS.items()
    )

