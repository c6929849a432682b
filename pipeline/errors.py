"""Errors a person reads: each says what was wrong, where, and what to do.

The CLI catches `PipelineError` and prints its message on one line, never a traceback.
"""

from __future__ import annotations


class PipelineError(Exception):
    """An error caused by the input or the configuration, not by a bug."""


class ParamsError(PipelineError):
    """params.yaml holds a key or value a stage cannot use."""


class SchemaError(PipelineError):
    """A table does not have the columns or types its schema declares."""


class DocumentError(PipelineError):
    """One input document cannot be processed; the rest of the corpus still is."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
