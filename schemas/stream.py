"""Documents for training: weft shards on any filesystem, shared out among ranks and DataLoader
workers, shuffled by seed and epoch, resumable in the middle of an epoch.

Depends on pyarrow and the standard library only (fsspec is used when installed, for URL schemes
pyarrow has no filesystem for), so a training repository can vendor `schemas/` as it is.

Who reads what. Every reader is told its place explicitly, as a `Partition` (rank and world size
from the trainer, worker id and count from the DataLoader); nothing comes from environment
variables, because a reader that guesses its rank reads the wrong share without any error. The
`world_size * workers` readers of an epoch share the shards so that every document is read by
exactly one of them, whatever the shard count:

* the epoch's shard order is the listing order, or with a `Shuffle` the shards sorted by
  `hash(seed, epoch, shard name without its suffix)` (so a job's Parquet and tar shards, which
  hold the same documents part by part, give the same stream);
* whole rounds of shards are dealt round-robin: reader `p` of `P` takes shards `p, p + P, ...`;
* the `r < P` shards left over are each shared by the readers `p` with `p % r` equal to the
  shard's place among them: a Parquet shard is cut into contiguous row ranges (only the row groups
  a reader needs are fetched), a tar shard into every k-th sample (a tar has no index: the other
  samples stream past but are not parsed).

So fewer shards than readers still works (readers split shards), and more shards than readers
keeps every reader within one shard of the others.

Shuffling is two-level and reproducible: the shard order above, then a bounded block shuffle:
each reader cuts its stream into blocks of `Shuffle.buffer` consecutive documents and yields each
block in the order of `hash(seed, epoch, doc_id)`. Memory holds one block. A block shuffle rather
than webdataset's sliding buffer because a block can be rebuilt exactly from where it started,
which is what makes resuming exact.

Resuming. Each document comes with the `Position` to resume *after* it: the shard and row where
its block started, and how many of that block's documents were already delivered. A reader given
that position re-reads at most one block and goes on as if it had never stopped. Positions are
per reader; a resumed run must use the same shards, partition, epoch and shuffle.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from weft.schemas.document import Document
from weft.schemas.reader import SUFFIXES, ShardFormat, parquet_documents, tar_documents

_EVERY_ROW = range(0, sys.maxsize)
_TAR_BUFFER = 1 << 20


@dataclass(frozen=True)
class Partition:
    """One reader's place among all readers of an epoch: rank `rank` of `world_size` (processes,
    usually one per accelerator) and DataLoader worker `worker` of `num_workers` within it.
    `num_workers=0` is a DataLoader loading in the main process: one reader per rank."""

    rank: int = 0
    world_size: int = 1
    worker: int = 0
    num_workers: int = 0

    def __post_init__(self) -> None:
        if self.world_size < 1 or not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} is not in 0..{self.world_size - 1} (world_size {self.world_size})")
        if self.num_workers < 0 or not 0 <= self.worker < self.workers:
            raise ValueError(f"worker {self.worker} is not in 0..{self.workers - 1} (num_workers {self.num_workers})")

    @property
    def workers(self) -> int:
        return max(1, self.num_workers)

    @property
    def index(self) -> int:
        """This reader's number among all `count` readers."""
        return self.rank * self.workers + self.worker

    @property
    def count(self) -> int:
        return self.world_size * self.workers


@dataclass(frozen=True)
class Shuffle:
    """Reproducible shuffling: `seed` and the epoch decide the shard order and the order within
    each block of `buffer` documents (a block is held in memory, image bytes included)."""

    seed: int
    buffer: int = 256

    def __post_init__(self) -> None:
        if self.buffer < 1:
            raise ValueError(f"shuffle buffer must be at least 1, got {self.buffer}")


@dataclass(frozen=True)
class Position:
    """Where a reader resumes: the block that starts at row `row` of shard `shard` (its file
    name), minus its first `skip` documents (already delivered), in epoch `epoch`."""

    epoch: int
    shard: str
    row: int
    skip: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for a trainer's checkpoint."""
        return {"epoch": self.epoch, "shard": self.shard, "row": self.row, "skip": self.skip}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Position:
        return cls(int(data["epoch"]), str(data["shard"]), int(data["row"]), int(data.get("skip", 0)))


@dataclass(frozen=True)
class Shard:
    """One shard file: `name` (its base name, unique in a `ShardSet`) identifies it in positions
    and in the shuffle, so both survive a move of the data to another mount or bucket."""

    name: str
    path: str
    format: ShardFormat
    filesystem: pafs.FileSystem = field(compare=False, repr=False)


@dataclass(frozen=True)
class Share:
    """A reader's share of one shard: the rows (Parquet) or sample indices (tar) in `rows`."""

    shard: Shard
    rows: range


