"""`filters list` and `filters check`: the project's rule cases pass, mismatches are readable,
JUnit XML parses, and the commands plug into weft's parser."""

from __future__ import annotations

import argparse
import io
import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from weft.pipeline.cli.filters import add_commands, cmd_check, cmd_list, main, run
from weft.filters.registry import FILTERS
from weft.jobs.errors import UserError

CASES = Path(__file__).resolve().parents[2] / "filters" / "cases"

PAGE = '''<html lang="en"><body><article>
<p>The old harbour of the town was rebuilt in the spring, and the fishermen who had moved their boats
to the next bay came back within a few weeks. Local historians say the stone walls date from the
eighteenth century, when the port shipped wool and salted fish to the cities along the coast.</p>
<img src="small.png"><img src="big.jpg"><img src="other.jpg">
</article></body></html>'''

IMAGES = '''
[[images]]
url = "small.png"
width = 40
height = 40
colour_spread = 200
dominant_fraction = 0.3
grayscale = false

[[images]]
url = "big.jpg"
width = 640
height = 480
colour_spread = 240
dominant_fraction = 0.05
grayscale = false

[[images]]
url = "other.jpg"
width = 300
height = 200
colour_spread = 230
dominant_fraction = 0.1
grayscale = false
'''


def _parser() -> argparse.ArgumentParser:
    """weft's top-level parser shape: a parser class whose error() raises UserError."""
    from weft.pipeline.cli.main import _Parser

    parser = _Parser(prog="weft")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_commands(sub)
    return parser


