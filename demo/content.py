"""What the demo crawl says, read from the data files in `texts/` next to this module.

The sites, article texts, interface strings, stylesheet and fixed URLs of the demo crawl are
authored content, not code, so they live in plain text and TOML files that can be read and
edited without reading Python; `texts/README.md` describes the format. This module only reads
them, once at import, and hands `weft.demo.crawl` frozen objects. It checks what it reads
(unknown or missing keys, values of the wrong type, an article missing from the crawl order or
listed twice), because a slip in a data file should stop the build with the file's name rather
than quietly produce a different crawl. Nothing here depends on the seed: `weft.demo.crawl`
plans pages from these texts, decides what the seed varies, renders the HTML and writes the WARC.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Site", "Article", "Fig", "NotFoundPage", "DemoTexts", "FIG_MARKUPS", "FIG_RE", "LINK_RE",
    "TEXTS_DIR", "load_texts", "format_date", "UI", "SITES", "ARTICLES", "CSS", "CSS_URL",
    "JSON_URL", "JSON_SITE", "NOT_FOUND", "NOT_FOUND_URL", "REVISIT_OF",
]

TEXTS_DIR = Path(__file__).parent / "texts"
"""The shipped texts; found next to this file so editable and wheel installs read the same."""


@dataclass(frozen=True)
class Site:
    key: str
    host: str
    name: str
    tagline: str
    lang: str
    author: str
    nav: tuple[tuple[str, str], ...]
    trackers: bool = False
    ip: str = "192.0.2.10"


@dataclass(frozen=True)
class Article:
    """One page as authored. A copy (`copy_of`) reuses another article's body with `edits`."""

    key: str
    site: str
    url: str
    title: str
    date: str
    lang_tag: str
    body: str = ""
    charset: str = "utf-8"
    warc_images: bool = False
    base_href: str | None = None
    ad: str | None = None
    spam: bool = False
    copy_of: str | None = None
    edits: tuple[tuple[str, str], ...] = ()
    foreign_refs: str = "absolute"
    """How a copy on another host points at the original's archived images: `absolute` or
    `protocol-relative`."""
    print_layout: bool = False


@dataclass(frozen=True)
class Fig:
    """An image in an article body.

    `markup` is how the page shows it: `figure` (figure, img, figcaption), `img` (a bare img in a
    paragraph, no caption), `picture` (WebP `<source srcset>` plus a JPEG `<img srcset>`),
    `srcset` (one `<img srcset>` with 320w/640w candidates), `lazy` (a placeholder `src` and the
    real URL in `data-src`), `data` (a `data:` URI) or `icon` (a small inline icon before the
    caption text). `kind` is what it looks like: `photo`, `gray`, `diagram`, `icon` or `solid`.
    """

    markup: str
    kind: str
    name: str
    alt: str
    caption: str


FIG_MARKUPS = ("figure", "img", "picture", "srcset", "lazy", "data", "icon")
FIG_RE = re.compile(r"^\[(%s) (\w+) ([\w-]+) \| (.*?) \| (.*?)\]$" % "|".join(FIG_MARKUPS))
LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class NotFoundPage:
    """The crawl's 404 page, drawn in the layout of one of the sites."""

    url: str
    site: str
    lang_tag: str
    title: str
    text: str
    """May hold `[label](href)` links, like article text."""


@dataclass(frozen=True)
class DemoTexts:
    """Everything one texts folder holds, checked and in the generator's terms."""

    sites: dict[str, Site]
    articles: tuple[Article, ...]
    """In crawl order."""
    ui: dict[str, dict[str, Any]]
    """Language -> interface string name -> string (tuples for `share_links`, `month_names`,
    and `pool`, whose items are (commenter, comment))."""
    css: str
    css_url: str
    json_url: str
    json_site: str
    not_found: NotFoundPage
    revisit_of: str


# ================================================================================================
# Reading and checking
# ================================================================================================

# Values the generator knows how to render; anything else is a typo in a data file.
_CHARSETS = ("utf-8", "iso-8859-1", "shift_jis")
_FOREIGN_REFS = ("absolute", "protocol-relative")
_ADS = ("mpu", "leaderboard")

_SITE_REQUIRED = {"name": str, "tagline": str, "author": str, "host": str, "nav": list}
_SITE_OPTIONAL = {"ip": str, "trackers": bool}
_ARTICLE_REQUIRED = {"title": str, "site": str, "url": str, "date": (str, date), "lang_tag": str}
_ARTICLE_OPTIONAL = {
    "charset": str, "warc_images": bool, "base_href": str, "ad": str, "spam": bool,
    "copy_of": str, "edits": list, "foreign_refs": str, "print_layout": bool,
}
_PAIR = {"old": str, "new": str}
_COMMENT = {"name": str, "text": str}
_TYPE_NAMES = {str: "text", bool: "true or false", list: "a list", dict: "a table",
               date: "a date"}
