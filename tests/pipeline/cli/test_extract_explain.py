"""`weft extract FILE --explain`: a user sees why a paragraph is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from weft.pipeline.cli.main import main


def test_extract_explain_shows_removed_blocks_with_reasons(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = shared_data / "html" / "readability" / "heise" / "source.html"
    assert main(["extract", str(page), "--url", "http://fakehost/test/page.html", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "AgileBits hat Version 5.3" in out  # the article
    assert "- removed [outside_main_content] Apple stopft Sicherheitslücken" in out  # a teaser below it
    assert "- removed [boilerplate_class:id=breadcrumb]" in out
    assert main(["extract", str(page)]) == 0
    assert "- removed" not in capsys.readouterr().out


def test_extract_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["extract", str(tmp_path / "nope.html")]) == 2
