"""The demo job's report in headless Chromium: it loads with no console error and no request
beyond the file itself, every image of the document view loads, the funnel numbers read from the
rendered page are the manifest's, the document filter works, and a screenshot is kept
(`report.png` and `report-documents.png` in the test's directory, copied to /tmp/weft-report*.png) for a person to look at."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.chromium import chromium
from tests.helpers import SHARED_DATA, job, run_inline
from weft.pipeline.report.build import write_report

pytestmark = pytest.mark.ray

FUNNEL = """Array.from(document.querySelectorAll('table.funnel tbody tr')).map(
    tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))"""
IMAGES = """Array.from(document.querySelectorAll('article.doc img')).map(
    i => ({ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, src: i.src.slice(0, 22)}))"""
CHARTS = """Array.from(document.querySelectorAll('img.chart')).map(i => i.complete && i.naturalWidth > 0)"""
SHOWN_AFTER_CLICK = """(() => {{
    document.querySelector('.filters button[data-group="{group}"]').click();
    return Array.from(document.querySelectorAll('article.doc')).filter(a => !a.hidden).map(a => a.getAttribute('data-group'));
}})()"""


def _number(text: str) -> int | None:
    return int(text.replace(",", "")) if text.replace(",", "").isdigit() else None


def test_demo_report_in_chromium(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    shards = demo_run[0] / "demo" / "shards"
    report = shards / "_report.html"
    manifest = json.loads((shards / "_manifest.json").read_text())
    with chromium(tmp_path / "profile") as tab:
        tab.open(report.as_uri(), width=1280, height=1700)
        assert tab.errors == []
        assert all(url.startswith(("file:", "data:")) for url in tab.requests), tab.requests
        # Every image of the document view loads (thumbnails from the shard bytes), and every chart.
        images = tab.evaluate(IMAGES)
        kept_images = sum(s["images_with_bytes"] for s in manifest["shards"] if s["format"] == "parquet")
        assert len(images) == kept_images > 10  # every kept document is in the sample (13 < 24)
        assert all(i["ok"] and i["src"].startswith("data:image/") for i in images), [i for i in images if not i["ok"]]
        assert all(tab.evaluate(CHARTS)) and len(tab.evaluate(CHARTS)) >= 6
        # The funnel as rendered: step, stage, in, left, removed.
        rows = {cells[0]: [_number(c) for c in cells[2:]] for cells in tab.evaluate(FUNNEL)}
        counts, stats = manifest["counts"], manifest["filters"]["stats"]["rules"]
        assert rows["pages read"][1] == counts["pages"] == 40
        assert rows["written"][1] == counts["documents"]["written"]
        assert {k: v[:2] for k, v in rows.items() if k in stats} == {k: [s["docs_in"], s["docs_kept"]] for k, s in stats.items()}
        assert rows["dedup_minhash_v1"][2] == counts["documents"]["dropped"]["dedup_minhash_v1:near_duplicate"]
        tab.screenshot(tmp_path / "report.png")
        tab.evaluate("document.getElementById('documents').scrollIntoView()")
        tab.screenshot(tmp_path / "report-documents.png")
        # The filter shows one group at a time.
        assert set(tab.evaluate(SHOWN_AFTER_CLICK.format(group="kept"))) == {"kept"}
        dropped = tab.evaluate(SHOWN_AFTER_CLICK.format(group="dropped"))
        assert dropped and "kept" not in dropped and "dedup_minhash_v1:near_duplicate" in dropped
        assert tab.errors == []
        # A job that wrote nothing still renders, and says why.
        empty = tmp_path / "empty"
        run_inline(replace(job(empty, SHARED_DATA / "warc/cc/jwarc_cc.warc.gz"),
                           filters=({"name": "no_images_v1", "stage": "text", "min_images": 1000},)))
        tab.open(write_report(empty).as_uri())
        assert "Why no document was written" in tab.evaluate("document.body.innerText") and tab.errors == []
    for name in ("report.png", "report-documents.png"):
        shutil.copy(tmp_path / name, Path("/tmp") / f"weft-{name}")
