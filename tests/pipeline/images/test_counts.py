"""The boilerplate-image rule end to end: the job-wide count of documents per image (the image
exchange's count step, pipeline/images/counts.py) on a generated crawl of real images and prose,
through the product's executors; and the repeat rule on a real crawl.

The crawl (tests/pipeline/images/conftest.py): a logo on 12 pages under two URLs, an inline badge
on 11, an image on exactly 10 pages, one on 3, a book cover of its own on each page. The job is
`jobs/obelics_like.toml` as shipped (threshold 10).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from weft.filters.hashing import hash_uniform
from weft.jobs.spec import load_job
from weft.pipeline.images.counts import IMAGE_KEY
from weft.pipeline.layout import OutputLayout
from weft.pipeline.run.job import run_job
from weft.pipeline.run.plan import build_plan
from weft.schemas.reader import iter_documents
from tests.helpers import job, job_outputs, run_inline
from tests.pipeline.images.conftest import LOGO_URLS, LogoCrawl
from tests.pipeline.run.test_resume import WEFT, _env, _run_and_kill

PAGES_PER_CHUNK = 4  # 15 pages in 4 chunks: the count crosses chunks (and their shards)


def obelics_job(out: Path, crawl: LogoCrawl, urls_per_shard: int = 1000, **sections: dict[str, Any]):  # type: ignore[no-untyped-def]
    cfg = job(out, crawl.warc, images={"resolve": True, "download": False, "urls_per_shard": urls_per_shard},
              read={"pages_per_chunk": PAGES_PER_CHUNK}, **sections)
    return replace(cfg, filters=load_job("obelics_like").filters)


def outputs(out: Path) -> dict[str, str]:
    """Shards, ledgers and rejects by content hash, and the manifest's counts and rule stats."""
    found = {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.rglob("*")) if p.is_file() and p.relative_to(out).parts[0] not in ("_work", "_manifest.json")}
    manifest = json.loads((out / "_manifest.json").read_text())
    found["_manifest.json"] = json.dumps({k: manifest[k] for k in ("counts", "filters", "shards")}, sort_keys=True)
    return found


