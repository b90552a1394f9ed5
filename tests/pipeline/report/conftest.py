"""A job whose report has something in every section: the real Common Crawl excerpts with an
archive of images (`cc_with_archived_images`), run in-process with the `obelics_like` rules
(text rules, dedup, image dedup, image rules)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import cc_with_archived_images, job, run_inline
from weft.jobs.spec import load_job


@pytest.fixture(scope="session")
def obelics_out(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("report")
    inputs = cc_with_archived_images(shared_data, work)
    out = work / "out"
    run_inline(replace(job(out, *inputs, images={"resolve": True, "download": False}), filters=load_job("obelics_like").filters))
    return out
