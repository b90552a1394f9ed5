"""The dedup barrier's first exchange: documents meet by URL, by text hash and in LSH buckets.

Every document that passed the text rules sends one row per key to the partition of that key
(`KeyRows`, the map side): its canonical URL, its text hash, and one row per LSH band with its
signature riding along. One call of `KeysReduce` per partition then decides what can be decided
there (module docstrings of `exact` and `buckets`):

- each URL group: every capture but the latest is a URL duplicate (a `url` fact: lo = the kept
  capture's node, hi = the dropped one);
- each text-hash group and each LSH bucket: edges between documents with equal text or a
  verified estimated Jaccard, reduced to one star per local component (`edge` rows).

The partition's facts and edges are persisted (`_work/dedup/keys/part-<n>.parquet`) with a
marker counting what the buckets cost; they are the sources of the components rounds and of the
assignment (`pipeline/dedup/assign.py`). Nothing here is held per corpus: a partition holds its
own keys only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from weft.pipeline.chunk import KEPT
from weft.pipeline.dedup.buckets import bucket_edges, bucket_rows
from weft.pipeline.dedup.components import edge_table, local_stars
from weft.pipeline.dedup.exact import exact_rows, url_duplicates, url_key
from weft.pipeline.dedup.keys import node_keys, partition_of
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import has_marker, write_marker
from weft.pipeline.stage import Stage

KEYS_STEP = "dedup_keys"
URL, TEXT, BAND, EDGE = "url", "text", "band", "edge"

STAGED_COLUMNS = ("doc_id", "url", "outcome", "provenance", "text_hash", "minhash")
"""What the dedup exchanges read from a staged chunk file."""

FACT_SCHEMA = pa.schema([pa.field("kind", pa.string()), pa.field("lo", pa.string()), pa.field("hi", pa.string())])
"""A key partition's result: `edge` rows (lo < hi, an undirected edge of the duplicate graph) and
`url` rows (hi is an earlier capture of the URL whose latest capture is lo)."""


def key_schema(num_perm: int) -> pa.Schema:
    """The rows of the key exchange; `signature` is set on band rows only (`num_perm` 1 when the
    job does not sign)."""
    return pa.schema([
        pa.field("part", pa.int32()), pa.field("kind", pa.string()), pa.field("key", pa.string()),
        pa.field("band", pa.int16()), pa.field("band_key", pa.uint64()), pa.field("node", pa.string()),
        pa.field("warc_date", pa.string()), pa.field("signature", pa.list_(pa.uint32(), num_perm)),
    ])


def staged_nodes(batch: pa.Table) -> tuple[pa.Table, pa.Array]:
    """The kept rows of a staged chunk's columns and their node keys."""
    kept = batch.filter(pc.equal(batch.column("outcome"), KEPT))
    dates = pc.struct_field(kept.column("provenance"), "warc_date").to_pylist()
    return kept, node_keys(dates, kept.column("doc_id").to_pylist())


class KeyRows(Stage):
    """Staged documents to their URL, text-hash and band rows, each with its key's partition."""

    name = "dedup_key_rows"

    def __init__(self, parts: int, settings: DedupSettings) -> None:
        self.parts = parts
        self.settings = settings
        self.schema = key_schema(settings.minhash.num_perm if settings.minhash else 1)

    def process(self, batch: pa.Table) -> pa.Table:
        kept, nodes = staged_nodes(batch)
        tables = []
        if self.settings.url:
            keys = [url_key(u) for u in kept.column("url").to_pylist()]
            dates = pc.struct_field(kept.column("provenance"), "warc_date")
            tables.append(self._rows(URL, keys, nodes, dates))
        if self.settings.text:
            keys = kept.column("text_hash").to_pylist()
            tables.append(self._rows(TEXT, keys, nodes, None))
        cfg = self.settings.minhash
        if cfg is not None and kept.num_rows:
            flat = pc.list_flatten(kept.column("minhash")).to_numpy(zero_copy_only=False)
            signatures = np.asarray(flat, dtype=np.uint32).reshape(-1, cfg.num_perm)
            bands = bucket_rows(nodes, signatures, cfg, self.parts)
            n = bands.num_rows
            tables.append(pa.table({
                "part": bands.column("part"), "kind": pa.array([BAND] * n, pa.string()), "key": pa.nulls(n, pa.string()),
                "band": bands.column("band"), "band_key": bands.column("band_key"), "node": bands.column("node"),
                "warc_date": pa.nulls(n, pa.string()), "signature": bands.column("signature"),
            }, schema=self.schema))
        return pa.concat_tables(tables) if tables else self.schema.empty_table()

    def _rows(self, kind: str, keys: list[str], nodes: pa.Array, dates: pa.ChunkedArray | None) -> pa.Table:
        n = len(keys)
        return pa.table({
            "part": partition_of(keys, self.parts), "kind": pa.array([kind] * n, pa.string()),
            "key": pa.array(keys, pa.string()), "band": pa.nulls(n, pa.int16()), "band_key": pa.nulls(n, pa.uint64()),
            "node": nodes, "warc_date": dates if dates is not None else pa.nulls(n, pa.string()),
            "signature": pa.nulls(n, self.schema.field("signature").type),
        }, schema=self.schema)


