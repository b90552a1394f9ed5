"""Shard writers: documents to size-bounded Parquet and webdataset shards, atomically and reproducibly.

Three promises, because trainers and reruns depend on them:

* Bounded: a shard closes before the next document would take it past `ShardLimits.max_docs`
  documents or `ShardLimits.max_bytes` bytes on disk (a single document larger than
  `max_bytes` gets a shard of its own, since a document is never split).
* Atomic: a shard is written under a temporary name in the output directory and renamed to its
  final name only when complete and synced (`pipeline/layout.py`), so a crash never leaves a
  half shard under a shard name.
  A shard that already has its final name is replaced: only a retried or resumed unit of the same
  job writes that name again, with the same bytes (whether a directory may be written into at all
  is decided before the job starts, `weft.pipeline.layout.claim_output_dir`).
* Reproducible: names come from the caller's stem (`<stem>-<part:05d>.parquet|.tar`) and the
  bytes from the documents alone, so the same documents give byte-identical shards.

`write_documents` rolls all formats together, so `<stem>-00003.parquet` and `<stem>-00003.tar`
always hold the same documents in the same order.
"""

from __future__ import annotations

import io
import re
import tarfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, ClassVar, Iterable, Self, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from weft.jobs.errors import RecordError
from weft.pipeline.layout import commit, temp_path
from weft.schemas.arrow import DOCUMENT_SCHEMA, document_to_row
from weft.schemas.document import Document
from weft.schemas.webdataset import encode_sample, sample_key


@dataclass(frozen=True)
class ShardLimits:
    """When a shard is full: whichever limit the next document would cross first."""

    max_docs: int = 10_000
    """Documents per shard."""
    max_bytes: int = 512 * 1024**2
    """Bytes per shard file on disk."""

    def __post_init__(self) -> None:
        if self.max_docs < 1 or self.max_bytes < 1:
            raise ValueError(f"shard limits must be positive, got {self}")


@dataclass(frozen=True)
class ShardInfo:
    """One finished shard, as the manifest and the ledger record it."""

    path: str
    """The file name, relative to the output directory."""
    format: str
    """`parquet` or `webdataset`."""
    documents: int
    bytes: int
    """Size of the file on disk."""
    images_with_bytes: int
    """Image slots whose bytes the shard holds."""


@dataclass(frozen=True)
class EncodedDocument:
    """A document already turned into one format's payload, with the bytes it will add; encoding
    before deciding where it goes lets `write_documents` roll every format at the same document."""

    doc_id: str
    size: int
    images_with_bytes: int
    payload: Any


