"""`_manifest.json`: what a job read, how it was configured and where every record went.

The manifest is the job's proof of accounting. For every input file the reader counts records by
type and gives each exactly one outcome; every page then ends as one ledger row (kept, dropped or
failed). `balanced` is true only when those counts add up, so a silent loss shows up as a red
flag in the manifest instead of a smaller dataset nobody questions.

Everything in it is the sum of the completion markers the job's units wrote
(`pipeline/markers.py`), read one at a time, so it is the same whichever executor ran the job.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from weft.filters.stats import FilterStats
from weft.jobs.spec import JobConfig
from weft.pipeline import __version__
from weft.pipeline.images.resolve import IMAGES_STEP
from weft.pipeline.layout import OutputLayout, write_json_atomic
from weft.pipeline.markers import read_markers
from weft.pipeline.read.inputs import input_tag
from weft.pipeline.read.stage import READ_STEP
from weft.pipeline.read.warc import ReadStats
from weft.schemas.document import SCHEMA_VERSION


def read_totals(layout: OutputLayout, inputs: list[str]) -> tuple[ReadStats, list[dict[str, Any]]]:
    """Sum the reader's per-file stats; an input with no marker never finished reading."""
    total = ReadStats()
    per_file = []
    for uri in inputs:
        path = layout.done(READ_STEP, input_tag(uri))
        if not path.is_file():
            per_file.append({"uri": uri, "finished": False})
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        total = total + ReadStats.from_dict(data)
        per_file.append({"uri": uri, "finished": True, "pages": data["pages"], "archive_images": data["archive_images"]})
    return total, per_file


def build_manifest(
    cfg: JobConfig,
    layout: OutputLayout,
    inputs: list[str],
    *,
    final_step: str,
    marker_steps: tuple[str, ...],
    started: str,
    finished: str,
    executor: dict[str, Any],
    dedup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    read, per_file = read_totals(layout, inputs)
    read_dict = read.to_dict()
    records = sum(read.records_by_type.values())
    record_outcomes = sum(read.outcomes.values())
    pages_read = read.outcomes.get("page", 0)
    pages_written = 0
    outcomes: Counter[str] = Counter()
    image_statuses: Counter[str] = Counter()
    shards: list[dict[str, Any]] = []
    for marker in read_markers(layout, final_step):
        pages_written += marker["pages"]
        outcomes.update(marker["outcomes"])
        image_statuses.update(marker.get("image_statuses") or {})
        shards.extend(marker.get("shards") or [])
    stats = FilterStats()
    for step in marker_steps:
        for marker in read_markers(layout, step):
            stats = stats + FilterStats.from_dict(marker["filter_stats"])
    unique_images: Counter[str] = Counter()
    for marker in read_markers(layout, IMAGES_STEP):
        unique_images.update(marker["unique_images"])
    documents = {
        "written": outcomes.get("kept", 0),
        "dropped": {k.split(":", 1)[1]: v for k, v in sorted(outcomes.items()) if k.startswith("dropped:")},
        "failed": {k.split(":", 1)[1]: v for k, v in sorted(outcomes.items()) if k.startswith("failed:")},
    }
    unfinished = [f["uri"] for f in per_file if not f["finished"]]
    balanced = records == record_outcomes and pages_read == pages_written and not unfinished
    return {
        "weft_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "job": cfg.name,
        "started": started,
        "finished": finished,
        "config": cfg.to_dict(),
        "inputs": per_file,
        "executor": executor,
        "counts": {
            "files": len(inputs),
            "records": records,
            "records_by_type": dict(sorted(read.records_by_type.items())),
            "record_outcomes": dict(sorted(read.outcomes.items())),
            "pages": pages_read,
            "documents": documents,
            "bytes_read": read_dict.get("bytes_read", 0),
            "read_notes": dict(sorted(read.notes.items())),
            "image_slots": dict(sorted(image_statuses.items())),
            "unique_images": dict(sorted(unique_images.items())),
            "balanced": balanced,
        },
        "filters": {"rules": [dict(f) for f in cfg.filters], "stats": stats.to_dict()},
        "dedup": dedup,
        "file_errors": read.file_errors,
        "record_errors": read.record_errors,
        "unfinished_inputs": unfinished,
        "shards": sorted(shards, key=lambda s: s["path"]),
    }


def write_manifest(layout: OutputLayout, manifest: dict[str, Any]) -> None:
    write_json_atomic(layout.manifest, manifest, durable=True)
