"""Fixtures for the training tests: one torch thread, and the colour crawl of the fidelity test."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.helpers import job, run_inline


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Train on one thread: the results do not depend on the machine's core count, and tests
    sharing a small machine do not fight over its cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


COLOURS = {
    "red": (215, 40, 40),
    "green": (40, 165, 60),
    "blue": (40, 70, 215),
    "yellow": (230, 215, 40),
    "purple": (135, 50, 165),
    "orange": (240, 140, 30),
    "cyan": (40, 200, 210),
    "white": (240, 240, 240),
}
"""Colour names with distinct first letters, so the first byte after `</image>` decides the word."""

NOTES = ("Oak frame.", "Sold.", "A gift.", "On loan.", "In the hall.", "New.", "Signed.", "Restored.")


@dataclass(frozen=True)
class ColourCrawl:
    """A job's output for the colour crawl: `train` and `eval` are its shards of each input."""

    out: Path
    train: list[Path]
    eval: list[Path]
    colours: dict[str, list[str]]
    """Page URL -> the colour named after each of its images, in order."""


def _pick(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("\x00".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def _painted(colour: str, seed: int, size: int = 32) -> bytes:
    """A PNG of `colour` under strong per-pixel noise: textured, so no image rule would call it
    blank, and each image differs from every other of its colour."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(COLOURS[colour], dtype=np.int16) + rng.integers(-35, 36, size=(size, size, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").save(buf, "PNG")
    return buf.getvalue()


def write_colour_warc(path: Path, pages: range, images_per_page: int) -> dict[str, list[str]]:
    """Gallery pages whose text right after each image starts with that image's colour name
    (colours drawn per image, so they vary within a page), and the images as response records
    in the same WARC, written with warcio. Alt text and URLs say nothing about colours."""
    names = list(COLOURS)
    truth: dict[str, list[str]] = {}
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)

        def record(url: str, content_type: str, body: bytes) -> None:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
                warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>", "WARC-Date": "2024-06-01T00:00:00Z"},
            ))

        for page in pages:
            url = f"http://gallery.example.org/room/{page}.html"
            colours = [names[_pick(page, k) % len(names)] for k in range(images_per_page)]
            truth[url] = colours
            body = f"<html lang=en><head><title>Room {page}</title></head><body><article><h1>Room {page}</h1><p>{NOTES[_pick(page) % len(NOTES)]}</p>"
            for k, colour in enumerate(colours):
                body += f'<img src="/pictures/{page}-{k}.png" width="32" height="32" alt="picture {k + 1}"><p>{colour}. {NOTES[_pick(page, k, "note") % len(NOTES)]}</p>'
            record(url, "text/html; charset=utf-8", (body + "</article></body></html>").encode())
            for k, colour in enumerate(colours):
                record(f"http://gallery.example.org/pictures/{page}-{k}.png", "image/png", _painted(colour, _pick(page, k, "pixels")))
    return truth


@pytest.fixture(scope="session")
def colour_crawl(tmp_path_factory: pytest.TempPathFactory) -> ColourCrawl:
    """240 training pages and 40 held-out pages of 6 images each, run through the real job (no
    filter rules; images from the WARC's own records)."""
    work = tmp_path_factory.mktemp("colours")
    truth = write_colour_warc(work / "rooms-train.warc.gz", range(240), 6)
    truth |= write_colour_warc(work / "rooms-eval.warc.gz", range(10_000, 10_040), 6)
    out = work / "out"
    manifest = run_inline(job(out, work / "rooms-train.warc.gz", work / "rooms-eval.warc.gz", images={"resolve": True, "download": False}))
    assert manifest["counts"]["documents"]["written"] == 280
    parquet = sorted(out.glob("*.parquet"))
    return ColourCrawl(out, [p for p in parquet if p.name.startswith("rooms-train")], [p for p in parquet if p.name.startswith("rooms-eval")], truth)
