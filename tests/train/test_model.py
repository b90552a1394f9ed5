"""The reference decoder on batches from shards the pipeline wrote from real WARCs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from weft.schemas.reader import iter_documents
from weft.schemas.stream import ShardSet, Shuffle
from weft.train import ByteTokenizer, ImageTransform, SampleBuilder, SampleConfig
from weft.train.loader import Collate, WeftDataset
from weft.train.loop import StepLog, batches_forever, build_model, train
from weft.train.model import DecoderConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAMPLES = SampleConfig(max_length=128, tokens_per_image=4, image=ImageTransform(size=16))
MODEL = DecoderConfig.for_samples(SAMPLES, d_model=64, layers=2, heads=4, patch_size=4)


def loader(*outputs: Path, batch_size: int = 8) -> DataLoader:
    dataset = WeftDataset(ShardSet(list(outputs)), SampleBuilder(SAMPLES), shuffle=Shuffle(seed=0, buffer=16))
    return DataLoader(dataset, batch_size=batch_size, collate_fn=dataset.collate)


def test_training_on_shards_lowers_the_loss(books_shards: Path, cc_shards: Path) -> None:
    logs: list[StepLog] = []
    model = build_model(MODEL, seed=0)
    losses = train(model, batches_forever(loader(books_shards, cc_shards)), steps=40, lr=3e-3, log=logs.append)
    assert len(losses) == 40 and [s.step for s in logs] == list(range(1, 41))
    assert losses[0] == pytest.approx(torch.log(torch.tensor(float(MODEL.vocab_size))).item(), abs=0.5), "starts near uniform"
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.7, losses
    assert all(s.text_tokens > 0 for s in logs)


def test_build_model_depends_on_the_seed_only() -> None:
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a, b, c = build_model(MODEL, seed=1), build_model(MODEL, seed=1), build_model(MODEL, seed=2)
    assert torch.equal(torch.random.get_rng_state(), state), "the global generator is left alone"
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.tokens.weight, c.tokens.weight)


def test_images_reach_the_model_at_their_positions_only(books_shards: Path) -> None:
    """Changing one image changes the logits of its own row from its first embedding position
    on, and nothing before it or in any other row: the model sees an image nowhere else."""
    batch = next(iter(loader(books_shards, batch_size=4)))
    model = build_model(MODEL, seed=0).eval()
    args = lambda images: (batch["input_ids"], images, batch["image_rows"], batch["image_positions"])
    with torch.no_grad():
        base = model(*args(batch["images"]))
        for j in (0, len(batch["images"]) // 2, len(batch["images"]) - 1):
            images = batch["images"].clone()
            images[j] = torch.flip(images[j], dims=(1,)) + 1.0
            changed = (model(*args(images)) - base).abs().amax(dim=-1) > 1e-5
            row, first = int(batch["image_rows"][j]), int(batch["image_positions"][j, 0])
            assert not changed[:row].any() and not changed[row + 1 :].any()
            assert not changed[row, :first].any() and changed[row, first:].all()


def test_padding_does_not_change_real_positions(books_shards: Path) -> None:
    [doc] = iter_documents(books_shards)
    batch = Collate(ByteTokenizer.SPECIAL)(SampleBuilder(SAMPLES)(doc)[-3:])
    model = build_model(MODEL, seed=0).eval()
    short = int(batch["attention_mask"].sum(dim=1).argmin())
    length = int(batch["attention_mask"][short].sum())
    assert length < batch["input_ids"].shape[1], "the batch pads its shortest row"
    mine = batch["image_rows"] == short
    with torch.no_grad():
        padded = model(batch["input_ids"], batch["images"], batch["image_rows"], batch["image_positions"])[short, :length]
        alone = model(batch["input_ids"][short : short + 1, :length], batch["images"][mine], torch.zeros(int(mine.sum()), dtype=torch.int64), batch["image_positions"][mine])[0]
    assert torch.allclose(padded, alone, atol=1e-5)


def test_loss_is_over_text_targets_only(books_shards: Path) -> None:
    batch = next(iter(loader(books_shards, batch_size=4)))
    model = build_model(MODEL, seed=0).eval()
    with torch.no_grad():
        logits = model(batch["input_ids"], batch["images"], batch["image_rows"], batch["image_positions"])
        rows, cols = torch.nonzero(batch["loss_mask"][:, 1:], as_tuple=True)
        manual = F.cross_entropy(logits[rows, cols], batch["input_ids"][rows, cols + 1])
        assert model.loss(batch).item() == pytest.approx(manual.item(), rel=1e-6)
        assert len(rows) < int(batch["attention_mask"][:, 1:].sum()), "image spans are not targets"


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="multiple of patch_size"):
        DecoderConfig(image_size=30, patch_size=8)
    with pytest.raises(ValueError, match="cannot be pooled"):
        DecoderConfig(image_size=16, patch_size=8, tokens_per_image=8)
    model = build_model(MODEL, seed=0)
    too_long = torch.zeros((1, MODEL.max_length + 1), dtype=torch.int64)
    with pytest.raises(ValueError, match="longer than the model"):
        model(too_long, torch.zeros((0, 3, 16, 16)), torch.zeros(0, dtype=torch.int64), torch.zeros((0, 4), dtype=torch.int64))
