"""MinHash signatures of documents and the LSH band keys that make similar documents meet.

A signature is datasketch's: `Signer(cfg).sign(texts)[i]` equals
`MinHash(cfg.num_perm, seed=cfg.seed).update_batch(shingles(normalise(texts[i]), cfg.ngram)).hashvalues`
(scheme "affine32", SHA-1 of each shingle; a test checks it), so a signature weft stored can be
loaded into datasketch and the other way round. What weft adds is speed: datasketch hashes each
shingle through a Python function and builds its `(shingles, num_perm)` matrix in fresh
temporaries; `Signer` joins the SHA-1 digests into one buffer and permutes in a reused one, about
twice as fast per core on 1,000-word pages (`benchmarks/bench_dedup.py`).

The signature is kept with the document (`signature_column`), so a later job can re-cluster at
another threshold without re-reading the text. Near-duplicate candidates come from LSH banding:
the signature is cut into `bands` bands of `rows` values, chosen for the Jaccard threshold the way
datasketch's `MinHashLSH` chooses them (`lsh_params`), and each band is summarised by one 64-bit
key (`band_keys`). Two documents are candidates when one of their band keys is equal, which
happens with probability `1 - (1 - J**rows)**bands` for Jaccard similarity `J`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from weft.jobs.errors import UserError
from weft.pipeline.dedup.text import NORMALISATION, UNICODE_VERSION, normalise, shingle_spans

SCHEME = "affine32"
"""datasketch's permutation scheme (its default since 2.0): uint32 values, a bijective permutation."""
SIGNATURE_DTYPE = np.dtype(np.uint32)
EMPTY_VALUE = np.iinfo(np.uint32).max
"""Every value of the signature of a text without shingles (datasketch's initial state)."""
BAND_HASH = "blake2b64_band_le_v1"
"""How a band key is made (`band_keys`); recorded so stored keys say how to recompute them."""

# Rows of the (shingles, num_perm) matrix permuted at once: 1,024 x 128 uint32 is 512 KiB, which
# stays in a core's L2 cache; a fresh matrix per document (what datasketch does) costs more in
# page faults than in arithmetic.
_CHUNK_ROWS = 1024


