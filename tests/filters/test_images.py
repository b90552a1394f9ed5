"""Image rules on real images (measured by weft.pipeline.images.validate), the image cap and the subsample."""

from __future__ import annotations

import io
import math
from typing import Callable

import pytest
from PIL import Image

from weft.filters.chain import FilterPipeline
from weft.filters.hashing import hash_uniform
from weft.filters.images import (
    MaxImages, MaxImagesParams, MinImageSize, MinSizeParams, Monochrome, MonochromeParams, NoImages, NoImagesParams,
    SingleImageSubsample, SubsampleParams,
)
from weft.pipeline.images.validate import inspect_image
from weft.schemas.document import FetchResult, ImageInfo, ImageSlot, TextBlock
from tests.filters.conftest import make_doc, slot

Info = Callable[[str], ImageInfo]


def slot_verdict(rule: MinImageSize | Monochrome, info: ImageInfo | None) -> str:
    v = rule.decide_slot(rule.score_slot(slot("x", info), 0))
    return "keep" if v.keep else str(v.reason)


@pytest.mark.parametrize("name, expected", [
    ("pillow/7x13.png", "too_small"),
    ("pillow/comment_after_only_frame.gif", "too_small"),  # 1x1 spacer
    ("web/replaywebpage_netpreserve-twitter__046.gif", "too_small"),  # 52x52 transparent spacer
    ("web/aut_IAH-20080430204825-00000-blackbook__022.gif", "too_small"),  # 64x57 logo
    ("web/aut_issue-493__004.gif", "too_small"),  # 160x36 solid banner
    ("pillow/hopper_resized.gif", "keep"),  # exactly 64x64
    ("pillow/1_trns.png", "keep"),  # 64x64
    ("pillow/hopper.jpg", "keep"),
    ("web/aut_IAH-20080430204825-00000-blackbook__027.jpg", "keep"),  # 1800x89 bar: both sides >= 64
])
def test_min_size_on_real_images(image_info: Info, name: str, expected: str) -> None:
    info = image_info(name)
    assert slot_verdict(MinImageSize(), info) == expected, (name, info.width, info.height)


def test_min_size_uses_displayed_size_and_never_html_attributes(image_info: Info) -> None:
    rule = MinImageSize(MinSizeParams(min_width=100, min_height=50))
    assert slot_verdict(rule, image_info("web/aut_IAH-20080430204825-00000-blackbook__014.gif")) == "too_small"  # 385x30
    declared_big = ImageSlot(url="x", raw_value="x", source_attr="src", declared_width=800, declared_height=600)
    assert rule.decide_slot(rule.score_slot(declared_big, 0)).reason == "not_decoded"
    failed = ImageSlot(url="x", raw_value="x", source_attr="src", fetch=FetchResult(source="download", status="http_error", http_status=404))
    verdict = rule.decide_slot(rule.score_slot(failed, 0))
    assert verdict.reason == "not_decoded" and "http_error" in verdict.detail


@pytest.mark.parametrize("name, expected", [
    # single colour: spacers, solid banners, one-colour glyphs on transparency
    ("web/replaywebpage_netpreserve-twitter__040.gif", "monochrome"),  # 32x32 fully transparent
    ("pillow/tRNS_null_1x1.png", "monochrome"),  # transparent 1x1
    ("web/aut_issue-493__003.gif", "monochrome"),  # solid 159x27 banner
    ("web/warc2zim_kiwix-with-redirects__002.png", "monochrome"),  # one colour on transparency
    ("web/warc2zim_kiwix-with-redirects__004.png", "monochrome"),  # translucent white swoosh
    ("web/replaywebpage_netpreserve-twitter__026.png", "monochrome"),  # grey link icon, anti-aliased
    ("pillow/avif__star.gif", "monochrome"),  # a one-colour star
    # not monochrome: black-and-white photos, line art, transparent pictures, two-colour logos
    ("pillow/hopper_gray.jpg", "keep"),
    ("pillow/hopper_bw_500.png", "keep"),
    ("pillow/sunraster.im1.png", "keep"),  # a scanned line drawing, 95 % white
    ("pillow/g4-fillorder-test.png", "keep"),  # bilevel text
    ("pillow/copyleft.png", "keep"),
    ("pillow/transparent.png", "keep"),
    ("pillow/transparent.webp", "keep"),
    ("web/replaywebpage_netpreserve-twitter__018.png", "keep"),  # white logo on light grey: spread 33
    ("web/warc2zim_kiwix-with-redirects__012.png", "keep"),  # orange square with a small logo: 96 % one colour
    ("web/aut_IAH-20080430204825-00000-blackbook__010.jpg", "keep"),  # grey JPEG photo
])
def test_monochrome_on_real_images(image_info: Info, name: str, expected: str) -> None:
    info = image_info(name)
    assert slot_verdict(Monochrome(), info) == expected, (name, info.colour_spread, info.dominant_fraction)


@pytest.mark.parametrize("colour", [(200, 30, 40), (12, 120, 250), (128, 128, 128), (250, 250, 245)])
@pytest.mark.parametrize("quality", [95, 30, 10])
def test_jpeg_compressed_solid_colours_are_monochrome(colour: tuple[int, int, int], quality: int) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (468, 60), colour).save(buf, "JPEG", quality=quality)
    assert slot_verdict(Monochrome(), inspect_image(buf.getvalue())) == "monochrome"


def test_grayscale_mode_also_drops_grey_photos(image_info: Info) -> None:
    strict = Monochrome(MonochromeParams(mode="grayscale"))
    assert slot_verdict(strict, image_info("pillow/hopper_gray.jpg")) == "grayscale"
    assert slot_verdict(strict, image_info("pillow/hopper_bw_500.png")) == "grayscale"
    assert slot_verdict(strict, image_info("pillow/hopper.jpg")) == "keep"
    assert slot_verdict(strict, image_info("web/aut_issue-493__003.gif")) == "monochrome"
    assert slot_verdict(strict, None) == "not_decoded"


