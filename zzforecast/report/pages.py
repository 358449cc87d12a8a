"""The HTML pages the package writes itself, from Jinja2 templates with autoescape.

Templates live in ``zzforecast/report/templates/*.html.j2``. Every value a template
prints is escaped unless it is :class:`markupsafe.Markup` (a fragment this package built
with its own escaping, such as a report body or the page's CSS), so a name, an error
message or a notice can never add markup to a page.
"""

from __future__ import annotations

import functools

from markupsafe import Markup

__all__ = ["PAGE_CSS", "environment", "render_page", "html_page"]

PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: "ZZ Noto Sans CJK", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
       "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
h1, h2, h3 { line-height: 1.3; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
img { max-width: 100%; height: auto; }
.notice { border: 2px solid #b00; background: #fff3f3; padding: 0.6rem 1rem; margin: 1rem 0; }
.failed { color: #b00; }
.meta { color: #555; font-size: 0.9rem; }
pre { white-space: pre-wrap; }
.jp-OutputPrompt, .jp-InputPrompt, .prompt, .anchor-link { display: none; }
@page { size: A4; margin: 16mm 14mm; }
"""


@functools.cache
def environment():
    """The package's Jinja2 environment (templates from the package, autoescape on)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("zzforecast.report", "templates"),
        autoescape=select_autoescape(("html", "html.j2"), default=True),
        undefined=StrictUndefined,  # a misspelt name in a template fails, never prints ""
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_page(template: str, *, title: str, lang: str = "zh", css: str = "",
                **context) -> str:
    """Render ``template`` (one extending ``page.html.j2``) to a standalone page.

    ``title`` and every other context value are escaped by the template; ``css`` is the
    package's own style sheet, added after :data:`PAGE_CSS`.
    """
    return environment().get_template(template).render(
        title=title, lang_attr="zh-CN" if lang == "zh" else "en",
        css=Markup(PAGE_CSS + css), **context)


def html_page(title: str, body: str, lang: str = "zh", css: str = "") -> str:
    """Wrap an HTML fragment into a standalone page.

    ``title`` is escaped here; ``body`` must already be safe HTML (the package's own
    escaped fragments, or nbconvert's export of a notebook).
    """
    return render_page("page.html.j2", title=title, lang=lang, css=css, body=Markup(body))