class ShardWriter(ABC):
    """Writes documents into consecutive shards `<stem>-00000<suffix>`, `<stem>-00001<suffix>`, ...

    Use as a context manager, or call `close()` (keep the shards) or `abort()` (remove the
    unfinished one) yourself. Not thread-safe: one writer per task.
    """

    format: ClassVar[str]
    suffix: ClassVar[str]

    def __init__(self, out_dir: Path, stem: str, limits: ShardLimits = ShardLimits()) -> None:
        if not stem or stem.startswith((".", "_")) or re.search(r"[/\\\x00]", stem):
            raise ValueError(f"shard stem {stem!r} must be a plain file name not starting with '.' or '_'")
        self.out_dir = Path(out_dir)
        self.stem = stem
        self.limits = limits
        self._part = 0
        self._finished: list[ShardInfo] = []
        self._open = False
        self._closed = False
        self._docs = 0
        self._images_with_bytes = 0
        self._keys: set[str] = set()

    # -- what each format provides ------------------------------------------------------------

    @abstractmethod
    def encode(self, doc: Document) -> EncodedDocument:
        """`doc` as this format's payload; raises `RecordError` for a document the format cannot
        hold, before any state changes, so the caller can drop it and go on."""

    @abstractmethod
    def _start(self, tmp: Path) -> None:
        """Open a new shard file at `tmp`."""

    @abstractmethod
    def _projected_bytes(self, enc: EncodedDocument) -> int:
        """The size the open shard would reach on disk, finished, if `enc` were added."""

    @abstractmethod
    def _append(self, enc: EncodedDocument) -> None:
        """Add `enc` to the open shard."""

    @abstractmethod
    def _finish(self) -> None:
        """Complete and close the open shard file."""

    @abstractmethod
    def _discard(self) -> None:
        """Close the open shard file without completing it."""

    # -- shared rolling, naming and renaming ----------------------------------------------------

    def shard_name(self, part: int) -> str:
        """The final file name of shard number `part`."""
        return f"{self.stem}-{part:05d}{self.suffix}"

    @property
    def _final_path(self) -> Path:
        return self.out_dir / self.shard_name(self._part)

    @property
    def _tmp_path(self) -> Path:
        return temp_path(self._final_path)

    def fits(self, enc: EncodedDocument) -> bool:
        """Whether `enc` can go into the open shard without crossing a limit (always true for an
        empty shard: an oversized document still has to go somewhere)."""
        if not self._open or self._docs == 0:
            return True
        return self._docs + 1 <= self.limits.max_docs and self._projected_bytes(enc) <= self.limits.max_bytes

    def write(self, doc: Document) -> None:
        """Add `doc`, first closing the open shard if `doc` would overflow it."""
        self.write_encoded(self.encode(doc))

    def write_encoded(self, enc: EncodedDocument) -> None:
        """Add an already encoded document (see `encode`)."""
        if self._closed:
            raise ValueError(f"{type(self).__name__} for {self.stem} is closed")
        if not self.fits(enc):
            self.roll()
        if not self._open:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._start(self._tmp_path)
            self._open = True
        if enc.doc_id in self._keys:
            raise ValueError(f"document {enc.doc_id} written twice to {self.shard_name(self._part)}")
        self._append(enc)
        self._keys.add(enc.doc_id)
        self._docs += 1
        self._images_with_bytes += enc.images_with_bytes

    def roll(self) -> None:
        """Finish the open shard (if any) and give it its final name; the next document starts a
        new shard."""
        if not self._open:
            return
        self._finish()
        self._open = False
        final = self._final_path
        commit(self._tmp_path, final, durable=True)
        self._finished.append(
            ShardInfo(
                path=final.name,
                format=self.format,
                documents=self._docs,
                bytes=final.stat().st_size,
                images_with_bytes=self._images_with_bytes,
            )
        )
        self._part += 1
        self._docs = 0
        self._images_with_bytes = 0
        self._keys = set()

    def close(self) -> list[ShardInfo]:
        """Finish the last shard; returns every shard written, in order. No documents, no shards."""
        if not self._closed:
            self.roll()
            self._closed = True
        return list(self._finished)

    def abort(self) -> None:
        """Drop the unfinished shard (its temporary file is removed); finished shards stay."""
        if self._open:
            try:
                self._discard()
            finally:
                self._open = False
                self._tmp_path.unlink(missing_ok=True)
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class ParquetShardWriter(ShardWriter):
    """Parquet shards of `DOCUMENT_SCHEMA` rows.

    Text and metadata columns are zstd-compressed; the image bytes column is stored plain and
    uncompressed, because images are already compressed (zstd would only cost CPU on every read)
    and a dictionary of unique images only wastes a page. Low-cardinality strings (languages,
    charsets, reasons, WARC names) are dictionary-encoded. Statistics are kept for `doc_id` only:
    min/max copies of page text and images would bloat every page header and footer for no
    filter anyone runs. A row group is flushed every `row_group_docs` documents or
    `row_group_bytes` of buffered rows, which bounds the writer's memory and gives readers units
    they can fetch independently.
    """

    format = "parquet"
    suffix = ".parquet"

    DICTIONARY_COLUMNS: ClassVar[tuple[str, ...]] = (
        "html_lang",
        "provenance.warc_file",
        "provenance.http_content_type",
        "provenance.charset",
        "provenance.charset_source",
        "slots.list.element.source_attr",
        "slots.list.element.content_type",
        "dropped_slots.list.element.source_attr",
        "dropped_slots.list.element.reason",
    )
    UNCOMPRESSED_COLUMNS: ClassVar[tuple[str, ...]] = ("image_bytes.list.element",)
    ZSTD_LEVEL: ClassVar[int] = 3
    FOOTER_BYTES: ClassVar[int] = 16 * 1024
    """Room kept for the footer (schema, Arrow schema, per-column-chunk metadata)..."""
    FOOTER_BYTES_PER_ROW_GROUP: ClassVar[int] = 4 * 1024
    """...plus this much per row group, so `max_bytes` bounds the finished file."""

    def __init__(
        self,
        out_dir: Path,
        stem: str,
        limits: ShardLimits = ShardLimits(),
        *,
        row_group_docs: int = 1_000,
        row_group_bytes: int = 32 * 1024**2,
    ) -> None:
        super().__init__(out_dir, stem, limits)
        if row_group_docs < 1 or row_group_bytes < 1:
            raise ValueError("row group limits must be positive")
        self.row_group_docs = row_group_docs
        self.row_group_bytes = row_group_bytes
        self._sink: pa.NativeFile | None = None
        self._writer: pq.ParquetWriter | None = None
        self._rows: list[dict[str, Any]] = []
        self._buffered_bytes = 0
        self._row_groups = 0

    def encode(self, doc: Document) -> EncodedDocument:
        row = document_to_row(doc)
        try:
            _check_int32(doc)
            size = _payload_bytes(row)
        except (UnicodeEncodeError, OverflowError) as exc:
            raise RecordError("unwritable_document", f"{doc.doc_id}: {exc}") from None
        return EncodedDocument(doc.doc_id, size, _images_with_bytes(doc), row)

    def _start(self, tmp: Path) -> None:
        self._sink = pa.OSFile(str(tmp), "wb")
        self._writer = pq.ParquetWriter(
            self._sink,
            DOCUMENT_SCHEMA,
            compression={c: ("none" if c in self.UNCOMPRESSED_COLUMNS else "zstd") for c in _LEAF_COLUMNS},
            compression_level={c: self.ZSTD_LEVEL for c in _LEAF_COLUMNS if c not in self.UNCOMPRESSED_COLUMNS},
            use_dictionary=list(self.DICTIONARY_COLUMNS),
            write_statistics=["doc_id"],
        )
        self._row_groups = 0

    def _projected_bytes(self, enc: EncodedDocument) -> int:
        assert self._sink is not None
        footer = self.FOOTER_BYTES + self.FOOTER_BYTES_PER_ROW_GROUP * (self._row_groups + 1)
        return self._sink.tell() + self._buffered_bytes + enc.size + footer

    def _append(self, enc: EncodedDocument) -> None:
        self._rows.append(enc.payload)
        self._buffered_bytes += enc.size
        if len(self._rows) >= self.row_group_docs or self._buffered_bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        assert self._writer is not None
        table = pa.Table.from_pylist(self._rows, schema=DOCUMENT_SCHEMA)
        self._writer.write_table(table, row_group_size=len(self._rows))
        self._rows = []
        self._buffered_bytes = 0
        self._row_groups += 1

    def _finish(self) -> None:
        assert self._writer is not None and self._sink is not None
        self._flush()
        self._writer.close()
        self._sink.close()
        self._writer = self._sink = None

    def _discard(self) -> None:
        self._rows = []
        self._buffered_bytes = 0
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            if self._sink is not None:
                self._sink.close()
            self._writer = self._sink = None


