"""The walk: one pass over `<body>` that turns nodes into text and image events, and the segment
builder that turns those events into `TextBlock`s and `ImageSlot`s.

The walk is iterative (an explicit stack, never Python recursion) and visits each node once;
boilerplate (`weft.pipeline.extract.boilerplate`) is skipped by not descending, never by
restarting, so work is linear in the DOM. Subtrees deeper than `max_depth` are not descended into
and are counted. Images go through `weft.pipeline.extract.image_slots`.

`walk` here is the reference; extraction runs its compiled twin, `weft.pipeline.extract.cwalk`
(`weft.pipeline.extract.walkers` chooses), which follows it branch for branch and shares the
builder and the rules. A change to the loop is made in both: the compiled walk compares itself
with this one at import, and tests/pipeline/extract/test_cwalk.py on every real page.

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
    skip_reason,
)
from weft.pipeline.extract.image_slots import (
    DROP_LAZY_PLACEHOLDER,
    ImageFields,
    emit_image,
    noscript_image,
    picture_parts,
)
from weft.pipeline.extract.tags import ID_A, ID_FIGCAPTION, ID_FORM, ID_HEADER, TAG_ID, TEXT_ID

ID_SECTION = TAG_ID["section"]
from weft.schemas.document import DroppedSlot, ImageSlot, Segment, TextBlock

__all__ = ["IT_DROP", "IT_IMAGE", "IT_PARA", "IT_SKIPPED", "SegmentBuilder", "assemble", "walk"]

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

# Block flags kept on the walk's stack, read when an element is left. _F_MAIN marks a box that is
# `<main>`, `<article>` or `[role=main]` (`SegmentBuilder.mains`).
_F_BLOCK, _F_PRE, _F_SECTION, _F_LINK, _F_MAIN = 1, 2, 4, 8, 16

# ----- the segment builder -------------------------------------------------------------------

_BR_MARK = "\x00"  # the tree builder drops NUL from body text, so NUL cannot come from the page
_BR_RUN = re.compile(r" ?\x00(?: ?\x00)* ?")


def _br_replacement(match: re.Match[str]) -> str:
    return "\n" if match.group().count(_BR_MARK) == 1 else "\n\n"


# Item kinds: what the walk saw, in page order, before the content rules decide what is kept.
IT_PARA, IT_IMAGE, IT_DROP, IT_SKIPPED = range(4)
# IT_PARA:    (IT_PARA, text, box, link_chars, links)
# IT_IMAGE:   (IT_IMAGE, ImageFields, box, inside_a_link) -- an ImageSlot's fields (image_slots.ImageFields)
# IT_DROP:    (IT_DROP, raw_value, source_attr, url, reason, alt, box, after_pending_text)
# IT_SKIPPED: (IT_SKIPPED, reason, node, box) -- only when explaining: a subtree skipped unwalked


class SegmentBuilder:
    """Accumulates text and image events into items (paragraphs, images, drops) in page order,
    each with the box (block element) it stood in; owns paragraph and link bookkeeping. The
    content rules (`weft.pipeline.extract.content`) decide which items stay, then `assemble`
    turns the kept ones into segments."""

    __slots__ = ("buf", "items", "pre_depth", "box", "link_depth", "link_mark", "link_chars", "para_links",
                 "box_parent", "box_tag", "box_attrs", "box_end", "mains", "explain")

    def __init__(self, explain: bool = False) -> None:
        self.buf: list[str] = []
        """Raw text pieces of the current paragraph (`_BR_MARK` for a `<br>`)."""
        self.items: list[tuple] = []
        """What the walk saw, in page order (the `IT_*` tuples above)."""
        self.pre_depth = 0
        self.box = 0
        """The innermost block element the walk is in (an index into the `box_*` lists)."""
        self.link_depth = 0
        """Open `<a href>` elements (the walk keeps it, as it keeps `pre_depth`)."""
        self.link_mark = 0
        """Where in `buf` the open `<a href>` began."""
        self.link_chars = 0
        """Characters of the current paragraph inside `<a href>`, links closed so far."""
        self.para_links = 0
        """`<a href>` elements begun in the current paragraph."""
        self.box_parent: list[int] = [0]
        """Box tree: each block element the walk entered, by entry order; box 0 is the root."""
        self.box_tag: list[int] = [0]
        self.box_attrs: list[dict[str, str | None]] = [{}]
        self.box_end: list[int] = [0]
        """One past the last box inside each box: box b's subtree is boxes `b .. box_end[b] - 1`
        (entry order is pre-order), so the content rules sum over a subtree with prefix sums and
        test nesting without walking the tree again."""
        self.mains: list[int] = []
        """The boxes that are `<main>`, `<article>` or `[role=main]`, in entry order (rule 1 of the
        content rules: a box that holds one is not furniture)."""
        self.explain = explain

    def flush(self) -> None:
        """End the current paragraph (callers check `buf` first: this is the hot path)."""
        buf = self.buf
        if self.link_depth:  # a paragraph ends inside a link: what it held of the link is link text
            self.link_chars += len(" ".join("".join(buf[self.link_mark:]).split()))
            self.link_mark = 0
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
            self.items.append((IT_PARA, text, self.box, self.link_chars, self.para_links))
            self.para_links = 0
        self.link_chars = 0

    def link_ended(self) -> None:
        """The outermost open `<a href>` has ended: what it added to the paragraph is link text."""
        pieces = self.buf[self.link_mark:]
        if pieces:
            text = pieces[0] if len(pieces) == 1 else "".join(pieces)
            self.link_chars += len(" ".join(text.split()))

    def skipped(self, reason: str, node: LexborNode) -> None:
        """Explain mode: a subtree the walk did not enter, and why."""
        if self.buf:
            self.flush()
        self.items.append((IT_SKIPPED, reason, node, self.box))

    def image(self, image: ImageFields, from_noscript: bool) -> None:
        """Add a kept image; a noscript fallback right after its scripted twin replaces it (the
        noscript fallback in `weft.pipeline.extract.image_slots`): only the builder knows what
        came before."""
        if self.buf:
            self.flush()
        items = self.items
        if from_noscript:
            index = len(items) - 1
            while index >= 0 and items[index][0] >= IT_DROP:
                index -= 1
            if index >= 0 and items[index][0] == IT_IMAGE:
                previous: ImageFields = items[index][1]
                url, raw_value, source_attr, alt, title, width, height = image
                if previous[0] == url:  # the script already had the real URL: a duplicate
                    return
                # The fallback often omits what the scripted image declares; keep the page's words.
                image = (url, raw_value, source_attr,
                         alt if alt is not None else previous[3],
                         title if title is not None else previous[4],
                         width if width is not None else previous[5],
                         height if height is not None else previous[6])
                items[index] = (IT_DROP, previous[1], previous[2], previous[0],
                                DROP_LAZY_PLACEHOLDER, previous[3], items[index][2], False)
        items.append((IT_IMAGE, image, self.box, self.link_depth > 0))

    def drop(self, url: str, raw_value: str, source_attr: str, reason: str, alt: str | None) -> None:
        """Record an image not kept where it stood, so a reader of the drops can tell where on
        the page it was."""
        pending = bool(self.buf) and self.pending_text()  # the image stood after that text
        self.items.append((IT_DROP, raw_value, source_attr, url, reason, alt, self.box, pending))

    def pending_text(self) -> bool:
        """Whether the current paragraph holds any text yet."""
        return any(not piece.isspace() and piece != _BR_MARK for piece in self.buf)

    def finish(self) -> None:
        if self.buf:
            self.flush()
        self.box_end[0] = len(self.box_parent)


def assemble(builder: SegmentBuilder, removed: list[str | None]) -> tuple[list[Segment], list[DroppedSlot], int, list[tuple[int, str, str]]]:
    """The kept items as segments (consecutive paragraphs joined into one `TextBlock`), the
    dropped images with their positions, the `<a href>` count of the kept text, and what was
    removed as (position, reason, text). `removed[i]` is the reason item i was removed, or None."""
    segments: list[Segment] = []
    dropped: list[DroppedSlot] = []
    gone: list[tuple[int, str, str]] = []
    paras: list[str] = []
    links = 0
    for item, reason in zip(builder.items, removed):
        kind = item[0]
        if kind == IT_PARA:
            if reason is None:
                paras.append(item[1])
                links += item[4]
            elif builder.explain:
                gone.append((len(segments) + (1 if paras else 0), reason, item[1]))
        elif kind == IT_IMAGE:
            fields: ImageFields = item[1]
            if reason is None:
                if paras:
                    segments.append(TextBlock("\n\n".join(paras)))
                    paras = []
                segments.append(ImageSlot(*fields))
            else:  # DroppedSlot(position, raw_value, source_attr, url, reason, alt)
                position = len(segments) + (1 if paras else 0)
                dropped.append(DroppedSlot(position, fields[1], fields[2], fields[0], reason.partition(":")[0], fields[3]))
                if builder.explain:
                    gone.append((position, reason, f"[image {fields[0]}]"))
        elif kind == IT_DROP:
            dropped.append(DroppedSlot(len(segments) + (1 if paras or item[7] else 0), item[1], item[2], item[3],
                                       item[4], item[5]))
        else:  # IT_SKIPPED (explain only)
            text = " ".join(item[2].text(deep=True, separator=" ").split())
            if text:
                gone.append((len(segments) + (1 if paras else 0), item[1], text))
    if paras:
        segments.append(TextBlock("\n\n".join(paras)))
    end = len(segments)
    for index, slot in enumerate(dropped):
        if slot.position > end:  # it stood after text that was then removed
            dropped[index] = replace(slot, position=end)
    return segments, dropped, links, gone


# ----- the walk ------------------------------------------------------------------------------


def _move_leading_figcaption(figure: LexborNode) -> None:
    """Put a figcaption written before the figure's image after it (captions follow images)."""
    first = None
    for child in figure.iter():
        first = child
        break
    if first is not None and first.tag_id == ID_FIGCAPTION and first.next is not None:
        figure.insert_child(first, move=True)


