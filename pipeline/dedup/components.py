"""Connected components of the near-duplicate graph, as rounds of exchange and reduce.

The verified edges of every bucket form a graph whose connected components are the clusters;
each cluster keeps its smallest node key (earliest capture, then smallest doc id, see `keys`).
The graph is as large as the duplicates in the corpus, so no process may hold it: the
components come from the large-star / small-star algorithm of Kiveris et al., "Connected
Components in MapReduce and Beyond" (SoCC 2014), whose every round is one exchange by node and
one reduce per partition, and which needs O(log^2 n) rounds at worst (a handful in practice:
`benchmarks/dedup_quality.py` prints them). With Γ(u) the neighbours of u:

- large-star: every u links each larger neighbour v > u to m = min(Γ(u) ∪ {u});
- small-star: every u links each smaller-or-equal neighbour, and itself, to m = min of those.

An executor runs, until a large-star round and the small-star round after it change nothing::

    edges = <verified edges>                              # EDGE_SCHEMA, e.g. from buckets
    for step in LARGE, SMALL, LARGE, SMALL, ...:
        rows = star_rows(edges, step, parts)              # map; STAR_SCHEMA, `part` set
        edges = concat(star_reduce(rows_of(p), step) for each partition p)
        changed[step] = changes(edges)                    # a count, summed over partitions

At that point every component is a star around its minimum: each edge is (lo=representative,
hi=member) and appears once, so the edges *are* the cluster table (`duplicates`).
`components_by_rounds` is that loop in one process (the in-process executor's way and the tests');
`components_in_memory` is a plain union-find that the rounds must agree with.

The rounds take any edges with the right components; `local_stars` (union-find over the edges one
partition of buckets made, then one star per local component) is a cheap way to ship fewer of
them into the first round. (Compressing between rounds as well saves rounds only when there are
few partitions, since a component's edges are spread over all of them, and it would have to
happen only before large-star rounds for the stopping test to stay exact; the rounds do not.)
"""

from __future__ import annotations

from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from weft.pipeline.dedup.keys import partition_of
from weft.pipeline.dedup.schema import DUPLICATE_SCHEMA, EDGE_SCHEMA, REASON_MINHASH, STAR_SCHEMA

LARGE = "large_star"
SMALL = "small_star"
STEPS = (LARGE, SMALL)
MAX_ROUNDS = 200
"""Far more than any graph needs (a 100,000-node path converges in under 30): reaching it means a
bug, not a big graph."""


