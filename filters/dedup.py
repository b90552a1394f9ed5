"""Duplicate removal as rules: same URL, same text, near-duplicate text (MinHash).

Unlike the other rules, these cannot decide from one document: whether a page is a duplicate
depends on every other page of the job. The job's dedup barrier (`pipeline/dedup/`, planned in
`pipeline/run/plan.py`) finds the clusters once every chunk has passed the text rules, and
attaches to each surviving document what it found (`DedupInfo`: the kept document it duplicates,
which pass found it, the estimated Jaccard). These rules then decide from those facts like any
rule decides from its scores, so dedup drops are counted, sampled into `_rejects/`, written to
the ledger with their reason, and listed by `weft filters list` the way every other drop is.

Which rules a job lists decides which passes run: without `dedup_minhash_v1` no signature is
computed; without `dedup_text_v1`, equal texts are still found by MinHash (Jaccard 1.0) but
dropped as `near_duplicate`. They run at the `dedup` stage, after the text rules (only pages that
passed them are compared, so spam cannot be a representative) and before any image is fetched
(duplicates cost no downloads).

Which copy is kept:

- same URL (`dedup_url_v1`): the latest capture, as OBELICS kept: a crawl that revisits a page
  sees it as it is now. URLs are compared in weft's canonical form (`pipeline.net.urls`).
- same or similar text (`dedup_text_v1`, `dedup_minhash_v1`): one cluster is every document
  linked by equal normalised text or by an estimated Jaccard at or above the threshold
  (connected components), and it keeps its earliest capture (WARC-Date), then the smallest
  doc_id, among the documents the URL pass did not drop. The result does not depend on the
  order of the inputs, the number of workers or of blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from weft.filters.params import FilterParams, param
from weft.filters.rule import DocumentFilter
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.schemas.document import Document

PASS_URL, PASS_TEXT, PASS_MINHASH = "url", "text", "minhash"
PASSES = (PASS_URL, PASS_TEXT, PASS_MINHASH)
"""Which pass found a duplicate: the value of `DedupInfo.duplicate_reason` and of the `pass` score."""


def _facts(doc: Document) -> Scores:
    """What the dedup barrier attached to `doc`, as scores (empty strings when it is kept)."""
    info = doc.dedup
    if info is None:
        return {"duplicate_of": "", "pass": "", "jaccard": 0.0, "cluster_size": 1}
    return {
        "duplicate_of": info.duplicate_of or "",
        "pass": info.duplicate_reason or "",
        "jaccard": round(float(info.jaccard), 4) if info.jaccard is not None else 0.0,
        "cluster_size": int(info.cluster_size or 1),
    }


def _detail(scores: Scores, what: str) -> str:
    jaccard = f", estimated Jaccard {scores['jaccard']:.3f}" if scores["pass"] == PASS_MINHASH else ""
    return f"{what} of {scores['duplicate_of']}{jaccard}"


@dataclass(frozen=True)
class NoParams(FilterParams):
    """The exact passes have nothing to tune."""


class _DedupRule(DocumentFilter):
    """Drops a document when the barrier found it a duplicate in this rule's pass."""

    default_stage = Stage.DEDUP
    finds: ClassVar[str]
    """The pass (`url`, `text`, `minhash`) whose duplicates this rule drops."""
    reason: ClassVar[Enum]
    what: ClassVar[str]
    """How the detail line names the relation, e.g. "earlier capture"."""

    def score(self, doc: Document) -> Scores:
        return _facts(doc)

    def decide(self, scores: Scores) -> Verdict:
        return drop(self.reason, _detail(scores, self.what)) if scores["pass"] == self.finds else KEEP


class DedupUrlReason(str, Enum):
    SAME_URL = "same_url"
    """An earlier capture of a URL the job also has a later capture of."""


