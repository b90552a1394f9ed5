"""The kinds of phase a plan is made of, and what they are made of (see `pipeline/run/plan.py`).

Kept apart from the plan itself so that the modules which build the phases of one part of a
job (e.g. `pipeline/run/dedup_phases.py`) and the executors can use them without importing the
whole plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Union

import pyarrow as pa

from weft.pipeline.chunk import stem_of
from weft.pipeline.images.download import ByteBudget
from weft.pipeline.layout import OutputLayout, read_parquet
from weft.pipeline.markers import has_marker
from weft.pipeline.read.inputs import input_tag
from weft.pipeline.read.stage import READ_STEP
from weft.pipeline.stage import Stage


@dataclass(frozen=True)
class Shared:
    """What an executor provides to the stages of a whole job: today, the download byte budget
    (one per job, however many download tasks run at once)."""

    budget: ByteBudget | None = None


StageFactory = Callable[[Shared], Stage]


@dataclass(frozen=True)
class MapInputs:
    """Read each input file into chunks; run `chain` on every chunk. The chain's last stage writes
    the chunk's marker under `step`."""

    name: str
    read: StageFactory
    chain: tuple[StageFactory, ...]
    step: str

    def pending_inputs(self, layout: OutputLayout, inputs: list[str]) -> list[str]:
        """The inputs with work left: not read to the end, or a chunk of theirs not done."""
        return [uri for uri in inputs if not self._input_done(layout, uri)]

    def _input_done(self, layout: OutputLayout, uri: str) -> bool:
        marker = layout.done(READ_STEP, input_tag(uri))
        if not marker.is_file():
            return False
        data = json.loads(marker.read_text(encoding="utf-8"))
        return all(has_marker(layout, self.step, stem_of(data["input_tag"], c["first"])) for c in data["chunks"])

    def chunk_done(self, layout: OutputLayout, pages: pa.Table) -> bool:
        """Whether a chunk (one chunk's page table) finished in an earlier run of this job."""
        return has_marker(layout, self.step, stem_of(pages.column("input_tag")[0].as_py(), pages.column("ordinal")[0].as_py()))


@dataclass(frozen=True)
class Source:
    """Persisted rows that enter an exchange: which files, which columns, and the stage that maps
    them to the exchange's rows (built with the number of partitions)."""

    name: str
    files: Callable[[OutputLayout], list[Path]]
    columns: tuple[str, ...]
    rows: Callable[[int], Stage]
    with_path: bool = False
    """Add each row's file path as a `path` column (the file names the chunk)."""
    reader: Callable[[Path], pa.Table] | None = None
    """How to read one file, when it is not simply its `columns`."""

    def load(self, path: Path) -> pa.Table:
        """One persisted file of this source, as its rows stage takes it."""
        table = self.reader(path) if self.reader is not None else read_parquet(path, list(self.columns) or None)
        if self.with_path:
            table = table.append_column("path", pa.array([str(path)] * len(table), pa.string()))
        return table


@dataclass(frozen=True)
class Regroup:
    """One step of an exchange: the rows so far, grouped by `key`; every group through `stages`
    (whose output rows are the next step's input)."""

    key: str
    stages: tuple[StageFactory, ...]
    step: str | None = None
    """The step under which the last stage writes each group's marker: a group whose marker is
    there was finished by an earlier run of the job and is skipped."""

    def done(self, layout: OutputLayout, group: pa.Table) -> bool:
        return self.step is not None and has_marker(layout, self.step, str(group.column(self.key)[0].as_py()))


@dataclass(frozen=True)
class Exchange:
    """Barrier, then: the sources' rows (each with a `part` column) go through `steps` in order;
    the first step groups by `part`."""

    name: str
    barrier: str
    sources: tuple[Source, ...]
    partitions: Callable[[OutputLayout], int]
    steps: tuple[Regroup, ...]


@dataclass(frozen=True)
class Rounds:
    """Exchanges run one after another until the phase says the work is done (module docstring)."""

    name: str
    barrier: str
    rounds: Callable[[OutputLayout], Iterator[Exchange]]
    """Yields the next round's exchange after the previous one has run everywhere."""
    describe: Exchange
    """A round as `--explain` shows it (round 1)."""


Phase = Union[MapInputs, Exchange, Rounds]


def files_in(pattern: Callable[[OutputLayout], Path]) -> Callable[[OutputLayout], list[Path]]:
    """A source's files: the Parquet files of one directory under OUTPUT, in name order."""
    def files(layout: OutputLayout) -> list[Path]:
        directory = pattern(layout)
        return sorted(directory.glob("*.parquet")) if directory.is_dir() else []

    return files
