"""DOM → interleaved document: the page's text and image slots in reading order.

`extract(html, page_url)` parses one page with selectolax's lexbor backend and walks its
`<body>` once, emitting text and image events; consecutive text becomes one `TextBlock` (paragraphs
joined by a blank line, the OBELICS convention) and each kept image an `ImageSlot`. Images weft
does not keep are reported as `DroppedSlot`s with a reason code, so nothing vanishes silently.

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
- The lexbor tree builder is quadratic in nesting depth (every block start tag scans the stack of
  open elements: 100,000 nested `<div>` take 12 s to parse, 8,000 take 0.15 s). Pages with more
  than `nesting_scan_min_tags` (4,096) `<` characters are therefore pre-scanned: a fast
  over-estimate of the element depth (one `findall`, a tight loop, ~0.2 µs per tag) and, only
  when it exceeds `max_depth`, an exact linear scan (void and auto-closing elements never nest,
  raw-text elements and comments are skipped) that cuts every subtree deeper than `max_depth`
  from the source before parsing, with the same meaning as the walk's cap. Below 4,096 tags the
  worst case costs lexbor ~40 ms, so small pages skip the scan.
- The walk is iterative (an explicit stack, never Python recursion) and visits each node once;
  boilerplate is skipped by not descending, never by restarting. Work is linear in the DOM.

Text
----
Paragraphs, headings, list items, table cells, blockquotes, figcaptions and `<pre>` are blocks:
entering or leaving any block ends the current paragraph. Inline elements are joined exactly as
written (`a<b>b</b> c` → "ab c", `<span>a</span> <span>b</span>` → "a b"); whitespace runs
collapse to one space (non-breaking spaces included). `<br>` is a line break inside the paragraph;
two or more in a row are a paragraph break, which is how many pages write paragraphs. Table cells
are blocks (each cell its own paragraph): old sites use tables for layout, where a cell is a whole
column of content. `<pre>` (and `listing`, `xmp`) keeps its line breaks and indentation; trailing
spaces and leading/trailing blank lines are dropped.

Boilerplate (skipped with everything inside it)
-----------------------------------------------
- Never content: script, style, noscript (but see "noscript fallback" below), template, svg,
  math, iframe, frame(set), object, embed, canvas, audio, video, button, input, select, textarea,
  and head-only elements met in the body (title, meta, link, base).
- Landmarks: nav, aside, footer, dialog, header (see guard 4) and form (guard 5); elements whose
  `role` contains navigation, banner, contentinfo, complementary, menu, menubar, search, dialog or
  alertdialog.
- Hidden: a `hidden` attribute (except `hidden="until-found"`, which is collapsed but findable
  content, as in Wikipedia's mobile sections), `aria-hidden="true"`, an inline style with
  `display:none` or `visibility:hidden`, and the screen-reader-only classes `sr-only`,
  `visually-hidden`, `visuallyhidden`, `screen-reader-text`, and skip links (`skip-link`,
  `skip-to-content`, ...: "Skip to content" is not part of any page's text).
- Class/id tokens (`_BOILERPLATE_TOKENS`, `_COMMENT_TOKENS`) for navigation and menus,
  breadcrumbs, sidebars, cookie and consent banners, share bars, comments and ads.

Guards against the classic false positives:
1. `html`, `body`, `main` and `article` are never removed for an attribute (`<body
   class="has-sidebar">`).
2. An element that contains `<main>`, `[role=main]` or an `<article>` is never removed (WordPress's
   `<div id="page" class="site has-comments">` wraps the whole page). An article whose own
   class/id marks it as boilerplate (WordPress renders each comment as `<article
   class="comment-body">`) does not protect its ancestors, so a comment list still goes.
3. Class and id values are matched by token: split on whitespace, then on `-` and `_`; a token must
   equal a keyword ("unavailable" contains "nav" but is not "nav"). A class token whose first part
   is a state prefix (`has`, `no`, `with`, `without`, `is`) describes the page's layout, not the
   element's role, and is ignored (`has-sidebar`, `no-comments`, `is-nav-open`).
4. A `<header>` inside `article`, `main`, `section` or `[role=main]` is kept: there it holds the
   article's title and byline (ARIA maps only a top-level `<header>` to the banner landmark).
5. A `<form>` is removed unless it wraps real content: it contains `article`, `main`,
   `[role=main]`, or at least `_FORM_CONTENT_MIN_P` paragraphs (ASP.NET WebForms wraps the whole
   body in one `<form>`).
6. An element removed for a class/id token or for being hidden is kept if it holds at least
   `_WRAPPER_MIN_P` paragraphs and more than half of the page's paragraph text: then it is the
   content's wrapper, whatever its name says. Real pages in tests/: radiofrance's
   `<div class="share-zone">` around the whole article, threatpost's
   `c-fixed-sidebar-layout--140--left@lg` layout row, ebrosia's `tab-menu--product` description
   tabs. Comment tokens are exempt: a long discussion can outweigh the article (spektrum.de's
   comments hold 79% of its paragraph text) and is still not the content.
Guards 1-2 also apply to landmark, role and hidden removals; tag-based landmark removal
(nav, aside, footer, top-level header) does not use guard 6.

Image slots
-----------
`<img>`, `<picture>` (its `<source>`s and its `<img>` as one slot) and `<figure>` (its images are
slots; a `<figcaption>` written before the image is read after it, so a caption always follows
the picture it describes). The URL is chosen from, in this order of preference:

1. `<source>` lazy srcset (`data-srcset`, `data-lazy-srcset`), largest candidate over all sources;
2. the img's lazy srcset attributes (same names), largest candidate;
3. the img's lazy src attributes, in `_LAZY_SRC_ATTRS` order (hi-res variants first);
4. `<source srcset>`, largest candidate over all sources;
5. the img's `srcset`, largest candidate;
6. the img's `src`.

Lazy attributes come first because when they are present the plain ones are what a script is
about to overwrite (a placeholder or a blurred preview). Within each rank a `<source>` comes
before the img because a browser consults sources first and they carry the larger or newer
variants; sources whose `type` Pillow cannot decode (e.g. `image/jxl`) are ignored. "Largest" is
the widest `w` candidate, else the highest `x`; a candidate without a descriptor is `1x`.
Candidates that are placeholders are skipped: a `data:` URI shorter than
`_PLACEHOLDER_DATA_URI_MAX_CHARS` (256: too small to hold any image worth training on; a 1x1 GIF
is ~80 characters, the smallest real photo thumbnails several thousand), or a gif/png/svg (or
extension-less) file name containing a `_PLACEHOLDER_TOKENS` token (`blank.gif`, `spacer.gif`,
`image-lazy.png`, `1x1.png` ...). An image whose only candidates are placeholders is dropped as
`placeholder_only`. A candidate that does not resolve falls through to the next one. Lazy src values must look like a
URL (contain `/`, `.` or `:`), so flags such as `data-lazy="true"` are not taken for paths.

noscript fallback: a `<noscript>` that holds exactly one `<img>` and no text is the no-script twin
of a lazy image. Its image is processed like any other; if it is kept and the previous segment is
an image with no text since, it replaces that image (recorded as dropped `lazy_placeholder`;
alt, title and declared size the fallback lacks are taken from it), because the noscript version
is the real one (Medium's blurred `?q=20` previews). A fallback with the same URL is a duplicate
and is not emitted.

`data:` URIs (other than placeholders) are kept as inline images (url = the whole URI,
`source_attr` the attribute it came from). An `<img>` with no source attribute
at all is not a slot and is not reported (there is no URL to keep or to report). Images inside
boilerplate are not slots and are not counted. Dropped images (`DroppedSlot.reason`):
`tracker_declared_tiny` (width and height declared ≤ 1, or either declared 0, by attribute or
inline style), `placeholder_only`, `unresolvable_url`, `unsupported_scheme` (see
`weft.pipeline.net.urls`), `lazy_placeholder` (see noscript fallback).

`ImageSlot.raw_value` is the attribute value as the DOM holds it (character references decoded:
lexbor keeps no source offsets), `source_attr` the attribute name (`src`, `data-src`, `srcset`,
`source[srcset]`, `source[data-srcset]` ...). For a `DroppedSlot`, `url` is the resolved URL when
resolution succeeded (trackers, replaced previews) and otherwise the candidate as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from weft.jobs.errors import RecordError
from weft.pipeline.net.urls import (
    effective_base,
    parse_srcset,
    resolve_url_reason,
)
from weft.schemas.document import DroppedSlot, ImageSlot, Segment, TextBlock

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

DROP_TRACKER = "tracker_declared_tiny"
DROP_PLACEHOLDER_ONLY = "placeholder_only"
DROP_UNRESOLVABLE = "unresolvable_url"
DROP_UNSUPPORTED_SCHEME = "unsupported_scheme"
DROP_LAZY_PLACEHOLDER = "lazy_placeholder"


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


# ----- tag tables ----------------------------------------------------------------------------
# Lexbor identifies standard tags by small integer ids; comparing ids avoids building a tag-name
# string per node. The ids are read from lexbor itself at import so they cannot drift.

_TAG_NAMES_NEEDED = (
    "a address article aside audio base blockquote body br button canvas caption center dd details "
    "dialog dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 "
    "h5 h6 head header hgroup hr html iframe img input legend li link listing main marquee math "
    "menu meta nav noscript object ol optgroup option p picture pre section select source style "
    "summary svg table tbody td template textarea tfoot th thead title tr ul video script xmp "
    "search noembed noframes plaintext"
).split()


def _read_tag_ids() -> dict[str, int]:
    """Tag name → lexbor tag id for every tag the walk distinguishes, read by parsing a page that
    contains them all (table parts and head elements need their proper context to survive)."""
    ids: dict[str, int] = {}
    table = "<table><caption></caption><thead><tr><th></th></tr></thead><tbody><tr><td></td></tr></tbody><tfoot></tfoot></table>"
    special = {"caption", "thead", "tbody", "tfoot", "tr", "td", "th", "table", "html", "head", "body",
               "frameset", "frame", "option", "optgroup", "plaintext", "title", "base", "link",
               "meta", "style", "script", "noscript", "template", "noembed", "noframes"}
    plain = "".join(f"<{name}></{name}>" for name in _TAG_NAMES_NEEDED if name not in special)
    tree = LexborHTMLParser(
        "<html><head><title></title><base><link><meta><style></style><script></script>"
        "<template></template><noframes></noframes></head><body><noscript></noscript>"
        f"<noembed></noembed>{table}{plain}<select><optgroup><option></option></optgroup></select>"
        "<plaintext></body></html>"
    )
    for node in tree.root.traverse():
        ids.setdefault(node.tag, node.tag_id)
    frames = LexborHTMLParser("<html><frameset><frame></frameset></html>")
    for node in frames.root.traverse():
        ids.setdefault(node.tag, node.tag_id)
    text_tree = LexborHTMLParser("<p>t<!--c--></p>")
    for node in text_tree.body.traverse(include_text=True):
        ids.setdefault(node.tag, node.tag_id)
    # Standard tags have small static ids; a custom element's id is per-document (a pointer), so
    # a large one here means lexbor no longer knows that tag and the tables below would not match.
    missing = [name for name in _TAG_NAMES_NEEDED + ["-text", "-comment"] if not 0 < ids.get(name, 0) < 1024]
    if missing:  # a selectolax/lexbor change, not a page problem: fail at import, loudly
        raise RuntimeError(f"lexbor did not report static tag ids for {missing}")
    return ids


_TAG_ID = _read_tag_ids()
_TEXT_ID = _TAG_ID["-text"]

# Node kinds for the walk.
_K_INLINE, _K_SKIP, _K_BLOCK, _K_PRE, _K_SECTION, _K_FIGURE, _K_LANDMARK, _K_IMG, _K_PICTURE, _K_BR, _K_NOSCRIPT = range(11)

_KIND: dict[int, int] = {}
for _name in ("script style template svg math iframe frame frameset object embed canvas audio "
              "video button input select textarea option optgroup title meta link base head "
              "noembed noframes source").split():
    _KIND[_TAG_ID[_name]] = _K_SKIP
for _name in ("address blockquote center dd details dir div dl dt fieldset figcaption h1 h2 h3 h4 "
              "h5 h6 hgroup hr legend li marquee menu ol p summary table caption thead tbody "
              "tfoot tr td th ul search html body").split():
    _KIND[_TAG_ID[_name]] = _K_BLOCK
for _name in ("pre", "listing", "xmp", "plaintext"):
    _KIND[_TAG_ID[_name]] = _K_PRE
for _name in ("article", "main", "section"):
    _KIND[_TAG_ID[_name]] = _K_SECTION
for _name in ("nav", "aside", "footer", "header", "form", "dialog"):
    _KIND[_TAG_ID[_name]] = _K_LANDMARK
_KIND[_TAG_ID["figure"]] = _K_FIGURE
_KIND[_TAG_ID["img"]] = _K_IMG
_KIND[_TAG_ID["picture"]] = _K_PICTURE
_KIND[_TAG_ID["br"]] = _K_BR
_KIND[_TAG_ID["noscript"]] = _K_NOSCRIPT
_KIND[_TAG_ID["-comment"]] = _K_SKIP
del _name
# The same table as a list indexed by tag id (standard ids are small): the walk's hottest lookup.
_KIND_BY_ID: list[int] = [_KIND.get(tag_id, _K_INLINE) for tag_id in range(max(_KIND) + 1)]

_ID_HEADER = _TAG_ID["header"]
_ID_FORM = _TAG_ID["form"]
_ID_MAIN = _TAG_ID["main"]
_ID_ARTICLE = _TAG_ID["article"]
_ID_IMG = _TAG_ID["img"]
_ID_SOURCE = _TAG_ID["source"]
_ID_FIGCAPTION = _TAG_ID["figcaption"]
_ID_BASE = _TAG_ID["base"]
_ID_A = _TAG_ID["a"]
_NEVER_REMOVED_IDS = frozenset((_TAG_ID["html"], _TAG_ID["body"], _ID_MAIN, _ID_ARTICLE))

# Block flags kept on the walk's stack, read when an element is left.
_F_BLOCK, _F_PRE, _F_SECTION = 1, 2, 4

# ----- boilerplate vocabulary ----------------------------------------------------------------

_BOILERPLATE_TOKENS = frozenset(
    # navigation and menus
    "nav navbar navigation menu menubar submenu megamenu breadcrumb breadcrumbs sidebar "
    # cookie and consent banners
    "cookie cookies cookiebanner cookiebar consent gdpr "
    # share bars
    "share sharing sharebar sharedaddy addthis "
    # ads
    "ad ads advert adverts advertisement advertising adsbygoogle adslot adunit sponsored".split()
)
_COMMENT_TOKENS = frozenset("comment comments commentlist disqus".split())
_STATE_PREFIXES = frozenset("has no with without is".split())
_SCREEN_READER_CLASSES = frozenset(
    "sr-only visually-hidden visuallyhidden screen-reader-text skip-link skiplink skip-to-content skip-nav".split()
)
"""Screen-reader-only text, and the 'skip to content' links that pages hide until focused."""
_BOILERPLATE_ROLES = frozenset(
    "navigation banner contentinfo complementary menu menubar search dialog alertdialog".split()
)
_TOKEN_PARTS = re.compile(r"[-_]+")
_HIDDEN_STYLE = re.compile(r"(?:^|[;\s])(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)
_FORM_CONTENT_MIN_P = 3
_WRAPPER_MIN_P = 3

_SAYING_ATTRS = frozenset(("class", "id", "role", "hidden", "aria-hidden", "style"))
# What an element's own attributes say it is (see `_boilerplate_kind`).
_B_NONE, _B_TOKEN, _B_COMMENTS, _B_ROLE, _B_HIDDEN = range(5)


@lru_cache(maxsize=65536)
def _class_kind(value: str) -> int:
    """What a class or id value names: `_B_TOKEN`, `_B_COMMENTS`, `_B_HIDDEN` (screen-reader
    only) or `_B_NONE` (guard 3 in the module docstring). Cached because a page repeats the same
    few hundred class strings on thousands of nodes."""
    found = _B_NONE
    for word in value.lower().split():
        if word in _SCREEN_READER_CLASSES:
            return _B_HIDDEN
        parts = _TOKEN_PARTS.split(word)
        if parts[0] in _STATE_PREFIXES and len(parts) > 1:
            continue
        for part in parts:
            if part in _BOILERPLATE_TOKENS:
                return _B_TOKEN
            if part in _COMMENT_TOKENS:
                found = _B_COMMENTS
    return found


def _boilerplate_kind(attrs: dict[str, str | None]) -> int:
    """Whether an element's own attributes say it is boilerplate or hidden, and which kind (the
    guards differ by kind and are applied by the caller, which knows the element's position)."""
    value = attrs.get("class")
    if value:
        kind = _class_kind(value)
        if kind:
            return kind
    value = attrs.get("id")
    if value:
        kind = _class_kind(value)
        if kind:
            return kind
    value = attrs.get("role")
    if value and any(token in _BOILERPLATE_ROLES for token in value.lower().split()):
        return _B_ROLE
    if "hidden" in attrs:
        hidden = attrs["hidden"]
        if hidden is None or hidden.strip().lower() != "until-found":
            return _B_HIDDEN
    value = attrs.get("aria-hidden")
    if value and value.strip().lower() == "true":
        return _B_HIDDEN
    value = attrs.get("style")
    if value and _HIDDEN_STYLE.search(value):
        return _B_HIDDEN
    return _B_NONE


