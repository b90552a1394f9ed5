"""Nesting-depth guard: cut subtrees deeper than `max_depth` from the source before parsing.

The lexbor tree builder is quadratic in nesting depth (every block start tag scans the stack of
open elements: 100,000 nested `<div>` take 12 s to parse, 8,000 take 0.15 s), so a hostile or
broken page could stall a worker before the walk's own depth cap ever runs. `extract` therefore
pre-scans pages with more than `ExtractLimits.nesting_scan_min_tags` (4,096) `<` characters
(below that the worst case costs lexbor ~40 ms, so small pages skip the scan):

1. `nesting_may_exceed`: a fast over-estimate of the element depth (one `findall`, a tight loop,
   ~0.2 µs per tag), itself behind a cheaper bound that decides nearly every page alone (below);
2. only when it exceeds `max_depth`, `cut_deep_subtrees`: an exact linear scan (void and
   auto-closing elements never nest, raw-text elements and comments are skipped) that cuts every
   subtree deeper than `max_depth` from the source, with the same meaning as the walk's cap: the
   cut subtrees' text and images are skipped and counted in `depth_capped_subtrees`.

The cheaper bound (`_open_tags_bound`) keeps one open count per tag name instead of a stack of
open elements: an end tag closes one element of its own name if one is open, and nothing else.
The over-estimate's end tag closes that element and everything opened after it, so at every
point its count of each name is at most the bound's, and its depth (their sum) at most the
bound's depth: when the bound stays within `max_depth`, so does the over-estimate, and the page
is decided without it. Only a page whose bound exceeds `max_depth` (unclosed elements pile up
in it: 0 of the 77 saved pages) runs the over-estimate to decide. Tags are matched with their
slash as one string, so the loop does one set test and one dict update per tag: on the four
saved pages over 4,096 tags (238-713 kB) the scan takes 1.1-1.4 ms instead of 1.5-3.2 ms. It
reads bytes as well as text (an ASCII tag name reads the same in UTF-8 bytes as in the text
decoded from them), so `extract` decodes a UTF-8 page only when a subtree has to be cut.

On bytes the bound runs compiled (`weft.pipeline.extract.cnesting`, the same answers; the
Python bound here is what an install without a C compiler runs): 0.09-0.14 ms on those four
pages, and 13.16 instead of 14.04 M instructions a page for all of extraction over the 77
distinct pages of the 199 KB benchmark WARC.
"""

from __future__ import annotations

import re

__all__ = ["cut_deep_subtrees", "nesting_may_exceed"]

try:  # the bound compiled (cnesting.pyx): the same answers, without a Python object per tag
    from weft.pipeline.extract.cnesting import open_tags_bound_exceeds as _compiled_bound
except ImportError:  # not built (no C compiler): the Python bound below
    _compiled_bound = None

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
_BOUND_TAG = re.compile(r"<(/?[A-Za-z][A-Za-z0-9]*)").findall
_BOUND_TAG_BYTES = re.compile(rb"<(/?[A-Za-z][A-Za-z0-9]*)").findall
_BOUND_SKIP = _SCAN_NO_NESTING_ANY_CASE | frozenset("/" + name for name in _SCAN_NO_NESTING_ANY_CASE)
_BOUND_SKIP_BYTES = frozenset(name.encode("ascii") for name in _BOUND_SKIP)
_BOUND_SKIP_NAMES_BYTES = tuple(sorted(name.encode("ascii") for name in _SCAN_NO_NESTING_ANY_CASE))
"""The compiled bound's form of `_BOUND_SKIP_BYTES`: each name without its `/` spelling, as it
skips a name open or closing (the set holds both spellings of every name)."""
_SCAN_TAG = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9]*))")
# Raw-text elements: their content is not markup, so a "<div" inside a script is not a tag.
_SCAN_RAW_TEXT_END = {
    name: re.compile(f"</{name}", re.IGNORECASE)
    for name in "script style textarea title xmp iframe noembed noframes".split()
}


def nesting_may_exceed(html: str | bytes, max_depth: int) -> bool:
    """A fast over-estimate of the deepest element nesting (one `findall`, a tight loop): it
    ignores comments, raw text, self-closing syntax and letter case (`<Div>` is not closed by
    `</DIV>`), all of which can only add depth. Only when it exceeds `max_depth` does the exact
    scan (`cut_deep_subtrees`) run. `html` may be the text or its UTF-8 bytes (same answer);
    the cheaper bound (module docstring) answers first and is exact whenever it says no. On
    bytes (what the reader gives) the bound is the compiled one when it was built."""
    if _compiled_bound is not None and isinstance(html, bytes):
        exceeds = _compiled_bound(html, max_depth, _BOUND_SKIP_NAMES_BYTES)
    else:
        exceeds = _open_tags_bound_exceeds(html, max_depth)
    return exceeds and _stack_exceeds(
        html.decode("utf-8", "replace") if isinstance(html, bytes) else html, max_depth)


def _stack_exceeds(html: str, max_depth: int) -> bool:
    """The over-estimate itself: a stack of open elements, where an end tag closes the innermost
    open element of its name and everything opened after it."""
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


def _open_tags_bound_exceeds(html: str | bytes, max_depth: int) -> bool:
    """Whether the open-count bound (module docstring) exceeds `max_depth` somewhere: each end
    tag closes one open element of its own name, if any. The counts are keyed by the end tag as
    matched (`/div`), so an end tag needs no slicing."""
    if isinstance(html, bytes):
        tags, skip, slash = _BOUND_TAG_BYTES(html), _BOUND_SKIP_BYTES, 47
    else:
        tags, skip, slash = _BOUND_TAG(html), _BOUND_SKIP, "/"
    open_count: dict[str | bytes, int] = {}
    count_of = open_count.get
    depth = 0
    for tag in tags:
        if tag in skip:
            continue
        if tag[0] == slash:
            count = count_of(tag)
            if count:
                open_count[tag] = count - 1
                depth -= 1
        else:
            end = b"/" + tag if slash == 47 else "/" + tag
            open_count[end] = count_of(end, 0) + 1
            depth += 1
            if depth > max_depth:
                return True
    return False


def cut_deep_subtrees(html: str, max_depth: int) -> tuple[str, int]:
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
