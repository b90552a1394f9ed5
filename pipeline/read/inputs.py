"""What the user points weft at, turned into an ordered list of WARC/ARC files, and how each opens.

A job names its inputs as any mix of local files, globs, directories, http(s) URLs and Common Crawl
`warc.paths(.gz)` listings. `resolve_inputs` expands them once, on the driver, into one
deterministic list (the order given; sorted within a glob or directory; first occurrence wins),
so `offset`/`limit` mean the same files on every run and every machine, and so every mistake in
the inputs is a `UserError` before any work starts. `open_input` is what each reader task calls:
a local file or a streaming http(s) response, never a whole file in memory.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import http.client
import io
import os
import re
import socket
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zlib
from typing import BinaryIO, Sequence

from weft.pipeline import __version__
from weft.jobs.errors import FileError, UserError
from weft.jobs.spec import DEFAULT_CC_BASE


ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
LISTING_SUFFIXES = (".paths.gz", ".paths")
USER_AGENT = f"weft/{__version__} (interleaved image-text dataset builder; reads WARC/ARC files)"

RETRY_BACKOFF_S = 0.5
"""First wait before retrying an http(s) input; doubles per attempt, capped at `MAX_BACKOFF_S`."""
MAX_BACKOFF_S = 30.0

_URL_SCHEMES = ("http://", "https://")
_RETRYABLE_4XX = frozenset({408, 429})  # Request Timeout, Too Many Requests: "not now", not "no"
_GLOB_CHARS = re.compile(r"[*?\[]")
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TAG_STEM_MAX = 60


def resolve_inputs(
    specs: Sequence[str],
    *,
    paths_base: str = DEFAULT_CC_BASE,
    offset: int = 0,
    limit: int | None = None,
) -> list[str]:
    """Expand input specs into the ordered, de-duplicated list of WARC/ARC files to read, then
    take `[offset : offset + limit]` of it, so a user can say "files 100-109 of CC-MAIN-2024-10".

    Each spec is an http(s) URL (kept as a URL and streamed later), a `*.paths` / `*.paths.gz`
    listing (local or URL) whose keys are joined onto `paths_base` (a base URL, or a local
    directory holding a mirror), a directory (searched recursively), a glob, or a file. Local
    files that come from a listing are checked after slicing, so a partial mirror is enough for
    the slice you take. Any problem is a `UserError` naming the input.
    """
    if isinstance(specs, str):
        raise UserError("inputs must be a list of paths or URLs, not a single string")
    if offset < 0:
        raise UserError(f"input offset must not be negative (got {offset})")
    if limit is not None and limit < 0:
        raise UserError(f"input limit must not be negative (got {limit})")
    if not specs:
        raise UserError("no inputs given")

    found: list[tuple[str, bool]] = []  # (uri, came from a listing with a local base)
    for spec in specs:
        if not isinstance(spec, str) or not spec.strip():
            raise UserError(f"input {spec!r} is not a path or URL")
        if _is_listing(spec):
            found.extend(_listing_entries(spec, paths_base))
        elif _is_url(spec):
            _check_archive_name(spec, _url_name(spec))
            found.append((spec, False))
        elif "://" in spec:
            raise UserError(f"input {spec}: unsupported URL scheme (use http(s):// or a local path)")
        else:
            found.extend((path, False) for path in _local_entries(spec))

    # Local paths become absolute: Ray workers (and the manifest's reader) do not share the
    # caller's working directory.
    unique: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for uri, from_listing in found:
        key = uri if _is_url(uri) else os.path.normpath(os.path.abspath(uri))
        if key not in seen:
            seen.add(key)
            unique.append((key, from_listing))

    selected = unique[offset : None if limit is None else offset + limit]
    if not selected:
        raise UserError(
            f"input slice offset={offset} limit={limit} selects none of the {len(unique)} input file(s)"
        )
    for uri, from_listing in selected:
        if from_listing and not os.path.isfile(uri):
            raise UserError(f"input {uri}: listed file not found under paths_base {paths_base}")
    return [uri for uri, _ in selected]


# Inputs are what the user pointed weft at, so they are read with a plain opener of our own, never
# the process-wide one: the image stage installs a restrictive opener (network policy, byte caps)
# in its worker processes, which must not apply to reading the job's own inputs.
_INPUT_OPENER = urllib.request.build_opener()


def open_input(uri: str, *, timeout: float = 60.0, retries: int = 3) -> BinaryIO:
    """Open one input for sequential reading (what warcio's ArchiveIterator needs).

    A local path opens as a file. An http(s) URL opens as a streaming response; connection errors,
    timeouts, 5xx, 408 and 429 are retried `retries` times with exponential backoff (or the server's
    `Retry-After` in seconds; both capped at `MAX_BACKOFF_S`), but only before the first byte: a stream that
    breaks later is the reader's file error, because the records already read have been used.
    Raises `FileError` when the input cannot be opened.
    """
    if not _is_url(uri):
        try:
            return open(uri, "rb")
        except OSError as error:
            raise FileError(uri, f"cannot open: {error.strerror or error}") from None

    request = urllib.request.Request(uri, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    last_problem = ""
    for attempt in range(retries + 1):
        wait = min(MAX_BACKOFF_S, RETRY_BACKOFF_S * 2**attempt)
        try:
            return _INPUT_OPENER.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            with error:
                if error.code not in _RETRYABLE_4XX and error.code < 500:
                    raise FileError(uri, f"HTTP {error.code} {error.reason}") from None
                last_problem = f"HTTP {error.code} {error.reason}"
                wait = _retry_after(error.headers.get("Retry-After"), wait)
        except (urllib.error.URLError, http.client.HTTPException, socket.timeout, OSError) as error:
            reason = getattr(error, "reason", error)
            last_problem = f"{type(reason).__name__}: {reason}"
        if attempt < retries:
            time.sleep(wait)
    raise FileError(uri, f"gave up after {retries + 1} attempt(s): {last_problem}")


def input_tag(uri: str) -> str:
    """A short, filesystem-safe, deterministic name for one input, used in shard and stats names.

    The readable part is the file's stem (folded to ASCII, unsafe characters replaced, at most 60
    characters); the 8 hex digits are a hash of the whole URI, so two `part-00000.warc.gz` in
    different directories, or a local file and its URL, never share a tag.
    """
    name = _url_name(uri) if _is_url(uri) else os.path.basename(uri.rstrip("/\\"))
    lower = name.lower()
    for suffix in ARCHIVE_SUFFIXES + LISTING_SUFFIXES + (".gz",):
        if lower.endswith(suffix):
            name = name[: -len(suffix)]
            break
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    stem = _TAG_UNSAFE.sub("_", folded).strip("._-")[:_TAG_STEM_MAX].rstrip("._-") or "input"
    digest = hashlib.blake2b(uri.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
    return f"{stem}-{digest}"


def _is_url(spec: str) -> bool:
    return spec[:8].lower().startswith(_URL_SCHEMES)


def _url_name(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])


def _is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _is_listing(spec: str) -> bool:
    name = _url_name(spec) if _is_url(spec) else spec
    return name.lower().endswith(LISTING_SUFFIXES)


def _check_archive_name(spec: str, name: str) -> None:
    lower = name.lower()
    if _is_archive_name(lower):
        return
    if re.search(r"\.(wat|wet)(\.gz)?$", lower):
        raise UserError(
            f"input {spec}: WAT/WET files hold no HTML; give the WARC files (e.g. the warc.paths listing)"
        )
    raise UserError(
        f"input {spec}: not a WARC/ARC file or listing (expected {', '.join(ARCHIVE_SUFFIXES + LISTING_SUFFIXES)})"
    )


def _local_entries(spec: str) -> list[str]:
    """The archive files one local spec names: itself, a directory's archives, or a glob's."""
    if os.path.isdir(spec):
        files = sorted(
            os.path.join(root, name)
            for root, _dirs, names in os.walk(spec, followlinks=True)
            for name in names
            if _is_archive_name(name)
        )
        if not files:
            raise UserError(f"input {spec}: directory holds no {'/'.join(ARCHIVE_SUFFIXES)} files")
        return [_check_readable(f) for f in files]
    if os.path.lexists(spec):
        _check_archive_name(spec, os.path.basename(spec))
        return [_check_readable(spec)]
    if _GLOB_CHARS.search(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise UserError(f"input {spec}: glob matches nothing")
        files: list[str] = []
        for match in matches:
            if os.path.isdir(match):
                files.extend(_local_entries(match))
            elif _is_archive_name(match):
                files.append(_check_readable(match))
        if not files:
            raise UserError(f"input {spec}: glob matches no {'/'.join(ARCHIVE_SUFFIXES)} files")
        return files
    raise UserError(f"input {spec}: no such file or directory")


def _check_readable(path: str) -> str:
    """Open and close the file now, so a permission problem is a user error before the job."""
    if not os.path.exists(path):
        raise UserError(f"input {path}: no such file (broken link?)")
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        raise UserError(f"input {path}: cannot read ({error.strerror or error})") from None
    return path


def _listing_entries(spec: str, paths_base: str) -> list[tuple[str, bool]]:
    """The archive URIs a Common Crawl `*.paths(.gz)` listing names, joined onto `paths_base`."""
    raw = _read_listing(spec)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise UserError(f"input {spec}: listing is not valid gzip ({error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"input {spec}: listing is not UTF-8 text") from None

    base_is_url = _is_url(paths_base)
    if not base_is_url:
        if "://" in paths_base:
            raise UserError(f"paths_base {paths_base}: unsupported URL scheme (use http(s):// or a local directory)")
        if not os.path.isdir(paths_base):
            raise UserError(f"paths_base {paths_base}: not a directory (listing {spec})")

    entries: list[tuple[str, bool]] = []
    for number, line in enumerate(io.StringIO(text), start=1):
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        if _is_url(key):
            _check_archive_name(f"{spec} line {number}", _url_name(key))
            entries.append((key, False))
            continue
        _check_archive_name(f"{spec} line {number}", key.rsplit("/", 1)[-1])
        if base_is_url:
            entries.append((paths_base.rstrip("/") + "/" + key.lstrip("/"), False))
        else:
            entries.append((os.path.join(paths_base, key.lstrip("/")), True))
    if not entries:
        raise UserError(f"input {spec}: listing names no files")
    return entries


def _read_listing(spec: str) -> bytes:
    if _is_url(spec):
        try:
            with open_input(spec) as stream:
                return stream.read()
        except FileError as error:
            raise UserError(f"input {spec}: cannot fetch listing ({error.message})") from None
        except (OSError, http.client.HTTPException) as error:
            raise UserError(f"input {spec}: listing download broke off ({error})") from None
    if not os.path.lexists(spec):
        raise UserError(f"input {spec}: no such file")
    try:
        with open(spec, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise UserError(f"input {spec}: cannot read ({error.strerror or error})") from None


def _retry_after(value: str | None, default: float) -> float:
    """Honour a `Retry-After: <seconds>` that is not absurdly long; otherwise back off as usual."""
    if value and value.strip().isdigit():
        return min(float(value.strip()), MAX_BACKOFF_S)
    return default

