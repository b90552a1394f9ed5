"""Near-duplicate removal: signatures/s per core, and a 200k-document dedup next to datasketch.

1. Signatures: 1,000-word documents cut from the real pages' text (shared/data/html, Latin-script
   pages, punctuation and case as extracted), signed by weft's `Signer.sign` (normalisation and
   shingling included) and by datasketch (`MinHash(128).update_batch` per document, and
   `MinHash.bulk`) on the same shingles, in alternating rounds in this one process (one core);
   the median round of each is reported. Both give the same signatures (checked).
2. End to end on `--docs` generated documents (`dedup_data.generated_corpus`: 10% near-duplicates,
   1% copies, a templated family that makes buckets of hundreds): signatures once, then each
   dedup in a fresh process so its peak RSS is its own, on the same signatures:
   - weft, as the in-process executor would run it: map chunks of 10,000 documents to bucket
     rows, written per partition as Parquet (the exchange), reduce each partition
     (`bucket_edges`), then the component rounds on the edges;
   - datasketch `MinHashLSH` in memory: insert every signature, query every one, keep candidates
     with `MinHash.jaccard` >= threshold, union-find.
   Both must find the same clusters. A third process only loads what both start from, so the
   growth over it is what each method adds.
3. Projection to 10M and 1B documents, from the measured bytes per document (see the output).

    python benchmarks/bench_dedup.py [--docs 200000] [--words 300] [--sign-docs 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across fork and exec,
    so a child would report the peak of the parent that started it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------- part 1

def sign_docs(count: int, words: int = 1000) -> list[str]:
    """`count` windows of `words` whitespace-separated tokens of the real pages' text."""
    from dedup_data import real_texts

    from weft.pipeline.dedup.text import normalise

    # Pages written with spaces between words: in Chinese or Japanese, where each character is a
    # word, a "1,000-word document" would mean something else.
    streams = []
    for _, text in real_texts():
        tokens = normalise(text).split()
        if len(text.split()) >= 200 and sum(len(w) == 1 and ord(w) > 0x2E80 for w in tokens) < 0.01 * len(tokens):
            streams.append(text.split())
    docs = []
    for i in range(count):
        tokens = streams[i % len(streams)]
        start = (i * 997) % len(tokens)
        docs.append(" ".join((tokens * (words // len(tokens) + 2))[start:start + words]))
    return docs


def bench_signatures(count: int, rounds: int) -> dict[str, float]:
    from datasketch import MinHash

    from weft.pipeline.dedup.minhash import MinHashConfig, Signer
    from weft.pipeline.dedup.text import normalise, shingles

    cfg = MinHashConfig()
    docs = sign_docs(count)
    signer = Signer(cfg)
    prepared = [shingles(normalise(d), cfg.ngram) for d in docs]

    def weft_full() -> np.ndarray:
        return signer.sign(docs)

    def weft_shingles() -> np.ndarray:
        return np.stack([signer.sign_shingles(p) for p in prepared])

    def ds_full() -> np.ndarray:
        out = []
        for d in docs:
            m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
            m.update_batch(shingles(normalise(d), cfg.ngram))
            out.append(m.hashvalues)
        return np.stack(out)

    def ds_shingles() -> np.ndarray:
        out = []
        for p in prepared:
            m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
            m.update_batch(p)
            out.append(m.hashvalues)
        return np.stack(out)

    def ds_bulk() -> np.ndarray:
        return np.stack([m.hashvalues for m in MinHash.bulk(prepared, num_perm=cfg.num_perm, seed=cfg.seed)])

    def normalise_only() -> None:
        for d in docs:
            shingles(normalise(d), cfg.ngram)

    runs = {"weft Signer.sign (text -> signature)": weft_full,
            "datasketch update_batch (text -> signature, weft's normalise + shingles)": ds_full,
            "weft Signer.sign_shingles (shingles -> signature)": weft_shingles,
            "datasketch update_batch (shingles -> signature)": ds_shingles,
            "datasketch MinHash.bulk (shingles -> signature)": ds_bulk,
            "weft normalise + shingles alone": normalise_only}
    reference = weft_full()
    for name, run in runs.items():
        got = run()
        if got is not None:
            np.testing.assert_array_equal(got, reference, err_msg=name)
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            rates[name].append(len(docs) / (time.perf_counter() - t0))
    words = statistics.mean(len(d.split()) for d in docs)
    print(f"signatures of {len(docs)} documents of {words:.0f} words (real page text), {rounds} alternating rounds, "
          f"one process, {cfg.num_perm} permutations, word {cfg.ngram}-grams; median round (docs/s per core):")
    medians = {name: statistics.median(r) for name, r in rates.items()}
    for name, rate in medians.items():
        print(f"  {rate:8.0f}  {name}   [{min(rates[name]):.0f}-{max(rates[name]):.0f}]")
    return medians


# ----------------------------------------------------------------------------------------- part 2

CHUNK = 10_000


def _load(work: Path) -> tuple[list[str], list[Path]]:
    nodes = json.loads((work / "nodes.json").read_text())
    return nodes, sorted(work.glob("sig-*.npy"))


def run_baseline(work: Path) -> dict:
    """What both methods start from: weft, datasketch and pyarrow imported, signatures loaded."""
    import datasketch  # noqa: F401
    import pyarrow  # noqa: F401

    import weft.pipeline.dedup.buckets  # noqa: F401

    nodes, files = _load(work)
    sigs = np.concatenate([np.load(f) for f in files])
    return {"docs": len(nodes), "sig_mb": sigs.nbytes / 2**20, "peak_mb": _peak_mb()}


def run_weft(work: Path, parts: int) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from weft.pipeline.dedup.buckets import BucketStats, bucket_edges, bucket_rows
    from weft.pipeline.dedup.components import components_by_rounds
    from weft.pipeline.dedup.minhash import MinHashConfig

    cfg = MinHashConfig()
    nodes, files = _load(work)
    exchange = work / "exchange"
    exchange.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    rows_total = 0
    bytes_total = 0
    for c, path in enumerate(files):  # map: one task per chunk of documents
        sigs = np.load(path)
        rows = bucket_rows(nodes[c * CHUNK:c * CHUNK + len(sigs)], sigs, cfg, parts)
        rows_total += rows.num_rows
        bytes_total += rows.nbytes
        order = np.argsort(rows.column("part").to_numpy(), kind="stable")
        rows = rows.take(pa.array(order))
        bounds = np.searchsorted(rows.column("part").to_numpy(), np.arange(parts + 1))
        for p in range(parts):
            if bounds[p + 1] > bounds[p]:
                pq.write_table(rows.slice(bounds[p], bounds[p + 1] - bounds[p]), exchange / f"p{p:04d}-c{c:04d}.parquet")
        del rows, sigs
    t_map = time.perf_counter() - t0
    edges = []
    stats = BucketStats()
    largest_part = 0
    for p in range(parts):  # reduce: one task per partition
        table = pq.read_table([str(f) for f in sorted(exchange.glob(f"p{p:04d}-*.parquet"))])
        largest_part = max(largest_part, table.num_rows)
        found, cost = bucket_edges(table, cfg)
        edges.append(found)
        stats += cost
        del table
    t_reduce = time.perf_counter() - t0 - t_map
    clusters, rounds = components_by_rounds(pa.concat_tables(edges), parts)
    t_components = time.perf_counter() - t0 - t_map - t_reduce
    (work / "weft.json").write_text(json.dumps(dict(zip(clusters.column("hi").to_pylist(), clusters.column("lo").to_pylist()))))
    return {"wall_s": time.perf_counter() - t0, "map_s": t_map, "reduce_s": t_reduce, "components_s": t_components,
            "rounds": rounds, "parts": parts, "bucket_rows": rows_total, "bucket_row_bytes": bytes_total / max(rows_total, 1),
            "largest_part_rows": largest_part, "edges_in": sum(e.num_rows for e in edges), "duplicates": clusters.num_rows,
            "buckets": stats.__dict__, "peak_mb": _peak_mb()}


def run_datasketch(work: Path) -> dict:
    from datasketch import MinHash, MinHashLSH

    from weft.pipeline.dedup.components import components_in_memory
    from weft.pipeline.dedup.minhash import SCHEME, MinHashConfig

    cfg = MinHashConfig()
    nodes, files = _load(work)
    sigs = np.concatenate([np.load(f) for f in files])
    t0 = time.perf_counter()
    permutations = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme=SCHEME).permutations

    def sketch(i: int) -> MinHash:
        return MinHash(seed=cfg.seed, hashvalues=sigs[i], permutations=permutations, scheme=SCHEME)

    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm, weights=cfg.weights)
    with lsh.insertion_session() as session:
        for i in range(len(nodes)):
            session.insert(i, sketch(i), check_duplication=False)
    t_insert = time.perf_counter() - t0
    rss_index = _peak_mb()
    edges = []
    for i in range(len(nodes)):
        for j in lsh.query(sketch(i)):
            if j > i and np.count_nonzero(sigs[i] == sigs[j]) / cfg.num_perm >= cfg.threshold:
                edges.append((nodes[i], nodes[j]))
    roots = components_in_memory(edges)
    (work / "datasketch.json").write_text(json.dumps({n: r for n, r in roots.items() if n != r}))
    return {"wall_s": time.perf_counter() - t0, "insert_s": t_insert, "peak_after_insert_mb": rss_index,
            "duplicates": sum(1 for n, r in roots.items() if n != r), "peak_mb": _peak_mb()}


def _child(role: str, work: Path, parts: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", role, "--work", str(work), "--parts", str(parts)],
                          capture_output=True, text=True, check=False, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if done.returncode != 0:
        raise SystemExit(f"{role} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_end_to_end(count: int, words: int, per_part: int) -> None:
    from dedup_data import generated_corpus

    from weft.pipeline.dedup.keys import node_key
    from weft.pipeline.dedup.minhash import MinHashConfig, Signer

    cfg = MinHashConfig()
    with tempfile.TemporaryDirectory(prefix="weft-bench-dedup-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        texts, planted = generated_corpus(count, words)
        t_gen = time.perf_counter() - t0
        nodes = [node_key(f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", f"{i:032x}") for i in range(count)]
        (work / "nodes.json").write_text(json.dumps(nodes))
        signer = Signer(cfg)
        t0 = time.perf_counter()
        for c in range(0, count, CHUNK):
            np.save(work / f"sig-{c // CHUNK:05d}.npy", signer.sign(texts[c:c + CHUNK]))
        t_sign = time.perf_counter() - t0
        del texts
        parts = max(1, round(count * cfg.bands / per_part))
        print(f"\nend to end: {count} generated documents of {words} words ({planted}; generated in {t_gen:.0f} s), "
              f"signed in {t_sign:.0f} s ({count / t_sign:.0f}/s); {cfg.bands} bands x {cfg.rows} rows")
        base = _child("baseline", work, parts)
        weft = _child("weft", work, parts)
        ds = _child("datasketch", work, parts)
        same = json.loads((work / "weft.json").read_text()) == json.loads((work / "datasketch.json").read_text())
    print(f"  start (imports + {base['sig_mb']:.0f} MB of signatures): peak RSS {base['peak_mb']:.0f} MB")
    print(f"  weft in-process ({weft['parts']} partitions of <= {weft['largest_part_rows']} bucket rows, exchange on disk): "
          f"{weft['wall_s']:.1f} s (map {weft['map_s']:.1f}, buckets {weft['reduce_s']:.1f}, components "
          f"{weft['components_s']:.1f} in {weft['rounds']} rounds), peak RSS {weft['peak_mb']:.0f} MB, "
          f"{weft['duplicates']} duplicates")
    print(f"    buckets: {weft['buckets']}; {weft['edges_in']} edges into the rounds; "
          f"{weft['bucket_row_bytes']:.0f} bytes per bucket row")
    print(f"  datasketch MinHashLSH in memory: {ds['wall_s']:.1f} s (insert {ds['insert_s']:.1f}), peak RSS "
          f"{ds['peak_mb']:.0f} MB ({ds['peak_after_insert_mb']:.0f} MB after inserting), {ds['duplicates']} duplicates")
    print(f"  same clusters: {same}")
    # Projection.
    ds_per_doc = (ds["peak_mb"] - base["peak_mb"]) * 2**20 / count
    exchange_per_doc = weft["bucket_row_bytes"] * cfg.bands
    print("\nprojection (memory grows linearly with documents for MinHashLSH, which holds every band of every "
          "document in one process; weft's per-task memory depends on rows per partition, which the plan keeps "
          "constant by making partitions from the data):")
    print(f"  MinHashLSH: {ds_per_doc:.0f} bytes per document over the start, plus {cfg.num_perm * 4} bytes of "
          f"signature; one node at 10M: {(ds_per_doc + cfg.num_perm * 4) * 1e7 / 2**30:.0f} GiB, at 1B: "
          f"{(ds_per_doc + cfg.num_perm * 4) * 1e9 / 2**40:.1f} TiB")
    print(f"  weft: exchange volume {exchange_per_doc:.0f} bytes per document ({cfg.bands} bucket rows): "
          f"{exchange_per_doc * 1e7 / 2**30:.0f} GiB at 10M, {exchange_per_doc * 1e9 / 2**40:.1f} TiB at 1B, on the "
          f"cluster's disks/object store; per task (a map of {CHUNK} documents, a reduce of <= "
          f"{weft['largest_part_rows']} rows): at most the {weft['peak_mb']:.0f} MB peak RSS measured here, "
          f"interpreter and imports included, the same at 10M and 1B with {round(1e7 * cfg.bands / per_part)} and "
          f"{round(1e9 * cfg.bands / per_part)} partitions; per node = tasks running on it x that "
          f"(e.g. 16 at once: {16 * weft['peak_mb'] / 1024:.1f} GiB); the component rounds hold edges in proportion "
          f"to duplicates ({weft['edges_in']} edges here), spread over the same partitions")
    if not same:
        raise SystemExit("weft and MinHashLSH found different clusters")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--sign-docs", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows-per-part", type=int, default=100_000, help="bucket rows per exchange partition")
    ap.add_argument("--skip-signatures", action="store_true")
    ap.add_argument("--skip-end-to-end", action="store_true")
    ap.add_argument("--child", choices=("baseline", "weft", "datasketch"), help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--parts", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run = {"baseline": lambda: run_baseline(args.work), "weft": lambda: run_weft(args.work, args.parts),
               "datasketch": lambda: run_datasketch(args.work)}[args.child]
        print(json.dumps(run()))
        return
    print(f"CPU affinity: {len(os.sched_getaffinity(0))} cores visible; every figure is one process")
    if not args.skip_signatures:
        bench_signatures(args.sign_docs, args.rounds)
    if not args.skip_end_to_end:
        bench_end_to_end(args.docs, args.words, args.rows_per_part)


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()