def _is_main_role(attrs: dict[str, str | None]) -> bool:
    role = attrs.get("role")
    return bool(role) and "main" in role.lower().split()


# ----- images --------------------------------------------------------------------------------

_LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset")
_LAZY_SRC_ATTRS = (
    "data-hi-res-src",      # high-resolution variant (Guardian, NPR-style)
    "data-src-retina",      # retina variant (Libération)
    "data-lazy-src",        # WordPress lazy-load plugins (a3, WP Rocket)
    "data-src",             # lazysizes, lozad, most frameworks
    "data-original",        # jQuery lazyload
    "data-original-src",
    "data-actualsrc",       # Zhihu
    "data-url",             # generic; late because it sometimes holds a link, not an image
    "data-lazy",            # slick carousel
    "data-echo",            # echo.js
)
_LAZY_ATTRS = frozenset(_LAZY_SRCSET_ATTRS + _LAZY_SRC_ATTRS)
_MULTI_CANDIDATE_ATTRS = _LAZY_ATTRS | {"srcset"}
_SOURCE_TYPES_DECODABLE = frozenset(
    ("image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/apng", "image/gif",
     "image/webp", "image/avif", "image/bmp", "image/tiff")
)
_PLACEHOLDER_DATA_URI_MAX_CHARS = 256
_PLACEHOLDER_TOKENS = frozenset(
    "blank spacer placeholder placeholders lazy lazyload lazyloader pixel transparent trans "
    "clear 1x1 loading loader spinner".split()
)
_PLACEHOLDER_EXTS = frozenset(("gif", "png", "svg", ""))
_NAME_PARTS = re.compile(r"[-_.]+")
_PIXELS = re.compile(r"\s*(\d+)\s*(?:px)?\s*$", re.IGNORECASE)
_STYLE_SIZE = re.compile(
    r"(?<![-\w])(width|height)\s*:\s*(\d+(?:\.\d*)?)\s*(?:px)?\s*(?:!important)?\s*(?:;|$)",
    re.IGNORECASE,
)


