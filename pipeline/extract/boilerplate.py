"""Boilerplate: what the walk skips, with everything inside it, and the guards that keep content.

The rules are decided here; the walk (`weft.pipeline.extract.walk`) applies them where it meets
an element, because only it knows the element's position (inside a section, protected, ...).

Boilerplate (skipped with everything inside it)
-----------------------------------------------
- Never content: script, style, noscript (but see the noscript fallback in
  `weft.pipeline.extract.image_slots`), template, svg, math, iframe, frame(set), object, embed,
  canvas, audio, video, button, input, select, textarea, and head-only elements met in the body
  (title, meta, link, base). Skipped by tag (`NEVER_CONTENT_TAGS`; noscript has a kind of its own
  for the fallback).
- Landmarks: nav, aside, footer, dialog, header (see guard 4) and form (guard 5)
  (`LANDMARK_TAGS`); elements whose `role` contains navigation, banner, contentinfo,
  complementary, menu, menubar, search, dialog or alertdialog.
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
   `[role=main]`, or at least `FORM_CONTENT_MIN_P` paragraphs (ASP.NET WebForms wraps the whole
   body in one `<form>`).
6. An element removed for a class/id token or for being hidden is kept if it holds at least
   `WRAPPER_MIN_P` paragraphs and more than half of the page's paragraph text: then it is the
   content's wrapper, whatever its name says. Real pages in tests/: radiofrance's
   `<div class="share-zone">` around the whole article, threatpost's
   `c-fixed-sidebar-layout--140--left@lg` layout row, ebrosia's `tab-menu--product` description
   tabs. Comment tokens are exempt: a long discussion can outweigh the article (spektrum.de's
   comments hold 79% of its paragraph text) and is still not the content.
Guards 1-2 also apply to landmark, role and hidden removals; tag-based landmark removal
(nav, aside, footer, top-level header) does not use guard 6.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from weft.pipeline.extract.tags import ID_ARTICLE, ID_MAIN, TAG_ID

__all__ = [
    "B_COMMENTS",
    "B_HIDDEN",
    "B_NONE",
    "B_ROLE",
    "B_TOKEN",
    "FORM_CONTENT_MIN_P",
    "LANDMARK_TAGS",
    "NEVER_CONTENT_TAGS",
    "NEVER_REMOVED_IDS",
    "SAYING_ATTRS",
    "WRAPPER_MIN_P",
    "boilerplate_kind",
    "is_main_role",
    "paragraph_chars",
    "protected_ids_and_base",
    "skip_reason",
]

# ----- by tag --------------------------------------------------------------------------------

NEVER_CONTENT_TAGS = (
    "script style template svg math iframe frame frameset object embed canvas audio "
    "video button input select textarea option optgroup title meta link base head "
    "noembed noframes source"
).split()
"""Skipped by tag, whatever their attributes (a stray `<source>` outside `<picture>` too)."""
LANDMARK_TAGS = ("nav", "aside", "footer", "header", "form", "dialog")
"""Skipped by tag unless guard 2, 4 (header) or 5 (form) keeps them."""
NEVER_REMOVED_IDS = frozenset((TAG_ID["html"], TAG_ID["body"], ID_MAIN, ID_ARTICLE))
"""Guard 1."""

# ----- by attribute --------------------------------------------------------------------------

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
FORM_CONTENT_MIN_P = 3
"""Guard 5."""
WRAPPER_MIN_P = 3
"""Guard 6."""

SAYING_ATTRS = frozenset(("class", "id", "role", "hidden", "aria-hidden", "style"))
"""The attributes `boilerplate_kind` reads: an element with none of them needs no call."""
# What an element's own attributes say it is (see `boilerplate_kind`).
B_NONE, B_TOKEN, B_COMMENTS, B_ROLE, B_HIDDEN = range(5)


_CLASS_KINDS: dict[str, int] = {}
"""`_class_kind`'s answers by value: a page repeats the same few hundred class strings on
thousands of nodes. A plain dict, read inline by `boilerplate_kind` (a `dict.get` costs a
fifth of a call through `functools.lru_cache`); emptied when it reaches `_CLASS_KINDS_MAX`."""
_CLASS_KINDS_MAX = 65536


def _class_kind(value: str) -> int:
    """What a class or id value names: `B_TOKEN`, `B_COMMENTS`, `B_HIDDEN` (screen-reader
    only) or `B_NONE` (guard 3 in the module docstring), remembered in `_CLASS_KINDS`."""
    kind = _CLASS_KINDS.get(value)
    if kind is None:
        if len(_CLASS_KINDS) >= _CLASS_KINDS_MAX:
            _CLASS_KINDS.clear()
        kind = _CLASS_KINDS[value] = _class_kind_of(value)
    return kind


def _class_kind_of(value: str) -> int:
    found = B_NONE
    for word in value.lower().split():
        if word in _SCREEN_READER_CLASSES:
            return B_HIDDEN
        parts = _TOKEN_PARTS.split(word)
        if parts[0] in _STATE_PREFIXES and len(parts) > 1:
            continue
        for part in parts:
            if part in _BOILERPLATE_TOKENS:
                return B_TOKEN
            if part in _COMMENT_TOKENS:
                found = B_COMMENTS
    return found


def boilerplate_kind(attrs: dict[str, str | None]) -> int:
    """Whether an element's own attributes say it is boilerplate or hidden, and which kind (the
    guards differ by kind and are applied by the caller, which knows the element's position).
    Runs for every element with a class, id or style (127 a page on the bench pages): membership
    tests before lookups, as most elements carry only a class that says nothing; the class and
    id answers are read from `_CLASS_KINDS` inline, and an element whose only attributes are a
    class and an id is answered without the four rarer tests (0.6 → 0.4 µs an element)."""
    known = 0
    if "class" in attrs:
        known = 1
        value = attrs["class"]
        if value:
            kind = _CLASS_KINDS.get(value)
            if kind is None:
                kind = _class_kind(value)
            if kind:
                return kind
    if "id" in attrs:
        known += 1
        value = attrs["id"]
        if value:
            kind = _CLASS_KINDS.get(value)
            if kind is None:
                kind = _class_kind(value)
            if kind:
                return kind
    if len(attrs) == known:
        return B_NONE
    if "role" in attrs:
        value = attrs["role"]
        if value and not _BOILERPLATE_ROLES.isdisjoint(value.lower().split()):
            return B_ROLE
    if "hidden" in attrs:
        hidden = attrs["hidden"]
        if hidden is None or hidden.strip().lower() != "until-found":
            return B_HIDDEN
    if "aria-hidden" in attrs:
        value = attrs["aria-hidden"]
        if value and value.strip().lower() == "true":
            return B_HIDDEN
    if "style" in attrs:
        value = attrs["style"]
        if value and ("none" in (lowered := value.lower()) or "dden" in lowered) and _HIDDEN_STYLE.search(value):
            # The test of the words first: a case-insensitive search costs 0.8 µs a style, and
            # "none" and "dden" (no letter in them has another case form for `re`) are in every
            # match.
            return B_HIDDEN
    return B_NONE


def is_main_role(attrs: dict[str, str | None]) -> bool:
    """`[role=main]` counts as `<main>` for guards 2 and 4; `role` is a token list."""
    role = attrs.get("role")
    return bool(role) and "main" in role.lower().split()


def protected_ids_and_base(tree: LexborHTMLParser) -> tuple[set[int], str | None]:
    """mem_ids of `main`, `[role=main]`, content `article`s and all their ancestors (guard 2),
    and the first `<base href>` value.

    The elements by tag come from lexbor's tag lookup (`tags`) and only `[role=main]` from a
    selector: on the 26 bench pages under 100 kB the four-part selector cost 0.31 M instructions
    a page, the three lookups and the one-part selector 0.24 M. Each node is added once (the
    upward walk stops at a node already in the set): linear. This is the reference and the
    fallback: with the compiled walk, extraction runs its twin `cwalk.protected_ids_and_base`
    (one pass in C; `weft.pipeline.extract.walkers` chooses).
    """
    base_href: str | None = None
    for node in tree.tags("base"):
        attrs = node.attributes
        if "href" in attrs:
            base_href = attrs["href"]
            if base_href is not None:
                break
    protected: set[int] = set()
    for nodes in (tree.tags("main"), tree.tags("article"), tree.css('[role="main" i]')):
        for node in nodes:
            if node.tag_id == ID_ARTICLE and boilerplate_kind(node.attributes):
                continue
            current: LexborNode | None = node
            while current is not None:
                key = current.mem_id
                if key in protected:
                    break
                protected.add(key)
                current = current.parent
    return protected, base_href


def paragraph_chars(paragraphs: list[LexborNode]) -> int:
    """Guard 6's measure: a wrapper is judged by the prose it holds, its `<p>` text, against the
    page's."""
    return sum(len(paragraph.text(deep=True)) for paragraph in paragraphs)


def skip_reason(said: int, attrs: dict[str, str | None]) -> str:
    """Explain mode: why an element's own attributes made the walk skip it, as `rule:value`."""
    if said == B_ROLE:
        return f"boilerplate_role:{attrs.get('role')}"
    if said == B_HIDDEN:
        return "hidden"
    rule = "comments_class" if said == B_COMMENTS else "boilerplate_class"
    for name in ("class", "id"):
        value = attrs.get(name)
        if value and _class_kind(value):
            return f"{rule}:{name}={value.strip()[:60]}"
    return rule
