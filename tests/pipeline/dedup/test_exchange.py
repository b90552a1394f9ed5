"""The key exchange without signatures (pipeline/dedup/exchange.py): band rows name their
signature by text hash, the signatures of shared buckets come through the signature exchange,
and each key partition persists the edges and bucket costs it would have found with the
signatures carried along."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weft.pipeline.chunk import KEPT
from weft.pipeline.dedup.buckets import BucketStats, bucket_edges, bucket_rows
from weft.pipeline.dedup.components import edge_table, local_stars
from weft.pipeline.dedup.exchange import (
    EDGE, KEYS_STEP, SIGNATURE, BucketsReduce, JoinSignatures, KeyRows, KeysReduce, SignatureRows, WantRows, _text_pairs,
    load_pending, pending_files, staged_nodes,
)
from weft.pipeline.dedup.minhash import MinHashConfig, Signer
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.dedup.text import normalise, text_hash
from weft.pipeline.layout import OutputLayout

from tests.pipeline.dedup.conftest import edit_words

PARTS = 3


def _staged(pages: dict[str, str], cfg: MinHashConfig) -> pa.Table:
    """A staged chunk's dedup columns: every page, a near copy of it and two exact repeats, each
    repeat a capture of its own (repeats are what made the signatures fill the key exchange)."""
    texts = []
    for name, text in pages.items():
        texts += [text, edit_words(text, 20, name), text, text]
    normalised = [normalise(t) for t in texts]
    signatures = Signer(cfg).sign_normalised(normalised)
    n = len(texts)
    return pa.table({
        "doc_id": [f"doc{i:03d}" for i in range(n)],
        "url": [f"http://example.com/{i // 2}" for i in range(n)],
        "outcome": [KEPT] * n,
        "provenance": pa.array([{"warc_date": f"2024-01-{1 + i % 28:02d}T00:00:00Z"} for i in range(n)]),
        "text_hash": [text_hash(t) for t in normalised],
        "minhash": pa.array(signatures.tolist(), pa.list_(pa.uint32())),
    })


def _groups(table: pa.Table, key: str) -> list[pa.Table]:
    values = table.column(key).to_pylist()
    return [table.filter(pc.equal(table.column(key), v)) for v in sorted(set(values))]


def test_partitions_verify_with_fetched_signatures_as_with_carried_ones(pages: dict[str, str], tmp_path: Path) -> None:
    cfg = MinHashConfig()
    settings = DedupSettings(url=True, text=True, minhash=cfg)
    layout = OutputLayout(tmp_path)
    staged = _staged(pages, cfg)

    keys = KeyRows(PARTS, settings).process(staged)
    # the key exchange carries no signature: a band row is a few dozen bytes, not 512 and more
    assert "signature" not in keys.column_names
    assert keys.nbytes / keys.num_rows < 200
    for group in _groups(keys, "part"):
        KeysReduce(settings, layout).process(group)
    assert not any(layout.dedup_keys_dir.glob("*.parquet"))  # nothing is final before the signatures come

    wanted = pa.concat_tables([WantRows(PARTS).process(load_pending(path)) for path in pending_files(layout)]
                              + [SignatureRows(PARTS).process(staged)])
    answers = pa.concat_tables([JoinSignatures().process(group) for group in _groups(wanted, "part")])
    for group in _groups(answers, "dest"):
        sent = group.filter(pc.equal(group.column("kind"), SIGNATURE)).column("key").to_pylist()
        assert len(sent) == len(set(sent))  # each distinct text once, however many captures share it
        BucketsReduce(settings, layout).process(group)

    # the same edges and bucket costs as bucket_edges over band rows that carry their signatures
    _kept, nodes = staged_nodes(staged)
    carried = bucket_rows(nodes, np.array(staged.column("minhash").to_pylist(), dtype=np.uint32), cfg, PARTS)
    markers = {p: json.loads(layout.done(KEYS_STEP, f"part-{p:05d}").read_text()) for p in range(PARTS)}
    totals = BucketStats()
    for p in range(PARTS):
        bucketed, stats = bucket_edges(carried.filter(pc.equal(carried.column("part"), p)), cfg)
        text = keys.filter(pc.and_(pc.equal(keys.column("part"), p), pc.equal(keys.column("kind"), "text")))
        pairs = _text_pairs(text.select(["key", "node"])) + list(zip(bucketed.column("lo").to_pylist(),
                                                                      bucketed.column("hi").to_pylist()))
        facts = pq.read_table(layout.dedup_keys(p))
        edges = facts.filter(pc.equal(facts.column("kind"), EDGE))
        expected = local_stars(edge_table(pairs))
        assert edges.column("lo").to_pylist() == expected.column("lo").to_pylist()
        assert edges.column("hi").to_pylist() == expected.column("hi").to_pylist()
        assert markers[p]["buckets"] == vars(stats) and markers[p]["edges"] == expected.num_rows
        totals += stats
    # the test data does reach the buckets: near copies are verified, repeats counted once
    assert totals.buckets > 0 and totals.verified > totals.buckets
    assert sum(m["band_rows"] for m in markers.values()) == carried.num_rows
