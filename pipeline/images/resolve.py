"""Resolving image URLs: one outcome per unique URL of the job, whatever its source.

Resolution order per URL (ARCHITECTURE.md): an `image/*` record with the same canonical URL in
any input of the job (the archive index the reader wrote); else an earlier download attempt of
this output directory that need not be repeated (`--resume`); else, once the network policy
allows the URL, a download with img2dataset (`pipeline/images/download.py`) in one batch per
exchange partition. Whatever the source, the bytes are validated the same way with Pillow under
explicit caps (`pipeline/images/validate.py`) and measured, and every URL gets a status
(`pipeline/images/status.py`); `data:` URIs never get here, they are decoded where they stand
(`pipeline/images/attach.py`).

`ResolveImages` is the reducer of the image exchange (`pipeline/images/exchange.py`): it gets every
row of one partition, and returns one image row per (chunk, URL) the chunks asked for, plus each
chunk's own row, so the next barrier can regroup them by chunk. What the count of documents per
image needs (`documents`, inline images' rows) passes through to the count step
(`pipeline/images/counts.py`).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.images import status as st
from weft.pipeline.images.download import (
    DOWNLOAD_RESULT_SCHEMA, ByteBudget, LocalBudget, UnlimitedBudget, batch_id, download_batch,
)
from weft.pipeline.images.exchange import ARCHIVE, CHUNK, COUNT_FIELDS, INLINE, PRIOR, SLOT
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import has_marker, write_marker
from weft.pipeline.net.policy import Refused, check_url
from weft.pipeline.stage import Resources, Stage
from weft.schemas.arrow import FETCH_TYPE, IMAGE_INFO_TYPE, fetch_dict, info_dict
from weft.schemas.document import FetchResult

IMAGES_STEP = "images"

IMAGE_FIELDS = [
    pa.field("content", pa.binary()),
    pa.field("content_type", pa.string()),
    pa.field("info", IMAGE_INFO_TYPE),
    pa.field("fetch", FETCH_TYPE),
]
RESOLVED_SCHEMA = pa.schema([pa.field("stem", pa.string()), pa.field("url", pa.string())] + IMAGE_FIELDS + COUNT_FIELDS)
"""One URL's outcome for one chunk that asked for it (`url` and `sha256` null: the chunk's own
row; `url` null and `sha256` set: an inline image of the chunk, for the count step)."""



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
    from weft.pipeline.images.validate import ImageRejected, inspect_image, sniff_content_type  # Pillow (validate.py)

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


def _best(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two archive copies of one URL: prefer a decodable one, then the smaller sha256, so the
    choice never depends on the order the copies arrived in."""
    key = lambda r: (r["fetch"]["status"] != st.OK, (r["info"] or {}).get("sha256") or "")  # noqa: E731
    return min(a, b, key=key)