def _is_placeholder(url: str) -> bool:
    """A candidate that stands in for the real image until a script swaps it (see module doc)."""
    value = url.strip()
    if value[:5].lower() == "data:":
        return len(value) < _PLACEHOLDER_DATA_URI_MAX_CHARS
    end = value.find("?")
    if end < 0:
        end = len(value)
    cut = value.find("#", 0, end)
    if cut >= 0:
        end = cut
    name = value[value.rfind("/", 0, end) + 1:end]
    dot = name.rfind(".")
    if dot >= 0:
        if name[dot + 1:].lower() not in _PLACEHOLDER_EXTS:
            return False  # the common case: a .jpg, .webp ... is never a placeholder
        name = name[:dot]
    return any(part in _PLACEHOLDER_TOKENS for part in _NAME_PARTS.split(name.lower()))


def _declared_pixels(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isdigit() and value.isascii():
        return int(value)
    match = _PIXELS.match(value)
    return int(match.group(1)) if match else None


def _is_declared_tiny(attrs: dict[str, str | None], width: int | None, height: int | None) -> bool:
    """Tracking pixels announce themselves: 1x1 or 0x0 by attributes or inline style. A lone
    1-pixel dimension is not enough (spacer rules), but a 0 in either dimension hides the image."""
    style = attrs.get("style")
    if style and (width is None or height is None):
        for match in _STYLE_SIZE.finditer(style):
            pixels = int(float(match.group(2)))
            if match.group(1).lower() == "width":
                width = pixels if width is None else width
            elif height is None:
                height = pixels
    if width == 0 or height == 0:
        return True
    return width is not None and height is not None and width <= 1 and height <= 1


# A candidate: (url as written, attribute value, attribute name); groups are in preference order.
_Candidate = tuple[str, str, str]


def _srcset_group(values: list[tuple[str, str]]) -> list[_Candidate]:
    """The candidates of one or more srcset values (`(value, attribute name)`), largest first:
    widest `w`, then highest `x`; the sort is stable, so ties keep the author's order."""
    ranked: list[tuple[bool, float, _Candidate]] = []
    for raw, label in values:
        for url, size, kind in parse_srcset(raw):
            ranked.append((kind != "w", -size, (url, raw, label)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [candidate for _w, _size, candidate in ranked]


def _candidate_groups(img: dict[str, str | None], sources: list[dict[str, str | None]]) -> Iterator[list[_Candidate]]:
    """The candidate groups of one image, lazily, in preference order (module docstring, "Image
    slots"); lazily because the first group nearly always wins and srcsets are long."""
    if sources:
        lazy: list[tuple[str, str]] = []
        for source in sources:
            for name in _LAZY_SRCSET_ATTRS:
                value = source.get(name)
                if value and not value.isspace():
                    lazy.append((value, f"source[{name}]"))
                    break
        if lazy:
            yield _srcset_group(lazy)
    if not _LAZY_ATTRS.isdisjoint(img):
        for name in _LAZY_SRCSET_ATTRS:
            value = img.get(name)
            if value and not value.isspace():
                yield _srcset_group([(value, name)])
        for name in _LAZY_SRC_ATTRS:
            value = img.get(name)
            if value and ("/" in value or "." in value or ":" in value):
                yield [(value, value, name)]
    if sources:
        plain = [(value, "source[srcset]") for source in sources
                 if (value := source.get("srcset")) and not value.isspace()]
        if plain:
            yield _srcset_group(plain)
    value = img.get("srcset")
    if value and not value.isspace():
        yield _srcset_group([(value, "srcset")])
    value = img.get("src")
    if value and not value.isspace():
        yield [(value, value, "src")]


@dataclass(slots=True)
class _Choice:
    """The outcome of choosing an image's URL: kept (`reason` None) or why not."""

    url: str
    raw_value: str
    source_attr: str
    reason: str | None


def _choose(groups: Iterator[list[_Candidate]], base: str) -> _Choice | None:
    """The first candidate, in preference order, that is not a placeholder and resolves; else the
    most informative failure (a resolution problem beats "only placeholders"). None when the
    image has no candidate at all."""
    failure: _Choice | None = None
    placeholder: _Choice | None = None
    for group in groups:
        for url, raw, label in group:
            if _is_placeholder(url):
                if placeholder is None:
                    placeholder = _Choice(url.strip(), raw, label, DROP_PLACEHOLDER_ONLY)
                continue
            resolved, reason = resolve_url_reason(url, base)
            if resolved is not None:
                return _Choice(resolved, raw, label, None)
            if failure is None:
                failure = _Choice(url.strip(), raw, label, reason)
    return failure if failure is not None else placeholder


# ----- nesting pre-scan ----------------------------------------------------------------------

_SCAN_NO_NESTING = frozenset(
    # void elements
    "area base br col embed hr img input link meta param source track wbr keygen basefont "
    "bgsound frame image isindex "
    # elements whose end tag the parser implies, so they do not nest in practice
    "p li dt dd td th tr option optgroup rb rt rtc rp thead tbody tfoot colgroup caption "
    "head body html".split()
)
_SCAN_NO_NESTING_ANY_CASE = frozenset(
    variant for name in _SCAN_NO_NESTING for variant in (name, name.upper(), name.capitalize())
)
_SCAN_FAST_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_SCAN_TAG = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9]*))")
# Raw-text elements: their content is not markup, so a "<div" inside a script is not a tag.
_SCAN_RAW_TEXT_END = {
    name: re.compile(f"</{name}", re.IGNORECASE)
    for name in "script style textarea title xmp iframe noembed noframes".split()
}


