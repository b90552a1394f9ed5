"""What a finished job prints: a summary of its manifest, and warnings for inputs it could not read."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from weft.filters.registry import build as build_rules

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def print_summary(manifest: dict[str, Any], output: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    c = manifest["counts"]
    docs = c["documents"]
    by_format: dict[str, int] = {}
    for s in manifest["shards"]:
        by_format[s["format"]] = by_format.get(s["format"], 0) + 1
    print(f"weft: wrote {docs['written']} documents to {output}", file=out)
    print(f"  shards: {', '.join(f'{n} {fmt}' for fmt, n in sorted(by_format.items())) or 'none'}", file=out)
    print(f"  inputs: {c['files']} file(s), {c['records']} records, {c['pages']} HTML pages", file=out)
    print(f"  records by type: {json.dumps(c['records_by_type'])}", file=out)
    print(f"  record outcomes: {json.dumps(c['record_outcomes'])}", file=out)
    if docs["dropped"]:
        print(f"  documents dropped: {json.dumps(docs['dropped'])}", file=out)
    if docs["failed"]:
        print(f"  documents failed: {json.dumps(docs['failed'])}", file=out)
    filters = manifest.get("filters", {})
    stats = filters.get("stats", {}).get("rules", {})
    order = [f.key for f in build_rules(filters.get("rules", [])).filters] if filters.get("rules") else []
    for rule in order + sorted(set(stats) - set(order)):
        st = stats.get(rule)
        if st is None:
            continue
        dropped = {**st.get("docs_dropped", {}), **{f"slot:{k}": v for k, v in st.get("slots_dropped", {}).items()}}
        print(f"  rule {rule}: {st['docs_in']} in, {st['docs_kept']} kept" + (f", dropped {json.dumps(dropped)}" if dropped else ""), file=out)
    dedup = manifest.get("dedup")
    if dedup:
        removed = {rule: stats.get(rule, {}).get("docs_in", 0) - stats.get(rule, {}).get("docs_kept", 0)
                   for rule in ("dedup_url_v1", "dedup_text_v1", "dedup_minhash_v1") if rule in stats}
        minhash = dedup.get("minhash")
        how = f"; MinHash {minhash['num_perm']} perms, seed {minhash['seed']}, Jaccard >= {minhash['threshold']}" if minhash else ""
        print(f"  dedup: {dedup['documents']} documents compared, {sum(removed.values())} removed "
              f"({', '.join(f'{k}: {v}' for k, v in removed.items())}); {dedup['clusters']} cluster(s) of near or exact "
              f"duplicates, largest {dedup['largest_cluster']}{how}; each removal in {Path(output) / '_dedup'}", file=out)
    if c.get("unique_images"):
        print(f"  unique images by source:status: {json.dumps(c['unique_images'])}", file=out)
    if c.get("image_slots"):
        print(f"  image slots by status: {json.dumps(c['image_slots'])}", file=out)
    print(f"  counts add up: {'yes' if c['balanced'] else 'NO (see _manifest.json)'}", file=out)
    print(f"  manifest: {Path(output) / '_manifest.json'}", file=out)


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


