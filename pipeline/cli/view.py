"""`weft inspect`: read shards the way a trainer would and show them as a person reads a page."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TextIO

import pyarrow.parquet as pq

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
    if doc.dedup is not None and doc.dedup.cluster_size:
        lines.append(f"    cluster: {doc.dedup.cluster_id}, {doc.dedup.cluster_size} document(s)"
                     + (" (see weft inspect OUTPUT --cluster ID)" if doc.dedup.cluster_size > 1 else ""))
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


def print_documents(path: str, *, limit: int = 5, max_chars: int = 2000, out: TextIO | None = None, doc_id: str | None = None) -> int:
    out = out or sys.stdout
    target = Path(path)
    if not target.exists():
        raise UserError(f"weft inspect: {path}: no such file or directory")
    count = 0
    try:
        for doc in iter_documents(target):
            if limit and count >= limit:
                break
            if doc_id is not None and doc.doc_id != doc_id:
                continue
            print(render_document(doc, max_chars=max_chars), file=out)
            print(file=out)
            count += 1
    except (OSError, ValueError) as exc:
        raise UserError(f"weft inspect: {path}: cannot read shard: {exc}") from None
    if count == 0:
        print(f"weft inspect: {path}: no document {doc_id}" if doc_id else f"weft inspect: {path}: no documents", file=out)
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


def print_cluster(path: str, doc_id: str, *, max_chars: int = 2000, out: TextIO | None = None) -> int:
    """A duplicate cluster of a job's output: its kept document as a trainer sees it, then every
    document removed in its favour (from `_dedup/`, with the ledger's provenance), so a user can
    see why each went. `doc_id` may name the kept document or any removed member. Returns the
    number of documents in the cluster."""
    out = out or sys.stdout
    root = Path(path)
    audit_files = sorted((root / "_dedup").glob("*.parquet"))
    if not root.is_dir() or not audit_files:
        raise UserError(f"weft inspect: {path}: no _dedup/ here (--cluster needs the output directory of a job with dedup rules)")
    audit = pq.read_table(audit_files).to_pylist()
    by_id = {row["doc_id"]: row for row in audit}
    kept_id = doc_id
    while kept_id in by_id:  # a URL duplicate of a capture that is itself a duplicate
        kept_id = by_id[kept_id]["duplicate_of"]
    members = sorted((row for row in audit if _final(row["doc_id"], by_id) == kept_id),
                     key=lambda r: (r["warc_date"] or "", r["doc_id"]))
    kept = next((d for d in iter_documents(root, format="parquet") if d.doc_id == kept_id), None)
    if kept is None and not members:
        raise UserError(f"weft inspect: {path}: no document {doc_id} among the kept or removed documents")
    print(f"cluster of {kept_id}: {len(members) + 1} document(s), {len(members)} removed as duplicates", file=out)
    if kept is not None:
        print(render_document(kept, max_chars=max_chars), file=out)
    else:
        print(f"=== {kept_id} (kept by dedup, dropped by a later rule: see _ledger/)", file=out)
    ledger = {row["doc_id"]: row for row in pq.read_table(sorted((root / "_ledger").glob("*.parquet")),
                                                           columns=["doc_id", "provenance"]).to_pylist()}
    for row in members:
        jaccard = f" Jaccard {row['jaccard']:.3f}" if row["jaccard"] is not None else ""
        prov = (ledger.get(row["doc_id"]) or {}).get("provenance") or {}
        print(f"  - {row['doc_id']}  {row['rule']}:{row['reason']} of {row['duplicate_of']}{jaccard}", file=out)
        print(f"      {row['url']}  captured {row['warc_date']}  from {prov.get('warc_file', '?')} @ {prov.get('warc_record_offset', '?')}",
              file=out)
    return len(members) + 1


def _final(doc_id: str, by_id: dict[str, dict]) -> str:
    """The kept document a removed one leads to (following URL duplicates of duplicates)."""
    seen = set()
    while doc_id in by_id and doc_id not in seen:
        seen.add(doc_id)
        doc_id = by_id[doc_id]["duplicate_of"]
    return doc_id
