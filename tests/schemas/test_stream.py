"""`schemas.stream` on shards the pipeline wrote from real Common Crawl pages: every document read
exactly once however the readers are split, reproducible shuffles, exact resumption, and shards
on filesystems other than the local one."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from weft.pipeline.write.shards import ShardLimits, write_documents
from weft.schemas.document import Document
from weft.schemas.reader import iter_documents
from weft.schemas.stream import Partition, Position, ShardSet, Shuffle, stream_documents

FORMATS = ["parquet", "webdataset"]


@pytest.fixture(scope="module")
def cc_documents(cc_shards: Path) -> list[Document]:
    return list(iter_documents(cc_shards))


@pytest.fixture(scope="module")
def resharded(cc_documents: list[Document], tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The same 21 documents in 1, 2, 5 and 21 shards per format (Parquet row groups of 4, so
    shared Parquet shards are cut inside and across row groups)."""
    out = {}
    for per_shard in (21, 11, 5, 1):
        d = tmp_path_factory.mktemp(f"per{per_shard}")
        write_documents(cc_documents, d, "cc", limits=ShardLimits(max_docs=per_shard))
        out[len(list(d.glob("*.parquet")))] = d
    return out


def read_all(shards: ShardSet, ranks: int, workers: int, **kw) -> list[list[str]]:
    return [
        [doc.doc_id for doc, _ in shards.documents(partition=Partition(rank, ranks, worker, workers), with_image_bytes=False, **kw)]
        for rank in range(ranks)
        for worker in range(max(1, workers))
    ]


@pytest.mark.parametrize("format", FORMATS)
def test_every_document_once_for_every_split(cc_shards: Path, resharded: dict[int, Path], cc_documents: list[Document], format: str) -> None:
    everything = Counter(d.doc_id for d in cc_documents)
    assert sorted(resharded) == [1, 2, 5, 21]
    for source in [cc_shards, *resharded.values()]:
        shards = ShardSet(source, format=format)  # type: ignore[arg-type]
        for ranks in (1, 2, 3):
            for workers in (0, 1, 2):
                for shuffle, epoch in ((None, 0), (Shuffle(seed=7, buffer=3), 1)):
                    readers = read_all(shards, ranks, workers, shuffle=shuffle, epoch=epoch)
                    assert Counter(i for r in readers for i in r) == everything, (source.name, ranks, workers, shuffle, epoch)


def test_unshuffled_single_reader_is_the_shard_order(cc_shards: Path) -> None:
    for format in FORMATS:
        got = [d for d, _ in stream_documents(cc_shards, format=format)]  # type: ignore[arg-type]
        assert got == list(iter_documents(cc_shards, format=format)), "with image bytes, in shard order"  # type: ignore[arg-type]


def test_fewer_shards_than_readers_are_shared_evenly(resharded: dict[int, Path]) -> None:
    one = ShardSet(resharded[1], format="parquet")
    readers = read_all(one, 3, 2)
    assert sorted(len(r) for r in readers) == [3, 3, 3, 4, 4, 4], "21 rows cut into 6 contiguous ranges"
    tar = ShardSet(resharded[1], format="webdataset")
    assert sorted(len(r) for r in read_all(tar, 3, 2)) == [3, 3, 3, 4, 4, 4], "every 6th sample"
    five = ShardSet(resharded[5], format="parquet")  # 5 shards of 5,5,5,5,1 documents for 3 readers
    plan = [[(s.shard.name, len(s.rows) if len(s.rows) < 100 else "all") for s in five.plan(Partition(r, 3))] for r in range(3)]
    assert [len(p) for p in plan] == [2, 2, 2], "one whole shard each, the 2 left over shared"


def test_shuffle_is_reproducible_and_changes_with_the_epoch(resharded: dict[int, Path]) -> None:
    shards = ShardSet(resharded[5], format="webdataset")
    order = lambda seed, epoch: [d.doc_id for d, _ in shards.documents(shuffle=Shuffle(seed, buffer=8), epoch=epoch, with_image_bytes=False)]
    plain = [d.doc_id for d, _ in shards.documents(with_image_bytes=False)]
    assert order(1, 0) == order(1, 0)
    assert order(1, 0) != plain and sorted(order(1, 0)) == sorted(plain)
    assert order(1, 1) != order(1, 0) and order(2, 0) != order(1, 0)
    parquet = ShardSet(resharded[5], format="parquet")
    assert [d.doc_id for d, _ in parquet.documents(shuffle=Shuffle(1, buffer=8), with_image_bytes=False)] == order(1, 0), "both formats shuffle alike"


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("shuffle", [None, Shuffle(seed=3, buffer=4)])
def test_resuming_after_any_document_gives_exactly_the_rest(resharded: dict[int, Path], format: str, shuffle: Shuffle | None) -> None:
    for count in (2, 5):
        shards = ShardSet(resharded[count], format=format)  # type: ignore[arg-type]
        for partition in (Partition(0, 1), Partition(1, 2, 0, 2)):
            full = list(shards.documents(partition=partition, epoch=1, shuffle=shuffle, with_image_bytes=False))
            assert full
            for k, (_, position) in enumerate(full):
                rest = [d.doc_id for d, _ in shards.documents(partition=partition, epoch=1, shuffle=shuffle, resume=position, with_image_bytes=False)]
                assert rest == [d.doc_id for d, _ in full[k + 1 :]], (count, partition, k, position)
                assert Position.from_dict(position.to_dict()) == position


