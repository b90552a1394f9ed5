"""The `weft` command: help everywhere, one-line errors for user mistakes, run and inspect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from weft.pipeline.cli.main import main

WEFT = str(Path(sys.executable).with_name("weft"))


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["demo", "--help"], ["inspect", "--help"]])
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: weft" in capsys.readouterr().out


def test_console_script_is_installed() -> None:
    done = subprocess.run([WEFT, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("weft ")


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["run", "--limit", "two"], "invalid int value: 'two'"),
        (["run", "--output", "x"], "no input given"),
        (["run", "--input", "/no/such/file.warc.gz", "--output", "x"], "/no/such/file.warc.gz"),
        (["run", "no-such-spec.toml"], "job spec not found: no-such-spec.toml"),
        (["run", "demo", "--set", "read.pages_per_chunk=0", "--input", "x.warc"], "demo.toml: read.pages_per_chunk: 0 is below the minimum 1"),
        (["run", "--set", "nosuch.key=1", "--input", "x.warc"], "weft: error: job: unknown key 'nosuch' (known: name, input,"),
        (["run", "--executor", "spark"], "invalid choice: 'spark'"),
        (["inspect", "/no/such/shard.parquet"], "/no/such/shard.parquet: no such file"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(argv, expected, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    line = _one_line_error(capsys)
    assert line.startswith("weft") and expected in line


def test_unreadable_input_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_warc = tmp_path / "notes.txt"
    not_a_warc.write_text("hello")
    assert main(["run", "--input", str(not_a_warc), "--output", str(tmp_path / "out")]) == 2
    assert str(not_a_warc) in _one_line_error(capsys)


@pytest.mark.ray
def test_run_refuses_another_jobs_output_then_overwrites(ray_local, shared_data, tmp_path, capsys) -> None:
    warc = str(shared_data / "warc/cc/jwarc_cc.warc.gz")
    out = str(tmp_path / "out")
    offline = ["--set", "images.resolve=false"]  # these tests are about the CLI; real page URLs never leave the machine
    assert main(["run", "--input", warc, "--output", out, *offline]) == 0
    assert "wrote 1 documents" in capsys.readouterr().out
    assert main(["run", "--input", warc, "--output", out, *offline]) == 2
    assert "already holds another job's shards" in _one_line_error(capsys)
    assert main(["run", "--input", warc, "--output", out, "--overwrite", "--format", "parquet", *offline]) == 0
    assert not list(Path(out).glob("*.tar"))


@pytest.mark.ray
def test_damaged_input_warns_and_exits_0(ray_local, shared_data, tmp_path, capsys) -> None:
    warc = shared_data / "warc/edge/resiliparse_clipped.warc.gz"
    assert main(["run", "--input", str(warc), "--output", str(tmp_path / "out"), "--set", "images.resolve=false"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("weft: warning:")]
    assert len(warnings) == 1 and str(warc) in warnings[0]
    assert "counts add up: yes" in captured.out


def test_inspect_prints_text_with_image_markers(shared_data, tmp_path, capsys) -> None:
    from tests.helpers import job, run_inline

    run_inline(job(tmp_path / "out", shared_data / "warc/other/nodewarc_books.toscrape.warc"))
    shard = next((tmp_path / "out").glob("*.tar"))
    assert main(["inspect", str(shard), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    markers = [line for line in out.splitlines() if line.startswith("[image ")]
    assert len(markers) == 20
    assert markers[0].startswith("[image ?x? http://books.toscrape.com/media/cache/2c/da/2cdad67c44b002e7ead0cc35693c0e8b.jpg]")
    assert "A Light in the Attic" in out


@pytest.mark.ray
def test_http_input_is_streamed_and_a_404_input_fails_the_job(ray_local, shared_data, tmp_path, capsys) -> None:
    from weft.demo.httpserve import LoopbackServer

    with LoopbackServer(root=shared_data / "warc/cc") as server:
        url = server.url("jwarc_cc.warc.gz")
        assert main(["run", "--input", url, "--output", str(tmp_path / "ok"), "--set", "images.resolve=false"]) == 0
        assert "wrote 1 documents" in capsys.readouterr().out
        manifest = json.loads((tmp_path / "ok" / "_manifest.json").read_text())
        assert manifest["inputs"][0]["uri"] == url and manifest["shards"]
        missing = server.url("missing.warc.gz")
        assert main(["run", "--input", missing, "--output", str(tmp_path / "bad"), "--set", "images.resolve=false"]) == 1
        err = capsys.readouterr().err
        assert f"weft: warning: {missing}" in err and "none of the inputs could be read" in err


def test_weft_filters_commands_are_wired(capsys, tmp_path) -> None:
    from tests.helpers import REPO

    assert main(["filters", "list", "--job", "kosmos1"]) == 0
    listing = capsys.readouterr().out
    order = [name for name in ("no_images_v1@text", "english_fasttext_v1", "spam_heuristics_v1", "min_image_size_v1",
                               "monochrome_v1", "no_images_v1@image", "max_images_v1", "single_image_subsample_v1")]
    assert [listing.index(n) for n in order] == sorted(listing.index(n) for n in order)
    junit = tmp_path / "rules.xml"
    assert main(["filters", "check", str(REPO / "tests/filters/cases"), "--junit", str(junit)]) == 0
    assert junit.read_text().count("<testcase") >= 20
    with pytest.raises(SystemExit) as exit_info:
        main(["filters", "--help"])
    assert exit_info.value.code == 0


def test_an_error_from_a_ray_task_is_one_plain_line() -> None:
    from ray.exceptions import RayTaskError

    from weft.pipeline.cli.main import one_line

    cause = AttributeError("'NoneType' object has no attribute 'startswith'")
    wrapped = RayTaskError("MapBatches(_InputChain)", "Traceback (most recent call last):\n  \x1b[36mray::MapBatches\x1b[39m ...", cause)
    assert one_line(wrapped) == "AttributeError: 'NoneType' object has no attribute 'startswith'"
    assert one_line(RuntimeError("\x1b[36mray::x\x1b[39m failed\nsecond line")) == "RuntimeError: ray::x failed"
    assert one_line(KeyError()) == "KeyError"
