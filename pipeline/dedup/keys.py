"""Node keys: one string per document whose sort order is the order of preference.

Deduplication keeps, from every cluster, the earliest capture (WARC-Date), then the smallest
document id. Encoding both in one string, `node_key = 16 hex digits of the capture time +
doc_id`, makes "the representative" simply "the smallest key" everywhere: in a bucket, in a
connected-components round (the minimum label is the representative) and in the final
clusters. The time is fixed width, so comparing keys compares times first, then doc ids.

WARC-Date is written several ways (`2020-08-08T17:43:01Z`, with fractions of a second in WARC
1.1, `20080430204825` in ARC files; as strings those do not sort by time), so it is parsed to
microseconds since 0001-01-01 UTC. A record without a usable date sorts after every dated one
(`UNDATED`): an undated capture never wins over a dated one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Iterable

import numpy as np
import pyarrow as pa

UNDATED = "f" * 16
"""The time part of the key of a record without a usable WARC-Date."""
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def capture_time(warc_date: str | None) -> int | None:
    """Microseconds since 0001-01-01 UTC of a WARC-Date (ISO 8601, or the 14 digits of an ARC
    header; a date without a zone is UTC), or None when it is missing or not a date."""
    if not warc_date:
        return None
    text = warc_date.strip()
    try:
        if len(text) == 14 and text.isdigit():
            moment = datetime.strptime(text, "%Y%m%d%H%M%S")
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def node_key(warc_date: str | None, doc_id: str) -> str:
    """The key that stands for a document in buckets and components (module docstring)."""
    micros = capture_time(warc_date)
    return (UNDATED if micros is None else f"{micros:016x}") + doc_id


def node_keys(warc_dates: Iterable[str | None], doc_ids: Iterable[str]) -> pa.Array:
    """`node_key` of aligned columns, as an Arrow string array."""
    return pa.array([node_key(d, i) for d, i in zip(warc_dates, doc_ids)], pa.string())


def doc_id_of(node: str) -> str:
    """The document id inside a node key."""
    return node[16:]


def partition_of(values: Iterable[str], parts: int) -> pa.Array:
    """The exchange partition of each string key: BLAKE2b-64 (big-endian) modulo `parts`, the same
    on every machine and run (Python's `hash` is salted per process)."""
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(v.encode("utf-8", "surrogatepass"), digest_size=8).digest() for v in values])
    hashed = np.frombuffer(digests, dtype=">u8")
    return pa.array((hashed % np.uint64(parts)).astype(np.int32), pa.int32())
