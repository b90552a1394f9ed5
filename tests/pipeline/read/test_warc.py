"""Reading real WARC/ARC files: pages and archive images out, every record counted once, offsets
that re-read the same record, damaged files that end in a file error instead of an exception, and
http inputs read as streams from a loopback server."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin

import pytest
from warcio.archiveiterator import ArchiveIterator

from weft.pipeline.read.charset import decode_html, split_content_type
from weft.jobs.errors import UserError
from weft.pipeline.read.inputs import input_tag, resolve_inputs
from weft.pipeline.read.warc import ArchiveImage, Page, ReadOptions, ReadStats, read_archive
from tests.pipeline.read.test_inputs import LoopbackSite, serve_loopback

CC_WARC = "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
BOOKS_WARC = "warc/other/nodewarc_books.toscrape.warc"
CLIPPED = "warc/edge/resiliparse_clipped.warc.gz"
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _read(uri: str | Path, options: ReadOptions | None = None) -> tuple[list[Page | ArchiveImage], ReadStats]:
    stats = ReadStats()
    items = list(read_archive(str(uri), options or ReadOptions(), stats))
    assert stats.balanced, (dict(stats.records_by_type), dict(stats.outcomes))
    return items, stats


def _pages(items: list) -> list[Page]:
    return [i for i in items if isinstance(i, Page)]


def _images(items: list) -> list[ArchiveImage]:
    return [i for i in items if isinstance(i, ArchiveImage)]


def _reread(path: str, offset: int, length: int):
    """The one record stored at [offset, offset + length) of the raw file, read with warcio alone."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        chunk = stream.read(length)
    assert len(chunk) == length
    iterator = ArchiveIterator(io.BytesIO(chunk), arc2warc=True)
    record = next(iterator)
    payload = record.content_stream().read()
    assert next(iterator, None) is None, "the byte range holds more than one record"
    return record, payload


def _assert_pages_reread(pages: list[Page], *, arc: bool = False) -> None:
    for page in pages:
        prov = page.provenance
        record, payload = _reread(prov.warc_file, prov.warc_record_offset, prov.warc_record_length)
        if arc:
            assert prov.warc_record_id == f"<arc:{Path(prov.warc_file).name}:{prov.warc_record_offset}>"
        else:
            assert record.rec_headers.get_header("WARC-Record-ID") == prov.warc_record_id
        assert record.rec_headers.get_header("WARC-Target-URI") == prov.target_uri
        assert record.rec_headers.get_header("WARC-Date") == prov.warc_date
        assert len(payload) == page.payload_bytes
        charset = split_content_type(record.http_headers.get_header("Content-Type"))[1]
        assert decode_html(payload, charset) == (page.html, prov.charset, prov.charset_source)


# --- real files ---------------------------------------------------------------------------------


def test_common_crawl_warc(shared_data: Path) -> None:
    path = shared_data / CC_WARC
    items, stats = _read(path)
    pages = _pages(items)
    assert len(pages) == 16 and not _images(items)
    assert stats.records_by_type == {"warcinfo": 1, "request": 17, "response": 16, "metadata": 16}
    assert stats.outcomes == {"page": 16, "skipped_request": 17, "skipped_metadata": 16, "skipped_warcinfo": 1}
    assert stats.files == 1 and stats.file_errors == []
    assert stats.bytes_read == path.stat().st_size
    assert len({p.provenance.warc_record_id for p in pages}) == 16
    for page in pages:
        prov = page.provenance
        assert prov.warc_file == str(path)
        assert prov.warc_record_id.startswith("<urn:uuid:")
        assert prov.http_content_type == "text/html"
        assert prov.warc_date.startswith("2020-08-08T")
        assert not page.truncated
    _assert_pages_reread(pages)


def test_page_with_images_and_its_archived_covers(shared_data: Path) -> None:
    items, stats = _read(shared_data / BOOKS_WARC)
    (page,) = _pages(items)
    images = _images(items)
    assert len(images) == 20
    srcs = re.findall(r'<img[^>]+src="([^"]+)"', page.html)
    assert len(srcs) == 20
    assert {urljoin(page.provenance.target_uri, s) for s in srcs} == {i.url for i in images}
    assert stats.outcomes["archive_image"] == 20 and stats.outcomes["page"] == 1
    for image in images:
        assert image.content_type == "image/jpeg"
        assert image.payload[:3] == b"\xff\xd8\xff"
        record, payload = _reread(image.warc_file, image.offset, image.length)
        assert record.rec_headers.get_header("WARC-Record-ID") == image.record_id
        assert payload == image.payload
        assert ISO_DATE.match(image.warc_date)
    _assert_pages_reread([page])  # uncompressed file: offsets of plain bytes


