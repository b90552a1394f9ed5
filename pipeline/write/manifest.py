"""`_manifest.json`: what a job read, how it was configured and where every record went.

The manifest is the job's proof of accounting. For every input file the reader counts records by
type and gives each exactly one outcome; every page then ends as one ledger row (kept, dropped or
failed). `balanced` is true only when those counts add up, so a silent loss shows up as a red
flag in the manifest instead of a smaller dataset nobody questions.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from weft.filters.base import FilterStats
from weft.jobs.spec import JobConfig
from weft.pipeline import __version__
from weft.pipeline.read.inputs import input_tag
from weft.pipeline.run.stages import READ_STATS_DIR, write_json_atomic
from weft.pipeline.read.warc import ReadStats
from weft.schemas.document import SCHEMA_VERSION


@dataclass
class WriteTotals:
    """The writer's per-group results summed as they stream past the driver."""

    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    shards: list[dict[str, Any]] = field(default_factory=list)
    image_statuses: Counter[str] = field(default_factory=Counter)
    filter_stats: FilterStats = field(default_factory=FilterStats)

    def add(self, row: dict[str, Any]) -> None:
        self.pages += row["pages"]
        self.outcomes.update(json.loads(row["outcomes"]))
        self.shards.extend(json.loads(row["shards"]))
        self.image_statuses.update(json.loads(row.get("image_statuses") or "{}"))
        if row.get("filter_stats"):
            self.filter_stats = self.filter_stats + FilterStats.from_dict(json.loads(row["filter_stats"]))


def read_totals(output_dir: Path, inputs: Iterable[str]) -> tuple[ReadStats, list[dict[str, Any]]]:
    """Sum the reader's per-file stats; an input with no stats file never finished reading."""
    total = ReadStats()
    per_file = []
    for uri in inputs:
        path = output_dir / READ_STATS_DIR / f"{input_tag(uri)}.json"
        if not path.is_file():
            per_file.append({"uri": uri, "finished": False})
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        total = total + ReadStats.from_dict(data)
        per_file.append({"uri": uri, "finished": True, "pages": data["pages"], "archive_images": data["archive_images"]})
    return total, per_file


def build_manifest(
    cfg: JobConfig,
    inputs: list[str],
    output_dir: Path,
    writes: WriteTotals,
    *,
    started: str,
    finished: str,
    ray_info: dict[str, Any],
) -> dict[str, Any]:
    read, per_file = read_totals(output_dir, inputs)
    read_dict = read.to_dict()
    records = sum(read.records_by_type.values())
    record_outcomes = sum(read.outcomes.values())
    pages_read = read.outcomes.get("page", 0)
    documents = {
        "written": writes.outcomes.get("kept", 0),
        "dropped": {k.split(":", 1)[1]: v for k, v in sorted(writes.outcomes.items()) if k.startswith("dropped:")},
        "failed": {k.split(":", 1)[1]: v for k, v in sorted(writes.outcomes.items()) if k.startswith("failed:")},
    }
    unfinished = [f["uri"] for f in per_file if not f["finished"]]
    balanced = records == record_outcomes and pages_read == writes.pages and not unfinished
    shards = sorted(writes.shards, key=lambda s: s["path"])
    return {
        "weft_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "job": cfg.name,
        "started": started,
        "finished": finished,
        "config": cfg.to_dict(),
        "inputs": per_file,
        "ray": ray_info,
        "counts": {
            "files": len(inputs),
            "records": records,
            "records_by_type": dict(sorted(read.records_by_type.items())),
            "record_outcomes": dict(sorted(read.outcomes.items())),
            "pages": pages_read,
            "documents": documents,
            "bytes_read": read_dict.get("bytes_read", 0),
            "read_notes": dict(sorted(read.notes.items())),
            "image_slots": dict(sorted(writes.image_statuses.items())),
            "unique_images": image_totals(output_dir),
            "balanced": balanced,
        },
        "filters": {"rules": [dict(f) for f in cfg.filters], "stats": writes.filter_stats.to_dict()},
        "file_errors": read.file_errors,
        "unfinished_inputs": unfinished,
        "shards": shards,
    }


def image_totals(output_dir: Path) -> dict[str, Any]:
    """Unique image URLs by source and status, counted from the image table in batches."""
    import pyarrow.dataset as ds

    path = output_dir / "_work" / "images"
    if not path.is_dir() or not any(path.glob("*.parquet")):
        return {}
    counts: Counter[str] = Counter()
    for batch in ds.dataset(path, format="parquet").to_batches(columns=["fetch"]):
        for fetch in batch.column("fetch").to_pylist():
            counts[f"{fetch['source']}:{fetch['status']}"] += 1
    return dict(sorted(counts.items()))


def write_manifest(output_dir: Path, manifest: dict[str, Any]) -> Path:
    path = output_dir / "_manifest.json"
    write_json_atomic(path, manifest)
    return path
