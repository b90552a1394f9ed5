"""Image bytes to model input, on real files of every awkward kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from weft.train.images import CLIP_MEAN, CLIP_STD, ImageDecodeError, ImageTransform

PILLOW = "images/pillow"


def unnormalise(pixels: np.ndarray, t: ImageTransform) -> np.ndarray:
    """Back to 0..255 RGB, (H, W, 3)."""
    rgb = pixels.transpose(1, 2, 0) * np.asarray(t.std) + np.asarray(t.mean)
    return np.rint(rgb * 255)


def test_shape_and_normalisation(shared_data: Path) -> None:
    t = ImageTransform(size=48)
    jpeg = sorted((shared_data / "images/web").glob("*.jpg"))[0].read_bytes()
    pixels = t(jpeg)
    assert pixels.shape == (3, 48, 48) and pixels.dtype == np.float32 and pixels.flags.c_contiguous
    back = unnormalise(pixels, t)
    assert back.min() >= -0.5 and back.max() <= 255.5, "the mean and std are undone exactly"
    assert t.mean == CLIP_MEAN and t.std == CLIP_STD


def test_shorter_side_is_resized_then_centre_cropped(tmp_path: Path) -> None:
    """A 300x100 image, left third red, middle green, right blue: the crop keeps the middle."""
    im = Image.new("RGB", (300, 100))
    for x0, colour in ((0, (255, 0, 0)), (100, (0, 255, 0)), (200, (0, 0, 255))):
        im.paste(colour, (x0, 0, x0 + 100, 100))
    im.save(tmp_path / "bands.png")
    t = ImageTransform(size=20)
    back = unnormalise(t((tmp_path / "bands.png").read_bytes()), t)
    assert np.allclose(back[:, 3:17], (0, 255, 0), atol=2)


def test_transparent_pixels_are_laid_on_white(shared_data: Path) -> None:
    t = ImageTransform(size=32)
    for name in ("transparent.png", "transparent.webp", "l_trns.png", "1_trns.png"):
        data = (shared_data / PILLOW / name).read_bytes()
        with Image.open(shared_data / PILLOW / name) as im:
            rgba = np.asarray(ImageOps.fit(im.convert("RGBA"), (32, 32), method=Image.Resampling.BICUBIC))
        back = unnormalise(t(data), t)
        clear = rgba[..., 3] == 0
        assert clear.any(), name
        assert np.allclose(back[clear], 255, atol=3), name


def test_exif_orientation_is_applied(shared_data: Path) -> None:
    """hopper_orientation_6.jpg stores its pixels rotated and an EXIF tag saying so."""
    data = (shared_data / PILLOW / "hopper_orientation_6.jpg").read_bytes()
    t = ImageTransform(size=64)
    with Image.open(shared_data / PILLOW / "hopper_orientation_6.jpg") as im:
        upright = np.asarray(im.transpose(Image.Transpose.ROTATE_270).convert("RGB").resize((64, 64)), dtype=np.float64)
        stored = np.asarray(im.convert("RGB").resize((64, 64)), dtype=np.float64)
    back = unnormalise(t(data), t)
    assert np.abs(back - upright).mean() < np.abs(back - stored).mean() / 2


@pytest.mark.parametrize("name", ["i_trns.png", "hopper.ico", "avif__hopper.avif"])
def test_other_modes_and_formats_decode(shared_data: Path, name: str) -> None:
    assert ImageTransform(size=16)((shared_data / PILLOW / name).read_bytes()).shape == (3, 16, 16)


def test_bad_bytes_raise_one_error_type(shared_data: Path) -> None:
    t = ImageTransform(size=16)
    jpeg = sorted((shared_data / "images/web").glob("*.jpg"))[0].read_bytes()
    for bad in (b"", b"not an image", jpeg[: len(jpeg) // 3], b'<svg xmlns="http://www.w3.org/2000/svg"/>'):
        with pytest.raises(ImageDecodeError):
            t(bad)
    with pytest.raises(ImageDecodeError, match="over the cap"):
        ImageTransform(size=16, max_pixels=100)(jpeg)
