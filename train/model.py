"""The reference multimodal decoder: the smallest model that consumes weft batches the way
Kosmos-1 does, so that "the shards train a model" is something a test can show.

    image (3, S, S) --patch embedding--> (S/p)^2 patches --average pooled--> N embeddings
    ids --token embedding--> x;  x[image_rows, image_positions] = image embeddings
    x + position embedding --causal transformer--> next-token logits, loss on text tokens only

It is small on purpose (two layers of width 128 train on a CPU in seconds) and plain: every
part is a stock torch module, so a reader can check that the model has no way to see an image
other than through the positions the batch names. It is a reference consumer, not a model to
scale: a real one would put a pretrained vision encoder and a resampler where `ImageEncoder` is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from weft.train.samples import SampleConfig
from weft.train.tokens import ByteTokenizer


@dataclass(frozen=True)
class DecoderConfig:
    """Sizes of the reference decoder; `image_size` and `tokens_per_image` must match the
    `SampleConfig` that built the batches (`for_samples` copies them)."""

    vocab_size: int = ByteTokenizer.vocab_size
    max_length: int = 512
    d_model: int = 128
    layers: int = 2
    heads: int = 4
    image_size: int = 64
    patch_size: int = 8
    tokens_per_image: int = 4
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        if (self.image_size // self.patch_size) ** 2 < self.tokens_per_image:
            raise ValueError(f"{(self.image_size // self.patch_size) ** 2} patches cannot be pooled to {self.tokens_per_image} image embeddings")
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not a multiple of heads {self.heads}")

    @classmethod
    def for_samples(cls, samples: SampleConfig, vocab_size: int = ByteTokenizer.vocab_size, **sizes: Any) -> DecoderConfig:
        """A config that fits batches built with `samples` (the rest from `sizes` or defaults)."""
        return cls(vocab_size=vocab_size, max_length=samples.max_length, image_size=samples.image.size, tokens_per_image=samples.tokens_per_image, **sizes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImageEncoder(nn.Module):
    """Patch embedding (a strided convolution), average-pooled along the patch sequence to the
    fixed number of image embeddings, then normalised and projected into the decoder's width."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.patches = nn.Conv2d(3, cfg.d_model, kernel_size=cfg.patch_size, stride=cfg.patch_size)
        self.pool = nn.AdaptiveAvgPool1d(cfg.tokens_per_image)
        self.out = nn.Sequential(nn.LayerNorm(cfg.d_model), nn.Linear(cfg.d_model, cfg.d_model))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, S, S) -> (n, tokens_per_image, d_model)."""
        patches = F.gelu(self.patches(images)).flatten(2)
        return self.out(self.pool(patches).transpose(1, 2))


class ReferenceDecoder(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tokens = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.positions = nn.Embedding(cfg.max_length, cfg.d_model)
        self.image_encoder = ImageEncoder(cfg)
        layer = nn.TransformerEncoderLayer(
            cfg.d_model, cfg.heads, 4 * cfg.d_model, cfg.dropout, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.head.weight = self.tokens.weight  # tied, as in most small language models
        # Small embeddings (GPT-2's 0.02): torch's default N(0, 1) through the tied head starts
        # the loss far above log(vocab) and wastes the first steps bringing it down.
        nn.init.normal_(self.tokens.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)

    def forward(
        self, input_ids: torch.Tensor, images: torch.Tensor, image_rows: torch.Tensor, image_positions: torch.Tensor
    ) -> torch.Tensor:
        """Next-token logits (B, L, vocab). Batches are padded on the right, so under the causal
        mask no real position attends to padding and no padding mask is needed."""
        batch, length = input_ids.shape
        if length > self.cfg.max_length:
            raise ValueError(f"sequence of {length} ids is longer than the model's max_length {self.cfg.max_length}")
        x = self.tokens(input_ids)
        if images.shape[0]:
            embedded = self.image_encoder(images)
            rows = image_rows[:, None].expand_as(image_positions)
            x = x.index_put((rows, image_positions), embedded)
        x = x + self.positions(torch.arange(length, device=input_ids.device))
        causal = nn.Transformer.generate_square_subsequent_mask(length, device=input_ids.device)
        return self.head(self.norm(self.blocks(x, mask=causal, is_causal=True)))

    def loss(self, batch: dict[str, Any]) -> torch.Tensor:
        """Mean cross-entropy of the next id, over the positions the batch's `loss_mask` marks
        (text and `</s>`)."""
        logits = self(batch["input_ids"], batch["images"], batch["image_rows"], batch["image_positions"])
        targets = batch["input_ids"][:, 1:]
        mask = batch["loss_mask"][:, 1:]
        return F.cross_entropy(logits[:, :-1][mask], targets[mask])
