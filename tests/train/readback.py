"""Reading a document back out of its samples, to compare with the document itself."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from weft.schemas.document import Document, ImageSlot
from weft.train.images import ImageDecodeError, ImageTransform
from weft.train.samples import PARAGRAPH_BREAK, Sample
from weft.train.tokens import ByteTokenizer, SpecialTokens

Item = tuple[str, Any]
"""("text", str) or ("image", (segment index, pixels))."""


def read_back(samples: Sequence[Sample], special: SpecialTokens = ByteTokenizer.SPECIAL, decode: Any = None) -> tuple[list[Item], bool]:
    """The items the samples hold, in order, with text cut between samples joined again, and
    whether the last sample ends the document with `</s>`. Checks every structural promise on
    the way: `<s>` first, image spans whole and where `image_positions` says, `</s>` last."""
    decode = decode or ByteTokenizer().decode
    items: list[Item] = []
    text: list[int] = []
    ended = False
    for sample in samples:
        ids = [int(i) for i in sample.input_ids]
        assert ids[0] == special.bos, "every sample starts with <s>"
        assert not ended, "no sample after the one that holds </s>"
        images = list(zip(sample.image_positions.tolist(), sample.images, sample.image_segments))
        assert len(images) == len(sample.images) == len(sample.image_segments)
        n = sample.image_positions.shape[1]
        i = 1
        while i < len(ids):
            if ids[i] == special.image_start:
                positions, pixels, segment = images.pop(0)
                assert positions == list(range(i + 1, i + 1 + n)), "image embeddings sit inside their span"
                assert ids[i + 1 : i + 1 + n] == [special.image] * n and ids[i + 1 + n] == special.image_end
                if text:
                    items.append(("text", decode(text)))
                    text = []
                items.append(("image", (segment, pixels)))
                i += n + 2
            elif ids[i] == special.eos:
                assert i == len(ids) - 1, "</s> ends its sample"
                ended = True
                i += 1
            else:
                assert ids[i] not in (special.bos, special.image, special.image_end), f"stray special id at {i}"
                text.append(ids[i])
                i += 1
        assert not images, "every image of the sample has a span"
    if text:
        items.append(("text", decode(text)))
    return items, ended


def expected_items(doc: Document, transform: ImageTransform) -> list[Item]:
    """What a document should read back as: its non-empty text blocks, its images with bytes that
    decode (with the transform's pixels), and texts that meet because an image was left out
    joined by a paragraph break."""
    items: list[Item] = []
    for index, seg in enumerate(doc.segments):
        if isinstance(seg, ImageSlot):
            if seg.content is None:
                continue
            try:
                items.append(("image", (index, transform(seg.content))))
            except ImageDecodeError:
                continue
        elif seg.text:
            if items and items[-1][0] == "text":
                items[-1] = ("text", items[-1][1] + PARAGRAPH_BREAK + seg.text)
            else:
                items.append(("text", seg.text))
    return items


def assert_same_items(got: list[Item], want: list[Item]) -> None:
    assert [kind for kind, _ in got] == [kind for kind, _ in want]
    for (kind, g), (_, w) in zip(got, want):
        if kind == "text":
            assert g == w
        else:
            assert g[0] == w[0], "the image comes from the document's segment at this place"
            assert np.array_equal(g[1], w[1]), f"pixels of segment {g[0]}"
