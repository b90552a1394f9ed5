"""Downloading one batch of unique image URLs with img2dataset's downloader, safely.

weft does not reimplement downloading: img2dataset's `Downloader` brings its thread pool,
timeouts, retries, user agent, `X-Robots-Tag` opt-out handling (`noai`, `noimageai`, ...) and a
per-sample status. weft adds what it lacks, without forking it: while a batch downloads, this
process's urllib opener is weft's (`pipeline/net/safe_http.py`), so every connection img2dataset opens
obeys the network policy (no private, loopback, link-local or metadata addresses, also after
redirects and DNS rebinding) and the byte cap (a 1 GB Content-Length is refused before its body).
A thin recording layer around that opener notes, per URL, the HTTP status, bytes and time that
img2dataset does not report, and charges the job's byte budget.

img2dataset reads its input as Arrow IPC shards and writes a Parquet file per shard; both live
under `OUTPUT/_work/downloads/`, so a crashed or repeated job can reuse finished results. With
`disable_all_reencoding` the bytes written are exactly the bytes received; weft validates them
with Pillow afterwards, the same way for archive records, data: URIs and downloads.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.images import status as st
from weft.pipeline.net.policy import NetworkPolicy
from weft.pipeline.net.safe_http import build_opener, classify_message, installed_opener

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
    http_status: int | None = None
    bytes: int = 0
    started: float = 0.0
    finished: float | None = None


class _RecordingOpener:
    """Wraps weft's opener to note per-URL facts img2dataset drops, and to enforce the budget.

    urllib's `urlopen` only needs an object with `open(url, data, timeout)`; img2dataset's threads
    share this one, so the table is guarded by a lock.
    """

    def __init__(self, inner: urllib.request.OpenerDirector, budget: ByteBudget) -> None:
        self.inner = inner
        self.budget = budget
        self.records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def open(self, fullurl: Any, data: Any = None, timeout: Any = None) -> Any:
        url = fullurl.full_url if isinstance(fullurl, urllib.request.Request) else str(fullurl)
        record = _Record(started=time.monotonic())
        with self._lock:
            self.records[url] = record
        if self.budget.exhausted():
            record.finished = time.monotonic()
            raise BudgetExhausted()
        try:
            response = self.inner.open(fullurl, data, timeout) if timeout is not None else self.inner.open(fullurl, data)
        except urllib.error.HTTPError as error:
            record.http_status = error.code
            record.finished = time.monotonic()
            raise
        except BaseException:
            record.finished = time.monotonic()
            raise
        record.http_status = getattr(response, "status", None)
        read = response.read

        def counting_read(*args: Any) -> bytes:
            chunk = read(*args)
            record.bytes += len(chunk)
            self.budget.charge(len(chunk))
            if not args or not chunk:
                record.finished = time.monotonic()
            return chunk

        response.read = counting_read
        return response


@dataclass(frozen=True)
class DownloadSettings:
    timeout_s: float
    retries: int
    threads: int
    max_image_bytes: int
    user_agent_token: str
    disallowed_header_directives: tuple[str, ...]
    policy: NetworkPolicy


@dataclass(frozen=True)
class Downloaded:
    url: str
    content: bytes | None
    status: str
    http_status: int | None
    bytes: int | None
    elapsed_ms: float | None
    error: str | None


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
        retries=settings.retries,
        user_agent_token=settings.user_agent_token,
        disallowed_header_directives=list(settings.disallowed_header_directives),
    )
    recorder = _RecordingOpener(build_opener(settings.policy, max_bytes=settings.max_image_bytes), budget)
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