def _nesting_may_exceed(html: str, max_depth: int) -> bool:
    """A fast over-estimate of the deepest element nesting (one `findall`, a tight loop): it
    ignores comments, raw text, self-closing syntax and letter case (`<Div>` is not closed by
    `</DIV>`), all of which can only add depth. Only when it exceeds `max_depth` does the exact
    scan (`_cut_deep_subtrees`) run."""
    stack: list[str] = []
    open_count: dict[str, int] = {}
    count_of = open_count.get
    push, pop = stack.append, stack.pop
    for closing, name in _SCAN_FAST_TAG.findall(html):
        if name in _SCAN_NO_NESTING_ANY_CASE:
            continue
        if closing:
            if count_of(name):
                while True:
                    top = pop()
                    open_count[top] -= 1
                    if top == name:
                        break
        else:
            push(name)
            open_count[name] = count_of(name, 0) + 1
            if len(stack) > max_depth:
                return True
    return False


def _cut_deep_subtrees(html: str, max_depth: int) -> tuple[str, int]:
    """Remove from the source every subtree that starts deeper than `max_depth`, approximating
    the parser's element depth in one linear pass. Returns the new source and how many subtrees
    were cut. Approximate on purpose: it only has to keep lexbor out of its quadratic case, and it
    errs towards undercounting (auto-closing elements never nest), so a normal page is not cut.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    cut_start = -1
    cut_depth = 0
    pos = 0
    n = len(html)
    search = _SCAN_TAG.search
    while pos < n:
        match = search(html, pos)
        if match is None:
            break
        if match.group(1):  # comment
            end = html.find("-->", match.end())
            pos = n if end < 0 else end + 3
            continue
        closing, name = match.group(2), match.group(3).lower()
        gt = html.find(">", match.end())
        if gt < 0:
            break
        pos = gt + 1
        if closing:
            if open_count.get(name):
                while True:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
                if cut_start >= 0 and len(stack) < cut_depth:
                    cuts.append((cut_start, pos))
                    cut_start = -1
            continue
        raw_text_end = _SCAN_RAW_TEXT_END.get(name)
        if raw_text_end is not None:
            end_match = raw_text_end.search(html, pos)
            if end_match is None:
                break
            gt = html.find(">", end_match.end())
            pos = n if gt < 0 else gt + 1
            continue
        if name == "plaintext":
            break
        if name in _SCAN_NO_NESTING or html[gt - 1] == "/":
            continue
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if cut_start < 0 and len(stack) > max_depth:
            cut_start = match.start()
            cut_depth = len(stack)
    if cut_start >= 0:
        cuts.append((cut_start, n))
    if not cuts:
        return html, 0
    kept: list[str] = []
    last = 0
    for start, end in cuts:
        kept.append(html[last:start])
        last = end
    kept.append(html[last:])
    return "".join(kept), len(cuts)


# ----- the walk ------------------------------------------------------------------------------

_BR_MARK = "\x00"  # the tree builder drops NUL from body text, so NUL cannot come from the page
_BR_RUN = re.compile(r" ?\x00(?: ?\x00)* ?")


def _br_replacement(match: re.Match[str]) -> str:
    return "\n" if match.group().count(_BR_MARK) == 1 else "\n\n"


class _Builder:
    """Accumulates text and image events into segments; owns paragraph bookkeeping."""

    __slots__ = ("buf", "paras", "segments", "dropped", "pre_depth", "links")

    def __init__(self) -> None:
        self.buf: list[str] = []
        """Raw text pieces of the current paragraph (`_BR_MARK` for a `<br>`)."""
        self.paras: list[str] = []
        """Finished paragraphs since the last image."""
        self.segments: list[Segment] = []
        self.dropped: list[DroppedSlot] = []
        self.pre_depth = 0
        self.links = 0

    def flush(self) -> None:
        """End the current paragraph (callers check `buf` first: this is the hot path)."""
        buf = self.buf
        text = "".join(buf)
        buf.clear()
        if self.pre_depth:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            lines = [line.rstrip() for line in text.split("\n")]
            while lines and not lines[-1]:
                lines.pop()
            first = 0
            while first < len(lines) and not lines[first]:
                first += 1
            text = "\n".join(lines[first:])
        else:
            text = " ".join(text.split())
            if _BR_MARK in text:
                text = _BR_RUN.sub(_br_replacement, text).strip(" \n")
        if text:
            self.paras.append(text)

    def pending_text(self) -> bool:
        """Whether text has been seen since the last segment (it will become a TextBlock)."""
        return bool(self.paras) or any(not piece.isspace() and piece != _BR_MARK for piece in self.buf)

    def image(self, slot: ImageSlot, from_noscript: bool) -> None:
        if self.buf:
            self.flush()
        segments = self.segments
        if (from_noscript and not self.paras and segments
                and isinstance(previous := segments[-1], ImageSlot)):
            if previous.url == slot.url:  # the script already had the real URL: a duplicate
                return
            # The fallback often omits what the scripted image declares; keep the page's words.
            slot = replace(
                slot,
                alt=slot.alt if slot.alt is not None else previous.alt,
                title=slot.title if slot.title is not None else previous.title,
                declared_width=slot.declared_width if slot.declared_width is not None else previous.declared_width,
                declared_height=slot.declared_height if slot.declared_height is not None else previous.declared_height,
            )
            segments.pop()
            self.dropped.append(DroppedSlot(
                position=len(segments), raw_value=previous.raw_value,
                source_attr=previous.source_attr, url=previous.url,
                reason=DROP_LAZY_PLACEHOLDER, alt=previous.alt,
            ))
        elif self.paras:
            segments.append(TextBlock("\n\n".join(self.paras)))
            self.paras.clear()
        segments.append(slot)

    def drop(self, choice: _Choice, reason: str, alt: str | None) -> None:
        position = len(self.segments) + (1 if self.pending_text() else 0)
        self.dropped.append(DroppedSlot(
            position=position, raw_value=choice.raw_value, source_attr=choice.source_attr,
            url=choice.url, reason=reason, alt=alt,
        ))

    def finish(self) -> list[Segment]:
        if self.buf:
            self.flush()
        if self.paras:
            self.segments.append(TextBlock("\n\n".join(self.paras)))
            self.paras.clear()
        return self.segments


def _emit_image(builder: _Builder, img: dict[str, str | None], sources: Sequence[dict[str, str | None]],
                base: str, from_noscript: bool = False) -> None:
    if sources or not _MULTI_CANDIDATE_ATTRS.isdisjoint(img):
        choice = _choose(_candidate_groups(img, sources), base)
        if choice is None:
            return
    else:  # the common case, a plain <img src>: one candidate, no groups to rank
        src = img.get("src")
        if not src or src.isspace():
            return
        if _is_placeholder(src):
            choice = _Choice(src.strip(), src, "src", DROP_PLACEHOLDER_ONLY)
        else:
            url, reason = resolve_url_reason(src, base)
            choice = _Choice(src.strip() if url is None else url, src, "src", reason)
    alt = img.get("alt")
    if alt is not None:
        alt = " ".join(alt.split())
    width = img.get("width")
    if width is not None:
        width = int(width) if width.isdigit() and width.isascii() else _declared_pixels(width)
    height = img.get("height")
    if height is not None:
        height = int(height) if height.isdigit() and height.isascii() else _declared_pixels(height)
    if (width is not None and width <= 1) or (height is not None and height <= 1) or (
            (width is None or height is None) and "style" in img):
        if _is_declared_tiny(img, width, height):
            builder.drop(choice, DROP_TRACKER, alt)
            return
    if choice.reason is not None:
        builder.drop(choice, choice.reason, alt)
        return
    title = img.get("title")
    slot = ImageSlot(
        url=choice.url, raw_value=choice.raw_value, source_attr=choice.source_attr, alt=alt,
        title=None if title is None else " ".join(title.split()),
        declared_width=width, declared_height=height,
    )
    builder.image(slot, from_noscript)


def _picture_parts(picture: LexborNode) -> tuple[dict[str, str | None] | None, list[dict[str, str | None]]]:
    """The `<img>` attributes and the decodable `<source>`s' attributes of a `<picture>`."""
    img: dict[str, str | None] | None = None
    sources: list[dict[str, str | None]] = []
    for child in picture.iter():
        tid = child.tag_id
        if tid == _ID_SOURCE:
            attrs = child.attributes
            mime = (attrs.get("type") or "").split(";", 1)[0].strip().lower()
            if not mime or mime in _SOURCE_TYPES_DECODABLE:
                sources.append(attrs)
        elif tid == _ID_IMG and img is None:
            img = child.attributes
    return img, sources


