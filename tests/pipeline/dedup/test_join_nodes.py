"""The assign exchange's node join (pipeline/dedup/assign.py, `JoinNodes`): which rows leave a
node partition, and with what."""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa

from weft.pipeline.dedup.assign import ASSIGN_SCHEMA, CHUNK_ROW, DOC_ROW, EDGE_ROW, MEMBER_ROW, URL_ROW, JoinNodes
from weft.pipeline.dedup.keys import partition_of


def _node(i: int) -> str:
    return f"{i:016x}{i:032x}"


def _h(*what: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(what).encode(), digest_size=8).digest(), "big")


def _partition() -> list[dict[str, Any]]:
    """A node partition as the three sources send it, in an interleaved order: 300 documents
    (doc rows with signatures), of which every 7th is a member of a component (an edge row to
    its root) and every 50th an earlier capture of a URL (a url row); an edge row repeated; an
    edge for a node with no doc row here; and three chunk rows."""
    rows: list[dict[str, Any]] = []
    for i in range(300):
        rows.append({"kind": DOC_ROW, "node": _node(i), "stem": f"c-p{i // 100:07d}", "text_hash": f"{_h('t', i % 40):032x}",
                     "signature": [_h("s", i, k) % 2**32 for k in range(16)]})
        if i % 7 == 3:
            rows.append({"kind": EDGE_ROW, "node": _node(i), "root": _node(i - 3)})
        if i % 50 == 10:
            rows.append({"kind": URL_ROW, "node": _node(i), "url_of": _node(i + 1)})
        if i % 100 == 0:
            rows.append({"kind": CHUNK_ROW, "stem": f"c-p{i // 100:07d}"})
    rows.append({"kind": EDGE_ROW, "node": _node(10), "root": _node(3)})
    rows.append({"kind": EDGE_ROW, "node": _node(10), "root": _node(7)})  # the later row of a node counts
    rows.append({"kind": EDGE_ROW, "node": _node(999), "root": _node(3)})
    rows.sort(key=lambda r: _h("order", r["kind"], r.get("node"), r.get("stem"), r.get("root")))
    return [{"part": 0, **r} for r in rows]


def test_members_leave_with_their_own_row_root_and_url_fact_and_lone_documents_stay() -> None:
    rows = _partition()
    out = JoinNodes(5).process(pa.Table.from_pylist(rows, schema=ASSIGN_SCHEMA)).to_pylist()
    assert [r["stem"] for r in out if r["kind"] == CHUNK_ROW] == [r["stem"] for r in rows if r["kind"] == CHUNK_ROW]
    assert [r["kind"] for r in out] == [CHUNK_ROW] * 3 + [MEMBER_ROW] * (len(out) - 3)
    members = [r for r in out if r["kind"] == MEMBER_ROW]
    docs = {r["node"]: r for r in rows if r["kind"] == DOC_ROW}
    root = {r["node"]: r["root"] for r in rows if r["kind"] == EDGE_ROW}  # later rows win
    url_of = {r["node"]: r["url_of"] for r in rows if r["kind"] == URL_ROW}
    expected = sorted(n for n in set(root) | set(url_of) if n in docs)
    assert [m["node"] for m in members] == expected and _node(999) not in expected
    assert root[_node(10)] == _node(7) and url_of[_node(10)] == _node(11)
    parts = partition_of([root.get(n, n) for n in expected], 5).to_pylist()
    for member, part in zip(members, parts):
        node = member["node"]
        assert member["root"] == root.get(node, node) and member["url_of"] == url_of.get(node)
        assert member["part"] == part
        assert (member["stem"], member["text_hash"], member["signature"]) == (
            docs[node]["stem"], docs[node]["text_hash"], docs[node]["signature"])


def test_a_partition_without_facts_sends_only_its_chunk_rows() -> None:
    rows = [r for r in _partition() if r["kind"] in (DOC_ROW, CHUNK_ROW)]
    out = JoinNodes(3).process(pa.Table.from_pylist(rows, schema=ASSIGN_SCHEMA))
    assert out.schema == ASSIGN_SCHEMA
    assert out.column("kind").to_pylist() == [CHUNK_ROW] * 3


def test_documents_without_facts_are_not_turned_into_python_objects() -> None:
    """A node partition holds up to `ROWS_PER_PARTITION` doc rows with 128-value signatures;
    turning each into Python objects cost ~5 KB a document (1.2 GB for 200,000), for the few
    percent that have a fact. Python allocations are what tracemalloc sees; Arrow's are not."""
    import tracemalloc

    import numpy as np

    n = 20_000
    signatures = pa.FixedSizeListArray.from_arrays(pa.array(np.arange(n * 128, dtype=np.uint32)), 128)
    nodes = [_node(i) for i in range(n)]
    docs = pa.table({
        "part": pa.array([0] * n, pa.int32()), "kind": pa.array([DOC_ROW] * n), "node": pa.array(nodes),
        "stem": pa.array(["c-p0000000"] * n), "signature": signatures.cast(pa.list_(pa.uint32())),
    })
    facts = pa.Table.from_pylist([{"part": 0, "kind": EDGE_ROW, "node": _node(i), "root": _node(0)} for i in range(1, 200)]
                                 + [{"part": 0, "kind": CHUNK_ROW, "stem": "c-p0000000"}], schema=ASSIGN_SCHEMA)
    rows = pa.concat_tables([pa.Table.from_arrays([docs.column(f.name) if f.name in docs.column_names else pa.nulls(n, f.type)
                                                   for f in ASSIGN_SCHEMA], schema=ASSIGN_SCHEMA), facts])
    tracemalloc.start()
    try:
        out = JoinNodes(4).process(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.column("kind").to_pylist().count(MEMBER_ROW) == 199
    assert peak < 5 * 2**20, f"{peak / 2**20:.0f} MB of Python objects for 199 members of {n} documents"
