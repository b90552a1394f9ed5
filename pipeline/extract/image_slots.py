"""Image slots: which URL an image element stands for, or why weft does not keep it.

The walk (`weft.pipeline.extract.walk`) calls `emit_image` for each `<img>`, `<picture>` and
`<noscript>` fallback it meets in content; the outcome goes to its segment builder as an
`ImageSlot` or a `DroppedSlot`.

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
and is not emitted. (The replacement is the segment builder's, `walk.SegmentBuilder.image`: only
it knows what came before.)

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
from dataclasses import dataclass
from typing import Protocol

from selectolax.lexbor import LexborNode

from weft.pipeline.extract.boilerplate import boilerplate_kind
from weft.pipeline.extract.tags import ID_IMG, ID_SOURCE
from weft.pipeline.net.urls import (
    AS_IS_HTTP_URL as as_is_http_url,
    REASON_UNRESOLVABLE,
    REASON_UNSUPPORTED_SCHEME,
    parse_srcset,
    resolve_url_reason,
)

__all__ = [
    "DROP_LAZY_PLACEHOLDER",
    "DROP_PLACEHOLDER_ONLY",
    "DROP_TRACKER",
    "DROP_UNRESOLVABLE",
    "DROP_UNSUPPORTED_SCHEME",
    "Choice",
    "ImageFields",
    "SlotSink",
    "emit_image",
    "noscript_image",
    "picture_parts",
]

DROP_TRACKER = "tracker_declared_tiny"
DROP_PLACEHOLDER_ONLY = "placeholder_only"
# These two are decided by URL resolution; one definition, so the codes cannot drift apart.
DROP_UNRESOLVABLE = REASON_UNRESOLVABLE
DROP_UNSUPPORTED_SCHEME = REASON_UNSUPPORTED_SCHEME
DROP_LAZY_PLACEHOLDER = "lazy_placeholder"

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
    """A candidate that stands in for the real image until a script swaps it (see module doc).
    Runs for every image of a page: string methods and one set test, no generator (1.4 -> 0.7 µs
    an image on the bench pages)."""
    value = url.strip()
    if value[:5].lower() == "data:":
        return len(value) < _PLACEHOLDER_DATA_URI_MAX_CHARS
    if "?" in value:  # the file name ends at the query or the fragment, whichever comes first
        value = value[:value.index("?")]
    if "#" in value:
        value = value[:value.index("#")]
    stem, dot, ext = value[value.rfind("/") + 1:].rpartition(".")
    return _placeholder_name(stem if dot else None, ext)


def _placeholder_name(stem: str | None, ext: str) -> bool:
    """The placeholder test of a URL's file name, given cut at its last dot: `stem` before it
    (None without a dot), `ext` after it (the whole name without a dot)."""
    if stem is not None:
        if ext.lower() not in _PLACEHOLDER_EXTS:
            return False  # the common case: a .jpg, .webp ... is never a placeholder
        return not _PLACEHOLDER_TOKENS.isdisjoint(_NAME_PARTS.split(stem.lower()))
    return not _PLACEHOLDER_TOKENS.isdisjoint(_NAME_PARTS.split(ext.lower()))


_NOT_AS_IS, _AS_IS, _AS_IS_PLACEHOLDER = range(3)


def _as_is(url: str) -> int:
    """Whether `url` resolves to itself against any base (`as_is_http_url`: an absolute http(s)
    URL with nothing to encode), and then whether it is a placeholder: `_AS_IS` (kept as
    written), `_AS_IS_PLACEHOLDER` (a placeholder, as written), or `_NOT_AS_IS` when
    `_is_placeholder` and `resolve_url_reason` must decide. Most image URLs are as is, and for
    them one regex replaces those two steps (2.5 µs for an absolute URL together, this 0.9 µs;
    callgrind, extracting the 199 KB benchmark WARC's 77 pages: 12.82 -> 12.63 M instructions a
    page). tests/pipeline/extract/test_image_slots.py checks it against the two steps."""
    match = as_is_http_url(url)
    if match is None:
        return _NOT_AS_IS
    stem, ext = match.groups()
    if ext is None:  # no path: the slow steps read the host as the file name
        return _NOT_AS_IS
    if stem is not None and ext.lower() not in _PLACEHOLDER_EXTS:
        return _AS_IS
    return _AS_IS_PLACEHOLDER if _placeholder_name(stem, ext) else _AS_IS


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
class Choice:
    """The outcome of choosing an image's URL: kept (`reason` None) or why not."""

    url: str
    raw_value: str
    source_attr: str
    reason: str | None


