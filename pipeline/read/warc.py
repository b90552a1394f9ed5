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
`skipped_unsupported_encoding` a Content-Encoding weft cannot undo (`content_encoding`: it
                               undoes gzip, deflate and br)
`failed_content_decoding`      the Content-Encoding could not be undone: the compressed data is
                               damaged
`failed_file_damaged`          the data of this record is damaged: the file ends inside it, its
                               gzip member is corrupt, its header or length is garbage; see
                               `file_errors` and `record_errors`
`failed_read_error`            an I/O or HTTP error while reading this record
=============================  ==============================================================

The HTTP Content-Type decides what a response is. Only when it is absent or empty does weft use
Common Crawl's `WARC-Identified-Payload-Type` (content sniffed by the crawler), because a
declared type is what browsers act on, while sniffing is what rescues a header-less response.

HTML payloads longer than `max_html_bytes` are cut at the cap and still yielded, with
`truncated=True` and a `page_cut_at_cap` note, the same way Common Crawl's own 1 MiB truncation
(`WARC-Truncated`) is treated: the start of a page carries most of its text and images, and a
filter downstream can drop truncated pages if a job wants only whole ones.

Nothing that happens while reading one input escapes `read_archive`: every exception (warcio,
gzip, zlib, charset, HTTP, or an unexpected one) is converted at this boundary, and one input's
damage never costs another input anything. What it costs that input:

- **Not an archive at all** (an empty file, a PNG or an HTML page named `.warc.gz`, plain text):
  a file error that says what the input looks like (`weft.pipeline.read.stream.sniff`).
- **One record, in a per-record-gzip input** (`.warc.gz` / `.arc.gz` with one gzip member per
  record, as Common Crawl writes them): a member that does not decompress (flipped bytes, a bad
  checksum) or does not hold exactly one readable record (a garbage header, a Content-Length
  that does not match the member) is counted as `failed_file_damaged` under its type (`unknown`
  when its header could not be read), listed in `stats.record_errors` with its offset and
  reason, and reading goes on from the next gzip member that decompresses to the start of a
  record; the records after the damage are read as if nothing had happened.
- **The rest of the input**: damage with nothing intact after it (a file cut short, a stream
  that breaks or closes early, junk at the end), any damage in an uncompressed `.warc`/`.arc`
  (which has no member boundaries to find again), and a gzip stream that holds several records
  in one member. The records before the damage are yielded, the record the damage hits is
  counted under its type with a `failed_*` outcome if its header was read (otherwise no record
  is counted: nothing says there was one), the error goes to `stats.file_errors` with the
  number of records before it, and the generator ends normally.

An exception of any other kind while a record is read (one warcio or weft did not foresee) is
handled as damage to that record, as above. Every error message is one line, names the offset,
and has its control characters escaped.
"""

from __future__ import annotations

import contextlib
import http.client
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Generator, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from weft.pipeline.read import content_encoding
from weft.pipeline.read.charset import html_utf8, split_content_type
from weft.jobs.errors import FileError, RecordError, UserError
from weft.pipeline.read.inputs import open_input
from weft.pipeline.read.stream import (
    SNIFF_BYTES,
    MemberDamaged,
    Source,
    archive_iterator,
    find_next_member,
    member_ended,
    record_kind,
    sniff,
)
from weft.schemas.document import Provenance

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

UNKNOWN_TYPE = "unknown"
"""`records_by_type` key of a record whose header could not be read: the gzip member of a
per-record-gzip input that was passed over after damage."""

MAX_RECORD_ERRORS_LISTED = 100
"""Record errors listed per input; more are only counted (`record_errors_not_listed`)."""

_NOT_CHUNKED = "non-chunked gzip"  # in warcio's message for a gzip member holding several records
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

    html_utf8: bytes
    """The page's text as UTF-8 (`weft.pipeline.read.charset.html_utf8`): what the parser and the
    Arrow page table take, kept as bytes so a UTF-8 page is never decoded and encoded again."""
    provenance: Provenance
    payload_bytes: int
    """Payload bytes decoded into `html` (after Content-Encoding; at most `max_html_bytes`)."""
    truncated: bool
    """The crawler truncated the record (`WARC-Truncated`) or weft cut it at `max_html_bytes`."""

    @property
    def html(self) -> str:
        """The page's text, decoded with the codec in `provenance.charset` (decoded on each call)."""
        return self.html_utf8.decode("utf-8")


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
    """`{"file": uri, "error": one line, "records_before": complete records before it}`: inputs
    that could not be read to their end (or at all)."""
    record_errors: list[dict[str, Any]] = field(default_factory=list)
    """`{"file": uri, "offset": record offset, "error": one line}`: damage in a per-record-gzip
    input that cost one record and not the rest of the input (the reader went on from the next
    intact gzip member), or a record that failed on its own (a Content-Encoding whose data does
    not decode); the record's `failed_*` outcome is counted as well. At most
    `MAX_RECORD_ERRORS_LISTED` per input; the rest are counted in `record_errors_not_listed`."""
    bytes_read: int = 0
    """Bytes read from the inputs as stored (compressed for `.gz`)."""
    notes: Counter[str] = field(default_factory=Counter)
    """Facts that do not change an outcome: `page_cut_at_cap`, `page_truncated_in_warc`,
    `image_truncated_in_warc`, `identified_payload_type_used`, `charset_<source>`,
    `content_length_mismatch` (warcio found a record not followed by its blank lines),
    `page_encoding_cut` (a Content-Encoding stream that ends early: the page is truncated),
    `content_encoding_not_applied` (a payload labelled with an encoding it does not have, read
    as it is), `record_errors_not_listed`."""

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
            record_errors=[*self.record_errors, *other.record_errors],
            bytes_read=self.bytes_read + other.bytes_read,
            notes=self.notes + other.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records_by_type": dict(sorted(self.records_by_type.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "file_errors": [dict(error) for error in self.file_errors],
            "record_errors": [dict(error) for error in self.record_errors],
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
            record_errors=[dict(error) for error in data.get("record_errors", [])],
            bytes_read=int(data.get("bytes_read", 0)),
            notes=Counter({str(k): int(v) for k, v in data.get("notes", {}).items()}),
        )


