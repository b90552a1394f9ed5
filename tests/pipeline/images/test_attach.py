"""Attaching images to a chunk's documents: a slot without an image leaves like a slot a rule drops."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from weft.jobs.spec import load_job
from weft.pipeline.images.attach import AttachImages
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout
from weft.pipeline.rules.cases import document_from_html


def test_failed_images_and_extractor_drops_keep_page_order_and_true_positions(tmp_path: Path) -> None:
    html = (
        "<html><body><p>First paragraph of the page.</p><img src='/a.png'><p>Second paragraph.</p>"
        "<img src='/pixel.gif' width='1' height='1'><p>Third paragraph.</p><img src='/b.png'><p>Fourth.</p></body></html>"
    )
    doc = document_from_html(html, "https://example.org/page")
    assert [d.reason for d in doc.dropped_slots] == ["tracker_declared_tiny"]
    attach = AttachImages(ImageSettings.from_config(load_job(None).images), OutputLayout(tmp_path))
    counts: Counter[str] = Counter()
    out = attach.attach(doc, {}, counts)  # no URL has a result: both images are not_attempted
    assert counts == {"not_attempted": 2}
    assert [s.text for s in out.segments] == ["First paragraph of the page.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth."]
    # In page order, each at the place it stood in what the trainer sees: one text block, so
    # every dropped image stood inside it or after it, never past the end.
    assert [(d.url.rsplit("/", 1)[1], d.reason) for d in out.dropped_slots] == [
        ("a.png", "not_attempted"), ("pixel.gif", "tracker_declared_tiny"), ("b.png", "not_attempted")]
    assert all(0 <= d.position <= len(out.segments) for d in out.dropped_slots)
    assert all(d.fetch is not None for d in out.dropped_slots if d.reason == "not_attempted")
