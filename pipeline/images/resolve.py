"""The image stage: every image slot of a kept document gets bytes and a status.

Resolution order per slot (ARCHITECTURE.md): (a) a `data:` URI is decoded in place; (b) an
`image/*` record with the same URL in any input of the job (the archive index the reader wrote);
(c) a download with img2dataset (`pipeline/images/download.py`), once per unique URL per job, after the
network policy allowed it. Whatever the source, the bytes are validated the same way with Pillow
under explicit caps (`pipeline/images/validate.py`). A slot that gets no valid bytes leaves the document
for `dropped_slots`, with its status as the reason and its fetch record attached; nothing vanishes.

The stage is three plain-Python steps that the runner wires into Ray Data around two joins:

1. `StageDocs` (per chunk of pages, after the text stages): the chunk's rows go to
   `_work/docs/<stem>.parquet`, and the URLs its kept documents need to `_work/slots/<stem>.parquet`
   (one row per distinct URL per chunk, plus one sentinel row so every chunk is finalized).
URLs meet under `weft.pipeline.net.urls.canonical_url` (so `http://h:80/a.gif` in an ARC file and
`http://h/a.gif` on a page are one image).

2. `ResolveImages` (per batch of unique URLs joined with the archive index and earlier download
   results): archive bytes, earlier results or a fresh download, then validation: one image row
   per URL (`IMAGE_ROW_SCHEMA`).
3. `FinalizeChunk` (per chunk, with the image rows its URLs joined to): attach bytes, info and
   fetch records to the slots, then hand the documents to the writer.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote_to_bytes

import pyarrow as pa
import pyarrow.parquet as pq

from weft.jobs.spec import ImagesConfig
from weft.pipeline.images import status as st
from weft.pipeline.images.download import ByteBudget, DownloadSettings, LocalBudget, UnlimitedBudget, batch_id, download_batch
from weft.pipeline.images.validate import ImageLimits, ImageRejected, inspect_image, sniff_content_type
from weft.pipeline.net.policy import NetworkPolicy, Refused, check_url
from weft.pipeline.net.urls import canonical_url
from weft.pipeline.run.stages import write_parquet_atomic, chunk_stem
from weft.schemas.arrow import FETCH_TYPE, IMAGE_INFO_TYPE, fetch_dict, info_dict, row_to_document
from weft.schemas.document import DroppedSlot, FetchResult, ImageInfo, TextBlock

DOCS_DIR = "_work/docs"
SLOTS_DIR = "_work/slots"
IMAGES_DIR = "_work/images"
DOWNLOADS_DIR = "_work/downloads"
DOWNLOAD_RESULTS_DIR = f"{DOWNLOADS_DIR}/results"

SLOT_ROW_SCHEMA = pa.schema([pa.field("stem", pa.string()), pa.field("url", pa.string())])
"""A URL one chunk needs; `url` null marks the chunk's sentinel row."""

IMAGE_ROW_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string()),
        pa.field("content", pa.binary()),
        pa.field("content_type", pa.string()),
        pa.field("info", IMAGE_INFO_TYPE),
        pa.field("fetch", FETCH_TYPE),
    ]
)
"""One unique URL's outcome: validated bytes (or none) with what decoding showed and how it was fetched."""

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


@dataclass(frozen=True)
class ImageSettings:
    """The image stage's settings, derived once from the job's `[images]` section."""

    config: ImagesConfig
    limits: ImageLimits
    policy: NetworkPolicy
    download: DownloadSettings

    @classmethod
    def from_config(cls, cfg: ImagesConfig) -> ImageSettings:
        policy = NetworkPolicy(allow_private_networks=cfg.allow_private_networks, allow_hosts=frozenset(cfg.allow_hosts))
        return cls(
            config=cfg,
            limits=ImageLimits(max_bytes=cfg.max_image_bytes, max_pixels=cfg.max_pixels),
            policy=policy,
            download=DownloadSettings(
                timeout_s=cfg.timeout_s,
                retries=cfg.retries,
                threads=cfg.threads,
                max_image_bytes=cfg.max_image_bytes,
                user_agent_token=cfg.user_agent_token,
                disallowed_header_directives=cfg.disallowed_header_directives,
                policy=policy,
            ),
        )


