"""The dedup barrier's last exchange: every document learns its cluster and whether it stays.

Three regroups (`pipeline/run/plan.py` builds them):

1. by node partition (`JoinNodes`): a node's component root (from the converged edges), its URL
   fact (the later capture that replaces it) and its own row (chunk, text hash, signature) meet;
   each node that has a root or a URL fact leaves as one `member` row, sent to its root's
   partition. Nodes with neither are alone: they keep their defaults, nothing is sent.
2. by root partition (`Clusters`): the members of one component meet. The representative is the
   smallest node (earliest capture, then smallest doc_id) that the URL pass did not drop; every
   other member becomes a `fact` for its chunk: a URL duplicate of its later capture, or a text
   or near duplicate of the representative, with the estimated Jaccard between the two.
3. by chunk (`AttachDedup`): the chunk's staged documents are loaded and given their facts; the
   dedup rules decide from them (`filters/dedup.py`), and `AuditDuplicates` writes every removal
   to `_dedup/<stem>.parquet` before the chunk goes on (staged again for the image stage, or
   written).

Each chunk also sends one `chunk` row through all three steps, so a chunk without any duplicate
still reaches step 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weft.filters.dedup import DedupMinHash, DedupText, DedupUrl
from weft.pipeline.chunk import DROPPED, Chunk, table_to_chunk
from weft.pipeline.dedup.exchange import URL, staged_nodes
from weft.pipeline.dedup.keys import doc_id_of, partition_of
from weft.pipeline.dedup.minhash import estimated_jaccard
from weft.pipeline.dedup.schema import REASON_MINHASH, REASON_TEXT, REASON_URL
from weft.pipeline.layout import OutputLayout, read_parquet, write_parquet_atomic
from weft.pipeline.markers import has_marker, write_marker
from weft.pipeline.stage import Stage
from weft.schemas.document import DedupInfo

CLUSTERS_STEP = "dedup_clusters"
"""Markers of step 2's partitions: how many clusters of two or more documents they settled."""

EDGE_ROW, URL_ROW, DOC_ROW, CHUNK_ROW, MEMBER_ROW, FACT_ROW = "edge", "url", "doc", "chunk", "member", "fact"

ASSIGN_SCHEMA = pa.schema([
    pa.field("part", pa.int32()), pa.field("kind", pa.string()), pa.field("node", pa.string()),
    pa.field("root", pa.string()), pa.field("url_of", pa.string()), pa.field("stem", pa.string()),
    pa.field("text_hash", pa.string()), pa.field("signature", pa.list_(pa.uint32())),
    pa.field("duplicate_of", pa.string()), pa.field("reason", pa.string()), pa.field("jaccard", pa.float64()),
    pa.field("cluster_id", pa.string()), pa.field("cluster_size", pa.int32()),
])
"""The rows of all three steps; `kind` says which columns are set."""

AUDIT_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string()), pa.field("url", pa.string()), pa.field("warc_date", pa.string()),
    pa.field("duplicate_of", pa.string()), pa.field("rule", pa.string()), pa.field("reason", pa.string()),
    pa.field("jaccard", pa.float64()), pa.field("cluster_size", pa.int32()),
])
"""`_dedup/<stem>.parquet`: one row per document of the chunk removed as a duplicate."""

_RULES = (DedupUrl.name, DedupText.name, DedupMinHash.name)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ASSIGN_SCHEMA)


class EdgeRows(Stage):
    """Converged edges (lo = component minimum, hi = member) to the root each node belongs to."""

    name = "dedup_edge_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, edges: pa.Table) -> pa.Table:
        lo, hi = edges.column("lo").to_pylist(), edges.column("hi").to_pylist()
        roots = sorted(set(lo))
        nodes = hi + roots
        n = len(nodes)
        return _fill(pa.table({
            "part": partition_of(nodes, self.parts), "kind": pa.array([EDGE_ROW] * n, pa.string()),
            "node": pa.array(nodes, pa.string()), "root": pa.array(lo + roots, pa.string()),
        }))


class UrlRows(Stage):
    """The key partitions' URL facts, to the dropped capture's node partition."""

    name = "dedup_url_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, facts: pa.Table) -> pa.Table:
        facts = facts.filter(pc.equal(facts.column("kind"), URL))
        return _table([{"part": p, "kind": URL_ROW, "node": hi, "url_of": lo}
                       for p, lo, hi in zip(partition_of(facts.column("hi").to_pylist(), self.parts).to_pylist(),
                                            facts.column("lo").to_pylist(), facts.column("hi").to_pylist())])


