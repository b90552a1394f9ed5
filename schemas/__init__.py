"""The shard format: one module owns the schema, its version and the reader trainers use."""

from schemas.document import (
    SCHEMA_VERSION,
    DroppedSlot,
    Document,
    ImageSlot,
    Provenance,
    Segment,
    TextBlock,
    make_doc_id,
)
from schemas.arrow import (
    DOCUMENT_SCHEMA,
    document_to_row,
    documents_to_table,
    row_to_document,
    table_to_documents,
)
from schemas.webdataset import decode_sample, encode_sample
from schemas.reader import iter_documents, list_shards, read_obelics_table

__all__ = [
    "SCHEMA_VERSION",
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
]
