"""What a rule says about a document: keep, or drop with a reason; and what it measured.

Scoring is separate from deciding (dolma's taggers and mixer): a rule's `score(doc)` returns plain
values (`Scores`), its `decide(scores)` turns them into a `Verdict` using only the rule's
parameters, and both travel together in a `DocResult`, so a stored run can be re-thresholded by
calling `decide` on its stored scores, without recomputing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from weft.schemas.document import Document

ScoreValue = Union[float, int, str, bool]
Scores = dict[str, ScoreValue]
"""What a rule measured: plain JSON-able values, stored next to the verdict."""


class Stage(str, Enum):
    """When a rule runs: on each page before image download (`text`), at the dedup barrier once
    every page has passed the text rules (`dedup`), or after the image stage (`image`)."""

    TEXT = "text"
    DEDUP = "dedup"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Keep, or drop with a reason code from the rule's `Reason` enum and a one-line detail."""

    keep: bool
    reason: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.keep and self.reason is not None:
            raise ValueError("a keep verdict has no reason")
        if not self.keep and not self.reason:
            raise ValueError("a drop verdict needs a reason")

    def to_dict(self) -> dict[str, Any]:
        return {"keep": self.keep, "reason": self.reason, "detail": self.detail}


KEEP = Verdict(True)


def drop(reason: Enum, detail: str = "") -> Verdict:
    """A drop verdict; `reason` is a member of the rule's `Reason` enum (its value is stored)."""
    return Verdict(False, str(reason.value), detail)


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """One slot as a slot rule saw it: which image, what it measured, what it decided."""

    index: int
    """Place among the document's image slots when the rule ran (0-based)."""
    url: str
    scores: Scores
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "url": self.url, "scores": dict(self.scores), **self.verdict.to_dict()}


@dataclass(slots=True)
class DocResult:
    """A document's fate after a pipeline: kept, or dropped by one rule with a reason."""

    doc: Document
    """The document as the rules left it (slots a rule dropped are in `doc.dropped_slots`)."""
    verdict: Verdict
    dropped_by: str | None
    """Key of the rule that dropped the document (None when kept)."""
    scores: dict[str, Scores] = field(default_factory=dict)
    """{rule key: {score: value}} for every rule that ran (rules after a drop do not run)."""
    slot_scores: dict[str, list[SlotRecord]] = field(default_factory=dict)
    """{slot rule key: one record per image slot it saw}."""

    @property
    def kept(self) -> bool:
        return self.verdict.keep

    @property
    def fate(self) -> str:
        """`kept`, or `dropped by <rule>: <reason>` (for people and CLI output)."""
        if self.kept:
            return "kept"
        return f"dropped by {self.dropped_by}: {self.verdict.reason}"

    def to_dict(self) -> dict[str, Any]:
        """The fate and every score, JSON-ready (without the document's content)."""
        return {
            "doc_id": self.doc.doc_id,
            "kept": self.kept,
            "dropped_by": self.dropped_by,
            "reason": self.verdict.reason,
            "detail": self.verdict.detail,
            "scores": {k: dict(v) for k, v in self.scores.items()},
            "slot_scores": {k: [r.to_dict() for r in v] for k, v in self.slot_scores.items()},
        }
