"""The documents a report shows: a sample of kept ones read back from the shards (images and
all), and a few dropped ones per reason from the rejects sample.

Only the shards that hold a sampled document are opened, and of each only the rows of those
documents are decoded, so the cost does not grow with the job. A dropped document has no shard:
what the report shows of it is its `_rejects/` record (text, image URLs, the rule's detail and
scores) and its ledger row (provenance, every rule's scores); its images were never kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weft.schemas.arrow import provenance_to_dict, table_to_documents
from weft.schemas.document import Document
from weft.schemas.reader import tar_documents


@dataclass
class Shown:
    """One document of the sample: the kept document itself, or a dropped one's record."""

    doc_id: str
    url: str
    outcome: str
    """`kept`, `dropped` or `failed`."""
    reason: str | None
    """The ledger's reason (`rule:reason`, or the extractor's reason)."""
    detail: str | None
    provenance: dict[str, Any]
    scores: dict[str, Any] = field(default_factory=dict)
    """`{"scores": {rule: {...}}, "slot_scores": {...}}` as in the ledger."""
    document: Document | None = None
    """The kept document as a trainer reads it."""
    text: str | None = None
    """A dropped document's text (cut at the rejects sample's limit), when the sample has it."""
    image_urls: list[str] = field(default_factory=list)
    """A dropped document's image URLs, in page order."""


def load_kept(root: Path, rows: list[dict[str, Any]]) -> list[Shown]:
    """The kept documents of `rows` (ledger rows), read from their shards, in `rows` order."""
    by_shard: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["shard"]:
            by_shard[row["shard"]].add(row["doc_id"])
    docs: dict[str, Document] = {}
    for shard, ids in sorted(by_shard.items()):
        path = root / shard
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            docs.update((d.doc_id, d) for d in _parquet_documents(path, ids))
        else:
            with path.open("rb") as f:
                docs.update((d.doc_id, d) for _i, d in tar_documents(f, str(path)) if d.doc_id in ids)
    return [Shown(row["doc_id"], row["url"], "kept", None, None, row["provenance"] or {}, _scores(row),
                  document=docs.get(row["doc_id"])) for row in rows]


def load_dropped(rejects: Path, rows_by_reason: dict[str, list[dict[str, Any]]]) -> dict[str, list[Shown]]:
    """The dropped or failed documents of `rows_by_reason` (ledger rows by ledger reason), each
    with its record from `rejects` (`<rule>/<reason>.jsonl`) when the sample holds it."""
    out: dict[str, list[Shown]] = {}
    for reason, rows in rows_by_reason.items():
        records: dict[str, dict[str, Any]] = {}
        rule, _, why = reason.partition(":")
        sample = rejects / rule / f"{why}.jsonl"
        if why and sample.is_file():
            wanted = {row["doc_id"] for row in rows}
            with sample.open(encoding="utf-8") as f:
                for line in f:
                    record = json.loads(line)
                    if record["doc_id"] in wanted:
                        records[record["doc_id"]] = record
        shown = []
        for row in rows:
            record = records.get(row["doc_id"], {})
            shown.append(Shown(row["doc_id"], row["url"], row["outcome"], row["reason"], row["detail"], row["provenance"] or {},
                               _scores(row), text=record.get("text"), image_urls=list(record.get("images") or [])))
        out[reason] = shown
    return out


def _scores(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["filter_scores"]) if row.get("filter_scores") else {}


def _parquet_documents(path: Path, ids: set[str]) -> list[Document]:
    """The documents `ids` of one Parquet shard: its doc_id column is read whole, then only the
    row groups that hold one of them (a shard's image bytes are most of its size)."""
    pf = pq.ParquetFile(path)
    wanted = pa.array(sorted(ids), pa.string())
    docs: list[Document] = []
    for group in range(pf.metadata.num_row_groups):
        if not pc.any(pc.is_in(pf.read_row_group(group, columns=["doc_id"]).column("doc_id"), value_set=wanted)).as_py():
            continue
        table = pf.read_row_group(group)
        docs.extend(table_to_documents(table.filter(pc.is_in(table.column("doc_id"), value_set=wanted))))
    return docs


def shown_document(doc: Document) -> Shown:
    """A document read from a shard, shown as the report shows a kept one."""
    return Shown(doc.doc_id, doc.url, "kept", None, None, provenance_to_dict(doc.provenance), doc.filter_scores, document=doc)
