"""Signatures, LSH parameters and band keys (pipeline/dedup/minhash.py) against datasketch."""

from __future__ import annotations

import hashlib
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasketch import MinHash, MinHashLSH

from weft.jobs.errors import UserError
from weft.pipeline.dedup.minhash import (
    EMPTY_VALUE, MinHashConfig, Signer, band_keys, estimated_jaccard, is_empty, lsh_params, permutations, signature_column,
    signatures_of,
)
from weft.pipeline.dedup.text import normalise, shingles

from tests.pipeline.dedup.conftest import edit_words


def _datasketch(text: str, cfg: MinHashConfig) -> MinHash:
    m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
    m.update_batch(shingles(normalise(text), cfg.ngram))
    return m


@pytest.mark.parametrize("cfg", [MinHashConfig(), MinHashConfig(num_perm=64, ngram=3, seed=42)], ids=["default", "64perm_3gram_seed42"])
def test_signatures_equal_datasketch_update_batch(pages: dict[str, str], cfg: MinHashConfig) -> None:
    texts = list(pages.values()) + ["one", "two words", "", " ... ", pages["medium-3"] * 2]
    assert max(len(normalise(t).split()) for t in texts) > 4096  # several permutation blocks in one document
    got = Signer(cfg).sign(texts)
    assert got.shape == (len(texts), cfg.num_perm)
    for text, row in zip(texts, got):
        expected = _datasketch(text, cfg).hashvalues
        assert row.dtype == expected.dtype
        np.testing.assert_array_equal(row, expected)
    assert is_empty(got).tolist() == [False] * (len(texts) - 3) + [True, True, False]
    assert (got[-3] == EMPTY_VALUE).all()


def test_sign_shingles_and_sign_normalised_agree_with_sign(pages: dict[str, str]) -> None:
    signer = Signer()
    texts = [pages["bbc-1"], pages["qq"]]
    normalised = [normalise(t) for t in texts]
    np.testing.assert_array_equal(signer.sign(texts), signer.sign_normalised(normalised))
    np.testing.assert_array_equal(signer.sign(texts)[1], signer.sign_shingles(shingles(normalised[1], 5)))


def test_a_signer_ships_to_workers_as_its_config(pages: dict[str, str]) -> None:
    signer = Signer(MinHashConfig(num_perm=32, seed=5))
    shipped = pickle.dumps(signer)
    assert len(shipped) < 1000  # the permutations are rebuilt, not pickled
    np.testing.assert_array_equal(pickle.loads(shipped).sign([pages["folha"]]), signer.sign([pages["folha"]]))


@pytest.mark.parametrize("num_perm", [8, 16, 64, 100, 128, 256])
def test_bands_and_rows_are_the_ones_datasketch_chooses(num_perm: int) -> None:
    checked = 0
    for threshold in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        for weights in ((0.5, 0.5), (0.2, 0.8), (0.9, 0.1), (0.01, 0.99)):
            if (bands := lsh_params(threshold, num_perm, weights)[0]) < 2:
                continue  # MinHashConfig refuses it, but the choice must still be datasketch's
            cfg = MinHashConfig(num_perm=num_perm, threshold=threshold, weights=weights)
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
            assert (cfg.bands, cfg.rows) == (lsh.b, lsh.r), (threshold, weights)
            assert cfg.bands * cfg.rows <= num_perm and cfg.bands == bands
            checked += 1
    assert checked >= 20  # of 36 (threshold, weights) pairs; small num_perm gives 1 band at high thresholds


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 42), (256, 0)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    a, b = permutations(num_perm, seed)
    expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed).permutations
    np.testing.assert_array_equal(a, expected_a)
    np.testing.assert_array_equal(b, expected_b)
    assert a.dtype == expected_a.dtype == np.uint32 and (a % 2 == 1).all()