_IMAGE_ELEMENTS = frozenset(("amp-img", "amp-anim"))
"""Custom elements that are an image: AMP pages (news sites serve them to search engines, and
crawls hold many) show pictures with `<amp-img>` and GIFs with `<amp-anim>`, which the AMP runtime
turns into an `<img>` with the same `src`, `srcset`, `width`, `height` and `alt`. Their children (a
`fallback` or `placeholder` `<amp-img>`, a `<noscript><img>`) stand in for the same picture, so
they are not walked, as an `<img>` has none."""


def _custom_kind(custom: dict[int, int], tid: int, node: LexborNode) -> int:
    """The kind of a custom element (`<amp-img>`, `<my-widget>`): lexbor numbers custom tags per
    document, past every standard tag, so the walk asks each new number's name once."""
    kind = custom.get(tid)
    if kind is None:
        kind = custom[tid] = _K_IMG if node.tag in _IMAGE_ELEMENTS else _K_INLINE
    return kind


def walk(root: LexborNode, base: str, max_depth: int, protected: set[int],
         explain: bool = False) -> tuple[SegmentBuilder, int]:
    """One iterative pre-order walk over `root`'s subtree; returns the builder (the items it saw,
    and the box tree) and how many subtrees the depth cap kept it out of. With `explain`, every
    subtree skipped as boilerplate is recorded as an item too, with its reason.

    The hot path: one `tag_id` per node, one `attributes` dict per element not skipped by tag,
    `first_child`/`next` to move. Leaving an element is detected when the walk climbs back up,
    using the flags pushed with it, so blocks get exit events without a second traversal.
    Everything the loop touches per node is a local name (module constants included): the
    loop runs once per node, and a local lookup is the cheapest Python has.
    """
    builder = SegmentBuilder(explain)
    buf = builder.buf
    buf_append = buf.append
    flush = builder.flush
    box_parent = builder.box_parent
    box_tag = builder.box_tag
    box_attrs = builder.box_attrs
    box_end = builder.box_end
    box = 0  # mirrored in builder.box, which flush() and the image events read
    kinds = _KIND_BY_ID
    n_kinds = len(kinds)
    custom: dict[int, int] = {}  # a custom element's tag id (per document) -> its kind
    custom_kind = _custom_kind
    text_id = TEXT_ID
    boilerplate_kind_of = boilerplate_kind
    saying_isdisjoint = SAYING_ATTRS.isdisjoint
    never_removed = NEVER_REMOVED_IDS
    emit = emit_image
    k_inline, k_skip, k_block, k_img, k_landmark = _K_INLINE, _K_SKIP, _K_BLOCK, _K_IMG, _K_LANDMARK
    f_block, f_pre, f_section, f_link, f_main = _F_BLOCK, _F_PRE, _F_SECTION, _F_LINK, _F_MAIN
    mains_append = builder.mains.append
    id_section = ID_SECTION
    br_mark = _BR_MARK
    page_p_chars = -1  # computed on first need (guard 6)
    stack: list[tuple[LexborNode, int]] = []
    push = stack.append
    pop = stack.pop
    depth = 0  # len(stack)
    room = max_depth - 1  # descend while depth < room, i.e. len(stack) + 1 < max_depth
    pre_depth = 0  # mirrored in builder.pre_depth, which flush() reads
    link_depth = 0  # mirrored in builder.link_depth, which flush() and image() read
    section_depth = 0
    capped = 0
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
            kind = kinds[tid] if tid < n_kinds else custom_kind(custom, tid, node)
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
                                kind = kinds[tid] if tid < n_kinds else custom_kind(custom, tid, node)
                    if kind == k_skip and explain:
                        builder.skipped(skip_reason(said, attrs), node)
                if kind == k_inline:
                    if tid == id_a and "href" in attrs:
                        # An <a href> begins: its text, until it ends, is link text (inline here,
                        # as are the ends below: a page has dozens of links).
                        builder.para_links += 1
                        child = node.first_child
                        if (child is not None and depth < room and child.tag_id == text_id
                                and child.next is None):
                            # A link that holds only text (44 a page on the bench pages): its
                            # text is taken here and, outside other links, counted as link text
                            # at once (what `link_ended` would count), without a stack entry.
                            if pre_depth == 0 and child.is_empty_text_node:
                                if buf:
                                    buf_append(" ")
                            else:
                                text = child.text_content
                                if text:
                                    buf_append(text)
                                    if not link_depth:
                                        builder.link_chars += len(" ".join(text.split()))
                            flags = -1
                        elif not link_depth:
                            builder.link_mark = len(buf)
                            link_depth = 1
                            builder.link_depth = 1
                            flags = f_link
                        else:
                            link_depth += 1
                            builder.link_depth = link_depth
                            flags = f_link
                    else:
                        flags = 0
                elif kind == k_block:
                    if buf and pre_depth == 0:
                        flush()
                    flags = f_block | f_section | f_main if "role" in attrs and is_main_role(attrs) else f_block
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
                        flags = f_block | f_section | f_main if "role" in attrs and is_main_role(attrs) else f_block
                    else:
                        if explain:
                            builder.skipped(f"tag:{node.tag}", node)
                        flags = -1
                elif kind == _K_SECTION:
                    if buf and pre_depth == 0:
                        flush()
                    flags = f_block | f_section | f_main if tid != id_section or (
                        "role" in attrs and is_main_role(attrs)) else f_block | f_section
                elif kind == _K_BR:
                    buf_append("\n" if pre_depth else br_mark)
                    flags = -1
                elif kind == _K_FIGURE:
                    if buf and pre_depth == 0:
                        flush()
                    _move_leading_figcaption(node)
                    flags = f_block | f_main if "role" in attrs and is_main_role(attrs) else f_block
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
                    flags = f_block | f_pre | f_main if "role" in attrs and is_main_role(attrs) else f_block | f_pre
                if flags >= 0:
                    child = node.first_child
                    if child is not None:
                        if depth < room:
                            if flags == 0 and child.tag_id == text_id and child.next is None:
                                # An inline element that holds only text (<b>word</b>; links
                                # that do are taken where they begin): its text is taken here,
                                # as the loop would take it, without a stack entry for the element.
                                if pre_depth == 0 and child.is_empty_text_node:
                                    if buf:
                                        buf_append(" ")
                                else:
                                    text = child.text_content
                                    if text:
                                        buf_append(text)
                            else:
                                if flags & f_block:
                                    builder.box = len(box_parent)
                                    box_parent.append(box)
                                    box_tag.append(tid)
                                    box_attrs.append(attrs)
                                    box_end.append(0)
                                    box = builder.box
                                    if flags > f_block:
                                        if flags & f_pre:
                                            pre_depth += 1
                                            builder.pre_depth = pre_depth
                                        if flags & f_section:
                                            section_depth += 1
                                        if flags & f_main:
                                            mains_append(box)
                                push((node, flags))
                                depth += 1
                                node = child
                                continue
                        else:
                            capped += 1
                            if flags & f_block:
                                if buf and pre_depth == 0:
                                    flush()
                            elif flags:  # an <a href> whose text the depth cap keeps out
                                link_depth -= 1
                                builder.link_depth = link_depth
                    elif flags & f_block:
                        if buf and pre_depth == 0:
                            flush()
                    elif flags:  # an <a href> with nothing inside
                        link_depth -= 1
                        builder.link_depth = link_depth
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
                if flags & f_block:
                    if flags & f_pre:
                        if buf:
                            flush()
                        pre_depth -= 1
                        builder.pre_depth = pre_depth
                    elif buf and pre_depth == 0:
                        flush()
                    if flags & f_section:
                        section_depth -= 1
                    box_end[box] = len(box_parent)
                    builder.box = box = box_parent[box]
                else:  # an <a href> ends
                    link_depth -= 1
                    builder.link_depth = link_depth
                    if not link_depth:
                        builder.link_ended()
    builder.finish()
    return builder, capped
