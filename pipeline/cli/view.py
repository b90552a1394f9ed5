"""`weft inspect`: read shards the way a trainer would and show them as a person reads a page."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TextIO

from weft.jobs.errors import UserError
from weft.schemas.document import Document, ImageSlot, TextBlock
from weft.schemas.reader import iter_documents


def _size(slot: ImageSlot) -> str:
    if slot.info is not None:
        return f"{slot.info.width}x{slot.info.height}"
    w = slot.declared_width if slot.declared_width is not None else "?"
    h = slot.declared_height if slot.declared_height is not None else "?"
    return f"{w}x{h}"


def _short_url(url: str, limit: int = 120) -> str:
    if url.startswith("data:"):
        return f"{url[:40]}...({len(url)} chars)"
    return url if len(url) <= limit else url[: limit - 3] + "..."


def render_document(doc: Document, *, max_chars: int = 2000, width: int = 100) -> str:
    """A document as text: its paragraphs, and `[image WxH url]` where each image slot stands.

    WxH is the decoded size when the image stage ran, else the size the page declared (`?` when
    it declared none)."""
    p = doc.provenance
    lines = [
        f"=== {doc.doc_id}  {doc.url}",
        f"    title: {doc.title or '-'}   lang attr: {doc.html_lang or '-'}   from {p.warc_file} @ {p.warc_record_offset}",
    ]
    for seg in doc.segments:
        if isinstance(seg, ImageSlot):
            alt = f'  alt="{seg.alt}"' if seg.alt else ""
            lines.append(f"[image {_size(seg)} {_short_url(seg.url)}]{alt}")
        elif isinstance(seg, TextBlock):
            text = seg.text if not max_chars or len(seg.text) <= max_chars else seg.text[:max_chars] + " [...]"
            for para in text.split("\n"):
                lines.append(textwrap.fill(para, width) if para else "")
    for d in doc.dropped_slots:
        lines.append(f"  (dropped image at {d.position}: {d.reason} {_short_url(d.url or d.raw_value)})")
    return "\n".join(lines)


def print_documents(path: str, *, limit: int = 5, max_chars: int = 2000, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    target = Path(path)
    if not target.exists():
        raise UserError(f"weft inspect: {path}: no such file or directory")
    count = 0
    try:
        for doc in iter_documents(target):
            if limit and count >= limit:
                break
            print(render_document(doc, max_chars=max_chars), file=out)
            print(file=out)
            count += 1
    except (OSError, ValueError) as exc:
        raise UserError(f"weft inspect: {path}: cannot read shard: {exc}") from None
    if count == 0:
        print(f"weft inspect: {path}: no documents", file=out)
    return count


def explain_page(path: str, url: str, *, show_removed: bool = True, out: TextIO | None = None, width: int = 100) -> int:
    """`weft extract FILE --explain`: one saved page extracted as a job would, with every block
    the extractor removed shown where it stood and the rule that removed it, so a user can see
    why a paragraph is missing. Returns how many blocks were removed."""
    from weft.pipeline.extract.extractor import extract
    from weft.pipeline.read.charset import decode_html

    out = out or sys.stdout
    target = Path(path)
    if not target.is_file():
        raise UserError(f"weft extract: {path}: no such file")
    html = decode_html(target.read_bytes(), None)[0]
    ex = extract(html, url, explain=True)
    removed = (ex.removed or []) if show_removed else []
    print(f"=== {url}  title: {ex.title or '-'}  ({len(ex.segments)} segments kept, {len(removed)} blocks removed)", file=out)
    r = 0
    for position in range(len(ex.segments) + 1):
        while r < len(removed) and removed[r][0] <= position:
            _pos, reason, text = removed[r]
            short = text if len(text) <= 160 else text[:157] + "..."
            print(f"  - removed [{reason}] {short}", file=out)
            r += 1
        if position < len(ex.segments):
            seg = ex.segments[position]
            if isinstance(seg, ImageSlot):
                print(f"[image {_size(seg)} {_short_url(seg.url)}]", file=out)
            else:
                for para in seg.text.split("\n"):
                    print(textwrap.fill(para, width) if para else "", file=out)
    for d in ex.dropped_slots:
        print(f"  (dropped image at {d.position}: {d.reason} {_short_url(d.url or d.raw_value)})", file=out)
    return len(removed)
