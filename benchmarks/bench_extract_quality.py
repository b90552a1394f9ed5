"""Extraction quality: weft's extractor against trafilatura's, on real pages.

On the readability pages (`shared/data/html/readability/*/source.html`, each with the reference
extraction `expected.html` that Mozilla's Readability tests hold), both extractors' text is scored
with word 4-gram shingles against the reference (precision, recall, F1; per page and the mean over
pages), and weft's image slots (and the images trafilatura keeps) against the reference's `<img>`s,
in order (counts summed over pages). Scoring rules: `extract_scoring.py`.

On the trafilatura pages (`shared/data/html/trafilatura/*.html`) there is no reference; the table
shows how much of trafilatura's text weft keeps (the share of trafilatura's shingles in weft's
text) and how much of weft's text trafilatura keeps, per page and on average.

trafilatura runs with its defaults except `include_comments=False` (comments are not the article,
and the reference never holds them); `--traf-comments` runs it with its default `True` as well.
It is installed by the `bench` extra (`pip install -e '.[bench]'`), never by weft itself.

    python benchmarks/bench_extract_quality.py [--pages] [--json out.json] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench_warcs import SHARED_HTML
from extract_scoring import image_keys, image_keys_of_html, match_images, prf, reference_text, score_text
from weft.pipeline.extract.extractor import extract
from weft.pipeline.read.charset import decode_html
from weft.schemas.document import ImageSlot, TextBlock

READABILITY_URL = "http://fakehost/test/page.html"
"""The page URL Readability's test harness extracts with; `expected.html` URLs are resolved against it."""