# ----- step 1: stage documents and the URLs they need -------------------------------------------


def fetchable_urls(doc_row: dict[str, Any], max_per_doc: int) -> list[str]:
    """The URLs of a document's first `max_per_doc` image slots that need the archive or a download."""
    urls = [u for u in (doc_row.get("images") or []) if u is not None][:max_per_doc]
    return [canonical_url(u) for u in urls if not u.startswith("data:")]


class StageDocs:
    """Persist a chunk's document rows and the distinct URLs its kept documents need."""

    def __init__(self, cfg: ImagesConfig, output_dir: str, row_schema: pa.Schema) -> None:
        self.cfg = cfg
        self.output_dir = Path(output_dir)
        self.row_schema = row_schema

    def stage(self, rows: list[dict[str, Any]]) -> str:
        stem = chunk_stem(rows)
        write_parquet_atomic(self.output_dir / DOCS_DIR / f"{stem}.parquet", pa.Table.from_pylist(rows, schema=self.row_schema))
        urls: dict[str, None] = {}
        for row in rows:
            if row["outcome"] == "kept":
                urls.update(dict.fromkeys(fetchable_urls(row, self.cfg.max_images_per_doc)))
        slot_rows = [{"stem": stem, "url": None}] + [{"stem": stem, "url": u} for u in urls]
        write_parquet_atomic(self.output_dir / SLOTS_DIR / f"{stem}.parquet", pa.Table.from_pylist(slot_rows, schema=SLOT_ROW_SCHEMA))
        return stem


# ----- step 2: one outcome per unique URL ---------------------------------------------------------


def image_row(
    url: str,
    content: bytes | None,
    *,
    source: str,
    settings: ImageSettings,
    declared_type: str | None = None,
    status: str = st.OK,
    http_status: int | None = None,
    elapsed_ms: float | None = None,
    error: str | None = None,
    received: int | None = None,
) -> dict[str, Any]:
    """Validate `content` (when there is any) and build the URL's image row."""
    info = None
    content_type = None
    if content is not None and status == st.OK:
        received = len(content) if received is None else received
        try:
            info = inspect_image(content, settings.limits)
        except ImageRejected as rejected:
            status, error, content = rejected.status, rejected.detail, None
        else:
            content_type = sniff_content_type(content) or declared_type
            keep = settings.config.keep_bytes
            if keep == "none":
                content = None
            elif keep == "resized":
                content, problem = resize(content, settings.config.resize_max_side, settings.config.resize_mode)
                if content is None:
                    status, error, info, content_type = st.DECODE_ERROR, f"resizing failed: {problem}", None, None
                else:
                    content_type = sniff_content_type(content) or "image/jpeg"
    else:
        content = None
    fetch = FetchResult(source, status, http_status, received, elapsed_ms, error)
    return {
        "url": url,
        "content": content,
        "content_type": content_type,
        "info": info_dict(info),
        "fetch": fetch_dict(fetch),
    }


def resize(content: bytes, max_side: int, mode: str) -> tuple[bytes | None, str | None]:
    """Re-encode with img2dataset's resizer (its resize modes), only shrinking; (bytes, None) or
    (None, img2dataset's error)."""
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # albumentations checks PyPI at import otherwise
    from img2dataset.resizer import Resizer

    resizer = Resizer(image_size=max_side, resize_mode=mode, resize_only_if_bigger=True, encode_format="jpg", skip_reencode=True)
    out, _w, _h, _ow, _oh, err = resizer(io.BytesIO(content))
    return (None, err) if err is not None else (out, None)