_FRONT_MATTER = re.compile(r"\A\+\+\+\n(.*?)^\+\+\+[ \t]*$\n?(.*)\Z", re.S | re.M)


def _read(path: Path) -> str:
    # utf-8-sig: an editor that writes a byte-order mark must not break the `+++` line.
    return path.read_text(encoding="utf-8-sig")


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{where}: {error}") from None


def _check(table: Any, where: str, required: dict[str, Any],
           optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """`table` with exactly the keys the generator reads, so a misspelt key is an error rather
    than a line that is silently ignored."""
    optional = optional or {}
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table, not {table!r}")
    unknown = table.keys() - required.keys() - optional.keys()
    missing = required.keys() - table.keys()
    if unknown or missing:
        problems = [f"unknown {', '.join(sorted(unknown))}" if unknown else "",
                    f"missing {', '.join(sorted(missing))}" if missing else ""]
        known = ", ".join([*required, *optional])
        raise ValueError(f"{where}: {'; '.join(p for p in problems if p)} (keys: {known})")
    for key, value in table.items():
        expected = {**required, **optional}[key]
        if not isinstance(value, expected):
            kinds = expected if isinstance(expected, tuple) else (expected,)
            wanted = " or ".join(_TYPE_NAMES.get(kind, kind.__name__) for kind in kinds)
            raise ValueError(f"{where}: {key} = {value!r} should be {wanted}")
    return table


def _pairs(items: list[Any], where: str) -> tuple[tuple[str, str], ...]:
    if not all(isinstance(item, list) and len(item) == 2
               and all(isinstance(part, str) for part in item) for item in items):
        raise ValueError(f"{where}: expected a list of [text, text] pairs")
    return tuple((a, b) for a, b in items)


def _one_of(value: str | None, allowed: tuple[str, ...], what: str, where: str) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")


def _read_sites(path: Path, lang: str) -> list[Site]:
    sites = []
    for key, table in _toml(_read(path), str(path)).items():
        fields = _check(table, f"{path} [{key}]", _SITE_REQUIRED, _SITE_OPTIONAL)
        nav = _pairs(fields.pop("nav"), f"{path} [{key}] nav")
        sites.append(Site(key=key, lang=lang, nav=nav, **fields))
    return sites


def _read_ui(path: Path) -> dict[str, Any]:
    ui = _toml(_read(path), str(path))
    for key, value in ui.items():
        if key == "pool":
            if not isinstance(value, list):
                raise ValueError(f"{path}: pool should be [[pool]] tables")
            ui[key] = tuple((c["name"], c["text"]) for c in (
                _check(item, f"{path} [[pool]] #{n}", _COMMENT) for n, item in enumerate(value, 1)))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            ui[key] = tuple(value)
        elif not isinstance(value, str):
            raise ValueError(f"{path}: {key} should be text or a list of texts")
    if "{month_name" in ui.get("date_format", "") and len(ui.get("month_names", ())) != 12:
        raise ValueError(f"{path}: date_format uses {{month_name}}, so month_names needs 12 names")
    return ui


def _read_article(path: Path, lang: str) -> Article:
    match = _FRONT_MATTER.match(_read(path))
    if match is None:
        raise ValueError(f"{path}: an article starts with a front matter between two +++ lines")
    where = f"{path} (front matter)"
    fields = _check(_toml(match[1], where), where, _ARTICLE_REQUIRED, _ARTICLE_OPTIONAL)
    body = match[2].strip()
    day = fields["date"]
    if isinstance(day, datetime):
        raise ValueError(f"{where}: date {day} should be a day (YYYY-MM-DD), not a moment")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"{where}: date {day!r} is not YYYY-MM-DD") from None
    fields["date"] = day.isoformat()
    fields["edits"] = tuple((edit["old"], edit["new"]) for edit in (
        _check(item, f"{where} [[edits]] #{n}", _PAIR)
        for n, item in enumerate(fields.get("edits", []), 1)))
    if fields["lang_tag"].split("-")[0] != lang:
        raise ValueError(f"{where}: lang_tag {fields['lang_tag']!r} in the {lang!r} folder")
    _one_of(fields.get("charset"), _CHARSETS, "charset", where)
    _one_of(fields.get("foreign_refs"), _FOREIGN_REFS, "foreign_refs", where)
    _one_of(fields.get("ad"), _ADS, "ad", where)
    if "copy_of" in fields and body:
        raise ValueError(f"{path}: a copy (copy_of) takes its text from the original; "
                         "leave the body empty")
    if "copy_of" not in fields and (not body or fields["edits"]):
        raise ValueError(f"{path}: an article needs a body (and only a copy has edits)")
    return Article(key=path.stem, body=body, **fields)


