"""Live progress of a running job, read from the completion markers its units write.

Every unit of work ends by writing `_work/done/<step>/<unit>.json` (`pipeline/markers.py`), so a
thread on the driver can count what is done by listing those folders, reading each new marker
once, without the executors or the stages doing anything for it (it costs them nothing, and
both executors are shown alike). Per phase it shows:

- inputs read of the inputs;
- chunks through the text rules, with pages and the documents still alive;
- with dedup and images, chunks through the dedup rules of all chunks, and the documents left;
- with images, image-exchange partitions resolved of all, and unique images;
- chunks written of all, with documents written and shards.

On a terminal these are tqdm bars (tqdm gives rates and an ETA per bar; it is already in every
weft install through Ray Data and img2dataset, so it costs no new dependency); other output gets
one plain line every `interval` seconds while something changes. `weft run --quiet` shows none.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from weft.pipeline.images.resolve import IMAGES_STEP
from weft.pipeline.layout import OutputLayout
from weft.pipeline.read.stage import READ_STEP
from weft.pipeline.run.plan import DEDUP_STEP, DOCUMENTS_STEP, Exchange, Plan
from weft.pipeline.run.watch import PhaseWatch


class MarkerCounts:
    """The markers of one step, each read once (`poll` reads only files it has not seen)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen: dict[str, dict[str, Any]] = {}

    def poll(self) -> list[dict[str, Any]]:
        try:
            names = [e.name for e in os.scandir(self.directory) if e.name.endswith(".json")]
        except FileNotFoundError:
            return []
        for name in names:
            if name not in self.seen:
                try:
                    self.seen[name] = json.loads((self.directory / name).read_text(encoding="utf-8"))
                except (OSError, ValueError):  # a marker is renamed into place whole; this is a race with --overwrite
                    continue
        return list(self.seen.values())


@dataclass
class Row:
    """One line of the display: units done of a total (None: not known yet), and a note."""

    label: str
    unit: str
    done: int = 0
    total: int | None = None
    note: str = ""
    started: float | None = None
    """When its first unit was seen (its rate and ETA count from there)."""


def _sum(markers: list[dict[str, Any]], key: str) -> int:
    return sum(int(m.get(key) or 0) for m in markers)


def _kept(markers: list[dict[str, Any]]) -> int:
    return sum(int(m.get("outcomes", {}).get("kept", 0)) for m in markers)


class JobCounters:
    """What the markers of a job say so far, as display rows."""

    def __init__(self, plan: Plan, inputs: list[str], layout: OutputLayout, watch: PhaseWatch) -> None:
        self.plan, self.inputs, self.layout, self.watch = plan, inputs, layout, watch
        steps = {READ_STEP, DOCUMENTS_STEP, plan.final_step, *plan.marker_steps}
        if any(p.name == "images" for p in plan.phases):
            steps.add(IMAGES_STEP)
        self.markers = {step: MarkerCounts(layout.done_dir(step)) for step in steps}
        self.image_partitions: int | None = None
        names = [p.name for p in plan.phases]
        self.rows = {"read": Row("inputs read", "file"), "text": Row("text rules", "chunk")}
        if DEDUP_STEP in plan.marker_steps:  # dedup, then images; without images dedup ends by writing
            self.rows["dedup"] = Row("dedup", "chunk")
        if "images" in names:
            self.rows["images"] = Row("images resolved", "part")
        if plan.final_step != DOCUMENTS_STEP:
            self.rows["write"] = Row("dedup + written" if plan.dedup is not None and "images" not in names else "written", "chunk")

    def update(self, now: float) -> dict[str, Row]:
        read = self.markers[READ_STEP].poll()
        docs = self.markers[DOCUMENTS_STEP].poll()
        chunks = sum(len(m.get("chunks") or []) for m in read) if len(read) == len(self.inputs) else None
        self._set("read", len(read), len(self.inputs), f"{_sum(read, 'pages'):,} pages", now)
        text_note = f"{_sum(docs, 'pages'):,} pages, {_kept(docs):,} documents left"
        if self.plan.final_step == DOCUMENTS_STEP:
            text_note += f", {sum(len(m.get('shards') or []) for m in docs)} shards"
        self._set("text", len(docs), chunks, text_note, now)
        if "dedup" in self.rows:
            deduped = self.markers[DEDUP_STEP].poll()
            self._set("dedup", len(deduped), chunks, f"{_kept(deduped):,} documents left", now)
        if "images" in self.rows:
            phase = next(p for p in self.plan.phases if p.name == "images")
            started = self.watch.current is phase or any(done["name"] == "images" for done in self.watch.phases)
            if self.image_partitions is None and started and isinstance(phase, Exchange):
                self.image_partitions = phase.partitions(self.layout)  # known once every chunk is staged
            resolved = self.markers[IMAGES_STEP].poll()
            unique = sum(sum((m.get("unique_images") or {}).values()) for m in resolved)
            self._set("images", len(resolved), self.image_partitions, f"{unique:,} unique images", now)
        if "write" in self.rows:
            written = self.markers[self.plan.final_step].poll()
            shards = sum(len(m.get("shards") or []) for m in written)
            self._set("write", len(written), chunks, f"{_kept(written):,} documents, {shards} shards", now)
        return self.rows

    def _set(self, key: str, done: int, total: int | None, note: str, now: float) -> None:
        row = self.rows[key]
        if done and row.started is None:
            row.started = now
        row.done, row.total, row.note = done, total, note