def _choose(groups: Iterator[list[_Candidate]], base: str) -> Choice | None:
    """The first candidate, in preference order, that is not a placeholder and resolves; else the
    most informative failure (a resolution problem beats "only placeholders"). None when the
    image has no candidate at all."""
    failure: Choice | None = None
    placeholder: Choice | None = None
    for group in groups:
        for url, raw, label in group:
            verdict = _as_is(url)
            if verdict == _AS_IS:
                return Choice(url, raw, label, None)
            if verdict == _AS_IS_PLACEHOLDER or _is_placeholder(url):
                if placeholder is None:
                    placeholder = Choice(url.strip(), raw, label, DROP_PLACEHOLDER_ONLY)
                continue
            resolved, reason = resolve_url_reason(url, base)
            if resolved is not None:
                return Choice(resolved, raw, label, None)
            if failure is None:
                failure = Choice(url.strip(), raw, label, reason)
    return failure if failure is not None else placeholder


ImageFields = tuple[str, str, str, "str | None", "str | None", "int | None", "int | None"]
"""A kept image as the first seven fields of `ImageSlot`, in its order (url, raw_value, source_attr,
alt, title, declared_width, declared_height): the sink builds the `ImageSlot` only for an image
that stays in the document. A frozen dataclass of eleven fields costs ~3 µs to build, and the
main-content rules remove a third of the images the walk sees."""


class SlotSink(Protocol):
    """Where `emit_image` reports each image: the walk's segment builder. A protocol, so that
    this module does not import the walk, which imports it."""

    def image(self, image: ImageFields, from_noscript: bool) -> None: ...

    def drop(self, url: str, raw_value: str, source_attr: str, reason: str, alt: str | None) -> None: ...


def emit_image(builder: SlotSink, img: dict[str, str | None], sources: Sequence[dict[str, str | None]],
               base: str, from_noscript: bool = False) -> None:
    """Report one image to `builder` as a slot or a drop (rules in the module docstring). One
    function for `<img>`, `<picture>` and noscript fallbacks, so all three follow the same rules;
    a plain `<img src>`, the common case, skips the candidate ranking."""
    if sources or not _MULTI_CANDIDATE_ATTRS.isdisjoint(img):
        choice = _choose(_candidate_groups(img, sources), base)
        if choice is None:
            return
        url, raw, source_attr, reason = choice.url, choice.raw_value, choice.source_attr, choice.reason
    else:  # the common case, a plain <img src>: one candidate, no groups to rank
        raw = img.get("src")
        if not raw or raw.isspace():
            return
        source_attr = "src"
        verdict = _as_is(raw)
        if verdict == _AS_IS:
            url, reason = raw, None
        elif verdict == _AS_IS_PLACEHOLDER or _is_placeholder(raw):
            url, reason = raw.strip(), DROP_PLACEHOLDER_ONLY
        else:
            url, reason = resolve_url_reason(raw, base)
            if url is None:
                url = raw.strip()
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
            builder.drop(url, raw, source_attr, DROP_TRACKER, alt)
            return
    if reason is not None:
        builder.drop(url, raw, source_attr, reason, alt)
        return
    title = img.get("title")
    if title is not None:
        title = " ".join(title.split())
    builder.image((url, raw, source_attr, alt, title, width, height), from_noscript)


def picture_parts(picture: LexborNode) -> tuple[dict[str, str | None] | None, list[dict[str, str | None]]]:
    """The `<img>` attributes and the decodable `<source>`s' attributes of a `<picture>`."""
    img: dict[str, str | None] | None = None
    sources: list[dict[str, str | None]] = []
    for child in picture.iter():
        tid = child.tag_id
        if tid == ID_SOURCE:
            attrs = child.attributes
            mime = (attrs.get("type") or "").split(";", 1)[0].strip().lower()
            if not mime or mime in _SOURCE_TYPES_DECODABLE:
                sources.append(attrs)
        elif tid == ID_IMG and img is None:
            img = child.attributes
    return img, sources


def noscript_image(noscript: LexborNode) -> dict[str, str | None] | None:
    """The attributes of the single `<img>` a `<noscript>` holds, if that is all it holds.

    The `<img>` is looked for by walking the noscript's subtree, not with `noscript.css("img")`,
    which finds the same ones (both visit the same nodes: `first_child` order, no `<template>`
    content) but costs ~20,000 instructions whatever the subtree, as lexbor parses the selector
    and sets up its memory on every call; a fallback holds an element or three, ~1,200
    instructions each to walk. A noscript with text is refused before the walk, and the walk
    stops at a second `<img>`, so a big noscript costs no more than its text."""
    if noscript.text(deep=True).strip():
        return None
    image: LexborNode | None = None
    for node in noscript.traverse():
        if node.tag_id == ID_IMG:
            if image is not None:
                return None
            image = node
    if image is None:
        return None
    attrs = image.attributes
    return None if boilerplate_kind(attrs) else attrs
