"""Read one WARC or ARC file with warcio: HTML pages and archived images out, every record counted.

`read_archive` streams one input record by record (never the whole file, never a payload beyond
its cap) and yields a `Page` for every HTTP-200 HTML response and an `ArchiveImage` for every
image record, so the image stage can take pixels from the archive instead of the network. Every
record gets exactly one outcome in `ReadStats.outcomes`, so the manifest can show that nothing
vanished (`sum(outcomes) == sum(records_by_type)`, also for damaged files):

=============================  ==============================================================
outcome                        meaning
=============================  ==============================================================
`page`                         HTTP 200 `text/html` / `application/xhtml+xml` response
`archive_image`                HTTP 200 `image/*` response, or `resource` record of `image/*`
`skipped_<type>`               `warcinfo` (also an ARC's filedesc header), `request`,
                               `metadata`, `revisit`, `conversion`, `continuation`, and
                               `resource` records that are not images; `unknown_type` for a
                               WARC-Type weft does not know
`skipped_not_http`             a response without HTTP headers (`dns:`, `whois:`, ...)
`skipped_empty_payload`        nothing after the HTTP headers
`skipped_http_status`          HTTP status other than 200 (redirects, errors, 206, ...)
`skipped_no_content_type`      neither HTTP Content-Type nor WARC-Identified-Payload-Type
`skipped_not_html`             HTTP 200 of another type (css, js, pdf, ...)
`skipped_image_not_indexed`    an image record while `ReadOptions.index_images` is off
`skipped_image_too_large`      an image payload over `max_image_bytes` (a cut image is useless)
`skipped_unsupported_encoding` a Content-Encoding warcio cannot undo (e.g. `br` without brotli)
`failed_content_decoding`      the Content-Encoding (gzip/deflate) could not be undone
`failed_file_damaged`          the file ends (or breaks) inside this record; see `file_errors`
`failed_read_error`            an I/O, HTTP or decompression error while reading this record
=============================  ==============================================================

The HTTP Content-Type decides what a response is. Only when it is absent or empty does weft use
Common Crawl's `WARC-Identified-Payload-Type` (content sniffed by the crawler), because a
declared type is what browsers act on, while sniffing is what rescues a header-less response.

HTML payloads longer than `max_html_bytes` are cut at the cap and still yielded, with
`truncated=True` and a `page_cut_at_cap` note, the same way Common Crawl's own 1 MiB truncation
(`WARC-Truncated`) is treated: the start of a page carries most of its text and images, and a
filter downstream can drop truncated pages if a job wants only whole ones.

A damaged file (truncated gzip, Content-Length beyond the end of the data, garbage between
records, a stream that breaks) is a *file* error, not an exception: the records before the damage
are yielded, the record the damage hits is counted under its type with a `failed_*` outcome, the
error goes to `stats.file_errors`, and the generator ends normally. Damage inside a record's
header block (no type known yet) is only a file error, since no record could be counted.
"""

from __future__ import annotations

import http.client
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from weft.pipeline.read.charset import decode_html, split_content_type
from weft.jobs.errors import FileError, RecordError, UserError
from weft.pipeline.read.inputs import open_input
from weft.schemas.document import Provenance

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# warcio, zlib, socket and HTTP failures that mean "this file cannot be read further".
_READ_ERRORS: tuple[type[BaseException], ...] = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    ChunkedDataException,
    zlib.error,
    EOFError,
    OSError,
    http.client.HTTPException,
)

_SKIPPED_TYPES = frozenset({"warcinfo", "request", "metadata", "revisit", "conversion", "continuation"})
_IDENTITY_ENCODINGS = frozenset({"", "identity", "none"})


@dataclass(frozen=True)
class ReadOptions:
    """How one archive is read; see the module docstring for what the caps do."""

    max_html_bytes: int = 5_000_000
    """HTML payloads are read up to this many bytes; longer ones are cut and flagged truncated."""
    max_image_bytes: int = 20_000_000
    """Image payloads longer than this are skipped (`skipped_image_too_large`), never read whole."""
    index_images: bool = True
    """Yield `ArchiveImage`s for image records (else they are `skipped_image_not_indexed`)."""
    timeout: float = 60.0
    """Socket timeout in seconds for http(s) inputs."""
    retries: int = 3
    """Retries for http(s) inputs before the first byte (see `weft.pipeline.read.inputs.open_input`)."""

    def __post_init__(self) -> None:
        if self.max_html_bytes <= 0 or self.max_image_bytes <= 0:
            raise UserError("read caps max_html_bytes and max_image_bytes must be positive")
        if self.timeout <= 0:
            raise UserError(f"read timeout must be positive (got {self.timeout})")
        if self.retries < 0:
            raise UserError(f"read retries must not be negative (got {self.retries})")


