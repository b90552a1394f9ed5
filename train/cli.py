"""`weft train-reference OUTPUT`: train the reference multimodal decoder on a job's shards.

It is the shortest proof that weft's output is training data: it reads the shards through
`WeftDataset` and a torch DataLoader, trains `weft.train.model.ReferenceDecoder` for a few
steps on the CPU and prints the loss of each step. `--save` keeps the weights and configs.

`add_command(subparsers)` registers the command on weft's parser (pipeline/cli/main.py) and
`run(args)` handles it. torch is imported only when the command runs, so `weft --help` and every
other command work without the `train` extra.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from weft.jobs.errors import UserError

EXIT_OK = 0
COMMAND = "train-reference"


def add_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        COMMAND,
        help="train the small reference multimodal decoder on a job's shards (needs the train extra)",
        description="Train weft's reference multimodal decoder (a tiny Kosmos-style model) on the shards of a weft job "
        "for a few CPU steps and print the loss of each step. Needs torch: pip install 'weft[train]'.",
        epilog="Example:\n  weft train-reference out/ --steps 40",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("output", metavar="OUTPUT", help="a weft output directory, one shard, or a URL (s3://..., any fsspec URL)")
    p.add_argument("--format", choices=("parquet", "webdataset"), help="which shards to read when both are there (default: parquet)")
    p.add_argument("--steps", type=int, default=40, help="optimisation steps (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=8, help="samples per step (default: %(default)s)")
    p.add_argument("--max-length", type=int, default=256, help="ids per sample; longer documents are split (default: %(default)s)")
    p.add_argument("--image-size", type=int, default=32, help="images are resized and cropped to this square (default: %(default)s)")
    p.add_argument("--tokens-per-image", type=int, default=4, help="embedding positions per image (default: %(default)s)")
    p.add_argument("--patch-size", type=int, default=8, help="image patch side (default: %(default)s)")
    p.add_argument("--d-model", type=int, default=128, help="model width (default: %(default)s)")
    p.add_argument("--layers", type=int, default=2, help="transformer layers (default: %(default)s)")
    p.add_argument("--lr", type=float, default=3e-3, help="AdamW learning rate (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the shuffle (default: %(default)s)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (default: %(default)s)")
    p.add_argument("--save", metavar="FILE", help="write the trained weights and configs here (torch.save)")


def run(args: argparse.Namespace) -> int:
    try:
        import torch
        from torch.utils.data import DataLoader

        from weft.train.loader import WeftDataset
        from weft.train.loop import StepLog, batches_forever, build_model, train
        from weft.train.model import DecoderConfig
    except ImportError as exc:
        raise UserError(f"weft {COMMAND} needs torch, which is not installed ({exc}); pip install 'weft[train]'") from exc
    from weft.schemas.stream import ShardSet, Shuffle
    from weft.train.images import ImageTransform
    from weft.train.samples import SampleBuilder, SampleConfig

    for name in ("steps", "batch_size", "max_length", "image_size", "tokens_per_image", "patch_size", "d_model", "layers"):
        if getattr(args, name) < 1:
            raise UserError(f"weft {COMMAND}: --{name.replace('_', '-')} must be at least 1")
    try:
        shards = ShardSet(args.output, format=args.format)
        samples = SampleConfig(max_length=args.max_length, tokens_per_image=args.tokens_per_image, image=ImageTransform(size=args.image_size))
        model_cfg = DecoderConfig.for_samples(samples, d_model=args.d_model, layers=args.layers, patch_size=args.patch_size)
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(f"weft {COMMAND}: {exc}") from exc
    if not len(shards):
        raise UserError(f"weft {COMMAND}: no shards in {args.output}")
    dataset = WeftDataset(shards, SampleBuilder(samples), shuffle=Shuffle(seed=args.seed))
    loader = DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers, collate_fn=dataset.collate)
    model = build_model(model_cfg, seed=args.seed)
    params = sum(p.numel() for p in model.parameters())
    print(f"weft: training the reference decoder ({params:,} parameters) on {len(shards)} {shards.format} shard(s) in {args.output}")

    def log(s: StepLog) -> None:
        print(f"step {s.step:>4}/{args.steps}  loss {s.loss:.4f}  ({s.samples} samples, {s.text_tokens} text tokens, {s.seconds:.2f} s)", flush=True)

    losses = train(model, batches_forever(loader), steps=args.steps, lr=args.lr, log=log)
    print(f"weft: loss {losses[0]:.4f} at step 1, {losses[-1]:.4f} at step {len(losses)}")
    if args.save:
        torch.save({"model": model.state_dict(), "decoder_config": model_cfg.to_dict(), "sample_config": asdict(samples)}, args.save)
        print(f"weft: saved the model to {args.save}")
    sys.stdout.flush()
    return EXIT_OK
