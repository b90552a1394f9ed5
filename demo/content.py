"""What the demo crawl says: its sites, articles, interface strings and fixed URLs.

This is the authored half of `weft.demo.crawl`, split off so the generator reads as code and
the texts can be read and edited as texts. Nothing here depends on the seed: the sites, the
article bodies (written for this project, in six languages, two of them later encoded in legacy
charsets), the boilerplate strings per language, the stylesheet and the URLs of the records that
are not pages are the same in every build. `weft.demo.crawl` plans pages from them, decides
what the seed varies, renders the HTML and writes the WARC. Article bodies are written in the
mini-markup described above `ARTICLES`, which `weft.demo.crawl` parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Site", "Article", "Fig", "FIG_MARKUPS", "FIG_RE", "LINK_RE", "UI", "format_date", "SITES",
    "ARTICLES", "CSS", "NOT_FOUND_URL", "CSS_URL", "JSON_URL", "REVISIT_OF",
]


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


UI: dict[str, dict[str, Any]] = {
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


def format_date(iso: str, lang: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    if lang == "en":
        return f"{day} {_MONTHS_EN[month - 1]} {year}"
    if lang == "de":
        return f"{day:02d}.{month:02d}.{year}"
    if lang in ("fr", "es"):
        return f"{day:02d}/{month:02d}/{year}"
    return f"{year}年{month}月{day}日"


_NAV_EN = (("Home", "/"), ("Archive", "/archive/"), ("About", "/about/"))

SITES: dict[str, Site] = {
    site.key: site
    for site in (
        Site("trailnotes", "blog.example.org", "Trail Notes",
              "Walking, weather and the occasional cake", "en", "Hannah Reid",
              (("Home", "/"), ("Walks", "/walks/"), ("Gear", "/gear/"), ("About", "/about/")),
              trackers=True, ip="192.0.2.11"),
        Site("kitchen", "recipes.example.com", "The Small Kitchen",
              "Everyday cooking for small kitchens", "en", "Tomás Ferreira",
              (("Recipes", "/"), ("Soups", "/soups/"), ("Bread", "/bread/"),
               ("Preserves", "/preserves/")), ip="192.0.2.12"),
        Site("spokes", "bikes.example.net", "Spokes & Sprockets",
              "Bike maintenance without the jargon", "en", "Dev Patel",
              (("Guides", "/guides/"), ("Tools", "/tools/"), ("About", "/about/")),
              ip="192.0.2.13"),
        Site("gazette", "news.example.com", "Riverside Gazette",
              "News for Riverside and the valley", "en", "Staff reporter",
              (("Local", "/local/"), ("Sport", "/sport/"), ("Opinion", "/opinion/"),
               ("Events", "/events/")), trackers=True, ip="192.0.2.14"),
        Site("plot17", "www.example.org", "Plot 17", "An allotment diary", "en",
              "Margaret Oyelaran", (("Garden", "/garden/"), ("Diary", "/garden/diary/")),
              ip="192.0.2.15"),
        Site("museum", "museum.example.net", "Friends of the City Museum",
              "News and notes from the museum's volunteers", "en", "Ruth Adler",
              (("Blog", "/blog/"), ("Visit", "/visit/"), ("Membership", "/join/")),
              ip="192.0.2.16"),
        Site("slowtrips", "www.example.com", "Slow Trips", "Day trips by train", "en",
              "Aled Jones", _NAV_EN, ip="192.0.2.17"),
        Site("digest", "digest.example.com", "The Daily Digest",
              "The best of the web, every morning", "en", "Digest editors",
              (("Today", "/"), ("Bikes", "/bikes/"), ("Local", "/local/")), trackers=True,
              ip="192.0.2.18"),
        Site("deals", "deals.example.net", "MEGA DEALS 4 U", "Best prices EVERY DAY!!!", "en",
              "Admin", (("HOT", "/hot/"), ("NEW", "/new/"), ("WIN", "/win/")), trackers=True,
              ip="192.0.2.19"),
        Site("draussen", "de.example.org", "Draußen unterwegs", "Wandern, Kochen, Gärtnern",
              "de", "Jonas Albrecht",
              (("Start", "/"), ("Wandern", "/wandern/"), ("Kochen", "/kochen/"),
               ("Garten", "/garten/")), ip="192.0.2.20"),
        Site("fundstuecke", "www.example.net", "Netzfundstücke", "Gesammelte Artikel", "de",
              "Redaktion", (("Start", "/de/"), ("Garten", "/de/garten/")), ip="192.0.2.21"),
        Site("carnet", "fr.example.net", "Carnet du dimanche",
              "Balades, cuisine et jardin", "fr", "Claire Dubois",
              (("Accueil", "/"), ("Musées", "/musees/"), ("Cuisine", "/cuisine/"),
               ("Jardin", "/jardin/")), ip="192.0.2.22"),
        Site("cuaderno", "es.example.com", "Cuaderno de campo",
              "Rutas, cocina y bicicleta", "es", "Lucía Navarro",
              (("Inicio", "/"), ("Rutas", "/rutas/"), ("Cocina", "/cocina/"), ("Bici", "/bici/")),
              ip="192.0.2.23"),
        Site("shumatsu", "ja.example.org", "週末ノート", "山歩きと台所の記録", "ja", "佐藤 みどり",
              (("ホーム", "/"), ("山歩き", "/yama/"), ("料理", "/ryouri/"),
               ("自転車", "/jitensha/")), ip="192.0.2.24"),
        Site("manbu", "zh.example.net", "城市漫步笔记", "博物馆、阳台和日常", "zh", "林晓",
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
ARTICLES: tuple[Article, ...] = (
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
        "chain-clean-digest", "digest", "http://digest.example.com/bikes/clean-your-chain/",
        "How to clean your bike chain (in about ten minutes)", "2024-02-03", "en-US",
        copy_of="chain-clean", foreign_refs="protocol-relative", edits=(
            ("A clean chain shifts better", "A clean bicycle chain shifts better"),
            ("some degreaser and ten minutes will do.",
             "some degreaser and about ten minutes are enough."),
        )),
    Article(
        "chain-clean-print", "spokes", "http://bikes.example.net/print/clean-your-chain.html",
        "Clean your chain in ten minutes", "2024-01-27", "en-GB", copy_of="chain-clean",
        print_layout=True, edits=(("How often? After", "How often should you do this? After"),)),
    Article(
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
    Article(
        "library-digest", "digest", "http://digest.example.com/local/riverside-library-reopens/",
        "Riverside library reopens after renovation", "2024-03-17", "en-US", copy_of="library",
        edits=(
            ("reopened on Saturday after", "reopened at the weekend after"),
            ("Opening hours are now", "The new opening hours are"),
        )),
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
        "kraeuter-copy", "fundstuecke", "http://www.example.net/de/garten/balkonkraeuter.html",
        "Balkonkräuter: was wirklich funktioniert", "2023-06-20", "de-DE", copy_of="kraeuter",
        edits=(
            ("hier meine ehrliche Bilanz", "hier meine persönliche Bilanz"),
            ("Mein wichtigster Tipp", "Der wichtigste Tipp"),
        )),
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
    Article(
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
CSS = """/* Trail Notes theme */
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

NOT_FOUND_URL = "http://blog.example.org/2019/05/old-route-closed.html"
CSS_URL = "http://blog.example.org/static/site.css"
JSON_URL = "http://news.example.com/api/latest.json"
REVISIT_OF = "trail-ridge"
