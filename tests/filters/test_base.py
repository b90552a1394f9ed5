"""The filter base: verdicts, slot removal, the pipeline, stats across shards, rule order, sampling."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest

from weft.filters.chain import FilterPipeline, check_order
from weft.filters.hashing import hash_uniform
from weft.filters.params import FilterParams, param
from weft.filters.rejects import RejectsSampler
from weft.filters.rule import DocumentFilter
from weft.filters.slots import remove_slots
from weft.filters.stats import FilterStats, RuleStats
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.filters.images import MaxImages, MaxImagesParams, MinImageSize, Monochrome, NoImages, NoImagesParams, SingleImageSubsample
from weft.filters.language import EnglishFastText
from weft.filters.spam import SpamHeuristics
from weft.jobs.errors import UserError
from weft.schemas.document import DroppedSlot, ImageInfo, TextBlock
from tests.filters.conftest import ENGLISH, make_doc, slot

PHOTO = ImageInfo(width=480, height=360, format="JPEG", mode="RGB", frames=1, sha256="0" * 64, phash="0" * 16,
                  colour_spread=235, dominant_fraction=0.02, grayscale=False, opaque_fraction=1.0)
TINY = ImageInfo(width=16, height=16, format="PNG", mode="RGBA", frames=1, sha256="1" * 64, phash="0" * 16,
                 colour_spread=233, dominant_fraction=0.2, grayscale=False, opaque_fraction=1.0)


class _LengthReason(str, Enum):
    SHORT = "short"


@dataclass(frozen=True)
class _LengthParams(FilterParams):
    min_chars: int = param(10, "minimum characters")


class _Length(DocumentFilter):
    """A test rule: drop documents with little text."""

    name = "length_test_v1"
    Params = _LengthParams
    Reason = _LengthReason
    default_stage = Stage.TEXT
    params: _LengthParams

    def score(self, doc) -> Scores:  # type: ignore[no-untyped-def]
        return {"chars": len(doc.text)}

    def decide(self, scores: Scores) -> Verdict:
        return drop(_LengthReason.SHORT, "few chars") if int(scores["chars"]) < self.params.min_chars else KEEP


def test_verdicts_are_keep_or_drop_with_a_reason() -> None:
    assert KEEP.keep and KEEP.reason is None
    assert drop(_LengthReason.SHORT, "x") == Verdict(False, "short", "x")
    with pytest.raises(ValueError):
        Verdict(False)
    with pytest.raises(ValueError):
        Verdict(True, "short")


def test_remove_slots_joins_text_and_records_positions_in_page_order() -> None:
    doc = make_doc("A", slot("i1"), "B", slot("i2"), slot("i3"), "C")
    doc.dropped_slots.append(DroppedSlot(position=3, raw_value="t", source_attr="src", url="tracker", reason="tracker_declared_tiny"))
    out = remove_slots(doc, {1: "r:x", 4: "r:y"})
    assert [type(s).__name__ for s in out.segments] == ["TextBlock", "ImageSlot", "TextBlock"]
    assert out.segments[0] == TextBlock("A\n\nB") and out.segments[2] == TextBlock("C")
    # the extractor's drop stood before old segment 3 (after "B"): still after the joined text
    assert [(d.url, d.position, d.reason) for d in out.dropped_slots] == [
        ("i1", 1, "r:x"), ("tracker", 1, "tracker_declared_tiny"), ("i3", 2, "r:y"),
    ]
    assert doc.segments[1] == slot("i1"), "the input document is not mutated"


def test_remove_slots_keeps_decoded_info_and_fetch_on_the_dropped_slot() -> None:
    doc = make_doc(slot("small", TINY), "text")
    out = remove_slots(doc, {0: "min_image_size_v1:too_small"})
    assert out.segments == [TextBlock("text")]
    assert out.dropped_slots[0].info == TINY and out.dropped_slots[0].position == 0


def test_pipeline_stops_at_first_drop_and_keeps_scores_of_rules_that_ran() -> None:
    pipe = FilterPipeline([_Length(), NoImages()])
    result = pipe.run(make_doc("short", slot("a")))
    assert not result.kept and result.dropped_by == "length_test_v1" and result.verdict.reason == "short"
    assert result.fate == "dropped by length_test_v1: short"
    assert list(result.scores) == ["length_test_v1"]
    kept = pipe.run(make_doc(ENGLISH, slot("a")))
    assert kept.kept and kept.fate == "kept" and list(kept.scores) == ["length_test_v1", "no_images_v1@text"]
    assert json.loads(json.dumps(kept.to_dict()))["scores"]["no_images_v1@text"] == {"images": 1}


def test_slot_rules_move_slots_and_count_them() -> None:
    pipe = FilterPipeline([MinImageSize(), Monochrome()])
    result = pipe.run(make_doc("A", slot("small", TINY), "B", slot("photo", PHOTO), slot("lost")))
    assert result.kept
    assert [s.url for s in result.doc.images] == ["photo"]
    assert [(d.url, d.reason) for d in result.doc.dropped_slots] == [
        ("small", "min_image_size_v1:too_small"), ("lost", "min_image_size_v1:not_decoded"),
    ]
    records = result.slot_scores["min_image_size_v1"]
    assert [r.verdict.reason for r in records] == ["too_small", None, "not_decoded"]
    assert records[0].scores == {"decoded": True, "width": 16, "height": 16}
    assert [r.url for r in result.slot_scores["monochrome_v1"]] == ["photo"]
    stats = pipe.stats.rules["min_image_size_v1"]
    assert (stats.slots_in, stats.slots_kept, stats.slots_dropped) == (3, 1, {"not_decoded": 1, "too_small": 1})
    assert (stats.docs_in, stats.docs_kept, stats.docs_dropped) == (1, 1, {})


def test_stored_scores_can_be_rethresholded_without_recomputing() -> None:
    result = FilterPipeline([_Length()]).run(make_doc("twelve chars"))
    stored = json.loads(json.dumps(result.to_dict()))["scores"]["length_test_v1"]
    assert _Length().decide(stored).keep
    assert not _Length(_LengthParams(min_chars=20)).decide(stored).keep


def _pipeline() -> FilterPipeline:
    return FilterPipeline([_Length(), NoImages(), MinImageSize(), NoImages(NoImagesParams(stage="image"))])


def _docs() -> list:  # type: ignore[type-arg]
    return [
        make_doc("short", doc_id="d0"),
        make_doc(ENGLISH, doc_id="d1"),
        make_doc(ENGLISH, slot("a", TINY), doc_id="d2"),
        make_doc(ENGLISH, slot("a", PHOTO), slot("b", TINY), doc_id="d3"),
        make_doc(ENGLISH, slot("a", PHOTO), doc_id="d4"),
    ]


def test_stats_add_across_shards_and_round_trip() -> None:
    whole = _pipeline()
    for doc in _docs():
        whole.run(doc)
    left, right = _pipeline(), _pipeline()
    for i, doc in enumerate(_docs()):
        (left if i % 2 else right).run(doc)
    summed = left.stats + right.stats
    assert summed == whole.stats
    assert FilterStats.from_dict(json.loads(json.dumps(summed.to_dict()))) == whole.stats
    rules = whole.stats.to_dict()["rules"]
    assert rules["length_test_v1"] == {"docs_in": 5, "docs_kept": 4, "docs_dropped": {"short": 1},
                                       "slots_in": 0, "slots_kept": 0, "slots_dropped": {}}
    assert rules["no_images_v1@text"]["docs_dropped"] == {"no_images": 1}
    assert rules["min_image_size_v1"]["slots_dropped"] == {"too_small": 2}
    assert rules["no_images_v1@image"]["docs_dropped"] == {"no_images_left": 1}
    assert rules["no_images_v1@image"]["docs_kept"] == 2
    assert FilterStats() + whole.stats == whole.stats  # an empty shard adds nothing


def test_stage_split_runs_text_rules_then_image_rules_with_the_same_outcome() -> None:
    full = _pipeline()
    text, image = full.stage(Stage.TEXT), full.stage("image")
    assert [f.key for f in text.filters] == ["length_test_v1", "no_images_v1@text"]
    assert [f.key for f in image.filters] == ["min_image_size_v1", "no_images_v1@image"]
    for doc in _docs():
        one = full.run(doc)
        first = text.run(doc)
        two = image.run(first.doc) if first.kept else first
        assert (one.kept, one.dropped_by, one.verdict.reason) == (two.kept, two.dropped_by, two.verdict.reason)
    assert text.stats + image.stats == full.stats


@pytest.mark.parametrize("order, message", [
    ([MinImageSize(), EnglishFastText()], "text-stage rule cannot come after the image-stage rule"),
    ([SingleImageSubsample(), MaxImages()], "needs the final image count"),
    ([MinImageSize(), SingleImageSubsample(), Monochrome()], "needs the final image count"),
    ([NoImages(NoImagesParams(stage="image")), Monochrome()], "checks whether any image is left"),
    ([MaxImages(), MinImageSize()], "needs the final image count"),
    ([SpamHeuristics(), SpamHeuristics()], "listed twice"),
])
def test_check_order_refuses_orders_that_cannot_work(order: list, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UserError, match=message):
        check_order(order)


def test_check_order_accepts_the_recipe_order_and_a_text_stage_no_images_before_image_rules() -> None:
    check_order([NoImages(), EnglishFastText(), SpamHeuristics(), MinImageSize(), Monochrome(),
                 NoImages(NoImagesParams(stage="image")), MaxImages(), SingleImageSubsample()])
    check_order([NoImages(NoImagesParams(stage="image")), MaxImages(MaxImagesParams(max_images=3))])  # a cap never empties


def test_hash_uniform_is_fixed_by_seed_and_key() -> None:
    values = [hash_uniform(0, f"doc{i}") for i in range(1000)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert values == [hash_uniform(0, f"doc{i}") for i in range(1000)]
    assert values != [hash_uniform(1, f"doc{i}") for i in range(1000)]
    # the documented definition, pinned: changing it would change every sample ever drawn
    digest = hashlib.blake2b(b"0\x00doc1", digest_size=8).digest()
    assert hash_uniform(0, "doc1") == (int.from_bytes(digest, "big") >> 11) / 2**53 == 0.13986729858976465


def test_rejects_sampler_is_bounded_deterministic_and_adds_like_one_worker(tmp_path: Path) -> None:
    docs = [make_doc("short", doc_id=f"id{i:03d}") for i in range(60)]
    whole = RejectsSampler(per_reason=5, seed=3)
    pipe = FilterPipeline([_Length()], on_drop=whole)
    for doc in docs:
        pipe.run(doc)
    halves = [RejectsSampler(per_reason=5, seed=3), RejectsSampler(per_reason=5, seed=3)]
    for i, doc in enumerate(reversed(docs)):
        FilterPipeline([_Length()], on_drop=halves[i % 2]).run(doc)
    merged = halves[0] + halves[1]
    sample = whole.samples()[("length_test_v1", "short")]
    assert len(sample) == 5
    assert [r["doc_id"] for r in sample] == sorted((d.doc_id for d in docs), key=lambda i: hash_uniform(3, i))[:5]
    assert merged.samples() == whole.samples()
    whole(pipe.run(docs[0]))  # a rerun offers a document again: no duplicate
    assert len(whole.samples()[("length_test_v1", "short")]) == 5
    files = whole.files()
    assert list(files) == [("length_test_v1", "short")]
    lines = [json.loads(line) for line in files[("length_test_v1", "short")].splitlines()]
    assert lines[0]["reason"] == "short" and lines[0]["scores"] == {"length_test_v1": {"chars": 5}}
    # A job persists each chunk's part and merges them: the same sample as one sampler over all.
    parts = [RejectsSampler(per_reason=5, seed=3), RejectsSampler(per_reason=5, seed=3)]
    for i, doc in enumerate(docs):
        FilterPipeline([_Length()], on_drop=parts[i % 2]).run(doc)
    reloaded = RejectsSampler(per_reason=5, seed=3)
    for part in parts:
        reloaded.loads(part.dumps())
    assert reloaded.files() == whole.files()


def test_rule_stats_from_dict_reads_what_to_dict_wrote() -> None:
    stats = RuleStats(3, 2, {"a": 1}, 4, 3, {"b": 1})
    assert RuleStats.from_dict(stats.to_dict()) == stats


def test_parameters_built_in_python_are_checked_too() -> None:
    with pytest.raises(ValueError, match="max_images: 0 is below the minimum 1"):
        MaxImagesParams(max_images=0)
    with pytest.raises(ValueError, match="stage: 'download' is not one of 'text', 'image'"):
        NoImagesParams(stage="download")
    with pytest.raises(TypeError, match="expected MaxImagesParams"):
        MaxImages(NoImagesParams())  # type: ignore[arg-type]
