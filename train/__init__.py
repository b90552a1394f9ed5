"""Training on weft shards.

This package turns documents into Kosmos-style samples and needs no torch:
`SampleBuilder`, `SampleConfig`, `Sample`, `ByteTokenizer`, `SpecialTokens`, `ImageTransform`.
Its torch modules, imported on their own, need the `train` extra (`pip install weft[train]`):
`weft.train.loader` (an `IterableDataset` over shards and a collate function),
`weft.train.model` (the reference multimodal decoder) and `weft.train.loop` (its training loop).
"""

from weft.train.images import ImageDecodeError, ImageTransform
from weft.train.samples import MissingImageError, Sample, SampleBuilder, SampleConfig
from weft.train.tokens import ByteTokenizer, SpecialTokens, Tokenize

__all__ = [
    "ByteTokenizer",
    "ImageDecodeError",
    "ImageTransform",
    "MissingImageError",
    "Sample",
    "SampleBuilder",
    "SampleConfig",
    "SpecialTokens",
    "Tokenize",
]
