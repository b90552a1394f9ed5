"""Image stage throughput: archive images resolved + validated per core, and downloads per second.

1. Archive: `ResolveImages.resolve` on a batch of image records (real images from ../shared/data/images
   when present, else images generated with Pillow), timed in CPU seconds of this one process:
   images/s per core for validation (Pillow decode, sizes, hashes, colour scores).
2. Downloads: the same stage on unique URLs served by a loopback server that holds every response
   back 100 ms, timed in wall-clock seconds: downloads/s with img2dataset's thread pool. This
   measures concurrency, not bandwidth.

    python benchmarks/bench_images.py [--archive 2000] [--downloads 400] [--threads 16] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import tempfile
import time
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", type=int, default=2000)
    ap.add_argument("--downloads", type=int, default=400)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.1)
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


if __name__ == "__main__":
    main()