@pytest.fixture(scope="module")
def one_partition(logo_crawl: LogoCrawl, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("boilerplate") / "out"
    return out, run_inline(obelics_job(out, logo_crawl))


def test_the_logo_leaves_all_12_pages_and_the_image_on_3_pages_stays(logo_crawl: LogoCrawl, one_partition: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = one_partition
    sha = logo_crawl.sha256
    written = {doc.url: doc for doc in iter_documents(out, format="parquet")}
    kept_images = Counter(s.info.sha256 for doc in written.values() for s in doc.images)
    assert kept_images[sha["logo"]] == 0 and kept_images[sha["badge"]] == 0
    assert kept_images[sha["other"]] == 3 and kept_images[sha["ten"]] == 10  # 10 is not more than 10
    for n, url in enumerate(logo_crawl.pages):
        doc = written.get(url)
        if doc is None:
            continue
        boilerplate = sorted(d.info.sha256 for d in doc.dropped_slots if d.reason == "image_boilerplate_v1:boilerplate")
        assert boilerplate == sorted(sha[name] for name in ("logo", "badge") if n in logo_crawl.shown[name]), url
    # Page 0 shows the logo twice: the second copy goes as a repeat, the first as boilerplate.
    page0 = written[logo_crawl.pages[0]]
    assert [d.reason for d in page0.dropped_slots] == ["image_boilerplate_v1:boilerplate", "image_repeat_v1:repeated"]
    assert [s.info.sha256 for s in page0.images] == [sha["other"], sha["content-0"]]


def test_rule_counts_add_up_in_the_manifest_and_the_ledger(logo_crawl: LogoCrawl, one_partition: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = one_partition
    rules = manifest["filters"]["stats"]["rules"]
    slots = 12 + 1 + 11 + 10 + 3 + 14  # logo (twice on page 0), badge, ten, other, covers
    assert rules["image_repeat_v1"]["slots_in"] == slots and rules["image_repeat_v1"]["slots_dropped"] == {"repeated": 1}
    assert rules["image_boilerplate_v1"]["slots_in"] == slots - 1
    assert rules["image_boilerplate_v1"]["slots_dropped"] == {"boilerplate": 12 + 11}
    assert rules["max_images_v1"]["slots_in"] == slots - 1 - 23
    for stats in rules.values():
        assert stats["slots_in"] == stats["slots_kept"] + sum(stats["slots_dropped"].values())
        assert stats["docs_in"] == stats["docs_kept"] + sum(stats["docs_dropped"].values())
    counts = manifest["counts"]
    assert counts["balanced"] and counts["pages"] == 15
    assert counts["documents"]["written"] + sum(counts["documents"]["dropped"].values()) == 15
    # Page 14 showed only the badge: nothing is left, and the rejects sample says so.
    assert counts["documents"]["dropped"]["no_images_v1@image:no_images_left"] == 1
    sample = [json.loads(line) for line in (out / "_rejects/no_images_v1@image/no_images_left.jsonl").read_text().splitlines()]
    assert [r["url"] for r in sample] == [logo_crawl.pages[14]]
    # The count rules count real images: single-image documents after dedup are the ones sampled,
    # among them page 11 (logo, badge and one cover: one real image).
    ledger = [row for path in sorted((out / "_ledger").glob("*.parquet")) for row in pq.read_table(path).to_pylist()]
    images_counted = {row["url"]: json.loads(row["filter_scores"])["scores"]["single_image_subsample_v1"]["images"]
                      for row in ledger if row["filter_scores"] and "single_image_subsample_v1" in json.loads(row["filter_scores"])["scores"]}
    assert images_counted[logo_crawl.pages[11]] == 1 and images_counted[logo_crawl.pages[0]] == 2
    single = [u for u, n in images_counted.items() if n == 1]
    subsampled = [u for u in single if hash_uniform(0, logo_crawl.doc_ids[u]) >= 0.5]
    assert counts["documents"]["dropped"].get("single_image_subsample_v1:single_image_subsampled", 0) == len(subsampled)
    # Every slot's job-wide count is in the page ledger's scores.
    boilerplate_scores = [s for row in ledger if row["filter_scores"]
                          for s in json.loads(row["filter_scores"])["slot_scores"].get("image_boilerplate_v1", [])]
    assert Counter(s["scores"]["documents"] for s in boilerplate_scores) == Counter({12: 12, 11: 11, 10: 10, 3: 3, 1: 14})
    # The logo under its two URLs (6 pages each) is one image of 12 documents: counted by bytes.
    assert {s["url"] for s in boilerplate_scores if s["scores"]["documents"] == 12} == set(LOGO_URLS)


def test_same_output_with_more_partitions(logo_crawl: LogoCrawl, one_partition: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = one_partition
    many = tmp_path / "many"
    run_inline(obelics_job(many, logo_crawl, urls_per_shard=2))
    assert len(list((many / "_work" / "images").glob("part-*.parquet"))) > 5
    assert outputs(many) == outputs(out)


@pytest.mark.ray
def test_same_output_on_ray(ray_local, logo_crawl: LogoCrawl, one_partition: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = one_partition
    manifest = run_job(replace(obelics_job(tmp_path / "ray", logo_crawl, urls_per_shard=3), executor="ray"))
    assert manifest["executor"]["name"] == "ray"
    assert outputs(tmp_path / "ray") == outputs(out)


def test_the_count_step_is_in_the_plan_only_when_a_rule_needs_it(tmp_path: Path) -> None:
    layout = OutputLayout(tmp_path)
    with_rule = build_plan(replace(job(tmp_path, images={"resolve": True}), filters=load_job("obelics_like").filters), layout)
    without = build_plan(replace(job(tmp_path, images={"resolve": True}), filters=load_job("kosmos1").filters), layout)
    assert [s.key for s in with_rule.phases[-1].steps] == ["part", IMAGE_KEY, "stem"]
    assert [s.key for s in without.phases[-1].steps] == ["part", "stem"]
    assert "grouped by part, then by image_key, then by stem" in with_rule.explain(tmp_path)


def test_a_killed_job_resumes_with_the_same_counts(logo_crawl: LogoCrawl, tmp_path: Path) -> None:
    """The count step writes no marker: a resumed job recomputes it from the persisted partitions.
    Killed after some chunks were written with their counts, the job finishes the others with the
    same counts, byte-identical to a run that was never interrupted."""
    def argv(out: Path, *extra: str) -> list[str]:
        return [WEFT, "run", "obelics_like", "--input", str(logo_crawl.warc), "--output", str(out), "--no-download",
                "--executor", "local", "--set", "read.pages_per_chunk=2", "--set", "images.urls_per_shard=3", *extra]

    reference = subprocess.run(argv(tmp_path / "reference"), env=_env(), capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "out"
    _run_and_kill(argv(out), out, "finalize", 2)
    done = {p.name for p in (out / "_work" / "done" / "finalize").glob("*.json")}
    assert 2 <= len(done) < 8
    resumed = subprocess.run(argv(out, "--resume"), env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert job_outputs(out) == job_outputs(tmp_path / "reference")
