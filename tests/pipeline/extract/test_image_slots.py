"""The image-slot fast path (pipeline/extract/image_slots.py `_as_is`, on urls.AS_IS_HTTP_URL)
against the two steps it stands in for, `_is_placeholder` and `resolve_url_reason`: on every
image URL of the saved pages and archived pages, on mutations of each, and through `emit_image`
for every image of those pages with the fast path on and off."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from tests.pipeline.extract.test_cwalk import _warc_pages
from tests.pipeline.extract.test_extract import read_page, real_pages
from weft.pipeline.extract import image_slots
from weft.pipeline.extract.image_slots import (
    _AS_IS,
    _AS_IS_PLACEHOLDER,
    _LAZY_ATTRS,
    _NOT_AS_IS,
    _as_is,
    _is_placeholder,
    emit_image,
    noscript_image,
    picture_parts,
)
from weft.pipeline.net.urls import _AS_SENT_CHARS, _NOT_AS_SENT, parse_srcset, resolve_url_reason

BASES = ["https://ex.com/blog/2020/post.html", "http://ex.com", "https://u:p@ex.com:8080/a/b/", "ftp://ex.com/x"]


def _pages(shared_data: Path) -> Iterator[str]:
    for path in real_pages(shared_data):
        yield read_page(path)
    for _name, html in _warc_pages(shared_data):
        yield html


def _image_urls(shared_data: Path) -> list[str]:
    """Every URL an image element of the real pages offers: src, lazy attributes, srcset
    candidates (as the walk's candidates are: parse_srcset's URLs)."""
    found: set[str] = set()
    for html in _pages(shared_data):
        tree = LexborHTMLParser(html)
        for node in tree.css("img, source, amp-img"):
            for name, value in node.attributes.items():
                if not value:
                    continue
                if name == "src" or (name in _LAZY_ATTRS and "srcset" not in name):
                    found.add(value)
                elif "srcset" in name:
                    found.update(url for url, _size, _kind in parse_srcset(value))
    return sorted(found)


_SPICE = [" ", "\t", "\n", "\x0b", "\x1f", "\xa0", '"', "'", "<", ">", "`", "{", "}", "\x00", "\x7f", "\u00e9",
          "\u65e5", "#", "?", "@", ":", "[", "]", "\\", "%", ".", "/", ",", ";", "A", "_", "-", "//", "/.", "..",
          "?#", "#?"]
_ENDINGS = [".gif", ".png", ".svg", ".GIF", "/blank.gif", "/spacer.png", "/1x1.gif", "/lazy-load.png", "/img",
            "/lazyload", "/", ".", ".jpg", ".jpg?x=1", "/a.b.c", "/x.Png#f", "?q", "#f", ""]


def _mutations(url: str, rng: random.Random) -> Iterator[str]:
    yield url
    yield url.upper()
    yield "HTTPS" + url[5:] if url.startswith("https") else "https://" + url.lstrip("/")
    yield " " + url
    yield url + "\n"
    for _ in range(6):
        at = rng.randrange(len(url) + 1)
        yield url[:at] + rng.choice(_SPICE) + url[at:]
    for ending in rng.sample(_ENDINGS, 4):
        cut = url.split("?")[0].split("#")[0]
        yield cut.rsplit("/", 1)[0] + ending if "/" in cut[8:] else cut + ending
    host_end = url.find("/", 8)
    if url.startswith("http") and host_end > 0:
        yield url[:host_end]
        yield url[:host_end] + ":8080" + url[host_end:]
        yield url[:8] + "user@" + url[8:]


def _check(url: str) -> int:
    verdict = _as_is(url)
    if verdict != _NOT_AS_IS:
        assert _is_placeholder(url) == (verdict == _AS_IS_PLACEHOLDER), url
        assert url.strip() == url, url
        for base in BASES:
            assert resolve_url_reason(url, base) == (url, None), (url, base)
    return verdict


def test_the_as_sent_characters_are_those_nothing_encodes() -> None:
    assert _AS_SENT_CHARS == "".join(chr(c) for c in range(0x80) if _NOT_AS_SENT.search(chr(c)) is None)
    assert all(_NOT_AS_SENT.search(chr(c)) for c in range(0x80, 0x3000))


def test_as_is_is_the_two_steps_on_every_real_image_url(shared_data: Path) -> None:
    found = _image_urls(shared_data)
    assert len(found) > 2000
    verdicts = [_check(url) for url in found]
    assert verdicts.count(_AS_IS) > len(found) / 3  # the fast path is the common case
    assert verdicts.count(_AS_IS_PLACEHOLDER) > 10


def test_as_is_is_the_two_steps_on_mutated_urls(shared_data: Path) -> None:
    rng = random.Random(3)
    counts = [0, 0, 0]
    for url in _image_urls(shared_data):
        for variant in _mutations(url, rng):
            counts[_check(variant)] += 1
    assert min(counts) > 1000, counts  # the mutations reach every verdict


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://ex.com/a/b.jpg", _AS_IS),
        ("http://ex.com/a/b.webp?w=1#x", _AS_IS),
        ("https://ex.com/a/blank.gif", _AS_IS_PLACEHOLDER),
        ("https://ex.com/a/lazy-load.svg?v=2", _AS_IS_PLACEHOLDER),
        ("https://ex.com/spacer", _AS_IS_PLACEHOLDER),
        ("https://ex.com/a/photo.png", _AS_IS),
        ("https://ex.com/a/", _AS_IS),
        ("https://ex.com", _NOT_AS_IS),  # no path: the slow steps read the host as a file name
        ("HTTPS://ex.com/a.jpg", _NOT_AS_IS),
        ("https://ex.com:443/a.jpg", _NOT_AS_IS),
        ("https://u@ex.com/a.jpg", _NOT_AS_IS),
        ("https://[::1]/a.jpg", _NOT_AS_IS),
        ("https://ex.com/a b.jpg", _NOT_AS_IS),
        ("https://ex.com/\u00e9.jpg", _NOT_AS_IS),
        (" https://ex.com/a.jpg", _NOT_AS_IS),
        ("//ex.com/a.jpg", _NOT_AS_IS),
        ("/a.jpg", _NOT_AS_IS),
    ],
)
def test_as_is_verdicts(url: str, verdict: int) -> None:
    assert _check(url) == verdict


class _Sink:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def image(self, image: tuple, from_noscript: bool) -> None:
        self.events.append(("image", image, from_noscript))

    def drop(self, url: str, raw_value: str, source_attr: str, reason: str, alt: str | None) -> None:
        self.events.append(("drop", url, raw_value, source_attr, reason, alt))


def _emit_all(html: str, base: str) -> list[tuple]:
    """emit_image for every img, picture and noscript fallback of a page, as the walk calls it."""
    sink = _Sink()
    tree = LexborHTMLParser(html)
    for node in tree.css("img, picture, noscript"):
        if node.tag == "img":
            emit_image(sink, node.attributes, (), base)
        elif node.tag == "picture":
            img, sources = picture_parts(node)
            if img is not None or sources:
                emit_image(sink, img or {}, sources, base)
        else:
            img = noscript_image(node)
            if img is not None:
                emit_image(sink, img, (), base, True)
    return sink.events


def test_emit_image_is_the_same_without_the_fast_path(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = list(_pages(shared_data))
    with_fast = [_emit_all(html, BASES[0]) for html in pages]
    monkeypatch.setattr(image_slots, "_as_is", lambda url: _NOT_AS_IS)
    without = [_emit_all(html, BASES[0]) for html in pages]
    assert with_fast == without
    assert sum(len(events) for events in with_fast) > 3000
