"""`weft demo`: the main job, end to end, on a sample crawl that weft writes itself.

A fresh machine with no network has no WARC to read, so the demo builds one (see
`demo/crawl.py`), serves the images that the WARC does not hold from a loopback HTTP
server (the image stage fetches from it), runs `jobs/demo.toml` on an embedded local Ray and
prints what came out. The demo owns its output directory: it refuses a non-empty directory it did
not create, and replaces its own earlier output, so `make demo` can run any number of times.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from weft.jobs.spec import load_job
from weft.demo.crawl import DemoCrawl, build_demo_crawl, served_dir
from weft.jobs.errors import UserError
from weft.demo.httpserve import LoopbackServer

MARKER = ".weft-demo"


def _claim_demo_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"demo output {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UserError(f"demo output {out} is not empty and was not written by weft demo; choose another --output")
    for owned in ("crawl", "shards"):
        shutil.rmtree(out / owned, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by `weft demo`; the demo replaces this directory's crawl/ and shards/\n")


def _crawl_summary(crawl: DemoCrawl, base_url: str, out: TextIO) -> None:
    e = crawl.expectations
    langs = ", ".join(f"{k} {v}" for k, v in e["pages_per_language"].items())
    img = e["images"]
    print(f"weft demo: sample crawl {crawl.warc_path}", file=out)
    print(f"  {e['pages']} pages ({langs}); records {e['records']}", file=out)
    print(
        f"  pages with 0 / 1 / 2-5 / >5 images: {e['pages_with_0_images']} / {e['pages_with_1_image']} / "
        f"{e['pages_with_2_to_5_images']} / {e['pages_with_more_than_5_images']}; "
        f"{len(e['near_duplicate_groups'])} near-duplicate groups; {len(e['spam_pages'])} spam pages",
        file=out,
    )
    print(
        f"  {img['total']} images: {img['in_warc']} stored in the WARC, {img['served']} served from {base_url}, "
        f"{img['data_uri']} inline data: URI ({len(img['tiny'])} tiny, {len(img['single_colour'])} single-colour)",
        file=out,
    )


def run_demo(output: Path, *, num_cpus: int | None = None, out: TextIO | None = None) -> int:
    """Build the crawl, serve its images, run the demo job, print a summary; returns the exit code."""
    out = out or sys.stdout
    from weft.pipeline.cli.main import print_summary
    from weft.pipeline.run.ray_executor import run_job
    from weft.pipeline.cli.view import render_document
    from weft.schemas.reader import iter_documents

    root = output.expanduser().resolve()
    _claim_demo_dir(root)
    crawl_dir, shards_dir = root / "crawl", root / "shards"
    overrides: dict[str, Any] = {"output": {"path": str(shards_dir), "overwrite": True}}
    if num_cpus:
        overrides["ray"] = {"num_cpus": num_cpus}
    with LoopbackServer(root=served_dir(crawl_dir)) as server:
        crawl = build_demo_crawl(crawl_dir, server.base_url)
        _crawl_summary(crawl, server.base_url, out)
        overrides["input"] = {"paths": [str(crawl.warc_path)]}
        cfg = load_job("demo", overrides)
        manifest = run_job(cfg, log=lambda m: print(m, file=sys.stderr))
    print_summary(manifest, str(shards_dir), out=out)
    sample = next((d for d in iter_documents(shards_dir, format="parquet") if len(d.images) >= 2), None)
    if sample is not None:
        print("\nOne document, as a trainer would see it:\n", file=out)
        print(render_document(sample, max_chars=400), file=out)
    print(f"\nSee more with: weft inspect {shards_dir} --limit 3", file=out)
    return 0 if manifest["counts"]["balanced"] else 1
