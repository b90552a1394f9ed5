"""Every path a job writes under its output directory, and the one way weft writes a file.

A job's output directory holds what users read (shards, `_manifest.json`, `_ledger/`,
`_rejects/`) and what the job itself needs to finish or resume (`_work/`). Stages never build
paths themselves; they ask `OutputLayout`, so the tree below is defined here and only here::

    OUTPUT/
      <stem>-<part>.parquet, .tar     shards (names from the inputs: pipeline/write/shards.py)
      _manifest.json                  the job's accounting (pipeline/write/manifest.py)
      _report.html                    the job as one static page (`weft report`, `weft run --report`)
      _ledger/<stem>.parquet          one row per page read
      _ledger/images/<stem>.parquet   one row per image slot of a written document
      _rejects/<rule>/<reason>.jsonl  a sample of what each rule dropped (or --rejects DIR)
      _dedup/<stem>.parquet           per chunk: each document removed as a duplicate, with the
                                      document it duplicates, the pass and the estimated Jaccard
      _work/job.json                  which job this is (config hash, inputs): what --resume checks
      _work/done/<step>/<unit>.json   per unit of work (read/<input tag>, documents/<stem>,
                                      images/part-<n>, finalize/<stem>): what it did; written last
      _work/images/part-<n>.parquet   per image-exchange partition: each URL's outcome per chunk
      _work/archive_images/<tag>.parquet   the input's image records, by canonical URL
      _work/docs/<stem>.parquet       per chunk: documents after the text rules (image stage
                                      or dedup on)
      _work/dedup/pending/part-<n>.parquet per dedup key partition: URL duplicates, text pairs and
                                      the members of its shared LSH buckets, until their
                                      signatures arrive (MinHash pass on)
      _work/dedup/keys/part-<n>.parquet    per dedup key partition: URL duplicates and verified edges
      _work/dedup/rounds/<r>/part-<n>.parquet   edges after connected-components round r
      _work/dedup/facts/part-<n>.parquet   per cluster partition: each member's fate and cluster
      _work/deduped/<stem>.parquet    per chunk: documents after the dedup rules (image stage on)
      _work/rejects/<name>.jsonl      per chunk and rule stage: its sample of dropped documents
      _work/downloads/                img2dataset's shards; results/<batch>.parquet every attempt

Every file is written under a temporary name in its final directory and renamed into place, so a
reader (or a resumed job) sees a file whole or not at all; shards and markers are also fsynced,
because a crash after the rename must not leave an empty file behind a complete name.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from weft.jobs.errors import UserError

MANIFEST_NAME = "_manifest.json"
REPORT_NAME = "_report.html"
SHARD_SUFFIXES = (".parquet", ".tar")
WORK, LEDGER, REJECTS, DEDUP = "_work", "_ledger", "_rejects", "_dedup"
OWNED_DIRS = (WORK, LEDGER, REJECTS, DEDUP)
KEPT_ON_RESUME = f"{WORK}/downloads"


@dataclass(frozen=True)
class OutputLayout:
    """The paths of one job's output directory (absolute, since Ray workers may run elsewhere)."""

    root: Path
    rejects_root: Path | None = None
    """Where the merged rejects sample goes (`--rejects DIR`); default `OUTPUT/_rejects`."""

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def report(self) -> Path:
        """`weft report`'s default file (`pipeline/report/`)."""
        return self.root / REPORT_NAME

    def shard(self, name: str) -> Path:
        return self.root / name

    @property
    def ledger_dir(self) -> Path:
        return self.root / LEDGER

    def ledger(self, stem: str) -> Path:
        return self.ledger_dir / f"{stem}.parquet"

    @property
    def image_ledger_dir(self) -> Path:
        return self.ledger_dir / "images"

    def image_ledger(self, stem: str) -> Path:
        return self.image_ledger_dir / f"{stem}.parquet"

    @property
    def rejects(self) -> Path:
        return self.rejects_root or self.root / REJECTS

    def rejects_sample(self, rule: str, reason: str) -> Path:
        return self.rejects / rule / f"{reason}.jsonl"

    @property
    def work(self) -> Path:
        return self.root / WORK

    @property
    def archive_images_dir(self) -> Path:
        return self.work / "archive_images"

    def archive_images(self, tag: str) -> Path:
        return self.archive_images_dir / f"{tag}.parquet"

    @property
    def docs_dir(self) -> Path:
        return self.work / "docs"

    def docs(self, stem: str) -> Path:
        return self.docs_dir / f"{stem}.parquet"

    @property
    def deduped_dir(self) -> Path:
        return self.work / "deduped"

    def deduped(self, stem: str) -> Path:
        return self.deduped_dir / f"{stem}.parquet"

    @property
    def dedup_keys_dir(self) -> Path:
        return self.work / "dedup" / "keys"

    def dedup_keys(self, part: int) -> Path:
        return self.dedup_keys_dir / f"part-{part:05d}.parquet"

    @property
    def dedup_pending_dir(self) -> Path:
        return self.work / "dedup" / "pending"

    def dedup_pending(self, part: int) -> Path:
        return self.dedup_pending_dir / f"part-{part:05d}.parquet"

    @property
    def dedup_facts_dir(self) -> Path:
        return self.work / "dedup" / "facts"

    def dedup_facts(self, part: int) -> Path:
        return self.dedup_facts_dir / f"part-{part:05d}.parquet"

    def dedup_round_dir(self, round_no: int) -> Path:
        return self.work / "dedup" / "rounds" / f"{round_no:03d}"

    def dedup_round(self, round_no: int, part: int) -> Path:
        return self.dedup_round_dir(round_no) / f"part-{part:05d}.parquet"

    @property
    def dedup_audit_dir(self) -> Path:
        return self.root / DEDUP

    def dedup_audit(self, stem: str) -> Path:
        return self.dedup_audit_dir / f"{stem}.parquet"

    @property
    def job_file(self) -> Path:
        """Which job this directory holds (config hash, inputs, versions): `--resume` checks it."""
        return self.work / "job.json"

    @property
    def resolved_dir(self) -> Path:
        return self.work / "images"

    def resolved(self, part: int) -> Path:
        """One image-exchange partition's outcomes, kept so a resumed job need not resolve again."""
        return self.resolved_dir / f"part-{part:05d}.parquet"

    def done_dir(self, step: str) -> Path:
        return self.work / "done" / step

    def done(self, step: str, unit: str) -> Path:
        return self.done_dir(step) / f"{unit}.json"

    @property
    def rejects_work_dir(self) -> Path:
        return self.work / "rejects"

    def rejects_work(self, name: str) -> Path:
        return self.rejects_work_dir / f"{name}.jsonl"

    @property
    def downloads(self) -> Path:
        return self.work / "downloads"

    @property
    def download_results_dir(self) -> Path:
        return self.downloads / "results"

    def download_results(self, batch: str) -> Path:
        return self.download_results_dir / f"{batch}.parquet"


