"""What every stage of a job looks like to the executors that run it.

A stage is plain Python: it is built on the driver (so it must pickle), gets `setup()` once per
worker process before its first batch (load a model, open a client), then `process(batch)` per
batch. It never imports Ray and never knows which executor runs it, so every stage unit-tests by
calling `process` on a batch, and the in-process executor and the Ray Data executor
(`pipeline/run/`) run exactly the same code. `resources` says what one running copy needs; the
Ray executor passes it on to Ray Data, the in-process executor runs one copy at a time.

The batches are the job's units of work (`pipeline/chunk.py`): an Arrow table with one input URI,
a table of one chunk's pages, a `Chunk` of documents, or the rows of one exchange partition.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class Resources:
    """What one running copy of a stage needs."""

    cpus: float = 1.0
    memory_mb: int = 0
    """Peak memory one copy is expected to use beyond the worker's own (0: not declared)."""


class Stage(ABC):
    """One step of work on a batch: `setup()` once per process, then `process(batch)` per batch."""

    name: ClassVar[str]
    resources: ClassVar[Resources] = Resources()

    def setup(self) -> None:
        """Load what is expensive to load (models, clients) once per worker process. Stages keep
        such things out of `__init__` so that building the plan on the driver stays cheap and
        what is shipped to workers stays small."""

    @abstractmethod
    def process(self, batch: Any) -> Any:
        """Turn one batch into the next; pure apart from the files under OUTPUT it declares."""

    def persists(self) -> tuple[Path, ...]:
        """What one unit of this stage writes under OUTPUT (with `<unit>` placeholders), for
        `weft run --explain`; the paths come from the job's `OutputLayout`."""
        return ()

    def describe(self) -> str:
        """One line for `weft run --explain`: the first line of the class docstring."""
        doc = (type(self).__doc__ or "").strip()
        return doc.split("\n", 1)[0]
