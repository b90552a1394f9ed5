"""The webdataset form of a `Document`: one sample per document, one tar member per part.

A sample with key `K` (the document's `doc_id`) is written as consecutive tar members:

    K.json        the shard row as UTF-8 JSON, without `image_bytes`, plus `schema_version`
    K.<i>.<ext>   the bytes of the document's i-th image (0-based among its images), only for
                  images that have bytes; `<ext>` comes from the image's `content_type`

webdataset splits a member name at the first dot of its base name, so `K.0.jpg` groups under key
`K` with the field `0.jpg`; its decoders look at the last extension, so `.decode("pil")` turns
`0.jpg` into an image. Keys are 32 lower-case hex digits: no dots, no slashes, nothing a tar tool
or a shell could misread, and the same document always gets the same key.

This module only turns documents into member payloads and back; `pipeline/write/shards.py` writes
them into tar files and `schemas/reader.py` reads tar files without webdataset.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from weft.schemas.arrow import check_schema_version, document_to_row, row_to_document
from weft.schemas.document import SCHEMA_VERSION, Document, ImageSlot

KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
"""What a sample key (a `doc_id`) must look like to be safe as a tar member stem."""

IMAGE_FIELD_PATTERN = re.compile(r"(0|[1-9][0-9]*)\.([a-z0-9]+)")
"""A sample field that holds image bytes: `<index>.<ext>`."""

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/pjpeg": "jpg",
    "image/png": "png",
    "image/apng": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/bmp": "bmp",
    "image/x-bmp": "bmp",
    "image/x-ms-bmp": "bmp",
    "image/tiff": "tiff",
    "image/x-icon": "ico",
    "image/vnd.microsoft.icon": "ico",
    "image/svg+xml": "svg",
}


def image_extension(content_type: str | None) -> str:
    """The file extension for an image of `content_type` (`bin` when unknown), so that tools that
    dispatch on extensions (webdataset decoders, file browsers) treat the bytes right."""
    if not content_type:
        return "bin"
    return _EXTENSIONS.get(content_type.split(";", 1)[0].strip().lower(), "bin")


def sample_key(doc: Document) -> str:
    """The sample key of `doc`; raises `ValueError` for an id that is not 32 lower-case hex digits,
    because any other id could split wrongly at a dot or escape the tar's top directory."""
    if not KEY_PATTERN.fullmatch(doc.doc_id):
        raise ValueError(f"doc_id {doc.doc_id!r} is not 32 lower-case hex digits (see schemas.document.make_doc_id)")
    return doc.doc_id


def encode_sample(doc: Document) -> dict[str, bytes]:
    """The fields of `doc`'s sample and their exact member payloads: `{"json": ..., "0.jpg": ...}`.

    Members are named `<sample_key(doc)>.<field>`, written in this dict's order (`json` first,
    then the images in order). The key is not a field, so the dict stays `str -> bytes`; to write
    with webdataset's own `TarWriter`, pass `{"__key__": sample_key(doc), **encode_sample(doc)}`.
    The JSON is the shard row minus `image_bytes`, so code that handles a Parquet row handles the
    JSON unchanged.
    """
    sample_key(doc)  # validate the id before anything is encoded
    row = document_to_row(doc)
    del row["image_bytes"]
    row["schema_version"] = SCHEMA_VERSION
    sample: dict[str, bytes] = {"json": json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")}
    index = 0
    for seg in doc.segments:
        if isinstance(seg, ImageSlot):
            if seg.content is not None:
                sample[f"{index}.{image_extension(seg.content_type)}"] = bytes(seg.content)
            index += 1
    return sample


def decode_sample(sample: Mapping[str, Any]) -> Document:
    """The `Document` of a sample read back from a tar, by webdataset or `schemas.reader`.

    Accepts raw `bytes` fields (or a `json` already parsed by a webdataset decoder); image fields
    must still be bytes, since decoded pixels cannot give back the original file. Fields this
    version does not know are ignored, so samples of a later minor version still read.
    """
    raw = sample.get("json")
    if raw is None:
        raise ValueError(f"sample {sample.get('__key__')!r} has no json field")
    row = dict(raw) if isinstance(raw, Mapping) else json.loads(raw)
    check_schema_version(row.get("schema_version"), what=f"sample {row.get('doc_id')!r}")
    key = sample.get("__key__")
    if isinstance(key, bytes):
        key = key.decode("utf-8")
    if key is not None and key != row["doc_id"]:
        raise ValueError(f"sample key {key!r} does not match its doc_id {row['doc_id']!r}")
    positions = [i for i, slot in enumerate(row["slots"]) if slot is not None]
    image_bytes: list[bytes | None] = [None] * len(row["slots"])
    found = False
    for name, value in sample.items():
        match = IMAGE_FIELD_PATTERN.fullmatch(name)
        if match is None:
            continue
        index = int(match.group(1))
        if index >= len(positions):
            raise ValueError(f"sample {row['doc_id']}: field {name} but the document has {len(positions)} images")
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"sample {row['doc_id']}: field {name} is {type(value).__name__}, not bytes "
                "(read the shard without image decoding to get the original files)"
            )
        if image_bytes[positions[index]] is not None:
            raise ValueError(f"sample {row['doc_id']}: two fields hold image {index}")
        image_bytes[positions[index]] = bytes(value)
        found = True
    row["image_bytes"] = image_bytes if found else None
    return row_to_document(row)
