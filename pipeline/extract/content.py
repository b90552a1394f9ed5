"""Main content: which of the walk's paragraphs and images are the page's article, and why the
others are not.

The walk (`weft.pipeline.extract.walk`) skips what is boilerplate by its own name (tags, roles,
class tokens: `weft.pipeline.extract.boilerplate`) and records everything else as items
(paragraphs, images) in page order, each in its *box* (the innermost block element it stood in;
boxes form a tree). What remains after that first cut still holds related-story lists, teasers,
author boxes, tag clouds and page furniture that no class name gave away: on the 43 readability
pages with reference extractions, weft's text had shingle precision 0.77 at recall 0.99. This
module decides, in linear passes over items and boxes (never over the DOM again), which items are
the content. The ideas are Readability's (score the containers of paragraphs, take the best and
the siblings that belong to it), jusText's and boilerpipe's (link density: text that is mostly
links is navigation), re-derived here on weft's box tree; every removed item gets a reason code.

Rules, in order (measurements: `benchmarks/bench_extract_quality.py`, word 4-gram shingles,
readability set = 43 pages with references, trafilatura set = 34 pages, no references)
------------------------------------------------------------------------------------------------
1. **Unlikely boxes** (`unlikely_class`): a box whose class or id names page furniture
   (`_UNLIKELY`: comments, related, sidebar, footer, header, menu, social, sponsor, newsletter,
   pagination, popup, recommended, trending, ...; also glued into longer words, `relatedposts`,
   `sidebarLeft`) is not content, with everything inside, unless the name also says content
   (`_OK_MAYBE`: article, body, content, main, column, ...), it is or holds `<main>`/`<article>`,
   or it holds at least half of the page's prose (weft's guard 6 again: aclu's
   `panel-two-col-sidebar-right-mix` and medicalnewstoday's `row site_header` wrap the
   article). Words are matched whole (split on punctuation and camelCase), so `unavailable` is
   not `nav`.
2. **Scoring** (Readability's principle): every paragraph of at least 25 characters that is not
   a heading and not in an unlikely box scores 1 + its commas (Latin, Arabic, CJK) + one per 100
   characters (at most 3). Its parent box gets the score, the grandparent half, the next three
   ancestors 1/6, 1/9, 1/12. A box's total gets a prior for its tag (div +5; pre, td,
   blockquote +3; lists, dd, dt, address, form -3; headings, th -5) and for its class/id words
   (`_POSITIVE` article, body, content, entry, post, story, text ... +25; `_NEGATIVE` comment,
   related, share, sidebar, footer, sponsor, meta, widget ... -25), and is multiplied by
   (1 - its link density). The best box is the candidate.
3. **Split content**: when at least 3 of the next 4 candidates reach 3/4 of the best and share an
   ancestor with it, that ancestor is the content (ehow's 12 steps, each its own box: recall
   0.22 → 0.99; engadget's review sections). Then the candidate climbs to its parent while the
   parent scores higher and stays above 1/3 of it, and while it is its parent's only child box.
4. **The page's own article first**: when no split content was found and a heading repeats the
   page `<title>` (contained in it, or 3/4 of its words in the title), the first strong
   candidate (2/3 of the best or more) after that heading is the content, and no ancestor that
   holds the best one may join it: pages that append the next articles below the first
   (kulu-media: weft kept 0.002 of trafilatura's text, now 0.95; correctiv: 0.007 → 0.96).
5. **Siblings**: boxes next to the content (same parent) join it when they score at least
   max(10, 1/5 of the content's score) (plus 1/5 when they share its class), or are `<p>` of
   more than 80 characters with link density under 0.25, or short `<p>` without links; figures
   and other boxes with pictures that stand between two joined parts join too (lazy-image-1's
   figures between sections). Everything else is `outside_main_content`.
6. **Lead pictures**: images between the title heading (rule 4) and the content, within 1,000
   characters, not in a link and not declared smaller than 120 px (avatars, icons), are kept:
   the picture at the top of an article is content, though Readability drops it (image-slot
   precision against its references: 0.977 → 0.960 for 7 lead pictures on 43 pages). The title
   heading itself is not kept: it is `Document.title` already, and neither reference counts it.
7. **Inside the content** (Readability's conditional cleaning, boxes of div, section, ul, ol):
   a box whose class/id words are negative goes (`negative_class`); a box with 10 or more commas
   stays; otherwise a box of under 25 characters that is not mostly heading and has no or more
   than 2 pictures goes (`too_short`), and a box whose link density exceeds 1/3 (1/2 for
   lists and for boxes named like content) goes (`link_dense`). Tables are never removed for
   links (infoboxes: Wikipedia's infobox picture is content). The threshold: 0.2 (Readability's)
   gives readability-set precision 0.970 and keeps 0.897 of trafilatura's text on its set; 1/3
   gives 0.966 and 0.902 (befifty's restaurant list, one URL per line, stays); 0.5 gives 0.965
   and 0.902. A paragraph-level link rule (jusText's) was measured and rejected: recall 0.966 →
   0.948.
8. **Too little**: if the kept text is under 500 characters, the choice is redone without rule 1,
   then also without class weights and rule 7; the attempt that keeps the most text wins (a short
   page whose article is named `sidebar`-something still gives its text).

Pages without any paragraph of 25 characters keep every item the walk kept (only rule 1 and the
walk's own boilerplate apply): there is no article to find. An item's reason is the rule's code
(`DROP_*`/`REMOVED_*` below); images removed by these rules become `DroppedSlot`s with it.
"""

