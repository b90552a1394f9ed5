"""The bytes under warcio: what an input is, a source that can step back, and gzip that reports damage.

`weft.pipeline.read.warc` reads records with warcio's `ArchiveIterator`; this module gives it what
it needs to survive damage, without changing how an intact file is read:

- `sniff` looks at the first bytes of an input before any record is parsed, so an empty file, a
  PNG or an HTML page named `.warc.gz`, or a plain-text file is a file error that says what the
  input is, instead of a parser exception about its first line.
- `Source` wraps the opened input (a local file or an http stream, which cannot seek). It counts
  the bytes read and keeps the last `KEEP_BYTES` of them, so that after damage reading can step
  back into bytes warcio has already consumed and go on from the next intact gzip member there.
- `archive_iterator` is warcio's iterator with a stricter gzip reader (`_StrictGzipReader`).
  warcio's `BufferedReader._decompress` prints a zlib error to stderr and then behaves as if the
  member had ended (or, in the first block of a member, stops decompressing and reads the rest of
  the file as plain text); a member the file ends inside just looks short. The strict reader
  raises `MemberDamaged` in all of these cases, so the reader knows which record the damage hit.
  It inflates with zlib-ng (`zlib_ng`, the same API and, as every inflater must, the same bytes
  out): inflating is most of what reading a Common Crawl WARC costs, and zlib-ng does it in 0.08
  ms where Python's zlib takes 0.14 ms (the 60 kB pages `benchmarks/bench_read_extract.py`
  repeats; reading them: 0.24 → 0.17 ms a page).
- `find_next_member` scans for the next gzip header (`1f 8b 08`) and accepts it only if the
  member decompresses to the start of a record (`WARC/...`, or an ARC header line), which is
  what a per-record-gzip WARC (as Common Crawl writes them) allows: every record is its own gzip
  member, so the member after a damaged one can be read as if nothing had happened.

Why `KEEP_BYTES` is enough: warcio's reader never reads more than one block (16 KiB) past the end
of the member it is decompressing, and zlib reports corrupt deflate data, a bad header or a bad
checksum no later than the end of the member it is in. So when damage is noticed, the next member
starts at most a block or so before the current read position, well inside 1 MiB.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, DecompressingBufferedReader
from warcio.utils import BUFF_SIZE
from zlib_ng import zlib_ng

GZIP_MAGIC = b"\x1f\x8b\x08"
"""A gzip member header: ID1, ID2 and the deflate method, which every gzip writer uses."""

KEEP_BYTES = 1 << 20
"""How far back `Source.rewind` can go from the furthest byte read (see the module docstring)."""

SNIFF_BYTES = 64 * 1024
"""Bytes read ahead to tell what an input is (enough compressed data for a first header line)."""

_SCAN_BLOCK = 64 * 1024
_CHECK_BYTES = 64 * 1024  # compressed bytes a candidate member may take to yield its first line
_CHECK_STEP = 1024

# An ARC (v1) record header line: URL, IP address, 14-digit date, MIME type, length. warcio splits
# it from the right, so the URL may contain spaces.
_ARC_HEADER = re.compile(rb"^\S.* \S+ \d{8,14} \S+ \d+\r?$")

_KNOWN_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP, WAV, AVI)"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"\x04\x22\x4d\x18", "LZ4 data"),
)


class MemberDamaged(Exception):
    """A gzip member that cannot be decompressed: corrupt deflate data, a bad header or checksum,
    junk where a member should start, or the end of the input inside a member (`truncated`)."""

    def __init__(self, detail: str, *, truncated: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.truncated = truncated


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of an input say it is."""

    gzip: bool
    """The input starts with a gzip header (or is named `.gz` and starts with damage)."""
    arc: bool | None
    """An ARC file (True), a WARC file (False), or not known because its start is damaged."""
    problem: str | None = None
    """Why the input cannot be read as it is; None when it looks like a WARC or ARC file."""


