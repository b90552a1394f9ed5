"""`weft inspect --json` and `--html`: one document as data, or as the report shows it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.pipeline.report.test_report import Page, check_images
from weft.pipeline.cli.main import main
from weft.schemas.document import ImageSlot
from weft.schemas.reader import iter_documents


def test_inspect_json_is_the_document_with_its_image_bytes_summarised(books_shards: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = next(iter_documents(books_shards))
    assert main(["inspect", str(books_shards), "--json", "--doc", doc.doc_id]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["doc_id"] == doc.doc_id and data["provenance"]["warc_record_offset"] == doc.provenance.warc_record_offset
    slots = [s for s in doc.segments if isinstance(s, ImageSlot)]
    images = [s for s in data["segments"] if s["type"] == "image"]
    assert len(images) == len(slots) == 20
    assert [i["content"] for i in images] == [{"bytes": len(s.content), "sha256": hashlib.sha256(s.content).hexdigest()} for s in slots]
    assert images[0]["info"]["width"] == slots[0].info.width and data["filter_scores"] == doc.filter_scores
    assert [s["text"] for s in data["segments"] if s["type"] == "text"] == [s.text for s in doc.segments if not isinstance(s, ImageSlot)]


def test_inspect_html_renders_the_document_as_the_report_does(books_shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "doc.html"
    assert main(["inspect", str(books_shards), "--html", str(target)]) == 0
    assert f"document written to {target}" in capsys.readouterr().out
    page = Page(target.read_text())
    assert len(page.images) == 20 and not page.refs
    check_images(page.images)
    assert main(["inspect", str(books_shards), "--json", "--doc", "0" * 32]) == 2
    assert "no document 000" in capsys.readouterr().err
