"""The job on Ray Data: shards that pyarrow and the `webdataset` library read back, identical to
what the same stages write in-process."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import webdataset as wds

from weft.jobs.spec import load_job
from weft.pipeline.run.job import run_job
from weft.schemas.arrow import DOCUMENT_SCHEMA, table_to_documents
from weft.schemas.document import SCHEMA_VERSION
from weft.schemas.reader import iter_documents
from weft.schemas.webdataset import decode_sample
from tests.helpers import job, job_outputs, run_inline

pytestmark = pytest.mark.ray

INPUTS = (
    "warc/other/nodewarc_books.toscrape.warc",
    "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz",
    "warc/other/dolma_sample-0000.warc.gz",
    "warc/edge/resiliparse_clipped.warc.gz",
)


@pytest.fixture(scope="module")
def ray_run(ray_local, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    root = tmp_path_factory.mktemp("ray_run")
    inputs = [shared_data / p for p in INPUTS]
    sections = {"read": {"pages_per_chunk": 7}, "output": {"max_docs_per_shard": 5}}
    manifest = run_job(job(root / "ray", *inputs, **sections))
    run_inline(job(root / "inline", *inputs, **sections))
    return root / "ray", manifest, root / "inline"


def test_manifest_records_inputs_config_versions_and_counts(ray_run, shared_data: Path) -> None:
    out, manifest, _ = ray_run
    on_disk = json.loads((out / "_manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["schema_version"] == SCHEMA_VERSION == "1.2" and manifest["weft_version"]
    assert [i["uri"] for i in manifest["inputs"]] == [str(shared_data / p) for p in INPUTS]
    assert manifest["config"]["read"]["pages_per_chunk"] == 7
    assert manifest["executor"]["mode"] == "existing"
    c = manifest["counts"]
    assert c["balanced"] and c["files"] == 4
    assert c["records_by_type"]["response"] >= 16 + 21 + 22
    assert len(manifest["file_errors"]) == 1 and "clipped" in manifest["file_errors"][0]["file"]


def test_ray_and_in_process_runs_write_byte_identical_shards(ray_run) -> None:
    out, manifest, inline = ray_run
    names = sorted(s["path"] for s in manifest["shards"])
    assert names == sorted(p.name for p in inline.iterdir() if p.suffix in (".parquet", ".tar"))
    assert len(names) >= 10
    for name in names:
        assert (out / name).read_bytes() == (inline / name).read_bytes(), name


def test_pyarrow_and_webdataset_read_back_the_same_documents(ray_run) -> None:
    out, manifest, _ = ray_run
    parquet = sorted(out.glob("*.parquet"))
    tars = sorted(out.glob("*.tar"))
    from_parquet = []
    for path in parquet:
        table = pq.read_table(path)
        assert table.schema.equals(DOCUMENT_SCHEMA)
        from_parquet.extend(table_to_documents(table))
    from_tar = []
    for path in tars:
        for sample in wds.WebDataset(str(path), shardshuffle=False):
            from_tar.append(decode_sample(sample))
    assert len(from_parquet) == manifest["counts"]["documents"]["written"] > 30
    assert from_tar == from_parquet
    assert list(iter_documents(out)) == from_parquet
    books = [d for d in from_parquet if d.url == "http://books.toscrape.com/"]
    assert len(books) == 1 and len(books[0].images) == 20


def test_image_stage_on_ray_matches_the_in_process_run(ray_local, shared_data: Path, tmp_path: Path) -> None:
    """The exchanges in Ray Data give the same shards (image bytes included), ledgers, rejects and
    counts as the in-process executor, on real WARCs with the Kosmos-1 rules."""
    inputs = [shared_data / p for p in ("warc/other/nodewarc_books.toscrape.warc", "warc/other/aut_IAH-20080430204825-00000-blackbook.warc.gz",
                                        "warc/other/ukwa_wikipedia-mona-lisa.warc.gz", "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz")]
    # 20 URLs a shard: several exchange partitions from the pictures the main content keeps
    sections = {"read": {"pages_per_chunk": 9}, "images": {"resolve": True, "download": False, "urls_per_shard": 20}}
    rules = load_job("kosmos1").filters
    manifest = run_job(replace(job(tmp_path / "ray", *inputs, **sections), filters=rules))
    run_inline(replace(job(tmp_path / "inline", *inputs, **sections), filters=rules))
    assert manifest["counts"]["unique_images"]["archive:ok"] >= 20
    assert manifest["counts"]["image_slots"]["ok"] >= 20 and manifest["counts"]["image_slots"]["not_attempted"] > 0
    assert len(list((tmp_path / "ray" / "_work" / "done" / "images").glob("*.json"))) > 3  # several exchange partitions
    ray_files, inline_files = job_outputs(tmp_path / "ray"), job_outputs(tmp_path / "inline")
    assert sorted(ray_files) == sorted(inline_files)
    assert any(name.startswith("_rejects/") for name in ray_files) and any(name.startswith("_ledger/images/") for name in ray_files)
    for name in ray_files:
        assert ray_files[name] == inline_files[name], name
    books = [d for d in iter_documents(tmp_path / "ray") if d.url == "http://books.toscrape.com/"]
    assert len(books) == 1 and all(s.content and s.fetch.source == "archive" for s in books[0].images)


def test_job_byte_budget_is_shared_by_ray_download_tasks(ray_local, shared_data: Path, tmp_path: Path) -> None:
    from weft.demo.httpserve import LoopbackServer
    from tests.pipeline.images.test_resolve import write_warc

    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    with LoopbackServer(host="127.0.0.2") as server:
        urls = [server.add_route(f"/img/{i}.png", body=hopper) for i in range(8)]
        warc = write_warc(tmp_path / "pages.warc.gz", {"http://site.example.org/a.html": urls[:4], "http://site.example.org/b.html": urls[4:]})
        images = {"resolve": True, "allow_hosts": ["127.0.0.2"], "threads": 1, "urls_per_shard": 3, "max_job_bytes": 2 * len(hopper)}
        manifest = run_job(job(tmp_path / "out", warc, images=images))
        requested = len(server.requests)
    statuses = manifest["counts"]["image_slots"]
    # Three download tasks share one budget: once two images' bytes are in, the rest stop.
    assert statuses["ok"] == requested and 2 <= requested <= 4
    assert statuses["budget_exhausted"] == 8 - requested


def test_resume_on_ray_fetches_only_the_retryable_failure(ray_local, shared_data: Path, tmp_path: Path) -> None:
    from weft.demo.httpserve import LoopbackServer
    from tests.pipeline.images.test_resolve import write_warc

    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    with LoopbackServer(host="127.0.0.2") as server:
        good = server.add_route("/img/good.png", body=hopper)
        flaky = server.add_route("/img/flaky.png", status=503, body=b"busy")
        warc = write_warc(tmp_path / "pages.warc.gz", {"http://site.example.org/a.html": [good, flaky]})
        images = {"resolve": True, "allow_hosts": ["127.0.0.2"], "retries": 0}
        run_job(job(tmp_path / "out", warc, images=images))
        resume = {"overwrite": True, "resume": True}
        server.add_route("/img/flaky.png", body=hopper)
        before = len(server.requests)
        manifest = run_job(job(tmp_path / "out", warc, images=images, output=resume))
        assert server.requests[before:] == ["/img/flaky.png"]
    assert manifest["counts"]["image_slots"] == {"ok": 2}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _busy_chunk_worker() -> int | None:
    """A Ray worker of this test's own Ray that is running the chunk chain right now."""
    for pid in _descendants(os.getpid()):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if title.startswith(b"ray::") and b"_InputChain" in title:
            return pid
    return None