def eta(row: Row, now: float) -> float | None:
    if row.total is None or not row.done or row.started is None or row.done >= row.total:
        return None
    return (now - row.started) / row.done * (row.total - row.done)


def plain_line(rows: dict[str, Row], elapsed: float, now: float) -> str:
    parts = []
    for row in rows.values():
        of = f"/{row.total}" if row.total is not None else ""
        left = eta(row, now)
        parts.append(f"{row.label} {row.done}{of}" + (f" ({row.note})" if row.note else "") + (f" ETA {left:.0f} s" if left is not None else ""))
    return f"weft: progress at {elapsed:.0f} s: " + "; ".join(parts)


class LiveProgress:
    """`run_job`'s progress view (`pipeline/run/job.py`): a polling thread between `start` and
    `stop`. `log` prints a log line without breaking the bars."""

    def __init__(self, stream: TextIO | None = None, *, interactive: bool | None = None, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.interval = interval if interval is not None else (0.5 if self.interactive else 30.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bars: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._last: list[tuple[int, int | None, str]] = []

    def log(self, message: str) -> None:
        with self._lock:
            if self._bars:
                from tqdm import tqdm

                tqdm.write(message, file=self.stream)
            else:
                print(message, file=self.stream, flush=True)

    def start(self, plan: Plan, inputs: list[str], layout: OutputLayout, watch: PhaseWatch) -> None:
        self.counters = JobCounters(plan, inputs, layout, watch)
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="weft-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.interactive:
            self._show()
        elif hasattr(self, "counters"):
            self._plain()
        with self._lock:
            for bar in self._bars.values():
                bar.close()
            self._bars = {}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.interactive:
                self._show()
            else:
                self._plain()

    def _plain(self) -> None:
        """One line, when something changed since the last."""
        now = time.perf_counter()
        rows = self.counters.update(now)
        counts = [(r.done, r.total, r.note) for r in rows.values()]
        if counts != self._last:
            self._last = counts
            self.log(plain_line(rows, now - self.started, now))

    def _show(self) -> None:
        from tqdm import tqdm

        rows = self.counters.update(time.perf_counter())
        with self._lock:
            if not self._bars:  # all at once, in order (a bar's clock restarts with its first unit)
                self._bars = {key: tqdm(total=row.total, desc=f"{row.label:<16}", unit=row.unit, position=position, file=self.stream,
                                        leave=True, dynamic_ncols=True, mininterval=0.2)
                              for position, (key, row) in enumerate(rows.items())}
            for key, row in rows.items():
                bar = self._bars[key]
                if row.done and not bar.n:
                    bar.reset(total=row.total)
                if bar.total != row.total:
                    bar.total = row.total
                if row.done > bar.n:
                    bar.update(row.done - bar.n)
                bar.set_postfix_str(row.note, refresh=False)
                bar.refresh()


def progress_for(quiet: bool, stream: TextIO | None = None) -> tuple[LiveProgress | None, Callable[[str], None]]:
    """The progress view and log function a command uses: none and silence with `--quiet`."""
    if quiet:
        return None, lambda _m: None
    progress = LiveProgress(stream)
    return progress, progress.log
