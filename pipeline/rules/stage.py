"""Running a job's filter rules inside the stages, and carrying what they did to the manifest.

The rules of a job run in two places (`filters/` defines them and their order): the `text` rules
right after extraction, before any image is fetched, and the `image` rules after the image stage
has given the slots their pixels. A rule that drops a document turns its row into a fate row
(`dropped`, reason `<rule>:<reason>`, the scores kept); slot drops stay inside the document.

Each chunk's rule statistics ride along with the chunk's rows as a JSON column on its first row,
so they are counted exactly once however Ray groups rows, and add up on the driver. Each chunk
also keeps a bottom-k sample of its dropped documents (`filters.base.RejectsSampler`), written
under `_work/rejects/`; the driver merges the per-chunk samples into the job's sample.
"""

from __future__ import annotations

import heapq
import json
from pathlib import Path
from typing import Any, Iterable

from weft.filters.base import DocResult, FilterPipeline, FilterStats, RejectsSampler, RuleStats, hash_uniform
from weft.filters.registry import build
from weft.schemas.document import Document

REJECTS_WORK_DIR = "_work/rejects"
REJECTS_PER_REASON = 20


class StageRules:
    """The rules of one stage of a job, run chunk by chunk."""

    def __init__(self, specs: Iterable[dict[str, Any]], stage: str) -> None:
        self.pipeline: FilterPipeline | None = None
        rules = build(list(specs)).stage(stage) if specs else None
        if rules is not None and rules.filters:
            self.pipeline = rules

    def __bool__(self) -> bool:
        return self.pipeline is not None

    def run_chunk(self, docs: list[Document]) -> tuple[list[DocResult], dict[str, Any], RejectsSampler]:
        """Results in the order of `docs`, this chunk's stats (JSON-ready) and its rejects sample."""
        assert self.pipeline is not None
        sampler = RejectsSampler(per_reason=REJECTS_PER_REASON)
        self.pipeline.on_drop = sampler
        self.pipeline.stats = FilterStats({f.key: RuleStats() for f in self.pipeline.filters})
        results = [self.pipeline.run(doc) for doc in docs]
        return results, self.pipeline.stats.to_dict(), sampler


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


def write_rejects(output_dir: Path, name: str, sampler: RejectsSampler) -> None:
    samples = sampler.samples()
    if not samples:
        return
    path = output_dir / REJECTS_WORK_DIR / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for records in samples.values():
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def merge_rejects(output_dir: Path, target: Path, per_reason: int = REJECTS_PER_REASON) -> int:
    """Merge the per-chunk samples into `<target>/<rule>/<reason>.jsonl` (the same bottom-k by
    hash of the document id that one sampler over the whole job would have kept)."""
    work = output_dir / REJECTS_WORK_DIR
    if not work.is_dir():
        return 0
    best: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
    for path in sorted(work.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            key = (record["dropped_by"], record["reason"])
            heap = best.setdefault(key, [])
            item = (-hash_uniform(0, record["doc_id"]), record["doc_id"], line)
            if any(existing[1] == item[1] for existing in heap):
                continue
            if len(heap) < per_reason:
                heapq.heappush(heap, item)
            elif item[0] > heap[0][0]:
                heapq.heapreplace(heap, item)
    written = 0
    for (rule, reason), heap in sorted(best.items()):
        out = target / rule / f"{reason}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        lines = [item[2] for item in sorted(heap, key=lambda it: (-it[0], it[1]))]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
    return written
