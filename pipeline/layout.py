"""Every path a job writes under its output directory, and the one way weft writes a file.

A job's output directory holds what users read (shards, `_manifest.json`, `_ledger/`,
`_rejects/`) and what the job itself needs to finish or resume (`_work/`). Stages never build
paths themselves; they ask `OutputLayout`, so the tree below is defined here and only here::

    OUTPUT/
      <stem>-<part>.parquet, .tar     shards (names from the inputs: pipeline/write/shards.py)
      _manifest.json                  the job's accounting (pipeline/write/manifest.py)
      _ledger/<stem>.parquet          one row per page read
      _ledger/images/<stem>.parquet   one row per image slot of a written document
      _rejects/<rule>/<reason>.jsonl  a sample of what each rule dropped (or --rejects DIR)
      _work/done/<step>/<unit>.json   per unit of work (read/<input tag>, documents/<stem>,
                                      images/part-<n>, finalize/<stem>): what it did; written last
      _work/archive_images/<tag>.parquet   the input's image records, by canonical URL
      _work/docs/<stem>.parquet       per chunk: documents after the text rules (image stage on)
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
SHARD_SUFFIXES = (".parquet", ".tar")
WORK, LEDGER, REJECTS = "_work", "_ledger", "_rejects"
OWNED_DIRS = (WORK, LEDGER, REJECTS)
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


def write_parquet_atomic(path: Path, table: pa.Table, *, durable: bool = False) -> None:
    with atomic_file(path, durable=durable) as tmp:
        pq.write_table(table, tmp, compression="zstd")


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
    found = [p for p in out.iterdir() if p.is_file() and (p.suffix in SHARD_SUFFIXES or p.name == MANIFEST_NAME)]
    found += [out / d for d in OWNED_DIRS if (out / d).exists()]
    found += [p for p in out.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    return sorted(found)


def claim_output_dir(path: str, *, overwrite: bool, resume: bool = False) -> Path:
    """Create or validate `path`; returns it absolute (Ray workers may run elsewhere).

    Shards are named from the inputs, so a second job writing into the same directory could
    silently interleave with (or half-replace) the first job's shards: a directory that already
    holds weft's files is refused unless the user says `--overwrite`, and then only what weft
    itself writes is removed, never other files. With `resume`, earlier download results
    (`_work/downloads`) survive, so a rerun fetches only the images that are missing or failed
    with a retryable error."""
    if not path:
        raise UserError("no output directory given (use --output DIR or output.path in the job spec)")
    out = Path(path).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise UserError(f"output {out} exists and is not a directory")
    if out.is_dir():
        artifacts = _weft_artifacts(out)
        if artifacts and not overwrite:
            raise UserError(f"output {out} already holds another job's shards or manifest (use --overwrite to replace them)")
        kept = out / KEPT_ON_RESUME
        parked = out / ".weft-resume-downloads"
        if resume and kept.is_dir():
            shutil.rmtree(parked, ignore_errors=True)
            kept.rename(parked)
        for artifact in artifacts:
            if artifact.is_dir():
                shutil.rmtree(artifact)
            else:
                artifact.unlink()
        if resume and parked.is_dir():
            kept.parent.mkdir(parents=True, exist_ok=True)
            parked.rename(kept)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output directory {out}: {exc.strerror}") from None
    return out
