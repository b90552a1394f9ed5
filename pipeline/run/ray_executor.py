"""The one module that knows about Ray: it starts or joins a cluster and wires the stages into
Ray Data operations.

    inputs ─from_items(one block per file)─▶ ReadStage (map_batches, 1 file per call, yields page chunks)
           ─▶ ExtractStage (map_batches over whole blocks) ─▶ WriteStage (shards + ledger, one result row per run)
           ─▶ driver streams the small result rows into the manifest

By default weft starts an embedded local Ray (all CPUs, a bounded object store, no dashboard,
usage stats off) and stops it afterwards. With `--ray-address` / `RAY_ADDRESS` the same job runs
on an existing cluster; weft then ships its own packages to the workers with a runtime_env
(`py_modules`), so the workers need only weft's dependencies installed, and the output directory
must be on a filesystem every node can write.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from weft.jobs.spec import JobConfig, RayConfig
from weft.jobs.errors import UserError
from weft.pipeline.read.inputs import resolve_inputs
from weft.pipeline.write.manifest import WriteTotals, build_manifest, write_manifest
from weft.pipeline.run.layout import claim_output_dir
from weft.pipeline.rules.stage import merge_rejects
from weft.pipeline.run.stages import ARCHIVE_IMAGES_DIR, ExtractStage, ReadStage, WriteStage


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _weft_package(tmp: Path) -> str:
    """weft as one directory for Ray's `py_modules`.

    The checkout keeps `pipeline/`, `filters/`, `jobs/` and `schemas/` side by side and installs
    them under the `weft` namespace, so no single directory on disk is the `weft` package; Ray
    ships a directory under its own name, so the four are copied under one `weft/` first."""
    import importlib
    import shutil

    root = tmp / "weft"
    for name in ("pipeline", "filters", "jobs", "schemas"):
        source = Path(importlib.import_module(f"weft.{name}").__file__).parent
        shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return str(root)


@contextmanager
def ray_session(cfg: RayConfig) -> Iterator[dict[str, Any]]:
    """Join the cluster the user named, reuse a Ray the caller already started, or start and
    stop an embedded local one."""
    address = cfg.address or os.environ.get("RAY_ADDRESS")
    # Ray reads these switches only from the environment, before it is imported. weft never
    # reports usage on a user's behalf, and an embedded single-node Ray has no reason to be
    # reached from the network: with multi-node support off, Ray uses 127.0.0.1 as the node
    # address instead of the machine's outward-facing IP.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not address:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    if ray.is_initialized():
        yield {"mode": "existing", "cpus": ray.cluster_resources().get("CPU", 0), "nodes": len(ray.nodes())}
        return
    quiet = logging.WARNING if cfg.progress else logging.ERROR
    if address:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="weft-ship-") as tmp:
            runtime_env = {"py_modules": [_weft_package(Path(tmp))]} if cfg.ship_code else None
            try:
                ray.init(address=address, runtime_env=runtime_env, logging_level=quiet, log_to_driver=cfg.progress)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise UserError(f"cannot connect to Ray at {address}: {str(exc).splitlines()[0]}") from None
        mode = "cluster"
    else:
        ray.init(
            num_cpus=cfg.num_cpus or os.cpu_count(),
            object_store_memory=cfg.object_store_mb * 1024**2,
            include_dashboard=False,
            logging_level=quiet,
            log_to_driver=cfg.progress,
        )
        mode = "local"
    try:
        yield {"mode": mode, "address": address, "cpus": ray.cluster_resources().get("CPU", 0), "nodes": len(ray.nodes())}
    finally:
        ray.shutdown()


def _configure_data_context(cfg: RayConfig) -> None:
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = cfg.progress
    ctx.print_on_execution_start = cfg.progress
    ctx.enable_auto_log_stats = False
    # Ray Data logs every execution at INFO and nags when progress bars are off; a job's own
    # summary says what happened.
    logging.getLogger("ray.data").setLevel(logging.INFO if cfg.progress else logging.ERROR)


def _pages(cfg: JobConfig, inputs: list[str], output_dir: str) -> Any:
    """Inputs to document rows (one row per page, with its fate): read, then extract."""
    import ray.data

    ds = ray.data.from_items([{"uri": uri} for uri in inputs], override_num_blocks=max(1, len(inputs)))
    ds = ds.map_batches(ReadStage(cfg, output_dir), batch_size=1, batch_format="pyarrow")
    return ds.map_batches(ExtractStage(cfg, output_dir), batch_size=None, batch_format="pyarrow")


def build_dataset(cfg: JobConfig, inputs: list[str], output_dir: str) -> Any:
    """The job without the image stage, as a lazy Ray Dataset of writer results."""
    return _pages(cfg, inputs, output_dir).map_batches(WriteStage(cfg, output_dir), batch_size=None, batch_format="pyarrow")


def _has_parquet(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*.parquet"))


class _BudgetActor:
    """The job's download byte budget, shared by every download task through one actor."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def exhausted(self) -> bool:
        return self.used >= self.limit

    def charge(self, n: int) -> None:
        self.used += n


