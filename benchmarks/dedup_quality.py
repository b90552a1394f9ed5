"""How well weft's near-duplicate removal finds duplicates, on real pages with planted edits.

The labelled set (`dedup_data.labelled_set`): every real saved page with 80+ words (the text weft
extracts from shared/data/html), and from each one near-duplicate per edit rate (1-40% of words
replaced), one with its paragraphs reordered and one with boilerplate added; pages of different
families are unrelated. The truth for a pair is exact Jaccard of the very shingle sets weft signs
(word 5-grams of the normalised text) at or above the threshold.

weft runs its own steps in one process, the way the in-process executor does: `Signer` ->
`bucket_rows` (4 partitions) -> `bucket_edges` per partition -> `components_by_rounds`. A pair
counts as marked when both documents end in one cluster (that is what removal acts on, so a
chain through a third document counts). The same signatures also go through datasketch's
`MinHashLSH` (insert, query every document, keep candidates with `MinHash.jaccard` >= threshold,
union-find), and the two sets of clusters must be equal.

    python benchmarks/dedup_quality.py [--threshold 0.8] [--weights 0.5 0.5] [--parts 4] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH

from dedup_data import labelled_set, exact_jaccards
from weft.pipeline.dedup.buckets import BucketStats, bucket_edges, bucket_rows
from weft.pipeline.dedup.components import components_by_rounds, components_in_memory
from weft.pipeline.dedup.keys import node_key
from weft.pipeline.dedup.minhash import SCHEME, MinHashConfig, Signer, band_keys, estimated_jaccard


def lsh_in_memory(nodes: list[str], signatures: np.ndarray, cfg: MinHashConfig, parts: int) -> tuple[dict[str, str], int, BucketStats]:
    """weft's steps in one process: node -> representative for every node in a cluster of two or
    more, the component rounds run, and what the buckets cost."""
    rows = bucket_rows(nodes, signatures, cfg, parts)
    stats = BucketStats()
    edges = []
    for p in range(parts):
        found, cost = bucket_edges(rows.filter(pc.equal(rows.column("part"), p)), cfg)
        edges.append(found)
        stats += cost
    clusters, rounds = components_by_rounds(pa.concat_tables(edges), parts)
    return dict(zip(clusters.column("hi").to_pylist(), clusters.column("lo").to_pylist())), rounds, stats


def datasketch_clusters(nodes: list[str], signatures: np.ndarray, cfg: MinHashConfig) -> dict[str, str]:
    """The same, with datasketch's in-memory index: query every document, verify, union-find."""
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm, weights=cfg.weights)
    permutations = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme=SCHEME).permutations
    sketches = [MinHash(seed=cfg.seed, hashvalues=s, permutations=permutations, scheme=SCHEME) for s in signatures]
    for node, sketch in zip(nodes, sketches):
        lsh.insert(node, sketch)
    at = {node: i for i, node in enumerate(nodes)}
    edges = [(node, other) for node, sketch in zip(nodes, sketches) for other in lsh.query(sketch)
             if other != node and sketch.jaccard(sketches[at[other]]) >= cfg.threshold]
    roots = components_in_memory(edges)
    return {n: r for n, r in roots.items() if n != r}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--weights", type=float, nargs=2, default=(0.5, 0.5), metavar=("FP", "FN"),
                    help="false-positive and false-negative weights for bands/rows (datasketch's MinHashLSH weights)")
    args = ap.parse_args()
    cfg = MinHashConfig(threshold=args.threshold, weights=tuple(args.weights))

    t0 = time.perf_counter()
    docs = labelled_set(args.seed)
    texts = [d.text for d in docs]
    truth = exact_jaccards(texts, cfg.ngram)
    # Capture dates spread over a year, from a hash of the name (no RNG state).
    dates = [f"2024-{1 + h % 12:02d}-{1 + h // 12 % 28:02d}T{h // 336 % 24:02d}:00:00Z"
             for h in (int.from_bytes(hashlib.blake2b(d.name.encode(), digest_size=4).digest(), "big") for d in docs)]
    nodes = [node_key(date, hashlib.blake2b(d.name.encode(), digest_size=16).hexdigest()) for date, d in zip(dates, docs)]
    prepared = time.perf_counter() - t0

    t0 = time.perf_counter()
    signatures = Signer(cfg).sign(texts)
    weft, rounds, stats = lsh_in_memory(nodes, signatures, cfg, args.parts)
    weft_s = time.perf_counter() - t0
    reference = datasketch_clusters(nodes, signatures, cfg)

    cluster_of = {i: weft.get(n, n) for i, n in enumerate(nodes)}
    families = sorted({d.family for d in docs})
    print(f"labelled set: {len(families)} real pages, {len(docs)} documents, {len(truth)} pairs sharing a shingle "
          f"({prepared:.1f} s to build and measure); threshold {cfg.threshold}, {cfg.num_perm} permutations, "
          f"{cfg.bands} bands x {cfg.rows} rows, word {cfg.ngram}-grams")
    print(f"weft: {weft_s:.2f} s (signatures, buckets, {rounds} component rounds); buckets: {stats}")

    # Pairs of one family: original vs each variant, by kind.
    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    index = {(d.family, d.kind): i for i, d in enumerate(docs)}
    for d_i, d in enumerate(docs):
        if d.kind == "original":
            continue
        o = index[(d.family, "original")]
        pair = (min(o, d_i), max(o, d_i))
        by_kind[d.kind].append((truth.get(pair, 0.0), cluster_of[o] == cluster_of[d_i]))
    print()
    print(f"{'original vs':<14} {'pairs':>5} {'exact J median [min, max]':>26} {'dup':>5} {'marked':>6} {'TP':>4} "
          f"{'precision':>9} {'recall':>6}")
    kinds = sorted(by_kind, key=lambda k: (not k.startswith("edit"), int(k.split("_")[1][:-3]) if k.startswith("edit") else 0, k))
    for kind in kinds:
        rows = by_kind[kind]
        _line(kind, [j for j, _ in rows], [m for _, m in rows], cfg.threshold)

    # Every pair of the set.
    n = len(docs)
    marked_pairs = {(i, j) for i in range(n) for j in range(i + 1, n) if cluster_of[i] == cluster_of[j]}
    all_pairs = set(truth) | marked_pairs
    js = [truth.get(p, 0.0) for p in all_pairs]
    marks = [p in marked_pairs for p in all_pairs]
    zero = n * (n - 1) // 2 - len(all_pairs)
    keys = band_keys(signatures, cfg)
    verified = [bool((keys[i] == keys[j]).any()) and estimated_jaccard(signatures[i], signatures[j]) >= cfg.threshold
                for i, j in all_pairs]
    print()
    print("every pair of the set; 'verified pairs' = an LSH candidate whose estimated Jaccard passed, 'same cluster' = what removal acts on")
    _line("verified pairs", js, verified, cfg.threshold)
    _line("same cluster", js, marks, cfg.threshold, extra=f" (+{zero} pairs sharing no shingle, none marked)")
    unrelated = [(truth.get((i, j), 0.0), (i, j) in marked_pairs) for i in range(n) for j in range(i + 1, n)
                 if docs[i].family != docs[j].family and ((i, j) in truth or (i, j) in marked_pairs)]
    print(f"unrelated pairs (different pages) sharing a shingle: {len(unrelated)}, max exact J "
          f"{max((j for j, _ in unrelated), default=0):.3f}, marked {sum(m for _, m in unrelated)}")
    middle = [(j, m) for j, m in zip(js, marks) if 0.4 <= j <= 0.6]
    print(f"pairs at exact J 0.4-0.6: {len(middle)}, marked {sum(m for _, m in middle)}")

    same = weft == reference
    print()
    print(f"clusters equal to datasketch MinHashLSH (insert + query + MinHash.jaccard >= {cfg.threshold} + union-find): "
          f"{same}; weft {len(set(weft.values()))} clusters / {len(weft)} duplicates, "
          f"datasketch {len(set(reference.values()))} / {len(reference)}")
    if not same:
        sys.exit(1)


def _line(label: str, js: list[float], marks: list[bool], threshold: float, extra: str = "") -> None:
    dup = [j >= threshold for j in js]
    tp = sum(d and m for d, m in zip(dup, marks))
    precision = f"{tp / sum(marks):.3f}" if sum(marks) else "-"
    recall = f"{tp / sum(dup):.3f}" if sum(dup) else "-"
    spread = f"{statistics.median(js):.3f} [{min(js):.3f}, {max(js):.3f}]"
    print(f"{label:<14} {len(js):>5} {spread:>26} {sum(dup):>5} {sum(marks):>6} {tp:>4} {precision:>9} {recall:>6}{extra}")


if __name__ == "__main__":
    main()
