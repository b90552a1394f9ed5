"""Reading weft shards back as `Document`s, for trainers and tests.

Depends on pyarrow and the standard library only (tar shards are read with `tarfile`), so a
training job can vendor `schemas/` without the rest of weft. Files are streamed: memory holds one
Parquet batch or one tar sample at a time, whatever the shard size.

`iter_documents` reads local shards in order; `schemas/stream.py` builds on `parquet_documents`
and `tar_documents` here to read any filesystem, split among ranks and workers, shuffled and
resumable.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import IO, Iterator, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from weft.schemas.arrow import (
    DOCUMENT_SCHEMA,
    OBELICS_COLUMNS,
    SCHEMA_VERSION_KEY,
    check_schema_version,
    row_to_document,
)
from weft.schemas.document import Document
from weft.schemas.webdataset import IMAGE_FIELD_PATTERN, decode_sample

ShardFormat = Literal["parquet", "webdataset"]

SUFFIXES: dict[str, str] = {".parquet": "parquet", ".tar": "webdataset"}
"""Shard file suffix -> format name (the names `write_documents` and job specs use)."""

_DERIVED_COLUMNS = {"images", "metadata", "general_metadata"}
"""Columns `row_to_document` does not need: they repeat what the typed columns hold."""

_BATCH_ROWS = 64
"""Parquet rows decoded at a time; documents with image bytes can be megabytes each."""


def iter_documents(
    path: str | Path, *, format: ShardFormat | None = None, with_image_bytes: bool = True
) -> Iterator[Document]:
    """Every document in a `.parquet` shard, a `.tar` shard, or a directory of shards.

    A directory is read shard by shard in name order, skipping names that start with `_` or `.`
    (the manifest, ledgers, unfinished temporary shards). weft writes each document to every
    format the job asks for, so when a directory holds both Parquet and tar shards only one copy
    is read: `format`, or Parquet when `format` is None (it reads faster and carries the same
    documents). `with_image_bytes=False` skips the image bytes (slots keep their URLs), which is
    much faster for text-only uses.
    """
    for shard in list_shards(path, format=format):
        if SUFFIXES[shard.suffix] == "parquet":
            yield from _iter_parquet(shard, with_image_bytes)
        else:
            yield from _iter_tar(shard, with_image_bytes)


def list_shards(path: str | Path, *, format: ShardFormat | None = None) -> list[Path]:
    """The shard files `iter_documents` would read, in order (e.g. to hand to `wds.WebDataset`):
    those of `format`, or of the one format present, or the Parquet shards when both are."""
    p = Path(path)
    if p.is_file():
        if p.suffix not in SUFFIXES:
            raise ValueError(f"{p}: not a shard (expected a .parquet or .tar file)")
        if format is not None and SUFFIXES[p.suffix] != format:
            raise ValueError(f"{p}: is a {SUFFIXES[p.suffix]} shard, not {format}")
        return [p]
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: no such shard or directory")
    if format is not None and format not in SUFFIXES.values():
        raise ValueError(f"unknown shard format {format!r} (expected one of {sorted(SUFFIXES.values())})")
    shards = sorted(
        child
        for child in p.iterdir()
        if child.suffix in SUFFIXES and not child.name.startswith(("_", ".")) and child.is_file()
    )
    if format is None:
        present = {SUFFIXES[s.suffix] for s in shards}
        format = "parquet" if "parquet" in present else "webdataset"
    return [s for s in shards if SUFFIXES[s.suffix] == format]


def read_obelics_table(path: str | Path) -> pa.Table:
    """Only the OBELICS columns (`images`, `metadata`, `general_metadata`, `texts`) of a Parquet
    shard or a directory's Parquet shards, for code written against the OBELICS dataset. Loads
    everything into memory; use `pyarrow.dataset` or `datasets` for corpora that do not fit."""
    tables = []
    for shard in list_shards(path, format="parquet"):
        _check_parquet_version(pq.ParquetFile(shard), shard)
        tables.append(pq.read_table(shard, columns=list(OBELICS_COLUMNS)))
    if not tables:
        return pa.schema([DOCUMENT_SCHEMA.field(c) for c in OBELICS_COLUMNS]).empty_table()
    return pa.concat_tables(tables)


def _check_parquet_version(pf: pq.ParquetFile, shard: Path | str) -> None:
    metadata = pf.schema_arrow.metadata or {}
    declared = metadata.get(SCHEMA_VERSION_KEY.encode())
    check_schema_version(declared.decode("utf-8") if declared is not None else None, what=str(shard))


def _iter_parquet(shard: Path, with_image_bytes: bool) -> Iterator[Document]:
    with pq.ParquetFile(shard) as pf:
        for _, doc in parquet_documents(pf, str(shard), with_image_bytes=with_image_bytes):
            yield doc


def _iter_tar(shard: Path, with_image_bytes: bool) -> Iterator[Document]:
    with open(shard, "rb") as fh:
        for _, doc in tar_documents(fh, str(shard), with_image_bytes=with_image_bytes):
            yield doc


def parquet_documents(
    pf: pq.ParquetFile, label: str, *, with_image_bytes: bool = True, rows: range | None = None
) -> Iterator[tuple[int, Document]]:
    """`(row, document)` for the rows of an open Parquet shard that fall in `rows` (all when None;
    a step other than 1 is allowed but reads every row group the range touches).

    Row groups entirely outside `rows` are never fetched, which is what lets several readers share
    one remote shard (or a reader resume in the middle of one) without reading it whole. `label`
    names the shard in errors.
    """
    _check_parquet_version(pf, label)
    present = set(pf.schema_arrow.names)
    wanted = [name for name in DOCUMENT_SCHEMA.names if name not in _DERIVED_COLUMNS]
    if not with_image_bytes:
        wanted.remove("image_bytes")
    missing = [name for name in wanted if name not in present and name != "image_bytes"]
    if missing:
        raise ValueError(f"{label}: missing columns {missing}")
    columns = [name for name in wanted if name in present]
    total = pf.metadata.num_rows
    rows = range(total) if rows is None else range(rows.start, min(rows.stop, total), rows.step)
    if not rows:
        return
    group_start = 0
    for group in range(pf.metadata.num_row_groups):
        group_end = group_start + pf.metadata.row_group(group).num_rows
        in_group = _within(rows, group_start, group_end)
        if in_group:
            batch_start = group_start
            for batch in pf.iter_batches(batch_size=_BATCH_ROWS, columns=columns, row_groups=[group]):
                batch_end = batch_start + batch.num_rows
                in_batch = _within(in_group, batch_start, batch_end)
                if len(in_batch) < batch.num_rows:
                    batch = batch.take([r - batch_start for r in in_batch])
                for r, values in zip(in_batch, batch.to_pylist()):
                    yield r, row_to_document(values)
                batch_start = batch_end
                if batch_start > in_group[-1]:
                    break
        group_start = group_end
        if group_start > rows[-1]:
            break


def _within(rows: range, start: int, stop: int) -> range:
    """The elements of `rows` (an increasing range) in [start, stop)."""
    def first_at_or_after(value: int) -> int:
        return 0 if value <= rows.start else min(len(rows), -(-(value - rows.start) // rows.step))

    return rows[first_at_or_after(start) : first_at_or_after(stop)]


def tar_documents(
    fileobj: IO[bytes], label: str, *, with_image_bytes: bool = True, rows: range | None = None
) -> Iterator[tuple[int, Document]]:
    """`(row, document)` for the samples of a tar stream whose index (0-based, in member order)
    falls in `rows` (all when None).

    Samples are runs of consecutive members sharing a key (the name up to the first dot of its
    base name), the rule webdataset uses, so both readers see the same samples. A tar has no
    index, so the members of samples outside `rows` still stream past, but they are neither
    copied nor parsed. `label` names the shard in errors.
    """
    if rows is not None and rows.step <= 0:
        raise ValueError(f"rows must be increasing, got {rows}")
    with tarfile.open(fileobj=fileobj, mode="r|") as tar:
        key: str | None = None
        fields: dict[str, bytes] = {}
        index = -1
        keep = False
        for member in tar:
            if not member.isreg():
                continue
            directory, _, base = member.name.rpartition("/")
            stem, dot, field = base.partition(".")
            if not dot or not stem:
                raise ValueError(f"{label}: member {member.name!r} has no <key>.<field> name")
            member_key = f"{directory}/{stem}" if directory else stem
            if member_key != key:
                if keep and fields:
                    yield index, decode_sample({"__key__": key, **fields})
                index += 1
                key, fields = member_key, {}
                keep = rows is None or index in rows
                if rows is not None and index >= rows.stop:
                    return
            if not keep:
                continue
            if field in fields:
                raise ValueError(f"{label}: duplicate member {member.name!r}")
            if not with_image_bytes and IMAGE_FIELD_PATTERN.fullmatch(field):
                continue
            handle = tar.extractfile(member)
            assert handle is not None  # a regular file always has content
            fields[field] = handle.read()
        if keep and fields:
            yield index, decode_sample({"__key__": key, **fields})