from __future__ import annotations

import heapq
import re
from functools import lru_cache

from weft.pipeline.extract.boilerplate import is_main_role
from weft.pipeline.extract.tags import TAG_ID
from weft.pipeline.extract.walk import IT_IMAGE, IT_PARA, IT_SKIPPED, SegmentBuilder
from weft.schemas.document import ImageSlot

__all__ = [
    "REMOVED_LINK_DENSE",
    "REMOVED_NEGATIVE_CLASS",
    "REMOVED_OUTSIDE_MAIN",
    "REMOVED_TOO_SHORT",
    "REMOVED_UNLIKELY_CLASS",
    "decide",
]

REMOVED_OUTSIDE_MAIN = "outside_main_content"
REMOVED_UNLIKELY_CLASS = "unlikely_class"
REMOVED_NEGATIVE_CLASS = "negative_class"
REMOVED_LINK_DENSE = "link_dense"
REMOVED_TOO_SHORT = "too_short"

_HEADINGS = frozenset(TAG_ID[f"h{i}"] for i in range(1, 7))
_ID_UL = TAG_ID["ul"]
_ID_OL = TAG_ID["ol"]
_ID_TABLE = TAG_ID["table"]
_ID_ARTICLE = TAG_ID["article"]
_ID_MAIN = TAG_ID["main"]
_ID_BODY = TAG_ID["body"]
_NEVER_UNLIKELY = frozenset((TAG_ID["html"], _ID_BODY, _ID_ARTICLE, _ID_MAIN))
_CLEANED = frozenset((TAG_ID["div"], _ID_UL, _ID_OL, _ID_TABLE, TAG_ID["section"]))
_TAG_PRIOR = {TAG_ID["div"]: 5, TAG_ID["pre"]: 3, TAG_ID["td"]: 3, TAG_ID["blockquote"]: 3,
              TAG_ID["address"]: -3, _ID_OL: -3, _ID_UL: -3, TAG_ID["dl"]: -3,
              TAG_ID["dd"]: -3, TAG_ID["dt"]: -3, TAG_ID["li"]: -3, TAG_ID["form"]: -3, TAG_ID["th"]: -5}
for _h in _HEADINGS:
    _TAG_PRIOR[_h] = -5

