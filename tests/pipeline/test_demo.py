"""`weft demo`: the main job on the embedded sample crawl, end to end on Ray."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pipeline.demo import run_demo
from pipeline.errors import UserError
from schemas.reader import iter_documents

pytestmark = pytest.mark.ray


def test_demo_runs_the_job_and_can_run_again(ray_local, tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo(tmp_path / "demo", out=out) == 0
    text = out.getvalue()
    assert "40 pages (en 25, de 4, fr 3, es 3, ja 3, zh 2)" in text
    assert "served from http://127.0.0.1:" in text
    assert "counts add up: yes" in text and "[image " in text
    shards = tmp_path / "demo" / "shards"
    manifest = json.loads((shards / "_manifest.json").read_text())
    assert manifest["job"] == "demo" and manifest["counts"]["balanced"]
    assert manifest["counts"]["record_outcomes"]["archive_image"] == 18
    docs = list(iter_documents(shards))
    assert len(docs) == manifest["counts"]["documents"]["written"] == 40
    langs = {d.html_lang.split("-")[0] for d in docs if d.html_lang}
    assert {"en", "de", "fr", "es", "ja", "zh"} <= langs
    # Both legacy-charset pages were decoded with the charset their headers declared.
    charsets = {d.provenance.charset for d in docs}
    assert {"cp1252", "cp932"} <= charsets or {"iso-8859-1", "shift_jis"} & charsets
    # The demo owns its directory: a second run replaces its own output.
    assert run_demo(tmp_path / "demo", out=io.StringIO()) == 0


def test_demo_refuses_a_directory_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(UserError, match="not written by weft demo"):
        run_demo(tmp_path / "mine", out=io.StringIO())
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
