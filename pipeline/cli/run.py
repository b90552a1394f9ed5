"""`weft run`: a job from a spec, flags and `--set` overrides; its plan with `--explain`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from weft.jobs.errors import UserError
from weft.jobs.spec import _merge, describe, load_job, parse_override
from weft.pipeline.cli.progress import progress_for
from weft.pipeline.cli.summary import EXIT_FAILED, EXIT_OK, print_summary, warn_file_errors


def add_run_args(p: argparse.ArgumentParser) -> None:
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
                   help="finish the job this output directory holds (same config and inputs) without redoing finished work; "
                        "with --overwrite: start again, keeping earlier download results (output.resume)")
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
    p.add_argument("--executor", choices=("ray", "local"),
                   help="what runs the plan: ray (default; embedded local Ray or --ray-address) or local (this process, one unit at a time)")
    p.add_argument("--explain", action="store_true", help="print the job's plan (phases, barriers, stages, what each persists) and exit")
    p.add_argument("--help-config", action="store_true", help="list every job field with its default and meaning")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress display and no log lines while the job runs (warnings, errors and the summary still print)")
    p.add_argument("--report", action="store_true",
                   help="at the end, write OUTPUT/_report.html: the funnel, charts and sample documents as one static page (see weft report)")



def overrides(args: argparse.Namespace) -> dict[str, Any]:
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
    if args.executor is not None:
        o["executor"] = args.executor
    for text in args.set:
        o = _merge(o, parse_override(text))
    return o



def cmd_run(args: argparse.Namespace) -> int:
    from weft.pipeline.run.job import explain, run_job

    if args.help_config:
        for key, default, help_text in describe():
            print(f"{key} = {default}\n    {help_text}")
        return EXIT_OK
    cfg = load_job(args.spec, overrides(args))
    if args.explain:
        print(explain(cfg))
        return EXIT_OK
    if not cfg.input.paths:
        raise UserError("weft run: no input given (use --input PATH or input.paths in the job spec)")
    progress, log = progress_for(args.quiet)
    manifest = run_job(cfg, log=log, progress=progress)
    warn_file_errors(manifest)
    print_summary(manifest, cfg.output.path)
    if args.report:
        from weft.pipeline.report.build import write_report

        print(f"  report: {write_report(cfg.output.path)}")
    if manifest["counts"]["records"] == 0 and manifest["file_errors"]:
        print("weft: error: none of the inputs could be read (see the warnings above)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if manifest["counts"]["balanced"] else EXIT_FAILED
