"""weft's modules compiled to bytecode before a benchmark times `weft run`, as pip compiles a
package it installs.

weft is installed editable (`pip install -e .`), which compiles nothing, and where
PYTHONDONTWRITEBYTECODE is set (as on the development and CI machines) Python never writes the
`__pycache__` itself, so every `weft run` compiled its ~100 modules from source again: about 0.08 s
of CPU a process (alternating one-page runs, user+sys time), paid again by every Ray worker. The
peers' packages (datatrove's venv) were compiled when pip installed them. Compiling is idempotent
and skips modules whose bytecode is current.
"""

from __future__ import annotations

import compileall
import importlib
from pathlib import Path

PACKAGES = ("weft.pipeline", "weft.filters", "weft.jobs", "weft.schemas", "weft.demo", "weft.train")


def compile_weft() -> None:
    for name in PACKAGES:
        compileall.compile_dir(str(Path(importlib.import_module(name).__file__).parent), quiet=1)
