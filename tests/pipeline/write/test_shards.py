"""Shard writers: read back, encodings, rolling, atomic names, byte-identical output."""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq
import pytest
import webdataset as wds

from weft.jobs.errors import RecordError
from weft.pipeline.write.shards import (
    ParquetShardWriter,
    ShardInfo,
    ShardLimits,
    WebdatasetShardWriter,
    write_documents,
)
from weft.schemas.arrow import DOCUMENT_SCHEMA, SCHEMA_VERSION_KEY, table_to_documents
from weft.schemas.document import SCHEMA_VERSION, Document, ImageSlot, TextBlock
from weft.schemas.reader import iter_documents
from weft.schemas.webdataset import decode_sample
from tests.schemas.test_arrow import sample_documents


WEBDATASET_LEAKS_FILES = pytest.mark.filterwarnings("ignore::ResourceWarning")
"""webdataset 0.2 leaves each shard's file object to the garbage collector; not our leak."""


@pytest.fixture(scope="module")
def documents(shared_data: Path) -> list[Document]:
    return sample_documents(shared_data)


@pytest.fixture(scope="module")
def many_documents(shared_data: Path) -> list[Document]:
    return sample_documents(shared_data, copies=6)


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _ids(path: Path) -> list[str]:
    return [d.doc_id for d in iter_documents(path, with_image_bytes=False)]


def test_parquet_reads_back_with_pyarrow(documents: list[Document], tmp_path: Path) -> None:
    infos = write_documents(documents, tmp_path, "s", formats=["parquet"])
    assert infos == [
        ShardInfo("s-00000.parquet", "parquet", len(documents), (tmp_path / "s-00000.parquet").stat().st_size, 5)
    ]
    table = pq.read_table(tmp_path / "s-00000.parquet")
    assert table.schema.equals(DOCUMENT_SCHEMA, check_metadata=True)
    assert table.schema.metadata[SCHEMA_VERSION_KEY.encode()] == SCHEMA_VERSION.encode()
    assert table_to_documents(table) == documents


def test_parquet_column_encodings(documents: list[Document], tmp_path: Path) -> None:
    write_documents(documents, tmp_path, "s", formats=["parquet"])
    meta = pq.ParquetFile(tmp_path / "s-00000.parquet").metadata
    columns = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i) for i in range(meta.num_columns)}
    image = columns["image_bytes.list.element"]
    assert image.compression == "UNCOMPRESSED"
    assert not image.has_dictionary_page
    assert not {"PLAIN_DICTIONARY", "RLE_DICTIONARY"} & set(image.encodings)
    for path in ("texts.list.element", "images.list.element", "metadata", "general_metadata", "url", "title"):
        assert columns[path].compression == "ZSTD", path
        assert not columns[path].has_dictionary_page, path
    assert all(c.compression == "ZSTD" for p, c in columns.items() if p != "image_bytes.list.element")
    assert columns["provenance.warc_file"].has_dictionary_page


@WEBDATASET_LEAKS_FILES
def test_webdataset_reads_back_with_webdataset(documents: list[Document], shared_data: Path, tmp_path: Path) -> None:
    infos = write_documents(documents, tmp_path, "s", formats=["webdataset"])
    assert [i.path for i in infos] == ["s-00000.tar"]
    samples = list(wds.WebDataset(str(tmp_path / "s-00000.tar"), shardshuffle=False, empty_check=False))
    assert [s["__key__"] for s in samples] == [d.doc_id for d in documents]
    assert [decode_sample(s) for s in samples] == documents
    first = samples[0]
    image_files = [p for p in sorted(first) if p[0].isdigit()]
    originals = [s.content for s in documents[0].images if s.content is not None]
    assert [first[f] for f in image_files] == originals
    assert {f.split(".", 1)[1] for f in image_files} <= {"jpg", "png", "gif", "ico"}


@WEBDATASET_LEAKS_FILES
def test_webdataset_decoders_see_image_extensions(documents: list[Document], tmp_path: Path) -> None:
    write_documents(documents[:1], tmp_path, "s", formats=["webdataset"])
    sample = next(iter(wds.WebDataset(str(tmp_path / "s-00000.tar"), shardshuffle=False, empty_check=False).decode("pil")))
    jpeg = next(k for k in sample if k.endswith(".jpg"))
    assert sample[jpeg].size[0] > 0  # a PIL image, so `<i>.jpg` dispatches on its last extension
    assert sample["json"]["doc_id"] == documents[0].doc_id


