"""The in-process executor: the job's plan, one unit of work at a time, in this process.

For tests, debugging (a breakpoint in a stage just works) and small inputs: `weft run --executor
local`. It runs the same stages on the same units as the Ray Data executor and its units write
the same files and markers, so its shards are byte-identical to a Ray run's. What it does not
do is spread work over cores, so large jobs belong on Ray.

An exchange step holds the rows it regroups in memory up to `SPILL_BYTES`; past that it spills
them to Arrow files by the step's key (`SPILL_BUCKETS` files, or one per partition when there
are more) and regroups one file at a time (`_StepRows`), so memory is bounded by about
`SPILL_BYTES` plus one partition's rows whatever the corpus. Before, every partition was held:
on the 200 kB bench pages of `benchmarks/bench_vs_datatrove.py` the dedup key rows grew the
peak from 293 MB at 1,000 pages to 516 MB at 20,000 (one partition filling up to its bound), and
a corpus of 50 partitions would have held all 50. Groups then come file by file, each file's in
key order; every group writes its own files, which is why the order of groups does not change
the output (Ray's is arbitrary), as a test checks.
"""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from weft.pipeline.layout import OutputLayout
from weft.pipeline.run.plan import Exchange, MapInputs, Plan, Shared, run_chain, run_phases
from weft.pipeline.run.watch import PhaseWatch
from weft.pipeline.stage import Stage


class LocalExecutor:
    name = "local"

    def run(self, plan: Plan, inputs: list[str], layout: OutputLayout, log: Callable[[str], None] = lambda _m: None,
            watch: PhaseWatch | None = None) -> dict[str, Any]:
        watch = watch or PhaseWatch(log)
        shared = Shared()
        log("weft: running in this process (executor local)")
        run_phases(plan, layout, watch, lambda phase: self.map_inputs(phase, inputs, layout, shared),
                   lambda phase: self.exchange(phase, layout, shared))
        return {"name": "local", "mode": "local", "cpus": 1, "nodes": 1}

    def map_inputs(self, phase: MapInputs, inputs: list[str], layout: OutputLayout, shared: Shared) -> None:
        read = _ready(phase.read(shared))
        chain = [_ready(make(shared)) for make in phase.chain]
        for uri in phase.pending_inputs(layout, inputs):
            for pages in read.process(pa.table({"uri": [uri]})):
                if not phase.chunk_done(layout, pages):
                    run_chain(chain, pages)

    def exchange(self, phase: Exchange, layout: OutputLayout, shared: Shared) -> None:
        parts = phase.partitions(layout)
        spill = layout.work / "spill" / phase.name.replace(" ", "_")
        shutil.rmtree(spill, ignore_errors=True)  # what an interrupted run left
        try:
            buckets = max(SPILL_BUCKETS, parts + 1)
            rows = _StepRows(phase.steps[0].key, spill / "0", buckets)
            for source in phase.sources:
                source_rows = _ready(source.rows(parts))
                for path in source.files(layout):
                    rows.add(source_rows.process(source.load(path)))
            for number, step in enumerate(phase.steps):
                if not rows:
                    return
                stages = [_ready(make(shared)) for make in step.stages]
                following = phase.steps[number + 1].key if number + 1 < len(phase.steps) else None
                out = _StepRows(following, spill / str(number + 1), buckets) if following else None
                for group in rows.groups():
                    if not step.done(layout, group):
                        result = run_chain(stages, group)
                        if out is not None and isinstance(result, pa.Table):
                            out.add(result)
                if out is None:
                    return
                rows = out
        finally:
            shutil.rmtree(spill, ignore_errors=True)
            try:
                spill.parent.rmdir()
            except OSError:  # absent, or another phase's files are in it
                pass


SPILL_BYTES = 32 * 2**20
"""Rows an exchange step holds in memory before it spills them to disk (module docstring)."""
SPILL_BUCKETS = 64
"""Files the rows of a spilled step are hashed into (by key), at least: each is regrouped on its
own. An exchange of more partitions gets a file per partition, so that a file holds about one
partition's rows (which the plan bounds, e.g. `pipeline/dedup/settings.ROWS_PER_PARTITION`)
however large the corpus."""


