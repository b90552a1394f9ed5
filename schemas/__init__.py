"""The shard format: one module owns the schema, its version and the readers trainers use."""

from weft.schemas.document import (
    SCHEMA_VERSION,
    DedupInfo,
    DroppedSlot,
    Document,
    ImageSlot,
    Provenance,
    Segment,
    TextBlock,
    make_doc_id,
)
from weft.schemas.arrow import (
    DOCUMENT_SCHEMA,
    document_to_row,
    documents_to_table,
    row_to_document,
    table_to_documents,
)
from weft.schemas.webdataset import decode_sample, encode_sample
from weft.schemas.reader import iter_documents, list_shards, read_obelics_table
from weft.schemas.stream import Partition, Position, Shard, ShardSet, Shuffle, stream_documents

__all__ = [
    "SCHEMA_VERSION",
    "DedupInfo",
    "DroppedSlot",
    "Document",
    "ImageSlot",
    "Provenance",
    "Segment",
    "TextBlock",
    "make_doc_id",
    "DOCUMENT_SCHEMA",
    "document_to_row",
    "documents_to_table",
    "row_to_document",
    "table_to_documents",
    "decode_sample",
    "encode_sample",
    "iter_documents",
    "list_shards",
    "read_obelics_table",
    "Partition",
    "Position",
    "Shard",
    "ShardSet",
    "Shuffle",
    "stream_documents",
]
