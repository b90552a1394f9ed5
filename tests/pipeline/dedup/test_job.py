"""Dedup in a whole job: real page texts and their near-duplicates at known edit rates, packed
into WARCs with capture dates, through `weft`'s plan (documents, dedup keys, components rounds,
assignment, write).

What must hold: copies above the threshold go, pairs near Jaccard 0.5 both stay, each cluster
keeps its earliest capture (then the smallest doc_id), a URL keeps its latest capture, every
removal is in the ledger, the rejects sample and `_dedup/` with what it duplicates, and the
result is the same whatever the chunking, the number of exchange partitions or the executor.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.helpers import job, run_inline
from tests.pipeline.dedup.conftest import edit_words, jaccard
from weft.schemas.document import make_doc_id
from weft.schemas.reader import iter_documents

DEDUP_RULES = [{"name": "dedup_url_v1"}, {"name": "dedup_text_v1"}, {"name": "dedup_minhash_v1"}]


def _page(title: str, text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return f"<html lang='en'><head><title>{html.escape(title)}</title></head><body><article>{paragraphs}</article></body></html>"


def _record_id(url: str, date: str) -> str:
    return f"<urn:uuid:{hashlib.md5(f'{url} {date}'.encode()).hexdigest()}>"


def _warc(path: Path, captures: list[tuple[str, str, str]]) -> None:
    """(url, WARC-Date, text) captures as HTML responses."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, date, text in captures:
            body = _page(url.rsplit("/", 1)[-1], text).encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
                warc_headers_dict={"WARC-Record-ID": _record_id(url, date), "WARC-Date": date}))


def _doc_id(url: str, date: str) -> str:
    return make_doc_id(url, _record_id(url, date))


