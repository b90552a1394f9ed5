"""The dedup barrier's first exchanges: documents meet by URL, by text hash and in LSH buckets.

Every document that passed the text rules sends one row per key to the partition of that key
(`KeyRows`, the map side): its canonical URL, its text hash, and one row per LSH band. One call
of `KeysReduce` per partition then decides what can be decided there (module docstrings of
`exact` and `buckets`):

- each URL group: every capture but the latest is a URL duplicate (a `url` fact: lo = the kept
  capture's node, hi = the dropped one);
- each text-hash group and each LSH bucket: edges between documents with equal text or a
  verified estimated Jaccard, reduced to one star per local component (`edge` rows).

The partition's facts and edges are persisted (`_work/dedup/keys/part-<n>.parquet`) with a
marker counting what the buckets cost; they are the sources of the components rounds and of the
assignment (`pipeline/dedup/assign.py`). Nothing here is held per corpus: a partition holds its
own keys only.

A band row does not carry its document's signature (128 values, 512 bytes, nine times per
document at the defaults) but its text hash, which names the signature as well (equal
normalised texts sign alike). The signatures of the members of shared buckets, the only ones
verification reads, come afterwards, once per partition and distinct text, through a second
exchange ("dedup buckets"): `KeysReduce` persists the partition's URL facts, text pairs and
bucket members (`_work/dedup/pending/part-<n>.parquet`); `WantRows` sends each wanted text hash
to its partition, where `SignatureRows` sent every staged document's signature; `JoinSignatures`
answers each partition that asked, and `BucketsReduce` verifies its buckets and persists the
same facts and marker as above. Carried along, the signatures made the key exchange about six
times larger: on the bench WARC of `benchmarks/bench_vs_datatrove.py` (whose pages repeat, so
nearly every document is in a shared bucket) they grew the peak of a one-core job from 1,000 to
20,000 pages by 20 MB in process and 250 MB under Ray, where the exchange lives in the object
store. Without the MinHash pass, `KeysReduce` persists the facts itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weft.pipeline.chunk import KEPT
from weft.pipeline.dedup.buckets import BucketStats, band_rows, shared_rows, verify_buckets
from weft.pipeline.dedup.components import edge_table, local_stars
from weft.pipeline.dedup.exact import exact_rows, url_duplicates, url_key
from weft.pipeline.dedup.keys import node_keys, partition_of
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import has_marker, read_marker, write_marker
from weft.pipeline.stage import Stage

KEYS_STEP = "dedup_keys"
PENDING_STEP = "dedup_pending"
"""Markers of the key partitions whose bucket members wait for their signatures (MinHash pass)."""
URL, TEXT, BAND, EDGE, MEMBER = "url", "text", "band", "edge", "member"
WANT, SIGNATURE, PARTITION = "want", "signature", "partition"

STAGED_COLUMNS = ("doc_id", "url", "outcome", "provenance.warc_date", "text_hash", "minhash")
"""What the dedup exchanges read from a staged chunk file (of its provenance, the capture date)."""

FACT_SCHEMA = pa.schema([pa.field("kind", pa.string()), pa.field("lo", pa.string()), pa.field("hi", pa.string())])
"""A key partition's result: `edge` rows (lo < hi, an undirected edge of the duplicate graph) and
`url` rows (hi is an earlier capture of the URL whose latest capture is lo)."""

KEY_SCHEMA = pa.schema([
    pa.field("part", pa.int32()), pa.field("kind", pa.string()), pa.field("key", pa.string()),
    pa.field("band", pa.int16()), pa.field("band_key", pa.uint64()), pa.field("node", pa.string()),
    pa.field("warc_date", pa.string()),
])
"""The rows of the key exchange; on a band row, `key` is the document's text hash (the name of
its signature), on the others the key the row meets by."""

PENDING_SCHEMA = pa.schema([
    pa.field("kind", pa.string()), pa.field("lo", pa.string()), pa.field("hi", pa.string()),
    pa.field("band", pa.int16()), pa.field("band_key", pa.uint64()), pa.field("text_hash", pa.string()),
])
"""`_work/dedup/pending/part-<n>.parquet`: `url` facts (as in FACT_SCHEMA), `text` pairs (lo, hi:
two documents with one text) and `member` rows (hi, in bucket (band, band_key), with the text
hash of its signature), bucket after bucket in the order `buckets.shared_rows` gives."""

SIGNATURE_SCHEMA = pa.schema([
    pa.field("part", pa.int32()), pa.field("kind", pa.string()), pa.field("key", pa.string()),
    pa.field("dest", pa.int32()), pa.field("signature", pa.list_(pa.uint32())),
])
"""The rows of the signature exchange, by text-hash partition (`part`): a document's `signature`
for text hash `key`, a key partition `dest` that wants the signature of `key`, or a `partition`
row that only names `dest` (so that every key partition is finished, shared buckets or not).
`JoinSignatures` answers with the same schema, `part` unset, for the regroup by `dest`."""


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
            bands, which = band_rows(nodes, signatures, cfg, self.parts)
            n = bands.num_rows
            tables.append(pa.table({
                "part": bands.column("part"), "kind": pa.array([BAND] * n, pa.string()),
                "key": kept.column("text_hash").take(pa.array(which, pa.int64())),
                "band": bands.column("band"), "band_key": bands.column("band_key"), "node": bands.column("node"),
                "warc_date": pa.nulls(n, pa.string()),
            }, schema=KEY_SCHEMA))
        return pa.concat_tables(tables) if tables else KEY_SCHEMA.empty_table()

    def _rows(self, kind: str, keys: list[str], nodes: pa.Array, dates: pa.ChunkedArray | None) -> pa.Table:
        n = len(keys)
        return pa.table({
            "part": partition_of(keys, self.parts), "kind": pa.array([kind] * n, pa.string()),
            "key": pa.array(keys, pa.string()), "band": pa.nulls(n, pa.int16()), "band_key": pa.nulls(n, pa.uint64()),
            "node": nodes, "warc_date": dates if dates is not None else pa.nulls(n, pa.string()),
        }, schema=KEY_SCHEMA)


class KeysReduce(Stage):
    """Decide one key partition: URL duplicates and text pairs, and its shared LSH buckets; with
    the MinHash pass, persisted until the buckets' signatures arrive (module docstring)."""

    name = "dedup_keys"

    def __init__(self, settings: DedupSettings, layout: OutputLayout) -> None:
        self.settings = settings
        self.layout = layout

    def persists(self) -> tuple[Path, ...]:
        if self.settings.minhash is not None:
            return self.layout.dedup_pending_dir / "part-<n>.parquet", self.layout.done(PENDING_STEP, "part-<n>")
        return self.layout.dedup_keys_dir / "part-<n>.parquet", self.layout.done(KEYS_STEP, "part-<n>")

    def process(self, rows: pa.Table) -> str:
        part = rows.column("part")[0].as_py()
        unit = f"part-{part:05d}"
        step = PENDING_STEP if self.settings.minhash is not None else KEYS_STEP
        if has_marker(self.layout, step, unit):
            return unit
        kind = rows.column("kind")
        url = rows.select(["key", "node", "warc_date"]).filter(pc.equal(kind, URL))
        text = rows.select(["key", "node"]).filter(pc.equal(kind, TEXT))
        band = rows.select(["band", "band_key", "node", "key"]).filter(pc.equal(kind, BAND))
        dropped = url_duplicates(exact_rows(url.column("key").to_pylist(), url.column("node").to_pylist(),
                                            url.column("warc_date").to_pylist(), 1)) if url.num_rows else None
        counts = {"url_rows": url.num_rows, "text_rows": text.num_rows, "band_rows": band.num_rows}
        url_lo = dropped.column("duplicate_of").to_pylist() if dropped is not None else []
        url_hi = dropped.column("doc_id").to_pylist() if dropped is not None else []
        pairs = _text_pairs(text)
        if self.settings.minhash is None:
            write_facts(self.layout, part, url_lo, url_hi, pairs, None, counts)
            return unit
        members = band.take(pa.array(shared_rows(band)[0], pa.int64())) if band.num_rows else band
        n_url, n_text, n = len(url_lo), len(pairs), members.num_rows
        pending = pa.table({
            "kind": pa.array([URL] * n_url + [TEXT] * n_text + [MEMBER] * n, pa.string()),
            "lo": pa.array(url_lo + [p[0] for p in pairs] + [None] * n, pa.string()),
            "hi": pa.chunked_array([pa.array(url_hi + [p[1] for p in pairs], pa.string())] + members.column("node").chunks,
                                   pa.string()),
            "band": pa.chunked_array([pa.nulls(n_url + n_text, pa.int16())] + members.column("band").chunks, pa.int16()),
            "band_key": pa.chunked_array([pa.nulls(n_url + n_text, pa.uint64())] + members.column("band_key").chunks,
                                         pa.uint64()),
            "text_hash": pa.chunked_array([pa.nulls(n_url + n_text, pa.string())] + members.column("key").chunks, pa.string()),
        }, schema=PENDING_SCHEMA)
        write_parquet_atomic(self.layout.dedup_pending(part), pending)
        write_marker(self.layout, PENDING_STEP, unit, counts)
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