def load_texts(root: Path = TEXTS_DIR) -> DemoTexts:
    """Read and check a texts folder laid out as `texts/README.md` describes.

    Taking the folder as an argument lets a test (or someone drafting new texts) check a copy
    without touching the shipped one.
    """
    root = Path(root)
    languages = sorted(path.name for path in root.iterdir()
                       if path.is_dir() and not path.name.startswith((".", "_")))
    sites: dict[str, Site] = {}
    ui: dict[str, dict[str, Any]] = {}
    articles: dict[str, Article] = {}
    article_files: dict[str, Path] = {}
    for lang in languages:
        folder = root / lang
        for name in ("ui.toml", "sites.toml"):
            if not (folder / name).is_file():
                raise ValueError(f"{folder}: every language folder needs a {name}")
        ui[lang] = _read_ui(folder / "ui.toml")
        for site in _read_sites(folder / "sites.toml", lang):
            if site.key in sites:
                raise ValueError(f"{folder / 'sites.toml'}: site {site.key!r} is also in "
                                 f"{sites[site.key].lang}/sites.toml")
            sites[site.key] = site
        for path in sorted(folder.glob("*.txt")):
            if path.stem in article_files:
                raise ValueError(f"{path}: {article_files[path.stem]} has the same name")
            article_files[path.stem] = path
            articles[path.stem] = _read_article(path, lang)

    optional_ui = {"month_names"}
    for lang in languages[1:]:
        differ = (ui[lang].keys() ^ ui[languages[0]].keys()) - optional_ui
        if differ:
            raise ValueError(f"{root / lang / 'ui.toml'} and {root / languages[0] / 'ui.toml'} "
                             f"differ in {', '.join(sorted(differ))}")
    for article in articles.values():
        where = article_files[article.key]
        if article.site not in sites or sites[article.site].lang != article.lang_tag.split("-")[0]:
            raise ValueError(f"{where}: no site {article.site!r} in its language's sites.toml")
        original = articles.get(article.copy_of or "")
        if article.copy_of is not None and (original is None or original.copy_of is not None):
            raise ValueError(f"{where}: copy_of {article.copy_of!r} names no original article")

    crawl_path = root / "crawl.toml"
    where = str(crawl_path)
    crawl = _check(_toml(_read(crawl_path), where), where,
                   {"pages": list, "stylesheet": dict, "json": dict, "not_found": dict,
                    "revisit": dict})
    order = crawl["pages"]
    if not all(isinstance(key, str) for key in order):
        raise ValueError(f"{where}: pages should be a list of article names")
    unlisted = articles.keys() - set(order)
    unknown = set(order) - articles.keys()
    twice = {key for key in order if order.count(key) > 1}
    if unlisted or unknown or twice:
        problems = [f"{label}: {', '.join(sorted(keys))}" for label, keys in (
            ("article files missing from pages", unlisted), ("no article file for", unknown),
            ("listed twice", twice)) if keys]
        raise ValueError(f"{where}: {'; '.join(problems)}")
    stylesheet = _check(crawl["stylesheet"], f"{where} [stylesheet]", {"url": str})
    json_record = _check(crawl["json"], f"{where} [json]", {"url": str, "site": str})
    not_found = NotFoundPage(**_check(crawl["not_found"], f"{where} [not_found]", {
        "url": str, "site": str, "lang_tag": str, "title": str, "text": str}))
    revisit = _check(crawl["revisit"], f"{where} [revisit]", {"page": str})
    for section, site in (("json", json_record["site"]), ("not_found", not_found.site)):
        if site not in sites:
            raise ValueError(f"{where} [{section}]: no site {site!r}")
    if revisit["page"] not in articles:
        raise ValueError(f"{where} [revisit]: no article {revisit['page']!r}")

    return DemoTexts(
        sites=sites,
        articles=tuple(articles[key] for key in order),
        ui=ui,
        css=_read(root / "site.css"),
        css_url=stylesheet["url"],
        json_url=json_record["url"],
        json_site=json_record["site"],
        not_found=not_found,
        revisit_of=revisit["page"],
    )


# ================================================================================================
# The shipped texts, as the generator uses them
# ================================================================================================

_TEXTS = load_texts()

SITES: dict[str, Site] = _TEXTS.sites
ARTICLES: tuple[Article, ...] = _TEXTS.articles
UI: dict[str, dict[str, Any]] = _TEXTS.ui
CSS: str = _TEXTS.css
CSS_URL: str = _TEXTS.css_url
JSON_URL: str = _TEXTS.json_url
JSON_SITE: str = _TEXTS.json_site
NOT_FOUND: NotFoundPage = _TEXTS.not_found
NOT_FOUND_URL: str = _TEXTS.not_found.url
REVISIT_OF: str = _TEXTS.revisit_of


def format_date(iso: str, lang: str) -> str:
    """A date as a reader of `lang` expects it; the pattern is data (`date_format` in the
    language's ui.toml) so adding a language needs no code."""
    ui = UI[lang]
    year, month, day = (int(part) for part in iso.split("-"))
    names = ui.get("month_names", ())
    return ui["date_format"].format(year=year, month=month, day=day,
                                    month_name=names[month - 1] if names else "")
