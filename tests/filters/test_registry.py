"""The registry: shipped job specs build, and every mistake in a [[filters]] table is one clear line."""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any

import pytest

from weft.filters.params import FilterParams
from weft.filters.rule import Filter
from weft.filters.verdict import Stage
from weft.filters.registry import FILTERS, build, build_filter, spec_of
from weft.jobs.spec import JOBS_DIR
from weft.jobs.errors import UserError

KOSMOS1_ORDER = [
    "no_images_v1@text", "english_fasttext_v1", "spam_heuristics_v1", "min_image_size_v1", "monochrome_v1",
    "no_images_v1@image", "max_images_v1", "single_image_subsample_v1",
]


def job_filters(name: str) -> list[dict[str, Any]]:
    return tomllib.loads((JOBS_DIR / f"{name}.toml").read_text(encoding="utf-8"))["filters"]


def test_kosmos1_spec_builds_the_recipe_in_order_with_default_parameters() -> None:
    pipe = build(job_filters("kosmos1"))
    assert [f.key for f in pipe.filters] == KOSMOS1_ORDER
    for f in pipe.filters:
        # the spec writes out every parameter, at the rule's default (the recipe's value)
        spec = next(s for s in job_filters("kosmos1") if s["name"] == f.name and s.get("stage", f.stage.value) == f.stage.value)
        assert set(spec) - {"name"} == {fl.name for fl in dataclasses.fields(f.params)}, f.key
        defaults = type(f.params)()
        assert all(getattr(f.params, k) == getattr(defaults, k) for k in spec if k not in ("name", "stage")), f.key


def test_obelics_like_is_kosmos1_plus_the_text_quality_rules_dedup_and_image_dedup() -> None:
    pipe = build(job_filters("obelics_like"))
    keys = [f.key for f in pipe.filters]
    quality = ["word_count_v1", "stopword_ratio_v1", "char_repetition_v1", "word_repetition_v1", "special_char_ratio_v1"]
    dedup = ["dedup_url_v1", "dedup_text_v1", "dedup_minhash_v1"]
    image_dedup = ["image_repeat_v1", "image_boilerplate_v1"]
    assert [k for k in keys if k not in quality + dedup + image_dedup] == KOSMOS1_ORDER
    assert all(pipe.filters[keys.index(q)].stage is Stage.TEXT for q in quality)
    # dedup runs once every text rule has passed, before any image rule
    stages = [f.stage for f in pipe.filters]
    assert stages == sorted(stages, key=list(Stage).index)
    assert [f.key for f in pipe.filters if f.stage is Stage.DEDUP] == dedup
    # image dedup: after the pixel rules, before every rule that counts images
    assert keys.index("monochrome_v1") < keys.index("image_repeat_v1") < keys.index("image_boilerplate_v1") < keys.index("no_images_v1@image")


def test_demo_is_kosmos1_plus_dedup() -> None:
    keys = [f.key for f in build(job_filters("demo")).filters]
    assert [k for k in keys if not k.startswith("dedup_")] == KOSMOS1_ORDER
    assert keys[3:6] == ["dedup_url_v1", "dedup_text_v1", "dedup_minhash_v1"]


def test_every_rule_is_documented_and_typed() -> None:
    reasons: dict[str, str] = {}
    for name, cls in FILTERS.items():
        assert name == cls.name and name.rsplit("_", 1)[1].startswith("v")
        assert cls.rationale() and "Source:" in (cls.__doc__ or ""), name
        assert issubclass(cls.Params, FilterParams)
        for f in dataclasses.fields(cls.Params):
            assert f.metadata.get("help"), f"{name}.{f.name} has no help text"
        for f in dataclasses.fields(cls.Params)[:1]:  # the exact dedup passes have no parameter
            with pytest.raises(dataclasses.FrozenInstanceError):
                cls.Params().__setattr__(f.name, 0)  # type: ignore[misc]
        for reason in cls.Reason:
            reasons.setdefault(reason.value, name)
        rebuilt = build_filter(spec_of(cls()))
        assert type(rebuilt) is cls and rebuilt.params == cls().params