def _check(target: Path, junit: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    args = _parser().parse_args(["filters", "check", str(target), *(["--junit", str(junit)] if junit else [])])
    return cmd_check(args, out), out.getvalue()


def test_the_project_rule_cases_pass(tmp_path: Path) -> None:
    code, output = _check(CASES, tmp_path / "junit.xml")
    assert code == 0, output
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuite" and root.get("failures") == "0" and root.get("errors") == "0"
    assert int(root.get("tests", "0")) == len(list(CASES.glob("*.toml"))) >= 25


def test_the_cases_cover_every_rule_and_reason_and_both_verdicts() -> None:
    covered: set[tuple[str, str]] = set()
    verdicts: set[str] = set()
    for path in CASES.glob("*.toml"):
        expect = tomllib.loads(path.read_text(encoding="utf-8"))["expect"]
        verdicts.add(expect["verdict"])
        if expect["verdict"] == "drop":
            covered.add((expect["filter"].split("@")[0], expect["reason"]))
        for dropped in expect.get("dropped_slots", []):
            covered.add(tuple(dropped["reason"].split(":")))  # type: ignore[arg-type]
    wanted = {(name, reason.value) for name, cls in FILTERS.items() for reason in cls.Reason}
    assert wanted - covered == set()
    assert verdicts == {"keep", "drop"}


def test_a_mismatch_fails_with_a_readable_diff_and_junit_failure(tmp_path: Path) -> None:
    (tmp_path / "wrong.toml").write_text(f'''
description = "expects the small image to survive"
job = "kosmos1"
[input]
url = "https://example.com/post"
html = """{PAGE}"""
{IMAGES}
[expect]
verdict = "keep"
images = 3
dropped_slots = []
''')
    (tmp_path / "right.toml").write_text(f'''
job = "kosmos1"
[input]
url = "https://example.com/post"
html = """{PAGE}"""
{IMAGES}
[expect]
verdict = "keep"
images = 2
dropped_slots = [{{url = "small.png", reason = "min_image_size_v1:too_small"}}]
''')
    code, output = _check(tmp_path, tmp_path / "out" / "junit.xml")
    assert code == 1
    assert "PASS  right.toml" in output
    assert "FAIL  wrong.toml: expects the small image to survive" in output
    assert "images kept: expected 3, got 2" in output
    assert "got      https://example.com/small.png min_image_size_v1:too_small" in output
    assert "scores: no_images_v1@text {images=3}; english_fasttext_v1 {lang=en" in output
    assert output.rstrip().endswith("2 cases: 1 passed, 1 failed, 0 errors")
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    failure = root.find("testcase[@name='wrong.toml']/failure")
    assert failure is not None and failure.get("message") == "images kept: expected 3, got 2"
    assert root.find("testcase[@name='right.toml']/failure") is None


def test_a_wrong_verdict_names_both_fates(tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_text('''
[[filters]]
name = "min_image_size_v1"
[input]
segments = [{text = "x"}, {image = "a.png"}]
[[images]]
url = "a.png"
width = 10
height = 10
colour_spread = 9
dominant_fraction = 1.0
grayscale = true
[expect]
verdict = "drop"
filter = "min_image_size_v1"
reason = "too_small"
''')
    code, output = _check(tmp_path / "case.toml")
    assert code == 1
    assert "verdict: expected drop by min_image_size_v1 (too_small), got keep" in output


@pytest.mark.parametrize("content, message", [
    ("job = \"kosmos1\"\n[input]\nsegments = []\n", "missing [expect] table"),
    ("[input]\nsegments = []\n[expect]\nverdict = \"keep\"\n", "give exactly one of job"),
    ("job = \"nope\"\n[input]\nsegments = []\n[expect]\nverdict = \"keep\"\n", "job spec not found: nope"),
    ("job = \"kosmos1\"\n[input]\nhtml = \"<p>x</p>\"\nsegments = []\n[expect]\nverdict = \"keep\"\n", "exactly one of html and segments"),
    ("job = \"kosmos1\"\n[input]\nsegments = [{image = \"a.png\"}]\n[[images]]\nurl = \"a.png\"\nwidth = 5\n[expect]\nverdict = \"keep\"\n",
     "missing height, colour_spread, dominant_fraction, grayscale"),
    ("job = \"kosmos1\"\n[input]\nsegments = []\n[[images]]\nurl = \"b.png\"\nstatus = \"timeout\"\n[expect]\nverdict = \"keep\"\n",
     "b.png is not an image slot of the page"),
    ("job = \"kosmos1\"\n[input]\nsegments = []\n[expect]\nverdict = \"maybe\"\n", "verdict must be"),
    ("[[filters]]\nname = \"min_image_size_v1\"\nmin_width = \"big\"\n[input]\nsegments = []\n[expect]\nverdict = \"keep\"\n",
     r"filters[0] (min_image_size_v1).min_width: expected an integer"),
    ("job = \"kosmos1\"\n[input\n", "not valid TOML"),
])
def test_a_broken_case_is_an_error_not_a_crash(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "broken.toml").write_text(content)
    code, output = _check(tmp_path, tmp_path / "j.xml")
    assert code == 1
    assert "ERROR broken.toml" in output and message in output, output
    assert ET.parse(tmp_path / "j.xml").getroot().get("errors") == "1"


def test_check_on_a_missing_or_empty_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file or directory"):
        _check(tmp_path / "absent")
    with pytest.raises(UserError, match=r"no \*\.toml rule cases"):
        _check(tmp_path)


def test_list_prints_the_kosmos1_rules_in_order() -> None:
    out = io.StringIO()
    args = _parser().parse_args(["filters", "list"])
    assert cmd_list(args, out) == 0
    text = out.getvalue()
    assert text.startswith("kosmos1 (")
    order = [line.split(".", 1)[1].split()[0] for line in text.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert order[0] == "no_images_v1@text" and order[-1] == "single_image_subsample_v1" and len(order) == 8
    assert "    min_width = 64  # Drop an image narrower than" in text
    assert 'mode = "single_colour"' in text and "drops: too_small, not_decoded" in text
    assert "Keep English pages only" in text


def test_list_other_job_all_rules_and_json() -> None:
    out = io.StringIO()
    cmd_list(_parser().parse_args(["filters", "list", "--job", "obelics_like", "--json"]), out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 18 and rows[3]["key"] == "word_count_v1" and rows[3]["params"]["min_words"] == 10
    dedup = {row["key"]: row for row in rows if row["key"].startswith("image_")}
    assert dedup["image_boilerplate_v1"]["params"] == {"max_documents": 10} and dedup["image_boilerplate_v1"]["reasons"] == ["boilerplate"]
    assert dedup["image_repeat_v1"]["reasons"] == ["repeated", "near_repeated"]
    out = io.StringIO()
    cmd_list(_parser().parse_args(["filters", "list", "--all"]), out)
    assert out.getvalue().startswith(f"{len(FILTERS)} registered rules")
    with pytest.raises(UserError, match="job spec not found"):
        cmd_list(_parser().parse_args(["filters", "list", "--job", "nope"]), io.StringIO())


def test_usage_mistakes_are_one_line_user_errors() -> None:
    with pytest.raises(UserError, match="weft filters: argument COMMAND"):
        _parser().parse_args(["filters", "bogus"])
    with pytest.raises(UserError, match="not allowed with argument"):
        _parser().parse_args(["filters", "list", "--job", "kosmos1", "--all"])
    args = _parser().parse_args(["filters", "list", "--all"])
    assert args.func is cmd_list and run.__name__ == "run"


def test_standalone_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filters", "check", str(CASES / "kosmos1_too_small.toml")]) == 0
    assert "PASS  kosmos1_too_small.toml" in capsys.readouterr().out
    assert main(["filters", "check"]) == 2
    assert "weft: error:" in capsys.readouterr().err