def write_facts(layout: OutputLayout, part: int, url_lo: list[str], url_hi: list[str], pairs: list[tuple[str, str]],
                stats: BucketStats | None, counts: dict[str, int]) -> None:
    """Persist a key partition's result: its URL facts, its edges (the text pairs and verified
    bucket pairs as local stars) and its marker."""
    edges = local_stars(edge_table(pairs)) if pairs else edge_table([])
    n_url = len(url_lo)
    facts = pa.table({
        "kind": pa.array([URL] * n_url + [EDGE] * edges.num_rows, pa.string()),
        "lo": pa.chunked_array([pa.array(url_lo, pa.string())] + edges.column("lo").chunks, pa.string()),
        "hi": pa.chunked_array([pa.array(url_hi, pa.string())] + edges.column("hi").chunks, pa.string()),
    }, schema=FACT_SCHEMA)
    write_parquet_atomic(layout.dedup_keys(part), facts)
    write_marker(layout, KEYS_STEP, f"part-{part:05d}", {
        **counts, "url_duplicates": n_url, "edges": edges.num_rows,
        "buckets": vars(stats) if stats is not None else None,
    })


def pending_files(layout: OutputLayout) -> list[Path]:
    directory = layout.dedup_pending_dir
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def load_pending(path: Path) -> pa.Table:
    """One pending file's bucket members (their text hashes) and a `partition` row after them:
    each row names the key partition (`dest`, from the file name), even when it has no member."""
    table = pq.read_table(path, columns=["kind", "text_hash"])
    table = pa.concat_tables([table, pa.table({"kind": [PARTITION], "text_hash": pa.nulls(1, pa.string())}, schema=table.schema)])
    dest = int(path.stem.removeprefix("part-"))
    return table.append_column("dest", pa.array([dest] * table.num_rows, pa.int32()))


