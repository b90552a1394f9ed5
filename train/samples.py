"""Documents to Kosmos-style training samples: token ids, image arrays, and where images go.

A document becomes

    <s> text <image> [image]*N </image> text <image> [image]*N </image> text </s>

where each image of the document takes `N = tokens_per_image` positions whose embeddings the
model replaces with the image encoder's output (Kosmos-1 section 2.2; Flamingo and IDEFICS lay
out documents the same way). A sample holds the ids, the images decoded and normalised, and for
each image the exact positions of its embeddings, so a model never has to search the ids.

Length. `max_length` counts every id, special ones included. Text may be cut between any two
tokens; an image span (`<image>`, its N positions, `</image>`) is never cut, and is only placed
where at least one more id fits after it; when an image moves to the next sample, the images
right before it (with no text between) move along. So an image never ends a sample, away from
the words that follow it, unless a run of adjacent images is longer than a whole sample. What does not fit is either dropped (`overflow="truncate"`:
one sample, the document's beginning) or continued in further samples (`overflow="split"`, the
Flamingo way: every sample starts with `<s>`, only the last holds `</s>`, unless the document
fills that sample to the last id; nothing of the document is lost).

Images without bytes (a job that kept none, or a slot the image stage could not fill) and images
that do not decode are left out with their span (`on_missing_image="skip"`, the text around them
stays, joined by a paragraph break "\n\n" as weft joins paragraphs, so that words on both
sides of a missing image are not glued together) or stop the build (`"raise"`). A sample records which document segments its images came
from (`image_segments`) and which it skipped, so every choice is visible to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from weft.schemas.document import Document, ImageSlot
from weft.train.images import ImageDecodeError, ImageTransform
from weft.train.tokens import ByteTokenizer, SpecialTokens, Tokenize

PARAGRAPH_BREAK = "\n\n"
"""What joins two text blocks that meet because the image between them was left out."""

Overflow = Literal["split", "truncate"]
OnMissingImage = Literal["skip", "raise"]


class MissingImageError(ValueError):
    """An image slot has no usable pixels and the builder was told to stop on such slots."""


@dataclass(frozen=True)
class SampleConfig:
    """How documents become samples; the model must agree on `tokens_per_image` and image size."""

    max_length: int = 2048
    tokens_per_image: int = 64
    image: ImageTransform = ImageTransform()
    overflow: Overflow = "split"
    on_missing_image: OnMissingImage = "skip"

    def __post_init__(self) -> None:
        if self.tokens_per_image < 1:
            raise ValueError(f"tokens_per_image must be at least 1, got {self.tokens_per_image}")
        if self.max_length < self.tokens_per_image + 4:
            raise ValueError(
                f"max_length {self.max_length} cannot hold <s>, an image span of {self.tokens_per_image + 2} ids "
                "and one more id; raise max_length or lower tokens_per_image"
            )
        if self.overflow not in ("split", "truncate"):
            raise ValueError(f"overflow must be 'split' or 'truncate', got {self.overflow!r}")
        if self.on_missing_image not in ("skip", "raise"):
            raise ValueError(f"on_missing_image must be 'skip' or 'raise', got {self.on_missing_image!r}")


@dataclass
class Sample:
    """One training sequence cut from a document."""

    doc_id: str
    index: int
    """This sample's number among the samples of its document (0 unless the document was split)."""
    input_ids: np.ndarray
    """int64, shape (length,)."""
    images: np.ndarray
    """float32, shape (images, 3, size, size): decoded, resized and normalised, in sequence order."""
    image_positions: np.ndarray
    """int64, shape (images, tokens_per_image): the positions in `input_ids` where image i's
    embeddings go (the ids there are `SpecialTokens.image`)."""
    image_segments: tuple[int, ...]
    """For each image, the index of its slot in `Document.segments`."""
    skipped_images: tuple[int, ...] = ()
    """Segments of image slots that fell inside this sample but were left out (no bytes, or
    bytes that do not decode)."""
    resume: Any = field(default=None, compare=False)
    """Set by readers that can resume (`weft.train.loader`): where to restart after this sample."""

    def __len__(self) -> int:
        return len(self.input_ids)


