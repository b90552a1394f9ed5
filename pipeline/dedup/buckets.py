"""LSH as a join: documents meet in buckets by band key, and a bucket yields verified edges.

Map side (`bucket_rows`): each document with shingles emits one row per band, (band, band_key,
node, signature), partitioned by `band_key % parts`. Reduce side (`bucket_edges`): the rows of
one partition are sorted into buckets (`shared_rows`); every bucket of two or more documents
goes through `bucket_pairs`, which keeps only pairs whose estimated Jaccard reaches the
threshold, and the partition's edges leave as one star per local component
(`components.local_stars`), so the connected-components rounds start from few edges
(`verify_buckets`). A signature riding on every band row costs `bands x 4 x num_perm` bytes per
document in the exchange (4.6 KB at the defaults), so a job's key exchange sends `band_rows`
(no signature) and fetches only the signatures its shared buckets need
(`pipeline/dedup/exchange.py`); `bucket_rows` and `bucket_edges` are the same steps in one
place, for tests and benchmarks.

A bucket's cost is bounded. Up to `BucketLimits.exact` members every pair is verified (one
vectorised comparison per distinct signature against the ones after it, copies counted once;
1,024 distinct members are 523,776 pairs, ~50 ms), so the bucket contributes exactly the
components of its verified pairs: the same as a `MinHashLSH` query followed by
`MinHash.jaccard`. A larger bucket (boilerplate pages, templated
listings) is verified against anchors instead: members are visited in node order; one joins
every anchor it is similar to, and one similar to none becomes a new anchor, up to
`BucketLimits.anchors`, and is then compared once with every member before it. That costs about
members x anchors comparisons instead of members^2 / 2, and can miss two things: a link between
two non-anchor members that joined different anchors (the two groups may still meet through
another band or another bucket), and every member that matches no anchor once the anchor budget
is spent (counted as `unverified` in `BucketStats`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from weft.pipeline.dedup.components import local_stars
from weft.pipeline.dedup.minhash import MinHashConfig, band_keys, is_empty, signature_column, signatures_of
from weft.pipeline.dedup.schema import bucket_schema


@dataclass(frozen=True)
class BucketLimits:
    """How much verification one bucket may cost (module docstring)."""

    exact: int = 1024
    """Buckets up to this many members have every pair verified (523,776 pairs, ~50 ms)."""
    anchors: int = 64
    """Larger buckets verify each member against at most this many anchors."""


@dataclass
class BucketStats:
    """What the buckets of one or more partitions cost and may have missed; adds up."""

    buckets: int = 0
    """Buckets with two or more documents."""
    comparisons: int = 0
    """Signature pairs compared."""
    verified: int = 0
    """Pairs found at or above the threshold (edges before they are reduced to stars)."""
    anchored_buckets: int = 0
    """Buckets larger than `BucketLimits.exact`, verified against anchors."""
    unverified: int = 0
    """Members of anchored buckets compared with nothing because the anchor budget was spent."""
    largest: int = 0
    """Members of the largest bucket (a maximum, not a sum)."""

    def __add__(self, other: "BucketStats") -> "BucketStats":
        total = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        total["largest"] = max(self.largest, other.largest)
        return BucketStats(**total)


def bucket_rows(nodes: Sequence[str] | pa.Array | pa.ChunkedArray, signatures: np.ndarray, cfg: MinHashConfig,
                parts: int) -> pa.Table:
    """The map side: one row per (document, band) in `bucket_schema`, documents in input order,
    bands in order. Documents without shingles (empty signature) emit nothing: they are all
    equal, which the exact text pass settles, and would otherwise fill one bucket per band."""
    signatures = np.asarray(signatures, dtype=np.uint32).reshape(-1, cfg.num_perm)
    bands, which = band_rows(nodes, signatures, cfg, parts)
    return bands.append_column("signature", signature_column(signatures[which].reshape(-1, cfg.num_perm))).cast(
        bucket_schema(cfg.num_perm))


def band_rows(nodes: Sequence[str] | pa.Array | pa.ChunkedArray, signatures: np.ndarray, cfg: MinHashConfig,
              parts: int) -> tuple[pa.Table, np.ndarray]:
    """`bucket_rows` without the signature (part, band, band_key, node), and each row's document
    (its index in `nodes`): for a map side that sends a reference to the signature instead."""
    if isinstance(nodes, pa.ChunkedArray):
        nodes = nodes.combine_chunks()
    elif not isinstance(nodes, pa.Array):
        nodes = pa.array(nodes, pa.string())
    signatures = np.asarray(signatures, dtype=np.uint32).reshape(-1, cfg.num_perm)
    bands = cfg.bands
    kept = np.flatnonzero(~is_empty(signatures))
    keys = band_keys(signatures[kept], cfg).reshape(-1)
    which = np.repeat(kept, bands)
    return pa.table({
        "part": pa.array((keys % np.uint64(parts)).astype(np.int32)),
        "band": pa.array(np.tile(np.arange(bands, dtype=np.int16), len(kept))),
        "band_key": pa.array(keys),
        "node": nodes.take(pa.array(which, pa.int64())),
    }), which


def bucket_edges(rows: pa.Table, cfg: MinHashConfig, limits: BucketLimits = BucketLimits()) -> tuple[pa.Table, BucketStats]:
    """The reduce side over one partition's `bucket_rows` (any order, any number of buckets):
    the partition's verified edges as local stars (EDGE_SCHEMA, sorted) and what they cost."""
    wanted, sizes = shared_rows(rows)
    # Only rows of buckets with company are materialised (most buckets hold one document).
    nodes = rows.column("node").take(pa.array(wanted, pa.int64())).to_pylist()
    signatures = signatures_of(rows.column("signature").take(pa.array(wanted, pa.int64())))
    return verify_buckets(nodes, sizes, lambda start, stop: signatures[start:stop], cfg, limits)


