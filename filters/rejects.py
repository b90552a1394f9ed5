"""A bounded, deterministic sample of the documents each rule dropped, for people to read.

Each chunk keeps its own sample while its rules run and persists it; the job merges the chunks'
samples into `<rejects>/<rule>/<reason>.jsonl`. Samplers add (`+`) into exactly the sample one
sampler would have taken over every document, so the merged sample does not depend on how the
job was split.
"""

from __future__ import annotations

import heapq
import json
from typing import Any

from weft.filters.hashing import hash_uniform
from weft.filters.verdict import DocResult
from weft.schemas.document import ImageSlot


class RejectsSampler:
    """Keeps a bounded, deterministic sample of dropped documents per (rule key, reason).

    Use it as the pipeline's `on_drop` hook. For each (rule, reason) it keeps the `per_reason`
    documents with the smallest `hash_uniform(seed, doc_id)` (a bottom-k sample): which documents
    are kept depends only on the seed and the ids, so samplers from several workers added with
    `+` give exactly the sample one worker would have taken over all documents, and memory is
    bounded by rules x reasons x `per_reason`.
    """

    def __init__(self, per_reason: int = 20, seed: int = 0, text_chars: int = 2000) -> None:
        if per_reason < 1:
            raise ValueError("per_reason must be at least 1")
        self.per_reason = per_reason
        self.seed = seed
        self.text_chars = text_chars
        # (rule, reason) -> heap of (-hash, doc_id, record); the root is the largest hash kept.
        self._heaps: dict[tuple[str, str], list[tuple[float, str, dict[str, Any]]]] = {}

    def __call__(self, result: DocResult) -> None:
        if result.kept or result.dropped_by is None or result.verdict.reason is None:
            return
        h = hash_uniform(self.seed, result.doc.doc_id)
        key = (result.dropped_by, result.verdict.reason)
        heap = self._heaps.setdefault(key, [])
        if len(heap) >= self.per_reason and -heap[0][0] <= h:
            return
        record = {
            "doc_id": result.doc.doc_id,
            "url": result.doc.url,
            "dropped_by": result.dropped_by,
            "reason": result.verdict.reason,
            "detail": result.verdict.detail,
            "scores": {k: dict(v) for k, v in result.scores.items()},
            "text": result.doc.text[: self.text_chars],
            "images": [s.url for s in result.doc.segments if isinstance(s, ImageSlot)],
        }
        self._push(heap, (-h, result.doc.doc_id, record))

    def _push(self, heap: list[tuple[float, str, dict[str, Any]]], item: tuple[float, str, dict[str, Any]]) -> None:
        if any(existing[1] == item[1] for existing in heap):
            return  # the same document offered twice (a rerun of a shard)
        if len(heap) < self.per_reason:
            heapq.heappush(heap, item)
        elif item[0] > heap[0][0]:  # a smaller hash than the largest kept (53-bit ties: never)
            heapq.heapreplace(heap, item)

    def __add__(self, other: RejectsSampler) -> RejectsSampler:
        if (self.per_reason, self.seed) != (other.per_reason, other.seed):
            raise ValueError("only samplers with the same per_reason and seed add up")
        out = RejectsSampler(self.per_reason, self.seed, self.text_chars)
        for source in (self, other):
            for key, heap in source._heaps.items():
                target = out._heaps.setdefault(key, [])
                for item in heap:
                    out._push(target, item)
        return out

    def samples(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """{(rule key, reason): records, smallest hash first}."""
        return {key: [item[2] for item in sorted(heap, key=lambda it: (-it[0], it[1]))]
                for key, heap in sorted(self._heaps.items())}

    def files(self) -> dict[tuple[str, str], str]:
        """{(rule key, reason): JSONL text}: the sample as the job writes it to
        `<rejects>/<rule key>/<reason>.jsonl`, one JSON record per line, smallest hash first."""
        return {key: "".join(_line(r) for r in records) for key, records in self.samples().items()}

    def dumps(self) -> str:
        """The whole sample as one JSONL text (a chunk's part of the job's sample, kept until the
        job merges the parts with `loads`)."""
        return "".join(self.files().values())

    def loads(self, text: str) -> None:
        """Offer every record of a JSONL text written by `dumps` (or `files`) to this sampler."""
        for line in text.splitlines():
            if line.strip():
                record = json.loads(line)
                key = (record["dropped_by"], record["reason"])
                item = (-hash_uniform(self.seed, record["doc_id"]), record["doc_id"], record)
                self._push(self._heaps.setdefault(key, []), item)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
