"""The job's stages end to end on real WARCs, in-process (the Ray wiring is tested separately)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from weft.jobs.errors import UserError
from weft.pipeline.layout import claim_output_dir
from weft.pipeline.layout import OutputLayout
from weft.schemas.document import ImageSlot
from weft.schemas.reader import iter_documents
from tests.helpers import SHARED_DATA, job, run_inline

ALL_WARCS = sorted(
    str(p.relative_to(SHARED_DATA))
    for p in (SHARED_DATA / "warc").rglob("*")
    if p.is_file() and p.name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz"))
) or ["(no WARCs found in shared data)"]


def _docs(out: Path, fmt: str = "parquet") -> list:
    return list(iter_documents(out, format=fmt))


def test_books_toscrape_page_has_20_covers_in_page_order_all_in_the_archive(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/other/nodewarc_books.toscrape.warc"
    manifest = run_inline(job(tmp_path / "out", warc))
    (doc,) = _docs(tmp_path / "out")
    slots = doc.images
    assert len(slots) == 20
    assert doc.url == "http://books.toscrape.com/"
    # Page order: the first and last books on the page, resolved against the page URL.
    assert slots[0].url == "http://books.toscrape.com/media/cache/2c/da/2cdad67c44b002e7ead0cc35693c0e8b.jpg"
    assert slots[0].alt == "A Light in the Attic"
    assert slots[0].raw_value == "media/cache/2c/da/2cdad67c44b002e7ead0cc35693c0e8b.jpg"
    assert slots[-1].alt == "It's Only the Himalayas"
    # Each slot's image is between two text blocks (title, price...) in reading order.
    kinds = ["img" if isinstance(s, ImageSlot) else "txt" for s in doc.segments]
    assert kinds.count("img") == 20 and "img,img" not in ",".join(kinds)
    index = pq.read_table(OutputLayout(tmp_path / "out").archive_images_dir).to_pylist()
    assert len(index) == 20 == manifest["counts"]["record_outcomes"]["archive_image"]
    archived = {r["url"]: r for r in index}
    assert [s.url for s in slots] == [s.url for s in slots if s.url in archived]
    assert all(archived[s.url]["payload"][:3] == b"\xff\xd8\xff" for s in slots)  # real JPEG bytes
    assert manifest["counts"]["balanced"] is True


def test_cc_warc_gives_one_document_per_html_response_and_offsets_reread(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
    manifest = run_inline(job(tmp_path / "out", warc, read={"pages_per_chunk": 5}))
    counts = manifest["counts"]
    assert counts["records_by_type"] == {"request": 17, "response": 16, "metadata": 16, "warcinfo": 1}
    assert counts["pages"] == 16
    ledger = pq.read_table(OutputLayout(tmp_path / "out").ledger_dir).to_pylist()
    assert len(ledger) == 16 == counts["documents"]["written"] + sum(counts["documents"]["dropped"].values()) + sum(
        counts["documents"]["failed"].values()
    )
    docs = _docs(tmp_path / "out")
    assert len(docs) == counts["documents"]["written"] >= 15
    assert len({d.doc_id for d in docs}) == len(docs)
    with open(warc, "rb") as raw:
        for doc in docs:
            p = doc.provenance
            assert p.warc_file == str(warc)
            raw.seek(p.warc_record_offset)
            record = next(iter(ArchiveIterator(raw)))
            assert record.rec_headers.get_header("WARC-Record-ID") == p.warc_record_id
            assert record.rec_headers.get_header("WARC-Target-URI") == p.target_uri == doc.url
            assert record.rec_headers.get_header("WARC-Date") == p.warc_date
            assert p.http_content_type == "text/html"
    # 16 pages in chunks of 5 → four runs of pages, so four shard stems per format.
    stems = {s["path"].rsplit("-", 1)[0] for s in manifest["shards"]}
    assert len(stems) == 4


def test_clipped_gzip_keeps_what_came_before_and_records_the_damage(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/edge/resiliparse_clipped.warc.gz"
    manifest = run_inline(job(tmp_path / "out", warc))
    assert len(manifest["file_errors"]) == 1
    err = manifest["file_errors"][0]
    assert err["file"] == str(warc) and err["error"]
    assert manifest["counts"]["balanced"] is True
    assert manifest["counts"]["records"] == sum(manifest["counts"]["record_outcomes"].values())


@pytest.mark.parametrize("name", ["jwat_small_BNF.arc", "jwat_1-1-20110922131213-00000-svc-VirtualBox.arc"])
def test_arc_files_become_documents(shared_data: Path, tmp_path: Path, name: str) -> None:
    manifest = run_inline(job(tmp_path / "out", shared_data / "warc/arc" / name))
    docs = _docs(tmp_path / "out")
    assert docs and manifest["counts"]["balanced"]
    assert all(d.provenance.warc_record_id.startswith("<arc:") for d in docs)
    assert all(d.provenance.warc_date[:2] in ("19", "20") for d in docs)


@pytest.mark.parametrize("rel", ALL_WARCS)
def test_every_real_warc_is_fully_accounted_for(shared_data: Path, tmp_path: Path, rel: str) -> None:
    manifest = run_inline(job(tmp_path / "out", shared_data / rel))
    c = manifest["counts"]
    assert c["balanced"], c
    assert c["records"] == sum(c["records_by_type"].values()) == sum(c["record_outcomes"].values())
    docs = c["documents"]
    assert c["pages"] == docs["written"] + sum(docs["dropped"].values()) + sum(docs["failed"].values())
    ledger_rows = pq.read_table(OutputLayout(tmp_path / "out").ledger_dir).num_rows if c["pages"] else 0
    assert ledger_rows == c["pages"]
    written = _docs(tmp_path / "out") if docs["written"] else []
    assert len(written) == docs["written"]
    assert not docs["failed"], docs["failed"]


def test_same_inputs_give_byte_identical_shards(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/other/dolma_sample-0001.warc.gz"
    for name in ("a", "b"):
        run_inline(job(tmp_path / name, warc, read={"pages_per_chunk": 4}, output={"max_docs_per_shard": 3}))
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_file() and p.name != "_manifest.json")
    files_b = sorted(p.name for p in (tmp_path / "b").iterdir() if p.is_file() and p.name != "_manifest.json")
    assert files_a == files_b and len(files_a) > 4
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_parquet_and_webdataset_hold_the_same_documents(shared_data: Path, tmp_path: Path) -> None:
    run_inline(job(tmp_path / "out", shared_data / "warc/other/dolma_sample-0000.warc.gz"))
    assert _docs(tmp_path / "out", "parquet") == _docs(tmp_path / "out", "webdataset")


def test_output_dir_with_another_jobs_shards_is_refused_unless_overwrite(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/cc/jwarc_cc.warc.gz"
    run_inline(job(tmp_path / "out", warc))
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="already holds another job's shards"):
        run_inline(job(tmp_path / "out", warc))
    manifest = run_inline(job(tmp_path / "out", warc, output={"overwrite": True}))
    assert manifest["counts"]["documents"]["written"] == 1
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"  # only weft's own files are replaced
    with pytest.raises(UserError, match="not a directory"):
        claim_output_dir(str(tmp_path / "out" / "notes.txt"), overwrite=True)


def test_read_stats_and_ledger_explain_every_page(shared_data: Path, tmp_path: Path) -> None:
    warc = shared_data / "warc/other/ukwa_wikipedia-mona-lisa.warc.gz"
    manifest = run_inline(job(tmp_path / "out", warc))
    ledger = pq.read_table(OutputLayout(tmp_path / "out").ledger_dir).to_pylist()
    kept = [r for r in ledger if r["outcome"] == "kept"]
    assert all(r["shard"] and (tmp_path / "out" / r["shard"]).is_file() for r in kept)
    assert all(r["reason"] for r in ledger if r["outcome"] != "kept")
    stats = json.loads(next(OutputLayout(tmp_path / "out").done_dir("read").glob("*.json")).read_text())
    assert stats["uri"] == str(warc) and stats["pages"] == manifest["counts"]["pages"] == len(ledger)
