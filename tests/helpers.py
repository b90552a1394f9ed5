"""Test helpers: job configs for tests, and the product's in-process executor to run them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from weft.jobs.spec import JobConfig, load_job

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WEFT_SHARED_DATA") or REPO.parent / "shared" / "data")


def job(out_dir: Path, /, *inputs: str | Path, **sections: dict[str, Any]) -> JobConfig:
    """A JobConfig for tests; `sections` are overrides like read={"pages_per_chunk": 5}.
    The image stage is off unless a test asks for it (`images={"resolve": True, ...}`)."""
    overrides: dict[str, Any] = {"input": {"paths": [str(p) for p in inputs]}, "output": {"path": str(out_dir)}}
    overrides["images"] = {"resolve": False}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    overrides["extract"] = {"on_record_error": "raise", **overrides.get("extract", {})}
    return load_job(None, overrides)


def run_inline(cfg: JobConfig) -> dict[str, Any]:
    """Run the job with the product's in-process executor (`executor = "local"`); returns the
    manifest. Job tests use this; the tests that must prove Ray behaviour call `run_job` with the
    Ray executor."""
    from dataclasses import replace

    from weft.pipeline.run.job import run_job

    return run_job(replace(cfg, executor="local"))
