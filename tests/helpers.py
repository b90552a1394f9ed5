"""Test helpers: run the job's stages in-process, exactly as Ray would call them, without Ray."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from weft.jobs.spec import JobConfig, load_job

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WEFT_SHARED_DATA") or REPO.parent / "shared" / "data")


def job(out_dir: Path, /, *inputs: str | Path, **sections: dict[str, Any]) -> JobConfig:
    """A JobConfig for tests; `sections` are overrides like read={"pages_per_chunk": 5}.
    The image stage is off unless a test asks for it (`images={"resolve": True, ...}`)."""
    overrides: dict[str, Any] = {"input": {"paths": [str(p) for p in inputs]}, "output": {"path": str(out_dir)}}
    overrides["images"] = {"resolve": False}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    overrides["extract"] = {"on_record_error": "raise", **overrides.get("extract", {})}
    return load_job(None, overrides)


def run_inline(cfg: JobConfig) -> dict[str, Any]:
    """The same stages, chunks and shard names as the Ray runner, called one after another; the
    joins the runner does in Ray Data are plain dictionaries here."""
    from weft.pipeline.read.inputs import resolve_inputs
    from weft.pipeline.write.manifest import WriteTotals, build_manifest
    from weft.pipeline.run.layout import claim_output_dir
    from weft.pipeline.run.stages import ExtractStage, ReadStage, WriteStage

    inputs = resolve_inputs(cfg.input.paths, paths_base=cfg.input.paths_base, offset=cfg.input.offset, limit=cfg.input.limit)
    out = claim_output_dir(cfg.output.path, overwrite=cfg.output.overwrite, resume=cfg.output.resume)
    read, extract = ReadStage(cfg, str(out)), ExtractStage(cfg, str(out))
    totals = WriteTotals()
    if cfg.images.resolve:
        _run_images_inline(cfg, inputs, out, read, extract, totals)
    else:
        write = WriteStage(cfg, str(out))
        for uri in inputs:
            for pages in read.read_file(uri):
                for row in write(extract(pages)).to_pylist():
                    totals.add(row)
    from weft.pipeline.rules.stage import merge_rejects

    merge_rejects(out, Path(cfg.output.rejects) if cfg.output.rejects else out / "_rejects")
    return build_manifest(cfg, inputs, out, totals, started="", finished="", ray_info={"mode": "inline"})


def _run_images_inline(cfg, inputs, out, read, extract, totals) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from weft.pipeline.images.resolve import DOWNLOAD_RESULTS_DIR, IMAGE_ROW_SCHEMA, IMAGES_DIR, SLOTS_DIR, ImageSettings, ResolveImages
    from weft.pipeline.run.stages import ARCHIVE_IMAGES_DIR, FinalizeAndWrite, StageStage, write_parquet_atomic

    stage = StageStage(cfg, str(out))
    for uri in inputs:
        for pages in read.read_file(uri):
            stage(extract(pages))
    slot_rows = pq.read_table(out / SLOTS_DIR).to_pylist() if (out / SLOTS_DIR).is_dir() else []
    urls = sorted({r["url"] for r in slot_rows if r["url"] is not None})
    archive: dict[str, dict[str, Any]] = {}
    if (out / ARCHIVE_IMAGES_DIR).is_dir():
        for r in pq.read_table(out / ARCHIVE_IMAGES_DIR, columns=["url", "payload", "content_type"]).to_pylist():
            archive.setdefault(r["url"], r)
    prior: dict[str, dict[str, Any]] = {}
    if (out / DOWNLOAD_RESULTS_DIR).is_dir():
        for r in pq.read_table(out / DOWNLOAD_RESULTS_DIR).to_pylist():
            if r["url"] not in prior or (r["attempt"] or 0) > (prior[r["url"]]["attempt"] or 0):
                prior[r["url"]] = r
    batch = []
    for url in urls:
        row: dict[str, Any] = {"url": url}
        if url in archive:
            row.update(payload=archive[url]["payload"], archive_content_type=archive[url]["content_type"])
        if url in prior:
            row.update({f"prior_{k}": v for k, v in prior[url].items() if k != "url"})
        batch.append(row)
    from weft.pipeline.images.resolve import DOWNLOAD_RESULT_SCHEMA

    joined_urls = pa.schema(
        [pa.field("url", pa.string()), pa.field("payload", pa.binary()), pa.field("archive_content_type", pa.string())]
        + [pa.field(f"prior_{f.name}", f.type) for f in DOWNLOAD_RESULT_SCHEMA if f.name != "url"]
    )
    resolve = ResolveImages(ImageSettings.from_config(cfg.images), str(out))
    images: list[dict[str, Any]] = []
    size = cfg.images.urls_per_shard
    for start in range(0, len(batch), size):
        images.extend(resolve(pa.Table.from_pylist(batch[start : start + size], schema=joined_urls)).to_pylist())
    if images:
        write_parquet_atomic(out / IMAGES_DIR / "inline.parquet", pa.Table.from_pylist(images, schema=IMAGE_ROW_SCHEMA))
    by_url = {i["url"]: i for i in images}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in slot_rows:
        groups[r["stem"]].append({**r, **by_url.get(r["url"], {})} if r["url"] else dict(r))
    from weft.pipeline.images.resolve import SLOT_ROW_SCHEMA

    joined = pa.schema(list(SLOT_ROW_SCHEMA) + [f for f in IMAGE_ROW_SCHEMA if f.name != "url"])
    finalize = FinalizeAndWrite(cfg, str(out))
    for stem in sorted(groups):
        for row in finalize(pa.Table.from_pylist(groups[stem], schema=joined)).to_pylist():
            totals.add(row)


def cc_with_archived_images(shared_data: Path, work: Path, every: int = 4) -> list[Path]:
    """The Common Crawl excerpts in `shared_data`, plus a WARC that archives a real web image for
    each of the first 12 image URLs of every page except every `every`-th (so pages keep some
    images and drop others); returns the inputs for a job.

    Common Crawl's WARCs hold pages, not the images they show, and tests may not download; an
    archive of the images next to the pages is what a crawl that fetched them would give, and
    weft's image stage takes images from its inputs' image records (see README, images).
    """
    import io
    import uuid

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from weft.schemas.reader import iter_documents

    cc = shared_data / "warc" / "cc"
    inputs = sorted(p for p in cc.iterdir() if p.name.endswith((".warc", ".warc.gz")))
    plain = work / "plain"
    run_inline(job(plain, *inputs))
    urls: list[str] = []
    for doc in iter_documents(plain, format="parquet"):
        for i, slot in enumerate(doc.images[:12]):
            # A URL with a space is left out: warcio writes it as %20 and weft's join by URL
            # (pipeline/net/urls.canonical_url) keeps the page's literal space, so they never meet.
            if i % every != every - 1 and slot.url.startswith("http") and " " not in slot.url and slot.url not in urls:
                urls.append(slot.url)
    images = sorted(p for p in (shared_data / "images" / "web").iterdir() if p.suffix in (".jpg", ".png", ".gif"))
    types = {".jpg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}
    archive = work / "cc-images.warc.gz"
    with open(archive, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n, url in enumerate(urls):
            image = images[n % len(images)]
            body = image.read_bytes()
            headers = StatusAndHeaders("200 OK", [("Content-Type", types[image.suffix])], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
                warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>",
                                   "WARC-Date": "2024-05-20T00:00:00Z"},
            )
            writer.write_record(record)
    return [*inputs, archive]
