"""Fixtures for the filter tests: the real pages as documents, real image facts, a doc factory."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from weft.pipeline.rules.calibrate import RealPage, real_pages
from weft.pipeline.images.validate import inspect_image
from weft.schemas.document import Document, ImageInfo, ImageSlot, Provenance, TextBlock, make_doc_id

PROVENANCE = Provenance(
    warc_file="test", warc_record_offset=0, warc_record_length=0, warc_record_id="<urn:uuid:test>",
    warc_date="2024-01-01T00:00:00Z", target_uri="https://example.com/", http_content_type="text/html",
    charset="utf-8", charset_source="http-header",
)

ENGLISH = (
    "The old harbour of the town was rebuilt in the spring, and the fishermen who had moved their boats "
    "to the next bay came back within a few weeks. Local historians say the stone walls date from the "
    "eighteenth century, when the port shipped wool and salted fish to the cities along the coast."
)


@pytest.fixture(scope="session")
def pages(shared_data: Path) -> list[RealPage]:
    """Every real page of shared/data/html as a document (extracted once per session)."""
    return real_pages(shared_data)


@pytest.fixture(scope="session")
def image_info(shared_data: Path) -> Callable[[str], ImageInfo]:
    """`ImageInfo` of a real image, measured by weft.pipeline.images.validate (e.g. "pillow/hopper.jpg")."""
    cache: dict[str, ImageInfo] = {}

    def get(name: str) -> ImageInfo:
        if name not in cache:
            cache[name] = inspect_image((shared_data / "images" / name).read_bytes())
        return cache[name]

    return get


def slot(url: str, info: ImageInfo | None = None) -> ImageSlot:
    return ImageSlot(url=url, raw_value=url, source_attr="src", info=info)


def make_doc(*segments: str | ImageSlot, doc_id: str | None = None, links: int = 0) -> Document:
    """A document from text strings and image slots, in order."""
    segs = [TextBlock(s) if isinstance(s, str) else s for s in segments]
    return Document(
        doc_id=doc_id or make_doc_id("https://example.com/", repr(segments)),
        url="https://example.com/",
        segments=segs,
        provenance=PROVENANCE,
        links=links,
    )
