"""`weft filters list` and `weft filters check`: the rules of a job, and rule cases for CI.

    weft filters list [--job SPEC | --all] [--json]
    weft filters check CASES_DIR [--junit FILE]

`list` prints a job's rules in order (default: the Kosmos-1 recipe, jobs/kosmos1.toml): stage,
parameters with their values, drop reasons and the rule in one sentence; `--all` lists every
registered rule with its defaults. `check` runs rule cases (`pipeline/rules/cases.py`), prints one
line per case and a readable diff for each mismatch, optionally writes JUnit XML, and exits 1
when any case fails or cannot be run.

`add_commands(subparsers)` registers `filters` on weft's own sub-command parser (pipeline/cli/main.py);
each command function takes the parsed namespace and returns an exit status. `main` runs the
same commands standalone (`python -m weft.pipeline.cli.filters ...`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from weft.filters.chain import FilterPipeline
from weft.filters.registry import FILTERS, build, describe_params
from weft.jobs.errors import UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_JOB = "kosmos1"


def load_job_filters(spec: str) -> tuple[Path, FilterPipeline]:
    """The `[[filters]]` of a job spec (a path, or a name in jobs/), built and checked, with the
    spec it `extends` taken into account (jobs/spec.py reads specs; this only asks for the rules)."""
    from weft.jobs.spec import load_job, resolve_spec_path

    path = resolve_spec_path(spec)
    return path, build(list(load_job(path).filters), str(path))


def _format_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def print_rules(rows: list[dict[str, Any]], title: str, out: TextIO) -> None:
    print(title, file=out)
    for row in rows:
        print(f"\n{row['order']:>2}. {row['key']}  [{row['stage']}]", file=out)
        print(f"    {row['rationale']}", file=out)
        for key, value in row["params"].items():
            print(f"    {key} = {_format_value(value)}  # {row['help'][key]}", file=out)
        print(f"    drops: {', '.join(row['reasons'])}", file=out)


def cmd_list(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.all:
        rows = [
            {"order": i + 1, "key": name, "name": name, "stage": cls.default_stage.value,
             "params": {p: d for p, d, _ in describe_params(cls)}, "reasons": [r.value for r in cls.Reason],
             "help": {p: h for p, _, h in describe_params(cls)}, "rationale": cls.rationale()}
            for i, (name, cls) in enumerate(FILTERS.items())
        ]
        title = f"{len(rows)} registered rules (defaults)"
    else:
        path, pipeline = load_job_filters(args.job or DEFAULT_JOB)
        rows = pipeline.describe()
        title = f"{path.stem} ({path}): {len(rows)} rules, in order"
    if args.json:
        json.dump(rows, out, indent=2)
        out.write("\n")
    else:
        print_rules(rows, title, out)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    # Imported here: the rule cases and their XML report are for `filters check` only, and every
    # `weft` command (a `weft run` included) loads this module to register its sub-commands;
    # rules.cases with xml.etree took 3-5 ms of each start-up.
    from weft.pipeline.rules.cases import check_cases, junit_xml

    out = out or sys.stdout
    results = check_cases(Path(args.cases))
    for result in results:
        print(result.report(), file=out)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("pass", "fail", "error")}
    print(f"\n{len(results)} cases: {counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors", file=out)
    if args.junit:
        junit = Path(args.junit)
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit_xml(results).write(junit, encoding="utf-8", xml_declaration=True)
    return EXIT_OK if counts["pass"] == len(results) else EXIT_FAILED


def run(args: argparse.Namespace) -> int:
    """Dispatch `weft filters <command>` (what pipeline/cli/main.py's COMMANDS["filters"] calls)."""
    return {"list": cmd_list, "check": cmd_check}[args.filters_command](args)


def add_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register `filters list` and `filters check` on a sub-command parser (the action returned
    by `add_subparsers`); nested parsers use the same parser class, so weft's `_Parser` reports
    a usage mistake as one line."""
    filters = subparsers.add_parser(
        "filters", help="list a job's filter rules, or check rule cases",
        description="The filter rules of a job, and rule cases for CI.",
    )
    filters.set_defaults(func=run)
    sub = filters.add_subparsers(dest="filters_command", metavar="COMMAND", parser_class=type(filters))
    sub.required = True
    lister = sub.add_parser("list", help="print a job's rules in order with their parameters",
                            description="Print a job's filter rules in order: stage, parameters, drop reasons, rationale.")
    which = lister.add_mutually_exclusive_group()
    which.add_argument("--job", metavar="SPEC", help=f"a job spec path or a name in jobs/ (default: {DEFAULT_JOB})")
    which.add_argument("--all", action="store_true", help="list every registered rule with its defaults")
    lister.add_argument("--json", action="store_true", help="print JSON instead of text")
    lister.set_defaults(func=cmd_list)
    checker = sub.add_parser("check", help="run rule cases and compare with their expected verdicts",
                             description="Run rule cases (TOML files; format in pipeline/rules/cases.py); exit 1 on any mismatch.")
    checker.add_argument("cases", metavar="CASES_DIR", help="a directory of *.toml rule cases (searched recursively), or one case file")
    checker.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    checker.set_defaults(func=cmd_check)
    return filters


class _StandaloneParser(argparse.ArgumentParser):
    """For `python -m weft.pipeline.cli.filters`: usage mistakes become one-line UserErrors, as in weft."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _StandaloneParser(prog="python -m weft.pipeline.cli.filters")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_StandaloneParser)
    sub.required = True
    add_commands(sub)
    try:
        args = parser.parse_args(argv)
        return run(args)
    except UserError as exc:
        print(f"weft: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
