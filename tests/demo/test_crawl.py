"""The demo crawl, read back with warcio and Pillow and checked against its own expectations.

These tests do not trust `expectations`: they recount everything from the written WARC and image
files (record types, languages, charsets, images per page, where each image URL resolves) and
compare, so a generator bug cannot hide behind a matching self-description.
"""

from __future__ import annotations

import base64
import codecs
import ipaddress
import json
import re
import time
import urllib.request
import zlib
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from weft.demo.crawl import (
    TINY_MAX_SIDE,
    WARC_NAME,
    DemoCrawl,
    build_demo_crawl,
    served_dir,
)
from weft.demo.httpserve import LoopbackServer

BASE = "http://127.0.0.1:8765/"
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
PIL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


# -- reading the crawl back ----------------------------------------------------------------------


@dataclass
class Record:
    type: str
    headers: dict[str, str]
    http: Any
    payload: bytes
    protocol: str

    @property
    def url(self) -> str:
        return self.headers.get("WARC-Target-URI", "")


def read_records(path: Path) -> list[Record]:
    """Every record, with digests verified by warcio (a mismatch raises)."""
    records = []
    with open(path, "rb") as stream:
        for rec in ArchiveIterator(stream, check_digests="raise"):
            records.append(Record(
                type=rec.rec_type,
                headers=dict(rec.rec_headers.headers),
                http=rec.http_headers,
                payload=rec.content_stream().read(),
                protocol=rec.rec_headers.protocol,
            ))
    return records


@dataclass
class ParsedPage:
    """What a strict reading of one HTML page finds."""

    errors: list[str] = field(default_factory=list)
    doctype: bool = False
    lang: str | None = None
    meta_charset: str | None = None
    base: str | None = None
    imgs: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    links: int = 0
    tags: Counter[str] = field(default_factory=Counter)
    article_text: list[str] = field(default_factory=list)


