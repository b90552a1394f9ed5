"""What a report shows beyond the manifest, gathered in one streaming pass over the ledgers.

The page ledger (`_ledger/*.parquet`, one row per page) gives images per kept document, the
language scores, the domains and which documents to show; the fetch ledger
(`_ledger/images/*.parquet`, one row per image slot of a written document) gives image sizes.
Both are read a batch at a time and reduced to bounded aggregates (histogram bins, counters, a
bottom-k sample), so a job of millions of pages reports in memory that does not grow with it,
except the domain counter, which grows with the number of distinct hosts.

Which documents are shown is decided by `hash_uniform(SAMPLE_SEED, doc_id)`, never by RNG state:
the same job always shows the same documents. The seed is the rejects sampler's, so the few
dropped documents shown per reason are among those `_rejects/` keeps, with their text.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pyarrow.parquet as pq

from weft.filters.hashing import hash_uniform

SAMPLE_SEED = 0
"""The seed of `filters.rejects.RejectsSampler` as the job runs it (`pipeline/rules/stage.py`)."""
LANGUAGE_BINS = 20
SIZE_POINTS = 4000
"""Image sizes kept for the scatter plot (a hash-chosen sample when there are more slots)."""
_BATCH = 4096


@dataclass(frozen=True)
class SampleSize:
    kept: int = 24
    """Kept documents shown (with their images)."""
    per_reason: int = 3
    """Dropped or failed documents shown per reason (at most the rejects sample's 20)."""


@dataclass
class LanguageScores:
    """The language rule's scores: P(target language) in `LANGUAGE_BINS` bins, for the pages the
    rule kept and those it dropped, and the top language fastText saw on each page."""

    rule: str
    target: str
    """The score key of the target language's probability, e.g. `en_prob`."""
    kept: list[int] = field(default_factory=lambda: [0] * LANGUAGE_BINS)
    dropped: list[int] = field(default_factory=lambda: [0] * LANGUAGE_BINS)
    top_language: Counter[str] = field(default_factory=Counter)

    def add(self, prob: float, lang: str | None, dropped: bool) -> None:
        b = min(LANGUAGE_BINS - 1, max(0, int(prob * LANGUAGE_BINS)))
        (self.dropped if dropped else self.kept)[b] += 1
        if lang:
            self.top_language[lang] += 1


@dataclass
class LedgerFacts:
    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    images_per_kept_doc: Counter[int] = field(default_factory=Counter)
    domains_kept: Counter[str] = field(default_factory=Counter)
    domains_dropped: Counter[str] = field(default_factory=Counter)
    languages: list[LanguageScores] = field(default_factory=list)
    image_slots: int = 0
    image_sizes: list[tuple[int, int, bool, str]] = field(default_factory=list)
    """(width, height, kept, status) of up to SIZE_POINTS decoded images (hash-chosen)."""
    kept_sample: list[dict[str, Any]] = field(default_factory=list)
    """Ledger rows of the kept documents to show, in hash order."""
    dropped_sample: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Ledger rows of the dropped or failed documents to show, by ledger reason."""


def _ledger_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.parquet")) if directory.is_dir() else []


def _batches(files: list[Path], columns: list[str]) -> Iterator[list[dict[str, Any]]]:
    for path in files:
        pf = pq.ParquetFile(path)
        present = [c for c in columns if c in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=_BATCH, columns=present):
            yield batch.to_pylist()


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "?").lower()
    except ValueError:
        return "?"


def gather(root: Path, sample: SampleSize = SampleSize()) -> LedgerFacts:
    """One pass over `root`'s page ledger and one over its fetch ledger."""
    facts = LedgerFacts()
    languages: dict[str, LanguageScores] = {}
    kept_heap: list[tuple[float, str, dict[str, Any]]] = []
    dropped_heaps: dict[str, list[tuple[float, str, dict[str, Any]]]] = {}
    columns = ["doc_id", "url", "outcome", "reason", "detail", "shard", "images", "provenance", "filter_scores"]
    for rows in _batches(_ledger_files(root / "_ledger"), columns):
        for row in rows:
            facts.pages += 1
            outcome = row["outcome"]
            facts.outcomes[outcome] += 1
            host = _host(row["url"])
            kept = outcome == "kept"
            (facts.domains_kept if kept else facts.domains_dropped)[host] += 1
            if kept:
                facts.images_per_kept_doc[int(row["images"] or 0)] += 1
            scores = json.loads(row["filter_scores"]).get("scores", {}) if row["filter_scores"] else {}
            for key, s in scores.items():  # a language rule scores `lang`, `lang_prob` and its target's `<code>_prob`
                target = next((k for k in s if k.endswith("_prob") and k != "lang_prob"), None) if "lang_prob" in s else None
                if target is None:
                    continue
                lang = languages.setdefault(key, LanguageScores(key, target))
                lang.add(float(s[target]), s.get("lang"), dropped=(row["reason"] or "").startswith(f"{key}:"))
            h = hash_uniform(SAMPLE_SEED, row["doc_id"])
            if kept:
                _bottom_k(kept_heap, sample.kept, h, row)
            else:
                _bottom_k(dropped_heaps.setdefault(row["reason"] or outcome, []), sample.per_reason, h, row)
    facts.languages = list(languages.values())
    facts.kept_sample = [row for _h, _id, row in sorted(((-h, i, r) for h, i, r in kept_heap))]
    facts.dropped_sample = {reason: [row for _h, _id, row in sorted(((-h, i, r) for h, i, r in heap))]
                            for reason, heap in sorted(dropped_heaps.items())}
    size_heap: list[tuple[float, str, dict[str, Any]]] = []
    for rows in _batches(_ledger_files(root / "_ledger" / "images"), ["doc_id", "url", "kept", "status", "width", "height"]):
        for row in rows:
            facts.image_slots += 1
            if row["width"] is None or row["height"] is None:
                continue
            _bottom_k(size_heap, SIZE_POINTS, hash_uniform(SAMPLE_SEED, f"{row['doc_id']}\x00{row['url']}"), row)
    facts.image_sizes = [(r["width"], r["height"], bool(r["kept"]), r["status"]) for _h, _i, r in sorted(size_heap, key=lambda t: t[1])]
    return facts


def _bottom_k(heap: list[tuple[float, str, dict[str, Any]]], k: int, h: float, row: dict[str, Any]) -> None:
    """Keep the `k` rows with the smallest hash (a max-heap by negated hash)."""
    if k <= 0:
        return
    item = (-h, row["doc_id"] + "\x00" + (row.get("url") or ""), row)
    if len(heap) < k:
        heapq.heappush(heap, item)
    elif item[0] > heap[0][0]:
        heapq.heapreplace(heap, item)
