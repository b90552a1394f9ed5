"""HTTP Content-Encoding in stored responses (pipeline/read/content_encoding.py): real pages stored
gzip-, deflate- and br-encoded read back byte for byte; damaged data fails its record with the
decoder's reason, a cut stream gives a truncated page, and neither costs the other records."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from weft.pipeline.read.charset import html_utf8, split_content_type
from weft.pipeline.read.warc import ArchiveImage, Page, ReadOptions, ReadStats, read_archive


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _chunked(data: bytes, size: int = 7000) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def _warc(path: Path, records: list[tuple[str, str, bytes, list[tuple[str, str]]]]) -> Path:
    """One response record per (url, content type, stored payload, extra HTTP headers)."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, ctype, body, extra in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype), *extra], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                          length=len(body)))
    return path


def _read(path: Path, options: ReadOptions | None = None) -> tuple[dict[str, Page | ArchiveImage], ReadStats]:
    stats = ReadStats()
    items = {(i.provenance.target_uri if isinstance(i, Page) else i.url): i for i in read_archive(str(path), options or ReadOptions(), stats)}
    assert stats.balanced
    return items, stats


@pytest.fixture(scope="module")
def article(shared_data: Path) -> bytes:
    return (shared_data / "html/readability/bbc-1/source.html").read_bytes()


def test_every_encoding_a_crawler_stores_reads_back_the_page(tmp_path: Path, article: bytes) -> None:
    encodings = {
        "gzip": gzip.compress(article),
        "x-gzip": gzip.compress(article),
        "deflate": zlib.compress(article),  # zlib-wrapped, as RFC 9110 says
        "Deflate ": _raw_deflate(article),  # raw, as some servers send it (and a header to normalise)
        "br": brotli.compress(article),
    }
    records = [(f"http://ex.com/{name.strip()}", "text/html; charset=utf-8", body, [("Content-Encoding", name)])
               for name, body in encodings.items()]
    records.append(("http://ex.com/chunked-gzip", "text/html; charset=utf-8", _chunked(gzip.compress(article)),
                    [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]))
    pages, stats = _read(_warc(tmp_path / "encoded.warc.gz", records))
    assert stats.outcomes == {"page": 6}
    for url, page in pages.items():
        assert isinstance(page, Page) and page.html_utf8 == article and not page.truncated, url
    assert not stats.record_errors and not stats.notes["page_encoding_cut"]


def test_damaged_data_fails_its_record_with_the_reason_and_a_cut_stream_is_a_truncated_page(tmp_path: Path, article: bytes) -> None:
    packed = gzip.compress(article)
    damaged = bytearray(packed)
    damaged[len(damaged) // 2: len(damaged) // 2 + 40] = bytes(40)
    damaged_br = bytearray(brotli.compress(article))
    damaged_br[len(damaged_br) // 2: len(damaged_br) // 2 + 40] = bytes(40)
    records = [
        ("http://ex.com/before", "text/html", packed, [("Content-Encoding", "gzip")]),
        ("http://ex.com/damaged", "text/html", bytes(damaged), [("Content-Encoding", "gzip")]),
        ("http://ex.com/damaged-br", "text/html", bytes(damaged_br), [("Content-Encoding", "br")]),
        ("http://ex.com/cut", "text/html", packed[: len(packed) // 2], [("Content-Encoding", "gzip")]),
        ("http://ex.com/after", "text/html", zlib.compress(article), [("Content-Encoding", "deflate")]),
    ]
    pages, stats = _read(_warc(tmp_path / "damaged.warc.gz", records))
    assert stats.outcomes == {"page": 3, "failed_content_decoding": 2}
    assert set(pages) == {"http://ex.com/before", "http://ex.com/cut", "http://ex.com/after"}
    assert pages["http://ex.com/before"].html_utf8 == pages["http://ex.com/after"].html_utf8 == article
    cut = pages["http://ex.com/cut"]
    assert cut.truncated and 0 < len(cut.html_utf8) < len(article) and article.startswith(cut.html_utf8)
    assert stats.notes["page_encoding_cut"] == 1
    errors = {e["error"].split("(")[1].split(")")[0]: e["error"] for e in stats.record_errors}
    assert set(errors) == {"http://ex.com/damaged", "http://ex.com/damaged-br"}
    assert "gzip payload does not decode" in errors["http://ex.com/damaged"]
    assert "br payload does not decode" in errors["http://ex.com/damaged-br"]


def test_a_small_payload_that_inflates_past_the_cap_costs_only_the_cap(tmp_path: Path, article: bytes) -> None:
    bomb = gzip.compress(article + b" " * 50_000_000)  # 50 MB of spaces pack into ~50 kB
    assert len(bomb) < 200_000
    pages, stats = _read(_warc(tmp_path / "bomb.warc.gz", [("http://ex.com/bomb", "text/html", bomb, [("Content-Encoding", "gzip")])]),
                         ReadOptions(max_html_bytes=1_000_000))
    page = pages["http://ex.com/bomb"]
    assert len(page.html_utf8) == 1_000_000 and page.truncated and stats.notes["page_cut_at_cap"] == 1


def test_a_payload_labelled_with_an_encoding_it_does_not_have_is_read_as_it_is(tmp_path: Path, article: bytes) -> None:
    records = [(f"http://ex.com/{name}", "text/html", article, [("Content-Encoding", name)]) for name in ("gzip", "deflate", "br")]
    records.append(("http://ex.com/zstd", "text/html", article, [("Content-Encoding", "zstd")]))
    pages, stats = _read(_warc(tmp_path / "labelled.warc.gz", records))
    assert stats.outcomes == {"page": 3, "skipped_unsupported_encoding": 1}
    assert all(page.html_utf8 == article for page in pages.values())
    assert stats.notes["content_encoding_not_applied"] == 3


def test_an_encoded_image_record_is_decoded(tmp_path: Path, shared_data: Path) -> None:
    png = (shared_data / "images/pillow/hopper.png").read_bytes()
    images, _stats = _read(_warc(tmp_path / "image.warc.gz", [("http://ex.com/a.png", "image/png", gzip.compress(png), [("Content-Encoding", "gzip")])]))
    image = images["http://ex.com/a.png"]
    assert isinstance(image, ArchiveImage) and image.payload == png and not image.truncated


def test_real_archives_read_as_warcio_decodes_them(shared_data: Path) -> None:
    """aut's capture of auer.netzliteratur.net stores its pages gzip-encoded, and the 2014 Common
    Crawl excerpt has a page labelled gzip that is not: weft reads both as warcio does."""
    for name, encoded in (("warc/edge/aut_issue-493.warc", 4), ("warc/cc/eugeneware_CC-MAIN-2014-35.warc", 1)):
        path = shared_data / name
        expected = {}
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and (record.http_headers.get_header("Content-Type") or "").startswith("text/html"):
                    expected[record.rec_headers.get_header("WARC-Target-URI")] = (
                        record.http_headers.get_header("Content-Encoding"), record.content_stream().read(),
                        split_content_type(record.http_headers.get_header("Content-Type"))[1])
        pages, stats = _read(path)
        assert sum(1 for enc, _body, _charset in expected.values() if enc) == encoded
        for url, (encoding, body, charset) in expected.items():
            if encoding:
                assert pages[url].html_utf8 == html_utf8(body, charset)[0], url
        assert stats.notes["content_encoding_not_applied"] == (1 if "eugeneware" in name else 0)