def test_tar_members_are_portable_and_fixed(documents: list[Document], tmp_path: Path) -> None:
    write_documents(documents, tmp_path, "s", formats=["webdataset"])
    with tarfile.open(tmp_path / "s-00000.tar") as tar:
        members = tar.getmembers()
    doc = documents[0]
    names = [m.name for m in members if m.name.startswith(doc.doc_id)]
    assert names[0] == f"{doc.doc_id}.json"
    assert [n.split(".", 2)[1] for n in names[1:]] == ["0", "1", "2", "3", "4"]
    for m in members:
        assert m.isreg() and "/" not in m.name
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, "", "", 0o644)
    assert (tmp_path / "s-00000.tar").read_bytes()[257:263] == b"ustar\x00"


def test_rolls_by_documents(many_documents: list[Document], tmp_path: Path) -> None:
    infos = write_documents(many_documents, tmp_path, "roll", limits=ShardLimits(max_docs=5))
    n = len(many_documents)
    parts = -(-n // 5)
    assert _files(tmp_path) == sorted(f"roll-{i:05d}.{ext}" for i in range(parts) for ext in ("parquet", "tar"))
    for fmt in ("parquet", "webdataset"):
        counts = [i.documents for i in infos if i.format == fmt]
        assert counts == [5] * (n // 5) + ([n % 5] if n % 5 else [])
    assert list(iter_documents(tmp_path, format="parquet")) == many_documents
    assert list(iter_documents(tmp_path, format="webdataset")) == many_documents


def test_rolls_by_bytes_and_formats_stay_aligned(many_documents: list[Document], tmp_path: Path) -> None:
    limits = ShardLimits(max_docs=1_000, max_bytes=48 * 1024)
    infos = write_documents(many_documents, tmp_path, "b", limits=limits)
    parquet = [i for i in infos if i.format == "parquet"]
    tars = [i for i in infos if i.format == "webdataset"]
    assert len(parquet) == len(tars) > 2
    for info in infos:
        assert info.bytes == (tmp_path / info.path).stat().st_size
        assert info.bytes <= limits.max_bytes or info.documents == 1, info
    for p, t in zip(parquet, tars):
        assert p.documents == t.documents and p.images_with_bytes == t.images_with_bytes
        assert _ids(tmp_path / p.path) == _ids(tmp_path / t.path)
    assert sum(i.documents for i in parquet) == len(many_documents)
    assert list(iter_documents(tmp_path, format="webdataset")) == many_documents


def test_single_writers_roll_on_their_own(many_documents: list[Document], tmp_path: Path) -> None:
    limits = ShardLimits(max_bytes=40 * 1024)
    for cls in (ParquetShardWriter, WebdatasetShardWriter):
        with cls(tmp_path, "own", limits) as writer:
            for doc in many_documents:
                writer.write(doc)
        infos = writer.close()
        assert len(infos) > 1
        assert all(i.bytes <= limits.max_bytes or i.documents == 1 for i in infos)
        assert list(iter_documents(tmp_path, format=cls.format)) == many_documents


def test_oversized_document_gets_its_own_shard(documents: list[Document], shared_data: Path, tmp_path: Path) -> None:
    png = (shared_data / "images/web/replaywebpage_embed-test__003.png").read_bytes()  # 155 kB, real
    slot = ImageSlot(url="https://e.org/big.png", raw_value="big.png", source_attr="src", content=png, content_type="image/png")
    big = replace(documents[1], doc_id="f" * 32, segments=[TextBlock("A large image."), slot])
    small = [documents[1], documents[2], documents[3]]
    docs = small[:2] + [big] + small[2:]
    limits = ShardLimits(max_bytes=64 * 1024)
    infos = write_documents(docs, tmp_path, "big", limits=limits)
    for fmt in ("parquet", "webdataset"):
        shards = [i for i in infos if i.format == fmt]
        assert [i.documents for i in shards] == [2, 1, 1]
        assert shards[1].images_with_bytes == 1 and shards[1].bytes > limits.max_bytes
        assert shards[0].bytes <= limits.max_bytes and shards[2].bytes <= limits.max_bytes
    assert list(iter_documents(tmp_path, format="webdataset")) == docs


def test_parquet_row_groups(many_documents: list[Document], tmp_path: Path) -> None:
    with ParquetShardWriter(tmp_path, "rg", row_group_docs=4) as writer:
        for doc in many_documents:
            writer.write(doc)
    meta = pq.ParquetFile(tmp_path / "rg-00000.parquet").metadata
    assert meta.num_row_groups == -(-len(many_documents) // 4)
    assert list(iter_documents(tmp_path / "rg-00000.parquet")) == many_documents


def test_no_temporary_files_left(documents: list[Document], tmp_path: Path) -> None:
    write_documents(documents, tmp_path, "t", limits=ShardLimits(max_docs=2))
    assert not [n for n in _files(tmp_path) if n.startswith(".") or n.endswith(".tmp")]


def test_shard_is_temporary_until_finished(documents: list[Document], tmp_path: Path) -> None:
    writer = WebdatasetShardWriter(tmp_path, "w")
    writer.write(documents[0])
    assert _files(tmp_path) == [".w-00000.tar.tmp"]
    writer.close()
    assert _files(tmp_path) == ["w-00000.tar"]


def test_writing_a_unit_again_replaces_its_shards_with_the_same_bytes(documents: list[Document], tmp_path: Path) -> None:
    """A retried task or a resumed job writes a chunk's shards again: same names, same bytes, no
    error and no temporary file left (the output directory was claimed for this job already)."""
    first = write_documents(documents, tmp_path, "x", limits=ShardLimits(max_docs=2))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "x-00000.parquet").write_bytes(b"half of an interrupted write")
    assert write_documents(documents, tmp_path, "x", limits=ShardLimits(max_docs=2)) == first
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_failure_mid_write_leaves_only_finished_shards(documents: list[Document], tmp_path: Path) -> None:
    def docs_then_crash() -> Iterator[Document]:
        yield from documents[:3]
        raise RuntimeError("reader died")

    with pytest.raises(RuntimeError, match="reader died"):
        write_documents(docs_then_crash(), tmp_path, "c", limits=ShardLimits(max_docs=2))
    assert _files(tmp_path) == ["c-00000.parquet", "c-00000.tar"]
    assert list(iter_documents(tmp_path, format="parquet")) == documents[:2]


def test_output_is_byte_identical(many_documents: list[Document], tmp_path: Path) -> None:
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        write_documents(many_documents, out, "d", limits=ShardLimits(max_docs=7))
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())})
    assert digests[0] == digests[1] and len(digests[0]) > 2


