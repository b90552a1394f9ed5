"""Which dedup passes a job runs and with what parameters, read from its `dedup`-stage rules.

The rules (`filters/dedup.py`) are what a user writes in a job spec; the barrier needs the same
facts as plain settings on the driver and in the workers (which passes, the MinHash parameters,
how many keys per exchange partition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from weft.filters.dedup import DedupMinHash, DedupText, DedupUrl
from weft.filters.registry import build
from weft.pipeline.dedup.buckets import BucketLimits
from weft.pipeline.dedup.minhash import MinHashConfig

ROWS_PER_PARTITION = 20_000
"""Rows per partition of a dedup exchange (key rows, star half-edges, member rows): about 2.4 MB
of key rows (119 bytes a row on the bench WARC, since a band row names its signature by text
hash; 10 MB when the signature rode along), about 13 MB of member rows with their signatures;
the count comes from the data, never from the cluster, so partitions
are the same on any executor. A partition is what one reduce holds, with a few copies while it
sorts and verifies buckets: at 200,000 rows that grew a one-core job's peak from 295 MB at 1,000
pages to 504 MB at 20,000 (`benchmarks/bench_vs_datatrove.py --only 'weft local'`); at 20,000
rows (and the in-process executor spilling past 32 MB) 8,000 pages peaked at 305 MB, 34 MB over
the documents phase."""


@dataclass(frozen=True)
class DedupSettings:
    url: bool = False
    text: bool = False
    minhash: MinHashConfig | None = None
    limits: BucketLimits = BucketLimits()
    rows_per_partition: int = ROWS_PER_PARTITION

    @classmethod
    def from_filters(cls, specs: Iterable[dict[str, Any]]) -> "DedupSettings | None":
        """The job's settings, or None when it lists no dedup rule."""
        specs = list(specs)
        rules = build(specs).stage("dedup").filters if specs else ()
        if not rules:
            return None
        minhash = next((r for r in rules if isinstance(r, DedupMinHash)), None)
        config = limits = None
        if minhash is not None:
            p = minhash.params
            config = MinHashConfig(num_perm=p.num_perm, ngram=p.ngram, threshold=p.threshold, seed=p.seed,
                                   weights=(1.0 - p.false_negative_weight, p.false_negative_weight))
            limits = BucketLimits(exact=p.max_exact_bucket, anchors=p.bucket_anchors)
        return cls(
            url=any(isinstance(r, DedupUrl) for r in rules),
            text=any(isinstance(r, DedupText) for r in rules),
            minhash=config,
            limits=limits or BucketLimits(),
            rows_per_partition=ROWS_PER_PARTITION,
        )

    @property
    def content(self) -> bool:
        """Whether documents are compared by their text (the graph of clusters exists)."""
        return self.text or self.minhash is not None

    def partitions(self, rows: int) -> int:
        return max(1, math.ceil(rows / self.rows_per_partition))

    def manifest(self) -> dict[str, Any]:
        return {
            "passes": [name for name, on in (("url", self.url), ("text", self.text), ("minhash", self.minhash is not None)) if on],
            "minhash": self.minhash.manifest() if self.minhash is not None else None,
            "bucket_limits": {"exact": self.limits.exact, "anchors": self.limits.anchors},
        }
