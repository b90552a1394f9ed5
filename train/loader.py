"""weft shards as a torch `IterableDataset`, and the collate function that pads samples into a batch.

    from torch.utils.data import DataLoader
    from weft.schemas import Shuffle
    from weft.train import SampleBuilder, SampleConfig
    from weft.train.loader import WeftDataset

    dataset = WeftDataset("out/", SampleBuilder(SampleConfig(max_length=2048)), rank=rank, world_size=world_size, shuffle=Shuffle(seed=0))
    loader = DataLoader(dataset, batch_size=8, num_workers=4, collate_fn=dataset.collate)
    for epoch in range(epochs):
        dataset.set_epoch(epoch)
        for batch in loader: ...

Rank and world size are arguments, never read from the environment; the worker id and count come
from the DataLoader (`torch.utils.data.get_worker_info`). Each (rank, worker) reader gets its own
share of the documents (`weft.schemas.stream`), so every document is used once per epoch. Images
are decoded and resized in the workers, where the samples are built.

Resuming: every batch carries `resume`, the `ResumePoint` of the worker that built it. Keep the
latest point per worker (`ResumePoint.worker`) with the model checkpoint; a new `WeftDataset`
given those points starts each worker where it stopped, in the epoch they name. The DataLoader
must have the same number of workers, the dataset the same shards, rank, world size and shuffle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from weft.schemas.reader import ShardFormat
from weft.schemas.stream import Partition, Position, ShardSet, Shuffle
from weft.train.samples import Sample, SampleBuilder
from weft.train.tokens import SpecialTokens


@dataclass(frozen=True)
class ResumePoint:
    """Where one DataLoader worker restarts: at `position` (None: the start of `epoch`), leaving
    out the first `samples` samples of the document read there (a split document may have been
    half used)."""

    partition: Partition
    epoch: int
    position: Position | None
    samples: int = 0

    @property
    def worker(self) -> int:
        return self.partition.worker

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for a trainer's checkpoint."""
        p = self.partition
        return {
            "partition": {"rank": p.rank, "world_size": p.world_size, "worker": p.worker, "num_workers": p.num_workers},
            "epoch": self.epoch,
            "position": None if self.position is None else self.position.to_dict(),
            "samples": self.samples,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResumePoint:
        position = data.get("position")
        return cls(Partition(**data["partition"]), int(data["epoch"]), None if position is None else Position.from_dict(position), int(data.get("samples", 0)))


class WeftDataset(IterableDataset):
    """Samples built from the documents of weft shards (see the module docstring)."""

    def __init__(
        self,
        source: str | Path | Sequence[str | Path] | ShardSet,
        builder: SampleBuilder,
        *,
        rank: int = 0,
        world_size: int = 1,
        shuffle: Shuffle | None = None,
        format: ShardFormat | None = None,
        filesystem: Any = None,
        resume: Iterable[ResumePoint] = (),
    ) -> None:
        super().__init__()
        Partition(rank, world_size)  # validate now, not in a worker
        self.shards = source if isinstance(source, ShardSet) else ShardSet(source, format=format, filesystem=filesystem)
        self.builder = builder
        self.rank, self.world_size = rank, world_size
        self.shuffle = shuffle
        self.epoch = 0
        self.resume = {point.worker: point for point in resume}

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch the next iteration reads (it decides the shuffle). Call it before
        iterating the DataLoader: workers copy the dataset when an iteration starts (so with
        `persistent_workers=True` they would keep the epoch they started with; leave it off)."""
        self.epoch = epoch

    @property
    def collate(self) -> Collate:
        return Collate(self.builder.special)

    def __iter__(self) -> Iterator[Sample]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 0)
        partition = Partition(self.rank, self.world_size, worker, workers)
        point = self.resume.get(worker)
        if point is not None and point.epoch != self.epoch:
            point = None  # a resume point applies to the epoch it was saved in only
        if point is not None and point.partition != partition:
            raise ValueError(f"resume point of {point.partition} given to reader {partition}: resume with the same rank, world size and DataLoader workers")
        before = point.position if point is not None else None
        drop = point.samples if point is not None else 0
        documents = self.shards.documents(partition=partition, epoch=self.epoch, shuffle=self.shuffle, resume=before)
        for doc, after in documents:
            samples = self.builder(doc)
            for sample in samples[drop:]:
                last = sample.index == len(samples) - 1
                sample.resume = ResumePoint(partition, self.epoch, after) if last else ResumePoint(partition, self.epoch, before, sample.index + 1)
                yield sample
            before, drop = after, 0


class Collate:
    """Samples to a batch of tensors, padded on the right to the longest sample.

    The batch is a dict: `input_ids` (B, L) int64, padded with `special.pad`; `attention_mask`
    (B, L) bool, True on real ids; `loss_mask` (B, L) bool, True where the id is one a model
    should learn to predict (text and `</s>`; not `<s>`, image spans or padding: Kosmos-1 trains
    on text tokens only); `images` (n, 3, H, W) float32, every image of the batch in order;
    `image_rows` (n,) and `image_positions` (n, tokens_per_image) int64, so that image i's
    embeddings go to `input_ids[image_rows[i], image_positions[i]]`; `doc_ids` and
    `sample_index` (which sample of its document each row is); and `resume`, the resume point
    after the batch (None for samples not read by `WeftDataset`).
    """

    def __init__(self, special: SpecialTokens) -> None:
        self.special = special
        self._not_targets = np.array([special.bos, special.image_start, special.image, special.image_end], dtype=np.int64)

    def __call__(self, samples: Sequence[Sample]) -> dict[str, Any]:
        if not samples:
            raise ValueError("cannot collate an empty batch")
        length = max(len(s) for s in samples)
        ids = np.full((len(samples), length), self.special.pad, dtype=np.int64)
        attention = np.zeros((len(samples), length), dtype=bool)
        for row, s in enumerate(samples):
            ids[row, : len(s)] = s.input_ids
            attention[row, : len(s)] = True
        loss = attention & ~np.isin(ids, self._not_targets)
        counts = [len(s.images) for s in samples]
        return {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(attention),
            "loss_mask": torch.from_numpy(loss),
            "images": torch.from_numpy(np.concatenate([s.images for s in samples])),
            "image_rows": torch.repeat_interleave(torch.arange(len(samples)), torch.tensor(counts, dtype=torch.int64)),
            "image_positions": torch.from_numpy(np.concatenate([s.image_positions for s in samples])),
            "doc_ids": [s.doc_id for s in samples],
            "sample_index": [s.index for s in samples],
            "resume": samples[-1].resume,
        }