class DocRows(Stage):
    """A staged chunk's kept documents to their node partitions, and the chunk's own row."""

    name = "dedup_doc_rows"

    def __init__(self, parts: int, signatures: bool) -> None:
        self.parts = parts
        self.signatures = signatures

    def process(self, batch: pa.Table) -> pa.Table:
        stems = {p: Path(p).name.removesuffix(".parquet") for p in pc.unique(batch.column("path")).to_pylist()}
        kept, nodes = staged_nodes(batch)
        stem_of_row = [stems[p] for p in kept.column("path").to_pylist()]
        node_list = nodes.to_pylist()
        n = len(node_list)
        docs = pa.table({
            "part": partition_of(node_list, self.parts), "kind": pa.array([DOC_ROW] * n, pa.string()),
            "node": nodes, "stem": pa.array(stem_of_row, pa.string()), "text_hash": kept.column("text_hash"),
            "signature": kept.column("minhash") if self.signatures else pa.nulls(n, pa.list_(pa.uint32())),
        })
        chunk_rows = _table([{"part": partition_of([s], self.parts)[0].as_py(), "kind": CHUNK_ROW, "stem": s} for s in sorted(stems.values())])
        return pa.concat_tables([_fill(docs), chunk_rows])


def _fill(table: pa.Table) -> pa.Table:
    """`table` with every ASSIGN_SCHEMA column (null where it has none), in order."""
    n = table.num_rows
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(n, f.type) for f in ASSIGN_SCHEMA]
    return pa.Table.from_arrays(columns, schema=ASSIGN_SCHEMA)


class JoinNodes(Stage):
    """Step 1: per node, its root, URL fact and own row meet; members go to their root's partition."""

    name = "dedup_join_nodes"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, rows: pa.Table) -> pa.Table:
        kind = rows.column("kind")
        edges = rows.filter(pc.equal(kind, EDGE_ROW))
        urls = rows.filter(pc.equal(kind, URL_ROW))
        root = dict(zip(edges.column("node").to_pylist(), edges.column("root").to_pylist()))
        url_of = dict(zip(urls.column("node").to_pylist(), urls.column("url_of").to_pylist()))
        wanted = sorted(set(root) | set(url_of))
        # Only the documents with a root or a URL fact are kept, and their rows stay in Arrow: a
        # signature as a Python list is 128 int objects (about 5 KB a document), which grew the
        # in-process bench job's peak by 50 MB at 20,000 pages, when nearly every document of
        # the partition is in a cluster.
        docs = rows.filter(pc.and_(pc.equal(kind, DOC_ROW), pc.is_in(rows.column("node"), pa.array(wanted, pa.string()))))
        own = {node: i for i, node in enumerate(docs.column("node").to_pylist())}  # a repeated node: its last row
        members = docs.take(pa.array([own[node] for node in wanted if node in own], pa.int64()))
        nodes = members.column("node").to_pylist()
        roots = [root.get(node, node) for node in nodes]
        members = members.set_column(ASSIGN_SCHEMA.get_field_index("part"), "part", partition_of(roots, self.parts))
        for name, values in (("kind", [MEMBER_ROW] * len(nodes)), ("root", roots), ("url_of", [url_of.get(n) for n in nodes])):
            members = members.set_column(ASSIGN_SCHEMA.get_field_index(name), name, pa.array(values, pa.string()))
        return pa.concat_tables([rows.filter(pc.equal(kind, CHUNK_ROW)), members.cast(ASSIGN_SCHEMA)])


class Clusters(Stage):
    """Step 2: per component, the representative, and a fact for every member."""

    name = "dedup_clusters"

    def __init__(self, layout: OutputLayout, text_pass: bool) -> None:
        self.layout = layout
        self.text_pass = text_pass

    def persists(self) -> tuple[Path, ...]:
        return self.layout.dedup_facts_dir / "part-<n>.parquet", self.layout.done(CLUSTERS_STEP, "part-<n>")

    def process(self, rows: pa.Table) -> pa.Table:
        """A partition decided by an earlier run of the job (`--resume`) is read back."""
        part = rows.column("part")[0].as_py()
        unit = f"part-{part:05d}"
        if has_marker(self.layout, CLUSTERS_STEP, unit):
            return pq.read_table(self.layout.dedup_facts(part)).cast(ASSIGN_SCHEMA)
        components: dict[str, list[dict[str, Any]]] = {}
        out: list[dict[str, Any]] = []
        # The signatures stay one Arrow buffer; each member gets a view of its own (as Python
        # lists they held about 5 KB a document).
        signatures = _signature_views(rows.column("signature"))
        for row, signature in zip(rows.drop_columns(["signature"]).to_pylist(), signatures):
            row["signature"] = signature
            if row["kind"] == MEMBER_ROW:
                components.setdefault(row["root"], []).append(row)
            elif row["kind"] == CHUNK_ROW:
                out.append(row)
        for root in sorted(components):
            out.extend(cluster_facts(components[root], self.text_pass))
        sizes = [len(m) for m in components.values() if len(m) > 1]
        table = _table(out)
        write_parquet_atomic(self.layout.dedup_facts(part), table)
        write_marker(self.layout, CLUSTERS_STEP, unit, {"clusters": len(sizes), "members": sum(sizes), "largest": max(sizes, default=0)})
        return table


