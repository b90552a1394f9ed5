"""The demo's own sample crawl: a small WARC plus the images a loopback server serves next to it.

`weft demo` has to show the whole pipeline on a fresh machine with no network and no downloaded
data, so it writes its input itself. The crawl is built to exercise what real Common Crawl data
throws at the pipeline, on a scale that runs in seconds: pages in six languages (two of them in
legacy charsets), boilerplate around every article (navigation, cookie banner, share bar,
comments, sidebar), images in every markup style the extractor must handle (`<figure>`,
`<picture>`/`srcset`, lazy `data-src`, `<base href>`, protocol-relative and `data:` URLs,
tracker pixels), near-duplicate pages, spam, and records that are not pages at all.

Everything is derived from `seed` through `random.Random` instances of our own, never from global
state or the clock, so one seed always gives a byte-identical WARC and identical image files; the
article texts are fixed and the seed varies pixels, image sizes and formats, boilerplate choices
and crawl times. `expectations` describes what was written, so tests and the demo summary can
compare the pipeline's output with the truth rather than with a previous run.

All hosts are reserved example domains (RFC 2606) and all IP addresses come from TEST-NET-1
(RFC 5737); images that are not in the WARC live under `image_base_url`, which the demo points at
its `weft.demo.httpserve.LoopbackServer`.

This module plans the pages, renders them and writes the WARC; what the pages say (sites,
articles, interface strings, fixed URLs) lives in data files under `demo/texts/` (format in its
README), read by `weft.demo.content`, and how the images are painted and encoded lives in
`weft.demo.images`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from weft.demo.content import (
    ARTICLES,
    CSS,
    CSS_URL,
    FIG_MARKUPS,
    FIG_RE,
    JSON_SITE,
    JSON_URL,
    LINK_RE,
    NOT_FOUND,
    NOT_FOUND_URL,
    REVISIT_OF,
    SITES,
    UI,
    Article,
    Fig,
    Site,
    format_date,
)
from weft.demo.images import encode, paint, paint_diagram

__all__ = ["DemoCrawl", "build_demo_crawl", "served_dir", "WARC_NAME", "TINY_MAX_SIDE"]

WARC_NAME = "weft-demo.warc.gz"
"""File name of the WARC inside `out_dir` (also its WARC-Filename), fixed so that two builds with
the same seed are byte-identical wherever they are written."""

SERVED_DIRNAME = "served"

TINY_MAX_SIDE = 63
"""An image is *tiny* when neither side exceeds this; every other image in the crawl has both
sides of at least 64 px, so "tiny" means the same whether a filter looks at the short or the long
side."""

_CRAWL_START = datetime(2024, 3, 18, 6, 0, 0, tzinfo=timezone.utc)
_USER_AGENT = "weft-demo-crawler/1.0 (+http://www.example.org/weft-demo-crawler)"
_RECORD_ID_NAMESPACE = uuid.UUID("5d1b7c1e-4a64-4b8e-9f3e-7a0c2f1d9b41")


def served_dir(out_dir: Path) -> Path:
    """Where `build_demo_crawl(out_dir, ...)` writes the images that are served, not archived.

    It is a pure function of `out_dir` so the demo can start its loopback server on this folder
    (and learn the server's URL) before the crawl exists.
    """
    return Path(out_dir) / SERVED_DIRNAME


@dataclass(frozen=True)
class DemoCrawl:
    """What `build_demo_crawl` wrote."""

    warc_path: Path
    image_dir: Path
    """Images to serve over HTTP (none of them is in the WARC); a URL is `image_base_url` plus
    the file's path relative to this folder."""
    pages: int
    """HTML pages with status 200 (the 404 page is counted in `expectations`, not here)."""
    expectations: dict[str, Any] = field(repr=False)
    """What the crawl contains, JSON-serialisable; see `build_demo_crawl`."""


# ================================================================================================
# Page planning: from authored articles to pages with painted, located images
# ================================================================================================

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class _ImageAsset:
    """One image file: its canonical URL, where it lives, and its encoded bytes."""

    url: str
    """Absolute URL without a query (served and archived images) or the whole `data:` URI."""
    where: str
    """`warc`, `served` or `data`."""
    kind: str
    fmt: str
    width: int
    height: int
    data: bytes
    rel_path: str = ""
    """For served images, the path under `image_dir` (and under `image_base_url`)."""

    @property
    def mime(self) -> str:
        return _MIME[self.fmt]


@dataclass(frozen=True)
class _Slot:
    """One image element of an article: its main asset and, for srcset markup, its variants."""

    fig: Fig
    main: _ImageAsset
    variants: dict[int, dict[str, _ImageAsset]] = field(default_factory=dict)
    """width -> format -> asset, for `picture` and `srcset` markup."""


@dataclass
class _Page:
    article: Article
    site: Site
    blocks: list[tuple[str, Any]]
    slots: dict[str, _Slot]
    ad: _ImageAsset | None
    tracker_url: str | None
    placeholder: _ImageAsset | None
    near_dup_group: int | None
    image_urls: list[str] = field(default_factory=list)
    """Every image URL the HTML names, resolved to absolute, in document order."""

    @property
    def url(self) -> str:
        return self.article.url

    @property
    def host(self) -> str:
        return urlsplit(self.article.url).netloc

    @property
    def lang(self) -> str:
        return self.article.lang_tag.split("-")[0]

    @property
    def image_count(self) -> int:
        """`<img>` elements other than tracker pixels (a lazy image's placeholder is its src)."""
        return len(self.slots) + (1 if self.ad is not None else 0)


def _parse_body(body: str, lang: str) -> list[tuple[str, Any]]:
    """An article body's mini-markup (see `demo/texts/README.md`) as (block type, payload)
    pairs in reading order.

    Lines of a block are joined (without a space in Japanese and Chinese); a list item or an
    image may continue on the next lines, so the source stays readable.
    """
    joiner = "" if lang in ("ja", "zh") else " "
    blocks: list[tuple[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        first = lines[0]
        if first.startswith("## "):
            if len(lines) > 1:
                raise ValueError(f"heading block with extra lines: {chunk!r}")
            blocks.append(("h2", first[3:]))
        elif first.startswith("- ") or re.match(r"\d+\. ", first):
            ordered = not first.startswith("- ")
            items: list[str] = []
            for line in lines:
                marker = re.match(r"\d+\. " if ordered else r"- ", line)
                if marker:
                    items.append(line[marker.end():])
                else:
                    items[-1] += joiner + line
            blocks.append(("ol" if ordered else "ul", items))
        elif first.startswith("> "):
            blocks.append(("quote", joiner.join(line.removeprefix("> ") for line in lines)))
        elif re.match(r"\[(%s) " % "|".join(FIG_MARKUPS), first):
            fig = FIG_RE.match(" ".join(lines))
            if fig is None:
                raise ValueError(f"malformed image block: {chunk!r}")
            markup, kind, name, alt, caption = fig.groups()
            blocks.append(("fig", Fig(markup, kind, name, alt.strip(), caption.strip())))
        else:
            blocks.append(("p", joiner.join(lines)))
    return blocks


def _article_body(article: Article, by_key: dict[str, Article]) -> str:
    """The article's text; a copy is its original with the small `edits` applied."""
    if article.copy_of is None:
        return article.body
    body = by_key[article.copy_of].body
    for old, new in article.edits:
        if body.count(old) != 1:
            raise ValueError(f"{article.key}: edit {old!r} must match exactly once")
        body = body.replace(old, new)
    return body


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator of our own for one purpose, so each choice depends only on (seed, purpose),
    never on how many random numbers something else drew before it. String seeds are hashed
    with SHA-512 by `random`, independent of PYTHONHASHSEED."""
    return random.Random("/".join(["weft-demo", str(seed), *parts]))


def _choose_size(kind: str, rng: random.Random) -> tuple[int, int]:
    if kind == "photo":
        ratio = rng.choice(((4, 3), (3, 2), (16, 9), (1, 1), (3, 4)))
        width = rng.randrange(360, 481 if ratio[1] > ratio[0] else 641, 8)
        return width, width * ratio[1] // ratio[0]
    if kind == "gray":
        width = rng.randrange(320, 521, 8)
        return width, width * 3 // 4
    if kind == "diagram":
        return rng.randrange(400, 561, 16), rng.randrange(240, 321, 16)
    if kind == "icon":
        side = rng.choice((16, 24, 32, 48))
        return side, side
    if kind == "solid":
        return 400, 300
    raise ValueError(f"unknown image kind {kind!r}")


class _Assets:
    """Every image of the crawl by canonical URL; an image is painted when first asked for."""

    def __init__(self, seed: int, image_base_url: str) -> None:
        self.seed = seed
        self.image_base_url = image_base_url
        self.by_url: dict[str, _ImageAsset] = {}

    def _add(self, asset: _ImageAsset) -> _ImageAsset:
        if asset.url in self.by_url:
            raise ValueError(f"two images at {asset.url}")
        self.by_url[asset.url] = asset
        return asset

    def _store(self, img: Image.Image, filename: str, kind: str, fmt: str,
               archive_base: str | None) -> _ImageAsset:
        data = encode(img, fmt)
        if archive_base is not None:
            return self._add(_ImageAsset(urljoin(archive_base, filename), "warc", kind, fmt,
                                         img.width, img.height, data))
        rel = f"img/{filename}"
        return self._add(_ImageAsset(urljoin(self.image_base_url, rel), "served", kind, fmt,
                                     img.width, img.height, data, rel_path=rel))

    def slot(self, fig: Fig, owner: Article) -> _Slot:
        """The image(s) for `fig`, archived next to `owner` or served, per `owner`."""
        layout = _rng(self.seed, "image", fig.name, "layout")
        pixels = _rng(self.seed, "image", fig.name, "pixels")
        archive_base = None
        if owner.warc_images:
            archive_base = owner.base_href or f"http://{urlsplit(owner.url).netloc}/media/"
        if fig.markup == "data":
            img = paint_diagram(160, 80, pixels, line=True)
            data = encode(img, "PNG")
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            return _Slot(fig, self._add(_ImageAsset(uri, "data", fig.kind, "PNG", 160, 80, data)))
        width, height = _choose_size(fig.kind, layout)
        if fig.markup in ("picture", "srcset"):
            painted = paint(fig.kind, 640, round(640 * height / width), pixels)
            formats = ("JPEG", "WEBP") if fig.markup == "picture" else ("JPEG",)
            variants: dict[int, dict[str, _ImageAsset]] = {}
            for w in (320, 640):
                img = painted if w == 640 else painted.resize(
                    (w, round(w * painted.height / painted.width)), Image.Resampling.LANCZOS)
                variants[w] = {
                    fmt: self._store(img, f"{fig.name}-{w}.{_EXTENSIONS[fmt]}", fig.kind, fmt,
                                     archive_base)
                    for fmt in formats
                }
            return _Slot(fig, variants[640]["JPEG"], variants)
        if fig.kind == "photo":
            fmt = "WEBP" if layout.random() < 0.25 else "JPEG"
        elif fig.kind == "gray":
            fmt = "JPEG"
        elif fig.kind == "diagram":
            fmt = "PNG"
        else:  # flat graphics (icons, solid fills) come as both PNG and GIF in the wild
            fmt = layout.choice(("PNG", "GIF"))
        img = paint(fig.kind, width, height, pixels)
        return _Slot(fig, self._store(img, f"{fig.name}.{_EXTENSIONS[fmt]}", fig.kind, fmt,
                                      archive_base))

    def ad(self, article: Article) -> _ImageAsset:
        """A solid-colour banner from an ad server (served, never archived)."""
        width, height = {"mpu": (300, 250), "leaderboard": (728, 90)}[article.ad or ""]
        rng = _rng(self.seed, "ad", article.key)
        fmt = rng.choice(("PNG", "GIF"))
        rel = f"ads/{article.ad}-{article.key}.{_EXTENSIONS[fmt]}"
        img = paint("solid", width, height, rng)
        return self._add(_ImageAsset(urljoin(self.image_base_url, rel), "served", "solid", fmt,
                                     width, height, encode(img, fmt), rel_path=rel))

    def pixel(self, url: str, where: str, kind: str, rel_path: str = "") -> _ImageAsset:
        """A 1x1 transparent GIF: the tracker, or a lazy-loading placeholder."""
        existing = self.by_url.get(url)
        if existing is not None:
            return existing
        data = encode(Image.new("P", (1, 1), 0), "GIF")
        return self._add(_ImageAsset(url, where, kind, "GIF", 1, 1, data, rel_path=rel_path))


def _plan_pages(seed: int, image_base_url: str) -> tuple[list[_Page], _Assets]:
    """Pages in crawl order, with every image they show painted and located."""
    by_key = {article.key: article for article in ARTICLES}
    if len(by_key) != len(ARTICLES):
        raise ValueError("duplicate article keys")
    assets = _Assets(seed, image_base_url)
    tracker = assets.pixel(urljoin(image_base_url, "px/t.gif"), "served", "tracker", "px/t.gif")
    groups: dict[str, int] = {}
    for article in ARTICLES:
        if article.copy_of is not None:
            groups.setdefault(article.copy_of, len(groups))
    slots_by_name: dict[str, _Slot] = {}
    pages: list[_Page] = []
    for article in ARTICLES:
        site = SITES[article.site]
        lang = article.lang_tag.split("-")[0]
        if site.lang != lang:
            raise ValueError(f"{article.key}: language {lang} on a {site.lang} site")
        blocks = _parse_body(_article_body(article, by_key), lang)
        owner = by_key[article.copy_of] if article.copy_of else article
        slots: dict[str, _Slot] = {}
        for block_type, payload in blocks:
            if block_type == "fig":
                if payload.name not in slots_by_name:
                    slots_by_name[payload.name] = assets.slot(payload, owner)
                slots[payload.name] = slots_by_name[payload.name]
        placeholder = None
        if any(slot.fig.markup == "lazy" for slot in slots.values()):
            host = urlsplit(article.url).netloc
            placeholder = assets.pixel(f"http://{host}/static/blank.gif", "warc", "placeholder")
        group_of = article.copy_of or article.key
        pages.append(_Page(
            article=article,
            site=site,
            blocks=blocks,
            slots=slots,
            ad=assets.ad(article) if article.ad else None,
            tracker_url=f"{tracker.url}?p={article.key}" if site.trackers else None,
            placeholder=placeholder,
            near_dup_group=groups.get(group_of),
        ))
    return pages, assets


# ================================================================================================
# HTML
# ================================================================================================

_esc = html.escape
_SIZES = "(max-width: 700px) 100vw, 640px"


def _inline(text: str) -> str:
    """Escape text, turning `[label](href)` into links."""
    out, pos = [], 0
    for match in LINK_RE.finditer(text):
        out.append(_esc(text[pos:match.start()]))
        out.append(f'<a href="{_esc(match[2])}">{_esc(match[1])}</a>')
        pos = match.end()
    out.append(_esc(text[pos:]))
    return "".join(out)


class _PageWriter:
    """Renders one page, recording every image URL it names (resolved the way a browser would)."""

    def __init__(self, page: _Page, seed: int, site_pages: list[_Page], first_of_site: bool):
        self.page = page
        self.ui = UI[page.lang]
        self.rng = _rng(seed, "page", page.article.key)
        self.site_pages = site_pages
        self.first_of_site = first_of_site
        self.base = page.article.base_href or page.url

    def ref(self, asset: _ImageAsset) -> str:
        """How this page writes `asset`'s URL, and note the URL as the page names it."""
        if asset.where != "warc":
            value = asset.url
        else:
            target = urlsplit(asset.url)
            base_href = self.page.article.base_href
            if target.netloc != self.page.host:
                foreign = self.page.article.foreign_refs
                value = f"//{target.netloc}{target.path}" if foreign == "protocol-relative" \
                    else asset.url
            elif base_href and asset.url.startswith(base_href):
                value = asset.url[len(base_href):]
            else:
                value = target.path
        self.page.image_urls.append(urljoin(self.base, value))
        return _esc(value)

    def img(self, asset: _ImageAsset, alt: str, extra: str = "") -> str:
        return (f'<img src="{self.ref(asset)}"{extra} alt="{_esc(alt)}" '
                f'width="{asset.width}" height="{asset.height}">')

    def srcset(self, variants: dict[int, dict[str, _ImageAsset]], fmt: str) -> str:
        return ", ".join(f"{self.ref(variants[w][fmt])} {w}w" for w in sorted(variants))

    def figure(self, slot: _Slot) -> str:
        fig = slot.fig
        caption = f"<figcaption>{_inline(fig.caption)}</figcaption>" if fig.caption else ""
        if fig.markup == "icon":
            icon = self.img(slot.main, fig.alt, ' class="icon"')
            return f'<p class="note">{icon} {_inline(fig.caption)}</p>'
        if fig.markup == "img":
            return f"<p>{self.img(slot.main, fig.alt)}</p>"
        if fig.markup == "lazy":
            assert self.page.placeholder is not None
            placeholder = self.ref(self.page.placeholder)
            real = self.ref(slot.main)
            return (f'<figure class="lazy"><img class="lazyload" src="{placeholder}" '
                    f'data-src="{real}" alt="{_esc(fig.alt)}" width="{slot.main.width}" '
                    f'height="{slot.main.height}" loading="lazy">{caption}</figure>')
        if fig.markup == "picture":
            webp = self.srcset(slot.variants, "WEBP")
            main = slot.variants[640]["JPEG"]
            src = self.ref(main)
            jpeg = self.srcset(slot.variants, "JPEG")
            return (f'<figure class="picture"><picture><source type="image/webp" '
                    f'srcset="{webp}" sizes="{_SIZES}"><img src="{src}" srcset="{jpeg}" '
                    f'sizes="{_SIZES}" alt="{_esc(fig.alt)}" width="{main.width}" '
                    f'height="{main.height}"></picture>{caption}</figure>')
        if fig.markup == "srcset":
            main = slot.variants[640]["JPEG"]
            src = self.ref(main)
            jpeg = self.srcset(slot.variants, "JPEG")
            wrapper = "figure" if caption else "div"
            return (f'<{wrapper} class="image"><img src="{src}" srcset="{jpeg}" '
                    f'sizes="{_SIZES}" alt="{_esc(fig.alt)}" width="{main.width}" '
                    f'height="{main.height}">{caption}</{wrapper}>')
        return f'<figure class="wp-block-image">{self.img(slot.main, fig.alt)}{caption}</figure>'

    def article(self) -> list[str]:
        page, ui = self.page, self.ui
        date = format_date(page.article.date, page.lang)
        before, after = ui["byline"].format(author=page.site.author, date="\0").split("\0")
        time_ = f'<time datetime="{page.article.date}">{_esc(date)}</time>'
        out = ["<article>", f"<h1>{_esc(page.article.title)}</h1>",
               f'<p class="byline">{_esc(before)}{time_}{_esc(after)}</p>']
        for block_type, payload in page.blocks:
            if block_type == "h2":
                out.append(f"<h2>{_inline(payload)}</h2>")
            elif block_type == "p":
                out.append(f"<p>{_inline(payload)}</p>")
            elif block_type in ("ul", "ol"):
                items = "".join(f"<li>{_inline(item)}</li>" for item in payload)
                out.append(f"<{block_type}>{items}</{block_type}>")
            elif block_type == "quote":
                out.append(f"<blockquote><p>{_inline(payload)}</p></blockquote>")
            else:
                out.append(self.figure(page.slots[payload.name]))
        out.append("</article>")
        return out

    def head(self) -> list[str]:
        page, article = self.page, self.page.article
        charset = article.charset
        meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                if self.rng.random() < 0.3 or charset == "iso-8859-1"
                else f'<meta charset="{charset}">')
        first_text = next((p for t, p in page.blocks if t == "p"), article.title)
        description = LINK_RE.sub(r"\1", first_text)[:150]
        out = ["<head>", meta,
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               f"<title>{_esc(article.title)} | {_esc(page.site.name)}</title>",
               f'<meta name="description" content="{_esc(description)}">']
        canonical = article.url
        if article.copy_of is not None:
            canonical = next(a.url for a in ARTICLES if a.key == article.copy_of)
        out.append(f'<link rel="canonical" href="{_esc(canonical)}">')
        out.append('<link rel="stylesheet" href="/static/site.css">')
        if article.base_href:
            out.append(f'<base href="{_esc(article.base_href)}">')
        out.append("<script>window.dataLayer=window.dataLayer||[];"
                   "function track(e){dataLayer.push(e)}track({page:location.pathname});</script>")
        if self.rng.random() < 0.5:
            ld = json.dumps({"@context": "https://schema.org", "@type": "Article",
                             "headline": article.title, "datePublished": article.date,
                             "author": {"@type": "Person", "name": page.site.author}},
                            ensure_ascii=False)
            out.append(f'<script type="application/ld+json">{ld}</script>')
        out.append("</head>")
        return out

    def comments(self) -> list[str]:
        ui = self.ui
        count = self.rng.choice((0, 1, 2, 3))
        if self.first_of_site:
            count = max(count, 1)
        chosen = self.rng.sample(ui["pool"], min(count, len(ui["pool"])))
        out = ['<section class="comments" id="comments">',
               f"<h2>{_esc(ui['comments'])} ({len(chosen)})</h2>", "<ol>"]
        for name, text in chosen:
            out.append(f'<li class="comment"><p class="comment-author">{_esc(name)}</p>'
                       f"<p>{_esc(text)}</p></li>")
        out += ["</ol>", '<form class="comment-form" method="post" action="/comments">',
                f'<h3>{_esc(ui["leave_comment"])}</h3>',
                '<textarea name="comment" rows="4"></textarea>',
                f'<button type="submit">{_esc(ui["post"])}</button>', "</form>", "</section>"]
        return out

    def aside(self) -> list[str]:
        page, ui = self.page, self.ui
        others = [p for p in self.site_pages if p is not page and not p.article.print_layout]
        picks = self.rng.sample(others, min(3, len(others)))
        links = [(p.article.title, urlsplit(p.url).path) for p in picks] or \
            [(label, href) for label, href in page.site.nav]
        out = ['<aside class="sidebar">', f"<h2>{_esc(ui['related'])}</h2>", "<ul>"]
        out += [f'<li><a href="{_esc(href)}">{_esc(title)}</a></li>' for title, href in links]
        out.append("</ul>")
        if page.ad is not None:
            out.append(f'<div class="ad"><p class="ad-label">{_esc(ui["ad"])}</p>'
                       f'<a href="http://ads.example.com/click?slot={page.article.key}">'
                       f'{self.img(page.ad, ui["ad"])}</a></div>')
        if self.rng.random() < 0.5:
            out.append(f'<div class="newsletter"><p>{_esc(ui["newsletter"])}</p>'
                       '<form action="/subscribe" method="post"><input type="email" name="email">'
                       f'<button type="submit">{_esc(ui["subscribe"])}</button></form></div>')
        out.append("</aside>")
        return out

    def render(self) -> str:
        page, ui, site = self.page, self.ui, self.page.site
        out = ["<!DOCTYPE html>", f'<html lang="{page.article.lang_tag}">', *self.head()]
        if page.article.print_layout:
            out += ['<body class="print">',
                    f'<p class="print-source">{_esc(ui["printed"].format(url=page.url))}</p>',
                    *self.article(),
                    f'<footer><p>{_esc(ui["footer"].format(site=site.name))}</p></footer>',
                    "</body>", "</html>"]
            return "\n".join(out) + "\n"
        out.append('<body class="post">')
        out.append(f'<a class="skip-link" href="#content">{_esc(ui["skip"])}</a>')
        if self.first_of_site or self.rng.random() < 0.5:
            out.append(f'<div class="cookie-banner" id="cookie-banner" role="dialog">'
                       f'<p>{_esc(ui["cookie"])}</p><button type="button">'
                       f'{_esc(ui["accept"])}</button><button type="button">'
                       f'{_esc(ui["reject"])}</button></div>')
        nav = "".join(f'<li><a href="{_esc(href)}">{_esc(label)}</a></li>'
                      for label, href in site.nav)
        out += ['<header class="site-header">',
                f'<a class="site-title" href="/">{_esc(site.name)}</a>',
                f'<p class="tagline">{_esc(site.tagline)}</p>',
                f'<nav aria-label="main"><ul>{nav}</ul></nav>', "</header>",
                '<main id="content">', *self.article()]
        if self.first_of_site or page.article.spam or self.rng.random() < 0.6:
            quoted = _esc(page.url)
            labels = ui["share_links"]
            out.append(f'<div class="share-bar"><span>{_esc(ui["share"])}</span> '
                       f'<a href="mailto:?body={quoted}">{_esc(labels[0])}</a> '
                       f'<a href="javascript:window.print()">{_esc(labels[1])}</a> '
                       f'<a href="#" data-copy="{quoted}">{_esc(labels[2])}</a></div>')
        if self.first_of_site or self.rng.random() < 0.5:
            out += self.comments()
        out.append("</main>")
        out += self.aside()
        footer_links = (f'<li><a href="/privacy/">{_esc(ui["privacy"])}</a></li>'
                        f'<li><a href="/contact/">{_esc(ui["contact"])}</a></li>')
        out += ['<footer class="site-footer">',
                f'<p>{_esc(ui["footer"].format(site=site.name))}</p>',
                f"<ul>{footer_links}</ul>"]
        if page.tracker_url is not None:
            self.page.image_urls.append(page.tracker_url)
            out.append(f'<img src="{_esc(page.tracker_url)}" width="1" height="1" alt="">')
        out += ["</footer>", "</body>", "</html>"]
        return "\n".join(out) + "\n"


def _render_not_found() -> str:
    site = SITES[NOT_FOUND.site]
    ui = UI[site.lang]
    nav = "".join(f'<li><a href="{href}">{_esc(label)}</a></li>' for label, href in site.nav)
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{_esc(NOT_FOUND.lang_tag)}">', "<head>",
        '<meta charset="utf-8">', f"<title>{_esc(NOT_FOUND.title)} | {_esc(site.name)}</title>",
        '<meta name="robots" content="noindex">', "</head>", '<body class="error404">',
        f'<header class="site-header"><a class="site-title" href="/">{_esc(site.name)}</a>'
        f"<nav><ul>{nav}</ul></nav></header>",
        f'<main id="content"><h1>{_esc(NOT_FOUND.title)}</h1>',
        f"<p>{_inline(NOT_FOUND.text)}</p>",
        "</main>", f'<footer class="site-footer"><p>{_esc(ui["footer"].format(site=site.name))}'
        "</p></footer>", "</body>", "</html>", ""])