# ----- the one way to write a file ---------------------------------------------------------------


def temp_path(path: Path) -> Path:
    """Where `path` is written before it is renamed into place (same directory, hidden)."""
    return path.with_name(f".{path.name}.tmp")


def commit(tmp: Path, path: Path, *, durable: bool = False) -> None:
    """Rename a finished temporary file into place; with `durable`, its bytes and the rename are
    on disk before this returns (for files a crash must not leave empty: shards, markers)."""
    if durable:
        _fsync(tmp)
    os.replace(tmp, path)
    if durable:
        _fsync_dir(path.parent)


@contextmanager
def atomic_file(path: Path, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write `path` through; renamed into place when the block ends
    normally, removed when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        yield tmp
        commit(tmp, path, durable=durable)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_WRITE_BUFFER = 2**20
"""Bytes `write_parquet_atomic` gathers before each `write` call."""


def write_parquet_atomic(path: Path, table: pa.Table, *, durable: bool = False, staged: bool = False) -> None:
    """Write `table` to `path` (zstd). With `staged`, the file is a chunk staged at a barrier
    (`_work/docs/`, `_work/deduped/`), which the job reads back in full and in part several
    times and nobody else reads: written with LZ4, which costs 20% fewer instructions than zstd
    to write and read back (once in full, three times the dedup columns) on the chunks of the
    big bench WARC of `benchmarks/bench_vs_datatrove.py` and 8% fewer on the CC-sized one, for
    35% more bytes on disk (13.6 MB instead of 10.1 MB for 3,000 pages). Dictionary pages stay:
    without them repeated texts are stored once per repeat (5.8 times the bytes on the CC-sized
    WARC, whose pages repeat).

    Written through a 1 MiB buffer: given a path, Parquet makes one `write` call per page and
    column (312 calls for each staged chunk of the big bench WARC), the same bytes."""
    with (atomic_file(path, durable=durable) as tmp,
          pa.output_stream(tmp, compression=None, buffer_size=_WRITE_BUFFER) as sink):
        pq.write_table(table, sink, compression="lz4" if staged else "zstd")


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file that weft wrote, whole or only `columns` (a dotted name reads one field of
    a struct: `provenance.warc_date` gives a `provenance` struct of that field alone).

    Read as one file: `pq.read_table` first makes a dataset of it, which cost about 50% more
    instructions per read of a staged chunk's dedup columns, and the dedup barrier reads each
    staged chunk four times."""
    with pq.ParquetFile(path) as file:
        return file.read(columns=columns)


def write_json_atomic(path: Path, data: Any, *, durable: bool = False) -> None:
    with atomic_file(path, durable=durable) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable. Not every platform can open a directory (Windows cannot); there
    the rename is as durable as the platform makes it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----- claiming the directory --------------------------------------------------------------------


def _weft_artifacts(out: Path) -> list[Path]:
    found = [p for p in out.iterdir() if p.is_file() and (p.suffix in SHARD_SUFFIXES or p.name in (MANIFEST_NAME, REPORT_NAME))]
    found += [out / d for d in OWNED_DIRS if (out / d).exists()]
    found += [p for p in out.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    return sorted(found)


def claim_output_dir(path: str, *, overwrite: bool, resume: bool = False, identity: dict[str, Any] | None = None) -> Path:
    """Create or validate `path` for the job `identity` (`pipeline/run/job.py`); returns it
    absolute (Ray workers may run elsewhere).

    Shards are named from the inputs, so a second job writing into the same directory could
    silently interleave with (or half-replace) the first job's shards: a directory that already
    holds weft's files is refused unless the user says what to do, and then only what weft itself
    writes is ever removed:

    - `--resume`: finish the job this directory holds (a killed run): everything a unit of work
      finished stays and is not redone. Refused when the directory holds another job (another
      config or other inputs, by `_work/job.json`).
    - `--overwrite`: remove the earlier job's files and start again.
    - `--overwrite --resume`: start again, but keep the earlier download results
      (`_work/downloads`), so only images that are missing or failed with a retryable error are
      fetched again.
    """
    if not path:
        raise UserError("no output directory given (use --output DIR or output.path in the job spec)")
    out = Path(path).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise UserError(f"output {out} exists and is not a directory")
    layout = OutputLayout(out)
    if out.is_dir():
        artifacts = _weft_artifacts(out)
        if resume and not overwrite:
            _check_same_job(layout, identity)
        elif artifacts and not overwrite:
            if not layout.manifest.is_file() and layout.job_file.is_file():
                raise UserError(f"output {out} holds a job that did not finish (no {MANIFEST_NAME}): "
                                "use --resume to finish it, or --overwrite to start again")
            raise UserError(f"output {out} already holds another job's shards or manifest (use --overwrite to replace them)")
        else:
            _clear(out, artifacts, keep_downloads=resume)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output directory {out}: {exc.strerror}") from None
    if identity is not None:
        write_json_atomic(layout.job_file, identity, durable=True)
    return out


def _check_same_job(layout: OutputLayout, identity: dict[str, Any] | None) -> None:
    if not layout.job_file.is_file():
        if _weft_artifacts(layout.root):
            raise UserError(f"output {layout.root} holds no resumable job ({WORK}/job.json is missing): "
                            "use --overwrite to start again")
        return
    held = json.loads(layout.job_file.read_text(encoding="utf-8"))
    if identity is not None and held != identity:
        differ = ", ".join(k for k in sorted(set(held) | set(identity)) if held.get(k) != identity.get(k))
        raise UserError(f"output {layout.root} holds another job (its {differ} differ): --resume finishes only "
                        "the same job with the same inputs; use --overwrite to start again")


def _clear(out: Path, artifacts: list[Path], *, keep_downloads: bool) -> None:
    kept = out / KEPT_ON_RESUME
    parked = out / ".weft-resume-downloads"
    if keep_downloads and kept.is_dir():
        shutil.rmtree(parked, ignore_errors=True)
        kept.rename(parked)
    for artifact in artifacts:
        if artifact.is_dir():
            shutil.rmtree(artifact)
        else:
            artifact.unlink()
    if keep_downloads and parked.is_dir():
        kept.parent.mkdir(parents=True, exist_ok=True)
        parked.rename(kept)