class KeysReduce(Stage):
    """Decide one key partition: URL duplicates, and verified edges from text groups and LSH buckets."""

    name = "dedup_keys"

    def __init__(self, settings: DedupSettings, layout: OutputLayout) -> None:
        self.settings = settings
        self.layout = layout

    def persists(self) -> tuple[Path, ...]:
        return self.layout.dedup_keys_dir / "part-<n>.parquet", self.layout.done(KEYS_STEP, "part-<n>")

    def process(self, rows: pa.Table) -> str:
        part = rows.column("part")[0].as_py()
        unit = f"part-{part:05d}"
        if has_marker(self.layout, KEYS_STEP, unit):
            return unit
        kind = rows.column("kind")
        # Each kind's own columns before the filter copies them: URL and text rows carry a null
        # signature (num_perm values once materialised), which only band rows use.
        url = rows.select(["key", "node", "warc_date"]).filter(pc.equal(kind, URL))
        text = rows.select(["key", "node"]).filter(pc.equal(kind, TEXT))
        band = rows.select(["band", "band_key", "node", "signature"]).filter(pc.equal(kind, BAND))
        dropped = url_duplicates(exact_rows(url.column("key").to_pylist(), url.column("node").to_pylist(),
                                            url.column("warc_date").to_pylist(), 1)) if url.num_rows else None
        pairs = _text_pairs(text)
        stats = None
        if band.num_rows and self.settings.minhash is not None:
            bucketed, stats = bucket_edges(band, self.settings.minhash,
                                           self.settings.limits)
            pairs += list(zip(bucketed.column("lo").to_pylist(), bucketed.column("hi").to_pylist()))
        edges = local_stars(edge_table(pairs)) if pairs else edge_table([])
        n_url = dropped.num_rows if dropped is not None else 0
        facts = pa.table({
            "kind": pa.array([URL] * n_url + [EDGE] * edges.num_rows, pa.string()),
            "lo": pa.chunked_array(([dropped.column("duplicate_of").combine_chunks()] if n_url else []) + [edges.column("lo").combine_chunks()], pa.string()),
            "hi": pa.chunked_array(([dropped.column("doc_id").combine_chunks()] if n_url else []) + [edges.column("hi").combine_chunks()], pa.string()),
        }, schema=FACT_SCHEMA)
        write_parquet_atomic(self.layout.dedup_keys(part), facts)
        write_marker(self.layout, KEYS_STEP, unit, {
            "url_rows": url.num_rows, "text_rows": text.num_rows, "band_rows": band.num_rows,
            "url_duplicates": n_url, "edges": edges.num_rows,
            "buckets": vars(stats) if stats is not None else None,
        })
        return unit


def _text_pairs(text: pa.Table) -> list[tuple[str, str]]:
    """(smallest node, node) for every other document with the same text hash."""
    if text.num_rows < 2:
        return []
    grouped = text.group_by("key").aggregate([("node", "min"), ("node", "count")])
    grouped = grouped.filter(pc.greater(grouped.column("node_count"), 1))
    if grouped.num_rows == 0:
        return []
    joined = text.select(["key", "node"]).join(grouped.select(["key", "node_min"]), "key", join_type="inner")
    lo, hi = joined.column("node_min").to_pylist(), joined.column("node").to_pylist()
    return [(a, b) for a, b in zip(lo, hi) if a != b]


def fact_files(layout: OutputLayout) -> list[Path]:
    directory = layout.dedup_keys_dir
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []
