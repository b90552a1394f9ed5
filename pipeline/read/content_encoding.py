"""Undoing a response's HTTP Content-Encoding, with every failure said out loud.

Common Crawl stores payloads decoded (it renames the header to `X-Crawler-Content-Encoding`), but
crawlers that keep responses as the server sent them leave them gzip-, deflate- or br-encoded.
warcio's `content_stream()` decodes gzip and deflate itself, and that was how weft read them, but
when the compressed data is damaged warcio prints zlib's error to stderr and ends the stream, and
when it is cut short the stream just ends: either way the reader got a prefix of the page and
nothing said so (a gzip-encoded BBC article with 40 zeroed bytes came out as 195 of its 264 kB,
cut in half as 116 kB, both unflagged). Its brotli hook also fails with the Brotli package's
current `Decompressor`, which takes no attribute. So the reader asks warcio only to undo the
transfer coding (chunked), and decodes the content here:

- `gzip` (and `x-gzip`), `deflate` (zlib-wrapped, or raw as some servers send it; browsers accept
  both) and `br`; anything else is `skipped_unsupported_encoding`, as before;
- output stops at `limit` bytes, so a small payload that inflates to gigabytes costs no more than
  the reader's cap;
- a payload labelled with an encoding it does not have (gzip without its magic bytes; deflate or
  br whose first block fails before any output) is taken as it is: servers
  that label plain HTML so are common, and warcio read them the same way (counted as
  `content_encoding_not_applied`);
- data that fails to decode after that raises `RecordError("content_decoding")`: the record fails
  with zlib's or brotli's reason;
- a stream that ends before the encoding does gives the decoded prefix with `complete=False`: the
  reader keeps it as a truncated page, as it keeps a record the crawler cut (`WARC-Truncated`).
"""

from __future__ import annotations

import zlib
from typing import Any, BinaryIO

from weft.jobs.errors import RecordError

BLOCK = 64 * 1024
_PROBE = 1024
"""Without a signature the head is fed by the kilobyte until output comes (`decode`)."""

_GZIP = 16 + zlib.MAX_WBITS
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS
_KINDS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br"}


def supported(encoding: str) -> bool:
    """Whether `decode` can undo `encoding` (lower-cased, stripped)."""
    return encoding in _KINDS


class _Zlib:
    """zlib's stream decoder for gzip, zlib-wrapped deflate or raw deflate."""

    error = zlib.error

    def __init__(self, wbits: int) -> None:
        self.inner = zlib.decompressobj(wbits)

    def decompress(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes; fewer only when all of `data` is used (zlib keeps the rest of
        its input in `unconsumed_tail`, which a caller at its limit does not need)."""
        return self.inner.decompress(data, room)

    @property
    def finished(self) -> bool:
        return self.inner.eof


class _Brotli:
    def __init__(self) -> None:
        import brotli  # only for br payloads, which few archives hold

        self.error = brotli.error
        self.inner = brotli.Decompressor()

    def decompress(self, data: bytes, room: int) -> bytes:
        """At least `room` bytes when that much is held back, else everything `data` gives."""
        return self.inner.process(data, output_buffer_limit=room)

    @property
    def finished(self) -> bool:
        return self.inner.is_finished()


def _zlib_header(head: bytes) -> bool:
    """RFC 1950's two header bytes: method 8 (deflate) and a check that makes them a multiple of 31."""
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def decode(stream: BinaryIO, encoding: str, limit: int) -> tuple[bytes, bool, bool]:
    """Read `stream` (the payload, transfer coding undone) and undo `encoding` (a `supported`
    one): `(at most limit decoded bytes, complete, applied)`. `complete` says the encoded stream
    ended properly (or `limit` was reached first, which the caller's cap handles); `applied` is
    False when the payload was not encoded after all and is returned as it is. Raises
    `RecordError("content_decoding")` on data that does not decode (module docstring).

    Whether a payload is encoded at all: gzip data starts with its magic bytes; deflate is
    zlib-wrapped when its first two bytes say so and raw otherwise; raw deflate and br have no
    signature, so their head goes in by the kilobyte and a payload whose head fails before giving
    any output is taken as it is (damage further in has given output first, and fails the record)."""
    kind = _KINDS[encoding]
    head = stream.read(BLOCK)
    if kind == "gzip" and not head.startswith(b"\x1f\x8b"):
        return _as_is(head, stream, limit)
    signed = kind == "gzip" or (kind == "deflate" and _zlib_header(head))
    decoder: Any = _Brotli() if kind == "br" else _Zlib(_GZIP if kind == "gzip" else _ZLIB if signed else _RAW)
    out: list[bytes] = []
    size = 0
    pending = head
    while size < limit:
        in_head = bool(pending)
        if in_head:
            cut = len(pending) if signed or out else _PROBE
            data, pending = pending[:cut], pending[cut:]
        else:
            data = stream.read(BLOCK)
            if not data:
                break
        try:
            piece = decoder.decompress(data, limit - size)
        except decoder.error as error:
            if not out and not signed and in_head:
                return _as_is(head, stream, limit)
            raise RecordError("content_decoding", f"{encoding} payload does not decode: {error}") from None
        if piece:
            out.append(piece)
            size += len(piece)
        if decoder.finished:
            break
    return b"".join(out)[:limit], decoder.finished or size >= limit, True


def _as_is(head: bytes, stream: BinaryIO, limit: int) -> tuple[bytes, bool, bool]:
    rest = stream.read(limit - len(head)) if len(head) < limit else b""
    return (head + rest)[:limit], True, False