def read_archive(uri: str, options: ReadOptions, stats: ReadStats) -> Iterator[Page | ArchiveImage]:
    """Yield the pages and archived images of one WARC/ARC input, updating `stats` as it goes.

    `stats` is updated before each item is yielded, so it is balanced even when the caller stops
    early. Never raises for a missing, empty, foreign, unreadable or damaged input, whatever the
    exception underneath (warcio, gzip, zlib, charset, HTTP, or a bug): that is a file error in
    `stats.file_errors`, after the records before the damage have been yielded, or, in a gzip
    input that can be read on past the damage, a record error in `stats.record_errors`.
    """
    stats.files += 1
    try:
        raw = open_input(uri, timeout=options.timeout, retries=options.retries)
    except FileError as error:
        _file_error(stats, uri, error.message, 0)
        return
    except Exception as error:  # e.g. a URL urllib cannot even build a request for
        _file_error(stats, uri, f"cannot open: {_one_line(error)}", 0)
        return
    state = _FileState(uri, options, stats, Source(raw))
    try:
        yield from _read_file(state)
    finally:
        stats.bytes_read += state.source.count
        with contextlib.suppress(OSError, http.client.HTTPException):
            raw.close()


@dataclass(slots=True)
class _Wanted:
    """A record worth keeping, read (up to its cap) but not yet placed in the file."""

    kind: str  # "page" or "archive_image"
    payload: bytes
    mime: str
    charset: str | None
    truncated: bool


@dataclass
class _FileState:
    """One input being read: where it is, what it is, and what has been counted so far."""

    uri: str
    options: ReadOptions
    stats: ReadStats
    source: Source
    gzip: bool = False
    is_arc: bool = False
    kind_known: bool = False
    complete: int = 0
    """Records read completely (whatever their outcome): `records_before` of a file error."""
    floor: int = 0
    """The smallest offset a resync may land on: past the start of every record counted, so a
    record is never read twice."""
    current: str | None = None
    """The type key of the record being read, once it is counted in `records_by_type`."""
    record: ArcWarcRecord | None = None
    members_ended: bool = False
    """A gzip member has ended with its record: the input is per-record gzip, so a member that
    goes on past its record is damage, not a whole-file gzip."""
    listed: int = 0
    """Record errors listed for this input (at most `MAX_RECORD_ERRORS_LISTED`)."""


class _Broken(Exception):
    """Damage that ends the current pass over an input: a gzip input reads on from the next
    intact member (`resumable`), anything else ends with a file error."""

    def __init__(
        self, offset: int, message: str, *, outcome: str = "failed_file_damaged", resumable: bool = True
    ) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.outcome = outcome
        self.resumable = resumable