def sniff(head: bytes, name: str) -> Sniffed:
    """Tell a WARC or ARC input (plain or gzip) from an empty file, another format, or damage.

    `head` is the first bytes of the input (`SNIFF_BYTES` or all of it). A gzip input whose first
    member does not decompress, and an input named `.gz` that does not start with a gzip header,
    come back with `gzip=True` and a problem: the reader then looks for an intact member further
    on before it gives up with that problem as the file error.
    """
    if not head:
        return Sniffed(gzip=False, arc=None, problem="empty file (0 bytes)")
    if head[:2] == GZIP_MAGIC[:2]:
        try:
            text = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 8192)
        except zlib.error as error:
            return Sniffed(gzip=True, arc=None, problem=f"corrupt gzip data at offset 0 ({error})")
        kind = record_kind(text)
        if kind is None and text:
            return Sniffed(gzip=True, arc=None, problem=f"not a WARC or ARC file: gzip data holding {describe(text)}")
        # No text yet (the first member is cut or empty): reading says what is wrong, if anything.
        return Sniffed(gzip=True, arc=None if kind is None else kind == "arc")
    kind = record_kind(head)
    if kind is not None:
        return Sniffed(gzip=False, arc=kind == "arc")
    problem = f"not a WARC or ARC file: it starts with {describe(head)}"
    return Sniffed(gzip=name.lower().endswith(".gz"), arc=None, problem=problem)


def record_kind(text: bytes) -> str | None:
    """`"warc"` or `"arc"` when `text` starts like a record (blank lines before it allowed)."""
    text = text.lstrip(b"\r\n")
    if text[:5] == b"WARC/":
        return "warc"
    line = text.split(b"\n", 1)[0]
    if _ARC_HEADER.match(line):
        return "arc"
    return None


def describe(data: bytes) -> str:
    """A short, printable description of what some bytes are, for an error message."""
    for magic, name in _KNOWN_FORMATS:
        if data.startswith(magic):
            return name
    start = data.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if start.startswith(b"<?xml"):
        return "an XML document"
    if start.startswith(b"<"):
        return "markup text"
    excerpt = repr(data[:24])  # repr escapes control characters, so the message stays one line
    return f"bytes {excerpt}"


class Source:
    """The input as warcio reads it: counts the bytes pulled from it, and keeps the last ones.

    `tell()` is the offset in the stored file of the next byte `read` returns (warcio takes record
    offsets from it, also for an http stream that cannot tell). `rewind(offset)` steps back to a
    byte still kept; reads then replay kept bytes before pulling new ones, so `count`, the bytes
    pulled from the input, is never inflated by a rewind.
    """

    def __init__(self, raw: BinaryIO, keep: int = KEEP_BYTES) -> None:
        self.raw = raw
        self.keep = keep
        self.count = 0
        """Bytes pulled from the input (as stored: compressed for `.gz`)."""
        self.missing_at_end = 0
        """Bytes an http response still owed when it ended: http.client returns b"" rather than
        raising when a server closes early, so without this a stream cut at a record boundary
        would pass for a complete file."""
        self._kept = bytearray()
        self._kept_start = 0
        self._pos = 0

    @property
    def earliest(self) -> int:
        """The smallest offset `rewind` accepts."""
        return self._kept_start

    def tell(self) -> int:
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        kept_end = self._kept_start + len(self._kept)
        if self._pos < kept_end:
            start = self._pos - self._kept_start
            stop = len(self._kept) if size is None or size < 0 else min(len(self._kept), start + size)
            data = bytes(self._kept[start:stop])
        else:
            data = self._pull(size)
        self._pos += len(data)
        return data

    def peek(self, size: int) -> bytes:
        """Up to `size` bytes from the current position, without moving it."""
        at = self._pos
        chunks = []
        want = size
        while want > 0:
            data = self.read(want)
            if not data:
                break
            chunks.append(data)
            want -= len(data)
        self.rewind(at)
        return b"".join(chunks)

    def rewind(self, offset: int) -> None:
        """Make `offset` (at least `earliest`, at most the furthest byte read) the next to read."""
        if not self._kept_start <= offset <= self._kept_start + len(self._kept):
            kept = f"{self._kept_start}..{self._kept_start + len(self._kept)}"
            raise ValueError(f"cannot rewind to offset {offset}: the bytes kept are {kept}")
        self._pos = offset

    def _pull(self, size: int | None) -> bytes:
        data = self.raw.read(size if size is not None else -1)
        if not data and size:
            self.missing_at_end = getattr(self.raw, "length", None) or 0
        self.count += len(data)
        self._kept += data
        if len(self._kept) > 2 * self.keep:  # trim now and then, not on every read
            drop = len(self._kept) - self.keep
            del self._kept[:drop]
            self._kept_start += drop
        return data


