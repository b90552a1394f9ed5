"""The torch adapter: a real DataLoader, with real worker processes, over shards the pipeline wrote."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from weft.schemas.reader import iter_documents
from weft.schemas.stream import Partition, Shuffle
from weft.train import ByteTokenizer, ImageTransform, SampleBuilder, SampleConfig
from weft.train.loader import Collate, ResumePoint, WeftDataset

SPECIAL = ByteTokenizer.SPECIAL


def builder(max_length: int = 256) -> SampleBuilder:
    return SampleBuilder(SampleConfig(max_length=max_length, tokens_per_image=4, image=ImageTransform(size=16)))


def all_samples(output: Path, build: SampleBuilder) -> Counter[tuple[str, int]]:
    return Counter((s.doc_id, s.index) for doc in iter_documents(output) for s in build(doc))


@pytest.mark.parametrize("format", ["parquet", "webdataset"])
def test_ranks_times_workers_read_every_document_once(cc_shards: Path, format: str) -> None:
    build = builder()
    want = all_samples(cc_shards, build)
    assert len({d for d, _ in want}) == 21 and len(want) > 21, "some documents are split into several samples"
    for world_size in (1, 2, 3):
        for workers in (0, 1, 2):
            got: Counter[tuple[str, int]] = Counter()
            for rank in range(world_size):
                dataset = WeftDataset(cc_shards, build, rank=rank, world_size=world_size, shuffle=Shuffle(seed=5, buffer=4), format=format)  # type: ignore[arg-type]
                for batch in DataLoader(dataset, batch_size=3, num_workers=workers, collate_fn=dataset.collate):
                    point = batch["resume"]
                    assert point.partition.rank == rank and point.partition.world_size == world_size
                    assert point.partition.num_workers == workers
                    got.update(zip(batch["doc_ids"], batch["sample_index"]))
            assert got == want, (world_size, workers)


def test_collate_pads_and_places_images(books_shards: Path) -> None:
    build = builder(200)
    [doc] = iter_documents(books_shards)
    samples = build(doc)
    batch = Collate(SPECIAL)(samples)
    ids, attention, loss = batch["input_ids"], batch["attention_mask"], batch["loss_mask"]
    assert ids.shape == (len(samples), max(len(s) for s in samples)) and ids.dtype == torch.int64
    for row, s in enumerate(samples):
        assert ids[row, : len(s)].tolist() == s.input_ids.tolist()
        assert (ids[row, len(s) :] == SPECIAL.pad).all() and attention[row].sum() == len(s)
    assert batch["images"].shape == (20, 3, 16, 16)
    placed = ids[batch["image_rows"][:, None], batch["image_positions"]]
    assert (placed == SPECIAL.image).all(), "every image position holds the image id"
    assert (ids == SPECIAL.image).sum() == 20 * 4, "and there are no others"
    expected = torch.from_numpy(np.concatenate([s.images for s in samples]))
    assert torch.equal(batch["images"], expected)
    specials = torch.tensor([SPECIAL.bos, SPECIAL.image_start, SPECIAL.image, SPECIAL.image_end])
    assert not loss[torch.isin(ids, specials)].any() and not loss[~attention].any()
    assert loss[(ids >= ByteTokenizer.OFFSET) & attention].all() and loss[ids == SPECIAL.eos].all()
    assert batch["doc_ids"] == [doc.doc_id] * len(samples) and batch["sample_index"] == list(range(len(samples)))


@pytest.mark.parametrize("workers", [0, 2])
def test_resuming_from_saved_points_gives_exactly_the_rest(cc_shards: Path, workers: int) -> None:
    """Save each worker's latest point after k batches, start a new dataset from them: the
    batches it gives plus the k consumed are one whole epoch, even when the cut falls inside a
    document that was split into several samples."""
    build = builder(64)
    shuffle = Shuffle(seed=11, buffer=3)

    def run(resume: list[ResumePoint]) -> list[dict]:
        dataset = WeftDataset(cc_shards, build, rank=1, world_size=2, shuffle=shuffle, resume=resume)
        dataset.set_epoch(2)
        return list(DataLoader(dataset, batch_size=2, num_workers=workers, collate_fn=dataset.collate))

    def keys(batches: list[dict]) -> list[tuple[str, int]]:
        return [k for b in batches for k in zip(b["doc_ids"], b["sample_index"])]

    full = run([])
    assert len(full) > 6
    cut_inside_a_document = False
    for k in range(1, len(full), 1 if workers == 0 else 3):  # worker processes are slow to start
        saved: dict[int, ResumePoint] = {}
        for batch in full[:k]:
            saved[batch["resume"].worker] = ResumePoint.from_dict(batch["resume"].to_dict())
        cut_inside_a_document |= any(p.samples for p in saved.values())
        rest = run(list(saved.values()))
        assert sorted(keys(full[:k]) + keys(rest)) == sorted(keys(full)), k
        assert not set(keys(full[:k])) & set(keys(rest))
    assert cut_inside_a_document


def test_resume_points_check_their_reader(cc_shards: Path) -> None:
    point = ResumePoint(Partition(0, 2, 0, 0), 0, None, 0)
    dataset = WeftDataset(cc_shards, builder(), rank=1, world_size=2, resume=[point])
    with pytest.raises(ValueError, match="same rank"):
        next(iter(dataset))
    dataset.set_epoch(1)
    assert next(iter(dataset)).doc_id, "a point saved in another epoch does not apply"
    with pytest.raises(ValueError, match="rank 3"):
        WeftDataset(cc_shards, builder(), rank=3, world_size=2)


def test_both_formats_give_the_same_batches(cc_shards: Path) -> None:
    def batches(format: str) -> list[dict]:
        dataset = WeftDataset(cc_shards, builder(), shuffle=Shuffle(seed=1, buffer=5), format=format)  # type: ignore[arg-type]
        return list(DataLoader(dataset, batch_size=4, collate_fn=dataset.collate))

    parquet, tar = batches("parquet"), batches("webdataset")
    assert len(parquet) == len(tar)
    for a, b in zip(parquet, tar):
        for key in ("input_ids", "attention_mask", "loss_mask", "images", "image_rows", "image_positions"):
            assert torch.equal(a[key], b[key]), key
        assert a["doc_ids"] == b["doc_ids"]
