"""Damaged and foreign inputs, made from the real WARC/ARC files: nothing raises, the counts add
up, a damaged gzip member costs one record and the records after it are read, a damaged end or a
damaged uncompressed file costs the rest of that file only, and every message is one clean line.

The fuzz test at the end cuts and flips every shared archive at seeded offsets; the variants and
their number are listed in its docstring.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from weft.pipeline.read.warc import ArchiveImage, Page, ReadOptions, ReadStats, read_archive
from tests.pipeline.read.test_inputs import LoopbackSite, serve_loopback

CC_WARC = "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
BOOKS_WARC = "warc/other/nodewarc_books.toscrape.warc"
WGET_WARC = "warc/other/webarchivecommons_IAH-urls-wget.warc.gz"
ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".arc")


def _read(uri: str | Path) -> tuple[list[Page | ArchiveImage], ReadStats]:
    stats = ReadStats()
    items = list(read_archive(str(uri), ReadOptions(timeout=5, retries=0), stats))
    assert stats.balanced, (dict(stats.records_by_type), dict(stats.outcomes))
    for error in [*stats.file_errors, *stats.record_errors]:
        assert error["error"].isprintable(), error  # one line, no escape sequences
    return items, stats


def _key(item: Page | ArchiveImage) -> tuple:
    """What identifies an item and its content: kind, offset, length, text or bytes."""
    if isinstance(item, Page):
        prov = item.provenance
        return ("page", prov.warc_record_offset, prov.warc_record_length, item.html)
    return ("image", item.offset, item.length, item.payload)


def _records(data: bytes) -> list[tuple[int, int, str]]:
    """(offset, length, type) of every record of an intact archive, by warcio alone."""
    iterator = ArchiveIterator(io.BytesIO(data), arc2warc=True)
    return [(iterator.get_record_offset(), iterator.get_record_length(), record.rec_type) for record in iterator]


def _records_total(stats: ReadStats) -> int:
    return sum(stats.records_by_type.values())


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSite]:
    yield from serve_loopback(monkeypatch)


# --- what was observed ----------------------------------------------------------------------------


def test_a_cut_inside_a_record_header_is_a_file_error(tmp_path: Path, shared_data: Path) -> None:
    """`head -c 70000` of the Common Crawl file cuts a record's header block; warcio's parser then
    raised AttributeError out of read_archive."""
    data = (shared_data / CC_WARC).read_bytes()
    path = tmp_path / "clipped.warc.gz"
    path.write_bytes(data[:70_000])
    items, stats = _read(path)
    before = [r for r in _records(data) if r[0] + r[1] <= 70_000]
    assert len(before) == 22 and before[-1][0] + before[-1][1] == 69_787
    full, _ = _read(shared_data / CC_WARC)
    assert [_key(i) for i in items] == [_key(i) for i in full if _key(i)[1] + _key(i)[2] <= 70_000]
    (error,) = stats.file_errors
    assert error["records_before"] == 22 and _records_total(stats) == 22
    assert error["error"] == "the input ends inside the gzip member of the record at offset 69787 (file truncated)"
    assert stats.record_errors == []


@pytest.mark.parametrize("name", ["empty.warc.gz", "empty.warc", "empty.arc"])
def test_an_empty_input_is_a_file_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    items, stats = _read(path)
    assert items == [] and stats.files == 1 and _records_total(stats) == 0
    assert stats.file_errors == [{"file": str(path), "error": "empty file (0 bytes)", "records_before": 0}]


def test_inputs_that_are_not_archives(tmp_path: Path, shared_data: Path) -> None:
    html = (shared_data / "html/readability/001/source.html").read_bytes()
    png = (shared_data / "images/pillow/7x13.png").read_bytes()
    cases = {
        "picture.warc.gz": (png, "not a WARC or ARC file: it starts with a PNG image"),
        "page.warc.gz": (html, "not a WARC or ARC file: it starts with an HTML page"),
        "page.warc": (html, "not a WARC or ARC file: it starts with an HTML page"),
        "gzipped-page.warc.gz": (gzip.compress(html), "not a WARC or ARC file: gzip data holding an HTML page"),
        "notes.arc": (b"just some notes\nabout nothing\n", "not a WARC or ARC file: it starts with bytes b'just some notes\\nabout no'"),
    }
    for name, (body, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(body)
        items, stats = _read(path)
        assert items == [] and _records_total(stats) == 0, name
        assert stats.file_errors == [{"file": str(path), "error": message, "records_before": 0}], name
        assert stats.bytes_read == len(body)


def test_http_inputs_that_are_empty_cut_at_once_or_foreign(site: LoopbackSite, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    png = (shared_data / "images/pillow/7x13.png").read_bytes()
    cases = {
        "/empty.warc.gz": (b"", None, "empty file (0 bytes)"),
        "/closed.warc.gz": (data, 0, f"connection closed after 0 bytes, {len(data)} bytes short of the file"),
        "/picture.warc.gz": (png, None, "not a WARC or ARC file: it starts with a PNG image"),
    }
    for path, (body, cut, message) in cases.items():
        url = site.add(path, body, cut_at=cut)
        items, stats = _read(url)
        assert items == [] and _records_total(stats) == 0, path
        assert stats.file_errors == [{"file": url, "error": message, "records_before": 0}], path
    url = site.add("/early.warc.gz", data, cut_at=300)  # inside the first record, after its header
    items, stats = _read(url)
    assert items == [] and stats.records_by_type == {"warcinfo": 1} and stats.outcomes == {"failed_file_damaged": 1}
    (error,) = stats.file_errors
    assert re.fullmatch(
        rf"data ends \d+ bytes short of the \d+-byte warcinfo record at offset 0 \(file truncated or corrupt\); "
        rf"the connection closed {len(data) - 300} bytes short of the file",
        error["error"],
    ), error


# --- one damaged record in a per-record-gzip file -------------------------------------------------


def _members(data: bytes) -> list[bytes]:
    """The gzip members of a per-record-gzip archive, one per record."""
    return [data[offset : offset + length] for offset, length, _ in _records(data)]


def _rebuild(tmp_path: Path, name: str, members: list[bytes]) -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(members))
    return path


def _with_content_length(member: bytes, delta: int) -> bytes:
    """A gzip member whose record declares `delta` more (or fewer) bytes than it holds."""
    text = gzip.decompress(member)
    declared = re.search(rb"Content-Length: (\d+)", text)
    assert declared is not None
    changed = b"Content-Length: " + str(int(declared.group(1)) + delta).encode()
    return gzip.compress(text.replace(declared.group(0), changed, 1))


def _assert_only_lost(items: list, full: list, lost_offsets: set[int], shift: dict[int, int] | None = None) -> None:
    """`items` are the intact file's items except those at `lost_offsets` (offsets moved by
    `shift` after a member changed size)."""
    expected = []
    for item in full:
        kind, offset, length, content = _key(item)
        if offset in lost_offsets:
            continue
        moved = sum(d for at, d in (shift or {}).items() if offset > at)
        expected.append((kind, offset + moved, length, content))
    assert [_key(i) for i in items] == expected


def test_a_garbage_header_costs_one_record(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    records = _records(data)
    members = _members(data)
    index = next(i for i, r in enumerate(records) if r[2] == "response" and i > 10)
    offset = records[index][0]
    garbage = gzip.compress(b"\x1b[31mNOT A HEADER\x1b[0m\r\nsome: thing\r\n\r\nand a body\r\n\r\n")
    path = _rebuild(tmp_path, "garbage.warc.gz", [*members[:index], garbage, *members[index + 1 :]])
    items, stats = _read(path)
    full, full_stats = _read(shared_data / CC_WARC)
    _assert_only_lost(items, full, {offset}, {offset: len(garbage) - len(members[index])})
    assert stats.records_by_type == full_stats.records_by_type - Counter(response=1) + Counter(unknown=1)
    assert stats.outcomes["failed_file_damaged"] == 1 and stats.file_errors == []
    (error,) = stats.record_errors
    assert error["offset"] == offset
    assert error["error"].startswith(f"unreadable record at offset {offset}: ArchiveLoadFailed: Unknown archive format, first line: ")
    assert "['\\x1b[31mNOT', 'A', 'HEADER\\x1b[0m']" in error["error"]  # the escape sequence is shown, not sent
    resumed = offset + len(garbage)
    assert error["error"].endswith(f"read on from the next intact gzip member at offset {resumed} ({len(garbage)} bytes on)")


def test_a_content_length_beyond_the_member_costs_that_record(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    records = _records(data)
    members = _members(data)
    index = next(i for i, r in enumerate(records) if r[2] == "response" and i > 20)
    offset = records[index][0]
    longer = _with_content_length(members[index], +1000)
    path = _rebuild(tmp_path, "longer.warc.gz", [*members[:index], longer, *members[index + 1 :]])
    items, stats = _read(path)
    full, full_stats = _read(shared_data / CC_WARC)
    _assert_only_lost(items, full, {offset}, {offset: len(longer) - len(members[index])})
    assert stats.records_by_type == full_stats.records_by_type  # the type was read: counted as such
    assert stats.outcomes["failed_file_damaged"] == 1 and stats.outcomes["page"] == full_stats.outcomes["page"] - 1
    (error,) = stats.record_errors
    # The record's content runs on through the 4 blank-line bytes that end the member.
    assert re.match(rf"data ends 996 bytes short of the \d+-byte response record at offset {offset} ", error["error"])


def test_a_content_length_too_small_costs_that_record_and_adds_none(tmp_path: Path, shared_data: Path) -> None:
    """The rest of the member must not be read as a record of its own."""
    data = (shared_data / CC_WARC).read_bytes()
    records = _records(data)
    members = _members(data)
    index = next(i for i, r in enumerate(records) if r[2] == "response" and i > 20)
    offset = records[index][0]
    shorter = _with_content_length(members[index], -300)
    path = _rebuild(tmp_path, "shorter.warc.gz", [*members[:index], shorter, *members[index + 1 :]])
    items, stats = _read(path)
    full, full_stats = _read(shared_data / CC_WARC)
    _assert_only_lost(items, full, {offset}, {offset: len(shorter) - len(members[index])})
    assert stats.records_by_type == full_stats.records_by_type
    assert stats.outcomes["failed_file_damaged"] == 1
    (error,) = stats.record_errors
    assert error["error"].startswith(
        f"the response record at offset {offset} ends before its gzip member does (Content-Length too small)"
    )


def test_control_characters_from_the_data_are_escaped_in_messages(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    members = _members(data)
    text = gzip.decompress(members[2]).replace(b"WARC-Type: response", b"WARC-Type: response\x1b[2J\x07", 1)
    text = re.sub(rb"Content-Length: \d+", b"Content-Length: 999999", text, count=1)
    path = _rebuild(tmp_path, "escape.warc.gz", [*members[:2], gzip.compress(text), *members[3:]])
    _, stats = _read(path)
    (error,) = stats.record_errors
    assert "\x1b" not in error["error"] and "\x07" not in error["error"]
    assert "-byte response\\x1b[2J\\x07 record at offset" in error["error"]


def test_corrupt_deflate_data_that_decodes_past_the_member_end(tmp_path: Path, shared_data: Path) -> None:
    """One flipped byte 20 bytes before the end of a member makes zlib decode on, without an
    error, into the next members; what comes out there must not be taken for the record."""
    data = bytearray((shared_data / WGET_WARC).read_bytes())
    assert (5046, 6898, "response") in _records(bytes(data))
    data[11_924] = 170
    path = tmp_path / "wget.warc.gz"
    path.write_bytes(bytes(data))
    items, stats = _read(path)
    full, full_stats = _read(shared_data / WGET_WARC)
    _assert_only_lost(items, full, {5046})
    assert stats.records_by_type == full_stats.records_by_type
    (error,) = stats.record_errors
    assert error["error"].startswith("the gzip member of the response record at offset 5046 goes on past the record")
    assert "next intact gzip member at offset 11944" in error["error"]


def test_damage_in_the_first_member_and_in_two_neighbours(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    records = _records(data)
    full, full_stats = _read(shared_data / CC_WARC)

    first = bytearray(data)
    first[0] ^= 0xFF  # not even a gzip header any more
    path = tmp_path / "first.warc.gz"
    path.write_bytes(bytes(first))
    items, stats = _read(path)
    assert [_key(i) for i in items] == [_key(i) for i in full]  # the warcinfo record has no page
    assert stats.records_by_type == full_stats.records_by_type - Counter(warcinfo=1) + Counter(unknown=1)
    (error,) = stats.record_errors
    assert error["offset"] == 0 and error["error"].startswith("not a WARC or ARC file: it starts with bytes ")
    assert error["error"].endswith(f"next intact gzip member at offset {records[1][0]} ({records[1][0]} bytes on)")

    # The starts of two neighbouring members: one pass over both, counted as one failed record.
    index = 30
    pair = bytearray(data)
    for offset, _, _ in records[index : index + 2]:
        pair[offset + 12 : offset + 40] = bytes(28)
    path.write_bytes(bytes(pair))
    items, stats = _read(path)
    lost = {records[index][0], records[index + 1][0]}
    _assert_only_lost(items, full, lost)
    assert _records_total(stats) == _records_total(full_stats) - 1
    (error,) = stats.record_errors
    assert error["offset"] == records[index][0] and f"member at offset {records[index + 2][0]}" in error["error"]


def test_junk_after_the_last_member_is_a_file_error(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    path = tmp_path / "junk.warc.gz"
    path.write_bytes(data + b"this is not gzip\n" * 10)
    items, stats = _read(path)
    full, full_stats = _read(shared_data / CC_WARC)
    assert [_key(i) for i in items] == [_key(i) for i in full]
    assert stats.records_by_type == full_stats.records_by_type
    (error,) = stats.file_errors
    assert error["records_before"] == 50
    assert error["error"] == (
        "corrupt gzip data (Error -3 while decompressing data: incorrect header check) "
        f"in the gzip member of the record at offset {len(data)}"
    )


def test_a_corrupt_member_in_an_http_stream(site: LoopbackSite, shared_data: Path) -> None:
    """The stream cannot seek: reading on uses the bytes the reader kept."""
    body = bytearray((shared_data / CC_WARC).read_bytes())
    body[30_000:30_200] = bytes(200)
    url = site.add("/corrupt.warc.gz", bytes(body))
    items, stats = _read(url)
    full, _ = _read(shared_data / CC_WARC)
    _assert_only_lost(items, full, {12_685})
    assert stats.bytes_read == len(body)  # stepping back does not count bytes twice
    assert [e["offset"] for e in stats.record_errors] == [12_685] and stats.file_errors == []


# --- uncompressed files, and one input never costs another ----------------------------------------


def test_damage_in_an_uncompressed_warc_costs_the_rest_of_it(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / BOOKS_WARC).read_bytes()
    records = _records(data)
    offset = records[5][0]
    damaged = data[:offset] + b"\x1b[2J" + data[offset + 4 :]  # "WARC" of the sixth record becomes a clear-screen
    path = tmp_path / "books.warc"
    path.write_bytes(damaged)
    items, stats = _read(path)
    full, _ = _read(shared_data / BOOKS_WARC)
    assert [_key(i) for i in items] == [_key(i) for i in full if _key(i)[1] < offset]
    (error,) = stats.file_errors
    assert error["records_before"] == 5 and _records_total(stats) == 5
    assert error["error"].startswith(f"unreadable record at offset {offset}: ArchiveLoadFailed: Unknown archive format, first line: ")
    assert "\x1b" not in error["error"] and "\\x1b[2J/1.1" in error["error"]


def test_one_bad_input_costs_only_itself(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / CC_WARC).read_bytes()
    png = (shared_data / "images/pillow/7x13.png").read_bytes()
    bad = {"cut.warc.gz": data[:70_000], "empty.warc.gz": b"", "png.warc.gz": png}
    for name, body in bad.items():
        (tmp_path / name).write_bytes(body)
    good = [shared_data / CC_WARC, shared_data / BOOKS_WARC]
    order = [good[0], tmp_path / "cut.warc.gz", tmp_path / "empty.warc.gz", good[1], tmp_path / "png.warc.gz", good[0]]
    total = ReadStats()
    seen: dict[Path, list] = {}
    for path in order:
        stats = ReadStats()
        seen.setdefault(path, []).append([_key(i) for i in read_archive(str(path), ReadOptions(), stats)])
        total = total + stats
    alone = {path: [_key(i) for i in _read(path)[0]] for path in good}
    assert seen[good[0]] == [alone[good[0]], alone[good[0]]] and seen[good[1]] == [alone[good[1]]]
    assert total.files == 6 and total.balanced and len(total.file_errors) == 3


# --- fuzz: every shared archive, cut and flipped --------------------------------------------------

EXHAUSTIVE_CUT = "resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
CUT_STEP = 250
RANDOM_CUTS = 20
FLIPS_PER_VARIANT = (1, 1, 3, 8)


def _rng(name: str, kind: str) -> random.Random:
    """A generator seeded from the file name and the kind of damage, not from global state."""
    return random.Random(int.from_bytes(hashlib.blake2b(f"{name}:{kind}".encode(), digest_size=8).digest(), "big"))


def _cut_offsets(name: str, size: int) -> list[int]:
    if name == EXHAUSTIVE_CUT:
        return list(range(CUT_STEP, size, CUT_STEP))
    return sorted(_rng(name, "cut").sample(range(1, size), RANDOM_CUTS))


def _flipped(name: str, data: bytes) -> Iterator[tuple[list[int], bytes]]:
    rng = _rng(name, "flip")
    for count in FLIPS_PER_VARIANT:
        positions = sorted(rng.sample(range(len(data)), count))
        damaged = bytearray(data)
        for position in positions:
            damaged[position] ^= rng.randrange(1, 256)
        yield positions, bytes(damaged)


def test_fuzz_cut_and_flipped_archives(tmp_path: Path, shared_data: Path) -> None:
    """Every `.warc.gz`, `.warc` and `.arc` under `shared/data/warc` (the `.wat`/`.wet` files are
    not inputs weft accepts), cut at `CUT_STEP`-byte steps (the 135 KB Common Crawl file: 543
    cuts) or at 20 seeded offsets (every other file), and with 1, 1, 3 and 8 bytes flipped at
    seeded positions: 903 cut and 76 flipped variants.

    Every variant reads without an exception and balances. A cut file yields exactly the intact
    file's items that end before the cut, and its complete records are all counted. A flipped
    file yields the intact file's items before the first flip; a flipped gzip file also yields
    every item whose member no flip touched, and nothing that is not an intact item (its
    checksums catch every changed byte that matters).
    """
    files = sorted(p for p in (shared_data / "warc").rglob("*") if p.name.endswith(ARCHIVE_SUFFIXES))
    assert len(files) == 19
    tried = {"cut": 0, "flip": 0}
    for source in files:
        data = source.read_bytes()
        is_gzip = source.name.endswith(".gz")
        full = [_key(i) for i in _read(source)[0]]
        records = _records(data) if source.name != "resiliparse_clipped.warc.gz" else []
        variant = tmp_path / f"variant{''.join(source.suffixes)}"
        for cut in _cut_offsets(source.name, len(data)):
            variant.write_bytes(data[:cut])
            items, stats = _read(variant)
            tried["cut"] += 1
            where = (source.name, cut)
            assert [_key(i) for i in items] == [k for k in full if k[1] + k[2] <= cut], where
            if records:
                complete = sum(1 for offset, length, _ in records if offset + length <= cut)
                read_whole = stats.file_errors[0]["records_before"] if stats.file_errors else _records_total(stats)
                assert read_whole == complete, where
        for positions, damaged in _flipped(source.name, data):
            variant.write_bytes(damaged)
            items, stats = _read(variant)
            tried["flip"] += 1
            where = (source.name, positions)
            got = [_key(i) for i in items]
            first = positions[0]
            assert [k for k in got if k[1] + k[2] <= first] == [k for k in full if k[1] + k[2] <= first], where
            if is_gzip:
                untouched = [k for k in full if not any(k[1] <= p < k[1] + k[2] for p in positions)]
                assert set(untouched) <= set(got), where
                assert set(got) <= set(full), where
    assert tried == {"cut": 903, "flip": 76}
