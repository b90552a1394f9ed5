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

`Rounds`
    A sequence of exchanges whose number the data decides (connected components: round after
    round until nothing changes). The phase yields one `Exchange` at a time; the executor runs
    it to the end before asking for the next, and the phase decides from the markers the round
    wrote whether another is needed.

Every unit of work ends by writing its completion marker (`pipeline/markers.py`); the manifest
adds them up, so what the executor returns does not matter and cannot diverge between executors.
Adding a barrier is adding phases here, not changing an executor, unless it needs a new kind of
phase: the dedup barrier (`pipeline/run/dedup_phases.py`) added `Rounds` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from weft.jobs.errors import UserError
from weft.jobs.spec import JobConfig
from weft.pipeline.extract.stage import ExtractStage
from weft.pipeline.images.attach import AttachImages
from weft.pipeline.images.counts import IMAGE_KEY, CountDocuments, KeyByImage
from weft.pipeline.images.exchange import (
    ARCHIVE_COLUMNS, SLOT_COLUMNS, ArchiveRows, PriorRows, SlotRows, partitions_for,
)
from weft.pipeline.images.resolve import ResolveImages
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.images.stage import StageChunk
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.dedup.sign import SignStage
from weft.pipeline.layout import OutputLayout
from weft.pipeline.markers import read_markers
from weft.pipeline.read.stage import ReadStage
from weft.pipeline.rules.stage import RulesStage, rule_chain
from weft.pipeline.run.dedup_phases import dedup_phases
from weft.pipeline.run.phases import (  # noqa: F401  (re-exported: the executors' vocabulary)
    Exchange, MapInputs, Phase, Regroup, Rounds, Shared, Source, StageFactory, files_in,
)
from weft.pipeline.run.watch import PhaseWatch
from weft.pipeline.stage import Stage
from weft.pipeline.write.stage import WriteStage

DOCUMENTS_STEP = "documents"
DEDUP_STEP = "dedup"
FINALIZE_STEP = "finalize"


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
    dedup: DedupSettings | None = None
    """The job's dedup passes (None: it has no dedup rule), for the manifest."""

    def explain(self, root: Path, shared: Shared = Shared()) -> str:
        """The plan as text: phases, barriers, stages with their resources, what each persists
        (relative to the output directory `root`)."""
        lines = [f"plan of job {self.job!r}: {len(self.phases)} phase(s)"]
        for n, phase in enumerate(self.phases, start=1):
            if isinstance(phase, MapInputs):
                lines.append(f"{n}. {phase.name}: one task per input file; each chunk of its pages through the chain")
                stages = [phase.read(shared)] + [make(shared) for make in phase.chain]
            elif isinstance(phase, Rounds):
                lines.append(f"== barrier: {phase.barrier} ==")
                lines.append(f"{n}. {phase.name}: rounds of exchange until no edge changes; each round grouped by part")
                stages = [make(shared) for step in phase.describe.steps for make in step.stages]
            else:
                lines.append(f"== barrier: {phase.barrier} ==")
                lines.append(f"{n}. {phase.name}: exchange of {', '.join(s.name for s in phase.sources)}, grouped by "
                             + ", then by ".join(step.key for step in phase.steps))
                stages = [make(shared) for step in phase.steps for make in step.stages]
            for stage in stages:
                lines.append(f"   - {stage.name:<15} {stage.describe()} [{stage.resources.cpus:g} CPU]")
                lines.extend(f"       writes {path.relative_to(root)}" for path in stage.persists())
        return "\n".join(lines)


def check_job(cfg: JobConfig) -> None:
    """What the job spec loader cannot check alone: the rules (registry) and how they fit the job."""
    image_rules = rule_chain(cfg.filters, "image")
    rule_chain(cfg.filters, "text")
    if image_rules is not None and not cfg.images.resolve:
        raise UserError(f"image rules ({image_rules.filters[0].key}, ...) need images.resolve = true")


