"""Open the batch's index.html and a cluster report in headless Chromium.

Checks what a reader would notice: console errors, images that fail to load and links
that lead nowhere. Chromium comes from Debian (package ``chromium``; CI installs it), and
Playwright drives it through an explicit executable path (no browser download).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    playwright = pytest.importorskip("playwright.sync_api",
                                     reason="the playwright package is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _check_page(browser, path: Path) -> dict:
    page = browser.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.goto(path.as_uri(), wait_until="load")
    fonts = page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.includes('ZZ Noto'))
                                  .map(f => f.status); }""")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({src: e.src.slice(0, 40), ok: e.complete && e.naturalWidth > 0}))")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    title = page.title()
    page.close()
    assert not errors, f"console errors on {path.name}: {errors}"
    assert not failed, f"failed requests on {path.name}: {failed}"
    assert all(img["ok"] for img in images), f"broken images on {path.name}: {images}"
    # The bundled CJK font (subset) loads, so Chinese renders without system fonts.
    assert "loaded" in fonts and "error" not in fonts, f"{path.name}: fonts {fonts}"
    for href in links:
        url = urlparse(href)
        assert url.scheme == "file", f"{path.name} links outside the report folder: {href}"
        target = Path(unquote(url.path))
        assert target.is_file(), f"{path.name} links to a missing file: {href}"
        if url.fragment and target == path:
            assert unquote(url.fragment) in ids, f"{path.name}: dangling anchor {href}"
    return {"images": images, "links": links, "title": title}


@pytest.mark.slow
def test_index_and_a_cluster_report_load_cleanly(browser, tmp_path_factory):
    from report_fixtures import small_batch

    out = small_batch(tmp_path_factory).out_dir
    index = _check_page(browser, out / "index.html")
    assert any(link.endswith("/airport.html") for link in index["links"])
    assert any(link.endswith("/overview.html") for link in index["links"])
    report = _check_page(browser, out / "airport.html")
    assert len(report["images"]) >= 4  # fan charts, targets, scenarios, projects
    assert "航空港" in report["title"]
    overview = _check_page(browser, out / "overview.html")
    assert any(link.endswith("/xinmi.html") for link in overview["links"])


def test_a_hostile_cluster_name_shows_as_text(browser, tmp_path):
    from zzforecast.report.index import write_index

    evil = "<script>alert(1)</script>"
    (tmp_path / "evil.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    write_index(tmp_path, {"year": 2017, "scenario": "baseline", "as_of": "2017-07",
                           "jobs": [{"name": "evil", "kind": "cluster", "status": "ok",
                                     "name_zh": evil}]})
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((tmp_path / "index.html").as_uri())
    assert evil in page.inner_text("body")
    assert page.eval_on_selector_all("script", "els => els.length") == 0
    page.close()
    assert not dialogs


@pytest.mark.slow
def test_the_answer_is_on_the_first_screen_of_index_and_overview(browser, tmp_path_factory):
    """Issue 13: headline sentences on the first screen, the progress table, a fan chart
    with its alt text, no console errors (checked by _check_page)."""
    from report_fixtures import small_batch

    out = small_batch(tmp_path_factory).out_dir
    for name in ("index.html", "overview.html", "airport.html"):
        _check_page(browser, out / name)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    for name in ("index.html", "overview.html"):
        page.goto((out / name).as_uri(), wait_until="load")
        first = page.eval_on_selector_all(
            "li.headline", "els => els.filter(e => e.getBoundingClientRect().top < 1000)"
                           ".map(e => e.innerText)")
        assert first and "达标概率约" in first[0] and "个百分点" in first[0], (name, first)
    page.goto((out / "overview.html").as_uri(), wait_until="load")
    alts = page.eval_on_selector_all("img", "els => els.map(e => e.alt)")
    assert any(a.startswith("扇形图") for a in alts), alts
    headers = page.eval_on_selector_all("th", "els => els.map(e => e.innerText)")
    assert "1–m月累计" in headers and "位次" in headers
    page.close()


@pytest.mark.slow
def test_the_overview_shows_how_the_odds_moved(browser, tmp_path_factory):
    """Issue 13: the overview's history section (its chart with alt text, where each
    vintage came from) and the forecast record; the zone's outlook by vintage."""
    from report_fixtures import small_batch

    out = small_batch(tmp_path_factory).out_dir
    page = browser.new_page()
    for name, section, alt in (("overview.html", "达标概率的变化", "达标概率的变化："),
                               ("airport.html", "本区预测的变化", "本区各期全年增速预测")):
        page.goto((out / name).as_uri(), wait_until="load")
        assert section in page.eval_on_selector_all("h2", "els => els.map(e => e.innerText)")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => ({alt: e.alt, ok: e.complete && e.naturalWidth > 0}))")
        assert any(i["alt"].startswith(alt) and i["ok"] for i in images), (name, images)
        body = page.inner_text("body")
        assert "本次重算" in body and "随机种子3" in body and "合成数据" in body
    page.goto((out / "overview.html").as_uri(), wait_until="load")
    assert "预测记录" in page.eval_on_selector_all("h2", "els => els.map(e => e.innerText)")
    assert "各月变化的来源" in page.inner_text("body")
    page.close()
