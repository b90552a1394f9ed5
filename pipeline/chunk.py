"""A chunk: the unit of work between reading and writing, and the fate of every page in it.

The reader cuts each input into chunks of pages (by count and bytes). From extraction to the
shards a chunk stays one unit: its pages become `PageRecord`s that carry their fate with them
(`kept` with the document, or `dropped`/`failed` with a reason), so the writer can put kept
documents into shards and every page into the ledger, and the counts prove nothing vanished.

A chunk's `stem` (`<input tag>-p<first page ordinal>`) names its shards, ledger and work files;
it comes from the data alone, never from a task or block id, so the same inputs and config give
the same names whatever the executor or cluster.

Between stages of one task a chunk is plain Python (no Arrow round trips); where it must wait at
a barrier (the image stage) it is persisted as one Parquet file of `RECORD_SCHEMA` rows: the
shard row of each kept document (without its derived OBELICS columns) plus the fate fields.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from weft.filters.stats import FilterStats
from weft.schemas.arrow import DOCUMENT_SCHEMA, document_to_row, provenance_to_dict, row_to_document
from weft.schemas.document import Document, Provenance

KEPT, DROPPED, FAILED = "kept", "dropped", "failed"

FATE_FIELDS = [
    pa.field("input_tag", pa.string()),
    pa.field("chunk", pa.int32()),
    pa.field("ordinal", pa.int64()),
    pa.field("outcome", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("detail", pa.string()),
]
RECORD_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + FATE_FIELDS)
"""A page record at rest: the shard row (all null but ids for a page that gave no document) plus
its fate. The shard row's derived OBELICS columns (`metadata`, `general_metadata`) are null: the
writer derives them again from the document (`document_to_row(derived=False)`)."""


@dataclass
class PageRecord:
    """One page's fate; `doc` is set exactly when the page is still `kept`."""

    doc_id: str
    url: str
    provenance: Provenance
    ordinal: int
    outcome: str = KEPT
    reason: str | None = None
    detail: str | None = None
    doc: Document | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    """Every score the rules measured on this page (also kept on `doc.filter_scores`)."""

    @property
    def outcome_key(self) -> str:
        """How the manifest counts this page: `kept`, or `dropped:<reason>` / `failed:<reason>`."""
        return self.outcome if self.outcome == KEPT else f"{self.outcome}:{self.reason}"

    def drop(self, outcome: str, reason: str, detail: str | None) -> None:
        """The page leaves the job here, with its reason; its content goes, its ids stay."""
        self.outcome, self.reason, self.detail, self.doc = outcome, reason, detail, None


@dataclass
class Chunk:
    """The pages of one chunk of one input, in page order, and what the rules counted on them."""

    input_tag: str
    index: int
    records: list[PageRecord]
    filter_stats: FilterStats = field(default_factory=FilterStats)
    image_statuses: Counter[str] = field(default_factory=Counter)
    """Image slots of kept documents by fetch status, once the image stage ran."""
    image_documents: dict[str, int] | None = None
    """{image SHA-256: kept documents of the whole job that show it}, for every image of this
    chunk, when the job counts them (`pipeline/images/counts.py`); None otherwise."""

    @property
    def stem(self) -> str:
        return stem_of(self.input_tag, self.records[0].ordinal)

    @property
    def kept(self) -> list[PageRecord]:
        return [r for r in self.records if r.outcome == KEPT]

    def outcomes(self) -> Counter[str]:
        return Counter(r.outcome_key for r in self.records)


def stem_of(input_tag: str, first_ordinal: int) -> str:
    """A chunk's name: its input's tag and the ordinal of its first page."""
    return f"{input_tag}-p{first_ordinal:07d}"


def scores_json(scores: dict[str, Any]) -> str | None:
    """Scores as stored in the ledger and the shards (sorted keys; null when no rule ran)."""
    return json.dumps(scores, ensure_ascii=False, sort_keys=True) if scores else None


def record_to_row(record: PageRecord, input_tag: str, index: int) -> dict[str, Any]:
    if record.doc is not None:
        row = document_to_row(record.doc, derived=False)
    else:
        row = {"doc_id": record.doc_id, "url": record.url, "provenance": provenance_to_dict(record.provenance),
               "filter_scores": scores_json(record.scores)}
    row.update(input_tag=input_tag, chunk=index, ordinal=record.ordinal, outcome=record.outcome,
               reason=record.reason, detail=record.detail)
    return row


def chunk_to_table(chunk: Chunk) -> pa.Table:
    return pa.Table.from_pylist([record_to_row(r, chunk.input_tag, chunk.index) for r in chunk.records], schema=RECORD_SCHEMA)


def table_to_chunk(table: pa.Table) -> Chunk:
    """A chunk read back from its Parquet file (its stats travel separately, in its marker)."""
    records = []
    rows = table.to_pylist()
    for row in rows:
        doc = row_to_document(row) if row["outcome"] == KEPT else None
        scores = doc.filter_scores if doc is not None else (json.loads(row["filter_scores"]) if row.get("filter_scores") else {})
        records.append(PageRecord(
            doc_id=row["doc_id"], url=row["url"], provenance=Provenance(**row["provenance"]), ordinal=row["ordinal"],
            outcome=row["outcome"], reason=row["reason"], detail=row["detail"], doc=doc, scores=scores,
        ))
    return Chunk(input_tag=rows[0]["input_tag"], index=rows[0]["chunk"], records=records)
