"""How many kept documents of the job show each image: the image exchange's count step.

`image_boilerplate_v1` drops an image shown in more than N kept documents of the whole job, so
before any chunk runs its image rules, every image (by the SHA-256 of its bytes) needs its count
of distinct documents. Which bytes a URL has is known only once it is resolved, and one image
can hide under several URLs (`logo.png?v=2`, a CDN copy, an inline `data:` URI), so the count is
one more regroup of the exchange, between resolving (by URL partition) and attaching (by chunk):

    part:      ResolveImages -> KeyByImage   one row per (chunk, URL) with the chunk's document
                                             ids -> keyed by image: one row per URL with the
                                             bytes, and a slim row per (chunk, URL)
    image_key: CountDocuments                the distinct documents over every row of the image;
                                             each (chunk, URL) row leaves with the bytes and count
    stem:      AttachImages -> rules -> write  as without the count; the rules see the counts

Rows whose bytes are not known (a failed fetch, a chunk's own row) have no image to count and
cross the step keyed by their chunk. Only one copy of an image's bytes per URL enters the count
step (not one per chunk), so the step moves each image's bytes once more and holds, for one
image, the ids of the documents that show it. The count is exact and depends only on which
documents are kept and what their images' bytes are, not on partitions, blocks or executor.
Only documents kept after the text rules count (the exchange gets no other), and only each
document's first `images.max_images_per_doc` slots (the others are never fetched).

The step writes no files: a resumed job recomputes it from the resolved partitions, which are
persisted, and gets the same counts.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from weft.pipeline.images.resolve import RESOLVED_SCHEMA
from weft.pipeline.stage import Stage

IMAGE_KEY = "image_key"
"""The count step's grouping column: an image's SHA-256, or `~<stem>` for a row without bytes."""

KEYED_SCHEMA = RESOLVED_SCHEMA.append(pa.field(IMAGE_KEY, pa.string()))
COUNTED_SCHEMA = RESOLVED_SCHEMA.append(pa.field("image_documents", pa.int64()))
"""What reaches the attach step: `RESOLVED_SCHEMA` rows (without their `documents`) and, for each
row with an image, how many kept documents of the job show that image."""

_IMAGE_FIELDS = ("content", "content_type", "info", "fetch")


def _sha256(row: dict[str, Any]) -> str | None:
    """The SHA-256 of a row's image: its decoded bytes' (`info`), or an inline image's."""
    return row["info"]["sha256"] if row["info"] is not None else row["sha256"]


class KeyByImage(Stage):
    """Key one resolved partition's rows by image: each URL's bytes once, each (chunk, URL) slim."""

    name = "key_by_image"

    def process(self, rows: pa.Table) -> pa.Table:
        """`rows`: `RESOLVED_SCHEMA` rows of one exchange partition (every row of each of its URLs)."""
        out: list[dict[str, Any]] = []
        images: set[str] = set()
        for row in rows.to_pylist():
            sha256 = _sha256(row)
            if sha256 is None:
                out.append({**row, IMAGE_KEY: f"~{row['stem']}"})
                continue
            if row["url"] is not None and row["url"] not in images:
                images.add(row["url"])
                out.append({**row, "stem": None, "documents": None, IMAGE_KEY: sha256})
            out.append({**row, **dict.fromkeys(_IMAGE_FIELDS), "sha256": sha256, IMAGE_KEY: sha256})
        return pa.Table.from_pylist(out, schema=KEYED_SCHEMA)


class CountDocuments(Stage):
    """Count the distinct kept documents that show one image; give each of its rows the bytes and the count."""

    name = "count_documents"

    def process(self, group: pa.Table) -> pa.Table:
        """`group`: the `KEYED_SCHEMA` rows of one image key."""
        rows = group.to_pylist()  # one conversion each way: a group is small, and there are many
        key = rows[0][IMAGE_KEY]
        if key.startswith("~"):  # no image: on to the chunk as it is
            return pa.Table.from_pylist([{**row, "documents": None} for row in rows], schema=COUNTED_SCHEMA)
        documents = len({doc_id for row in rows for doc_id in row["documents"] or ()})
        bytes_of = {row["url"]: row for row in rows if row["stem"] is None}
        out = []
        for row in sorted((r for r in rows if r["stem"] is not None), key=lambda r: (r["stem"], r["url"] or "")):
            image = bytes_of[row["url"]] if row["url"] is not None else {}
            out.append({"stem": row["stem"], "url": row["url"], **{f: image.get(f) for f in _IMAGE_FIELDS},
                        "sha256": key, "documents": None, "image_documents": documents})
        return pa.Table.from_pylist(out, schema=COUNTED_SCHEMA)
