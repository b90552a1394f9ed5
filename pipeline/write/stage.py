"""The write stage: a chunk's kept documents into shards, every page into the ledger.

It is the last stage of a chunk's work: after the shards and ledgers are in place it writes the
chunk's completion marker with what the chunk did (outcomes, shards, rule statistics, image slot
statuses), which is what the manifest adds up.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from weft.jobs.spec import JobConfig
from weft.pipeline.chunk import Chunk
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import write_marker
from weft.pipeline.stage import Stage
from weft.pipeline.write.ledger import fetch_ledger, page_ledger
from weft.pipeline.write.shards import ShardLimits, write_documents


class WriteStage(Stage):
    """Write kept documents to Parquet and webdataset shards and every page to the ledger."""

    name = "write"

    def __init__(self, cfg: JobConfig, layout: OutputLayout, step: str, *, with_images: bool) -> None:
        self.layout = layout
        self.step = step
        self.with_images = with_images
        self.formats = tuple(cfg.output.formats)
        self.limits = ShardLimits(max_docs=cfg.output.max_docs_per_shard, max_bytes=cfg.output.max_bytes_per_shard)

    def persists(self) -> tuple[Path, ...]:
        shards = tuple(self.layout.shard(f"<stem>-<part>.{'tar' if f == 'webdataset' else f}") for f in self.formats)
        ledgers = (self.layout.ledger("<stem>"),) + ((self.layout.image_ledger("<stem>"),) if self.with_images else ())
        return shards + ledgers + (self.layout.done(self.step, "<stem>"),)

    def process(self, chunk: Chunk) -> str:
        """Returns the chunk's stem (its marker holds the rest)."""
        stem = chunk.stem
        kept = [r.doc for r in chunk.kept]
        shards = write_documents(kept, self.layout.root, stem, formats=self.formats, limits=self.limits) if kept else []
        # Which shard each kept document landed in, for the ledger (the first format names its home).
        home: dict[str, str] = {}
        remaining = iter(kept)
        for shard in (s for s in shards if s.format == self.formats[0]):
            for _ in range(shard.documents):
                home[next(remaining).doc_id] = shard.path
        write_parquet_atomic(self.layout.ledger(stem), page_ledger(chunk, home))
        if self.with_images:
            write_parquet_atomic(self.layout.image_ledger(stem), fetch_ledger(kept))
        write_marker(self.layout, self.step, stem, {
            "pages": len(chunk.records),
            "outcomes": dict(sorted(chunk.outcomes().items())),
            "shards": [dataclasses.asdict(s) for s in shards],
            "image_statuses": dict(sorted(chunk.image_statuses.items())),
            "filter_stats": chunk.filter_stats.to_dict(),
        })
        return stem
