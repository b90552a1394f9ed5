"""Image bytes from a shard to the float array an image encoder takes.

Web images come in every mode and size, so decoding is bounded and every Pillow failure becomes
one `ImageDecodeError` that the sample builder can act on (skip the image or stop), instead of a
worker crashing on the millionth document. Nothing here touches Pillow's global settings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can decode within the transform's limits."""


_PILLOW_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ImageTransform:
    """Decode, resize the shorter side to `size` and centre-crop to `size` x `size` (the CLIP
    recipe, which Kosmos-1's encoder uses), scale to 0..1 and normalise with `mean` and `std`.

    Transparent pixels are laid on white first: converting RGBA straight to RGB shows whatever
    colour the transparent pixels happen to store, often black, which would teach a model that
    logos sit on black squares.
    """

    size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    max_pixels: int = 64_000_000
    """Images declaring more pixels than this are refused before decoding (decompression bombs)."""

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"image size must be positive, got {self.size}")

    def __call__(self, data: bytes) -> np.ndarray:
        """A float32 array of shape (3, size, size); raises `ImageDecodeError`."""
        try:
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                if width * height > self.max_pixels:
                    raise ImageDecodeError(f"image of {width}x{height} pixels is over the cap of {self.max_pixels}")
                im.draft("RGB", (self.size, self.size))  # JPEG: decode at a reduced scale, still >= size
                rgb = _to_rgb(ImageOps.exif_transpose(im))
                square = ImageOps.fit(rgb, (self.size, self.size), method=Image.Resampling.BICUBIC)
        except _PILLOW_ERRORS as exc:
            raise ImageDecodeError(f"{type(exc).__name__}: {exc}") from exc
        pixels = np.asarray(square, dtype=np.float32) / 255.0
        pixels = (pixels - np.asarray(self.mean, dtype=np.float32)) / np.asarray(self.std, dtype=np.float32)
        return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info) or im.mode == "La":
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")
