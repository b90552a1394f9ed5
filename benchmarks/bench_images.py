"""Image stage throughput: archive images resolved + validated per core, downloads per second, and
what the count step of image dedup costs the image exchange.

1. Archive: `ResolveImages.resolve` on a batch of image records (real images from ../shared/data/images
   when present, else images generated with Pillow), timed in CPU seconds of this one process:
   images/s per core for validation (Pillow decode, sizes, hashes, colour scores).
2. Downloads: the same stage on unique URLs served by a loopback server that holds every response
   back 100 ms, timed in wall-clock seconds: downloads/s with img2dataset's thread pool. This
   measures concurrency, not bandwidth.
3. Exchange (`--exchange-pages N`, 0 to skip): a WARC of N pages, each showing the site's logo and
   5 of 2.5 N distinct archived images (real JPEGs made distinct by a comment segment), run with
   `weft run` (a process each, in-process executor unless `--exchange-executor ray`) with the
   Kosmos-1 image rules, then with `image_boilerplate_v1` added (the exchange's extra regroup by
   image, `pipeline/images/counts.py`): the images phase's wall time as weft logs it, the run's
   CPU time (its process tree as reaped; less sensitive to other load than wall time) and the peak
   RSS of the `weft run` process (on Ray: the driver's only); rounds alternate A B A B.

    python benchmarks/bench_images.py [--archive 2000] [--downloads 400] [--threads 16] [--latency 0.1]
                                      [--exchange-pages 600] [--exchange-rounds 2] [--exchange-executor local]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_warcs import SHARED_DATA
from weft.demo.httpserve import LoopbackServer
from weft.jobs.spec import load_job
from weft.pipeline.images.resolve import ResolveImages
from weft.pipeline.images.settings import ImageSettings
from weft.pipeline.layout import OutputLayout

SHARED_IMAGES = SHARED_DATA / "images" / "web"


def sample_images() -> list[bytes]:
    files = sorted(p for p in SHARED_IMAGES.glob("*") if p.suffix.lower() in (".jpg", ".png", ".gif", ".webp"))
    if files:
        return [p.read_bytes() for p in files]
    from PIL import Image

    rng = random.Random(0)
    out = []
    for i in range(50):
        im = Image.effect_noise((rng.randint(64, 640), rng.randint(64, 480)), 40).convert("RGB")
        buf = io.BytesIO()
        im.save(buf, "JPEG" if i % 2 else "PNG")
        out.append(buf.getvalue())
    return out


KOSMOS1_IMAGE_RULES = """
[[filters]]
name = "min_image_size_v1"
[[filters]]
name = "monochrome_v1"
[[filters]]
name = "no_images_v1"
stage = "image"
[[filters]]
name = "max_images_v1"
"""
BOILERPLATE_RULE = """
[[filters]]
name = "image_boilerplate_v1"
"""


def exchange_warc(path: Path, pages: int, images: list[bytes]) -> None:
    """`pages` pages, each with the logo and 5 of 2.5 x `pages` distinct archived JPEGs."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from weft.pipeline.images.validate import ImageRejected, inspect_image

    photos = []
    for data in images:
        try:
            info = inspect_image(data)
        except ImageRejected:
            continue
        if data[:2] == b"\xff\xd8" and info.width >= 64 and info.height >= 64 and info.colour_spread > 24:
            photos.append(data)
    pool = int(pages * 2.5)

    def distinct(n: int) -> bytes:  # a JPEG comment segment right after SOI: other bytes, same pixels
        comment = f"bench image {n}".encode()
        return photos[n % len(photos)][:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photos[n % len(photos)][2:]

    def record(writer: WARCWriter, url: str, body: bytes, ctype: str) -> None:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
                                                      warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>"}))

    site = "http://bench.example.org"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(pages):
            figures = [f"{site}/logo.jpg"] + [f"{site}/img/{(5 * i + k) % pool}.jpg" for k in range(5)]
            body = "<html lang=en><body><article>" + "".join(
                f"<p>Paragraph {k} of page {i}, about the picture below it.</p><img src='{u}' alt='picture {k}'>" for k, u in enumerate(figures))
            record(writer, f"{site}/page-{i}.html", (body + "</article></body></html>").encode(), "text/html; charset=utf-8")
        record(writer, f"{site}/logo.jpg", distinct(pool), "image/jpeg")
        for n in range(pool):
            record(writer, f"{site}/img/{n}.jpg", distinct(n), "image/jpeg")


def exchange_run(spec: Path, warc: Path, out: Path, executor: str) -> dict[str, float]:
    argv = [str(Path(sys.executable).parent / "weft"), "run", str(spec), "--input", str(warc), "--output", str(out), "--overwrite",
            "--no-download", "--executor", executor, "--num-cpus", "2", "--set", "read.pages_per_chunk=50"]
    log_path = out.parent / "run.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log_file, env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    t0 = time.perf_counter()
    peak_kb = 0
    while proc.poll() is None:  # VmHWM: ru_maxrss would carry this process's own peak into the child
        try:
            status_text = Path(f"/proc/{proc.pid}/status").read_text()
            peak_kb = max(peak_kb, int(re.search(r"VmHWM:\s+(\d+)", status_text).group(1)))  # type: ignore[union-attr]
        except (OSError, AttributeError):
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    log = log_path.read_text()
    if proc.returncode != 0:
        raise SystemExit(f"weft run failed:\n{log}")
    phase = re.search(r"phase images done in ([0-9.]+) s", log)
    manifest = json.loads((out / "_manifest.json").read_text())
    dropped = manifest["filters"]["stats"]["rules"].get("image_boilerplate_v1", {}).get("slots_dropped", {})
    return {"wall_s": wall, "cpu_s": cpu, "images_phase_s": float(phase.group(1)) if phase else float("nan"),
            "driver_peak_rss_mb": peak_kb / 1024, "boilerplate_slots": sum(dropped.values())}


def exchange_cost(pages: int, rounds: int, executor: str, images: list[bytes]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        warc = root / "pages.warc.gz"
        exchange_warc(warc, pages, images)
        specs = {"kosmos1 image rules": KOSMOS1_IMAGE_RULES, "+ image_boilerplate_v1": BOILERPLATE_RULE + KOSMOS1_IMAGE_RULES}
        results: dict[str, list[dict[str, float]]] = {name: [] for name in specs}
        for _ in range(rounds):
            for name, rules in specs.items():
                spec = root / f"{len(results[name])}-{name[:2]}.toml"
                spec.write_text(f'name = "bench"\n[images]\nresolve = true\n{rules}')
                results[name].append(exchange_run(spec, warc, root / "out", executor))
    summary = {name: {key: round(statistics.mean(r[key] for r in runs), 2) for key in runs[0]} for name, runs in results.items()}
    a, b = (summary[name] for name in specs)
    return {"pages": pages, "distinct_images": int(pages * 2.5) + 1, "slots": pages * 6, "executor": executor, "rounds": rounds,
            **summary, "images_phase_ratio": round(b["images_phase_s"] / a["images_phase_s"], 2),
            "cpu_ratio": round(b["cpu_s"] / a["cpu_s"], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", type=int, default=2000)
    ap.add_argument("--downloads", type=int, default=400)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--exchange-pages", type=int, default=600, help="pages of the exchange benchmark (0: skip it)")
    ap.add_argument("--exchange-rounds", type=int, default=2)
    ap.add_argument("--exchange-executor", choices=("local", "ray"), default="local")
    args = ap.parse_args()

    images = sample_images()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cfg = load_job(None, {"images": {"allow_private_networks": True, "threads": args.threads, "timeout_s": 10.0}})
        resolve = ResolveImages(ImageSettings.from_config(cfg.images), OutputLayout(out))
        urls = [f"http://archive.example.org/{i}.img" for i in range(args.archive)]
        archive = {url: [{"content": images[i % len(images)], "content_type": None}] for i, url in enumerate(urls)}
        t0 = time.process_time()
        result = resolve.resolve(urls, archive, {})
        archive_s = time.process_time() - t0
        ok = sum(1 for row in result.values() if row["fetch"]["status"] == "ok")

        served = out / "served"
        served.mkdir()
        for i, data in enumerate(images[:50]):
            (served / f"{i}.img").write_bytes(data)
        with LoopbackServer(root=served, latency_s=args.latency) as server:
            urls = [f"{server.base_url}{i % min(50, len(images))}.img?n={i}" for i in range(args.downloads)]
            t0 = time.perf_counter()
            downloaded = resolve.resolve(sorted(urls), {}, {})
            wall = time.perf_counter() - t0
        fetched = sum(1 for row in downloaded.values() if row["fetch"]["source"] == "download" and row["fetch"]["status"] == "ok")

    print(
        json.dumps(
            {
                "archive_images": args.archive,
                "archive_ok": ok,
                "archive_images_per_s_per_core": round(args.archive / archive_s),
                "downloads": args.downloads,
                "downloads_ok": fetched,
                "download_threads": args.threads,
                "latency_per_response_s": args.latency,
                "downloads_per_s": round(args.downloads / wall, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            indent=2,
        )
    )
    if args.exchange_pages:
        print(json.dumps({"exchange": exchange_cost(args.exchange_pages, args.exchange_rounds, args.exchange_executor, images)}, indent=2))


if __name__ == "__main__":
    main()