_POSITIVE = frozenset("article articles body content contents entry hentry main post posts text blog story prose".split())
_NEGATIVE = frozenset(
    "hidden banner comment comments contact foot footer footnote footnotes masthead meta outbrain promo "
    "related scroll share sharing shoutbox sidebar skyscraper sponsor sponsored shopping tags tag tool tools "
    "widget widgets ad ads social newsletter subscribe subscription recommended recirculation taboola popular "
    "trending teaser teasers".split()
)
_UNLIKELY = frozenset(
    "breadcrumb breadcrumbs comment comments community disqus footer header legends menu related remark "
    "replies rss shoutbox sidebar skyscraper social sponsor sponsored supplemental pagination pager popup "
    "newsletter subscribe recommended recirculation taboola outbrain trending popular teaser teasers".split()
)
_OK_MAYBE = frozenset("and article body column content main shadow".split())
_GLUED = ("related", "sidebar", "footer", "newsletter", "breadcrumb", "sponsor", "recommend", "outbrain",
          "taboola", "social", "disqus", "comment")
"""Keywords also found glued to a common suffix (`relatedposts`, `sidebarleft`, `commentlist`)."""
_GLUE_SUFFIXES = frozenset("s posts post list links items box area wrap wrapper container left right top bottom block module section".split())
_TOKEN_PARTS = re.compile(r"[-_]+")
_STATE_PREFIXES = frozenset("has no with without is".split())
_WORDS = re.compile(r"[a-z]+|[A-Z][a-z]*|[0-9]+")
_TITLE_WORDS = re.compile(r"\w+")
_OTHER_COMMAS = re.compile(r"[\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c\u3001]")

_MIN_SCORED_CHARS = 25
_LINK_DENSE = 0.33
_LINK_DENSE_LENIENT = 0.5
_HEADER_MAX_CHARS = 1000
_HEADER_IMAGE_MIN_PX = 120
_ENOUGH_CHARS = 500


@lru_cache(maxsize=65536)
def _class_info(class_value: str | None, id_value: str | None) -> tuple[bool, int]:
    """(named like furniture and not like content, class weight) of a class and id (rules 1, 2)."""
    words: set[str] = set()
    for value in (class_value, id_value):
        if value:
            for token in value.split():
                parts = _TOKEN_PARTS.split(token.lower())
                if len(parts) > 1 and parts[0] in _STATE_PREFIXES:
                    continue  # `has-sidebar`, `no-comments`: the page's layout, not this box's role
                words.update(word.lower() for word in _WORDS.findall(token))
    if not words:
        return False, 0
    for word in list(words):
        for key in _GLUED:
            if word.startswith(key) and word[len(key):] in _GLUE_SUFFIXES:
                words.add(key)
    unlikely = not words.isdisjoint(_UNLIKELY) and words.isdisjoint(_OK_MAYBE)
    weight = (25 if not words.isdisjoint(_POSITIVE) else 0) - (25 if not words.isdisjoint(_NEGATIVE) else 0)
    return unlikely, weight


def _describe(attrs: dict[str, str | None]) -> str:
    """How explain mode names a box: its class and id."""
    return " ".join(f"{k}={v!r}" for k, v in attrs.items() if k in ("class", "id") and v)[:80]


