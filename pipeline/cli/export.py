"""`weft inspect --json` and `--html`: one document of a shard as data, or as the report shows it."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from weft.jobs.errors import UserError
from weft.pipeline.layout import write_text_atomic
from weft.pipeline.report.document import document_card
from weft.pipeline.report.page import page
from weft.pipeline.report.samples import shown_document
from weft.schemas.arrow import fetch_dict, info_dict, provenance_to_dict
from weft.schemas.document import Document, ImageSlot, TextBlock
from weft.schemas.reader import iter_documents


def find_document(path: str, doc_id: str | None) -> Document:
    """The document `doc_id` of a shard or output directory (the first one when None)."""
    target = Path(path)
    if not target.exists():
        raise UserError(f"weft inspect: {path}: no such file or directory")
    try:
        for doc in iter_documents(target):
            if doc_id is None or doc.doc_id == doc_id:
                return doc
    except (OSError, ValueError) as exc:
        raise UserError(f"weft inspect: {path}: cannot read shard: {exc}") from None
    raise UserError(f"weft inspect: {path}: " + (f"no document {doc_id}" if doc_id else "no documents"))


def _slot(slot: ImageSlot) -> dict[str, Any]:
    data = slot.content
    return {"type": "image", "url": slot.url, "raw_value": slot.raw_value, "source_attr": slot.source_attr, "alt": slot.alt,
            "title": slot.title, "declared_width": slot.declared_width, "declared_height": slot.declared_height,
            "content_type": slot.content_type,
            "content": None if data is None else {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
            "info": info_dict(slot.info), "fetch": fetch_dict(slot.fetch)}


def document_json(doc: Document) -> dict[str, Any]:
    """A document as plain JSON data: its segments in order (text, or an image slot whose bytes are
    given as their size and SHA-256), provenance, removed slots, dedup facts and rule scores."""
    segments = [{"type": "text", "text": s.text} if isinstance(s, TextBlock) else _slot(s) for s in doc.segments]
    dedup = None
    if doc.dedup is not None:
        dedup = {"cluster_id": doc.dedup.cluster_id, "cluster_size": doc.dedup.cluster_size, "text_hash": doc.dedup.text_hash,
                 "minhash_values": len(doc.dedup.minhash) if doc.dedup.minhash is not None else None}
    return {
        "doc_id": doc.doc_id, "url": doc.url, "title": doc.title, "html_lang": doc.html_lang, "links": doc.links,
        "provenance": provenance_to_dict(doc.provenance), "segments": segments,
        "dropped_slots": [{"position": d.position, "url": d.url, "raw_value": d.raw_value, "source_attr": d.source_attr,
                           "reason": d.reason, "alt": d.alt, "info": info_dict(d.info), "fetch": fetch_dict(d.fetch)}
                          for d in doc.dropped_slots],
        "dedup": dedup, "filter_scores": doc.filter_scores,
    }


def print_json(path: str, doc_id: str | None, out: TextIO | None = None) -> None:
    print(json.dumps(document_json(find_document(path, doc_id)), ensure_ascii=False, indent=2), file=out or sys.stdout)


def document_page(doc: Document) -> str:
    return page(f"weft: {doc.title or doc.url}", [doc.url], [], [document_card(shown_document(doc), group="kept")])


def write_html(path: str, doc_id: str | None, dest: str, out: TextIO | None = None) -> Path | None:
    """Write the page to `dest` and return its path, or print it when `dest` is `-`."""
    html = document_page(find_document(path, doc_id))
    if dest == "-":
        (out or sys.stdout).write(html)
        return None
    target = Path(dest).expanduser().resolve()
    write_text_atomic(target, html)
    return target
