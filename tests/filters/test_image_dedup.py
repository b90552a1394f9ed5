"""Image dedup rules on real images: the same image twice in a document, the same image all over the job.

The job-wide count itself (the image exchange's extra step) is tested end to end in
tests/pipeline/images/test_counts.py; here the rules get the counts directly.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from weft.filters.chain import FilterPipeline
from weft.filters.image_dedup import BoilerplateParams, ImageBoilerplate, ImageRepeat, RepeatParams
from weft.filters.images import MaxImages, MinImageSize, Monochrome, NoImages, NoImagesParams, SingleImageSubsample
from weft.filters.registry import FILTERS, build
from weft.filters.rule import JobCounts
from weft.jobs.errors import UserError
from weft.pipeline.images.validate import inspect_image
from weft.schemas.document import Document, ImageInfo
from weft.schemas.reader import iter_documents
from tests.filters.conftest import ENGLISH, make_doc, slot
from tests.helpers import job, run_inline

Info = Callable[[str], ImageInfo]


def _reasons(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(d.url, d.reason) for d in result.doc.dropped_slots]


def test_a_repeated_image_keeps_its_first_slot_and_the_text_around_it(image_info: Info) -> None:
    hopper, flower = image_info("pillow/hopper.jpg"), image_info("pillow/flower.jpg")
    doc = make_doc("Intro.", slot("a.jpg", hopper), "Middle.", slot("b.jpg", flower), "More.", slot("a-again.jpg", hopper),
                   "End.", slot("a-third.jpg", hopper))
    chain = FilterPipeline([ImageRepeat()])
    result = chain.run(doc)
    assert [s.url for s in result.doc.images] == ["a.jpg", "b.jpg"]
    assert _reasons(result) == [("a-again.jpg", "image_repeat_v1:repeated"), ("a-third.jpg", "image_repeat_v1:repeated")]
    assert result.doc.text == "Intro.\n\nMiddle.\n\nMore.\n\nEnd."
    records = result.slot_scores["image_repeat_v1"]
    assert [r.scores["same_as"] for r in records] == [-1, -1, 0, 0]
    assert [r.verdict.keep for r in records] == [True, True, False, False]
    assert chain.stats.rules["image_repeat_v1"].slots_dropped == {"repeated": 2}


def test_distinct_images_are_all_kept(image_info: Info) -> None:
    names = ["pillow/hopper.jpg", "pillow/flower.jpg", "web/aut_IAH-20080430204825-00000-blackbook__010.jpg", "pillow/copyleft.png"]
    doc = make_doc(*(slot(n, image_info(n)) for n in names))
    assert len(FilterPipeline([ImageRepeat()]).run(doc).doc.images) == 4


def test_the_same_picture_re_encoded_is_a_repeat_only_with_the_perceptual_hash_on(image_info: Info) -> None:
    # hopper.jpg and hopper.png are the same picture as different bytes (other SHA-256, same phash).
    jpg, png = image_info("pillow/hopper.jpg"), image_info("pillow/hopper.png")
    assert jpg.sha256 != png.sha256
    doc = make_doc("A.", slot("hopper.jpg", jpg), "B.", slot("hopper.png", png))
    assert len(FilterPipeline([ImageRepeat()]).run(doc).doc.images) == 2
    on = FilterPipeline([ImageRepeat(RepeatParams(max_phash_distance=4))]).run(doc)
    assert _reasons(on) == [("hopper.png", "image_repeat_v1:near_repeated")]
    assert on.slot_scores["image_repeat_v1"][1].scores == {"decoded": True, "same_as": -1, "nearest": 0, "phash_distance": 0}


def test_a_heavily_recompressed_copy_is_caught_at_distance_4_and_an_unrelated_picture_is_not(image_info: Info, shared_data) -> None:  # type: ignore[no-untyped-def]
    original = (shared_data / "images" / "pillow" / "flower.jpg").read_bytes()
    buf = io.BytesIO()
    Image.open(io.BytesIO(original)).resize((240, 180)).save(buf, "JPEG", quality=20)
    small = inspect_image(buf.getvalue())
    doc = make_doc(slot("flower.jpg", inspect_image(original)), slot("hopper.jpg", image_info("pillow/hopper.jpg")),
                   slot("flower-small.jpg", small))
    result = FilterPipeline([ImageRepeat(RepeatParams(max_phash_distance=4))]).run(doc)
    assert [s.url for s in result.doc.images] == ["flower.jpg", "hopper.jpg"]
    scores = result.slot_scores["image_repeat_v1"][2].scores
    assert scores["nearest"] == 0 and 0 <= int(scores["phash_distance"]) <= 4


def test_stored_repeat_scores_re_threshold_without_recomputing(image_info: Info) -> None:
    jpg, png = image_info("pillow/hopper.jpg"), image_info("pillow/hopper.png")
    stored = FilterPipeline([ImageRepeat()]).run(make_doc(slot("a", jpg), slot("b", png))).slot_scores["image_repeat_v1"]
    assert all(r.verdict.keep for r in stored)
    strict = ImageRepeat(RepeatParams(max_phash_distance=2))
    assert [strict.decide_slot(r.scores).reason for r in stored] == [None, "near_repeated"]


def test_boilerplate_drops_an_image_in_more_than_max_documents_from_every_document(image_info: Info) -> None:
    logo, photo = image_info("web/aut_IAH-20080430204825-00000-blackbook__029.jpg"), image_info("pillow/flower.jpg")
    doc = make_doc("Header.", slot("logo.jpg", logo), ENGLISH, slot("photo.jpg", photo))
    rule = ImageBoilerplate()
    for documents, kept in [(11, ["photo.jpg"]), (10, ["logo.jpg", "photo.jpg"]), (1, ["logo.jpg", "photo.jpg"])]:
        job = JobCounts({logo.sha256: documents, photo.sha256: 1})
        result = FilterPipeline([rule]).run(doc, job)
        assert [s.url for s in result.doc.images] == kept, documents
        assert result.slot_scores["image_boilerplate_v1"][0].scores == {"decoded": True, "documents": documents}
    dropped = FilterPipeline([rule]).run(doc, JobCounts({logo.sha256: 78, photo.sha256: 1}))
    assert _reasons(dropped) == [("logo.jpg", "image_boilerplate_v1:boilerplate")]
    lower = ImageBoilerplate(BoilerplateParams(max_documents=100))
    assert lower.decide_slot(dropped.slot_scores["image_boilerplate_v1"][0].scores).keep  # re-thresholded from stored scores


def test_boilerplate_without_job_counts_judges_the_document_alone_and_refuses_an_uncounted_image(image_info: Info) -> None:
    logo = image_info("web/aut_IAH-20080430204825-00000-blackbook__029.jpg")
    doc = make_doc(slot("logo.jpg", logo), slot("logo-again.jpg", logo))
    assert len(FilterPipeline([ImageBoilerplate()]).run(doc).doc.images) == 2  # one document: each image in 1
    with pytest.raises(ValueError, match="was not counted"):
        FilterPipeline([ImageBoilerplate()]).run(doc, JobCounts({}))


def test_a_document_whose_only_image_is_boilerplate_is_then_dropped_by_no_images(image_info: Info) -> None:
    logo = image_info("web/aut_IAH-20080430204825-00000-blackbook__029.jpg")
    chain = FilterPipeline([ImageBoilerplate(), NoImages(NoImagesParams(stage="image"))])
    result = chain.run(make_doc(ENGLISH, slot("logo.jpg", logo)), JobCounts({logo.sha256: 12}))
    assert not result.kept and result.dropped_by == "no_images_v1@image" and result.verdict.reason == "no_images_left"


@pytest.mark.parametrize("rule", [ImageRepeat(), ImageBoilerplate()], ids=lambda r: r.name)
@pytest.mark.parametrize("counter", [MaxImages(), SingleImageSubsample()], ids=lambda r: r.name)
def test_rules_that_count_images_must_come_after_the_dedup_rules(rule, counter) -> None:  # type: ignore[no-untyped-def]
    FilterPipeline([MinImageSize(), Monochrome(), rule, counter])
    with pytest.raises(UserError, match=rf"\({counter.key}\) needs the final image count, so it must come after .*\({rule.key}\)"):
        FilterPipeline([MinImageSize(), counter, rule])


def test_no_images_must_follow_boilerplate_but_not_repeat_which_never_removes_the_last_image() -> None:
    no_images = NoImages(NoImagesParams(stage="image"))
    with pytest.raises(UserError, match=r"checks whether any image is left, so it must come after .*image_boilerplate_v1"):
        FilterPipeline([no_images, ImageBoilerplate()])
    FilterPipeline([no_images, ImageRepeat()])


def test_a_job_with_the_boilerplate_rule_asks_for_job_wide_counts() -> None:
    assert [name for name, cls in FILTERS.items() if cls.needs_image_documents] == ["image_boilerplate_v1"]
    chain = build([{"name": "image_repeat_v1"}, {"name": "image_boilerplate_v1", "max_documents": 3}])
    assert [f.key for f in chain.filters] == ["image_repeat_v1", "image_boilerplate_v1"]
    assert chain.filters[1].params.max_documents == 3


def _run(out: Path, warc: Path, filters: tuple[dict[str, object], ...]) -> dict[str, Document]:
    cfg = replace(job(out, warc, images={"resolve": True, "download": False}, extract={"on_record_error": "drop"}), filters=filters)
    run_inline(cfg)
    return {doc.doc_id: doc for doc in iter_documents(out, format="parquet")}


@pytest.mark.parametrize("crawl, repeats", [
    ("aut_IAH-20080430204825-00000-blackbook.warc.gz", True),  # archive.org 2008: rows of rating stars, icons
    ("nodewarc_books.toscrape.warc", False),  # 20 different book covers on one page
])
def test_on_a_real_crawl_each_image_keeps_its_first_slot_only(shared_data: Path, tmp_path: Path, crawl: str, repeats: bool) -> None:
    warc = shared_data / "warc" / "other" / crawl
    before = _run(tmp_path / "plain", warc, ())
    after = _run(tmp_path / "dedup", warc, ({"name": "image_repeat_v1"},))
    assert after.keys() == before.keys()
    dropped = 0
    for doc_id, doc in after.items():
        shown = [s.info.sha256 for s in before[doc_id].images]
        assert [s.info.sha256 for s in doc.images] == list(dict.fromkeys(shown)), doc.url  # first slots, in page order
        repeated = [d for d in doc.dropped_slots if d.reason == "image_repeat_v1:repeated"]
        assert len(repeated) == len(shown) - len(set(shown))
        assert all(d.info.sha256 in {s.info.sha256 for s in doc.images} for d in repeated)
        assert doc.text == before[doc_id].text
        dropped += len(repeated)
    assert (dropped > 100) if repeats else dropped == 0
