"""Where the URLs of every chunk meet the archive's image records and earlier downloads.

The image stage is a barrier: every chunk's documents are staged first, because an image record
in one input can serve a page in another, and each URL must be fetched once per job however many
pages show it. What meets is three kinds of row, each mapped to one `EXCHANGE_SCHEMA`:

- `slot`: a URL one chunk needs (one row per distinct URL per chunk), and one `chunk` row per
  chunk so that a chunk without images still reaches its finalize step;
- `archive`: an image record of the job's inputs (`_work/archive_images/`);
- `prior`: an earlier download attempt of this output directory (`_work/downloads/results/`).

When a rule of the job counts documents per image (`image_boilerplate_v1`), a `slot` row also
lists the chunk's kept documents that show the URL (`documents`), and each image that a kept
document carries inline as a `data:` URI gets an `inline` row (its SHA-256 and documents), so
the count step after resolution (`pipeline/images/counts.py`) sees every image of the job.

Each row gets `part`, a hash of its URL (of its stem for `chunk` rows) modulo the number of
partitions, so all rows of a URL meet in one call of `ResolveImages`, which also makes one
img2dataset batch of the URLs it must download. The number of partitions comes from the data
(distinct URLs per chunk, summed, divided by `images.urls_per_shard`), never from the cluster,
so the partitions, and the img2dataset batches, are the same on any executor.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa

from weft.pipeline.chunk import KEPT
from weft.pipeline.images.datauri import decode_data_uri
from weft.pipeline.images.download import DOWNLOAD_RESULT_SCHEMA
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.stage import Stage

SLOT, CHUNK, ARCHIVE, PRIOR, INLINE = "slot", "chunk", "archive", "prior", "inline"

COUNT_FIELDS = [pa.field("sha256", pa.string()), pa.field("documents", pa.list_(pa.string()))]
"""What the count of documents per image needs (only when the job counts): an inline image's
SHA-256, and the ids of the chunk's kept documents that show a URL or an inline image."""

EXCHANGE_SCHEMA = pa.schema(
    [pa.field("part", pa.int32()), pa.field("kind", pa.string()), pa.field("stem", pa.string()), pa.field("content_type", pa.string())]
    + list(DOWNLOAD_RESULT_SCHEMA) + COUNT_FIELDS
)
"""The rows that meet: `kind` says which; an archive row's bytes are in `content`, a prior
download's result in the download result's own fields."""

SLOT_COLUMNS = ["doc_id", "outcome", "images"]
"""What the slot rows need from a staged chunk file (plus the file's path, which names the chunk)."""
ARCHIVE_COLUMNS = ["url", "payload", "content_type"]


def partition_of(key: str, parts: int) -> int:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % parts


def partitions_for(distinct_urls: int, urls_per_partition: int) -> int:
    """How many partitions the exchange has: enough that one holds about `urls_per_partition`
    URLs (one img2dataset batch each), at least one."""
    return max(1, math.ceil(distinct_urls / urls_per_partition))


def fetchable_urls(images: Iterable[str | None], max_per_doc: int) -> list[str]:
    """The canonical URLs of a document's first `max_per_doc` image slots that need the archive or
    a download (`data:` URIs are decoded in place)."""
    urls = [u for u in images if u is not None][:max_per_doc]
    return [canonical_url(u) for u in urls if not u.startswith("data:")]


def inline_hashes(images: Iterable[str | None], max_per_doc: int) -> list[str]:
    """The SHA-256 of the bytes of each `data:` URI among a document's first `max_per_doc` image
    slots (one that does not decode is left out: its slot never keeps an image)."""
    hashes = []
    for uri in [u for u in images if u is not None][:max_per_doc]:
        if uri.startswith("data:"):
            try:
                hashes.append(hashlib.sha256(decode_data_uri(uri)[0]).hexdigest())
            except ValueError:
                continue
    return hashes


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=EXCHANGE_SCHEMA)


class SlotRows(Stage):
    """Staged chunk rows to the URLs their kept documents need, plus each chunk's own row."""

    name = "slot_rows"

    def __init__(self, parts: int, max_per_doc: int, count_documents: bool = False) -> None:
        self.parts = parts
        self.max_per_doc = max_per_doc
        self.count_documents = count_documents

    def process(self, batch: pa.Table) -> pa.Table:
        """`batch`: `SLOT_COLUMNS` of staged chunk files plus `path` (the file each row came from).
        With `count_documents`, each slot row lists the documents that show its URL, and inline
        images get their rows."""
        rows: list[dict[str, Any]] = []
        stems: set[str] = set()
        urls: dict[tuple[str, str], list[str]] = {}
        inline: dict[tuple[str, str], list[str]] = {}
        for path, doc_id, outcome, images in zip(batch.column("path").to_pylist(), batch.column("doc_id").to_pylist(),
                                                 batch.column("outcome").to_pylist(), batch.column("images").to_pylist()):
            stem = Path(path).name.removesuffix(".parquet")
            if stem not in stems:
                stems.add(stem)
                rows.append({"part": partition_of(stem, self.parts), "kind": CHUNK, "stem": stem})
            if outcome != KEPT:
                continue
            for url in fetchable_urls(images or [], self.max_per_doc):
                _add(urls.setdefault((stem, url), []), doc_id)
            if self.count_documents:
                for sha256 in inline_hashes(images or [], self.max_per_doc):
                    _add(inline.setdefault((stem, sha256), []), doc_id)
        counting = self.count_documents
        rows.extend({"part": partition_of(url, self.parts), "kind": SLOT, "stem": stem, "url": url,
                     "documents": docs if counting else None} for (stem, url), docs in urls.items())
        rows.extend({"part": partition_of(sha256, self.parts), "kind": INLINE, "stem": stem, "sha256": sha256, "documents": docs}
                    for (stem, sha256), docs in inline.items())
        return _table(rows)


def _add(documents: list[str], doc_id: str) -> None:
    """A document's id, once (a document's images are read one after the other)."""
    if not documents or documents[-1] != doc_id:
        documents.append(doc_id)


class ArchiveRows(Stage):
    """The inputs' image records, by canonical URL."""

    name = "archive_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, batch: pa.Table) -> pa.Table:
        return _table([
            {"part": partition_of(url, self.parts), "kind": ARCHIVE, "url": url, "content": payload, "content_type": ctype}
            for url, payload, ctype in zip(batch.column("url").to_pylist(), batch.column("payload").to_pylist(),
                                           batch.column("content_type").to_pylist())
        ])


class PriorRows(Stage):
    """Earlier download attempts of this output directory (`--resume`)."""

    name = "prior_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, batch: pa.Table) -> pa.Table:
        return _table([{**row, "part": partition_of(row["url"], self.parts), "kind": PRIOR} for row in batch.to_pylist()])
