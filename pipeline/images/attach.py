"""Attaching images to one chunk's documents, once every URL of the job has its outcome.

Each image slot of a kept document gets, in order: nothing beyond `images.max_images_per_doc`
(status `over_cap`, so a gallery page cannot flood the downloader); its `data:` URI decoded in
place; or the outcome of its URL from the exchange (`pipeline/images/resolve.py`). A slot whose
image is not `ok` leaves the document for `dropped_slots` with its status as the reason and its
fetch record attached, so nothing vanishes; the text around it is joined. Slots leave through
`weft.filters.slots.remove_slots`, the same way a rule drops one, so `dropped_slots` stays in
page order and every position counts the segments the trainer sees.
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

from weft.filters.slots import remove_slots
from weft.pipeline.chunk import Chunk, table_to_chunk
from weft.pipeline.images import status as st
from weft.pipeline.images.resolve import image_row
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.stage import Stage
from weft.schemas.document import Document, FetchResult, ImageInfo, TextBlock


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

    def __init__(self, settings: ImageSettings, layout: OutputLayout, *, deduped: bool = False) -> None:
        self.settings = settings
        self.layout = layout
        self.deduped = deduped
        """Load the chunk staged after the dedup rules rather than after the text rules."""

    def process(self, group: pa.Table) -> Chunk:
        """`group`: the exchange's rows for one chunk (`RESOLVED_SCHEMA`; its own row has no URL)."""
        stem = group.column("stem")[0].as_py()
        chunk = table_to_chunk(pq.read_table(self.layout.deduped(stem) if self.deduped else self.layout.docs(stem)))
        by_url = {row["url"]: row for row in group.to_pylist() if row["url"] is not None}
        for record in chunk.kept:
            record.doc = self.attach(record.doc, by_url, chunk.image_statuses)
        return chunk

    def attach(self, doc: Document, by_url: dict[str, dict[str, Any]], counts: Counter[str]) -> Document:
        """`doc` with every slot's fetch record and decoded facts; slots without an `ok` image
        leave through `remove_slots`, like a slot a rule drops."""
        segments: list[Any] = list(doc.segments)
        drops: dict[int, str] = {}
        cap = self.settings.config.max_images_per_doc
        seen_images = 0
        for i, seg in enumerate(segments):
            if isinstance(seg, TextBlock):
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
                segments[i] = replace(seg, content=image["content"], content_type=image["content_type"], info=info, fetch=fetch)
            else:
                segments[i] = replace(seg, info=info, fetch=fetch)
                drops[i] = fetch.status
        return remove_slots(replace(doc, segments=segments), drops)

    def _data_uri_image(self, uri: str) -> dict[str, Any]:
        try:
            content, declared = decode_data_uri(uri)
        except ValueError as exc:
            return image_row(uri, None, source=st.SOURCE_DATA_URI, settings=self.settings, status=st.INVALID_URL, error=str(exc))
        return image_row(uri, content, source=st.SOURCE_DATA_URI, settings=self.settings, declared_type=declared)
