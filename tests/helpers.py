"""Test helpers: run the job's stages in-process, exactly as Ray would call them, without Ray."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jobs.spec import JobConfig, load_job

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WEFT_SHARED_DATA") or REPO.parent / "shared" / "data")


def job(out_dir: Path, /, *inputs: str | Path, **sections: dict[str, Any]) -> JobConfig:
    """A JobConfig for tests; `sections` are overrides like read={"pages_per_chunk": 5}."""
    overrides: dict[str, Any] = {"input": {"paths": [str(p) for p in inputs]}, "output": {"path": str(out_dir)}}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    overrides["extract"] = {"on_record_error": "raise", **overrides.get("extract", {})}
    return load_job(None, overrides)


def run_inline(cfg: JobConfig) -> dict[str, Any]:
    """The same stages, chunks and shard names as the Ray runner, called one after another."""
    from pipeline.inputs import resolve_inputs
    from pipeline.manifest import WriteTotals, build_manifest
    from pipeline.output_dir import claim_output_dir
    from pipeline.stages import ExtractStage, ReadStage, WriteStage

    inputs = resolve_inputs(cfg.input.paths, paths_base=cfg.input.paths_base, offset=cfg.input.offset, limit=cfg.input.limit)
    out = claim_output_dir(cfg.output.path, overwrite=cfg.output.overwrite)
    read, extract, write = ReadStage(cfg, str(out)), ExtractStage(cfg), WriteStage(cfg, str(out))
    totals = WriteTotals()
    for uri in inputs:
        for pages in read.read_file(uri):
            for row in write(extract(pages)).to_pylist():
                totals.add(row)
    return build_manifest(cfg, inputs, out, totals, started="", finished="", ray_info={"mode": "inline"})
