"""The webdataset sample layout and `schemas.reader`, read back with our reader and with webdataset."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import webdataset as wds
from webdataset.tariterators import base_plus_ext

from weft.pipeline.write.shards import ShardLimits, write_documents
from weft.schemas.arrow import OBELICS_COLUMNS, SCHEMA_VERSION_KEY, document_to_row, documents_to_table
from weft.schemas.document import SCHEMA_VERSION, Document, ImageSlot
from weft.schemas.reader import iter_documents, list_shards, read_obelics_table
from weft.schemas.webdataset import decode_sample, encode_sample, image_extension, sample_key
from tests.schemas.test_arrow import sample_documents


WEBDATASET_LEAKS_FILES = pytest.mark.filterwarnings("ignore::ResourceWarning")
"""webdataset 0.2 leaves each shard's file object to the garbage collector; not our leak."""


@pytest.fixture(scope="module")
def documents(shared_data: Path) -> list[Document]:
    return sample_documents(shared_data)


@pytest.fixture(scope="module")
def shard_dir(documents: list[Document], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    write_documents(documents, out, "job", limits=ShardLimits(max_docs=3))
    (out / "_manifest.json").write_text("{}")
    (out / ".job-00009.parquet.tmp").write_bytes(b"half a shard")
    (out / "_ledger").mkdir()
    (out / "_ledger" / "job.parquet").write_bytes(b"not a shard")
    return out


def _without_bytes(doc: Document) -> Document:
    segments = [replace(s, content=None) if isinstance(s, ImageSlot) else s for s in doc.segments]
    return replace(doc, segments=segments)


def test_image_extension() -> None:
    assert image_extension("image/jpeg") == "jpg"
    assert image_extension("image/PNG; charset=binary") == "png"
    assert image_extension("image/vnd.microsoft.icon") == "ico"
    assert image_extension("image/svg+xml") == "svg"
    assert image_extension("application/octet-stream") == "bin"
    assert image_extension(None) == "bin"


def test_sample_fields(documents: list[Document]) -> None:
    doc = documents[0]
    sample = encode_sample(doc)
    with_bytes = [s for s in doc.images if s.content is not None]
    assert list(sample) == ["json"] + [f"{i}.{image_extension(s.content_type)}" for i, s in enumerate(with_bytes)]
    for i, slot in enumerate(with_bytes):
        assert sample[f"{i}.{image_extension(slot.content_type)}"] == slot.content
    payload = json.loads(sample["json"])
    expected = document_to_row(doc)
    del expected["image_bytes"]
    assert payload == {**expected, "schema_version": SCHEMA_VERSION}


def test_sample_round_trip(documents: list[Document]) -> None:
    for doc in documents:
        sample = encode_sample(doc)
        assert decode_sample(sample) == doc
        assert decode_sample({"__key__": sample_key(doc), **sample}) == doc
        assert decode_sample({"json": json.loads(sample["json"]), **{k: v for k, v in sample.items() if k != "json"}}) == doc


def test_webdataset_splits_member_names_at_the_first_dot(documents: list[Document]) -> None:
    key = sample_key(documents[0])
    assert base_plus_ext(f"{key}.0.jpg") == (key, "0.jpg")
    assert base_plus_ext(f"{key}.json") == (key, "json")


def test_sample_key_rejects_unsafe_ids(documents: list[Document]) -> None:
    doc = documents[1]
    for bad in ("a.b", "../" + doc.doc_id[3:], doc.doc_id.upper(), doc.doc_id[:-1]):
        with pytest.raises(ValueError, match="32 lower-case hex"):
            encode_sample(replace(doc, doc_id=bad))


def test_decode_sample_rejects_bad_samples(documents: list[Document]) -> None:
    doc = documents[0]
    sample = encode_sample(doc)
    with pytest.raises(ValueError, match="does not match"):
        decode_sample({"__key__": "0" * 32, **sample})
    with pytest.raises(TypeError, match="not bytes"):
        decode_sample({**sample, "0.gif": object()})
    with pytest.raises(ValueError, match="images"):
        decode_sample({**sample, "99.jpg": b"x"})
    with pytest.raises(ValueError, match="no json"):
        decode_sample({"0.jpg": b"x"})
    newer_major = json.loads(sample["json"])
    newer_major["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="schema version 2.0"):
        decode_sample({"json": json.dumps(newer_major).encode()})


def test_iter_documents_parquet_file(documents: list[Document], shard_dir: Path) -> None:
    got = [d for p in sorted(shard_dir.glob("job-*.parquet")) for d in iter_documents(p)]
    assert got == documents


def test_iter_documents_tar_file(documents: list[Document], shard_dir: Path) -> None:
    got = [d for p in sorted(shard_dir.glob("job-*.tar")) for d in iter_documents(p)]
    assert got == documents


def test_iter_documents_directory(documents: list[Document], shard_dir: Path) -> None:
    assert [p.name for p in list_shards(shard_dir, format="parquet")] == ["job-00000.parquet", "job-00001.parquet"]
    assert list(iter_documents(shard_dir, format="parquet")) == documents
    assert list(iter_documents(shard_dir, format="webdataset")) == documents
    assert list_shards(shard_dir) == list_shards(shard_dir, format="parquet"), "one copy of each document"
    assert list(iter_documents(shard_dir)) == documents


def test_iter_documents_single_format_directory(documents: list[Document], tmp_path: Path) -> None:
    write_documents(documents, tmp_path, "only", formats=["webdataset"], limits=ShardLimits(max_docs=2))
    assert list(iter_documents(tmp_path)) == documents
    assert list(iter_documents(tmp_path, format="parquet")) == []


def test_iter_documents_without_image_bytes(documents: list[Document], shard_dir: Path) -> None:
    expected = [_without_bytes(d) for d in documents]
    assert list(iter_documents(shard_dir, format="parquet", with_image_bytes=False)) == expected
    assert list(iter_documents(shard_dir, format="webdataset", with_image_bytes=False)) == expected


def test_iter_documents_errors(shard_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(iter_documents(tmp_path / "missing"))
    with pytest.raises(ValueError, match="not a shard"):
        list(iter_documents(shard_dir / "_manifest.json"))
    with pytest.raises(ValueError, match="unknown shard format"):
        list(iter_documents(shard_dir, format="jsonl"))  # type: ignore[arg-type]


def test_reader_refuses_other_major_versions(documents: list[Document], tmp_path: Path) -> None:
    table = documents_to_table(documents[:1])
    pq.write_table(table.replace_schema_metadata({SCHEMA_VERSION_KEY: "2.0"}), tmp_path / "new.parquet")
    with pytest.raises(ValueError, match="schema version 2.0"):
        list(iter_documents(tmp_path / "new.parquet"))
    pq.write_table(table.replace_schema_metadata(None), tmp_path / "plain.parquet")
    with pytest.raises(ValueError, match="no weft schema version"):
        list(iter_documents(tmp_path / "plain.parquet"))


def test_read_obelics_table(documents: list[Document], shard_dir: Path) -> None:
    table = read_obelics_table(shard_dir)
    assert table.column_names == list(OBELICS_COLUMNS)
    assert table.num_rows == len(documents)
    assert table.column("texts").to_pylist() == [document_to_row(d)["texts"] for d in documents]


@WEBDATASET_LEAKS_FILES
def test_real_webdataset_reads_the_directory(documents: list[Document], shard_dir: Path) -> None:
    urls = [str(p) for p in list_shards(shard_dir, format="webdataset")]
    dataset = wds.WebDataset(urls, shardshuffle=False, empty_check=False)
    assert [decode_sample(sample) for sample in dataset] == documents


@WEBDATASET_LEAKS_FILES
def test_tar_reader_agrees_with_webdataset_on_foreign_members(tmp_path: Path, documents: list[Document]) -> None:
    """A member this version does not know (say a later `txt` field) is ignored by both readers."""
    doc = documents[0]
    path = tmp_path / "extra.tar"
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in [*encode_sample(doc).items(), ("txt", b"future field")]:
            info = tarfile.TarInfo(f"{doc.doc_id}.{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert list(iter_documents(path)) == [doc]
    assert [decode_sample(s) for s in wds.WebDataset(str(path), shardshuffle=False, empty_check=False)] == [doc]
