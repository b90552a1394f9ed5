"""Image dedup: the same image twice in one document, and the same image all over the job.

Two slot rules of the image stage, after the pixel rules and before the rules that count images
(`max_images_v1`, `single_image_subsample_v1`, `no_images_v1@image`; `weft.filters.chain.check_order`
refuses another order), so that those count real images, not a logo or the tenth copy of a star:

- `image_repeat_v1`: an image shown again later in the same document keeps its first slot;
- `image_boilerplate_v1`: an image shown in more than N kept documents of the job is a logo, a
  button or a banner, and leaves all of them.

"The same image" is the same bytes: `ImageInfo.sha256`, of the bytes as fetched (before any
resizing). `image_repeat_v1` can also match the same picture re-encoded, by the perceptual hash
(`ImageInfo.phash`, a 64-bit DCT hash; `max_phash_distance`, off by default).

OBELICS did both (Laurençon et al. 2023): it removed images whose URL appears more than ten
times in the dataset, and kept the first occurrence of an image repeated in a document. weft counts
documents rather than occurrences (a page with a row of ten stars is one document, and the
repeat rule takes care of the row), and bytes rather than URLs (one logo under many URLs, e.g.
`logo.png?v=3`, is one image; two images that happen to share a URL across a redesign are not).
Only documents still kept when images are resolved count (after the text rules); the count is
exact and taken by the image exchange (`weft.pipeline.images.counts`) over the whole job, so it
does not depend on how the job was split.

What was measured (`python -m weft.pipeline.rules.calibrate image-dedup`, on the real crawls and
images in shared/data):

- Boilerplate, per image (by SHA-256), the number of documents of the crawl that show it:
  archive.org's 2008 crawl (aut_IAH blackbook, 79 documents with images): the site logo (84x70)
  in 78, the page header (180x72) in 49, rating stars (14x12) in 18 and 13, an RSS button in 13,
  a mail icon in 8; every other image in at most 4. The rebels.dk ARC (12 documents with images):
  the header banner (344x194) in all 12, every other image in at most 2. The logo, the header
  and the banner pass Kosmos-1's rules (at least 64x64, not monochrome): only a count finds them.
  A threshold of 10 documents (OBELICS's figure) separates them from content on both crawls;
  a logo's count grows with the number of pages of its site, a content image's does not.
- Repeats: 361 image slots of the blackbook crawl repeat an image shown earlier in the same
  document (275 of them one 14x12 star of a rating row, 73 an empty star), and 12 of the two
  Mona Lisa pages (a 15x11 "enlarge" icon). Almost all are icons the size rule drops anyway;
  after it, one repeated slot of the blackbook crawl is left for `image_repeat_v1`. The rule is
  for what the size rule cannot see: a photo shown twice, a logo in the header and the footer.
- Perceptual hash, on the 281 real images: the same picture saved again (132 opaque, colourful
  images of at least 64x64 as JPEG quality 90/50/20, at half size, as PNG and WebP) is within
  4 bits of the original in 127-129 of 132 cases per re-encoding. Of the 31,878 pairs of
  different files (single-colour images left out), 59 are within 4 bits, and all but one are the
  same picture in another format or size (hopper in 8 files, avatars at 48 and 73 px, a screenshot
  at two widths); the exception is two almost featureless strips (a 256x10 grey gradient and an
  1800x89 banner). Every single-colour image hashes to 0, so the option must follow
  `monochrome_v1` (as it does in the jobs). Hence off by default (bytes are exact) and 4 when a
  user wants re-encodings caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from weft.filters.params import FilterParams, param
from weft.filters.rule import JobCounts, SlotFilter
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.schemas.document import Document

NONE = -1
"""An index or distance score for "there is none" (scores are plain numbers, never null)."""


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two 64-bit perceptual hashes in hex (0 = same picture, about 32
    for unrelated pictures; `weft.pipeline.images.validate.perceptual_hash` makes them)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# ----- image_repeat_v1 -------------------------------------------------------------------------


class RepeatReason(str, Enum):
    REPEATED = "repeated"
    """The same bytes (SHA-256) as an earlier image slot of the document."""
    NEAR_REPEATED = "near_repeated"
    """Only with max_phash_distance >= 0: a perceptual hash within that distance of an earlier
    image slot's."""