def components_in_memory(edges: pa.Table | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each node of the edges -> the smallest node of its component (union-find with path
    compression, the smaller root winning). The reference the distributed rounds are tested
    against; fine for one partition's edges, not for a corpus."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in _pairs(edges):
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {x: find(x) for x in parent}


def local_stars(edges: pa.Table | Iterable[tuple[str, str]]) -> pa.Table:
    """The same components with the fewest edges: each non-minimal node linked to its
    component's minimum (unmarked). Cuts what the first exchange ships when applied to the
    edges one partition made."""
    roots = components_in_memory(edges)
    pairs = sorted((root, node) for node, root in roots.items() if node != root)
    return _edge_table([p[0] for p in pairs], [p[1] for p in pairs], [False] * len(pairs))


def edge_table(pairs: Iterable[tuple[str, str]]) -> pa.Table:
    """An EDGE_SCHEMA table (unmarked, lo < hi, distinct, sorted) from node pairs in any
    orientation; self-loops are dropped."""
    distinct = sorted({(a, b) if a < b else (b, a) for a, b in pairs if a != b})
    return _edge_table([p[0] for p in distinct], [p[1] for p in distinct], [False] * len(distinct))


def star_rows(edges: pa.Table, step: str, parts: int) -> pa.Table:
    """The map side of a round: the half-edges each node's reduce needs, with their partition.
    Large-star sends every edge to both ends; small-star only to its larger end."""
    lo, hi = edges.column("lo"), edges.column("hi")
    if step == LARGE:
        node = pa.chunked_array(lo.chunks + hi.chunks, pa.string())
        other = pa.chunked_array(hi.chunks + lo.chunks, pa.string())
    elif step == SMALL:
        node, other = hi, lo
    else:
        raise ValueError(f"unknown step {step!r}; expected one of {STEPS}")
    return pa.table({"part": partition_of(node.to_pylist(), parts), "node": node, "other": other}, schema=STAR_SCHEMA)


def star_reduce(rows: pa.Table, step: str) -> pa.Table:
    """The reduce side of a round over one partition's rows (any number of nodes, rows in any
    order, repeats allowed): the partition's new edges, sorted, `changed` where the round
    replaced an edge."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; expected one of {STEPS}")
    node, other = rows.column("node"), rows.column("other")
    keep = pc.less(other, node) if step == SMALL else pc.not_equal(other, node)
    half = pa.table({"node": node, "other": other}).filter(keep).group_by(["node", "other"]).aggregate([])
    if half.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    stats = half.group_by("node").aggregate([("other", "min")])
    joined = half.join(stats, "node")
    node, other, smallest = joined.column("node"), joined.column("other"), joined.column("other_min")
    if step == LARGE:
        m = pc.min_element_wise(smallest, node)
        larger = pc.greater(other, node)
        lo, hi = pc.filter(m, larger), pc.filter(other, larger)
        changed = pc.filter(pc.not_equal(m, node), larger)
    else:
        # Every neighbour here is smaller than the node, so m is its smallest neighbour: the edge
        # node-m stays, every other neighbour v moves from the node to m (a changed edge).
        moved = pc.not_equal(other, smallest)
        lo = pa.chunked_array(pc.filter(smallest, moved).chunks + stats.column("other_min").chunks, pa.string())
        hi = pa.chunked_array(pc.filter(other, moved).chunks + stats.column("node").chunks, pa.string())
        kept = pa.array([False] * stats.num_rows, pa.bool_())
        changed = pa.chunked_array([pa.array([True] * (len(lo) - stats.num_rows), pa.bool_()), kept])
    out = pa.table({"lo": lo, "hi": hi, "changed": changed}).group_by(["lo", "hi"]).aggregate([("changed", "any")])
    out = out.rename_columns(["lo", "hi", "changed"]).sort_by([("lo", "ascending"), ("hi", "ascending")])
    return out.cast(EDGE_SCHEMA)


def changes(edges: pa.Table) -> int:
    """How many edges a round replaced; zero in a large-star round and the small-star round
    after it means the components are found."""
    return int(pc.sum(edges.column("changed")).as_py() or 0) if edges.num_rows else 0


def components_by_rounds(edges: pa.Table, parts: int) -> tuple[pa.Table, int]:
    """The converged edges (lo = representative, hi = member; sorted, each member once) and the
    number of rounds run, computed the way an executor does (module docstring) with `parts`
    partitions; the result does not depend on `parts`."""
    current = edge_table(_pairs(edges)) if edges.num_rows else EDGE_SCHEMA.empty_table()
    rounds = 0
    while current.num_rows:
        quiet = True
        for step in STEPS:
            rows = star_rows(current, step, parts)
            parts_out = [star_reduce(rows.filter(pc.equal(rows.column("part"), p)), step) for p in range(parts)]
            current = pa.concat_tables(parts_out).sort_by([("lo", "ascending"), ("hi", "ascending")])
            rounds += 1
            quiet = quiet and changes(current) == 0
        if quiet:
            break
        if rounds >= MAX_ROUNDS:
            raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    return current, rounds


def duplicates(edges: pa.Table) -> pa.Table:
    """The removal table (DUPLICATE_SCHEMA) of converged edges: every member (hi) is a duplicate
    of its representative (lo)."""
    return pa.table({
        "doc_id": pc.utf8_slice_codeunits(edges.column("hi"), 16),
        "duplicate_of": pc.utf8_slice_codeunits(edges.column("lo"), 16),
        "reason": pa.array([REASON_MINHASH] * edges.num_rows, pa.string()),
    }, schema=DUPLICATE_SCHEMA).sort_by([("doc_id", "ascending")])


def _pairs(edges: pa.Table | Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    if isinstance(edges, pa.Table):
        return zip(edges.column("lo").to_pylist(), edges.column("hi").to_pylist())
    return edges


def _edge_table(lo: list[str], hi: list[str], changed: list[bool]) -> pa.Table:
    return pa.table({"lo": pa.array(lo, pa.string()), "hi": pa.array(hi, pa.string()),
                     "changed": pa.array(changed, pa.bool_())}, schema=EDGE_SCHEMA)