def test_image_options(shared_data: Path) -> None:
    items, stats = _read(shared_data / BOOKS_WARC, ReadOptions(index_images=False))
    assert not _images(items) and stats.outcomes["skipped_image_not_indexed"] == 20
    items, stats = _read(shared_data / BOOKS_WARC, ReadOptions(max_image_bytes=5000))
    sizes = [i.payload for i in _images(_read(shared_data / BOOKS_WARC)[0])]
    assert len(_images(items)) == sum(len(s) <= 5000 for s in sizes)
    assert stats.outcomes["skipped_image_too_large"] == sum(len(s) > 5000 for s in sizes) > 0


def test_arc_files_from_a_glob(shared_data: Path) -> None:
    uris = resolve_inputs([str(shared_data / "warc" / "arc" / "*.arc")])
    assert len(uris) == 2
    total = ReadStats()
    pages_per_file = []
    for uri in uris:
        items, stats = _read(uri)
        pages = _pages(items)
        pages_per_file.append(len(pages))
        _assert_pages_reread(pages, arc=True)
        for page in pages:
            assert ISO_DATE.match(page.provenance.warc_date)
            assert page.provenance.target_uri.startswith("http://")
        total = total + stats
    assert pages_per_file == [12, 3]
    assert total.records_by_type == {"arc-filedesc": 2, "arc-response": 106}
    assert total.outcomes["skipped_warcinfo"] == 2
    assert total.outcomes["archive_image"] == 16  # 14 + 2 GIF/JPEG records
    assert total.files == 2 and total.balanced


def test_non_ascii_file_name_with_revisits(tmp_path: Path, shared_data: Path) -> None:
    # the name the file had when Webrecorder wrote it (see its warcinfo WARC-Filename)
    path = tmp_path / "makkaronisch-für-niedlich-20200627135227.warc"
    shutil.copy(shared_data / "warc/edge/aut_issue-493.warc", path)
    (uri,) = resolve_inputs([str(tmp_path)])
    items, stats = _read(uri)
    assert stats.records_by_type["revisit"] == 5 and stats.outcomes["skipped_revisit"] == 5
    assert len(_pages(items)) == 4 and len(_images(items)) == 5
    assert all(p.provenance.warc_file == str(path) for p in _pages(items))
    assert input_tag(uri).startswith("makkaronisch-fur-niedlich-20200627135227-")
    _assert_pages_reread(_pages(items))


def test_revisit_records_are_counted_and_skipped(shared_data: Path) -> None:
    items, stats = _read(shared_data / "warc/other/ukwa_data.gov.uk_BL-20140325122341434_revisits.warc.gz")
    assert stats.records_by_type["revisit"] == 55
    assert stats.outcomes["skipped_revisit"] == 55
    assert len(_pages(items)) == 6


def test_huge_meta_tags_and_the_html_cap(shared_data: Path) -> None:
    path = shared_data / "warc/edge/cdxwriter_meta_tag_large.warc.gz"
    (page,), _ = _read(path)
    assert page.payload_bytes == 989_744 and not page.truncated
    meta = page.html.find('<meta name="description"')
    assert page.html.find(">", meta) - meta > 300_000  # one 360 KB meta tag

    items, stats = _read(path, ReadOptions(max_html_bytes=100_000))
    (cut,) = _pages(items)
    assert cut.truncated and cut.payload_bytes == 100_000
    assert stats.notes["page_cut_at_cap"] == 1
    assert page.html.startswith(cut.html)
    # the cut page still points at the whole record
    assert cut.provenance.warc_record_length == page.provenance.warc_record_length


def test_records_truncated_by_the_crawler_are_flagged(shared_data: Path) -> None:
    items, stats = _read(shared_data / "warc/cc/eugeneware_CC-MAIN-2014-35.warc")
    assert sorted(p.truncated for p in _pages(items)) == [False, True, True]
    assert stats.notes["page_truncated_in_warc"] == 2


