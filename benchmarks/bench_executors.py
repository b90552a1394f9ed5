"""The two executors side by side: what running a plan on Ray costs next to running it in-process.

Builds a bench WARC from the real pages (see bench_warcs.py), then runs the same `weft run`
command with `--executor local` and with the Ray executor (`--num-cpus 1`), alternating A B A B,
each whole process tree held to one core (`taskset -c 0`). For every run it prints the wall time
(start-up and shutdown included), the time of the documents phase (read, extract, text rules,
staging) as weft logs it, pages/s for both, and the peak memory of the whole process tree
(driver, raylet, GCS, workers, Ray's helper processes), summed over processes from /proc as RSS
(which counts a shared library once per process) and as PSS (which shares it out). Then the
small job: a 10-page WARC with the image stage on, on Ray, start-up and shutdown included.

    python benchmarks/bench_executors.py [--pages 3000] [--rounds 2] [--job kosmos1] [--no-taskset]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_warcs import build_warc, shared_pages
from bytecode_cache import compile_weft
from proctree import peak_memory

WEFT = str(Path(sys.executable).parent / "weft")


def run(argv: list[str], pin: bool) -> dict[str, float]:
    """One command: wall seconds, the documents phase's seconds, peak tree RSS and PSS in MB."""
    argv = (["taskset", "-c", "0"] if pin else []) + argv
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak_rss, peak_pss = peak_memory(proc)
        wall = time.perf_counter() - started
        err.seek(0)
        log = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{log[-2000:]}")
    phase = re.search(r"phase documents done in ([0-9.]+) s", log)
    return {"wall": wall, "documents": float(phase.group(1)) if phase else float("nan"),
            "rss_mb": peak_rss / 2**20, "pss_mb": peak_pss / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--job", default="kosmos1", help="job spec to run (default: the Kosmos-1 recipe)")
    ap.add_argument("--no-taskset", action="store_true", help="do not hold the process trees to one core")
    args = ap.parse_args()
    compile_weft()
    pin = not args.no_taskset and shutil.which("taskset") is not None
    with tempfile.TemporaryDirectory(prefix="weft-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pages = shared_pages()
        big, small = tmp / "bench.warc.gz", tmp / "ten.warc.gz"
        html = build_warc(big, pages, args.pages)
        build_warc(small, pages, 10)
        print(f"bench WARC: {args.pages} pages, mean HTML {html / args.pages / 1024:.0f} KB; job {args.job}; "
              f"{'taskset -c 0 (one core)' if pin else 'all cores'}; images resolved from the WARC only (--no-download)")
        common = [WEFT, "run", args.job, "--input", str(big), "--overwrite", "--no-download"]
        results: dict[str, list[dict[str, float]]] = {"local": [], "ray": []}
        for n in range(args.rounds):
            for name, extra in (("local", ["--executor", "local"]), ("ray", ["--executor", "ray", "--num-cpus", "1"])):
                r = run(common + ["--output", str(tmp / name)] + extra, pin)
                results[name].append(r)
                print(f"  round {n + 1} {name:5s}: wall {r['wall']:6.1f} s ({args.pages / r['wall']:6.1f} pages/s), documents phase "
                      f"{r['documents']:6.1f} s ({args.pages / r['documents']:6.1f} pages/s), peak tree RSS {r['rss_mb']:6.0f} MB, "
                      f"PSS {r['pss_mb']:6.0f} MB")
        med = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
        print(f"median: ray/local pages/s = {med['local']['wall'] / med['ray']['wall']:.2f} over the whole command, "
              f"{med['local']['documents'] / med['ray']['documents']:.2f} in the documents phase; "
              f"ray peak tree RSS {med['ray']['rss_mb']:.0f} MB, PSS {med['ray']['pss_mb']:.0f} MB "
              f"(local {med['local']['rss_mb']:.0f} / {med['local']['pss_mb']:.0f} MB)")
        ten = [run([WEFT, "run", args.job, "--input", str(small), "--overwrite", "--no-download", "--output", str(tmp / "ten"),
                    "--num-cpus", "1"], pin) for _ in range(args.rounds)]
        walls = ", ".join(f"{r['wall']:.1f} s" for r in ten)
        print(f"10-page job on Ray, image stage on, start-up and shutdown included: {walls}; "
              f"peak tree RSS {max(r['rss_mb'] for r in ten):.0f} MB")


if __name__ == "__main__":
    main()
