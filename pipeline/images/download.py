"""Downloading one batch of unique image URLs with img2dataset's downloader, safely and politely.

weft does not reimplement downloading: img2dataset's `Downloader` brings its thread pool,
timeouts, user agent, `X-Robots-Tag` opt-out handling (`noai`, `noimageai`, ...) and a
per-sample status. weft adds what it lacks, without forking it: while a batch downloads, this
process's urllib opener is weft's (`pipeline/net/safe_http.py`), so every connection img2dataset opens
obeys the network policy (no private, loopback, link-local or metadata addresses, also after
redirects and DNS rebinding) and the byte cap (a 1 GB Content-Length is refused before its body).
A thin layer around that opener (`_BatchOpener`) notes, per URL, the HTTP status, bytes and time
that img2dataset does not report, charges the job's byte budget, and retries.

Retries are weft's, not img2dataset's: img2dataset's loop asks again, at once, after any failure
(a 404 as well as a timeout, and even after an `X-Robots-Tag` refusal), so weft gives it
`retries=0` and retries inside the opener, where the error is still an exception it can classify:

- a permanent answer (`status.is_retryable` false: a 4xx other than 408 and 429, a refusal by
  the network policy, an image over the byte cap) costs the site exactly one request;
- a retryable one (timeout, connection error, 408, 429, 5xx) is asked again up to `retries`
  times, after `backoff_s`, doubling per attempt up to `max_backoff_s`, or after the server's
  `Retry-After` when it asks for a wait no longer than `max_backoff_s` (one that asks for longer
  ends the attempts for this job; the URL stays retryable for `--resume`).

To retry a body that stalls or breaks off, the opener reads the body itself (under the same byte
cap and timeout) and hands img2dataset a response that replays it; a response that
`X-Robots-Tag` forbids is handed over unread, as img2dataset would have left it.

img2dataset reads its input as Arrow IPC shards and writes a Parquet file per shard; both live
under `OUTPUT/_work/downloads/`, so a crashed or repeated job can reuse finished results. With
`disable_all_reencoding` the bytes written are exactly the bytes received; weft validates them
with Pillow afterwards, the same way for archive records, data: URIs and downloads.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.images import status as st
from weft.pipeline.net.policy import NetworkPolicy
from weft.pipeline.net.safe_http import build_opener, classify_error, classify_message, installed_opener

RETRY_BACKOFF_S = 0.5
"""The wait before the first retry of a URL; it doubles per attempt, up to `MAX_RETRY_BACKOFF_S`."""
MAX_RETRY_BACKOFF_S = 4.0
"""Small on purpose: a download thread waits this long at most, and a URL still failing after
its retries can be tried again by `--resume`."""

ENCODE_COLUMN = "jpg"  # img2dataset names its bytes column after encode_format; bytes are not re-encoded


class ByteBudget(Protocol):
    """The job's download budget; the runner passes one shared by all download tasks."""

    def exhausted(self) -> bool: ...

    def charge(self, n: int) -> None: ...


class UnlimitedBudget:
    def exhausted(self) -> bool:
        return False

    def charge(self, n: int) -> None:
        pass


