"""Other people's readers on shards the pipeline wrote from real WARCs: the `webdataset` library
on the tar shards, `pyarrow.dataset` on the Parquet shards, and code written for OBELICS."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
import webdataset as wds
from PIL import Image

from weft.schemas.arrow import DOCUMENT_SCHEMA, OBELICS_COLUMNS
from weft.schemas.document import ImageSlot, TextBlock
from weft.schemas.reader import iter_documents, list_shards
from weft.schemas.webdataset import decode_sample

WEBDATASET_LEAKS_FILES = pytest.mark.filterwarnings("ignore::ResourceWarning")
"""webdataset 0.2 leaves each shard's file object to the garbage collector; not our leak."""


@pytest.fixture(scope="module", params=["books", "cc"])
def output(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(f"{request.param}_shards")


@WEBDATASET_LEAKS_FILES
def test_webdataset_reads_the_same_documents_as_the_parquet_shards(output: Path) -> None:
    tars = [str(p) for p in list_shards(output, format="webdataset")]
    samples = list(wds.WebDataset(tars, shardshuffle=False, empty_check=False))
    assert [decode_sample(s) for s in samples] == list(iter_documents(output, format="parquet"))


@WEBDATASET_LEAKS_FILES
def test_webdataset_decoders_see_json_and_images(books_shards: Path) -> None:
    tars = [str(p) for p in list_shards(books_shards, format="webdataset")]
    [sample] = list(wds.WebDataset(tars, shardshuffle=False, empty_check=False).decode("pil"))
    [doc] = iter_documents(books_shards)
    row = sample["json"]
    assert row["doc_id"] == doc.doc_id and row["texts"][0] == doc.segments[0].text  # type: ignore[union-attr]
    images = [sample[k] for k in sorted((k for k in sample if k[0].isdigit()), key=lambda k: int(k.split(".")[0]))]
    assert len(images) == 20 and all(isinstance(im, Image.Image) for im in images)
    for im, slot in zip(images, doc.images):
        with Image.open(io.BytesIO(slot.content)) as original:  # type: ignore[arg-type]
            assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(original.convert("RGB")))


def test_pyarrow_dataset_reads_the_parquet_shards(output: Path) -> None:
    """A weft output directory also holds tar shards, `_ledger/` and `_work/`: pyarrow.dataset
    skips `_` names by itself, and is given the Parquet files (or told to skip other files)."""
    docs = list(iter_documents(output))
    by_list = ds.dataset([str(p) for p in list_shards(output, format="parquet")], format="parquet")
    by_dir = ds.dataset(output, format="parquet", exclude_invalid_files=True)
    for dataset in (by_list, by_dir):
        assert dataset.schema.remove_metadata().equals(DOCUMENT_SCHEMA.remove_metadata())
        table = dataset.to_table(columns=["doc_id", "texts", "images"])
        assert table.column("doc_id").to_pylist() == [d.doc_id for d in docs]
        english = dataset.to_table(columns=["doc_id"], filter=ds.field("html_lang").isin(["en", "en-US", "en-us"])).column("doc_id").to_pylist()
        assert english == [d.doc_id for d in docs if d.html_lang in ("en", "en-US", "en-us")]


def obelics_interleave(texts: list[str | None], images: list[str | None], metadata: str) -> list[tuple[str, str]]:
    """How code written for OBELICS walks a row (the pattern of the IDEFICS and torchtitan data
    loaders): positions hold either a text or an image URL, and `metadata` describes the images."""
    meta = json.loads(metadata)
    out = []
    for text, image, m in zip(texts, images, meta):
        if image is not None:
            assert m["src"] == image
            out.append(("image", image))
        else:
            assert m is None
            out.append(("text", text))
    return out


def test_code_written_for_obelics_works_on_weft_rows(output: Path) -> None:
    docs = list(iter_documents(output))
    table = ds.dataset([str(p) for p in list_shards(output, format="parquet")], format="parquet").to_table(columns=list(OBELICS_COLUMNS))
    assert len(docs) == table.num_rows
    for doc, row in zip(docs, table.to_pylist()):
        want = [("image", s.url) if isinstance(s, ImageSlot) else ("text", s.text) for s in doc.segments]
        assert obelics_interleave(row["texts"], row["images"], row["metadata"]) == want
        general = json.loads(row["general_metadata"])
        assert general["url"] == doc.url and general["warc_record_offset"] == doc.provenance.warc_record_offset
    assert any(isinstance(s, TextBlock) for d in docs for s in d.segments)
