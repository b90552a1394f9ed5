"""Thumbnails of shard images as `data:` URIs, so a report opens from disk with its images inline.

A report shows a sample of documents; each image is decoded under the same kind of caps as the
image stage (`images.max_pixels`: a decompression bomb is refused, not allocated), reduced to at
most `MAX_SIDE` pixels and re-encoded as JPEG (PNG when it has transparency), typically a few KB.
An image that cannot be decoded gets no thumbnail; the caller shows a placeholder instead of a
broken `<img>`.
"""

from __future__ import annotations

import base64
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 240
MAX_PIXELS = 64_000_000
"""Larger images are not decoded for a thumbnail (weft's default `images.max_pixels` is lower)."""


def thumbnail(data: bytes, max_side: int = MAX_SIDE) -> str | None:
    """A `data:image/...;base64,` URI of `data` scaled to fit `max_side`, or None when the bytes
    do not decode (or are too large to decode safely)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    return None
                img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
                img.seek(0)
                frame = (ImageOps.exif_transpose(img) or img).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    frame.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if frame.getextrema()[3][0] < 255:  # some transparency: keep it
        frame.save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        frame.convert("RGB").save(out, format="JPEG", quality=75)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"
