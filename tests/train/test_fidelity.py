"""Fidelity: weft keeps every image where the page showed it, proven by what a model can learn.

A crawl of gallery pages names each image's dominant colour in the text right after it (colours
vary within a page). The real job turns the WARC into shards; the reference decoder trained on
them predicts the colour word after `</image>` far above chance. Trained the same way on the
same shards with every image moved one slot later (the last to the first), it stays at chance:
the colour named after slot k is then shown only after the word, where a causal model cannot
look. If weft displaced images, the first model would be the second.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from weft.pipeline.write.shards import write_documents
from weft.schemas.document import Document, ImageSlot, TextBlock
from weft.schemas.reader import iter_documents
from weft.schemas.stream import Shuffle
from weft.train import ImageTransform, SampleBuilder, SampleConfig
from weft.train.loader import WeftDataset
from weft.train.loop import batches_forever, build_model, train
from weft.train.model import DecoderConfig, ReferenceDecoder
from tests.train.conftest import COLOURS, ColourCrawl

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAMPLES = SampleConfig(max_length=144, tokens_per_image=4, image=ImageTransform(size=16))
MODEL = DecoderConfig.for_samples(SAMPLES, d_model=64, layers=2, heads=4, patch_size=4)
STEPS, BATCH, LR = 150, 16, 3e-3
CHANCE = 1 / len(COLOURS)


def test_the_shards_say_what_the_crawl_said(colour_crawl: ColourCrawl) -> None:
    """Before any model: in weft's output, the text after every image names the colour the page
    gave it, and the image's pixels are of that colour."""
    transform = ImageTransform(size=8, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    docs = [d for p in colour_crawl.train + colour_crawl.eval for d in iter_documents(p)]
    assert len(docs) == 280
    for doc in docs:
        named = [doc.segments[i + 1].text.split(".")[0] for i, s in enumerate(doc.segments) if isinstance(s, ImageSlot)]  # type: ignore[union-attr]
        assert named == colour_crawl.colours[doc.url]
        for slot, colour in zip(doc.images, named):
            mean = transform(slot.content).mean(axis=(1, 2)) * 255  # type: ignore[arg-type]
            nearest = min(COLOURS, key=lambda c: float(np.sum((np.asarray(COLOURS[c]) - mean) ** 2)))
            assert nearest == colour


def shifted(doc: Document) -> Document:
    """The document with image k shown at slot k + 1 (and the last at slot 0)."""
    slots = doc.images
    moved = iter(slots[-1:] + slots[:-1])
    return replace(doc, segments=[next(moved) if isinstance(s, ImageSlot) else s for s in doc.segments])


def train_on(shards: list[Path]) -> ReferenceDecoder:
    dataset = WeftDataset(shards, SampleBuilder(SAMPLES), shuffle=Shuffle(seed=0, buffer=64))
    model = build_model(MODEL, seed=0)
    train(model, batches_forever(DataLoader(dataset, batch_size=BATCH, collate_fn=dataset.collate)), steps=STEPS, lr=LR)
    return model


def colour_accuracy(model: ReferenceDecoder, shards: list[Path]) -> tuple[float, int]:
    """How often the most likely colour at the position after `</image>` is the one named there
    (the colours' first ids differ, so the first id decides the word)."""
    builder = SampleBuilder(SAMPLES)
    candidates = torch.tensor([int(builder.tokenize(c)[0]) for c in COLOURS])
    assert len(set(candidates.tolist())) == len(COLOURS)
    dataset = WeftDataset(shards, builder)
    hits = total = 0
    model.eval()
    with torch.no_grad():
        for batch in DataLoader(dataset, batch_size=32, collate_fn=dataset.collate):
            logits = model(batch["input_ids"], batch["images"], batch["image_rows"], batch["image_positions"])
            rows, end = batch["image_rows"], batch["image_positions"][:, -1] + 1  # where </image> is
            named = batch["input_ids"][rows, end + 1]
            assert torch.isin(named, candidates).all(), "every image is followed by its colour word"
            guess = candidates[logits[rows, end][:, candidates].argmax(dim=-1)]
            hits += int((guess == named).sum())
            total += len(rows)
    return hits / total, total


def test_a_model_learns_colours_from_weft_shards_but_not_from_shifted_images(colour_crawl: ColourCrawl, tmp_path: Path, record_property) -> None:
    shifted_dir = tmp_path / "shifted"
    write_documents((shifted(d) for p in colour_crawl.train for d in iter_documents(p)), shifted_dir, "rooms-train-shifted", formats=["parquet"])
    first = next(iter_documents(shifted_dir))
    original = next(iter_documents(colour_crawl.train[0]))
    assert [s.url for s in first.images] == [s.url for s in original.images[-1:] + original.images[:-1]]
    assert [s.text for s in first.segments if isinstance(s, TextBlock)] == [s.text for s in original.segments if isinstance(s, TextBlock)]

    aligned, n = colour_accuracy(train_on(colour_crawl.train), colour_crawl.eval)
    displaced, _ = colour_accuracy(train_on(sorted(shifted_dir.glob("*.parquet"))), colour_crawl.eval)
    record_property("colour_accuracy_aligned", aligned)
    record_property("colour_accuracy_shifted", displaced)
    print(f"\ncolour accuracy on {n} held-out images (chance {CHANCE:.3f}): aligned {aligned:.3f}, shifted {displaced:.3f}")
    assert aligned >= 0.6, aligned
    assert displaced <= 0.3, displaced
    shutil.rmtree(shifted_dir)
