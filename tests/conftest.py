"""Shared fixtures: where the real public test data lives, shards the pipeline wrote from it, and
a session-scoped Ray."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA, cc_with_archived_images, job, run_inline


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` (real WARCs, pages, images). CI has it; its absence is a failure, not a
    skip, because the tests that use it are the ones that prove weft works on real data."""
    if not (SHARED_DATA / "MANIFEST.tsv").is_file():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set WEFT_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def books_shards(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The job's output (Parquet and tar) for a real crawl of books.toscrape.com: one page showing
    20 book covers, whose bytes come from the WARC's own image records."""
    out = tmp_path_factory.mktemp("books") / "out"
    run_inline(job(out, shared_data / "warc/other/nodewarc_books.toscrape.warc", images={"resolve": True, "download": False}))
    return out


@pytest.fixture(scope="session")
def cc_shards(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The job's output for the real Common Crawl excerpts plus an archive of images for most of
    their image URLs (see `cc_with_archived_images`): 21 multilingual pages in 4 shards per format,
    with kept, dropped and over-the-cap image slots."""
    work = tmp_path_factory.mktemp("cc")
    inputs = cc_with_archived_images(shared_data, work)
    out = work / "out"
    run_inline(job(out, *inputs, images={"resolve": True, "download": False}))
    return out


@pytest.fixture(scope="session")
def ray_local():
    """One Ray for the whole session (2 CPUs, a small object store, no dashboard). weft's runner
    reuses an initialized Ray instead of starting its own, so Ray tests pay the start-up once."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # node address 127.0.0.1 (see pipeline/run/ray_executor.py)
    import ray

    ray.init(
        num_cpus=2,
        object_store_memory=300 * 1024**2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()
