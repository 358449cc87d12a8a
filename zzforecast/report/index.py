"""The batch folder's ``index.html``: what ran, what failed, links to what exists.

Rendered once, after every job's status is known (the batch's ``run.json`` record), from
``templates/index.html.j2``; nothing edits the page afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..data.writing import atomic_write
from .pages import render_page

__all__ = ["write_index", "index_headlines", "BATCH_FILES"]

# The batch-level files the index links to when they exist, in this order.
BATCH_FILES = ("reports.pdf", "briefing.docx", "summary.csv", "summary.xlsx", "run.json")
# A cluster report's files, in the order of their links, and the word each link shows.
_REPORT_FILES = ((".html", "report"), (".pdf", "pdf"), (".json", "json"),
                 (".ipynb", "notebook"))
# Red/amber/green: background and the word, so the badge survives printing in grey.
_RAG = {"green": ("#d8f0d8", "绿", "green"), "amber": ("#fff0c0", "黄", "amber"),
        "red": ("#f8d4d2", "红", "red")}

_INDEX_TEXT = {
    "zh": {
        "title": "{year}年产业集聚区目标达成报告（情景：{scenario}，数据截至{as_of}）",
        "overview": "全市总览", "clusters": "各产业集聚区报告", "files": "汇总文件",
        "cluster": "产业集聚区", "report": "报告", "status": "状态", "ok": "完成",
        "failed": "失败", "why": "原因", "notebook": "已执行的笔记本", "json": "JSON结果",
        "pdf": "PDF", "partial": "本批次部分失败：{n}个报告未生成，详见 run.json。",
        "meta": "数据版本 {vintage}；数据摘要 {data}；参数摘要 {params}；随机种子 {seed}；"
                "模拟路径 {n_paths}；zzforecast {version}",
    },
    "en": {
        "title": "{year} cluster target attainment reports (scenario: {scenario}, data as of {as_of})",
        "overview": "City overview", "clusters": "Cluster reports", "files": "Summary files",
        "cluster": "Cluster", "report": "Report", "status": "Status", "ok": "done",
        "failed": "failed", "why": "Reason", "notebook": "executed notebook", "json": "JSON",
        "pdf": "PDF", "partial": "This batch finished in part: {n} report(s) failed; see run.json.",
        "meta": "data vintage {vintage}; data digest {data}; params digest {params}; "
                "seed {seed}; paths {n_paths}; zzforecast {version}",
    },
}


def index_headlines(path: Path, lang: str) -> list[dict]:
    """The overview's headline sentences (its JSON ``headlines``); [] without them.

    Each: ``text`` and ``badge`` (None, or ``background`` and ``word`` of its colour).
    """
    try:
        heads = json.loads(path.read_text(encoding="utf-8")).get("headlines") or []
    except (OSError, ValueError, AttributeError):
        return []
    out = []
    for h in heads:
        if not isinstance(h, Mapping):
            continue
        badge = None
        if h.get("rag") in _RAG:
            background, zh, en = _RAG[h["rag"]]
            badge = {"background": background, "word": en if lang == "en" else zh}
        out.append({"text": str(h.get("text_en" if lang == "en" else "text_zh") or ""),
                    "badge": badge})
    return out


def _cluster_row(job: Mapping[str, Any], text: Mapping[str, str], lang: str,
                 exists) -> dict:
    """One line of the reports table: links only for a report that succeeded."""
    name = job["name"]
    ok = job.get("status") == "ok"
    why = ""
    if not ok:
        err = job.get("error") or {}
        why = f"{err.get('ename') or ''}: {err.get('evalue') or ''}".strip(": ")
    return {
        "name": name,
        "label": str(job.get("name_zh" if lang != "en" else "name_en") or name),
        "links": [(name + suffix, text[key]) for suffix, key in _REPORT_FILES
                  if ok and exists(name + suffix)],
        "status": text["ok"] if ok else text["failed"],
        "failed": not ok, "why": why,
    }


def write_index(out_dir: str | Path, run: Mapping[str, Any], lang: str = "zh") -> Path:
    """Write ``index.html`` for a batch folder from its ``run.json`` record.

    ``run["jobs"]`` holds every job's final record (``name``, ``kind``, ``status``,
    ``error``, names), so the page is written once, when the batch is complete. It links
    only to reports that succeeded and to files that exist in ``out_dir``; every name,
    notice and error message is escaped by the template.
    """
    out_dir = Path(out_dir)
    text = _INDEX_TEXT["en" if lang == "en" else "zh"]
    prov = run.get("provenance", {})
    jobs = list(run.get("jobs", []))

    def exists(name: str) -> bool:
        return (out_dir / name).is_file()

    short = {k: (str(prov.get(k))[:12] if prov.get(k) else "-") for k in
             ("data_digest", "params_digest")}
    n_failed = sum(j.get("status") != "ok" for j in jobs)
    overview = next((j for j in jobs if j.get("kind") == "overview"), None)
    overview_page = None
    if overview and overview.get("status") == "ok" and exists(overview["name"] + ".html"):
        overview_page = overview["name"] + ".html"
    page = render_page(
        "index.html.j2", lang=lang, words=text,
        title=text["title"].format(year=run.get("year"), scenario=run.get("scenario"),
                                   as_of=run.get("as_of")),
        notice=run.get("notice") or "",
        partial=text["partial"].format(n=n_failed) if n_failed else "",
        meta=text["meta"].format(
            vintage=prov.get("vintage") or "-", data=short["data_digest"],
            params=short["params_digest"], seed=prov.get("seed"),
            n_paths=prov.get("n_paths"), version=prov.get("version")),
        overview=overview_page,
        headlines=(index_headlines(out_dir / (overview["name"] + ".json"), lang)
                   if overview_page else []),
        clusters=[_cluster_row(j, text, lang, exists) for j in jobs
                  if j.get("kind") == "cluster"],
        files=[f for f in BATCH_FILES if exists(f)],
    )
    return atomic_write(out_dir / "index.html", page.encode("utf-8"), make_parents=True)