def read_html(path: Path) -> str:
    """A saved page as its saver wrote it: UTF-8 when it decodes as UTF-8 (qq's copy is UTF-8 while
    its `<meta>` still says gb2312), else the way weft's reader decodes a record without a header
    charset."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return decode_html(raw, None)[0]


def weft_run(html: str, url: str) -> tuple[str, list[frozenset[str]], float]:
    start = time.perf_counter()
    ex = extract(html, url)
    elapsed = time.perf_counter() - start
    text = "\n\n".join(s.text for s in ex.segments if isinstance(s, TextBlock))
    slots = [image_keys([s.url]) for s in ex.segments if isinstance(s, ImageSlot)]
    return text, slots, elapsed


def trafilatura_run(html: str, url: str, comments: bool) -> tuple[str, list[frozenset[str]], float]:
    import trafilatura
    from lxml import etree

    start = time.perf_counter()
    text = trafilatura.extract(html, url=url, include_comments=comments, output_format="txt") or ""
    elapsed = time.perf_counter() - start
    # The images it keeps, from a second run that asks for them (not timed: the text run is the
    # comparison, and its images come from the same decisions).
    xml = trafilatura.extract(html, url=url, include_comments=comments, include_images=True, output_format="xml")
    slots: list[frozenset[str]] = []
    if xml:
        for graphic in etree.fromstring(xml.encode("utf-8")).iter("graphic"):
            src = graphic.get("src")
            if src:
                slots.append(image_keys([src]))
    return text, slots, elapsed


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def readability_table(only: str | None, comments: bool, show_pages: bool) -> dict[str, object]:
    rows: list[dict[str, object]] = []
    totals = {"weft": [0, 0, 0], "trafilatura": [0, 0, 0]}  # matched, slots, reference imgs
    times = {"weft": 0.0, "trafilatura": 0.0}
    for page_dir in sorted((SHARED_HTML / "readability").iterdir()):
        if only and only not in page_dir.name:
            continue
        html = read_html(page_dir / "source.html")
        expected_html = (page_dir / "expected.html").read_text(encoding="utf-8")
        reference = reference_text(expected_html)
        ref_images = image_keys_of_html(expected_html, READABILITY_URL)
        row: dict[str, object] = {"page": page_dir.name, "ref_images": len(ref_images)}
        for name, run in (("weft", lambda: weft_run(html, READABILITY_URL)),
                          ("trafilatura", lambda: trafilatura_run(html, READABILITY_URL, comments))):
            text, slots, elapsed = run()
            times[name] += elapsed
            row[name] = asdict(score_text(text, reference))
            matched = match_images(slots, ref_images)
            row[f"{name}_images"] = [matched, len(slots)]
            totals[name][0] += matched
            totals[name][1] += len(slots)
            totals[name][2] += len(ref_images)
        rows.append(row)
    if show_pages:
        print(f"{'page':<20} {'weft P':>7} {'R':>6} {'F1':>6}   {'traf P':>7} {'R':>6} {'F1':>6}   "
              f"{'img ref':>7} {'weft ok/slots':>13} {'traf ok/imgs':>12}")
        for row in rows:
            w, t = row["weft"], row["trafilatura"]
            print(f"{row['page']:<20} {w['precision']:7.3f} {w['recall']:6.3f} {w['f1']:6.3f}   "
                  f"{t['precision']:7.3f} {t['recall']:6.3f} {t['f1']:6.3f}   {row['ref_images']:>7} "
                  f"{'%d/%d' % tuple(row['weft_images']):>13} {'%d/%d' % tuple(row['trafilatura_images']):>12}")
    summary: dict[str, object] = {"pages": len(rows)}
    for name in ("weft", "trafilatura"):
        mean = {key: round(_mean([row[name][key] for row in rows]), 3) for key in ("precision", "recall", "f1")}
        images = prf(*totals[name])
        summary[name] = {
            **mean,
            "image_precision": round(images.precision, 3), "image_recall": round(images.recall, 3),
            "images_matched_slots_reference": totals[name],
            "seconds": round(times[name], 2),
        }
    print(f"{'mean':<20} {summary['weft']['precision']:7.3f} {summary['weft']['recall']:6.3f} {summary['weft']['f1']:6.3f}   "
          f"{summary['trafilatura']['precision']:7.3f} {summary['trafilatura']['recall']:6.3f} {summary['trafilatura']['f1']:6.3f}")
    for name in ("weft", "trafilatura"):
        s = summary[name]
        print(f"{name}: image slots precision {s['image_precision']:.3f} recall {s['image_recall']:.3f} "
              f"(matched/slots/reference {s['images_matched_slots_reference']}); {s['seconds']} s for {len(rows)} pages")
    return {"summary": summary, "pages": rows}


def trafilatura_set_table(only: str | None, comments: bool, show_pages: bool) -> dict[str, object]:
    rows: list[dict[str, object]] = []
    for path in sorted((SHARED_HTML / "trafilatura").glob("*.html")):
        if only and only not in path.name:
            continue
        html = read_html(path)
        url = f"https://{path.name.split('.html')[0]}/page.html"
        weft_text, _slots, _ = weft_run(html, url)
        traf_text, _traf_slots, _ = trafilatura_run(html, url, comments)
        # score_text(candidate, reference).recall = share of the reference's shingles the candidate has
        weft_keeps_traf = score_text(weft_text, traf_text).recall
        traf_keeps_weft = score_text(traf_text, weft_text).recall
        rows.append({"page": path.name, "weft_keeps_of_traf": weft_keeps_traf, "traf_keeps_of_weft": traf_keeps_weft,
                     "weft_words": len(weft_text.split()), "traf_words": len(traf_text.split())})
    if show_pages:
        print(f"\n{'page':<44} {'weft∩/traf':>10} {'traf∩/weft':>10} {'weft words':>10} {'traf words':>10}")
        for row in rows:
            print(f"{row['page']:<44} {row['weft_keeps_of_traf']:10.3f} {row['traf_keeps_of_weft']:10.3f} "
                  f"{row['weft_words']:>10} {row['traf_words']:>10}")
    summary = {
        "pages": len(rows),
        "weft_keeps_of_traf": round(_mean([r["weft_keeps_of_traf"] for r in rows]), 3),
        "traf_keeps_of_weft": round(_mean([r["traf_keeps_of_weft"] for r in rows]), 3),
        "words_ratio_weft_over_traf": round(sum(r["weft_words"] for r in rows) / max(1, sum(r["traf_words"] for r in rows)), 3),
    }
    print(f"trafilatura set: weft keeps {summary['weft_keeps_of_traf']:.3f} of trafilatura's shingles; "
          f"trafilatura keeps {summary['traf_keeps_of_weft']:.3f} of weft's; words weft/trafilatura "
          f"{summary['words_ratio_weft_over_traf']:.3f} ({len(rows)} pages)")
    return {"summary": summary, "pages": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", action="store_true", help="print the per-page tables, not only the means")
    ap.add_argument("--only", help="only pages whose name contains this")
    ap.add_argument("--traf-comments", action="store_true", help="run trafilatura with include_comments=True (its default)")
    ap.add_argument("--json", type=Path, help="write every number to this file")
    args = ap.parse_args()
    try:
        import trafilatura
    except ImportError:
        sys.exit("trafilatura is not installed: pip install -e '.[bench]'")
    print(f"trafilatura {trafilatura.__version__}, include_comments={args.traf_comments}")
    result = {
        "readability": readability_table(args.only, args.traf_comments, args.pages),
        "trafilatura_set": trafilatura_set_table(args.only, args.traf_comments, args.pages),
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
