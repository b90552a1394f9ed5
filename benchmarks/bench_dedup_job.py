"""The job's dedup barrier end to end, on both executors, next to datasketch's MinHashLSH.

`bench_dedup.py` measures weft's dedup building blocks in one process; this runs the barrier a
text-only job with `dedup_url_v1`, `dedup_text_v1` and `dedup_minhash_v1` really runs
(`build_plan`: the three phases of `pipeline/run/dedup_phases.py` after the documents phase,
ending in `WriteStage(..., FINALIZE_STEP, with_images=False)`), on the same generated documents:

1. Corpus (cached in `--work`, so reruns skip it): `--docs` documents from
   `dedup_data.generated_corpus` (10% near-duplicates, 1% copies, a templated family of 1,000),
   each a real `Document` with one TextBlock, a unique URL and a WARC-Date, normalised, hashed
   and signed once with weft's `Signer` the way `SignStage` does, and staged by the real
   `StageChunk` in chunks of `--chunk` documents: `_work/docs/<stem>.parquet` and the documents
   step's markers, exactly what the documents phase leaves for the barrier. The signatures are
   also saved as `bench_dedup.py` saves them, for the datasketch run.
2. The barrier, in a fresh process per executor (its output directory gets hard links to the
   staged files): in-process (`LocalExecutor`), and Ray (`RayExecutor`, `RayConfig(num_cpus=2)`,
   an embedded local Ray). Wall time per phase, from the executors' own log lines. Memory: the
   driver's peak RSS per phase (its own VmHWM, reset between phases) and, sampled from /proc
   every 0.2 s by this process, every process the run started: Ray's task workers (their heap,
   i.e. anonymous memory, and their RSS, which also counts the object-store pages they map; per
   task they were running, from the process title), Ray's spill/restore workers, Ray Data's
   actors and Ray's daemons (raylet, GCS, agents), and the object store's resident shared
   memory. A baseline process per executor (same imports; for Ray, the same session started
   with one tiny dataset and stopped) gives what the machinery costs before any document.
3. datasketch `MinHashLSH` in memory on the same signatures, in its own process, with its own
   baseline (`bench_dedup.run_datasketch` / `run_baseline`).
4. Checks: both executors remove the same documents with the same facts (`_dedup/*.parquet`,
   sorted) and write byte-identical shards, ledgers and audit; the text and near-duplicate
   removals are exactly MinHashLSH's clusters (each removed document -> its cluster's smallest
   node).
5. Projection to 10M and 1B documents from the measured bytes per document. The in-process
   executor and MinHashLSH hold the corpus in one process: they scale with documents. The Ray
   driver holds the staged file list and marker sums: it scales with chunk files and partitions.
   A Ray worker holds one block at a time, and a node holds task slots x a worker, its object
   store and Ray's own processes. What bounds a block: `_SourceRows` map outputs are cut at
   Ray's target block size (166 MB at 5 files of key rows); the exchange's groupby is a sort
   (weft sets the sort shuffle), which ignores the partition count weft asks for
   (`num_partitions` is read only by hash shuffles), makes as many blocks as come in and cuts
   them at sampled values of `part`, so a reduce block holds whole key partitions, 0 to a few
   (8 blocks of 1-2 partitions at 200k documents; 16 blocks of 0-3, the largest 600k rows and
   371 MB, at 400k, by Ray Data's `ds.stats()`), and a reduce task's heap reaches ~4x its block.

Every process shares this machine's 2 cores with whatever else runs on it: the load average is
printed next to the figures.

    python benchmarks/bench_dedup_job.py [--docs 200000] [--words 300] [--chunk 5000] [--work DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from proctree import tree

BENCH = Path(__file__).resolve().parent
DEDUP_RULES = ({"name": "dedup_url_v1"}, {"name": "dedup_text_v1"}, {"name": "dedup_minhash_v1"})
"""What a text-only job with dedup lists for its dedup stage (demo.toml, obelics_like.toml), at
the rules' defaults (Jaccard 0.8, 128 permutations, word 5-grams, seed 1)."""
RESULT = "BENCH-RESULT "
SAMPLE_S = 0.2


def _peak_mb() -> float:
    from bench_dedup import _peak_mb as peak

    return peak()