def _render_json(pages: list[_Page]) -> bytes:
    latest = [{"title": p.article.title, "url": p.url, "published": p.article.date}
              for p in pages if p.site.key == JSON_SITE]
    return json.dumps({"site": SITES[JSON_SITE].name, "articles": latest}, indent=2,
                      ensure_ascii=False).encode("utf-8") + b"\n"


# ================================================================================================
# WARC
# ================================================================================================


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


_REASONS = {200: "OK", 404: "Not Found"}


class _Warc:
    """warcio's writer with record ids and dates that we choose, so the bytes are reproducible.

    warcio would otherwise draw random UUIDs and read the clock; it accepts both as headers.
    Records are written request first, then response (Common Crawl's order), and the response
    names its request in WARC-Concurrent-To.
    """

    def __init__(self, stream: Any, seed: int) -> None:
        self.writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        self.seed = seed
        self.counts: Counter[str] = Counter()
        """Records written, by WARC-Type."""
        self.statuses: Counter[str] = Counter()
        """Responses written, by HTTP status."""
        self.mimes: Counter[str] = Counter()
        """Responses written, by HTTP Content-Type without parameters."""
        self.warcinfo_id = self.record_id("warcinfo", WARC_NAME)

    def record_id(self, *parts: str) -> str:
        name = "/".join([str(self.seed), *parts])
        return f"<urn:uuid:{uuid.uuid5(_RECORD_ID_NAMESPACE, name)}>"

    def _write(self, record: Any) -> None:
        self.writer.write_record(record)
        self.counts[record.rec_type] += 1

    def warcinfo(self, moment: datetime) -> None:
        fields = {
            "software": "weft demo crawl generator",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "isPartOf": f"weft-demo-seed-{self.seed}",
            "description": "Synthetic sample crawl written by `weft demo`; every host is a "
                           "reserved example domain and every page was written for weft.",
            "robots": "classic",
            "http-header-user-agent": _USER_AGENT,
        }
        payload = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode()
        record = self.writer.create_warc_record(
            "", "warcinfo", payload=BytesIO(payload), length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Type": "warcinfo", "WARC-Record-ID": self.warcinfo_id,
                               "WARC-Date": _warc_date(moment), "WARC-Filename": WARC_NAME})
        self._write(record)

    def _request(self, url: str, moment: datetime, ip: str, accept: str,
                 referer: str | None) -> str:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = [("Host", parts.netloc), ("User-Agent", _USER_AGENT), ("Accept", accept),
                   ("Accept-Language", "en-US,en;q=0.8,*;q=0.5"),
                   ("Accept-Encoding", "identity")]
        if referer:
            headers.append(("Referer", referer))
        headers.append(("Connection", "close"))
        record_id = self.record_id("request", url, _warc_date(moment))
        record = self.writer.create_warc_record(
            url, "request",
            http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Type": "request", "WARC-Record-ID": record_id,
                               "WARC-Date": _warc_date(moment),
                               "WARC-Warcinfo-ID": self.warcinfo_id, "WARC-IP-Address": ip,
                               "WARC-Target-URI": url})
        self._write(record)
        return record_id

    def exchange(self, url: str, moment: datetime, ip: str, status: int,
                 headers: list[tuple[str, str]], body: bytes, *, accept: str,
                 referer: str | None = None, identified_type: str = "") -> str:
        """Write the request and the response for `url`; return the response's record id."""
        request_id = self._request(url, moment, ip, accept, referer)
        record_id = self.record_id("response", url, _warc_date(moment))
        warc_headers = {"WARC-Type": "response", "WARC-Record-ID": record_id,
                        "WARC-Date": _warc_date(moment), "WARC-Warcinfo-ID": self.warcinfo_id,
                        "WARC-Concurrent-To": request_id, "WARC-IP-Address": ip,
                        "WARC-Target-URI": url}
        if identified_type:
            warc_headers["WARC-Identified-Payload-Type"] = identified_type
        http_headers = StatusAndHeaders(f"{status} {_REASONS[status]}", list(headers),
                                        protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=BytesIO(body), length=len(body),
            http_headers=http_headers, warc_headers_dict=warc_headers)
        self._write(record)
        self.statuses[str(status)] += 1
        self.mimes[(http_headers.get_header("Content-Type") or "").split(";")[0]] += 1
        return record_id

    def revisit(self, url: str, moment: datetime, ip: str, headers: list[tuple[str, str]],
                body: bytes, original_id: str, original_date: datetime) -> None:
        """A later fetch of `url` whose payload had not changed: headers only, no body."""
        request_id = self._request(url, moment, ip, "text/html,*/*;q=0.8", None)
        record = self.writer.create_revisit_record(
            url, _payload_digest(body), url, _warc_date(original_date),
            http_headers=StatusAndHeaders("200 OK", list(headers), protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Type": "revisit",
                               "WARC-Record-ID": self.record_id("revisit", url),
                               "WARC-Date": _warc_date(moment),
                               "WARC-Warcinfo-ID": self.warcinfo_id,
                               "WARC-Concurrent-To": request_id, "WARC-IP-Address": ip,
                               "WARC-Target-URI": url, "WARC-Refers-To": original_id})
        self._write(record)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _page_headers(page: _Page, body: bytes, moment: datetime, seed: int
                  ) -> list[tuple[str, str]]:
    """HTTP response headers for a page; the server software is a property of the site."""
    charset = {"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "shift_jis": "Shift_JIS"}[
        page.article.charset]
    published = datetime.fromisoformat(page.article.date).replace(tzinfo=timezone.utc)
    server_rng = _rng(seed, "server", page.site.key)
    headers = [("Date", _http_date(moment)),
               ("Server", server_rng.choice(("nginx", "Apache", "nginx/1.24.0", "openresty"))),
               ("Content-Type", f"text/html; charset={charset}"),
               ("Content-Length", str(len(body))),
               ("Last-Modified", _http_date(published + timedelta(hours=9))),
               ("Cache-Control", "max-age=600"), ("Vary", "Accept-Encoding")]
    if server_rng.random() < 0.4:
        headers.append(("X-Frame-Options", "SAMEORIGIN"))
    headers.append(("Connection", "close"))
    return headers


