"""Staging a chunk at a barrier: its page records to `_work/docs/<stem>.parquet` (after the text
rules) or `_work/deduped/<stem>.parquet` (after the dedup rules).

Every chunk waits here until every chunk of the job has been staged, because the documents or
the URLs of all of them meet in one exchange (`pipeline/images/exchange.py`). The marker counts the distinct
URLs the chunk needs, so the executor can size the exchange without reading any URL.
"""

from __future__ import annotations

from pathlib import Path

from weft.pipeline.chunk import Chunk, chunk_to_table
from weft.pipeline.images.exchange import fetchable_urls
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import write_marker
from weft.pipeline.stage import Stage


class StageChunk(Stage):
    """Persist the chunk's page records until every chunk of the job has reached the barrier."""

    name = "stage_chunk"

    def __init__(self, layout: OutputLayout, step: str, max_images_per_doc: int, *, deduped: bool = False) -> None:
        self.layout = layout
        self.step = step
        self.max_images_per_doc = max_images_per_doc
        self.deduped = deduped
        """Staged after the dedup rules (`_work/deduped/`) rather than after the text rules."""

    def _path(self, stem: str) -> Path:
        return self.layout.deduped(stem) if self.deduped else self.layout.docs(stem)

    def persists(self) -> tuple[Path, ...]:
        return self._path("<stem>"), self.layout.done(self.step, "<stem>")

    def process(self, chunk: Chunk) -> str:
        stem = chunk.stem
        write_parquet_atomic(self._path(stem), chunk_to_table(chunk), staged=True)
        urls: set[str] = set()
        for record in chunk.kept:
            urls.update(fetchable_urls((s.url for s in record.doc.images), self.max_images_per_doc))
        write_marker(self.layout, self.step, stem, {
            "pages": len(chunk.records),
            "outcomes": dict(sorted(chunk.outcomes().items())),
            "filter_stats": chunk.filter_stats.to_dict(),
            "urls": len(urls),
        })
        return stem
