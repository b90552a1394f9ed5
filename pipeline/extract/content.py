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

Where the thresholds come from: the scoring constants of rules 2, 3, 5 and 8 (25 characters,
1 + commas + one per 100 characters up to 3, the 1, 1/2, 1/6, 1/9, 1/12 share of the ancestors,
the tag and class priors, 3 of the next 4 candidates at 3/4, max(10, 1/5) for siblings, 80
characters and 0.25 link density for `<p>` siblings, 500 characters) are Readability's, kept as
they are and not tuned to the pages here; the keyword lists are Readability's with names of
today's recommendation and newsletter boxes added (newsletter, subscribe, recommended,
recirculation, taboola, trending, popular, teaser). The thresholds
that are weft's own were measured as stated with them: rule 4's 2/3 (kulu-media, correctiv),
rule 6's 1,000 characters and 120 px (7 lead pictures on 43 pages), rule 7's 1/3 link density.
Quality with all of them (`benchmarks/bench_extract_quality.py`, 2026-12-01): word 4-gram
precision/recall/F1 0.968/0.971/0.964 on the readability set (trafilatura 2.3.1: 0.960/0.952/
0.955); on its 12 non-English pages 0.997/0.943/0.962 (trafilatura 0.992/0.981/0.986), where
hukumusume's reference also holds the site's daily-trivia boxes that weft removes (recall 0.50,
the story itself kept whole; the other 11 pages: recall 0.98, F1 0.99); image-slot
precision/recall 0.960/0.958 (trafilatura 0.714/0.755); on the trafilatura set weft keeps 0.908
of trafilatura's shingles and trafilatura 0.949 of weft's.

Cost
----
The rules read the walk's items and boxes once (`_Page`): per-box sums become prefix sums over
the boxes in entry order, where a box's subtree is a contiguous run (`SegmentBuilder.box_end`),
so a subtree's total is one subtraction and nesting one comparison; the rules then touch only
the boxes they ask about, and the walk lists the `<main>`/`<article>`/`[role=main]` boxes rule 1
asks about (`SegmentBuilder.mains`). On the pages `benchmarks/bench_read_extract.py` repeats (26
pages up to 100 kB, mean 60 kB: 86 items and 127 boxes a page) the rules cost 0.13-0.17 ms a
page and building the kept segments and dropped slots 0.04 ms, against 0.27 ms for lexbor's
parse and 0.6 ms for the walk (2026-12-01, one core, one process; the walk costs what it cost
before the rules, as boxes and link text are counted where the walk already was). That is about
0.2 ms a page, or 15-18% of extraction: what precision costs. Every part of it is the same to the
byte as before each speed change (the 120 saved pages of shared/data and the pages of every
shared WARC, with and without explain).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate

from weft.pipeline.extract.tags import ID_ARTICLE, ID_MAIN, TAG_ID
from weft.pipeline.extract.walk import IT_DROP, IT_IMAGE, IT_PARA, IT_SKIPPED, SegmentBuilder
from weft.pipeline.extract.image_slots import ImageFields

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

_ANCESTOR_SHARES = (1, 2, 6, 9, 12)
"""A paragraph's score is divided by these for its parent and the next four ancestors (Readability)."""
_HEADINGS = frozenset(TAG_ID[f"h{i}"] for i in range(1, 7))
_ID_UL = TAG_ID["ul"]
_ID_OL = TAG_ID["ol"]
_ID_TABLE = TAG_ID["table"]
_ID_P = TAG_ID["p"]
_ID_BODY = TAG_ID["body"]
_NEVER_UNLIKELY = frozenset((TAG_ID["html"], _ID_BODY, ID_ARTICLE, ID_MAIN))
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
_OTHER_COMMAS = "\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c\u3001"
"""Commas of Arabic and CJK script, and rarer ones, that rule 2 counts besides `,`."""
_ALL_COMMAS = re.compile(f"[,{_OTHER_COMMAS}]").findall
"""Every comma rule 2 counts; needed only for a page whose paragraphs hold one of
`_OTHER_COMMAS`, else `str.count(",")` counts the same."""

