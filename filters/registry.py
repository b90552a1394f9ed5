"""Rule names to classes, and job-spec `[[filters]]` tables to a checked `FilterPipeline`.

A job spec lists its rules in order, one TOML table each::

    [[filters]]
    name = "min_image_size_v1"
    min_width = 64

`tomllib` parses that into a list of dicts, which is exactly what `build` takes. Every problem is
a `UserError` naming the rule's place in the list, its name and the parameter: an unknown rule,
an unknown parameter, a wrong type, a value outside its range or choices, and an order that
cannot work (`weft.filters.chain.check_order`: text rules before image rules; rules that count images
after the rules that remove them; each rule once per stage).

The registry is a plain dict written out below, not a decorator or metaclass: adding a rule is
one visible line, and importing a module never changes what a job can name.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

from weft.filters.chain import FilterPipeline
from weft.filters.dedup import DedupMinHash, DedupText, DedupUrl
from weft.filters.params import FilterParams
from weft.filters.rule import Filter
from weft.filters.image_dedup import ImageBoilerplate, ImageRepeat
from weft.filters.images import MaxImages, MinImageSize, Monochrome, NoImages, SingleImageSubsample
from weft.filters.language import EnglishFastText
from weft.filters.spam import SpamHeuristics
from weft.filters.text_quality import CharRepetition, SpecialCharRatio, StopwordRatio, WordCount, WordRepetition
from weft.jobs import config
from weft.jobs.errors import UserError

FILTERS: dict[str, type[Filter]] = {
    cls.name: cls
    for cls in (
        EnglishFastText,
        SpamHeuristics,
        NoImages,
        MinImageSize,
        Monochrome,
        ImageRepeat,
        ImageBoilerplate,
        MaxImages,
        SingleImageSubsample,
        WordCount,
        StopwordRatio,
        CharRepetition,
        WordRepetition,
        SpecialCharRatio,
        DedupUrl,
        DedupText,
        DedupMinHash,
    )
}
"""Every rule a job spec can name, by its versioned name."""


def build_params(cls: type[Filter], data: Mapping[str, Any], where: str) -> FilterParams:
    """The rule's parameter dataclass from a spec's keys (all but `name`), fully checked by the
    typed-config layer that job fields use too."""
    params = config.build(cls.Params, data, where, noun="parameter")
    try:
        params.check()
    except ValueError as exc:
        raise UserError(f"{where}: {exc}") from None
    return params


def build_filter(spec: Mapping[str, Any], where: str = "filters[0]") -> Filter:
    """One rule from one `{"name": ..., **params}` table."""
    if not isinstance(spec, Mapping):
        raise UserError(f"{where}: expected a table with a name, got {type(spec).__name__}")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise UserError(f"{where}: every filter needs a name (known: {', '.join(FILTERS)})")
    cls = FILTERS.get(name)
    if cls is None:
        raise UserError(f"{where}: unknown filter {name!r} (known: {', '.join(FILTERS)})")
    params = build_params(cls, {k: v for k, v in spec.items() if k != "name"}, f"{where} ({name})")
    return cls(params)


def build(specs: Sequence[Mapping[str, Any]] | None, source: str | None = None, **pipeline_kw: Any) -> FilterPipeline:
    """A `FilterPipeline` from a job spec's `[[filters]]` list (as tomllib parses it), in the
    order given. `source` (e.g. the spec's path) prefixes every error message; keyword
    arguments go to `FilterPipeline` (e.g. `on_drop=RejectsSampler()`)."""
    prefix = f"{source}: " if source else ""
    if specs is None:
        specs = []
    if not isinstance(specs, (list, tuple)):
        raise UserError(f"{prefix}filters: expected a list of [[filters]] tables, got {type(specs).__name__}")
    try:
        filters = [build_filter(spec, f"filters[{i}]") for i, spec in enumerate(specs)]
        return FilterPipeline(filters, **pipeline_kw)
    except UserError as exc:
        if not prefix:
            raise
        raise UserError(f"{prefix}{exc}") from None


def spec_of(f: Filter) -> dict[str, Any]:
    """The `[[filters]]` table that builds `f` again (name first, every parameter)."""
    return {"name": f.name, **f.params.to_dict()}


def describe_params(cls: type[Filter]) -> list[tuple[str, Any, str]]:
    """(parameter, default, help) for every parameter of a rule."""
    return [(f.name, f.default, f.metadata.get("help", "")) for f in dataclasses.fields(cls.Params)]