def test_a_worker_killed_mid_job_changes_nothing(ray_local, shared_data: Path, tmp_path: Path) -> None:
    """Ray retries the task of a worker that died; the task's unit writes the same files under the
    same names again, so no document is lost or written twice."""
    import io
    import threading

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = sorted((shared_data / "html" / "readability").glob("*/source.html"))
    warc = tmp_path / "pages.warc.gz"
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(240):
            body = pages[i % len(pages)].read_bytes()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"http://pages.example.org/{i}.html", "response", payload=io.BytesIO(body),
                                                          http_headers=headers, warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>",
                                                                                                   "WARC-Date": "2024-01-01T00:00:00Z"}))
    rules = load_job("kosmos1").filters
    rules = tuple(r for r in rules if r["name"] in ("english_fasttext_v1", "spam_heuristics_v1"))
    cfg = replace(job(tmp_path / "ray", warc, read={"pages_per_chunk": 10}), filters=rules)
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(manifest=run_job(cfg)))
    runner.start()
    killed = None
    while runner.is_alive() and killed is None:
        killed = _busy_chunk_worker()
        if killed is not None:
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.002)
    runner.join(timeout=300)
    assert killed is not None, "no worker was caught running a chunk"
    manifest = result["manifest"]
    assert manifest["counts"]["balanced"] and manifest["counts"]["pages"] == 240
    run_inline(replace(job(tmp_path / "inline", warc, read={"pages_per_chunk": 10}), filters=rules))
    ray_files, inline_files = job_outputs(tmp_path / "ray"), job_outputs(tmp_path / "inline")
    assert sorted(ray_files) == sorted(inline_files)
    assert all(ray_files[name] == inline_files[name] for name in ray_files)
