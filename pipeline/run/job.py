"""Running a job: its inputs, its output directory, its plan on the chosen executor, its manifest."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

import pyarrow as pa

from weft.filters.language import EnglishFastText, language_model
from weft.jobs.spec import JobConfig
from weft.pipeline import __version__
from weft.pipeline.extract import walkers
from weft.pipeline.layout import OutputLayout, claim_output_dir
from weft.pipeline.read.inputs import resolve_inputs
from weft.pipeline.rules.stage import merge_rejects
from weft.pipeline.run.local import LocalExecutor
from weft.pipeline.run.dedup_phases import dedup_summary
from weft.pipeline.run.plan import DOCUMENTS_STEP, Plan, build_plan, check_job
from weft.pipeline.run.ray_executor import RayExecutor
from weft.pipeline.run.watch import PhaseWatch
from weft.pipeline.write.manifest import build_manifest, write_manifest
from weft.schemas.document import SCHEMA_VERSION


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def executor_for(cfg: JobConfig) -> LocalExecutor | RayExecutor:
    return LocalExecutor() if cfg.executor == "local" else RayExecutor(cfg.ray)


def layout_for(cfg: JobConfig, root: Path) -> OutputLayout:
    rejects = Path(cfg.output.rejects).expanduser().resolve() if cfg.output.rejects else None
    return OutputLayout(root, rejects_root=rejects)


def explain(cfg: JobConfig) -> str:
    """The plan of a job, for `weft run --explain` (no input is read, nothing is written)."""
    root = Path(cfg.output.path or "OUTPUT")
    plan = build_plan(cfg, layout_for(cfg, root))
    return f"executor: {cfg.executor}; output: {root}\n{plan.explain(root)}"


def job_identity(cfg: JobConfig, inputs: list[str]) -> dict[str, Any]:
    """What makes two runs the same job for `--resume`: every setting that can change what is
    written (not where it runs, not how the directory was claimed), the inputs, and the versions
    of weft and of the shard format."""
    config = cfg.to_dict()
    for volatile in ("executor", "ray", "input"):
        config.pop(volatile)
    config["output"] = {k: v for k, v in config["output"].items() if k not in ("path", "overwrite", "resume")}
    digest = lambda data: hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()  # noqa: E731
    return {"config_sha256": digest(config), "inputs_sha256": digest(inputs), "inputs": len(inputs),
            "weft_version": __version__, "schema_version": SCHEMA_VERSION}


class Progress(Protocol):
    """A live view of a running job (`pipeline/cli/progress.py`): started before the plan runs,
    stopped when it ends or fails. It may only read what the units write (their markers)."""

    def start(self, plan: Plan, inputs: list[str], layout: OutputLayout, watch: PhaseWatch) -> None: ...

    def stop(self) -> None: ...


def _language_id(cfg: JobConfig, log: Callable[[str], None]) -> str | None:
    """Which predictor the job's English rule runs (`weft.filters.language`, "Prediction"):
    `compiled`, or `fasttext` (said in the log, with why); None without the rule. Loading the
    model here also makes a bad `model_path` fail before any input is read."""
    english = [spec for spec in cfg.filters if spec.get("name") == EnglishFastText.name]
    if not english:
        return None
    model = language_model(str(english[0].get("model_path", "")))
    if model.fallback is not None:
        log(f"weft: language ID runs fastText's own predict (same output, slower): {model.fallback}")
    return model.runtime


def run_job(cfg: JobConfig, *, log: Callable[[str], None] = lambda _msg: None, progress: Progress | None = None) -> dict[str, Any]:
    """Run a whole job and return its manifest (also written to `OUTPUT/_manifest.json`). With
    `output.resume`, units of work an earlier run of the same job finished are not redone."""
    check_job(cfg)  # a job whose rules cannot run fails before any input is touched
    inputs = resolve_inputs(cfg.input.paths, paths_base=cfg.input.paths_base, offset=cfg.input.offset, limit=cfg.input.limit)
    root = claim_output_dir(cfg.output.path, overwrite=cfg.output.overwrite, resume=cfg.output.resume,
                            identity=job_identity(cfg, inputs))
    layout = layout_for(cfg, root)
    plan: Plan = build_plan(cfg, layout)
    started = _now()
    watch = PhaseWatch(log)
    log(f"weft: {len(inputs)} input file(s) -> {layout.root}")
    if walkers.WALK_FALLBACK is not None:
        log(f"weft: extraction runs the Python DOM walk (same output, slower): {walkers.WALK_FALLBACK}")
    language_id = _language_id(cfg, log)
    if progress is not None:
        progress.start(plan, inputs, layout, watch)
    try:
        info = executor_for(cfg).run(plan, inputs, layout, log, watch=watch)
        info["arrow_memory_pool"] = pa.default_memory_pool().backend_name  # this process's (cli/entry.py)
        info["extract_walk"] = walkers.WALK  # this install's: compiled, or python when it could not be built
        if language_id is not None:
            info["language_id"] = language_id
    finally:
        if progress is not None:
            progress.stop()
    merge_rejects(layout)
    dedup = dedup_summary(layout, plan.dedup, DOCUMENTS_STEP) if plan.dedup is not None else None
    manifest = build_manifest(cfg, layout, inputs, final_step=plan.final_step, marker_steps=plan.marker_steps,
                              started=started, finished=_now(), executor=info, dedup=dedup,
                              timings=watch.timings())
    write_manifest(layout, manifest)
    return manifest