@pytest.mark.parametrize("spec, message", [
    ({"name": "english_v9"}, r"filters\[0\]: unknown filter 'english_v9' \(known: english_fasttext_v1, "),
    ({"threshold": 0.5}, r"filters\[0\]: every filter needs a name"),
    ({"name": "min_image_size_v1", "min_widht": 64}, r"filters\[0\] \(min_image_size_v1\): unknown parameter 'min_widht' \(known: min_width, min_height\)"),
    ({"name": "min_image_size_v1", "min_width": "64"}, r"filters\[0\] \(min_image_size_v1\)\.min_width: expected an integer, got '64'"),
    ({"name": "min_image_size_v1", "min_width": 64.5}, r"\.min_width: expected an integer, got 64\.5"),
    ({"name": "min_image_size_v1", "min_width": True}, r"\.min_width: expected an integer, got True"),
    ({"name": "english_fasttext_v1", "threshold": "high"}, r"\(english_fasttext_v1\)\.threshold: expected a number, got 'high'"),
    ({"name": "english_fasttext_v1", "threshold": 1.5}, r"\.threshold: 1\.5 is above the maximum 1\.0"),
    ({"name": "max_images_v1", "max_images": 0}, r"\(max_images_v1\)\.max_images: 0 is below the minimum 1"),
    ({"name": "max_images_v1", "policy": "shuffle"}, r"\.policy: 'shuffle' is not one of 'truncate', 'drop_document'"),
    ({"name": "no_images_v1", "stage": "download"}, r"\.stage: 'download' is not one of 'text', 'image'"),
    ({"name": "monochrome_v1", "mode": 1}, r"\(monochrome_v1\)\.mode: expected a string, got 1"),
    ({"name": "word_count_v1", "min_words": 50, "max_words": 10}, r"\(word_count_v1\): min_words \(50\) is above max_words \(10\)"),
    ({"name": "english_fasttext_v1", "model_path": "/nowhere/lid.176.bin"}, r"\(english_fasttext_v1\): model_path: no such file: /nowhere/lid\.176\.bin"),
])
def test_bad_filter_tables_are_user_errors_naming_filter_and_parameter(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        build([spec])


def test_integers_are_fine_numbers_and_source_prefixes_errors() -> None:
    pipe = build([{"name": "english_fasttext_v1", "threshold": 1}])
    assert pipe.filters[0].params.threshold == 1.0  # type: ignore[attr-defined]
    with pytest.raises(UserError, match=r"^jobs/x\.toml: filters\[1\] \(min_image_size_v1\): unknown parameter"):
        build([{"name": "no_images_v1"}, {"name": "min_image_size_v1", "size": 1}], "jobs/x.toml")
    with pytest.raises(UserError, match=r"filters: expected a list of \[\[filters\]\] tables, got dict"):
        build({"name": "no_images_v1"})  # type: ignore[arg-type]
    with pytest.raises(UserError, match=r"filters\[0\]: expected a table with a name, got str"):
        build(["no_images_v1"])  # type: ignore[list-item]
    assert build(None).filters == ()


def test_build_rejects_orders_that_cannot_work() -> None:
    with pytest.raises(UserError, match=r"filters\[1\] \(english_fasttext_v1\): a text-stage rule cannot come after"):
        build([{"name": "min_image_size_v1"}, {"name": "english_fasttext_v1"}])
    with pytest.raises(UserError, match=r"filters\[0\] \(single_image_subsample_v1\) needs the final image count, so it must come after filters\[1\] \(max_images_v1\)"):
        build([{"name": "single_image_subsample_v1"}, {"name": "max_images_v1"}])
    with pytest.raises(UserError, match=r"filters\[0\] \(no_images_v1@image\) checks whether any image is left"):
        build([{"name": "no_images_v1", "stage": "image"}, {"name": "monochrome_v1"}])
    with pytest.raises(UserError, match=r"filters\[1\] \(no_images_v1@text\): listed twice"):
        build([{"name": "no_images_v1"}, {"name": "no_images_v1", "stage": "text"}])


def test_filters_pickle_without_their_models() -> None:
    """Ray ships stages to workers by pickling; a loaded fastText model must not travel along."""
    import pickle

    from tests.filters.conftest import ENGLISH, make_doc

    pipe = build(job_filters("obelics_like"))
    english = next(f for f in pipe.filters if f.name == "english_fasttext_v1")
    assert english.score(make_doc(ENGLISH))["lang"] == "en"  # the model is loaded now
    clone = pickle.loads(pickle.dumps(pipe.filters))
    assert [f.params for f in clone] == [f.params for f in pipe.filters]
    assert all(isinstance(f, Filter) for f in clone)
