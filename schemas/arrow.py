"""The Arrow form of a `Document`: one row per document, the same row in every shard and between stages.

A row is a plain `dict` whose values are `str`, `int`, `bytes`, `None`, lists and dicts, so Ray Data
blocks, Parquet shards and webdataset JSON all carry exactly the same thing and nothing on the hot
path needs pandas. The two aligned lists `texts`/`images` (plus the JSON strings `metadata` and
`general_metadata`) make a row readable by code written for OBELICS; the typed columns next to
them keep everything weft knows, so `row_to_document(document_to_row(doc)) == doc` holds exactly,
image bytes included.

Columns of `DOCUMENT_SCHEMA` (schema version 1.2; "always" = weft never writes null there; every
field is declared nullable so partial rows, e.g. a dropped page that only keeps its ids, still
fit the schema):

===================  =====================================  ===========================================
column               type                                   meaning
===================  =====================================  ===========================================
doc_id               string (always)                        32 lower-case hex digits, `make_doc_id`
url                  string (always)                        the page URL (WARC-Target-URI)
title                string                                 `<title>` text, or null
html_lang            string                                 `<html lang>` as written, or null
texts                list<string> (always)                  segment i's text, null where i is an image
images               list<string> (always)                  segment i's image URL, null where i is text
metadata             string (always)                        OBELICS JSON list aligned with texts/images
general_metadata     string (always)                        OBELICS JSON object: url + WARC location
provenance           struct (always)                        every `Provenance` field, see below
slots                list<struct> (always)                  segment i's `ImageSlot` minus bytes, null at text
dropped_slots        list<struct> (always)                  images the page showed but weft did not keep
image_bytes          list<binary>                           segment i's image bytes, null at text or when
                                                            absent; the whole value null when the
                                                            document has no image bytes at all
links                int32                                  `<a href>` links in the kept content (1.1)
filter_scores        string (JSON)                          what each filter rule measured (1.1)
text_hash            string                                 hash of the normalised text, when the job
                                                            dedups (1.2)
minhash              list<uint32>                           MinHash signature, when the job signs (1.2)
cluster_id           string                                 doc_id of the kept document of its
                                                            duplicate cluster (its own id) (1.2)
cluster_size         int32                                  documents in that cluster, itself included (1.2)
===================  =====================================  ===========================================

`provenance`: struct<warc_file, warc_record_offset int64, warc_record_length int64, warc_record_id,
warc_date, target_uri, http_content_type, charset, charset_source> (strings unless noted).

`slots` element: struct<url, raw_value, source_attr, alt, title, declared_width int32,
declared_height int32, content_type, info, fetch> (`info` and `fetch` since 1.1).

`dropped_slots` element: struct<position int32, raw_value, source_attr, url, reason, alt, info,
fetch>.

`info`: struct<width int32, height int32, format, mode, frames int32, sha256, phash,
colour_spread int32, dominant_fraction float64, grayscale bool, opaque_fraction float64>, null
until the image stage decoded the bytes. `fetch`: struct<source, status, http_status int32,
bytes int64, elapsed_ms float64, error>, null until the image stage ran.

The schema carries `weft.schema_version` in its metadata; `schemas/SPEC.md` is the trainer-facing
description and must change together with this module.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from weft.schemas.document import (
    SCHEMA_VERSION,
    DedupInfo,
    Document,
    DroppedSlot,
    FetchResult,
    ImageInfo,
    ImageSlot,
    Provenance,
    Segment,
    TextBlock,
)

SCHEMA_VERSION_KEY = "weft.schema_version"
"""The key under which Parquet/Arrow schema metadata records the format version."""

PROVENANCE_TYPE = pa.struct(
    [
        pa.field("warc_file", pa.string()),
        pa.field("warc_record_offset", pa.int64()),
        pa.field("warc_record_length", pa.int64()),
        pa.field("warc_record_id", pa.string()),
        pa.field("warc_date", pa.string()),
        pa.field("target_uri", pa.string()),
        pa.field("http_content_type", pa.string()),
        pa.field("charset", pa.string()),
        pa.field("charset_source", pa.string()),
    ]
)

IMAGE_INFO_TYPE = pa.struct(
    [
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("format", pa.string()),
        pa.field("mode", pa.string()),
        pa.field("frames", pa.int32()),
        pa.field("sha256", pa.string()),
        pa.field("phash", pa.string()),
        pa.field("colour_spread", pa.int32()),
        pa.field("dominant_fraction", pa.float64()),
        pa.field("grayscale", pa.bool_()),
        pa.field("opaque_fraction", pa.float64()),
    ]
)

FETCH_TYPE = pa.struct(
    [
        pa.field("source", pa.string()),
        pa.field("status", pa.string()),
        pa.field("http_status", pa.int32()),
        pa.field("bytes", pa.int64()),
        pa.field("elapsed_ms", pa.float64()),
        pa.field("error", pa.string()),
    ]
)

_INFO_FIELDS = tuple(f.name for f in IMAGE_INFO_TYPE)
_FETCH_FIELDS = tuple(f.name for f in FETCH_TYPE)

SLOT_TYPE = pa.struct(
    [
        pa.field("url", pa.string()),
        pa.field("raw_value", pa.string()),
        pa.field("source_attr", pa.string()),
        pa.field("alt", pa.string()),
        pa.field("title", pa.string()),
        pa.field("declared_width", pa.int32()),
        pa.field("declared_height", pa.int32()),
        pa.field("content_type", pa.string()),
        pa.field("info", IMAGE_INFO_TYPE),
        pa.field("fetch", FETCH_TYPE),
    ]
)

DROPPED_SLOT_TYPE = pa.struct(
    [
        pa.field("position", pa.int32()),
        pa.field("raw_value", pa.string()),
        pa.field("source_attr", pa.string()),
        pa.field("url", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("alt", pa.string()),
        pa.field("info", IMAGE_INFO_TYPE),
        pa.field("fetch", FETCH_TYPE),
    ]
)


def _list_of(item: pa.DataType) -> pa.DataType:
    """A list whose item field is named `element`, as Parquet names it, so a table read back from
    a shard has exactly `DOCUMENT_SCHEMA` (Arrow's default name `item` would come back changed)."""
    return pa.list_(pa.field("element", item))


DOCUMENT_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("doc_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("html_lang", pa.string()),
        pa.field("texts", _list_of(pa.string())),
        pa.field("images", _list_of(pa.string())),
        pa.field("metadata", pa.string()),
        pa.field("general_metadata", pa.string()),
        pa.field("provenance", PROVENANCE_TYPE),
        pa.field("slots", _list_of(SLOT_TYPE)),
        pa.field("dropped_slots", _list_of(DROPPED_SLOT_TYPE)),
        pa.field("image_bytes", _list_of(pa.binary())),
        pa.field("links", pa.int32()),
        pa.field("filter_scores", pa.string()),
        pa.field("text_hash", pa.string()),
        pa.field("minhash", _list_of(pa.uint32())),
        pa.field("cluster_id", pa.string()),
        pa.field("cluster_size", pa.int32()),
    ],
    metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION},
)
"""One row per document; see the module docstring for the column table."""