@pytest.fixture(scope="module")
def corpus(pages: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two WARCs (so pairs meet across inputs) and what each capture should become."""
    work = tmp_path_factory.mktemp("dedup-corpus")
    names = ["aclu", "bbc-1", "nytimes-1", "wikipedia", "medium-3", "heise", "lemonde-1", "folha"]
    first: list[tuple[str, str, str]] = []
    second: list[tuple[str, str, str]] = []
    expect: dict[str, tuple[str, str | None]] = {}  # doc_id -> (fate, duplicate_of)
    for n, name in enumerate(names):
        original = pages[name]
        url = f"http://origin.example/{name}"
        date = f"2024-01-{n + 1:02d}T00:00:00Z"
        first.append((url, date, original))
        expect[_doc_id(url, date)] = ("kept", None)
        # 1% of the words changed: Jaccard about 0.9, a near-duplicate published later
        close = edit_words(original, 10, f"close-{name}")
        assert jaccard(original, close) > 0.85
        second.append((f"http://mirror.example/{name}", f"2024-02-{n + 1:02d}T00:00:00Z", close))
        expect[_doc_id(*second[-1][:2])] = ("dedup_minhash_v1:near_duplicate", _doc_id(url, date))
        # 12% changed: Jaccard about 0.5, a different document that shares a lot
        far = edit_words(original, 120, f"far-{name}")
        assert 0.3 < jaccard(original, far) < 0.65
        second.append((f"http://other.example/{name}", f"2024-03-{n + 1:02d}T00:00:00Z", far))
        expect[_doc_id(*second[-1][:2])] = ("kept", None)
    # The same text captured earlier elsewhere: the earlier capture represents the cluster.
    early = ("http://syndicated.example/aclu", "2023-12-31T00:00:00Z", pages["aclu"].upper())
    second.append(early)
    aclu = _doc_id("http://origin.example/aclu", "2024-01-01T00:00:00Z")
    expect[aclu] = ("dedup_text_v1:same_text", _doc_id(*early[:2]))
    expect[_doc_id(*early[:2])] = ("kept", None)
    expect[_doc_id("http://mirror.example/aclu", "2024-02-01T00:00:00Z")] = ("dedup_minhash_v1:near_duplicate", _doc_id(*early[:2]))
    # One URL captured twice with different texts: the latest capture is the page now.
    old = ("http://news.example/front", "2024-01-10T00:00:00Z", pages["heise"])
    new = ("http://news.example/front", "2024-04-10T00:00:00Z", pages["lemonde-1"] + "\n\n" + pages["folha"])
    first.append(old)
    second.append(new)
    expect[_doc_id(*old[:2])] = ("dedup_url_v1:same_url", _doc_id(*new[:2]))
    expect[_doc_id(*new[:2])] = ("kept", None)
    # The old capture had heise's text exactly, but the URL pass dropped it, so it cannot
    # represent heise's cluster even though it is not the earliest; heise stays.
    _warc(work / "a.warc.gz", first)
    _warc(work / "b.warc.gz", second)
    return {"inputs": [work / "a.warc.gz", work / "b.warc.gz"], "expect": expect, "work": work}


def _run(corpus: dict[str, Any], out: Path, **read: Any) -> dict[str, Any]:
    return run_inline(replace(job(out, *corpus["inputs"], read=read), filters=tuple(DEDUP_RULES)))


def _fates(out: Path) -> dict[str, tuple[str, str | None]]:
    ledger = pq.read_table(sorted(out.glob("_ledger/*.parquet")), columns=["doc_id", "outcome", "reason"]).to_pylist()
    audit = {r["doc_id"]: r["duplicate_of"] for r in pq.read_table(sorted(out.glob("_dedup/*.parquet"))).to_pylist()}
    return {r["doc_id"]: ("kept" if r["outcome"] == "kept" else r["reason"], audit.get(r["doc_id"])) for r in ledger}


def test_each_capture_gets_the_fate_its_edits_call_for(corpus: dict[str, Any], tmp_path: Path) -> None:
    manifest = _run(corpus, tmp_path / "out", pages_per_chunk=5)
    assert manifest["counts"]["balanced"]
    assert _fates(tmp_path / "out") == corpus["expect"]
    dedup = manifest["dedup"]
    assert dedup["passes"] == ["url", "text", "minhash"] and dedup["minhash"]["seed"] == 1
    assert dedup["documents"] == len(corpus["expect"]) and dedup["url_duplicates"] == 1


def test_kept_documents_carry_their_cluster_and_removals_their_jaccard(corpus: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(corpus, out)
    audit = pq.read_table(sorted(out.glob("_dedup/*.parquet"))).to_pylist()
    members: dict[str, int] = {}
    for row in audit:
        if row["rule"] != "dedup_url_v1":
            members[row["duplicate_of"]] = members.get(row["duplicate_of"], 1) + 1
            assert row["jaccard"] >= (1.0 if row["rule"] == "dedup_text_v1" else 0.8), row
        else:
            assert row["jaccard"] is None
    # The old capture of news.example/front left by the URL pass, but it has heise's text: it
    # counts in heise's cluster, whose representative it could not be.
    heise = _doc_id("http://origin.example/heise", "2024-01-06T00:00:00Z")
    members[heise] += 1
    docs = {d.doc_id: d for d in iter_documents(out, format="parquet")}
    for doc_id, doc in docs.items():
        assert doc.dedup.cluster_id == doc_id
        assert doc.dedup.cluster_size == members.get(doc_id, 1)
        assert len(doc.dedup.minhash) == 128 and len(doc.dedup.text_hash) == 32
    # the rejects sample shows the dedup drops with what they duplicate
    sample = (out / "_rejects" / "dedup_minhash_v1" / "near_duplicate.jsonl").read_text().splitlines()
    assert sample and all(json.loads(line)["scores"]["dedup_minhash_v1"]["duplicate_of"] for line in sample)


@pytest.mark.parametrize("pages_per_chunk, rows_per_partition", [(1000, 200_000), (7, 40), (3, 7)],
                         ids=["1-chunk-1-partition", "7-pages-a-chunk", "3-pages-a-chunk-many-partitions"])
def test_chunks_and_partitions_do_not_change_the_result(corpus: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        pages_per_chunk: int, rows_per_partition: int) -> None:
    import weft.pipeline.dedup.settings as settings

    monkeypatch.setattr(settings, "ROWS_PER_PARTITION", rows_per_partition)
    manifest = _run(corpus, tmp_path / "out", pages_per_chunk=pages_per_chunk)
    assert _fates(tmp_path / "out") == corpus["expect"]
    if rows_per_partition < 10:
        assert manifest["dedup"]["key_partitions"] > 5


def _files(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.is_file() and p.relative_to(out).parts[0] not in ("_work", "_manifest.json")}


@pytest.mark.ray
def test_ray_writes_the_same_bytes_as_the_in_process_executor(corpus: dict[str, Any], tmp_path: Path, ray_local: Any) -> None:
    from weft.pipeline.run.job import run_job

    _run(corpus, tmp_path / "local", pages_per_chunk=4)
    cfg = replace(job(tmp_path / "ray", *corpus["inputs"], read={"pages_per_chunk": 4}), filters=tuple(DEDUP_RULES), executor="ray")
    manifest = run_job(cfg)
    assert manifest["executor"]["name"] == "ray" and manifest["dedup"]["component_rounds"] >= 2
    local, ray = _files(tmp_path / "local"), _files(tmp_path / "ray")
    assert any(name.startswith("_dedup/") for name in local) and local == ray


def test_inspect_shows_a_cluster_from_any_of_its_members(corpus: dict[str, Any], tmp_path: Path) -> None:
    from weft.pipeline.cli.main import main

    out = tmp_path / "out"
    _run(corpus, out)
    early = _doc_id("http://syndicated.example/aclu", "2023-12-31T00:00:00Z")
    mirror = _doc_id("http://mirror.example/aclu", "2024-02-01T00:00:00Z")
    import contextlib

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["inspect", str(out), "--cluster", mirror, "--max-chars", "100"]) == 0
    shown = text.getvalue()
    assert shown.startswith(f"cluster of {early}: 3 document(s), 2 removed as duplicates")
    assert f"=== {early}  http://syndicated.example/aclu" in shown
    assert "dedup_text_v1:same_text" in shown and "dedup_minhash_v1:near_duplicate" in shown
    assert re.search(r"near_duplicate of \w+ Jaccard 0\.[89]\d\d", shown), shown
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["inspect", str(out), "--cluster", "f" * 32]) == 2
    assert "no document" in err.getvalue()