def _job(out: Path):
    """The text-only dedup job's config (images off, the dedup rules only: the text rules ran in
    the documents phase, which the staged corpus stands for)."""
    from dataclasses import replace

    from weft.jobs.spec import load_job

    cfg = load_job(None, {"name": "bench_dedup_job", "output": {"path": str(out)}, "images": {"resolve": False}})
    return replace(cfg, filters=DEDUP_RULES)


# ------------------------------------------------------------------------------------ the corpus

def _capture(i: int) -> tuple[str, str, str]:
    """Document i's URL, WARC-Record-ID and WARC-Date (a spread of dates, so the earliest capture
    of a cluster is not simply its first document)."""
    url = f"http://site{i % 997:03d}.example/page/{i}"
    record_id = f"<urn:uuid:{hashlib.md5(str(i).encode()).hexdigest()}>"
    date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
    return url, record_id, date


def staged_corpus(work: Path, count: int, words: int, chunk: int) -> tuple[Path, dict[str, Any]]:
    """The staged chunks of `count` generated documents under `work/corpus-...`, made once. The
    directory's name also carries a digest of what makes them (the generator's source, the
    signature parameters, the shard schema version), so a change there makes them again."""
    from weft.pipeline.dedup.settings import DedupSettings
    from weft.schemas.document import SCHEMA_VERSION

    settings = DedupSettings.from_filters(DEDUP_RULES)
    recipe = json.dumps([(BENCH / "dedup_data.py").read_text(), settings.manifest(), SCHEMA_VERSION], sort_keys=True)
    root = work / f"corpus-{count}-{words}-{chunk}-{hashlib.blake2b(recipe.encode(), digest_size=4).hexdigest()}"
    ready = root / "ready.json"
    if ready.is_file():
        return root, {**json.loads(ready.read_text()), "cached": True}
    from dedup_data import generated_corpus

    from weft.pipeline.chunk import Chunk, PageRecord
    from weft.pipeline.dedup.keys import node_key
    from weft.pipeline.dedup.minhash import Signer
    from weft.pipeline.dedup.text import normalise, text_hash
    from weft.pipeline.images.stage import StageChunk
    from weft.pipeline.layout import OutputLayout
    from weft.pipeline.run.plan import DOCUMENTS_STEP
    from weft.schemas.document import DedupInfo, Document, Provenance, TextBlock, make_doc_id

    if root.exists():
        shutil.rmtree(root)  # an interrupted build
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    texts, planted = generated_corpus(count, words)
    t_gen = time.perf_counter() - t0
    signer = Signer(settings.minhash)
    layout = OutputLayout(root)
    stage = StageChunk(layout, DOCUMENTS_STEP, _job(root).images.max_images_per_doc)
    nodes: list[str] = []
    t_sign = 0.0
    t0 = time.perf_counter()
    for c, start in enumerate(range(0, count, chunk)):
        part = texts[start:start + chunk]
        s0 = time.perf_counter()
        normalised = [normalise(t) for t in part]  # as SignStage does
        signatures = signer.sign_normalised(normalised)
        hashes = [text_hash(t) for t in normalised]
        t_sign += time.perf_counter() - s0
        records = []
        for k, (text, signature, digest) in enumerate(zip(part, signatures.tolist(), hashes)):
            i = start + k
            url, record_id, date = _capture(i)
            doc_id = make_doc_id(url, record_id)
            provenance = Provenance("generated.warc.gz", i * 4096, 4096, record_id, date, url, "text/html", "utf-8", "http-header")
            doc = Document(doc_id, url, [TextBlock(text)], provenance, title=f"page {i}", html_lang="en",
                           dedup=DedupInfo(text_hash=digest, minhash=signature))
            records.append(PageRecord(doc_id, url, provenance, ordinal=i, doc=doc))
            nodes.append(node_key(date, doc_id))
        stage.process(Chunk("generated", c, records))
        np.save(root / f"sig-{c:05d}.npy", signatures)
    t_stage = time.perf_counter() - t0 - t_sign
    (root / "nodes.json").write_text(json.dumps(nodes))
    info = {"docs": count, "words": words, "chunk": chunk, "planted": planted, "generate_s": t_gen, "sign_s": t_sign,
            "stage_s": t_stage, "staged_mb": sum(p.stat().st_size for p in layout.docs_dir.glob("*.parquet")) / 2**20}
    ready.write_text(json.dumps(info))
    return root, {**info, "cached": False}


