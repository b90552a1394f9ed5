"""Turn an HTML payload into text, choosing the codec the way a browser would, plus one repair.

This runs on every page, so the common case must cost one C-speed decode: most pages say
`charset=utf-8` in the HTTP header and are valid UTF-8. The order of evidence is the WHATWG one
(BOM, then the HTTP header, then a `<meta>` declaration near the top, then detection), with labels
mapped to codecs by the WHATWG Encoding Standard's label table, because that is what the page's
author tested against: `iso-8859-1`, `latin1` and `us-ascii` mean windows-1252, `gb2312` means
GB18030, `x-sjis` means Shift_JIS (decoded as its Windows superset cp932, which is what browsers
use), and labels the standard does not know are ignored rather than looked up in Python's codec
registry (which would accept things like `rot13` or `hex`).

Policy where a declaration and the bytes disagree (both are deliberate and tested):

* A legacy single-byte declaration (windows-125x, ISO-8859-x, KOI8, ...) on bytes that contain
  non-ASCII and are valid UTF-8 is overruled: the page is decoded as UTF-8 with source
  `detected`. Servers that default to `charset=ISO-8859-1` in front of UTF-8 pages are common,
  and real legacy text practically never forms valid multi-byte UTF-8 sequences, so honouring the
  label would only produce mojibake.
* A declaration the bytes do not decode under strictly is still used, with undecodable bytes
  replaced by U+FFFD, as long as the damage is small (at most `_tolerated_errors(n)`: a stray
  byte, a payload cut in the middle of a character). When the damage is larger the declaration
  is taken to be wrong and the next source is tried (header, then meta, then detection).
* One exception to the header's word: a UTF-8 header on bytes with no UTF-8 in them at all (every
  non-ASCII byte undecodable, `_never_utf8`) gives way to a `<meta>` that names another codec.

`decode_html` never raises on bytes: every path ends in a decode with `errors="replace"`.

`html_utf8` gives the same decision as UTF-8 bytes, which is what the reader hands on: lexbor
parses UTF-8 and Arrow strings are UTF-8, so a page that arrived as UTF-8 (most of the web) goes
from the payload to the parser without being decoded into a `str` and encoded back (on the pages
`benchmarks/bench_read_extract.py` repeats, 60 kB on average, each of those two steps costs
0.02-0.03 ms a page, building the chunk's Arrow column from `str` 0.04 ms). Nor is a UTF-8 payload
decoded to learn that it is UTF-8: Arrow's validator answers that (`is_utf8`) 7x faster than a
decode (0.02 against 0.14 ms a page on the 200 kB bench pages), and the decode happens only
when text is asked for.
"""

from __future__ import annotations

import codecs
import re

import numpy as np
import pyarrow as pa

META_SCAN_BYTES = 4096
"""How far into the payload a `<meta>` charset declaration is looked for (WHATWG says 1024; real
pages put long `<title>`/`<link>` runs first, so weft looks a little further)."""

DETECT_SAMPLE_BYTES = 64 * 1024
"""Detection looks at this prefix only, so a 5 MB page costs no more than a 64 KB one."""

SOURCES = ("bom", "http-header", "meta", "detected", "fallback")

# WHATWG Encoding Standard: Python codec -> the labels that select it. `None` marks labels the
# standard maps to "replacement" (ISO-2022-KR/CN, HZ) or x-user-defined, which weft ignores so the
# next source decides.
_WHATWG_LABELS: dict[str | None, str] = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "cp866": "866 cp866 csibm866 ibm866",
    "iso8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "iso8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "iso8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "iso8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    "iso8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
    "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 "
    "iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
    "iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical",
    "iso8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "mac-roman": "csmacintosh mac macintosh x-mac-roman",
    "cp874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "cp1250": "cp1250 windows-1250 x-cp1250",
    "cp1251": "cp1251 windows-1251 x-cp1251",
    "cp1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 "
    "iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "cp1253": "cp1253 windows-1253 x-cp1253",
    "cp1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5 "
    "windows-1254 x-cp1254",
    "cp1255": "cp1255 windows-1255 x-cp1255",
    "cp1256": "cp1256 windows-1256 x-cp1256",
    "cp1257": "cp1257 windows-1257 x-cp1257",
    "cp1258": "cp1258 windows-1258 x-cp1258",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gb18030": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc_jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso2022_jp": "csiso2022jp iso-2022-jp",
    "cp932": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "cp949": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 "
    "windows-949",
    "utf-16-be": "unicodefffe utf-16be",
    "utf-16-le": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    None: "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement x-user-defined",
}

_LABEL_TO_CODEC: dict[str, str | None] = {
    label: (codecs.lookup(codec).name if codec else None)
    for codec, labels in _WHATWG_LABELS.items()
    for label in labels.split()
}