def _noscript_image(noscript: LexborNode) -> dict[str, str | None] | None:
    """The attributes of the single `<img>` a `<noscript>` holds, if that is all it holds."""
    images = noscript.css("img")
    if len(images) != 1 or noscript.text(deep=True).strip():
        return None
    attrs = images[0].attributes
    return None if _boilerplate_kind(attrs) else attrs


def _protected_ids_and_base(tree: LexborHTMLParser) -> tuple[set[int], str | None]:
    """mem_ids of `main`, `[role=main]`, content `article`s and all their ancestors (guard 2),
    and the first `<base href>` value (one selector pass finds both).

    Each node is added once (the upward walk stops at a node already in the set): linear.
    """
    protected: set[int] = set()
    base_href: str | None = None
    for node in tree.css('main, article, [role="main" i], base[href]'):
        tid = node.tag_id
        if tid == _ID_BASE:
            if base_href is None:
                base_href = node.attributes.get("href")
            continue
        if tid == _ID_ARTICLE and _boilerplate_kind(node.attributes):
            continue
        current: LexborNode | None = node
        while current is not None:
            key = current.mem_id
            if key in protected:
                break
            protected.add(key)
            current = current.parent
    return protected, base_href


def _move_leading_figcaption(figure: LexborNode) -> None:
    """Put a figcaption written before the figure's image after it (captions follow images)."""
    first = None
    for child in figure.iter():
        first = child
        break
    if first is not None and first.tag_id == _ID_FIGCAPTION and first.next is not None:
        figure.insert_child(first, move=True)