class SampleBuilder:
    """Turns documents into samples; `tokenize` and `special` default to `ByteTokenizer`.

    A builder holds no state between documents, so one builder serves every DataLoader worker.
    """

    def __init__(self, config: SampleConfig = SampleConfig(), tokenize: Tokenize | None = None, special: SpecialTokens | None = None) -> None:
        if tokenize is None:
            if special is not None:
                raise ValueError("special tokens without a tokenizer: pass tokenize too (the default ByteTokenizer has its own)")
            tokenize, special = ByteTokenizer(), ByteTokenizer.SPECIAL
        elif special is None:
            raise ValueError("a custom tokenizer needs its SpecialTokens (the ids of <s>, </s>, <image>, </image>, ...)")
        self.config = config
        self.tokenize = tokenize
        self.special = special
        n = config.tokens_per_image
        self._span = np.array([special.image_start] + [special.image] * n + [special.image_end], dtype=np.int64)
        self._paragraph_break = np.asarray(tokenize(PARAGRAPH_BREAK), dtype=np.int64)

    def __call__(self, doc: Document) -> list[Sample]:
        cfg, special = self.config, self.special
        limit = cfg.max_length
        samples: list[Sample] = []
        part = _Part(special.bos)
        after_text = False  # the last thing placed was text (so the next text needs a break)
        for index, seg in enumerate(doc.segments):
            if isinstance(seg, ImageSlot):
                if seg.content is None:
                    self._missing(doc, index, "the slot has no image bytes", part)
                    continue
                fits = part.length + len(self._span) + 1 <= limit
                if not fits and cfg.overflow == "truncate":
                    part.pop_trailing_images()  # as in a split: they would end the sample
                    return self._finish(doc, samples, part)
                try:
                    pixels = cfg.image(seg.content)
                except ImageDecodeError as exc:
                    self._missing(doc, index, str(exc), part)
                    continue
                if not fits:
                    # Images right before this one move along with it, away from a sample end.
                    carried = part.pop_trailing_images()
                    samples.append(part.sample(doc.doc_id, len(samples), cfg))
                    part = _Part(special.bos)
                    for image in carried:
                        part.add_image(self._span, *image)
                    if part.length + len(self._span) + 1 > limit:  # a run of images longer than a sample
                        samples.append(part.sample(doc.doc_id, len(samples), cfg))
                        part = _Part(special.bos)
                part.add_image(self._span, pixels, index)
                after_text = False
                continue
            if not seg.text:
                continue
            ids = np.asarray(self.tokenize(seg.text), dtype=np.int64)
            if after_text:
                ids = np.concatenate([self._paragraph_break, ids])
            after_text = True
            while len(ids):
                room = limit - part.length
                part.add_text(ids[:room])
                ids = ids[room:]
                if len(ids):
                    if cfg.overflow == "truncate":
                        return self._finish(doc, samples, part)
                    samples.append(part.sample(doc.doc_id, len(samples), cfg))
                    part = _Part(special.bos)
        if part.length < limit:
            part.add_text(np.array([special.eos], dtype=np.int64))
        return self._finish(doc, samples, part)

    def _missing(self, doc: Document, index: int, why: str, part: _Part) -> None:
        if self.config.on_missing_image == "raise":
            raise MissingImageError(f"document {doc.doc_id} ({doc.url}), segment {index}: {why}")
        part.skipped.append(index)

    def _finish(self, doc: Document, samples: list[Sample], part: _Part) -> list[Sample]:
        if part.has_content(self.special.eos):
            samples.append(part.sample(doc.doc_id, len(samples), self.config))
        return samples


class _Part:
    """A sample being filled."""

    def __init__(self, bos: int) -> None:
        self.pieces: list[np.ndarray] = [np.array([bos], dtype=np.int64)]
        self.kinds: list[str] = ["bos"]
        self.length = 1
        self.images: list[np.ndarray] = []
        self.positions: list[np.ndarray] = []
        self.segments: list[int] = []
        self.skipped: list[int] = []

    def add_text(self, ids: np.ndarray) -> None:
        self.pieces.append(ids)
        self.kinds.append("text")
        self.length += len(ids)

    def add_image(self, span: np.ndarray, pixels: np.ndarray, segment: int) -> None:
        self.positions.append(np.arange(self.length + 1, self.length + len(span) - 1, dtype=np.int64))
        self.pieces.append(span)
        self.kinds.append("image")
        self.length += len(span)
        self.images.append(pixels)
        self.segments.append(segment)

    def pop_trailing_images(self) -> list[tuple[np.ndarray, int]]:
        """Take back the images at the end of the sample, if text comes before them (else they
        would only move to a sample just like this one): `(pixels, segment)` in order."""
        run = 0
        while self.kinds[-1 - run] == "image":
            run += 1
        if run == 0 or "text" not in self.kinds[: len(self.kinds) - run]:
            return []
        taken = list(zip(self.images[-run:], self.segments[-run:]))
        self.length -= sum(len(p) for p in self.pieces[-run:])
        for held in (self.pieces, self.kinds, self.images, self.positions, self.segments):
            del held[-run:]
        return taken

    def has_content(self, eos: int) -> bool:
        """Anything to learn from: more than `<s>` and a lone `</s>`."""
        return self.length > 2 or (self.length == 2 and int(self.pieces[-1][-1]) != eos)

    def sample(self, doc_id: str, index: int, cfg: SampleConfig) -> Sample:
        size = cfg.image.size
        images = np.stack(self.images) if self.images else np.zeros((0, 3, size, size), dtype=np.float32)
        positions = np.stack(self.positions) if self.positions else np.zeros((0, cfg.tokens_per_image), dtype=np.int64)
        return Sample(
            doc_id=doc_id,
            index=index,
            input_ids=np.concatenate(self.pieces),
            images=images,
            image_positions=positions,
            image_segments=tuple(self.segments),
            skipped_images=tuple(self.skipped),
        )
