"""Image rules of the Kosmos-1 recipe: no image, too small, monochrome, too many, single image.

All pixel facts come from `ImageSlot.info`, which the image stage fills by decoding the bytes
(`weft.pipeline.images.validate.inspect_image`); nothing here trusts the page's `width`/`height` attributes,
which are often missing, wrong, or the size the picture is *shown* at.

A slot without `info` (the download failed, the bytes did not decode) is dropped by the pixel
rules with the reason `not_decoded`, not kept: its size and colours are unknown, and an image a
trainer cannot load is of no use in an image-text document. The detail carries the fetch status
(`fetch.status`) so the drop can be traced to its cause.

Monochrome, precisely
---------------------
An image is *monochrome* when (nearly) all of its visible pixels have one colour:
`info.colour_spread <= max_colour_spread` (the largest per-channel range over the non-transparent
pixels of a 64 px box-filtered thumbnail) or `info.dominant_fraction >= min_dominant_fraction`
(the share of those pixels in the most common colour cell, 8 levels per channel). A fully
transparent image (`opaque_fraction` 0) has spread 0 and is monochrome: a spacer. A grey-scale
photograph has many grey levels and is *not* monochrome; users who read the rule as "no
grey-scale images" set `mode = "grayscale"`, which also drops every image with
`info.grayscale` (reason `grayscale`).

The thresholds were measured (`python -m weft.pipeline.rules.calibrate images`) with `inspect_image` on the
real images in shared/data/images (45 from Pillow's test suite, 236 from web archives) and on
solid colours saved as JPEG:

- single-colour images: spacer GIFs (1x1, 32x32, 52x52 transparent), solid banners
  (aut_issue-493 159x27, 160x36, 161x36), solid colours as JPEG at quality 10-95 with and without
  +-6 grain: spread 0-10, dominant 0.92-1.0; one-colour glyphs on transparency (Twitter's 72x72
  icons, a star, translucent white swooshes on kiwix pages) with anti-aliased edges: spread 4-18,
  dominant 0.95-1.0;
- everything else: the lowest spread is 33 (a white WordPress logo on light grey, dominant
  0.73), then 77; black-and-white photos and line art (hopper_gray.jpg spread 244,
  hopper_bw_500.png 255, sunraster.im1.png 247 with dominant 0.948, a scanned line drawing) are
  far away; the highest dominant fraction of a non-monochrome image is 0.959 (an orange square
  with a small logo).

So `max_colour_spread = 24` (between 18 and 33, with room on both sides) and
`min_dominant_fraction = 0.99` (above 0.959, and what "nearly all pixels" means: at most 1 % of
the thumbnail differs). With them 28 of the 281 real images are monochrome, every one a spacer,
a solid bar, a one-colour glyph or a one-colour silhouette on transparency (a red dancer, white
title lettering). A one-colour silhouette is monochrome under this definition on purpose: its
contrast comes from the page behind it, which a training example does not carry, so on its own
it is a flat shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from weft.filters.hashing import hash_uniform
from weft.filters.params import FilterParams, param
from weft.filters.rule import DocumentFilter, ImageCount, SlotFilter
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.schemas.document import Document, ImageSlot

# ----- no_images_v1 --------------------------------------------------------------------------


class NoImagesReason(str, Enum):
    NO_IMAGES = "no_images"
    """Text stage: the page has no candidate image slot at all."""
    NO_IMAGES_LEFT = "no_images_left"
    """Image stage: every slot was dropped (not fetched, too small, monochrome, ...)."""


@dataclass(frozen=True)
class NoImagesParams(FilterParams):
    stage: str = param("text", "text: check the candidate slots found in the HTML (before any download); "
                               "image: check the slots left after the image rules.", choices=("text", "image"))
    min_images: int = param(1, "Drop the document when it has fewer image slots than this.", min=1)


class NoImages(DocumentFilter):
    """Drop documents without an image: first on the HTML's candidate slots, then on what is left.

    Source: Kosmos-1: "we remove pages that do not contain images" (an interleaved image-text
    corpus needs images). Listed twice in the recipe: at the text stage it drops image-less
    pages before anything is downloaded (cheap), at the image stage it drops pages whose every
    image failed or was filtered out. Score: `images` (slots present).
    """

    name = "no_images_v1"
    Params = NoImagesParams
    Reason = NoImagesReason
    default_stage = Stage.TEXT
    needs_image_count = ImageCount.NONZERO
    params: NoImagesParams

    @property
    def stage(self) -> Stage:
        return Stage(self.params.stage)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.params.stage}"

    def score(self, doc: Document) -> Scores:
        return {"images": sum(1 for s in doc.segments if isinstance(s, ImageSlot))}

    def decide(self, scores: Scores) -> Verdict:
        if int(scores["images"]) >= self.params.min_images:
            return KEEP
        reason = NoImagesReason.NO_IMAGES if self.stage is Stage.TEXT else NoImagesReason.NO_IMAGES_LEFT
        return drop(reason, f"{scores['images']} image slot(s) < {self.params.min_images}")


# ----- shared by the pixel rules -------------------------------------------------------------


def _undecoded_scores(slot: ImageSlot) -> Scores:
    return {"decoded": False, "fetch_status": slot.fetch.status if slot.fetch is not None else "not_fetched"}


def _undecoded_detail(scores: Scores) -> str:
    return f"no decoded pixels (fetch status: {scores.get('fetch_status', 'not_fetched')})"


# ----- min_image_size_v1 ---------------------------------------------------------------------


class MinSizeReason(str, Enum):
    TOO_SMALL = "too_small"
    """Decoded width or height below the minimum."""
    NOT_DECODED = "not_decoded"
    """No decoded pixels: the size is unknown (see the module docstring)."""


@dataclass(frozen=True)
class MinSizeParams(FilterParams):
    min_width: int = param(64, "Drop an image narrower than this many pixels (decoded, as displayed).", min=1)
    min_height: int = param(64, "Drop an image shorter than this many pixels (decoded, as displayed).", min=1)


class MinImageSize(SlotFilter):
    """Drop images smaller than 64x64 pixels, measured from the decoded pixels.

    Source: Kosmos-1: "we remove images smaller than 64x64" (icons, buttons, trackers and
    spacers carry no content to learn from). Width and height are `info.width`/`info.height`
    after EXIF orientation. Scores per slot: `decoded`, `width`, `height`.
    """

    name = "min_image_size_v1"
    Params = MinSizeParams
    Reason = MinSizeReason
    default_stage = Stage.IMAGE
    may_remove_last_image = True
    params: MinSizeParams

    def score_slot(self, slot: ImageSlot, index: int) -> Scores:
        if slot.info is None:
            return _undecoded_scores(slot)
        return {"decoded": True, "width": slot.info.width, "height": slot.info.height}

    def decide_slot(self, scores: Scores) -> Verdict:
        if not scores["decoded"]:
            return drop(MinSizeReason.NOT_DECODED, _undecoded_detail(scores))
        width, height = int(scores["width"]), int(scores["height"])
        if width < self.params.min_width or height < self.params.min_height:
            return drop(MinSizeReason.TOO_SMALL, f"{width}x{height} < {self.params.min_width}x{self.params.min_height}")
        return KEEP


# ----- monochrome_v1 -------------------------------------------------------------------------


class MonochromeReason(str, Enum):
    MONOCHROME = "monochrome"
    """(Nearly) every visible pixel has one colour (or none is visible)."""
    GRAYSCALE = "grayscale"
    """Only with mode = "grayscale": every visible pixel is grey."""
    NOT_DECODED = "not_decoded"
    """No decoded pixels: the colours are unknown."""


@dataclass(frozen=True)
class MonochromeParams(FilterParams):
    max_colour_spread: int = param(24, "Monochrome when the largest per-channel range of the visible pixels is at most this (0-255; measured: module docstring).", min=0, max=255)
    min_dominant_fraction: float = param(0.99, "Monochrome when at least this share of the visible pixels has the most common colour.", min=0.0, max=1.0)
    mode: str = param("single_colour", "single_colour: drop one-colour images only; grayscale: also drop every grey-scale image.",
                      choices=("single_colour", "grayscale"))


class Monochrome(SlotFilter):
    """Drop monochrome images: (nearly) all visible pixels one colour; grey photos are kept.

    Source: Kosmos-1: "we remove ... monochrome images" (spacers, solid banners and single-colour
    glyphs have no visual content to align with text). The paper does not define monochrome;
    the definition and its measured thresholds are in the module docstring. Scores per slot:
    `decoded`, `colour_spread`, `dominant_fraction`, `grayscale`, `opaque_fraction`.
    """

    name = "monochrome_v1"
    Params = MonochromeParams
    Reason = MonochromeReason
    default_stage = Stage.IMAGE
    may_remove_last_image = True
    params: MonochromeParams

    def score_slot(self, slot: ImageSlot, index: int) -> Scores:
        if slot.info is None:
            return _undecoded_scores(slot)
        info = slot.info
        return {
            "decoded": True,
            "colour_spread": info.colour_spread,
            "dominant_fraction": info.dominant_fraction,
            "grayscale": info.grayscale,
            "opaque_fraction": info.opaque_fraction,
        }

    def decide_slot(self, scores: Scores) -> Verdict:
        if not scores["decoded"]:
            return drop(MonochromeReason.NOT_DECODED, _undecoded_detail(scores))
        spread, dominant = int(scores["colour_spread"]), float(scores["dominant_fraction"])
        if float(scores["opaque_fraction"]) == 0.0:
            return drop(MonochromeReason.MONOCHROME, "fully transparent")
        if spread <= self.params.max_colour_spread:
            return drop(MonochromeReason.MONOCHROME, f"colour spread {spread} <= {self.params.max_colour_spread}")
        if dominant >= self.params.min_dominant_fraction:
            return drop(MonochromeReason.MONOCHROME, f"dominant colour {dominant:.3f} >= {self.params.min_dominant_fraction}")
        if self.params.mode == "grayscale" and scores["grayscale"]:
            return drop(MonochromeReason.GRAYSCALE, "every visible pixel is grey")
        return KEEP


# ----- max_images_v1 -------------------------------------------------------------------------


class MaxImagesReason(str, Enum):
    OVER_MAX_IMAGES = "over_max_images"
    """Slot: after the first `max_images` image slots in reading order (policy truncate)."""
    TOO_MANY_IMAGES = "too_many_images"
    """Document: more than `max_images` image slots (policy drop_document)."""


@dataclass(frozen=True)
class MaxImagesParams(FilterParams):
    max_images: int = param(5, "Keep at most this many images per document.", min=1)
    policy: str = param("truncate", "truncate: keep the first max_images slots in reading order and drop the later ones "
                                    "(text is kept); drop_document: drop documents with more.", choices=("truncate", "drop_document"))


class MaxImages(SlotFilter):
    """Keep at most 5 images per document: the first 5 in reading order; all text is kept.

    Source: Kosmos-1: "we keep at most 5 images per document" (bounds the image tokens per
    training sequence). With `policy = "truncate"` (the default) later slots are dropped with
    `over_max_images` and the text around them stays; `drop_document` drops the document
    instead (`too_many_images`), for users who want documents whose images all survive.
    Scores: `images` (document), `index` (per slot).
    """

    name = "max_images_v1"
    Params = MaxImagesParams
    Reason = MaxImagesReason
    default_stage = Stage.IMAGE
    needs_image_count = ImageCount.EXACT
    params: MaxImagesParams

    def decide(self, scores: Scores) -> Verdict:
        images = int(scores["images"])
        if self.params.policy == "drop_document" and images > self.params.max_images:
            return drop(MaxImagesReason.TOO_MANY_IMAGES, f"{images} images > {self.params.max_images}")
        return KEEP

    def score_slot(self, slot: ImageSlot, index: int) -> Scores:
        return {"index": index}

    def decide_slot(self, scores: Scores) -> Verdict:
        if self.params.policy == "truncate" and int(scores["index"]) >= self.params.max_images:
            return drop(MaxImagesReason.OVER_MAX_IMAGES, f"image {int(scores['index']) + 1} of more than {self.params.max_images}")
        return KEEP


# ----- single_image_subsample_v1 -------------------------------------------------------------


class SubsampleReason(str, Enum):
    SUBSAMPLED = "single_image_subsampled"
    """A one-image document outside the kept fraction."""


@dataclass(frozen=True)
class SubsampleParams(FilterParams):
    keep_fraction: float = param(0.5, "Share of documents with exactly one image that are kept.", min=0.0, max=1.0)
    seed: int = param(0, "Seed of the hash that picks them; change it to draw another half.")


class SingleImageSubsample(DocumentFilter):
    """Randomly keep half of the documents that have exactly one image, decided by a hash.

    Source: Kosmos-1: "we randomly drop half of the documents that only have one image" (so
    documents that really interleave several images weigh more). Random, but reproducible: the
    draw is `hash_uniform(seed, doc_id)` (blake2b, no RNG state), so reruns, re-sharding and
    the number of workers cannot change which documents survive. Scores: `images`, `u` (the
    document's draw in [0, 1); kept when `u < keep_fraction`, so lowering the fraction only
    removes documents).
    """

    name = "single_image_subsample_v1"
    Params = SubsampleParams
    Reason = SubsampleReason
    default_stage = Stage.IMAGE
    needs_image_count = ImageCount.EXACT
    params: SubsampleParams

    def score(self, doc: Document) -> Scores:
        return {
            "images": sum(1 for s in doc.segments if isinstance(s, ImageSlot)),
            "u": hash_uniform(self.params.seed, doc.doc_id),
        }

    def decide(self, scores: Scores) -> Verdict:
        if int(scores["images"]) == 1 and float(scores["u"]) >= self.params.keep_fraction:
            return drop(SubsampleReason.SUBSAMPLED, f"draw {float(scores['u']):.4f} >= keep_fraction {self.params.keep_fraction}")
        return KEEP