def test_empty_input_writes_nothing(tmp_path: Path) -> None:
    assert write_documents([], tmp_path, "e") == []
    assert _files(tmp_path) == []


def test_unwritable_document_is_a_record_error_before_any_write(documents: list[Document], tmp_path: Path) -> None:
    bad_text = replace(documents[1], segments=[TextBlock("lone surrogate \udc80")])
    with pytest.raises(RecordError) as err:
        write_documents([bad_text], tmp_path, "u")
    assert err.value.reason == "unwritable_document"
    huge = ImageSlot(url="https://e.org/a.png", raw_value="a.png", source_attr="src", declared_width=2**31)
    with pytest.raises(RecordError):
        write_documents([replace(documents[1], segments=[huge])], tmp_path, "u")
    assert _files(tmp_path) == []


def test_duplicate_document_in_a_shard_is_refused(documents: list[Document], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="written twice"):
        write_documents([documents[0], documents[0]], tmp_path, "dup")
    assert _files(tmp_path) == []


def test_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_documents([], tmp_path, "s", formats=[])
    with pytest.raises(ValueError):
        write_documents([], tmp_path, "s", formats=["parquet", "parquet"])
    with pytest.raises(ValueError):
        write_documents([], tmp_path, "s", formats=["jsonl"])
    for stem in ("", ".hidden", "_private", "a/b"):
        with pytest.raises(ValueError, match="stem"):
            ParquetShardWriter(tmp_path, stem)
    with pytest.raises(ValueError):
        ShardLimits(max_docs=0)