def test_thresholds_separate_the_measured_groups(image_info: Info, shared_data) -> None:  # type: ignore[no-untyped-def]
    """Every real image: single-colour ones at spread <= 20, the rest at >= 33 (module docstring)."""
    from weft.pipeline.rules.calibrate import real_images
    from weft.pipeline.images.validate import ImageRejected

    spreads = []
    for path in real_images(shared_data):
        try:
            info = inspect_image(path.read_bytes())
        except ImageRejected:
            continue
        if info.colour_spread > 0 and info.dominant_fraction < 0.99:
            spreads.append(info.colour_spread)
    assert not [s for s in spreads if 20 < s < 33]
    assert Monochrome().params.max_colour_spread in range(21, 33)


def test_no_images_at_both_stages() -> None:
    text_stage, image_stage = NoImages(), NoImages(NoImagesParams(stage="image"))
    assert (text_stage.key, image_stage.key) == ("no_images_v1@text", "no_images_v1@image")
    assert text_stage.decide(text_stage.score(make_doc("text"))).reason == "no_images"
    assert image_stage.decide(image_stage.score(make_doc("text"))).reason == "no_images_left"
    assert image_stage.decide(image_stage.score(make_doc("text", slot("a")))).keep


def _photos(n: int) -> list[ImageSlot]:
    info = ImageInfo(width=300, height=200, format="JPEG", mode="RGB", frames=1, sha256="0" * 64, phash="0" * 16,
                     colour_spread=200, dominant_fraction=0.1, grayscale=False, opaque_fraction=1.0)
    return [slot(f"p{i}.jpg", info) for i in range(n)]


def test_max_images_truncate_keeps_the_first_five_and_all_text() -> None:
    p = _photos(7)
    doc = make_doc("intro", p[0], p[1], "middle", p[2], p[3], p[4], "late", p[5], "end", p[6])
    result = FilterPipeline([MaxImages()]).run(doc)
    assert result.kept
    assert [s.url for s in result.doc.images] == ["p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"]
    assert result.doc.text == doc.text
    assert [s.text for s in result.doc.segments if isinstance(s, TextBlock)][-1] == "late\n\nend"
    assert [(d.url, d.reason, d.position) for d in result.doc.dropped_slots] == [
        ("p5.jpg", "max_images_v1:over_max_images", 8), ("p6.jpg", "max_images_v1:over_max_images", 8),
    ]


def test_max_images_drop_document_policy() -> None:
    rule = MaxImages(MaxImagesParams(policy="drop_document"))
    five, six = make_doc("t", *_photos(5)), make_doc("t", *_photos(6))
    assert FilterPipeline([rule]).run(five).kept
    result = FilterPipeline([rule]).run(six)
    assert (result.kept, result.verdict.reason, result.doc.dropped_slots) == (False, "too_many_images", [])


def _single(doc_id: str) -> object:
    return make_doc("text", *_photos(1), doc_id=doc_id)


def _survivors(ids: list[str], seed: int = 0) -> set[str]:
    pipe = FilterPipeline([SingleImageSubsample(SubsampleParams(seed=seed))])
    return {i for i in ids if pipe.run(_single(i)).kept}  # type: ignore[arg-type]


def test_subsample_survivors_do_not_depend_on_order_or_sharding() -> None:
    ids = [f"doc-{i:05d}" for i in range(2000)]
    whole = _survivors(ids)
    shards = [ids[i::7] for i in range(7)]
    assert set().union(*(_survivors(list(reversed(s))) for s in shards)) == whole
    assert _survivors(ids) == whole  # a rerun
    other = _survivors(ids, seed=1)
    assert other != whole and 0.4 < len(other & whole) / len(whole) < 0.6  # another seed: another, independent half


def test_subsample_keeps_the_fraction_within_a_binomial_bound() -> None:
    n, p = 10_000, 0.5
    kept = len(_survivors([f"https://example.com/page/{i}" for i in range(n)]))
    assert abs(kept - n * p) <= 4 * math.sqrt(n * p * (1 - p))  # 4 sigma = 200
    quarter = FilterPipeline([SingleImageSubsample(SubsampleParams(keep_fraction=0.25))])
    kept_q = sum(quarter.run(_single(f"q{i}")).kept for i in range(n))  # type: ignore[arg-type]
    assert abs(kept_q - n * 0.25) <= 4 * math.sqrt(n * 0.25 * 0.75)


def test_subsample_only_touches_single_image_documents_and_stores_its_draw() -> None:
    rule = SingleImageSubsample()
    for doc_id in (f"d{i}" for i in range(200)):
        scores = rule.score(make_doc("t", *_photos(2), doc_id=doc_id))
        assert rule.decide(scores).keep and scores["u"] == hash_uniform(0, doc_id)
        assert rule.decide(rule.score(make_doc("t", doc_id=doc_id))).keep  # no image: not this rule's business
    scores = rule.score(make_doc("t", *_photos(1), doc_id="x"))
    assert rule.decide(scores).keep == (float(scores["u"]) < 0.5)
    # lowering the fraction only removes documents (re-thresholding the stored draw)
    lower = SingleImageSubsample(SubsampleParams(keep_fraction=0.3))
    kept_half = {i for i in range(500) if rule.decide({"images": 1, "u": hash_uniform(0, str(i))}).keep}
    kept_lower = {i for i in range(500) if lower.decide({"images": 1, "u": hash_uniform(0, str(i))}).keep}
    assert kept_lower < kept_half