@lru_cache(maxsize=None)
def lsh_params(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """(bands, rows) for a Jaccard threshold, chosen as datasketch's `MinHashLSH(threshold,
    num_perm, weights)` chooses them, so weft's candidates are the ones that index would return:
    the pair with the least weighted sum of the false-positive area (candidate probability below
    the threshold) and the false-negative area (miss probability above it), first in (bands,
    rows) order on a tie.

    datasketch integrates each curve with scipy's `quad`; importing it (datasketch imports scipy
    with it) cost 0.45 s of every `weft run` and every worker's start-up. Both curves are
    polynomials of degree bands * rows <= num_perm, so Gauss-Legendre with num_perm / 2 + 1
    nodes integrates them exactly, all pairs at once. A test compares the choice with
    datasketch's on a grid of thresholds, sizes and weights; they agree wherever the weights are
    both positive (a zero weight leaves a flat optimum that only rounding decides, so
    `MinHashConfig` refuses it)."""
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    bands, rows = pairs[:, :1], pairs[:, 1:]
    nodes, node_weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    below = threshold / 2 * (nodes + 1)  # [-1, 1] mapped onto [0, threshold]
    above = threshold + (1 - threshold) / 2 * (nodes + 1)  # ... and onto [threshold, 1]
    false_positive = threshold / 2 * ((1 - (1 - below ** rows) ** bands) @ node_weights)
    false_negative = (1 - threshold) / 2 * (((1 - above ** rows) ** bands) @ node_weights)
    best = pairs[int(np.argmin(false_positive * weights[0] + false_negative * weights[1]))]
    return int(best[0]), int(best[1])


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 permutations h -> a * h + b mod 2**32 for `seed`:
    drawn from the same generator in the same order as `datasketch.MinHash(num_perm, seed)`
    draws them (a odd, so the map is a bijection), which a test checks, without importing
    datasketch (see `lsh_params`)."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, which datasketch applies to each shingle hash before the
    permutations (uint32 arithmetic wraps, as the finaliser intends)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


@dataclass(frozen=True)
class MinHashConfig:
    """How signatures and band keys are made; everything here must be equal for two signatures
    to be comparable, so `manifest()` goes into the job's manifest."""

    num_perm: int = 128
    """Values per signature. The error of an estimated Jaccard is about sqrt(J(1-J)/num_perm)
    (0.035 at J=0.8 for 128)."""
    ngram: int = 5
    """Words per shingle (OBELICS, Gopher and RefinedWeb use 5)."""
    threshold: float = 0.8
    """Estimated Jaccard at or above which two documents are near-duplicates."""
    seed: int = 1
    """Seed of datasketch's permutations (datasketch's default)."""
    weights: tuple[float, float] = (0.5, 0.5)
    """(false-positive weight, false-negative weight) for choosing bands and rows, as in
    datasketch's `MinHashLSH`. The default (datasketch's) makes 9 bands of 13 rows at 0.8,
    whose candidate probability is only 0.93 at Jaccard 0.9 and 0.40 at 0.8; since every
    candidate is verified, weighting misses more, e.g. (0.2, 0.8) -> 12 x 10 (0.99 at 0.9,
    0.74 at 0.8), costs a third more exchange rows and comparisons and no precision."""

    def __post_init__(self) -> None:
        if self.num_perm < 2:
            raise UserError(f"dedup num_perm must be at least 2, got {self.num_perm}")
        if self.ngram < 1:
            raise UserError(f"dedup ngram must be at least 1, got {self.ngram}")
        if not 0.0 < self.threshold < 1.0:
            raise UserError(f"dedup threshold must be between 0 and 1 (exclusive), got {self.threshold}")
        if len(self.weights) != 2 or min(self.weights) <= 0 or abs(sum(self.weights) - 1.0) > 1e-9:
            raise UserError(f"dedup weights must be two positive numbers that sum to 1, got {self.weights}")
        if self.bands < 2:
            raise UserError(f"dedup threshold {self.threshold} with {self.num_perm} permutations gives fewer than 2 bands")

    @property
    def bands(self) -> int:
        return lsh_params(self.threshold, self.num_perm, tuple(self.weights))[0]

    @property
    def rows(self) -> int:
        return lsh_params(self.threshold, self.num_perm, tuple(self.weights))[1]

    def manifest(self) -> dict[str, Any]:
        """What a later job needs to know to reuse stored signatures and band keys."""
        return {
            "num_perm": self.num_perm, "ngram": self.ngram, "threshold": self.threshold, "seed": self.seed,
            "weights": list(self.weights), "bands": self.bands, "rows": self.rows, "scheme": SCHEME, "shingle_hash": "sha1_hash32",
            "band_hash": BAND_HASH, "normalisation": NORMALISATION, "unicode_version": UNICODE_VERSION,
        }


class Signer:
    """Signs documents with one set of datasketch permutations, built once (they are the costly
    part of a `MinHash()`), so a stage keeps one `Signer` per worker."""

    def __init__(self, cfg: MinHashConfig = MinHashConfig()) -> None:
        self.cfg = cfg
        a, b = permutations(cfg.num_perm, cfg.seed)
        self._a = np.ascontiguousarray(a, dtype=SIGNATURE_DTYPE)[None, :]
        self._b = np.ascontiguousarray(b, dtype=SIGNATURE_DTYPE)[None, :]
        self._buffer = np.empty((_CHUNK_ROWS, cfg.num_perm), dtype=SIGNATURE_DTYPE)

    def __getstate__(self) -> dict[str, Any]:
        return {"cfg": self.cfg}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cfg"])  # type: ignore[misc]

    def sign(self, texts: Sequence[str]) -> np.ndarray:
        """Signatures of raw texts (normalised here): shape (len(texts), num_perm), uint32."""
        return self.sign_normalised([normalise(t) for t in texts])

    def sign_normalised(self, texts: Sequence[str]) -> np.ndarray:
        """Signatures of texts already `normalise`d, for a caller that also hashes them for the
        exact pass and should not normalise twice."""
        out = np.empty((len(texts), self.cfg.num_perm), dtype=SIGNATURE_DTYPE)
        sha1 = hashlib.sha1
        for i, text in enumerate(texts):
            data, starts, ends = shingle_spans(text, self.cfg.ngram)
            out[i] = self._min_hash(b"".join([sha1(data[s:e]).digest() for s, e in zip(starts, ends)]))
        return out

    def sign_shingles(self, items: Sequence[bytes]) -> np.ndarray:
        """One signature of a set of shingles (repeats allowed), equal to datasketch's
        `update_batch(items)` from a fresh MinHash."""
        sha1 = hashlib.sha1
        return self._min_hash(b"".join([sha1(item).digest() for item in items]))

    def _min_hash(self, digests: bytes) -> np.ndarray:
        """The signature of the shingles whose SHA-1 digests are joined in `digests`."""
        signature = np.full(self.cfg.num_perm, EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
        if not digests:
            return signature
        # datasketch's sha1_hash32 is the first 4 digest bytes, little-endian: every 5th uint32
        # of the joined 20-byte digests.
        hashed = _fmix32(np.frombuffer(digests, dtype="<u4")[::5].astype(SIGNATURE_DTYPE))
        a, b, buffer = self._a, self._b, self._buffer
        for start in range(0, len(hashed), _CHUNK_ROWS):
            part = hashed[start:start + _CHUNK_ROWS, None]
            block = buffer[: len(part)]
            np.multiply(part, a, out=block)
            block += b
            np.minimum(signature, block.min(axis=0), out=signature)
        return signature


def is_empty(signatures: np.ndarray) -> np.ndarray:
    """Which signatures belong to texts without shingles (every value `EMPTY_VALUE`): all such
    texts are equal, which the exact pass settles, and they must not form one LSH bucket."""
    return np.all(signatures == EMPTY_VALUE, axis=-1)


def band_keys(signatures: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """The LSH key of each band of each signature: shape (n, bands), uint64. Key (i, j) is the
    first 8 bytes (little-endian) of BLAKE2b-64 over band j's values as little-endian uint32,
    keyed by the band index, so equal bands of different indices never share a key and keys are
    uniform enough to partition by `key % parts`. Values past `bands * rows` are unused, as in
    datasketch."""
    signatures = np.ascontiguousarray(signatures, dtype="<u4")
    n = len(signatures)
    bands, rows = cfg.bands, cfg.rows
    out = np.empty((n, bands), dtype=np.uint64)
    blake2b = hashlib.blake2b
    width = rows * 4
    for j in range(bands):
        data = signatures[:, j * rows:(j + 1) * rows].tobytes()
        salt = j.to_bytes(2, "little")
        digests = b"".join([blake2b(data[k:k + width], digest_size=8, salt=salt).digest() for k in range(0, n * width, width)])
        out[:, j] = np.frombuffer(digests, dtype="<u8")
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """The share of equal values (datasketch's `MinHash.jaccard`), broadcast over leading axes:
    two signatures give a float, a signature against a (k, num_perm) matrix gives k of them."""
    equal = np.count_nonzero(np.asarray(a) == np.asarray(b), axis=-1) / np.shape(a)[-1]
    return float(equal) if np.ndim(equal) == 0 else equal


def signature_column(signatures: np.ndarray) -> pa.FixedSizeListArray:
    """Signatures as an Arrow column (fixed_size_list<uint32>[num_perm]) to store next to the
    documents or ship in an exchange; zero-copy both ways with `signatures_of`."""
    signatures = np.ascontiguousarray(signatures, dtype=SIGNATURE_DTYPE)
    return pa.FixedSizeListArray.from_arrays(pa.array(signatures.reshape(-1)), signatures.shape[1])


def signatures_of(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The (n, num_perm) uint32 matrix of a `signature_column` (one copy at most, to join chunks)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    size = column.type.list_size
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.reshape(-1, size).astype(SIGNATURE_DTYPE, copy=False)