def _link_staged(corpus: Path, out: Path) -> None:
    """A fresh output directory holding (hard links to) what the documents phase staged."""
    from weft.pipeline.layout import OutputLayout
    from weft.pipeline.run.plan import DOCUMENTS_STEP

    if out.exists():
        shutil.rmtree(out)
    src, dst = OutputLayout(corpus), OutputLayout(out)
    for a, b in ((src.docs_dir, dst.docs_dir), (src.done_dir(DOCUMENTS_STEP), dst.done_dir(DOCUMENTS_STEP))):
        b.mkdir(parents=True)
        for path in a.iterdir():
            os.link(path, b / path.name)


# ------------------------------------------------------------------------------- child processes

def _plan(out: Path):
    """The plan a text-only job with the dedup rules runs, without its documents phase (whose
    output is staged already): dedup keys, dedup buckets, dedup components, dedup assign (-> WriteStage)."""
    from dataclasses import replace

    from weft.pipeline.layout import OutputLayout
    from weft.pipeline.run.plan import MapInputs, build_plan

    layout = OutputLayout(out)
    plan = build_plan(_job(out), layout)
    assert isinstance(plan.phases[0], MapInputs) and [p.name for p in plan.phases[1:]] == [
        "dedup keys", "dedup buckets", "dedup components", "dedup assign"], plan.phases
    return replace(plan, phases=plan.phases[1:]), layout


def _executor(name: str):
    from weft.jobs.spec import RayConfig
    from weft.pipeline.run.local import LocalExecutor
    from weft.pipeline.run.ray_executor import RayExecutor

    return LocalExecutor() if name == "local" else RayExecutor(RayConfig(num_cpus=2))


def _peak_and_reset_mb() -> float:
    """This process's peak RSS since the last call (VmHWM, then reset by `clear_refs`)."""
    peak = _peak_mb()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return peak


def _time_writes() -> list[float]:
    """Time spent in the finish chain's `WriteStage` (shards and ledger, what any text-only job's
    last step does), summed into the returned list's one value; in-process only (on Ray it runs
    in the workers)."""
    from weft.pipeline.write.stage import WriteStage

    spent = [0.0]
    process = WriteStage.process

    def timed(self, chunk):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return process(self, chunk)
        finally:
            spent[0] += time.perf_counter() - started

    WriteStage.process = timed
    return spent


def child_run(name: str, out: Path) -> dict[str, Any]:
    """Run the barrier with one executor; the figures it can only measure from inside: the
    phases' spans and times (from the executor's own log lines) and this driver's peak RSS in
    each."""
    from weft.filters.stats import FilterStats
    from weft.pipeline.markers import read_markers
    from weft.pipeline.run.dedup_phases import dedup_summary
    from weft.pipeline.run.plan import DOCUMENTS_STEP, FINALIZE_STEP

    plan, layout = _plan(out)
    spans: dict[str, tuple[float, float]] = {}
    driver: dict[str, float] = {"start": _peak_and_reset_mb()}
    times: dict[str, float] = {}

    def log(line: str) -> None:
        now = time.time()
        if m := re.search(r"phase (.+) done in ([0-9.]+) s", line):
            spans[m.group(1)] = (now - float(m.group(2)), now)
            driver[m.group(1)] = _peak_and_reset_mb()
        elif m := re.search(r"ready in ([0-9.]+) s", line):
            times["ray_start_s"] = float(m.group(1))
        elif m := re.search(r"Ray stopped in ([0-9.]+) s", line):
            times["ray_stop_s"] = float(m.group(1))

    writing = _time_writes() if name == "local" else None
    t0 = time.perf_counter()
    _executor(name).run(plan, [], layout, log)
    wall = time.perf_counter() - t0
    driver["end"] = _peak_and_reset_mb()
    stats = FilterStats()
    kept = pages = 0
    for marker in read_markers(layout, FINALIZE_STEP):
        stats = stats + FilterStats.from_dict(marker["filter_stats"])
        kept += marker["outcomes"].get("kept", 0)
        pages += marker["pages"]
    dropped = {f"{rule}:{reason}": n for rule, s in stats.rules.items() for reason, n in s.docs_dropped.items()}
    return {"executor": name, "wall_s": wall, "phases_s": {k: b - a for k, (a, b) in spans.items()}, "spans": spans,
            "driver_peak_mb": max(driver.values()), "driver_phase_peak_mb": {k: driver[k] for k in spans},
            "pages": pages, "kept": kept, "dropped": dropped, "ray_start_s": 0.0, "ray_stop_s": 0.0, **times,
            "write_s": writing[0] if writing else None,
            "dedup": dedup_summary(layout, plan.dedup, DOCUMENTS_STEP)}


