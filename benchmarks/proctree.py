"""A process and its descendants, from /proc: what the benchmarks sum memory over (a Ray job is a
driver plus raylet, GCS and workers; one process's figures miss most of it)."""

from __future__ import annotations

import os


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
