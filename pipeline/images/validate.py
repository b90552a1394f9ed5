"""Bounded image validation: decode an image's bytes once, with explicit limits, and measure it.

Every image a page shows passes through `inspect_image`, so it has to be safe on hostile bytes
and cheap on ordinary ones. It returns an `ImageInfo` (schemas/document.py) or raises
`ImageRejected` with one of three statuses, so no failure is silent and no Pillow exception
leaks past this module (STYLE rule 6):

- `too_large`: more than `ImageLimits.max_bytes` bytes (refused before anything is parsed), or a
  declared width x height over `ImageLimits.max_pixels` (refused from the header, before the
  pixels are allocated), or Pillow's own decompression-bomb guard fired.
- `truncated`: the data ends before the image does (a cut download or a partial WARC record).
- `decode_error`: anything else Pillow cannot decode: not an image, a format outside
  `ImageLimits.formats`, corrupt data, or SVG (vector markup; Pillow does not rasterise it, so
  it is rejected with a detail that says "SVG" and callers can tell it from garbage).

Limits are per call. Nothing here touches Pillow's globals (`Image.MAX_IMAGE_PIXELS`,
`ImageFile.LOAD_TRUNCATED_IMAGES`): a worker may inspect images for two jobs with different
limits, and a library that rewrites process-wide settings at import surprises everyone else in
the process. Pillow's `DecompressionBombWarning` is turned into a refusal inside a
`warnings.catch_warnings()` block, so the warning filter is changed only for the duration of the
call. (`catch_warnings` swaps the process's filter list while it runs, so this function should not
be called from several threads at once; weft's stages run one image at a time per process.)

The effective pixel cap is the smaller of `max_pixels` and Pillow's `MAX_IMAGE_PIXELS` (89.5 M
by default, which raises the warning): weft's default (64 M) is below it, and a job that raises
`max_pixels` above it still gets refusals from Pillow's guard, reported as `too_large`.

The job's stages import Pillow through this module only, and this module only where an image is
inspected: `ImageSettings.from_config` and `image_row` (settings.py, resolve.py) import it when
they run, so that a job that resolves no images (a text-only spec) never loads Pillow and the
plugins `ImageLimits` registers: 80 ms of every `weft run` start-up, since the plan's modules
are loaded whatever the spec.

What is measured, and why it is measured this way:

- Size is the size as displayed: EXIF orientations 5-8 (a 90 degree rotation) swap width and
  height, because a browser and every trainer that calls `ImageOps.exif_transpose` see the
  rotated picture. Only the first frame of an animation is decoded and measured: it is what a
  still-image trainer keeps, and decoding every frame of a 300-frame GIF would cost far more
  than it tells. `frames` counts frame headers. An animation cut after its first frame is
  therefore accepted (the frame that is measured and kept is whole) with `frames` counting the
  headers that survived; a cut inside the first frame, or inside a later frame's header, is
  `truncated`.
- Only the first frame is decoded, and it is decoded completely (`load()`), because Pillow's
  `open` reads the header only; corrupt or cut pixel data shows up in `load()`. A JPEG is
  decoded with libjpeg's scaled IDCT (`Image.draft`, 1/2 to 1/8 size) when it is at least twice
  the thumbnail size: every byte of the entropy-coded data is still read, so truncation and
  corruption are still detected, at a fraction of the cost of a full-size decode.
- Colour statistics are scores for the monochrome rule (filters decide; this module only
  measures, as dolma's taggers do). They are computed on the first frame scaled down to at most
  `THUMB_SIDE` (64) pixels a side with a box filter: 4,096 pixels are enough to tell a flat
  banner from a picture, the box filter averages (so it never invents colours outside the
  source's range, which would inflate `colour_spread`), and scaling first makes the cost
  independent of the image size. Only pixels with alpha >= `ALPHA_MIN` (16 of 255) count: a
  pixel that is 94 % transparent shows the page behind it, not the image. A fully transparent
  image has `colour_spread` 0, `dominant_fraction` 1.0, `grayscale` True (nothing contradicts
  it) and `opaque_fraction` 0.0, so a rule that drops single-colour images drops it too.
- `phash` is a DCT perceptual hash (see `perceptual_hash`).

Numbers for whoever sets the monochrome rule's thresholds (measured with this module on the real
images in shared/data and on images built in tests/pipeline/images/test_validate.py):

- A flat colour saved as JPEG q=75 decodes flat: `colour_spread` 0 for 200+ colours tried.
  With sensor-like noise added before encoding (sigma 4 / 8 levels) it is at most 6 / 10, and
  `dominant_fraction` stays >= 0.93 / 0.88.
- Single-colour shapes on transparency (emoji, a link icon, faint white overlays) reach 4-18,
  from their anti-aliased edges. A two-colour logo (white on light grey) is 33; every other of
  the 236 web images is >= 77, and 209 of them are >= 128; the photographs (hopper, flower)
  are >= 235.
- So `colour_spread <= 24` calls an image flat with room on both sides of the gap. A cut on
  `dominant_fraction` must sit above 0.95: line art on a white page gets that close
  (sunraster.im1.png 0.946). filters/images.py holds the thresholds actually used.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from weft.jobs.errors import WeftError
from weft.schemas.document import ImageInfo

STATUS_TOO_LARGE = "too_large"
STATUS_DECODE_ERROR = "decode_error"
STATUS_TRUNCATED = "truncated"
REJECTION_STATUSES = frozenset((STATUS_TOO_LARGE, STATUS_DECODE_ERROR, STATUS_TRUNCATED))

DEFAULT_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "BMP", "TIFF", "ICO")
"""The Pillow formats tried by default: what browsers display, plus TIFF (Safari shows it).
Pillow knows ~40 more (PSD, SGI, FLI, EPS ...) that no page serves as an `<img>`; not offering
them to hostile bytes keeps rarely exercised parsers (and EPS's Ghostscript) out of reach.
A JPEG carrying extra pictures (camera stereo pairs) opens through "JPEG" and is reported as
format MPO."""

THUMB_SIDE = 64
"""Longest side of the thumbnail the colour statistics are computed on."""
HASH_SIDE = 32
"""Side of the grey square the perceptual hash is taken from."""
ALPHA_MIN = 16
"""A pixel with alpha below this (of 255) counts as transparent."""
GRAY_TOLERANCE = 16
"""A pixel is grey when max(R,G,B) - min(R,G,B) <= this (on the thumbnail). Measured on the 236
real web images in shared/data: the pictures a person calls black and white (scanned engravings,
a grey logo, a "Fork me on GitHub" ribbon) reach at most 7-16 (anti-aliasing against a tinted
background, a scanner's cast), while the first ones with a visible tint (a sepia logo, a green
Creative Commons badge, a slate-blue logo) start at 20. A grey picture saved as a colour JPEG
decodes with exactly equal channels (libjpeg-turbo), so JPEG itself adds nothing here."""
QUANT_SHIFT = 3
"""Channels are quantised to 256 >> QUANT_SHIFT = 32 levels before the dominant colour is
counted, so JPEG noise on a flat colour does not split it into many colours."""

# The Pillow format that reads each type `sniff_content_type` names (SVG has none).
_MIME_TO_FORMAT = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/avif": "AVIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/x-icon": "ICO",
}

_ORIENTATION_TAG = 0x0112
# The transposition that turns the stored pixels into the displayed picture, per EXIF orientation.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# What Pillow raises on bytes it cannot decode. Its plugins parse with `struct`, indexing and
# dict look-ups, so short or corrupt data surfaces as any of these, not only as OSError; anything
# else (MemoryError, RecursionError, KeyboardInterrupt) is not a property of the image and
# propagates.
_PILLOW_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    TypeError,
    KeyError,
    ZeroDivisionError,
    OverflowError,
    NotImplementedError,
)
# Messages that mean "the data stopped before the image did". Pillow says "image file is
# truncated" when the decoder runs out of data, "Truncated File Read" when a header read comes up
# short, and the raw decoders (BMP, ICO) complain that the buffer is too small for the size the
# header declared; libavif says "Truncated data".
_TRUNCATION_MARKERS = ("truncated", "not enough image data", "buffer is not large enough", "requires a buffer of")
# Pillow refuses a PNG text or ICC chunk that inflates beyond its cap: a decompression bomb too.
_TOO_LARGE_MARKERS = ("decompressed data too large",)


class ImageRejected(WeftError):
    """An image weft will not keep, with a status from a closed list and a one-line detail.

    The status is what stats count and ledgers record (`dropped_too_large`, ...); the detail is
    for a person reading one row, so it names the number or the Pillow message behind it.
    """

    def __init__(self, status: str, detail: str) -> None:
        if status not in REJECTION_STATUSES:
            raise ValueError(f"unknown image rejection status {status!r}")
        detail = " ".join(detail.split())  # one line, whatever Pillow's message looked like
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class ImageLimits:
    """What one call to `inspect_image` may spend; passed per call, never set globally."""

    max_bytes: int = 20 * 1024**2
    """Payloads larger than this are refused before any parsing."""
    max_pixels: int = 64_000_000
    """Width x height of the image (an animation's canvas) as the header declares it; larger is
    refused before the pixels are allocated. 64 M is an 8000 x 8000 photo, larger than any image
    a page shows at full size; decoding one costs ~256 MB as RGBA."""
    formats: tuple[str, ...] = DEFAULT_FORMATS
    """Pillow format names to try; bytes in any other format are a `decode_error`."""

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0:
            raise ValueError("ImageLimits.max_bytes and max_pixels must be positive")
        if not self.formats:
            raise ValueError("ImageLimits.formats must name at least one format")
        object.__setattr__(self, "formats", tuple(name.upper() for name in self.formats))  # as Image.open spells them
        Image.init()  # registers every plugin, so unknown names are caught here, not per image
        unknown = sorted(f for f in self.formats if f not in Image.OPEN)
        if unknown:
            raise ValueError(f"ImageLimits.formats: Pillow cannot open {', '.join(unknown)}")


DEFAULT_LIMITS = ImageLimits()


def inspect_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> ImageInfo:
    """Decode `data` within `limits` and measure it, or raise `ImageRejected`.

    One function does validation and measurement because both need the decoded pixels, and
    decoding is most of the cost: the first frame is decoded once and every statistic comes from
    that decode.
    """
    if len(data) > limits.max_bytes:
        raise ImageRejected(STATUS_TOO_LARGE, f"{len(data)} bytes > max_bytes {limits.max_bytes}")
    if not data:
        raise ImageRejected(STATUS_DECODE_ERROR, "no bytes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            decoded = _decode(data, limits)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(STATUS_TOO_LARGE, f"Pillow: {exc}") from exc
        except Image.UnidentifiedImageError as exc:
            raise ImageRejected(STATUS_DECODE_ERROR, _unidentified_detail(data, limits)) from exc
        except _PILLOW_ERRORS as exc:
            raise _classify(exc, data) from exc
    spread, dominant, grey, opaque = _colour_stats(decoded.thumb, decoded.thumb_has_alpha)
    return ImageInfo(
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        mode=decoded.mode,
        frames=decoded.frames,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=_dct_hash(decoded.hash_grey),
        colour_spread=spread,
        dominant_fraction=dominant,
        grayscale=grey,
        opaque_fraction=opaque,
    )


@dataclass(frozen=True)
class _Decoded:
    """What the Pillow part of `inspect_image` hands to the numpy part (displayed size)."""

    width: int
    height: int
    format: str
    mode: str
    frames: int
    thumb: np.ndarray
    """The first frame, at most THUMB_SIDE a side, as (height, width, channels) uint8."""
    thumb_has_alpha: bool
    hash_grey: np.ndarray
    """The first frame as HASH_SIDE x HASH_SIDE grey (int64), EXIF orientation applied."""


def _decode(data: bytes, limits: ImageLimits) -> _Decoded:
    """Every Pillow call of `inspect_image`, so that exactly these are converted to statuses."""
    with Image.open(io.BytesIO(data), formats=limits.formats) as im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise ImageRejected(STATUS_DECODE_ERROR, f"{im.format} declares an empty size {width}x{height}")
        if width * height > limits.max_pixels:
            raise ImageRejected(
                STATUS_TOO_LARGE, f"{im.format} declares {width}x{height} = {width * height} pixels > max_pixels {limits.max_pixels}"
            )
        fmt = str(im.format)
        drafted = False
        if fmt in ("JPEG", "MPO") and min(width, height) >= 2 * THUMB_SIDE:
            # libjpeg's scaled IDCT: the largest 1/2, 1/4 or 1/8 scale that keeps both sides at
            # least THUMB_SIDE (so the 32x32 hash and the 64 px thumbnail lose nothing).
            drafted = im.draft(im.mode, (THUMB_SIDE, THUMB_SIDE)) is not None
        im.load()
        if not drafted:
            width, height = im.size  # an ICO's largest icon can differ from its directory entry
        mode = im.mode
        orientation = _orientation(im)
        work = _shrink(_to_standard_mode(im))
        if max(work.size) > THUMB_SIDE:
            thumb = work.resize(_fit(work.size, THUMB_SIDE), Image.Resampling.BOX, reducing_gap=2.0)
        else:
            thumb = work
        thumb_pixels = np.asarray(thumb)
        hash_grey = _grey_square(work, HASH_SIDE)
        if orientation in _TRANSPOSE:
            hash_grey = hash_grey.transpose(_TRANSPOSE[orientation])
        frames = _frame_count(im)  # last: counting GIF frames seeks the file away from frame 0
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return _Decoded(
        width=width,
        height=height,
        format=fmt,
        mode=mode,
        frames=frames,
        thumb=thumb_pixels.reshape(thumb_pixels.shape[0], thumb_pixels.shape[1], -1),
        thumb_has_alpha=thumb.mode in ("LA", "RGBA"),
        hash_grey=np.asarray(hash_grey, dtype=np.int64),
    )


def _classify(exc: BaseException, data: bytes) -> ImageRejected:
    """Turn a Pillow failure into a status: `too_large` for a chunk that inflates past Pillow's
    cap, `truncated` when the message says the data ran out or (for WebP, whose decoder only says
    it failed) when the RIFF header declares more bytes than there are, else `decode_error`."""
    message = str(exc) or type(exc).__name__
    lowered = message.lower()
    if any(marker in lowered for marker in _TOO_LARGE_MARKERS):
        return ImageRejected(STATUS_TOO_LARGE, message)
    if isinstance(exc, EOFError) or any(marker in lowered for marker in _TRUNCATION_MARKERS):
        return ImageRejected(STATUS_TRUNCATED, message)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        if declared > len(data):
            return ImageRejected(STATUS_TRUNCATED, f"WebP RIFF header declares {declared} bytes, got {len(data)} ({message})")
    return ImageRejected(STATUS_DECODE_ERROR, f"{type(exc).__name__}: {message}")


def _unidentified_detail(data: bytes, limits: ImageLimits) -> str:
    """Why Pillow did not recognise the bytes, as specifically as the magic bytes allow."""
    sniffed = sniff_content_type(data)
    if sniffed == "image/svg+xml":
        return "SVG is vector markup; Pillow cannot rasterise it"
    if sniffed is not None and _MIME_TO_FORMAT[sniffed] not in limits.formats:
        return f"{sniffed} is not among the allowed formats ({', '.join(limits.formats)})"
    if sniffed is not None:
        return f"starts like {sniffed} but Pillow cannot read its header (cut short or corrupt)"
    return f"not an image in any of {', '.join(limits.formats)} (starts {data[:8]!r})"


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8; 1 when absent or unreadable). A broken EXIF block is common on
    the web and says nothing about the pixels, so it never rejects an image."""
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except (OSError, SyntaxError, ValueError, struct.error, IndexError, TypeError, KeyError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _frame_count(im: Image.Image) -> int:
    """Frames in the file, counted from frame headers (GIF and TIFF walk the file to count)."""
    try:
        n = getattr(im, "n_frames", 1)
    except (IndexError, struct.error) as exc:
        # Pillow's frame walkers index past the end of a buffer that stops inside a header.
        raise ImageRejected(STATUS_TRUNCATED, f"the data ends inside a frame header after frame 1 ({exc})") from exc
    return n if isinstance(n, int) and n >= 1 else 1


def _to_standard_mode(im: Image.Image) -> Image.Image:
    """The frame as L, LA, RGB or RGBA, with any transparency turned into an alpha channel.

    Pillow's `convert` does the right thing for palettes (with a tRNS entry or a transparent GIF
    index), bilevel, CMYK and the alpha-less modes with a transparency colour; 16- and 32-bit
    grey needs care because Pillow's conversion to L clips at 255 instead of scaling.
    """
    mode = im.mode
    transparency = im.info.get("transparency")
    if mode in ("RGBA", "LA"):
        return im
    if mode in ("L", "RGB"):
        return im.convert(mode + "A") if transparency is not None else im
    if mode == "1":
        return im.convert("LA") if transparency is not None else im.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or transparency is not None or (im.palette is not None and im.palette.mode == "RGBA")
        return im.convert("RGBA" if has_alpha else "RGB")
    if mode.startswith("I") or mode == "F":
        return _wide_grey_to_l(im, transparency)
    return im.convert("RGBA")  # CMYK, YCbCr, LAB, HSV, RGBX, RGBa, La ...


def _wide_grey_to_l(im: Image.Image, transparency: object) -> Image.Image:
    """Scale 16/32-bit integer or float grey to 8 bits (alpha from a transparency value)."""
    values = np.asarray(im)
    if im.mode == "F":
        top = float(np.nanmax(values)) if values.size else 0.0
        scaled = np.nan_to_num(values) * (255.0 if top <= 1.0 else 1.0)
        grey = np.clip(scaled, 0, 255).astype(np.uint8)
    else:
        wide = values.astype(np.int64)
        sixteen_bit = im.mode.startswith("I;16") or int(wide.max(initial=0)) > 255
        grey = np.clip(wide >> 8 if sixteen_bit else wide, 0, 255).astype(np.uint8)
    if isinstance(transparency, int):
        alpha = np.where(values == transparency, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack((grey, alpha)), "LA")
    return Image.fromarray(grey, "L")


def _shrink(work: Image.Image) -> Image.Image:
    """Box-average a large frame by an integer factor that keeps at least twice the pixels each
    consumer needs (the longest side >= 2 x THUMB_SIDE, the shortest >= 2 x HASH_SIDE).

    Both the thumbnail and the hash square are taken from the result, so a large frame is
    reduced once (for RGBA, Pillow premultiplies alpha around every resize, a full-size pass
    each time); averaging 2k x 2k blocks first is what Pillow's own `reducing_gap` does.
    """
    width, height = work.size
    factor = min(max(width, height) // (2 * THUMB_SIDE), min(width, height) // (2 * HASH_SIDE))
    return work.reduce(factor) if factor >= 2 else work


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _grey_square(work: Image.Image, side: int) -> Image.Image:
    """The frame squeezed to side x side and made grey, transparent parts shown over white (as a
    page usually shows them; the colour stored under alpha 0 is arbitrary and must not count)."""
    square = work.resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if square.mode in ("RGBA", "LA"):
        backdrop = Image.new("RGBA", square.size, (255, 255, 255, 255))
        square = Image.alpha_composite(backdrop, square.convert("RGBA"))
    return square.convert("L")


def _colour_stats(thumb: np.ndarray, has_alpha: bool) -> tuple[int, float, bool, float]:
    """`(colour_spread, dominant_fraction, grayscale, opaque_fraction)` of a (height, width,
    channels) thumbnail whose last channel is alpha when `has_alpha`, over its pixels with alpha
    >= ALPHA_MIN (see the module docstring)."""
    pixels = thumb.reshape(-1, thumb.shape[2])
    total = pixels.shape[0]
    if has_alpha:
        pixels = pixels[pixels[:, -1] >= ALPHA_MIN, :-1]
    count = pixels.shape[0]
    opaque = count / total if total else 0.0
    if count == 0:
        return 0, 1.0, True, opaque
    spread = int((pixels.max(axis=0).astype(np.int16) - pixels.min(axis=0)).max())
    if pixels.shape[1] == 1:
        grey = True
    else:
        chroma = pixels.max(axis=1).astype(np.int16) - pixels.min(axis=1)
        grey = bool(chroma.max() <= GRAY_TOLERANCE)
    return spread, _dominant_fraction(pixels), grey, opaque


def _dominant_fraction(pixels: np.ndarray) -> float:
    """Share of pixels in the most common colour cell, cells being 8 levels per channel.

    A fixed grid splits a flat colour whose JPEG noise straddles a cell boundary (127 vs 128),
    so the grid is also tried shifted by half a cell on each channel independently (8 alignments
    for RGB) and the best alignment wins: a colour whose noise spans at most 4 levels per channel
    then always lands in one cell under some alignment.
    """
    cells = (256 >> QUANT_SHIFT) + 1  # a shifted grid has one more (partial) cell
    wide = pixels.astype(np.int32)
    half = 1 << (QUANT_SHIFT - 1)
    # Per channel: the cell index under the plain grid and under the shifted one.
    grids = [(wide[:, c] >> QUANT_SHIFT, (wide[:, c] + half) >> QUANT_SHIFT) for c in range(wide.shape[1])]
    codes = [np.zeros(wide.shape[0], dtype=np.int32)]
    for plain, shifted in grids:
        codes = [code * cells + grid for code in codes for grid in (plain, shifted)]
    best = max(int(np.bincount(code).max()) for code in codes)
    return best / wide.shape[0]


# DCT-II basis rows 0..7 for 32 samples, scaled by 2**12 and rounded so the transform runs in
# exact integer arithmetic: the hash is then bit-identical on every machine (a float DCT's
# rounding noise decides the bits of flat images, and depends on the BLAS build).
_DCT_ROWS = np.rint(
    4096 * np.cos(np.pi * np.outer(np.arange(8), 2 * np.arange(HASH_SIDE) + 1) / (2 * HASH_SIDE))
).astype(np.int64)


def _dct_hash(grey: np.ndarray) -> str:
    low = (_DCT_ROWS @ grey @ _DCT_ROWS.T).ravel()  # the 8x8 lowest frequencies, row-major
    median = np.median(low[1:])  # 63 values, so an actual coefficient; DC (brightness) excluded
    bits = 0
    for bit in low > median:
        bits = bits << 1 | int(bit)
    return f"{bits:016x}"


def perceptual_hash(im: Image.Image) -> str:
    """64-bit DCT perceptual hash of a decoded image, 16 hex digits (as `ImageInfo.phash`).

    The image is squeezed to 32x32 grey (aspect ignored, transparency over white), the 2-D DCT
    taken, and each of the 8x8 lowest-frequency coefficients (row-major, DC first, the first the
    most significant bit) set to 1 when it is above the median of the 63 non-DC ones. Low
    frequencies survive re-encoding, resizing and palette reduction, so the same picture as
    JPEG, PNG, WebP or GIF differs in a few bits, while unrelated pictures differ in about half.
    The median leaves out DC because DC is overall brightness, far from every other coefficient,
    and would only shift the threshold. EXIF orientation is not applied here; `inspect_image`
    applies it.
    """
    return _dct_hash(np.asarray(_grey_square(_to_standard_mode(im), HASH_SIDE), dtype=np.int64))


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two `phash` values (0 = same picture, ~32 = unrelated)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def sniff_content_type(data: bytes) -> str | None:
    """The image MIME type the magic bytes announce, or None.

    Servers mislabel images often (`application/octet-stream`, `text/html` for a JPEG, `.jpg`
    that is a WebP), so the bytes are the better witness; this is what a browser's sniffer looks
    at, not a validation (`inspect_image` decodes).
    """
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and _is_avif_ftyp(data):
        return "image/avif"
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 16, 40, 52, 56, 64, 108, 124):
        return "image/bmp"  # "BM" alone is too weak (text can start with it); check the DIB header size
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "image/tiff"
    if head.startswith(b"\x00\x00\x01\x00") and len(head) >= 6 and int.from_bytes(head[4:6], "little") > 0:
        return "image/x-icon"
    if _looks_like_svg(data):
        return "image/svg+xml"
    return None


def _is_avif_ftyp(data: bytes) -> bool:
    """An ISO-BMFF `ftyp` box whose major or compatible brands include avif/avis (HEIC is not
    AVIF even though it shares the container)."""
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > 4096:
        return False
    box = data[8:size]
    brands = [box[0:4]] + [box[i : i + 4] for i in range(8, len(box) - 3, 4)]
    return b"avif" in brands or b"avis" in brands


def _looks_like_svg(data: bytes) -> bool:
    """An `<svg` root element, allowing a BOM, an XML declaration, comments and a doctype before it."""
    text = data[:4096].decode("utf-8", "replace").lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<svg"):
        return True
    if not text.startswith(("<?xml", "<!--", "<!doctype svg")):
        return False
    at = text.find("<svg")
    return at >= 0 and "<html" not in text[:at]
