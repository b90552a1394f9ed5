"""Per-phase throughput: what each phase of the plan processed, over the seconds it took.

The seconds are the manifest's `timings` (`pipeline/run/watch.py`); what a phase processed is
read from the manifest's counts, by phase name: the documents phase reads, extracts and runs the
text rules on every page; the dedup phases compare the documents that passed the text rules; the
images phase resolves every unique image URL and writes the shards. The wall time the phases do
not cover (the executor's start and stop, the manifest) is its own row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PhaseRate:
    phase: str
    seconds: float
    count: int | None
    unit: str

    @property
    def rate(self) -> float | None:
        return self.count / self.seconds if self.count is not None and self.seconds > 0 else None


def _processed(name: str, manifest: dict[str, Any]) -> tuple[int | None, str]:
    counts = manifest["counts"]
    dedup = manifest.get("dedup") or {}
    if name == "documents":
        return counts["pages"], "pages"
    if name.startswith("dedup components"):
        return dedup.get("edges"), "edges"
    if name.startswith("dedup"):
        return dedup.get("documents"), "documents"
    if name == "images":
        return sum(counts.get("unique_images", {}).values()), "unique images"
    return None, ""


def phase_rates(manifest: dict[str, Any]) -> list[PhaseRate]:
    """One row per phase the run executed, then `other` (empty when the manifest has no timings)."""
    timings = manifest.get("timings") or {}
    rows = [PhaseRate(p["name"], float(p["seconds"]), *_processed(p["name"], manifest)) for p in timings.get("phases", [])]
    if rows:
        other = float(timings.get("wall_seconds", 0)) - sum(r.seconds for r in rows)
        rows.append(PhaseRate("other (executor start and stop, manifest)", max(0.0, other), None, ""))
    return rows
