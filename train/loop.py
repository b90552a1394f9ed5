"""A short training loop for the reference decoder: enough steps to show a loss going down.

`train` takes any iterable of batches (a DataLoader over `WeftDataset`, or `batches_forever` of
one), so the loop knows nothing about shards, and the CLI, the tests and a user's notebook run
the same code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import torch
from torch.utils.data import DataLoader

from weft.train.model import DecoderConfig, ReferenceDecoder


@dataclass(frozen=True)
class StepLog:
    """What one optimisation step did."""

    step: int
    loss: float
    samples: int
    text_tokens: int
    seconds: float


def build_model(cfg: DecoderConfig, seed: int) -> ReferenceDecoder:
    """A freshly initialised decoder whose weights depend on `seed` only; torch's global random
    state is left as it was (the initialisers draw from it, so it is forked around them)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ReferenceDecoder(cfg)


def batches_forever(loader: DataLoader) -> Iterator[dict[str, Any]]:
    """The loader's batches epoch after epoch, telling the dataset each new epoch (its shuffle)."""
    epoch = 0
    while True:
        set_epoch = getattr(loader.dataset, "set_epoch", None)
        if set_epoch is not None:
            set_epoch(epoch)
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("the data loader gave no batch: the shards hold no sample")
        epoch += 1


def train(
    model: ReferenceDecoder,
    batches: Iterable[dict[str, Any]],
    *,
    steps: int,
    lr: float = 3e-3,
    warmup: int = 5,
    log: Callable[[StepLog], None] | None = None,
) -> list[float]:
    """Train `model` for `steps` steps (fewer if `batches` ends first) with AdamW, a linear
    warm-up over `warmup` steps and gradient clipping at 1; the loss of every step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, warmup)))
    model.train()
    losses: list[float] = []
    for step, batch in zip(range(1, steps + 1), batches):
        started = time.perf_counter()
        loss = model.loss(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if log is not None:
            text_tokens = int(batch["loss_mask"][:, 1:].sum())
            log(StepLog(step, losses[-1], batch["input_ids"].shape[0], text_tokens, time.perf_counter() - started))
    return losses