def test_signing_does_not_import_datasketch_or_scipy() -> None:
    """Importing scipy (datasketch does) cost 0.45 s of every run's and every worker's start-up."""
    code = ("import sys; from weft.pipeline.dedup.minhash import Signer, MinHashConfig; "
            "Signer(MinHashConfig(threshold=0.7)).sign(['a b c d e f']); "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_default_lsh_parameters() -> None:
    cfg = MinHashConfig()
    assert (cfg.num_perm, cfg.ngram, cfg.threshold, cfg.seed, cfg.bands, cfg.rows) == (128, 5, 0.8, 1, 9, 13)
    manifest = cfg.manifest()
    assert manifest["bands"] == 9 and manifest["rows"] == 13 and manifest["scheme"] == "affine32"
    assert manifest["seed"] == 1 and manifest["unicode_version"] and manifest["normalisation"]


@pytest.mark.parametrize("bad", [dict(num_perm=1), dict(ngram=0), dict(threshold=1.0), dict(threshold=0.0),
                                 dict(weights=(0.7, 0.7)), dict(weights=(0.0, 1.0)), dict(threshold=0.95, num_perm=4)])
def test_a_config_that_cannot_work_is_a_user_error(bad: dict) -> None:
    with pytest.raises(UserError):
        MinHashConfig(**bad)


def test_band_keys_are_equal_exactly_when_bands_are(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    base = pages["nytimes-1"]
    texts = [base] + [edit_words(base, 5, f"v{i}") for i in range(6)] + [pages["bbc-1"]]
    sigs = Signer(cfg).sign(texts)
    keys = band_keys(sigs, cfg)
    assert keys.shape == (len(texts), cfg.bands) and keys.dtype == np.uint64
    shared = 0
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            for b in range(cfg.bands):
                same = bool((sigs[i, b * cfg.rows:(b + 1) * cfg.rows] == sigs[j, b * cfg.rows:(b + 1) * cfg.rows]).all())
                assert (keys[i, b] == keys[j, b]) == same
                shared += same
    assert shared > 10  # the near-duplicates do share bands
    # The key is BLAKE2b-64 of the band's little-endian values, salted with the band index.
    band = sigs[0, 2 * cfg.rows:3 * cfg.rows].astype("<u4").tobytes()
    expected = hashlib.blake2b(band, digest_size=8, salt=(2).to_bytes(2, "little")).digest()
    assert keys[0, 2] == int.from_bytes(expected, "little")


def test_equal_values_in_different_bands_give_different_keys() -> None:
    cfg = MinHashConfig()
    sig = np.tile(np.arange(cfg.rows, dtype=np.uint32), cfg.num_perm // cfg.rows + 1)[: cfg.num_perm]
    keys = band_keys(sig[None, :], cfg)[0]
    assert len(set(keys.tolist())) == cfg.bands


def test_estimated_jaccard_is_datasketchs(pages: dict[str, str]) -> None:
    cfg = MinHashConfig()
    base = pages["lemonde-1"]
    texts = [base, edit_words(base, 10, "a"), edit_words(base, 60, "b"), pages["folha"]]
    sigs = Signer(cfg).sign(texts)
    sketches = [_datasketch(t, cfg) for t in texts]
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert estimated_jaccard(sigs[i], sigs[j]) == sketches[i].jaccard(sketches[j])
    np.testing.assert_array_equal(estimated_jaccard(sigs[0], sigs), [sketches[0].jaccard(s) for s in sketches])
    assert estimated_jaccard(sigs[0], sigs[1]) > 0.8 > estimated_jaccard(sigs[0], sigs[2]) > 0.3 > estimated_jaccard(sigs[0], sigs[3])


def test_signatures_survive_a_parquet_round_trip(pages: dict[str, str], tmp_path: Path) -> None:
    sigs = Signer().sign(list(pages.values()))
    column = signature_column(sigs)
    assert column.type == pa.list_(pa.uint32(), 128)
    pq.write_table(pa.table({"signature": column}), tmp_path / "s.parquet", row_group_size=5)
    back = pq.read_table(tmp_path / "s.parquet").column("signature")
    assert back.num_chunks > 1
    np.testing.assert_array_equal(signatures_of(back), sigs)
    np.testing.assert_array_equal(signatures_of(column.slice(3, 4)), sigs[3:7])
