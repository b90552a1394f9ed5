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
"""

from __future__ import annotations

import os

ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"


def main() -> int:
    os.environ.setdefault(ARROW_POOL, "system")
    from weft.pipeline.cli.main import main as run

    return run()