class WantRows(Stage):
    """A key partition's pending file (`load_pending`) to the text hashes whose signatures it
    wants, each sent to its text-hash partition once, and one row that names the partition."""

    name = "dedup_want_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, pending: pa.Table) -> pa.Table:
        dest = pending.column("dest")[0].as_py()
        members = pending.filter(pc.equal(pending.column("kind"), MEMBER))
        keys = sorted(set(members.column("text_hash").to_pylist()))
        n = len(keys) + 1
        return pa.table({
            "part": pa.chunked_array([partition_of(keys, self.parts), pa.array([dest % self.parts], pa.int32())]),
            "kind": pa.array([WANT] * len(keys) + [PARTITION], pa.string()),
            "key": pa.array(keys + [None], pa.string()), "dest": pa.array([dest] * n, pa.int32()),
            "signature": pa.nulls(n, pa.list_(pa.uint32())),
        }, schema=SIGNATURE_SCHEMA)


class SignatureRows(Stage):
    """A staged chunk's signatures, one per distinct text of its kept documents, to their
    text-hash partitions."""

    name = "dedup_signature_rows"

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, batch: pa.Table) -> pa.Table:
        kept = batch.filter(pc.and_(pc.equal(batch.column("outcome"), KEPT), pc.is_valid(batch.column("minhash"))))
        first = _first_rows(kept.column("text_hash"))
        keys = list(first)
        n = len(keys)
        return pa.table({
            "part": partition_of(keys, self.parts), "kind": pa.array([SIGNATURE] * n, pa.string()),
            "key": pa.array(keys, pa.string()), "dest": pa.nulls(n, pa.int32()),
            "signature": kept.column("minhash").take(pa.array(list(first.values()), pa.int64())).cast(pa.list_(pa.uint32())),
        }, schema=SIGNATURE_SCHEMA)


