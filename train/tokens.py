"""Token ids for Kosmos-style sequences: the special ids, and a byte-level default tokenizer.

The sample builder takes any `Tokenize` callable (text -> ids) plus the `SpecialTokens` of its
vocabulary, so weft never has to know a tokenizer library. A Hugging Face tokenizer plugs in as

    tok.add_special_tokens({"additional_special_tokens": ["<image>", "</image>", "<image_embed>"]})
    special = SpecialTokens(pad=tok.pad_token_id, bos=tok.bos_token_id, eos=tok.eos_token_id,
                            image_start=tok.convert_tokens_to_ids("<image>"),
                            image_end=tok.convert_tokens_to_ids("</image>"),
                            image=tok.convert_tokens_to_ids("<image_embed>"))
    builder = SampleBuilder(config, tokenize=lambda text: tok(text, add_special_tokens=False)["input_ids"], special=special)

The byte-level default needs no vocabulary file and no download, never fails on any text, and
decodes back exactly, which is what tests and the reference decoder want.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

Tokenize = Callable[[str], Sequence[int]]
"""Text to token ids, without special tokens (the builder adds `<s>`, `</s>` and image spans)."""


@dataclass(frozen=True)
class SpecialTokens:
    """The ids the builder writes around text and images.

    A sample reads `<s> text <image> [image]*N </image> text ... </s>`: `image` fills the N
    positions whose embeddings the model replaces with the image encoder's output. `pad` may equal
    `eos` (many tokenizers do that); the others must be distinct, or image spans could not be
    found in a sequence.
    """

    pad: int
    bos: int
    eos: int
    image_start: int
    image_end: int
    image: int

    def __post_init__(self) -> None:
        distinct = (self.bos, self.eos, self.image_start, self.image_end, self.image)
        if len(set(distinct)) != len(distinct):
            raise ValueError(f"bos, eos, image_start, image_end and image must be distinct ids: {self}")
        if min(distinct + (self.pad,)) < 0:
            raise ValueError(f"special ids must not be negative: {self}")


class ByteTokenizer:
    """UTF-8 bytes as ids `OFFSET..OFFSET+255`, after the six special ids `SPECIAL`."""

    SPECIAL = SpecialTokens(pad=0, bos=1, eos=2, image_start=3, image_end=4, image=5)
    OFFSET = 6
    vocab_size = OFFSET + 256

    def __call__(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8).astype(np.int64) + self.OFFSET

    def decode(self, ids: Sequence[int]) -> str:
        """The text of the byte ids in `ids` (special ids are left out; a cut multi-byte
        character decodes as U+FFFD)."""
        data = bytes(int(i) - self.OFFSET for i in ids if self.OFFSET <= int(i) < self.vocab_size)
        return data.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return "ByteTokenizer()"
