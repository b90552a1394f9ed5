"""What a filter is, how filters run in order, and what they count.

A *rule* is one filter class with a stable, versioned `name` (`english_fasttext_v1`): the name
appears in job specs, stats, rejected-document samples and `DroppedSlot.reason`, so changing
what a rule does means a new version, never a silent edit of the old one.

Scoring is separate from deciding (dolma's taggers and mixer): `score(doc)` measures and
returns plain values (`Scores`: str -> float | int | str | bool), `decide(scores)` turns them
into a `Verdict` using only the rule's parameters. The scores are kept next to the verdict in
every `DocResult`, so a user can re-threshold a stored run by calling `decide` on the stored
scores with other parameters, without recomputing anything.

Two kinds of rule:

- document rules keep or drop the whole document (`score(doc)` / `decide(scores)`);
- slot rules keep or drop single image slots (`score_slot(slot, index)` / `decide_slot(scores)`).
  A dropped slot is never silently removed: it moves to `doc.dropped_slots` with the reason
  `"<rule name>:<reason>"` (the convention of `schemas.document.DroppedSlot`), its decoded
  `info` and `fetch` result, and a `position` in the document's new segment list. Text is always
  kept; the two text blocks around a removed image are joined with a blank line, as the extractor
  does for an image it does not keep, so no two `TextBlock`s ever follow each other. A slot rule
  may also have a document-level part (`max_images_v1` with `policy = "drop_document"`).

Each rule declares its `stage`: `text` rules are cheap and run before any image is downloaded,
`image` rules run after the image stage has filled `ImageSlot.info`. `FilterPipeline` refuses an
order that cannot work (see `check_order`): a text rule after an image rule, and a rule that
counts images before a rule that removes them.

`FilterStats` counts, per rule, documents in/kept/dropped by reason and image slots
in/kept/dropped by reason; stats add (`+`) across shards and workers and round-trip through
`to_dict`/`from_dict` for the manifest. A `RejectsSampler` hook keeps a bounded, deterministic
sample of dropped documents per (rule, reason) for people to read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import json
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence, Union

from weft.jobs.errors import UserError
from weft.schemas.document import DroppedSlot, ImageSlot, Document, Segment, TextBlock

ScoreValue = Union[float, int, str, bool]
Scores = dict[str, ScoreValue]
"""What a rule measured: plain JSON-able values, stored next to the verdict."""


class Stage(str, Enum):
    """When a rule can run: before image download (`text`) or after it (`image`)."""

    TEXT = "text"
    IMAGE = "image"


class ImageCount(str, Enum):
    """What a rule needs to know about the number of image slots (for `check_order`)."""

    NONE = "none"
    """The rule does not look at how many images there are."""
    NONZERO = "nonzero"
    """The rule asks whether any image is left: it must follow rules that can remove the last one."""
    EXACT = "exact"
    """The rule needs the exact final count: it must follow every rule that removes slots."""


# ----- verdicts ------------------------------------------------------------------------------


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


# ----- parameters ----------------------------------------------------------------------------


def param(default: Any, help: str, *, choices: Sequence[Any] | None = None, min: float | None = None,
          max: float | None = None) -> Any:
    """A rule parameter: its default (the recipe's), help text, and what values are allowed.

    The registry checks `choices`, `min` and `max` when a job spec sets the parameter, so a
    wrong value is a one-line `UserError` naming the rule and the parameter.
    """
    meta: dict[str, Any] = {"help": help}
    if choices is not None:
        meta["choices"] = tuple(choices)
    if min is not None:
        meta["min"] = min
    if max is not None:
        meta["max"] = max
    return field(default=default, metadata=meta)


def field_problem(f: dataclasses.Field[Any], value: Any) -> str | None:
    """Why `value` is not allowed for the parameter `f` (its choices and bounds), or None."""
    meta = f.metadata
    if "choices" in meta and value not in meta["choices"]:
        return f"{value!r} is not one of {', '.join(map(repr, meta['choices']))}"
    if "min" in meta and value < meta["min"]:
        return f"{value!r} is below the minimum {meta['min']}"
    if "max" in meta and value > meta["max"]:
        return f"{value!r} is above the maximum {meta['max']}"
    return None


@dataclass(frozen=True)
class FilterParams:
    """Base of every rule's parameter dataclass (frozen; every field made with `param`).

    Bounds and choices are checked on construction, so parameters built in Python are held to
    the same rules as those read from a job spec (where the registry reports them as UserErrors).
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            problem = field_problem(f, getattr(self, f.name))
            if problem:
                raise ValueError(f"{f.name}: {problem}")

    def check(self) -> None:
        """Cross-field checks a single field's bounds cannot express; raise ValueError."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def param_fields(params_cls: type[FilterParams]) -> list[tuple[dataclasses.Field[Any], Any]]:
    """Each parameter field with its resolved type annotation."""
    hints = typing.get_type_hints(params_cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(params_cls)]


# ----- rules ---------------------------------------------------------------------------------


class Filter(ABC):
    """One rule. Subclasses set the class attributes and implement scoring and deciding.

    A filter instance holds only its parameters, so it pickles (Ray ships stages to workers);
    models are loaded lazily and cached per process by the rule module.
    """

    name: ClassVar[str]
    """Stable versioned name, e.g. `english_fasttext_v1`."""
    Params: ClassVar[type[FilterParams]]
    Reason: ClassVar[type[Enum]]
    """The closed set of drop reasons (values are the stable reason codes)."""
    default_stage: ClassVar[Stage]
    drops_slots: ClassVar[bool] = False
    """Whether the rule can remove image slots."""
    may_remove_last_image: ClassVar[bool] = False
    """Whether removing slots can leave a document with none (a size rule can, a cap cannot)."""
    needs_image_count: ClassVar[ImageCount] = ImageCount.NONE

    def __init__(self, params: FilterParams | None = None) -> None:
        if params is None:
            params = self.Params()
        if type(params) is not self.Params:
            raise TypeError(f"{self.name}: expected {self.Params.__name__}, got {type(params).__name__}")
        params.check()
        self.params = params

    @property
    def stage(self) -> Stage:
        return self.default_stage

    @property
    def key(self) -> str:
        """The rule's key in scores and stats: its name, or `name@stage` for a rule whose stage
        is a parameter (so the two `no_images_v1` of the Kosmos-1 recipe stay apart)."""
        return self.name

    @classmethod
    def rationale(cls) -> str:
        """The first paragraph of the class docstring: the rule in one sentence."""
        doc = (cls.__doc__ or "").strip()
        return " ".join(doc.split("\n\n", 1)[0].split())

    @abstractmethod
    def score(self, doc: Document) -> Scores:
        """Measure the document (document-level scores)."""

    @abstractmethod
    def decide(self, scores: Scores) -> Verdict:
        """Keep or drop the document from its scores and this rule's parameters only."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


class DocumentFilter(Filter):
    """A rule that keeps or drops whole documents."""


class SlotFilter(Filter):
    """A rule that keeps or drops single image slots (text is always kept).

    The document-level part defaults to scoring the number of image slots and keeping the
    document; rules that can also drop a document override `decide`.
    """

    drops_slots = True

    def score(self, doc: Document) -> Scores:
        return {"images": sum(1 for s in doc.segments if isinstance(s, ImageSlot))}

    def decide(self, scores: Scores) -> Verdict:
        return KEEP

    @abstractmethod
    def score_slot(self, slot: ImageSlot, index: int) -> Scores:
        """Measure one slot; `index` is its place among the document's image slots (0-based)."""

    @abstractmethod
    def decide_slot(self, scores: Scores) -> Verdict:
        """Keep or drop one slot from its scores and this rule's parameters only."""


def check_order(filters: Sequence[Filter]) -> None:
    """Refuse an order of rules that cannot do what it says.

    1. Every `text` rule comes before every `image` rule: text rules run before images are
       downloaded, so a text rule listed after an image rule would silently run too early.
    2. Within a stage, a rule that needs the exact image count (`max_images_v1`,
       `single_image_subsample_v1`) comes after every rule that removes image slots, and a rule
       that asks whether any image is left (`no_images_v1`) comes after every rule that can
       remove the last one (`min_image_size_v1`, `monochrome_v1`). Otherwise half of the
       single-image documents would be sampled on a count that later changes, or a document
       would keep its place after losing every image.
    3. Keys are unique (each rule once per stage), so scores and stats have one owner.
    """
    seen: dict[str, int] = {}
    for i, f in enumerate(filters):
        if f.key in seen:
            raise UserError(f"filters[{i}] ({f.key}): listed twice (first at filters[{seen[f.key]}])")
        seen[f.key] = i
    first_image = next((i for i, f in enumerate(filters) if f.stage is Stage.IMAGE), None)
    if first_image is not None:
        for i, f in enumerate(filters[first_image + 1:], start=first_image + 1):
            if f.stage is Stage.TEXT:
                raise UserError(
                    f"filters[{i}] ({f.key}): a text-stage rule cannot come after the image-stage rule "
                    f"filters[{first_image}] ({filters[first_image].key}); text rules run before images are downloaded"
                )
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


# ----- slot removal --------------------------------------------------------------------------


def remove_slots(doc: Document, drops: Mapping[int, str]) -> Document:
    """A copy of `doc` without the image slots at segment indices `drops` ({index: reason}),
    each moved to `dropped_slots`; the text around a removed slot is joined. (Each slot's
    verdict detail stays in the pipeline's `SlotRecord`s: `DroppedSlot` has no field for it.)

    `DroppedSlot.position` means "how many kept segments precede the place the image stood";
    removing a slot and joining its neighbours changes that count for every earlier drop after
    it, so all positions are recomputed, and `dropped_slots` stays in page order (an earlier drop
    that stood before segment i sorts before the slot at segment i).
    """
    old = doc.segments
    new: list[Segment] = []
    count_after: list[int] = [0]  # count_after[p]: new segments covering old[0:p]
    for i, seg in enumerate(old):
        if i in drops:
            pass
        elif isinstance(seg, TextBlock) and new and isinstance(new[-1], TextBlock):
            new[-1] = TextBlock(new[-1].text + "\n\n" + seg.text)
        else:
            new.append(seg)
        count_after.append(len(new))
    entries: list[tuple[float, int, DroppedSlot]] = []
    for n, d in enumerate(doc.dropped_slots):
        p = min(max(d.position, 0), len(old))
        entries.append((float(p), n, dataclasses.replace(d, position=count_after[p])))
    for i, reason in drops.items():
        slot = old[i]
        if not isinstance(slot, ImageSlot):
            raise ValueError(f"segment {i} of {doc.doc_id} is not an image slot")
        entries.append((i + 0.5, len(entries), DroppedSlot(
            position=count_after[i], raw_value=slot.raw_value, source_attr=slot.source_attr,
            url=slot.url, reason=reason, alt=slot.alt, info=slot.info, fetch=slot.fetch,
        )))
    entries.sort(key=lambda e: (e[0], e[1]))
    return dataclasses.replace(doc, segments=new, dropped_slots=[e[2] for e in entries])


# ----- results and stats ---------------------------------------------------------------------


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


def _add_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


@dataclass(slots=True)
class RuleStats:
    """What one rule saw and did."""

    docs_in: int = 0
    docs_kept: int = 0
    docs_dropped: dict[str, int] = field(default_factory=dict)
    slots_in: int = 0
    slots_kept: int = 0
    slots_dropped: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: RuleStats) -> RuleStats:
        return RuleStats(
            self.docs_in + other.docs_in,
            self.docs_kept + other.docs_kept,
            _add_counts(self.docs_dropped, other.docs_dropped),
            self.slots_in + other.slots_in,
            self.slots_kept + other.slots_kept,
            _add_counts(self.slots_dropped, other.slots_dropped),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "docs_in": self.docs_in, "docs_kept": self.docs_kept, "docs_dropped": dict(sorted(self.docs_dropped.items())),
            "slots_in": self.slots_in, "slots_kept": self.slots_kept, "slots_dropped": dict(sorted(self.slots_dropped.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleStats:
        return cls(
            int(data["docs_in"]), int(data["docs_kept"]), {str(k): int(v) for k, v in data["docs_dropped"].items()},
            int(data["slots_in"]), int(data["slots_kept"]), {str(k): int(v) for k, v in data["slots_dropped"].items()},
        )


@dataclass(slots=True)
class FilterStats:
    """Per-rule stats in pipeline order; `a + b` adds shards (rules only in one side are kept)."""

    rules: dict[str, RuleStats] = field(default_factory=dict)

    def __add__(self, other: FilterStats) -> FilterStats:
        out = {k: v + RuleStats() for k, v in self.rules.items()}
        for k, v in other.rules.items():
            out[k] = out[k] + v if k in out else v + RuleStats()
        return FilterStats(out)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": {k: v.to_dict() for k, v in self.rules.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FilterStats:
        return cls({str(k): RuleStats.from_dict(v) for k, v in data["rules"].items()})


# ----- the pipeline --------------------------------------------------------------------------


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

    def run(self, doc: Document) -> DocResult:
        result = DocResult(doc=doc, verdict=KEEP, dropped_by=None)
        for f in self.filters:
            stats = self.stats.rules[f.key]
            stats.docs_in += 1
            scores = f.score(result.doc)
            result.scores[f.key] = scores
            verdict = f.decide(scores)
            if verdict.keep and isinstance(f, SlotFilter):
                self._run_slots(f, result, stats)
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

    def _run_slots(self, f: SlotFilter, result: DocResult, stats: RuleStats) -> None:
        records: list[SlotRecord] = []
        drops: dict[int, str] = {}
        index = 0
        for seg_index, seg in enumerate(result.doc.segments):
            if not isinstance(seg, ImageSlot):
                continue
            slot_scores = f.score_slot(seg, index)
            verdict = f.decide_slot(slot_scores)
            records.append(SlotRecord(index, seg.url, slot_scores, verdict))
            stats.slots_in += 1
            if verdict.keep:
                stats.slots_kept += 1
            else:
                _check_reason(f, verdict)
                stats.slots_dropped[verdict.reason] = stats.slots_dropped.get(verdict.reason, 0) + 1  # type: ignore[index]
                drops[seg_index] = f"{f.name}:{verdict.reason}"
            index += 1
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


# ----- deterministic hashing and the rejects sampler -----------------------------------------


def hash_uniform(seed: int, key: str) -> float:
    """A number in [0, 1) fixed by (seed, key) alone: blake2b of both, top 53 bits.

    Used instead of any RNG state so a decision about a document depends only on the seed and
    the document's id, never on which worker saw it, in which order, or how the input was split.
    """
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)


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

    def write(self, directory: str | Path) -> list[Path]:
        """Write `<directory>/<rule key>/<reason>.jsonl`, one JSON record per line; returns the
        files written. File names come from the rule and reason alone, so a rerun overwrites."""
        root = Path(directory)
        written: list[Path] = []
        for (rule, reason), records in self.samples().items():
            path = root / rule / f"{reason}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            written.append(path)
        return written
