"""The image stage on real images: statuses, sizes, archive first, downloads once, refusals, caps.

Pages are written into a WARC made here; the images they show are real files from
`shared/data/images`, served by a loopback server on 127.0.0.2 that the job allows by host name
while private networks stay forbidden, so the refusals are the default policy's.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from weft.pipeline.images import status as st
from weft.demo.httpserve import LoopbackServer
from weft.pipeline.layout import OutputLayout
from weft.schemas.reader import iter_documents
from tests.helpers import job, run_inline

HOST = "127.0.0.2"
PAGE_URL = "http://gallery.example.org/index.html"


def write_warc(path: Path, pages: dict[str, list[str]]) -> Path:
    """One HTML response per page URL, showing the given image URLs in order."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, images in pages.items():
            body = "<html lang=en><head><title>Gallery</title></head><body><article>"
            for i, src in enumerate(images):
                body += f"<p>Picture number {i} of this gallery.</p><img src='{src}' alt='picture {i}'>"
            body += "<p>The end of the gallery.</p></article></body></html>"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record_id = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>"  # stable doc ids, run after run
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body.encode()), http_headers=headers,
                                               warc_headers_dict={"WARC-Record-ID": record_id})
            writer.write_record(record)
    return path


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid little PNG whose header declares a huge picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def slot_outcomes(out: Path) -> dict[str, dict[str, Any]]:
    """Every image slot of every written document by URL: kept ones and dropped ones."""
    found: dict[str, dict[str, Any]] = {}
    for doc in iter_documents(out, format="parquet"):
        for slot in doc.images:
            found[slot.url] = {"status": slot.fetch.status, "fetch": slot.fetch, "info": slot.info, "content": slot.content}
        for d in doc.dropped_slots:
            if d.fetch is not None:
                found[d.url] = {"status": d.fetch.status, "fetch": d.fetch, "info": d.info, "content": None}
    return found


@pytest.fixture
def server():
    with LoopbackServer(host=HOST) as srv:
        yield srv


def image_job(out: Path, warc: Path, **images: Any):
    settings = {"resolve": True, "allow_hosts": [HOST], "timeout_s": 1.0, "retries": 0, **images}
    return job(out, warc, images=settings)


