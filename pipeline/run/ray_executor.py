"""The Ray Data executor: the job's plan on an embedded local Ray or on a cluster.

The one module that knows about Ray. Each phase of the plan (`pipeline/run/plan.py`) becomes one
Ray Data execution:

- `MapInputs`: `from_items(inputs)` (one block per file) -> one `map_batches` that reads a file
  and runs the chain on each of its chunks, so files run in parallel (a chunk's pages stay in
  the task that read them);
- `Exchange`: the sources' files (one item each) -> `map_batches(rows)` -> one
  `groupby(key).map_groups(stages)` per regroup step, the first by `part`, with as many
  partitions as the data needs (never Ray's fixed default of 200), shuffled by sorting with
  tasks (a hash shuffle's aggregator actors cost a process each and wait forever for a CPU on a
  one-CPU Ray).

Stages are built on the driver, shipped with the tasks, and set up once per worker process.
Nothing a task returns is collected on the driver: units write their own files and markers.

By default weft starts an embedded local Ray (the CPUs asked for, a bounded object store, no
dashboard, usage stats off) and stops it afterwards. With `--ray-address` / `RAY_ADDRESS` the same
job runs on an existing cluster; weft then ships its own packages to the workers with a
runtime_env (`py_modules`), so the workers need only weft's dependencies installed, and the
output directory must be on a filesystem every node can write.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa

from weft.jobs.errors import UserError
from weft.jobs.spec import RayConfig
from weft.pipeline.layout import OutputLayout
from weft.pipeline.run.plan import Exchange, MapInputs, Plan, Shared, Source, run_chain, run_phases
from weft.pipeline.run.watch import PhaseWatch
from weft.pipeline.stage import Stage


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
        # The compiled extensions ship; their Cython sources and generated C are not run.
        shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyx", "*.c"))
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
            runtime_env: dict[str, Any] = {"py_modules": [_weft_package(Path(tmp))]} if cfg.ship_code else {}
            pool = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")  # the allocator the `weft` command chose (cli/entry.py)
            if pool:
                runtime_env["env_vars"] = {"ARROW_DEFAULT_MEMORY_POOL": pool}
            try:
                ray.init(address=address, runtime_env=runtime_env or None, logging_level=quiet, log_to_driver=cfg.progress)
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
    from ray.data.context import ShuffleStrategy

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = cfg.progress
    ctx.print_on_execution_start = cfg.progress
    ctx.enable_auto_log_stats = False
    ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    # Ray Data logs every execution at INFO and nags when progress bars are off; a job's own
    # summary says what happened.
    logging.getLogger("ray.data").setLevel(logging.INFO if cfg.progress else logging.ERROR)


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


_SET_UP: dict[tuple[str, int], Any] = {}
"""Stages set up in this worker process, by (plan run, slot): `setup()` runs once per process. A
slot is numbered on the driver for each set of stages it ships (every round of a `Rounds` phase
gets its own)."""


class _Task:
    """A picklable callable that runs stages in a Ray worker, setting them up once per process."""

    def __init__(self, run_id: str, slot: int, stages: list[Stage]) -> None:
        self.key = (run_id, slot)
        self.stages = stages
        self.__name__ = type(self).__name__  # map_groups names its operator after its function

    def _stages(self) -> list[Stage]:
        ready = _SET_UP.get(self.key)
        if ready is None:
            for stage in self.stages:
                stage.setup()
            ready = _SET_UP[self.key] = self.stages
        return ready


class _InputChain(_Task):
    """One input file: read it, and run the chain on each of its chunks that is not done yet.
    Reading and the chain share one task, as Ray Data would fuse them anyway: a chunk's pages
    never cross the object store, and no block of pages is buffered or copied on the way."""

    def __init__(self, run_id: str, slot: int, stages: list[Stage], phase: MapInputs, layout: OutputLayout) -> None:
        super().__init__(run_id, slot, stages)
        self.phase, self.layout = phase, layout

    def __call__(self, batch: pa.Table) -> pa.Table:
        read, *chain = self._stages()
        done = [str(run_chain(chain, pages)) for pages in read.process(batch) if not self.phase.chunk_done(self.layout, pages)]
        return pa.table({"unit": pa.array(done, pa.string())})


class _SourceRows(_Task):
    """Persisted files of an exchange's sources (one `{source, path}` item per call) to its rows.
    weft reads the files itself rather than through `ray.data.read_parquet`: the same code as the
    in-process executor, and no datasource machinery for a handful of small files."""

    def __init__(self, run_id: str, slot: int, stages: list[Stage], sources: tuple[Source, ...]) -> None:
        super().__init__(run_id, slot, stages)
        self.sources = sources

    def __call__(self, batch: pa.Table) -> pa.Table:
        stages = self._stages()
        tables = [stages[i].process(self.sources[i].load(Path(path)))
                  for i, path in zip(batch.column("source").to_pylist(), batch.column("path").to_pylist())]
        return pa.concat_tables(tables)


class _Group(_Task):
    """One group of a `map_groups` through the stages (unless `done` says an earlier run of the
    job finished it); a result that is no table becomes its unit name."""

    def __init__(self, run_id: str, slot: int, stages: list[Stage], done: Callable[[pa.Table], bool]) -> None:
        super().__init__(run_id, slot, stages)
        self.done = done

    def __call__(self, group: pa.Table) -> pa.Table:
        if self.done(group):
            return pa.table({"unit": pa.array([], pa.string())})
        out = run_chain(self._stages(), group)
        return out if isinstance(out, pa.Table) else pa.table({"unit": pa.array([str(out)], pa.string())})


class RayExecutor:
    name = "ray"

    def __init__(self, cfg: RayConfig) -> None:
        self.cfg = cfg

    def run(self, plan: Plan, inputs: list[str], layout: OutputLayout, log: Callable[[str], None] = lambda _m: None,
            watch: PhaseWatch | None = None) -> dict[str, Any]:
        import ray

        watch = watch or PhaseWatch(log)

        started = time.perf_counter()
        with ray_session(self.cfg) as info:
            _configure_data_context(self.cfg)
            log(f"weft: Ray {info['mode']} with {info['cpus']:g} CPU(s), ready in {time.perf_counter() - started:.1f} s")
            self.cpus = max(1, int(info["cpus"]))
            self.run_id = uuid.uuid4().hex
            budget = None
            limit = plan.budget_bytes
            if limit:
                budget = _RayBudget(ray.remote(_BudgetActor).options(num_cpus=0).remote(limit))
            shared = Shared(budget=budget)
            self.slots = itertools.count()
            run_phases(plan, layout, watch, lambda phase: self.map_inputs(phase, inputs, layout, shared),
                       lambda phase: self.exchange(phase, layout, shared))
            stopping = time.perf_counter()
        log(f"weft: Ray stopped in {time.perf_counter() - stopping:.1f} s")
        return {"name": "ray", **info}

    def _cpus(self, stages: list[Stage]) -> float:
        return max(s.resources.cpus for s in stages)

    def map_inputs(self, phase: MapInputs, inputs: list[str], layout: OutputLayout, shared: Shared) -> None:
        import ray.data

        pending = phase.pending_inputs(layout, inputs)
        if not pending:
            return
        stages = [phase.read(shared)] + [make(shared) for make in phase.chain]
        ds = ray.data.from_items([{"uri": uri} for uri in pending], override_num_blocks=len(pending))
        ds = ds.map_batches(_InputChain(self.run_id, next(self.slots), stages, phase, layout), batch_size=1, batch_format="pyarrow",
                            num_cpus=self._cpus(stages))
        for _ in ds.iter_batches(batch_size=None):
            pass

    def exchange(self, phase: Exchange, layout: OutputLayout, shared: Shared) -> None:
        import ray.data

        parts = phase.partitions(layout)
        files = [{"source": i, "path": str(path)} for i, source in enumerate(phase.sources) for path in source.files(layout)]
        if not files:
            return
        rows = _SourceRows(self.run_id, next(self.slots), [source.rows(parts) for source in phase.sources], phase.sources)
        ds = ray.data.from_items(files, override_num_blocks=min(len(files), 4 * self.cpus))
        ds = ds.map_batches(rows, batch_size=1, batch_format="pyarrow")
        for step in phase.steps:
            stages = [make(shared) for make in step.stages]
            partitions = min(parts, 4 * self.cpus) if step.key == "part" else 4 * self.cpus
            ds = ds.groupby(step.key, num_partitions=partitions).map_groups(
                _Group(self.run_id, next(self.slots), stages, partial(step.done, layout)), batch_format="pyarrow", num_cpus=self._cpus(stages))
        for _ in ds.iter_batches(batch_size=None):
            pass