OBELICS_COLUMNS = ("images", "metadata", "general_metadata", "texts")
"""The four columns that make a row readable by code written for the OBELICS dataset."""

_PROVENANCE_FIELDS = tuple(f.name for f in PROVENANCE_TYPE)


def document_to_row(doc: Document, *, derived: bool = True) -> dict[str, Any]:
    """The shard row of `doc`: a plain dict matching `DOCUMENT_SCHEMA`, cheap enough to build per
    document between stages (one pass over the segments, no Arrow calls).

    With `derived=False` the OBELICS columns made from the other fields, `metadata` and
    `general_metadata`, are null: `row_to_document` never reads them, so a row that only carries
    a document to a later stage of the job (a chunk staged at a barrier) need not pay for them
    (each image's metadata parses its URL: a third of the cost of staging a chunk)."""
    n = len(doc.segments)
    texts: list[str | None] = [None] * n
    images: list[str | None] = [None] * n
    slots: list[dict[str, Any] | None] = [None] * n
    meta: list[dict[str, Any] | None] = [None] * n
    image_bytes: list[bytes | None] = [None] * n
    any_bytes = False
    for i, seg in enumerate(doc.segments):
        if isinstance(seg, TextBlock):
            texts[i] = seg.text
        elif isinstance(seg, ImageSlot):
            images[i] = seg.url
            slots[i] = {
                "url": seg.url,
                "raw_value": seg.raw_value,
                "source_attr": seg.source_attr,
                "alt": seg.alt,
                "title": seg.title,
                "declared_width": seg.declared_width,
                "declared_height": seg.declared_height,
                "content_type": seg.content_type,
                "info": info_dict(seg.info),
                "fetch": fetch_dict(seg.fetch),
            }
            if derived:
                meta[i] = _obelics_image_metadata(doc.url, seg)
            if seg.content is not None:
                image_bytes[i] = seg.content
                any_bytes = True
        else:
            raise TypeError(f"document {doc.doc_id}: segment {i} is a {type(seg).__name__}, not a TextBlock or ImageSlot")
    prov = doc.provenance
    dedup = doc.dedup
    return {
        "doc_id": doc.doc_id,
        "url": doc.url,
        "title": doc.title,
        "html_lang": doc.html_lang,
        "texts": texts,
        "images": images,
        "metadata": json.dumps(meta, ensure_ascii=False) if derived else None,
        "general_metadata": json.dumps(
            {
                "url": doc.url,
                "warc_filename": obelics_warc_filename(prov.warc_file),
                "warc_record_offset": prov.warc_record_offset,
                "warc_record_length": prov.warc_record_length,
            },
            ensure_ascii=False,
        ) if derived else None,
        "provenance": provenance_to_dict(prov),
        "slots": slots,
        "dropped_slots": [
            {
                "position": d.position,
                "raw_value": d.raw_value,
                "source_attr": d.source_attr,
                "url": d.url,
                "reason": d.reason,
                "alt": d.alt,
                "info": info_dict(d.info),
                "fetch": fetch_dict(d.fetch),
            }
            for d in doc.dropped_slots
        ],
        "image_bytes": image_bytes if any_bytes else None,
        "links": doc.links,
        "filter_scores": json.dumps(doc.filter_scores, ensure_ascii=False, sort_keys=True) if doc.filter_scores else None,
        "text_hash": dedup.text_hash if dedup is not None else None,
        "minhash": dedup.minhash if dedup is not None else None,
        "cluster_id": dedup.cluster_id if dedup is not None else None,
        "cluster_size": dedup.cluster_size if dedup is not None else None,
    }