def _paragraph_chars(paragraphs: list[LexborNode]) -> int:
    return sum(len(paragraph.text(deep=True)) for paragraph in paragraphs)


def _walk(root: LexborNode, base: str, max_depth: int, protected: set[int]) -> tuple[_Builder, int]:
    """One iterative pre-order walk over `root`'s subtree; returns the builder and how many
    subtrees the depth cap kept it out of.

    The hot path: one `tag_id` per node, one `attributes` dict per element not skipped by tag,
    `first_child`/`next` to move. Leaving an element is detected when the walk climbs back up,
    using the flags pushed with it, so blocks get exit events without a second traversal.
    Everything the loop touches per node is a local name (module constants included): the
    loop runs once per node, and a local lookup is the cheapest Python has.
    """
    builder = _Builder()
    buf = builder.buf
    buf_append = buf.append
    flush = builder.flush
    kinds = _KIND_BY_ID
    n_kinds = len(kinds)
    text_id = _TEXT_ID
    boilerplate_kind = _boilerplate_kind
    saying_isdisjoint = _SAYING_ATTRS.isdisjoint
    never_removed = _NEVER_REMOVED_IDS
    emit_image = _emit_image
    k_inline, k_skip, k_block, k_img, k_landmark = _K_INLINE, _K_SKIP, _K_BLOCK, _K_IMG, _K_LANDMARK
    f_block, f_pre, f_section = _F_BLOCK, _F_PRE, _F_SECTION
    br_mark = _BR_MARK
    page_p_chars = -1  # computed on first need (guard 6)
    stack: list[tuple[LexborNode, int]] = []
    push = stack.append
    pop = stack.pop
    depth = 0  # len(stack)
    room = max_depth - 1  # descend while depth < room, i.e. len(stack) + 1 < max_depth
    pre_depth = 0  # mirrored in builder.pre_depth, which flush() reads
    section_depth = 0
    capped = 0
    links = 0  # <a href> in kept content, a spam signal
    id_a = _ID_A
    node: LexborNode | None = root.first_child
    while node is not None:
        tid = node.tag_id
        if tid == text_id:
            # Most text nodes are indentation between tags; outside <pre> their exact content
            # does not matter, only that they separate words, so they are not decoded.
            if pre_depth == 0 and node.is_empty_text_node:
                if buf:  # leading space in a paragraph is dropped anyway; this spares flushes
                    buf_append(" ")
            else:
                text = node.text_content
                if text:
                    buf_append(text)
        else:
            kind = kinds[tid] if tid < n_kinds else k_inline
            if kind != k_skip:
                attrs = node.attributes
                if (attrs and not saying_isdisjoint(attrs) and (said := boilerplate_kind(attrs))
                        and not (tid in never_removed or node.mem_id in protected)):
                    kind = k_skip
                    if said == _B_TOKEN or said == _B_HIDDEN:
                        # Guard 6: a wrapper holding most of the page's paragraph text is content.
                        paragraphs = node.css("p")
                        if len(paragraphs) >= _WRAPPER_MIN_P:
                            if page_p_chars < 0:
                                page_p_chars = _paragraph_chars(root.css("p"))
                            if 2 * _paragraph_chars(paragraphs) > page_p_chars:
                                kind = kinds[tid] if tid < n_kinds else k_inline
                if kind == k_inline:
                    flags = 0
                    if tid == id_a and "href" in attrs:
                        links += 1
                elif kind == k_block:
                    if buf and pre_depth == 0:
                        flush()
                    flags = f_block | f_section if "role" in attrs and _is_main_role(attrs) else f_block
                elif kind == k_img:
                    emit_image(builder, attrs, (), base)
                    flags = -1
                elif kind == k_skip:
                    flags = -1
                elif kind == k_landmark:
                    if (tid == _ID_HEADER and section_depth) or node.mem_id in protected or (
                        tid == _ID_FORM and len(node.css("p")) >= _FORM_CONTENT_MIN_P
                    ):
                        if buf and pre_depth == 0:
                            flush()
                        flags = f_block | f_section if "role" in attrs and _is_main_role(attrs) else f_block
                    else:
                        flags = -1
                elif kind == _K_SECTION:
                    if buf and pre_depth == 0:
                        flush()
                    flags = f_block | f_section
                elif kind == _K_BR:
                    buf_append("\n" if pre_depth else br_mark)
                    flags = -1
                elif kind == _K_FIGURE:
                    if buf and pre_depth == 0:
                        flush()
                    _move_leading_figcaption(node)
                    flags = f_block
                elif kind == _K_PICTURE:
                    img, sources = _picture_parts(node)
                    if img is None and not sources:
                        flags = 0
                    else:
                        emit_image(builder, img or {}, sources, base)
                        flags = -1
                elif kind == _K_NOSCRIPT:
                    img = _noscript_image(node)
                    if img is not None:
                        emit_image(builder, img, (), base, True)
                    flags = -1
                else:  # _K_PRE
                    if buf:
                        flush()
                    flags = f_block | f_pre
                if flags >= 0:
                    child = node.first_child
                    if child is not None:
                        if depth < room:
                            if flags > f_block:
                                if flags & f_pre:
                                    pre_depth += 1
                                    builder.pre_depth = pre_depth
                                if flags & f_section:
                                    section_depth += 1
                            push((node, flags))
                            depth += 1
                            node = child
                            continue
                        capped += 1
                    if flags and buf and pre_depth == 0:
                        flush()
        # Advance: the next sibling, else leave ancestors until one has a next sibling.
        while True:
            following = node.next
            if following is not None:
                node = following
                break
            if not depth:
                node = None
                break
            node, flags = pop()
            depth -= 1
            if flags:
                if flags & f_pre:
                    if buf:
                        flush()
                    pre_depth -= 1
                    builder.pre_depth = pre_depth
                elif buf and pre_depth == 0:
                    flush()
                if flags & f_section:
                    section_depth -= 1
    builder.links = links
    return builder, capped


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