class ShardSet:
    """The shards of one weft output (or an explicit list of shards), listed once.

    `source` is a local path, a URI that pyarrow knows (`s3://bucket/out`, `gs://...`,
    `hdfs://...`, `file:///...`), any fsspec URL when fsspec is installed (`memory://`,
    `https://...` for single files, ...), or a sequence of those. A directory contributes its
    shards as `schemas.reader.list_shards` does (names starting with `_` or `.` are never shards).
    With both formats present only one copy of each document is read: `format`, else Parquet.
    `filesystem` (a `pyarrow.fs.FileSystem` or an fsspec filesystem) overrides the guess from the
    URL, e.g. for credentials; paths are then relative to it.
    """

    def __init__(
        self,
        source: str | Path | Sequence[str | Path],
        *,
        format: ShardFormat | None = None,
        filesystem: Any = None,
    ) -> None:
        if format is not None and format not in SUFFIXES.values():
            raise ValueError(f"unknown shard format {format!r} (expected one of {sorted(SUFFIXES.values())})")
        locations = [source] if isinstance(source, (str, Path)) else list(source)
        found: list[Shard] = []
        for location in locations:
            fs, path = _filesystem_and_path(str(location), filesystem)
            found.extend(_list(fs, path, str(location)))
        if format is None:
            present = {s.format for s in found}
            format = "parquet" if "parquet" in present else "webdataset"
        self.format: ShardFormat = format
        self.shards: list[Shard] = [s for s in found if s.format == format]
        names = [s.name for s in self.shards]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"shard names must be unique (they identify shards in positions): {dupes}")

    def __len__(self) -> int:
        return len(self.shards)

    def documents(
        self,
        *,
        partition: Partition = Partition(),
        epoch: int = 0,
        shuffle: Shuffle | None = None,
        resume: Position | None = None,
        with_image_bytes: bool = True,
    ) -> Iterator[tuple[Document, Position]]:
        """This reader's documents of `epoch`, each with the position to resume after it.

        `with_image_bytes=False` leaves image bytes out (slots keep their URLs): much less to
        read for text-only uses.
        """
        shares = self.plan(partition, epoch=epoch, shuffle=shuffle)
        start_share, start_row = 0, 0
        if resume is not None:
            if resume.epoch != epoch:
                raise ValueError(f"resume position is for epoch {resume.epoch}, not epoch {epoch}")
            start_share, start_row = _locate(shares, resume, partition)
        stream = _read(shares, start_share, start_row, with_image_bytes)
        if shuffle is None:
            if resume is not None and resume.skip:
                raise ValueError(f"resume position {resume} comes from a shuffled read; pass the same Shuffle")
            for share, row, doc in stream:
                yield doc, Position(epoch, shares[share].shard.name, row + shares[share].rows.step)
            return
        skip = resume.skip if resume is not None else 0
        block: list[tuple[int, int, Document]] = []
        for item in stream:
            block.append(item)
            if len(block) == shuffle.buffer:
                yield from _shuffled_block(block, shares, epoch, shuffle.seed, skip)
                block, skip = [], 0
        if block:
            yield from _shuffled_block(block, shares, epoch, shuffle.seed, skip)

    def plan(self, partition: Partition, *, epoch: int = 0, shuffle: Shuffle | None = None) -> list[Share]:
        """The shares of shards that `partition` reads in `epoch`, in reading order (see the
        module docstring for the rule that makes the shares of all readers disjoint and whole)."""
        order = list(self.shards)
        if shuffle is not None:
            order.sort(key=lambda s: _hash(shuffle.seed, epoch, s.name.rpartition(".")[0]))
        readers, me = partition.count, partition.index
        whole = len(order) // readers * readers
        shares = [Share(s, _EVERY_ROW) for s in order[me:whole:readers]]
        leftover = order[whole:]
        if leftover:
            shard = leftover[me % len(leftover)]
            sharers = len(range(me % len(leftover), readers, len(leftover)))
            share = me // len(leftover)
            if sharers == 1:
                shares.append(Share(shard, _EVERY_ROW))
            elif shard.format == "parquet":
                rows = _parquet_rows(shard)
                shares.append(Share(shard, range(share * rows // sharers, (share + 1) * rows // sharers)))
            else:
                shares.append(Share(shard, range(share, sys.maxsize, sharers)))
        return shares


def stream_documents(
    source: str | Path | Sequence[str | Path],
    *,
    format: ShardFormat | None = None,
    filesystem: Any = None,
    partition: Partition = Partition(),
    epoch: int = 0,
    shuffle: Shuffle | None = None,
    resume: Position | None = None,
    with_image_bytes: bool = True,
) -> Iterator[tuple[Document, Position]]:
    """`ShardSet(source, ...).documents(...)` in one call, for a reader that lists once anyway."""
    shards = ShardSet(source, format=format, filesystem=filesystem)
    return shards.documents(partition=partition, epoch=epoch, shuffle=shuffle, resume=resume, with_image_bytes=with_image_bytes)


def _hash(seed: int, epoch: int, name: str) -> bytes:
    return hashlib.blake2b(f"{seed}\x00{epoch}\x00{name}".encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _shuffled_block(
    block: list[tuple[int, int, Document]], shares: list[Share], epoch: int, seed: int, skip: int
) -> Iterator[tuple[Document, Position]]:
    """The block in hash order; every document but the last resumes into this block (re-read
    from its start), the last one after the block (where the next block starts)."""
    first_share, first_row, _ = block[0]
    last_share, last_row, _ = block[-1]
    start = (shares[first_share].shard.name, first_row)
    after = Position(epoch, shares[last_share].shard.name, last_row + shares[last_share].rows.step)
    order = sorted(range(len(block)), key=lambda i: (_hash(seed, epoch, block[i][2].doc_id), i))
    for delivered, i in enumerate(order, start=1):
        if delivered <= skip:
            continue
        yield block[i][2], after if delivered == len(block) else Position(epoch, *start, skip=delivered)


def _locate(shares: list[Share], resume: Position, partition: Partition) -> tuple[int, int]:
    for i, share in enumerate(shares):
        if share.shard.name == resume.shard:
            rows = share.rows
            if resume.row < rows.start or (resume.row < rows.stop and (resume.row - rows.start) % rows.step):
                break
            return i, resume.row
    raise ValueError(
        f"resume position {resume} is not in the share of reader {partition.index} of {partition.count} "
        "(resume with the same shards, partition, epoch and shuffle as the run that saved it)"
    )


def _read(shares: list[Share], start_share: int, start_row: int, with_image_bytes: bool) -> Iterator[tuple[int, int, Document]]:
    for u in range(start_share, len(shares)):
        shard, rows = shares[u].shard, shares[u].rows
        if u == start_share and start_row > rows.start:
            rows = range(start_row, rows.stop, rows.step)
        if not rows:
            continue
        label = f"{shard.name} ({shard.path})"
        if shard.format == "parquet":
            with shard.filesystem.open_input_file(shard.path) as fh, pq.ParquetFile(fh) as pf:
                for row, doc in parquet_documents(pf, label, with_image_bytes=with_image_bytes, rows=rows):
                    yield u, row, doc
        else:
            with shard.filesystem.open_input_stream(shard.path, compression=None, buffer_size=_TAR_BUFFER) as fh:
                for row, doc in tar_documents(fh, label, with_image_bytes=with_image_bytes, rows=rows):
                    yield u, row, doc


def _parquet_rows(shard: Shard) -> int:
    with shard.filesystem.open_input_file(shard.path) as fh:
        return pq.ParquetFile(fh).metadata.num_rows


def _filesystem_and_path(location: str, filesystem: Any) -> tuple[pafs.FileSystem, str]:
    if filesystem is not None:
        return _as_arrow(filesystem), location
    if "://" not in location:
        return pafs.LocalFileSystem(), os.path.abspath(location)
    try:
        return pafs.FileSystem.from_uri(location)
    except pa.ArrowInvalid as unknown_scheme:
        try:
            import fsspec
        except ImportError:
            raise ValueError(f"{location}: pyarrow has no filesystem for this URL and fsspec is not installed") from unknown_scheme
        fs, path = fsspec.core.url_to_fs(location)
        return _as_arrow(fs), path


def _as_arrow(filesystem: Any) -> pafs.FileSystem:
    if isinstance(filesystem, pafs.FileSystem):
        return filesystem
    return pafs.PyFileSystem(pafs.FSSpecHandler(filesystem))


def _list(fs: pafs.FileSystem, path: str, location: str) -> list[Shard]:
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.File:
        suffix = "." + info.base_name.rpartition(".")[2]
        if suffix not in SUFFIXES:
            raise ValueError(f"{location}: not a shard (expected a .parquet or .tar file)")
        return [Shard(info.base_name, info.path, SUFFIXES[suffix], fs)]  # type: ignore[arg-type]
    if info.type != pafs.FileType.Directory:
        raise FileNotFoundError(f"{location}: no such shard or directory")
    shards = []
    for child in sorted(fs.get_file_info(pafs.FileSelector(path)), key=lambda c: c.base_name):
        suffix = "." + child.base_name.rpartition(".")[2]
        if child.type == pafs.FileType.File and suffix in SUFFIXES and not child.base_name.startswith(("_", ".")):
            shards.append(Shard(child.base_name, child.path, SUFFIXES[suffix], fs))  # type: ignore[arg-type]
    return shards
