"""The sample site `weft demo` runs the main job on.

A fresh machine with no network has no WARC to read, so the demo builds one (see
`demo/crawl.py`) and serves the images that the WARC does not hold from a loopback HTTP server
(the image stage fetches from it); `weft demo` (`pipeline/cli/demo.py`) runs `jobs/demo.toml`
on it and prints what came out. The demo owns its output directory: it refuses a non-empty
directory it did not create, and replaces its own earlier output, so `make demo` can run any
number of times.
"""

from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from weft.demo.crawl import DemoCrawl, build_demo_crawl, served_dir
from weft.demo.httpserve import LoopbackServer
from weft.jobs.errors import UserError

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


@dataclass(frozen=True)
class DemoSite:
    """The demo's crawl, served: the WARC to read and where the job's shards go."""

    crawl: DemoCrawl
    base_url: str
    shards: Path


@contextmanager
def demo_site(output: Path, *, out: TextIO | None = None) -> Iterator[DemoSite]:
    """Claim the demo directory, build the sample crawl, and serve the images it does not hold
    on 127.0.0.1 for as long as the block runs (the job's image stage fetches them)."""
    out = out or sys.stdout
    root = output.expanduser().resolve()
    _claim_demo_dir(root)
    crawl_dir = root / "crawl"
    with LoopbackServer(root=served_dir(crawl_dir)) as server:
        crawl = build_demo_crawl(crawl_dir, server.base_url)
        _crawl_summary(crawl, server.base_url, out)
        yield DemoSite(crawl=crawl, base_url=server.base_url, shards=root / "shards")