class WebdatasetShardWriter(ShardWriter):
    """Plain (uncompressed) tar shards, one sample per document (layout: `schemas/webdataset.py`).

    Members get fixed metadata (mtime 0, uid/gid 0, empty user/group names, mode 0644) in the
    POSIX ustar format, so identical documents give identical bytes and every tar tool reads them.
    webdataset's own `TarWriter` is not used: it orders fields alphabetically (images before the
    JSON) and stamps the current time unless told otherwise, and we need the exact member sizes
    up front to bound the shard anyway.
    """

    format = "webdataset"
    suffix = ".tar"

    def __init__(self, out_dir: Path, stem: str, limits: ShardLimits = ShardLimits()) -> None:
        super().__init__(out_dir, stem, limits)
        self._file: BinaryIO | None = None
        self._tar: tarfile.TarFile | None = None
        self._members_bytes = 0

    def encode(self, doc: Document) -> EncodedDocument:
        key = sample_key(doc)
        try:
            fields = encode_sample(doc)
        except UnicodeEncodeError as exc:
            raise RecordError("unwritable_document", f"{doc.doc_id}: {exc}") from None
        members = [(f"{key}.{name}", data) for name, data in fields.items()]
        size = sum(_tar_member_bytes(len(data)) for _, data in members)
        return EncodedDocument(doc.doc_id, size, _images_with_bytes(doc), members)

    def _start(self, tmp: Path) -> None:
        self._file = open(tmp, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w", format=tarfile.USTAR_FORMAT)
        self._members_bytes = 0

    def _projected_bytes(self, enc: EncodedDocument) -> int:
        return _tar_file_bytes(self._members_bytes + enc.size)

    def _append(self, enc: EncodedDocument) -> None:
        assert self._tar is not None
        for name, data in enc.payload:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            self._tar.addfile(info, io.BytesIO(data))
        self._members_bytes += enc.size

    def _finish(self) -> None:
        assert self._tar is not None and self._file is not None
        self._tar.close()
        self._file.close()
        self._tar = self._file = None

    def _discard(self) -> None:
        try:
            if self._tar is not None:
                self._tar.close()
        finally:
            if self._file is not None:
                self._file.close()
            self._tar = self._file = None


WRITERS: dict[str, type[ShardWriter]] = {
    ParquetShardWriter.format: ParquetShardWriter,
    WebdatasetShardWriter.format: WebdatasetShardWriter,
}
"""Format name (as job specs spell it) -> writer class."""


def write_documents(
    docs: Iterable[Document],
    out_dir: Path,
    stem: str,
    formats: Sequence[str] = ("parquet", "webdataset"),
    limits: ShardLimits = ShardLimits(),
) -> list[ShardInfo]:
    """Write `docs` to shards of every format in `formats`; returns the shards, format by format
    in the order given, each format's shards in part order.

    All formats roll at the same document (when any of them would cross a limit), so shard part
    N holds the same documents in every format. On any error, the unfinished shards are removed
    and the error propagates; shards already finished keep their final names. A `RecordError`
    for one document (text Arrow cannot hold, say) is raised before that document touches any
    shard, so a caller that wants to skip such documents can filter them out and call again.
    """
    if not formats:
        raise ValueError("write_documents needs at least one format")
    unknown = [f for f in formats if f not in WRITERS]
    if unknown or len(set(formats)) != len(formats):
        raise ValueError(f"formats {list(formats)} must be distinct names from {sorted(WRITERS)}")
    writers = [WRITERS[f](Path(out_dir), stem, limits) for f in formats]
    try:
        for doc in docs:
            encoded = [w.encode(doc) for w in writers]
            if not all(w.fits(e) for w, e in zip(writers, encoded)):
                for w in writers:
                    w.roll()
            for w, e in zip(writers, encoded):
                w.write_encoded(e)
        return [info for w in writers for info in w.close()]
    except BaseException:
        for w in writers:
            w.abort()
        raise


def _payload_bytes(value: Any) -> int:
    """An upper estimate of the bytes a row takes in an uncompressed Parquet page: every string or
    binary value counts its UTF-8 length plus a 4-byte length prefix and a byte of levels; every
    null or number, 9 bytes. Encoding the strings here also rejects text Arrow cannot store (lone
    surrogates) before the row reaches a writer."""
    if value is None:
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8")) + 5
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value) + 5
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise OverflowError(f"integer {value} does not fit in 64 bits")
        return 9
    if isinstance(value, float):
        return 9
    if isinstance(value, dict):
        return sum(_payload_bytes(v) for v in value.values())
    if isinstance(value, list):
        if value and type(value[0]) is int:
            # A list of integers (a MinHash signature: 128 of them) in two C-level passes, not a
            # call per value; mixed lists fall through to the general case.
            try:
                low, high = min(value), max(value)
            except TypeError:
                low = high = None
            if type(low) is int and type(high) is int and -(2**63) <= low and high < 2**63:
                return 1 + 9 * len(value)
        return 1 + sum(_payload_bytes(v) for v in value)
    raise TypeError(f"unexpected {type(value).__name__} in a document row")


_INT32 = range(-(2**31), 2**31)


def _check_int32(doc: Document) -> None:
    """The int32 columns are checked here because Arrow would only fail when the whole row group
    is converted, taking the other documents of the group with it."""
    for slot in doc.images:
        for value in (slot.declared_width, slot.declared_height):
            if value is not None and value not in _INT32:
                raise OverflowError(f"declared size {value} does not fit the int32 column")
    for dropped in doc.dropped_slots:
        if dropped.position not in _INT32:
            raise OverflowError(f"dropped slot position {dropped.position} does not fit the int32 column")


def _images_with_bytes(doc: Document) -> int:
    return sum(1 for slot in doc.images if slot.content is not None)


_TAR_BLOCK = tarfile.BLOCKSIZE


def _tar_member_bytes(size: int) -> int:
    """A ustar member: a 512-byte header, then the data padded to whole blocks."""
    return _TAR_BLOCK + -(-size // _TAR_BLOCK) * _TAR_BLOCK


def _tar_file_bytes(members_bytes: int) -> int:
    """A finished tar: the members, two zero blocks, padded to a whole record (as `tarfile` does)."""
    total = members_bytes + 2 * _TAR_BLOCK
    return -(-total // tarfile.RECORDSIZE) * tarfile.RECORDSIZE


def _leaf_columns(schema: pa.Schema) -> list[str]:
    """Parquet column paths of every leaf (`slots.list.element.url`, ...), for per-column options."""

    def walk(prefix: str, dtype: pa.DataType) -> list[str]:
        if pa.types.is_struct(dtype):
            return [p for f in dtype for p in walk(f"{prefix}.{f.name}", f.type)]
        if pa.types.is_list(dtype):
            return walk(f"{prefix}.list.element", dtype.value_type)
        return [prefix]

    return [p for f in schema for p in walk(f.name, f.type)]


_LEAF_COLUMNS = _leaf_columns(DOCUMENT_SCHEMA)