def child_baseline(name: str, out: Path) -> dict[str, Any]:
    """What the same process costs before any document: the same imports and plan; for Ray, the
    same session started, its data context configured, and stopped, with no work."""
    import pyarrow  # noqa: F401

    import weft.pipeline.run.job  # noqa: F401  (everything a job imports)

    _plan(out)
    if name == "ray":
        import ray

        from weft.pipeline.run.ray_executor import _configure_data_context, ray_session

        executor = _executor(name)
        with ray_session(executor.cfg):
            _configure_data_context(executor.cfg)
            ray.data.range(8, override_num_blocks=2).map_batches(lambda b: b).materialize()
    return {"executor": name, "driver_peak_mb": _peak_mb()}


# ----------------------------------------------------------------------------- /proc sampling

MEMORY = ("rss", "pss", "anon", "shm", "own")
"""What is sampled per process: RSS; PSS (shared pages divided among the processes that map them);
its anonymous memory (heap: what the process itself holds); its share of shared memory, which
for Ray is the object store (`/dev/shm`, bounded per node by its configured size); and its PSS
without that share (`own`: heap and its share of libraries)."""


def _proc(pid: int) -> tuple[str, tuple[int, ...], int] | None:
    """(title, `MEMORY` values, VmHWM) in bytes of one process, or None when it is gone. A Ray
    worker's title names the task it runs (`ray::reduce`)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            name = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        fields = {}
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("Rss", "Pss", "Anonymous", "Pss_Shmem"):
                    fields[key] = int(value.split()[0]) * 1024
        with open(f"/proc/{pid}/status") as f:
            hwm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, ValueError, StopIteration):
        return None
    pss, shm = fields.get("Pss", 0), fields.get("Pss_Shmem", 0)
    return name, (fields.get("Rss", 0), pss, fields.get("Anonymous", 0), shm, pss - shm), hwm


def _role(names: set[str]) -> str:
    """`workers` (Ray worker processes that ran tasks), `io` (Ray's object spill and restore
    workers), `actors` (Ray Data's internal actors), `daemons` (raylet, GCS, agents, monitors)."""
    ray_names = {n.split()[0] for n in names if n.startswith("ray::")}
    if not ray_names or ray_names & {"ray::DashboardAgent", "ray::RuntimeEnvAgent"}:
        return "daemons"
    if any(n.endswith(("SpillWorker", "RestoreWorker")) for n in ray_names):
        return "io"
    if any(n.split(".")[0].endswith("Actor") for n in ray_names):
        return "actors"
    return "workers"


ROLES = ("driver", "workers", "io", "actors", "daemons", "all")


class TreeSampler:
    """The memory (`MEMORY`) of a process and its descendants every `SAMPLE_S`, in a thread of
    this process."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.samples: list[tuple[float, dict[int, tuple[int, ...]]]] = []
        self.titles: list[dict[int, str]] = []
        self.names: dict[int, set[str]] = {}
        self.hwm: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            sample, titles = {}, {}
            for pid in tree(self.root):
                got = _proc(pid)
                if got is None or not got[0]:
                    continue
                name, memory, hwm = got
                titles[pid] = name.split()[0][:60]
                self.names.setdefault(pid, set()).add(name[:80])
                self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
                sample[pid] = memory
            self.samples.append((time.time(), sample))
            self.titles.append(titles)
            self.stop.wait(SAMPLE_S)

    def finish(self, spans: dict[str, tuple[float, float]]) -> dict[str, Any]:
        """Per role (`ROLES`), for the whole run and per phase (`spans`: phase -> wall-clock
        start, end): the peak of each `MEMORY` summed over the role's processes, and of one
        process; VmHWM, the exact peak RSS of one process; and for workers, the peak anonymous
        memory by the task they were running."""
        self.stop.set()
        self.thread.join()
        roles = {pid: ("driver" if pid == self.root else _role(names)) for pid, names in self.names.items()}

        def peaks(pids: set[int], start: float, end: float) -> dict[str, float]:
            window = [s for t, s in self.samples if start <= t <= end]
            out = {}
            for k, what in enumerate(MEMORY):
                out[f"sum_{what}_mb"] = max((sum(s[p][k] for p in pids if p in s) for s in window), default=0) / 2**20
                out[f"one_{what}_mb"] = max((s[p][k] for s in window for p in pids if p in s), default=0) / 2**20
            return out

        out: dict[str, Any] = {"samples": len(self.samples)}
        for role in ROLES:
            pids = {p for p, r in roles.items() if role == "all" or r == role}
            out[role] = {"processes": len(pids), **peaks(pids, 0, float("inf")),
                         "one_hwm_mb": max((self.hwm[p] for p in pids), default=0) / 2**20,
                         "phases": {name: peaks(pids, a, b) for name, (a, b) in spans.items()}}
        by_task: dict[str, float] = {}
        for (_, sample), titles in zip(self.samples, self.titles):
            for pid, memory in sample.items():
                if roles.get(pid) == "workers" and titles[pid].startswith("ray::"):
                    by_task[titles[pid]] = max(by_task.get(titles[pid], 0), memory[2] / 2**20)
        out["workers"]["one_anon_by_task_mb"] = dict(sorted(by_task.items(), key=lambda kv: -kv[1]))
        return out


def _child(role: str, target: Path, *, sample: bool = False) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", role, "--target", str(target)]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        sampler = TreeSampler(proc.pid) if sample else None
        stdout, _ = proc.communicate()
        err.seek(0)
        log = err.read().decode(errors="replace")
    if proc.returncode != 0:
        if sampler:
            sampler.finish({})
        raise SystemExit(f"{role} failed ({proc.returncode}):\n{log[-4000:]}")
    line = next(line for line in reversed(stdout.splitlines()) if line.startswith(RESULT))
    result = json.loads(line[len(RESULT):])
    if sampler:
        result["tree"] = sampler.finish(result.get("spans", {}))
    return result


# ---------------------------------------------------------------------------------------- checks

def _audit(out: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    files = sorted((out / "_dedup").glob("*.parquet"))
    return sorted(pq.read_table(files).to_pylist(), key=lambda r: r["doc_id"]) if files else []


def _digests(out: Path) -> dict[str, str]:
    """sha256 of every file a user reads (shards, ledgers, `_dedup/`); `_work/` is the job's own."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.relative_to(out).parts[0] != "_work"}


def _same_as_datasketch(audit: list[dict[str, Any]], corpus: Path) -> tuple[bool, int, int]:
    """Whether the text and near-duplicate removals are MinHashLSH's clusters: each removed
    document -> its cluster's smallest node (`bench_dedup.run_datasketch` writes node -> root)."""
    from weft.pipeline.dedup.keys import doc_id_of

    ds = {doc_id_of(n): doc_id_of(r) for n, r in json.loads((corpus / "datasketch.json").read_text()).items()}
    weft = {r["doc_id"]: r["duplicate_of"] for r in audit if r["rule"] in ("dedup_text_v1", "dedup_minhash_v1")}
    return weft == ds, len(weft), len(ds)


# ------------------------------------------------------------------------------------ the report

PHASES = ("dedup keys", "dedup buckets", "dedup components", "dedup assign")


def _gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:,.1f} GiB" if nbytes < 2**40 else f"{nbytes / 2**40:,.2f} TiB"


