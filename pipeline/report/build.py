"""`weft report OUTPUT`: a finished job's output directory as one static HTML page.

The page shows the job the way a data engineer judges a crawl: the filter funnel (pages read,
then what each rule left, in the job's order, dedup and image rules included), drop reasons per
rule, images per document, image sizes, language scores, top domains, per-phase throughput, and
a deterministic sample of kept and dropped documents rendered with their images inline. Counts
come from `_manifest.json` unchanged; distributions from one streaming pass over the ledgers
(`facts.py`); documents from a bounded sample (`samples.py`), so a job of any size gives a page
of about the same size. A job that wrote no document still gets a page, which says why.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from weft.jobs.errors import UserError
from weft.pipeline.layout import MANIFEST_NAME, REPORT_NAME, write_text_atomic
from weft.pipeline.report import charts
from weft.pipeline.report.document import document_card
from weft.pipeline.report.facts import LedgerFacts, SampleSize, gather
from weft.pipeline.report.funnel import FunnelStep, funnel, why_empty
from weft.pipeline.report.page import chart, n, page, section, table, tiles
from weft.pipeline.report.samples import Shown, load_dropped, load_kept
from weft.pipeline.report.throughput import phase_rates


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise UserError(f"weft report: {root}: no {MANIFEST_NAME} (is this the output directory of a finished job?)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"weft report: {path}: cannot read: {exc}") from None


def write_report(root: str | Path, dest: str | Path | None = None, *, sample: SampleSize = SampleSize()) -> Path:
    """Write the report of the job in `root` to `dest` (default `root/_report.html`); returns its path."""
    root = Path(root).expanduser().resolve()
    manifest = read_manifest(root)
    out = Path(dest).expanduser().resolve() if dest else root / REPORT_NAME
    write_text_atomic(out, render_report(root, manifest, sample=sample))
    return out


def _rule_param(manifest: dict[str, Any], name: str, key: str) -> Any:
    return next((r.get(key) for r in manifest.get("filters", {}).get("rules") or [] if r.get("name") == name), None)


def render_report(root: Path, manifest: dict[str, Any], *, sample: SampleSize = SampleSize()) -> str:
    steps = funnel(manifest)
    facts = gather(root, sample)
    rejects = Path(manifest["config"]["output"].get("rejects") or root / "_rejects")
    kept = load_kept(root, facts.kept_sample)
    dropped = load_dropped(rejects, facts.dropped_sample)
    counts = manifest["counts"]
    empty = why_empty(manifest, steps)
    sections = [_overview(root, manifest, facts, empty)]
    if empty:
        sections.append(section("why-empty", "Why no document was written", f"<p>{empty}</p>", cls="notice"))
    sections += [
        _funnel(steps),
        _drops(steps),
        _dedup(manifest, steps),
        _images(manifest, facts),
        _languages(manifest, facts),
        _domains(facts),
        _throughput(manifest),
        _documents(kept, dropped, counts),
    ]
    nav = [("overview", "Overview"), ("funnel", "Funnel"), ("drops", "Drop reasons"), ("dedup", "Dedup"), ("images", "Images"),
           ("language", "Language"), ("domains", "Domains"), ("throughput", "Throughput"), ("documents", "Documents")]
    subtitle = [f"{root}", f"job {manifest['job']} · weft {manifest['weft_version']} · schema {manifest['schema_version']} · "
                f"{manifest['started']} → {manifest['finished']} · executor {manifest['executor'].get('name')}"]
    return page(f"weft report: {manifest['job']}", subtitle, nav, sections)


def _overview(root: Path, manifest: dict[str, Any], facts: LedgerFacts, empty: str | None) -> str:
    counts = manifest["counts"]
    pages, written = counts["pages"], counts["documents"]["written"]
    images = sum(s.get("images_with_bytes", 0) for s in manifest["shards"] if s["format"] == "parquet") or sum(
        counts.get("image_slots", {}).values())
    wall = (manifest.get("timings") or {}).get("wall_seconds")
    share = f" ({100 * written / pages:.1f} %)" if pages else ""
    items = [("input files", n(counts["files"])), ("HTML pages read", n(pages)), ("documents written", f"{n(written)}{share}"),
             ("images in kept documents", n(images)), ("shards", n(len(manifest["shards"]))),
             ("wall time", f"{wall:.1f} s" if wall is not None else "–")]
    balanced = ('<span class="ok">every record read is accounted for (counts add up)</span>' if counts["balanced"]
                else '<span class="bad">the counts do NOT add up: see _manifest.json</span>')
    errors = ""
    if manifest.get("file_errors"):
        errors = "<p>Inputs that could not be read to their end:</p>" + table(
            ["file", "error", "records before"], [(e["file"], e["error"], e.get("records_before", 0)) for e in manifest["file_errors"]], numeric=(2,))
    cuts = sorted(((sum(st.dropped.values()), st) for st in funnel(manifest) if sum(st.dropped.values())), key=lambda t: -t[0])[:3]
    takeaway = (f"<p class=\"takeaway\">{n(pages)} HTML pages in, {n(written)} documents out"
                + ("; the largest cuts: " + ", ".join(f"<b>{escape(st.label)}</b> {n(v)} ({escape(_why(st))})" for v, st in cuts) if cuts else "")
                + ".</p>")
    return section("overview", "Overview", tiles(items) + takeaway + f"<p>{balanced}. Records by type: "
                   + escape_json(counts["records_by_type"]) + "; outcomes: " + escape_json(counts["record_outcomes"]) + ".</p>" + errors)


def escape_json(d: dict[str, Any]) -> str:
    return escape(", ".join(f"{k} {v:,}" for k, v in d.items()) or "none")


def _why(step: FunnelStep) -> str:
    parts = [f"{reason} {v:,}" for reason, v in sorted(step.dropped.items(), key=lambda kv: -kv[1]) if v]
    parts += [f"slots: {reason} {v:,}" for reason, v in sorted(step.slots_dropped.items(), key=lambda kv: -kv[1]) if v]
    return "; ".join(parts)


def _funnel(steps: list[FunnelStep]) -> str:
    rows = []
    attrs = []
    for s in steps:
        removed = (s.docs_in - s.documents) if s.docs_in is not None else 0
        rows.append((s.label, s.stage, s.docs_in if s.docs_in is not None else "", s.documents, removed, _why(s)))
        attrs.append(f'data-step="{_attr(s.label)}"')
    body = ('<div class="pair"><div>' + chart(charts.funnel_chart(steps), "documents left after each step") + "</div><div>"
            + table(["step", "stage", "in", "left", "removed", "why"], rows, numeric=(2, 3, 4), cls="funnel", row_attrs=attrs)
            + "</div></div><p class=\"muted\">Documents left after each step, in the order the job runs them: text rules before any "
              "image is fetched, then dedup, then the image rules on decoded images. A rule that removes only image slots keeps its "
              "documents (its slot drops are under why).</p>")
    return section("funnel", "Filter funnel", body)


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _drops(steps: list[FunnelStep]) -> str:
    rows = [(s.label, s.stage, reason, v, "") for s in steps for reason, v in s.dropped.items()]
    rows += [(s.label, s.stage, reason, "", v) for s in steps for reason, v in s.slots_dropped.items()]
    if not rows:
        return section("drops", "Drop reasons", "<p>Nothing was dropped.</p>")
    body = ('<div class="pair"><div>' + chart(charts.drops_chart(steps), "documents and image slots removed per rule and reason")
            + "</div><div>" + table(["rule", "stage", "reason", "documents", "image slots"], rows, numeric=(3, 4), cls="drops") + "</div></div>")
    return section("drops", "Drop reasons per rule", body)


def _dedup(manifest: dict[str, Any], steps: list[FunnelStep]) -> str:
    dedup = manifest.get("dedup")
    image_dedup = [s for s in steps if s.label.startswith(("image_repeat", "image_boilerplate"))]
    parts = []
    if dedup:
        removed = [(s.label, sum(s.dropped.values())) for s in steps if s.stage == "dedup"]
        mh = dedup.get("minhash")
        how = (f"MinHash of word {mh['ngram']}-grams, {mh['num_perm']} permutations ({mh['bands']} bands × {mh['rows']} rows), "
               f"seed {mh['seed']}, Jaccard ≥ {mh['threshold']}") if mh else "exact passes only"
        parts.append(f"<p>{n(dedup['documents'])} documents compared ({how}); {n(dedup['clusters'])} cluster(s) of two or more, "
                     f"{n(dedup['clustered_documents'])} documents in them, the largest {n(dedup['largest_cluster'])}; "
                     f"{n(dedup['edges'])} verified pairs, {n(dedup.get('component_rounds'))} component round(s). "
                     "Each removal is in <code>_dedup/</code>; <code>weft inspect OUTPUT --cluster DOC_ID</code> shows a cluster.</p>")
        parts.append(table(["pass", "documents removed"], removed, numeric=(1,), cls="dedup"))
    else:
        parts.append("<p>This job has no document dedup rule.</p>")
    if image_dedup:
        parts.append("<p>Image dedup:</p>" + table(["rule", "image slots removed", "documents removed"],
                     [(s.label, sum(s.slots_dropped.values()), sum(s.dropped.values())) for s in image_dedup], numeric=(1, 2)))
    return section("dedup", "Duplicates", "".join(parts))


def _images(manifest: dict[str, Any], facts: LedgerFacts) -> str:
    counts = manifest["counts"]
    min_side = None
    if _rule_param(manifest, "min_image_size_v1", "min_width") is not None:
        min_side = (_rule_param(manifest, "min_image_size_v1", "min_width"), _rule_param(manifest, "min_image_size_v1", "min_height"))
    shown = f" ({n(len(facts.image_sizes))} of {n(facts.image_slots)} slots, chosen by hash)" if len(facts.image_sizes) < facts.image_slots else ""
    left = ("<h3>Images per kept document</h3>" + chart(charts.images_per_doc_chart(facts.images_per_kept_doc), "images per kept document")
            + table(["images", "documents"], sorted(facts.images_per_kept_doc.items()), numeric=(0, 1)))
    right = (f"<h3>Image sizes{shown}</h3>" + chart(charts.image_sizes_chart(facts.image_sizes, min_side), "image sizes")
             + "<p class=\"muted\">Every decoded image of a written document, kept or removed by an image rule; dashed: the minimum size rule.</p>")
    statuses = table(["slot status (kept documents)", "slots"], list(counts.get("image_slots", {}).items()), numeric=(1,))
    sources = table(["unique image URLs by source:status", "images"], list(counts.get("unique_images", {}).items()), numeric=(1,))
    return section("images", "Images", f'<div class="pair"><div>{left}</div><div>{right}</div></div><div class="pair"><div>{statuses}</div><div>{sources}</div></div>')


def _languages(manifest: dict[str, Any], facts: LedgerFacts) -> str:
    if not facts.languages:
        return section("language", "Language", "<p>This job has no language rule.</p>")
    parts = []
    for lang in facts.languages:
        threshold = next((r.get("threshold") for r in manifest.get("filters", {}).get("rules") or []
                          if lang.rule.split("@")[0] == r.get("name")), None)
        parts.append(f"<h3>{lang.rule}</h3>" + chart(charts.language_chart(lang, threshold), f"language scores of {lang.rule}")
                     + table(["top language", "pages"], lang.top_language.most_common(10), numeric=(1,)))
    return section("language", "Language scores", "".join(parts))


def _domains(facts: LedgerFacts, top: int = 15) -> str:
    total = facts.domains_kept + facts.domains_dropped
    hosts = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    body = ('<div class="pair"><div>' + chart(charts.domains_chart(facts.domains_kept, facts.domains_dropped, top), "top domains")
            + "</div><div>" + table(["host", "pages", "kept", "dropped or failed"],
                                    [(h, v, facts.domains_kept.get(h, 0), facts.domains_dropped.get(h, 0)) for h, v in hosts], numeric=(1, 2, 3))
            + f"<p class=\"muted\">{n(len(total))} distinct hosts; the {min(top, len(total))} with the most pages.</p></div></div>")
    return section("domains", "Top domains", body)


def _throughput(manifest: dict[str, Any]) -> str:
    rates = phase_rates(manifest)
    if not rates:
        return section("throughput", "Throughput per phase", "<p>This manifest has no phase timings (written by an older weft).</p>")
    rows = [(r.phase, round(r.seconds, 2), r.count if r.count is not None else "", r.unit,
             round(r.rate, 1) if r.rate is not None else "") for r in rates]
    cpus = manifest["executor"].get("cpus")
    body = ('<div class="pair"><div>' + chart(charts.throughput_chart([(r.phase, r.seconds) for r in rates]), "seconds per phase")
            + "</div><div>" + table(["phase", "seconds", "processed", "unit", "per second"], rows, numeric=(1, 2, 4)) + "</div></div>"
            + f"<p class=\"muted\">Wall time of this run's phases on {manifest['executor'].get('name')} "
              f"({n(cpus) if cpus is not None else '?'} CPU). A resumed run times only what it did.</p>")
    return section("throughput", "Throughput per phase", body)


def _documents(kept: list[Shown], dropped: dict[str, list[Shown]], counts: dict[str, Any]) -> str:
    total_dropped = sum(len(v) for v in dropped.values())
    buttons = [("all", f"all ({len(kept) + total_dropped})"), ("kept", f"kept ({len(kept)})"), ("dropped", f"dropped or failed ({total_dropped})")]
    buttons += [(reason, f"{reason} ({len(v)})") for reason, v in dropped.items()]
    bar = '<div class="filters">' + "".join(
        f'<button type="button" data-group="{_attr(g)}" class="{"on" if g == "all" else ""}">{_attr(label)}</button>' for g, label in buttons) + "</div>"
    cards = [document_card(s, group="kept") for s in kept]
    for reason, shown in dropped.items():
        cards += [document_card(s, group=reason) for s in shown]
    intro = (f"<p class=\"muted\">A sample chosen by a hash of each document's id (the same job always shows the same documents): "
             f"{len(kept)} of {n(counts['documents']['written'])} kept documents as a trainer reads them, images from the shards; "
             f"up to a few dropped documents per reason, from the rejects sample (text, image URLs) and the ledger (provenance, scores).</p>")
    if not cards:
        return section("documents", "Documents", intro + "<p>No document to show.</p>")
    return section("documents", "Documents", intro + bar + "".join(cards))
