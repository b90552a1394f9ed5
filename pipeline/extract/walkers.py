"""Which walk extraction runs: the compiled one (`weft.pipeline.extract.cwalk`) when it was built
and passes its import checks, else the Python one (`weft.pipeline.extract.walk`); and with it the
pre-walk search for guard 2's protected elements (`protected_ids_and_base`, compiled in the same
module, else `weft.pipeline.extract.boilerplate`'s).

Both give the same output (the compiled walk checks that at import, and the tests check it on
every real page they have); the compiled one is about ten times faster per node. A user whose
install could not compile it (no C compiler) still gets a working weft; `WALK` and `WALK_FALLBACK`
say which walk runs and why, and the job manifest records them.
"""

from __future__ import annotations

__all__ = ["WALK", "WALK_FALLBACK", "protected_ids_and_base", "walk"]

WALK_FALLBACK: str | None = None
"""Why the compiled walk is not used, when it is not."""

try:
    from weft.pipeline.extract.cwalk import protected_ids_and_base, walk
    WALK = "compiled"
except ImportError as error:  # not built, or its checks failed against this selectolax
    from weft.pipeline.extract.boilerplate import protected_ids_and_base
    from weft.pipeline.extract.walk import walk
    WALK = "python"
    WALK_FALLBACK = str(error)
