"""What a finished job prints: a summary of its manifest, and warnings for inputs it could not read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from weft.pipeline.report.funnel import funnel
from weft.pipeline.report.throughput import phase_rates

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _reasons(d: dict[str, int], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{k} {v:,}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])) if v)


def print_summary(manifest: dict[str, Any], output: str, out: TextIO | None = None) -> None:
    """The end-of-job summary: pages in, a table of what each step left and why it removed the
    rest (every rule, dedup and image rules included), dedup, images out, throughput per phase and
    wall time. Every number is the manifest's (`pipeline/report/funnel.py`, `throughput.py`)."""
    out = out or sys.stdout
    c = manifest["counts"]
    docs = c["documents"]
    by_format: dict[str, int] = {}
    for s in manifest["shards"]:
        by_format[s["format"]] = by_format.get(s["format"], 0) + 1
    p = lambda line="": print(line, file=out)  # noqa: E731
    p(f"weft: wrote {docs['written']} documents to {output}")
    p(f"  inputs: {c['files']} file(s), {c['records']} records, {c['pages']} HTML pages; "
      f"shards: {', '.join(f'{n} {fmt}' for fmt, n in sorted(by_format.items())) or 'none'}")
    p(f"  records by type: {_reasons(c['records_by_type'])}; outcomes: {_reasons(c['record_outcomes'])}")
    steps = funnel(manifest)
    width = max(len(step.label) for step in steps)
    p()
    p(f"  {'step':<{width}}  {'stage':<7} {'in':>8} {'left':>8} {'removed':>8}  why")
    for step in steps:
        removed = step.docs_in - step.documents if step.docs_in is not None else None
        why = "; ".join(x for x in (_reasons(step.dropped), _reasons(step.slots_dropped, "slot:")) if x)
        p(f"  {step.label:<{width}}  {step.stage:<7} {'' if step.docs_in is None else f'{step.docs_in:,}':>8} "
          f"{step.documents:>8,} {'' if removed is None else f'{removed:,}':>8}  {why}".rstrip())
    p()
    stats = manifest.get("filters", {}).get("stats", {}).get("rules", {})
    dedup = manifest.get("dedup")
    if dedup:
        removed = {rule: stats.get(rule, {}).get("docs_in", 0) - stats.get(rule, {}).get("docs_kept", 0)
                   for rule in ("dedup_url_v1", "dedup_text_v1", "dedup_minhash_v1") if rule in stats}
        minhash = dedup.get("minhash")
        how = f"; MinHash {minhash['num_perm']} perms, seed {minhash['seed']}, Jaccard >= {minhash['threshold']}" if minhash else ""
        p(f"  dedup: {dedup['documents']} documents compared, {sum(removed.values())} removed "
          f"({', '.join(f'{k}: {v}' for k, v in removed.items())}); {dedup['clusters']} cluster(s) of near or exact "
          f"duplicates, largest {dedup['largest_cluster']}{how}; each removal in {Path(output) / '_dedup'}")
    images = sum(s.get("images_with_bytes", 0) for s in manifest["shards"] if s["format"] == "parquet")
    if c.get("image_slots") or c.get("unique_images"):
        p(f"  images: {images:,} in the written documents; slots of kept documents by status: {_reasons(c.get('image_slots', {})) or 'none'}; "
          f"unique URLs by source:status: {_reasons(c.get('unique_images', {})) or 'none'}")
    rates = phase_rates(manifest)
    if rates:
        p()
        p(f"  {'phase':<{max(len(r.phase) for r in rates)}}  {'seconds':>8}  throughput")
        for r in rates:
            rate = f"{r.count:,} {r.unit}, {r.rate:,.1f}/s" if r.rate is not None else (f"{r.count:,} {r.unit}" if r.count is not None else "")
            p(f"  {r.phase:<{max(len(x.phase) for x in rates)}}  {r.seconds:>8.1f}  {rate}".rstrip())
        p(f"  wall time: {manifest['timings']['wall_seconds']:.1f} s on {manifest['executor'].get('name')} "
          f"({manifest['executor'].get('cpus', '?')} CPU)")
    p(f"  counts add up: {'yes' if c['balanced'] else 'NO (see _manifest.json)'}")
    p(f"  manifest: {Path(output) / '_manifest.json'}")


def warn_file_errors(manifest: dict[str, Any]) -> None:
    for err in manifest["file_errors"]:
        print(f"weft: warning: {err['file']}: {err['error']} (kept {err.get('records_before', 0)} records read before it)", file=sys.stderr)
    damaged: dict[str, list[dict[str, Any]]] = {}
    for err in manifest.get("record_errors", []):
        damaged.setdefault(err["file"], []).append(err)
    for file, errors in damaged.items():
        print(f"weft: warning: {file}: {len(errors)} damaged record(s) skipped, reading went on "
              f"(first at offset {errors[0]['offset']}: {errors[0]['error']})", file=sys.stderr)
    for uri in manifest["unfinished_inputs"]:
        print(f"weft: warning: {uri}: reading did not finish", file=sys.stderr)