class LocalBudget:
    """A budget for one process (tests, inline runs); the Ray runner uses an actor-backed one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def exhausted(self) -> bool:
        with self._lock:
            return self.used >= self.limit

    def charge(self, n: int) -> None:
        with self._lock:
            self.used += n


class BudgetExhausted(Exception):
    def __str__(self) -> str:
        return f"[{st.BUDGET_EXHAUSTED}] the job's images.max_job_bytes is used up"


@dataclass
class _Record:
    """What the last attempt at one URL did."""

    http_status: int | None = None
    bytes: int = 0
    started: float = 0.0
    finished: float | None = None


class _BatchOpener:
    """Wraps weft's opener to note per-URL facts img2dataset drops, enforce the budget, and retry
    retryable failures with backoff (see the module docstring).

    urllib's `urlopen` only needs an object with `open(url, data, timeout)`; img2dataset's threads
    share this one, so the table is guarded by a lock.
    """

    def __init__(self, inner: urllib.request.OpenerDirector, budget: ByteBudget, settings: DownloadSettings) -> None:
        self.inner = inner
        self.budget = budget
        self.settings = settings
        self.records: dict[str, _Record] = {}
        self._lock = threading.Lock()
        self._token = settings.user_agent_token.strip().lower() if settings.user_agent_token else None
        self._directives = {d.strip().lower() for d in settings.disallowed_header_directives}

    def open(self, fullurl: Any, data: Any = None, timeout: Any = None) -> Any:
        url = fullurl.full_url if isinstance(fullurl, urllib.request.Request) else str(fullurl)
        record = _Record()
        with self._lock:
            self.records[url] = record
        attempt = 0
        while True:
            record.started, record.finished, record.bytes, record.http_status = time.monotonic(), None, 0, None
            if self.budget.exhausted():
                record.finished = time.monotonic()
                raise BudgetExhausted()
            try:
                return self._attempt(fullurl, data, timeout, record)
            except Exception as error:
                record.finished = time.monotonic()
                wait = self._wait(attempt, error) if attempt < self.settings.retries else None
                if wait is None:
                    raise
                if isinstance(error, urllib.error.HTTPError):
                    error.close()  # its connection, before waiting
            time.sleep(wait)
            attempt += 1

    def _attempt(self, fullurl: Any, data: Any, timeout: Any, record: _Record) -> Any:
        """One request; the body is read here (so that a body that stalls can be retried) unless
        `X-Robots-Tag` forbids the image, and replayed to img2dataset."""
        try:
            if timeout is None:
                response = self.inner.open(fullurl, data)
            else:
                response = self.inner.open(fullurl, data, timeout)
        except urllib.error.HTTPError as error:
            record.http_status = error.code
            raise
        record.http_status = getattr(response, "status", None)
        if self._directives and _robots_forbid(response.headers, self._token, self._directives):
            return response  # img2dataset refuses it without reading the body
        try:
            # read() with no size: the capped response reads in blocks, stops at the byte cap,
            # and reports a body shorter than its Content-Length (read(n) would hide that).
            body = response.read()
        except BaseException:
            response.close()
            raise
        record.finished = time.monotonic()
        record.bytes = len(body)
        self.budget.charge(len(body))
        offset = 0

        def replay(amt: int | None = None, *_: Any) -> bytes:
            nonlocal offset
            end = len(body) if amt is None or amt < 0 else min(len(body), offset + amt)
            piece, offset = body[offset:end], end
            return piece

        response.read = replay
        return response

    def _wait(self, attempt: int, error: Exception) -> float | None:
        """Seconds to wait before asking again after `error`, or None if it must not be retried."""
        if isinstance(error, BudgetExhausted):
            return None
        try:
            status, code = classify_error(error)
        except TypeError:  # not a download failure: never retried
            return None
        if not st.is_retryable(status, code):
            return None
        wait = min(self.settings.max_backoff_s, self.settings.backoff_s * 2**attempt)
        if isinstance(error, urllib.error.HTTPError) and error.headers is not None:
            asked = _retry_after(error.headers.get("Retry-After"))
            if asked is not None:
                return asked if asked <= self.settings.max_backoff_s else None
        return wait


def _robots_forbid(headers: Any, token: str | None, directives: set[str]) -> bool:
    from img2dataset.downloader import is_disallowed

    return bool(is_disallowed(headers, token, directives))


def _retry_after(value: str | None) -> float | None:
    """A `Retry-After` in seconds (`120`) or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class DownloadSettings:
    timeout_s: float
    retries: int
    threads: int
    max_image_bytes: int
    user_agent_token: str
    disallowed_header_directives: tuple[str, ...]
    policy: NetworkPolicy
    backoff_s: float = RETRY_BACKOFF_S
    """Wait before the first retry of a URL; doubles per attempt (see the module docstring)."""
    max_backoff_s: float = MAX_RETRY_BACKOFF_S
    """Longest wait between attempts, and the longest `Retry-After` weft waits for in a job."""


@dataclass(frozen=True)
class Downloaded:
    url: str
    content: bytes | None
    status: str
    http_status: int | None
    bytes: int | None
    elapsed_ms: float | None
    error: str | None


