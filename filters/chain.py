"""Rules run in order over documents: `FilterPipeline` and the order check it starts with.

A document goes through the rules in order and stops at the first rule that drops it (cheap
rules first, so later rules cost nothing on documents already gone); scores, fates and stats are
kept for every rule that ran.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Iterator, Sequence

from weft.filters.rule import ALONE, Filter, ImageCount, JobCounts, SlotFilter
from weft.filters.slots import remove_slots
from weft.filters.stats import FilterStats, RuleStats
from weft.filters.verdict import KEEP, DocResult, SlotRecord, Stage, Verdict
from weft.jobs.errors import UserError
from weft.schemas.document import Document, ImageSlot


def check_order(filters: Sequence[Filter]) -> None:
    """Refuse an order of rules that cannot do what it says.

    1. Rules are listed in the order of their stages (`text`, then `dedup`, then `image`): text
       rules run before images are downloaded, so a text rule listed after an image rule would
       silently run too early.
    2. Within a stage, a rule that needs the exact image count (`max_images_v1`,
       `single_image_subsample_v1`) comes after every rule that removes image slots, and a rule
       that asks whether any image is left (`no_images_v1`) comes after every rule that can
       remove the last one (`min_image_size_v1`, `monochrome_v1`, `image_boilerplate_v1`).
       Otherwise half of the single-image documents would be sampled on a count that later
       changes (a repeated or boilerplate image counted as a real one), or a document would keep
       its place after losing every image.
    3. Keys are unique (each rule once per stage), so scores and stats have one owner.
    """
    seen: dict[str, int] = {}
    for i, f in enumerate(filters):
        if f.key in seen:
            raise UserError(f"filters[{i}] ({f.key}): listed twice (first at filters[{seen[f.key]}])")
        seen[f.key] = i
    order = {stage: n for n, stage in enumerate(Stage)}
    latest = 0
    for i, f in enumerate(filters):
        if order[f.stage] < order[filters[latest].stage]:
            later = filters[latest]
            raise UserError(
                f"filters[{i}] ({f.key}): a {f.stage.value}-stage rule cannot come after the {later.stage.value}-stage rule "
                f"filters[{latest}] ({later.key}); the stages run in the order {', '.join(s.value for s in Stage)}"
            )
        if order[f.stage] > order[filters[latest].stage]:
            latest = i
    for i, f in enumerate(filters):
        if f.needs_image_count is ImageCount.NONE:
            continue
        for j, later in enumerate(filters[i + 1:], start=i + 1):
            if later.stage is not f.stage or later is f:
                continue
            if f.needs_image_count is ImageCount.EXACT and later.drops_slots:
                raise UserError(
                    f"filters[{i}] ({f.key}) needs the final image count, so it must come after "
                    f"filters[{j}] ({later.key}), which removes image slots"
                )
            if f.needs_image_count is ImageCount.NONZERO and later.may_remove_last_image:
                raise UserError(
                    f"filters[{i}] ({f.key}) checks whether any image is left, so it must come after "
                    f"filters[{j}] ({later.key}), which can remove the last one"
                )


class FilterPipeline:
    """Runs an ordered list of rules over documents, keeping scores, fates and stats.

    A document goes through the rules in order and stops at the first rule that drops it
    (cheap rules first, so later rules cost nothing on documents already gone). Slot rules
    replace the document with a copy without the dropped slots; the caller's document is never
    mutated. `stats` accumulates over every `run`; `stage(...)` gives the rules of one stage as
    their own pipeline (the text rules run before image download, the image rules after).
    """

    def __init__(self, filters: Sequence[Filter], on_drop: Callable[[DocResult], None] | None = None) -> None:
        check_order(filters)
        self.filters: tuple[Filter, ...] = tuple(filters)
        self.on_drop = on_drop
        self.stats = FilterStats({f.key: RuleStats() for f in self.filters})

    def stage(self, stage: Stage | str) -> FilterPipeline:
        """The rules of one stage, in order, as a pipeline with its own stats."""
        wanted = Stage(stage)
        return FilterPipeline([f for f in self.filters if f.stage is wanted], on_drop=self.on_drop)

    def run(self, doc: Document, job: JobCounts = ALONE) -> DocResult:
        """`doc` through the rules in order; `job` is what the job counted over all its documents
        (for rules that compare a document with the rest of the job; default: the document alone)."""
        result = DocResult(doc=doc, verdict=KEEP, dropped_by=None)
        for f in self.filters:
            stats = self.stats.rules[f.key]
            stats.docs_in += 1
            scores = f.score(result.doc)
            result.scores[f.key] = scores
            verdict = f.decide(scores)
            if verdict.keep and isinstance(f, SlotFilter):
                self._run_slots(f, result, stats, job)
            if not verdict.keep:
                _check_reason(f, verdict)
                stats.docs_dropped[verdict.reason] = stats.docs_dropped.get(verdict.reason, 0) + 1  # type: ignore[index]
                result.verdict, result.dropped_by = verdict, f.key
                if self.on_drop is not None:
                    self.on_drop(result)
                return result
            stats.docs_kept += 1
        return result

    def run_many(self, docs: Iterable[Document]) -> Iterator[DocResult]:
        for doc in docs:
            yield self.run(doc)

    def _run_slots(self, f: SlotFilter, result: DocResult, stats: RuleStats, job: JobCounts) -> None:
        records: list[SlotRecord] = []
        drops: dict[int, str] = {}
        slots = [(seg_index, seg) for seg_index, seg in enumerate(result.doc.segments) if isinstance(seg, ImageSlot)]
        scored = f.score_slots(result.doc, job)
        if len(scored) != len(slots):
            raise ValueError(f"{f.name} scored {len(scored)} of {len(slots)} image slots")
        for index, ((seg_index, seg), slot_scores) in enumerate(zip(slots, scored)):
            verdict = f.decide_slot(slot_scores)
            records.append(SlotRecord(index, seg.url, slot_scores, verdict))
            stats.slots_in += 1
            if verdict.keep:
                stats.slots_kept += 1
            else:
                _check_reason(f, verdict)
                stats.slots_dropped[verdict.reason] = stats.slots_dropped.get(verdict.reason, 0) + 1  # type: ignore[index]
                drops[seg_index] = f"{f.name}:{verdict.reason}"
        result.slot_scores[f.key] = records
        if drops:
            result.doc = remove_slots(result.doc, drops)

    def describe(self) -> list[dict[str, Any]]:
        """One row per rule, in order: key, name, stage, parameters and their help, drop reasons,
        rationale (for `filters list`)."""
        return [
            {"order": i + 1, "key": f.key, "name": f.name, "stage": f.stage.value, "params": f.params.to_dict(),
             "help": {p.name: p.metadata.get("help", "") for p in dataclasses.fields(f.params)},
             "reasons": [r.value for r in f.Reason], "rationale": f.rationale()}
            for i, f in enumerate(self.filters)
        ]


def _check_reason(f: Filter, verdict: Verdict) -> None:
    """A rule may only drop with one of its declared reasons (stats and docs list them)."""
    if verdict.reason not in {r.value for r in f.Reason}:
        raise ValueError(f"{f.name} dropped with undeclared reason {verdict.reason!r}")