class _Page:
    """The box tree with sums over each box's whole subtree, computed once for all attempts."""

    def __init__(self, builder: SegmentBuilder) -> None:
        items = builder.items
        self.parent = parent = builder.box_parent
        self.tags = tags = builder.box_tag
        self.attrs = attrs = builder.box_attrs
        self.n = n = len(parent)
        info = [(False, 0)] * n
        for b in range(1, n):
            a = attrs[b]
            if a:
                info[b] = _class_info(a.get("class"), a.get("id"))
        self.info = info
        chars = [0] * n
        links = [0] * n
        prose = [0] * n
        images = [0] * n
        heading = [0] * n
        commas = [0] * n
        para_commas: list[int] = []
        headings = _HEADINGS
        for item in items:
            kind = item[0]
            if kind == IT_PARA:
                text = item[1]
                b = item[2]
                length = len(text)
                link = item[3] if item[3] < length else length
                chars[b] += length
                links[b] += link
                count = text.count(",")
                if not text.isascii():
                    count += len(_OTHER_COMMAS.findall(text))
                para_commas.append(count)
                commas[b] += count
                if tags[b] in headings:
                    heading[b] += length
                elif length >= _MIN_SCORED_CHARS and 2 * link < length:
                    prose[b] += length
            elif kind == IT_IMAGE:
                images[item[2]] += 1
        holds_main = [False] * n
        children: list[list[int]] = [[] for _ in range(n)]
        for b in range(n - 1, 0, -1):
            a = parent[b]
            children[a].append(b)
            if tags[b] == _ID_MAIN or tags[b] == _ID_ARTICLE or holds_main[b] or (
                    "role" in attrs[b] and is_main_role(attrs[b])):
                holds_main[a] = holds_main[b] = True
            if chars[b]:
                chars[a] += chars[b]
                links[a] += links[b]
                prose[a] += prose[b]
                heading[a] += heading[b]
                commas[a] += commas[b]
            if images[b]:
                images[a] += images[b]
        for kids in children:
            kids.reverse()
        self.children = children
        self.chars, self.links, self.prose, self.images = chars, links, prose, images
        self.heading, self.commas, self.holds_main, self.para_commas = heading, commas, holds_main, para_commas
        self.final = [0.0] * n

    def density(self, b: int) -> float:
        return self.links[b] / self.chars[b] if self.chars[b] else 0.0


def _unlikely(page: _Page, explain: bool) -> list[str | None]:
    """Rule 1: the reason for each box inside an unlikely box, else None."""
    parent, tags, info = page.parent, page.tags, page.info
    half_prose = page.prose[0] / 2
    out: list[str | None] = [None] * page.n
    for b in range(1, page.n):
        above = out[parent[b]]
        if above is not None:
            out[b] = above
        elif (info[b][0] and tags[b] not in _NEVER_UNLIKELY and not page.holds_main[b]
                and page.prose[b] <= half_prose):
            out[b] = f"{REMOVED_UNLIKELY_CLASS}:{_describe(page.attrs[b])}" if explain else REMOVED_UNLIKELY_CLASS
    return out


def _ancestors(b: int, parent: list[int]) -> set[int]:
    chain = set()
    while b:
        b = parent[b]
        chain.add(b)
    return chain


def _title_heading(items: list[tuple], tags: list[int], title: str | None) -> tuple[int, int]:
    """(box, item index) of the first heading that the page's `<title>` repeats; (0, -1) if none."""
    if not title:
        return 0, -1
    wanted = " ".join(title.casefold().split())
    wanted_words = set(_TITLE_WORDS.findall(wanted))
    for index, item in enumerate(items):
        if item[0] == IT_PARA and tags[item[2]] in _HEADINGS:
            text = " ".join(item[1].casefold().split())
            if (len(text) >= 10 and 2 * len(text) >= len(wanted) and text in wanted) or (
                    len(wanted) >= 10 and wanted in text):
                return item[2], index
            words = set(_TITLE_WORDS.findall(text))
            if len(words) >= 3:
                common = len(words & wanted_words)
                if common >= 0.75 * len(words) and common >= 0.5 * len(wanted_words):
                    return item[2], index
    return 0, -1


def _first_titled(best: int, title_box: int, final: list[float], scored: list[bool], parent: list[int]) -> int:
    """Rule 4: the first strong candidate after the title heading, if it comes before `best` and
    is not nested with it."""
    above_best = _ancestors(best, parent)
    above_title = _ancestors(title_box, parent) | {title_box}
    floor = final[best] * 2 / 3
    for b in range(1, best):
        if (scored[b] and final[b] >= floor and b not in above_best and (b > title_box or b in above_title)
                and best not in _ancestors(b, parent)):
            return b
    return best


