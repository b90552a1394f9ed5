"""The measurements behind the rules' default thresholds, rerunnable from a checkout.

    python -m weft.pipeline.rules.calibrate language   # text selection / truncation vs agreement and speed
    python -m weft.pipeline.rules.calibrate spam       # spam ratios on the real pages
    python -m weft.pipeline.rules.calibrate quality    # OBELICS-style text scores on the real English pages
    python -m weft.pipeline.rules.calibrate images     # size and colour scores of the real images
    python -m weft.pipeline.rules.calibrate image-dedup  # images per document and per crawl; pHash distances
    python -m tests.filters.spam_corpus    # spam ratios on the generated spam

They read the real public test data (`../shared/data` next to the repository, or
`$WEFT_SHARED_DATA`): 77 real pages under html/ (readability's and trafilatura's test pages) and
281 real images under images/. The numbers they print are the ones quoted in the rule modules'
docstrings; rerun them after changing a rule or the extractor, and update the docstrings.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from weft.pipeline.rules.cases import document_from_html
from weft.schemas.document import Document, ImageSlot

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("WEFT_SHARED_DATA") or REPO.parent / "shared" / "data")


@dataclass(frozen=True)
class RealPage:
    """A real page of the test data, extracted to a document."""

    name: str
    """readability/<dir> or trafilatura/<file>."""
    doc: Document
    expected_lang: str | None
    """`lang` from readability's expected-metadata.json (None when absent)."""


def real_pages(data_dir: Path | None = None) -> list[RealPage]:
    """Every real page under html/, in a fixed order."""
    root = (data_dir or shared_data_dir()) / "html"
    pages: list[RealPage] = []
    for source in sorted((root / "readability").glob("*/source.html")):
        meta_path = source.parent / "expected-metadata.json"
        lang = json.loads(meta_path.read_text(encoding="utf-8")).get("lang") if meta_path.is_file() else None
        name = f"readability/{source.parent.name}"
        html = source.read_text(encoding="utf-8", errors="replace")
        pages.append(RealPage(name, document_from_html(html, f"https://{source.parent.name}.example/", name), lang))
    for source in sorted((root / "trafilatura").glob("*.html")):
        name = f"trafilatura/{source.name}"
        html = source.read_text(encoding="utf-8", errors="replace")
        pages.append(RealPage(name, document_from_html(html, f"https://{source.stem}.example/", name), None))
    return pages


def real_images(data_dir: Path | None = None) -> list[Path]:
    root = (data_dir or shared_data_dir()) / "images"
    return sorted(p for p in root.glob("*/*") if p.suffix != ".tsv")


def _summary(values: Sequence[float]) -> str:
    return f"min {min(values):.4f}  median {statistics.median(values):.4f}  max {max(values):.4f}"


# ----- language ------------------------------------------------------------------------------


def measure_language(out: Callable[[str], None] = print) -> None:
    from weft.filters.language import EN_LABEL, classification_text, load_model

    model = load_model("")
    pages = real_pages()
    texts = [p.doc.text for p in pages]

    def predict(text: str) -> tuple[str, float]:
        labels, probs = model.predict(text, k=-1, threshold=0.0)
        en = next((float(pr) for lb, pr in zip(labels, probs) if lb == EN_LABEL), 0.0)
        return labels[0], en

    def whole(text: str) -> str:
        return " ".join(text.split())

    full = [predict(whole(t)) for t in texts]
    variants: list[tuple[str, Callable[[str], str]]] = [("all of it", whole)]
    for n in (500, 1000, 2000, 3000):
        variants.append((f"first {n} chars", lambda t, n=n: " ".join(t[:n].split())))
    for n in (500, 1000, 2000, 3000):
        variants.append((f"prose lines, {n} chars", lambda t, n=n: classification_text(t, n, 6)))
    out(f"{len(pages)} pages; agreement with the whole text")
    for label, select in variants:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            results = [predict(select(t)) for t in texts]
            best = min(best, (time.perf_counter() - start) / len(texts))
        top = sum(r[0] == f[0] for r, f in zip(results, full))
        decision = sum((r[1] >= 0.5) == (f[1] >= 0.5) for r, f in zip(results, full))
        worst = max(abs(r[1] - f[1]) for r, f in zip(results, full))
        differ = [p.name for p, r, f in zip(pages, results, full) if (r[1] >= 0.5) != (f[1] >= 0.5)]
        out(f"  {label:24s} {best * 1e6:7.0f} us/page  top {top}/{len(texts)}  en>=0.5 {decision}/{len(texts)}  "
            f"max|dP(en)| {worst:.3f}  {' '.join(differ)}")
    out("declared vs detected (defaults):")
    from weft.filters.language import EnglishFastText

    rule = EnglishFastText()
    for page in pages:
        scores = rule.score(page.doc)
        declared = page.expected_lang or page.doc.html_lang or "-"
        flag = "" if declared == "-" or declared.split("-")[0].lower() == scores["lang"] else "   <-- differs"
        out(f"  {page.name:48s} declared {declared:6s} top {scores['lang']:4s} {float(scores['lang_prob']):.2f}  "
            f"P(en) {float(scores['en_prob']):.2f}  {'keep' if rule.decide(scores).keep else 'drop'}{flag}")


