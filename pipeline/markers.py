"""Completion markers: what each unit of work did, written last and atomically.

Every step of a job ends each unit of work (an input file, a chunk, an exchange partition) by
writing a small JSON file under `_work/done/<step>/<unit>.json` with the unit's statistics. The
marker is the unit's proof that everything it wrote before is complete (it is written after its
shards, ledger and work files, durably); the job's manifest is the sum of its markers, whatever
executor ran the units, and a resumed job skips units whose marker is there.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from weft.pipeline.layout import OutputLayout, write_json_atomic


def write_marker(layout: OutputLayout, step: str, unit: str, data: dict[str, Any]) -> None:
    write_json_atomic(layout.done(step, unit), {"step": step, "unit": unit, **data}, durable=True)


def read_markers(layout: OutputLayout, step: str) -> Iterator[dict[str, Any]]:
    """The markers of one step, in unit-name order (one file in memory at a time)."""
    directory = layout.done_dir(step)
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))


def read_marker(layout: OutputLayout, step: str, unit: str) -> dict[str, Any]:
    """One unit's marker (it must exist: `has_marker`)."""
    return json.loads(layout.done(step, unit).read_text(encoding="utf-8"))


def has_marker(layout: OutputLayout, step: str, unit: str) -> bool:
    return layout.done(step, unit).is_file()