def extract(html: str, page_url: str, limits: ExtractLimits = ExtractLimits()) -> Extraction:
    """Turn one page's HTML into interleaved text and image slots (rules in the module doc).

    `page_url` is where the HTML was fetched from (WARC-Target-URI); relative image URLs are
    resolved against it, or against the page's first `<base href>`. Any page, however broken,
    gives a result (possibly empty); only a lexbor failure to build a tree at all raises, as a
    `RecordError("html_parse_failed")`, which costs that one record.
    """
    truncated = len(html) > limits.max_html_chars
    if truncated:
        html = html[: limits.max_html_chars]
    cut_subtrees = 0
    if (len(html) > limits.nesting_scan_min_tags
            and html.count("<") > limits.nesting_scan_min_tags
            and _nesting_may_exceed(html, limits.max_depth)):
        html, cut_subtrees = _cut_deep_subtrees(html, limits.max_depth)
    try:
        tree = LexborHTMLParser(html)
    except SelectolaxError as error:  # lexbor could not allocate or build the tree
        raise RecordError("html_parse_failed", str(error)) from error

    protected, base_href = _protected_ids_and_base(tree)
    base = effective_base(page_url, base_href)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        builder, capped = _Builder(), 0
    else:
        builder, capped = _walk(root, base, limits.max_depth, protected)
    return Extraction(
        segments=builder.finish(),
        dropped_slots=builder.dropped,
        title=_title(tree),
        html_lang=_html_lang(tree),
        truncated=truncated,
        depth_capped=bool(capped or cut_subtrees),
        depth_capped_subtrees=capped + cut_subtrees,
        links=builder.links,
    )