@dataclass(frozen=True)
class RepeatParams(FilterParams):
    max_phash_distance: int = param(
        -1, "-1: only the same bytes (SHA-256) repeat; 0-64: also an image whose perceptual hash is at most this many bits "
            "from an earlier image's of the document (4 catches 96% of re-encodings; measured: filters/image_dedup.py).",
        min=-1, max=64)


class ImageRepeat(SlotFilter):
    """Keep the first slot of an image shown more than once in a document; drop the later ones.

    Source: OBELICS kept one copy of an image repeated in a document (a row of stars, a logo in
    the header and the footer, a thumbnail next to its enlargement): a training sequence learns
    nothing from the second copy and it takes the place of a real image in the 5-image budget.
    The same image is the same bytes (`info.sha256`); with `max_phash_distance` also the same
    picture re-encoded (`info.phash`). Scores per slot: `decoded`, `same_as` (the index of the
    first earlier slot with the same bytes, or -1), `nearest` and `phash_distance` (the earlier
    slot with the closest perceptual hash and the distance, or -1), so the verdict can be
    re-thresholded from stored scores.
    """

    name = "image_repeat_v1"
    Params = RepeatParams
    Reason = RepeatReason
    default_stage = Stage.IMAGE
    params: RepeatParams

    def score_slots(self, doc: Document, job: JobCounts) -> list[Scores]:
        out: list[Scores] = []
        first: dict[str, int] = {}
        hashes: list[tuple[int, str]] = []  # (index, phash) of the earlier decoded slots
        for index, slot in enumerate(doc.images):
            if slot.info is None:
                out.append({"decoded": False})
                continue
            nearest, distance = NONE, NONE
            for earlier, phash in hashes:
                d = phash_distance(slot.info.phash, phash)
                if distance == NONE or d < distance:
                    nearest, distance = earlier, d
            out.append({"decoded": True, "same_as": first.get(slot.info.sha256, NONE), "nearest": nearest,
                        "phash_distance": distance})
            first.setdefault(slot.info.sha256, index)
            hashes.append((index, slot.info.phash))
        return out

    def decide_slot(self, scores: Scores) -> Verdict:
        if not scores["decoded"]:
            return KEEP  # nothing to compare; the pixel rules drop what did not decode
        if int(scores["same_as"]) != NONE:
            return drop(RepeatReason.REPEATED, f"same bytes as image {int(scores['same_as']) + 1} of the document")
        limit, distance = self.params.max_phash_distance, int(scores["phash_distance"])
        if limit != NONE and distance != NONE and distance <= limit:
            return drop(RepeatReason.NEAR_REPEATED,
                        f"perceptual hash {distance} bit(s) from image {int(scores['nearest']) + 1} of the document (<= {limit})")
        return KEEP


# ----- image_boilerplate_v1 --------------------------------------------------------------------


class BoilerplateReason(str, Enum):
    BOILERPLATE = "boilerplate"
    """The image (SHA-256) is in more than max_documents kept documents of the job."""


@dataclass(frozen=True)
class BoilerplateParams(FilterParams):
    max_documents: int = param(10, "Drop an image (by SHA-256) from every document when more than this many kept documents of "
                                   "the job show it (logos, buttons, banners; OBELICS: 10).", min=1)


class ImageBoilerplate(SlotFilter):
    """Drop an image shown in more than 10 kept documents of the job from all of them.

    Source: OBELICS removed images that appear more than 10 times in the dataset: the site's
    logo, social buttons, banners and badges, which pass the size and colour rules but say
    nothing about the text around them. The count is of distinct kept documents of the whole
    job that show the same bytes (`info.sha256`), taken by the image exchange before the image
    rules run (module docstring). Scores per slot: `decoded`, `documents` (how many documents
    of the job show the image).
    """

    name = "image_boilerplate_v1"
    Params = BoilerplateParams
    Reason = BoilerplateReason
    default_stage = Stage.IMAGE
    may_remove_last_image = True
    needs_image_documents = True
    params: BoilerplateParams

    def score_slots(self, doc: Document, job: JobCounts) -> list[Scores]:
        return [{"decoded": False} if slot.info is None else {"decoded": True, "documents": job.documents_with(slot.info.sha256)}
                for slot in doc.images]

    def decide_slot(self, scores: Scores) -> Verdict:
        if not scores["decoded"]:
            return KEEP  # no bytes, nothing counted; the pixel rules drop what did not decode
        documents = int(scores["documents"])
        if documents > self.params.max_documents:
            return drop(BoilerplateReason.BOILERPLATE, f"in {documents} documents of the job > {self.params.max_documents}")
        return KEEP
