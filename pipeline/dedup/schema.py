"""The rows that near-duplicate removal exchanges and produces, one Arrow schema each.

=================  ==========================================================================
schema             columns
=================  ==========================================================================
`bucket_schema`    part int32, band int16, band_key uint64, node string,
                   signature fixed_size_list<uint32>[num_perm]
                   one row per (document, band): documents with equal (band, band_key) meet
`EDGE_SCHEMA`      lo string, hi string, changed bool
                   an undirected edge between two node keys, lo < hi; `changed` marks an edge a
                   component round made (the rounds stop when no edge is marked); after the
                   last round, lo is the representative of hi's cluster
`STAR_SCHEMA`      part int32, node string, other string
                   one half-edge of a component round, sent to `node`'s partition
`EXACT_SCHEMA`     part int32, key string, doc_id string, warc_date string
                   one document in an exact pass; documents with equal `key` meet
`DUPLICATE_SCHEMA` doc_id string, duplicate_of string, reason string
                   a document removed as a duplicate of the kept `duplicate_of`; `reason` is
                   one of `REASONS`
=================  ==========================================================================

Node keys are `keys.node_key` strings (capture time, then doc id). Every function that returns
one of these tables sorts it by its key columns, so the same input rows in any order, split
into any number of partitions, give the same bytes.
"""

from __future__ import annotations

import pyarrow as pa

from weft.filters.dedup import PASS_MINHASH, PASS_TEXT, PASS_URL, PASSES

# The pass names are the dedup rules' (filters/dedup.py), which decide from them.
REASON_URL, REASON_TEXT, REASON_MINHASH = PASS_URL, PASS_TEXT, PASS_MINHASH
REASONS = PASSES


def bucket_schema(num_perm: int) -> pa.Schema:
    return pa.schema([
        pa.field("part", pa.int32()),
        pa.field("band", pa.int16()),
        pa.field("band_key", pa.uint64()),
        pa.field("node", pa.string()),
        pa.field("signature", pa.list_(pa.uint32(), num_perm)),
    ])


EDGE_SCHEMA = pa.schema([pa.field("lo", pa.string()), pa.field("hi", pa.string()), pa.field("changed", pa.bool_())])
STAR_SCHEMA = pa.schema([pa.field("part", pa.int32()), pa.field("node", pa.string()), pa.field("other", pa.string())])
EXACT_SCHEMA = pa.schema([
    pa.field("part", pa.int32()), pa.field("key", pa.string()), pa.field("doc_id", pa.string()),
    pa.field("warc_date", pa.string()),
])
DUPLICATE_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string()), pa.field("duplicate_of", pa.string()), pa.field("reason", pa.string()),
])
