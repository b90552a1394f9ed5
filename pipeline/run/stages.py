"""The job's stages as plain Python on Arrow batches; `pipeline/run/ray_executor.py` wires them into Ray Data.

Nothing here imports Ray, so every stage unit-tests by calling it on a table. Rows carry their
fate with them: each page becomes exactly one row downstream of the reader, whose `outcome` is
`kept`, `dropped` or `failed` (with a `reason`). The writer puts kept rows into shards and every
row into the ledger, so the manifest's counts can prove that nothing vanished.

Shard names come from the data alone (`<input tag>-p<first page ordinal>`), never from a task or
block id. The reader cuts each file into chunks of pages (by count and bytes) and the writer writes
one set of shards per chunk, however Ray merges chunks into blocks, so the same inputs and config
give the same shards whatever the cluster looks like. (Ray only slices a block that is 1.5x its
target size; chunks are kept far below that, and even a sliced chunk would get distinct names.)

Without the image stage: Read -> Extract (+ text rules) -> Write. With it (pipeline/images/resolve.py),
chunks are staged after the text rules (`StageStage`), every unique URL is resolved once, and
`FinalizeAndWrite` gives each chunk's slots their images, runs the image rules and writes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from weft.jobs.spec import JobConfig
from weft.pipeline.read.archive_index import ArchiveImageIndexWriter
from weft.jobs.errors import RecordError
from weft.pipeline.extract.extractor import ExtractLimits, extract
from weft.filters.base import DocResult, FilterStats
from weft.pipeline.read.inputs import input_tag
from weft.pipeline.rules.stage import StageRules, merge_scores, scores_of, write_rejects
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.read.warc import ArchiveImage, Page, ReadOptions, ReadStats, read_archive
from weft.pipeline.write.shards import ShardLimits, write_documents
from weft.schemas.arrow import DOCUMENT_SCHEMA, FETCH_TYPE, document_to_row, fetch_dict, provenance_to_dict, row_to_document
from weft.schemas.document import Document, Provenance, make_doc_id

WORK_DIR = "_work"
READ_STATS_DIR = f"{WORK_DIR}/read"
ARCHIVE_IMAGES_DIR = f"{WORK_DIR}/archive_images"
LEDGER_DIR = "_ledger"
IMAGE_LEDGER_DIR = "_ledger/images"

KEPT, DROPPED, FAILED = "kept", "dropped", "failed"

PROVENANCE_TYPE = DOCUMENT_SCHEMA.field("provenance").type

PAGE_SCHEMA = pa.schema(
    [
        pa.field("input_tag", pa.string()),
        pa.field("chunk", pa.int32()),
        pa.field("ordinal", pa.int64()),
        pa.field("html", pa.large_string()),
        pa.field("payload_bytes", pa.int64()),
        pa.field("truncated", pa.bool_()),
        pa.field("provenance", PROVENANCE_TYPE),
    ]
)
"""A page as the reader hands it on: decoded HTML plus where it came from."""

FATE_FIELDS = [
    pa.field("input_tag", pa.string()),
    pa.field("chunk", pa.int32()),
    pa.field("ordinal", pa.int64()),
    pa.field("outcome", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("detail", pa.string()),
    pa.field("filter_stats", pa.string()),
]
DOCUMENT_ROW_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + FATE_FIELDS)
"""A document between stages: the shard row plus its fate. Dropped/failed rows keep only ids."""

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

SHARD_RESULT_SCHEMA = pa.schema(
    [
        pa.field("input_tag", pa.string()),
        pa.field("pages", pa.int64()),
        pa.field("outcomes", pa.string()),
        pa.field("shards", pa.string()),
        pa.field("image_statuses", pa.string()),
        pa.field("filter_stats", pa.string()),
    ]
)
"""What the writer reports per group of pages; small, so the driver can stream-sum it."""


class ReadStage:
    """One input file per call: pages in chunks, image records to the archive index, stats to disk.

    Stats and the index go to files under `OUTPUT/_work/` rather than into the row stream, so the
    page stream keeps one schema and the driver sums per-file stats without collecting pages.
    """

    def __init__(self, cfg: JobConfig, output_dir: str) -> None:
        self.cfg = cfg
        self.output_dir = Path(output_dir)
        self.options = ReadOptions(
            max_html_bytes=cfg.read.max_html_bytes,
            max_image_bytes=cfg.read.max_image_bytes,
            index_images=cfg.read.index_images,
            timeout=cfg.read.timeout_s,
            retries=cfg.read.retries,
        )

    def __call__(self, batch: pa.Table) -> Iterator[pa.Table]:
        for uri in batch.column("uri").to_pylist():
            yield from self.read_file(uri)

    def read_file(self, uri: str) -> Iterator[pa.Table]:
        tag = input_tag(uri)
        stats = ReadStats()
        index = ArchiveImageIndexWriter(self.output_dir / ARCHIVE_IMAGES_DIR / f"{tag}.parquet")
        rows: list[dict[str, Any]] = []
        chunk_bytes = 0
        chunk = 0
        ordinal = 0
        try:
            for item in read_archive(uri, self.options, stats):
                if isinstance(item, Page):
                    rows.append(
                        {
                            "input_tag": tag,
                            "chunk": chunk,
                            "ordinal": ordinal,
                            "html": item.html,
                            "payload_bytes": item.payload_bytes,
                            "truncated": item.truncated,
                            "provenance": provenance_to_dict(item.provenance),
                        }
                    )
                    ordinal += 1
                    chunk_bytes += item.payload_bytes
                    if len(rows) >= self.cfg.read.pages_per_chunk or chunk_bytes >= self.cfg.read.max_chunk_bytes:
                        yield pa.Table.from_pylist(rows, schema=PAGE_SCHEMA)
                        rows, chunk_bytes, chunk = [], 0, chunk + 1
                elif isinstance(item, ArchiveImage):
                    index.add(
                        {
                            "url": canonical_url(item.url),
                            "content_type": item.content_type,
                            "payload": item.payload,
                            "payload_bytes": len(item.payload),
                            "truncated": item.truncated,
                            "warc_file": item.warc_file,
                            "warc_record_offset": item.offset,
                            "warc_record_length": item.length,
                            "warc_record_id": item.record_id,
                            "warc_date": item.warc_date,
                        }
                    )
            if rows:
                yield pa.Table.from_pylist(rows, schema=PAGE_SCHEMA)
            index.close()
        except BaseException:
            index.abort()
            raise
        write_json_atomic(
            self.output_dir / READ_STATS_DIR / f"{tag}.json",
            {"uri": uri, "input_tag": tag, "pages": ordinal, "archive_images": index.count, **stats.to_dict()},
        )


class ExtractStage:
    """Pages to interleaved documents; a page that cannot be turned into one is kept as a fate row."""

    def __init__(self, cfg: JobConfig, output_dir: str | None = None) -> None:
        self.limits = ExtractLimits(max_html_chars=cfg.extract.max_html_chars, max_depth=cfg.extract.max_depth)
        self.raise_errors = cfg.extract.on_record_error == "raise"
        self.rules = StageRules(cfg.filters, "text")
        self.output_dir = Path(output_dir) if output_dir else None

    def __call__(self, pages: pa.Table) -> pa.Table:
        extracted = [self.extract_page(p) for p in pages.to_pylist()]
        if self.rules and extracted:
            rows = self.apply_rules(extracted)
        else:
            rows = [e if isinstance(e, dict) else kept_row(*e) for e in extracted]
        return pa.Table.from_pylist(rows, schema=DOCUMENT_ROW_SCHEMA)

    def apply_rules(self, extracted: list[tuple[Document, dict[str, Any]] | dict[str, Any]]) -> list[dict[str, Any]]:
        """The job's text rules, before any image is fetched; stats ride on the first row."""
        docs = [e for e in extracted if not isinstance(e, dict)]
        results, stats, sampler = self.rules.run_chunk([doc for doc, _ in docs])
        outcome = iter(results)
        rows = []
        for e in extracted:
            if isinstance(e, dict):
                rows.append(e)
                continue
            result = next(outcome)
            scores = scores_of(result)
            if result.kept:
                result.doc.filter_scores = scores
                rows.append(kept_row(result.doc, e[1]))
            else:
                rows.append(rule_drop_row(result, e[1], scores))
        rows[0]["filter_stats"] = json.dumps(stats, sort_keys=True)
        if self.output_dir is not None:
            write_rejects(self.output_dir, f"text-{chunk_stem(rows)}", sampler)
        return rows

    def extract_page(self, page: dict[str, Any]) -> tuple[Document, dict[str, Any]] | dict[str, Any]:
        """A page's document with its fate fields, or the fate row of a page that gave none."""
        prov = Provenance(**page["provenance"])
        fate = {"input_tag": page["input_tag"], "chunk": page["chunk"], "ordinal": page["ordinal"]}
        doc_id = make_doc_id(prov.target_uri, prov.warc_record_id)
        try:
            ex = extract(page["html"], prov.target_uri, self.limits)
        except RecordError as exc:
            return fate_row(doc_id, prov, FAILED, exc.reason, exc.detail, fate)
        except Exception as exc:  # the record boundary: one bad page must not stop a crawl job
            if self.raise_errors:
                raise
            return fate_row(doc_id, prov, FAILED, "extract_error", f"{type(exc).__name__}: {exc}"[:500], fate)
        if not ex.segments:
            return fate_row(doc_id, prov, DROPPED, "empty_document", "no text and no image slot after extraction", fate)
        doc = Document(
            doc_id=doc_id,
            url=prov.target_uri,
            segments=ex.segments,
            provenance=prov,
            title=ex.title,
            html_lang=ex.html_lang,
            dropped_slots=ex.dropped_slots,
            links=ex.links,
        )
        detail = "; ".join(
            flag
            for flag, on in (
                ("html truncated by read.max_html_bytes", page["truncated"]),
                ("html cut by extract.max_html_chars", ex.truncated),
                ("depth capped by extract.max_depth", ex.depth_capped),
            )
            if on
        )
        return doc, {**fate, "detail": detail or None}