def shared_rows(rows: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of one partition's band rows (columns band, band_key, node; any order) are in a
    bucket with company: their indices, bucket after bucket in (band, band_key) order and by
    node within a bucket, and the number of rows of each of those buckets."""
    if rows.num_rows == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = pc.sort_indices(rows.select(["band", "band_key", "node"]),
                            sort_keys=[("band", "ascending"), ("band_key", "ascending"), ("node", "ascending")]).to_numpy()
    band = rows.column("band").to_numpy()[order]
    key = rows.column("band_key").to_numpy()[order]
    starts = np.flatnonzero(np.concatenate(([True], (band[1:] != band[:-1]) | (key[1:] != key[:-1]))))
    ends = np.append(starts[1:], len(order))
    shared = np.flatnonzero(ends - starts > 1)
    if len(shared) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    wanted = np.concatenate([order[starts[g]:ends[g]] for g in shared]).astype(np.int64)
    return wanted, (ends - starts)[shared].astype(np.int64)


def verify_buckets(nodes: Sequence[str], sizes: Sequence[int], signatures: Callable[[int, int], np.ndarray],
                   cfg: MinHashConfig, limits: BucketLimits = BucketLimits()) -> tuple[pa.Table, BucketStats]:
    """The verified edges of consecutive buckets (`nodes` bucket after bucket, `sizes` rows each,
    as `shared_rows` orders them) as local stars, and what they cost. `signatures(start, stop)`
    gives the rows start:stop of the signature matrix aligned with `nodes`: the caller decides
    where signatures live, so a partition's reduce need not hold all its members' signatures
    at once (the key exchange fetches them by text hash, `pipeline/dedup/exchange.py`)."""
    stats = BucketStats()
    pairs: list[tuple[str, str]] = []
    at = 0
    for size in sizes:
        size = int(size)
        found, cost = bucket_pairs(nodes[at:at + size], signatures(at, at + size), cfg.threshold, limits)
        pairs.extend(found)
        stats += cost
        at += size
    return local_stars(pairs), stats


def bucket_pairs(members: Sequence[str], signatures: np.ndarray, threshold: float,
                 limits: BucketLimits = BucketLimits()) -> tuple[list[tuple[str, str]], BucketStats]:
    """The edges of one bucket: (smallest node, node) for every other node of each group of
    members the verified pairs connect, so the bucket adds exactly those groups to the
    components (module docstring for buckets over `limits.exact`). Members may come in any
    order and repeat."""
    unique: dict[str, int] = {}
    for i, node in enumerate(members):
        unique.setdefault(node, i)
    nodes = sorted(unique)
    if len(nodes) < 2:
        return [], BucketStats()
    sigs = np.asarray(signatures)[[unique[n] for n in nodes]]
    n, num_perm = sigs.shape
    stats = BucketStats(buckets=1, largest=n)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
        stats.verified += 1

    if n <= limits.exact:
        stats.comparisons += n * (n - 1) // 2
        return _exact(nodes, sigs, threshold, stats), stats
    stats.anchored_buckets += 1
    _anchor(sigs, threshold, limits.anchors, union, stats)
    roots = [find(i) for i in range(n)]
    return [(nodes[r], nodes[i]) for i, r in enumerate(roots) if r != i], stats


def _exact(nodes: list[str], sigs: np.ndarray, threshold: float, stats: BucketStats) -> list[tuple[str, str]]:
    """Every pair of a bucket verified, as (smallest member, member) per connected group.

    Copies (a page captured again, a mirror) have equal signatures, and a bucket of copies has
    n^2 / 2 similar pairs: they are verified as one distinct signature with a count (a copy is
    always similar to its original), which is where a crawl with repeats spent most of its
    key exchange. `stats.verified` still counts every similar pair of members."""
    n, num_perm = sigs.shape
    distinct, which, counts = _distinct_rows(sigs)
    stats.verified += int((counts * (counts - 1) // 2).sum())
    parent = list(range(len(distinct)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(len(distinct) - 1):
        similar = np.flatnonzero(np.count_nonzero(distinct[a + 1:] == distinct[a], axis=1) / num_perm >= threshold)
        for b in (a + 1 + similar).tolist():
            stats.verified += int(counts[a] * counts[b])
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups = np.array([find(int(d)) for d in range(len(distinct))])[which]
    smallest = np.full(len(distinct), n)
    np.minimum.at(smallest, groups, np.arange(n))
    roots = smallest[groups].tolist()
    return [(nodes[r], nodes[i]) for i, r in enumerate(roots) if r != i]


def _distinct_rows(sigs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of `sigs`, each row's index among them and how often each occurs, as
    `np.unique(sigs, axis=0, return_inverse=True, return_counts=True)` gives them but in the
    order of the rows' bytes: `_exact` depends only on which rows are equal, not on that order.

    Each row is viewed as one opaque value of `num_perm * 4` bytes, which numpy sorts with one
    byte comparison; `axis=0` sorts a structured view field by field, which cost 1.2-1.7 ms per
    bucket of 39 signatures against 0.07 ms here, most of the "dedup buckets" phase on the bench
    WARC of `benchmarks/bench_vs_datatrove.py` (369 buckets)."""
    sigs = np.ascontiguousarray(sigs)
    rows = sigs.view(np.dtype((np.void, sigs.dtype.itemsize * sigs.shape[1]))).reshape(-1)
    distinct, which, counts = np.unique(rows, return_inverse=True, return_counts=True)
    return distinct.view(sigs.dtype).reshape(-1, sigs.shape[1]), which.reshape(-1), counts


def _anchor(sigs: np.ndarray, threshold: float, budget: int, union, stats: BucketStats) -> None:
    """Verify a large bucket against anchors (module docstring), in blocks of members so that
    each block costs one vectorised comparison with the anchors known at its start."""
    n, num_perm = sigs.shape
    anchors: list[int] = [0]
    block = 256
    for start in range(1, n, block):
        stop = min(start + block, n)
        known = np.array(anchors)
        similar = (np.count_nonzero(sigs[start:stop, None, :] == sigs[None, known, :], axis=2) / num_perm) >= threshold
        stats.comparisons += (stop - start) * len(known)
        fresh: list[int] = []
        for offset, row in enumerate(similar):
            member = start + offset
            matched = [int(a) for a in known[row]]
            if fresh:
                near = np.count_nonzero(sigs[fresh] == sigs[member], axis=1) / num_perm >= threshold
                stats.comparisons += len(fresh)
                matched += [fresh[k] for k in np.flatnonzero(near)]
            for anchor in matched:
                union(anchor, member)
            if matched:
                continue
            if len(anchors) < budget:
                # A new anchor is compared with every member before it once, so a member that
                # joined an earlier anchor but is also like this one links the two groups.
                earlier = np.count_nonzero(sigs[:member] == sigs[member], axis=1) / num_perm >= threshold
                stats.comparisons += member
                for k in np.flatnonzero(earlier):
                    union(int(k), member)
                anchors.append(member)
                fresh.append(member)
            else:
                stats.unverified += 1
