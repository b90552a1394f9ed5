"""`weft train-reference`, through weft's own command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from weft.pipeline.cli.main import build_parser, main
from weft.train.model import DecoderConfig, ReferenceDecoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_trains_on_a_job_output_and_prints_the_loss_per_step(books_shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "model.pt"
    code = main(["train-reference", str(books_shards), "--steps", "6", "--batch-size", "2", "--max-length", "128",
                 "--d-model", "32", "--format", "webdataset", "--save", str(saved)])
    out = capsys.readouterr().out
    assert code == 0, out
    steps = re.findall(r"^step +(\d+)/6  loss (\d+\.\d+)  \((\d+) samples, (\d+) text tokens", out, flags=re.M)
    assert [int(s[0]) for s in steps] == list(range(1, 7))
    assert all(0 < float(s[1]) < 10 and int(s[2]) <= 2 for s in steps)
    assert "1 webdataset shard(s)" in out and f"saved the model to {saved}" in out
    checkpoint = torch.load(saved, weights_only=True)
    model = ReferenceDecoder(DecoderConfig(**checkpoint["decoder_config"]))
    model.load_state_dict(checkpoint["model"])
    assert checkpoint["sample_config"]["max_length"] == 128 and model.cfg.d_model == 32


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train-reference", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("weft: error: weft train-reference:") and "no such shard or directory" in err and "\n" not in err
    (tmp_path / "empty").mkdir()
    assert main(["train-reference", str(tmp_path / "empty")]) == 2
    assert "no shards" in capsys.readouterr().err
    assert main(["train-reference", str(tmp_path / "empty"), "--steps", "0"]) == 2
    assert "--steps must be at least 1" in capsys.readouterr().err


def test_listed_in_weft_help() -> None:
    assert "train-reference" in build_parser().format_help()
