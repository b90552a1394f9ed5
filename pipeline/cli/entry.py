"""The `weft` command's entry point: what a program (not a library) decides for its whole process,
before anything loads pyarrow; then `main`.

Arrow's allocator. pyarrow allocates from its bundled mimalloc by default, which keeps the memory
it frees: every dedup reduce's high-water mark stayed behind as the floor of the next, so a job's
peak grew with its corpus. With the system allocator the local executor's peak on the bench WARC
stays at the documents phase's level from 1,000 to 20,000 pages, at the same speed (README,
Benchmarks). Arrow reads `ARROW_DEFAULT_MEMORY_POOL` once, at its first allocation, and importing
weft's modules already allocates, so the choice is made here, as a default (a value the user set
wins); embedded Ray's workers, started from this process, inherit it, and a cluster's workers get
it through the job's runtime_env. `weft.pipeline.cli.main.main` called in-process (tests, other
programs) leaves the allocator to its caller.

The end of the process. Once the command has returned, everything it made (its modules, pyarrow,
pandas and numpy included) is about to go, and Python's finalisation runs full garbage
collections over all of it first: 0.10-0.15 s of CPU and about 0.3 s of wall time after the last
file of a `weft run --executor local` was written (one-page runs, alternating, `/usr/bin/time`).
`gc.freeze()` moves every object to the generation no collection visits, so those passes find
nothing to traverse. Exit handlers still run (`atexit`, so Ray's shutdown and temporary
directories' clean-up) and objects freed by reference counts are still freed; only garbage in
reference cycles is left to the operating system, which takes the whole process anyway. Every
file weft writes is closed, fsynced and renamed into place before the command returns.

The garbage collector while the command runs. What the imports made (weft's, pyarrow's and numpy's
modules, classes and functions: about 48,000 objects the collector tracks) is loaded before the
command starts and lives until the end, yet every full collection traversed it again; it is frozen
as soon as it is loaded. And Python starts a young collection every 700 container objects allocated
beyond those freed, which a job passes many times a page (segments, rows, dicts) while nearly all of
it is freed by reference counts soon after: each collection traverses what is still young, and the
survivors are promoted to be traversed again by the older generations. With the young threshold at
`GC_YOUNG_THRESHOLD` the collector cost 0.23-0.43 s of a `weft run --executor local` over the
3,000-page bench WARC (0.71 s over 8,000 pages) before and 0.03-0.05 s (0.06 s) after, with the same
peak RSS or lower (246 -> 240 MB; 247 -> 230 MB at 8,000 pages). Garbage in reference cycles is
still collected, in batches of `GC_YOUNG_THRESHOLD` objects instead of 700. Embedded Ray's workers
are processes of their own and keep Python's defaults.
"""

from __future__ import annotations

import gc
import os

ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"

GC_YOUNG_THRESHOLD = 10_000
"""Net container allocations between young collections while the command runs (Python's: 700)."""


def main() -> int:
    os.environ.setdefault(ARROW_POOL, "system")
    from weft.pipeline.cli.main import main as run

    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    status = run()
    gc.freeze()
    return status