class ResolveImages:
    """A batch of unique URLs to image rows: archive bytes, an earlier result, or a download.

    Input columns: `url`, the archive match (`payload`, `archive_content_type`; null when the
    inputs hold no record of that URL) and the earlier download result (`prior_*`; null on a
    first run). Downloads happen inside this call, one img2dataset shard per batch, so the URL
    list never passes through the driver.
    """

    def __init__(self, settings: ImageSettings, output_dir: str, budget: ByteBudget | None = None) -> None:
        self.settings = settings
        self.output_dir = Path(output_dir)
        # Without a shared budget (an in-process run), this call's own budget enforces the cap.
        limit = settings.config.max_job_bytes
        self.budget = budget or (LocalBudget(limit) if limit else UnlimitedBudget())

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        out: list[dict[str, Any]] = []
        to_download: list[str] = []
        attempts: dict[str, int] = {}
        for row in rows:
            url = row["url"]
            if row.get("payload") is not None:
                out.append(image_row(url, row["payload"], source=st.SOURCE_ARCHIVE, settings=self.settings, declared_type=row.get("archive_content_type")))
            elif row.get("prior_status") is not None and not st.is_retryable(row["prior_status"], row.get("prior_http_status")):
                out.append(self._from_result(row, prefix="prior_"))
            else:
                try:
                    check_url(url, self.settings.policy)
                except Refused as refused:
                    out.append(image_row(url, None, source=st.SOURCE_NONE, settings=self.settings, status=_refusal_status(refused), error=str(refused)[:300]))
                    continue
                if not self.settings.config.download:
                    out.append(image_row(url, None, source=st.SOURCE_NONE, settings=self.settings, status=st.NOT_ATTEMPTED, error="images.download is off and the inputs hold no copy"))
                else:
                    to_download.append(url)
                    attempts[url] = (row.get("prior_attempt") or 0) + 1
        if to_download:
            results = download_batch(sorted(to_download), self.output_dir / DOWNLOADS_DIR, self.settings.download, self.budget)
            persisted = [
                {"url": r.url, "content": r.content, "status": r.status, "http_status": r.http_status, "bytes": r.bytes,
                 "elapsed_ms": r.elapsed_ms, "error": r.error, "attempt": attempts[r.url]}
                for r in results
            ]
            write_parquet_atomic(self.output_dir / DOWNLOAD_RESULTS_DIR / f"{batch_id(sorted(to_download)):017d}.parquet", pa.Table.from_pylist(persisted, schema=DOWNLOAD_RESULT_SCHEMA))
            out.extend(self._from_result(r, prefix="") for r in persisted)
        return pa.Table.from_pylist(out, schema=IMAGE_ROW_SCHEMA)

    def _from_result(self, row: dict[str, Any], prefix: str) -> dict[str, Any]:
        return image_row(
            row["url"],
            row[f"{prefix}content"],
            source=st.SOURCE_DOWNLOAD,
            settings=self.settings,
            status=row[f"{prefix}status"],
            http_status=row[f"{prefix}http_status"],
            elapsed_ms=row[f"{prefix}elapsed_ms"],
            error=row[f"{prefix}error"],
            received=row[f"{prefix}bytes"],
        )


def latest_attempt(results: pa.Table) -> pa.Table:
    """Of one URL's persisted download results (a groupby group), the latest attempt."""
    attempts = results.column("attempt").to_pylist()
    return results.slice(max(range(len(attempts)), key=lambda i: attempts[i] or 0), 1)


def _refusal_status(refused: Refused) -> str:
    return st.INVALID_URL if refused.reason == "invalid_url" else (st.CONNECTION_ERROR if refused.reason == "dns_error" else st.BLOCKED)


# ----- step 3: attach images to the documents of one chunk ---------------------------------------


