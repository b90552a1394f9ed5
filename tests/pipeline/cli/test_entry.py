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