# ----- spam ----------------------------------------------------------------------------------


def measure_spam(out: Callable[[str], None] = print) -> None:
    from weft.filters.spam import SpamHeuristics

    rule = SpamHeuristics()
    rows = [(p.name, rule.score(p.doc)) for p in real_pages()]
    for score in ("emoji_ratio", "hashtag_ratio", "link_ratio", "spam_ratio"):
        values = [float(s[score]) for _, s in rows]
        top = max(rows, key=lambda r: float(r[1][score]))
        out(f"{score:14s} {_summary(values)}  (max: {top[0]})")
    dropped = [name for name, s in rows if not rule.decide(s).keep]
    out(f"dropped by the defaults: {len(dropped)} {' '.join(dropped)}")


# ----- text quality --------------------------------------------------------------------------


def measure_quality(out: Callable[[str], None] = print) -> None:
    from weft.filters.language import EnglishFastText
    from weft.filters.text_quality import CharRepetition, SpecialCharRatio, StopwordRatio, WordCount, WordRepetition

    english = EnglishFastText()
    pages = [p for p in real_pages() if english.decide(english.score(p.doc)).keep]
    out(f"{len(pages)} pages kept by english_fasttext_v1")
    rules = (WordCount(), StopwordRatio(), CharRepetition(), WordRepetition(), SpecialCharRatio())
    columns: dict[str, dict[str, float]] = {}
    for page in pages:
        for rule in rules:
            scores = rule.score(page.doc)
            for key, value in scores.items():
                columns.setdefault(key, {})[page.name] = float(value)
            verdict = rule.decide(scores)
            if not verdict.keep:
                out(f"  dropped: {page.name} by {rule.name}: {verdict.detail}")
    for key, by_page in columns.items():
        ordered = sorted((v, name) for name, v in by_page.items())
        out(f"{key:20s} {_summary([v for v, _ in ordered])}  (lowest: {ordered[0][1]}, highest: {ordered[-1][1]})")
    obelics = {"words": (10, 2000), "char_repetition": (None, 0.1), "word_repetition": (None, 0.2),
               "special_char_ratio": (None, 0.275), "stopword_ratio": (0.35, None)}
    for key, (low, high) in obelics.items():
        failing = [name for name, value in columns[key].items() if (low is not None and value < low) or (high is not None and value > high)]
        out(f"  OBELICS's {key} cut ({low} .. {high}) would drop {len(failing)}: {' '.join(failing)}")


# ----- images --------------------------------------------------------------------------------


def measure_images(out: Callable[[str], None] = print) -> None:
    from PIL import Image

    from weft.filters.images import MinImageSize, Monochrome
    from weft.pipeline.images.validate import ImageRejected, inspect_image

    size_rule, mono_rule = MinImageSize(), Monochrome()
    for path in real_images():
        try:
            info = inspect_image(path.read_bytes())
        except ImageRejected as exc:
            out(f"  {path.parent.name}/{path.name}: rejected {exc.status}")
            continue
        slot = ImageSlot(url=path.name, raw_value=path.name, source_attr="src", info=info)
        size = size_rule.decide_slot(size_rule.score_slot(slot, 0))
        mono = mono_rule.decide_slot(mono_rule.score_slot(slot, 0))
        out(f"  {path.parent.name + '/' + path.name:62s} {info.width:5d}x{info.height:<5d} spread {info.colour_spread:3d} "
            f"dominant {info.dominant_fraction:.3f} grey {info.grayscale!s:5s} opaque {info.opaque_fraction:.2f}  "
            f"size:{size.reason or 'keep'} colour:{mono.reason or 'keep'}")
    out("solid colours saved as JPEG (468x60 banner):")
    for colour in ((200, 30, 40), (12, 120, 250), (128, 128, 128), (250, 250, 245)):
        for quality in (95, 75, 30, 10):
            buf = io.BytesIO()
            Image.new("RGB", (468, 60), colour).save(buf, "JPEG", quality=quality)
            info = inspect_image(buf.getvalue())
            out(f"  {colour} q{quality}: spread {info.colour_spread} dominant {info.dominant_fraction:.3f}")


# ----- image dedup ---------------------------------------------------------------------------