def _read_file(state: _FileState) -> Iterator[Page | ArchiveImage]:
    """Read one opened input in passes: a pass ends at the end of the input or at damage; in a
    gzip input the next pass starts at the next intact member after the damage."""
    try:
        sniffed = sniff(state.source.peek(SNIFF_BYTES), _file_name(state.uri))
    except Exception as error:
        _file_error(state.stats, state.uri, f"read error at offset 0: {_one_line(error)}", 0)
        return
    state.gzip = sniffed.gzip
    state.is_arc = bool(sniffed.arc)
    state.kind_known = sniffed.arc is not None
    broken: _Broken | None = None
    if sniffed.problem is not None:
        if state.source.missing_at_end:  # an http body that ended early: say so, not what it holds
            message = _closed_early(state.source)
            _file_error(state.stats, state.uri, message, 0)
            return
        if not sniffed.gzip:
            _file_error(state.stats, state.uri, sniffed.problem, 0)
            return
        broken = _Broken(0, sniffed.problem)  # a gzip input whose start is damaged (or foreign)
    while True:
        if broken is None:
            broken = yield from _read_pass(state)
            if broken is None:
                return
        if not (state.gzip and broken.resumable):
            _give_up(state, broken)
            return
        try:
            found = find_next_member(state.source, max(broken.offset + 1, state.floor))
        except Exception as error:
            broken.message += f"; then a read error while looking for the next gzip member: {_one_line(error)}"
            found = None
        if found is None:
            _give_up(state, broken)
            return
        target, kind = found
        if not state.kind_known:
            state.is_arc, state.kind_known = kind == "arc", True
        _skip(state, broken, target)
        broken = None


def _read_pass(state: _FileState) -> Generator[Page | ArchiveImage, None, _Broken | None]:
    """Read records from the source's position until the end (None) or damage (`_Broken`)."""
    start = state.source.tell()
    broken = yield from _read_records(state, start)
    if broken is not None:
        # After damage warcio's offset arithmetic (compressed position minus buffered
        # decompressed bytes) can point before the pass, even below 0. Damage is never before
        # the pass, and the next pass starts after this one did, so reading always moves on.
        broken.offset = max(broken.offset, start)
        state.floor = max(state.floor, start + 1)
    return broken


def _read_records(state: _FileState, start: int) -> Generator[Page | ArchiveImage, None, _Broken | None]:
    iterator = archive_iterator(state.source, gzip=state.gzip)
    records = iter(iterator)
    while True:
        state.current, state.record = None, None
        try:
            try:
                record = next(records)
            except StopIteration:
                break
            item = _take(state, iterator, record)
        except _Broken as broken:
            return broken
        except Exception as error:
            return _broken_by(state, error, max(iterator.offset, start))
        if item is not None:
            yield item
    try:
        if state.source.read(1):
            raise _Broken(
                iterator.offset,
                f"bytes after offset {iterator.offset} could not be read as records (corrupt gzip or junk)",
            )
        if state.source.missing_at_end:
            message = _closed_early(state.source)
            raise _Broken(iterator.offset, message, resumable=False)
    except _Broken as broken:
        return broken
    except Exception as error:
        return _broken_by(state, error, max(iterator.offset, start))
    return None


def _take(state: _FileState, iterator: ArchiveIterator, record: ArcWarcRecord) -> Page | ArchiveImage | None:
    """Count one record (type and outcome) and return its page or image, if it has one.

    Raises `_Broken` when the record is damaged; any other exception escaping from here is
    damage too (the caller converts it), with the record counted under its type once known.
    """
    stats, options = state.stats, state.options
    start = iterator.offset
    declared = record.rec_headers.get_header("Content-Length") or ""
    if not declared.strip().isdigit():
        # warcio reads such a record as empty and then parses its content as the next header;
        # it is also what junk that happens to split into five ARC fields looks like.
        raise _Broken(
            start,
            f"invalid record header at offset {start}: Content-Length {declared[:40]!r} is not a number "
            "(not a WARC/ARC file, or corrupt)",
        )
    key = _type_key(record, state.is_arc)
    stats.records_by_type[key] += 1
    state.current, state.record = key, record

    warnings_before = iterator.err_count
    failure: RecordError | None = None
    try:
        outcome, wanted = _classify(record, options, stats)
    except RecordError as error:
        outcome, wanted, failure = f"failed_{error.reason}", None, error
    offset = iterator.get_record_offset()  # reads the rest of the record first
    length = iterator.get_record_length()
    if failure is not None:
        _record_error(state, offset, f"{key} record at offset {offset} ({record.rec_headers.get_header('WARC-Target-URI') or 'no URI'}): {failure}")
    _note(stats, "content_length_mismatch", iterator.err_count - warnings_before)

    missing = getattr(record.raw_stream, "limit", 0)
    if missing > 0:
        raise _Broken(offset, _short_message(record, missing, offset))
    if state.gzip:
        # In a per-record-gzip input a record and its gzip member end together.
        ended = member_ended(iterator)
        more = iterator.next_line  # text after the record's blank lines, still in its member
        if ended and more is None:
            state.members_ended = True
        elif not state.members_ended and (not ended or record_kind(more or b"") is not None):
            pass  # the first member holds several records: a whole-file gzip, warcio says so at the next
        elif not ended:
            # Corrupt deflate data can decode on without an error past the member's real end;
            # what it yields there is not this record.
            message = f"the gzip member of the {key} record at offset {start} goes on past the record (corrupt gzip data)"
            raise _Broken(start, message)
        else:
            # Its Content-Length is too small: the payload is cut, and the rest of the member
            # would pass for another record.
            message = f"the {key} record at offset {start} ends before its gzip member does (Content-Length too small)"
            raise _Broken(start, message)

    item = None if wanted is None else _build(state.uri, record, wanted, offset, length, state.is_arc, stats)
    stats.outcomes[outcome] += 1
    state.current, state.record = None, None
    state.complete += 1
    state.floor = max(state.floor, offset + 1, offset + length)
    return item


