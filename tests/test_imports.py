"""The import graph: no cycles between modules, and the packages depend on each other one way.

`schemas` (the shard format) depends on nothing else of weft, so a trainer can read shards with
it alone; `jobs` (specs, the config layer, the error kinds) on nothing either; `filters` on those
two; `pipeline` on all of them; `demo` (the sample crawl) only on `jobs`; `train` (what a trainer
runs) on `schemas` and `jobs` (the error kinds). Imports inside functions
count too: a cycle that is only deferred is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

ROOTS = ("pipeline", "filters", "jobs", "schemas", "demo", "train")
ALLOWED = {
    "schemas": set(),
    "jobs": set(),
    "filters": {"schemas", "jobs"},
    "demo": {"jobs"},
    "train": {"schemas", "jobs"},
    "pipeline": {"schemas", "jobs", "filters", "demo", "train"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return "weft." + ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for root in ROOTS for p in (REPO / root).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("weft."):
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("weft.")]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def test_no_module_imports_itself_through_others() -> None:
    graph = import_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_packages_depend_one_way() -> None:
    wrong = sorted(
        f"{src} imports {dst}"
        for src, dsts in import_graph().items()
        for dst in dsts
        if dst.split(".")[1] != src.split(".")[1] and dst.split(".")[1] not in ALLOWED[src.split(".")[1]]
    )
    assert not wrong, "\n".join(wrong)
