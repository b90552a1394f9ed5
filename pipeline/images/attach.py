"""Attaching images to one chunk's documents, once every URL of the job has its outcome.

Each image slot of a kept document gets, in order: nothing beyond `images.max_images_per_doc`
(status `over_cap`, so a gallery page cannot flood the downloader); its `data:` URI decoded in
place; or the outcome of its URL from the exchange (`pipeline/images/resolve.py`). A slot whose
image is not `ok` leaves the document for `dropped_slots` with its status as the reason and its
fetch record attached, so nothing vanishes; the text around it is joined.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_to_bytes

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.chunk import Chunk, table_to_chunk
from weft.pipeline.images import status as st
from weft.pipeline.images.resolve import image_row
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.stage import Stage
from weft.schemas.document import Document, DroppedSlot, FetchResult, ImageInfo, TextBlock


def decode_data_uri(uri: str) -> tuple[bytes, str | None]:
    """The bytes and declared type of a `data:` URI; raises ValueError when it is malformed."""
    header, sep, data = uri[5:].partition(",")
    if not sep:
        raise ValueError("data: URI without a comma")
    params = header.split(";")
    content_type = params[0].strip().lower() or None
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            return base64.b64decode(unquote_to_bytes(data), validate=False), content_type
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"bad base64 in data: URI ({exc})") from None
    return unquote_to_bytes(data), content_type


class AttachImages(Stage):
    """Load a staged chunk and give its kept documents' slots their images (or drop them with a status)."""

    name = "attach_images"

    def __init__(self, settings: ImageSettings, layout: OutputLayout) -> None:
        self.settings = settings
        self.layout = layout

    def process(self, group: pa.Table) -> Chunk:
        """`group`: the exchange's rows for one chunk (`RESOLVED_SCHEMA`; its own row has no URL)."""
        stem = group.column("stem")[0].as_py()
        chunk = table_to_chunk(pq.read_table(self.layout.docs(stem)))
        by_url = {row["url"]: row for row in group.to_pylist() if row["url"] is not None}
        for record in chunk.kept:
            record.doc = self.attach(record.doc, by_url, chunk.image_statuses)
        return chunk

    def attach(self, doc: Document, by_url: dict[str, dict[str, Any]], counts: Counter[str]) -> Document:
        segments: list[Any] = []
        dropped = list(doc.dropped_slots)
        cap = self.settings.config.max_images_per_doc
        seen_images = 0
        for seg in doc.segments:
            if isinstance(seg, TextBlock):
                if segments and isinstance(segments[-1], TextBlock):
                    # The two blocks met where an image was dropped: one block, as the extractor
                    # would have written it had the image never been there.
                    segments[-1] = TextBlock(f"{segments[-1].text}\n\n{seg.text}")
                else:
                    segments.append(seg)
                continue
            seen_images += 1
            if seen_images > cap:
                image = image_row(seg.url, None, source=st.SOURCE_NONE, settings=self.settings, status=st.OVER_CAP,
                                  error=f"beyond images.max_images_per_doc = {cap}")
            elif seg.url.startswith("data:"):
                image = self._data_uri_image(seg.url)
            else:
                image = by_url.get(canonical_url(seg.url)) or image_row(seg.url, None, source=st.SOURCE_NONE, settings=self.settings,
                                                                         status=st.NOT_ATTEMPTED, error="no result for this URL")
            fetch = FetchResult(**image["fetch"])
            info = None if image["info"] is None else ImageInfo(**image["info"])
            counts[fetch.status] += 1
            if fetch.status == st.OK:
                segments.append(replace(seg, content=image["content"], content_type=image["content_type"], info=info, fetch=fetch))
            else:
                dropped.append(DroppedSlot(len(segments), seg.raw_value, seg.source_attr, seg.url, fetch.status, seg.alt, info, fetch))
        doc.segments = segments
        doc.dropped_slots = dropped
        return doc

    def _data_uri_image(self, uri: str) -> dict[str, Any]:
        try:
            content, declared = decode_data_uri(uri)
        except ValueError as exc:
            return image_row(uri, None, source=st.SOURCE_DATA_URI, settings=self.settings, status=st.INVALID_URL, error=str(exc))
        return image_row(uri, content, source=st.SOURCE_DATA_URI, settings=self.settings, declared_type=declared)
