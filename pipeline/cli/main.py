"""`weft`: run a job, run the demo, report on a job, inspect shards, list and check filter rules.

User mistakes (a wrong flag, a missing input, an unreadable file, an output directory that holds
another job's shards) end in one line on stderr naming the problem and exit status 2; a job that
fails for another reason ends with one line and status 1 (`--debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from weft.jobs.errors import UserError
from weft.pipeline import __version__
from weft.pipeline.cli.filters import add_commands as add_filter_commands
from weft.pipeline.cli.filters import run as run_filters
from weft.pipeline.cli.run import add_run_args, cmd_run
from weft.pipeline.cli.summary import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from weft.train import cli as train_cli


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, naming the command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="weft", description="Common Crawl WARCs to interleaved image-text training data.")
    parser.add_argument("--version", action="version", version=f"weft {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="run a job", description="Run a job: WARCs in, Parquet and webdataset shards out.",
                         epilog="Examples:\n  weft run --input crawl.warc.gz --output out/\n  weft run jobs/demo.toml --output out/ --set read.pages_per_chunk=100",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_args(run)

    demo = sub.add_parser("demo", help="build a sample crawl and run the demo job on it (no network needed)",
                          description="Write a small multilingual sample crawl, serve its images on 127.0.0.1, run the demo job on local Ray and summarise.")
    demo.add_argument("-o", "--output", default="weft-demo-output", help="where the demo writes its crawl and shards (default: %(default)s)")
    demo.add_argument("--num-cpus", type=int, help="CPUs for the embedded local Ray")
    demo.add_argument("--executor", choices=("ray", "local"), help="what runs the demo job (default: ray)")
    demo.add_argument("--no-report", action="store_true", help="do not write the job's HTML report (OUTPUT/shards/_report.html)")

    report = sub.add_parser("report", help="write a job's output as one static HTML report (funnel, charts, sample documents)",
                            description="Write one HTML file that opens from disk (no server, no network): the filter funnel, drop "
                                        "reasons per rule, images per document, image sizes, language scores, top domains, per-phase "
                                        "throughput, and a sample of kept and dropped documents with their images inline.")
    report.add_argument("output", help="the output directory of a finished job (it holds _manifest.json)")
    report.add_argument("-o", "--to", metavar="FILE", help="where to write the report (default: OUTPUT/_report.html)")
    report.add_argument("--kept", type=int, default=24, help="kept documents to show (default: %(default)s)")
    report.add_argument("--per-reason", type=int, default=3, help="dropped documents to show per reason (default: %(default)s)")

    add_filter_commands(sub)
    train_cli.add_command(sub)

    inspect = sub.add_parser("inspect", help="print the documents of a shard as text",
                             description="Print documents of a Parquet or webdataset shard (or a directory of shards) as text, with [image WxH url] markers at their slots.")
    inspect.add_argument("shard", help="a .parquet or .tar shard, or an output directory")
    inspect.add_argument("-n", "--limit", type=int, default=5, help="documents to print (default: %(default)s; 0 for all)")
    inspect.add_argument("--max-chars", type=int, default=2000, help="cut each text block after this many characters (0: no cut)")
    inspect.add_argument("--doc", metavar="DOC_ID", help="only this document (with --json or --html: the first document when not given)")
    shown = inspect.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print one document as JSON (image bytes as their size and SHA-256)")
    shown.add_argument("--html", metavar="FILE", help="write one document as an HTML page, rendered as in weft report (images inline); - for stdout")
    inspect.add_argument("--cluster", metavar="DOC_ID", help="with an output directory: the duplicate cluster of this document "
                         "(kept or removed): the kept document and every document removed in its favour, with rule and Jaccard")
    extract = sub.add_parser("extract", help="extract one saved HTML page as a job would (debugging)",
                             description="Extract one saved page and print its text and image slots; with --explain, every removed block where it stood, with the rule that removed it.")
    extract.add_argument("file", help="a saved .html page")
    extract.add_argument("--url", default="https://example.com/page.html", help="the page's URL, for resolving its image URLs (default: %(default)s)")
    extract.add_argument("--explain", action="store_true", help="show the removed blocks and their reasons")
    return parser


def cmd_extract(args: argparse.Namespace) -> int:
    from weft.pipeline.cli.view import explain_page

    explain_page(args.file, args.url, show_removed=args.explain)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from weft.pipeline.cli.demo import run_demo

    return run_demo(Path(args.output), num_cpus=args.num_cpus, executor=args.executor, report=not args.no_report)


def cmd_report(args: argparse.Namespace) -> int:
    from weft.pipeline.report.build import write_report
    from weft.pipeline.report.facts import SampleSize

    if args.kept < 0 or args.per_reason < 0:
        raise UserError("weft report: --kept and --per-reason must be 0 or more")
    path = write_report(args.output, args.to, sample=SampleSize(kept=args.kept, per_reason=args.per_reason))
    print(f"weft: report written to {path}")
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from weft.pipeline.cli.view import print_cluster, print_documents

    if args.cluster:
        print_cluster(args.shard, args.cluster, max_chars=args.max_chars)
    elif args.json or args.html:
        from weft.pipeline.cli.export import print_json, write_html

        if args.json:
            print_json(args.shard, args.doc)
        else:
            path = write_html(args.shard, args.doc, args.html)
            if path is not None:
                print(f"weft: document written to {path}")
    elif args.doc:
        print_documents(args.shard, limit=1, max_chars=args.max_chars, doc_id=args.doc)
    else:
        print_documents(args.shard, limit=args.limit, max_chars=args.max_chars)
    return EXIT_OK


COMMANDS = {"run": cmd_run, "demo": cmd_demo, "inspect": cmd_inspect, "report": cmd_report, "filters": run_filters,
            "extract": cmd_extract}
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
        print(f"weft: failed: {one_line(exc)} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def one_line(exc: BaseException) -> str:
    """An error as one plain line: the error a Ray task raised rather than Ray's wrapper around it
    (whose text is a remote traceback with terminal colour codes), its type and first line."""
    while getattr(exc, "cause", None) is not None and exc.cause is not exc:  # ray.exceptions.RayTaskError
        exc = exc.cause
    text = _ANSI.sub("", str(exc)).strip()
    first = text.splitlines()[0].strip() if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