def _first_rows(keys: pa.ChunkedArray) -> dict[str, int]:
    """Each distinct key and the index of its first row (equal texts sign alike, so one will do)."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys.to_pylist()):
        first.setdefault(key, i)
    return first


class JoinSignatures(Stage):
    """One text-hash partition: each key partition that wants a signature gets it."""

    name = "dedup_join_signatures"

    def process(self, rows: pa.Table) -> pa.Table:
        kind = rows.column("kind")
        signatures = rows.filter(pc.equal(kind, SIGNATURE))
        wants = rows.filter(pc.equal(kind, WANT))
        first = _first_rows(signatures.column("key"))
        found = pa.array([first[key] for key in wants.column("key").to_pylist()], pa.int64())
        answers = wants.set_column(SIGNATURE_SCHEMA.get_field_index("signature"), "signature",
                                   signatures.column("signature").take(found))
        answers = answers.set_column(SIGNATURE_SCHEMA.get_field_index("kind"), "kind",
                                     pa.array([SIGNATURE] * answers.num_rows, pa.string()))
        return pa.concat_tables([answers, rows.filter(pc.equal(kind, PARTITION))])


class BucketsReduce(Stage):
    """Finish one key partition: verify its shared buckets with the signatures it was sent, and
    persist its facts and edges as `KeysReduce` does without the MinHash pass."""

    name = "dedup_buckets"

    def __init__(self, settings: DedupSettings, layout: OutputLayout) -> None:
        assert settings.minhash is not None
        self.settings = settings
        self.cfg = settings.minhash
        self.layout = layout

    def persists(self) -> tuple[Path, ...]:
        return self.layout.dedup_keys_dir / "part-<n>.parquet", self.layout.done(KEYS_STEP, "part-<n>")

    def process(self, rows: pa.Table) -> str:
        part = rows.column("dest")[0].as_py()
        unit = f"part-{part:05d}"
        if has_marker(self.layout, KEYS_STEP, unit):
            return unit
        pending = pq.read_table(self.layout.dedup_pending(part))
        kind = pending.column("kind")
        url = pending.filter(pc.equal(kind, URL))
        text = pending.filter(pc.equal(kind, TEXT))
        members = pending.filter(pc.equal(kind, MEMBER))
        pairs = list(zip(text.column("lo").to_pylist(), text.column("hi").to_pylist()))
        counts = read_marker(self.layout, PENDING_STEP, unit)
        stats = None
        if counts["band_rows"]:
            stars, stats = self._verify(members, rows.filter(pc.equal(rows.column("kind"), SIGNATURE)))
            pairs += list(zip(stars.column("lo").to_pylist(), stars.column("hi").to_pylist()))
        write_facts(self.layout, part, url.column("lo").to_pylist(), url.column("hi").to_pylist(), pairs, stats,
                    {k: counts[k] for k in ("url_rows", "text_rows", "band_rows")})
        return unit

    def _verify(self, members: pa.Table, signatures: pa.Table) -> tuple[pa.Table, BucketStats]:
        """The partition's buckets verified, each with its members' signatures gathered from the
        distinct ones it was sent (a bucket's at a time, never the partition's)."""
        distinct = np.asarray(pc.list_flatten(signatures.column("signature")).to_numpy(zero_copy_only=False),
                              dtype=np.uint32).reshape(-1, self.cfg.num_perm)
        position = {key: i for i, key in enumerate(signatures.column("key").to_pylist())}
        which = np.array([position[key] for key in members.column("text_hash").to_pylist()], dtype=np.int64)
        band = members.column("band").to_numpy()
        key = members.column("band_key").to_numpy()
        starts = np.flatnonzero(np.concatenate(([True], (band[1:] != band[:-1]) | (key[1:] != key[:-1])))) if len(band) else []
        sizes = np.diff(np.append(starts, len(band)))
        return verify_buckets(members.column("hi").to_pylist(), sizes, lambda a, b: distinct[which[a:b]],
                              self.cfg, self.settings.limits)


def fact_files(layout: OutputLayout) -> list[Path]:
    directory = layout.dedup_keys_dir
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []
