"""Reading weft shards back as `Document`s, for trainers and tests.

Depends on pyarrow and the standard library only (tar shards are read with `tarfile`), so a
training job can vendor `schemas/` without the rest of weft. Files are streamed: memory holds one
Parquet batch or one tar sample at a time, whatever the shard size.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Iterator, Literal

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


def _check_parquet_version(pf: pq.ParquetFile, shard: Path) -> None:
    metadata = pf.schema_arrow.metadata or {}
    declared = metadata.get(SCHEMA_VERSION_KEY.encode())
    check_schema_version(declared.decode("utf-8") if declared is not None else None, what=str(shard))


def _iter_parquet(shard: Path, with_image_bytes: bool) -> Iterator[Document]:
    with pq.ParquetFile(shard) as pf:
        _check_parquet_version(pf, shard)
        present = set(pf.schema_arrow.names)
        wanted = [name for name in DOCUMENT_SCHEMA.names if name not in _DERIVED_COLUMNS]
        if not with_image_bytes:
            wanted.remove("image_bytes")
        missing = [name for name in wanted if name not in present and name != "image_bytes"]
        if missing:
            raise ValueError(f"{shard}: missing columns {missing}")
        columns = [name for name in wanted if name in present]
        for batch in pf.iter_batches(batch_size=_BATCH_ROWS, columns=columns):
            for row in batch.to_pylist():
                yield row_to_document(row)


def _iter_tar(shard: Path, with_image_bytes: bool) -> Iterator[Document]:
    """Samples are runs of consecutive members sharing a key (the name up to the first dot of its
    base name), the rule webdataset uses, so both readers see the same samples."""
    with tarfile.open(shard, mode="r|") as tar:
        key: str | None = None
        fields: dict[str, bytes] = {}
        for member in tar:
            if not member.isreg():
                continue
            directory, _, base = member.name.rpartition("/")
            stem, dot, field = base.partition(".")
            if not dot or not stem:
                raise ValueError(f"{shard}: member {member.name!r} has no <key>.<field> name")
            member_key = f"{directory}/{stem}" if directory else stem
            if member_key != key:
                if fields:
                    yield decode_sample({"__key__": key, **fields})
                key, fields = member_key, {}
            if field in fields:
                raise ValueError(f"{shard}: duplicate member {member.name!r}")
            if not with_image_bytes and IMAGE_FIELD_PATTERN.fullmatch(field):
                continue
            handle = tar.extractfile(member)
            assert handle is not None  # a regular file always has content
            fields[field] = handle.read()
        if fields:
            yield decode_sample({"__key__": key, **fields})