def test_every_slot_gets_a_status_and_the_decoded_size(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    pillow = shared_data / "images/pillow"
    files = {
        "one.png": "tRNS_null_1x1.png",
        "small.png": "7x13.png",
        "cmyk.jpg": "pil_sample_cmyk.jpg",
        "exif.jpg": "hopper_orientation_6.jpg",
        "anim.gif": "chi.gif",
        "flower.webp": "flower.webp",
        "hopper.avif": "avif__hopper.avif",
        "palette.png": "pil123p.png",
    }
    urls = {name: server.add_route(f"/img/{name}", body=(pillow / src).read_bytes()) for name, src in files.items()}
    flower = (pillow / "flower.jpg").read_bytes()
    urls["cut.jpg"] = server.add_route("/img/cut.jpg", body=flower[: len(flower) // 2])
    urls["missing"] = server.add_route("/img/missing.png", status=404, body=b"no")
    urls["broken"] = server.add_route("/img/broken.png", status=500, body=b"oops")
    urls["slow"] = server.add_route("/img/slow.png", body=(pillow / "hopper.png").read_bytes(), delay_s=3.0)
    urls["noai"] = server.add_route("/img/noai.png", body=(pillow / "hopper.png").read_bytes(), headers={"X-Robots-Tag": "noai"})
    urls["bomb"] = server.add_route("/img/bomb.png", body=png_bomb())
    urls["huge"] = server.add_route("/img/huge.jpg", body=b"\xff\xd8\xff" + b"\0" * 100, headers={"Content-Length": str(1024**3)})
    urls["redirect"] = server.add_route("/img/moved.png", redirect_to=f"http://127.0.0.1:{server.port}/img/one.png")
    urls["loopback"] = f"http://127.0.0.1:{server.port}/img/one.png"
    urls["metadata"] = "http://169.254.169.254/latest/meta-data/iam.png"
    warc = write_warc(tmp_path / "gallery.warc.gz", {PAGE_URL: list(urls.values())})

    manifest = run_inline(image_job(tmp_path / "out", warc, max_images_per_doc=len(urls)))
    got = slot_outcomes(tmp_path / "out")
    expected_ok = {
        "one.png": (1, 1, "PNG", 1),
        "small.png": (7, 13, "PNG", 1),
        "cmyk.jpg": (100, 100, "JPEG", 1),
        "exif.jpg": (128, 128, "JPEG", 1),
        "anim.gif": (320, 240, "GIF", 31),
        "flower.webp": (480, 360, "WEBP", 1),
        "hopper.avif": (128, 128, "AVIF", 1),
        "palette.png": (162, 150, "PNG", 1),
    }
    for name, (w, h, fmt, frames) in expected_ok.items():
        slot = got[urls[name]]
        assert slot["status"] == st.OK, (name, slot["fetch"])
        assert (slot["info"].width, slot["info"].height, slot["info"].format, slot["info"].frames) == (w, h, fmt, frames), name
        assert slot["content"] == (pillow / files[name]).read_bytes()  # original bytes, unchanged
        assert slot["fetch"].source == st.SOURCE_DOWNLOAD and slot["fetch"].http_status == 200
        assert slot["fetch"].bytes == len(slot["content"]) and slot["fetch"].elapsed_ms is not None
    assert got[urls["cmyk.jpg"]]["info"].mode == "CMYK"
    expected_failures = {
        "cut.jpg": (st.TRUNCATED, None),
        "missing": (st.HTTP_ERROR, 404),
        "broken": (st.HTTP_ERROR, 500),
        "slow": (st.TIMEOUT, None),
        "noai": (st.OPTED_OUT, None),
        "bomb": (st.TOO_LARGE, None),
        "huge": (st.TOO_LARGE, None),
        "redirect": (st.BLOCKED, None),
        "loopback": (st.BLOCKED, None),
        "metadata": (st.BLOCKED, None),
    }
    for name, (status, code) in expected_failures.items():
        fetch = got[urls[name]]["fetch"]
        assert fetch.status == status, (name, fetch)
        if code:
            assert fetch.http_status == code
    # Nothing was asked of 127.0.0.1 itself: the refusals happened before connecting.
    assert all(not r.startswith("/img/one.png?") for r in server.requests)
    assert manifest["counts"]["image_slots"][st.OK] == len(expected_ok)
    assert manifest["counts"]["image_slots"][st.BLOCKED] == 3
    assert sum(manifest["counts"]["image_slots"].values()) == len(urls)
    # The fetch ledger has one row per slot, with the same statuses.
    ledger = pq.read_table(OutputLayout(tmp_path / "out").image_ledger_dir).to_pylist()
    assert {r["url"]: r["status"] for r in ledger} == {u: got[u]["status"] for u in urls.values()}


def test_unique_urls_are_fetched_once_and_caps_apply(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    urls = [server.add_route(f"/img/{i}.png", body=hopper) for i in range(4)]
    warc = write_warc(tmp_path / "pages.warc.gz", {f"http://site.example.org/{p}.html": urls for p in range(3)})
    manifest = run_inline(image_job(tmp_path / "out", warc, max_images_per_doc=3))
    assert sorted(server.requests) == sorted(f"/img/{i}.png" for i in range(3))  # 3 per doc, each once
    assert manifest["counts"]["image_slots"] == {st.OK: 9, st.OVER_CAP: 3}


def test_job_byte_budget_stops_downloads(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    urls = [server.add_route(f"/img/{i}.png", body=hopper) for i in range(6)]
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: urls})
    manifest = run_inline(image_job(tmp_path / "out", warc, max_job_bytes=len(hopper) + 1, threads=1))
    statuses = manifest["counts"]["image_slots"]
    assert statuses[st.BUDGET_EXHAUSTED] >= 4 and statuses[st.OK] <= 2
    assert len(server.requests) == statuses[st.OK]


def test_per_image_byte_cap(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    big = (shared_data / "images/pillow/flower2.jpg").read_bytes()
    url = server.add_route("/img/big.jpg", body=big)
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [url]})
    run_inline(image_job(tmp_path / "out", warc, max_image_bytes=len(big) - 1))
    assert slot_outcomes(tmp_path / "out")[url]["status"] == st.TOO_LARGE


def test_rerun_with_resume_fetches_only_what_failed_retryably(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    good = server.add_route("/img/good.png", body=hopper)
    flaky = server.add_route("/img/flaky.png", status=503, body=b"busy")
    gone = server.add_route("/img/gone.png", status=404, body=b"no")
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [good, flaky, gone]})
    first = run_inline(image_job(tmp_path / "out", warc))
    assert first["counts"]["image_slots"] == {st.OK: 1, st.HTTP_ERROR: 2}
    from dataclasses import replace

    cfg = image_job(tmp_path / "out", warc)
    cfg = replace(cfg, output=replace(cfg.output, overwrite=True, resume=True))
    before = len(server.requests)
    again = run_inline(cfg)  # still failing: retried once, and remembered as the latest attempt
    assert server.requests[before:] == ["/img/flaky.png"] and again["counts"]["image_slots"] == first["counts"]["image_slots"]
    server.add_route("/img/flaky.png", body=hopper)  # the server recovered
    before = len(server.requests)
    second = run_inline(cfg)
    assert server.requests[before:] == ["/img/flaky.png"]  # not good.png (ok), not gone.png (404 is final)
    assert second["counts"]["image_slots"] == {st.OK: 2, st.HTTP_ERROR: 1}
    results = pq.read_table(tmp_path / "out" / "_work/downloads/results").to_pylist()
    attempts = [r["attempt"] for r in results if r["url"] == flaky]
    assert max(attempts) == 3 and len(attempts) == len(set(attempts))


@pytest.mark.parametrize(
    "keep, check",
    [
        ("none", lambda s: s["content"] is None),
        ("resized", lambda s: s["content"] and len(s["content"]) < 86491 and s["content"][:3] == b"\xff\xd8\xff"),
    ],
)
def test_bytes_in_shards_follow_keep_bytes(shared_data: Path, tmp_path: Path, server: LoopbackServer, keep: str, check: Any) -> None:
    url = server.add_route("/img/flower2.jpg", body=(shared_data / "images/pillow/flower2.jpg").read_bytes())
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [url]})
    run_inline(image_job(tmp_path / "out", warc, keep_bytes=keep, resize_max_side=128))
    slot = slot_outcomes(tmp_path / "out")[url]
    assert slot["status"] == st.OK and slot["info"].width == 300  # info describes the original
    assert check(slot)


