"""Decisions by hash, never by RNG state: the same seed and key give the same number anywhere."""

from __future__ import annotations

import hashlib


def hash_uniform(seed: int, key: str) -> float:
    """A number in [0, 1) fixed by (seed, key) alone: blake2b of both, top 53 bits.

    Used instead of any RNG state so a decision about a document depends only on the seed and
    the document's id, never on which worker saw it, in which order, or how the input was split.
    """
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)
