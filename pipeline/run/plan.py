"""A job is a plan: its stages in order, grouped into phases that end at barriers.

The plan is built once from the job's config (`build_plan`) and run by either executor: Ray Data
(`pipeline/run/ray_executor.py`) or in-process (`pipeline/run/local.py`). Neither executor knows
what a stage does; they know the two kinds of phase:

`MapInputs`
    One task per input file runs the read stage, which yields the file's pages in chunks; every
    chunk then runs the phase's chain of stages (fused: one chunk stays in one process, as plain
    Python objects, from extraction to its last stage). Chunks of one file run in parallel.

`Exchange`
    A barrier: it starts when the previous phase has finished everywhere. Rows persisted by
    earlier phases (each source's files, mapped to one row schema with a `part` column) go
    through a sequence of regroups: every row with the same key reaches one call of the step's
    stages, whose output rows are regrouped by the next step's key (the first step's key is
    `part`: every row of a partition reaches one call).

Every unit of work ends by writing its completion marker (`pipeline/markers.py`); the manifest
adds them up, so what the executor returns does not matter and cannot diverge between executors.
Adding a barrier (dedup, say) is adding a phase here, not changing an executor, unless it needs a
new kind of phase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Union

import pyarrow as pa
import pyarrow.parquet as pq

from weft.jobs.errors import UserError
from weft.jobs.spec import JobConfig
from weft.pipeline.extract.stage import ExtractStage
from weft.pipeline.images.attach import AttachImages
from weft.pipeline.images.download import ByteBudget
from weft.pipeline.images.exchange import (
    ARCHIVE_COLUMNS, SLOT_COLUMNS, ArchiveRows, PriorRows, SlotRows, partitions_for,
)
from weft.pipeline.images.resolve import ResolveImages
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.images.stage import StageChunk
from weft.pipeline.chunk import stem_of
from weft.pipeline.layout import OutputLayout
from weft.pipeline.markers import has_marker, read_markers
from weft.pipeline.read.inputs import input_tag
from weft.pipeline.read.stage import READ_STEP, ReadStage
from weft.pipeline.rules.stage import RulesStage, rule_chain
from weft.pipeline.stage import Stage
from weft.pipeline.write.stage import WriteStage

DOCUMENTS_STEP = "documents"
FINALIZE_STEP = "finalize"


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

    def load(self, path: Path) -> pa.Table:
        """One persisted file of this source, as its rows stage takes it."""
        table = pq.read_table(path, columns=list(self.columns) or None)
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


Phase = Union[MapInputs, Exchange]


@dataclass(frozen=True)
class Plan:
    job: str
    phases: tuple[Phase, ...]
    final_step: str
    """The step whose markers hold every page's final fate and the shards."""
    marker_steps: tuple[str, ...] = field(default=())
    """Every step that writes per-unit markers (their rule statistics add up)."""
    budget_bytes: int = 0
    """The download byte budget the executor shares between all download tasks (0: none)."""

    def explain(self, root: Path, shared: Shared = Shared()) -> str:
        """The plan as text: phases, barriers, stages with their resources, what each persists
        (relative to the output directory `root`)."""
        lines = [f"plan of job {self.job!r}: {len(self.phases)} phase(s)"]
        for n, phase in enumerate(self.phases, start=1):
            if isinstance(phase, MapInputs):
                lines.append(f"{n}. {phase.name}: one task per input file; each chunk of its pages through the chain")
                stages = [phase.read(shared)] + [make(shared) for make in phase.chain]
            else:
                lines.append(f"== barrier: {phase.barrier} ==")
                lines.append(f"{n}. {phase.name}: exchange of {', '.join(s.name for s in phase.sources)}, grouped by "
                             + ", then by ".join(step.key for step in phase.steps))
                stages = [make(shared) for step in phase.steps for make in step.stages]
            for stage in stages:
                lines.append(f"   - {stage.name:<15} {stage.describe()} [{stage.resources.cpus:g} CPU]")
                lines.extend(f"       writes {path.relative_to(root)}" for path in stage.persists())
        return "\n".join(lines)


def _files(pattern: Callable[[OutputLayout], Path]) -> Callable[[OutputLayout], list[Path]]:
    def files(layout: OutputLayout) -> list[Path]:
        directory = pattern(layout)
        return sorted(directory.glob("*.parquet")) if directory.is_dir() else []

    return files


def check_job(cfg: JobConfig) -> None:
    """What the job spec loader cannot check alone: the rules (registry) and how they fit the job."""
    image_rules = rule_chain(cfg.filters, "image")
    rule_chain(cfg.filters, "text")
    if image_rules is not None and not cfg.images.resolve:
        raise UserError(f"image rules ({image_rules.filters[0].key}, ...) need images.resolve = true")


def build_plan(cfg: JobConfig, layout: OutputLayout) -> Plan:
    """The job's plan. Raises `UserError` for a job whose rules cannot run (see `check_job`)."""
    try:
        check_job(cfg)
    except UserError as exc:
        raise UserError(f"job {cfg.name!r}: {exc}") from None
    read = lambda _s: ReadStage(cfg, layout)  # noqa: E731
    extract = lambda _s: ExtractStage(cfg)  # noqa: E731
    text_rules = lambda _s: RulesStage(cfg.filters, "text", layout)  # noqa: E731
    if not cfg.images.resolve:
        documents = MapInputs(
            DOCUMENTS_STEP, read,
            (extract, text_rules, lambda _s: WriteStage(cfg, layout, DOCUMENTS_STEP, with_images=False)),
            step=DOCUMENTS_STEP,
        )
        return Plan(cfg.name, (documents,), final_step=DOCUMENTS_STEP, marker_steps=(DOCUMENTS_STEP,))
    settings = ImageSettings.from_config(cfg.images)
    documents = MapInputs(
        DOCUMENTS_STEP, read,
        (extract, text_rules, lambda _s: StageChunk(layout, DOCUMENTS_STEP, cfg.images.max_images_per_doc)),
        step=DOCUMENTS_STEP,
    )

    def partitions(layout: OutputLayout) -> int:
        urls = sum(m.get("urls", 0) for m in read_markers(layout, DOCUMENTS_STEP))
        return partitions_for(urls, cfg.images.urls_per_shard)

    images = Exchange(
        "images",
        barrier="every chunk staged; the URLs of all inputs meet",
        sources=(
            Source("slots", _files(lambda lay: lay.docs_dir), SLOT_COLUMNS,
                   lambda parts: SlotRows(parts, cfg.images.max_images_per_doc), with_path=True),
            Source("archive images", _files(lambda lay: lay.archive_images_dir), ARCHIVE_COLUMNS, ArchiveRows),
            Source("earlier downloads", _files(lambda lay: lay.download_results_dir), (), PriorRows),
        ),
        partitions=partitions,
        steps=(
            Regroup("part", (lambda shared: ResolveImages(settings, layout, shared.budget),)),
            Regroup("stem", (
                lambda _s: AttachImages(settings, layout),
                lambda _s: RulesStage(cfg.filters, "image", layout),
                lambda _s: WriteStage(cfg, layout, FINALIZE_STEP, with_images=True),
            ), step=FINALIZE_STEP),
        ),
    )
    return Plan(cfg.name, (documents, images), final_step=FINALIZE_STEP, marker_steps=(DOCUMENTS_STEP, FINALIZE_STEP),
                budget_bytes=cfg.images.max_job_bytes)


def run_chain(stages: list[Stage], batch: Any) -> Any:
    """One unit of work through a phase's chain of stages, in order, in this process."""
    for stage in stages:
        batch = stage.process(batch)
    return batch
