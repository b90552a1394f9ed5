"""Bench WARCs built from real pages, shared by the benchmark scripts.

The real saved pages under `shared/data/html` (or `$WEFT_SHARED_DATA/html`) are repeated into one
per-record-gzip WARC, as Common Crawl writes them; without them, the demo generator's pages.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WEFT_SHARED_DATA") or REPO.parent / "shared" / "data")
SHARED_HTML = SHARED_DATA / "html"


def shared_pages() -> list[tuple[str, bytes]]:
    files = sorted(SHARED_HTML.glob("readability/*/source.html")) + sorted(SHARED_HTML.glob("trafilatura/*.html"))
    return [(f"http://bench.example.org/{p.parent.name}/{p.name}", p.read_bytes()) for p in files]


def demo_pages(tmp: Path) -> list[tuple[str, bytes]]:
    from weft.demo.crawl import build_demo_crawl
    from weft.pipeline.read.warc import Page, ReadOptions, ReadStats, read_archive

    crawl = build_demo_crawl(tmp / "demo", "http://127.0.0.1:9/")
    return [(item.provenance.target_uri, item.html_utf8)
            for item in read_archive(str(crawl.warc_path), ReadOptions(index_images=False), ReadStats())
            if isinstance(item, Page)]


def build_warc(path: Path, pages: list[tuple[str, bytes]], count: int, gzip: bool = True) -> int:
    """`count` response records cycling through `pages`; returns the HTML bytes written."""
    total = 0
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for i in range(count):
            url, body = pages[i % len(pages)]
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"{url}?copy={i}", "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)
            total += len(body)
    return total
