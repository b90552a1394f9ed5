"""The one typed-config layer: frozen dataclasses whose fields carry help text and bounds, built
from TOML tables (or CLI overrides) with one-line errors that name the key.

Job sections (`jobs/spec.py`) and filter-rule parameters (`filters/params.py`) are both made of
`option(...)` fields and both built by `build`, so `--help-config`, `weft filters list`, the
manifest and the error messages treat every setting the same way: an integer is never taken for
a bool, an integer is a fine float, `None` is allowed only where the annotation says `| None`,
a list is a tuple, and `choices`, `min` and `max` are checked before the object exists.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Mapping, Sequence

from weft.jobs.errors import UserError


def option(
    default: Any,
    help: str,
    *,
    choices: Sequence[Any] | None = None,
    min: float | None = None,
    max: float | None = None,
) -> Any:
    """A config field: its default, its help text and the values it allows.

    Defaults must be immutable (configs are frozen and shared between workers): tuples, not lists.
    """
    if isinstance(default, (list, dict, set)):
        raise TypeError("use tuples for defaults; configs are frozen")
    meta: dict[str, Any] = {"help": help}
    if choices is not None:
        meta["choices"] = tuple(choices)
    if min is not None:
        meta["min"] = min
    if max is not None:
        meta["max"] = max
    return dataclasses.field(default=default, metadata=meta)


def field_problem(f: dataclasses.Field[Any], value: Any) -> str | None:
    """Why `value` is not allowed for `f` (its choices and bounds; each item of a tuple), or None."""
    meta = f.metadata
    for item in value if isinstance(value, tuple) else (value,):
        if item is None:
            continue
        if "choices" in meta and item not in meta["choices"]:
            return f"{item!r} is not one of {', '.join(map(repr, meta['choices']))}"
        if "min" in meta and item < meta["min"]:
            return f"{item!r} is below the minimum {meta['min']}"
        if "max" in meta and item > meta["max"]:
            return f"{item!r} is above the maximum {meta['max']}"
    return None


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def coerce(value: Any, tp: Any, where: str) -> Any:
    """`value` checked against the annotation `tp`, converted only where TOML and Python spell the
    same thing differently (a list for a tuple, an integer for a float)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise UserError(f"{where}: a value is required")
        return coerce(value, next(a for a in args if a is not type(None)), where)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise UserError(f"{where}: expected a table, got {type(value).__name__}")
        return build(tp, value, where)
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if typing.get_origin(item_tp) is dict:
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
                raise UserError(f"{where}: expected a list of tables ([[{where}]] in TOML)")
            return tuple(dict(v) for v in value)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value))
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in _TYPE_NAMES:
        if isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
            return value
        raise UserError(f"{where}: expected {_TYPE_NAMES[tp]}, got {value!r}")
    raise TypeError(f"unsupported config type {tp!r} at {where}")


def fields_with_types(cls: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    """Each field of a config dataclass with its resolved annotation."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls)]


def build(cls: type, data: Mapping[str, Any], where: str = "", *, noun: str = "key") -> Any:
    """An instance of the config dataclass `cls` from a table: unknown keys, wrong types and values
    outside a field's choices or bounds are `UserError`s naming `where.key` (`noun` is what the
    message calls a key: a rule has parameters)."""
    fields = {f.name: (f, tp) for f, tp in fields_with_types(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        known = ", ".join(fields) or "none"
        raise UserError(f"{where + ': ' if where else ''}unknown {noun} {unknown[0]!r} (known: {known})")
    kwargs = {}
    for name, value in data.items():
        f, tp = fields[name]
        key_where = f"{where}.{name}" if where else name
        coerced = coerce(value, tp, key_where)
        problem = field_problem(f, coerced)
        if problem:
            raise UserError(f"{key_where}: {problem}")
        kwargs[name] = coerced
    return cls(**kwargs)


def default_of(f: dataclasses.Field[Any]) -> Any:
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]


def to_plain(obj: Any) -> Any:
    """A config as TOML-shaped plain data (tables for dataclasses, lists for tuples)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_plain(v) for v in obj]
    return obj


def describe(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, help) for every leaf field of a config dataclass."""
    rows: list[tuple[str, str, str]] = []
    for f, tp in fields_with_types(cls):
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(tp):
            rows.extend(describe(tp, f"{key}."))
        else:
            rows.append((key, repr(to_plain(default_of(f))), f.metadata.get("help", "")))
    return rows