@dataclass(slots=True)
class Page:
    """One HTML response, decoded, with what is needed to find its record again."""

    html: str
    provenance: Provenance
    payload_bytes: int
    """Payload bytes decoded into `html` (after Content-Encoding; at most `max_html_bytes`)."""
    truncated: bool
    """The crawler truncated the record (`WARC-Truncated`) or weft cut it at `max_html_bytes`."""


@dataclass(slots=True)
class ArchiveImage:
    """An image record of the archive, so an `<img>` pointing at `url` can use these bytes."""

    url: str
    content_type: str
    """MIME type, lower-case, without parameters (`image/jpeg`)."""
    payload: bytes
    warc_file: str
    offset: int
    length: int
    record_id: str
    warc_date: str
    truncated: bool
    """`WARC-Truncated` was set: the bytes may not decode to a whole image."""


@dataclass
class ReadStats:
    """What reading did, per record; addable across files and tasks, JSON-safe via `to_dict`."""

    files: int = 0
    records_by_type: Counter[str] = field(default_factory=Counter)
    """Records seen per WARC-Type; ARC records count as `arc-filedesc` / `arc-response`."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Exactly one per record counted in `records_by_type` (table in the module docstring)."""
    file_errors: list[dict[str, Any]] = field(default_factory=list)
    """`{"file": uri, "error": one line, "records_before": complete records before it}`."""
    bytes_read: int = 0
    """Bytes read from the inputs as stored (compressed for `.gz`)."""
    notes: Counter[str] = field(default_factory=Counter)
    """Facts that do not change an outcome: `page_cut_at_cap`, `page_truncated_in_warc`,
    `image_truncated_in_warc`, `identified_payload_type_used`, `charset_<source>`,
    `content_length_mismatch` (warcio found a record not followed by its blank lines)."""

    @property
    def balanced(self) -> bool:
        """Every record has exactly one outcome (the reader's bookkeeping invariant)."""
        return sum(self.outcomes.values()) == sum(self.records_by_type.values())

    def __add__(self, other: ReadStats) -> ReadStats:
        if not isinstance(other, ReadStats):
            return NotImplemented
        return ReadStats(
            files=self.files + other.files,
            records_by_type=self.records_by_type + other.records_by_type,
            outcomes=self.outcomes + other.outcomes,
            file_errors=[*self.file_errors, *other.file_errors],
            bytes_read=self.bytes_read + other.bytes_read,
            notes=self.notes + other.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records_by_type": dict(sorted(self.records_by_type.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "file_errors": [dict(error) for error in self.file_errors],
            "bytes_read": self.bytes_read,
            "notes": dict(sorted(self.notes.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadStats:
        """The inverse of `to_dict`; other keys (a caller may store its own next to these) are
        ignored."""
        return cls(
            files=int(data.get("files", 0)),
            records_by_type=Counter({str(k): int(v) for k, v in data.get("records_by_type", {}).items()}),
            outcomes=Counter({str(k): int(v) for k, v in data.get("outcomes", {}).items()}),
            file_errors=[dict(error) for error in data.get("file_errors", [])],
            bytes_read=int(data.get("bytes_read", 0)),
            notes=Counter({str(k): int(v) for k, v in data.get("notes", {}).items()}),
        )


def read_archive(uri: str, options: ReadOptions, stats: ReadStats) -> Iterator[Page | ArchiveImage]:
    """Yield the pages and archived images of one WARC/ARC input, updating `stats` as it goes.

    `stats` is updated before each item is yielded, so it is balanced even when the caller stops
    early. Never raises for a missing, unreadable or damaged input: that is a file error in
    `stats.file_errors`, after the records before the damage have been yielded.
    """
    stats.files += 1
    try:
        raw = open_input(uri, timeout=options.timeout, retries=options.retries)
    except FileError as error:
        stats.file_errors.append({"file": uri, "error": error.message, "records_before": 0})
        return
    reader = _CountingReader(raw)
    try:
        yield from _read_records(uri, reader, options, stats)
    finally:
        stats.bytes_read += reader.count
        raw.close()


class _CountingReader:
    """Counts the bytes warcio reads (its `tell()` gives record offsets in the stored file, also
    for an http stream that cannot tell) and keeps the first block to tell ARC from WARC."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0
        self.head = b""
        self.missing_at_end = 0
        """Bytes an http response still owed when it ended: http.client returns b"" rather than
        raising when a server closes early, so without this a stream cut at a record boundary
        would pass for a complete file."""

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not data and size:
            self.missing_at_end = getattr(self.raw, "length", None) or 0
        if not self.count:
            self.head = data[:4096]
        self.count += len(data)
        return data

    def tell(self) -> int:
        return self.count


@dataclass(slots=True)
class _Wanted:
    """A record worth keeping, read (up to its cap) but not yet placed in the file."""

    kind: str  # "page" or "archive_image"
    payload: bytes
    mime: str
    charset: str | None
    truncated: bool


def _read_records(
    uri: str, reader: _CountingReader, options: ReadOptions, stats: ReadStats
) -> Iterator[Page | ArchiveImage]:
    iterator = ArchiveIterator(reader, arc2warc=True)
    records = iter(iterator)
    complete = 0
    is_arc: bool | None = None
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except _READ_ERRORS as error:
            _file_error(stats, uri, f"unreadable record{_at(iterator.offset)}: {_one_line(error)}", complete)
            return
        if is_arc is None:
            is_arc = _looks_like_arc(reader.head)
        declared = record.rec_headers.get_header("Content-Length") or ""
        if not declared.strip().isdigit():
            # warcio reads such a record as empty and then parses its content as the next header;
            # it is also what junk that happens to split into five ARC fields looks like.
            _file_error(
                stats,
                uri,
                f"invalid record header{_at(iterator.offset)}: Content-Length {declared[:40]!r} is not a number "
                "(not a WARC/ARC file, or corrupt)",
                complete,
            )
            return
        stats.records_by_type[_type_key(record, is_arc)] += 1

        warnings_before = iterator.err_count
        try:
            try:
                outcome, wanted = _classify(record, options, stats)
            except RecordError as error:
                outcome, wanted = f"failed_{error.reason}", None
            offset = iterator.get_record_offset()  # reads the rest of the record first
            length = iterator.get_record_length()
        except _READ_ERRORS as error:
            stats.outcomes["failed_read_error"] += 1
            _file_error(stats, uri, f"read error in record{_at(iterator.offset)}: {_one_line(error)}", complete)
            return
        _note(stats, "content_length_mismatch", iterator.err_count - warnings_before)

        missing = getattr(record.raw_stream, "limit", 0)
        if missing > 0:
            stats.outcomes["failed_file_damaged"] += 1
            _file_error(
                stats,
                uri,
                f"data ends {missing} bytes short of the {record.length}-byte {record.rec_type} record at offset "
                f"{offset} (file truncated or corrupt)",
                complete,
            )
            return

        stats.outcomes[outcome] += 1
        complete += 1
        if wanted is not None:
            yield _build(uri, record, wanted, offset, length, is_arc, stats)

    try:
        leftover = reader.count - iterator.offset + len(reader.read(1))
    except _READ_ERRORS as error:
        _file_error(stats, uri, f"read error after the last record: {_one_line(error)}", complete)
        return
    if reader.missing_at_end:
        message = f"connection closed after {reader.count} bytes, {reader.missing_at_end} bytes short of the file"
        _file_error(stats, uri, message, complete)
    elif leftover > 0:
        message = f"bytes after offset {iterator.offset} could not be read as records (corrupt gzip or junk)"
        _file_error(stats, uri, message, complete)


def _classify(record: ArcWarcRecord, options: ReadOptions, stats: ReadStats) -> tuple[str, _Wanted | None]:
    """The outcome of one record, and its payload when it is a page or an image to yield."""
    rec_type = (record.rec_type or "").lower()
    if rec_type in _SKIPPED_TYPES:
        return f"skipped_{rec_type}", None
    if rec_type == "resource":
        mime = split_content_type(record.content_type)[0]
        if not mime.startswith("image/"):
            return "skipped_resource", None
        return _image(record, record.raw_stream, mime, options)
    if rec_type != "response":
        return "skipped_unknown_type", None
    if record.http_headers is None:
        return ("skipped_empty_payload" if record.length == 0 else "skipped_not_http"), None
    if record.http_headers.get_statuscode() != "200":
        return "skipped_http_status", None

    mime, charset = split_content_type(record.http_headers.get_header("Content-Type"))
    if not mime:
        mime = split_content_type(record.rec_headers.get_header("WARC-Identified-Payload-Type"))[0]
        if not mime:
            return "skipped_no_content_type", None
        stats.notes["identified_payload_type_used"] += 1
    is_html = mime in HTML_TYPES
    if not is_html and not mime.startswith("image/"):
        return "skipped_not_html", None
    if not is_html and not options.index_images:
        return "skipped_image_not_indexed", None

    encoding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower()
    if encoding not in _IDENTITY_ENCODINGS and encoding not in BufferedReader.get_supported_decompressors():
        return "skipped_unsupported_encoding", None
    stream = record.content_stream()
    if not is_html:
        return _image(record, stream, mime, options, encoded=encoding not in _IDENTITY_ENCODINGS)

    data = stream.read(options.max_html_bytes + 1)
    cut = len(data) > options.max_html_bytes
    if not data:
        if encoding not in _IDENTITY_ENCODINGS and record.payload_length > 0:
            raise RecordError("content_decoding", f"{encoding} payload decoded to nothing")
        return "skipped_empty_payload", None
    in_warc = record.rec_headers.get_header("WARC-Truncated") is not None
    _note(stats, "page_cut_at_cap", cut)
    _note(stats, "page_truncated_in_warc", in_warc)
    return "page", _Wanted("page", data[: options.max_html_bytes], mime, charset, cut or in_warc)


def _image(
    record: ArcWarcRecord, stream: Any, mime: str, options: ReadOptions, *, encoded: bool = False
) -> tuple[str, _Wanted | None]:
    if not options.index_images:
        return "skipped_image_not_indexed", None
    cap = options.max_image_bytes
    known_size = record.payload_length if record.http_headers is not None else record.length
    if not encoded and known_size is not None and known_size > cap:
        return "skipped_image_too_large", None  # known from the lengths: not even read
    data = stream.read(cap + 1)
    if len(data) > cap:
        return "skipped_image_too_large", None
    if not data:
        return "skipped_empty_payload", None
    truncated = record.rec_headers.get_header("WARC-Truncated") is not None
    return "archive_image", _Wanted("archive_image", data, mime, None, truncated)


def _build(
    uri: str, record: ArcWarcRecord, wanted: _Wanted, offset: int, length: int, is_arc: bool, stats: ReadStats
) -> Page | ArchiveImage:
    headers = record.rec_headers
    # ARC records have no id of their own. The file's base name plus the offset is unique within a
    # job (and stable when the file moves), so two ARC files never give two pages the same doc_id.
    name = _file_name(uri)
    record_id = f"<arc:{name}:{offset}>" if is_arc else (headers.get_header("WARC-Record-ID") or f"<offset:{name}:{offset}>")
    target = headers.get_header("WARC-Target-URI") or ""
    date = headers.get_header("WARC-Date") or ""
    if wanted.kind == "archive_image":
        _note(stats, "image_truncated_in_warc", wanted.truncated)
        return ArchiveImage(
            url=target,
            content_type=wanted.mime,
            payload=wanted.payload,
            warc_file=uri,
            offset=offset,
            length=length,
            record_id=record_id,
            warc_date=date,
            truncated=wanted.truncated,
        )
    html, codec, source = decode_html(wanted.payload, wanted.charset)
    stats.notes[f"charset_{source}"] += 1
    provenance = Provenance(
        warc_file=uri,
        warc_record_offset=offset,
        warc_record_length=length,
        warc_record_id=record_id,
        warc_date=date,
        target_uri=target,
        http_content_type=wanted.mime,
        charset=codec,
        charset_source=source,
    )
    return Page(html=html, provenance=provenance, payload_bytes=len(wanted.payload), truncated=wanted.truncated)


def _file_name(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _type_key(record: ArcWarcRecord, is_arc: bool) -> str:
    rec_type = (record.rec_type or "unknown").lower()
    if is_arc:
        return "arc-filedesc" if rec_type == "warcinfo" else f"arc-{rec_type}"
    return rec_type


def _looks_like_arc(head: bytes) -> bool:
    """Whether the input is an ARC file (warcio's arc2warc mode hides this from the records, but
    ARC records need weft's synthetic `<arc:NAME:OFFSET>` ids and their own type names)."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return not head.lstrip()[:5] == b"WARC/"


def _note(stats: ReadStats, name: str, count: int) -> None:
    if count:
        stats.notes[name] += int(count)


def _file_error(stats: ReadStats, uri: str, message: str, records_before: int) -> None:
    stats.file_errors.append({"file": uri, "error": message, "records_before": records_before})


def _one_line(error: BaseException) -> str:
    """One readable line for the manifest from a third-party exception (warcio's are multi-line)."""
    text = str(error)
    if "non-chunked gzip" in text:
        return "gzip stream spans several records (not one gzip member per record); fix with `warcio recompress`"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = lines[0] if lines else ""
    if len(message) > 160:
        message = message[:160] + "..."
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def _at(offset: int) -> str:
    """The text ` at offset N` when warcio's position means something (not inside a whole-file gzip)."""
    return f" at offset {offset}" if offset >= 0 else ""