def _broken_by(state: _FileState, error: Exception, offset: int) -> _Broken:
    """The `_Broken` for an exception raised while reading the record at `offset`."""
    record, key = state.record, state.current
    what = f"the {key} record at offset {offset}" if key else f"the record at offset {offset}"
    if isinstance(error, MemberDamaged):
        missing = getattr(record.raw_stream, "limit", 0) if record is not None else 0
        if error.truncated and missing > 0:
            message = _short_message(record, missing, offset)
        elif error.truncated:
            message = f"the input ends inside the gzip member of {what} (file truncated)"
        else:
            message = f"{error.detail} in the gzip member of {what}"
        if error.truncated and state.source.missing_at_end:
            message += f"; the connection closed {state.source.missing_at_end} bytes short of the file"
        return _Broken(offset, message)
    if isinstance(error, (OSError, http.client.HTTPException)):
        # The input failed, not its data: nothing further can be read from it.
        prefix = f"read error in {what}" if key else f"unreadable record at offset {offset}"
        return _Broken(offset, f"{prefix}: {_one_line(error)}", outcome="failed_read_error", resumable=False)
    if isinstance(error, ArchiveLoadFailed) and _NOT_CHUNKED in str(error) and not state.members_ended:
        # Several records in the input's first gzip member: gzip of a whole WARC, not damage.
        return _Broken(offset, f"unreadable record at offset {offset}: {_one_line(error)}", resumable=False)
    # Anything else warcio (or weft) raised while parsing is damaged data: a garbage header, a
    # record cut in its header block.
    prefix = f"damaged {what[4:]}" if key else f"unreadable record at offset {offset}"
    return _Broken(offset, f"{prefix}: {_one_line(error)}")


def _closed_early(source: Source) -> str:
    return f"connection closed after {source.count} bytes, {source.missing_at_end} bytes short of the file"


def _short_message(record: ArcWarcRecord, missing: int, offset: int) -> str:
    return (
        f"data ends {missing} bytes short of the {record.length}-byte {record.rec_type} record at offset "
        f"{offset} (file truncated or corrupt)"
    )


def _give_up(state: _FileState, broken: _Broken) -> None:
    """End the input with a file error; the record the damage hit is failed if it was counted."""
    if state.current is not None:
        state.stats.outcomes[broken.outcome] += 1
    _file_error(state.stats, state.uri, broken.message, state.complete)


def _skip(state: _FileState, broken: _Broken, target: int) -> None:
    """Count the damaged record as failed (as `unknown` when its header was unreadable) and note
    the damage, before reading on from the gzip member at `target`."""
    if state.current is None:
        state.stats.records_by_type[UNKNOWN_TYPE] += 1
    state.stats.outcomes[broken.outcome] += 1
    state.current, state.record = None, None
    state.floor = max(state.floor, target + 1)
    skipped = target - broken.offset
    message = f"{broken.message}; read on from the next intact gzip member at offset {target} ({skipped} bytes on)"
    _record_error(state, broken.offset, message)


