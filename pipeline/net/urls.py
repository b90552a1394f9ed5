"""URL helpers for image slots: resolving what an attribute says into a URL weft can fetch.

Resolution follows what a browser does, because the image a page shows is the one the browser
fetched: the URL is joined with `urllib.parse.urljoin` against the document's base URL (the
page URL, or the first `<base href>` resolved against it). That keeps relative paths relative to
the page's *directory* and keeps the page's scheme. A widely used reference pipeline instead glues
relative paths onto the host root and forces `https`; on `https://ex.com/blog/2020/post.html`
that turns `img/a.png` into `https://ex.com/img/a.png`, a URL the page never referenced.

Outcomes are reported as a reason code rather than an exception, so the extractor can record
every image it could not keep (see `weft.pipeline.extract.extractor`):

- `unresolvable_url`: empty after stripping, a fragment-only reference (`#top` points at the
  page itself), a value `urllib` rejects (e.g. an unbalanced IPv6 bracket), or a join that does
  not yield an absolute URL with a host (a relative URL on a page whose URL is not http(s)).
- `unsupported_scheme`: an explicit scheme other than http, https or data (`javascript:`,
  `about:`, `blob:`, `file:`, `cid:`, `ftp:` ...). weft can only download http(s), and `blob:`
  or `cid:` URLs mean nothing outside the browser or mail client that made them.

`data:` URIs are kept whole: they *are* the image, and the image stage decodes them.

A URL is written down as the browser sends it. Pages write spaces, quotes and non-ASCII letters
into `src` (`Thailand 2011-01/thumbs/img-1.jpg`, `/bilder/größe.jpg`); a browser percent-encodes
them as UTF-8 and converts a non-ASCII host to punycode before it asks (WHATWG URL Standard,
"percent-encode sets": path, query and fragment each have their own), and a crawler's
WARC-Target-URI says the same. Kept raw, such a URL is one no HTTP client will request and no
archive record is named by. `%` itself is never encoded, so a URL that is already encoded stays
as it is, and `canonical_url` applies the same rule, so either spelling finds the record.

Every page resolves dozens of URLs against one base, and urljoin costs ~5 µs a call, so absolute
URLs and the common relative shapes (`/a.png`, `img/a.png`, `//cdn/a.png`) are joined by
concatenation with the base's cached prefixes; anything unusual still goes through urljoin, and
a test checks both give the same answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

REASON_UNRESOLVABLE = "unresolvable_url"
REASON_UNSUPPORTED_SCHEME = "unsupported_scheme"

# HTML strips ASCII whitespace around URL attribute values, and the WHATWG URL parser drops
# tabs and newlines *inside* them (pages wrap long URLs across lines).
_ASCII_WS = " \t\n\r\f"
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
# RFC 3986 scheme: a letter, then letters, digits, "+", "-", ".", then ":".
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_FETCHABLE = frozenset(("http", "https"))
_HTTP_PREFIXES = ("https://", "http://")
# scheme://[userinfo@]host[:port] followed by the end or a path, query or fragment; the host is
# a name without brackets or a bracketed IPv6 literal.
_ABSOLUTE_SIMPLE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@\s]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^/?#:@\[\]\s]+)(?::[0-9]*)?(?:[/?#]|$)"
)


# What no percent-encode set of the WHATWG URL Standard leaves as it is, in any part of a URL:
# C0 controls, space, DEL and beyond, and the few printable characters some set names (" ' < >
# ` { }). A URL without any (nearly all) is already as a browser sends it. Written as one class
# of what may stay: an alternation of two classes costs 4.2 µs on a 150-character URL, this 0.9.
_NOT_AS_SENT = re.compile("[^!#-&(-;=?-_a-z|~]")
_AS_SENT_CHARS = "".join(chr(code) for code in range(0x80) if _NOT_AS_SENT.match(chr(code)) is None)
"""What `_NOT_AS_SENT` lets stay, as a string of characters."""


def _char_class(without: str) -> str:
    """A regex class of the characters a browser sends as they are, less `without`."""
    return "[" + "".join(re.escape(ch) for ch in _AS_SENT_CHARS if ch not in without) + "]"


AS_IS_HTTP_URL = re.compile(
    f"https?://{_char_class('/?#:@[]')}+"
    f"(?:/(?:{_char_class('?#')}*/)?(?:({_char_class('?#/')}*)\\.)?({_char_class('?#/.')}*))?"
    f"(?:[?#]{_char_class('')}*)?"
).fullmatch
"""Matches a URL that `resolve_url_reason` gives back as it is, against any base: an absolute
http(s) URL with its scheme in lower case, a host without `:`, `@` or brackets (no port, userinfo
or IPv6 literal, which take the general path), and only characters a browser sends as they are
(so nothing to strip, drop or encode). Most image URLs are such (865 of the 1,182 plain `<img
src>` of the 199 KB benchmark WARC's 77 pages); one match replaces `resolve_url_reason`'s
steps (1.7 µs for an absolute URL, the match 0.4 µs). For the placeholder test of
`weft.pipeline.extract.image_slots`, the groups are the name of the path's last segment cut at
its last dot: group 1 before the dot (None when the name has none), group 2 after it (the whole
name when it has none; None when the URL has no path). tests/pipeline/extract/test_image_slots.py
checks the fast path against `resolve_url_reason` on every image URL of the saved and archived
pages and on mutations of them."""
# Each part's own set (path, special-scheme query, fragment); userinfo is treated as the path.
_PATH_ENCODE = re.compile("[^\x21-\x7e]|[\"<>`{}]")
_QUERY_ENCODE = re.compile("[^\x21-\x7e]|[\"'<>]")
_FRAGMENT_ENCODE = re.compile("[^\x21-\x7e]|[\"<>`]")


def _percent(match: re.Match[str]) -> str:
    try:
        data = match.group().encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the URL standard's UTF-8 encoder writes U+FFFD
        data = "\ufffd".encode("utf-8")
    return "".join(f"%{byte:02X}" for byte in data)


def _split(url: str) -> tuple[str, str, str] | None:
    """`(scheme, authority, the rest)` of `scheme://authority/...`; None without `://`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    cut = len(rest)
    for ch in "/?#":
        at = rest.find(ch)
        if 0 <= at < cut:
            cut = at
    return scheme, rest[:cut], rest[cut:]


def as_sent(url: str) -> str | None:
    """`url` (absolute, `scheme://authority...`) as a browser sends it: its path, query and
    fragment percent-encoded by their WHATWG sets (UTF-8), a non-ASCII host in punycode (UTS 46,
    non-transitional, as browsers do); None when the host cannot be converted. A URL with nothing
    to encode comes back as it is (module docstring)."""
    if _NOT_AS_SENT.search(url) is None:
        return url
    parts = _split(url)
    if parts is None:
        return _PATH_ENCODE.sub(_percent, url)
    scheme, authority, tail = parts
    tail, hash_, fragment = tail.partition("#")
    path, mark, query = tail.partition("?")
    userinfo, at, hostport = authority.rpartition("@")
    if not hostport.isascii():
        host, colon, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
        if not colon or not port.isdigit():
            host, colon, port = hostport, "", ""
        import idna  # only for a non-ASCII host, which few pages have

        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
        hostport = f"{host}{colon}{port}"
    return (f"{scheme}://{_PATH_ENCODE.sub(_percent, userinfo)}{at}{hostport}{_PATH_ENCODE.sub(_percent, path)}"
            f"{mark}{_QUERY_ENCODE.sub(_percent, query)}{hash_}{_FRAGMENT_ENCODE.sub(_percent, fragment)}")


def resolve_url_reason(raw: str, base: str) -> tuple[str | None, str | None]:
    """Resolve `raw` against `base`, returning `(url, None)` or `(None, reason)`; the URL is
    written as the browser sends it (`as_sent`).

    The reason matters downstream: a dropped image is recorded with why it was dropped, and
    "the page used a `javascript:` URL" is a different finding from "the URL is broken".
    """
    url, reason = _resolve(raw, base)
    if url is None or url[:5].lower() == "data:":
        return url, reason
    sent = as_sent(url)
    return (sent, None) if sent is not None else (None, REASON_UNRESOLVABLE)


def _resolve(raw: str, base: str) -> tuple[str | None, str | None]:
    """`resolve_url_reason` before the encoding."""
    value = raw.strip(_ASCII_WS)
    if not value or value[0] == "#":
        return None, REASON_UNRESOLVABLE
    if "\t" in value or "\n" in value or "\r" in value:
        value = _TAB_NEWLINE.sub("", value)
    if value.startswith(_HTTP_PREFIXES):
        # The common absolute URL, without the scheme regex: what the branch below concludes
        # for an http(s) scheme followed by "//".
        if _ABSOLUTE_SIMPLE.match(value) is None:
            return None, REASON_UNRESOLVABLE
        return value, None
    match = _SCHEME.match(value) if value[0] != "/" else None  # a scheme starts with a letter
    if match is not None:
        scheme = match.group(1).lower()
        if scheme == "data":
            return value, None
        if scheme not in _FETCHABLE:
            return None, REASON_UNSUPPORTED_SCHEME
        rest = value[match.end():]
        if rest.startswith(("//", "\\")):
            # An absolute URL (most image URLs are): urljoin would return it unchanged, so it only
            # has to name a host ("https:///a.png" and "https://" do not).
            if _ABSOLUTE_SIMPLE.match(value) is None:
                return None, REASON_UNRESOLVABLE
            return value, None
        if not rest:  # "https:" alone would join to the page itself
            return None, REASON_UNRESOLVABLE
    else:
        joined = _join_simple(value, base)
        if joined is not None:
            return joined, None
    try:
        joined = urljoin(base, value)
        parts = urlsplit(joined)
    except ValueError:
        return None, REASON_UNRESOLVABLE
    if parts.scheme.lower() not in _FETCHABLE or not parts.hostname:
        return None, REASON_UNRESOLVABLE
    return joined, None


@lru_cache(maxsize=256)
def _base_prefixes(base: str) -> tuple[str, str, str] | None:
    """`(scheme, "scheme://authority", "scheme://authority/directory/")` of an http(s) base URL
    with a host and no dot segments, else None (then every join takes urljoin's path). Cached:
    one page resolves all its images against the same base."""
    if _ABSOLUTE_SIMPLE.match(base) is None:
        return None
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    path = parts.path
    if parts.scheme not in _FETCHABLE or not parts.hostname or "/." in path or ";" in path or "//" in path:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    return parts.scheme, origin, origin + path[: path.rfind("/") + 1]


def _join_simple(value: str, base: str) -> str | None:
    """urljoin's answer for the common shapes of relative URL, computed by concatenation; None
    for anything else (dot segments, params, bare queries or fragments, backslashes, empty path
    segments or an empty query or fragment, which urljoin rewrites), which then goes through
    urljoin itself.
    tests/pipeline/net/test_urls.py checks the two agree."""
    prefixes = _base_prefixes(base)
    if prefixes is None or value[0] in "?#." or "/." in value or ";" in value or "\\" in value:
        return None
    if value[-1] in "?#" or "?#" in value or "//" in value[2:]:
        return None
    scheme, origin, directory = prefixes
    if value.startswith("//"):
        joined = f"{scheme}:{value}"
        return joined if _ABSOLUTE_SIMPLE.match(joined) is not None else None
    if value[0] == "/":
        return origin + value
    return directory + value


def resolve_url(raw: str, base: str) -> str | None:
    """The absolute http(s) URL (or the whole `data:` URI) that `raw` means on a page whose base
    URL is `base`, or None when it cannot be fetched (see the module docstring for the cases)."""
    return resolve_url_reason(raw, base)[0]


def effective_base(page_url: str, base_href: str | None) -> str:
    """The URL relative references are resolved against: the page URL, unless the document has a
    `<base href>` (pass the first one's value), which is itself resolved against the page URL.

    A `<base href>` that does not resolve to an http(s) URL (`javascript:`, garbage) is ignored,
    as browsers fall back to the document URL when the base URL fails to parse.
    """
    if base_href is None:
        return page_url
    resolved, _reason = resolve_url_reason(base_href, page_url)
    if resolved is None or resolved[:5].lower() == "data:":
        return page_url
    return resolved


# ----- srcset ------------------------------------------------------------------------------

_DESCRIPTOR = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)([wxh])$", re.IGNORECASE)


