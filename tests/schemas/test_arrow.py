"""The Arrow row: exact round trips, OBELICS compatibility, version checks.

`web_images` and `sample_documents` build the documents the schema, reader and writer tests
share: real images from `../shared/data/images/web` as bytes, next to every awkward case the
model allows (no bytes, no alt, data: URIs, non-ASCII, empty text, no segments at all).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from weft.schemas.arrow import (
    DOCUMENT_SCHEMA,
    OBELICS_COLUMNS,
    SCHEMA_VERSION_KEY,
    document_to_row,
    documents_to_table,
    obelics_warc_filename,
    row_to_document,
    table_to_documents,
)
from weft.schemas.document import (
    SCHEMA_VERSION,
    Document,
    DroppedSlot,
    FetchResult,
    ImageInfo,
    ImageSlot,
    Provenance,
    TextBlock,
    make_doc_id,
)

CC_WARC = (
    "https://data.commoncrawl.org/crawl-data/CC-MAIN-2023-06/segments/1674764494826.88/warc/"
    "CC-MAIN-20230126210844-20230127000844-00000.warc.gz"
)


def web_images(shared_data: Path) -> list[tuple[str, str, bytes]]:
    """(source URL, content type, bytes) of the first real web image of each content type."""
    seen: dict[str, tuple[str, str, bytes]] = {}
    with open(shared_data / "images" / "web" / "INDEX.tsv", newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f, delimiter="\t"):
            ctype = rec["http_content_type"]
            if ctype not in seen:
                seen[ctype] = (rec["warc_target_uri"], ctype, (shared_data / rec["local_file"]).read_bytes())
    assert {"image/jpeg", "image/png", "image/gif"} <= set(seen)
    return [seen[k] for k in sorted(seen)]


def _provenance(uri: str, n: int, warc_file: str = CC_WARC) -> Provenance:
    return Provenance(
        warc_file=warc_file,
        warc_record_offset=1_000_000 * n + 17,
        warc_record_length=4_096 + n,
        warc_record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
        warc_date="2023-01-26T21:08:44Z",
        target_uri=uri,
        http_content_type="text/html",
        charset="utf-8",
        charset_source="http-header",
    )


def _doc(uri: str, n: int, segments: list[Any], **kw: Any) -> Document:
    prov = kw.pop("provenance", None) or _provenance(uri, n)
    return Document(doc_id=make_doc_id(uri, prov.warc_record_id), url=uri, segments=segments, provenance=prov, **kw)


_INFO = ImageInfo(
    width=640, height=480, format="JPEG", mode="RGB", frames=1, sha256="ab" * 32, phash="0f" * 8,
    colour_spread=211, dominant_fraction=0.031, grayscale=False, opaque_fraction=1.0,
)


def sample_documents(shared_data: Path, copies: int = 1) -> list[Document]:
    """Documents covering the model's corners; `copies` > 1 repeats them under new ids (for
    shard-rolling tests that need many documents)."""
    images = web_images(shared_data)
    docs: list[Document] = []
    for c in range(copies):
        base = f"https://example.org/{c}"
        slots = [
            ImageSlot(
                url=src,
                raw_value=src.rsplit("/", 1)[-1],
                source_attr="src",
                alt=f"alt {i} — ünïcödé" if i % 2 == 0 else None,
                title="a title" if i == 0 else None,
                declared_width=100 + i if i != 1 else None,
                declared_height=50 + i if i != 2 else None,
                content=data,
                content_type=ctype,
                info=_INFO if i == 0 else None,
                fetch=FetchResult("archive", "ok", 200, len(data), 12.345, None) if i == 0 else None,
            )
            for i, (src, ctype, data) in enumerate(images)
        ]
        docs.append(
            _doc(
                f"{base}/interleaved",
                10 * c + 1,
                [
                    TextBlock("Intro paragraph.\n\nSecond paragraph with émojis 🎉 and 中文 and עברית."),
                    slots[0],
                    TextBlock("Between the images."),
                    *slots[1:],
                    TextBlock(""),
                    ImageSlot(
                        url="https://example.org/no-bytes/Red_Fox-2.jpg",
                        raw_value="/no-bytes/Red_Fox-2.jpg",
                        source_attr="data-src",
                    ),
                ],
                title="Ein Titel – mit Ümlauten",
                html_lang="de-AT",
                dropped_slots=[
                    DroppedSlot(1, "/pixel.gif", "src", f"{base}/pixel.gif", "tracker_declared_tiny"),
                    DroppedSlot(3, "javascript:void(0)", "src", "", "unresolvable_url", alt="ничего"),
                    DroppedSlot(4, "/gone.png", "src", f"{base}/gone.png", "http_error",
                                fetch=FetchResult("download", "http_error", 404, 0, 3.5, "HTTP Error 404: Not Found")),
                ],
                links=7,
            )
        )
        docs.append(_doc(f"{base}/text-only", 10 * c + 2, [TextBlock("Just text, no images at all.")]))
        docs.append(
            _doc(
                f"{base}/urls-only",
                10 * c + 3,
                [
                    ImageSlot(url="data:image/png;base64,iVBORw0KGgo=", raw_value="data:image/png;base64,iVBORw0KGgo=", source_attr="src"),
                    TextBlock("Caption under an inline image."),
                    ImageSlot(url="https://cdn.example.org/a/b/photo%20of%20x.webp?w=200", raw_value="//cdn.example.org/a/b/photo%20of%20x.webp?w=200", source_attr="srcset", declared_width=0),
                ],
                title=None,
                html_lang=None,
                provenance=_provenance(f"{base}/urls-only", 10 * c + 3, warc_file="/data/local/example.warc.gz"),
            )
        )
        docs.append(_doc(f"{base}/empty", 10 * c + 4, []))
    return docs


@pytest.fixture(scope="module")
def documents(shared_data: Path) -> list[Document]:
    return sample_documents(shared_data)


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float, bytes)):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def test_row_round_trip_is_exact(documents: list[Document]) -> None:
    for doc in documents:
        row = document_to_row(doc)
        assert set(row) == set(DOCUMENT_SCHEMA.names)
        assert _is_plain(row), "rows travel between stages as plain Python values"
        assert row_to_document(row) == doc


def test_a_row_without_derived_columns_holds_the_same_document(documents: list[Document]) -> None:
    """What a staged chunk stores: the shard row with `metadata` and `general_metadata` null."""
    for doc in documents:
        row, full = document_to_row(doc, derived=False), document_to_row(doc)
        assert row["metadata"] is None and row["general_metadata"] is None
        assert {**row, "metadata": full["metadata"], "general_metadata": full["general_metadata"]} == full
        assert row_to_document(row) == doc


def test_round_trip_keeps_image_bytes(documents: list[Document], shared_data: Path) -> None:
    doc = documents[0]
    expected = [data for _, _, data in web_images(shared_data)] + [None]
    back = row_to_document(document_to_row(doc))
    assert [s.content for s in back.images] == expected


def test_table_round_trip_and_schema(documents: list[Document]) -> None:
    table = documents_to_table(documents)
    assert table.schema.equals(DOCUMENT_SCHEMA, check_metadata=True)
    assert table.schema.metadata[SCHEMA_VERSION_KEY.encode()] == SCHEMA_VERSION.encode()
    assert table.num_rows == len(documents)
    assert table_to_documents(table) == documents


def test_empty_table_has_the_schema() -> None:
    table = documents_to_table([])
    assert table.num_rows == 0 and table.schema.equals(DOCUMENT_SCHEMA, check_metadata=True)


def test_parquet_round_trip_through_pyarrow(documents: list[Document], tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(documents_to_table(documents), path)
    table = pq.read_table(path)
    assert table.schema.equals(DOCUMENT_SCHEMA, check_metadata=True)
    assert table_to_documents(table) == documents


def test_obelics_aligned_lists(documents: list[Document]) -> None:
    for doc in documents:
        row = document_to_row(doc)
        texts, images, slots = row["texts"], row["images"], row["slots"]
        assert len(texts) == len(images) == len(slots) == len(doc.segments)
        for seg, text, image, slot in zip(doc.segments, texts, images, slots):
            assert (text is None) != (image is None), "exactly one of text/image per position"
            if isinstance(seg, TextBlock):
                assert text == seg.text and slot is None
            else:
                assert image == seg.url == slot["url"]


def test_obelics_metadata_json(documents: list[Document]) -> None:
    doc = documents[0]
    row = document_to_row(doc)
    meta = json.loads(row["metadata"])
    assert len(meta) == len(row["texts"])
    for seg, m in zip(doc.segments, meta):
        if isinstance(seg, TextBlock):
            assert m is None
            continue
        assert m["document_url"] == doc.url
        assert m["src"] == seg.url and m["unformatted_src"] == seg.raw_value
        assert m.get("alt_text") == seg.alt
        assert m.get("rendered_width") == seg.declared_width
        assert m.get("rendered_height") == seg.declared_height
    assert meta[-1]["formatted_filename"] == "Red Fox 2"
    general = json.loads(row["general_metadata"])
    assert general == {
        "url": doc.url,
        "warc_filename": CC_WARC.split("data.commoncrawl.org/", 1)[1],
        "warc_record_offset": doc.provenance.warc_record_offset,
        "warc_record_length": doc.provenance.warc_record_length,
    }


def test_obelics_metadata_edge_cases(documents: list[Document]) -> None:
    row = document_to_row(documents[2])
    inline, _, webp = json.loads(row["metadata"])
    assert "formatted_filename" not in inline and "alt_text" not in inline
    assert webp["formatted_filename"] == "photo of x" and webp["rendered_width"] == 0
    assert json.loads(row["general_metadata"])["warc_filename"] == "/data/local/example.warc.gz"
    assert json.loads(document_to_row(documents[3])["metadata"]) == []


def test_obelics_warc_filename() -> None:
    assert obelics_warc_filename("s3://commoncrawl/crawl-data/CC-MAIN-X/a.warc.gz") == "crawl-data/CC-MAIN-X/a.warc.gz"
    assert obelics_warc_filename("/tmp/a.warc.gz") == "/tmp/a.warc.gz"


def test_image_bytes_null_without_bytes_and_aligned_with_them(documents: list[Document]) -> None:
    assert document_to_row(documents[1])["image_bytes"] is None
    assert document_to_row(documents[2])["image_bytes"] is None
    row = document_to_row(documents[0])
    assert len(row["image_bytes"]) == len(row["texts"])
    for text, data in zip(row["texts"], row["image_bytes"]):
        assert text is None or data is None


def test_obelics_columns_read_alone(documents: list[Document], tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(documents_to_table(documents), path)
    table = pq.read_table(path, columns=list(OBELICS_COLUMNS))
    assert pa.types.is_list(table.schema.field("texts").type) and table.schema.field("texts").type.value_type == pa.string()
    assert table.schema.field("images").type == table.schema.field("texts").type
    for example in table.to_pylist():
        assert all((t is None) != (i is None) for t, i in zip(example["texts"], example["images"]))
        assert len(json.loads(example["metadata"])) == len(example["texts"])
        assert isinstance(json.loads(example["general_metadata"]), dict)


def test_row_to_document_ignores_extra_keys(documents: list[Document]) -> None:
    row = {**document_to_row(documents[0]), "outcome": "kept", "input_tag": "x", "schema_version": "1.7"}
    assert row_to_document(row) == documents[0]


def test_row_to_document_rejects_misaligned_rows(documents: list[Document]) -> None:
    row = document_to_row(documents[0])
    with pytest.raises(ValueError, match="different lengths"):
        row_to_document({**row, "slots": row["slots"][:-1]})
    with pytest.raises(ValueError, match="exactly one"):
        row_to_document({**row, "texts": ["text everywhere"] * len(row["texts"])})
    bytes_at_text = list(row["image_bytes"])
    bytes_at_text[0] = b"x"
    with pytest.raises(ValueError, match="is text but has image bytes"):
        row_to_document({**row, "image_bytes": bytes_at_text})


def test_table_version_checks(documents: list[Document]) -> None:
    table = documents_to_table(documents[:1])
    newer_minor = table.replace_schema_metadata({SCHEMA_VERSION_KEY: "1.9"})
    assert table_to_documents(newer_minor) == documents[:1]
    assert table_to_documents(table.replace_schema_metadata(None)) == documents[:1]
    with pytest.raises(ValueError, match="schema version 2.0"):
        table_to_documents(table.replace_schema_metadata({SCHEMA_VERSION_KEY: "2.0"}))