def info_dict(info: ImageInfo | None) -> dict[str, Any] | None:
    return None if info is None else {name: getattr(info, name) for name in _INFO_FIELDS}


def fetch_dict(fetch: FetchResult | None) -> dict[str, Any] | None:
    return None if fetch is None else {name: getattr(fetch, name) for name in _FETCH_FIELDS}


def _info(value: dict[str, Any] | None) -> ImageInfo | None:
    return None if value is None else ImageInfo(**value)


def _fetch(value: dict[str, Any] | None) -> FetchResult | None:
    return None if value is None else FetchResult(**value)


def row_to_document(row: dict[str, Any]) -> Document:
    """The `Document` a row holds, exactly as `document_to_row` received it.

    Keys the schema does not name (a stage's bookkeeping columns, or fields a later minor version
    adds) are ignored; `metadata`/`general_metadata` are derived data and are not read back. A row
    whose aligned lists disagree raises `ValueError`, since guessing would misplace text or images.
    """
    doc_id = row["doc_id"]
    texts = row["texts"]
    slots = row["slots"]
    if texts is None or slots is None:
        raise ValueError(f"row {doc_id}: texts and slots must be lists, got {type(texts).__name__}/{type(slots).__name__}")
    n = len(texts)
    image_bytes = row.get("image_bytes")
    if len(slots) != n or (image_bytes is not None and len(image_bytes) != n):
        raise ValueError(f"row {doc_id}: texts, slots and image_bytes have different lengths")
    segments: list[Segment] = []
    for i in range(n):
        text, slot = texts[i], slots[i]
        if (text is None) == (slot is None):
            raise ValueError(f"row {doc_id}: position {i} must hold exactly one of a text and an image slot")
        if slot is None:
            if image_bytes is not None and image_bytes[i] is not None:
                raise ValueError(f"row {doc_id}: position {i} is text but has image bytes")
            segments.append(TextBlock(text))
        else:
            segments.append(
                ImageSlot(
                    url=slot["url"],
                    raw_value=slot["raw_value"],
                    source_attr=slot["source_attr"],
                    alt=slot["alt"],
                    title=slot["title"],
                    declared_width=slot["declared_width"],
                    declared_height=slot["declared_height"],
                    content=image_bytes[i] if image_bytes is not None else None,
                    content_type=slot["content_type"],
                    info=_info(slot.get("info")),
                    fetch=_fetch(slot.get("fetch")),
                )
            )
    return Document(
        doc_id=doc_id,
        url=row["url"],
        segments=segments,
        provenance=Provenance(**{name: row["provenance"][name] for name in _PROVENANCE_FIELDS}),
        title=row["title"],
        html_lang=row["html_lang"],
        dropped_slots=[
            DroppedSlot(
                position=d["position"],
                raw_value=d["raw_value"],
                source_attr=d["source_attr"],
                url=d["url"],
                reason=d["reason"],
                alt=d["alt"],
                info=_info(d.get("info")),
                fetch=_fetch(d.get("fetch")),
            )
            for d in row["dropped_slots"]
        ],
        links=row.get("links") or 0,
        filter_scores=json.loads(row["filter_scores"]) if row.get("filter_scores") else {},
        dedup=_dedup(row),
    )


