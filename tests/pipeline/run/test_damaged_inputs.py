"""Damaged inputs cost only themselves, in a whole job: cut and bit-flipped copies of the real
WARCs, empty and non-archive files, alone and together with intact inputs in one job.

The reader's own fuzz test (tests/pipeline/read/test_damage.py) cuts every few hundred bytes;
here a smaller set of variants goes through everything after the reader too (extraction, the
image exchange, which joins image records across inputs, the writers and the manifest).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.helpers import job, run_inline

GZIP_WARCS = (
    "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz",
    "warc/other/dolma_sample-0001.warc.gz",
    "warc/other/ukwa_wikipedia-mona-lisa.warc.gz",
    "warc/other/nodewarc_parseMe.warc.gz",
)
INTACT = ("warc/other/nodewarc_books.toscrape.warc", "warc/cc/whirlwind_CC-MAIN-2024-22.warc.gz", "warc/arc/jwat_small_BNF.arc",
          "warc/other/dolma_sample-0000.warc.gz")


def _variants(shared_data: Path, out: Path) -> list[Path]:
    """Seeded damage: cuts at random offsets, flipped bytes, and inputs that are no archive."""
    rng = random.Random(20261201)
    out.mkdir()
    made = []
    for rel in GZIP_WARCS:
        data = (shared_data / rel).read_bytes()
        stem = Path(rel).name.removesuffix(".warc.gz")
        for cut in sorted(rng.sample(range(1, len(data)), 4)):
            made.append(out / f"{stem}-cut{cut}.warc.gz")
            made[-1].write_bytes(data[:cut])
        for n in (1, 3, 16):
            damaged = bytearray(data)
            for pos in rng.sample(range(len(data)), n):
                damaged[pos] ^= 0xFF
            made.append(out / f"{stem}-flip{n}.warc.gz")
            made[-1].write_bytes(bytes(damaged))
    (out / "empty.warc.gz").write_bytes(b"")
    (out / "image.warc.gz").write_bytes((shared_data / "images/pillow/hopper.png").read_bytes())
    (out / "page.warc").write_text("<html><body>not an archive</body></html>")
    (out / "zeros.arc").write_bytes(bytes(4096))
    return made + [out / "empty.warc.gz", out / "image.warc.gz", out / "page.warc", out / "zeros.arc"]


def _accounted(manifest: dict) -> None:
    """Every input finished or failed with its reason, and every record has one outcome."""
    assert manifest["counts"]["balanced"], manifest["counts"]
    assert manifest["unfinished_inputs"] == []
    finished = {i["uri"] for i in manifest["inputs"] if i["finished"]}
    assert finished == {i["uri"] for i in manifest["inputs"]}


def _fates(out: Path) -> dict[str, tuple[str, str | None]]:
    rows = [r for path in sorted((out / "_ledger").glob("*.parquet")) for r in pq.read_table(path).to_pylist()]
    return {r["doc_id"]: (r["outcome"], r["reason"]) for r in rows}


def test_damaged_inputs_alone_and_beside_intact_ones(shared_data: Path, tmp_path: Path) -> None:
    variants = _variants(shared_data, tmp_path / "variants")
    images = {"resolve": True, "download": False}
    for n, variant in enumerate(variants):  # each alone: no crash, every record accounted for
        manifest = run_inline(job(tmp_path / f"alone-{n}", variant, images=images))
        _accounted(manifest)
        if variant.name in ("empty.warc.gz", "image.warc.gz", "page.warc", "zeros.arc"):
            assert [e["file"] for e in manifest["file_errors"]] == [str(variant)]
    intact = [shared_data / rel for rel in INTACT]
    alone = run_inline(job(tmp_path / "intact", *intact, images=images))
    together = run_inline(job(tmp_path / "together", *intact, *variants, images=images))
    _accounted(together)
    assert {e["file"] for e in together["file_errors"]} >= {str(v) for v in variants[-4:]}
    # The intact inputs lost nothing: the same pages, with the same fates, as in a job of their own.
    pages = {i["uri"]: i["pages"] for i in together["inputs"]}
    assert all(pages[i["uri"]] == i["pages"] for i in alone["inputs"])
    intact_fates = _fates(tmp_path / "intact")
    assert len(intact_fates) > 20 and intact_fates.items() <= _fates(tmp_path / "together").items()


@pytest.mark.ray
def test_a_clipped_warc_beside_a_good_one_on_ray(shared_data: Path, tmp_path: Path) -> None:
    """What a user saw: `weft run` on a clipped Common Crawl WARC printed tracebacks with terminal
    colour codes and wrote nothing. Now the good input's work is kept and the damage is one line."""
    clipped = tmp_path / "clipped.warc.gz"
    clipped.write_bytes((shared_data / "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz").read_bytes()[:70000])
    good = shared_data / "warc/other/dolma_sample-0000.warc.gz"
    weft = str(Path(sys.executable).parent / "weft")
    done = subprocess.run([weft, "run", "--input", str(clipped), "--input", str(good), "--output", str(tmp_path / "out"),
                           "--num-cpus", "2", "--no-download"], capture_output=True, text=True, timeout=300, env={"RAY_USAGE_STATS_ENABLED": "0", **_env()})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "\x1b[" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("weft: warning:")]
    assert len(warnings) == 1 and "clipped.warc.gz" in warnings[0]
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    _accounted(manifest)
    assert {i["uri"]: i["pages"] for i in manifest["inputs"]}[str(good)] > 20
    assert re.search(r"records? read before it|kept \d+", warnings[0])


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
