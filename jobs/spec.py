"""Jobs are data: a TOML spec validated into a frozen `JobConfig`.

Every field is an `option` of the typed-config layer (`jobs/config.py`) with its help text and
bounds, so `weft run --help-config` and the manifest can explain a job without reading code. The resolved config (after overrides) is
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

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from weft.jobs import config
from weft.jobs.config import option
from weft.jobs.errors import UserError

JOBS_DIR = Path(__file__).resolve().parent
SHARD_FORMATS = ("parquet", "webdataset")
KEEP_BYTES = ("original", "none", "resized")
RESIZE_MODES = ("keep_ratio", "keep_ratio_largest", "center_crop", "border")
RECORD_ERROR_POLICIES = ("drop", "raise")
EXECUTORS = ("ray", "local")
DEFAULT_CC_BASE = "https://data.commoncrawl.org/"


@dataclass(frozen=True)
class InputConfig:
    paths: tuple[str, ...] = option((), "WARC/ARC files, globs, directories, http(s) URLs or a Common Crawl warc.paths(.gz) listing.")
    paths_base: str = option(DEFAULT_CC_BASE, "Base URL or local directory that the keys of a warc.paths listing are joined onto.")
    offset: int = option(0, "Skip this many input files (after expansion, in order).", min=0)
    limit: int | None = option(None, "Take at most this many input files (after offset).", min=0)


@dataclass(frozen=True)
class ReadConfig:
    max_html_bytes: int = option(5_000_000, "HTML payloads are read up to this many bytes; longer ones are cut and flagged truncated.", min=1)
    max_image_bytes: int = option(20_000_000, "Archive image records larger than this are not indexed.", min=1)
    index_images: bool = option(True, "Index image/* records of the inputs by URL so the image stage can use their pixels.")
    timeout_s: float = option(60.0, "Socket timeout for http(s) inputs.", min=0.001)
    retries: int = option(3, "Retries for http(s) inputs on connection errors, 408, 429 and 5xx before the first byte.", min=0)
    pages_per_chunk: int = option(500, "Pages per unit of work downstream of the reader (and per output shard stem).", min=1)
    max_chunk_bytes: int = option(16 * 1024**2, "A chunk also closes when its HTML reaches this many bytes: a chunk's HTML is held several times over while it is processed (raw, Arrow, Python strings, DOM), so this bounds a worker's memory.", min=1)


@dataclass(frozen=True)
class ExtractConfig:
    max_html_chars: int = option(5_000_000, "HTML longer than this is cut before parsing (bounds time and memory per page).", min=1)
    max_depth: int = option(512, "Subtrees deeper than this are not descended into.", min=1)
    on_record_error: str = option("drop", "What an unexpected error on one page does: 'drop' records it as failed and goes on, 'raise' stops the job.", choices=RECORD_ERROR_POLICIES)


@dataclass(frozen=True)
class ImagesConfig:
    resolve: bool = option(True, "Give every image slot bytes and a status (data: URI, archive record, or download); false leaves slots as URLs.")
    download: bool = option(True, "Download images not found in data: URIs or the job's own archive records (with img2dataset).")
    keep_bytes: str = option("original", "What shards hold: 'original' bytes, 'none' (URLs only, OBELICS style), or 'resized' (re-encoded to resize_max_side).", choices=KEEP_BYTES)
    resize_max_side: int = option(512, "With keep_bytes = 'resized': the longest side after resizing (img2dataset's resizer).", min=1)
    resize_mode: str = option("keep_ratio_largest", "With keep_bytes = 'resized': img2dataset's resize mode.", choices=RESIZE_MODES)
    max_image_bytes: int = option(10 * 1024**2, "Images larger than this are refused (Content-Length checked before the body is read).", min=1)
    max_pixels: int = option(64_000_000, "Images whose declared width*height exceeds this are refused without decoding (decompression bombs).", min=1)
    max_images_per_doc: int = option(30, "Only the first N image slots of a document get images (OBELICS kept at most 30); later ones get status over_cap, so a gallery page cannot flood the downloader.", min=1)
    max_job_bytes: int = option(0, "Stop downloading once the job has received this many bytes (0: no limit); later images get budget_exhausted.", min=0)
    timeout_s: float = option(10.0, "Per-request timeout for downloads.", min=0.001)
    retries: int = option(1, "Retries per URL after a timeout, connection error, 408, 429 or 5xx (with backoff); other answers are final.", min=0)
    threads: int = option(16, "Download threads per download task.", min=1)
    urls_per_shard: int = option(2000, "Unique URLs per img2dataset shard (one download task each).", min=1)
    user_agent_token: str = option("weft", "Token added to the User-Agent and matched against X-Robots-Tag directives.")
    disallowed_header_directives: tuple[str, ...] = option(("noai", "noimageai", "noindex", "noimageindex"), "X-Robots-Tag directives that opt an image out.")
    allow_private_networks: bool = option(False, "Allow image URLs on loopback/private/link-local addresses (tests and the demo only).")
    allow_hosts: tuple[str, ...] = option((), "Hosts that bypass the private-address check (e.g. an internal CDN).")


@dataclass(frozen=True)
class OutputConfig:
    path: str = option("", "Output directory (local or a filesystem shared by all Ray nodes).")
    formats: tuple[str, ...] = option(SHARD_FORMATS, "Shard formats to write: parquet, webdataset.", choices=SHARD_FORMATS)
    max_docs_per_shard: int = option(10_000, "A shard closes when it holds this many documents.", min=1)
    max_bytes_per_shard: int = option(512 * 1024**2, "A shard closes before it would exceed this many bytes.", min=1)
    overwrite: bool = option(False, "Replace the shards of an earlier job in the output directory.")
    resume: bool = option(False, "Finish the job this output directory holds (same config and inputs): units of work that finished are not redone. With overwrite: start again but keep earlier download results, so only missing or retryable images are fetched.")
    rejects: str = option("", "Directory for a sample of dropped documents per rule and reason, with scores (default: OUTPUT/_rejects).")


@dataclass(frozen=True)
class RayConfig:
    address: str | None = option(None, "Address of an existing Ray cluster (or 'auto'); default: start an embedded local Ray. RAY_ADDRESS is honoured.")
    num_cpus: int | None = option(None, "CPUs for the embedded local Ray (default: all of this machine's).", min=1)
    object_store_mb: int = option(1024, "Object store size for the embedded local Ray, in MiB.", min=1)
    ship_code: bool = option(True, "On a cluster, ship weft's packages to the workers with a runtime_env (py_modules).")
    progress: bool = option(False, "Show Ray Data progress bars.")


@dataclass(frozen=True)
class JobConfig:
    name: str = option("job", "A name for the job; recorded in the manifest.")
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

    executor: str = option("ray", "What runs the job's plan: 'ray' (Ray Data: an embedded local Ray, or the cluster in ray.address) or 'local' (in this process, one unit at a time: tests, debugging, small inputs).", choices=EXECUTORS)

    def to_dict(self) -> dict[str, Any]:
        return config.to_plain(self)


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
    """Read a TOML spec (or start from defaults), apply overrides, and validate every field.

    The `[[filters]]` tables are checked where the rules live (`weft.filters.registry.build`,
    called when the job's plan is built), so this module depends on no rule."""
    data: dict[str, Any] = {}
    where = "job"
    if spec is not None:
        path = resolve_spec_path(str(spec))
        where = str(path)
        data = _read_spec(path, seen=())
    if overrides:
        data = _merge(data, overrides)
    try:
        cfg = config.build(JobConfig, data)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    if not cfg.output.formats:
        raise UserError(f"{where}: output.formats must name at least one format")
    return cfg


def describe(cls: type = JobConfig) -> list[tuple[str, str, str]]:
    """(key, default, help) for every leaf field, for `--help-config` and the README."""
    return config.describe(cls)
