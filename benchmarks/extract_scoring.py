"""Scoring an extraction against a reference: word 4-gram shingles for text, matched `<img>`s for
image slots. Used by `bench_extract_quality.py` and by the extractor's real-page tests; it imports
nothing of trafilatura, so the tests need no benchmark extra.

Text
----
Both texts are cut into tokens and the token 4-grams of each form a set (shingles, as in near-
duplicate detection: a 4-gram rarely repeats within one article, and a set makes a boilerplate
line repeated ten times cost once, as it does a reader). With C the candidate's shingles and R the
reference's: precision |C∩R|/|C|, recall |C∩R|/|R|, F1 their harmonic mean. A text of fewer than
4 tokens is one shingle of all its tokens. An empty candidate scores 0 against a non-empty
reference (an extractor that gives up has found nothing), and anything scores 1 against an
empty reference only when it is empty too.

Tokens are case-folded runs of letters and digits; each CJK ideograph, kana and Hangul syllable is
a token of its own, because Chinese and Japanese are written without spaces and a whole sentence
would otherwise be one "word" (qq, gmw, youth, pixnet and hukumusume in the readability set).

Images
------
A reference `<img>` is named by every URL it carries (src, srcset candidates, lazy `data-*`
values; readability rewrites lazy images to `src` but keeps the other attributes) and by its file
name; a weft slot by its URL and file name. A slot matches an `<img>` when they share a URL
(scheme ignored) or a file name of at least 5 characters with an extension (CDN size variants of
one picture: bbc's `/news/555/...` `src` against weft's `/news/976/...` `data-src`). Slots and
`<img>`s are matched in order (longest common subsequence), so an image out of its place does not
count. Precision is matched slots / slots and recall matched `<img>`s / `<img>`s, summed over
all pages (a page's handful of images is too few for a per-page ratio).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

__all__ = ["PRF", "image_keys", "image_keys_of_html", "match_images", "prf", "reference_text", "score_text", "shingles", "tokens"]

_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+"
)
_BLOCK_TAG = re.compile(
    r"<(/?)(p|div|li|h[1-6]|br|td|th|tr|blockquote|pre|figcaption|figure|dd|dt|section|article|ul|ol|table|hr)\b",
    re.IGNORECASE,
)
_IMG_URL_ATTRS = ("src", "datasrc", "data-src", "data-original", "data-lazy-src", "data-high-res-src",
                  "data-hi-res-src", "data-src-retina", "data-url", "longdesc")
_IMG_SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset")


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 of one comparison."""

    precision: float
    recall: float
    f1: float


def tokens(text: str) -> list[str]:
    """Case-folded word tokens; CJK characters one by one (module docstring)."""
    return _TOKEN.findall(text.casefold())


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """The set of word n-grams of `text`; a shorter non-empty text is one shingle."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _prf(matched_c: int, n_c: int, matched_r: int, n_r: int) -> PRF:
    if n_r == 0:
        value = 1.0 if n_c == 0 else 0.0
        return PRF(value, value, value)
    precision = matched_c / n_c if n_c else 0.0
    recall = matched_r / n_r
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def score_text(candidate: str, reference: str, n: int = 4) -> PRF:
    """Shingle precision, recall and F1 of `candidate` against `reference` (module docstring)."""
    c, r = shingles(candidate, n), shingles(reference, n)
    common = len(c & r)
    return _prf(common, len(c), common, len(r))


def reference_text(html: str) -> str:
    """The words of a reference extraction (readability's `expected.html`): every text node, with
    a space at each block boundary so that `<p>a</p><p>b</p>` is two words, not one."""
    tree = LexborHTMLParser(_BLOCK_TAG.sub(r" <\1\2", html))
    for node in tree.css("script, style"):
        node.decompose()
    root = tree.body if tree.body is not None else tree.root
    return "" if root is None else root.text(deep=True)


def _url_key(url: str) -> str:
    """A URL without its scheme (a page fetched over http and its https copy show one image)."""
    url = url.strip()
    return url.split(":", 1)[1] if url[:5].lower() in ("http:", "https") else url


def _file_key(url: str) -> str | None:
    """The file name of a URL's path when it can name one picture (>= 5 chars, an extension)."""
    if url.startswith("data:"):
        return None
    name = urlsplit(url.strip()).path.rsplit("/", 1)[-1].lower()
    return name if len(name) >= 5 and "." in name.strip(".") else None


def image_keys(urls: Sequence[str]) -> frozenset[str]:
    """Everything that names one image: its URLs (scheme-free) and their file names."""
    keys: set[str] = set()
    for url in urls:
        keys.add("u" + _url_key(url))
        name = _file_key(url)
        if name:
            keys.add("f" + name)
    return frozenset(keys)


def image_keys_of_html(html: str, base: str) -> list[frozenset[str]]:
    """One key set per `<img>` of a reference extraction, in document order."""
    tree = LexborHTMLParser(html)
    found: list[frozenset[str]] = []
    for img in tree.css("img"):
        attrs = img.attributes
        urls: list[str] = []
        for name in _IMG_URL_ATTRS:
            value = attrs.get(name)
            if value and value.strip():
                urls.append(urljoin(base, value.strip()))
        for name in _IMG_SRCSET_ATTRS:
            value = attrs.get(name)
            if value:
                for candidate in value.split(","):
                    parts = candidate.split()
                    if parts:
                        urls.append(urljoin(base, parts[0]))
        if urls:
            found.append(image_keys(urls))
    return found


def match_images(candidate: Sequence[frozenset[str]], reference: Sequence[frozenset[str]]) -> int:
    """How many candidate slots match reference `<img>`s in an order-respecting matching (longest
    common subsequence, two key sets matching when they share a key)."""
    n, m = len(candidate), len(reference)
    if n * m > 4_000_000:  # keep the table bounded; no real page comes near (lazy-image-2: 57 x 56)
        raise ValueError(f"too many images to match: {n} x {m}")
    previous = [0] * (m + 1)
    for i in range(n):
        current = [0] * (m + 1)
        keys = candidate[i]
        for j in range(m):
            if keys & reference[j]:
                current[j + 1] = previous[j] + 1
            else:
                current[j + 1] = max(previous[j + 1], current[j])
        previous = current
    return previous[m]


def prf(matched: int, n_candidate: int, n_reference: int) -> PRF:
    """Precision, recall and F1 from counts (for image slots summed over pages: a page's handful of
    images is too few for a per-page ratio to mean much)."""
    return _prf(matched, n_candidate, matched, n_reference)