def _dedup(row: dict[str, Any]) -> DedupInfo | None:
    """The stored part of `DedupInfo` (None for a document of a job without dedup, or of 1.1)."""
    text_hash, minhash = row.get("text_hash"), row.get("minhash")
    cluster_id, cluster_size = row.get("cluster_id"), row.get("cluster_size")
    if text_hash is None and minhash is None and cluster_id is None and cluster_size is None:
        return None
    return DedupInfo(text_hash=text_hash, minhash=minhash, cluster_id=cluster_id, cluster_size=cluster_size)


def documents_to_table(docs: Iterable[Document]) -> pa.Table:
    """Documents as one Arrow table with `DOCUMENT_SCHEMA` (and its version metadata)."""
    return pa.Table.from_pylist([document_to_row(d) for d in docs], schema=DOCUMENT_SCHEMA)


def table_to_documents(table: pa.Table) -> list[Document]:
    """The documents of a table written with `DOCUMENT_SCHEMA` (or a later minor version of it).

    A table that declares a different major schema version is refused rather than misread; a table
    without version metadata (e.g. a Ray block rebuilt from rows) is accepted as current.
    """
    check_schema_version(_declared_version(table.schema), what="table", required=False)
    return [row_to_document(r) for r in table.to_pylist()]


def provenance_to_dict(prov: Provenance) -> dict[str, Any]:
    """`prov` as the `provenance` struct value (field order as in the schema)."""
    return {name: getattr(prov, name) for name in _PROVENANCE_FIELDS}


def check_schema_version(declared: str | None, *, what: str, required: bool = True) -> None:
    """Refuse data whose major schema version differs from ours.

    Within one major version changes are additive (new nullable columns or keys), so a reader
    ignores what it does not know; a different major version means fields changed meaning, and
    reading on would silently produce wrong documents.
    """
    if declared is None:
        if required:
            raise ValueError(f"{what}: no weft schema version recorded; not a weft shard?")
        return
    if declared.split(".", 1)[0] != SCHEMA_VERSION.split(".", 1)[0]:
        raise ValueError(
            f"{what}: schema version {declared} is not readable by this weft (schema {SCHEMA_VERSION}); "
            "use a weft release of the same major version"
        )


def _declared_version(schema: pa.Schema) -> str | None:
    value = (schema.metadata or {}).get(SCHEMA_VERSION_KEY.encode())
    return value.decode("utf-8") if value is not None else None


def obelics_warc_filename(warc_file: str) -> str:
    """The WARC name as OBELICS writes it: relative to the Common Crawl bucket
    (`crawl-data/CC-MAIN-.../warc/....warc.gz`) when `warc_file` is a Common Crawl path or URL, so
    tools that prepend `https://data.commoncrawl.org/` find the record; otherwise unchanged."""
    at = warc_file.find("crawl-data/")
    return warc_file[at:] if at >= 0 else warc_file


def _obelics_image_metadata(document_url: str, slot: ImageSlot) -> dict[str, Any]:
    """The per-image dict OBELICS keeps in `metadata`. As in OBELICS, optional keys are left out
    when unknown; `original_width`/`original_height` are the decoded size once the image stage
    has run."""
    meta: dict[str, Any] = {"document_url": document_url, "unformatted_src": slot.raw_value, "src": slot.url}
    if slot.info is not None:
        meta["original_width"] = slot.info.width
        meta["original_height"] = slot.info.height
    name = _formatted_filename(slot.url)
    if name:
        meta["formatted_filename"] = name
    if slot.alt:
        meta["alt_text"] = slot.alt
    if slot.declared_width is not None:
        meta["rendered_width"] = slot.declared_width
    if slot.declared_height is not None:
        meta["rendered_height"] = slot.declared_height
    return meta


_NAME_SEPARATORS = re.compile(r"[\s_\-+.]+")


def _formatted_filename(url: str) -> str:
    """The image file name as words (`Red_Fox-2.jpg` -> `Red Fox 2`), a weak caption signal that
    OBELICS exposes as `formatted_filename`; empty for `data:` URIs and names of one character."""
    if not url.startswith(("http://", "https://")):
        return ""
    base = posixpath.basename(urlsplit(url).path)
    stem = unquote(base).split(".", 1)[0]
    words = _NAME_SEPARATORS.sub(" ", stem).strip()
    return words if len(words) > 1 else ""