def test_every_shared_archive_balances(shared_data: Path) -> None:
    files = sorted(p for p in (shared_data / "warc").rglob("*") if p.name.endswith((".warc", ".warc.gz", ".arc")))
    assert len(files) >= 15
    total = ReadStats()
    for path in files:
        _, stats = _read(path)
        assert stats.bytes_read == path.stat().st_size
        total = total + stats
    assert total.files == len(files) and total.balanced
    assert [e["file"] for e in total.file_errors] == [str(shared_data / CLIPPED)]


# --- damaged files ------------------------------------------------------------------------------


def test_clipped_gzip_is_a_file_error(shared_data: Path) -> None:
    path = shared_data / CLIPPED
    items, stats = _read(path)
    assert items == []
    assert stats.records_by_type == {"response": 1}
    assert stats.outcomes == {"failed_file_damaged": 1}
    (error,) = stats.file_errors
    assert error["file"] == str(path) and error["records_before"] == 0
    assert "short of the 88275-byte response record at offset 0" in error["error"]


def test_truncated_copy_keeps_the_records_before_the_damage(tmp_path: Path, shared_data: Path) -> None:
    full_items, _ = _read(shared_data / CC_WARC)
    data = (shared_data / CC_WARC).read_bytes()
    for cut in (60_000, 99_077):  # inside a record; exactly at a record boundary
        path = tmp_path / f"cut{cut}.warc.gz"
        path.write_bytes(data[:cut])
        items, stats = _read(path)
        whole = [p for p in _pages(full_items) if p.provenance.warc_record_offset + p.provenance.warc_record_length <= cut]
        assert [p.html for p in _pages(items)] == [p.html for p in whole]
        if cut == 60_000:
            assert stats.outcomes["failed_file_damaged"] == 1
            assert len(stats.file_errors) == 1
        else:  # a clean cut between records is a valid (shorter) file
            assert stats.file_errors == []


def test_corrupt_bytes_inside_a_member_cost_that_record_only(tmp_path: Path, shared_data: Path) -> None:
    full_items, full_stats = _read(shared_data / CC_WARC)
    data = bytearray((shared_data / CC_WARC).read_bytes())
    data[30_000:30_200] = bytes(200)
    path = tmp_path / "corrupt.warc.gz"
    path.write_bytes(bytes(data))
    items, stats = _read(path)
    hit = [p for p in _pages(full_items) if p.provenance.warc_record_offset < 30_200 <= p.provenance.warc_record_offset + p.provenance.warc_record_length]
    assert len(hit) == 1
    assert [p.html for p in _pages(items)] == [p.html for p in _pages(full_items) if p is not hit[0]]
    assert stats.outcomes["failed_file_damaged"] == 1 and stats.outcomes["page"] == 15
    assert sum(stats.records_by_type.values()) == sum(full_stats.records_by_type.values())
    assert stats.file_errors == []
    (error,) = stats.record_errors
    assert error["offset"] == hit[0].provenance.warc_record_offset == 12_685
    assert "incorrect data check" in error["error"] and "next intact gzip member at offset 31493" in error["error"]


def test_whole_file_gzip_and_junk(tmp_path: Path, shared_data: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress((shared_data / "warc/cc/eugeneware_CC-MAIN-2014-35.warc").read_bytes()))
    _, stats = _read(whole)
    (error,) = stats.file_errors
    assert "warcio recompress" in error["error"] and error["records_before"] == 1

    junk = tmp_path / "junk.warc"
    for text, says in (
        (b"<html>this is not a WARC file</html>\n", "an HTML page"),
        (b"hello\nworld\n", "bytes b'hello\\nworld\\n'"),
    ):
        junk.write_bytes(text)
        items, stats = _read(junk)
        assert items == [] and sum(stats.records_by_type.values()) == 0
        (error,) = stats.file_errors
        assert error["error"] == f"not a WARC or ARC file: it starts with {says}", error


def test_missing_file_is_a_file_error(tmp_path: Path) -> None:
    items, stats = _read(tmp_path / "gone.warc.gz")
    assert items == [] and stats.files == 1
    assert stats.file_errors == [{"file": str(tmp_path / "gone.warc.gz"), "error": "cannot open: No such file or directory", "records_before": 0}]


def test_stopping_early_leaves_balanced_stats(shared_data: Path) -> None:
    stats = ReadStats()
    reader = read_archive(str(shared_data / CC_WARC), ReadOptions(), stats)
    first = next(reader)
    reader.close()
    assert isinstance(first, Page)
    assert stats.balanced and stats.outcomes["page"] == 1
    assert 0 < stats.bytes_read < (shared_data / CC_WARC).stat().st_size