class ResolveImages(Stage):
    """Give each unique URL of one exchange partition bytes and a status (archive, earlier result or download)."""

    name = "resolve_images"
    resources = Resources(cpus=1.0)

    def __init__(self, settings: ImageSettings, layout: OutputLayout, budget: ByteBudget | None = None) -> None:
        self.settings = settings
        self.layout = layout
        # Without a shared budget (the in-process executor), this stage's own budget enforces the cap.
        limit = settings.config.max_job_bytes
        self.budget = budget or (LocalBudget(limit) if limit else UnlimitedBudget())

    def persists(self) -> tuple[Path, ...]:
        return (self.layout.download_results("<batch>"), self.layout.resolved_dir / "part-<n>.parquet",
                self.layout.done(IMAGES_STEP, "part-<n>"))

    def process(self, rows: pa.Table) -> pa.Table:
        """`rows`: every `EXCHANGE_SCHEMA` row of one partition. A partition resolved before (a
        resumed job) is read back instead of resolved again."""
        part = rows.column("part")[0].as_py()
        if has_marker(self.layout, IMAGES_STEP, f"part-{part:05d}"):
            return pq.read_table(self.layout.resolved(part))
        needed: dict[str, dict[str, list[str] | None]] = {}  # url -> {stem: its documents showing the url}
        chunks: set[str] = set()
        inline: list[dict[str, Any]] = []
        archive: dict[str, list[dict[str, Any]]] = {}
        prior: dict[str, dict[str, Any]] = {}
        for row in rows.to_pylist():
            kind, url = row["kind"], row["url"]
            if kind == CHUNK:
                chunks.add(row["stem"])
            elif kind == SLOT:
                stems = needed.setdefault(url, {})
                stems[row["stem"]] = _union(stems.get(row["stem"]), row["documents"])
            elif kind == INLINE:
                inline.append({"stem": row["stem"], "url": None, "sha256": row["sha256"], "documents": row["documents"]})
            elif kind == ARCHIVE:
                archive.setdefault(url, []).append(row)
            elif kind == PRIOR and (url not in prior or (row["attempt"] or 0) > (prior[url]["attempt"] or 0)):
                prior[url] = row
        images = self.resolve(sorted(needed), archive, prior)
        out = [{"stem": stem, "url": None} for stem in sorted(chunks)]
        out.extend(sorted(inline, key=lambda r: (r["stem"], r["sha256"])))
        for url in sorted(needed):
            out.extend({"stem": stem, **images[url], "documents": needed[url][stem]} for stem in sorted(needed[url]))
        table = pa.Table.from_pylist(out, schema=RESOLVED_SCHEMA)
        write_parquet_atomic(self.layout.resolved(part), table)
        counts = Counter(f"{i['fetch']['source']}:{i['fetch']['status']}" for i in images.values())
        write_marker(self.layout, IMAGES_STEP, f"part-{part:05d}", {"unique_images": dict(sorted(counts.items()))})
        return table

    def resolve(self, urls: list[str], archive: dict[str, list[dict[str, Any]]], prior: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """{url: image row} for `urls`, downloading what has no copy and no final earlier result."""
        images: dict[str, dict[str, Any]] = {}
        to_download: list[str] = []
        attempts: dict[str, int] = {}
        for url in urls:
            if url in archive:
                copies = [image_row(url, c["content"], source=st.SOURCE_ARCHIVE, settings=self.settings,
                                    declared_type=c["content_type"]) for c in archive[url]]
                best = copies[0]
                for copy in copies[1:]:
                    best = _best(best, copy)
                images[url] = best
            elif url in prior and not st.is_retryable(prior[url]["status"], prior[url]["http_status"]):
                images[url] = self._from_result(prior[url])
            else:
                try:
                    check_url(url, self.settings.policy)
                except Refused as refused:
                    images[url] = image_row(url, None, source=st.SOURCE_NONE, settings=self.settings,
                                            status=_refusal_status(refused), error=str(refused)[:300])
                    continue
                if not self.settings.config.download:
                    images[url] = image_row(url, None, source=st.SOURCE_NONE, settings=self.settings, status=st.NOT_ATTEMPTED,
                                            error="images.download is off and the inputs hold no copy")
                else:
                    to_download.append(url)
                    attempts[url] = ((prior.get(url) or {}).get("attempt") or 0) + 1
        if to_download:
            results = download_batch(to_download, self.layout.downloads, self.settings.download, self.budget)
            persisted = [
                {"url": r.url, "content": r.content, "status": r.status, "http_status": r.http_status, "bytes": r.bytes,
                 "elapsed_ms": r.elapsed_ms, "error": r.error, "attempt": attempts[r.url]}
                for r in results
            ]
            write_parquet_atomic(self.layout.download_results(f"{batch_id(to_download):017d}"),
                                 pa.Table.from_pylist(persisted, schema=DOWNLOAD_RESULT_SCHEMA))
            images.update((r["url"], self._from_result(r)) for r in persisted)
        return images

    def _from_result(self, row: dict[str, Any]) -> dict[str, Any]:
        return image_row(
            row["url"],
            row["content"],
            source=st.SOURCE_DOWNLOAD,
            settings=self.settings,
            status=row["status"],
            http_status=row["http_status"],
            elapsed_ms=row["elapsed_ms"],
            error=row["error"],
            received=row["bytes"],
        )


def _union(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    """Two lists of document ids as one (null when neither is: the job does not count)."""
    return b if a is None else a if b is None else sorted(set(a) | set(b))


def _refusal_status(refused: Refused) -> str:
    return st.INVALID_URL if refused.reason == "invalid_url" else (st.CONNECTION_ERROR if refused.reason == "dns_error" else st.BLOCKED)