DEDUP_CRAWLS = ("other/aut_IAH-20080430204825-00000-blackbook.warc.gz", "arc/jwat_1-1-20110922131213-00000-svc-VirtualBox.arc",
                "other/ukwa_wikipedia-mona-lisa.warc.gz", "other/ukwa_data.gov.uk_BL-20140325121225068.warc.gz",
                "other/nodewarc_books.toscrape.warc")
"""The real crawls that hold the images their pages show (so no download is needed)."""


def measure_image_dedup(out: Callable[[str], None] = print) -> None:
    """How many documents of a real crawl show each image, how often a document repeats one, and
    how far apart perceptual hashes are for the same picture re-encoded and for different ones."""
    import itertools
    import tempfile
    from collections import Counter

    from PIL import Image, ImageOps

    from weft.filters.image_dedup import phash_distance
    from weft.jobs.spec import load_job
    from weft.pipeline.images.validate import ImageRejected, inspect_image
    from weft.pipeline.run.job import run_job
    from weft.schemas.reader import iter_documents

    for crawl in DEDUP_CRAWLS:
        with tempfile.TemporaryDirectory() as tmp:
            run_job(load_job(None, {"input": {"paths": [str(shared_data_dir() / "warc" / crawl)]}, "output": {"path": tmp},
                                    "images": {"resolve": True, "download": False}, "executor": "local"}))
            docs: dict[str, set[str]] = {}
            size: dict[str, str] = {}
            repeats: Counter[str] = Counter()
            with_images = 0
            for doc in iter_documents(Path(tmp), format="parquet"):
                shown = [s for s in doc.images if s.info is not None]
                with_images += bool(shown)
                for n, slot in enumerate(shown):
                    docs.setdefault(slot.info.sha256, set()).add(doc.doc_id)
                    size[slot.info.sha256] = f"{slot.info.width}x{slot.info.height} {slot.url}"
                    repeats[slot.info.sha256] += any(s.info.sha256 == slot.info.sha256 for s in shown[:n])
        out(f"{crawl}: {with_images} documents with images, {len(docs)} distinct images, "
            f"{sum(repeats.values())} slots repeat an image shown earlier in their document")
        for sha256, ids in sorted(docs.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:6]:
            out(f"  in {len(ids):3d} documents ({repeats[sha256]} repeated slots): {size[sha256]}")
    infos = []
    for path in real_images():
        try:
            infos.append((path, inspect_image(path.read_bytes())))
        except ImageRejected:
            continue
    distinct = list({info.sha256: (path, info) for path, info in infos}.values())
    pairs = [(phash_distance(a.phash, b.phash), pa.name, pb.name) for (pa, a), (pb, b) in itertools.combinations(distinct, 2)
             if a.colour_spread > 24 and b.colour_spread > 24]
    out(f"pHash distance between {len(pairs)} pairs of different real images (not single-colour): "
        + ", ".join(f"<= {d}: {sum(1 for p in pairs if p[0] <= d)}" for d in (0, 2, 4, 6, 8)))
    for d, a, b in sorted(pairs):  # 0: the same picture in another file, every time; look at the others
        if 0 < d <= 6:
            out(f"  {d:2d} {a} / {b}")
    encodings: dict[str, list[int]] = {}
    photos = [(p, i) for p, i in infos if i.width >= 64 and i.height >= 64 and i.opaque_fraction == 1.0 and i.colour_spread > 24]
    for path, info in photos:
        im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        im.info = {}
        for name, save in (("JPEG q90", lambda m, b: m.save(b, "JPEG", quality=90)), ("JPEG q50", lambda m, b: m.save(b, "JPEG", quality=50)),
                           ("JPEG q20", lambda m, b: m.save(b, "JPEG", quality=20)), ("PNG", lambda m, b: m.save(b, "PNG")),
                           ("WebP q75", lambda m, b: m.save(b, "WEBP", quality=75)),
                           ("half size", lambda m, b: m.resize((max(1, m.width // 2), max(1, m.height // 2)), Image.LANCZOS).save(b, "JPEG", quality=85))):
            buf = io.BytesIO()
            save(im, buf)
            encodings.setdefault(name, []).append(phash_distance(info.phash, inspect_image(buf.getvalue()).phash))
    out(f"pHash distance of {len(photos)} real images (opaque, colourful, >= 64x64) to themselves re-encoded:")
    for name, distances in encodings.items():
        out(f"  {name:9s} " + ", ".join(f"<= {d}: {sum(1 for x in distances if x <= d)}" for d in (0, 2, 4, 6, 8)) + f"; max {max(distances)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m weft.pipeline.rules.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("language", "spam", "quality", "images", "image-dedup"))
    args = parser.parse_args(argv)
    {"language": measure_language, "spam": measure_spam, "quality": measure_quality, "images": measure_images,
     "image-dedup": measure_image_dedup}[args.what]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
