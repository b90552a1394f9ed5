"""Data for the dedup benchmarks: real page texts, near-duplicates made from them at controlled
edit rates, exact Jaccard on the same shingles weft signs, and a large generated corpus.

Everything random is drawn from a numpy generator seeded by BLAKE2b(seed, what it is for), one
per page and variant, so every document depends only on the seed and its own name: the same
set comes out whatever is generated first or how much of it.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

import numpy as np

from bench_warcs import SHARED_HTML
from weft.pipeline.dedup.text import normalise, shingles
from weft.pipeline.extract.extractor import extract
from weft.schemas.document import TextBlock

EDIT_RATES = (0.01, 0.02, 0.03, 0.05, 0.10, 0.20, 0.40)
"""Shares of words replaced. With 5-word shingles a share r leaves about (1-r)^5 of the shingles
intact, so Jaccard is about 0.91, 0.82, 0.75, 0.63, 0.42, 0.20, 0.04: the 2% and 3% rates
straddle the 0.8 threshold, the 5% and 10% ones are the pairs near 0.5 that must stay apart."""

BOILERPLATE_HEAD = (
    "Skip to main content. Home News Sport Business Technology Science Health Culture Travel Video "
    "Subscribe Sign in Register. We use cookies to give you the best experience on our website. By "
    "continuing to browse you agree to our use of cookies. Accept all cookies Manage preferences."
)
BOILERPLATE_TAIL = (
    "Share this article on Facebook Twitter LinkedIn Email. Related stories you may have missed. "
    "About us Contact us Careers Advertise with us Terms of use Privacy policy Cookie policy "
    "Accessibility Help. Copyright 2024 All rights reserved. Follow us on social media. Sign up for "
    "our newsletter to get the latest news delivered to your inbox every morning."
)


def rng(seed: int, *what: object) -> np.random.Generator:
    """A generator for one named purpose: seeded from BLAKE2b of (seed, what), not from state."""
    digest = hashlib.blake2b(repr((seed, *what)).encode(), digest_size=16).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def real_texts(min_words: int = 80) -> list[tuple[str, str]]:
    """(name, text) of every real saved page with at least `min_words` words, as weft extracts
    it: the text blocks of `extract(source.html)`, paragraphs separated by a blank line."""
    files = sorted(SHARED_HTML.glob("readability/*/source.html")) + sorted(SHARED_HTML.glob("trafilatura/*.html"))
    if not files:
        raise SystemExit(f"no real pages under {SHARED_HTML} (set WEFT_SHARED_DATA)")
    out: list[tuple[str, str]] = []
    for path in files:
        name = path.parent.name if path.name == "source.html" else path.stem
        page = extract(path.read_text(encoding="utf-8", errors="replace"), f"http://bench.example.org/{name}")
        text = "\n\n".join(s.text for s in page.segments if isinstance(s, TextBlock))
        if len(normalise(text).split()) >= min_words:
            out.append((name, text))
    return out


def vocabulary(texts: list[str]) -> np.ndarray:
    """The distinct normalised words of `texts`, sorted: what an edit replaces a word with."""
    return np.array(sorted({w for t in texts for w in normalise(t).split()}))


def edited(text: str, rate: float, vocab: np.ndarray, gen: np.random.Generator) -> str:
    """`text` (normalised) with round(rate * words) words, at distinct positions, replaced by
    vocabulary words other than the one they replace."""
    words = normalise(text).split()
    count = round(rate * len(words))
    for at in gen.choice(len(words), size=count, replace=False):
        new = words[at]
        while new == words[at]:
            new = str(vocab[gen.integers(len(vocab))])
        words[at] = new
    return " ".join(words)


def reordered(text: str, gen: np.random.Generator) -> str:
    """The paragraphs of `text` in another order (blocks of lines when it has few paragraphs)."""
    parts = [p for p in text.split("\n\n") if p.strip()]
    if len(parts) < 4:
        parts = [p for p in text.split("\n") if p.strip()]
    order = gen.permutation(len(parts))
    if len(parts) > 1 and (order == np.arange(len(parts))).all():
        order = np.roll(order, 1)
    return "\n\n".join(parts[i] for i in order)


def with_boilerplate(text: str) -> str:
    return f"{BOILERPLATE_HEAD}\n\n{text}\n\n{BOILERPLATE_TAIL}"


@dataclass(frozen=True)
class Doc:
    name: str
    family: str
    """The real page it was made from."""
    kind: str
    """`original`, `edit_<pct>`, `reordered` or `boilerplate`."""
    text: str


def labelled_set(seed: int = 7) -> list[Doc]:
    """Every real page, and from each: one edit per `EDIT_RATES`, its paragraphs reordered, and
    boilerplate added around it. Pages of different families are the unrelated pairs."""
    pages = real_texts()
    vocab = vocabulary([t for _, t in pages])
    docs: list[Doc] = []
    for name, text in pages:
        docs.append(Doc(name, name, "original", text))
        for rate in EDIT_RATES:
            kind = f"edit_{round(rate * 100)}pct"
            docs.append(Doc(f"{name}/{kind}", name, kind, edited(text, rate, vocab, rng(seed, name, kind))))
        docs.append(Doc(f"{name}/reordered", name, "reordered", reordered(text, rng(seed, name, "reordered"))))
        docs.append(Doc(f"{name}/boilerplate", name, "boilerplate", with_boilerplate(text)))
    return docs


def exact_jaccards(texts: list[str], ngram: int) -> dict[tuple[int, int], float]:
    """Exact Jaccard of the shingle sets (the ones weft signs) of every pair sharing a shingle;
    pairs not listed share none (Jaccard 0)."""
    sets = [set(shingles(normalise(t), ngram)) for t in texts]
    index: dict[bytes, list[int]] = {}
    for i, s in enumerate(sets):
        for sh in s:
            index.setdefault(sh, []).append(i)
    pairs = {pair for ids in index.values() for pair in itertools.combinations(ids, 2)}
    return {(i, j): len(sets[i] & sets[j]) / len(sets[i] | sets[j]) for i, j in pairs}


def generated_corpus(count: int, words: int, seed: int = 11) -> tuple[list[str], dict[str, int]]:
    """`count` documents of about `words` words drawn (Zipf-like) from the real pages'
    vocabulary, of which: 10% near-duplicates (1-3% of words edited) of a random earlier
    document, 1% exact copies, and one templated family of 1,000 pages, each the template with 0.3%
    of its words edited (buckets larger than `BucketLimits.exact`). Returns the texts and what was
    planted."""
    vocab = vocabulary([t for _, t in real_texts()])
    cdf = np.cumsum(1.0 / np.arange(1, len(vocab) + 1))
    cdf /= cdf[-1]
    gen = rng(seed, "corpus", count, words)
    by_rank = vocab[gen.permutation(len(vocab))]

    def draw(g: np.random.Generator) -> str:
        return " ".join(by_rank[np.minimum(np.searchsorted(cdf, g.random(words)), len(vocab) - 1)])

    template = draw(gen)
    texts: list[str] = []
    planted = {"near": 0, "exact": 0, "templated": 0}
    templated = set(range(7, count, max(1, count // 1000)))
    for i in range(count):
        g = rng(seed, "doc", i)
        roll = g.random()
        if i in templated:
            texts.append(edited(template, 0.003, vocab, g))
            planted["templated"] += 1
        elif i > 0 and roll < 0.10:
            texts.append(edited(texts[int(g.integers(i))], float(g.uniform(0.01, 0.03)), vocab, g))
            planted["near"] += 1
        elif i > 0 and roll < 0.11:
            texts.append(texts[int(g.integers(i))])
            planted["exact"] += 1
        else:
            texts.append(draw(g))
    return texts, planted