def kept_row(doc: Document, fate: dict[str, Any]) -> dict[str, Any]:
    """The row of a kept document: the shard row plus its fate fields."""
    return {**document_to_row(doc), "detail": None, **fate, "outcome": KEPT, "reason": None}


def rule_drop_row(result: DocResult, fate: dict[str, Any], scores: dict[str, Any]) -> dict[str, Any]:
    """The fate row of a document a rule dropped, with every score the rules measured."""
    keep = {k: fate[k] for k in ("input_tag", "chunk", "ordinal", "filter_stats") if k in fate}
    row = fate_row(result.doc.doc_id, result.doc.provenance, DROPPED, f"{result.dropped_by}:{result.verdict.reason}",
                   result.verdict.detail or None, keep)
    row["filter_scores"] = json.dumps(scores, ensure_ascii=False, sort_keys=True)
    return row


def fate_row(
    doc_id: str, prov: Provenance, outcome: str, reason: str, detail: str | None, fate: dict[str, Any]
) -> dict[str, Any]:
    """A row that records a page's fate without its content."""
    return {
        "doc_id": doc_id,
        "url": prov.target_uri,
        "provenance": provenance_to_dict(prov),
        **fate,
        "outcome": outcome,
        "reason": reason,
        "detail": detail,
    }