# Codecs in which every byte is one character: text in them with non-ASCII bytes that is also
# valid UTF-8 is UTF-8 in disguise (see the module docstring).
_SINGLE_BYTE = frozenset(
    codecs.lookup(c).name
    for c in (
        "cp866 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6 iso8859-7 iso8859-8 iso8859-10 iso8859-13 "
        "iso8859-14 iso8859-15 iso8859-16 koi8-r koi8-u mac-roman cp874 cp1250 cp1251 cp1252 cp1253 cp1254 "
        "cp1255 cp1256 cp1257 cp1258 mac-cyrillic"
    ).split()
)

# What a detector's answer is decoded with: the superset browsers use for the same label.
_DETECTED_UPGRADE = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)

# `<meta charset=x>` and `<meta http-equiv=Content-Type content="text/html; charset=x">` alike:
# both put `charset=` inside one `<meta ...>` tag.
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([^\s"'/>;,]+)""", re.IGNORECASE)


def normalize_charset_label(label: str | None, *, in_document: bool = False) -> str | None:
    """The Python codec for a charset label per WHATWG, or None when the label should be ignored.

    `in_document` applies the rules for a declaration found inside the HTML: a page that could
    be read as ASCII to find `<meta charset=utf-16>` cannot be UTF-16, so that means UTF-8.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower()
    codec = _LABEL_TO_CODEC.get(key)
    if codec is None and in_document and key == "x-user-defined":
        return "cp1252"
    if in_document and codec in ("utf-16-le", "utf-16-be"):
        return "utf-8"
    return codec


def split_content_type(value: str | None) -> tuple[str, str | None]:
    """`("text/html", "utf-8")` from `text/html; Charset="UTF-8"`: the lower-cased MIME type without
    parameters, and the raw charset parameter (or None). Tolerates the junk real servers send:
    repeated headers joined with commas, empty parameters, missing values."""
    if not value:
        return "", None
    parts = value.split(";")
    mime = parts[0].split(",")[0].strip().lower()
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            val = val.strip().strip("\"'").strip()
            if val:
                charset = val
                break
    return mime, charset


def find_meta_charset(payload: bytes) -> str | None:
    """The charset label a `<meta>` tag declares within the first `META_SCAN_BYTES`, as written."""
    match = _META_CHARSET.search(payload, 0, META_SCAN_BYTES)
    return match.group(1).decode("ascii", "replace") if match else None


def decode_html(payload: bytes, header_charset: str | None) -> tuple[str, str, str]:
    """Decode an HTML payload: `(text, python codec name, source)`; see the module docstring for
    the order of evidence and when a declaration is overruled. Never raises on any bytes."""
    text, codec, source, _start = _decode(payload, header_charset)
    assert text is not None
    return text, codec, source


def html_utf8(payload: bytes, header_charset: str | None) -> tuple[bytes, str, str]:
    """`decode_html`'s text as UTF-8 bytes, with its codec and source: the payload itself (after
    a UTF-8 BOM) when it was UTF-8 and decoded without a replacement, else the text encoded. So
    `html_utf8(p, h)[0].decode("utf-8") == decode_html(p, h)[0]` for any bytes."""
    text, codec, source, start = _decode(payload, header_charset, want_text=False)
    if start == 0:
        return payload, codec, source
    if start > 0:
        return payload[start:], codec, source
    assert text is not None
    return text.encode("utf-8"), codec, source


def is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, exactly as a strict `data.decode("utf-8")` would judge it
    (overlong forms, surrogates and code points past U+10FFFF are invalid to both; a test
    compares them), without building the text: Arrow's validator reads the bytes in place."""
    if data.isascii():
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


_Decoded = tuple[str | None, str, str, int]
"""(text, codec, source, where the text's UTF-8 starts in the payload or -1): the last field says
whether the payload from that offset on is the text's exact UTF-8 (it is valid UTF-8), so
`html_utf8` can hand the payload on instead of encoding the text again. The text is None when it
was not asked for (`want_text=False`) and that offset is not -1."""


def _utf8_text(data: bytes, want_text: bool) -> tuple[bool, str | None]:
    """(valid, text): a strict UTF-8 decode, or only its verdict when the text is not wanted."""
    if not want_text:
        return is_utf8(data), None
    try:
        return True, data.decode("utf-8")
    except UnicodeDecodeError:
        return False, None


