"""Connected components by star rounds (pipeline/dedup/components.py) against union-find, and the
representative rule of node keys (pipeline/dedup/keys.py)."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest

from weft.pipeline.dedup.components import (
    LARGE, SMALL, changes, components_by_rounds, components_in_memory, duplicates, edge_table, local_stars, star_reduce,
    star_rows,
)
from weft.pipeline.dedup.keys import UNDATED, capture_time, doc_id_of, node_key
from weft.pipeline.dedup.schema import DUPLICATE_SCHEMA, EDGE_SCHEMA, STAR_SCHEMA


def _k(i: int) -> str:
    return f"{i:06d}"


def _h(*what: object) -> int:
    """A number from a hash (no RNG state) for building graphs."""
    return int.from_bytes(hashlib.blake2b(repr(what).encode(), digest_size=8).digest(), "big")


def _shuffled(n: int, salt: str) -> list[int]:
    return sorted(range(n), key=lambda i: _h(salt, i))


def _graphs() -> dict[str, list[tuple[str, str]]]:
    n = 1500
    perm = _shuffled(n, "perm")
    return {
        "sorted path": [(_k(i), _k(i + 1)) for i in range(n - 1)],
        "reversed path": [(_k(i + 1), _k(i)) for i in reversed(range(n - 1))],
        "shuffled path": [(_k(perm[i]), _k(perm[i + 1])) for i in range(n - 1)],
        "star, centre largest": [(_k(n), _k(i)) for i in range(n)],
        "star, centre smallest": [(_k(0), _k(i)) for i in range(1, n)],
        "clique": [(_k(i), _k(j)) for i in range(40) for j in range(i + 1, 40)],
        "many small components": [(_k(3 * i + a), _k(3 * i + b)) for i in range(400) for a, b in ((0, 1), (2, 1))],
        "shuffled binary tree": [(_k(perm[i]), _k(perm[(i - 1) // 2])) for i in range(1, n)],
        "random sparse": [(_k(_h("a", i) % n), _k(_h("b", i) % n)) for i in range(n)],
        "two combs and pairs": [(_k(i), _k(i + 1)) for i in range(0, 300, 2)] + [(_k(i), _k(i + 2)) for i in range(0, 298, 2)]
                               + [(_k(1000 + i), _k(1000 + (i * 7) % 200)) for i in range(200)],
    }


GRAPHS = _graphs()


@pytest.mark.parametrize("name", list(GRAPHS))
def test_star_rounds_find_the_components_union_find_finds(name: str) -> None:
    pairs = GRAPHS[name]
    expected = {node: root for node, root in components_in_memory(pairs).items() if node != root}
    results = []
    for parts in (1, 3, 8):
        out, rounds = components_by_rounds(edge_table(pairs), parts)
        assert out.schema == EDGE_SCHEMA
        assert dict(zip(out.column("hi").to_pylist(), out.column("lo").to_pylist())) == expected
        assert out.num_rows == len(expected)  # a star per component, each member once
        assert rounds % 2 == 0 and rounds <= 40
        results.append(out)
    assert results[0].equals(results[1]) and results[1].equals(results[2])


def test_a_round_does_not_depend_on_the_order_of_its_rows() -> None:
    pairs = GRAPHS["random sparse"]
    for step in (LARGE, SMALL):
        rows = star_rows(edge_table(pairs), step, parts=1)
        assert rows.schema == STAR_SCHEMA
        order = pa.array(_shuffled(rows.num_rows, step))
        doubled = pa.concat_tables([rows.take(order), rows])  # repeated half-edges too
        assert star_reduce(doubled, step).equals(star_reduce(rows, step))


def test_changes_mark_exactly_the_rounds_that_move_edges() -> None:
    star = edge_table([(_k(0), _k(i)) for i in range(1, 6)])
    for step in (LARGE, SMALL):
        out = star_reduce(star_rows(star, step, 1), step)
        assert changes(out) == 0 and out.select(["lo", "hi"]).equals(star.select(["lo", "hi"]))
    path = edge_table([(_k(0), _k(1)), (_k(1), _k(2))])
    assert changes(star_reduce(star_rows(path, LARGE, 1), LARGE)) == 1  # 1-2 becomes 0-2
    # Two centres sharing a leaf: large-star is quiet, small-star is not.
    two = edge_table([(_k(0), _k(2)), (_k(1), _k(2))])
    assert changes(star_reduce(star_rows(two, LARGE, 1), LARGE)) == 0
    assert changes(star_reduce(star_rows(two, SMALL, 1), SMALL)) > 0


def test_local_stars_keep_the_components() -> None:
    pairs = GRAPHS["shuffled binary tree"] + GRAPHS["many small components"]
    stars = local_stars(pairs)
    assert components_in_memory(stars) == components_in_memory(pairs)
    roots = components_in_memory(pairs)
    assert stars.num_rows == len(roots) - len(set(roots.values()))
    assert local_stars(stars).equals(stars)


def test_the_representative_is_the_earliest_capture_then_the_smallest_doc_id() -> None:
    docs = [
        ("2021-05-01T10:00:00Z", "c" * 32),
        ("2021-05-01T10:00:00.5Z", "0" * 32),  # half a second later: fractions sort by time, not as text
        ("2021-05-01T10:00:00Z", "a" * 32),  # same time as the first, smaller id
        ("20210501095959", "f" * 32),  # ARC-style date, one second earlier than the first
        ("", "1" * 32),  # undated: never the representative
        ("2021-05-01T12:00:00+02:00", "e" * 32),  # the same instant as 10:00Z
    ]
    nodes = [node_key(d, i) for d, i in docs]
    pairs = [(nodes[0], nodes[i]) for i in range(1, len(nodes))]
    out, _ = components_by_rounds(edge_table(pairs), 2)
    assert set(out.column("lo").to_pylist()) == {nodes[3]}
    order = sorted(range(len(docs)), key=lambda i: nodes[i])
    assert order == [3, 2, 0, 5, 1, 4]
    assert nodes[4].startswith(UNDATED) and capture_time("not a date") is None
    assert capture_time("2021-05-01T10:00:00.5Z") - capture_time("2021-05-01T10:00:00Z") == 500_000
    assert [doc_id_of(n) for n in nodes] == [i for _, i in docs]
    removed = duplicates(out)
    assert removed.schema == DUPLICATE_SCHEMA
    assert removed.column("doc_id").to_pylist() == sorted(i for j, (_, i) in enumerate(docs) if j != 3)
    assert set(removed.column("duplicate_of").to_pylist()) == {"f" * 32}
    assert set(removed.column("reason").to_pylist()) == {"minhash"}


def test_no_edges_no_rounds() -> None:
    out, rounds = components_by_rounds(EDGE_SCHEMA.empty_table(), 4)
    assert out.num_rows == 0 and rounds == 0
    assert star_reduce(star_rows(EDGE_SCHEMA.empty_table(), LARGE, 2), LARGE).num_rows == 0
    assert edge_table([("a", "a")]).num_rows == 0


@pytest.mark.parametrize(("pairs", "rounds"), [
    ([("0", "1"), ("0", "2")], 2),  # already a star: one quiet pair of rounds
    ([("0", "2"), ("1", "2")], 4),  # small-star moves 1-2 to 0-1, then a quiet pair
    ([("0", "1"), ("1", "2")], 4),  # large-star moves 1-2 to 0-2, then a quiet pair
])
def test_the_rounds_stop_at_the_first_quiet_pair_and_the_result_is_a_fixed_point(pairs: list[tuple[str, str]], rounds: int) -> None:
    out, ran = components_by_rounds(edge_table(pairs), 2)
    assert ran == rounds
    assert out.select(["lo", "hi"]).to_pylist() == [{"lo": "0", "hi": "1"}, {"lo": "0", "hi": "2"}]
    for step in (LARGE, SMALL):
        again = star_reduce(star_rows(out, step, 1), step)
        assert changes(again) == 0 and again.equals(out)