def _split_candidates(value: str) -> list[tuple[str, list[str]]]:
    """Tokenise a srcset the way the HTML spec's "parse a srcset attribute" does, on
    whitespace-separated words rather than characters (it runs for every image of a page).

    A URL is a run of non-whitespace, so commas *inside* a URL survive (Cloudinary-style
    `/c_fill,w_320/` paths, `data:image/png;base64,...`); trailing commas end a URL without
    descriptors, and a comma after the descriptors ends the candidate.
    """
    out: list[tuple[str, list[str]]] = []
    url: str | None = None
    descriptors: list[str] = []
    for word in value.split():
        while word:
            if url is None:
                word = word.lstrip(",")
                if not word:
                    break
                if word.endswith(","):
                    out.append((word.rstrip(","), []))
                else:
                    url, descriptors = word, []
                word = ""
            else:
                descriptor, comma, rest = word.partition(",")
                if descriptor:
                    descriptors.append(descriptor)
                if comma:
                    out.append((url, descriptors))
                    url = None
                word = rest
    if url is not None:
        out.append((url, descriptors))
    return out


def parse_srcset(value: str) -> list[tuple[str, float, str]]:
    """Parse a `srcset` value into `(url, value, kind)` candidates, `kind` being `"w"` (width in
    pixels) or `"x"` (pixel density); a candidate without a descriptor is `1x`, as in HTML.

    Candidates the spec calls invalid (two width descriptors, a zero or negative value, an
    unknown descriptor) are skipped rather than guessed at; an `h` descriptor is allowed next to
    a `w` one and ignored, since only width is used to rank candidates.
    """
    result: list[tuple[str, float, str]] = []
    for url, descriptors in _split_candidates(value):
        width: float | None = None
        density: float | None = None
        valid = True
        for descriptor in descriptors:
            match = _DESCRIPTOR.match(descriptor)
            if match is None:
                valid = False
                break
            number, kind = float(match.group(1)), match.group(2).lower()
            if kind == "w":
                if width is not None or density is not None or number <= 0 or not number.is_integer():
                    valid = False
                    break
                width = number
            elif kind == "x":
                if width is not None or density is not None or number <= 0:
                    valid = False
                    break
                density = number
            # "h" is only meaningful with "w" and does not change the ranking.
        if not valid:
            continue
        if width is not None:
            result.append((url, width, "w"))
        else:
            result.append((url, density if density is not None else 1.0, "x"))
    return result


