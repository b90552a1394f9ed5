"""The table of image records found in the job's own inputs, keyed by URL.

Common Crawl WARCs rarely hold images, but other crawls (Heritrix, wget, browser captures) store
page requisites next to the pages. Indexing those records lets the image stage take pixels from
the archive instead of downloading them again, across all files of a job. The reader writes one
Parquet file per input under `OUTPUT/_work/archive_images/`, so the index never has to fit on the
driver and a join by URL can run in Ray Data. `url` is the record's target URI in canonical form
(`weft.pipeline.net.urls.canonical_url`), the key the image stage joins on.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.layout import commit, temp_path

ARCHIVE_IMAGE_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("content_type", pa.string()),
        pa.field("payload", pa.binary()),
        pa.field("payload_bytes", pa.int64()),
        pa.field("truncated", pa.bool_()),
        pa.field("warc_file", pa.string()),
        pa.field("warc_record_offset", pa.int64()),
        pa.field("warc_record_length", pa.int64()),
        pa.field("warc_record_id", pa.string()),
        pa.field("warc_date", pa.string()),
    ]
)

ROW_GROUP_BYTES = 64 * 1024**2


class ArchiveImageIndexWriter:
    """Appends image records to one Parquet file, flushed in bounded row groups.

    The file is written under a temporary name and renamed on `close()`, so a reader never sees a
    half-written index; nothing is written when the input had no image records.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = temp_path(path)
        self._rows: list[dict] = []
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None
        self.count = 0

    def add(self, row: dict) -> None:
        self._rows.append(row)
        self._buffered += len(row.get("payload") or b"")
        self.count += 1
        if self._buffered >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(
                self._tmp,
                ARCHIVE_IMAGE_SCHEMA,
                compression={"payload": "none"} | {f.name: "zstd" for f in ARCHIVE_IMAGE_SCHEMA if f.name != "payload"},
                use_dictionary=["content_type", "warc_file"],
            )
        self._writer.write_table(pa.Table.from_pylist(self._rows, schema=ARCHIVE_IMAGE_SCHEMA))
        self._rows.clear()
        self._buffered = 0

    def close(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
            commit(self._tmp, self.path)
            self._writer = None

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)
