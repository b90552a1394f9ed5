"""One document as HTML, the way a model will see it: its text blocks, and at each image slot the
image itself (a thumbnail of the shard's bytes), then where it came from and what the rules
decided, with their scores.

Used for every document in a report and by `weft inspect --html`. Everything on the page is
escaped; nothing refers to the network (a slot without bytes is a captioned placeholder, never
an `<img>` pointing at its URL).
"""

from __future__ import annotations

from html import escape
from typing import Any

from weft.pipeline.report.samples import Shown
from weft.pipeline.report.thumbs import thumbnail
from weft.schemas.document import ImageSlot, TextBlock

TEXT_CHARS = 700
"""A text block is cut after this many characters (the cut is marked)."""


def _cut(text: str, limit: int) -> str:
    return text if not limit or len(text) <= limit else text[:limit].rstrip() + " […]"


def _text(text: str, limit: int) -> str:
    return f'<div class="text">{escape(_cut(text, limit))}</div>'


def _short(url: str, limit: int = 90) -> str:
    if url.startswith("data:"):
        return f"{url[:30]}… ({len(url):,} chars)"
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _image(slot: ImageSlot) -> str:
    info, fetch = slot.info, slot.fetch
    facts = []
    if info is not None:
        facts.append(f"{info.width}×{info.height} {info.format}")
    if fetch is not None:
        facts.append(f"{fetch.source}:{fetch.status}")
    if slot.alt:
        facts.append(f"alt “{_cut(slot.alt, 120)}”")
    caption = f'<figcaption>{escape(" · ".join(facts))}<br><span class="url">{escape(_short(slot.url))}</span></figcaption>'
    src = thumbnail(slot.content) if slot.content else None
    if src is None:
        why = "no bytes in the shard (images.keep_bytes = none)" if not slot.content else "the bytes do not decode"
        return f'<figure class="slot"><div class="placeholder">{escape(why)}</div>{caption}</figure>'
    return f'<figure class="slot"><img src="{src}" alt="{escape(slot.alt or "")}">{caption}</figure>'


def _body(shown: Shown, limit: int) -> str:
    doc = shown.document
    if doc is not None:
        parts = [_text(seg.text, limit) if isinstance(seg, TextBlock) else _image(seg) for seg in doc.segments
                 if isinstance(seg, (TextBlock, ImageSlot))]
        if doc.dropped_slots:
            items = "".join(f"<li>at {d.position}: <b>{escape(d.reason)}</b> <span class=\"url\">{escape(_short(d.url or d.raw_value))}</span></li>"
                            for d in doc.dropped_slots)
            parts.append(f'<details class="dropped-slots"><summary>{len(doc.dropped_slots)} image slot(s) removed</summary><ul>{items}</ul></details>')
        return "".join(parts)
    if shown.outcome == "kept":
        return '<p class="note">This document is in the ledger but not in its shard (was the shard moved?).</p>'
    parts = []
    if shown.text is not None:
        parts.append(_text(shown.text, limit * 2))
    else:
        parts.append('<p class="note">No text sample: documents removed before the rules (or beyond the rejects sample) keep only their ledger row.</p>')
    if shown.image_urls:
        items = "".join(f'<li class="url">{escape(_short(u))}</li>' for u in shown.image_urls)
        parts.append(f'<div class="slot-list">{len(shown.image_urls)} image slot(s) on the page; a dropped document keeps no image bytes:'
                     f'<ul>{items}</ul></div>')
    return "".join(parts)


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v == v else "nan"
    if isinstance(v, str) and not v:
        return "–"
    return str(v)


def _scores(shown: Shown) -> str:
    scores = shown.scores.get("scores", {}) if shown.scores else {}
    if not scores:
        return ""
    dropped_by = (shown.reason or "").partition(":")[0] if shown.outcome == "dropped" else ""
    rows = "".join(
        f'<tr class="{"decider" if rule == dropped_by else ""}"><th>{escape(rule)}</th><td>'
        + ", ".join(f"{escape(k)}={escape(_value(v))}" for k, v in sorted(values.items())) + "</td></tr>"
        for rule, values in scores.items())
    decider = ""
    if dropped_by in scores:
        decider = (f'<p class="decider-scores"><b>{escape(dropped_by)}</b> measured: '
                   + ", ".join(f"{escape(k)}={escape(_value(v))}" for k, v in sorted(scores[dropped_by].items())) + "</p>")
    return decider + f'<details class="scores"><summary>scores of {len(scores)} rule(s)</summary><table>{rows}</table></details>'


def _provenance(shown: Shown) -> str:
    p = shown.provenance or {}
    items = [("doc_id", shown.doc_id), ("WARC file", p.get("warc_file")), ("offset", p.get("warc_record_offset")),
             ("length", p.get("warc_record_length")), ("record", p.get("warc_record_id")), ("date", p.get("warc_date")),
             ("charset", f"{p.get('charset')} ({p.get('charset_source')})" if p.get("charset") else None)]
    doc = shown.document
    if doc is not None and doc.dedup is not None and doc.dedup.cluster_size:
        items.append(("cluster", f"{doc.dedup.cluster_size} document(s)"))
    return '<dl class="prov">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items if v is not None) + "</dl>"


def verdict_text(shown: Shown) -> str:
    if shown.outcome == "kept":
        return "kept"
    return f"{shown.outcome}: {shown.reason or '?'}"


def document_card(shown: Shown, *, group: str = "", text_chars: int = TEXT_CHARS) -> str:
    """An `<article>` for one document; `group` is what the report's filter buttons select on."""
    doc = shown.document
    title = doc.title if doc is not None and doc.title else ""
    detail = f'<p class="detail">{escape(shown.detail)}</p>' if shown.detail else ""
    return (
        f'<article class="doc {escape(shown.outcome)}" data-group="{escape(group)}" id="doc-{escape(shown.doc_id)}">'
        f'<header><span class="verdict {escape(shown.outcome)}">{escape(verdict_text(shown))}</span>'
        f'<h3>{escape(title or shown.url)}</h3><p class="url">{escape(shown.url)}</p>{detail}</header>'
        f'<div class="cols"><div class="body">{_body(shown, text_chars)}</div>'
        f'<div class="meta">{_provenance(shown)}{_scores(shown)}</div></div></article>'
    )
