"""Claiming an output directory: refuse to mix two jobs' shards, or clear an old job's on request.

Shards are named from the inputs, so a second job writing into the same directory could silently
interleave with (or half-replace) the first job's shards. weft therefore refuses a directory that
already holds shards or a manifest unless the user says `--overwrite`, and then removes only what
weft itself writes (shards, ledger, work files, manifest), never other files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from weft.jobs.errors import UserError

MANIFEST_NAME = "_manifest.json"
SHARD_SUFFIXES = (".parquet", ".tar")
OWNED_DIRS = ("_work", "_ledger", "_rejects")


def _weft_artifacts(out: Path) -> list[Path]:
    found = [p for p in out.iterdir() if p.is_file() and (p.suffix in SHARD_SUFFIXES or p.name == MANIFEST_NAME)]
    found += [out / d for d in OWNED_DIRS if (out / d).exists()]
    found += [p for p in out.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    return sorted(found)


KEPT_ON_RESUME = "_work/downloads"


def claim_output_dir(path: str, *, overwrite: bool, resume: bool = False) -> Path:
    """Create or validate `path`; returns it absolute (Ray workers may run elsewhere).

    With `resume`, earlier download results (`_work/downloads`) survive the clean-up, so a rerun
    fetches only the images that are missing or failed with a retryable error."""
    if not path:
        raise UserError("no output directory given (use --output DIR or output.path in the job spec)")
    out = Path(path).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise UserError(f"output {out} exists and is not a directory")
    if out.is_dir():
        artifacts = _weft_artifacts(out)
        if artifacts and not overwrite:
            raise UserError(f"output {out} already holds another job's shards or manifest (use --overwrite to replace them)")
        kept = out / KEPT_ON_RESUME
        parked = out / ".weft-resume-downloads"
        if resume and kept.is_dir():
            shutil.rmtree(parked, ignore_errors=True)
            kept.rename(parked)
        for artifact in artifacts:
            if artifact.is_dir():
                shutil.rmtree(artifact)
            else:
                artifact.unlink()
        if resume and parked.is_dir():
            kept.parent.mkdir(parents=True, exist_ok=True)
            parked.rename(kept)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output directory {out}: {exc.strerror}") from None
    return out
