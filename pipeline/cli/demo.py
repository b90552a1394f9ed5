"""`weft demo`: the main job, end to end, on a sample crawl that weft writes and serves itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import pyarrow.parquet as pq

from weft.demo.site import demo_site
from weft.filters.registry import build as build_rules
from weft.jobs.spec import load_job
from weft.pipeline.cli.summary import EXIT_FAILED, EXIT_OK, print_summary
from weft.pipeline.cli.view import render_document
from weft.pipeline.run.job import run_job
from weft.schemas.reader import iter_documents


def planted_duplicates(expectations: dict[str, Any], manifest: dict[str, Any], shards: Path) -> str:
    """What became of the crawl's planted near-duplicate groups: of each group that reached dedup
    one page stays and every other copy goes as a duplicate; some copies never get there (a
    German group fails the English rule first)."""
    fates = {row["url"]: row["reason"] or row["outcome"]
             for row in pq.read_table(sorted(shards.glob("_ledger/*.parquet")), columns=["url", "outcome", "reason"]).to_pylist()}
    text_rules = {f.key for f in build_rules(manifest["filters"]["rules"]).stage("text").filters}
    groups = expectations["near_duplicate_groups"]
    copies = sum(len(g) - 1 for g in groups)
    removed = sum(1 for g in groups for url in g if fates.get(url, "").startswith("dedup_"))
    earlier = sorted({fates[url].split(":")[0] for g in groups for url in g if fates.get(url, "").split(":")[0] in text_rules})
    line = f"  planted: {len(groups)} near-duplicate groups with {copies} extra copies; {removed} removed as duplicates"
    return line + (f" (other copies left before dedup, by {', '.join(earlier)})" if earlier else "")


def run_demo(output: Path, *, num_cpus: int | None = None, executor: str | None = None, out: TextIO | None = None) -> int:
    """Build the crawl, serve its images, run `jobs/demo.toml` on it, print a summary; returns the
    exit code."""
    out = out or sys.stdout
    with demo_site(output, out=out) as site:
        overrides: dict[str, Any] = {
            "input": {"paths": [str(site.crawl.warc_path)]},
            "output": {"path": str(site.shards), "overwrite": True},
        }
        if num_cpus:
            overrides["ray"] = {"num_cpus": num_cpus}
        if executor:
            overrides["executor"] = executor
        manifest = run_job(load_job("demo", overrides), log=lambda m: print(m, file=sys.stderr))
    print_summary(manifest, str(site.shards), out=out)
    print(planted_duplicates(site.crawl.expectations, manifest, site.shards), file=out)
    sample = next((d for d in iter_documents(site.shards, format="parquet") if len(d.images) >= 2), None)
    if sample is not None:
        print("\nOne document, as a trainer would see it:\n", file=out)
        print(render_document(sample, max_chars=400), file=out)
    print(f"\nSee more with: weft inspect {site.shards} --limit 3", file=out)
    return EXIT_OK if manifest["counts"]["balanced"] else EXIT_FAILED
