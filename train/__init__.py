"""Training on weft shards.

This package turns documents into Kosmos-style samples and needs no torch:
`SampleBuilder`, `SampleConfig`, `Sample`, `ByteTokenizer`, `SpecialTokens`, `ImageTransform`.
Its torch modules, imported on their own, need the `train` extra (`pip install weft[train]`):
`weft.train.loader` (an `IterableDataset` over shards and a collate function),
`weft.train.model` (the reference multimodal decoder) and `weft.train.loop` (its training loop).

The names above are loaded when first used (PEP 562 `__getattr__`), not when the package is:
`weft` registers its `train-reference` command from `weft.train.cli`, and importing a submodule
runs this file first, so eager imports here made every `weft` command, `weft run` included, load
Pillow and its plugins for nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weft.train.images import ImageDecodeError, ImageTransform
    from weft.train.samples import MissingImageError, Sample, SampleBuilder, SampleConfig
    from weft.train.tokens import ByteTokenizer, SpecialTokens, Tokenize

_EXPORTS = {
    "ByteTokenizer": "weft.train.tokens",
    "ImageDecodeError": "weft.train.images",
    "ImageTransform": "weft.train.images",
    "MissingImageError": "weft.train.samples",
    "Sample": "weft.train.samples",
    "SampleBuilder": "weft.train.samples",
    "SampleConfig": "weft.train.samples",
    "SpecialTokens": "weft.train.tokens",
    "Tokenize": "weft.train.tokens",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