def _classify(record: ArcWarcRecord, options: ReadOptions, stats: ReadStats) -> tuple[str, _Wanted | None]:
    """The outcome of one record, and its payload when it is a page or an image to yield."""
    rec_type = (record.rec_type or "").lower()
    if rec_type in _SKIPPED_TYPES:
        return f"skipped_{rec_type}", None
    if rec_type == "resource":
        mime = split_content_type(record.content_type)[0]
        if not mime.startswith("image/"):
            return "skipped_resource", None
        return _image(record, record.raw_stream, mime, options, stats)
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
    encoded = encoding not in _IDENTITY_ENCODINGS
    if encoded and not content_encoding.supported(encoding):
        return "skipped_unsupported_encoding", None
    stream = _transfer_decoded(record)
    if not is_html:
        return _image(record, stream, mime, options, stats, encoding=encoding if encoded else "")

    data, decoded_whole = _payload(stream, encoding if encoded else "", options.max_html_bytes + 1, stats)
    cut = len(data) > options.max_html_bytes
    if not data:
        if encoded and record.payload_length > 0:
            raise RecordError("content_decoding", f"{encoding} payload decoded to nothing")
        return "skipped_empty_payload", None
    in_warc = record.rec_headers.get_header("WARC-Truncated") is not None
    _note(stats, "page_cut_at_cap", cut)
    _note(stats, "page_truncated_in_warc", in_warc)
    _note(stats, "page_encoding_cut", not decoded_whole)
    return "page", _Wanted("page", data[: options.max_html_bytes], mime, charset, cut or in_warc or not decoded_whole)


def _transfer_decoded(record: ArcWarcRecord) -> Any:
    """The HTTP payload with its transfer coding undone but not its Content-Encoding
    (`content_encoding` undoes that): what warcio's `content_stream()` gives with decoding off."""
    if record.http_headers.get_header("transfer-encoding") == "chunked":  # warcio's own test, as it was
        return ChunkedDataReader(record.raw_stream, decomp_type=None)
    return record.raw_stream


def _payload(stream: Any, encoding: str, limit: int, stats: ReadStats) -> tuple[bytes, bool]:
    """At most `limit` bytes of the payload, its Content-Encoding (if any) undone, and whether the
    encoded stream ended where its encoding says it ends (always true without one)."""
    if not encoding:
        return stream.read(limit), True
    data, complete, applied = content_encoding.decode(stream, encoding, limit)
    _note(stats, "content_encoding_not_applied", not applied)
    return data, complete


def _image(
    record: ArcWarcRecord, stream: Any, mime: str, options: ReadOptions, stats: ReadStats, *, encoding: str = ""
) -> tuple[str, _Wanted | None]:
    if not options.index_images:
        return "skipped_image_not_indexed", None
    cap = options.max_image_bytes
    known_size = record.payload_length if record.http_headers is not None else record.length
    if not encoding and known_size is not None and known_size > cap:
        return "skipped_image_too_large", None  # known from the lengths: not even read
    data, decoded_whole = _payload(stream, encoding, cap + 1, stats)
    if len(data) > cap:
        return "skipped_image_too_large", None
    if not data:
        return "skipped_empty_payload", None
    truncated = record.rec_headers.get_header("WARC-Truncated") is not None or not decoded_whole
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
    html, codec, source = html_utf8(wanted.payload, wanted.charset)
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
    return Page(html_utf8=html, provenance=provenance, payload_bytes=len(wanted.payload), truncated=wanted.truncated)


def _file_name(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _type_key(record: ArcWarcRecord, is_arc: bool) -> str:
    rec_type = (record.rec_type or "unknown").lower()
    if is_arc:
        return "arc-filedesc" if rec_type == "warcinfo" else f"arc-{rec_type}"
    return rec_type


def _note(stats: ReadStats, name: str, count: int) -> None:
    if count:
        stats.notes[name] += int(count)


def _file_error(stats: ReadStats, uri: str, message: str, records_before: int) -> None:
    stats.file_errors.append({"file": uri, "error": _printable(message), "records_before": records_before})


def _record_error(state: _FileState, offset: int, message: str) -> None:
    if state.listed >= MAX_RECORD_ERRORS_LISTED:
        state.stats.notes["record_errors_not_listed"] += 1
        return
    state.listed += 1
    state.stats.record_errors.append({"file": state.uri, "offset": offset, "error": _printable(message)})


def _one_line(error: BaseException) -> str:
    """One readable line for the manifest from a third-party exception (warcio's are multi-line)."""
    text = str(error)
    if _NOT_CHUNKED in text:
        return "gzip stream spans several records (not one gzip member per record); fix with `warcio recompress`"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = lines[0] if lines else ""
    if len(message) > 160:
        message = message[:160] + "..."
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def _printable(text: str) -> str:
    """`text` with control characters escaped: a message from damaged data stays one line and
    carries no terminal escape sequences."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
