"""Jobs are data: a TOML spec validated into a frozen `JobConfig`.

Every field carries its help text (`field(metadata={"help": ...})`), so `weft run --help-config`
and the manifest can explain a job without reading code. The resolved config (after overrides) is
saved in the output's `_manifest.json`, which makes a run reproducible from its output alone.

A spec has one table per section, e.g.::

    name = "cc-slice"
    [input]
    paths = ["https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/warc.paths.gz"]
    limit = 2
    [output]
    path = "out/cc-slice"

Unknown keys and wrong types are user errors naming the file and the key, never a traceback.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from weft.jobs.errors import UserError
from weft.pipeline.read.inputs import DEFAULT_CC_BASE

JOBS_DIR = Path(__file__).resolve().parent
SHARD_FORMATS = ("parquet", "webdataset")
KEEP_BYTES = ("original", "none", "resized")
RESIZE_MODES = ("keep_ratio", "keep_ratio_largest", "center_crop", "border")
RECORD_ERROR_POLICIES = ("drop", "raise")


def _f(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, (list, dict, set)):
        raise TypeError("use tuples for defaults; configs are frozen")
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class InputConfig:
    paths: tuple[str, ...] = _f((), "WARC/ARC files, globs, directories, http(s) URLs or a Common Crawl warc.paths(.gz) listing.")
    paths_base: str = _f(DEFAULT_CC_BASE, "Base URL or local directory that the keys of a warc.paths listing are joined onto.")
    offset: int = _f(0, "Skip this many input files (after expansion, in order).")
    limit: int | None = _f(None, "Take at most this many input files (after offset).")


@dataclass(frozen=True)
class ReadConfig:
    max_html_bytes: int = _f(5_000_000, "HTML payloads are read up to this many bytes; longer ones are cut and flagged truncated.")
    max_image_bytes: int = _f(20_000_000, "Archive image records larger than this are not indexed.")
    index_images: bool = _f(True, "Index image/* records of the inputs by URL so the image stage can use their pixels.")
    timeout_s: float = _f(60.0, "Socket timeout for http(s) inputs.")
    retries: int = _f(3, "Retries for http(s) inputs on connection errors and 5xx/429 before the first byte.")
    pages_per_chunk: int = _f(500, "Pages per unit of work downstream of the reader (and per output shard stem).")
    max_chunk_bytes: int = _f(48 * 1024**2, "A chunk also closes when its HTML reaches this many bytes (keeps Ray blocks small).")


@dataclass(frozen=True)
class ExtractConfig:
    max_html_chars: int = _f(5_000_000, "HTML longer than this is cut before parsing (bounds time and memory per page).")
    max_depth: int = _f(512, "Subtrees deeper than this are not descended into.")
    on_record_error: str = _f("drop", "What an unexpected error on one page does: 'drop' records it as failed and goes on, 'raise' stops the job.", choices=RECORD_ERROR_POLICIES)


@dataclass(frozen=True)
class ImagesConfig:
    resolve: bool = _f(True, "Give every image slot bytes and a status (data: URI, archive record, or download); false leaves slots as URLs.")
    download: bool = _f(True, "Download images not found in data: URIs or the job's own archive records (with img2dataset).")
    keep_bytes: str = _f("original", "What shards hold: 'original' bytes, 'none' (URLs only, OBELICS style), or 'resized' (re-encoded to resize_max_side).", choices=KEEP_BYTES)
    resize_max_side: int = _f(512, "With keep_bytes = 'resized': the longest side after resizing (img2dataset's resizer).")
    resize_mode: str = _f("keep_ratio_largest", "With keep_bytes = 'resized': img2dataset's resize mode.", choices=RESIZE_MODES)
    max_image_bytes: int = _f(10 * 1024**2, "Images larger than this are refused (Content-Length checked before the body is read).")
    max_pixels: int = _f(64_000_000, "Images whose declared width*height exceeds this are refused without decoding (decompression bombs).")
    max_images_per_doc: int = _f(30, "Only the first N image slots of a document get images (OBELICS kept at most 30); later ones get status over_cap, so a gallery page cannot flood the downloader.")
    max_job_bytes: int = _f(0, "Stop downloading once the job has received this many bytes (0: no limit); later images get budget_exhausted.")
    timeout_s: float = _f(10.0, "Per-request timeout for downloads.")
    retries: int = _f(1, "img2dataset retries per URL.")
    threads: int = _f(16, "Download threads per download task.")
    urls_per_shard: int = _f(2000, "Unique URLs per img2dataset shard (one download task each).")
    user_agent_token: str = _f("weft", "Token added to the User-Agent and matched against X-Robots-Tag directives.")
    disallowed_header_directives: tuple[str, ...] = _f(("noai", "noimageai", "noindex", "noimageindex"), "X-Robots-Tag directives that opt an image out.")
    allow_private_networks: bool = _f(False, "Allow image URLs on loopback/private/link-local addresses (tests and the demo only).")
    allow_hosts: tuple[str, ...] = _f((), "Hosts that bypass the private-address check (e.g. an internal CDN).")


@dataclass(frozen=True)
class OutputConfig:
    path: str = _f("", "Output directory (local or a filesystem shared by all Ray nodes).")
    formats: tuple[str, ...] = _f(SHARD_FORMATS, "Shard formats to write: parquet, webdataset.", choices=SHARD_FORMATS)
    max_docs_per_shard: int = _f(10_000, "A shard closes when it holds this many documents.")
    max_bytes_per_shard: int = _f(512 * 1024**2, "A shard closes before it would exceed this many bytes.")
    overwrite: bool = _f(False, "Replace the shards of an earlier job in the output directory.")
    resume: bool = _f(False, "With overwrite: keep earlier download results, so only missing or retryable images are fetched again.")
    rejects: str = _f("", "Directory for a sample of dropped documents per rule and reason, with scores (default: OUTPUT/_rejects).")


@dataclass(frozen=True)
class RayConfig:
    address: str | None = _f(None, "Address of an existing Ray cluster (or 'auto'); default: start an embedded local Ray. RAY_ADDRESS is honoured.")
    num_cpus: int | None = _f(None, "CPUs for the embedded local Ray (default: all of this machine's).")
    object_store_mb: int = _f(1024, "Object store size for the embedded local Ray, in MiB.")
    ship_code: bool = _f(True, "On a cluster, ship weft's packages to the workers with a runtime_env (py_modules).")
    progress: bool = _f(False, "Show Ray Data progress bars.")


@dataclass(frozen=True)
class JobConfig:
    name: str = _f("job", "A name for the job; recorded in the manifest.")
    input: InputConfig = field(default_factory=InputConfig, metadata={"help": "What to read."})
    read: ReadConfig = field(default_factory=ReadConfig, metadata={"help": "How WARC/ARC records are read."})
    extract: ExtractConfig = field(default_factory=ExtractConfig, metadata={"help": "DOM to interleaved document."})
    images: ImagesConfig = field(default_factory=ImagesConfig, metadata={"help": "How image slots get their pixels."})
    output: OutputConfig = field(default_factory=OutputConfig, metadata={"help": "Where and how shards are written."})
    ray: RayConfig = field(default_factory=RayConfig, metadata={"help": "Where the job runs."})
    filters: tuple[dict[str, Any], ...] = field(
        default=(),
        metadata={"help": "Filter rules in run order, one [[filters]] table each (see `weft filters list --all`)."},
    )

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check `value` against the annotation `tp`, converting only where TOML/CLI forms differ."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise UserError(f"{where}: expected a table, got {type(value).__name__}")
        return _build(tp, value, where)
    if origin is tuple and typing.get_args(tp)[0] == dict[str, Any]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
            raise UserError(f"{where}: expected a list of tables ([[{where}]] in TOML)")
        return tuple(dict(v) for v in value)
    if origin is tuple:
        (item_tp, _) = typing.get_args(tp)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value))
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise UserError(f"{where}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise UserError(f"{where}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise UserError(f"{where}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise UserError(f"{where}: expected a string, got {value!r}")
    raise TypeError(f"unsupported config type {tp!r} at {where}")


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise UserError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(fields)})")
    kwargs = {}
    for name, value in data.items():
        key_where = f"{where}.{name}" if where else name
        coerced = _coerce(value, hints[name], key_where)
        choices = fields[name].metadata.get("choices")
        if choices:
            bad = [v for v in (coerced if isinstance(coerced, tuple) else (coerced,)) if v not in choices]
            if bad:
                raise UserError(f"{key_where}: {bad[0]!r} is not one of {', '.join(choices)}")
        kwargs[name] = coerced
    return cls(**kwargs)


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> dict[str, Any]:
    """`section.key=value` (value in TOML syntax, bare words taken as strings) to a nested dict."""
    if "=" not in text:
        raise UserError(f"--set {text!r}: expected section.key=value")
    dotted, raw = text.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    out: dict[str, Any] = {}
    node = out
    parts = dotted.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def resolve_spec_path(spec: str) -> Path:
    """A spec is a path, or the name of one shipped in jobs/ (`kosmos1` or `kosmos1.toml`)."""
    path = Path(spec)
    if path.is_file():
        return path
    shipped = JOBS_DIR / (spec if spec.endswith(".toml") else f"{spec}.toml")
    if shipped.is_file():
        return shipped
    shipped = JOBS_DIR / path.name
    if path.parent.name == "jobs" and shipped.is_file():
        return shipped
    raise UserError(f"job spec not found: {spec}")


def _read_spec(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """A spec's tables, on top of the spec it `extends` (a name or path), if any: a job can be
    "the kosmos1 recipe, with these inputs and outputs". Tables merge key by key; `filters`, a
    list, is replaced as a whole when the extending spec gives one."""
    if path.resolve() in seen:
        raise UserError(f"{path}: `extends` loops back to {seen[0]}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from None
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise UserError(f"{path}: extends must be the name or path of another job spec")
    return _merge(_read_spec(resolve_spec_path(base), seen + (path.resolve(),)), data)


def load_job(spec: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> JobConfig:
    """Read a TOML spec (or start from defaults), apply overrides, and validate everything."""
    data: dict[str, Any] = {}
    where = "job"
    if spec is not None:
        path = resolve_spec_path(str(spec))
        where = str(path)
        data = _read_spec(path, seen=())
    if overrides:
        data = _merge(data, overrides)
    cfg = _build(JobConfig, data, "")
    _check(cfg, where)
    return cfg


def _check(cfg: JobConfig, where: str) -> None:
    positive = {
        "read.pages_per_chunk": cfg.read.pages_per_chunk,
        "read.max_chunk_bytes": cfg.read.max_chunk_bytes,
        "read.max_html_bytes": cfg.read.max_html_bytes,
        "output.max_docs_per_shard": cfg.output.max_docs_per_shard,
        "output.max_bytes_per_shard": cfg.output.max_bytes_per_shard,
        "extract.max_html_chars": cfg.extract.max_html_chars,
        "extract.max_depth": cfg.extract.max_depth,
        "ray.object_store_mb": cfg.ray.object_store_mb,
        "images.max_image_bytes": cfg.images.max_image_bytes,
        "images.max_pixels": cfg.images.max_pixels,
        "images.max_images_per_doc": cfg.images.max_images_per_doc,
        "images.timeout_s": cfg.images.timeout_s,
        "images.threads": cfg.images.threads,
        "images.urls_per_shard": cfg.images.urls_per_shard,
        "images.resize_max_side": cfg.images.resize_max_side,
    }
    for key, value in positive.items():
        if value <= 0:
            raise UserError(f"{where}: {key} must be positive, got {value}")
    if cfg.images.retries < 0 or cfg.images.max_job_bytes < 0:
        raise UserError(f"{where}: images.retries and images.max_job_bytes must not be negative")
    if cfg.input.offset < 0 or (cfg.input.limit is not None and cfg.input.limit < 0):
        raise UserError(f"{where}: input.offset and input.limit must not be negative")
    if not cfg.output.formats:
        raise UserError(f"{where}: output.formats must name at least one format")
    if cfg.filters:
        from weft.filters.registry import build

        rules = build(list(cfg.filters), where)  # a bad rule, parameter or order fails at load time
        if rules.stage("image").filters and not cfg.images.resolve:
            raise UserError(f"{where}: image rules ({rules.stage('image').filters[0].key}, ...) need images.resolve = true")


def describe(cls: type = JobConfig, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, help) for every leaf field, for `--help-config` and the README."""
    rows: list[tuple[str, str, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hints[f.name]):
            rows.extend(describe(hints[f.name], f"{key}."))
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            rows.append((key, repr(_to_plain(default)), f.metadata.get("help", "")))
    return rows