class _RayBudget:
    """`ByteBudget` over the actor; `charge` does not wait, `exhausted` asks."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def exhausted(self) -> bool:
        import ray

        return ray.get(self.actor.exhausted.remote())

    def charge(self, n: int) -> None:
        self.actor.charge.remote(n)


def run_image_job(cfg: JobConfig, inputs: list[str], out: Path, writes: WriteTotals) -> None:
    """The job with the image stage: stage chunks, resolve unique URLs, finalize chunks.

    Two barriers, both persisted under `_work/`: every chunk is staged before URLs are resolved
    (an image record in one input can serve a page in another), and every URL is resolved
    before chunks are finalized. Joins and groupbys run in Ray Data; the driver only streams the
    small per-chunk result rows.
    """
    import ray
    import ray.data
    from ray.data.expressions import col

    from weft.pipeline.images.resolve import DOWNLOAD_RESULTS_DIR, IMAGES_DIR, SLOTS_DIR, ImageSettings, ResolveImages, latest_attempt
    from weft.pipeline.run.stages import FinalizeAndWrite, StageStage

    output_dir = str(out)
    for _ in _pages(cfg, inputs, output_dir).map_batches(StageStage(cfg, output_dir), batch_size=None, batch_format="pyarrow").iter_rows():
        pass
    if not _has_parquet(out / SLOTS_DIR):
        return
    partitions = max(2, int(ray.cluster_resources().get("CPU", 2)))
    slots = ray.data.read_parquet(str(out / SLOTS_DIR))
    urls = slots.filter(expr=col("url").is_not_null()).groupby("url").count().select_columns(["url"])
    if _has_parquet(out / ARCHIVE_IMAGES_DIR):
        archive = ray.data.read_parquet(str(out / ARCHIVE_IMAGES_DIR), columns=["url", "payload", "content_type"])
        urls = urls.join(archive.rename_columns({"content_type": "archive_content_type"}), "left_outer", partitions, on=("url",))
    if _has_parquet(out / DOWNLOAD_RESULTS_DIR):
        prior = ray.data.read_parquet(str(out / DOWNLOAD_RESULTS_DIR)).groupby("url").map_groups(latest_attempt, batch_format="pyarrow")
        prior = prior.rename_columns({c: f"prior_{c}" for c in prior.schema().names if c != "url"})
        urls = urls.join(prior, "left_outer", partitions, on=("url",))
    budget = None
    if cfg.images.max_job_bytes:
        budget = _RayBudget(ray.remote(_BudgetActor).options(num_cpus=0).remote(cfg.images.max_job_bytes))
    settings = ImageSettings.from_config(cfg.images)
    resolved = urls.map_batches(ResolveImages(settings, output_dir, budget), batch_size=cfg.images.urls_per_shard, batch_format="pyarrow")
    resolved.write_parquet(str(out / IMAGES_DIR))
    slots = ray.data.read_parquet(str(out / SLOTS_DIR))
    if _has_parquet(out / IMAGES_DIR):
        slots = slots.join(ray.data.read_parquet(str(out / IMAGES_DIR)), "left_outer", partitions, on=("url",))
    finalize = FinalizeAndWrite(cfg, output_dir)

    def finalize_chunk(group: Any) -> Any:  # map_groups wants a named function
        return finalize(group)

    finalized = slots.groupby("stem").map_groups(finalize_chunk, batch_format="pyarrow")
    for row in finalized.iter_rows():
        writes.add(row)


def run_job(cfg: JobConfig, *, log: Callable[[str], None] = lambda _msg: None) -> dict[str, Any]:
    """Run a whole job and return its manifest (also written to `OUTPUT/_manifest.json`)."""
    inputs = resolve_inputs(
        cfg.input.paths, paths_base=cfg.input.paths_base, offset=cfg.input.offset, limit=cfg.input.limit
    )
    out = claim_output_dir(cfg.output.path, overwrite=cfg.output.overwrite, resume=cfg.output.resume)
    started = _now()
    log(f"weft: {len(inputs)} input file(s) -> {out}")
    writes = WriteTotals()
    with ray_session(cfg.ray) as ray_info:
        _configure_data_context(cfg.ray)
        log(f"weft: Ray {ray_info['mode']} with {ray_info['cpus']:g} CPU(s)")
        if cfg.images.resolve:
            run_image_job(cfg, inputs, Path(out), writes)
        else:
            for row in build_dataset(cfg, inputs, str(out)).iter_rows():
                writes.add(row)
    rejects = Path(cfg.output.rejects).expanduser().resolve() if cfg.output.rejects else Path(out) / "_rejects"
    merge_rejects(Path(out), rejects)
    manifest = build_manifest(cfg, inputs, Path(out), writes, started=started, finished=_now(), ray_info=ray_info)
    write_manifest(Path(out), manifest)
    return manifest