class _StepRows:
    """The rows one exchange step will regroup by `key`: tables in memory, until they pass
    `SPILL_BYTES`; then every row is in one of `buckets` Arrow files under `directory`, chosen by
    its key, so that all rows of a key are in one file."""

    def __init__(self, key: str, directory: Path, buckets: int = SPILL_BUCKETS) -> None:
        self.key, self.directory, self.buckets = key, directory, buckets
        self.tables: list[pa.Table] = []
        self.held = 0
        self.rows = 0
        self.writers: dict[int, tuple[ipc.RecordBatchFileWriter, pa.Schema]] = {}
        self.spilled = False

    def __bool__(self) -> bool:
        return self.rows > 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        if self.spilled:
            self._spill(table)
            return
        self.tables.append(table)
        self.held += table.nbytes
        if self.held > SPILL_BYTES:
            self.spilled = True
            self.directory.mkdir(parents=True, exist_ok=True)
            while self.tables:
                self._spill(self.tables.pop(0))

    def _spill(self, table: pa.Table) -> None:
        buckets = _buckets(table.column(self.key), self.buckets)
        order = np.argsort(buckets, kind="stable")
        ordered = table.take(pa.array(order))
        sizes = np.bincount(buckets, minlength=self.buckets)
        start = 0
        for bucket in np.flatnonzero(sizes):
            part = ordered.slice(start, int(sizes[bucket]))
            start += int(sizes[bucket])
            if int(bucket) not in self.writers:
                self.writers[int(bucket)] = ipc.new_file(self.directory / f"{bucket:03d}.arrow", part.schema), part.schema
            writer, schema = self.writers[int(bucket)]
            writer.write_table(part if part.schema == schema else part.cast(schema))

    def groups(self) -> Iterator[pa.Table]:
        """The groups of all rows added, as `_groups` makes them: in key order when nothing was
        spilled, else file by file (nulls in the last), each file's in key order."""
        if not self.spilled:
            yield from _groups(self.tables, self.key)
            return
        for writer, _schema in self.writers.values():
            writer.close()
        for bucket in sorted(self.writers):
            path = self.directory / f"{bucket:03d}.arrow"
            with pa.OSFile(str(path)) as source:
                tables = [ipc.open_file(source).read_all()]
            path.unlink()
            yield from _groups(tables, self.key)


def _buckets(keys: pa.ChunkedArray, buckets: int) -> np.ndarray:
    """Each key's spill file: integers (partitions) modulo the file count, strings by CRC-32,
    nulls in the last file."""
    if pa.types.is_integer(keys.type):
        values = keys.fill_null(0).to_numpy().astype(np.int64) % (buckets - 1)
    else:
        values = np.array([zlib.crc32(k.encode("utf-8")) % (buckets - 1) if k is not None else 0
                           for k in keys.to_pylist()], dtype=np.int64)
    return np.where(keys.is_null().to_numpy(zero_copy_only=False), buckets - 1, values)


def _ready(stage: Stage) -> Stage:
    stage.setup()
    return stage


def _groups(tables: list[pa.Table], key: str) -> Iterator[pa.Table]:
    """The rows of `tables` grouped by `key`, in key order (nulls last); within a group, rows
    keep their order (table by table, then row by row), as a stable sort of all rows would.

    Each table is sorted on its own and dropped from `tables` (which ends empty) as soon as its
    sorted copy exists, so the rows are held about once. One `take` over all rows concatenated
    held them about four times: it copied a 1.3 GB dedup key exchange (200,000 documents) into
    4.6 GB of peak memory and took 12 s (`benchmarks/bench_dedup_job.py`)."""
    pieces: dict[Any, list[pa.Table]] = {}
    tables.reverse()
    while tables:
        table = tables.pop()
        if table.num_rows == 0:
            continue
        table = table.take(pc.sort_indices(table, sort_keys=[(key, "ascending")]))
        column = table.column(key)
        values = column.to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        for start, end in zip(starts, np.append(starts[1:], len(values))):
            pieces.setdefault(column[int(start)].as_py(), []).append(table.slice(start, end - start))
    for value in sorted(pieces, key=lambda v: (v is None, v)):
        yield pa.concat_tables(pieces.pop(value))
