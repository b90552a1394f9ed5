"""A generated crawl for the image dedup tests: real images, real English prose, one logo everywhere."""

from __future__ import annotations

import base64
import io
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.helpers import REPO
from weft.pipeline.images.validate import inspect_image
from weft.schemas.document import make_doc_id

SITE = "http://www.example.org"
LOGO_URLS = (f"{SITE}/static/logo.jpg", "http://cdn.example.net/logo.jpg?v=2")
"""The same logo bytes under two URLs (a site and its CDN): 6 pages each, 12 by bytes."""


@dataclass
class LogoCrawl:
    """What `logo_crawl` wrote: the WARC, and which page shows which image."""

    warc: Path
    pages: list[str]
    """Page URLs in crawl order."""
    doc_ids: dict[str, str]
    sha256: dict[str, str]
    """{"logo" | "badge" | "ten" | "other" | "content-<i>": SHA-256 of its bytes}."""
    shown: dict[str, list[int]] = field(default_factory=dict)
    """{image name: the pages (indices) that show it}."""


def _paragraphs(article: Path) -> list[str]:
    text = article.read_text(encoding="utf-8").split("+++", 2)[2]
    blocks = [" ".join(b.split()) for b in text.split("\n\n")]
    return [b for b in blocks if b and not b.startswith("[")]


def build_logo_crawl(shared_data: Path, path: Path) -> LogoCrawl:
    """15 English pages (paragraphs of the demo's articles) and the image records they need:

    - the archive.org logo (real, 84x70) on pages 0-11 under two URLs, twice on page 0;
    - a badge (real, 162x64) inline as a `data:` URI on pages 1-10 and 14 (11 pages);
    - an image on exactly 10 pages (1-10) and one on 3 pages (0-2);
    - a book cover of its own on each of pages 0-13 (page 14 shows only the badge).

    With `image_boilerplate_v1` at its default (more than 10 documents), the logo and the badge
    are boilerplate; the image on 10 pages and the one on 3 stay.
    """
    web = shared_data / "images" / "web"
    files = {"logo": web / "aut_IAH-20080430204825-00000-blackbook__029.jpg",
             "badge": web / "aut_IAH-20080430204825-00000-blackbook__051.gif",
             "ten": web / "aut_IAH-20080430204825-00000-blackbook__015.jpg",
             "other": web / "aut_IAH-20080430204825-00000-blackbook__046.gif"}
    files.update({f"content-{i}": web / f"nodewarc_books__{i + 1:03d}.jpg" for i in range(14)})
    data = {name: p.read_bytes() for name, p in files.items()}
    articles = sorted(p for p in (REPO / "demo" / "texts" / "en").glob("*.txt")
                      if not p.stem.startswith("spam") and not p.stem.endswith(("-digest", "-print")))
    badge_uri = "data:image/gif;base64," + base64.b64encode(data["badge"]).decode()
    shown: dict[str, list[int]] = {"logo": list(range(12)), "badge": [*range(1, 11), 14], "ten": list(range(1, 11)),
                                   "other": [0, 1, 2], **{f"content-{i}": [i] for i in range(14)}}
    urls = {"ten": f"{SITE}/media/ten.jpg", "other": f"{SITE}/media/other.gif",
            **{f"content-{i}": f"{SITE}/covers/{i}.jpg" for i in range(14)}}
    pages: list[str] = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in range(15):
            meta = tomllib.loads(articles[n].read_text(encoding="utf-8").split("+++", 2)[1])
            paragraphs = _paragraphs(articles[n])
            figures: list[str] = []
            if n in shown["logo"]:
                figures.append(LOGO_URLS[0] if n < 6 else LOGO_URLS[1])
            for name in ("badge", "ten", "other"):
                if n in shown[name]:
                    figures.append(badge_uri if name == "badge" else urls[name])
            if n < 14:
                figures.append(urls[f"content-{n}"])
            body = [f"<html lang='en'><head><title>{meta['title']}</title></head><body><article><h1>{meta['title']}</h1>"]
            for i, paragraph in enumerate(paragraphs):
                body.append(f"<p>{paragraph}</p>")
                if i < len(figures):
                    body.append(f"<p><img src='{figures[i]}' alt='figure {i}'></p>")
            body.extend(f"<p><img src='{src}' alt='figure {i}'></p>" for i, src in enumerate(figures) if i >= len(paragraphs))
            if n == 0:
                body.append(f"<p>Back to the top of the page.</p><p><img src='{LOGO_URLS[0]}' alt='logo'></p>")
            body.append("</article></body></html>")
            url = f"{SITE}/post-{n:02d}.html"
            _record(writer, url, "\n".join(body).encode("utf-8"), "text/html; charset=utf-8")
            pages.append(url)
        types = {".jpg": "image/jpeg", ".gif": "image/gif"}
        for url in LOGO_URLS:
            _record(writer, url, data["logo"], "image/jpeg")
        for name, url in sorted(urls.items()):
            _record(writer, url, data[name], types[files[name].suffix])
    return LogoCrawl(warc=path, pages=pages, doc_ids={u: make_doc_id(u, _record_id(u)) for u in pages},
                     sha256={name: inspect_image(b).sha256 for name, b in data.items()}, shown=shown)


def _record_id(url: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>"


def _record(writer: WARCWriter, url: str, body: bytes, content_type: str) -> None:
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
                                       warc_headers_dict={"WARC-Record-ID": _record_id(url), "WARC-Date": "2024-05-20T00:00:00Z"})
    writer.write_record(record)


@pytest.fixture(scope="session")
def logo_crawl(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> LogoCrawl:
    return build_logo_crawl(shared_data, tmp_path_factory.mktemp("logo-crawl") / "site.warc.gz")