def test_resume_position_names_the_shard_and_row(resharded: dict[int, Path]) -> None:
    shards = ShardSet(resharded[2], format="parquet")
    positions = [p for _, p in shards.documents(with_image_bytes=False)]
    assert positions[0] == Position(0, "cc-00000.parquet", 1)
    assert positions[-1] == Position(0, "cc-00001.parquet", 10)


def test_resume_errors(resharded: dict[int, Path]) -> None:
    shards = ShardSet(resharded[5], format="parquet")
    _, position = next(iter(shards.documents(partition=Partition(0, 2), with_image_bytes=False)))
    with pytest.raises(ValueError, match="not in the share of reader 1"):
        list(shards.documents(partition=Partition(1, 2), resume=position))
    with pytest.raises(ValueError, match="epoch 0, not epoch 1"):
        list(shards.documents(partition=Partition(0, 2), resume=position, epoch=1))
    with pytest.raises(ValueError, match="shuffled read"):
        list(shards.documents(resume=Position(0, "cc-00000.parquet", 0, skip=2)))


def test_partition_and_source_errors(resharded: dict[int, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rank 2 is not in 0..1"):
        Partition(2, 2)
    with pytest.raises(ValueError, match="worker 1 is not in 0..0"):
        Partition(0, 1, 1, 0)
    with pytest.raises(FileNotFoundError):
        ShardSet(tmp_path / "missing")
    with pytest.raises(ValueError, match="unique"):
        ShardSet([resharded[2], resharded[2]])
    with pytest.raises(ValueError, match="unknown shard format"):
        ShardSet(resharded[2], format="jsonl")  # type: ignore[arg-type]


def test_pyarrow_uri_and_explicit_filesystem(resharded: dict[int, Path]) -> None:
    local = resharded[2]
    want = [d.doc_id for d, _ in stream_documents(local, with_image_bytes=False)]
    assert [d.doc_id for d, _ in stream_documents(local.as_uri(), with_image_bytes=False)] == want
    sub = pafs.SubTreeFileSystem(str(local.parent), pafs.LocalFileSystem())
    assert [d.doc_id for d, _ in stream_documents(local.name, filesystem=sub, with_image_bytes=False)] == want
    files = [str(p) for p in sorted(local.glob("*.tar"))]
    assert [d.doc_id for d, _ in stream_documents(files, with_image_bytes=False)] == want


@pytest.mark.parametrize("format", FORMATS)
def test_fsspec_url(cc_shards: Path, cc_documents: list[Document], format: str) -> None:
    """An fsspec filesystem pyarrow does not know (fsspec's in-memory one, which stands for any
    remote store fsspec reaches), read by URL and split between two readers."""
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    root = f"/weft-test-{format}"
    for path in sorted(cc_shards.iterdir()):
        if path.is_file():
            memory.pipe(f"{root}/{path.name}", path.read_bytes())
    try:
        shards = ShardSet(f"memory://{root}", format=format)  # type: ignore[arg-type]
        assert len(shards) == 4
        got = {d.doc_id: d for r in (0, 1) for d, _ in shards.documents(partition=Partition(r, 2))}
        assert sorted(got) == sorted(d.doc_id for d in cc_documents)
        assert [got[d.doc_id] for d in cc_documents] == cc_documents, "image bytes included"
    finally:
        memory.rm(root, recursive=True)


def test_a_stray_file_is_not_a_shard(resharded: dict[int, Path], tmp_path: Path) -> None:
    d = tmp_path / "out"
    shutil.copytree(resharded[2], d)
    (d / "_manifest.json").write_text("{}")
    (d / ".cc-00002.parquet.tmp").write_bytes(b"half")
    (d / "notes.txt").write_text("hello")
    assert [s.name for s in ShardSet(d).shards] == ["cc-00000.parquet", "cc-00001.parquet"]
    with pytest.raises(ValueError, match="not a shard"):
        ShardSet(d / "notes.txt")
