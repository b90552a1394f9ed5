"""DOM → interleaved document: the page's text and image slots in reading order.

`extract(html, page_url)` parses one page with selectolax's lexbor backend and walks its
`<body>` once, emitting text and image events; consecutive text becomes one `TextBlock` (paragraphs
joined by a blank line, the OBELICS convention) and each kept image an `ImageSlot`. Images weft
does not keep are reported as `DroppedSlot`s with a reason code, so nothing vanishes silently.

This module is the entry point; each concern has a module of its own in this package, whose
docstring holds its rules and the measurements behind its thresholds:

- `walk`: the iterative DOM walk and the segment builder (the "Text" rules: blocks, inline
  joining, `<br>`, `<pre>`).
- `boilerplate`: what is skipped with everything inside it (never-content tags, landmarks, roles,
  hidden elements, class/id tokens) and the six guards against false positives.
- `content`: of what the walk kept, which paragraphs and images are the page's main content
  (container scoring, link density, lead pictures), each removed one with a reason; `extract(...,
  explain=True)` lists the removed blocks in `Extraction.removed`.
- `image_slots`: which URL an `<img>`, `<picture>` or `<noscript>` fallback stands for (srcset,
  lazy attributes, placeholders), declared-tiny trackers, and the drop reasons.
- `nesting`: the pre-scan that cuts over-deep subtrees from the source before parsing.
- `tags`: lexbor's tag ids, read from lexbor at import.

Bounds (why a hostile or broken page cannot crash or stall a worker)
---------------------------------------------------------------------
- `ExtractLimits.max_html_chars` (5,000,000): longer input is cut before parsing and the result is
  flagged `truncated`. Common Crawl stores at most 1 MiB of payload per record (longer ones are
  marked `WARC-Truncated: length`), so the cap is never reached on Common Crawl and only bounds
  other crawls. At the cap lexbor parses in ~60 ms; the walk is linear and its worst case, 5 MB of
  nothing but short paragraphs each with an image (120,000 segments), takes ~0.8 s and ~200 MB,
  which bounds one worker's latency and memory.
- `ExtractLimits.max_depth` (512, the depth at which Chromium's HTML parser stops nesting too):
  subtrees below that depth are not descended into; their text and images are skipped, the
  result is flagged `depth_capped` and `depth_capped_subtrees` counts the subtrees skipped.
- The lexbor tree builder is quadratic in nesting depth (100,000 nested `<div>` take 12 s to
  parse), so pages with more than `nesting_scan_min_tags` (4,096) `<` characters are pre-scanned
  and every subtree deeper than `max_depth` is cut from the source before parsing, with the same
  meaning as the walk's cap (`weft.pipeline.extract.nesting`). Below 4,096 tags the worst case
  costs lexbor ~40 ms, so small pages skip the scan.
- The walk is iterative (an explicit stack, never Python recursion) and visits each node once;
  boilerplate is skipped by not descending, never by restarting. Work is linear in the DOM.

Dropped images (`DroppedSlot.reason`, rules in `weft.pipeline.extract.image_slots`):
`tracker_declared_tiny`, `placeholder_only`, `unresolvable_url`, `unsupported_scheme` (see
`weft.pipeline.net.urls`), `lazy_placeholder`; the `DROP_*` constants here name them. Images in
blocks the main-content rules removed carry that rule's code (`weft.pipeline.extract.content`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, SelectolaxError

from weft.jobs.errors import RecordError
from weft.pipeline.extract.image_slots import (
    DROP_LAZY_PLACEHOLDER,
    DROP_PLACEHOLDER_ONLY,
    DROP_TRACKER,
    DROP_UNRESOLVABLE,
    DROP_UNSUPPORTED_SCHEME,
)
from weft.pipeline.extract.nesting import cut_deep_subtrees, nesting_may_exceed
from weft.pipeline.extract.content import decide
from weft.pipeline.extract.walk import SegmentBuilder, assemble
from weft.pipeline.extract.walkers import protected_ids_and_base, walk
from weft.pipeline.net.urls import effective_base
from weft.schemas.document import DroppedSlot, Segment

__all__ = [
    "DROP_LAZY_PLACEHOLDER",
    "DROP_PLACEHOLDER_ONLY",
    "DROP_TRACKER",
    "DROP_UNRESOLVABLE",
    "DROP_UNSUPPORTED_SCHEME",
    "ExtractLimits",
    "Extraction",
    "extract",
]


@dataclass(frozen=True)
class ExtractLimits:
    """Caps that bound the time and memory one page can cost (see the module docstring)."""

    max_html_chars: int = 5_000_000
    """Longer HTML is cut before parsing: 5x Common Crawl's 1 MiB payload cap, so it only bounds
    other crawls; at the cap the worst page costs ~0.8 s and ~200 MB (module docstring)."""
    max_depth: int = 512
    """Deeper subtrees are not descended into (Chromium's parser nests no deeper either)."""
    nesting_scan_min_tags: int = 4096
    """Pages with more `<` than this are pre-scanned for nesting deeper than `max_depth` (lexbor's
    tree builder is quadratic in depth); below it the worst case costs lexbor ~40 ms."""


@dataclass(slots=True)
class Extraction:
    """What `extract` found on one page; `segments` become `Document.segments`."""

    segments: list[Segment]
    """TextBlock | ImageSlot in reading order; no two TextBlocks in a row, none empty."""
    dropped_slots: list[DroppedSlot]
    """Images the page showed but weft does not keep, in page order, each with its reason."""
    title: str | None
    """The `<title>` text, whitespace-normalised; None when absent or empty."""
    html_lang: str | None
    """`<html lang>` as written (stripped); None when absent or empty."""
    truncated: bool
    """The `max_html_chars` cap cut the input."""
    depth_capped: bool
    """The `max_depth` cap was hit (before parsing or during the walk)."""
    depth_capped_subtrees: int = 0
    """How many subtrees were skipped for depth (cut from the source or not descended into)."""
    links: int = 0
    """`<a href>` elements in the kept content (boilerplate links are not counted)."""
    removed: list[tuple[int, str, str]] | None = None
    """With `explain`: every removed block as (position, reason, text), in page order; position
    counts the kept segments before it, as for dropped slots."""


_PARSE_OPTIONS = LexborDocumentOptions.WO_EVENTS
"""lexbor's mutation callbacks off: while parsing they only mirror a `<select>`'s chosen option
into its `<selectedcontent>` (a form control, never content; the 120 saved pages of shared/data
serialise to the same HTML either way), and skipping them makes parsing 6% faster (the 26 pages
`benchmarks/bench_read_extract.py` repeats: 0.30 → 0.28 ms a page)."""


def _tag_starts_exceed_numpy(html: bytes, limit: int) -> bool:
    """Whether the page has more than `limit` `<`: the nesting guard's trigger, asked of every
    page over 4 kB, where the compiled `cnesting.tag_starts_exceed` was not built (and its
    reference in tests). `bytes.count` walks a byte at a time (0.027 ms on a 60 kB page); numpy
    compares them in SIMD (0.005 ms)."""
    return int(np.count_nonzero(np.frombuffer(html, dtype=np.uint8) == _LT)) > limit


_LT = ord("<")

try:  # 16 bytes at a time without an array as long as the page, stopping once the answer is
    # known: 25 -> 5 µs and 0.27 -> 0.11 M instructions on a 200 kB page
    from weft.pipeline.extract.cnesting import tag_starts_exceed as _tag_starts_exceed
except ImportError:  # not built (no C compiler): numpy counts
    _tag_starts_exceed = _tag_starts_exceed_numpy


def _title(tree: LexborHTMLParser) -> str | None:
    head = tree.head
    node = head.css_first("title") if head is not None else None
    if node is None:
        node = tree.css_first("title:not(svg title)")
    if node is None:
        return None
    text = " ".join(node.text(deep=True).split())
    return text or None


def _html_lang(tree: LexborHTMLParser) -> str | None:
    root = tree.root
    if root is None or root.tag != "html":
        return None
    lang = root.attributes.get("lang")
    if lang is None:
        return None
    lang = lang.strip()
    return lang or None


def extract(html: str | bytes, page_url: str, limits: ExtractLimits = ExtractLimits(), explain: bool = False) -> Extraction:
    """Turn one page's HTML into interleaved text and image slots (rules in this package's modules; see the module doc).

    `html` is the page's text, or that text as UTF-8 bytes (what the reader keeps, `Page.html_utf8`,
    and what lexbor parses: bytes spare it encoding a `str`, 0.03 ms on a 60 kB page); both give
    the same result. `page_url` is where the HTML was fetched from (WARC-Target-URI); relative
    image URLs are resolved against it, or against the page's first `<base href>`. Any page,
    however broken, gives a result (possibly empty); only a lexbor failure to build a tree at all
    raises, as a `RecordError("html_parse_failed")`, which costs that one record.
    """
    if isinstance(html, bytes) and len(html) > limits.max_html_chars:
        # The cap counts characters: a page that may need it goes the way of a `str` (a byte
        # count is an upper bound of the character count).
        html = html.decode("utf-8", "replace")
    truncated = False
    cut_subtrees = 0
    if isinstance(html, str):
        truncated = len(html) > limits.max_html_chars
        if truncated:
            html = html[: limits.max_html_chars]
        many_tags = len(html) > limits.nesting_scan_min_tags and html.count("<") > limits.nesting_scan_min_tags
    else:
        many_tags = len(html) > limits.nesting_scan_min_tags and _tag_starts_exceed(html, limits.nesting_scan_min_tags)
    if many_tags and nesting_may_exceed(html, limits.max_depth):
        # The scan reads bytes as the text (ASCII tag names); the cut works on the text.
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        html, cut_subtrees = cut_deep_subtrees(text, limits.max_depth)
    try:
        tree = LexborHTMLParser(html, options=_PARSE_OPTIONS)
    except SelectolaxError as error:  # lexbor could not allocate or build the tree
        raise RecordError("html_parse_failed", str(error)) from error

    protected, base_href = protected_ids_and_base(tree)
    base = effective_base(page_url, base_href)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        builder, capped = SegmentBuilder(explain), 0
    else:
        builder, capped = walk(root, base, limits.max_depth, protected, explain)
    title = _title(tree)
    segments, dropped, links, removed = assemble(builder, decide(builder, title))
    return Extraction(
        segments=segments,
        dropped_slots=dropped,
        title=title,
        html_lang=_html_lang(tree),
        truncated=truncated,
        depth_capped=bool(capped or cut_subtrees),
        depth_capped_subtrees=capped + cut_subtrees,
        links=links,
        removed=removed if explain else None,
    )
