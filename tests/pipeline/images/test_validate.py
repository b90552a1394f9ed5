"""weft.pipeline.images.validate on real images (shared/data/images) and on images built here with Pillow.

The real files come from Pillow's test suite and from the web captures in the shared WARCs; each
directory's INDEX.tsv says what Pillow reported for it (format, mode, size, frames). Images with a
property no real file has (a non-square EXIF-rotated JPEG, a PNG that declares 100000x100000, a
fully transparent image) are built in the test, so each test says exactly what it feeds in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import pickle
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps, features

from weft.pipeline.images.validate import (
    ALPHA_MIN,
    DEFAULT_FORMATS,
    GRAY_TOLERANCE,
    REJECTION_STATUSES,
    STATUS_DECODE_ERROR,
    STATUS_TOO_LARGE,
    STATUS_TRUNCATED,
    ImageLimits,
    ImageRejected,
    inspect_image,
    perceptual_hash,
    phash_distance,
    sniff_content_type,
)
from tests.helpers import REPO

HOPPER_PHASH = "8c97780983cf9e8d"
"""hopper.png's hash on this Pillow. Pinned because hashes are compared across runs and
machines (dedup): if a Pillow upgrade changes its resampler, this test says so."""


def _real(shared_data: Path, name: str, subdir: str = "pillow") -> bytes:
    return (shared_data / "images" / subdir / name).read_bytes()


def _encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _rejection(data: bytes, limits: ImageLimits | None = None) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        inspect_image(data, limits) if limits is not None else inspect_image(data)
    return caught.value


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _grey_png(width: int, height: int, rows: int | None = None) -> bytes:
    """An 8-bit grey PNG written chunk by chunk: IHDR declares width x height, IDAT holds `rows`
    zero rows (all of them by default; zeros deflate ~1000:1, so even 9000x9000 is ~80 KB)."""
    deflate = zlib.compressobj(9)
    row = bytes(1 + width)  # filter byte 0, then the samples
    idat = b"".join(deflate.compress(row) for _ in range(height if rows is None else rows)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _orientation_tag(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return int(im.getexif().get(0x0112, 1))


# --- every real image ------------------------------------------------------------------------


@pytest.mark.parametrize("subdir", ["pillow", "web"])
def test_every_indexed_image_matches_its_index(shared_data: Path, subdir: str) -> None:
    """Format, mode, size and frame count agree with what the INDEX recorded for every file
    (the INDEX size is as stored; a file with an EXIF rotation is expected swapped)."""
    with open(shared_data / "images" / subdir / "INDEX.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) > 40
    mismatches = []
    for row in rows:
        data = (shared_data / row["local_file"]).read_bytes()
        width, height = int(row["width"]), int(row["height"])
        if _orientation_tag(data) in (5, 6, 7, 8):
            width, height = height, width
        expected = (row.get("format") or row["pil_format"], row.get("mode") or row["pil_mode"], width, height, int(row["frames"]))
        try:
            info = inspect_image(data)
        except ImageRejected as exc:  # none of these files is damaged: a rejection is a bug
            mismatches.append((row["local_file"], exc.status, exc.detail))
            continue
        got = (info.format, info.mode, info.width, info.height, info.frames)
        if got != expected:
            mismatches.append((row["local_file"], expected, got))
        assert info.sha256 == hashlib.sha256(data).hexdigest()
        assert len(info.phash) == 16 and int(info.phash, 16) >= 0
        assert 0 <= info.colour_spread <= 255
        assert 0.0 < info.dominant_fraction <= 1.0 and 0.0 <= info.opaque_fraction <= 1.0
    assert mismatches == []


def test_tiny_images(shared_data: Path) -> None:
    for name, mode, frames in [("comment_after_only_frame.gif", "P", 1), ("no_palette.gif", "L", 2), ("tRNS_null_1x1.png", "P", 1)]:
        info = inspect_image(_real(shared_data, name))
        assert (info.width, info.height, info.mode, info.frames) == (1, 1, mode, frames)
        assert (info.colour_spread, info.dominant_fraction) == (0, 1.0)
    assert inspect_image(_real(shared_data, "tRNS_null_1x1.png")).opaque_fraction == 0.0  # its one pixel is transparent
    info = inspect_image(_real(shared_data, "7x13.png"))
    assert (info.format, info.mode, info.width, info.height) == ("PNG", "RGB", 7, 13)
    assert info.grayscale and info.colour_spread == 255  # black and white pixels


def test_cmyk_jpeg_is_measured_in_rgb(shared_data: Path) -> None:
    cmyk = inspect_image(_real(shared_data, "pil_sample_cmyk.jpg"))
    rgb = inspect_image(_real(shared_data, "pil_sample_rgb.jpg"))  # the same picture saved as RGB
    assert (cmyk.format, cmyk.mode, cmyk.width, cmyk.height) == ("JPEG", "CMYK", 100, 100)
    assert phash_distance(cmyk.phash, rgb.phash) <= 4
    assert not cmyk.grayscale and cmyk.colour_spread > 200
    assert abs(cmyk.dominant_fraction - rgb.dominant_fraction) < 0.05


def test_exif_orientation(shared_data: Path) -> None:
    """hopper_orientation_6.jpg is square (128x128), so its swap cannot be seen; its stored
    pixels are turned so that the displayed picture is hopper upright, which the hash shows."""
    data = _real(shared_data, "hopper_orientation_6.jpg")
    assert _orientation_tag(data) == 6
    info = inspect_image(data)
    assert (info.width, info.height) == (128, 128)
    assert phash_distance(info.phash, inspect_image(_real(shared_data, "hopper.jpg")).phash) <= 4

    # A non-square JPEG under each of the 8 orientations: 5-8 swap the size, and the hash is the
    # hash of what ImageOps.exif_transpose shows (so the direction of each turn is right too).
    with Image.open(io.BytesIO(_real(shared_data, "flower.jpg"))) as source:  # 480x360
        source.load()
        for orientation in range(1, 9):
            exif = Image.Exif()
            exif[0x0112] = orientation
            rotated = _encode(source, "JPEG", quality=90, exif=exif)
            info = inspect_image(rotated)
            assert (info.width, info.height) == ((360, 480) if orientation >= 5 else (480, 360))
            with Image.open(io.BytesIO(rotated)) as im:
                shown = ImageOps.exif_transpose(im)
            assert shown.size == (info.width, info.height)
            assert info.phash == perceptual_hash(shown), orientation


def test_animated_images_are_measured_by_their_first_frame(shared_data: Path) -> None:
    data = _real(shared_data, "chi.gif")
    info = inspect_image(data)
    assert (info.format, info.width, info.height, info.frames) == ("GIF", 320, 240, 31)
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        first = im.convert("RGBA")
        im.seek(15)
        middle = im.convert("RGBA")
    alone = inspect_image(_encode(first, "PNG"))
    assert info.phash == alone.phash and info.colour_spread == alone.colour_spread
    assert phash_distance(info.phash, inspect_image(_encode(middle, "PNG")).phash) > 0
    assert inspect_image(_real(shared_data, "avif__star.gif")).frames == 4
    assert inspect_image(_real(shared_data, "iss634.gif")).frames == 42


def test_multi_frame_files_built_here(shared_data: Path) -> None:
    with Image.open(io.BytesIO(_real(shared_data, "hopper.png"))) as hopper:
        frames = [hopper.convert("RGB"), hopper.convert("RGB").rotate(90), hopper.convert("RGB").rotate(180)]
    tiff = inspect_image(_encode(frames[0], "TIFF", save_all=True, append_images=frames[1:]))
    assert (tiff.format, tiff.frames, tiff.width) == ("TIFF", 3, 128)
    apng = inspect_image(_encode(frames[0], "PNG", save_all=True, append_images=frames[1:]))
    assert (apng.format, apng.frames) == ("PNG", 3)
    assert tiff.phash == apng.phash == inspect_image(_encode(frames[0], "PNG")).phash


def test_webp_and_avif(shared_data: Path) -> None:
    flower = inspect_image(_real(shared_data, "flower.webp"))
    assert (flower.format, flower.mode, flower.width, flower.height) == ("WEBP", "RGB", 480, 360)
    clear = inspect_image(_real(shared_data, "transparent.webp"))
    assert (clear.format, clear.mode) == ("WEBP", "RGBA") and clear.opaque_fraction < 0.5
    avif = _real(shared_data, "avif__hopper.avif")
    if features.check_module("avif"):  # this Pillow (13.0) is built with libavif
        info = inspect_image(avif)
        assert (info.format, info.mode, info.width, info.height) == ("AVIF", "RGB", 128, 128)
        assert phash_distance(info.phash, HOPPER_PHASH) <= 4
    else:  # without libavif, Pillow cannot read it: a decode error that names the type
        rejected = _rejection(avif)
        assert rejected.status == STATUS_DECODE_ERROR and "image/avif" in rejected.detail


def test_transparency_in_every_form(shared_data: Path) -> None:
    """Palette tRNS, GIF transparent index, bilevel and 16-bit grey tRNS, LA: all become alpha."""
    palette = inspect_image(_real(shared_data, "pil123p.png"))
    rgba = inspect_image(_real(shared_data, "pil123rgba.png"))  # the same picture as RGBA
    assert palette.mode == "P" and 0.3 < palette.opaque_fraction < 0.6
    assert abs(palette.opaque_fraction - rgba.opaque_fraction) < 0.01 and palette.phash == rgba.phash
    shares = [inspect_image(_real(shared_data, n)).opaque_fraction for n in ("transparent.png", "transparent.gif", "transparent.webp")]
    assert all(0.3 < share < 0.4 for share in shares)
    bilevel = inspect_image(_real(shared_data, "1_trns.png"))
    assert bilevel.mode == "1" and 0.4 < bilevel.opaque_fraction < 0.6
    wide = inspect_image(_real(shared_data, "i_trns.png"))
    narrow = inspect_image(_real(shared_data, "l_trns.png"))  # the same mask in 8-bit grey
    assert wide.mode == "I;16" and wide.opaque_fraction == narrow.opaque_fraction < 1.0
    la = inspect_image(_real(shared_data, "uncompressed_la.png"))
    assert la.mode == "LA" and la.grayscale and 0.0 < la.opaque_fraction < 1.0


def test_bmp_and_tiff(shared_data: Path) -> None:
    with Image.open(io.BytesIO(_real(shared_data, "hopper.png"))) as hopper:
        hopper.load()
        for fmt in ("BMP", "TIFF"):
            info = inspect_image(_encode(hopper, fmt))
            assert (info.format, info.width, info.height) == (fmt, 128, 128)
            assert info.phash == HOPPER_PHASH


# --- rejections ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hopper.jpg", "flower.jpg", "xmp_test.jpg", "hopper.png", "hopper.gif", "hopper.webp"])
def test_cut_in_half_is_truncated(shared_data: Path, name: str) -> None:
    """flower.jpg and xmp_test.jpg take the scaled-IDCT path; truncation is still seen."""
    data = _real(shared_data, name)
    rejected = _rejection(data[: len(data) // 2])
    assert rejected.status == STATUS_TRUNCATED, rejected.detail


def test_cut_animations(shared_data: Path) -> None:
    """Cut inside the first frame: truncated. Cut after it: accepted, because the first frame,
    the one measured and kept, is whole; `frames` then counts the frame headers that survive.
    Cut inside a later frame's header: truncated (Pillow cannot tell where the frame ends)."""
    chi = _real(shared_data, "chi.gif")
    assert _rejection(chi[: len(chi) // 50]).status == STATUS_TRUNCATED
    half = inspect_image(chi[: len(chi) // 2])
    assert half.phash == inspect_image(chi).phash and 1 < half.frames < 31
    iss634 = _real(shared_data, "iss634.gif")
    assert _rejection(iss634[: int(len(iss634) * 0.99)]).status == STATUS_TRUNCATED


def test_undecodable_bytes_are_decode_errors(shared_data: Path) -> None:
    garbage = np.random.default_rng(0).bytes(4096)
    assert _rejection(garbage).status == STATUS_DECODE_ERROR
    assert _rejection(b"").status == STATUS_DECODE_ERROR
    assert _rejection(b"<!doctype html><html><body>404</body></html>").status == STATUS_DECODE_ERROR
    # A PNG whose compressed pixels are scrambled (chunk CRC fixed up, so only zlib notices).
    png = _real(shared_data, "hopper.png")
    at = png.index(b"IDAT")
    length = struct.unpack(">I", png[at - 4 : at])[0]
    body = bytearray(png[at + 4 : at + 4 + length])
    body[100:400] = bytes(range(256)) + bytes(44)
    broken = png[: at + 4] + bytes(body) + struct.pack(">I", zlib.crc32(b"IDAT" + bytes(body))) + png[at + 8 + length :]
    rejected = _rejection(broken)
    assert rejected.status == STATUS_DECODE_ERROR and "\n" not in rejected.detail


def test_svg_is_a_decode_error_that_says_svg() -> None:
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    rejected = _rejection(svg)
    assert rejected.status == STATUS_DECODE_ERROR and "SVG" in rejected.detail


def _measure_in_fresh_process(*cases: tuple[bytes, int | None]) -> list[tuple[str, float, int]]:
    """Run inspect_image on each (data, max_pixels) in a new interpreter and return (status,
    seconds, growth of peak RSS in KiB) per case; the first case warms the interpreter up.

    Peak RSS is the kernel's high-water mark of the process's own memory map (VmHWM in
    /proc/self/status; Linux, like CI). A fresh process, because the mark only rises: here an
    earlier test may already have set it higher than a bomb would. Not `ru_maxrss`: Linux carries
    the parent's peak into a child across exec. Not tracemalloc: Pillow allocates pixels with C
    malloc, which it does not see.
    """
    script = r"""
import pickle, sys, time
from weft.pipeline.images.validate import ImageLimits, ImageRejected, inspect_image

def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

cases = pickle.load(sys.stdin.buffer)
out = []
for data, max_pixels in cases:
    limits = ImageLimits() if max_pixels is None else ImageLimits(max_pixels=max_pixels)
    before = peak_kib()
    started = time.perf_counter()
    try:
        inspect_image(data, limits)
        status = "accepted"
    except ImageRejected as exc:
        status = exc.status
    out.append((status, time.perf_counter() - started, peak_kib() - before))
pickle.dump(out, sys.stdout.buffer)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], input=pickle.dumps(list(cases)), capture_output=True, cwd=REPO, timeout=60, check=True
    )
    return pickle.loads(done.stdout)


def test_decompression_bombs_are_refused_without_allocating() -> None:
    """A 100000x100000 PNG (Pillow's own guard fires) and a 9000x9000 one (under Pillow's guard,
    over weft's 64 M default) whose IDAT really holds all 81 M pixels, so that decoding it would
    write 81 MB. The control, the same 9000x9000 bytes under a cap that admits them, shows the
    measurement sees a decode: the peak does rise."""
    huge = _grey_png(100_000, 100_000, rows=2)
    over_cap = _grey_png(9000, 9000)
    assert len(over_cap) < 200_000
    assert _rejection(over_cap).detail.endswith("> max_pixels 64000000")  # weft's check, not Pillow's
    cases = ((_grey_png(8, 8), None), (huge, None), (over_cap, None), (over_cap, 9000 * 9000))
    warmup, huge_result, over_cap_result, control = _measure_in_fresh_process(*cases)
    assert warmup[0] == "accepted"
    for status, seconds, grown_kib in (huge_result, over_cap_result):
        assert status == STATUS_TOO_LARGE
        assert seconds < 1.0
        assert grown_kib < 8 * 1024
    assert control[0] == "accepted" and control[2] > 40 * 1024


def test_pillow_bomb_warning_is_a_refusal_scoped_to_the_call() -> None:
    """With weft's cap raised above Pillow's, Pillow's DecompressionBombWarning (between
    MAX_IMAGE_PIXELS and twice that) refuses the image; no warning escapes and the process's
    warning filters are as they were."""
    side = int((1.5 * Image.MAX_IMAGE_PIXELS) ** 0.5)
    data = _grey_png(side, side, rows=1)
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        rejected = _rejection(data, ImageLimits(max_pixels=10**10))
    assert rejected.status == STATUS_TOO_LARGE and "Pillow" in rejected.detail
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]
    assert warnings.filters == filters_before


def test_text_chunk_bomb_is_too_large(shared_data: Path) -> None:
    """A zTXt chunk that inflates to 50 MB: Pillow stops at its text cap; weft calls it a bomb."""
    png = _real(shared_data, "7x13.png")
    ztxt = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(50_000_000), 9))
    assert _rejection(png[:33] + ztxt + png[33:]).status == STATUS_TOO_LARGE


def test_limits_are_per_call(shared_data: Path) -> None:
    max_pixels_before, truncated_before = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    data = _real(shared_data, "hopper.png")  # 128x128, 30605 bytes
    assert inspect_image(data, ImageLimits(max_pixels=128 * 128)).width == 128
    assert _rejection(data, ImageLimits(max_pixels=128 * 128 - 1)).status == STATUS_TOO_LARGE
    assert inspect_image(data, ImageLimits(max_bytes=len(data))).width == 128
    small = _rejection(data, ImageLimits(max_bytes=len(data) - 1))
    assert small.status == STATUS_TOO_LARGE and "bytes" in small.detail
    assert inspect_image(data).width == 128  # the default again: nothing stuck
    assert Image.MAX_IMAGE_PIXELS == max_pixels_before
    assert ImageFile.LOAD_TRUNCATED_IMAGES is truncated_before is False


def test_format_allow_list(shared_data: Path) -> None:
    jpeg = _real(shared_data, "hopper.jpg")
    rejected = _rejection(jpeg, ImageLimits(formats=("PNG",)))
    assert rejected.status == STATUS_DECODE_ERROR and "image/jpeg" in rejected.detail
    assert "JPEG" in DEFAULT_FORMATS and "EPS" not in DEFAULT_FORMATS
    with pytest.raises(ValueError):
        ImageLimits(formats=("NOT_A_FORMAT",))
    with pytest.raises(ValueError):
        ImageLimits(max_bytes=0)


def test_rejection_statuses_are_closed() -> None:
    assert REJECTION_STATUSES == {"too_large", "decode_error", "truncated"}
    with pytest.raises(ValueError):
        ImageRejected("broken", "x")
    rejected = ImageRejected(STATUS_TRUNCATED, "line one\nline two")
    assert rejected.detail == "line one line two" and str(rejected) == "truncated: line one line two"


# --- colour statistics -----------------------------------------------------------------------


def test_solid_colour() -> None:
    red = inspect_image(_encode(Image.new("RGB", (300, 60), (200, 30, 30)), "PNG"))
    assert (red.colour_spread, red.dominant_fraction, red.grayscale, red.opaque_fraction) == (0, 1.0, False, 1.0)
    grey = inspect_image(_encode(Image.new("RGB", (300, 60), (90, 90, 90)), "PNG"))
    assert (grey.colour_spread, grey.dominant_fraction, grey.grayscale) == (0, 1.0, True)


def test_solid_banner_through_jpeg_stays_flat() -> None:
    """A flat colour encoded as JPEG q=75 decodes flat (spread 0 measured for 200+ colours); with
    sensor-like noise (sigma 4) added before encoding, the spread stays far below any picture's
    (measured: at most 6; sigma 8 gives 10), which is what the monochrome rule's tolerance needs."""
    rng = np.random.default_rng(0)
    for colour in [(255, 255, 255), (127, 127, 127), (200, 30, 30), (30, 60, 200), (250, 250, 5)]:
        flat = inspect_image(_encode(Image.new("RGB", (468, 60), colour), "JPEG", quality=75))
        assert flat.colour_spread <= 2 and flat.dominant_fraction == 1.0
        noisy = np.clip(np.array(colour, float) + rng.normal(0, 4, (60, 468, 3)), 0, 255).astype(np.uint8)
        info = inspect_image(_encode(Image.fromarray(noisy), "JPEG", quality=75))
        assert info.colour_spread <= 16 and info.dominant_fraction >= 0.9, (colour, info)


def test_dominant_colour_is_not_split_by_a_quantisation_boundary() -> None:
    """127 and 128 fall in different cells of an 8-level grid; the shifted grid keeps them together."""
    pixels = np.full((40, 40, 3), 127, np.uint8)
    pixels[:, 20:] = 128
    info = inspect_image(_encode(Image.fromarray(pixels), "PNG"))
    assert info.colour_spread == 1 and info.dominant_fraction == 1.0


@pytest.mark.parametrize("name", ["hopper.jpg", "hopper.png", "flower.jpg", "flower.webp", "flower2.jpg", "test-card.png"])
def test_photos_spread_wide_and_are_coloured(shared_data: Path, name: str) -> None:
    info = inspect_image(_real(shared_data, name))
    assert info.colour_spread >= 200 and not info.grayscale and info.dominant_fraction < 0.2


def test_black_and_white_photos_are_grayscale_with_a_wide_spread(shared_data: Path) -> None:
    hopper = _real(shared_data, "hopper.png")
    with Image.open(io.BytesIO(hopper)) as im:
        grey_as_rgb_jpeg = _encode(im.convert("L").convert("RGB"), "JPEG", quality=75)  # 3 channels, grey content
    samples = [
        _real(shared_data, "hopper_gray.jpg"),  # L
        _real(shared_data, "hopper_bw_500.png"),  # 1 (dithered)
        _real(shared_data, "jwat_small_BNF__002.jpg", "web"),  # a 1997 web photo, L
        _real(shared_data, "ukwa_wikipedia-mona-lisa__013.jpg", "web"),  # an RGB scan of an engraving
        grey_as_rgb_jpeg,
    ]
    for data in samples:
        info = inspect_image(data)
        assert info.grayscale and info.colour_spread >= 128, info


@pytest.mark.parametrize("name", ["copyleft.png", "g4-fillorder-test.png", "bw_gradient.png", "sunraster.im1.png"])
def test_line_art_is_grayscale_with_a_wide_spread(shared_data: Path, name: str) -> None:
    info = inspect_image(_real(shared_data, name))
    assert info.grayscale and info.colour_spread >= 200


def test_tinted_logo_is_not_grayscale(shared_data: Path) -> None:
    """The first web images whose tint a person sees (a green Creative Commons badge, sepia
    logos) lie just above GRAY_TOLERANCE; a grey "Fork me" ribbon lies just below."""
    for name in ["aut_IAH-20080430204825-00000-blackbook__032.gif", "aut_IAH-20080430204825-00000-blackbook__051.gif"]:
        assert not inspect_image(_real(shared_data, name, "web")).grayscale
    assert inspect_image(_real(shared_data, "nodewarc_parseMe__001.png", "web")).grayscale
    assert GRAY_TOLERANCE == 16


def test_statistics_ignore_transparent_pixels(shared_data: Path) -> None:
    # Half opaque red, half transparent with random colours underneath: only the red counts.
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (50, 80, 4), dtype=np.uint8)
    pixels[:, :, 3] = 0
    pixels[:, :40] = (220, 20, 20, 255)
    info = inspect_image(_encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    assert (info.colour_spread, info.dominant_fraction, info.opaque_fraction) == (0, 1.0, 0.5)

    # transparent.png with its fully transparent pixels recoloured: the same statistics.
    with Image.open(io.BytesIO(_real(shared_data, "transparent.png"))) as im:
        original = np.array(im.convert("RGBA"))
    recoloured = original.copy()
    hidden = recoloured[:, :, 3] == 0
    recoloured[hidden, :3] = rng.integers(0, 256, (int(hidden.sum()), 3), dtype=np.uint8)
    a = inspect_image(_encode(Image.fromarray(original, "RGBA"), "PNG"))
    b = inspect_image(_encode(Image.fromarray(recoloured, "RGBA"), "PNG"))
    assert (a.colour_spread, a.dominant_fraction, a.grayscale, a.opaque_fraction, a.phash) == (
        b.colour_spread,
        b.dominant_fraction,
        b.grayscale,
        b.opaque_fraction,
        b.phash,
    )


def test_fully_transparent_image() -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (30, 30, 4), dtype=np.uint8)
    pixels[:, :, 3] = ALPHA_MIN - 1  # nearly transparent counts as transparent
    info = inspect_image(_encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    assert (info.colour_spread, info.dominant_fraction, info.grayscale, info.opaque_fraction) == (0, 1.0, True, 0.0)
    spacer = inspect_image(_encode(Image.new("RGBA", (1, 1), (0, 0, 0, 0)), "GIF"))
    assert (spacer.format, spacer.opaque_fraction, spacer.colour_spread) == ("GIF", 0.0, 0)


# --- perceptual hash -------------------------------------------------------------------------


def test_same_picture_in_every_format_hashes_alike(shared_data: Path) -> None:
    names = ["hopper.png", "hopper.jpg", "hopper.webp", "hopper.gif", "hopper_resized.gif", "hopper_gray.jpg"]
    hashes = [inspect_image(_real(shared_data, n)).phash for n in names]
    assert hashes[0] == HOPPER_PHASH
    assert max(phash_distance(hashes[0], h) for h in hashes) <= 10
    with Image.open(io.BytesIO(_real(shared_data, "hopper.png"))) as im:
        bigger = im.resize((300, 300), Image.Resampling.BICUBIC)
    assert phash_distance(inspect_image(_encode(bigger, "JPEG", quality=50)).phash, HOPPER_PHASH) <= 10
    flower = inspect_image(_real(shared_data, "flower.jpg")).phash
    assert phash_distance(flower, inspect_image(_real(shared_data, "flower.webp")).phash) <= 10


def test_different_pictures_hash_far_apart(shared_data: Path) -> None:
    pictures = ["hopper.png", "flower.jpg", "flower2.jpg", "chi.gif", "test-card.png", "xmp_test.jpg", "pil123rgba.png", "copyleft.png"]
    hashes = [inspect_image(_real(shared_data, n)).phash for n in pictures]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert phash_distance(a, b) >= 20


def test_hash_is_deterministic(shared_data: Path) -> None:
    data = _real(shared_data, "flower2.jpg")
    assert len({inspect_image(data).phash for _ in range(3)}) == 1
    # A flat image has no structure: every AC coefficient is exactly 0 (integer DCT, so no
    # rounding noise decides the 63 AC bits) and only the DC bit can be set (not for black).
    for colour, expected in [((0, 0, 0), "0000000000000000"), ((255, 255, 255), "8000000000000000"), ((17, 200, 99), "8000000000000000")]:
        assert inspect_image(_encode(Image.new("RGB", (40, 30), colour), "PNG")).phash == expected


def test_phash_distance() -> None:
    assert phash_distance("0" * 16, "f" * 16) == 64
    assert phash_distance(HOPPER_PHASH, HOPPER_PHASH) == 0
    assert phash_distance("8000000000000000", "0000000000000001") == 2


# --- content sniffing ------------------------------------------------------------------------


def test_sniff_real_files(shared_data: Path) -> None:
    expected = {
        "hopper.jpg": "image/jpeg",
        "pil_sample_cmyk.jpg": "image/jpeg",
        "hopper.png": "image/png",
        "hopper.gif": "image/gif",
        "chi.gif": "image/gif",
        "hopper.webp": "image/webp",
        "transparent.webp": "image/webp",
        "avif__hopper.avif": "image/avif",
        "hopper.ico": "image/x-icon",
        "python.ico": "image/x-icon",
    }
    for name, mime in expected.items():
        assert sniff_content_type(_real(shared_data, name)) == mime, name


def test_sniff_built_files_and_text(shared_data: Path) -> None:
    with Image.open(io.BytesIO(_real(shared_data, "hopper.png"))) as hopper:
        hopper.load()
        assert sniff_content_type(_encode(hopper, "BMP")) == "image/bmp"
        assert sniff_content_type(_encode(hopper, "TIFF")) == "image/tiff"
        assert sniff_content_type(_encode(hopper, "TIFF", compression="tiff_lzw")) == "image/tiff"
    assert sniff_content_type(b'<svg xmlns="http://www.w3.org/2000/svg"/>') == "image/svg+xml"
    assert sniff_content_type(b'\xef\xbb\xbf  <?xml version="1.0"?><!-- x --><!DOCTYPE svg><svg/>') == "image/svg+xml"
    assert sniff_content_type(b"<?xml version='1.0'?><html><svg/></html>") is None  # XHTML with inline SVG
    assert sniff_content_type(b"<!doctype html><html></html>") is None
    assert sniff_content_type(b"BM is also how this sentence starts") is None
    assert sniff_content_type(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") is None  # HEIC, not AVIF
    assert sniff_content_type(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf") == "image/avif"
    assert sniff_content_type(b"") is None
    assert sniff_content_type(np.random.default_rng(3).bytes(64)) is None