class StrictChecker(HTMLParser):
    """Well-formedness as our generator promises it: every non-void element closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self.stack: list[str] = []
        self.in_article = 0

    def handle_decl(self, decl: str) -> None:
        self.page.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        page = self.page
        page.tags[tag] += 1
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "html":
            page.lang = a.get("lang")
        elif tag == "meta":
            if "charset" in a:
                page.meta_charset = a["charset"]
            elif a.get("http-equiv", "").lower() == "content-type":
                page.meta_charset = a["content"].split("charset=", 1)[1]
        elif tag == "base":
            page.base = a["href"]
        elif tag == "img":
            page.imgs.append(a)
        elif tag == "source":
            page.sources.append(a)
        elif tag == "a":
            page.links += 1
        elif tag == "article":
            self.in_article += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.page.errors.append(f"self-closed <{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.page.errors.append(f"end tag for void <{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.page.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()
        if tag == "article":
            self.in_article -= 1

    def handle_data(self, data: str) -> None:
        if self.in_article:
            self.page.article_text.append(data)

    def finish(self) -> ParsedPage:
        self.close()
        if self.stack:
            self.page.errors.append(f"unclosed: {self.stack}")
        return self.page


def parse_html(text: str) -> ParsedPage:
    checker = StrictChecker()
    checker.feed(text)
    return checker.finish()


def srcset_urls(value: str) -> list[str]:
    return [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]


def is_tracker(img: dict[str, str]) -> bool:
    return img.get("width") == "1" and img.get("height") == "1"


def image_refs(page: ParsedPage, page_url: str) -> list[str]:
    """Every image URL the page names, resolved as a browser would (base href first)."""
    base = urljoin(page_url, page.base) if page.base else page_url
    raw: list[str] = []
    for source in page.sources:
        raw += srcset_urls(source.get("srcset", ""))
    for img in page.imgs:
        raw += [img[attr] for attr in ("src", "data-src") if attr in img]
        raw += srcset_urls(img.get("srcset", ""))
    return [value if value.startswith("data:") else urljoin(base, value) for value in raw]


def charset_of(content_type: str) -> str:
    return codecs.lookup(content_type.split("charset=", 1)[1].strip()).name


@dataclass
class Crawl:
    built: DemoCrawl
    records: list[Record]
    pages: dict[str, tuple[Record, ParsedPage, str]]
    """URL -> (response record, parsed page, decoded text) for every 200 text/html response."""


def load(built: DemoCrawl) -> Crawl:
    records = read_records(built.warc_path)
    pages = {}
    for rec in records:
        if rec.type != "response" or rec.http.get_statuscode() != "200":
            continue
        content_type = rec.http.get_header("Content-Type")
        if not content_type.startswith("text/html"):
            continue
        text = rec.payload.decode(charset_of(content_type))  # strict: must decode cleanly
        pages[rec.url] = (rec, parse_html(text), text)
    return Crawl(built, records, pages)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    built = build_demo_crawl(tmp_path_factory.mktemp("demo"), BASE, seed=0)
    return load(built)


@pytest.fixture(scope="module")
def expect(crawl: Crawl) -> dict[str, Any]:
    return crawl.built.expectations


# -- the WARC as a file -----------------------------------------------------------------------


def test_expectations_are_plain_json(expect: dict[str, Any]) -> None:
    assert json.loads(json.dumps(expect)) == expect


def test_layout_and_size(crawl: Crawl) -> None:
    built = crawl.built
    assert built.warc_path.name == WARC_NAME
    assert built.image_dir == served_dir(built.warc_path.parent)
    assert built.pages == 40
    assert built.warc_path.stat().st_size < 2 * 1024 * 1024


def test_every_record_is_its_own_gzip_member(crawl: Crawl) -> None:
    data = crawl.built.warc_path.read_bytes()
    members = 0
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data)
        assert inflater.eof
        data = inflater.unused_data
        members += 1
    assert members == len(crawl.records)


def test_record_counts_match_expectations(crawl: Crawl, expect: dict[str, Any]) -> None:
    counts = Counter(rec.type for rec in crawl.records)
    assert dict(counts) == expect["records"]
    assert counts["warcinfo"] == 1 and counts["revisit"] == 1
    assert counts["request"] == counts["response"] + counts["revisit"]
    statuses = Counter(rec.http.get_statuscode() for rec in crawl.records
                       if rec.type == "response")
    assert dict(statuses) == expect["responses_by_status"]
    assert statuses["404"] == 1
    mimes = Counter(rec.http.get_header("Content-Type").split(";")[0]
                    for rec in crawl.records if rec.type == "response")
    assert dict(mimes) == expect["responses_by_mime"]
    for mime in ("text/css", "application/json", "image/jpeg"):
        assert mimes[mime] >= 1
    assert mimes["text/html"] == expect["pages"] + 1  # the pages and the 404 page


def test_warc_headers_are_realistic(crawl: Crawl) -> None:
    records = crawl.records
    assert records[0].type == "warcinfo"
    assert records[0].headers["WARC-Filename"] == WARC_NAME
    assert b"software:" in records[0].payload
    ids = [rec.headers["WARC-Record-ID"] for rec in records]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", rid) for rid in ids)
    for rec in records:
        assert rec.protocol == "WARC/1.1"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec.headers["WARC-Date"])
        if rec.type == "warcinfo":
            continue
        host = urlsplit(rec.url).hostname or ""
        assert host.endswith(RESERVED_DOMAINS), rec.url
        assert ipaddress.ip_address(rec.headers["WARC-IP-Address"]) in \
            ipaddress.ip_network("192.0.2.0/24")
        assert rec.headers["WARC-Warcinfo-ID"] == ids[0]
        if rec.type in ("response", "revisit"):
            assert rec.headers["WARC-Payload-Digest"].startswith("sha1:")
    # A request comes right before its response (or revisit), which names it.
    for before, after in zip(records, records[1:]):
        if after.type in ("response", "revisit"):
            assert before.type == "request"
            assert before.url == after.url
            assert after.headers["WARC-Concurrent-To"] == before.headers["WARC-Record-ID"]
            assert before.http.protocol == "GET"


def test_revisit_points_at_an_identical_payload(crawl: Crawl, expect: dict[str, Any]) -> None:
    revisit = next(rec for rec in crawl.records if rec.type == "revisit")
    original = next(rec for rec in crawl.records
                    if rec.type == "response" and rec.url == revisit.url)
    assert revisit.url == expect["other_records"]["revisit"]
    assert revisit.headers["WARC-Refers-To"] == original.headers["WARC-Record-ID"]
    assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]
    assert revisit.headers["WARC-Payload-Digest"] == original.headers["WARC-Payload-Digest"]
    assert revisit.headers["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert revisit.payload == b""


def test_non_page_records(crawl: Crawl, expect: dict[str, Any]) -> None:
    by_url = {rec.url: rec for rec in crawl.records if rec.type == "response"}
    other = expect["other_records"]
    css = by_url[other["stylesheet"]]
    assert css.http.get_header("Content-Type") == "text/css"
    assert b"{" in css.payload
    data = json.loads(by_url[other["json"]].payload)
    assert {article["url"] for article in data["articles"]} <= set(crawl.pages)
    missing = by_url[other["not_found"]]
    assert missing.http.get_statuscode() == "404"
    assert not parse_html(missing.payload.decode("utf-8")).errors


def test_http_content_length_matches(crawl: Crawl) -> None:
    for rec in crawl.records:
        if rec.type == "response":
            assert int(rec.http.get_header("Content-Length")) == len(rec.payload)


# -- the pages ------------------------------------------------------------------------------------


def test_pages_are_well_formed_html_in_their_declared_charset(crawl: Crawl,
                                                              expect: dict[str, Any]) -> None:
    details = {d["url"]: d for d in expect["page_details"]}
    assert set(crawl.pages) == set(details)
    for url, (rec, page, text) in crawl.pages.items():
        assert page.errors == [], (url, page.errors[:3])
        assert page.doctype, url
        for tag in ("html", "head", "body", "title", "h1", "article"):
            assert page.tags[tag] == 1, (url, tag)
        declared = charset_of(rec.http.get_header("Content-Type"))
        assert page.meta_charset is not None
        assert codecs.lookup(page.meta_charset).name == declared, url
        assert declared == codecs.lookup(details[url]["charset"]).name
        assert page.lang == details[url]["lang_tag"]
        assert len("".join(page.article_text).split()) >= 20 or details[url]["lang"] in ("ja", "zh")


def test_legacy_charsets_really_are_legacy(crawl: Crawl, expect: dict[str, Any]) -> None:
    assert expect["charsets"] == {"utf-8": 38, "iso-8859-1": 1, "shift_jis": 1}
    legacy = [(url, rec) for url, (rec, _, _) in crawl.pages.items()
              if charset_of(rec.http.get_header("Content-Type")) != "utf-8"]
    assert len(legacy) == 2
    for url, rec in legacy:
        with pytest.raises(UnicodeDecodeError):
            rec.payload.decode("utf-8")


def test_languages(crawl: Crawl, expect: dict[str, Any]) -> None:
    counted = Counter((page.lang or "").split("-")[0] for _, page, _ in crawl.pages.values())
    assert dict(counted) == expect["pages_per_language"]
    assert sum(counted.values()) == expect["pages"] == 40
    non_english = [lang for lang in counted if lang != "en"]
    assert len(non_english) >= 4
    assert counted["en"] > sum(counted[lang] for lang in non_english)


def test_image_counts_per_page(crawl: Crawl, expect: dict[str, Any]) -> None:
    details = {d["url"]: d for d in expect["page_details"]}
    buckets: Counter[str] = Counter()
    trackers = 0
    for url, (_, page, _) in crawl.pages.items():
        content = [img for img in page.imgs if not is_tracker(img)]
        assert len(content) == details[url]["images"], url
        assert len(page.imgs) - len(content) == details[url]["tracker_pixels"]
        trackers += len(page.imgs) - len(content)
        n = len(content)
        buckets["0" if n == 0 else "1" if n == 1 else "2-5" if n <= 5 else ">5"] += 1
    assert buckets["0"] == expect["pages_with_0_images"] > 0
    assert buckets["1"] == expect["pages_with_1_image"] > 0
    assert buckets["2-5"] == expect["pages_with_2_to_5_images"] > 0
    assert buckets[">5"] == expect["pages_with_more_than_5_images"] > 0
    assert trackers == expect["pages_with_tracker_pixel"] > 0


def test_markup_variety(crawl: Crawl, expect: dict[str, Any]) -> None:
    pages = [page for _, page, _ in crawl.pages.values()]
    assert sum(1 for p in pages if p.base) == expect["pages_with_base_href"] >= 1
    assert any(p.tags["picture"] and p.sources for p in pages)
    assert any("srcset" in img for p in pages for img in p.imgs)
    lazy = [img for p in pages for img in p.imgs if "data-src" in img]
    assert lazy and all(img["src"] != img["data-src"] for img in lazy)
    data_pages = [p for p in pages if any(img["src"].startswith("data:") for img in p.imgs)]
    assert len(data_pages) == 1
    assert any(img["src"].startswith("//") for p in pages for img in p.imgs)
    assert any(p.tags["figcaption"] for p in pages)
    texts = [text for _, _, text in crawl.pages.values()]
    for marker in ('class="cookie-banner"', 'class="share-bar"', 'class="comments"', "<nav",
                   "<aside", "<footer", "<ul>", "<ol>", "<h2>"):
        assert any(marker in text for text in texts), marker


def test_spam_pages(crawl: Crawl, expect: dict[str, Any]) -> None:
    assert len(expect["spam_pages"]) == 2
    for url, (_, page, text) in crawl.pages.items():
        hashtags = len(re.findall(r"#\w+", "".join(page.article_text)))
        if url in expect["spam_pages"]:
            assert hashtags >= 20 and page.links >= 30
            assert re.search("[\U0001F300-\U0001FAFF]", text)
        else:
            assert hashtags < 3, url


def _shingles(text: str, lang: str) -> set[tuple[str, ...]]:
    tokens = list(text.replace(" ", "")) if lang in ("ja", "zh") else re.findall(r"\w+",
                                                                                   text.lower())
    return {tuple(tokens[i:i + 5]) for i in range(max(1, len(tokens) - 4))}


def test_near_duplicates_are_near_and_nothing_else_is(crawl: Crawl,
                                                      expect: dict[str, Any]) -> None:
    groups = expect["near_duplicate_groups"]
    assert len(groups) == 3 and all(2 <= len(group) <= 3 for group in groups)
    group_of = {url: i for i, group in enumerate(groups) for url in group}
    lang = {d["url"]: d["lang"] for d in expect["page_details"]}
    shingles = {url: _shingles(" ".join(page.article_text), lang[url])
                for url, (_, page, _) in crawl.pages.items()}
    for a, b in combinations(sorted(shingles), 2):
        jaccard = len(shingles[a] & shingles[b]) / len(shingles[a] | shingles[b])
        if a in group_of and group_of.get(a) == group_of.get(b):
            assert 0.6 < jaccard < 1.0, (a, b, jaccard)
        else:
            assert jaccard < 0.2, (a, b, jaccard)
    for group in groups:  # different URLs, and the copies point at the original
        assert len({urlsplit(url).path for url in group}) == len(group)
        for url in group[1:]:
            assert f'rel="canonical" href="{group[0]}"' in crawl.pages[url][2]


# -- the images -----------------------------------------------------------------------------------


def _fetch_image(crawl: Crawl, url: str) -> tuple[bytes, str]:
    """The bytes behind an image URL from the WARC, the served folder or the data: URI."""
    if url.startswith("data:"):
        header, encoded = url.split(",", 1)
        assert header.endswith(";base64")
        return base64.b64decode(encoded), header[5:].split(";")[0]
    if url.startswith(BASE):
        path = crawl.built.image_dir / urlsplit(url).path[len(urlsplit(BASE).path):]
        assert path.is_file(), url
        return path.read_bytes(), "served"
    matches = [rec for rec in crawl.records if rec.type == "response" and rec.url == url]
    assert len(matches) == 1, url
    rec = matches[0]
    assert rec.http.get_statuscode() == "200"
    return rec.payload, rec.http.get_header("Content-Type")


def test_every_image_url_resolves_and_decodes(crawl: Crawl, expect: dict[str, Any]) -> None:
    facts = expect["images"]["by_url"]
    details = {d["url"]: d for d in expect["page_details"]}
    seen: set[str] = set()
    for url, (_, page, _) in crawl.pages.items():
        refs = image_refs(page, url)
        assert sorted(refs) == sorted(details[url]["image_urls"]), url
        for ref in refs:
            canonical = ref if ref.startswith("data:") else urlsplit(ref)._replace(
                query="").geturl()
            seen.add(canonical)
            data, content_type = _fetch_image(crawl, ref)
            with Image.open(BytesIO(data)) as img:
                img.load()
                fmt, size = img.format, img.size
            fact = facts[canonical]
            assert (fmt, size) == (fact["format"], (fact["width"], fact["height"])), ref
            if content_type == "served":
                assert Path(urlsplit(ref).path).suffix == SUFFIX[fmt], ref
            else:
                assert content_type == PIL_MIME[fmt], ref
    assert seen == set(facts), "every image the crawl describes is used by a page"


def test_image_locations(crawl: Crawl, expect: dict[str, Any]) -> None:
    images = expect["images"]
    facts = images["by_url"]
    in_warc = {rec.url for rec in crawl.records if rec.type == "response"
               and rec.http.get_header("Content-Type").startswith("image/")}
    assert in_warc == {url for url, f in facts.items() if f["where"] == "warc"}
    assert len(in_warc) == images["in_warc"] > 0
    on_disk = {p.relative_to(crawl.built.image_dir).as_posix()
               for p in crawl.built.image_dir.rglob("*") if p.is_file()}
    assert on_disk == {f["rel_path"] for f in facts.values() if f["where"] == "served"}
    assert len(on_disk) == images["served"] > images["in_warc"]
    assert images["data_uri"] == 1
    assert images["total"] == len(facts)
    assert set(images["by_format"]) == {"JPEG", "PNG", "GIF", "WEBP"}
    assert not any(BASE in rec.url for rec in crawl.records), "served images stay out of the WARC"


def test_tiny_single_colour_and_grayscale_images(crawl: Crawl, expect: dict[str, Any]) -> None:
    images = expect["images"]
    tiny, flat, gray = set(images["tiny"]), set(images["single_colour"]), set(images["grayscale"])
    for url, fact in images["by_url"].items():
        data, _ = _fetch_image(crawl, url)
        with Image.open(BytesIO(data)) as img:
            img.load()
            is_tiny = max(img.size) <= TINY_MAX_SIDE
            is_flat = all(lo == hi for lo, hi in img.convert("RGBA").getextrema())
            is_gray = img.mode == "L"
        assert is_tiny == (url in tiny), url
        assert is_flat == (url in flat), url
        assert is_gray == (url in gray), url
        if not is_tiny:
            assert min(img.size) > TINY_MAX_SIDE, url  # "tiny" is unambiguous
        if fact["kind"] == "photo":
            assert 200 <= max(img.size) <= 853 and not is_flat
    assert len(tiny - flat) >= 2, "tiny icons that are not just pixels"
    assert len(flat - tiny) >= 2, "full-size single-colour images (banners, placeholders)"
    assert any(images["by_url"][url]["width"] == 300 and images["by_url"][url]["height"] == 250
               for url in flat)
    assert len(gray) >= 2


# -- determinism and speed -------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path: Path) -> None:
    started = time.perf_counter()
    first = build_demo_crawl(tmp_path / "a", BASE, seed=7)
    elapsed = time.perf_counter() - started
    second = build_demo_crawl(tmp_path / "b", BASE, seed=7)
    other = build_demo_crawl(tmp_path / "c", BASE, seed=8)
    assert first.warc_path.read_bytes() == second.warc_path.read_bytes()
    assert _tree(first.image_dir) == _tree(second.image_dir)
    assert first.expectations == second.expectations
    assert first.warc_path.read_bytes() != other.warc_path.read_bytes()
    a, c = _tree(first.image_dir), _tree(other.image_dir)
    assert sum(1 for name in set(a) & set(c) if a[name] != c[name]) > len(a) // 2
    # The seed changes pixels and details, not what the crawl is made of.
    for key in ("pages", "pages_per_language", "charsets", "pages_with_more_than_5_images",
                "near_duplicate_groups", "spam_pages"):
        assert first.expectations[key] == other.expectations[key]
    # The target is 2 s (about 1.2 s measured); the bound leaves room for a loaded CI machine.
    assert elapsed < 6.0


def test_rebuilding_in_place_gives_the_same_files(tmp_path: Path) -> None:
    first = build_demo_crawl(tmp_path, BASE, seed=3)
    warc, tree = first.warc_path.read_bytes(), _tree(first.image_dir)
    again = build_demo_crawl(tmp_path, BASE, seed=3)
    assert again.warc_path.read_bytes() == warc
    assert _tree(again.image_dir) == tree


@pytest.mark.parametrize("bad", ["ftp://127.0.0.1/", "127.0.0.1:8765/", "http:///x",
                                 "http://127.0.0.1:1/?x=1"])
def test_bad_image_base_url_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        build_demo_crawl(tmp_path, bad)


def test_base_url_without_trailing_slash_is_completed(tmp_path: Path) -> None:
    built = build_demo_crawl(tmp_path, "http://127.0.0.1:9/demo")
    served = [url for url, f in built.expectations["images"]["by_url"].items()
              if f["where"] == "served"]
    assert served and all(url.startswith("http://127.0.0.1:9/demo/") for url in served)


# -- with the loopback server, as the demo runs it -------------------------------------------------


def test_served_images_download_from_the_loopback_server(tmp_path: Path) -> None:
    with LoopbackServer(root=served_dir(tmp_path)) as server:
        built = build_demo_crawl(tmp_path, server.base_url)
        facts = built.expectations["images"]["by_url"]
        tracker_refs = [url for d in built.expectations["page_details"]
                        for url in d["image_urls"] if "?" in url]
        assert tracker_refs
        for url in [u for u, f in facts.items() if f["where"] == "served"] + tracker_refs[:2]:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read()
                content_type = response.headers["Content-Type"]
            canonical = urlsplit(url)._replace(query="").geturl()
            assert content_type == facts[canonical]["mime"], url
            assert body == (built.image_dir / facts[canonical]["rel_path"]).read_bytes()
        assert len(server.requests) == sum(1 for f in facts.values()
                                           if f["where"] == "served") + 2
        assert server.errors == []
