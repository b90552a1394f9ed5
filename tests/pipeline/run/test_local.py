"""The in-process executor's regrouping (pipeline/run/local.py): `_groups` gives the groups a
stable sort of all rows would give, without copying all rows at once; `_StepRows` gives the same
groups from rows spilled to disk; a job whose exchanges spill writes the same bytes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from weft.jobs.spec import load_job
from weft.pipeline.run import local
from weft.pipeline.run.local import _groups, _StepRows
from tests.helpers import job, job_outputs, run_inline


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


def _rows(groups) -> dict:
    return {g.column("key")[0].as_py(): g.column("row").to_pylist() for g in groups}


@pytest.mark.parametrize("key_type", [pa.int32(), pa.string()], ids=["partition", "stem"])
def test_spilled_rows_give_the_same_groups(key_type: pa.DataType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _rows(_groups(_tables(key_type), "key"))
    monkeypatch.setattr(local, "SPILL_BYTES", 1000)  # the second table already spills
    rows = _StepRows("key", tmp_path / "spill")
    for table in _tables(key_type):
        rows.add(table)
    assert rows.spilled and 1 < len(list((tmp_path / "spill").iterdir())) <= local.SPILL_BUCKETS
    groups = list(rows.groups())
    assert _rows(groups) == expected  # each key once, its rows in the order they were added
    assert len(groups) == len(expected) and groups[-1].column("key")[0].as_py() is None  # nulls last
    assert list((tmp_path / "spill").iterdir()) == []  # each file is removed once regrouped


def test_rows_under_the_limit_stay_in_memory(tmp_path: Path) -> None:
    rows = _StepRows("key", tmp_path / "spill")
    for table in _tables(pa.int32()):
        rows.add(table)
    assert not rows.spilled and not (tmp_path / "spill").exists()
    assert _rows(rows.groups()) == _rows(_groups(_tables(pa.int32()), "key"))


def test_a_job_whose_exchanges_spill_writes_the_same_bytes(shared_data: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Dedup's three exchanges and the image exchange, every step spilled, on real WARCs."""
    inputs = [shared_data / p for p in ("warc/other/nodewarc_books.toscrape.warc", "warc/other/ukwa_wikipedia-mona-lisa.warc.gz",
                                        "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz", "warc/other/ipwb_ARCHIVEIT-2698-sample-1.warc.gz")]
    sections = {"read": {"pages_per_chunk": 9}, "images": {"resolve": True, "download": False, "urls_per_shard": 20}}
    rules = load_job("obelics_like").filters
    run_inline(replace(job(tmp_path / "held", *inputs, **sections), filters=rules))
    monkeypatch.setattr(local, "SPILL_BYTES", 0)
    spilled: list[Path] = []
    original = _StepRows.groups
    monkeypatch.setattr(_StepRows, "groups", lambda self: (spilled.append(self.directory) if self.spilled else None) or original(self))
    run_inline(replace(job(tmp_path / "spilled", *inputs, **sections), filters=rules))
    assert len(spilled) >= 6  # dedup keys, the rounds, dedup assign's regroups, the image exchange's
    held, spill = job_outputs(tmp_path / "held"), job_outputs(tmp_path / "spilled")
    assert sorted(held) == sorted(spill) and any(name.startswith("_dedup/") for name in held)
    for name in held:
        assert held[name] == spill[name], name
    assert not (tmp_path / "spilled" / "_work" / "spill").exists()
