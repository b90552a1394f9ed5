"""The walk: one pass over `<body>` that turns nodes into text and image events, and the segment
builder that turns those events into `TextBlock`s and `ImageSlot`s.

The walk is iterative (an explicit stack, never Python recursion) and visits each node once;
boilerplate (`weft.pipeline.extract.boilerplate`) is skipped by not descending, never by
restarting, so work is linear in the DOM. Subtrees deeper than `max_depth` are not descended into
and are counted. Images go through `weft.pipeline.extract.image_slots`.

Text
----
Paragraphs, headings, list items, table cells, blockquotes, figcaptions and `<pre>` are blocks:
entering or leaving any block ends the current paragraph. Inline elements are joined exactly as
written (`a<b>b</b> c` → "ab c", `<span>a</span> <span>b</span>` → "a b"); whitespace runs
collapse to one space (non-breaking spaces included). `<br>` is a line break inside the paragraph;
two or more in a row are a paragraph break, which is how many pages write paragraphs. Table cells
are blocks (each cell its own paragraph): old sites use tables for layout, where a cell is a whole
column of content. `<pre>` (and `listing`, `xmp`) keeps its line breaks and indentation; trailing
spaces and leading/trailing blank lines are dropped. Consecutive text becomes one `TextBlock`
(paragraphs joined by a blank line, the OBELICS convention).
"""

from __future__ import annotations

import re
from dataclasses import replace

from selectolax.lexbor import LexborNode

from weft.pipeline.extract.boilerplate import (
    B_HIDDEN,
    B_TOKEN,
    FORM_CONTENT_MIN_P,
    LANDMARK_TAGS,
    NEVER_CONTENT_TAGS,
    NEVER_REMOVED_IDS,
    SAYING_ATTRS,
    WRAPPER_MIN_P,
    boilerplate_kind,
    is_main_role,
    paragraph_chars,
)
from weft.pipeline.extract.image_slots import (
    DROP_LAZY_PLACEHOLDER,
    Choice,
    emit_image,
    noscript_image,
    picture_parts,
)
from weft.pipeline.extract.tags import ID_A, ID_FIGCAPTION, ID_FORM, ID_HEADER, TAG_ID, TEXT_ID
from weft.schemas.document import DroppedSlot, ImageSlot, Segment, TextBlock

__all__ = ["SegmentBuilder", "walk"]

# ----- node kinds ----------------------------------------------------------------------------

# Node kinds for the walk.
_K_INLINE, _K_SKIP, _K_BLOCK, _K_PRE, _K_SECTION, _K_FIGURE, _K_LANDMARK, _K_IMG, _K_PICTURE, _K_BR, _K_NOSCRIPT = range(11)

_KIND: dict[int, int] = {}
for _name in NEVER_CONTENT_TAGS:
    _KIND[TAG_ID[_name]] = _K_SKIP
for _name in ("address blockquote center dd details dir div dl dt fieldset figcaption h1 h2 h3 h4 "
              "h5 h6 hgroup hr legend li marquee menu ol p summary table caption thead tbody "
              "tfoot tr td th ul search html body").split():
    _KIND[TAG_ID[_name]] = _K_BLOCK
for _name in ("pre", "listing", "xmp", "plaintext"):
    _KIND[TAG_ID[_name]] = _K_PRE
for _name in ("article", "main", "section"):
    _KIND[TAG_ID[_name]] = _K_SECTION
for _name in LANDMARK_TAGS:
    _KIND[TAG_ID[_name]] = _K_LANDMARK
_KIND[TAG_ID["figure"]] = _K_FIGURE
_KIND[TAG_ID["img"]] = _K_IMG
_KIND[TAG_ID["picture"]] = _K_PICTURE
_KIND[TAG_ID["br"]] = _K_BR
_KIND[TAG_ID["noscript"]] = _K_NOSCRIPT
_KIND[TAG_ID["-comment"]] = _K_SKIP
del _name
# The same table as a list indexed by tag id (standard ids are small): the walk's hottest lookup.
_KIND_BY_ID: list[int] = [_KIND.get(tag_id, _K_INLINE) for tag_id in range(max(_KIND) + 1)]

# Block flags kept on the walk's stack, read when an element is left.
_F_BLOCK, _F_PRE, _F_SECTION = 1, 2, 4

# ----- the segment builder -------------------------------------------------------------------

