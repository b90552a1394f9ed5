"""URL resolution and srcset parsing (pipeline/net/urls.py).

The resolution rules are also exercised through `extract()` on hand-written pages in
test_extract.py; here each rule is pinned at the function level, including the cases a
host-root join gets wrong.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.helpers import fresh_python
from weft.pipeline.net.urls import (
    REASON_UNRESOLVABLE,
    REASON_UNSUPPORTED_SCHEME,
    effective_base,
    largest_candidate,
    parse_srcset,
    pick_largest_srcset,
    resolve_url,
    resolve_url_reason,
)

PAGE = "https://ex.com/blog/2020/post.html"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("img/a.png", "https://ex.com/blog/2020/img/a.png"),  # relative to the page's directory
        ("./img/a.png", "https://ex.com/blog/2020/img/a.png"),
        ("../a.png", "https://ex.com/blog/a.png"),
        ("../../../../a.png", "https://ex.com/a.png"),  # cannot climb above the root
        ("/a.png", "https://ex.com/a.png"),
        ("//cdn.ex.com/a.png", "https://cdn.ex.com/a.png"),  # the page's scheme
        ("?v=2", "https://ex.com/blog/2020/post.html?v=2"),
        ("https://other.org/x.jpg", "https://other.org/x.jpg"),
        ("HTTP://Other.org/x.jpg", "HTTP://Other.org/x.jpg"),
        ("https:a.png", "https://ex.com/blog/2020/a.png"),  # legacy scheme-relative form
        ("  img/a.png\n", "https://ex.com/blog/2020/img/a.png"),  # HTML strips whitespace
        ("img/\na.png", "https://ex.com/blog/2020/img/a.png"),  # the URL parser drops newlines
        ("https://[::1]:8080/a.png", "https://[::1]:8080/a.png"),
    ],
)
def test_resolve_against_an_https_page(raw: str, expected: str) -> None:
    assert resolve_url(raw, PAGE) == expected


def test_relative_urls_keep_an_http_page_http() -> None:
    page = "http://ex.com/blog/2020/post.html"
    assert resolve_url("img/a.png", page) == "http://ex.com/blog/2020/img/a.png"
    assert resolve_url("/a.png", page) == "http://ex.com/a.png"
    assert resolve_url("//cdn.ex.com/a.png", page) == "http://cdn.ex.com/a.png"


def test_a_page_url_without_a_path_is_its_root() -> None:
    assert resolve_url("img/a.png", "https://ex.com") == "https://ex.com/img/a.png"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", REASON_UNRESOLVABLE),
        ("   ", REASON_UNRESOLVABLE),
        ("#top", REASON_UNRESOLVABLE),
        ("https://[::1/a.png", REASON_UNRESOLVABLE),  # unbalanced IPv6 bracket
        ("https:///a.png", REASON_UNRESOLVABLE),  # no host
        ("https://", REASON_UNRESOLVABLE),
        ("https:", REASON_UNRESOLVABLE),  # would join to the page itself
        ("http://@/x.png", REASON_UNRESOLVABLE),
        ("javascript:void(0)", REASON_UNSUPPORTED_SCHEME),
        ("JavaScript:alert(1)", REASON_UNSUPPORTED_SCHEME),
        ("about:blank", REASON_UNSUPPORTED_SCHEME),
        ("blob:https://ex.com/0b6c", REASON_UNSUPPORTED_SCHEME),
        ("file:///C:/a.png", REASON_UNSUPPORTED_SCHEME),
        ("ftp://ex.com/a.png", REASON_UNSUPPORTED_SCHEME),
        ("cid:part1@ex.com", REASON_UNSUPPORTED_SCHEME),
    ],
)
def test_unusable_values_say_why(raw: str, reason: str) -> None:
    assert resolve_url_reason(raw, PAGE) == (None, reason)
    assert resolve_url(raw, PAGE) is None


def test_relative_url_on_a_page_that_is_not_http_is_unresolvable() -> None:
    assert resolve_url_reason("img/a.png", "") == (None, REASON_UNRESOLVABLE)


def test_data_uris_are_kept_whole() -> None:
    uri = "data:image/png;base64,iVBORw0KGgo="
    assert resolve_url(uri, PAGE) == uri
    assert resolve_url(" " + uri + " ", PAGE) == uri


def test_effective_base() -> None:
    assert effective_base(PAGE, None) == PAGE
    assert effective_base(PAGE, "https://cdn.ex.com/assets/") == "https://cdn.ex.com/assets/"
    # a relative <base href> is itself resolved against the page URL
    assert effective_base(PAGE, "/static/") == "https://ex.com/static/"
    assert effective_base(PAGE, "../") == "https://ex.com/blog/"
    assert effective_base("http://ex.com/a/b.html", "//cdn.ex.com/x/") == "http://cdn.ex.com/x/"
    # a base that cannot be a base URL is ignored, as browsers do
    for unusable in ("", "   ", "javascript:void(0)", "data:text/html,x", "#frag"):
        assert effective_base(PAGE, unusable) == PAGE


def test_base_changes_how_relative_urls_resolve() -> None:
    base = effective_base(PAGE, "https://cdn.ex.com/assets/v2/")
    assert resolve_url("img/a.png", base) == "https://cdn.ex.com/assets/v2/img/a.png"
    assert resolve_url("../a.png", base) == "https://cdn.ex.com/assets/a.png"
    assert resolve_url("/a.png", base) == "https://cdn.ex.com/a.png"
    http_base = effective_base(PAGE, "http://old.ex.com/")
    assert resolve_url("//cdn.ex.com/a.png", http_base) == "http://cdn.ex.com/a.png"


# ----- srcset ------------------------------------------------------------------------------


def test_parse_srcset_width_and_density_descriptors() -> None:
    assert parse_srcset("a.jpg 320w, b.jpg 640w") == [("a.jpg", 320.0, "w"), ("b.jpg", 640.0, "w")]
    assert parse_srcset("a.jpg 1x, b.jpg 1.5x, c.jpg 2x") == [
        ("a.jpg", 1.0, "x"), ("b.jpg", 1.5, "x"), ("c.jpg", 2.0, "x"),
    ]


def test_a_candidate_without_descriptor_is_1x() -> None:
    assert parse_srcset("a.jpg") == [("a.jpg", 1.0, "x")]
    assert parse_srcset("a.jpg, b.jpg 2x") == [("a.jpg", 1.0, "x"), ("b.jpg", 2.0, "x")]


def test_commas_inside_urls_survive() -> None:
    value = (
        "https://i.kinja-img.com/c_fill,h_180,w_320/x.jpg 320w, "
        "https://i.kinja-img.com/c_fill,h_264,w_470/x.jpg 470w"
    )
    assert parse_srcset(value) == [
        ("https://i.kinja-img.com/c_fill,h_180,w_320/x.jpg", 320.0, "w"),
        ("https://i.kinja-img.com/c_fill,h_264,w_470/x.jpg", 470.0, "w"),
    ]
    assert parse_srcset("data:image/png;base64,AAAA 1x, b.png 2x") == [
        ("data:image/png;base64,AAAA", 1.0, "x"), ("b.png", 2.0, "x"),
    ]


def test_separator_spacing_variants() -> None:
    # no space after the comma, stray commas, newlines between candidates
    assert parse_srcset("a.jpg 1x,b.jpg 2x") == [("a.jpg", 1.0, "x"), ("b.jpg", 2.0, "x")]
    assert parse_srcset(" ,a.jpg 100w ,, b.jpg 200w,") == [("a.jpg", 100.0, "w"), ("b.jpg", 200.0, "w")]
    assert parse_srcset("a.jpg 100w,\n\t b.jpg 200w") == [("a.jpg", 100.0, "w"), ("b.jpg", 200.0, "w")]


def test_invalid_candidates_are_skipped_not_guessed() -> None:
    value = "a.jpg 1x 2x, b.jpg 0x, c.jpg foo, d.jpg 1.5x, e.jpg 100.5w, f.jpg -2w, g.jpg 100w 50h"
    assert parse_srcset(value) == [("d.jpg", 1.5, "x"), ("g.jpg", 100.0, "w")]
    assert parse_srcset("") == []
    assert parse_srcset("  ,  ") == []


def test_pick_largest_srcset() -> None:
    assert pick_largest_srcset("a.jpg 320w, c.jpg 1600w, b.jpg 640w") == "c.jpg"
    assert pick_largest_srcset("a.jpg, b.jpg 3x, c.jpg 2x") == "b.jpg"
    # a width is a real pixel count; a density is relative to an unknown layout size
    assert pick_largest_srcset("a.jpg 3x, b.jpg 200w") == "b.jpg"
    # ties keep the author's order
    assert pick_largest_srcset("a.jpg 2x, b.jpg 2x") == "a.jpg"
    assert pick_largest_srcset("") is None
    assert pick_largest_srcset("a.jpg 0w") is None


def test_largest_candidate_of_nothing_is_none() -> None:
    assert largest_candidate([]) is None


_BASES = [
    "https://ex.com/blog/2020/post.html", "http://ex.com", "https://ex.com/", "https://ex.com/dir/",
    "HTTPS://Ex.COM:8080/a/b/?q=1#f", "https://u:p@ex.com/a/b", "https://[::1]:8080/a/",
    "http://ex.com/a/../b/c.html", "https://ex.com/a;p/b.html", "https://ex.com//x/y",
]
_RELATIVE = [
    "a.png", "img/a.png", "/a.png", "//cdn.ex.com/a.png", "../a.png", "./a.png", "a.png?x=1",
    "a.png?x=1#f", "a.png#f", "?q", "/a/./b.png", "a b.png", "%20a.png", "a.png?", "a.png#",
    "/a.png?#", "img//a.png", "/a//b.png", "//cdn.ex.com//a.png", "//cdn.ex.com", "//cdn.ex.com:8080/x",
    "/", "a;b.png", "a\\b.png", "ä.png", "/ünï.png", "img/a:b.png", "//", "///a.png", "//@/x", "..",
    ".", "a.png?x=1?y", "a.png?u=http://x/y", "/a.png?u=//x",
]


@pytest.mark.parametrize("base", _BASES)
def test_resolution_agrees_with_urljoin(base: str) -> None:
    """The concatenation fast path for common relative URLs must give exactly urljoin's answer,
    written as sent (fragment-only references excepted: they mean the page itself and are
    unresolvable)."""
    from weft.pipeline.net.urls import as_sent

    for raw in _RELATIVE:
        try:
            joined = urljoin(base, raw)
            parts = urlsplit(joined)
            expected = as_sent(joined) if parts.scheme.lower() in ("http", "https") and parts.hostname else None
        except ValueError:
            expected = None
        assert resolve_url(raw, base) == expected, (base, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://cdn.ex.com/a.png", "https://cdn.ex.com/a.png"),
        ("http://ex.com", "http://ex.com"),
        ("https://user@ex.com:8080/a.png?x#y", "https://user@ex.com:8080/a.png?x#y"),
        ("https://[::1]/a.png", "https://[::1]/a.png"),
        ("https://\nex.com/a\t.png", "https://ex.com/a.png"),  # tabs/newlines dropped first
        ("HTTPS://ex.com/a.png", "HTTPS://ex.com/a.png"),  # scheme case: the regex path
        ("https://", None),
        ("https:///a.png", None),
        ("https://ex com/a.png", None),
        ("/a.png", "https://ex.com/a.png"),
        ("//cdn.ex.com/a.png", "https://cdn.ex.com/a.png"),
    ],
)
def test_absolute_and_rooted_urls_take_the_fast_paths_with_the_same_answers(raw: str, expected: str | None) -> None:
    assert resolve_url(raw, PAGE) == expected


@pytest.mark.parametrize(
    "url, key",
    [
        ("http://Host.COM:80/a.gif", "http://host.com/a.gif"),
        ("https://h:443/x?y#z", "https://h/x?y"),
        ("http://h:8080/a", "http://h:8080/a"),
        ("http://h", "http://h/"),
        ("HTTP://user@H:80/p#f", "http://user@h/p"),
        ("http://[::1]:80/a", "http://[::1]/a"),
        ("http://h/Path/Case.GIF", "http://h/Path/Case.GIF"),
        ("data:image/png;base64,AA==", "data:image/png;base64,AA=="),
    ],
)
def test_canonical_url_lets_two_spellings_of_one_image_meet(url: str, key: str) -> None:
    from weft.pipeline.net.urls import canonical_url

    assert canonical_url(url) == key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # What the WHATWG URL Standard's percent-encode sets say a browser sends (UTF-8 bytes).
        ("Thailand 2011-01/thumbs/img-1.jpg", "https://ex.com/blog/2020/Thailand%202011-01/thumbs/img-1.jpg"),
        ("/bilder/größe.jpg", "https://ex.com/bilder/gr%C3%B6%C3%9Fe.jpg"),
        ("/a\"b<c>d`e{f}g|h^i[j].png", "https://ex.com/a%22b%3Cc%3Ed%60e%7Bf%7Dg|h^i[j].png"),  # the path set
        ("/a.png?q=a b'c\"d`e{f}", "https://ex.com/a.png?q=a%20b%27c%22d`e{f}"),  # the special-query set
        ("/a.png#x y'z`", "https://ex.com/a.png#x%20y'z%60"),  # the fragment set
        ("/%7Bx%7D/a b%20c%zz.png", "https://ex.com/%7Bx%7D/a%20b%20c%zz.png"),  # "%" is never encoded
        ("/\U0001f600.png", "https://ex.com/%F0%9F%98%80.png"),
        ("http://bücher.example:8080/a b.png", "http://xn--bcher-kva.example:8080/a%20b.png"),  # punycode host
        ("//straße.example/a.png", "https://xn--strae-oqa.example/a.png"),  # UTS 46 non-transitional, as browsers
        ("https://[::1]:8080/a b.png", "https://[::1]:8080/a%20b.png"),
        ("../x y/a.png", "https://ex.com/blog/x%20y/a.png"),  # through urljoin
    ],
)
def test_urls_are_written_as_the_browser_sends_them(raw: str, expected: str) -> None:
    from weft.pipeline.net.urls import as_sent

    assert resolve_url(raw, PAGE) == expected
    assert as_sent(expected) == expected  # encoding twice changes nothing


def test_a_host_that_has_no_punycode_form_is_unresolvable() -> None:
    assert resolve_url_reason("http://a\u200db.example/x.png", PAGE) == (None, REASON_UNRESOLVABLE)


def test_the_raw_and_the_encoded_spelling_meet() -> None:
    from weft.pipeline.net.urls import canonical_url

    assert canonical_url("http://h/Thailand 2011-01/größe.jpg?a b") == canonical_url("http://h/Thailand%202011-01/gr%C3%B6%C3%9Fe.jpg?a%20b")


def test_a_real_page_with_spaces_in_its_image_urls(shared_data: Path) -> None:
    """The 2014 Common Crawl capture of a 0pointer.de gallery writes `src="Thailand 2011-01/..."`:
    every slot says the URL a browser asked for."""
    from warcio.archiveiterator import ArchiveIterator

    from weft.pipeline.extract.extractor import extract
    from weft.schemas.document import ImageSlot

    with open(shared_data / "warc/cc/eugeneware_CC-MAIN-2014-35.warc", "rb") as fh:
        pages = [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                 for r in ArchiveIterator(fh) if r.rec_type == "response"]
    html = {url: body for url, body in pages if url.startswith("http://0pointer.de/photos/")}
    assert html, "the gallery page is in the WARC"
    urls = [s.url for body_url, body in html.items() for s in extract(body, body_url).segments if isinstance(s, ImageSlot)]
    gallery = [u for u in urls if "/galleries/Thailand" in u]
    assert len(gallery) >= 50
    assert all(" " not in u and "/galleries/Thailand%202011-01/" in u for u in gallery)
    assert sum("/thumbs/img-" in u for u in gallery) >= 50


# ----- the compiled srcset parser (pipeline/net/csrcset.pyx) --------------------------------------


def _srcset_values(shared_data: Path) -> list[str]:
    """Every srcset-like attribute value of the saved and archived pages."""
    from selectolax.lexbor import LexborHTMLParser

    from tests.pipeline.extract.test_cwalk import _warc_pages
    from tests.pipeline.extract.test_extract import read_page, real_pages

    pages = [read_page(path) for path in real_pages(shared_data)] + [html for _name, html in _warc_pages(shared_data)]
    values: set[str] = set()
    for html in pages:
        for node in LexborHTMLParser(html).css("img, source"):
            values.update(value for name, value in node.attributes.items() if value and "srcset" in name)
    return sorted(values)


def test_the_compiled_srcset_parser_is_the_one_extraction_runs() -> None:
    from weft.pipeline.extract import image_slots
    from weft.pipeline.net import csrcset, urls

    assert urls.parse_srcset is csrcset.parse_srcset and image_slots.parse_srcset is csrcset.parse_srcset


def test_descriptor_letters_are_ascii() -> None:
    # The compiled parser reads w, x, h and e in ASCII only: so must the descriptor regex, whose
    # IGNORECASE could in principle match other letters.
    from weft.pipeline.net.urls import _DESCRIPTOR

    letters = [chr(c) for c in range(0x110000) if 0xD800 > c or c > 0xDFFF]
    assert [ch for ch in letters if _DESCRIPTOR.match("1" + ch)] == list("HWXhwx")
    assert [ch for ch in letters if _DESCRIPTOR.match(f"1{ch}2w")] == list(".0123456789Ee")


def test_compiled_srcset_parser_is_the_python_one_on_real_values(shared_data: Path) -> None:
    import random

    from weft.pipeline.net.urls import parse_srcset_python

    values = _srcset_values(shared_data)
    assert len(values) > 300
    rng = random.Random(9)
    spice = [" ", ",", ", ", " ,", ",,", "\n", "\xa0", "\u3000", "1x", "2X", "100w", "0w", "1.5x", "1.x", ".5x", "1e2w",
             "1E-2x", "1e+3h", "50h", "w", "x,", "\u0661x", "10\u00b2w", "/a b.jpg", "é"]
    checked = 0
    for value in values:
        variants = [value, value.upper(), value.replace(", ", ","), value.replace(" ", "\n")]
        for _ in range(8):
            at = rng.randrange(len(value) + 1)
            variants.append(value[:at] + rng.choice(spice) + value[at:])
        for variant in variants:
            assert parse_srcset(variant) == parse_srcset_python(variant), variant
            checked += 1
    assert checked > 3000


def test_compiled_srcset_parser_is_the_python_one_on_random_strings() -> None:
    import random

    from weft.pipeline.net.urls import parse_srcset_python

    rng = random.Random(10)
    alphabet = list("0123456789.,,,  wxhWXHeE+-a/") + ["\n", "\t", "\xa0", "\u2003", "\u0661", "\u00e9", "\U0001f600", "1x", "2w"]
    for _ in range(50_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        assert parse_srcset(value) == parse_srcset_python(value), repr(value)


def test_without_the_compiled_srcset_parser_urls_parses_in_python() -> None:
    # What an install without a C compiler gets.
    code = ("from weft.pipeline.net import urls\n"
            "from weft.pipeline.extract import image_slots\n"
            "assert urls.parse_srcset is urls.parse_srcset_python is image_slots.parse_srcset\n"
            "print(urls.parse_srcset('a.jpg 1x, b.jpg 2x'))\n")
    said = fresh_python(code, unbuilt="weft.pipeline.net.csrcset")
    assert said == "[('a.jpg', 1.0, 'x'), ('b.jpg', 2.0, 'x')]"