def decode_data_uri(uri: str) -> tuple[bytes, str | None]:
    """The bytes and declared type of a `data:` URI; raises ValueError when it is malformed."""
    header, sep, data = uri[5:].partition(",")
    if not sep:
        raise ValueError("data: URI without a comma")
    params = header.split(";")
    content_type = params[0].strip().lower() or None
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            return base64.b64decode(unquote_to_bytes(data), validate=False), content_type
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"bad base64 in data: URI ({exc})") from None
    return unquote_to_bytes(data), content_type


def _best(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two rows for one URL (two archive copies): prefer a decodable one, then the smaller sha256,
    so the choice never depends on which worker finished first."""
    key = lambda r: (r["fetch"]["status"] != st.OK, (r["info"] or {}).get("sha256") or "")  # noqa: E731
    return min(a, b, key=key)


class FinalizeChunk:
    """Give the slots of one chunk's documents their images and statuses; returns the documents
    (kept ones with images attached, others untouched) plus per-status slot counts."""

    def __init__(self, settings: ImageSettings, output_dir: str) -> None:
        self.settings = settings
        self.output_dir = Path(output_dir)

    def load_rows(self, stem: str) -> list[dict[str, Any]]:
        return pq.read_table(self.output_dir / DOCS_DIR / f"{stem}.parquet").to_pylist()

    def attach(self, rows: list[dict[str, Any]], images: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Any], Counter[str]]:
        """Returns (all rows, kept documents with images attached in row order, status counts)."""
        by_url: dict[str, dict[str, Any]] = {}
        for image in images:
            if image.get("url") is None or image.get("fetch") is None:
                continue
            known = by_url.get(image["url"])
            by_url[image["url"]] = image if known is None else _best(known, image)
        counts: Counter[str] = Counter()
        docs = []
        for row in rows:
            if row["outcome"] != "kept":
                continue
            doc = row_to_document(row)
            docs.append(self._attach_doc(doc, by_url, counts))
        return rows, docs, counts

    def _attach_doc(self, doc: Any, by_url: dict[str, dict[str, Any]], counts: Counter[str]) -> Any:
        segments: list[Any] = []
        dropped = list(doc.dropped_slots)
        cap = self.settings.config.max_images_per_doc
        seen_images = 0
        for seg in doc.segments:
            if isinstance(seg, TextBlock):
                if segments and isinstance(segments[-1], TextBlock):
                    # The two blocks met where an image was dropped: one block, as the extractor
                    # would have written it had the image never been there.
                    segments[-1] = TextBlock(f"{segments[-1].text}\n\n{seg.text}")
                else:
                    segments.append(seg)
                continue
            seen_images += 1
            if seen_images > cap:
                image = image_row(seg.url, None, source=st.SOURCE_NONE, settings=self.settings, status=st.OVER_CAP,
                                  error=f"beyond images.max_images_per_doc = {cap}")
            elif seg.url.startswith("data:"):
                image = self._data_uri_image(seg.url)
            else:
                image = by_url.get(canonical_url(seg.url)) or image_row(seg.url, None, source=st.SOURCE_NONE, settings=self.settings,
                                                         status=st.NOT_ATTEMPTED, error="no result for this URL")
            fetch = FetchResult(**image["fetch"])
            info = None if image["info"] is None else ImageInfo(**image["info"])
            counts[fetch.status] += 1
            if fetch.status == st.OK:
                segments.append(replace(seg, content=image["content"], content_type=image["content_type"], info=info, fetch=fetch))
            else:
                dropped.append(DroppedSlot(len(segments), seg.raw_value, seg.source_attr, seg.url, fetch.status, seg.alt, info, fetch))
        doc.segments = segments
        doc.dropped_slots = dropped
        return doc

    def _data_uri_image(self, uri: str) -> dict[str, Any]:
        try:
            content, declared = decode_data_uri(uri)
        except ValueError as exc:
            return image_row(uri, None, source=st.SOURCE_DATA_URI, settings=self.settings, status=st.INVALID_URL, error=str(exc))
        return image_row(uri, content, source=st.SOURCE_DATA_URI, settings=self.settings, declared_type=declared)
