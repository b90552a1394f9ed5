"""Read + extract throughput: pages/s per core and peak RSS.

Builds a WARC (per-record gzip, like Common Crawl's) from many pages, by repeating the real saved
pages in ../shared/data/html (or $WEFT_SHARED_DATA/html) when they are there, else the demo generator's pages, then times the
stage pair that every page goes through: `read_archive` (warcio, charset) and `extract`
(selectolax lexbor). It runs in one process on one core, so pages/s is per core.

    python benchmarks/bench_read_extract.py [--pages 3000] [--source auto|shared|demo] [--no-gzip] [--max-page-kb 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench_warcs import SHARED_HTML, build_warc, demo_pages, shared_pages
from weft.pipeline.extract import walkers
from weft.pipeline.extract.extractor import extract
from weft.pipeline.read.warc import Page, ReadOptions, ReadStats, read_archive


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--source", choices=("auto", "shared", "demo"), default="auto")
    ap.add_argument("--no-gzip", action="store_true")
    ap.add_argument("--max-page-kb", type=float, default=None, help="only repeat source pages up to this size (e.g. 100 for Common Crawl-sized pages)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        use_shared = args.source == "shared" or (args.source == "auto" and SHARED_HTML.is_dir())
        pages = shared_pages() if use_shared else demo_pages(tmp)
        if args.max_page_kb:
            pages = [(u, b) for u, b in pages if len(b) <= args.max_page_kb * 1024]
        warc = tmp / ("bench.warc" if args.no_gzip else "bench.warc.gz")
        html_bytes = build_warc(warc, pages, args.pages, gzip=not args.no_gzip)

        opts = ReadOptions(index_images=False)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Read alone, then read + extract, so the report shows where the time goes.
        t0 = time.process_time()
        n_read = sum(1 for item in read_archive(str(warc), opts, ReadStats()) if isinstance(item, Page))
        read_s = time.process_time() - t0

        per_page: list[float] = []
        segments = images = 0
        t0 = time.process_time()
        for item in read_archive(str(warc), opts, ReadStats()):
            if isinstance(item, Page):
                s = time.perf_counter()
                ex = extract(item.html_utf8, item.provenance.target_uri)  # as the extract stage does
                per_page.append(time.perf_counter() - s)
                segments += len(ex.segments)
                images += sum(1 for seg in ex.segments if hasattr(seg, "url"))
        total_s = time.process_time() - t0
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    result = {
        "source": "shared/data/html" if use_shared else "demo generator",
        "extract_walk": walkers.WALK,
        "distinct_pages": len(pages),
        "pages": n_read,
        "mean_html_kb": round(html_bytes / args.pages / 1024, 1),
        "gzip": not args.no_gzip,
        "read_pages_per_s_per_core": round(n_read / read_s),
        "read_extract_pages_per_s_per_core": round(n_read / total_s),
        "extract_ms_median": round(statistics.median(per_page) * 1000, 3),
        "extract_ms_mean": round(statistics.fmean(per_page) * 1000, 3),
        "image_slots": images,
        "segments": segments,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_growth_during_run_mb": round((peak_kb - rss_before) / 1024, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
