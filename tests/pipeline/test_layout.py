"""Writing and reading work files (pipeline/layout.py): what is read back is what was written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from weft.pipeline.layout import read_parquet, write_parquet_atomic


def _table() -> pa.Table:
    provenance = pa.array([{"warc_date": "2024-01-02T00:00:00Z", "warc_file": "a.warc.gz"}, None,
                           {"warc_date": None, "warc_file": "b.warc.gz"}])
    return pa.table({"doc_id": ["a", "b", "c"], "provenance": provenance,
                     "minhash": pa.array([[1, 2], None, [3, 4]], pa.list_(pa.uint32()))})


def test_staged_and_plain_files_read_back_as_written(tmp_path: Path) -> None:
    table = _table()
    for staged in (False, True):
        path = tmp_path / f"staged-{staged}.parquet"
        write_parquet_atomic(path, table, staged=staged)
        assert read_parquet(path).equals(table)
        assert read_parquet(path).equals(pq.read_table(path))
    codec = {s: pq.ParquetFile(tmp_path / f"staged-{s}.parquet").metadata.row_group(0).column(0).compression for s in (False, True)}
    assert codec[False] == "ZSTD" and codec[True].startswith("LZ4")


def test_a_dotted_column_reads_one_field_of_a_struct(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_parquet_atomic(path, _table(), staged=True)
    table = read_parquet(path, ["doc_id", "provenance.warc_date"])
    assert table.column_names == ["doc_id", "provenance"]
    assert table.column("provenance").type == pa.struct([pa.field("warc_date", pa.string())])
    assert table.column("provenance").to_pylist() == [{"warc_date": "2024-01-02T00:00:00Z"}, None, {"warc_date": None}]
