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
its `pipeline.httpserve.LoopbackServer`.
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

from PIL import Image, ImageDraw, ImageFilter, ImageOps
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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
# Content model
# ================================================================================================


@dataclass(frozen=True)
class _Site:
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
class _Article:
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
class _Fig:
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


_FIG_MARKUPS = ("figure", "img", "picture", "srcset", "lazy", "data", "icon")
_FIG_RE = re.compile(r"^\[(%s) (\w+) ([\w-]+) \| (.*?) \| (.*?)\]$" % "|".join(_FIG_MARKUPS))
_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


_UI: dict[str, dict[str, Any]] = {
    "en": {
        "skip": "Skip to content",
        "cookie": "We use cookies to remember your settings and to understand how this site is "
        "used. You can accept all cookies or only the essential ones.",
        "accept": "Accept all",
        "reject": "Essential only",
        "share": "Share this page:",
        "share_links": ("Email", "Print", "Copy link"),
        "comments": "Comments",
        "leave_comment": "Leave a comment",
        "post": "Post comment",
        "related": "More from this site",
        "byline": "By {author} · {date}",
        "footer": "© 2024 {site}. All rights reserved.",
        "privacy": "Privacy",
        "contact": "Contact",
        "newsletter": "Get new posts by email once a month. No spam, unsubscribe any time.",
        "subscribe": "Subscribe",
        "ad": "Advertisement",
        "printed": "Printed from {url}",
        "pool": (
            ("Priya", "Thanks for writing this up, it is exactly what I was looking for."),
            ("Tom H.", "I tried this last weekend and it worked as described."),
            ("Ingrid", "Lovely photos. The second one could be a postcard."),
            ("Samir", "Bookmarked. A printable version would be handy."),
            ("Lucy", "We did something similar last year; go early, it gets busy by ten."),
            ("Kenji", "Small correction: the café you mention is now closed on Mondays."),
        ),
    },
    "de": {
        "skip": "Zum Inhalt springen",
        "cookie": "Wir verwenden Cookies, um Einstellungen zu speichern und die Nutzung der "
        "Seite zu verstehen. Sie können alle oder nur die notwendigen Cookies erlauben.",
        "accept": "Alle akzeptieren",
        "reject": "Nur notwendige",
        "share": "Seite teilen:",
        "share_links": ("E-Mail", "Drucken", "Link kopieren"),
        "comments": "Kommentare",
        "leave_comment": "Kommentar schreiben",
        "post": "Absenden",
        "related": "Mehr von dieser Seite",
        "byline": "Von {author} · {date}",
        "footer": "© 2024 {site}. Alle Rechte vorbehalten.",
        "privacy": "Datenschutz",
        "contact": "Impressum",
        "newsletter": "Neue Beiträge einmal im Monat per E-Mail. Abmeldung jederzeit möglich.",
        "subscribe": "Abonnieren",
        "ad": "Anzeige",
        "printed": "Gedruckt von {url}",
        "pool": (
            ("Anja", "Danke für den ausführlichen Bericht!"),
            ("Markus", "Das probiere ich am Wochenende gleich aus."),
            ("Sabine K.", "Sehr schöne Fotos, vielen Dank fürs Teilen."),
            ("Peter", "Gibt es dort auch genug Parkplätze am Wochenende?"),
        ),
    },
    "fr": {
        "skip": "Aller au contenu",
        "cookie": "Nous utilisons des cookies pour mémoriser vos préférences et mesurer "
        "l'audience. Vous pouvez tout accepter ou seulement les cookies essentiels.",
        "accept": "Tout accepter",
        "reject": "Essentiels seulement",
        "share": "Partager :",
        "share_links": ("E-mail", "Imprimer", "Copier le lien"),
        "comments": "Commentaires",
        "leave_comment": "Laisser un commentaire",
        "post": "Publier",
        "related": "À lire aussi",
        "byline": "Par {author} · {date}",
        "footer": "© 2024 {site}. Tous droits réservés.",
        "privacy": "Confidentialité",
        "contact": "Contact",
        "newsletter": "Recevez les nouveaux articles une fois par mois.",
        "subscribe": "S'abonner",
        "ad": "Publicité",
        "printed": "Imprimé depuis {url}",
        "pool": (
            ("Julie", "Merci pour ce partage, très utile !"),
            ("Marc", "Je vais essayer ce week-end."),
            ("Nadia", "Superbes photos, ça donne envie."),
            ("Luc", "Est-ce accessible avec une poussette ?"),
        ),
    },
    "es": {
        "skip": "Ir al contenido",
        "cookie": "Usamos cookies para recordar tus preferencias y entender cómo se usa el "
        "sitio. Puedes aceptarlas todas o solo las necesarias.",
        "accept": "Aceptar todas",
        "reject": "Solo necesarias",
        "share": "Compartir:",
        "share_links": ("Correo", "Imprimir", "Copiar enlace"),
        "comments": "Comentarios",
        "leave_comment": "Deja un comentario",
        "post": "Publicar",
        "related": "También te puede interesar",
        "byline": "Por {author} · {date}",
        "footer": "© 2024 {site}. Todos los derechos reservados.",
        "privacy": "Privacidad",
        "contact": "Contacto",
        "newsletter": "Recibe las nuevas entradas una vez al mes.",
        "subscribe": "Suscribirse",
        "ad": "Publicidad",
        "printed": "Impreso desde {url}",
        "pool": (
            ("Carmen", "¡Gracias por compartirlo!"),
            ("Javier", "Lo probaré este fin de semana."),
            ("Elena", "Muy buenas fotos."),
            ("Pablo", "¿Se puede hacer con niños pequeños?"),
        ),
    },
    # Japanese strings must stay encodable in Shift_JIS (one Japanese page uses it): no ©, no ·.
    "ja": {
        "skip": "本文へ移動",
        "cookie": "このサイトでは設定の保存と利用状況の把握のためにクッキーを使用しています。"
        "すべて許可するか、必要なものだけを許可するかを選べます。",
        "accept": "すべて許可",
        "reject": "必要なもののみ",
        "share": "このページを共有:",
        "share_links": ("メール", "印刷", "リンクをコピー"),
        "comments": "コメント",
        "leave_comment": "コメントを書く",
        "post": "送信",
        "related": "関連する記事",
        "byline": "{author} | {date}",
        "footer": "Copyright 2024 {site}",
        "privacy": "プライバシー",
        "contact": "お問い合わせ",
        "newsletter": "新しい記事を月に一度メールでお届けします。",
        "subscribe": "登録する",
        "ad": "広告",
        "printed": "印刷元: {url}",
        "pool": (
            ("みか", "参考になりました。ありがとうございます。"),
            ("たかし", "今度の週末に試してみます。"),
            ("ゆう", "写真がとてもきれいですね。"),
            ("けん", "初心者でも大丈夫でしょうか。"),
        ),
    },
    "zh": {
        "skip": "跳到正文",
        "cookie": "本网站使用 Cookie 保存您的设置并统计访问情况。您可以全部接受，或只接受必要的 Cookie。",
        "accept": "全部接受",
        "reject": "仅必要",
        "share": "分享本页：",
        "share_links": ("邮件", "打印", "复制链接"),
        "comments": "评论",
        "leave_comment": "发表评论",
        "post": "提交",
        "related": "相关文章",
        "byline": "{author} · {date}",
        "footer": "© 2024 {site} 版权所有",
        "privacy": "隐私政策",
        "contact": "联系我们",
        "newsletter": "每月一次，通过邮件接收新文章。",
        "subscribe": "订阅",
        "ad": "广告",
        "printed": "打印自 {url}",
        "pool": (
            ("小王", "谢谢分享，很有用！"),
            ("阿梅", "这个周末就去试试。"),
            ("老陈", "照片拍得真好。"),
            ("静静", "请问需要提前预约吗？"),
        ),
    },
}

_MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()


