"""The extract stage: one chunk of pages in, one `Chunk` of page records out.

Every page becomes exactly one record: a kept document, or a page that gave none (`dropped` as
`empty_document`, `failed` with the extractor's reason). One bad page never stops a crawl job
unless the job asks for that (`extract.on_record_error = "raise"`, for debugging).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from weft.jobs.errors import RecordError
from weft.jobs.spec import JobConfig
from weft.pipeline.chunk import DROPPED, FAILED, Chunk, PageRecord
from weft.pipeline.extract.extractor import ExtractLimits, extract
from weft.pipeline.stage import Stage
from weft.schemas.document import Document, Provenance, make_doc_id


class ExtractStage(Stage):
    """Turn each page's HTML into an interleaved document (text blocks and image slots)."""

    name = "extract"

    def __init__(self, cfg: JobConfig) -> None:
        self.limits = ExtractLimits(max_html_chars=cfg.extract.max_html_chars, max_depth=cfg.extract.max_depth)
        self.raise_errors = cfg.extract.on_record_error == "raise"

    def process(self, pages: pa.Table) -> Chunk:
        """`pages` is one whole chunk of one input (`weft.pipeline.read.stage.PAGE_SCHEMA`)."""
        tags = pages.column("input_tag")
        index = pages.column("chunk")[0].as_py()
        # The HTML as UTF-8 bytes (a zero-copy cast): lexbor parses them as they are, where a
        # `str` would be decoded here and encoded again by the parser.
        records = [
            self.extract_page(html, prov, ordinal, truncated)
            for html, prov, ordinal, truncated in zip(
                pages.column("html").cast(pa.large_binary()).to_pylist(),
                pages.column("provenance").to_pylist(),
                pages.column("ordinal").to_pylist(),
                pages.column("truncated").to_pylist(),
            )
        ]
        return Chunk(input_tag=tags[0].as_py(), index=index, records=records)

    def extract_page(self, html: str | bytes, provenance: dict[str, Any], ordinal: int, truncated: bool) -> PageRecord:
        prov = Provenance(**provenance)
        record = PageRecord(doc_id=make_doc_id(prov.target_uri, prov.warc_record_id), url=prov.target_uri,
                            provenance=prov, ordinal=ordinal)
        try:
            ex = extract(html, prov.target_uri, self.limits)
        except RecordError as exc:
            record.drop(FAILED, exc.reason, exc.detail)
            return record
        except Exception as exc:  # the record boundary: one bad page must not stop a crawl job
            if self.raise_errors:
                raise
            record.drop(FAILED, "extract_error", f"{type(exc).__name__}: {exc}"[:500])
            return record
        if not ex.segments:
            record.drop(DROPPED, "empty_document", "no text and no image slot after extraction")
            return record
        record.doc = Document(
            doc_id=record.doc_id,
            url=prov.target_uri,
            segments=ex.segments,
            provenance=prov,
            title=ex.title,
            html_lang=ex.html_lang,
            dropped_slots=ex.dropped_slots,
            links=ex.links,
        )
        flags = (
            ("html truncated by read.max_html_bytes", truncated),
            ("html cut by extract.max_html_chars", ex.truncated),
            ("depth capped by extract.max_depth", ex.depth_capped),
        )
        record.detail = "; ".join(flag for flag, on in flags if on) or None
        return record
