"""The report as one HTML page: sections of charts with their numbers, then the documents.

Everything the page needs is inside it (styles, a few lines of script for the document filter,
charts and thumbnails as `data:` URIs), so it opens from disk with no server and no network.
Numbers are printed from the manifest as they are; the funnel table carries them in
`data-value` attributes too, for tests and scripts that read the page.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Sequence

STYLE = """
:root { --kept: #2b7bba; --dropped: #e07b39; --failed: #c0392b; --muted: #6c757d; --line: #dee2e6; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #212529; background: #f6f7f9; }
header.top { background: #1d3557; color: white; padding: 16px 28px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; }
header.top p { margin: 2px 0; opacity: .85; }
nav { padding: 6px 28px; background: white; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 14px; color: #1d3557; text-decoration: none; font-weight: 600; }
main { padding: 0 28px 40px; max-width: 1280px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 18px 0; }
section h2 { margin: 0 0 10px; font-size: 18px; }
section { scroll-margin-top: 44px; }
.decider-scores { background: #fff1e6; padding: 4px 6px; border-radius: 4px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.tile .n { font-size: 24px; font-weight: 700; }
.tile .l { color: var(--muted); }
.notice { border-left: 5px solid var(--failed); background: #fff4f2; }
.ok { color: #2d8a4e; font-weight: 600; } .bad { color: var(--failed); font-weight: 600; }
.pair { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.pair > * { flex: 1 1 420px; min-width: 0; }
.pair > .wide { flex: 2 1 560px; }
img.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.filters button { margin: 0 6px 6px 0; padding: 4px 10px; border: 1px solid var(--line); border-radius: 14px; background: white; cursor: pointer; }
.filters button.on { background: #1d3557; color: white; border-color: #1d3557; }
article.doc { border: 1px solid var(--line); border-left: 5px solid var(--kept); border-radius: 6px; padding: 10px 14px; margin: 12px 0; background: white; }
article.doc.dropped { border-left-color: var(--dropped); } article.doc.failed { border-left-color: var(--failed); }
article.doc h3 { margin: 4px 0 2px; font-size: 16px; }
.verdict { font-weight: 700; font-size: 12px; padding: 1px 8px; border-radius: 10px; color: white; background: var(--kept); }
.verdict.dropped { background: var(--dropped); } .verdict.failed { background: var(--failed); }
.url { color: var(--muted); font-size: 12px; word-break: break-all; margin: 0; }
.detail { margin: 2px 0; font-style: italic; }
dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: 0 10px; font-size: 12px; margin: 6px 0; }
dl.prov dt { color: var(--muted); } dl.prov dd { margin: 0; word-break: break-all; }
.body .text { white-space: pre-wrap; margin: 8px 0; max-width: 78ch; }
figure.slot { margin: 8px 0; display: inline-block; border: 1px solid var(--line); padding: 4px; background: #fafafa; max-width: 100%; }
figure.slot img { display: block; max-width: 240px; max-height: 240px; }
figure.slot figcaption { font-size: 12px; max-width: 240px; }
.placeholder { width: 200px; height: 90px; display: flex; align-items: center; justify-content: center; text-align: center;
               background: repeating-linear-gradient(45deg, #eee, #eee 8px, #f8f8f8 8px, #f8f8f8 16px); color: var(--muted); font-size: 12px; padding: 6px; }
details.scores table { margin-top: 4px; } tr.decider th, tr.decider td { background: #fff1e6; }
.note { color: var(--muted); font-style: italic; }
.takeaway { font-size: 16px; margin: 12px 0 6px; }
article.doc .cols { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 18px; }
@media (max-width: 900px) { article.doc .cols { grid-template-columns: 1fr; } }
article.doc .meta { font-size: 12px; } article.doc .meta table { font-size: 12px; }
"""

SCRIPT = """
document.querySelectorAll('.filters button').forEach(function (button) {
  button.addEventListener('click', function () {
    var group = button.getAttribute('data-group');
    document.querySelectorAll('.filters button').forEach(function (b) { b.classList.toggle('on', b === button); });
    document.querySelectorAll('article.doc').forEach(function (doc) {
      doc.hidden = !(group === 'all' || doc.getAttribute('data-group') === group ||
                     (group === 'dropped' && doc.getAttribute('data-group') !== 'kept'));
    });
  });
});
"""


def n(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = (), cls: str = "",
          row_attrs: Sequence[str] | None = None) -> str:
    """A table; the columns in `numeric` are right-aligned and carry `data-value` with the raw number."""
    head = "".join(f'<th class="{"n" if i in numeric else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, v in enumerate(row):
            if i in numeric:
                cells.append(f'<td class="n" data-value="{escape(str(v))}">{n(v) if isinstance(v, (int, float)) else escape(str(v))}</td>')
            else:
                cells.append(f"<td>{v if isinstance(v, Markup) else escape(str(v))}</td>")
        attrs = f" {row_attrs[r]}" if row_attrs else ""
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class Markup(str):
    """HTML that `table` puts in a cell as it is (already escaped by whoever made it)."""


def chart(src: str | None, alt: str) -> str:
    if src is None:
        return f'<p class="note">No data for this chart ({escape(alt)}).</p>'
    return f'<img class="chart" src="{src}" alt="{escape(alt)}">'


def section(anchor: str, title: str, body: str, *, cls: str = "") -> str:
    return f'<section id="{escape(anchor)}" class="{cls}"><h2>{escape(title)}</h2>{body}</section>'


def tiles(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="tiles">' + "".join(f'<div class="tile"><div class="n">{escape(v)}</div><div class="l">{escape(k)}</div></div>'
                                           for k, v in items) + "</div>"


def page(title: str, subtitle: Sequence[str], nav: Sequence[tuple[str, str]], sections: Sequence[str]) -> str:
    links = "".join(f'<a href="#{escape(a)}">{escape(t)}</a>' for a, t in nav)
    lines = "".join(f"<p>{escape(s)}</p>" for s in subtitle)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<header class="top"><h1>{escape(title)}</h1>{lines}</header><nav>{links}</nav>'
        f"<main>{''.join(sections)}</main><script>{SCRIPT}</script></body></html>\n"
    )
