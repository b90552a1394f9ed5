"""The exact passes (pipeline/dedup/exact.py): same URL keeps the latest capture, same normalised
text keeps the earliest; neither depends on row order or partitions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from weft.pipeline.dedup.exact import exact_rows, text_duplicates, url_duplicates, url_key
from weft.pipeline.dedup.schema import DUPLICATE_SCHEMA, EXACT_SCHEMA
from weft.pipeline.dedup.text import normalise, text_hash


def _run(reduce, keys: list[str], ids: list[str], dates: list[str | None], parts: int) -> pa.Table:
    rows = exact_rows(keys, ids, dates, parts)
    assert rows.schema == EXACT_SCHEMA
    out = pa.concat_tables([reduce(rows.filter(pc.equal(rows.column("part"), p))) for p in range(parts)])
    assert out.schema == DUPLICATE_SCHEMA
    return out.sort_by("doc_id")


def test_captures_of_one_url_keep_the_latest() -> None:
    urls = ["http://Example.com/a?x=1", "http://example.com:80/a?x=1#top", "HTTP://EXAMPLE.COM/a?x=1",
            "http://example.com/a?x=1", "https://example.com/a?x=1", "http://example.com/b"]
    ids = ["id1", "id2", "id3", "id4", "id5", "id6"]
    dates = ["2020-01-01T00:00:00Z", "2023-06-01T00:00:00Z", "2023-06-01T00:00:00Z", None, "2024-01-01T00:00:00Z",
             "2019-01-01T00:00:00Z"]
    assert len({url_key(u) for u in urls[:4]}) == 1 and url_key(urls[4]) != url_key(urls[0])
    out = _run(url_duplicates, [url_key(u) for u in urls], ids, dates, parts=3)
    # id2 and id3 are the latest (a tie: the smaller id wins); the undated id4 loses; https and /b stand alone.
    assert out.to_pylist() == [
        {"doc_id": i, "duplicate_of": "id2", "reason": "url"} for i in ("id1", "id3", "id4")
    ]


def test_equal_texts_keep_the_earliest_capture(pages: dict[str, str]) -> None:
    base = pages["lemonde-1"]
    texts = [base, base.upper(), base.replace(",", " ;"), pages["folha"], pages["folha"] + " fin", base]
    ids = ["d0", "d1", "d2", "d3", "d4", "d5"]
    dates = ["2022-03-01T00:00:00Z", "2021-03-01T00:00:00Z", "2021-03-01T00:00:00Z", "2020-01-01T00:00:00Z",
             "2019-01-01T00:00:00Z", ""]
    keys = [text_hash(normalise(t)) for t in texts]
    assert len(set(keys)) == 3
    out = _run(text_duplicates, keys, ids, dates, parts=2)
    assert out.to_pylist() == [
        {"doc_id": i, "duplicate_of": "d1", "reason": "text"} for i in ("d0", "d2", "d5")
    ]


def test_exact_passes_do_not_depend_on_row_order_or_partitions() -> None:
    n = 300
    keys = [f"k{i % 37}" for i in range(n)]
    ids = [f"{(i * 7919) % 1000:04d}" for i in range(n)]
    dates = [f"2020-01-{1 + (i * 13) % 28:02d}T00:00:00Z" if i % 11 else None for i in range(n)]
    for reduce in (url_duplicates, text_duplicates):
        reference = _run(reduce, keys, ids, dates, parts=1)
        assert reference.num_rows == n - 37
        for parts in (4, 9):
            assert _run(reduce, keys[::-1], ids[::-1], dates[::-1], parts).equals(reference)
