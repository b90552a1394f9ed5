"""The job spec loader: shipped specs load, overrides apply, mistakes are one-line user errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from weft.jobs.spec import JOBS_DIR, JobConfig, describe, load_job, parse_override
from weft.jobs.errors import UserError


@pytest.mark.parametrize("spec", sorted(p.name for p in JOBS_DIR.glob("*.toml")))
def test_every_shipped_spec_loads(spec: str) -> None:
    cfg = load_job(spec)
    assert isinstance(cfg, JobConfig)
    assert cfg.name


def test_spec_by_name_path_and_jobs_prefix() -> None:
    assert load_job("demo") == load_job("demo.toml") == load_job("jobs/demo.toml") == load_job(JOBS_DIR / "demo.toml")


def test_overrides_win_over_spec_and_keep_the_rest() -> None:
    cfg = load_job("demo", {"output": {"path": "/tmp/x"}, "read": {"pages_per_chunk": 7}})
    assert cfg.output.path == "/tmp/x"
    assert cfg.read.pages_per_chunk == 7
    assert cfg.output.max_docs_per_shard == 12  # from demo.toml
    assert cfg.output.formats == ("parquet", "webdataset")


def test_parse_override_reads_toml_values_and_bare_strings() -> None:
    assert parse_override("read.pages_per_chunk=200") == {"read": {"pages_per_chunk": 200}}
    assert parse_override("output.formats=['parquet']") == {"output": {"formats": ["parquet"]}}
    assert parse_override("ray.address=auto") == {"ray": {"address": "auto"}}
    assert parse_override("read.index_images=false") == {"read": {"index_images": False}}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"read": {"pages_per_chunk": "many"}}, "read.pages_per_chunk: expected an integer"),
        ({"read": {"bogus": 1}}, "read: unknown key 'bogus'"),
        ({"nonsense": {}}, "unknown key 'nonsense'"),
        ({"output": {"formats": ["csv"]}}, "'csv' is not one of 'parquet', 'webdataset'"),
        ({"read": {"pages_per_chunk": 0}}, "read.pages_per_chunk: 0 is below the minimum 1"),
        ({"input": {"offset": -1}}, "input.offset: -1 is below the minimum 0"),
        ({"images": {"max_job_bytes": -5}}, "images.max_job_bytes: -5 is below the minimum 0"),
        ({"nosuch": {"key": 1}}, "^job: unknown key 'nosuch' \\(known: name, input, read"),
        ({"ray": {"num_cpus": None}}, None),
        ({"input": {"paths_base": None}}, "input.paths_base: expected a string, got None"),
        ({"executor": "spark"}, "executor: 'spark' is not one of 'ray', 'local'"),
        ({"output": {"overwrite": "yes"}}, "expected true or false"),
        ({"extract": {"on_record_error": "ignore"}}, "not one of 'drop', 'raise'"),
    ],
)
def test_bad_values_are_user_errors_naming_the_key(overrides: dict, message: str | None) -> None:
    if message is None:  # None is a value only where the annotation allows it
        load_job(None, overrides)
        return
    with pytest.raises(UserError, match=message):
        load_job(None, overrides)


def test_bad_toml_and_missing_spec_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(UserError, match="bad.toml: not valid TOML"):
        load_job(bad)
    with pytest.raises(UserError, match="job spec not found: nope.toml"):
        load_job("nope.toml")


def test_config_round_trips_through_its_dict_form() -> None:
    cfg = load_job("cc_slice", {"output": {"path": "out"}})
    assert load_job(None, cfg.to_dict()) == cfg


def test_every_field_has_help_text() -> None:
    rows = describe()
    assert {"input.paths", "read.max_html_bytes", "output.formats", "ray.address"} <= {k for k, _, _ in rows}
    assert all(help_text for _, _, help_text in rows)