def report(info: dict[str, Any], runs: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]], ds: dict[str, Any],
           ds_base: dict[str, Any], checks: dict[str, Any], load: tuple[float, float, float]) -> dict[str, Any]:
    count = info["docs"]
    local, ray = runs["local"], runs["ray"]
    summary = ray["dedup"]
    buckets = summary["buckets"]
    print(f"\nthe barrier: {summary['key_partitions']} key partitions, {buckets['buckets']:,} shared buckets (largest "
          f"{buckets['largest']}, {buckets['comparisons']:,} comparisons, {buckets['anchored_buckets']} anchored), "
          f"{summary['edges']:,} edges into {summary['component_rounds']} component rounds, {summary['clusters']:,} "
          f"clusters of {summary['clustered_documents']:,} documents (largest {summary['largest_cluster']:,})")
    removed = ", ".join(f"{k} {v:,}" for k, v in sorted(ray["dropped"].items())) or "none"
    print(f"  removed: {removed}; kept {ray['kept']:,} of {ray['pages']:,}")
    print(f"  in-process and Ray: same removals {checks['same_audit']}, byte-identical shards, ledgers and _dedup "
          f"{checks['same_bytes']} ({checks['files']} files); text + near-duplicate removals = MinHashLSH's clusters "
          f"{checks['same_as_datasketch']} ({checks['weft_removed']:,} and {checks['datasketch_removed']:,})")

    def row(label: str, total: str, phases: list[str]) -> None:
        print(f"  {label:44s}{total:>14s}" + "".join(f"{p:>14s}" for p in phases))

    def mb(x: float) -> str:
        return f"{x:,.0f} MB"

    t = ray["tree"]
    w = t["workers"]
    print(f"\nwall time and peak memory ({len(os.sched_getaffinity(0))} cores, shared with this machine's other work: "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start)")
    row("", "whole run", ["keys", "components", "assign"])
    row("in-process: wall", f"{local['wall_s']:.1f} s", [f"{local['phases_s'][k]:.1f} s" for k in PHASES])
    row("  peak RSS (the one process)", mb(local["driver_peak_mb"]), [mb(local["driver_phase_peak_mb"][k]) for k in PHASES])
    row("  of the wall, WriteStage (shards, ledger)", f"{local['write_s']:.1f} s", ["", "", f"{local['write_s']:.1f} s"])
    row(f"Ray, 2 CPUs: wall (start {ray['ray_start_s']:.0f} s, stop {ray['ray_stop_s']:.0f} s)", f"{ray['wall_s']:.1f} s",
        [f"{ray['phases_s'][k]:.1f} s" for k in PHASES])
    row("  driver peak RSS", mb(ray["driver_peak_mb"]), [mb(ray["driver_phase_peak_mb"][k]) for k in PHASES])
    row("  one worker: peak heap (anonymous)", mb(w["one_anon_mb"]), [mb(w["phases"][k]["one_anon_mb"]) for k in PHASES])
    row("  one worker: peak RSS (+ object store pages)", mb(w["one_hwm_mb"]), [mb(w["phases"][k]["one_rss_mb"]) for k in PHASES])
    row("  workers: peak summed heap", mb(w["sum_anon_mb"]), [mb(w["phases"][k]["sum_anon_mb"]) for k in PHASES])
    row("  object store resident (shared memory)", mb(t["all"]["sum_shm_mb"]), [mb(t["all"]["phases"][k]["sum_shm_mb"]) for k in PHASES])
    row("  whole process tree: peak PSS", mb(t["all"]["sum_pss_mb"]), [mb(t["all"]["phases"][k]["sum_pss_mb"]) for k in PHASES])
    row("datasketch MinHashLSH in memory: wall", f"{ds['wall_s']:.1f} s", [])
    row("  peak RSS (the one process)", mb(ds["peak_mb"]), [])
    tasks = ", ".join(f"{name.removeprefix('ray::')} {v:,.0f}" for name, v in list(w["one_anon_by_task_mb"].items())[:6])
    print(f"  Ray workers' peak heap by the task running (MB): {tasks}")
    machinery = sum(t[r]["sum_own_mb"] for r in ("io", "actors", "daemons"))
    print(f"  Ray also ran {t['io']['processes']} spill/restore workers ({t['io']['sum_own_mb']:,.0f} MB), "
          f"{t['actors']['processes']} Ray Data actors ({t['actors']['sum_own_mb']:,.0f} MB) and "
          f"{t['daemons']['processes']} daemons ({t['daemons']['sum_own_mb']:,.0f} MB) (peak PSS without the object "
          f"store); {w['processes']} task "
          f"worker processes in all, at most 2 at once; memory sampled every {SAMPLE_S} s, the driver's and the "
          f"whole-run one-worker RSS are exact (VmHWM)")
    idle_worker = base["ray"]["tree"]["workers"]["one_anon_mb"]
    print(f"  before any document (same imports and plan; Ray started, one tiny dataset, stopped): in-process "
          f"{mb(base['local']['driver_peak_mb'])}, Ray driver {mb(base['ray']['driver_peak_mb'])}, one Ray worker's "
          f"heap {mb(idle_worker)}; datasketch's start (imports + {ds_base['sig_mb']:.0f} MB of signatures) "
          f"{mb(ds_base['peak_mb'])}")

    # ---- projection
    per_doc = {
        "datasketch": (ds["peak_mb"] - ds_base["peak_mb"]) * 2**20 / count + 4 * 128,
        "in_process": (local["driver_peak_mb"] - base["local"]["driver_peak_mb"]) * 2**20 / count,
        "ray_driver": (ray["driver_peak_mb"] - base["ray"]["driver_peak_mb"]) * 2**20 / count,
    }
    one_worker = w["one_anon_mb"]
    peak_task = next(iter(w["one_anon_by_task_mb"]), "?")
    store = 1024
    per_node = {slots: slots * one_worker + store + machinery for slots in (2, 16)}
    chunks = {n: -(-n // info["chunk"]) for n in (count, 10**7, 10**9)}
    print(f"\nprojection (bytes per document over each process's start, measured at {count:,} documents):")
    print(f"  MinHashLSH: {per_doc['datasketch']:,.0f} B/document (index, candidates and the 512 B signature), in one "
          f"process: {_gib(per_doc['datasketch'] * 1e7)} at 10M, {_gib(per_doc['datasketch'] * 1e9)} at 1B, on one node")
    print(f"  weft in-process: {per_doc['in_process']:,.0f} B/document: it holds a whole exchange in memory (tests and "
          f"small jobs): {_gib(per_doc['in_process'] * 1e7)} at 10M, {_gib(per_doc['in_process'] * 1e9)} at 1B")
    print(f"  weft on Ray, driver: +{ray['driver_peak_mb'] - base['ray']['driver_peak_mb']:,.0f} MB over an idle Ray "
          f"driver ({per_doc['ray_driver']:,.0f} B/document if it all scaled with documents, which it does not: it "
          f"holds the staged file list and marker sums, which grow with chunk files ({chunks[count]:,} here, "
          f"{chunks[10**7]:,} at 10M, {chunks[10**9]:,} at 1B at {info['chunk']:,} documents a chunk) and partitions)")
    print(f"  weft on Ray, a worker: {mb(one_worker)} of heap at its peak ({mb(idle_worker)} idle), in "
          f"{peak_task.removeprefix('ray::')} tasks; a task holds one Ray block or one chunk, not the corpus (module "
          f"docstring). Per node = task slots x that + the object store ({store:,} MB here, spilling to disk) + Ray's "
          f"own processes ({machinery:,.0f} MB): {_gib(per_node[2] * 2**20)} for 2 slots, {_gib(per_node[16] * 2**20)} "
          f"for 16, about the same at 10M and 1B (extrapolated; below ~200k documents blocks are smaller than at scale "
          f"and this underestimates). The exchange itself ({info['key_row_bytes']:,.0f} B/document of key rows: "
          f"{_gib(info['key_row_bytes'] * 1e7)} at 10M, {_gib(info['key_row_bytes'] * 1e9)} at 1B) passes through the "
          f"object stores and spill disks of all nodes")
    return {"docs": count, "words": info["words"], "chunk": info["chunk"], "planted": info["planted"], "load_average": load,
            "in_process": {k: local[k] for k in ("wall_s", "phases_s", "write_s", "driver_peak_mb", "driver_phase_peak_mb")},
            "ray": {k: ray[k] for k in ("wall_s", "phases_s", "driver_peak_mb", "driver_phase_peak_mb", "ray_start_s",
                                        "ray_stop_s")} | {role: t[role] for role in ROLES[1:]},
            "datasketch": {"wall_s": ds["wall_s"], "insert_s": ds["insert_s"], "peak_mb": ds["peak_mb"]},
            "baseline_mb": {"in_process": base["local"]["driver_peak_mb"], "ray_driver": base["ray"]["driver_peak_mb"],
                            "ray_worker_heap": idle_worker, "datasketch": ds_base["peak_mb"]},
            "dedup": summary, "dropped": ray["dropped"], "kept": ray["kept"], "checks": checks,
            "key_row_bytes_per_doc": info["key_row_bytes"], "bytes_per_doc": per_doc,
            "projected_gib": {k: {"10M": v * 1e7 / 2**30, "1B": v * 1e9 / 2**30} for k, v in per_doc.items()},
            "ray_node_gib": {f"{slots}_slots": v / 1024 for slots, v in per_node.items()}}


def key_row_bytes(corpus: Path) -> float:
    """Arrow bytes per document of the key exchange's rows (URL, text and band rows, each band
    row naming its signature by text hash), measured on the first staged chunk."""
    from weft.pipeline.dedup.exchange import STAGED_COLUMNS, KeyRows
    from weft.pipeline.dedup.settings import DedupSettings
    from weft.pipeline.layout import OutputLayout
    from weft.pipeline.run.phases import Source

    first = sorted(OutputLayout(corpus).docs_dir.glob("*.parquet"))[0]
    table = Source("staged", lambda _l: [], STAGED_COLUMNS, lambda _p: None).load(first)
    return KeyRows(1, DedupSettings.from_filters(DEDUP_RULES)).process(table).nbytes / table.num_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--chunk", type=int, default=5_000, help="documents per staged chunk file")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "weft-bench-dedup-job",
                    help="where the staged corpus is kept between runs, and the runs' outputs")
    ap.add_argument("--child", choices=("local", "ray", "base-local", "base-ray", "datasketch", "base-datasketch"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        from bench_dedup import run_baseline, run_datasketch

        run = {"local": lambda: child_run("local", args.target), "ray": lambda: child_run("ray", args.target),
               "base-local": lambda: child_baseline("local", args.target),
               "base-ray": lambda: child_baseline("ray", args.target),
               "datasketch": lambda: run_datasketch(args.target), "base-datasketch": lambda: run_baseline(args.target)}
        print(RESULT + json.dumps(run[args.child]()), flush=True)
        return
    load = os.getloadavg()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus, info = staged_corpus(args.work, args.docs, args.words, args.chunk)
    made = "cached" if info["cached"] else (f"generated in {info['generate_s']:.0f} s, signed in {info['sign_s']:.0f} s, "
                                            f"staged in {info['stage_s']:.0f} s")
    print(f"corpus: {args.docs:,} generated documents of {args.words} words ({info['planted']}), "
          f"{-(-args.docs // args.chunk)} staged chunks of {args.chunk:,} ({info['staged_mb']:,.0f} MB) in {corpus} ({made})")
    info["key_row_bytes"] = key_row_bytes(corpus)
    runs: dict[str, dict[str, Any]] = {}
    base: dict[str, dict[str, Any]] = {}
    for name in ("local", "ray"):
        out = args.work / f"out-{name}"
        _link_staged(corpus, out)
        base[name] = _child(f"base-{name}", out, sample=True)
        _link_staged(corpus, out)
        runs[name] = _child(name, out, sample=True)
        print(f"  ran on {name}: {runs[name]['wall_s']:.1f} s", flush=True)
    ds_base = _child("base-datasketch", corpus)
    ds = _child("datasketch", corpus)
    print(f"  ran datasketch: {ds['wall_s']:.1f} s", flush=True)
    audits = {name: _audit(args.work / f"out-{name}") for name in runs}
    digests = {name: _digests(args.work / f"out-{name}") for name in runs}
    same_ds, n_weft, n_ds = _same_as_datasketch(audits["ray"], corpus)
    checks = {"same_audit": audits["local"] == audits["ray"], "same_bytes": digests["local"] == digests["ray"],
              "files": len(digests["ray"]), "same_as_datasketch": same_ds, "weft_removed": n_weft, "datasketch_removed": n_ds}
    result = report(info, runs, base, ds, ds_base, checks, load)
    print(json.dumps(result, sort_keys=True))
    if not (checks["same_audit"] and checks["same_bytes"] and checks["same_as_datasketch"]):
        raise SystemExit("the executors or MinHashLSH disagree (see above)")


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()
