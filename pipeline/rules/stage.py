"""Running a job's filter rules on a chunk, and keeping what they did.

The rules of a job run in two places (`filters/` defines them and their order): the `text` rules
right after extraction, before any image is fetched, and the `image` rules after the image stage
has given the slots their pixels. A rule that drops a document turns its page record into a drop
(`<rule>:<reason>`, with every score measured so far); slot drops stay inside the document.
Image rules also get what the job counted over all its documents (`chunk.image_documents`, the
image exchange's count step; `weft.filters.rule.JobCounts`).

Each chunk counts its own rule statistics (they add up in the manifest) and keeps a bottom-k
sample of what its rules dropped, persisted under `_work/rejects/`; the job merges the samples
at the end (`merge_rejects`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from weft.filters.chain import FilterPipeline
from weft.filters.registry import build
from weft.filters.rejects import RejectsSampler
from weft.filters.rule import JobCounts
from weft.filters.stats import FilterStats, RuleStats
from weft.filters.verdict import DocResult
from weft.pipeline.chunk import DROPPED, Chunk
from weft.pipeline.layout import OutputLayout, write_text_atomic
from weft.pipeline.stage import Stage

REJECTS_PER_REASON = 20


def rule_chain(specs: Iterable[dict[str, Any]], stage: str) -> FilterPipeline | None:
    """The rules of one stage of a job, in order; None when the stage has none."""
    specs = list(specs)
    rules = build(specs).stage(stage) if specs else None
    return rules if rules is not None and rules.filters else None


class RulesStage(Stage):
    """Run the job's text or image rules over each kept document of a chunk."""

    name = "rules"

    def __init__(self, specs: Iterable[dict[str, Any]], stage: str, layout: OutputLayout) -> None:
        self.specs = tuple(specs)
        self.stage = stage
        self.layout = layout
        self.chain = rule_chain(self.specs, stage)
        self.name = f"{stage}_rules"

    def __bool__(self) -> bool:
        return self.chain is not None

    def describe(self) -> str:
        keys = ", ".join(f.key for f in self.chain.filters) if self.chain else "none"
        return f"run the job's {self.stage} rules in order ({keys})"

    def persists(self) -> tuple[Path, ...]:
        return (self.layout.rejects_work(f"{self.stage}-<stem>"),) if self.chain else ()

    def process(self, chunk: Chunk) -> Chunk:
        if self.chain is None:
            return chunk
        sampler = RejectsSampler(per_reason=REJECTS_PER_REASON)
        self.chain.on_drop = sampler
        self.chain.stats = FilterStats({f.key: RuleStats() for f in self.chain.filters})
        job = JobCounts(chunk.image_documents)
        for record in chunk.kept:
            result = self.chain.run(record.doc, job)
            record.scores = merge_scores(record.scores, scores_of(result))
            if result.kept:
                result.doc.filter_scores = record.scores
                record.doc = result.doc
            else:
                record.drop(DROPPED, f"{result.dropped_by}:{result.verdict.reason}", result.verdict.detail or None)
        chunk.filter_stats = chunk.filter_stats + self.chain.stats
        text = sampler.dumps()
        if text:
            write_text_atomic(self.layout.rejects_work(f"{self.stage}-{chunk.stem}"), text)
        return chunk


def scores_of(result: DocResult) -> dict[str, Any]:
    """The part of a result that is stored with the document: every rule's scores."""
    data = result.to_dict()
    return {"scores": data["scores"], "slot_scores": data["slot_scores"]}


def merge_scores(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Scores of the text rules and of the image rules, as one record."""
    return {
        "scores": {**earlier.get("scores", {}), **later.get("scores", {})},
        "slot_scores": {**earlier.get("slot_scores", {}), **later.get("slot_scores", {})},
    }


def merge_rejects(layout: OutputLayout) -> None:
    """Merge the chunks' samples into `<rejects>/<rule>/<reason>.jsonl`: the sample one sampler
    over the whole job would have kept."""
    sampler = RejectsSampler(per_reason=REJECTS_PER_REASON)
    work = layout.rejects_work_dir
    if work.is_dir():
        for path in sorted(work.glob("*.jsonl")):
            sampler.loads(path.read_text(encoding="utf-8"))
    for (rule, reason), text in sampler.files().items():
        write_text_atomic(layout.rejects_sample(rule, reason), text)
