"""Pixels for the demo crawl: seeded paintings and encoders whose bytes depend only on the pixels.

The pipeline's image stages need real image content (texture, flat graphics, greyscale, icons,
blank fills) in every format they must handle, and `weft.demo.crawl` promises byte-identical
files for one seed. This module owns both halves of that promise: `paint` draws from a
`random.Random` the caller seeds (never global state), and `encode` saves with fixed settings and
no metadata. Which image gets which size, format and URL is page planning and stays in
`weft.demo.crawl`.
"""

from __future__ import annotations

import random
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["encode", "paint", "paint_diagram"]


def _random_colour(rng: random.Random, lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, round(c * factor))) for c in colour)
    return r, g, b


def _texture(img: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Blend in smooth seeded noise, so photos have the texture a filter can measure."""
    w, h = img.size
    small = (max(2, w // 6), max(2, h // 6))
    noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    noise = noise.resize((w, h), Image.Resampling.BICUBIC)
    img = Image.blend(img, Image.merge("RGB", (noise, noise, noise)), strength)
    return img.filter(ImageFilter.BoxBlur(1))


def _paint_landscape(w: int, h: int, rng: random.Random) -> Image.Image:
    gradient = Image.linear_gradient("L").resize((w, h))
    img = ImageOps.colorize(gradient, _random_colour(rng, 60, 200), _random_colour(rng, 150))
    img = img.convert("RGB")
    draw = ImageDraw.Draw(img)
    radius = rng.randint(max(3, h // 14), max(4, h // 7))
    sx, sy = rng.randint(radius, w - radius), rng.randint(radius, max(radius, h // 3))
    draw.ellipse((sx - radius, sy - radius, sx + radius, sy + radius),
                 fill=_random_colour(rng, 200))
    land = _random_colour(rng, 40, 160)
    layers = rng.randint(2, 4)
    for layer in range(layers):
        base = h * (0.45 + 0.5 * (layer + 1) / (layers + 1))
        ridge = [(w * i / 8, base - rng.uniform(0.02, 0.22) * h) for i in range(9)]
        draw.polygon([(0, h), *ridge, (w, h)], fill=_shade(land, 1.2 - 0.25 * layer))
    for _ in range(rng.randint(3, 9)):  # trees
        tx, ty = rng.uniform(0, w), rng.uniform(h * 0.6, h)
        size = rng.uniform(h * 0.04, h * 0.12)
        draw.polygon([(tx, ty - size * 2), (tx - size, ty), (tx + size, ty)],
                     fill=_shade(land, rng.uniform(0.35, 0.6)))
    return _texture(img, rng, 0.12)


def _paint_still_life(w: int, h: int, rng: random.Random) -> Image.Image:
    table = _random_colour(rng, 60, 180)
    img = Image.new("RGB", (w, h), _random_colour(rng, 120, 240))
    draw = ImageDraw.Draw(img)
    horizon = int(h * rng.uniform(0.45, 0.65))
    draw.rectangle((0, horizon, w, h), fill=table)
    for i in range(rng.randint(4, 12)):  # wood grain
        y = horizon + (h - horizon) * i / 12
        draw.line((0, y, w, y + rng.uniform(-4, 4)), fill=_shade(table, 0.85), width=2)
    for _ in range(rng.randint(2, 5)):  # bowls, fruit, jars
        cw, ch = rng.uniform(w * 0.12, w * 0.35), rng.uniform(h * 0.1, h * 0.3)
        cx, cy = rng.uniform(cw / 2, w - cw / 2), rng.uniform(horizon, h - ch / 2)
        colour = _random_colour(rng, 30, 250)
        draw.ellipse((cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2), fill=colour)
        draw.ellipse((cx - cw / 5, cy - ch / 3, cx, cy - ch / 6), fill=_shade(colour, 1.35))
    return _texture(img, rng, 0.1)


def _paint_interior(w: int, h: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (w, h), _random_colour(rng, 90, 220))
    draw = ImageDraw.Draw(img)
    floor = int(h * rng.uniform(0.6, 0.8))
    draw.rectangle((0, floor, w, h), fill=_random_colour(rng, 50, 140))
    for _ in range(rng.randint(2, 4)):  # windows
        ww, wh = rng.uniform(w * 0.08, w * 0.2), rng.uniform(h * 0.2, h * 0.4)
        x, y = rng.uniform(0, w - ww), rng.uniform(h * 0.05, max(h * 0.05, floor - wh))
        draw.rectangle((x, y, x + ww, y + wh), fill=_random_colour(rng, 200),
                       outline=(40, 40, 40), width=3)
    for _ in range(rng.randint(3, 8)):  # furniture, display cases, people
        bw, bh = rng.uniform(w * 0.05, w * 0.25), rng.uniform(h * 0.1, h * 0.4)
        x = rng.uniform(0, w - bw)
        draw.rectangle((x, floor - bh, x + bw, floor + rng.uniform(0, h * 0.1)),
                       fill=_random_colour(rng, 20, 200))
    return _texture(img, rng, 0.1)


def paint_diagram(w: int, h: int, rng: random.Random, *, line: bool) -> Image.Image:
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    margin = max(6, min(w, h) // 10)
    for i in range(5):  # grid
        y = margin + (h - 2 * margin) * i / 4
        draw.line((margin, y, w - margin, y), fill=(225, 225, 225), width=1)
    draw.line((margin, margin, margin, h - margin), fill=(60, 60, 60), width=2)
    draw.line((margin, h - margin, w - margin, h - margin), fill=(60, 60, 60), width=2)
    values = [rng.uniform(0.1, 1.0) for _ in range(12)]
    colour = _random_colour(rng, 20, 180)
    step = (w - 2 * margin) / len(values)
    if line:
        points = [(margin + step * (i + 0.5), h - margin - v * (h - 2 * margin))
                  for i, v in enumerate(values)]
        draw.line(points, fill=colour, width=2)
    else:
        for i, v in enumerate(values):
            x = margin + step * i + step * 0.15
            draw.rectangle((x, h - margin - v * (h - 2 * margin), x + step * 0.7, h - margin - 1),
                           fill=colour)
    return img


def _paint_icon(side: int, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (side, side), _random_colour(rng, 180))
    draw = ImageDraw.Draw(img)
    ink = _random_colour(rng, 0, 120)
    pad = max(2, side // 6)
    if rng.random() < 0.5:
        draw.ellipse((pad, pad, side - pad, side - pad), fill=ink)
    else:
        draw.polygon([(side / 2, pad), (side - pad, side - pad), (pad, side - pad)], fill=ink)
    return img


def paint(kind: str, w: int, h: int, rng: random.Random) -> Image.Image:
    if kind == "solid":
        grey = rng.randint(150, 235)
        colour = (grey, grey, grey) if rng.random() < 0.6 else _random_colour(rng, 60, 240)
        return Image.new("RGB", (w, h), colour)
    if kind == "icon":
        return _paint_icon(w, rng)
    if kind == "diagram":
        return paint_diagram(w, h, rng, line=rng.random() < 0.5)
    painter = rng.choice((_paint_landscape, _paint_still_life, _paint_interior))
    img = painter(w, h, rng)
    if kind == "gray":
        return ImageOps.autocontrast(img.convert("L"), cutoff=1)
    if kind != "photo":
        raise ValueError(f"unknown image kind {kind!r}")
    return img


def encode(img: Image.Image, fmt: str) -> bytes:
    """Encode with fixed settings and no metadata, so the bytes depend only on the pixels."""
    out = BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=78)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=70, method=2)
    elif fmt == "PNG":
        if img.mode == "RGB" and img.getcolors(256) is not None:  # flat graphics: palette PNG
            img = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        img.save(out, "PNG")
    elif fmt == "GIF":
        if img.mode == "P":  # the 1x1 pixels: index 0, transparent
            img.save(out, "GIF", transparency=0)
        else:
            img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, "GIF")
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return out.getvalue()