class DedupUrl(_DedupRule):
    """Keep only the latest capture of each URL.

    Source: OBELICS deduplicated documents by URL, keeping the most recent capture; a crawl that
    sees a page twice should keep the page as it is now. URLs are compared canonically (scheme
    and host case, default port, fragment), not `http` against `https`. Scores: `duplicate_of`
    (the kept capture's doc_id, empty when kept), `pass`, `jaccard`, `cluster_size`.
    """

    name = "dedup_url_v1"
    Params = NoParams
    Reason = DedupUrlReason
    finds, reason, what = PASS_URL, DedupUrlReason.SAME_URL, "earlier capture"


class DedupTextReason(str, Enum):
    SAME_TEXT = "same_text"
    """The normalised text equals the kept document's."""


class DedupText(_DedupRule):
    """Keep one document of each normalised text (the earliest capture).

    Source: exact-duplicate removal before fuzzy matching, as in datatrove, NeMo Curator and
    RefinedWeb: mirrors, syndicated copies and one page under several URLs are the bulk of web
    duplication, and cost one hash each. The text is case-folded, punctuation and whitespace
    normalised (`pipeline/dedup/text.py`) and hashed (BLAKE2b-128). On the shared Common Crawl
    and archive WARCs (259 pages) this pass removes 17 pages, MinHash 7 more. Scores: as
    `dedup_url_v1`.
    """

    name = "dedup_text_v1"
    Params = NoParams
    Reason = DedupTextReason
    finds, reason, what = PASS_TEXT, DedupTextReason.SAME_TEXT, "same normalised text as"


class DedupMinHashReason(str, Enum):
    NEAR_DUPLICATE = "near_duplicate"
    """In the cluster of a kept document by MinHash LSH (estimated Jaccard >= threshold)."""


@dataclass(frozen=True)
class DedupMinHashParams(FilterParams):
    threshold: float = param(0.8, "Estimated Jaccard similarity of word n-gram sets at or above which two documents are near-duplicates (OBELICS, Gopher and RefinedWeb used about 0.8).", min=0.05, max=1.0)
    num_perm: int = param(128, "MinHash permutations per signature (estimate error ~ sqrt(J(1-J)/num_perm): 0.035 at J=0.8).", min=8, max=1024)
    ngram: int = param(5, "Words per shingle.", min=1, max=32)
    seed: int = param(1, "Seed of the MinHash permutations (recorded in the manifest; equal seeds make signatures of different jobs comparable).", min=0)
    false_negative_weight: float = param(0.5, "How bands and rows are chosen for the threshold, as datasketch's MinHashLSH weights (false positive weight = 1 - this). Every candidate pair is verified, so a higher weight finds more pairs near the threshold for more comparisons.", min=0.0, max=1.0)
    max_exact_bucket: int = param(1024, "LSH buckets up to this many documents have every pair verified; larger ones (templated pages) are verified against anchors.", min=2)
    bucket_anchors: int = param(64, "Anchors per oversized bucket (pipeline/dedup/buckets.py).", min=1)

    def check(self) -> None:
        # A weight of 0 or 1 leaves one of the two error areas unweighted, and the optimum flat:
        # which (bands, rows) wins is then decided by rounding alone.
        if not 0.0 < self.false_negative_weight < 1.0:
            raise ValueError(f"false_negative_weight must be between 0 and 1 (exclusive), got {self.false_negative_weight}")


class DedupMinHash(_DedupRule):
    """Keep one document of each cluster of near-duplicates (MinHash LSH, connected components).

    Source: OBELICS, Gopher, RefinedWeb and datatrove remove near-duplicate documents by MinHash
    over word 5-grams at a Jaccard of about 0.8. weft computes datasketch-compatible signatures in
    the extraction pass, meets documents in LSH buckets as a distributed join, verifies every
    candidate pair by its estimated Jaccard, and takes clusters as connected components
    (`pipeline/dedup/`). A cluster keeps its earliest capture, then the smallest doc_id. Scores:
    as `dedup_url_v1`; `jaccard` is the estimate against the kept document (a member linked
    through another member can be below the threshold).
    """

    name = "dedup_minhash_v1"
    Params = DedupMinHashParams
    Reason = DedupMinHashReason
    finds, reason, what = PASS_MINHASH, DedupMinHashReason.NEAR_DUPLICATE, "near-duplicate"
    params: DedupMinHashParams
