"""The nesting pre-scan (pipeline/extract/nesting.py): the cheaper open-count bound never says no
where the stack over-estimate says yes, so answering with it first changes no page's answer; and
the compiled bound (cnesting.pyx) gives the Python bound's answer for every max_depth."""

from __future__ import annotations

import random
from pathlib import Path

from tests.helpers import fresh_python
from tests.pipeline.extract.test_extract import real_pages
from weft.pipeline.extract import cnesting, nesting
from weft.pipeline.extract.nesting import (
    _BOUND_SKIP_BYTES,
    _BOUND_SKIP_NAMES_BYTES,
    _open_tags_bound_exceeds,
    _stack_exceeds,
    nesting_may_exceed,
)

_NAMES = ["div", "DIV", "Div", "span", "b", "p", "li", "br", "img", "td", "section", "font", "a"]


def _tag_soup(rng: random.Random, n: int) -> str:
    """Start and end tags in random order, closed or not, with text (some of it non-ASCII) between."""
    parts = []
    for _ in range(n):
        name = rng.choice(_NAMES)
        parts.append(f"<{name}>" if rng.random() < 0.55 else f"</{name}>")
        if rng.random() < 0.3:
            parts.append(rng.choice(["x", "é ", "日本 ", "<!-- c -->", " a < b ", "<3"]))
    return "".join(parts)


def test_bound_holds_the_over_estimate_and_decides_the_same() -> None:
    rng = random.Random(11)
    exceeded = 0
    for _ in range(400):
        html = _tag_soup(rng, rng.randrange(1, 400))
        for max_depth in (1, 3, 8, 20, 60):
            stack = _stack_exceeds(html, max_depth)
            bound = _open_tags_bound_exceeds(html, max_depth)
            assert bound or not stack, (html, max_depth)
            assert nesting_may_exceed(html, max_depth) == stack
            assert nesting_may_exceed(html.encode("utf-8"), max_depth) == stack
            assert _open_tags_bound_exceeds(html.encode("utf-8"), max_depth) == bound
            exceeded += stack
    assert exceeded > 100  # the soups reach both answers


def test_bound_is_exact_on_balanced_nesting() -> None:
    html = "<div>" * 30 + "<p>x<span><b>y</b></span>" + "</div>" * 30
    assert _open_tags_bound_exceeds(html, 31) and not _open_tags_bound_exceeds(html, 32)
    assert _stack_exceeds(html, 31) and not _stack_exceeds(html, 32)


# ----- the compiled bound (pipeline/extract/cnesting.pyx) ----------------------------------------


def _peak(exceeds, html: bytes) -> int:
    """The least max_depth the bound does not exceed (`exceeds` is monotone in it): two bounds
    with the same peak give the same answer for every max_depth."""
    low, high = 0, html.count(b"<") + 1
    while low < high:
        middle = (low + high) // 2
        if exceeds(html, middle):
            low = middle + 1
        else:
            high = middle
    return low


def _compiled(html: bytes, max_depth: int) -> bool:
    return cnesting.open_tags_bound_exceeds(html, max_depth, _BOUND_SKIP_NAMES_BYTES)


def _same_bound(html: bytes) -> int:
    peak = _peak(_open_tags_bound_exceeds, html)
    assert _compiled(html, peak - 1) if peak else True
    assert not _compiled(html, peak)
    return peak


def test_extraction_runs_the_compiled_bound() -> None:
    # setup.py builds it; a fallback here would mean every large page pays the Python bound.
    assert nesting._compiled_bound is cnesting.open_tags_bound_exceeds


def test_the_skip_names_are_the_skip_set_without_slashes() -> None:
    assert set(_BOUND_SKIP_NAMES_BYTES) | {b"/" + name for name in _BOUND_SKIP_NAMES_BYTES} == _BOUND_SKIP_BYTES


def test_compiled_bound_is_the_python_bound_on_every_real_page(shared_data: Path) -> None:
    pages = real_pages(shared_data)
    peaks = [_same_bound(path.read_bytes()) for path in pages]
    assert max(peaks) > 20  # the pages nest, so the peaks say something


def test_compiled_bound_is_the_python_bound_on_tag_soups() -> None:
    # Every way a tag can begin or fail to: case variants, skipped names open and closed, digits,
    # "<" before a non-letter, a slash without a name, names cut by the end of the input, and
    # more distinct names than the compiled table's first size.
    rng = random.Random(5)
    names = [*_NAMES, "h1", "H1", "x9y", "Br", "bR", "TD", "Td", "tD", "custom-el", "q"]
    names += [f"n{i}" for i in range(400)]
    pieces = ["x", "\u00e9 ", "\u65e5\u672c ", "<!-- <div> -->", " a < b ", "<3", "</ div>", "</>", "<<",
              "<", "</", "<\u00e9>", "<a\u00e9>", "\x00", "<div/>", "<_x>", "</_x>"]
    for _ in range(1500):
        parts = []
        for _ in range(rng.randrange(0, 300)):
            if rng.random() < 0.25:
                parts.append(rng.choice(pieces))
            else:
                name = rng.choice(names if rng.random() < 0.8 else names[:40])
                parts.append(f"<{name}>" if rng.random() < 0.6 else f"</{name}>")
        html = "".join(parts).encode("utf-8")
        _same_bound(html)
        _same_bound(html + b"<")
        _same_bound(html + b"</")
        _same_bound(html + b"<ab")
    assert _same_bound(b"") == 0


def test_compiled_bound_on_a_page_of_distinct_names() -> None:
    # 100,000 names never closed: the table grows; then all closed in reverse.
    html = "".join(f"<t{i}>" for i in range(100_000)).encode()
    assert _same_bound(html) == 100_000
    closed = html + "".join(f"</t{i}>" for i in reversed(range(100_000))).encode() + b"<a>" * 5
    assert _same_bound(closed) == 100_000


def test_without_the_compiled_bound_nesting_uses_the_python_bound() -> None:
    # What an install without a C compiler gets.
    code = ("from weft.pipeline.extract import extractor, nesting\n"
            "assert nesting._compiled_bound is None and extractor._tag_starts_exceed.__module__ == extractor.__name__\n"
            "print(nesting.nesting_may_exceed(b'<div>' * 600, 512), nesting.nesting_may_exceed(b'<div>' * 6, 512))\n")
    assert fresh_python(code, unbuilt="weft.pipeline.extract.cnesting") == "True False"


def test_tag_starts_exceed_counts_as_bytes_count(shared_data: Path) -> None:
    # extract's trigger for the scan, compiled (SSE2 16 bytes at a time, byte lanes summed
    # every 255 blocks) against bytes.count: real pages, random bytes, and runs of "<" long
    # enough to fill every lane.
    from weft.pipeline.extract import extractor

    assert extractor._tag_starts_exceed is cnesting.tag_starts_exceed
    rng = random.Random(6)
    samples = [path.read_bytes() for path in real_pages(shared_data)]
    samples += [b"<" * n for n in (0, 1, 15, 16, 17, 4079, 4080, 4081, 255 * 16 * 3 + 5)]
    samples += [bytes(rng.choice(b"<<ab\x00\xff\xbc=") for _ in range(rng.randrange(0, 9000))) for _ in range(300)]
    for html in samples:
        count = html.count(b"<")
        for limit in {-1, 0, count - 1, count, count + 1, count // 2, 4096}:
            assert cnesting.tag_starts_exceed(html, limit) == (count > limit) == extractor._tag_starts_exceed_numpy(html, limit)
