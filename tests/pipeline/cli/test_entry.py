"""The `weft` command runs Arrow on the system allocator (pipeline/cli/entry.py) unless the user
chose one, and the manifest says which allocator ran."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEFT = Path(sys.executable).parent / "weft"


@pytest.mark.parametrize(("chosen", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_command_picks_the_system_allocator_unless_told(shared_data: Path, tmp_path: Path, chosen: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    out = tmp_path / "out"
    done = subprocess.run([str(WEFT), "run", "kosmos1", "--input", str(shared_data / "warc/cc/jwarc_cc.warc.gz"), "--output", str(out),
                           "--executor", "local", "--no-download", "--quiet"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "_manifest.json").read_text())["executor"]["arrow_memory_pool"] == expected


TEXT_SPEC = """name = "text-only"

[images]
resolve = false

[[filters]]
name = "english_fasttext_v1"

[[filters]]
name = "dedup_minhash_v1"
"""
# What a text-only `weft run --executor local --quiet` has no use for: the Ray executor's and the
# image stage's libraries, the report's charts, the training extra, the terminal's progress bars,
# the XML of `weft filters check --junit`. Each costs start-up time when imported anyway (Pillow
# with its plugins 80 ms). pandas is not listed: pyarrow imports it on its first conversion of
# Python objects (apache/arrow#34994), which every run makes.
NOT_LOADED = ("ray", "PIL", "polars", "matplotlib", "img2dataset", "webdataset", "torch", "tqdm", "xml")
_LOADED = """
import json, sys
from weft.pipeline.cli.entry import main
out, sys.argv = sys.argv[1], ["weft", *sys.argv[2:]]
status = main()
with open(out, "w") as f:
    json.dump(sorted({name.split(".")[0] for name in sys.modules}), f)
sys.exit(status)
"""


def test_a_text_only_local_run_loads_no_image_ray_or_report_library(shared_data: Path, tmp_path: Path) -> None:
    spec = tmp_path / "text.toml"
    spec.write_text(TEXT_SPEC)
    loaded = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", _LOADED, str(loaded), "run", str(spec), "--input",
                           str(shared_data / "warc/cc/jwarc_cc.warc.gz"), "--output", str(tmp_path / "out"),
                           "--executor", "local", "--no-download", "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out" / "_manifest.json").read_text())["counts"]
    assert sorted(set(json.loads(loaded.read_text())) & set(NOT_LOADED)) == []