def build_plan(cfg: JobConfig, layout: OutputLayout) -> Plan:
    """The job's plan. Raises `UserError` for a job whose rules cannot run (see `check_job`).

    documents (always) -> dedup keys, components, assign (with dedup rules) -> images (with the
    image stage). Without a later barrier the documents phase writes the shards itself."""
    try:
        check_job(cfg)
    except UserError as exc:
        raise UserError(f"job {cfg.name!r}: {exc}") from None
    dedup = DedupSettings.from_filters(cfg.filters)
    images = cfg.images.resolve
    read = lambda _s: ReadStage(cfg, layout)  # noqa: E731
    chain: tuple[StageFactory, ...] = (lambda _s: ExtractStage(cfg), lambda _s: RulesStage(cfg.filters, "text", layout))
    if dedup is not None:
        chain += (lambda _s: SignStage(dedup),)
    if dedup is None and not images:
        write = lambda _s: WriteStage(cfg, layout, DOCUMENTS_STEP, with_images=False)  # noqa: E731
        documents = MapInputs(DOCUMENTS_STEP, read, chain + (write,), step=DOCUMENTS_STEP)
        return Plan(cfg.name, (documents,), final_step=DOCUMENTS_STEP, marker_steps=(DOCUMENTS_STEP,))
    stage = lambda _s: StageChunk(layout, DOCUMENTS_STEP, cfg.images.max_images_per_doc)  # noqa: E731
    phases: tuple[Phase, ...] = (MapInputs(DOCUMENTS_STEP, read, chain + (stage,), step=DOCUMENTS_STEP),)
    marker_steps = (DOCUMENTS_STEP,)
    staged_step = DOCUMENTS_STEP
    if dedup is not None:
        if images:
            finish: tuple[StageFactory, ...] = (lambda _s: StageChunk(layout, DEDUP_STEP, cfg.images.max_images_per_doc, deduped=True),)
            finish_step = staged_step = DEDUP_STEP
        else:
            finish = (lambda _s: WriteStage(cfg, layout, FINALIZE_STEP, with_images=False),)
            finish_step = FINALIZE_STEP
        phases += dedup_phases(dedup, layout, tuple(cfg.filters), DOCUMENTS_STEP, finish, finish_step)
        marker_steps += (finish_step,)
    if images:
        phases += (image_phase(cfg, layout, staged_step, deduped=dedup is not None),)
        marker_steps += (FINALIZE_STEP,)
    return Plan(cfg.name, phases, final_step=FINALIZE_STEP, marker_steps=marker_steps,
                budget_bytes=cfg.images.max_job_bytes if images else 0, dedup=dedup)


def image_phase(cfg: JobConfig, layout: OutputLayout, staged_step: str, *, deduped: bool) -> Exchange:
    """The image barrier: the URLs of every staged chunk meet the archive's image records and
    earlier downloads; each chunk then gets its images, the image rules and its shards."""
    settings = ImageSettings.from_config(cfg.images)

    def partitions(layout: OutputLayout) -> int:
        urls = sum(m.get("urls", 0) for m in read_markers(layout, staged_step))
        return partitions_for(urls, cfg.images.urls_per_shard)

    # A rule that compares an image with the whole job (image_boilerplate_v1) needs every image's
    # count of documents before any chunk's rules run: one more regroup, by image
    # (pipeline/images/counts.py). Jobs without such a rule do not pay for it.
    image_rules = rule_chain(cfg.filters, "image")
    count = image_rules is not None and any(f.needs_image_documents for f in image_rules.filters)
    resolve: tuple[StageFactory, ...] = (lambda shared: ResolveImages(settings, layout, shared.budget),)
    counting: tuple[Regroup, ...] = ()
    if count:
        resolve += (lambda _s: KeyByImage(),)
        counting = (Regroup(IMAGE_KEY, (lambda _s: CountDocuments(),)),)

    staged = files_in(lambda lay: lay.deduped_dir if deduped else lay.docs_dir)
    return Exchange(
        "images",
        barrier="every chunk staged; the URLs of all inputs meet",
        sources=(
            Source("slots", staged, SLOT_COLUMNS,
                   lambda parts: SlotRows(parts, cfg.images.max_images_per_doc, count_documents=count), with_path=True),
            Source("archive images", files_in(lambda lay: lay.archive_images_dir), ARCHIVE_COLUMNS, ArchiveRows),
            Source("earlier downloads", files_in(lambda lay: lay.download_results_dir), (), PriorRows),
        ),
        partitions=partitions,
        steps=(
            Regroup("part", resolve),
            *counting,
            Regroup("stem", (
                lambda _s: AttachImages(settings, layout, deduped=deduped, count_documents=count),
                lambda _s: RulesStage(cfg.filters, "image", layout),
                lambda _s: WriteStage(cfg, layout, FINALIZE_STEP, with_images=True),
            ), step=FINALIZE_STEP),
        ),
    )


def run_phases(plan: Plan, layout: OutputLayout, watch: PhaseWatch, map_inputs: Callable[[MapInputs], None],
               exchange: Callable[[Exchange], None]) -> None:
    """Every phase of `plan` in order, each timed by `watch`, through an executor's two ways of
    running work: `map_inputs` for a `MapInputs` phase, `exchange` for an `Exchange` and for each
    round of a `Rounds` phase (the next round is asked for once the previous one has run)."""
    for phase in plan.phases:
        with watch.phase(phase):
            if isinstance(phase, MapInputs):
                map_inputs(phase)
            elif isinstance(phase, Rounds):
                for round_exchange in phase.rounds(layout):
                    exchange(round_exchange)
            else:
                exchange(phase)


def run_chain(stages: list[Stage], batch: Any) -> Any:
    """One unit of work through a phase's chain of stages, in order, in this process."""
    for stage in stages:
        batch = stage.process(batch)
    return batch