class WriteStage:
    """Kept documents to shards, every row to the ledger; returns one small result row per group."""

    def __init__(self, cfg: JobConfig, output_dir: str) -> None:
        self.output_dir = Path(output_dir)
        self.formats = tuple(cfg.output.formats)
        self.limits = ShardLimits(max_docs=cfg.output.max_docs_per_shard, max_bytes=cfg.output.max_bytes_per_shard)

    def __call__(self, docs: pa.Table) -> pa.Table:
        results = [self.write_group(rows) for rows in _groups(docs.to_pylist())]
        return pa.Table.from_pylist(results, schema=SHARD_RESULT_SCHEMA)

    def write_group(
        self,
        rows: list[dict[str, Any]],
        kept_docs: list[Document] | None = None,
        slot_statuses: Counter[str] | None = None,
        more_stats: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write one chunk. `kept_docs` are the kept rows as documents when a stage changed them
        after they became rows (the image stage attaches bytes); otherwise they are read from rows."""
        stem = chunk_stem(rows)
        kept = kept_docs if kept_docs is not None else [row_to_document(r) for r in rows if r["outcome"] == KEPT]
        shards = write_documents(kept, self.output_dir, stem, formats=self.formats, limits=self.limits) if kept else []
        # Which shard each kept document landed in, for the ledger (parquet names the document's home).
        home: dict[str, str] = {}
        per_format = [s for s in shards if s.format == self.formats[0]]
        remaining = iter(kept)
        for shard in per_format:
            for _ in range(shard.documents):
                home[next(remaining).doc_id] = shard.path
        images = {d.doc_id: len(d.images) for d in kept}
        outcomes: Counter[str] = Counter()
        ledger = []
        for r in rows:
            outcomes[r["outcome"] if r["outcome"] == KEPT else f"{r['outcome']}:{r['reason']}"] += 1
            ledger.append(
                {
                    "doc_id": r["doc_id"],
                    "url": r["url"],
                    "outcome": r["outcome"],
                    "reason": r["reason"],
                    "detail": r["detail"],
                    "shard": home.get(r["doc_id"]),
                    "images": images.get(r["doc_id"], 0),
                    "provenance": r["provenance"],
                    "filter_scores": r.get("filter_scores"),
                }
            )
        write_parquet_atomic(self.output_dir / LEDGER_DIR / f"{stem}.parquet", pa.Table.from_pylist(ledger, schema=LEDGER_SCHEMA))
        if slot_statuses is not None:
            write_parquet_atomic(
                self.output_dir / IMAGE_LEDGER_DIR / f"{stem}.parquet",
                pa.Table.from_pylist(list(_fetch_ledger(kept)), schema=IMAGE_LEDGER_SCHEMA),
            )
        return {
            "input_tag": rows[0]["input_tag"],
            "pages": len(rows),
            "outcomes": json.dumps(dict(outcomes), sort_keys=True),
            "shards": json.dumps([dataclasses.asdict(s) for s in shards]),
            "image_statuses": json.dumps(dict(sorted((slot_statuses or {}).items()))),
            "filter_stats": json.dumps(_sum_stats([r.get("filter_stats") for r in rows], more_stats), sort_keys=True),
        }


def _sum_stats(blobs: list[str | None], more: dict[str, Any] | None) -> dict[str, Any]:
    total = FilterStats()
    for blob in blobs:
        if blob:
            total = total + FilterStats.from_dict(json.loads(blob))
    if more:
        total = total + FilterStats.from_dict(more)
    return total.to_dict()


def _fetch_ledger(docs: list[Document]) -> Iterator[dict[str, Any]]:
    """One row per image slot of the kept documents, kept or dropped, with how it was fetched."""
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


def write_parquet_atomic(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def chunk_stem(rows: list[dict[str, Any]]) -> str:
    """A chunk's shard stem: its input's tag and the ordinal of its first page."""
    return f"{rows[0]['input_tag']}-p{rows[0]['ordinal']:07d}"


class StageStage:
    """With the image stage on: each chunk's rows and the URLs they need go to `_work/` (see
    pipeline/images/resolve.py), and a small row per chunk comes back."""

    def __init__(self, cfg: JobConfig, output_dir: str) -> None:
        from weft.pipeline.images.resolve import StageDocs

        self.staging = StageDocs(cfg.images, output_dir, DOCUMENT_ROW_SCHEMA)

    def __call__(self, docs: pa.Table) -> pa.Table:
        stems = [self.staging.stage(rows) for rows in _groups(docs.to_pylist())]
        return pa.table({"stem": pa.array(stems, pa.string())})


class FinalizeAndWrite:
    """One chunk's staged rows plus the image rows its URLs joined to: attach, then write."""

    def __init__(self, cfg: JobConfig, output_dir: str) -> None:
        from weft.pipeline.images.resolve import FinalizeChunk, ImageSettings

        self.finalize = FinalizeChunk(ImageSettings.from_config(cfg.images), output_dir)
        self.write = WriteStage(cfg, output_dir)
        self.rules = StageRules(cfg.filters, "image")
        self.output_dir = Path(output_dir)

    def __call__(self, group: pa.Table) -> pa.Table:
        stem = group.column("stem")[0].as_py()
        rows, docs, statuses = self.finalize.attach(self.finalize.load_rows(stem), group.to_pylist())
        stats = None
        if self.rules and docs:
            docs, stats = self.apply_rules(stem, rows, docs)
        return pa.Table.from_pylist([self.write.write_group(rows, docs, statuses, stats)], schema=SHARD_RESULT_SCHEMA)

    def apply_rules(self, stem: str, rows: list[dict[str, Any]], docs: list[Document]) -> tuple[list[Document], dict[str, Any]]:
        """The job's image rules, now that slots have pixels; dropped documents become fate rows."""
        results, stats, sampler = self.rules.run_chunk(docs)
        index = {r["doc_id"]: i for i, r in enumerate(rows)}
        kept_docs = []
        for doc, result in zip(docs, results):
            i = index[doc.doc_id]
            scores = merge_scores(doc.filter_scores, scores_of(result))
            if result.kept:
                # The writer takes kept documents as they are; the row only feeds the ledger.
                result.doc.filter_scores = scores
                rows[i]["filter_scores"] = json.dumps(scores, ensure_ascii=False, sort_keys=True)
                kept_docs.append(result.doc)
            else:
                rows[i] = rule_drop_row(result, rows[i], scores)
        write_rejects(self.output_dir, f"image-{stem}", sampler)
        return kept_docs, stats


def _groups(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Runs of consecutive rows from one chunk of one input file, named by the run's first page
    ordinal, so two runs never share a shard name."""
    current: list[dict[str, Any]] = []
    for row in rows:
        if current and (row["input_tag"], row["chunk"]) != (current[0]["input_tag"], current[0]["chunk"]):
            yield current
            current = []
        current.append(row)
    if current:
        yield current


def write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