def _decode(payload: bytes, header_charset: str | None, want_text: bool = True) -> _Decoded:
    for bom, codec in _BOMS:
        if payload.startswith(bom):
            rest = payload[len(bom) :]
            if codec == "utf-8":
                valid, text = _utf8_text(rest, want_text)
                if valid:
                    return text, codec, "bom", len(bom)
            return rest.decode(codec, "replace"), codec, "bom", -1

    header_codec = normalize_charset_label(header_charset)
    by_header = _decode_declared(payload, header_codec, "http-header", want_text) if header_codec is not None else None
    if by_header is not None and not (header_codec == "utf-8" and _never_utf8(payload, by_header)):
        return by_header

    meta_codec = normalize_charset_label(find_meta_charset(payload), in_document=True)
    if meta_codec is not None and meta_codec != header_codec:
        decoded = _decode_declared(payload, meta_codec, "meta", want_text)
        if decoded is not None:
            return decoded

    return by_header if by_header is not None else _detect(payload, want_text)


def _never_utf8(payload: bytes, decoded: _Decoded) -> bool:
    """Whether a payload declared UTF-8 that decoded with a few replacements (`decoded`, its
    `_decode_declared`) has no UTF-8 in it at all: every non-ASCII byte was replaced, and not
    only a character cut at the end. Then the header is a server default in front of a legacy
    page (PHP's `default_charset` has been UTF-8 since 5.6), and the page's own `<meta>`
    declaration, when it names another codec, is the author's word for the bytes: `don\x92t`
    under `<meta charset=windows-1252>` is "don’t", not "don\ufffdt". Without a `<meta>` the
    header's decode stands: a detector guesses wrong on a handful of bytes (a few Latin-1 letters
    in an English page come out as cp1250 or GB18030)."""
    text, start = decoded[0], decoded[3]
    if start >= 0 or text is None or payload[:-3].isascii():
        return False
    return text.count("\ufffd") == len(text) - len(text.encode("ascii", "ignore"))  # C-speed counts


def _tolerated_errors(size: int) -> int:
    """Undecodable sequences accepted under a declared codec before it is called wrong: a few
    stray bytes in any page, about one in a thousand in a large one."""
    return max(8, size // 1000)


def _decode_declared(payload: bytes, codec: str, source: str, want_text: bool = True) -> _Decoded | None:
    if codec.startswith("utf-16") and b"\x00" not in payload[:1024]:
        # Any even-length bytes "decode" as UTF-16, so the label alone proves nothing; real UTF-16
        # markup is half NUL bytes. Without them the label is wrong and the next source decides.
        return None
    if codec == "utf-8" and not want_text and is_utf8(payload):
        return None, codec, source, 0
    try:
        text = payload.decode(codec)
    except UnicodeDecodeError:
        text = payload.decode(codec, "replace")
        if text.count("\ufffd") <= _tolerated_errors(len(payload)):
            return text, codec, source, -1
        return None
    if codec in _SINGLE_BYTE and not payload.isascii():
        valid, utf8_text = _utf8_text(payload, want_text)
        if valid:
            return utf8_text, "utf-8", "detected", 0
    return text, codec, source, 0 if codec == "utf-8" else -1


def _detect(payload: bytes, want_text: bool = True) -> _Decoded:
    valid, text = _utf8_text(payload, want_text)
    if valid:
        return text, "utf-8", "detected", 0
    try:
        payload.decode("utf-8")  # invalid: the decoder says where and why
    except UnicodeDecodeError as error:
        if error.start >= len(payload) - 3 and error.reason == "unexpected end of data":
            # A payload cut inside its last character (the WARC or weft's cap truncated it).
            return payload.decode("utf-8", "replace"), "utf-8", "detected", -1

    # Imported here: only a page that declares no usable charset and is not UTF-8 gets this far
    # (none of the bench WARC's 3,000 pages do), and the import costs 10-20 ms of every start-up.
    import charset_normalizer

    best = charset_normalizer.from_bytes(_detection_sample(payload)).best()
    if best is not None and best.encoding:
        codec = codecs.lookup(best.encoding).name
        codec = codecs.lookup(_DETECTED_UPGRADE.get(codec, codec)).name
        return payload.decode(codec, "replace"), codec, "detected", -1

    as_utf8 = payload.decode("utf-8", "replace")
    if as_utf8.count("\ufffd") <= _tolerated_errors(len(payload)):
        return as_utf8, "utf-8", "fallback", -1
    return payload.decode("cp1252", "replace"), "cp1252", "fallback", -1


def _detection_sample(payload: bytes) -> bytes:
    """A prefix of at most `DETECT_SAMPLE_BYTES` that does not end inside a multi-byte character:
    it is cut after a newline (never part of a multi-byte sequence in the ASCII-compatible
    encodings, nor inside an ISO-2022-JP run), else after a `<`, so the detector is not pushed
    away from the right codec by a broken last character."""
    if len(payload) <= DETECT_SAMPLE_BYTES:
        return payload
    cut = payload.rfind(b"\n", 0, DETECT_SAMPLE_BYTES)
    if cut <= 0:
        cut = payload.rfind(b"<", 0, DETECT_SAMPLE_BYTES) - 1
    return payload[: cut + 1] if cut > 0 else payload[:DETECT_SAMPLE_BYTES]