DOWNLOAD_RESULT_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string()),
        pa.field("content", pa.binary()),
        pa.field("status", pa.string()),
        pa.field("http_status", pa.int32()),
        pa.field("bytes", pa.int64()),
        pa.field("elapsed_ms", pa.float64()),
        pa.field("error", pa.string()),
        pa.field("attempt", pa.int32()),
    ]
)
"""What a download attempt returned, persisted so a rerun only fetches what is missing or retryable.
`attempt` counts the jobs that tried the URL; a resumed job reads only each URL's latest attempt."""


def batch_id(urls: list[str]) -> int:
    """A stable integer id for a batch of URLs (img2dataset names its files after it)."""
    digest = hashlib.blake2b("\n".join(urls).encode("utf-8", "surrogatepass"), digest_size=7).digest()
    return int.from_bytes(digest, "big")


def download_batch(urls: list[str], work_dir: Path, settings: DownloadSettings, budget: ByteBudget) -> list[Downloaded]:
    """Download `urls` (unique, already allowed by `check_url`) and return one result per URL."""
    if not urls:
        return []
    # albumentations (imported by img2dataset) checks PyPI for updates at import unless told not to.
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from img2dataset.downloader import Downloader
    from img2dataset.resizer import Resizer
    from img2dataset.writer import ParquetSampleWriter

    shard = batch_id(urls)
    in_dir, out_dir = work_dir / "in", work_dir / "out"
    in_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    in_path = in_dir / f"{shard:017d}.arrow"
    with pa.OSFile(str(in_path), "wb") as sink, pa.ipc.new_file(sink, pa.schema([("url", pa.string())])) as writer:
        writer.write_table(pa.table({"url": urls}))
    downloader = Downloader(
        sample_writer_class=ParquetSampleWriter,
        resizer=Resizer(image_size=256, resize_mode="no", resize_only_if_bigger=True, disable_all_reencoding=True),
        thread_count=settings.threads,
        save_caption=False,
        extract_exif=False,
        output_folder=str(out_dir),
        column_list=["url"],
        timeout=settings.timeout_s,
        number_sample_per_shard=max(10, len(urls)),
        oom_shard_count=17,
        compute_hash=None,
        verify_hash_type=None,
        encode_format=ENCODE_COLUMN,
        retries=0,  # weft retries inside its opener, and only what is worth retrying
        user_agent_token=settings.user_agent_token,
        disallowed_header_directives=list(settings.disallowed_header_directives),
    )
    recorder = _BatchOpener(build_opener(settings.policy, max_bytes=settings.max_image_bytes), budget, settings)
    with installed_opener(recorder):  # type: ignore[arg-type]
        ok, _ = downloader((shard, str(in_path)))
    out_path = out_dir / f"{shard:017d}.parquet"
    if not ok or not out_path.is_file():
        raise RuntimeError(f"img2dataset failed on download batch {shard} ({len(urls)} URLs)")
    rows = pq.read_table(out_path, columns=["url", "status", "error_message", ENCODE_COLUMN]).to_pylist()
    results = []
    for row in rows:
        rec = recorder.records.get(row["url"])
        elapsed = None if rec is None or rec.finished is None else round((rec.finished - rec.started) * 1000, 3)
        if row["status"] == "success":
            content = row[ENCODE_COLUMN]
            results.append(Downloaded(row["url"], content, st.OK, rec.http_status if rec else None, len(content), elapsed, None))
        else:
            message = row["error_message"] or "unknown download failure"
            status, code = status_from_download_error(message)
            if code is None and rec is not None and status == st.HTTP_ERROR:
                code = rec.http_status
            results.append(Downloaded(row["url"], None, status, code, rec.bytes if rec else None, elapsed, message[:300]))
    return results


def status_from_download_error(message: str) -> tuple[str, int | None]:
    """img2dataset keeps only the text of a failure; map it back to weft's closed statuses."""
    if "disallowed by X-Robots-Tag" in message:
        return st.OPTED_OUT, None
    if message.startswith(f"[{st.BUDGET_EXHAUSTED}]"):
        return st.BUDGET_EXHAUSTED, None
    return classify_message(message)