_MIN_SCORED_CHARS = 25
_LINK_DENSE = 0.33
_LINK_DENSE_LENIENT = 0.5
_HEADER_MAX_CHARS = 1000
_HEADER_IMAGE_MIN_PX = 120
_ENOUGH_CHARS = 500


_CLASS_INFOS: dict[tuple[str | None, str | None], tuple[bool, int]] = {}
"""`_class_info`'s answers by (class, id): pages repeat the same few hundred class strings. A
plain dict, read inline by `_Page` (a `dict.get` costs a third of a call through
`functools.lru_cache`); emptied when it reaches `_CLASS_INFOS_MAX`."""
_CLASS_INFOS_MAX = 65536


def _class_info(key: tuple[str | None, str | None]) -> tuple[bool, int]:
    """(named like furniture and not like content, class weight) of a (class, id) pair (rules 1,
    2), remembered in `_CLASS_INFOS`."""
    if len(_CLASS_INFOS) >= _CLASS_INFOS_MAX:
        _CLASS_INFOS.clear()
    info = _CLASS_INFOS[key] = _class_info_of(*key)
    return info


def _class_info_of(class_value: str | None, id_value: str | None) -> tuple[bool, int]:
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


_NO_INFO = (False, 0)


def _item_sums(items: list[tuple], tags: list[int], n: int, exact: bool) -> tuple | None:
    """`_Page`'s per-box sums of the walk's items (characters, link characters, prose,
    images, heading characters, commas), the (box, score) of each paragraph rule 2 scores
    unless its box is unlikely, and the indexes of the heading paragraphs among the items (rule
    4 looks for the title there). Not `exact`, commas are `,` alone, and None is returned when a
    paragraph holds a comma of another script (then the caller asks again, `exact`)."""
    chars = [0] * n
    links = [0] * n
    prose = [0] * n
    images = [0] * n
    heading = [0] * n
    commas = [0] * n
    scorable: list[tuple[int, int]] = []
    heading_items: list[int] = []
    not_ascii: list[str] = []
    headings = _HEADINGS
    for index, item in enumerate(items):
        kind = item[0]
        if kind == IT_PARA:
            _kind, text, b, link, _links = item
            length = len(text)
            if link > length:
                link = length
            chars[b] += length
            if link:
                links[b] += link
            if text.isascii():
                count = text.count(",")
            elif exact:
                count = len(_ALL_COMMAS(text))
            else:
                count = text.count(",")
                not_ascii.append(text)
            if count:
                commas[b] += count
            if tags[b] in headings:
                heading[b] += length
                heading_items.append(index)
            elif length >= _MIN_SCORED_CHARS:
                scorable.append((b, 1 + count + (length // 100 if length < 300 else 3)))
                if 2 * link < length:
                    prose[b] += length
        elif kind == IT_IMAGE:
            images[item[2]] += 1
    if not_ascii:
        text = "".join(not_ascii)
        if any(comma in text for comma in _OTHER_COMMAS):
            return None
    return chars, links, prose, images, heading, commas, scorable, heading_items


class _Page:
    """The walk's box tree with prefix sums over boxes in entry order (module docstring, "Cost").
    Entry order is pre-order, so a box's subtree is the run of boxes `b .. end[b] - 1`: a subtree
    total is `sums[end[b]] - sums[b]` and `a` holds `b` when `a < b < end[a]`."""

    __slots__ = ("parent", "tags", "attrs", "end", "n", "info", "chars", "links", "prose", "images",
                 "heading", "commas", "scorable", "headings", "mains")

    def __init__(self, builder: SegmentBuilder) -> None:
        self.parent = builder.box_parent
        self.tags = tags = builder.box_tag
        self.attrs = attrs = builder.box_attrs
        self.end = builder.box_end
        self.n = n = len(tags)
        known = _CLASS_INFOS.get
        class_info = _class_info
        no_info = _NO_INFO
        self.info = [known(key := (a.get("class"), a.get("id"))) or class_info(key) if a else no_info for a in attrs]
        # Commas of other scripts are rare (one of the 26 bench pages under 100 kB has any), so the
        # sums first count `,` alone and keep the paragraphs that are not ASCII (18 of 66 a page;
        # a curly quote is enough); only if those hold another script's comma are the sums made
        # again, with the regex for each of them. The regex costs ~40 instructions a character,
        # the test on the joined paragraphs (`in`, memchr) a fraction of one: the box totals
        # cost 0.85 M instructions a page with the regex, 0.70 M with a test of all the page's
        # paragraphs joined, 0.67 M this way.
        sums = _item_sums(builder.items, tags, n, False)
        if sums is None:
            sums = _item_sums(builder.items, tags, n, True)
        chars, links, prose, images, heading, commas, scorable, heading_items = sums
        self.chars = list(accumulate(chars, initial=0))
        self.links = list(accumulate(links, initial=0))
        self.prose = list(accumulate(prose, initial=0))
        self.images = list(accumulate(images, initial=0))
        self.heading = list(accumulate(heading, initial=0))
        self.commas = list(accumulate(commas, initial=0))
        self.scorable = scorable
        self.headings = heading_items
        self.mains = builder.mains

    def density(self, b: int) -> float:
        """Link characters over all characters in box b's subtree."""
        e = self.end[b]
        chars = self.chars[e] - self.chars[b]
        return (self.links[e] - self.links[b]) / chars if chars else 0.0

    def holds_main(self, b: int) -> bool:
        """Whether box b is, or holds, `<main>`, `<article>` or `[role=main]` (rule 1; the walk
        lists those boxes in entry order, `SegmentBuilder.mains`)."""
        mains = self.mains
        i = bisect_left(mains, b)
        return i < len(mains) and mains[i] < self.end[b]


def _unlikely(page: _Page, explain: bool) -> list[str | None] | None:
    """Rule 1: the reason for each box inside an unlikely box, else None; None when no box is."""
    tags, info, end, prose = page.tags, page.info, page.end, page.prose
    half_prose = prose[page.n] / 2
    out: list[str | None] = [None] * page.n
    covered = 0  # boxes below this one are inside a box already found unlikely
    for b in [b for b in range(1, page.n) if info[b][0]]:
        if b < covered or tags[b] in _NEVER_UNLIKELY:
            continue
        e = end[b]
        if prose[e] - prose[b] <= half_prose and not page.holds_main(b):
            reason = f"{REMOVED_UNLIKELY_CLASS}:{_describe(page.attrs[b])}" if explain else REMOVED_UNLIKELY_CLASS
            out[b:e] = [reason] * (e - b)
            covered = e
    return out if covered else None


def _title_heading(items: list[tuple], headings: list[int], title: str | None) -> tuple[int, int]:
    """(box, item index) of the first heading that the page's `<title>` repeats; (0, -1) if none.
    `headings` are the indexes of the heading paragraphs among `items`."""
    if not title or not headings:
        return 0, -1
    wanted = " ".join(title.casefold().split())
    wanted_words = set(_TITLE_WORDS.findall(wanted))
    for index in headings:
        item = items[index]
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


def _first_titled(best: int, title_box: int, final: dict[int, float], order: list[int], end: list[int]) -> int:
    """Rule 4: the first strong candidate after the title heading (or holding it), if it comes
    before `best` and does not hold it (boxes before `best` cannot be inside it)."""
    floor = final[best] * 2 / 3
    for b in order:
        if b >= best:
            break
        if final[b] >= floor and not b < best < end[b] and (b > title_box or title_box < end[b]):
            return b
    return best


def _select(page: _Page, unlikely: list[str | None], weigh: bool, title_box: int) -> set[int] | None:
    """Rules 2-5: the boxes that hold the content, or None when no paragraph scores."""
    parent, tags, info, end = page.parent, page.tags, page.info, page.end
    score: dict[int, float] = {}
    get = score.get
    for b, value in page.scorable:
        if unlikely[b] is not None:
            continue
        # the parent gets the score, the next four ancestors 1/2, 1/6, 1/9, 1/12 (box 0, the
        # root's parent, collects what passes the top and is dropped below)
        a = parent[b]
        for share in _ANCESTOR_SHARES:
            score[a] = get(a, 0.0) + value / share
            if not a:
                break
            a = parent[a]
    score.pop(0, None)
    if not score:
        return None
    order = sorted(score)  # page order: ties go to the first box, as Readability's do
    final: dict[int, float] = {}
    chars, links = page.chars, page.links
    best = -1
    best_score = 0.0
    for b in order:
        e = end[b]
        length = chars[e] - chars[b]
        density = (links[e] - links[b]) / length if length else 0.0
        value = (score[b] + _TAG_PRIOR.get(tags[b], 0) + (info[b][1] if weigh else 0)) * (1 - density)
        final[b] = value
        if best < 0 or value > best_score:
            best, best_score = b, value
    top = best
    # heapq.nlargest(4, ...) is defined as this (stable) sort, which runs in C
    ranked = sorted([b for b in order if b != best], key=final.__getitem__, reverse=True)[:4]
    close = [b for b in ranked if final[b] >= 0.75 * best_score]
    if len(close) >= 3:
        a = parent[best]
        while a > 0 and tags[a] != _ID_BODY:
            e = end[a]
            if sum(a < b < e for b in close) >= 3:
                top = a
                break
            a = parent[a]
    ceiling = -1  # with rule 4: `best`, whose ancestors would take in a competing article
    if top == best and title_box:
        first = _first_titled(best, title_box, final, order, end)
        if first != best:
            ceiling = best
            top = first
    last = final.get(top, 0.0)
    threshold = last / 3
    a = parent[top]
    while a > 0 and tags[a] != _ID_BODY and not (ceiling >= 0 and a < ceiling < end[a]):
        if a in final:
            if final[a] < threshold:
                break
            if final[a] > last:
                top = a
                break
            last = final[a]
        a = parent[a]
    while True:  # climb while the box is its parent's only child box
        a = parent[top]
        if (a > 0 and tags[a] != _ID_BODY and not (ceiling >= 0 and a < ceiling < end[a])
                and top == a + 1 and end[top] == end[a]):
            top = a
        else:
            break
    area = {top}
    top_final = final.get(top, 0.0)
    sibling_threshold = max(10.0, top_final * 0.2)
    attrs = page.attrs
    top_class = attrs[top].get("class")
    siblings = []
    s, stop = parent[top] + 1, end[parent[top]]
    while s < stop:
        siblings.append(s)
        s = end[s]
    for s in siblings:
        if s == top or unlikely[s] is not None or (ceiling >= 0 and (s == ceiling or s < ceiling < end[s])):
            continue
        bonus = top_final * 0.2 if top_class and attrs[s].get("class") == top_class else 0.0
        value = final.get(s)
        if value is not None and value + bonus >= sibling_threshold:
            area.add(s)
        elif tags[s] == _ID_P:
            e = end[s]
            length = chars[e] - chars[s]
            if length:
                density = (links[e] - links[s]) / length
                if (length > 80 and density < 0.25) or (density == 0 and length <= 80):
                    area.add(s)
    if len(area) > 1:
        first, last_part = min(area), max(area)
        images = page.images
        for s in siblings:
            if (first < s < last_part and s not in area and images[end[s]] - images[s] and unlikely[s] is None
                    and page.density(s) <= _LINK_DENSE and info[s][1] >= 0):
                area.add(s)
    return area


def _states(page: _Page, area: set[int], unlikely: list[str | None], conditional: bool,
            explain: bool) -> tuple[list[str | None], int]:
    """Rule 7, and rule 5's verdict: for each box, None when its items are content, else the
    reason (outside the content; the outermost unlikely or cleaned box's reason inside it); and
    how many characters of text are kept (rule 8)."""
    tags, info, end = page.tags, page.info, page.end
    chars, commas, images, heading = page.chars, page.commas, page.images, page.heading
    state: list[str | None] = [REMOVED_OUTSIDE_MAIN] * page.n
    kept = 0
    for a in sorted(area):
        e = end[a]
        if unlikely[a] is not None:
            state[a:e] = unlikely[a:e]
            continue
        state[a:e] = unlikely[a:e]
        kept += chars[e] - chars[a]
        b = a + 1
        while b < e:
            if state[b] is not None:  # an unlikely box: its reason holds for everything inside
                stop = end[b]
                kept -= chars[stop] - chars[b]
                b = stop
                continue
            tag = tags[b]
            if conditional and tag in _CLEANED:
                weight = info[b][1]
                stop = end[b]
                if weight < 0:
                    reason = REMOVED_NEGATIVE_CLASS
                elif commas[stop] - commas[b] >= 10:
                    reason = None
                else:
                    length = chars[stop] - chars[b]
                    count = images[stop] - images[b]
                    is_list = tag == _ID_UL or tag == _ID_OL
                    if (not is_list and length < 25 and (count == 0 or count > 2)
                            and heading[stop] - heading[b] < 0.9 * length):
                        reason = REMOVED_TOO_SHORT
                    elif tag != _ID_TABLE and page.density(b) > (
                            _LINK_DENSE_LENIENT if is_list or weight > 0 else _LINK_DENSE):
                        reason = REMOVED_LINK_DENSE
                    else:
                        reason = None
                if reason is not None:
                    if explain:
                        reason = f"{reason}:{_describe(page.attrs[b])}"
                    state[b:stop] = [reason] * (stop - b)
                    kept -= chars[stop] - chars[b]
                    b = stop
                    continue
            b += 1
    return state, kept


def _declared_small(image: ImageFields) -> bool:
    width, height = image[5], image[6]
    return (width is not None and width < _HEADER_IMAGE_MIN_PX) or (height is not None and height < _HEADER_IMAGE_MIN_PX)


def _keep_lead_pictures(items: list[tuple], removed: list[str | None], title_index: int,
                        unlikely: list[str | None]) -> None:
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
        if (item[0] == IT_IMAGE and removed[index] == REMOVED_OUTSIDE_MAIN and unlikely[item[2]] is None
                and not item[3] and not _declared_small(item[1])):
            removed[index] = None


def _reasons(items: list[tuple], state: list[str | None], unlikely: list[str | None], title_index: int,
             lead_pictures: bool) -> list[str | None]:
    """Each item's reason from its box's state: paragraphs and images take their box's, drops
    have their own (None here), skipped subtrees keep theirs; then rule 6."""
    removed = [state[item[2]] if item[0] < IT_DROP else (item[1] if item[0] == IT_SKIPPED else None)
               for item in items]
    if lead_pictures and title_index >= 0:
        _keep_lead_pictures(items, removed, title_index, unlikely)
    return removed


def decide(builder: SegmentBuilder, title: str | None = None) -> list[str | None]:
    """For each of the walk's items, None when it is content, else the reason it is not (a
    `REMOVED_*` code; in explain mode followed by `:` and the box's class and id). `title` is
    the page's `<title>` (rules 4 and 6)."""
    items = builder.items
    explain = builder.explain
    page = _Page(builder)
    title_box, title_index = _title_heading(items, page.headings, title)
    best: tuple[int, list[str | None], list[str | None]] | None = None
    no_unlikely: list[str | None] = [None] * page.n
    unlikely = no_unlikely
    for strip, weigh, conditional in ((True, True, True), (False, True, True), (False, False, False)):
        if strip:
            unlikely = _unlikely(page, explain) or no_unlikely
        elif unlikely is not no_unlikely:
            unlikely = no_unlikely
        elif weigh:  # rule 1 removed nothing: this attempt would be the first again
            continue
        area = _select(page, unlikely, weigh, title_box)
        if area is None:  # no paragraph scores: every item the walk kept stays, but for rule 1
            return _reasons(items, unlikely, unlikely, title_index, False)
        state, kept = _states(page, area, unlikely, conditional, explain)
        if kept >= _ENOUGH_CHARS:
            return _reasons(items, state, unlikely, title_index, True)
        if best is None or kept > best[0]:
            best = (kept, state, unlikely)
    assert best is not None
    return _reasons(items, best[1], best[2], title_index, True)
