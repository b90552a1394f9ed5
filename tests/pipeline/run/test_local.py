"""The in-process executor's regrouping (pipeline/run/local.py, `_groups`): the groups a stable
sort of all rows would give, without copying all rows at once."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from weft.pipeline.run.local import _groups


def _h(*what: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(what).encode(), digest_size=8).digest(), "big")


def _tables(key_type: pa.DataType) -> list[pa.Table]:
    """Tables as an exchange's sources send them: keys in no order, repeated within and across
    tables, some null; an empty table and a table of several chunks among them."""
    tables = []
    for t in range(6):
        n = 0 if t == 2 else 40 + 13 * t
        keys = [None if _h("null", t, i) % 11 == 0 else _h("key", t, i) % 9 for i in range(n)]
        if key_type == pa.string():
            keys = [None if k is None else f"stem-p{k:07d}" for k in keys]
        tables.append(pa.table({"key": pa.array(keys, key_type), "row": pa.array([f"{t}:{i}" for i in range(n)], pa.string())}))
    tables[4] = pa.concat_tables([tables[4].slice(0, 10), tables[4].slice(10)])
    return tables


@pytest.mark.parametrize("key_type", [pa.int32(), pa.string()], ids=["partition", "stem"])
def test_groups_are_those_of_a_stable_sort_of_all_rows(key_type: pa.DataType) -> None:
    tables = _tables(key_type)
    everything = pa.concat_tables(tables)
    ordered = everything.take(pc.sort_indices(everything, sort_keys=[("key", "ascending")]))
    expected: list[list[str]] = []
    previous = object()
    for key, row in zip(ordered.column("key").to_pylist(), ordered.column("row").to_pylist()):
        if key != previous:
            expected.append([])
            previous = key
        expected[-1].append(row)
    groups = list(_groups(tables, "key"))
    assert [g.column("row").to_pylist() for g in groups] == expected
    assert all(len(set(g.column("key").to_pylist())) == 1 for g in groups)
    assert groups[-1].column("key")[0].as_py() is None  # nulls last, as the sort puts them
    assert tables == []  # consumed: each table is dropped once its sorted copy exists


def test_no_rows_no_groups() -> None:
    assert list(_groups([pa.table({"key": pa.array([], pa.int32())})], "key")) == []
