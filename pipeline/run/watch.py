"""Which phase of a plan is running, and how long each one took.

Both executors run a plan's phases in order; each wraps a phase in `watch.phase(phase)`. The
watch logs the phase's wall time (as both executors always did), keeps it for the manifest's
`timings`, and lets a live progress display (`pipeline/cli/progress.py`) see which phase is
running, without the display touching the executors' work.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator


class PhaseWatch:
    """The phases a run has executed (name and seconds, in order) and the one running now."""

    def __init__(self, log: Callable[[str], None] = lambda _m: None) -> None:
        self.log = log
        self.started = time.perf_counter()
        self.phases: list[dict[str, Any]] = []
        self.current: Any = None
        """The phase object running now (None between phases); read by other threads."""
        self.current_started = 0.0

    @contextmanager
    def phase(self, phase: Any) -> Iterator[None]:
        self.current, self.current_started = phase, time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - self.current_started
            self.current = None
        self.phases.append({"name": phase.name, "seconds": round(seconds, 3)})
        self.log(f"weft: phase {phase.name} done in {seconds:.1f} s")

    def timings(self) -> dict[str, Any]:
        """The manifest's `timings`: wall seconds since the watch was made (the whole run,
        executor start and stop included), and each phase this run executed."""
        return {"wall_seconds": round(time.perf_counter() - self.started, 3), "phases": list(self.phases)}
