"""The report's charts, drawn with matplotlib and embedded as SVG `data:` URIs.

matplotlib is used through its object API only (`Figure`, no pyplot): nothing global is
switched (no backend, no style), settings apply inside `rc_context`, and the SVG ids are salted
with a constant so the same numbers give the same file. Every chart has its numbers in a table
next to it in the report: the chart is for the eye, the table for reading values off.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import Sequence

import matplotlib
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter
from matplotlib.figure import Figure

from weft.pipeline.report.facts import LANGUAGE_BINS, LanguageScores
from weft.pipeline.report.funnel import FunnelStep

KEPT, DROPPED, SLOTS, NEUTRAL = "#2b7bba", "#e07b39", "#9c6ade", "#6c757d"
STAGE_COLOURS = {"read": NEUTRAL, "extract": NEUTRAL, "text": "#2b7bba", "dedup": "#3a9e6f", "image": "#9c6ade",
                 "write": "#1d3557", "?": NEUTRAL}
_RC = {"svg.fonttype": "none", "svg.hashsalt": "weft-report", "font.size": 9, "axes.spines.top": False,
       "axes.spines.right": False, "font.family": "sans-serif"}


def _svg(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def funnel_chart(steps: Sequence[FunnelStep]) -> str:
    with matplotlib.rc_context(_RC):
        fig = _figure(6.2, 0.3 * len(steps) + 0.9)
        ax = fig.add_subplot()
        labels = [s.label for s in steps]
        values = [s.documents for s in steps]
        bars = ax.barh(range(len(steps)), values, color=[STAGE_COLOURS.get(s.stage, NEUTRAL) for s in steps])
        ax.set_yticks(range(len(steps)), labels)
        ax.invert_yaxis()
        removed = [(s.docs_in - s.documents) if s.docs_in is not None else 0 for s in steps]
        ax.bar_label(bars, labels=[f"{v:,}" + (f"  (−{r:,})" if r else "") for v, r in zip(values, removed)], padding=3)
        ax.set_xlabel("documents left after the step")
        ax.set_xlim(0, max(values + [1]) * 1.3)
        handles = [Patch(color=c, label=n) for n, c in STAGE_COLOURS.items()
                   if n in {s.stage for s in steps} and n not in ("read", "extract", "?")]
        if handles:
            ax.legend(handles=handles, title="rule stage", loc="lower right", frameon=False)
        return _svg(fig)


def drops_chart(steps: Sequence[FunnelStep]) -> str | None:
    """Documents and image slots removed, per rule and reason."""
    rows = [(f"{s.label}: {reason}", n, DROPPED) for s in steps for reason, n in s.dropped.items() if n]
    rows += [(f"{s.label}: {reason} (slots)", n, SLOTS) for s in steps for reason, n in s.slots_dropped.items() if n]
    if not rows:
        return None
    with matplotlib.rc_context(_RC):
        fig = _figure(6.2, 0.3 * len(rows) + 0.9)
        ax = fig.add_subplot()
        bars = ax.barh(range(len(rows)), [n for _l, n, _c in rows], color=[c for _l, _n, c in rows])
        ax.set_yticks(range(len(rows)), [label for label, _n, _c in rows])
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[f"{n:,}" for _l, n, _c in rows], padding=3)
        ax.set_xlim(0, max(n for _l, n, _c in rows) * 1.15)
        ax.legend(handles=[Patch(color=DROPPED, label="documents"),
                           Patch(color=SLOTS, label="image slots")], loc="lower right", frameon=False)
        return _svg(fig)


def images_per_doc_chart(counts: Counter[int]) -> str | None:
    if not counts:
        return None
    with matplotlib.rc_context(_RC):
        fig = _figure(4.6, 2.6)
        ax = fig.add_subplot()
        xs = list(range(0, max(counts) + 1))
        bars = ax.bar(xs, [counts.get(x, 0) for x in xs], color=KEPT)
        ax.bar_label(bars, labels=[f"{counts.get(x, 0):,}" if counts.get(x, 0) else "" for x in xs], padding=2)
        ax.set_xticks(xs)
        ax.set_xlabel("images in the document")
        ax.set_ylabel("kept documents")
        return _svg(fig)


def image_sizes_chart(points: Sequence[tuple[int, int, bool, str]], min_side: tuple[int, int] | None) -> str | None:
    if not points:
        return None
    with matplotlib.rc_context(_RC):
        fig = _figure(4.6, 3.2)
        ax = fig.add_subplot()
        for kept, colour, label in ((True, KEPT, "kept"), (False, DROPPED, "slot dropped")):
            pts = [(w, h) for w, h, k, _s in points if k == kept]
            if pts:
                ax.scatter([max(1, w) for w, _h in pts], [max(1, h) for _w, h in pts], s=12, alpha=0.6,
                           color=colour, label=f"{label} ({len(pts):,})", rasterized=len(pts) > 500)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_locator(NullLocator())
        top = max(max(w for w, _h, _k, _s in points), max(h for _w, h, _k, _s in points))
        low = min(min(w for w, _h, _k, _s in points), min(h for _w, h, _k, _s in points))
        ax.set_xlim(max(1, low / 1.5), top * 1.5)
        ax.set_ylim(max(1, low / 1.5), top * 1.5)
        if min_side:
            ax.axvline(min_side[0], color=NEUTRAL, lw=0.8, ls="--")
            ax.axhline(min_side[1], color=NEUTRAL, lw=0.8, ls="--")
        ax.set_xlabel("width (px)")
        ax.set_ylabel("height (px)")
        ax.legend(frameon=False, loc="upper left")
        return _svg(fig)


def language_chart(lang: LanguageScores, threshold: float | None) -> str:
    with matplotlib.rc_context(_RC):
        fig = _figure(7.5, 2.6)
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        edges = [i / LANGUAGE_BINS for i in range(LANGUAGE_BINS)]
        width = 1 / LANGUAGE_BINS
        left.bar(edges, lang.kept, width=width, align="edge", color=KEPT, label="passed the rule")
        left.bar(edges, lang.dropped, width=width, align="edge", bottom=lang.kept, color=DROPPED, label="dropped by it")
        if threshold is not None:
            left.axvline(threshold, color="black", lw=0.8, ls="--")
            left.annotate(f"threshold {threshold:g}", (threshold, 0.5), xycoords=("data", "axes fraction"),
                          xytext=(4, 0), textcoords="offset points", rotation=90, va="center")
        left.set_xlim(0, 1)
        left.set_xlabel(f"P({lang.target.replace('_prob', '')}) per page")
        left.set_ylabel("pages")
        left.legend(frameon=False, loc="upper left", bbox_to_anchor=(0.08, 1))
        top = lang.top_language.most_common(10)
        right.barh(range(len(top)), [n for _l, n in top], color=NEUTRAL)
        right.set_yticks(range(len(top)), [code for code, _n in top])
        right.invert_yaxis()
        right.set_xlabel("pages by top language")
        return _svg(fig)


def domains_chart(kept: Counter[str], dropped: Counter[str], top: int = 15) -> str | None:
    total = kept + dropped
    hosts = [h for h, _n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    if not hosts:
        return None
    with matplotlib.rc_context(_RC):
        fig = _figure(6.2, 0.28 * len(hosts) + 0.9)
        ax = fig.add_subplot()
        ys = range(len(hosts))
        ax.barh(ys, [kept.get(h, 0) for h in hosts], color=KEPT, label="kept")
        ax.barh(ys, [dropped.get(h, 0) for h in hosts], left=[kept.get(h, 0) for h in hosts], color=DROPPED, label="dropped or failed")
        ax.set_yticks(list(ys), hosts)
        ax.invert_yaxis()
        ax.set_xlabel("pages")
        ax.legend(frameon=False, loc="lower right")
        return _svg(fig)


def throughput_chart(rows: Sequence[tuple[str, float]]) -> str | None:
    """Seconds per phase (and the rest of the wall time)."""
    if not rows:
        return None
    with matplotlib.rc_context(_RC):
        fig = _figure(6.2, 0.3 * len(rows) + 0.9)
        ax = fig.add_subplot()
        bars = ax.barh(range(len(rows)), [s for _n, s in rows], color=NEUTRAL)
        ax.set_yticks(range(len(rows)), [n for n, _s in rows])
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[f"{s:.1f} s" for _n, s in rows], padding=3)
        ax.set_xlim(0, max(s for _n, s in rows) * 1.2 or 1)
        ax.set_xlabel("wall seconds")
        return _svg(fig)
