"""`weft demo`: the main job on the embedded sample crawl, end to end on Ray."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from weft.demo.crawl import build_demo_crawl
from weft.pipeline.cli.demo import run_demo
from weft.jobs.errors import UserError
from weft.schemas.reader import iter_documents


def iter_ledger(shards: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(sorted(shards.glob("_ledger/*.parquet")), columns=["url", "reason"]).to_pylist()

pytestmark = pytest.mark.ray


def test_demo_runs_the_job_and_can_run_again(ray_local, tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo(tmp_path / "demo", out=out) == 0
    text = out.getvalue()
    assert "40 pages (en 25, de 4, fr 3, es 3, ja 3, zh 2)" in text
    assert "served from http://127.0.0.1:" in text
    assert "counts add up: yes" in text and "[image " in text
    shards = tmp_path / "demo" / "shards"
    manifest = json.loads((shards / "_manifest.json").read_text())
    counts = manifest["counts"]
    assert manifest["job"] == "demo" and counts["balanced"]
    assert counts["record_outcomes"]["archive_image"] == 18
    # Images came both from the WARC and from the loopback server.
    assert counts["unique_images"]["archive:ok"] > 0 and counts["unique_images"]["download:ok"] > 0
    # The Kosmos-1 recipe ran: every page is written or dropped by a named rule.
    dropped = counts["documents"]["dropped"]
    assert counts["documents"]["written"] + sum(dropped.values()) == 40
    assert dropped["english_fasttext_v1:not_english"] >= 10 and dropped["no_images_v1@text:no_images"] == 8
    docs = list(iter_documents(shards))
    assert len(docs) == counts["documents"]["written"] > 5
    assert all(d.html_lang.startswith("en") for d in docs)
    assert all(1 <= len(d.images) <= 5 for d in docs)
    assert all(s.info.width >= 64 and s.info.height >= 64 and s.content for d in docs for s in d.images)
    assert all("english_fasttext_v1" in d.filter_scores["scores"] for d in docs)
    stats = manifest["filters"]["stats"]["rules"]
    assert stats["no_images_v1@text"]["docs_in"] == 40
    # The planted near-duplicates collapse: of the two English groups that reach dedup (the German
    # one fails the English rule first), each keeps its earliest page; the summary says so.
    groups = build_demo_crawl(tmp_path / "again", "http://127.0.0.1:9/").expectations["near_duplicate_groups"]
    fates = {r["url"]: r["reason"] for r in iter_ledger(shards)}
    english = [g for g in groups if not any((fates[u] or "").startswith("english_fasttext_v1") for u in g)]
    assert len(english) == 2 and all(sum((fates[u] or "").startswith("dedup_minhash_v1") for u in g) == len(g) - 1 for g in english)
    assert dropped["dedup_minhash_v1:near_duplicate"] == sum(len(g) - 1 for g in english)
    assert "removed as duplicates" in text and "dedup: 19 documents compared, 3 removed" in text
    assert manifest["dedup"]["clusters"] == 2 and all(d.dedup.cluster_id == d.doc_id for d in docs)
    # The demo owns its directory: a second run replaces its own output.
    assert run_demo(tmp_path / "demo", out=io.StringIO()) == 0


def test_demo_refuses_a_directory_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(UserError, match="not written by weft demo"):
        run_demo(tmp_path / "mine", out=io.StringIO())
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