# --- http inputs --------------------------------------------------------------------------------


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSite]:
    yield from serve_loopback(monkeypatch)



def test_http_input_reads_like_the_local_file(site: LoopbackSite, shared_data: Path) -> None:
    body = (shared_data / CC_WARC).read_bytes()
    url = site.add("/crawl-data/seg/warc/a.warc.gz", body)
    local_items, _ = _read(shared_data / CC_WARC)
    items, stats = _read(url, ReadOptions(timeout=5))
    assert stats.bytes_read == len(body) and stats.file_errors == []
    assert [(p.html, p.provenance.warc_record_offset, p.provenance.warc_record_length) for p in _pages(items)] == [
        (p.html, p.provenance.warc_record_offset, p.provenance.warc_record_length) for p in _pages(local_items)
    ]
    assert all(p.provenance.warc_file == url for p in _pages(items))


def test_http_stream_that_breaks_off(site: LoopbackSite, shared_data: Path) -> None:
    body = (shared_data / CC_WARC).read_bytes()
    for cut in (60_000, 99_077):  # inside a record; at a record boundary (looks like EOF to urllib)
        url = site.add(f"/cut{cut}.warc.gz", body, cut_at=cut)
        items, stats = _read(url, ReadOptions(timeout=5, retries=0))
        assert len(_pages(items)) == (5 if cut == 60_000 else 10)
        (error,) = stats.file_errors
        assert error["records_before"] == (17 if cut == 60_000 else 32)
        assert ("short of the" if cut == 60_000 else "connection closed after 99077 bytes") in error["error"]


def test_http_404_and_retry_through_the_reader(site: LoopbackSite, shared_data: Path) -> None:
    items, stats = _read(site.base + "/missing.warc.gz", ReadOptions(timeout=5))
    assert items == [] and stats.files == 1
    assert stats.file_errors[0]["error"].startswith("HTTP 404")
    url = site.add("/flaky.warc", (shared_data / BOOKS_WARC).read_bytes(), fail_first=(503,))
    items, stats = _read(url, ReadOptions(timeout=5, retries=1))
    assert len(items) == 21 and stats.file_errors == []


# --- stats and options --------------------------------------------------------------------------


def test_stats_add_and_round_trip_through_json(shared_data: Path, tmp_path: Path) -> None:
    _, a = _read(shared_data / CC_WARC)
    _, b = _read(shared_data / CLIPPED)
    total = a + b
    assert total.files == 2 and total.balanced
    assert total.records_by_type["response"] == 17
    assert total.file_errors == b.file_errors
    data = json.loads(json.dumps({"uri": "x", "pages": 3, **total.to_dict()}))
    back = ReadStats.from_dict(data)
    assert back == total
    assert ReadStats() + ReadStats() == ReadStats()


def test_read_options_are_checked() -> None:
    with pytest.raises(UserError):
        ReadOptions(max_html_bytes=0)
    with pytest.raises(UserError):
        ReadOptions(retries=-1)
    with pytest.raises(UserError):
        ReadOptions(timeout=0)


def test_arc_gz_offsets_are_compressed_offsets(tmp_path: Path, shared_data: Path) -> None:
    """An `.arc.gz` (one gzip member per record, as Internet Archive wrote them) built from the
    real ARC: same pages, and offsets that point into the compressed file."""
    source = shared_data / "warc/arc/jwat_small_BNF.arc"
    data = source.read_bytes()
    with open(source, "rb") as stream:
        iterator = ArchiveIterator(stream, arc2warc=True)
        starts = []
        for _ in iterator:
            starts.append(iterator.get_record_offset())
    members = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)])]
    packed = tmp_path / "BNF.arc.gz"
    packed.write_bytes(b"".join(gzip.compress(m) for m in members))

    plain_items, plain_stats = _read(source)
    items, stats = _read(packed)
    assert stats.records_by_type == plain_stats.records_by_type == {"arc-filedesc": 1, "arc-response": 5}
    assert [p.html for p in _pages(items)] == [p.html for p in _pages(plain_items)]
    assert [i.payload for i in _images(items)] == [i.payload for i in _images(plain_items)]
    assert stats.bytes_read == packed.stat().st_size < plain_stats.bytes_read
    _assert_pages_reread(_pages(items), arc=True)
