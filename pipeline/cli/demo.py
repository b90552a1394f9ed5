"""`weft demo`: the main job, end to end, on a sample crawl that weft writes and serves itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from weft.demo.site import demo_site
from weft.jobs.spec import load_job
from weft.pipeline.cli.summary import EXIT_FAILED, EXIT_OK, print_summary
from weft.pipeline.cli.view import render_document
from weft.pipeline.run.job import run_job
from weft.schemas.reader import iter_documents


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
    sample = next((d for d in iter_documents(site.shards, format="parquet") if len(d.images) >= 2), None)
    if sample is not None:
        print("\nOne document, as a trainer would see it:\n", file=out)
        print(render_document(sample, max_chars=400), file=out)
    print(f"\nSee more with: weft inspect {site.shards} --limit 3", file=out)
    return EXIT_OK if manifest["counts"]["balanced"] else EXIT_FAILED
