"""The exact passes, run before MinHash because they are cheap and take the bulk of duplicates.

- Same URL: a crawl revisits pages, and the latest capture is the page as it is now (OBELICS
  kept the latest too). URLs meet by `url_key`, weft's canonical form of a URL (scheme and host
  lower-cased, default port and fragment dropped, `pipeline.net.urls.canonical_url`); `http`
  and `https`, or `www.` and the bare host, stay different pages.
- Same text: pages whose normalised texts are equal (`text.text_hash`) are one document,
  wherever they were published; the earliest capture is kept, as in the near-duplicate pass.

Both are one exchange: each document sends (key, doc_id, warc_date) to `partition_of(key)`
(`exact_rows`) and a reduce over one partition decides for every key in it (`url_duplicates`,
`text_duplicates`). Ties on the capture time go to the smaller doc id; a capture without a usable
WARC-Date loses to any dated one (`keys.capture_time`). The result does not depend on the order
of the rows or on how keys were spread over partitions.
"""

from __future__ import annotations

from typing import Callable, Iterable

import pyarrow as pa

from weft.pipeline.dedup.keys import capture_time, partition_of
from weft.pipeline.dedup.schema import DUPLICATE_SCHEMA, EXACT_SCHEMA, REASON_TEXT, REASON_URL
from weft.pipeline.net.urls import canonical_url

_NEVER = 1 << 62
"""Stands in for the capture time of an undated record, later than any real date."""


def url_key(url: str) -> str:
    """The key under which captures of one page meet."""
    return canonical_url(url)


def exact_rows(keys: Iterable[str], doc_ids: Iterable[str], warc_dates: Iterable[str | None], parts: int) -> pa.Table:
    """The map side of an exact pass (EXACT_SCHEMA): one row per document, partitioned by key."""
    keys = list(keys)
    return pa.table({
        "part": partition_of(keys, parts),
        "key": pa.array(keys, pa.string()),
        "doc_id": pa.array(list(doc_ids), pa.string()),
        "warc_date": pa.array(list(warc_dates), pa.string()),
    }, schema=EXACT_SCHEMA)


def url_duplicates(rows: pa.Table) -> pa.Table:
    """Every capture of a URL but the latest (DUPLICATE_SCHEMA, reason `url`)."""

    def latest(doc_id: str, warc_date: str | None) -> tuple[int, str]:
        micros = capture_time(warc_date)
        return (-micros if micros is not None else _NEVER, doc_id)

    return _duplicates(rows, latest, REASON_URL)


def text_duplicates(rows: pa.Table) -> pa.Table:
    """Every document with the text of an earlier capture (DUPLICATE_SCHEMA, reason `text`)."""

    def earliest(doc_id: str, warc_date: str | None) -> tuple[int, str]:
        micros = capture_time(warc_date)
        return (micros if micros is not None else _NEVER, doc_id)

    return _duplicates(rows, earliest, REASON_TEXT)


def _duplicates(rows: pa.Table, rank: Callable[[str, str | None], tuple[int, str]], reason: str) -> pa.Table:
    """For each key of one partition's rows, every document but the one of smallest `rank`."""
    best: dict[str, tuple[tuple[int, str], str]] = {}
    members: dict[str, set[str]] = {}
    for key, doc_id, warc_date in zip(rows.column("key").to_pylist(), rows.column("doc_id").to_pylist(),
                                      rows.column("warc_date").to_pylist()):
        score = rank(doc_id, warc_date)
        members.setdefault(key, set()).add(doc_id)
        if key not in best or score < best[key][0]:
            best[key] = (score, doc_id)
    dropped = sorted((doc_id, best[key][1]) for key, ids in members.items() for doc_id in ids if doc_id != best[key][1])
    return pa.table({
        "doc_id": pa.array([d for d, _ in dropped], pa.string()),
        "duplicate_of": pa.array([k for _, k in dropped], pa.string()),
        "reason": pa.array([reason] * len(dropped), pa.string()),
    }, schema=DUPLICATE_SCHEMA)