parse_srcset_python = parse_srcset
"""The Python `parse_srcset`: the reference, and what runs where `csrcset` was not built."""
try:  # the same parser compiled (csrcset.pyx): a srcset read once, without a Python step a word
    from weft.pipeline.net.csrcset import parse_srcset
except ImportError:  # not built (no C compiler)
    pass


def largest_candidate(candidates: list[tuple[str, float, str]]) -> tuple[str, float, str] | None:
    """The candidate a large, high-density screen would fetch: the widest `w` candidate if there
    is any (a width is a real pixel count, a density is only relative to an unknown layout
    size), else the highest `x`; ties go to the first, which is the author's preferred order."""
    best: tuple[str, float, str] | None = None
    for candidate in candidates:
        if best is None:
            best = candidate
        elif candidate[2] == "w" and best[2] == "x":
            best = candidate
        elif candidate[2] == best[2] and candidate[1] > best[1]:
            best = candidate
    return best


def pick_largest_srcset(value: str) -> str | None:
    """The URL (as written, unresolved) of the largest candidate in a `srcset`, or None when it
    has no valid candidate. Training wants the most detailed version of an image."""
    best = largest_candidate(parse_srcset(value))
    return best[0] if best is not None else None


_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def canonical_url(url: str) -> str:
    """The key under which two spellings of one image URL meet: scheme and host lower-cased, the
    default port and any fragment dropped, and written as sent (`as_sent`). ARC files write
    `http://host:80/a.gif` where the page says `http://host/a.gif`, a page may write `a b.gif`
    where the crawler wrote `a%20b.gif`; both must find the same archive record and be
    downloaded once."""
    if url.startswith("data:"):
        return url
    url = as_sent(url) or url
    parts = _split(url)
    if parts is None:
        return url
    scheme, authority, tail = parts
    scheme = scheme.lower()
    tail = tail.split("#", 1)[0]
    userinfo, at, hostport = authority.rpartition("@")
    hostport = hostport.lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and hostport.endswith(default):
        hostport = hostport[: -len(default)]
    return f"{scheme}://{userinfo}{at}{hostport}{tail or '/'}"