def _select(builder: SegmentBuilder, page: _Page, unlikely: list[str | None], weigh: bool, title_box: int) -> set[int] | None:
    """Rules 2-5: the boxes that hold the content, or None when no paragraph scores."""
    parent, tags, info, children = page.parent, page.tags, page.info, page.children
    n = page.n
    score = [0.0] * n
    scored = [False] * n
    index = 0
    para_commas = page.para_commas
    for item in builder.items:
        if item[0] != IT_PARA:
            continue
        commas = para_commas[index]
        index += 1
        b = item[2]
        length = len(item[1])
        if length < _MIN_SCORED_CHARS or unlikely[b] is not None or tags[b] in _HEADINGS:
            continue
        value = 1 + commas + min(length // 100, 3)
        a = parent[b]
        for divider in (1, 2, 6, 9, 12):
            scored[a] = True
            score[a] += value / divider
            if a == 0:
                break
            a = parent[a]
    final = page.final
    best = -1
    best_score = 0.0
    for b in range(1, n):
        if scored[b]:
            value = (score[b] + _TAG_PRIOR.get(tags[b], 0) + (info[b][1] if weigh else 0)) * (1 - page.density(b))
            final[b] = value
            if best < 0 or value > best_score:
                best, best_score = b, value
        else:
            final[b] = 0.0
    if best < 0:
        return None
    top = best
    ranked = heapq.nlargest(4, (b for b in range(1, n) if scored[b] and b != best), key=final.__getitem__)
    close = [b for b in ranked if final[b] >= 0.75 * best_score]
    if len(close) >= 3:
        ancestry = [_ancestors(b, parent) for b in close]
        a = parent[best]
        while a > 0 and tags[a] != _ID_BODY:
            if sum(a in chain for chain in ancestry) >= 3:
                top = a
                break
            a = parent[a]
    ceiling: set[int] = set()  # boxes that would take in a competing article (rule 4)
    if top == best and title_box:
        first = _first_titled(best, title_box, final, scored, parent)
        if first != best:
            ceiling = _ancestors(best, parent) | {best}
            top = first
    last = final[top]
    threshold = last / 3
    a = parent[top]
    while a > 0 and tags[a] != _ID_BODY and a not in ceiling:
        if scored[a]:
            if final[a] < threshold:
                break
            if final[a] > last:
                top = a
                break
            last = final[a]
        a = parent[a]
    while (parent[top] > 0 and tags[parent[top]] != _ID_BODY and parent[top] not in ceiling
           and len(children[parent[top]]) == 1):
        top = parent[top]
    area = {top}
    sibling_threshold = max(10.0, final[top] * 0.2)
    top_class = page.attrs[top].get("class")
    siblings = children[parent[top]]
    for s in siblings:
        if s == top or unlikely[s] is not None or s in ceiling:
            continue
        bonus = final[top] * 0.2 if top_class and page.attrs[s].get("class") == top_class else 0.0
        if scored[s] and final[s] + bonus >= sibling_threshold:
            area.add(s)
        elif tags[s] == TAG_ID["p"] and page.chars[s]:
            density = page.density(s)
            if (page.chars[s] > 80 and density < 0.25) or (density == 0 and page.chars[s] <= 80):
                area.add(s)
    if len(area) > 1:
        first, last_part = min(area), max(area)
        for s in siblings:
            if (first < s < last_part and s not in area and page.images[s] and unlikely[s] is None
                    and page.density(s) <= _LINK_DENSE and info[s][1] >= 0):
                area.add(s)
    return area


def _clean(page: _Page, area: set[int] | None, unlikely: list[str | None], conditional: bool,
           explain: bool) -> tuple[list[bool], list[str | None]]:
    """Rule 7: which boxes are inside the content, and the reason for each removed box."""
    parent, tags, info = page.parent, page.tags, page.info
    n = page.n
    inside = [area is None] * n
    bad: list[str | None] = [None] * n
    for b in range(1, n):
        p = parent[b]
        if area is not None:
            inside[b] = inside[p] or b in area
        above = bad[p]
        if above is not None:
            bad[b] = above
            continue
        if unlikely[b] is not None:
            bad[b] = unlikely[b]
            continue
        tag = tags[b]
        if not conditional or tag not in _CLEANED or not inside[b] or (area is not None and b in area):
            continue
        weight = info[b][1]
        if weight < 0:
            reason = REMOVED_NEGATIVE_CLASS
        elif page.commas[b] >= 10:
            continue
        else:
            length = page.chars[b]
            images = page.images[b]
            is_list = tag == _ID_UL or tag == _ID_OL
            density = page.density(b)
            if not is_list and length < 25 and (images == 0 or images > 2) and page.heading[b] < 0.9 * length:
                reason = REMOVED_TOO_SHORT
            elif tag != _ID_TABLE and density > (_LINK_DENSE_LENIENT if is_list or weight > 0 else _LINK_DENSE):
                reason = REMOVED_LINK_DENSE
            else:
                continue
        bad[b] = f"{reason}:{_describe(page.attrs[b])}" if explain else reason
    return inside, bad


def _declared_small(slot: ImageSlot) -> bool:
    width, height = slot.declared_width, slot.declared_height
    return (width is not None and width < _HEADER_IMAGE_MIN_PX) or (height is not None and height < _HEADER_IMAGE_MIN_PX)


def _keep_lead_pictures(items: list[tuple], removed: list[str | None], title_index: int, bad: list[str | None]) -> None:
    """Rule 6."""
    if removed[title_index] != REMOVED_OUTSIDE_MAIN:
        return
    between = 0
    end = -1
    for index in range(title_index + 1, len(items)):
        item = items[index]
        if item[0] == IT_PARA:
            if removed[index] is None:
                end = index
                break
            between += len(item[1])
            if between > _HEADER_MAX_CHARS:
                return
    for index in range(title_index + 1, end):
        item = items[index]
        if (item[0] == IT_IMAGE and removed[index] == REMOVED_OUTSIDE_MAIN and bad[item[2]] is None
                and not item[3] and not _declared_small(item[1])):
            removed[index] = None


def decide(builder: SegmentBuilder, title: str | None = None) -> list[str | None]:
    """For each of the walk's items, None when it is content, else the reason it is not (a
    `REMOVED_*` code; in explain mode followed by `:` and the box's class and id). `title` is
    the page's `<title>` (rules 4 and 6)."""
    items = builder.items
    explain = builder.explain
    page = _Page(builder)
    title_box, title_index = _title_heading(items, page.tags, title)
    best: tuple[int, list[str | None]] | None = None
    no_unlikely: list[str | None] = [None] * page.n
    for strip, weigh, conditional in ((True, True, True), (False, True, True), (False, False, False)):
        unlikely = _unlikely(page, explain) if strip else no_unlikely
        area = _select(builder, page, unlikely, weigh, title_box)
        inside, bad = _clean(page, area, unlikely, conditional and area is not None, explain)
        removed: list[str | None] = [None] * len(items)
        kept = 0
        for i, item in enumerate(items):
            kind = item[0]
            if kind == IT_PARA or kind == IT_IMAGE:
                b = item[2]
                if not inside[b]:
                    removed[i] = REMOVED_OUTSIDE_MAIN
                elif bad[b] is not None:
                    removed[i] = bad[b]
                elif kind == IT_PARA:
                    kept += len(item[1])
            elif kind == IT_SKIPPED:
                removed[i] = item[1]
        if area is not None and title_index >= 0:
            _keep_lead_pictures(items, removed, title_index, bad)
        if kept >= _ENOUGH_CHARS or area is None:
            return removed
        if best is None or kept > best[0]:
            best = (kept, removed)
    assert best is not None
    return best[1]
