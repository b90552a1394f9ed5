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

__all__ = [
    "SCHEMA_VERSION",
    "DroppedSlot",
    "Document",
    "ImageSlot",
    "Provenance",
    "Segment",
    "TextBlock",
    "make_doc_id",
]
