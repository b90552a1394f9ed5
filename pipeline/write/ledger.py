"""The ledgers: one row per page read, and one row per image slot of a written document.

The page ledger is the audit trail behind the manifest's counts: for every page, its fate
(kept, dropped or failed, with the reason and detail), where a kept document was written, the
rule scores and where the page came from. The fetch ledger says, for every image slot of a
written document (kept or dropped), where its bytes came from and what happened.
"""

from __future__ import annotations

from typing import Any, Iterator

import pyarrow as pa

from weft.pipeline.chunk import Chunk, scores_json
from weft.schemas.arrow import DOCUMENT_SCHEMA, FETCH_TYPE, fetch_dict, provenance_to_dict
from weft.schemas.document import Document

PROVENANCE_TYPE = DOCUMENT_SCHEMA.field("provenance").type

LEDGER_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("outcome", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("shard", pa.string()),
        pa.field("images", pa.int32()),
        pa.field("provenance", PROVENANCE_TYPE),
        pa.field("filter_scores", pa.string()),
    ]
)
"""One row per page: the audit trail of what happened to it and where it was written."""

IMAGE_LEDGER_SCHEMA = pa.schema(
    [pa.field("doc_id", pa.string()), pa.field("url", pa.string()), pa.field("kept", pa.bool_())]
    + list(FETCH_TYPE)
    + [pa.field("width", pa.int32()), pa.field("height", pa.int32()), pa.field("sha256", pa.string())]
)
"""The fetch ledger: one row per image slot of a written document (kept or dropped)."""


def page_ledger(chunk: Chunk, home: dict[str, str]) -> pa.Table:
    """Every page of the chunk, in page order; `home` maps a kept document to its shard."""
    rows = []
    for r in chunk.records:
        rows.append(
            {
                "doc_id": r.doc_id,
                "url": r.url,
                "outcome": r.outcome,
                "reason": r.reason,
                "detail": r.detail,
                "shard": home.get(r.doc_id),
                "images": len(r.doc.images) if r.doc is not None else 0,
                "provenance": provenance_to_dict(r.provenance),
                "filter_scores": scores_json(r.scores),
            }
        )
    return pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA)


def fetch_ledger(docs: list[Document]) -> pa.Table:
    return pa.Table.from_pylist(list(_fetch_rows(docs)), schema=IMAGE_LEDGER_SCHEMA)


def _fetch_rows(docs: list[Document]) -> Iterator[dict[str, Any]]:
    """One row per image slot of the written documents, kept or dropped, with how it was fetched."""
    for doc in docs:
        slots = [(s, True) for s in doc.images] + [(d, False) for d in doc.dropped_slots if d.fetch is not None]
        for slot, kept in slots:
            yield {
                "doc_id": doc.doc_id,
                "url": slot.url,
                "kept": kept,
                **(fetch_dict(slot.fetch) or {}),
                "width": slot.info.width if slot.info else None,
                "height": slot.info.height if slot.info else None,
                "sha256": slot.info.sha256 if slot.info else None,
            }
