"""The demo, run once on Ray for the tests of what it prints, writes and reports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from weft.pipeline.cli.demo import run_demo


@pytest.fixture(scope="session")
def demo_run(ray_local, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's directory (`<root>/demo`) and what it printed."""
    root = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    assert run_demo(root / "demo", out=out) == 0
    return root, out.getvalue()
