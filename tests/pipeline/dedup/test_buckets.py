"""LSH buckets as a join (pipeline/dedup/buckets.py): which pairs merge, bounded big buckets, and
results that do not depend on row order or partitions."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from weft.pipeline.dedup.buckets import BucketLimits, BucketStats, _distinct_rows, bucket_edges, bucket_pairs, bucket_rows
from weft.pipeline.dedup.components import components_by_rounds, components_in_memory
from weft.pipeline.dedup.keys import node_key
from weft.pipeline.dedup.minhash import MinHashConfig, Signer, estimated_jaccard
from weft.pipeline.dedup.schema import EDGE_SCHEMA, bucket_schema

from tests.pipeline.dedup.conftest import edit_words, jaccard

LONG = ("aclu", "bbc-1", "wikipedia", "medium-3", "lemonde-1", "folha", "hukumusume", "gmw", "pixnet", "yahoo-4",
        "stackoverflow.com.rust")
"""The pages whose edited copies land in the Jaccard ranges the tests below assume, with the
article text the extractor keeps (its main-content rules left heise, qq and nytimes-1 too short
or too even for one range, aktualne and spektrum.de too long for the other)."""


def _node(i: int) -> str:
    return node_key(f"2024-01-{1 + i % 28:02d}T00:00:00Z", hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest())


def _clusters(nodes: list[str], sigs: np.ndarray, cfg: MinHashConfig, parts: int = 3) -> dict[str, str]:
    """Member -> representative, through the map, the per-partition reduce and the rounds."""
    rows = bucket_rows(nodes, sigs, cfg, parts)
    edges = [bucket_edges(rows.filter(pc.equal(rows.column("part"), p)), cfg)[0] for p in range(parts)]
    out, _ = components_by_rounds(pa.concat_tables(edges), parts)
    return dict(zip(out.column("hi").to_pylist(), out.column("lo").to_pylist()))


def _merged(texts: list[str], cfg: MinHashConfig) -> set[tuple[int, int]]:
    nodes = [_node(i) for i in range(len(texts))]
    clusters = _clusters(nodes, Signer(cfg).sign(texts), cfg)
    rep = [clusters.get(n, n) for n in nodes]
    return {(i, j) for i, j in itertools.combinations(range(len(texts)), 2) if rep[i] == rep[j]}


def test_pairs_near_one_half_stay_apart_and_pairs_above_092_merge(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    texts: list[str] = []
    close, middle = [], []
    for name in LONG:
        base = pages[name]
        near, half = edit_words(base, 5, name), edit_words(base, 70, name)
        assert 0.92 <= jaccard(base, near) < 1.0, name
        assert 0.45 <= jaccard(base, half) <= 0.6, name
        o = len(texts)
        texts += [base, near, half]
        close.append((o, o + 1))
        middle += [(o, o + 2), (o + 1, o + 2)]
    merged = _merged(texts, cfg)
    assert set(close) <= merged
    assert not merged & set(middle)
    assert merged == set(close)  # nothing across pages either


def test_pairs_near_nine_tenths_merge_when_the_bands_favour_recall(pages: dict[str, str]) -> None:
    """datasketch's default bands for 0.8 (9 x 13) make a pair at Jaccard 0.9 a candidate with
    probability 0.93 only; weighting misses (0.2, 0.8) gives 12 x 10 and 0.994."""
    cfg = MinHashConfig(weights=(0.2, 0.8))
    texts: list[str] = []
    close = []
    for name in LONG:
        near = edit_words(pages[name], 10, name)
        assert 0.83 <= jaccard(pages[name], near) <= 0.94, name
        close.append((len(texts), len(texts) + 1))
        texts += [pages[name], near]
    assert _merged(texts, cfg) == set(close)


def _family(pages: dict[str, str], name: str, count: int, per_mille: int) -> list[str]:
    return [edit_words(pages[name], per_mille, f"{name}:{i}") for i in range(count)]


def test_a_bucket_verifies_all_its_pairs_like_brute_force(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    texts = _family(pages, "bbc-1", 4, 5) + _family(pages, "qq", 3, 5) + [pages["folha"], edit_words(pages["bbc-1"], 70, "x")]
    sigs = Signer(cfg).sign(texts)
    nodes = [_node(i) for i in range(len(texts))]
    order = [5, 0, 8, 3, 1, 7, 2, 6, 4]  # members arrive in any order
    pairs, stats = bucket_pairs([nodes[i] for i in order], sigs[order], cfg.threshold)
    brute = [(nodes[i], nodes[j]) for i, j in itertools.combinations(range(len(texts)), 2)
             if estimated_jaccard(sigs[i], sigs[j]) >= cfg.threshold]
    expected = components_in_memory(brute)
    assert components_in_memory(pairs) == expected
    assert len(pairs) == len(expected) - len(set(expected.values()))  # one edge per member: a star
    assert all(lo == expected[hi] and lo < hi for lo, hi in pairs)
    assert stats == BucketStats(buckets=1, comparisons=36, verified=len(brute), largest=9)


def test_a_big_bucket_is_verified_against_anchors(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    a = _family(pages, "folha", 150, 2)
    b = _family(pages, "hukumusume", 150, 2)
    sigs = Signer(cfg).sign(a + b)
    nodes = [_node(i) for i in range(len(sigs))]
    # Interleave the two families in node order.
    nodes = sorted(nodes)
    members = [nodes[i] for i in range(300)]
    order = [i // 2 if i % 2 == 0 else 150 + i // 2 for i in range(300)]
    sigs = sigs[order]
    pairs, stats = bucket_pairs(members, sigs, cfg.threshold, BucketLimits(exact=256, anchors=64))
    roots = components_in_memory(pairs)
    assert stats.anchored_buckets == 1 and stats.unverified == 0 and stats.largest == 300
    assert stats.comparisons < 300 * 299 // 2 // 10
    assert len(roots) == 300
    assert {roots[m] for m in members[0::2]} == {members[0]}
    assert {roots[m] for m in members[1::2]} == {members[1]}
    # With one anchor, the second family has no anchor left to join.
    pairs, stats = bucket_pairs(members, sigs, cfg.threshold, BucketLimits(exact=256, anchors=1))
    assert stats.unverified == 150
    assert set(components_in_memory(pairs)) == set(members[0::2])
    # Under the exact limit the same bucket is verified pair by pair, to the same components.
    exact_pairs, exact_stats = bucket_pairs(members, sigs, cfg.threshold, BucketLimits(exact=300))
    assert components_in_memory(exact_pairs) == roots and exact_stats.comparisons == 300 * 299 // 2


def test_results_do_not_depend_on_row_order_or_partitions(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    texts = [t for name in ("bbc-1", "heise", "pixnet") for t in _family(pages, name, 5, 4)] + [pages["wikipedia"]]
    sigs = Signer(cfg).sign(texts)
    nodes = [_node(i) for i in range(len(texts))]
    rows = bucket_rows(nodes, sigs, cfg, parts=1)
    assert rows.schema == bucket_schema(cfg.num_perm) and rows.num_rows == len(texts) * cfg.bands
    column = pa.table({"node": nodes}).column("node")  # as a stage gets it: a table column, in chunks
    assert bucket_rows(pa.chunked_array([column.slice(0, 5), column.slice(5)]), sigs, cfg, parts=1).equals(rows)
    shuffled = rows.take(pa.array(np.argsort([hashlib.sha1(str(i).encode()).digest() for i in range(rows.num_rows)])))
    one, _ = bucket_edges(rows, cfg)
    assert one.schema == EDGE_SCHEMA and one.num_rows > 0
    assert bucket_edges(shuffled, cfg)[0].equals(one)
    reference = _clusters(nodes, sigs, cfg, parts=1)
    assert len(set(reference.values())) == 3 and len(reference) == 12
    for parts in (2, 5, 16):
        assert _clusters(nodes[::-1], sigs[::-1], cfg, parts) == reference


def test_texts_without_shingles_do_not_fill_a_bucket() -> None:
    cfg = MinHashConfig()
    sigs = Signer(cfg).sign(["", "...", "a real text with words"])
    rows = bucket_rows([_node(i) for i in range(3)], sigs, cfg, parts=4)
    assert rows.num_rows == cfg.bands and set(rows.column("node").to_pylist()) == {_node(2)}
    assert bucket_rows([], np.empty((0, cfg.num_perm), np.uint32), cfg, 4).num_rows == 0
    assert bucket_edges(rows, cfg)[0].num_rows == 0


def _variant(sig: np.ndarray, positions: range) -> np.ndarray:
    out = sig.copy()
    out[list(positions)] ^= np.uint32(0x5A5A5A5A)
    return out


def test_an_anchored_bucket_joins_a_member_to_every_anchor_it_matches(pages: dict[str, str]) -> None:
    """A bridge: m is similar to a and to b, which are not similar to each other."""
    a = Signer().sign([pages["heise"]])[0]
    m = _variant(a, range(0, 25))  # estimated Jaccard with a: 103/128 = 0.80
    b = _variant(m, range(25, 50))  # with m: 0.80, with a: 78/128 = 0.61
    assert estimated_jaccard(a, m) >= 0.8 and estimated_jaccard(m, b) >= 0.8 > estimated_jaccard(a, b)
    nodes = [_node(0), _node(1), _node(2)]  # a, b, m in node order
    sigs = np.stack([a, b, m])
    anchored, stats = bucket_pairs(nodes, sigs, 0.8, BucketLimits(exact=2))
    assert stats.anchored_buckets == 1
    assert set(components_in_memory(anchored).values()) == {nodes[0]} and len(anchored) == 2
    assert components_in_memory(bucket_pairs(nodes, sigs, 0.8)[0]) == components_in_memory(anchored)


def test_a_new_anchor_is_compared_with_the_members_before_it(pages: dict[str, str]) -> None:
    """x joins anchor a before y arrives; y is like x but not like a, so it becomes an anchor,
    and its one look back at the earlier members finds x."""
    a = Signer().sign([pages["heise"]])[0]
    x = _variant(a, range(0, 25))
    y = _variant(x, range(25, 50))
    assert estimated_jaccard(a, y) < 0.8
    nodes = [_node(0), _node(1), _node(2)]  # a, x, y in node order
    sigs = np.stack([a, x, y])
    anchored, _ = bucket_pairs(nodes, sigs, 0.8, BucketLimits(exact=2))
    exact, _ = bucket_pairs(nodes, sigs, 0.8)
    assert components_in_memory(anchored) == components_in_memory(exact) == {n: nodes[0] for n in nodes}


def test_an_anchored_bucket_can_miss_a_link_between_members_of_different_anchors(pages: dict[str, str]) -> None:
    """The documented cost of anchors: a and b are anchors (not alike); x is like a, z like b,
    and x like z, but x and z are never compared with each other."""
    a = Signer().sign([pages["heise"]])[0]
    b = _variant(a, range(0, 60))  # 68/128 = 0.53 like a
    x = _variant(a, range(0, 20))  # a with b's values on 0-19: 0.84 like a, 0.69 like b
    z = _variant(b, range(40, 60))  # b with a's values on 40-59: 0.84 like b, 0.69 like a; 0.84 like x
    sigs = np.stack([a, b, x, z])
    similar = {(i, j) for i in range(4) for j in range(i + 1, 4) if estimated_jaccard(sigs[i], sigs[j]) >= 0.8}
    assert similar == {(0, 2), (1, 3), (2, 3)}
    nodes = [_node(i) for i in range(4)]
    anchored, stats = bucket_pairs(nodes, sigs, 0.8, BucketLimits(exact=3))
    assert stats.anchored_buckets == 1 and stats.unverified == 0
    assert components_in_memory(anchored) == {nodes[0]: nodes[0], nodes[2]: nodes[0], nodes[1]: nodes[1], nodes[3]: nodes[1]}
    exact, _ = bucket_pairs(nodes, sigs, 0.8)
    assert set(components_in_memory(exact).values()) == {nodes[0]}


def test_a_bucket_of_copies_and_chains_gives_brute_forces_components() -> None:
    """Copies (every pair similar) and chains (only neighbours similar, so a member's similar
    members lie in components that must be merged), members in shuffled order."""
    rng = np.random.default_rng(3)
    num_perm, sigs = 128, []
    for _family in range(4):
        base = rng.integers(0, 2**32, num_perm, dtype=np.uint32)
        sigs += [base.copy() for _ in range(5)]  # copies
        link = base.copy()
        for _ in range(6):  # a chain: each link changes 15 values of the one before (J ~ 0.88 to it, less further on)
            link = link.copy()
            link[rng.choice(num_perm, 15, replace=False)] = rng.integers(0, 2**32, 15, dtype=np.uint32)
            sigs.append(link)
    sigs += [rng.integers(0, 2**32, num_perm, dtype=np.uint32) for _ in range(5)]  # strangers
    sigs = np.array(sigs)
    order = rng.permutation(len(sigs))
    nodes = [_node(i) for i in range(len(sigs))]
    pairs, stats = bucket_pairs([nodes[i] for i in order], sigs[order], 0.8)
    brute = [(nodes[i], nodes[j]) for i, j in itertools.combinations(range(len(sigs)), 2)
             if estimated_jaccard(sigs[i], sigs[j]) >= 0.8]
    expected = components_in_memory(brute)
    assert components_in_memory(pairs) == expected
    assert all(lo == expected[hi] and lo < hi for lo, hi in pairs)
    assert stats.verified == len(brute) and len(set(expected.values())) == 4


def test_distinct_rows_group_rows_as_numpys_unique_does() -> None:
    """`_distinct_rows` sorts rows by their bytes rather than by value, so its distinct rows may
    come in another order than `np.unique(axis=0)`'s; the groups and counts must be the same."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**32, (6, 128), dtype=np.uint32)
    base[1] = base[0]
    base[1, 127] += 1  # differs from row 0 in its last value only
    for sigs in (base[rng.integers(0, 6, 40)], base[:1].repeat(39, axis=0), base[:1]):
        distinct, which, counts = _distinct_rows(sigs)
        expected, _, expected_counts = np.unique(sigs, axis=0, return_inverse=True, return_counts=True)
        assert (distinct[which] == sigs).all()
        assert sorted(zip(map(tuple, distinct.tolist()), counts.tolist())) == sorted(zip(map(tuple, expected.tolist()), expected_counts.tolist()))