_BR_MARK = "\x00"  # the tree builder drops NUL from body text, so NUL cannot come from the page
_BR_RUN = re.compile(r" ?\x00(?: ?\x00)* ?")


def _br_replacement(match: re.Match[str]) -> str:
    return "\n" if match.group().count(_BR_MARK) == 1 else "\n\n"


class SegmentBuilder:
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
        """Append a kept image; a noscript fallback right after its scripted twin replaces it
        (the noscript fallback in `weft.pipeline.extract.image_slots`): only the builder knows
        what came before."""
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

    def drop(self, choice: Choice, reason: str, alt: str | None) -> None:
        """Record an image not kept, at the position it would have had, so a reader of the
        drops can tell where on the page it was."""
        position = len(self.segments) + (1 if self.pending_text() else 0)
        self.dropped.append(DroppedSlot(
            position=position, raw_value=choice.raw_value, source_attr=choice.source_attr,
            url=choice.url, reason=reason, alt=alt,
        ))

    def finish(self) -> list[Segment]:
        """The segments, with the text after the last image as the final TextBlock."""
        if self.buf:
            self.flush()
        if self.paras:
            self.segments.append(TextBlock("\n\n".join(self.paras)))
            self.paras.clear()
        return self.segments


# ----- the walk ------------------------------------------------------------------------------


def _move_leading_figcaption(figure: LexborNode) -> None:
    """Put a figcaption written before the figure's image after it (captions follow images)."""
    first = None
    for child in figure.iter():
        first = child
        break
    if first is not None and first.tag_id == ID_FIGCAPTION and first.next is not None:
        figure.insert_child(first, move=True)


def walk(root: LexborNode, base: str, max_depth: int, protected: set[int]) -> tuple[SegmentBuilder, int]:
    """One iterative pre-order walk over `root`'s subtree; returns the builder and how many
    subtrees the depth cap kept it out of.

    The hot path: one `tag_id` per node, one `attributes` dict per element not skipped by tag,
    `first_child`/`next` to move. Leaving an element is detected when the walk climbs back up,
    using the flags pushed with it, so blocks get exit events without a second traversal.
    Everything the loop touches per node is a local name (module constants included): the
    loop runs once per node, and a local lookup is the cheapest Python has.
    """
    builder = SegmentBuilder()
    buf = builder.buf
    buf_append = buf.append
    flush = builder.flush
    kinds = _KIND_BY_ID
    n_kinds = len(kinds)
    text_id = TEXT_ID
    boilerplate_kind_of = boilerplate_kind
    saying_isdisjoint = SAYING_ATTRS.isdisjoint
    never_removed = NEVER_REMOVED_IDS
    emit = emit_image
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
    id_a = ID_A
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
                if (attrs and not saying_isdisjoint(attrs) and (said := boilerplate_kind_of(attrs))
                        and not (tid in never_removed or node.mem_id in protected)):
                    kind = k_skip
                    if said == B_TOKEN or said == B_HIDDEN:
                        # Guard 6 (boilerplate): a wrapper holding most of the page's paragraph text is content.
                        paragraphs = node.css("p")
                        if len(paragraphs) >= WRAPPER_MIN_P:
                            if page_p_chars < 0:
                                page_p_chars = paragraph_chars(root.css("p"))
                            if 2 * paragraph_chars(paragraphs) > page_p_chars:
                                kind = kinds[tid] if tid < n_kinds else k_inline
                if kind == k_inline:
                    flags = 0
                    if tid == id_a and "href" in attrs:
                        links += 1
                elif kind == k_block:
                    if buf and pre_depth == 0:
                        flush()
                    flags = f_block | f_section if "role" in attrs and is_main_role(attrs) else f_block
                elif kind == k_img:
                    emit(builder, attrs, (), base)
                    flags = -1
                elif kind == k_skip:
                    flags = -1
                elif kind == k_landmark:
                    if (tid == ID_HEADER and section_depth) or node.mem_id in protected or (
                        tid == ID_FORM and len(node.css("p")) >= FORM_CONTENT_MIN_P
                    ):
                        if buf and pre_depth == 0:
                            flush()
                        flags = f_block | f_section if "role" in attrs and is_main_role(attrs) else f_block
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
                    img, sources = picture_parts(node)
                    if img is None and not sources:
                        flags = 0
                    else:
                        emit(builder, img or {}, sources, base)
                        flags = -1
                elif kind == _K_NOSCRIPT:
                    img = noscript_image(node)
                    if img is not None:
                        emit(builder, img, (), base, True)
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
