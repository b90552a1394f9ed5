"""The three kinds of failure weft distinguishes, so each is handled at the right level.

A *record* error costs one record: it is dropped with a reason and the job goes on. A *file*
error costs the rest of one input file: what was read before it is kept, the error is recorded
in the manifest, and the job goes on. A *user* error (a wrong flag, a missing input, an output
directory that belongs to another job) stops the job before any work with one line that names
the problem. Third-party exceptions (warcio, Pillow, HTTP) are converted at the boundary so code
above it only sees these.
"""

from __future__ import annotations


class WeftError(Exception):
    """Base of every error weft raises on purpose."""


class UserError(WeftError):
    """A mistake in how weft was called; the CLI prints the message as one line and exits 2."""


class FileError(WeftError):
    """An input file could not be read to its end; the records before the damage still count."""

    def __init__(self, uri: str, message: str) -> None:
        super().__init__(f"{uri}: {message}")
        self.uri = uri
        self.message = message


class RecordError(WeftError):
    """One record could not be turned into a document; it is counted as failed with `reason`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
