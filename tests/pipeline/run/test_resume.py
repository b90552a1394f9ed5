"""A job killed with SIGKILL at any point finishes with `--resume`, byte-identical to a run that was
never interrupted, without redoing the units of work that had finished.

The job runs as a `weft run` process in a session of its own, so the test kills exactly what it
started (the driver and, on Ray, the embedded Ray it started) and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import job_outputs

WEFT = str(Path(sys.executable).parent / "weft")


SOME = ("warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz", "warc/other/ipwb_ARCHIVEIT-2698-sample-1.warc.gz",
        "warc/other/nodewarc_books.toscrape.warc", "warc/other/ukwa_data.gov.uk_BL-20140325121225068.warc.gz")
"""112 pages with archived images, near-duplicates and URL duplicates: enough units to kill a job
between them, for the tests that run a job more than the in-process kill points do (dedup, Ray)."""


def _inputs(shared_data: Path, some: bool = False) -> list[str]:
    if some:
        return [str(shared_data / p) for p in SOME]
    return sorted(str(p) for p in (shared_data / "warc").rglob("*") if p.name.endswith((".warc", ".warc.gz", ".arc")))


def _argv(shared_data: Path, out: Path, executor: str, *extra: str, job: str = "kosmos1", some: bool = False) -> list[str]:
    argv = [WEFT, "run", job, "--output", str(out), "--no-download", "--executor", executor, "--num-cpus", "2",
            "--set", "read.pages_per_chunk=7", "--set", "images.urls_per_shard=50", *extra]
    for path in _inputs(shared_data, some):
        argv += ["--input", path]
    return argv


def _env() -> dict[str, str]:
    return {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}


def _run_and_kill(argv: list[str], out: Path, step: str, count: int) -> None:
    """Start the job; SIGKILL its whole session once `count` units of `step` are done."""
    proc = subprocess.Popen(argv, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    markers = out / "_work" / "done" / step
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if markers.is_dir() and sum(1 for _ in markers.glob("*.json")) >= count:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the job finished before the kill point; lower the count"
    assert not (out / "_manifest.json").exists()


def _finished_units(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in (out / "_work" / "done").rglob("*.json")}


@pytest.fixture(scope="module")
def reference(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reference") / "out"
    done = subprocess.run(_argv(shared_data, out, "local"), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return job_outputs(out)


def _kill_then_resume(shared_data: Path, out: Path, executor: str, step: str, count: int, reference: dict[str, str],
                      check_refusals: bool = False, job: str = "kosmos1", some: bool = False) -> None:
    _run_and_kill(_argv(shared_data, out, executor, job=job, some=some), out, step, count)
    finished = _finished_units(out)
    assert finished, "nothing had finished at the kill"
    if check_refusals:
        # Without --resume the directory is refused, and the message says what to do.
        refused = subprocess.run(_argv(shared_data, out, executor), env=_env(), capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "use --resume to finish it" in refused.stderr
        # Another config is not resumed into the directory of this job.
        other = subprocess.run(_argv(shared_data, out, executor, "--set", "read.pages_per_chunk=8", "--resume"), env=_env(),
                               capture_output=True, text=True, timeout=120)
        assert other.returncode == 2 and "holds another job (its config_sha256 differ)" in other.stderr
    resumed = subprocess.run(_argv(shared_data, out, executor, "--resume", job=job, some=some), env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert job_outputs(out) == reference
    # What had finished was not done again: its markers were not rewritten.
    after = _finished_units(out)
    assert {unit: after[unit] for unit in finished} == finished


@pytest.mark.parametrize("step, count", [("documents", 6), ("images", 3), ("finalize", 4)],
                         ids=["while-reading", "while-resolving-images", "while-writing"])
def test_killed_local_job_resumes_to_identical_output(shared_data: Path, tmp_path: Path, reference: dict[str, str],
                                                       step: str, count: int) -> None:
    _kill_then_resume(shared_data, tmp_path / "out", "local", step, count, reference, check_refusals=step == "documents")


def _reference(shared_data: Path, out: Path, job: str) -> dict[str, str]:
    """`job` on `SOME`, in process, never interrupted."""
    done = subprocess.run(_argv(shared_data, out, "local", job=job, some=True), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return job_outputs(out)


@pytest.fixture(scope="module")
def dedup_reference(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo job (Kosmos-1 plus dedup), never interrupted."""
    return _reference(shared_data, tmp_path_factory.mktemp("dedup-reference") / "out", "demo")


@pytest.mark.parametrize("step, count", [("dedup_components", 1), ("dedup", 4)],
                         ids=["between-component-rounds", "while-assigning-duplicates"])
def test_killed_dedup_job_resumes_to_identical_output(shared_data: Path, tmp_path: Path, dedup_reference: dict[str, str],
                                                      step: str, count: int) -> None:
    _kill_then_resume(shared_data, tmp_path / "out", "local", step, count, dedup_reference, job="demo", some=True)


@pytest.mark.ray
@pytest.mark.parametrize("step, count", [("finalize", 3)], ids=["while-writing"])
def test_killed_ray_driver_resumes_to_identical_output(shared_data: Path, tmp_path: Path, step: str, count: int) -> None:
    reference = _reference(shared_data, tmp_path / "reference", "kosmos1")
    _kill_then_resume(shared_data, tmp_path / "out", "ray", step, count, reference, some=True)