def _format_date(iso: str, lang: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    if lang == "en":
        return f"{day} {_MONTHS_EN[month - 1]} {year}"
    if lang == "de":
        return f"{day:02d}.{month:02d}.{year}"
    if lang in ("fr", "es"):
        return f"{day:02d}/{month:02d}/{year}"
    return f"{year}年{month}月{day}日"


_NAV_EN = (("Home", "/"), ("Archive", "/archive/"), ("About", "/about/"))

_SITES: dict[str, _Site] = {
    site.key: site
    for site in (
        _Site("trailnotes", "blog.example.org", "Trail Notes",
              "Walking, weather and the occasional cake", "en", "Hannah Reid",
              (("Home", "/"), ("Walks", "/walks/"), ("Gear", "/gear/"), ("About", "/about/")),
              trackers=True, ip="192.0.2.11"),
        _Site("kitchen", "recipes.example.com", "The Small Kitchen",
              "Everyday cooking for small kitchens", "en", "Tomás Ferreira",
              (("Recipes", "/"), ("Soups", "/soups/"), ("Bread", "/bread/"),
               ("Preserves", "/preserves/")), ip="192.0.2.12"),
        _Site("spokes", "bikes.example.net", "Spokes & Sprockets",
              "Bike maintenance without the jargon", "en", "Dev Patel",
              (("Guides", "/guides/"), ("Tools", "/tools/"), ("About", "/about/")),
              ip="192.0.2.13"),
        _Site("gazette", "news.example.com", "Riverside Gazette",
              "News for Riverside and the valley", "en", "Staff reporter",
              (("Local", "/local/"), ("Sport", "/sport/"), ("Opinion", "/opinion/"),
               ("Events", "/events/")), trackers=True, ip="192.0.2.14"),
        _Site("plot17", "www.example.org", "Plot 17", "An allotment diary", "en",
              "Margaret Oyelaran", (("Garden", "/garden/"), ("Diary", "/garden/diary/")),
              ip="192.0.2.15"),
        _Site("museum", "museum.example.net", "Friends of the City Museum",
              "News and notes from the museum's volunteers", "en", "Ruth Adler",
              (("Blog", "/blog/"), ("Visit", "/visit/"), ("Membership", "/join/")),
              ip="192.0.2.16"),
        _Site("slowtrips", "www.example.com", "Slow Trips", "Day trips by train", "en",
              "Aled Jones", _NAV_EN, ip="192.0.2.17"),
        _Site("digest", "digest.example.com", "The Daily Digest",
              "The best of the web, every morning", "en", "Digest editors",
              (("Today", "/"), ("Bikes", "/bikes/"), ("Local", "/local/")), trackers=True,
              ip="192.0.2.18"),
        _Site("deals", "deals.example.net", "MEGA DEALS 4 U", "Best prices EVERY DAY!!!", "en",
              "Admin", (("HOT", "/hot/"), ("NEW", "/new/"), ("WIN", "/win/")), trackers=True,
              ip="192.0.2.19"),
        _Site("draussen", "de.example.org", "Draußen unterwegs", "Wandern, Kochen, Gärtnern",
              "de", "Jonas Albrecht",
              (("Start", "/"), ("Wandern", "/wandern/"), ("Kochen", "/kochen/"),
               ("Garten", "/garten/")), ip="192.0.2.20"),
        _Site("fundstuecke", "www.example.net", "Netzfundstücke", "Gesammelte Artikel", "de",
              "Redaktion", (("Start", "/de/"), ("Garten", "/de/garten/")), ip="192.0.2.21"),
        _Site("carnet", "fr.example.net", "Carnet du dimanche",
              "Balades, cuisine et jardin", "fr", "Claire Dubois",
              (("Accueil", "/"), ("Musées", "/musees/"), ("Cuisine", "/cuisine/"),
               ("Jardin", "/jardin/")), ip="192.0.2.22"),
        _Site("cuaderno", "es.example.com", "Cuaderno de campo",
              "Rutas, cocina y bicicleta", "es", "Lucía Navarro",
              (("Inicio", "/"), ("Rutas", "/rutas/"), ("Cocina", "/cocina/"), ("Bici", "/bici/")),
              ip="192.0.2.23"),
        _Site("shumatsu", "ja.example.org", "週末ノート", "山歩きと台所の記録", "ja", "佐藤 みどり",
              (("ホーム", "/"), ("山歩き", "/yama/"), ("料理", "/ryouri/"),
               ("自転車", "/jitensha/")), ip="192.0.2.24"),
        _Site("manbu", "zh.example.net", "城市漫步笔记", "博物馆、阳台和日常", "zh", "林晓",
              (("首页", "/"), ("博物馆", "/bowuguan/"), ("园艺", "/yuanyi/")), ip="192.0.2.25"),
    )
}


def _spam_links(count: int, start: int) -> str:
    products = ("wireless headphones", "smart watch", "air fryer", "phone case", "sneakers",
                "sunglasses", "power bank", "robot vacuum", "gaming chair", "LED strip")
    lines = []
    for n in range(start, start + count):
        product = products[n % len(products)]
        pct = 50 + (n * 7) % 45
        slug = product.replace(" ", "-")
        lines.append(f"- [🔥 Deal #{n}: {product.upper()} {pct}% OFF 🔥]"
                     f"(http://deals.example.net/go/{slug}-{n})")
    return "\n".join(lines)


# The article texts were written for this project. Body mini-markup: blocks are separated by a
# blank line; `## ` starts a heading, `- ` / `1. ` lines make lists, `> ` a quotation,
# `[markup kind name | alt | caption]` an image, and `[text](href)` a link inside text.
_ARTICLES: tuple[_Article, ...] = (
    _Article(
        "trail-ridge", "trailnotes", "http://blog.example.org/2024/03/trail-notes.html",
        "Trail notes: the long ridge above Hollow Lake", "2024-03-10", "en-GB", body="""
We left the car park at Hollow Lake a little after seven, when the water was still flat and the
far shore was hidden in a band of low cloud. The plan was simple: climb the zigzag path to the
saddle, follow the ridge north for about six kilometres, and drop back to the lake by the forestry
track before the afternoon showers arrived.

[figure photo hollow-lake-morning | Calm lake with low cloud over the far shore | Hollow Lake at ten
    past seven, before the wind picked up.]

## The climb to the saddle

The zigzags are steeper than the map suggests. The path was rebuilt two summers ago with stone
steps, which makes the footing easy but does nothing for your calves. We stopped twice: once to
let a trail runner pass and once because a pair of ravens was tumbling over the crags and it
seemed rude not to watch.

At the saddle the wind arrived all at once. Jackets went on, hats came out, and we ate the first
round of flapjack sheltering behind the old boundary wall.

## Along the ridge

The ridge itself is the reward. It is broad and grassy for the first half, then narrows to a
rocky spine where you occasionally need a hand for balance. Nothing is exposed enough to be
frightening, but in wet weather the polished rock near the second cairn deserves respect.

[figure diagram ridge-profile | Elevation profile of the ridge walk | Height gain is about 640 m in
    total, most of it in the first hour.]

Visibility came and went. For ten minutes we could see three separate lakes and the sea beyond
them; a quarter of an hour later we were navigating from cairn to cairn in thick mist. A compass
bearing written on the back of a hand is worth more than a phone with a cold battery.

[figure photo ridge-cairn | Stone cairn on a misty grassy ridge | The second cairn, where the path
    turns north-east.]

## Practical notes

- Distance: 14.5 km; allow six to seven hours with stops.
- Parking: the lake car park fills by nine at weekends.
- Water: there are no reliable streams on the ridge, so carry two litres.
- Descent: the forestry track is long but gentle on the knees.

We were back at the car by half past two, just as the first drops hit the windscreen. Timing, for
once, was on our side. The [winter version of this walk](/2024/01/winter-day-walks.html) is a
different proposition.
"""),
    _Article(
        "hut-packing", "trailnotes", "http://blog.example.org/2024/02/hut-to-hut-packing-list.html",
        "What I pack for a hut-to-hut week", "2024-02-21", "en-GB", body="""
Every spring someone asks what goes into the rucksack for a week of walking between mountain
huts, so here is the list I actually use, with the reasons. The aim is a pack under eight
kilograms before water and lunch.

[figure photo packed-rucksack | Rucksack with gear laid out on a wooden floor | Everything for six
    nights, spread out before packing.]

## Sleeping and evenings

Most huts provide blankets and pillows but require a sleeping-bag liner. A silk liner weighs
little and dries overnight. Hut slippers are usually provided as well, so leave the camp shoes at
home.

- A silk liner and a small pillowcase
- Earplugs, several pairs: dormitories are never quiet
- A head torch with a red light, to find the bathroom without waking the room
- Cash, because card machines at altitude are unreliable

## Clothing

The trick is layers that can be worn together, not separate outfits. One shirt to walk in, one
dry shirt for the evening, and a warm fleece that doubles as a pillow if needed.

- Two pairs of walking socks and one pair of thin liner socks
- A waterproof jacket and over-trousers, even if the forecast is perfect
- Light gloves and a hat; it can snow in July above two thousand metres

## Things I stopped carrying

A full group first-aid kit when I walk alone, a second book, a camera when the phone takes
perfectly good pictures, and a towel the size of a bedsheet. A small microfibre cloth does the
job.
"""),
    _Article(
        "winter-walks", "trailnotes", "http://blog.example.org/2024/01/winter-day-walks.html",
        "Short days, cold hands: notes on winter day walks", "2024-01-14", "en-GB", body="""
Winter walking is wonderful and unforgiving in equal measure. The light is low and golden, the
paths are quiet, and the margin for error is smaller than it looks from the car park.

The first rule is time. In December there may be fewer than eight hours of useful daylight, and
the last of it disappears quickly once the sun drops behind a hillside. Plan the route backwards
from sunset, and decide in advance on a turning point that you will respect even if the summit
looks close.

The second rule is warmth in reserve. Carry one more warm layer than you think you need and keep
it dry at the bottom of the pack. Cold hands make simple tasks slow: opening a map, undoing a zip,
eating. Mittens over thin gloves are clumsy but keep fingers working.

Ice changes everything. A path that is an easy stroll in October can become a polished chute
after a freezing night. Microspikes are cheap insurance on popular routes; proper crampons and an
axe, and the skill to use them, are a different matter and worth a course rather than a video.

Finally, tell someone where you are going and when you expect to be back, and then actually call
them when you are. It takes ten seconds and it is the one piece of equipment that works when
everything else has failed.
"""),
    _Article(
        "lentil-soup", "kitchen", "http://recipes.example.com/soups/red-lentil-soup",
        "Red lentil soup with lemon and cumin", "2024-02-02", "en-GB", body="""
This is the soup I make when the fridge is nearly empty and everyone is hungry. Red lentils need
no soaking and collapse into a thick, golden purée in about twenty minutes, and a squeeze of lemon
at the end keeps the whole thing bright.

[picture photo lentil-soup-bowl | Bowl of orange lentil soup with a lemon wedge | Serve with
    flatbread or toast.]

## Ingredients (serves four)

- 250 g red lentils, rinsed
- 1 onion and 1 carrot, finely chopped
- 2 cloves of garlic
- 1 teaspoon ground cumin and a pinch of chilli flakes
- 1.2 litres vegetable stock
- Juice of half a lemon, salt and olive oil

## Method

1. Soften the onion and carrot in two tablespoons of oil over a medium heat for eight minutes.
2. Add the garlic, cumin and chilli and stir for one minute until fragrant.
3. Tip in the lentils and stock, bring to the boil, then simmer for twenty minutes, stirring now and
   then.
4. Blend half of the soup, or all of it if you prefer it smooth, and season with salt and lemon
   juice.

The soup thickens as it stands. Loosen leftovers with a splash of water when reheating, and taste
again, because it will need a little more salt and lemon the next day.
"""),
    _Article(
        "sourdough", "kitchen", "http://recipes.example.com/bread/weekend-sourdough",
        "A relaxed weekend sourdough loaf", "2024-03-01", "en-GB", warc_images=True,
        base_href="http://recipes.example.com/bread/media/", body="""
Sourdough has a reputation for being demanding, but most of the work is waiting. This schedule
fits around an ordinary Saturday: mix in the morning, shape in the late afternoon, prove overnight
in the fridge and bake on Sunday before breakfast.

[figure photo starter-jar | Jar of bubbly sourdough starter | The starter is ready when it has
    doubled and smells pleasantly sour.]

## Saturday morning: mix

Stir 100 g of active starter into 350 g of lukewarm water until it looks milky. Add 500 g of
strong white flour and mix with your hand until no dry flour remains. Cover and leave for forty
minutes, then add 10 g of salt with a splash of water and squeeze it through the dough.

[figure photo shaggy-dough | Rough, shaggy dough in a glass bowl | After mixing, the dough looks
    rough; that is fine.]

## Saturday daytime: fold

Over the next three hours, give the dough four sets of folds about half an hour apart. Wet your
hand, lift one side of the dough, fold it over the middle, turn the bowl and repeat on all four
sides. Each time the dough becomes smoother and holds its shape a little better.

[figure photo folded-dough | Smooth dough after stretching and folding | By the fourth set of folds
    the dough is smooth and elastic.]

Then leave it alone until it has grown by about half and shows a few bubbles at the edges. In a
cool kitchen this can take another two or three hours.

## Saturday evening: shape

[figure photo shaping | Hands shaping a round loaf on a floured counter | Tension on the surface
    helps the loaf rise upwards rather than outwards.]

Tip the dough onto a lightly floured counter, pre-shape it into a loose round and let it rest for
twenty minutes. Shape it again, more firmly, and place it seam side up in a floured basket. Cover
it and put it in the fridge overnight.

## Sunday morning: bake

Heat the oven to 250 °C with a lidded cast-iron pot inside for forty-five minutes. Turn the cold
dough out onto baking paper, cut a single confident slash across the top and lower it into the
pot.

[figure photo scored-loaf | Loaf with a single slash before baking | A razor blade gives the
    cleanest cut.]

Bake for twenty minutes with the lid on, then remove the lid, lower the heat to 230 °C and bake
for another twenty to twenty-five minutes until the crust is deeply browned.

[figure photo baked-loaf | Dark brown crusty loaf on a cooling rack | Resist cutting it for at least
    an hour.]

[figure photo crumb | Cut loaf showing an open crumb | The crumb of a loaf proved overnight in the
    fridge.]
"""),
    _Article(
        "pickles", "kitchen", "http://recipes.example.com/preserves/quick-pickled-cucumbers",
        "Quick pickled cucumbers", "2023-08-19", "en-GB", body="""
Quick pickles are the gateway to preserving. There is no sterilising, no water bath and no
waiting for months: the cucumbers sit in a sweet and sour brine in the fridge and are ready the
next day.

[srcset photo cucumbers-sliced | Thinly sliced cucumbers on a chopping board | ]

Slice two cucumbers as thinly as you can, toss them with a teaspoon of salt and leave them in a
colander for half an hour. The salt draws out water, which keeps the pickles crisp instead of
soggy.

Meanwhile warm 200 ml of cider vinegar with 100 ml of water, three tablespoons of sugar, a
teaspoon of mustard seeds and a few peppercorns, just until the sugar dissolves. Let the brine
cool a little.

Rinse the cucumbers, squeeze them gently and pack them into a clean jar with a few slices of onion
and some dill. Pour over the brine, close the jar and refrigerate.

[figure photo pickle-jar | Glass jar of pickled cucumber slices with dill | They keep for about two
    weeks in the fridge.]

They are excellent in sandwiches, with smoked fish, or eaten straight from the jar while standing
at the open fridge door, which is how most of ours disappear.
"""),
    _Article(
        "flat-tyre", "spokes", "http://bikes.example.net/guides/fix-a-flat.html",
        "How to fix a flat tyre at the roadside", "2024-03-05", "en-GB", body="""
A puncture is the most common mechanical problem on a bike, and fixing one is a skill every rider
should have. With practice the whole job takes ten minutes. You need tyre levers, a spare tube or
a patch kit, and a pump that fits your valves.

[icon icon tools-icon | Toolkit icon | Tools needed: two tyre levers, a pump and a spare tube.]

## 1. Remove the wheel

Shift to the smallest rear sprocket first; it makes the rear wheel much easier to remove and
refit. Open the brake quick release if you have rim brakes, then open the axle lever or undo the
thru-axle and drop the wheel out.

[figure photo wheel-out | Bicycle upside down with the rear wheel removed | Hang the chain on the
    frame hook so that it stays clean.]

## 2. Take off the tyre

Let out any remaining air. Push the tyre bead into the centre channel of the rim all the way
round, which gives you slack. Hook one lever under the bead opposite the valve, lever it over the
rim and clip the lever to a spoke. Use the second lever a hand's width away and slide it round.

[figure photo tyre-levers | Two plastic tyre levers hooked under a tyre bead | Start opposite the
    valve, never next to it.]

## 3. Find the cause

This is the step people skip, and then they puncture again five minutes later. Pump a little air
into the old tube and listen for the hiss. Line the tube up with the tyre to find the matching
spot, then run your fingers carefully around the inside of the tyre to find the thorn, glass or
wire that caused it.

[figure photo find-thorn | Fingers holding a small thorn pulled from a tyre | The culprit: a
    hawthorn spike, still in the tread.]

## 4. Fit the new tube

Inflate the new tube just enough to give it shape. Push the valve through the rim hole, tuck the
tube into the tyre all the way round, and then work the bead back onto the rim with your thumbs,
finishing at the valve.

[figure photo tube-in | Partly inflated inner tube being tucked into a tyre | A little air stops the
    tube from twisting.]

Check that the tube is not trapped between the bead and the rim anywhere, or it will burst as you
pump it up.

[figure photo bead-check | Close view of a tyre bead seated on a rim | The moulded line on the tyre
    should sit evenly above the rim.]

## 5. Inflate and refit

Pump to the pressure printed on the tyre sidewall, refit the wheel, close the brake and spin the
wheel to check that it runs straight and that the brakes work before you ride off.

[figure photo pump-up | Mini pump attached to a presta valve | Hold the pump head steady to avoid
    bending the valve.]
"""),
    _Article(
        "derailleur", "spokes", "http://bikes.example.net/guides/rear-derailleur-adjustment.html",
        "Adjusting a rear derailleur in five minutes", "2024-02-11", "en-GB", warc_images=True,
        body="""
If your gears hesitate, rattle, or jump when you pedal hard, the rear derailleur probably needs a
small adjustment. Nine times out of ten the fix is a quarter turn of the barrel adjuster, and no
tools at all.

[lazy photo derailleur-side | Rear derailleur viewed from the side | The barrel adjuster sits where
    the cable enters the derailleur.]

## Check the basics first

Before turning anything, make sure the rear wheel is seated straight in the dropouts and that the
derailleur hanger is not bent. A bent hanger, usually from a fall or a careless moment in a bike
rack, makes fine adjustment impossible.

## Adjust the cable tension

Shift to the second smallest sprocket while turning the pedals by hand. If the chain struggles to
climb, turn the barrel adjuster anticlockwise a quarter turn at a time to add tension. If it is
noisy or tries to climb to the third sprocket, turn it clockwise.

[lazy photo barrel-adjuster | Fingers turning a small barrel adjuster | Quarter turns, then test
    every gear.]

Work through the whole range. When every shift is quick and quiet in both directions, you are
done.

## The limit screws

The two small screws marked H and L stop the chain from falling off the top and bottom of the
cassette. They rarely need touching unless the derailleur was replaced, so leave them alone
unless the chain actually overshoots.

[lazy photo limit-screws | Close-up of the H and L limit screws | H limits the small sprocket side,
    L the large one.]
"""),
    _Article(
        "chain-clean", "spokes", "http://bikes.example.net/guides/clean-your-chain.html",
        "Clean your chain in ten minutes", "2024-01-27", "en-GB", warc_images=True, body="""
A clean chain shifts better, runs quieter and lasts far longer than a grimy one. You do not need
a special machine: a rag, a brush, some degreaser and ten minutes will do.

[figure photo clean-chain | Bicycle chain on a cassette, freshly cleaned | A chain worth keeping:
    clean rollers and a thin film of oil.]

Start by wiping the chain with a dry rag while turning the pedals backwards. Most of the black
paste comes off this way. Then apply a little degreaser to a stiff brush and scrub the chain, the
cassette and the jockey wheels of the derailleur.

Rinse with a small amount of water, taking care not to spray directly into the hubs or the bottom
bracket, and dry the chain thoroughly with a clean rag. Leave it for a few minutes so that water
can evaporate from inside the rollers.

Now lubricate sparingly: one drop on each roller, on the inside of the chain. Turn the pedals for
a minute, then wipe off the excess with a rag. Oil on the outside of the chain does no work; it
only collects dirt.

How often? After every wet ride, and otherwise every few hundred kilometres. Measure chain wear
with a gauge every couple of months, because a stretched chain quickly wears out the expensive
cassette and chainrings.
"""),
    _Article(
        "chain-clean-digest", "digest", "http://digest.example.com/bikes/clean-your-chain/",
        "How to clean your bike chain (in about ten minutes)", "2024-02-03", "en-US",
        copy_of="chain-clean", foreign_refs="protocol-relative", edits=(
            ("A clean chain shifts better", "A clean bicycle chain shifts better"),
            ("some degreaser and ten minutes will do.",
             "some degreaser and about ten minutes are enough."),
        )),
    _Article(
        "chain-clean-print", "spokes", "http://bikes.example.net/print/clean-your-chain.html",
        "Clean your chain in ten minutes", "2024-01-27", "en-GB", copy_of="chain-clean",
        print_layout=True, edits=(("How often? After", "How often should you do this? After"),)),
    _Article(
        "library", "gazette", "http://news.example.com/local/2024/03/library-reopens.html",
        "Riverside library reopens after eleven-month renovation", "2024-03-16", "en-GB", body="""
The Riverside branch library reopened on Saturday after eleven months of renovation, and by
mid-morning the queue for the children's section stretched past the new front desk.

[figure photo library-reading-room | Bright reading room with long wooden tables | The refurbished
    reading room keeps the original 1930s windows.]

The building now has level access from the street, a lift to the first floor, and a reading room
restored to something close to its original appearance, including the tall windows that had been
partly boarded over since the 1970s.

Head librarian Marta Okafor said the most requested feature had been the simplest: more seating.
"People want to stay," she said. "Students, retired people, parents with small children. A
library is one of the few places left where you can sit for an afternoon without buying anything."

The renovation also added a small makerspace with a 3D printer and sewing machines, which can be
booked in two-hour slots, and a community room that local groups may use free of charge in the
evenings.

Opening hours are now 9 am to 7 pm on weekdays and 10 am to 4 pm on Saturdays. The branch remains
closed on Sundays.
"""),
    _Article(
        "library-digest", "digest", "http://digest.example.com/local/riverside-library-reopens/",
        "Riverside library reopens after renovation", "2024-03-17", "en-US", copy_of="library",
        edits=(
            ("reopened on Saturday after", "reopened at the weekend after"),
            ("Opening hours are now", "The new opening hours are"),
        )),
    _Article(
        "bike-lanes", "gazette", "http://news.example.com/local/2024/03/council-bike-lanes.html",
        "Council approves protected cycle lanes on Mill Road", "2024-03-13", "en-GB", body="""
The town council voted seven to four on Tuesday evening to build protected cycle lanes along Mill
Road, ending a debate that has filled the letters page of this newspaper for most of the past
year.

The scheme will replace parking on one side of the road with a two-way cycle track separated from
traffic by a low kerb and planters. Bus stops will be moved onto small islands so that cyclists
pass behind waiting passengers rather than weaving into traffic.

Supporters pointed to the two primary schools on the road and to a survey in which a majority of
parents said they would let their children cycle if the route felt safe. Opponents, including
several shop owners, argued that losing parking would hurt trade and asked for loading bays to be
kept in front of the bakery and the hardware shop. The final plan keeps both.

Construction is expected to start in late summer and to take about four months. The council has
promised a review after the first year, with traffic and footfall counts published online.
"""),
    _Article(
        "market", "gazette", "http://news.example.com/local/2024/02/farmers-market-moves.html",
        "Farmers' market to move to Church Square", "2024-02-28", "en-GB", ad="mpu", body="""
The Saturday farmers' market will move from the station car park to Church Square from the first
weekend of April, organisers confirmed this week.

[figure photo market-stalls | Market stalls with striped awnings in a town square | Stallholders
    tried out the square during a trial day in January.]

The move follows complaints about traffic and the lack of shade in the car park during the
summer. The square offers room for around thirty stalls, five more than at present, and the
nearby cafés have agreed to put out extra seating on market days.

Stallholders are broadly in favour, although a few worry that customers will struggle to carry
heavy shopping to their cars. The organisers plan to trial a trolley loan scheme and a collection
point at the corner of the square.
"""),
    _Article(
        "tomatoes", "plot17", "http://www.example.org/garden/tomatoes-in-containers",
        "Growing tomatoes in containers", "2023-05-06", "en-GB", warc_images=True, body="""
You do not need a garden to grow tomatoes. A sunny balcony or doorstep and a few large pots will
give you more fruit than you might expect, as long as you pick the right varieties and never let
the plants dry out.

[figure photo tomato-pots | Tomato plants in large pots on a balcony | Bush varieties need no
    staking and suit smaller pots.]

Choose containers of at least twenty litres for each plant. Smaller pots dry out within hours on
a hot afternoon, and irregular watering is the main cause of split fruit and blossom end rot.

Use a good peat-free compost and add a slow-release feed at planting time. Once the first flowers
have set, switch to a liquid tomato feed once a week.

Cordon varieties need a tall cane and regular pinching out of the side shoots that appear where
the leaves meet the main stem. Bush and trailing varieties can be left to sprawl, which makes them
ideal for hanging baskets.

[figure photo tomato-truss | Truss of ripening red and orange tomatoes | The first truss usually
    ripens in late July.]

Pick the fruit as soon as it colours fully. At the end of the season, green tomatoes will ripen
indoors in a drawer next to a banana.
"""),
    _Article(
        "compost", "plot17", "http://www.example.org/garden/composting-basics",
        "Composting basics", "2023-09-30", "en-GB", body="""
Composting turns kitchen and garden waste into the best soil improver you can get, and it costs
nothing except a little attention. The basic idea is to give the organisms that do the work a
balanced diet, some air and some moisture.

[figure diagram compost-layers | Diagram of green and brown layers in a compost bin | Alternate
    green and brown layers in roughly equal volumes.]

## Greens and browns

Greens are wet and rich in nitrogen: vegetable peelings, coffee grounds, grass cuttings. Browns
are dry and rich in carbon: cardboard, dry leaves, straw, shredded paper. A heap made only of
grass becomes a slimy, smelly mass; a heap made only of leaves sits unchanged for years.

[figure photo kitchen-caddy | Kitchen caddy full of vegetable peelings | A small caddy by the sink
    makes the habit easy.]

[figure photo cardboard-browns | Torn brown cardboard ready for the compost bin | Torn cardboard is
    the easiest brown material to find.]

## Air and water

Turn the heap with a fork every few weeks to let air in. If it smells bad, it is too wet or too
compacted: add browns and turn it. If nothing seems to happen, it is probably too dry: water it
lightly.

[figure photo turning-heap | Garden fork turning a compost heap | Turning speeds things up but is
    not strictly necessary.]

## What to leave out

- Meat, fish and dairy, which attract rats
- Diseased plants and the roots of perennial weeds
- Cat and dog litter
- Glossy or plastic-coated paper

[figure photo finished-compost | Handful of dark crumbly compost | Finished compost smells like a
    forest floor.]

After six months to a year the bottom of the heap will be dark and crumbly. Sieve out the lumps,
return them to the top, and spread the rest on your beds.

[icon icon worm-icon | Earthworm icon | Tip: the worms will find the heap on their own.]
"""),
    _Article(
        "garden-diary", "plot17", "http://www.example.org/garden/diary/2024-03",
        "Allotment diary: March", "2024-03-31", "en-GB", body="""
## Week one

The broad beans sown in November have come through the cold spell with only a few blackened
leaves. I pinched out the tips of the tallest ones to discourage blackfly later on. The first
rhubarb is pushing through under its upturned bucket.

## Week two

Sowed tomatoes, peppers and sweet peas indoors on the windowsill. The peppers are always slow;
last year they took almost three weeks to appear, so patience is the main ingredient.

## Week three

A dry, bright week. Dug over the last empty bed and spread a barrow of compost on it. Found the
label for the garlic I planted in October, which answers the question of why there are neat rows
of green shoots in the onion bed.

## Week four

Frost again on Tuesday night. The early potatoes are chitting on a tray in the shed and will have
to wait until April. Meanwhile the blackbirds have discovered the freshly dug soil and follow me
around the plot.
"""),
    _Article(
        "textile-gallery", "museum", "http://museum.example.net/blog/textile-gallery-visit",
        "A members' visit to the new textile gallery", "2024-03-08", "en-GB", body="""
The newly rehung textile gallery opened to members last week, and a group of us spent a long
Thursday afternoon there with the curator. These are some notes and photographs from the visit,
shared with the museum's permission.

[figure photo gallery-entrance | Entrance to a museum gallery with a woven banner | The entrance,
    with a modern tapestry made for the reopening.]

## Looms and workshops

The first room explains how cloth was made in the town before the mills. A reconstructed hand
loom sits in the middle, and on Thursdays a volunteer demonstrates it. Watching the shuttle cross
the warp a few hundred times makes you look at every old blanket differently.

[figure photo hand-loom | Wooden hand loom with a half-finished piece of cloth | The reconstructed
    loom, built from a surviving drawing.]

[figure gray mill-workers | Black and white photograph of workers outside a textile mill | Workers
    outside the Eastbank mill, around 1910. Museum archive.]

## Pattern books

The highlight for many of us was a case of pattern books from a dye works, their pages filled
with small fabric samples and handwritten recipes for colours. Some of the samples are still
startlingly bright after more than a century.

[figure photo pattern-book | Open pattern book with small fabric swatches | A dyer's pattern book,
    opened at the blues.]

[figure photo dye-samples | Skeins of wool dyed in different shades | Modern skeins dyed with the
    same recipes.]

## Still to come

The final room is not finished yet. It will hold a quilt collection that is being conserved, and
for now its display case holds only a placeholder.

[figure solid quilt-placeholder | Grey placeholder image | Image unavailable while the quilt is
    being conserved.]

[picture photo gallery-overview | Wide view of the gallery with display cases | The main hall after
    the rehang.]

The gallery opens to the public next month. Members can book further curator tours at the front
desk.
"""),
    _Article(
        "market-clock", "museum", "http://museum.example.net/blog/restoring-the-market-clock",
        "Restoring the market hall clock", "2024-02-16", "en-GB", warc_images=True, body="""
For nearly eighty years the clock above the old market hall told the time to anyone crossing the
square. It stopped in the winter of 1987 and stayed stopped, its hands fixed at twenty past four,
until the museum's conservation team took the movement apart last autumn.

[figure gray clock-movement | Black and white photograph of a clock movement | The movement as
    found: dusty, dry, and complete.]

The good news was that almost everything was there. The movement is a large flatbed design, with
the gear trains laid out side by side on a cast-iron frame, which makes it easy to inspect.
Decades of dust mixed with old oil had turned into a stiff paste in the bearings, and one of the
pivots was badly worn.

Conservator Ian Petrakis cleaned each part by hand and made a new bush for the worn pivot rather
than replacing the original wheel. "The aim is to keep as much of the original as possible," he
explained. "Every tool mark tells you something about who made it and how."

The clock will return to the tower in the spring, where it will once again be wound by hand once
a week by a rota of volunteers.
"""),
    _Article(
        "rain-gauge", "trailnotes", "http://blog.example.org/2024/03/backyard-rain-gauge.html",
        "A year of numbers from a backyard rain gauge", "2024-03-02", "en-GB", body="""
Last year I started writing down the rainfall from a simple plastic gauge on the fence post, every
morning at eight. It has become a small ritual, and twelve months of numbers turned out to be more
interesting than I expected.

[figure photo rain-gauge-post | Plastic rain gauge fixed to a wooden fence post | The gauge: cheap,
    accurate enough, and easy to read.]

The total came to 874 millimetres, close to the long-term average for the area. What the total
hides is how unevenly it fell. Almost a fifth of it came in one wet week in October, while June
had only two days with measurable rain.

[data diagram rainfall-sparkline | Small chart of monthly rainfall | Monthly totals, January to
    December.]

A few lessons for anyone tempted to try: put the gauge away from trees and walls, which shelter
it; read it at the same time every day; and empty it after reading, which sounds obvious until the
first morning you forget.
"""),
    _Article(
        "mosses", "trailnotes", "http://blog.example.org/2023/11/reading-notes-mosses.html",
        "Reading notes: a pocket guide to mosses", "2023-11-19", "en-GB", body="""
I picked up a small guide to mosses in a second-hand shop in October, mostly because of the
drawings, and it has changed how I walk. Where I used to see a green smear on a wall, I now see
half a dozen different plants, each with its own habits.

The book's great strength is that it does not pretend identification is easy. It starts with the
dozen species you are most likely to meet on walls, roofs and tree trunks in a town, and only then
moves on to woodland and bog. Each entry has a drawing, a short description and, best of all, a
note on what it is most often confused with.

Its weakness is the key, which assumes a hand lens and a patience I do not yet have. Even so, with
a cheap ten-times lens I have managed to tell apart the two common cushion mosses on our garden
wall, which felt like a genuine achievement.

If you spend time outdoors in winter, when everything else is brown, mosses are a quiet pleasure.
They are at their best in damp weather, when the leaves open out and turn a brilliant green.
"""),
    _Article(
        "harbour", "slowtrips", "http://www.example.com/travel/harbour-town-day-trip.html",
        "A day in the harbour town", "2023-07-22", "en-GB", warc_images=True,
        base_href="http://www.example.com/travel/media/", body="""
The train from the city takes just under an hour, and the last ten minutes run along the estuary,
so arrive with your camera ready. The harbour town itself is small enough to walk from end to end
in twenty minutes, which is exactly what makes it good for a day.

[figure photo harbour-boats | Fishing boats moored in a small harbour | The inner harbour at low
    tide.]

Start at the fish quay in the morning, when the boats are unloading and the gulls are loudest. The
smokehouse behind the quay sells kippers wrapped in paper and will explain the process to anyone
who asks.

[figure photo smokehouse | Old brick smokehouse with a tall chimney | The smokehouse has been in the
    same family for four generations.]

Walk up the steep lanes behind the harbour to the chapel on the headland for the view, then follow
the cliff path west for a mile to a sheltered cove where the water is surprisingly warm by late
summer.

[figure photo headland-view | View from a headland over a harbour and the sea | The view from the
    chapel, looking back over the town.]

Eat early or book ahead: the two good restaurants fill up quickly, and the last train back leaves
just after nine.
"""),
    _Article(
        "spam-sale", "deals", "http://deals.example.net/mega-sale-today.html",
        "🔥🔥 MEGA SALE TODAY ONLY 🔥🔥 90% OFF EVERYTHING", "2024-03-18", "en", spam=True,
        ad="leaderboard", body="""
🔥🔥🔥 MEGA SALE TODAY ONLY 🔥🔥🔥 #sale #deals #discount #bestprice #buynow #limited #offer #win
#shopping #cheap

[img photo spam-gadget | Product photo | ]

💥💥 Best prices on EVERYTHING!!! 💥💥 Don't miss out!!! Prices like these will never come
back!!! 👉👉 [CLICK HERE](http://deals.example.net/go/click-here) 👈👈 #sale #sale #sale #hot
#trending #viral #musthave #deal

✅ Free shipping ✅ Free gift ✅ Free returns ✅ Free everything!!! 🎁🎁🎁 #free #gift #giveaway
#win #winner #lucky #bonus

⭐⭐⭐⭐⭐ "Best purchase of my life!!!" ⭐⭐⭐⭐⭐ "Changed everything!!!" ⭐⭐⭐⭐⭐ #review #5stars
#love #amazing #wow #omg

""" + _spam_links(30, 1)),
    _Article(
        "spam-phone", "deals", "http://deals.example.net/win-free-phone.html",
        "📱 WIN A FREE PHONE 📱 YOU ARE TODAY'S LUCKY VISITOR!!!", "2024-03-18", "en", spam=True,
        body="""
📱📱📱 CONGRATULATIONS!!! 📱📱📱 You are today's LUCKY VISITOR #1000000!!! 🎉🎉🎉 #win #free
#phone #giveaway #lucky #winner #congrats #prize #now

👉 Answer 3 EASY questions and claim your FREE phone!!! 👈 Only 2 phones left!!! ⏰⏰⏰ Offer ends
in 04:59!!! #hurry #lastchance #limited #exclusive #claim

💰💰 Thousands of happy winners!!! 💰💰 "I could not believe it!!!" "It really works!!!" 😱😱😱
[CLAIM NOW](http://deals.example.net/go/claim-now) #winning #cash #rich #easy #free #free #free

""" + _spam_links(40, 31)),
    _Article(
        "muehlbach", "draussen", "http://de.example.org/wandern/rundweg-am-muehlbach.html",
        "Rundweg am Mühlbach: eine Halbtagestour", "2023-10-08", "de-DE", charset="iso-8859-1",
        body="""
Der Rundweg am Mühlbach ist keine große Bergtour, aber genau das macht ihn so angenehm. Gut zehn
Kilometer, knapp dreihundert Höhenmeter und fast immer Wasser in Hörweite: ideal für einen
Samstagvormittag oder für Familien mit Kindern, die nicht mehr im Wagen sitzen wollen.

[figure photo muehlbach-steg | Holzsteg über einen kleinen Bach im Wald | Der erste Steg kurz hinter
    dem Wanderparkplatz.]

## Wegverlauf

Vom Parkplatz an der alten Sägemühle folgt man zunächst dem Bach aufwärts. Der Weg ist schmal,
aber gut markiert, und führt über mehrere Holzstege. Nach etwa einer Stunde erreicht man die
Lichtung mit der Schutzhütte, an der sich eine Pause mit Blick ins Tal lohnt.

Zurück geht es auf der anderen Talseite über einen breiten Forstweg, der zwar weniger romantisch,
dafür aber schneller ist. Wer noch Kraft hat, macht den kleinen Abstecher zum Aussichtsfelsen:
zehn Minuten steil bergauf, dafür reicht der Blick bei klarem Wetter bis zu den Alpen.

[figure photo muehlbach-huette | Kleine Schutzhütte auf einer Waldlichtung | Die Schutzhütte auf
    halber Strecke.]

## Gut zu wissen

- Länge: etwa 10,5 km, Gehzeit rund drei Stunden
- Einkehr: im Dorf am Ausgangspunkt, Montag Ruhetag
- Nach starkem Regen sind die Stege rutschig, feste Schuhe sind Pflicht
"""),
    _Article(
        "apfelkuchen", "draussen", "http://de.example.org/kochen/apfelkuchen-vom-blech.html",
        "Apfelkuchen vom Blech", "2023-09-24", "de-DE", body="""
Wenn im Herbst die Äpfel reif werden, gibt es bei uns fast jedes Wochenende diesen Blechkuchen.
Er ist schnell gemacht, reicht für eine große Runde und schmeckt am zweiten Tag fast noch besser
als frisch aus dem Ofen.

[figure photo apfelkuchen | Apfelkuchen vom Blech mit Streuseln | Mit Streuseln, noch warm vom
    Ofen.]

## Zutaten

- 250 g weiche Butter und 200 g Zucker
- 4 Eier und 1 Päckchen Vanillezucker
- 400 g Mehl, 1 Päckchen Backpulver, 150 ml Milch
- 1,5 kg säuerliche Äpfel, zum Beispiel Boskop
- Für die Streusel: 150 g Mehl, 100 g Zucker, 100 g Butter und etwas Zimt

## Zubereitung

Butter, Zucker und Vanillezucker schaumig rühren, dann die Eier einzeln unterrühren. Mehl und
Backpulver mischen und abwechselnd mit der Milch unter den Teig heben. Den Teig auf einem
gefetteten Blech verstreichen.

Die Äpfel schälen, vierteln, entkernen und in dünne Spalten schneiden und dicht an dicht auf den
Teig legen. Für die Streusel alle Zutaten mit den Fingern zu groben Krümeln verreiben und über
die Äpfel streuen.

Bei 180 Grad Umluft etwa 40 Minuten backen, bis die Streusel goldbraun sind. Dazu passt
geschlagene Sahne, aber ehrlich gesagt verschwindet der Kuchen bei uns meistens schon vorher.
"""),
    _Article(
        "kraeuter", "draussen", "http://de.example.org/garten/kraeuter-auf-dem-balkon.html",
        "Kräuter auf dem Balkon: was wirklich funktioniert", "2023-06-11", "de-DE", body="""
Frische Kräuter vom eigenen Balkon sind ein kleiner Luxus, der kaum Platz braucht. Nach einigen
Jahren mit Erfolgen und Misserfolgen hier meine ehrliche Bilanz, welche Kräuter sich in Töpfen
wirklich lohnen.

[figure photo kraeuter-kasten | Balkonkasten mit Schnittlauch, Thymian und Petersilie |
    Schnittlauch, Thymian und Petersilie vertragen sich gut in einem Kasten.]

Mediterrane Kräuter wie Thymian, Rosmarin und Oregano lieben Sonne und mögen es eher trocken. Sie
brauchen durchlässige Erde, der man ruhig etwas Sand beimischen kann, und sollten lieber zu wenig
als zu viel gegossen werden. Staunässe ist ihr größter Feind.

Petersilie, Schnittlauch und Minze dagegen wollen gleichmäßig feuchte Erde und vertragen auch
Halbschatten. Minze gehört unbedingt in einen eigenen Topf, weil sie mit ihren Ausläufern sonst
alle Nachbarn verdrängt.

Basilikum ist die Diva unter den Balkonkräutern. Die Töpfe aus dem Supermarkt enthalten viel zu
viele Pflanzen auf engem Raum. Wer sie zu Hause auf drei oder vier Töpfe aufteilt, hat deutlich
länger Freude daran.

Mein wichtigster Tipp: regelmäßig ernten. Je öfter man die Triebspitzen abschneidet, desto
buschiger wachsen die meisten Kräuter nach.
"""),
    _Article(
        "kraeuter-copy", "fundstuecke", "http://www.example.net/de/garten/balkonkraeuter.html",
        "Balkonkräuter: was wirklich funktioniert", "2023-06-20", "de-DE", copy_of="kraeuter",
        edits=(
            ("hier meine ehrliche Bilanz", "hier meine persönliche Bilanz"),
            ("Mein wichtigster Tipp", "Der wichtigste Tipp"),
        )),
    _Article(
        "batellerie", "carnet", "http://fr.example.net/musees/musee-de-la-batellerie.html",
        "Une après-midi au musée de la batellerie", "2023-10-15", "fr-FR", body="""
Installé dans un ancien entrepôt au bord du canal, le petit musée de la batellerie raconte la vie
des mariniers qui transportaient autrefois le charbon, le grain et le vin sur les rivières du
nord. On en fait le tour en une heure, mais on peut facilement y passer l'après-midi.

[figure photo peniche | Péniche ancienne amarrée le long d'un quai | La péniche-musée, ouverte à la
    visite d'avril à octobre.]

La première salle présente des maquettes de bateaux et une très belle carte des voies navigables,
sur laquelle on suit le trajet d'une péniche entre les ports et les écluses. Des enregistrements
d'anciens mariniers racontent les hivers passés à quai, quand le canal était gelé.

Le clou de la visite reste la péniche amarrée devant le musée. On descend dans la cabine où
vivait toute une famille, dans un espace à peine plus grand qu'une chambre d'étudiant. Les enfants
y faisaient leurs devoirs sur la table pliante, entre deux écluses.

[figure photo ecluse | Écluse sur un canal avec ses portes en bois | L'écluse voisine fonctionne
    encore à la main.]

Le musée est ouvert du mercredi au dimanche. L'entrée est gratuite le premier dimanche du mois, et
une petite buvette sur le quai propose des crêpes en été.
"""),
    _Article(
        "tarte-poireaux", "carnet", "http://fr.example.net/cuisine/tarte-aux-poireaux.html",
        "Tarte aux poireaux toute simple", "2024-01-21", "fr-FR", body="""
La tarte aux poireaux est un plat de semaine idéal : quelques ingrédients, une pâte brisée maison
ou achetée, et le dîner est prêt en moins d'une heure.

[picture photo tarte-poireaux | Tarte aux poireaux dorée dans un moule | Servie tiède avec une
    salade verte.]

## Ingrédients

- 1 pâte brisée
- 3 poireaux
- 20 g de beurre
- 3 œufs et 20 cl de crème
- 80 g de fromage râpé, sel, poivre et muscade

## Préparation

Émincez finement le blanc et le vert tendre des poireaux, puis faites-les fondre doucement dans
le beurre pendant une quinzaine de minutes, sans les laisser colorer.

Battez les œufs avec la crème, ajoutez le fromage et assaisonnez avec une pincée de muscade.
Étalez les poireaux sur la pâte, versez l'appareil par-dessus et enfournez pour trente-cinq
minutes à 190 °C.

Laissez reposer dix minutes avant de démouler : la garniture se tient mieux et se découpe
proprement.
"""),
    _Article(
        "radis", "carnet", "http://fr.example.net/jardin/semer-des-radis.html",
        "Semer des radis avec des enfants", "2023-04-02", "fr-FR", body="""
Le radis est sans doute le légume le plus gratifiant à cultiver avec des enfants. Il pousse vite,
il pardonne les erreurs, et entre le semis et la récolte il ne faut guère plus de trois semaines
au printemps.

Préparez une petite bande de terre bien ameublie, sans cailloux, et tracez un sillon d'un
centimètre de profondeur avec le manche d'un outil. Les graines sont assez grosses pour être
posées une à une par de petits doigts, tous les deux ou trois centimètres.

Recouvrez légèrement, tassez avec le plat de la main et arrosez en pluie fine. Il faut ensuite
garder la terre fraîche : un radis qui manque d'eau devient creux et piquant.

Au bout de quelques jours, les premières feuilles en forme de cœur apparaissent. C'est souvent à
ce moment-là que les enfants comprennent vraiment qu'une graine est vivante, et l'impatience
commence.

Pour en avoir tout le printemps, semez un petit rang toutes les deux semaines plutôt qu'une grande
quantité en une seule fois.
"""),
    _Article(
        "sierra", "cuaderno", "http://es.example.com/rutas/ruta-por-la-sierra-del-alba.html",
        "Ruta circular por la sierra del Alba", "2023-04-23", "es-ES", body="""
Esta ruta circular es una de las más agradables de la comarca en primavera, cuando los arroyos
bajan llenos y las laderas se cubren de jaras en flor. Son unos doce kilómetros con un desnivel
moderado, aptos para cualquier persona acostumbrada a caminar.

[figure photo sierra-alba | Sendero entre jaras en flor con montañas al fondo | El sendero entre
    jaras, poco después de la primera fuente.]

Se sale del pueblo por la calle de la ermita y se toma el camino de tierra que sube hacia el
collado. La primera hora es la más exigente, pero a cambio se gana altura rápidamente y las
vistas sobre el valle se abren enseguida.

Desde el collado, el sendero recorre la cresta hacia el norte entre rocas de granito. Conviene no
perder de vista las marcas blancas y amarillas, porque en días de niebla es fácil desviarse por
alguna de las sendas del ganado.

[figure photo fuente-piedra | Antigua fuente de piedra junto a un camino | La fuente del Tejo, con
    agua todo el año.]

El descenso se hace por un antiguo camino empedrado que pasa junto a la fuente del Tejo, un buen
lugar para comer. En verano es mejor evitar las horas centrales del día: hay muy poca sombra en
todo el recorrido.
"""),
    _Article(
        "tortilla", "cuaderno", "http://es.example.com/cocina/tortilla-de-patatas.html",
        "Tortilla de patatas jugosa", "2023-11-05", "es-ES", body="""
En casa discutimos a menudo si la tortilla debe llevar cebolla o no. Esta versión la lleva,
pochada despacio, y queda jugosa por dentro sin estar cruda. Es una receta sencilla, pero pide
paciencia.

[figure photo tortilla | Tortilla de patatas cortada en porciones | Mejor si se deja reposar unos
    minutos antes de cortarla.]

## Ingredientes

- 5 patatas medianas
- 1 cebolla grande
- 6 huevos
- Aceite de oliva abundante y sal

## Preparación

Pela las patatas y córtalas en láminas finas. Fríelas a fuego medio en abundante aceite junto con
la cebolla picada durante unos veinte minutos, hasta que estén tiernas pero sin dorarse demasiado.

Escurre bien el aceite y mezcla las patatas con los huevos batidos y una buena pizca de sal. Deja
reposar la mezcla diez minutos para que las patatas absorban el huevo.

Cuaja la tortilla en una sartén con un poco de aceite, dale la vuelta con ayuda de un plato y
termina de hacerla por el otro lado. Dos o tres minutos por cada lado bastan si la quieres
jugosa.
"""),
    _Article(
        "bici-trabajo", "cuaderno", "http://es.example.com/bici/ir-al-trabajo-en-bicicleta.html",
        "Ir al trabajo en bicicleta: lo que aprendí en un año", "2024-02-25", "es-ES", body="""
Hace un año decidí dejar el coche en casa y hacer en bicicleta los nueve kilómetros que me separan
de la oficina. Al principio pensaba que duraría un par de semanas. Hoy no me imagino volver atrás.

Lo más difícil no fue el esfuerzo físico, que se nota solo los primeros días, sino la
organización. Tener ropa de recambio en el trabajo, un candado decente y un sitio seguro donde
aparcar resolvió casi todos los problemas que me había imaginado.

La lluvia asusta más de lo que molesta. Con un buen chubasquero y guardabarros, la mayoría de los
días de lluvia son perfectamente llevaderos. Los días realmente malos, que son pocos, tomo el
autobús sin ningún remordimiento.

También he aprendido a elegir calles. El camino más corto casi nunca es el más agradable: prefiero
dar un pequeño rodeo por el parque y las calles tranquilas del barrio antes que pelearme con el
tráfico de la avenida.

Y lo mejor es algo que no esperaba: llego a la oficina de mejor humor, y vuelvo a casa habiendo
dejado el estrés del día en los pedales.
"""),
    _Article(
        "haru-one", "shumatsu", "http://ja.example.org/yama/haru-no-one.html",
        "春の尾根歩き", "2024-04-07", "ja", charset="shift_jis", body="""
週末、久しぶりに近くの低山へ出かけた。駅から登山口までは歩いて二十分ほどで、朝八時にはもう
何組かの登山者が準備をしていた。

[figure photo ridge-spring | 新緑の尾根道 | 新緑がまぶしい尾根道。]

登り始めはしばらく杉林の中の急な階段が続く。息が上がるが、三十分ほどで尾根に出ると急に視界が
開け、風も心地よくなる。ここから山頂までは、なだらかな上り下りを繰り返す歩きやすい道だ。

山頂には小さな祠と展望台があり、晴れていれば遠くの海まで見渡せる。この日は少しかすんでいたが、
それでも街並みと川の流れがよく見えた。持ってきたおにぎりと温かいお茶で、ゆっくりと昼食をとった。

[figure photo summit-shrine | 山頂の小さな祠 | 山頂の祠。登山者が静かに手を合わせていた。]

下りは別の道を選び、沢沿いを歩いて麓の集落へ下りた。途中の茶屋で食べた草餅がとてもおいしかった。
全体で五時間ほどの、ちょうどよい春の山歩きだった。
"""),
    _Article(
        "misoshiru", "shumatsu", "http://ja.example.org/ryouri/misoshiru.html",
        "基本の味噌汁", "2024-01-10", "ja", body="""
味噌汁は毎日の食卓に欠かせない一品だが、だしをきちんととるだけで味がぐっと変わる。ここでは昆布と
かつお節を使った基本の作り方を紹介する。

[figure photo miso-soup | 豆腐とわかめの味噌汁 | 豆腐とわかめの定番の組み合わせ。]

## 材料（二人分）

- 水 400ml
- 昆布 5cm角を一枚
- かつお節 ひとつかみ
- 豆腐 半丁、乾燥わかめ 少々
- 味噌 大さじ二

## 作り方

1. 昆布を水に三十分ほど浸してから弱火にかけ、沸騰する直前に取り出す。
2. 火を止めてかつお節を入れ、二分ほど置いてからこす。
3. だしを温め、さいの目に切った豆腐と戻したわかめを入れる。
4. 火を弱めて味噌を溶き入れ、煮立たせないように注意して火を止める。

味噌を入れたあとに沸騰させると香りが飛んでしまうので、そこだけ気をつければ失敗はない。
"""),
    _Article(
        "brake", "shumatsu", "http://ja.example.org/jitensha/brake-chousei.html",
        "自転車のブレーキを自分で調整する", "2024-02-18", "ja", body="""
ブレーキの効きが悪くなったと感じたら、まずはワイヤーの張りを確認してみよう。多くの場合、特別な
工具がなくても数分で直すことができる。

[srcset photo brake-lever | 自転車のブレーキレバー | ]

ブレーキレバーの付け根には、アジャスターと呼ばれる小さなねじがある。これを反時計回りに回すと
ワイヤーが張られ、レバーを握ったときの遊びが少なくなる。少しずつ回しては、レバーを握って効き具合を
確かめるのがこつだ。

アジャスターだけで調整しきれない場合は、ブレーキ本体側でワイヤーを固定しているボルトをゆるめ、
ワイヤーを引いてから締め直す。このとき、ブレーキシューがリムに正しく当たっているかも一緒に確認
しておきたい。

シューがすり減って溝がなくなっていたら交換の時期だ。安全に関わる部品なので、少しでも不安があれば
自転車店に相談しよう。
"""),
    _Article(
        "bowuguan", "manbu", "http://zh.example.net/bowuguan/zhoumo-bowuguan.html",
        "周末去看了城市博物馆的新展", "2024-03-03", "zh-CN", body="""
这个周末和朋友一起去了城市博物馆，看了刚刚开幕的老城区生活展。展览不大，但内容很用心，我们不知
不觉就待了整整一个下午。

[figure photo museum-hall | 博物馆展厅里的老式店铺模型 | 按原样复原的老街杂货铺。]

展览的第一部分复原了一条老街，有杂货铺、理发店和裁缝铺。柜台上摆着当年的秤、算盘和玻璃糖罐，
旁边的屏幕播放着老居民的采访，讲他们小时候在街上玩耍的故事。

最让我印象深刻的是一组老照片，记录了河边码头从繁忙到安静的变化。很多照片是附近居民捐赠的，每一
张下面都写着拍摄者的名字和简短的回忆。

[figure gray old-dock | 黑白老照片中的河边码头 | 上世纪五十年代的码头，由居民捐赠。]

博物馆周一闭馆，其他时间免费参观，但周末人比较多，建议提前在网上预约。
"""),
    _Article(
        "fanqie", "manbu", "http://zh.example.net/yuanyi/yangtai-fanqie.html",
        "在阳台上种番茄的一点经验", "2023-09-09", "zh-CN", body="""
去年春天第一次在阳台上种番茄，从一颗种子到吃上自己种的果实，前后大概花了四个月。这里简单记录
一下过程和踩过的坑。

首先是花盆要够大。一开始我用的是小花盆，植株长到半米高就开始缺水，叶子每天中午都会打蔫。换成
二十升左右的大盆以后，情况明显好转。

其次是光照。番茄非常喜欢阳光，每天至少需要六个小时的直射光。我家阳台朝南，这一点比较幸运。
如果光照不足，植株会长得又细又高，开花也少。

浇水要见干见湿，不要每天少量地浇。结果以后每周追一次肥，果实会更饱满。侧枝要及时掐掉，不然养分
都被枝叶用掉了。

最后收获了二十多个番茄，虽然不算多，但味道比超市买的浓多了。今年打算再多种两盆。
"""),
)

# Records that are not pages (a stylesheet, a JSON API answer, a 404 page and a revisit), written
# at fixed places in the crawl so that readers meet every record type and status.
_CSS = """/* Trail Notes theme */
:root { --ink: #222; --paper: #fdfcf8; --accent: #2d6a4f; }
body { margin: 0; font: 17px/1.6 Georgia, serif; color: var(--ink); background: var(--paper); }
.site-header, .site-footer { padding: 1rem 2rem; background: #eef3ee; }
.site-header nav ul { display: flex; gap: 1rem; list-style: none; padding: 0; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
figure { margin: 2rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #555; }
.cookie-banner { position: fixed; bottom: 0; left: 0; right: 0; padding: 1rem; background: #fff; }
.share-bar a { margin-right: .5rem; } .sidebar { font-size: .9rem; }
"""

_NOT_FOUND_URL = "http://blog.example.org/2019/05/old-route-closed.html"
_CSS_URL = "http://blog.example.org/static/site.css"
_JSON_URL = "http://news.example.com/api/latest.json"
_REVISIT_OF = "trail-ridge"

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

    fig: _Fig
    main: _ImageAsset
    variants: dict[int, dict[str, _ImageAsset]] = field(default_factory=dict)
    """width -> format -> asset, for `picture` and `srcset` markup."""


@dataclass
class _Page:
    article: _Article
    site: _Site
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
    """The mini-markup of `_ARTICLES` as (block type, payload) pairs in reading order.

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
        elif re.match(r"\[(%s) " % "|".join(_FIG_MARKUPS), first):
            fig = _FIG_RE.match(" ".join(lines))
            if fig is None:
                raise ValueError(f"malformed image block: {chunk!r}")
            markup, kind, name, alt, caption = fig.groups()
            blocks.append(("fig", _Fig(markup, kind, name, alt.strip(), caption.strip())))
        else:
            blocks.append(("p", joiner.join(lines)))
    return blocks


def _article_body(article: _Article, by_key: dict[str, _Article]) -> str:
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
        data = _encode(img, fmt)
        if archive_base is not None:
            return self._add(_ImageAsset(urljoin(archive_base, filename), "warc", kind, fmt,
                                         img.width, img.height, data))
        rel = f"img/{filename}"
        return self._add(_ImageAsset(urljoin(self.image_base_url, rel), "served", kind, fmt,
                                     img.width, img.height, data, rel_path=rel))

    def slot(self, fig: _Fig, owner: _Article) -> _Slot:
        """The image(s) for `fig`, archived next to `owner` or served, per `owner`."""
        layout = _rng(self.seed, "image", fig.name, "layout")
        pixels = _rng(self.seed, "image", fig.name, "pixels")
        archive_base = None
        if owner.warc_images:
            archive_base = owner.base_href or f"http://{urlsplit(owner.url).netloc}/media/"
        if fig.markup == "data":
            img = _paint_diagram(160, 80, pixels, line=True)
            data = _encode(img, "PNG")
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            return _Slot(fig, self._add(_ImageAsset(uri, "data", fig.kind, "PNG", 160, 80, data)))
        width, height = _choose_size(fig.kind, layout)
        if fig.markup in ("picture", "srcset"):
            painted = _paint(fig.kind, 640, round(640 * height / width), pixels)
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
        img = _paint(fig.kind, width, height, pixels)
        return _Slot(fig, self._store(img, f"{fig.name}.{_EXTENSIONS[fmt]}", fig.kind, fmt,
                                      archive_base))

    def ad(self, article: _Article) -> _ImageAsset:
        """A solid-colour banner from an ad server (served, never archived)."""
        width, height = {"mpu": (300, 250), "leaderboard": (728, 90)}[article.ad or ""]
        rng = _rng(self.seed, "ad", article.key)
        fmt = rng.choice(("PNG", "GIF"))
        rel = f"ads/{article.ad}-{article.key}.{_EXTENSIONS[fmt]}"
        img = _paint("solid", width, height, rng)
        return self._add(_ImageAsset(urljoin(self.image_base_url, rel), "served", "solid", fmt,
                                     width, height, _encode(img, fmt), rel_path=rel))

    def pixel(self, url: str, where: str, kind: str, rel_path: str = "") -> _ImageAsset:
        """A 1x1 transparent GIF: the tracker, or a lazy-loading placeholder."""
        existing = self.by_url.get(url)
        if existing is not None:
            return existing
        data = _encode(Image.new("P", (1, 1), 0), "GIF")
        return self._add(_ImageAsset(url, where, kind, "GIF", 1, 1, data, rel_path=rel_path))


def _plan_pages(seed: int, image_base_url: str) -> tuple[list[_Page], _Assets]:
    """Pages in crawl order, with every image they show painted and located."""
    by_key = {article.key: article for article in _ARTICLES}
    if len(by_key) != len(_ARTICLES):
        raise ValueError("duplicate article keys")
    assets = _Assets(seed, image_base_url)
    tracker = assets.pixel(urljoin(image_base_url, "px/t.gif"), "served", "tracker", "px/t.gif")
    groups: dict[str, int] = {}
    for article in _ARTICLES:
        if article.copy_of is not None:
            groups.setdefault(article.copy_of, len(groups))
    slots_by_name: dict[str, _Slot] = {}
    pages: list[_Page] = []
    for article in _ARTICLES:
        site = _SITES[article.site]
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
# Pixels: real image content from seeded shapes, gradients and noise
# ================================================================================================


def _random_colour(rng: random.Random, lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, round(c * factor))) for c in colour)
    return r, g, b


def _texture(img: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Blend in smooth seeded noise, so photos have the texture a filter can measure."""
    w, h = img.size
    small = (max(2, w // 6), max(2, h // 6))
    noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    noise = noise.resize((w, h), Image.Resampling.BICUBIC)
    img = Image.blend(img, Image.merge("RGB", (noise, noise, noise)), strength)
    return img.filter(ImageFilter.BoxBlur(1))


def _paint_landscape(w: int, h: int, rng: random.Random) -> Image.Image:
    gradient = Image.linear_gradient("L").resize((w, h))
    img = ImageOps.colorize(gradient, _random_colour(rng, 60, 200), _random_colour(rng, 150))
    img = img.convert("RGB")
    draw = ImageDraw.Draw(img)
    radius = rng.randint(max(3, h // 14), max(4, h // 7))
    sx, sy = rng.randint(radius, w - radius), rng.randint(radius, max(radius, h // 3))
    draw.ellipse((sx - radius, sy - radius, sx + radius, sy + radius),
                 fill=_random_colour(rng, 200))
    land = _random_colour(rng, 40, 160)
    layers = rng.randint(2, 4)
    for layer in range(layers):
        base = h * (0.45 + 0.5 * (layer + 1) / (layers + 1))
        ridge = [(w * i / 8, base - rng.uniform(0.02, 0.22) * h) for i in range(9)]
        draw.polygon([(0, h), *ridge, (w, h)], fill=_shade(land, 1.2 - 0.25 * layer))
    for _ in range(rng.randint(3, 9)):  # trees
        tx, ty = rng.uniform(0, w), rng.uniform(h * 0.6, h)
        size = rng.uniform(h * 0.04, h * 0.12)
        draw.polygon([(tx, ty - size * 2), (tx - size, ty), (tx + size, ty)],
                     fill=_shade(land, rng.uniform(0.35, 0.6)))
    return _texture(img, rng, 0.12)


def _paint_still_life(w: int, h: int, rng: random.Random) -> Image.Image:
    table = _random_colour(rng, 60, 180)
    img = Image.new("RGB", (w, h), _random_colour(rng, 120, 240))
    draw = ImageDraw.Draw(img)
    horizon = int(h * rng.uniform(0.45, 0.65))
    draw.rectangle((0, horizon, w, h), fill=table)
    for i in range(rng.randint(4, 12)):  # wood grain
        y = horizon + (h - horizon) * i / 12
        draw.line((0, y, w, y + rng.uniform(-4, 4)), fill=_shade(table, 0.85), width=2)
    for _ in range(rng.randint(2, 5)):  # bowls, fruit, jars
        cw, ch = rng.uniform(w * 0.12, w * 0.35), rng.uniform(h * 0.1, h * 0.3)
        cx, cy = rng.uniform(cw / 2, w - cw / 2), rng.uniform(horizon, h - ch / 2)
        colour = _random_colour(rng, 30, 250)
        draw.ellipse((cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2), fill=colour)
        draw.ellipse((cx - cw / 5, cy - ch / 3, cx, cy - ch / 6), fill=_shade(colour, 1.35))
    return _texture(img, rng, 0.1)


def _paint_interior(w: int, h: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (w, h), _random_colour(rng, 90, 220))
    draw = ImageDraw.Draw(img)
    floor = int(h * rng.uniform(0.6, 0.8))
    draw.rectangle((0, floor, w, h), fill=_random_colour(rng, 50, 140))
    for _ in range(rng.randint(2, 4)):  # windows
        ww, wh = rng.uniform(w * 0.08, w * 0.2), rng.uniform(h * 0.2, h * 0.4)
        x, y = rng.uniform(0, w - ww), rng.uniform(h * 0.05, max(h * 0.05, floor - wh))
        draw.rectangle((x, y, x + ww, y + wh), fill=_random_colour(rng, 200),
                       outline=(40, 40, 40), width=3)
    for _ in range(rng.randint(3, 8)):  # furniture, display cases, people
        bw, bh = rng.uniform(w * 0.05, w * 0.25), rng.uniform(h * 0.1, h * 0.4)
        x = rng.uniform(0, w - bw)
        draw.rectangle((x, floor - bh, x + bw, floor + rng.uniform(0, h * 0.1)),
                       fill=_random_colour(rng, 20, 200))
    return _texture(img, rng, 0.1)


def _paint_diagram(w: int, h: int, rng: random.Random, *, line: bool) -> Image.Image:
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    margin = max(6, min(w, h) // 10)
    for i in range(5):  # grid
        y = margin + (h - 2 * margin) * i / 4
        draw.line((margin, y, w - margin, y), fill=(225, 225, 225), width=1)
    draw.line((margin, margin, margin, h - margin), fill=(60, 60, 60), width=2)
    draw.line((margin, h - margin, w - margin, h - margin), fill=(60, 60, 60), width=2)
    values = [rng.uniform(0.1, 1.0) for _ in range(12)]
    colour = _random_colour(rng, 20, 180)
    step = (w - 2 * margin) / len(values)
    if line:
        points = [(margin + step * (i + 0.5), h - margin - v * (h - 2 * margin))
                  for i, v in enumerate(values)]
        draw.line(points, fill=colour, width=2)
    else:
        for i, v in enumerate(values):
            x = margin + step * i + step * 0.15
            draw.rectangle((x, h - margin - v * (h - 2 * margin), x + step * 0.7, h - margin - 1),
                           fill=colour)
    return img


def _paint_icon(side: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (side, side), _random_colour(rng, 180))
    draw = ImageDraw.Draw(img)
    ink = _random_colour(rng, 0, 120)
    pad = max(2, side // 6)
    if rng.random() < 0.5:
        draw.ellipse((pad, pad, side - pad, side - pad), fill=ink)
    else:
        draw.polygon([(side / 2, pad), (side - pad, side - pad), (pad, side - pad)], fill=ink)
    return img


def _paint(kind: str, w: int, h: int, rng: random.Random) -> Image.Image:
    if kind == "solid":
        grey = rng.randint(150, 235)
        colour = (grey, grey, grey) if rng.random() < 0.6 else _random_colour(rng, 60, 240)
        return Image.new("RGB", (w, h), colour)
    if kind == "icon":
        return _paint_icon(w, rng)
    if kind == "diagram":
        return _paint_diagram(w, h, rng, line=rng.random() < 0.5)
    painter = rng.choice((_paint_landscape, _paint_still_life, _paint_interior))
    img = painter(w, h, rng)
    if kind == "gray":
        return ImageOps.autocontrast(img.convert("L"), cutoff=1)
    if kind != "photo":
        raise ValueError(f"unknown image kind {kind!r}")
    return img


def _encode(img: Image.Image, fmt: str) -> bytes:
    """Encode with fixed settings and no metadata, so the bytes depend only on the pixels."""
    out = BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=78)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=70, method=2)
    elif fmt == "PNG":
        if img.mode == "RGB" and img.getcolors(256) is not None:  # flat graphics: palette PNG
            img = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        img.save(out, "PNG")
    elif fmt == "GIF":
        if img.mode == "P":  # the 1x1 pixels: index 0, transparent
            img.save(out, "GIF", transparency=0)
        else:
            img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, "GIF")
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return out.getvalue()


# ================================================================================================
# HTML
# ================================================================================================

_esc = html.escape
_SIZES = "(max-width: 700px) 100vw, 640px"


def _inline(text: str) -> str:
    """Escape text, turning `[label](href)` into links."""
    out, pos = [], 0
    for match in _LINK_RE.finditer(text):
        out.append(_esc(text[pos:match.start()]))
        out.append(f'<a href="{_esc(match[2])}">{_esc(match[1])}</a>')
        pos = match.end()
    out.append(_esc(text[pos:]))
    return "".join(out)


class _PageWriter:
    """Renders one page, recording every image URL it names (resolved the way a browser would)."""

    def __init__(self, page: _Page, seed: int, site_pages: list[_Page], first_of_site: bool):
        self.page = page
        self.ui = _UI[page.lang]
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
        date = _format_date(page.article.date, page.lang)
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
        description = _LINK_RE.sub(r"\1", first_text)[:150]
        out = ["<head>", meta,
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               f"<title>{_esc(article.title)} | {_esc(page.site.name)}</title>",
               f'<meta name="description" content="{_esc(description)}">']
        canonical = article.url
        if article.copy_of is not None:
            canonical = next(a.url for a in _ARTICLES if a.key == article.copy_of)
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
    site, ui = _SITES["trailnotes"], _UI["en"]
    nav = "".join(f'<li><a href="{href}">{_esc(label)}</a></li>' for label, href in site.nav)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
        f"<title>Page not found | {_esc(site.name)}</title>",
        '<meta name="robots" content="noindex">', "</head>", '<body class="error404">',
        f'<header class="site-header"><a class="site-title" href="/">{_esc(site.name)}</a>'
        f"<nav><ul>{nav}</ul></nav></header>",
        '<main id="content"><h1>Page not found</h1>',
        "<p>Sorry, the page you were looking for has moved or no longer exists. The archive "
        'lists every walk by year, or you can <a href="/">start from the home page</a>.</p>',
        "</main>", f'<footer class="site-footer"><p>{_esc(ui["footer"].format(site=site.name))}'
        "</p></footer>", "</body>", "</html>", ""])


def _render_json(pages: list[_Page]) -> bytes:
    latest = [{"title": p.article.title, "url": p.url, "published": p.article.date}
              for p in pages if p.site.key == "gazette"]
    return json.dumps({"site": _SITES["gazette"].name, "articles": latest}, indent=2,
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
    ip_by_host = {site.host: site.ip for site in _SITES.values()}
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
            plain(_CSS_URL, "text/css", _CSS.encode("utf-8"), 200)
        if index == _NOT_FOUND_AFTER_PAGE:
            plain(_NOT_FOUND_URL, "text/html; charset=utf-8", _render_not_found().encode(), 404)
        if index == _JSON_AFTER_PAGE:
            plain(_JSON_URL, "application/json", _render_json(pages), 200)

    index = next(i for i, page in enumerate(pages) if page.article.key == _REVISIT_OF)
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
        "other_records": {"stylesheet": _CSS_URL, "json": _JSON_URL,
                          "not_found": _NOT_FOUND_URL,
                          "revisit": next(a.url for a in _ARTICLES if a.key == _REVISIT_OF)},
    }
