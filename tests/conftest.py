"""Shared fixtures: where the real public test data lives, and a session-scoped Ray."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    override = os.environ.get("WEFT_SHARED_DATA")
    return Path(override) if override else REPO.parent / "shared" / "data"


SHARED_DATA = _shared_data()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` (real WARCs, pages, images). CI has it; its absence is a failure, not a
    skip, because the tests that use it are the ones that prove weft works on real data."""
    if not (SHARED_DATA / "MANIFEST.tsv").is_file():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set WEFT_SHARED_DATA)")
    return SHARED_DATA
