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

from collections import Counter
from dataclasses import replace
from typing import Any

import pyarrow as pa

from weft.filters.slots import remove_slots
from weft.pipeline.chunk import Chunk, table_to_chunk
from weft.pipeline.images import status as st
from weft.pipeline.images.datauri import decode_data_uri
from weft.pipeline.images.resolve import image_row
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout, read_parquet
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.stage import Stage
from weft.schemas.document import Document, FetchResult, ImageInfo, TextBlock


class AttachImages(Stage):
    """Load a staged chunk and give its kept documents' slots their images (or drop them with a status)."""

    name = "attach_images"

    def __init__(self, settings: ImageSettings, layout: OutputLayout, *, deduped: bool = False, count_documents: bool = False) -> None:
        self.settings = settings
        self.layout = layout
        self.deduped = deduped
        """Load the chunk staged after the dedup rules rather than after the text rules."""
        self.count_documents = count_documents

    def process(self, group: pa.Table) -> Chunk:
        """`group`: the exchange's rows for one chunk (`RESOLVED_SCHEMA`; its own row has no URL;
        with `count_documents`, `COUNTED_SCHEMA` of `pipeline/images/counts.py`: each image's
        count of documents, which the chunk passes on to its image rules)."""
        stem = group.column("stem")[0].as_py()
        chunk = table_to_chunk(read_parquet(self.layout.deduped(stem) if self.deduped else self.layout.docs(stem)))
        rows = group.to_pylist()
        by_url = {row["url"]: row for row in rows if row["url"] is not None}
        if self.count_documents:
            chunk.image_documents = {row["sha256"]: row["image_documents"] for row in rows if row["image_documents"] is not None}
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
