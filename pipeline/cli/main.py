"""`weft`: run a job, run the demo, inspect shards.

User mistakes (a wrong flag, a missing input, an unreadable file, an output directory that holds
another job's shards) end in one line on stderr naming the problem and exit status 2; a job that
fails for another reason ends with one line and status 1 (`--debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from weft.pipeline.cli.filters import add_commands as add_filter_commands
from weft.pipeline.cli.filters import run as run_filters
from weft.filters.registry import build as build_rules
from weft.pipeline import __version__
from weft.jobs.errors import UserError
from weft.train import cli as train_cli

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, naming the command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="a job spec: a TOML path, or the name of one in jobs/ (e.g. demo)")
    p.add_argument("-i", "--input", action="append", default=None, metavar="PATH|GLOB|DIR|URL|LISTING",
                   help="input WARC/ARC files; repeatable; replaces input.paths of the spec")
    p.add_argument("-o", "--output", help="output directory (output.path)")
    p.add_argument("--paths-base", help="base URL or local prefix for warc.paths listing keys (input.paths_base)")
    p.add_argument("--offset", type=int, help="skip this many input files (input.offset)")
    p.add_argument("--limit", type=int, help="take at most this many input files (input.limit)")
    p.add_argument("--format", action="append", choices=("parquet", "webdataset"), dest="formats",
                   help="shard format; repeatable (output.formats)")
    p.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier job's shards in the output directory")
    p.add_argument("--resume", action="store_true", default=None,
                   help="with --overwrite: keep earlier download results; fetch only missing or retryable images (output.resume)")
    p.add_argument("--allow-private-networks", action="store_true", default=None,
                   help="let image URLs reach loopback/private/link-local addresses (tests and demos only; images.allow_private_networks)")
    p.add_argument("--no-download", action="store_true", default=None,
                   help="take images only from data: URIs and the inputs' own image records (images.download = false)")
    p.add_argument("--rejects", metavar="DIR", help="write a sample of dropped documents per rule and reason here (output.rejects)")
    p.add_argument("--ray-address", help="run on an existing Ray cluster (ray.address; RAY_ADDRESS is honoured)")
    p.add_argument("--num-cpus", type=int, help="CPUs for the embedded local Ray (ray.num_cpus)")
    p.add_argument("--progress", action="store_true", default=None, help="show Ray Data progress bars")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override any job field, e.g. --set read.pages_per_chunk=200; repeatable")
    p.add_argument("--help-config", action="store_true", help="list every job field with its default and meaning")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="weft", description="Common Crawl WARCs to interleaved image-text training data.")
    parser.add_argument("--version", action="version", version=f"weft {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="run a job", description="Run a job: WARCs in, Parquet and webdataset shards out.",
                         epilog="Examples:\n  weft run --input crawl.warc.gz --output out/\n  weft run jobs/demo.toml --output out/ --set read.pages_per_chunk=100",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_run_args(run)

    demo = sub.add_parser("demo", help="build a sample crawl and run the demo job on it (no network needed)",
                          description="Write a small multilingual sample crawl, serve its images on 127.0.0.1, run the demo job on local Ray and summarise.")
    demo.add_argument("-o", "--output", default="weft-demo-output", help="where the demo writes its crawl and shards (default: %(default)s)")
    demo.add_argument("--num-cpus", type=int, help="CPUs for the embedded local Ray")

    add_filter_commands(sub)
    train_cli.add_command(sub)

    inspect = sub.add_parser("inspect", help="print the documents of a shard as text",
                             description="Print documents of a Parquet or webdataset shard (or a directory of shards) as text, with [image WxH url] markers at their slots.")
    inspect.add_argument("shard", help="a .parquet or .tar shard, or an output directory")
    inspect.add_argument("-n", "--limit", type=int, default=5, help="documents to print (default: %(default)s; 0 for all)")
    inspect.add_argument("--max-chars", type=int, default=2000, help="cut each text block after this many characters (0: no cut)")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from weft.jobs.spec import _merge, parse_override

    o: dict[str, Any] = {}
    for section, key, value in (
        ("input", "paths", args.input),
        ("input", "paths_base", args.paths_base),
        ("input", "offset", args.offset),
        ("input", "limit", args.limit),
        ("output", "path", args.output),
        ("output", "formats", args.formats),
        ("output", "overwrite", args.overwrite),
        ("output", "resume", args.resume),
        ("output", "rejects", args.rejects),
        ("images", "allow_private_networks", args.allow_private_networks),
        ("images", "download", None if args.no_download is None else False),
        ("ray", "address", args.ray_address),
        ("ray", "num_cpus", args.num_cpus),
        ("ray", "progress", args.progress),
    ):
        if value is not None:
            o.setdefault(section, {})[key] = value
    for text in args.set:
        o = _merge(o, parse_override(text))
    return o


def print_summary(manifest: dict[str, Any], output: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    c = manifest["counts"]
    docs = c["documents"]
    by_format: dict[str, int] = {}
    for s in manifest["shards"]:
        by_format[s["format"]] = by_format.get(s["format"], 0) + 1
    print(f"weft: wrote {docs['written']} documents to {output}", file=out)
    print(f"  shards: {', '.join(f'{n} {fmt}' for fmt, n in sorted(by_format.items())) or 'none'}", file=out)
    print(f"  inputs: {c['files']} file(s), {c['records']} records, {c['pages']} HTML pages", file=out)
    print(f"  records by type: {json.dumps(c['records_by_type'])}", file=out)
    print(f"  record outcomes: {json.dumps(c['record_outcomes'])}", file=out)
    if docs["dropped"]:
        print(f"  documents dropped: {json.dumps(docs['dropped'])}", file=out)
    if docs["failed"]:
        print(f"  documents failed: {json.dumps(docs['failed'])}", file=out)
    filters = manifest.get("filters", {})
    stats = filters.get("stats", {}).get("rules", {})
    order = [f.key for f in build_rules(filters.get("rules", [])).filters] if filters.get("rules") else []
    for rule in order + sorted(set(stats) - set(order)):
        st = stats.get(rule)
        if st is None:
            continue
        dropped = {**st.get("docs_dropped", {}), **{f"slot:{k}": v for k, v in st.get("slots_dropped", {}).items()}}
        print(f"  rule {rule}: {st['docs_in']} in, {st['docs_kept']} kept" + (f", dropped {json.dumps(dropped)}" if dropped else ""), file=out)
    if c.get("unique_images"):
        print(f"  unique images by source:status: {json.dumps(c['unique_images'])}", file=out)
    if c.get("image_slots"):
        print(f"  image slots by status: {json.dumps(c['image_slots'])}", file=out)
    print(f"  counts add up: {'yes' if c['balanced'] else 'NO (see _manifest.json)'}", file=out)
    print(f"  manifest: {Path(output) / '_manifest.json'}", file=out)


def _warn_file_errors(manifest: dict[str, Any]) -> None:
    for err in manifest["file_errors"]:
        print(f"weft: warning: {err['file']}: {err['error']} (kept {err.get('records_before', 0)} records read before it)", file=sys.stderr)
    for uri in manifest["unfinished_inputs"]:
        print(f"weft: warning: {uri}: reading did not finish", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from weft.jobs.spec import describe, load_job
    from weft.pipeline.run.ray_executor import run_job

    if args.help_config:
        for key, default, help_text in describe():
            print(f"{key} = {default}\n    {help_text}")
        return EXIT_OK
    cfg = load_job(args.spec, _overrides(args))
    if not cfg.input.paths:
        raise UserError("weft run: no input given (use --input PATH or input.paths in the job spec)")
    manifest = run_job(cfg, log=lambda m: print(m, file=sys.stderr))
    _warn_file_errors(manifest)
    print_summary(manifest, cfg.output.path)
    if manifest["counts"]["records"] == 0 and manifest["file_errors"]:
        print("weft: error: none of the inputs could be read (see the warnings above)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if manifest["counts"]["balanced"] else EXIT_FAILED


def cmd_demo(args: argparse.Namespace) -> int:
    from weft.demo.run import run_demo

    return run_demo(Path(args.output), num_cpus=args.num_cpus)


def cmd_inspect(args: argparse.Namespace) -> int:
    from weft.pipeline.cli.view import print_documents

    print_documents(args.shard, limit=args.limit, max_chars=args.max_chars)
    return EXIT_OK


COMMANDS = {"run": cmd_run, "demo": cmd_demo, "inspect": cmd_inspect, "filters": run_filters}
COMMANDS[train_cli.COMMAND] = train_cli.run


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"weft: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("weft: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `weft inspect ... | head`: the reader has what it wanted
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # the outermost boundary: one line for the user, --debug for more
        if debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"weft: failed: {type(exc).__name__}: {first} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
