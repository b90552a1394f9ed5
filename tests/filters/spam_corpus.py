"""A generator of spam pages for calibrating and testing `spam_heuristics_v1`.

Real spam is not in shared/data (those are articles), so the tests generate the four shapes the
Kosmos-1 heuristics target, with a fixed seed so every run sees the same corpus:

- hashtag soup: a short caption buried in hashtags (social-media reposts, SEO tag clouds);
- emoji spam: promotional lines studded with emoji;
- link farms: lists of keyword anchors with little text (`Document.links` = anchors written),
  sometimes with the URLs spelled out;
- mixed: a paragraph of filler with hashtags, emoji and links each at a moderate rate.

Each page is a `Document` with one image slot (the spam rule looks at text and links only).
`python -m tests.filters.spam_corpus` prints the score distributions of the corpus.
"""

from __future__ import annotations

import random
from typing import Callable, Iterator

from weft.schemas.document import Document, ImageSlot, Provenance, TextBlock, make_doc_id

KINDS = ("hashtag_soup", "emoji_spam", "link_farm", "mixed")

_WORDS = (
    "best cheap online free deal offer sale discount buy now today only limited time casino bonus "
    "win cash prize loan fast easy money weight loss pills crypto invest profit guaranteed click "
    "here subscribe follow like share giveaway exclusive amazing top quality price order shipping"
).split()
_TOPICS = "love instagood photooftheday fashion beautiful happy cute tbt like4like followme picoftheday " \
          "follow me selfie summer art instadaily friends repost nature girl fun style smile food " \
          "travel fitness life beauty amazing sunset motivation crypto bitcoin sale giveaway".split()
_EMOJI = list("🔥💯👉👈✅❤😍🎉💰🤑⚡⭐🚀😂🙌👍💥🎁📢🛒") + ["🇺🇸", "👨\u200d💻", "👍🏽", "❤\ufe0f"]
_SITES = "casino-bonus pills-online cheap-loans crypto-profit weight-fast replica-watch essay-writer".split()

_PROVENANCE = Provenance(
    warc_file="generated", warc_record_offset=0, warc_record_length=0, warc_record_id="<urn:uuid:generated>",
    warc_date="2024-01-01T00:00:00Z", target_uri="https://spam.example/", http_content_type="text/html",
    charset="utf-8", charset_source="http-header",
)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _hashtags(rng: random.Random, n: int) -> str:
    return " ".join("#" + rng.choice(_TOPICS) + (str(rng.randint(1, 99)) if rng.random() < 0.2 else "") for _ in range(n))


def _emoji(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_EMOJI) for _ in range(n))


def _url(rng: random.Random) -> str:
    return f"https://{rng.choice(_SITES)}-{rng.randint(1, 999)}.example/{rng.choice(_WORDS)}"


def hashtag_soup(rng: random.Random) -> tuple[str, int]:
    caption = _words(rng, rng.randint(4, 20)).capitalize() + "."
    tags = _hashtags(rng, rng.randint(8, 30))
    extra = " " + _emoji(rng, rng.randint(1, 4)) if rng.random() < 0.5 else ""
    return f"{caption}{extra}\n\n{tags}", rng.randint(0, 3)


def emoji_spam(rng: random.Random) -> tuple[str, int]:
    lines = []
    for _ in range(rng.randint(3, 12)):
        lines.append(f"{_emoji(rng, rng.randint(1, 4))} {_words(rng, rng.randint(3, 10)).upper()} {_emoji(rng, rng.randint(1, 4))}")
    return "\n\n".join(lines), rng.randint(0, 5)


def link_farm(rng: random.Random) -> tuple[str, int]:
    anchors = rng.randint(15, 120)
    intro = _words(rng, rng.randint(5, 40)).capitalize() + "."
    items = []
    for _ in range(anchors):
        item = _words(rng, rng.randint(1, 4))
        if rng.random() < 0.25:
            item += " " + _url(rng)
        items.append(item)
    return intro + "\n\n" + "\n\n".join(items), anchors


def mixed(rng: random.Random) -> tuple[str, int]:
    words = rng.randint(40, 200)
    pieces = []
    for _ in range(words):
        pieces.append(rng.choice(_WORDS))
        r = rng.random()
        if r < 0.07:
            pieces.append(_hashtags(rng, 1))
        elif r < 0.14:
            pieces.append(_emoji(rng, 1))
        elif r < 0.17:
            pieces.append(_url(rng))
    return " ".join(pieces), int(words * rng.uniform(0.05, 0.2))


GENERATORS: dict[str, Callable[[random.Random], tuple[str, int]]] = {
    "hashtag_soup": hashtag_soup, "emoji_spam": emoji_spam, "link_farm": link_farm, "mixed": mixed,
}


def spam_documents(per_kind: int = 200, seed: int = 1234) -> Iterator[tuple[str, Document]]:
    """(kind, document) pairs, `per_kind` of each kind, the same for the same seed."""
    for kind in KINDS:
        rng = random.Random(f"{seed}:{kind}")
        for i in range(per_kind):
            text, links = GENERATORS[kind](rng)
            url = f"https://spam.example/{kind}/{i}"
            yield kind, Document(
                doc_id=make_doc_id(url, f"<urn:uuid:{kind}-{i}>"),
                url=url,
                segments=[TextBlock(text), ImageSlot(url=f"{url}.jpg", raw_value=f"{i}.jpg", source_attr="src")],
                provenance=_PROVENANCE,
                links=links,
            )


if __name__ == "__main__":
    import statistics

    from weft.filters.spam import SpamHeuristics

    rule = SpamHeuristics()
    by_kind: dict[str, list[dict[str, float]]] = {}
    for kind, doc in spam_documents():
        by_kind.setdefault(kind, []).append({k: float(v) for k, v in rule.score(doc).items()})
    for kind, rows in by_kind.items():
        dropped = sum(1 for r in rows if not rule.decide(r).keep)  # type: ignore[arg-type]
        print(f"{kind}: {dropped}/{len(rows)} dropped")
        for score in ("emoji_ratio", "hashtag_ratio", "link_ratio", "spam_ratio"):
            values = [r[score] for r in rows]
            print(f"  {score:14s} min {min(values):.3f}  median {statistics.median(values):.3f}  max {max(values):.3f}")
