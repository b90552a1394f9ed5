"""`weft report`: the page's numbers are the manifest's, every image is inline and decodes, a
job that wrote nothing gets a page that says why, and a large job gives a small page."""

from __future__ import annotations

import base64
import io
import json
import time
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.helpers import SHARED_DATA, job, run_inline
from weft.pipeline.cli.main import main
from weft.pipeline.report.build import write_report
from weft.pipeline.report.facts import SampleSize, gather
from weft.pipeline.report.funnel import funnel
from weft.pipeline.report.samples import load_dropped
from weft.pipeline.write.ledger import LEDGER_SCHEMA


class Page(HTMLParser):
    """What a test reads off a report: the funnel table, the images, the document cards."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.funnel: dict[str, list[str]] = {}
        self.images: list[str] = []
        self.cards: list[dict[str, str]] = []
        self.refs: list[str] = []
        self._step: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self._step = a.get("data-step")
            if self._step is not None:
                self.funnel[self._step] = []
        elif tag == "td" and self._step is not None and "data-value" in a:
            self.funnel[self._step].append(a["data-value"] or "")
        elif tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "article":
            self.cards.append(a)
        for name in ("src", "href"):
            if a.get(name) and not a[name].startswith(("data:", "#")):
                self.refs.append(a[name])

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._step = None


def check_images(srcs: list[str]) -> None:
    """Every image is a data: URI that decodes (charts are SVG, thumbnails JPEG or PNG)."""
    for src in srcs:
        head, _, data = src.partition(",")
        assert head.startswith("data:image/") and head.endswith(";base64"), head[:40]
        raw = base64.b64decode(data, validate=True)
        if head.startswith("data:image/svg+xml"):
            assert b"<svg" in raw[:2000]
        else:
            with Image.open(io.BytesIO(raw)) as img:
                img.load()


def test_report_numbers_are_the_manifests_and_its_images_are_inline(obelics_out: Path) -> None:
    path = write_report(obelics_out)
    assert path == obelics_out / "_report.html"
    manifest = json.loads((obelics_out / "_manifest.json").read_text())
    html = path.read_text()
    page = Page(html)
    counts, stats = manifest["counts"], manifest["filters"]["stats"]["rules"]
    assert page.funnel["pages read"][1] == str(counts["pages"])
    assert page.funnel["written"][1] == str(counts["documents"]["written"])
    for rule in [r["name"] for r in manifest["filters"]["rules"]]:
        key = next(k for k in stats if k.split("@")[0] == rule)
        assert page.funnel[key][:2] == [str(stats[key]["docs_in"]), str(stats[key]["docs_kept"])], key
    # Every rule of the job is in the funnel, dedup and image dedup included, in the job's order.
    steps = list(page.funnel)
    assert steps[:2] == ["pages read", "extracted"] and steps[-1] == "written"
    assert steps.index("english_fasttext_v1") < steps.index("dedup_minhash_v1") < steps.index("image_boilerplate_v1") < steps.index("max_images_v1")
    # Images: charts and thumbnails, all inline; nothing on the page reaches the network.
    check_images(page.images)
    assert not page.refs
    thumbs = [s for s in page.images if not s.startswith("data:image/svg")]
    kept = [c for c in page.cards if c["data-group"] == "kept"]
    assert len(kept) == counts["documents"]["written"] > 0
    assert len(thumbs) == sum(s["images_with_bytes"] for s in manifest["shards"] if s["format"] == "parquet")
    # A few dropped documents per reason, each under its reason.
    dropped = {reason: n for reason, n in counts["documents"]["dropped"].items()}
    groups = [c["data-group"] for c in page.cards if c["data-group"] != "kept"]
    assert set(groups) == set(dropped) and all(groups.count(r) == min(3, n) for r, n in dropped.items())
    for section in ("Filter funnel", "Drop reasons per rule", "Duplicates", "Images per kept document", "Image sizes",
                    "Language scores", "Top domains", "Throughput per phase", "commoncrawl.org"):
        assert section in html
    assert "no phase timings" not in html and "dedup keys" in html


def test_the_same_job_gives_the_same_documents(obelics_out: Path) -> None:
    a, b = gather(obelics_out, SampleSize(kept=1, per_reason=1)), gather(obelics_out, SampleSize(kept=1, per_reason=1))
    assert [r["doc_id"] for r in a.kept_sample] == [r["doc_id"] for r in b.kept_sample] and len(a.kept_sample) == 1
    assert {k: [r["doc_id"] for r in v] for k, v in a.dropped_sample.items()} == {k: [r["doc_id"] for r in v] for k, v in b.dropped_sample.items()}
    # The dropped documents shown are in the rejects sample (same seed), so they come with their text.
    shown = load_dropped(obelics_out / "_rejects", a.dropped_sample)
    assert shown and all(s.text for v in shown.values() for s in v)


def test_a_job_that_wrote_nothing_gets_a_report_that_says_why(tmp_path: Path) -> None:
    warc = SHARED_DATA / "warc/cc/jwarc_cc.warc.gz"
    rules = ({"name": "no_images_v1", "stage": "text", "min_images": 1000},)
    manifest = run_inline(replace(job(tmp_path / "out", warc), filters=rules))
    assert manifest["counts"]["documents"]["written"] == 0 and manifest["counts"]["pages"] > 0
    html = write_report(tmp_path / "out").read_text()
    assert "Why no document was written" in html
    assert f"the last {manifest['counts']['pages']} went at no_images_v1@text: no_images" in html
    page = Page(html)
    assert page.funnel["written"][1] == "0"
    check_images(page.images)


def test_a_job_that_read_no_page_gets_a_report_that_says_why(tmp_path: Path) -> None:
    junk = tmp_path / "not-a-warc.warc"
    junk.write_bytes(b"this is not a web archive\n" * 10)
    run_inline(job(tmp_path / "out", junk))
    html = write_report(tmp_path / "out").read_text()
    assert "None of the 1 input file(s) could be read" in html and "not-a-warc.warc" in html
    check_images(Page(html).images)


def test_a_large_job_gives_a_small_page_quickly(obelics_out: Path, tmp_path: Path) -> None:
    """100,000 ledger rows (scores included): the page holds the aggregates and the sample only."""
    out = tmp_path / "big"
    (out / "_ledger").mkdir(parents=True)
    manifest = json.loads((obelics_out / "_manifest.json").read_text())
    pages, kept = 100_000, 20_000
    rows = pa.table({
        "doc_id": [f"{i:032x}" for i in range(pages)],
        "url": [f"http://site{i % 500}.example/{i}" for i in range(pages)],
        "outcome": ["kept" if i < kept else "dropped" for i in range(pages)],
        "reason": [None if i < kept else "english_fasttext_v1:not_english" for i in range(pages)],
        "detail": [None] * pages,
        "shard": ["gone.parquet" if i < kept else None for i in range(pages)],
        "images": [i % 6 for i in range(pages)],
        "provenance": [None] * pages,
        "filter_scores": [json.dumps({"scores": {"english_fasttext_v1": {"en_prob": (i % 100) / 100, "lang": "en", "lang_prob": 0.9}}})
                          for i in range(pages)],
    }, schema=LEDGER_SCHEMA)
    for part in range(4):
        pq.write_table(rows.slice(part * 25_000, 25_000), out / "_ledger" / f"part-{part}.parquet")
    manifest["counts"]["pages"] = pages
    manifest["counts"]["documents"] = {"written": kept, "dropped": {"english_fasttext_v1:not_english": pages - kept}, "failed": {}}
    manifest["filters"] = {"rules": [{"name": "english_fasttext_v1", "threshold": 0.5}],
                           "stats": {"rules": {"english_fasttext_v1": {"docs_in": pages, "docs_kept": kept, "docs_dropped": {"not_english": pages - kept},
                                                                        "slots_in": 0, "slots_kept": 0, "slots_dropped": {}}}}}
    (out / "_manifest.json").write_text(json.dumps(manifest))
    started = time.perf_counter()
    path = write_report(out)
    seconds = time.perf_counter() - started
    assert seconds < 30, seconds
    assert path.stat().st_size < 1_000_000
    page = Page(path.read_text())
    assert page.funnel["english_fasttext_v1"][:2] == [str(pages), str(kept)]
    assert len([c for c in page.cards if c["data-group"] == "kept"]) == 24  # the sample, not the job
    assert [s.label for s in funnel(manifest)] == ["pages read", "extracted", "english_fasttext_v1", "written"]


def test_cli_report_run_report_and_errors(obelics_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(obelics_out), "--to", str(tmp_path / "r.html"), "--kept", "1"]) == 0
    assert f"report written to {tmp_path / 'r.html'}" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "no _manifest.json" in capsys.readouterr().err
    warc = SHARED_DATA / "warc/cc/jwarc_cc.warc.gz"
    assert main(["run", "--input", str(warc), "--output", str(tmp_path / "run"), "--executor", "local", "--report", "--quiet"]) == 0
    assert f"report: {tmp_path / 'run' / '_report.html'}" in capsys.readouterr().out
    assert (tmp_path / "run" / "_report.html").is_file()
