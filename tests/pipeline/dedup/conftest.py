"""Dedup test data: the text weft extracts from real saved pages, and near-duplicates of it made
by replacing words at positions chosen by a hash (no RNG state)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from weft.pipeline.dedup.text import normalise, shingles
from weft.pipeline.extract.extractor import extract
from weft.schemas.document import TextBlock


def page_text(shared_data: Path, name: str) -> str:
    """The text blocks `extract` keeps from a real page (`readability/<name>/source.html` or
    `trafilatura/<name>.html`), paragraphs separated by a blank line."""
    path = shared_data / "html" / "readability" / name / "source.html"
    if not path.is_file():
        path = shared_data / "html" / "trafilatura" / f"{name}.html"
    page = extract(path.read_text(encoding="utf-8", errors="replace"), f"http://test.example/{name}")
    return "\n\n".join(s.text for s in page.segments if isinstance(s, TextBlock))


@pytest.fixture(scope="session")
def pages(shared_data: Path) -> dict[str, str]:
    """Real pages in several languages and scripts, by name."""
    names = ["aclu", "bbc-1", "nytimes-1", "wikipedia", "medium-3", "heise", "lemonde-1", "folha", "aktualne",
             "hukumusume", "qq", "gmw", "pixnet", "yahoo-4", "spektrum.de.engelbart", "stackoverflow.com.rust"]
    return {name: page_text(shared_data, name) for name in names}


def edit_words(text: str, per_mille: int, salt: str) -> str:
    """`text` normalised, with every word whose hash(salt, position) falls under `per_mille`
    out of 1,000 replaced by a word no page contains."""
    words = normalise(text).split()
    for i in range(len(words)):
        h = int.from_bytes(hashlib.blake2b(f"{salt}:{i}".encode(), digest_size=8).digest(), "big")
        if h % 1000 < per_mille:
            words[i] = f"qzx{h % 99991}"
    return " ".join(words)


def jaccard(a: str, b: str, n: int = 5) -> float:
    """Exact Jaccard of the shingle sets weft signs."""
    sa, sb = set(shingles(normalise(a), n)), set(shingles(normalise(b), n))
    return len(sa & sb) / len(sa | sb)
