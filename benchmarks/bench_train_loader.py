"""Training input throughput: samples/s per core from Parquet and from tar shards into a torch
DataLoader, images decoded, resized and normalised on the way.

Runs the job in-process on the real WARCs of ../shared/data that hold their pages' images
(books.toscrape, a blackbook crawl, a Wikipedia page), then reads its shards through
`WeftDataset` + `Collate` in this one process (`num_workers=0`) epoch after epoch until at
least `--samples` samples, and divides by the process's CPU seconds: samples/s per core. With
N DataLoader workers a trainer gets about N times that, cores permitting.

    python benchmarks/bench_train_loader.py [--samples 3000] [--image-size 224] [--tokens-per-image 64] [--max-length 2048] [--batch-size 16]

Needs the train extra (torch).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.helpers holds the in-process job runner

import torch
from torch.utils.data import DataLoader

from tests.helpers import SHARED_DATA, job, run_inline
from weft.schemas.reader import iter_documents
from weft.schemas.stream import Shuffle
from weft.train import ImageTransform, SampleBuilder, SampleConfig
from weft.train.loader import WeftDataset

WARCS = (
    "warc/other/nodewarc_books.toscrape.warc",
    "warc/other/aut_IAH-20080430204825-00000-blackbook.warc.gz",
    "warc/other/ukwa_wikipedia-mona-lisa.warc.gz",
)


def measure(out: Path, fmt: str, builder: SampleBuilder, batch_size: int, want: int) -> dict[str, float]:
    dataset = WeftDataset(out, builder, shuffle=Shuffle(seed=0, buffer=64), format=fmt)  # type: ignore[arg-type]
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=dataset.collate)
    samples = images = tokens = 0
    epoch = 0
    cpu, wall = time.process_time(), time.perf_counter()
    while samples < want:
        dataset.set_epoch(epoch)
        for batch in loader:
            samples += batch["input_ids"].shape[0]
            images += batch["images"].shape[0]
            tokens += int(batch["attention_mask"].sum())
        epoch += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "samples": samples,
        "epochs": epoch,
        "cpu_s": round(cpu, 2),
        "samples_per_s_per_core": round(samples / cpu, 1),
        "images_per_s_per_core": round(images / cpu, 1),
        "tokens_per_s_per_core": round(tokens / cpu),
        "wall_s": round(wall, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--tokens-per-image", type=int, default=64)
    ap.add_argument("--max-length", type=int, default=2048)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(1)

    config = SampleConfig(max_length=args.max_length, tokens_per_image=args.tokens_per_image, image=ImageTransform(size=args.image_size))
    builder = SampleBuilder(config)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        manifest = run_inline(job(out, *(SHARED_DATA / w for w in WARCS), images={"resolve": True, "download": False}))
        docs = manifest["counts"]["documents"]["written"]
        one_epoch = [s for doc in iter_documents(out) for s in builder(doc)]
        report = {
            "config": {"max_length": args.max_length, "tokens_per_image": args.tokens_per_image, "image_size": args.image_size, "batch_size": args.batch_size},
            "data": {"warcs": list(WARCS), "documents": docs, "samples_per_epoch": len(one_epoch), "images_per_epoch": sum(len(s.images) for s in one_epoch)},
        }
        for fmt in ("parquet", "webdataset"):
            report[fmt] = measure(out, fmt, builder, args.batch_size, args.samples)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
