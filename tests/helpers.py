"""Test helpers: job configs for tests, and the product's in-process executor to run them."""

from __future__ import annotations

import hashlib
import json
import os
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
    """Run the job with the product's in-process executor (`executor = "local"`); returns the
    manifest. Job tests use this; the tests that must prove Ray behaviour call `run_job` with the
    Ray executor."""
    from dataclasses import replace

    from weft.pipeline.run.job import run_job

    return run_job(replace(cfg, executor="local"))


def job_outputs(out: Path) -> dict[str, str]:
    """Everything a user reads in a job's output directory (shards, ledgers, rejects, dedup
    audit) by content hash, and the manifest without what names the executor, the config's paths
    or the time: equal for two runs that wrote the same bytes."""
    found = {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in out.rglob("*") if p.is_file() and p.relative_to(out).parts[0] not in ("_work", "_manifest.json")}
    manifest = json.loads((out / "_manifest.json").read_text())
    for volatile in ("started", "finished", "executor", "config", "timings"):
        manifest.pop(volatile)
    found["_manifest.json"] = json.dumps(manifest, sort_keys=True)
    return found


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


def fresh_python(code: str, *, unbuilt: str | None = None) -> str:
    """What `code` prints in a new interpreter, where the modules that choose between a compiled
    extension and its Python twin choose again (they choose once, at import). `unbuilt` names an
    extension to hide, as an install without a C compiler would lack it."""
    import subprocess
    import sys

    if unbuilt is not None:
        code = f"import sys\nsys.modules[{unbuilt!r}] = None  # as if it had not been built\n" + code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