def _signature_views(column: pa.ChunkedArray) -> list[np.ndarray | None]:
    """Each row's signature as a read-only numpy view into the column's values (None where null):
    what `cluster_facts` compares, without a Python int per value."""
    views: list[np.ndarray | None] = []
    for chunk in column.chunks:
        values = chunk.values.to_numpy(zero_copy_only=False)  # the child array, offsets applied below
        offsets = chunk.offsets.to_numpy()
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        views.extend(values[offsets[i]:offsets[i + 1]] if valid[i] else None for i in range(len(chunk)))
    return views


def cluster_facts(members: list[dict[str, Any]], text_pass: bool = True) -> list[dict[str, Any]]:
    """The facts of one component's members (module docstring, step 2). Without the text pass an
    equal text is a near duplicate at Jaccard 1.0 (the job has no rule for it alone)."""
    members = sorted(members, key=lambda m: m["node"])
    rep = next((m for m in members if m["url_of"] is None), None)
    size = len(members)
    cluster_id = doc_id_of(rep["node"]) if rep is not None else None
    rep_sig = np.asarray(rep["signature"], dtype=np.uint32) if rep is not None and rep["signature"] is not None else None
    facts = []
    for m in members:
        fact = {"kind": FACT_ROW, "stem": m["stem"], "node": m["node"], "cluster_size": size, "cluster_id": cluster_id,
                "duplicate_of": None, "reason": None, "jaccard": None}
        if m["url_of"] is not None:
            fact.update(duplicate_of=doc_id_of(m["url_of"]), reason=REASON_URL, cluster_id=cluster_id or doc_id_of(m["url_of"]))
        elif m is not rep:
            same_text = text_pass and m["text_hash"] is not None and m["text_hash"] == rep["text_hash"]
            jaccard = 1.0 if same_text else (
                float(estimated_jaccard(np.asarray(m["signature"], dtype=np.uint32), rep_sig))
                if rep_sig is not None and m["signature"] is not None else None)
            fact.update(duplicate_of=cluster_id, reason=REASON_TEXT if same_text else REASON_MINHASH, jaccard=jaccard)
        facts.append(fact)
    return facts


class AttachDedup(Stage):
    """Step 3: load a staged chunk and give each kept document its cluster and, for a duplicate, what it duplicates."""

    name = "attach_dedup"

    def __init__(self, layout: OutputLayout) -> None:
        self.layout = layout

    def process(self, group: pa.Table) -> Chunk:
        stem = group.column("stem")[0].as_py()
        chunk = table_to_chunk(read_parquet(self.layout.docs(stem)))
        facts = {doc_id_of(r["node"]): r for r in group.to_pylist() if r["kind"] == FACT_ROW}
        for record in chunk.kept:
            info = record.doc.dedup or DedupInfo()
            fact = facts.get(record.doc_id)
            if fact is None:
                info.cluster_id, info.cluster_size = record.doc_id, 1
            else:
                info.cluster_id = fact["cluster_id"] or record.doc_id
                info.cluster_size = fact["cluster_size"]
                info.duplicate_of, info.duplicate_reason, info.jaccard = fact["duplicate_of"], fact["reason"], fact["jaccard"]
            record.doc.dedup = info
        return chunk


class AuditDuplicates(Stage):
    """Write the chunk's documents removed as duplicates to `_dedup/<stem>.parquet`, each with what it duplicates."""

    name = "audit_dedup"

    def __init__(self, layout: OutputLayout) -> None:
        self.layout = layout

    def persists(self) -> tuple[Path, ...]:
        return (self.layout.dedup_audit("<stem>"),)

    def process(self, chunk: Chunk) -> Chunk:
        rows = []
        for record in chunk.records:
            if record.outcome != DROPPED or not record.reason:
                continue
            rule, _, reason = record.reason.partition(":")
            if rule not in _RULES:
                continue
            scores = record.scores.get("scores", {}).get(rule, {})
            rows.append({
                "doc_id": record.doc_id, "url": record.url, "warc_date": record.provenance.warc_date,
                "duplicate_of": scores.get("duplicate_of"), "rule": rule, "reason": reason,
                "jaccard": scores.get("jaccard") if scores.get("pass") != REASON_URL else None,
                "cluster_size": scores.get("cluster_size"),
            })
        write_parquet_atomic(self.layout.dedup_audit(chunk.stem), pa.Table.from_pylist(rows, schema=AUDIT_SCHEMA))
        return chunk
