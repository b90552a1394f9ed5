"""A process and its descendants, from /proc: what the benchmarks sum memory over (a Ray job is a
driver plus raylet, GCS and workers; one process's figures miss most of it)."""

from __future__ import annotations

import os
import subprocess
import time


def children() -> dict[int, list[int]]:
    """Every running process's children, by parent pid."""
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    found.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def tree(root: int) -> list[int]:
    """`root` and all its descendants alive now."""
    below = children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(below.get(pid, []))
    return found


def memory(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS of `pids`, in bytes (smaps_rollup). RSS counts shared memory (Ray's
    object store, shared libraries) once per process that maps it; PSS splits it among them."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def peak_memory(proc: subprocess.Popen, every: float = 0.1) -> tuple[int, int]:
    """The largest summed RSS and PSS of `proc`'s tree, sampled every `every` seconds until it exits."""
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        rss, pss = memory(tree(proc.pid))
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(every)
    return peak_rss, peak_pss
