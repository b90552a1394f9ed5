"""Live progress: counted from the completion markers while a job runs; bars on a terminal, plain
lines otherwise, nothing with --quiet; and the end-of-job summary table."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA, job
from weft.pipeline.cli.main import main
from weft.pipeline.cli.progress import LiveProgress
from weft.pipeline.cli.summary import print_summary
from weft.pipeline.run.job import run_job


def _job(out: Path, **sections):
    from dataclasses import replace

    warcs = [SHARED_DATA / "warc/cc/jwarc_cc.warc.gz", SHARED_DATA / "warc/other/nodewarc_books.toscrape.warc"]
    return replace(job(out, *warcs, read={"pages_per_chunk": 4}, **sections), executor="local")


def test_plain_lines_count_what_the_markers_say(tmp_path: Path) -> None:
    stream = io.StringIO()
    progress = LiveProgress(stream, interactive=False, interval=0.01)
    manifest = run_job(_job(tmp_path / "out", images={"resolve": True, "download": False}), log=progress.log, progress=progress)
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("weft: progress")]
    assert lines, stream.getvalue()
    last = lines[-1]
    inputs = len(manifest["inputs"])
    assert f"inputs read {inputs}/{inputs} ({manifest['counts']['pages']} pages)" in last
    chunks = sum(1 for _ in (tmp_path / "out" / "_work" / "done" / "documents").glob("*.json"))
    assert f"written {chunks}/{chunks} ({manifest['counts']['documents']['written']} documents" in last
    assert "weft: phase images done in" in stream.getvalue()  # log lines go through the same stream


def test_bars_on_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    progress = LiveProgress(stream, interactive=True, interval=0.01)
    manifest = run_job(_job(tmp_path / "out"), log=progress.log, progress=progress)
    text = stream.getvalue()
    pages = manifest["counts"]["pages"]
    assert re.search(r"inputs read\s*: 100%\|.*\| 2/2 \[.*file/s, " + str(pages) + " pages\\]", text), text
    assert re.search(r"text rules\s*: 100%\|.*chunk/s, " + str(pages) + " pages, \\d+ documents left, \\d+ shards\\]", text), text


def test_quiet_prints_only_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warc = SHARED_DATA / "warc/cc/jwarc_cc.warc.gz"
    assert main(["run", "--input", str(warc), "--output", str(tmp_path / "out"), "--executor", "local", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "counts add up: yes" in captured.out


def test_summary_table_has_every_step_and_phase(tmp_path: Path) -> None:
    from dataclasses import replace

    from weft.jobs.spec import load_job

    cfg = replace(_job(tmp_path / "out", images={"resolve": True, "download": False}), filters=load_job("obelics_like").filters)
    manifest = run_job(cfg)
    out = io.StringIO()
    print_summary(json.loads((tmp_path / "out" / "_manifest.json").read_text()), str(tmp_path / "out"), out=out)
    text = out.getvalue()
    stats = manifest["filters"]["stats"]["rules"]
    for rule, st in stats.items():
        row = next(line for line in text.splitlines() if line.split()[:1] == [rule])
        assert row.split()[2:4] == [f"{st['docs_in']:,}", f"{st['docs_kept']:,}"], row
    assert re.search(rf"^  written\s+write\s+[\d,]+\s+{manifest['counts']['documents']['written']:,}\s", text, re.M)
    for phase in ("documents", "dedup keys", "dedup components", "dedup assign", "images"):
        assert re.search(rf"^  {phase}\s+\d+\.\d", text, re.M), phase
    assert "pages, " in text and "/s" in text and "wall time: " in text and "counts add up: yes" in text