def _asset_headers(asset: _ImageAsset, moment: datetime) -> list[tuple[str, str]]:
    return [("Date", _http_date(moment)), ("Server", "nginx"), ("Content-Type", asset.mime),
            ("Content-Length", str(len(asset.data))),
            ("Last-Modified", _http_date(_CRAWL_START - timedelta(days=30))),
            ("ETag", f'"{hashlib.sha1(asset.data).hexdigest()[:16]}"'),
            ("Cache-Control", "public, max-age=31536000"), ("Accept-Ranges", "bytes"),
            ("Connection", "close")]


def _plain_headers(content_type: str, body: bytes, moment: datetime) -> list[tuple[str, str]]:
    return [("Date", _http_date(moment)), ("Server", "nginx"), ("Content-Type", content_type),
            ("Content-Length", str(len(body))), ("Connection", "close")]


# ================================================================================================
# Building the crawl
# ================================================================================================

_HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/*;q=0.8,*/*;q=0.5"
_CSS_AFTER_PAGE, _NOT_FOUND_AFTER_PAGE, _JSON_AFTER_PAGE = 0, 5, 12


def _normalise_base_url(image_base_url: str) -> str:
    parts = urlsplit(image_base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"image_base_url must be an http(s) URL, not {image_base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"image_base_url must not carry a query or fragment: {image_base_url!r}")
    return image_base_url if image_base_url.endswith("/") else image_base_url + "/"


def build_demo_crawl(out_dir: Path, image_base_url: str, *, seed: int = 0) -> DemoCrawl:
    """Write the demo crawl into `out_dir`: `WARC_NAME` and the served images in `served_dir`.

    `image_base_url` is where the served images will be reachable (the demo's loopback server,
    rooted at `served_dir(out_dir)`); it is written into the pages, so it must be known before
    the crawl is built. Existing files of an earlier build are overwritten, and nothing else in
    `out_dir` is touched.

    `expectations` holds what was written, for tests and the demo's summary:
    `records` (WARC records by type), `responses_by_status`, `responses_by_mime`, `pages`,
    `pages_per_language`, `charsets`, `pages_with_0_images` / `pages_with_1_image` /
    `pages_with_2_to_5_images` / `pages_with_more_than_5_images` (counting `<img>` elements other
    than tracker pixels), `pages_with_tracker_pixel`, `near_duplicate_groups` (lists of URLs,
    original first), `spam_pages`, `images` (counts by location and format, the `tiny`,
    `single_colour` and `grayscale` URL lists, and `by_url` with size, format and location of
    every image), `page_details` (per page: language, charset, image count and the image URLs
    the HTML names) and `other_records`.
    """
    base_url = _normalise_base_url(image_base_url)
    out_dir = Path(out_dir)
    image_dir = served_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    pages, assets = _plan_pages(seed, base_url)
    by_site: dict[str, list[_Page]] = {}
    for page in pages:
        by_site.setdefault(page.site.key, []).append(page)
    bodies: list[bytes] = []
    for page in pages:
        siblings = by_site[page.site.key]
        writer = _PageWriter(page, seed, siblings, first_of_site=siblings[0] is page)
        try:
            bodies.append(writer.render().encode(page.article.charset))
        except UnicodeEncodeError as error:
            raise ValueError(f"{page.article.key}: text not encodable in "
                             f"{page.article.charset}: {error}") from None

    for asset in assets.by_url.values():
        if asset.where == "served":
            path = image_dir / asset.rel_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(asset.data)

    warc_path = out_dir / WARC_NAME
    with open(warc_path, "wb") as stream:
        warc = _write_warc(stream, seed, pages, bodies, assets)
    expectations = _expectations(seed, base_url, pages, assets, warc)
    return DemoCrawl(warc_path=warc_path, image_dir=image_dir, pages=len(pages),
                     expectations=expectations)


def _write_warc(stream: Any, seed: int, pages: list[_Page], bodies: list[bytes],
                assets: _Assets) -> _Warc:
    """Write the crawl in the order a crawler would: each page, then the archived images it
    shows that were not fetched before; the non-page records at fixed places; the revisit last."""
    crawl_rng = _rng(seed, "crawl")
    ip_by_host = {site.host: site.ip for site in SITES.values()}
    moment = _CRAWL_START
    warc = _Warc(stream, seed)
    warc.warcinfo(moment)
    archived: set[str] = set()
    response_ids: dict[str, tuple[str, datetime]] = {}

    def plain(url: str, content_type: str, body: bytes, status: int) -> None:
        nonlocal moment
        moment += timedelta(seconds=crawl_rng.randint(5, 40))
        warc.exchange(url, moment, ip_by_host[urlsplit(url).netloc], status,
                      _plain_headers(content_type, body, moment), body, accept="*/*",
                      identified_type=content_type.split(";")[0])

    for index, (page, body) in enumerate(zip(pages, bodies)):
        moment += timedelta(seconds=crawl_rng.randint(20, 90))
        response_id = warc.exchange(page.url, moment, page.site.ip, 200,
                                    _page_headers(page, body, moment, seed), body,
                                    accept=_HTML_ACCEPT, identified_type="text/html")
        response_ids[page.url] = (response_id, moment)
        for url in dict.fromkeys(urlsplit(u)._replace(query="").geturl()
                                 for u in page.image_urls):
            asset = assets.by_url.get(url)
            if asset is None or asset.where != "warc" or url in archived:
                continue
            archived.add(url)
            moment += timedelta(seconds=crawl_rng.randint(1, 4))
            warc.exchange(url, moment, ip_by_host[urlsplit(url).netloc], 200,
                          _asset_headers(asset, moment), asset.data, accept=_IMAGE_ACCEPT,
                          referer=page.url, identified_type=asset.mime)
        if index == _CSS_AFTER_PAGE:
            plain(CSS_URL, "text/css", CSS.encode("utf-8"), 200)
        if index == _NOT_FOUND_AFTER_PAGE:
            plain(NOT_FOUND_URL, "text/html; charset=utf-8", _render_not_found().encode(), 404)
        if index == _JSON_AFTER_PAGE:
            plain(JSON_URL, "application/json", _render_json(pages), 200)

    index = next(i for i, page in enumerate(pages) if page.article.key == REVISIT_OF)
    revisited, body = pages[index], bodies[index]
    original_id, original_date = response_ids[revisited.url]
    later = original_date + timedelta(days=1)
    warc.revisit(revisited.url, later, revisited.site.ip,
                 _page_headers(revisited, body, later, seed), body, original_id, original_date)
    return warc


def _image_facts(asset: _ImageAsset) -> dict[str, Any]:
    """Size, mode and flatness measured on the encoded bytes, i.e. what a reader will see."""
    with Image.open(BytesIO(asset.data)) as img:
        img.load()
        extrema = img.convert("RGBA").getextrema()
        mode = img.mode
        size = img.size
    facts: dict[str, Any] = {
        "where": asset.where, "kind": asset.kind, "format": asset.fmt, "mime": asset.mime,
        "width": size[0], "height": size[1], "mode": mode, "bytes": len(asset.data),
        "tiny": max(size) <= TINY_MAX_SIDE,
        "single_colour": all(lo == hi for lo, hi in extrema),
        "grayscale": mode in ("L", "LA"),
    }
    if asset.rel_path:
        facts["rel_path"] = asset.rel_path
    if not facts["tiny"] and min(size) <= TINY_MAX_SIDE:
        raise ValueError(f"{asset.url}: {size} is neither tiny nor at least 64 px a side")
    return facts


def _expectations(seed: int, base_url: str, pages: list[_Page], assets: _Assets,
                  warc: _Warc) -> dict[str, Any]:
    by_url = {url: _image_facts(asset) for url, asset in sorted(assets.by_url.items())}
    groups: dict[int, list[str]] = {}
    for page in pages:
        if page.near_dup_group is not None:
            groups.setdefault(page.near_dup_group, []).append(page.url)
    counts = [page.image_count for page in pages]
    details = [{
        "url": page.url,
        "site": page.site.host,
        "lang": page.lang,
        "lang_tag": page.article.lang_tag,
        "charset": page.article.charset,
        "title": page.article.title,
        "images": page.image_count,
        "tracker_pixels": 1 if page.tracker_url else 0,
        "image_urls": page.image_urls,
        "base_href": page.article.base_href,
        "near_duplicate_group": page.near_dup_group,
        "spam": page.article.spam,
    } for page in pages]
    where = Counter(facts["where"] for facts in by_url.values())
    return {
        "seed": seed,
        "image_base_url": base_url,
        "warc_name": WARC_NAME,
        "records": dict(sorted(warc.counts.items())),
        "responses_by_status": dict(sorted(warc.statuses.items())),
        "responses_by_mime": dict(sorted(warc.mimes.items())),
        "pages": len(pages),
        "pages_per_language": dict(Counter(page.lang for page in pages).most_common()),
        "charsets": dict(Counter(page.article.charset for page in pages).most_common()),
        "pages_with_0_images": sum(1 for n in counts if n == 0),
        "pages_with_1_image": sum(1 for n in counts if n == 1),
        "pages_with_2_to_5_images": sum(1 for n in counts if 2 <= n <= 5),
        "pages_with_more_than_5_images": sum(1 for n in counts if n > 5),
        "pages_with_tracker_pixel": sum(1 for page in pages if page.tracker_url),
        "pages_with_base_href": sum(1 for page in pages if page.article.base_href),
        "near_duplicate_groups": [groups[key] for key in sorted(groups)],
        "spam_pages": [page.url for page in pages if page.article.spam],
        "images": {
            "total": len(by_url),
            "in_warc": where["warc"],
            "served": where["served"],
            "data_uri": where["data"],
            "by_format": dict(sorted(Counter(f["format"] for f in by_url.values()).items())),
            "tiny": [url for url, f in by_url.items() if f["tiny"]],
            "single_colour": [url for url, f in by_url.items() if f["single_colour"]],
            "grayscale": [url for url, f in by_url.items() if f["grayscale"]],
            "by_url": by_url,
        },
        "page_details": details,
        "other_records": {"stylesheet": CSS_URL, "json": JSON_URL,
                          "not_found": NOT_FOUND_URL,
                          "revisit": next(a.url for a in ARTICLES if a.key == REVISIT_OF)},
    }