def test_books_toscrape_covers_all_come_from_the_archive(shared_data: Path, tmp_path: Path) -> None:
    manifest = run_inline(job(tmp_path / "out", shared_data / "warc/other/nodewarc_books.toscrape.warc", images={"resolve": True}))
    assert manifest["counts"]["unique_images"] == {"archive:ok": 20}
    assert manifest["counts"]["image_slots"] == {st.OK: 20}
    assert not (tmp_path / "out" / "_work/downloads").exists()  # zero downloads
    (doc,) = iter_documents(tmp_path / "out", format="parquet")
    assert all(s.info.format == "JPEG" and 150 <= s.info.height <= 160 for s in doc.images)


@pytest.fixture
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real page URLs point at real hosts; resolve none of them (no DNS traffic from tests)."""
    real = socket.getaddrinfo

    def only_loopback(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).startswith("127.") or host in ("::1",):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "offline test: no DNS")

    monkeypatch.setattr(socket, "getaddrinfo", only_loopback)


@pytest.mark.parametrize("name", ["ukwa_wikipedia-mona-lisa.warc.gz", "aut_IAH-20080430204825-00000-blackbook.warc.gz"])
def test_archive_images_are_used_and_the_rest_are_attempted(offline_dns: None, shared_data: Path, tmp_path: Path, name: str) -> None:
    manifest = run_inline(job(tmp_path / "out", shared_data / "warc/other" / name, images={"resolve": True, "timeout_s": 1.0, "retries": 0}))
    unique = manifest["counts"]["unique_images"]
    assert unique.get("archive:ok", 0) > 0
    attempted = {k: v for k, v in unique.items() if k.startswith("download:")}
    assert attempted and set(attempted) <= {"download:connection_error"}
    slots = manifest["counts"]["image_slots"]
    assert slots[st.OK] > 0 and sum(slots.values()) == slots[st.OK] + sum(v for k, v in slots.items() if k != st.OK)
    assert manifest["counts"]["balanced"]


def test_kosmos1_recipe_with_rejects_on_served_images(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    """The recipe end to end in-process: image rules see decoded pixels, stats add up, rejects
    are sampled with their scores."""
    pillow = shared_data / "images/pillow"
    big = server.add_route("/img/flower.jpg", body=(pillow / "flower.jpg").read_bytes())
    tiny = server.add_route("/img/small.png", body=(pillow / "7x13.png").read_bytes())
    english = {f"http://site.example.org/{i}.html": [big, tiny] for i in range(3)}
    warc = write_warc(tmp_path / "pages.warc.gz", english)
    from dataclasses import replace

    cfg = image_job(tmp_path / "out", warc)
    from weft.jobs.spec import load_job

    recipe = load_job("kosmos1")
    cfg = replace(cfg, filters=recipe.filters, output=replace(cfg.output, rejects=str(tmp_path / "rejects")))
    manifest = run_inline(cfg)
    rules = manifest["filters"]["stats"]["rules"]
    # The tiny image is dropped by size, leaving one image: half the single-image documents go.
    assert rules["min_image_size_v1"]["slots_dropped"] == {"too_small": 3}
    kept = rules["single_image_subsample_v1"]["docs_kept"]
    from weft.filters.hashing import hash_uniform
    from weft.schemas.document import make_doc_id

    survivors = [u for u in english if hash_uniform(0, make_doc_id(u, f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, u)}>")) < 0.5]
    assert kept == len(survivors) and manifest["counts"]["documents"]["written"] == kept
    dropped = manifest["counts"]["documents"]["dropped"]
    assert dropped.get("single_image_subsample_v1:single_image_subsampled", 0) == 3 - kept
    for doc in iter_documents(tmp_path / "out", format="parquet"):
        assert [s.url for s in doc.images] == [big]
        assert doc.dropped_slots[-1].reason == "min_image_size_v1:too_small" and doc.dropped_slots[-1].info.width == 7
        assert doc.filter_scores["scores"]["english_fasttext_v1"]
    assert kept < 3  # these three URLs were chosen so that the hash sends at least one away
    sample = (tmp_path / "rejects" / "single_image_subsample_v1" / "single_image_subsampled.jsonl").read_text().splitlines()
    assert len(sample) == 3 - kept and json.loads(sample[0])["scores"]["single_image_subsample_v1"]
