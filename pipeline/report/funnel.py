"""The filter funnel of a finished job, from its manifest alone.

Pages read -> extracted -> what is left after each rule, in the job's order -> written. Every
number is one the manifest holds (`counts`, and the per-rule `filters.stats`), so the report, the
end-of-job summary and `_manifest.json` cannot disagree. A rule that only removes image slots
keeps its documents and still appears, with its slot drops, so the funnel lists every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weft.filters.registry import build as build_rules
from weft.jobs.errors import UserError


@dataclass(frozen=True)
class FunnelStep:
    """One row of the funnel: documents left after `label`, and what the step removed."""

    label: str
    """`pages read`, `extracted`, a rule key (`english_fasttext_v1`), or `written`."""
    stage: str
    """`read`, `extract`, the rule's stage (`text`, `dedup`, `image`), or `write`."""
    documents: int
    """Documents left after this step."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Documents this step removed, by reason."""
    slots_dropped: dict[str, int] = field(default_factory=dict)
    """Image slots this step removed, by reason (the document stays)."""
    docs_in: int | None = None


def rule_order(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """`(rule key, stage)` in the job's order; rules of an older manifest that this weft no longer
    knows keep the statistics' order, with stage `?`."""
    stats = manifest.get("filters", {}).get("stats", {}).get("rules", {})
    try:
        order = [(f.key, f.stage.value) for f in build_rules(manifest.get("filters", {}).get("rules") or []).filters]
    except UserError:
        order = []
    known = {key for key, _ in order}
    return order + [(key, "?") for key in stats if key not in known]


def funnel(manifest: dict[str, Any]) -> list[FunnelStep]:
    counts = manifest["counts"]
    documents = counts["documents"]
    stats = manifest.get("filters", {}).get("stats", {}).get("rules", {})
    rules = [(key, stage) for key, stage in rule_order(manifest) if key in stats]
    pages = counts["pages"]
    # Before any rule: extraction failures and pages with nothing in them (reasons without a rule).
    extract_losses = dict(documents["failed"])
    extract_losses.update({k: v for k, v in documents["dropped"].items() if ":" not in k})
    steps = [FunnelStep("pages read", "read", pages), FunnelStep("extracted", "extract", pages - sum(extract_losses.values()),
                                                                 dropped=extract_losses, docs_in=pages)]
    for key, stage in rules:
        st = stats[key]
        steps.append(FunnelStep(key, stage, st["docs_kept"], dropped=dict(st["docs_dropped"]),
                                slots_dropped=dict(st["slots_dropped"]), docs_in=st["docs_in"]))
    steps.append(FunnelStep("written", "write", documents["written"], docs_in=steps[-1].documents))
    return steps


def why_empty(manifest: dict[str, Any], steps: list[FunnelStep]) -> str | None:
    """Why a job wrote no document, in one or two sentences (None when it wrote some)."""
    counts = manifest["counts"]
    if counts["documents"]["written"]:
        return None
    if counts["files"] == 0:
        return "The job had no input file."
    if counts["pages"] == 0:
        errors = manifest.get("file_errors") or []
        if errors and counts["records"] == 0:
            return f"None of the {counts['files']} input file(s) could be read: {errors[0]['file']}: {errors[0]['error']}."
        kinds = ", ".join(f"{n} {k}" for k, n in counts["records_by_type"].items()) or "none"
        return (f"No HTML page was found in the inputs ({counts['records']} records: {kinds}; outcomes "
                + ", ".join(f"{k} {n}" for k, n in counts["record_outcomes"].items()) + ").")
    last = next((s for s in steps if s.documents == 0), None)
    if last is None:
        return "No document was written, though every step kept some (see _manifest.json)."
    losses = sorted(last.dropped.items(), key=lambda kv: -kv[1])
    reasons = ", ".join(f"{reason} ({n})" for reason, n in losses) or "no reason recorded"
    removed = [s for s in steps if s.dropped and sum(s.dropped.values())]
    biggest = max(removed, key=lambda s: sum(s.dropped.values()), default=None)
    text = f"All {counts['pages']} pages read were removed; the last {last.docs_in} went at {last.label}: {reasons}."
    if biggest is not None and biggest is not last:
        text += f" The largest cut was {biggest.label} ({sum(biggest.dropped.values())} documents)."
    return text
