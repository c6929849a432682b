"""PDF readers: each turns a file into pages of positioned characters.

Reading (a library call per backend) is kept apart from everything after it: every
backend returns the same `PageChars`, and `pipeline.readers.lines` turns characters into
lines with one shared algorithm, so segmentation never knows which reader ran.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.readers.base import Document, check_pdf_header

Reader = Callable[[Path, float | None, int], Document]


def get_reader(backend: str) -> Reader:
    """The read function of a backend named in params.yaml (`extract.backend`)."""
    if backend == "pdfplumber":
        from pipeline.readers.plumber import read_pdf
    elif backend == "pdfium":
        from pipeline.readers.pdfium import read_pdf
    else:
        raise PipelineError(
            f"params.yaml [extract.backend]: unknown reader {backend!r}; use pdfplumber or pdfium"
        )
    return read_pdf


__all__ = ["Document", "Reader", "check_pdf_header", "get_reader"]