class _StrictGzipReader(DecompressingBufferedReader):
    """warcio's gzip reader, except that damage raises `MemberDamaged` (see the module docstring).

    Used only for inputs `sniff` found to be gzip, so warcio's first-block guess (gzip or plain?)
    is not needed: data that does not decompress is damage wherever it is.
    """

    def __init__(self, stream: Source, block_size: int = BUFF_SIZE) -> None:
        self._member_fed = False
        super().__init__(stream, block_size=block_size)

    def _init_decomp(self, decomp_type: str | None) -> None:
        if decomp_type == "gzip":  # what warcio asks for at every member: warcio's fields, zlib-ng's inflater
            self.num_block_read = 0
            self.decomp_type = decomp_type
            self.decompressor = zlib_ng.decompressobj(16 + zlib_ng.MAX_WBITS)
        else:
            super()._init_decomp(decomp_type)
        self._member_fed = False  # a new member starts

    def member_ended(self) -> bool:
        """Whether the current gzip member has been decompressed to its end (checksum included)."""
        return self.decompressor is None or self.decompressor.eof

    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor is None or not data:
            return data
        self._member_fed = True
        try:
            return self.decompressor.decompress(data)
        except (zlib_ng.error, zlib.error) as error:
            raise MemberDamaged(f"corrupt gzip data ({error})") from None

    def _process_read(self, data: bytes) -> None:
        if not data and self.decompressor is not None and self._member_fed and not self.decompressor.eof:
            raise MemberDamaged("the input ends inside a gzip member", truncated=True)
        super()._process_read(data)


def member_ended(iterator: ArchiveIterator) -> bool:
    """Whether an `archive_iterator` over gzip input has read the current member to its end: in
    a per-record-gzip input this is true after every record (warcio reads on to the next member
    only when the next record is asked for)."""
    reader = iterator.reader
    return not isinstance(reader, _StrictGzipReader) or reader.member_ended()


def archive_iterator(source: Source, *, gzip: bool) -> ArchiveIterator:
    """warcio's iterator over `source` from its current position, offsets counted from the start
    of the input; gzip members are decompressed strictly, plain input is not decompressed at all."""
    iterator = ArchiveIterator(source, arc2warc=True)
    # ArchiveIterator builds its reader in __init__ and only uses it once iterated, so swapping
    # it here is safe; warcio offers no other way to choose the reader.
    iterator.reader = _StrictGzipReader(source) if gzip else BufferedReader(source, block_size=BUFF_SIZE)
    return iterator


def find_next_member(source: Source, start: int) -> tuple[int, str] | None:
    """The offset of the first intact gzip member at or after `start` that begins a WARC or ARC
    record, and which of the two it is; None when the input ends before one.

    `start` below `source.earliest` scans from `earliest`. On success the source is positioned at
    the member, ready for a new `archive_iterator`. May raise the input's I/O errors.
    """
    at = max(start, source.earliest)
    source.rewind(at)
    carry = b""
    while True:
        block = source.read(_SCAN_BLOCK)
        data = carry + block
        base = at - len(carry)
        found = data.find(GZIP_MAGIC)
        while found >= 0:
            candidate = base + found
            resume = source.tell()
            kind = _member_starts_record(source, candidate)
            if kind is not None:
                source.rewind(candidate)
                return candidate, kind
            source.rewind(resume)
            found = data.find(GZIP_MAGIC, found + 1)
        if not block:
            return None
        at += len(block)
        carry = data[-(len(GZIP_MAGIC) - 1) :]


def _member_starts_record(source: Source, offset: int) -> str | None:
    """Whether a gzip member at `offset` decompresses to the first line of a record."""
    source.rewind(offset)
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = b""
    fed = 0
    # Small steps bound the output (deflate expands at most ~1000x) and stop soon after the
    # first line, which is all that is checked.
    while fed < _CHECK_BYTES and b"\n" not in text.lstrip(b"\r\n") and not decompressor.eof:
        data = source.read(_CHECK_STEP)
        if not data:
            break
        fed += len(data)
        try:
            text += decompressor.decompress(data)
        except zlib.error:
            return None
    return record_kind(text) if b"\n" in text.lstrip(b"\r\n") else None
