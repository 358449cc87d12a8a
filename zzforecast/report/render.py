"""Turn executed notebooks into files people read.

- :func:`notebook_to_html`: an executed notebook -> a standalone HTML page with no code
  cells and without the cell papermill injects (nbconvert ``TagRemovePreprocessor`` plus
  ``exclude_input``). Figures stay embedded as data URIs and the page loads nothing from
  the network.
- :func:`html_to_pdf`: HTML -> PDF through WeasyPrint, with the bundled CJK font declared
  by ``@font-face`` (WeasyPrint silently draws boxes for glyphs it has no font for).
- :func:`embed_web_fonts`: the bundled CJK font, subset, for every page of a folder.
- :func:`write_json`: a report's JSON sidecar, written atomically.

The batch's index page is :mod:`zzforecast.report.index`, its summary tables
:mod:`zzforecast.report.summary`; pages are built from templates by
:mod:`zzforecast.report.pages`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..data.writing import atomic_write
from ..exceptions import SetupError
from .pages import html_page

__all__ = [
    "REMOVE_TAGS",
    "notebook_to_html",
    "html_to_pdf",
    "write_json",
    "embed_web_fonts",
]

# Cells with these tags never reach an exported report.
REMOVE_TAGS = ("injected-parameters", "parameters", "remove-cell", "remove_cell")


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as stable JSON (sorted keys, UTF-8, NaN -> null) atomically."""
    text = json.dumps(_json_safe(obj), ensure_ascii=False, indent=2, sort_keys=True,
                      allow_nan=False) + "\n"
    return atomic_write(path, text.encode("utf-8"), make_parents=True)


def _json_safe(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and NaN into plain JSON values."""
    import math

    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return _json_safe(obj.tolist())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _strip_for_report(nb):
    """Drop stderr streams and empty cells from a notebook copy (reports show results)."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


def notebook_to_html(notebook, title: str | None = None, lang: str = "zh") -> str:
    """Export an executed notebook as a standalone HTML report without code.

    Parameters
    ----------
    notebook : path or nbformat.NotebookNode
        The executed notebook.
    title : str, optional
        Page title; defaults to the notebook's first heading, else its file name.
    lang : {"zh", "en"}
        Language of the page (the ``lang`` attribute).

    Returns
    -------
    str
        The HTML document. Code cells' inputs, prompts, stderr output and cells tagged
        with one of :data:`REMOVE_TAGS` (papermill's ``injected-parameters`` among them)
        are absent; figures are embedded as data URIs; nothing is loaded from the network.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    if isinstance(notebook, (str, Path)):
        name = Path(notebook).stem
        notebook = nbformat.read(str(notebook), as_version=4)
    else:
        name = "report"
    notebook = _strip_for_report(notebook)
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    if title is None:
        title = _first_heading(notebook) or name
    return html_page(title, body, lang=lang)


def _first_heading(nb) -> str | None:
    from bs4 import BeautifulSoup

    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS):
            continue
        if cell.get("cell_type") == "markdown":
            for line in cell.get("source", "").splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            md = data.get("text/markdown")
            if md:
                for line in str(md).splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
            page = data.get("text/html")
            heading = BeautifulSoup(str(page), "html.parser").find("h1") if page else None
            if heading is not None:
                return heading.get_text().strip()
    return None


def _weasyprint():
    """WeasyPrint's ``CSS``, ``HTML`` and ``FontConfiguration``, or a SetupError with the fix."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except ImportError as exc:
        raise SetupError(f"PDF output needs WeasyPrint, which is not installed ({exc})",
                         fix="pip install 'zzforecast[pdf]'") from None
    except OSError as exc:  # the Python package is there, the Pango/GObject libraries not
        raise SetupError(
            f"WeasyPrint is installed but cannot load the libraries it draws with ({exc})",
            fix="install Pango, e.g. `apt-get install libpango-1.0-0 libpangoft2-1.0-0` "
                "(see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)"
        ) from None
    return CSS, HTML, FontConfiguration


def html_to_pdf(html_text: str, pdf_path: str | Path, base_url: str | Path | None = None) -> Path:
    """Render HTML to PDF with WeasyPrint, using the bundled CJK font.

    Parameters
    ----------
    html_text : str
        A standalone HTML document (e.g. from :func:`notebook_to_html`).
    pdf_path : path
        Where to write the PDF (atomically).
    base_url : path, optional
        Folder that relative links and images are resolved against.

    Raises
    ------
    SetupError
        If WeasyPrint is not installed (it is in the ``pdf`` extra) or cannot load the
        system libraries it draws with (Pango); the message says what to install.
    """
    CSS, HTML, FontConfiguration = _weasyprint()
    from .fonts import CSS_FAMILY, font_face_css

    # @font-face rules only take effect with a FontConfiguration shared by CSS and render.
    font_config = FontConfiguration()
    css = CSS(string=font_face_css() + "\nbody, table, pre, code, h1, h2, h3, h4 { "
              f"font-family: '{CSS_FAMILY}', sans-serif; }}\n"
              "pre, code { white-space: pre-wrap; }\n", font_config=font_config)
    base = str(base_url) if base_url is not None else None
    data = HTML(string=html_text, base_url=base).write_pdf(stylesheets=[css],
                                                           font_config=font_config)
    return atomic_write(pdf_path, data, make_parents=True)


def embed_web_fonts(folder: str | Path) -> list[Path]:
    """Give every HTML page in ``folder`` the bundled CJK font, subset to what they show.

    Writes ``_fonts/cjk-*.woff`` (see :func:`zzforecast.report.fonts.subset_web_fonts`) and adds
    ``@font-face`` rules to each page's head, so Chinese text renders on machines without
    a CJK font. Pages keep working without the folder (the browser falls back to system
    fonts). Returns the pages changed.
    """
    from .fonts import WEB_FONT_DIR, subset_web_fonts, web_font_css

    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    shown = "".join(_DATA_URI.sub("", t) for t in texts.values())
    if not pages:
        return []
    subset_web_fonts(html.unescape(shown), folder / WEB_FONT_DIR)
    style = f"<style>{web_font_css(WEB_FONT_DIR + '/')}</style>\n</head>"
    for page, text in texts.items():
        if "</head>" in text and WEB_FONT_DIR + "/cjk-" not in text:
            atomic_write(page, text.replace("</head>", style, 1).encode("utf-8"))
    return pages


_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")
