"""Plain data that every PDF reader returns, and the checks every reader shares."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.errors import DocumentError

BOLD_HINTS = ("bold", "black", "heavy", "semibold", "demi")
ITALIC_HINTS = ("italic", "oblique", "slanted")
ASCENT, DESCENT = 0.8, 0.2  # share of the font size above and below the baseline
NO_UNICODE = "\x00"  # a glyph its font names no character for: read as nothing, still placed


@dataclass(frozen=True, slots=True)
class Char:
    """One glyph: its text, box (points from the page's top-left) and font."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str


@dataclass(slots=True)
class PageChars:
    number: int
    width: float
    height: float
    chars: list[Char]
    n_images: int = 0


@dataclass(slots=True)
class Document:
    pages: list[PageChars]
    metadata: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def font_flags(font: str) -> tuple[bool, bool]:
    """(bold, italic) read from a font name such as 'ABCDEF+TimesNewRomanPS-BoldItalicMT'."""
    name = font.split("+", 1)[-1].lower()
    return any(h in name for h in BOLD_HINTS), any(h in name for h in ITALIC_HINTS)


def check_pdf_header(path: Path) -> None:
    """Refuse files that cannot be PDFs before a parser spends time on them."""
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("empty file", "0 bytes; re-download or remove it")
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        kind = _sniff(head)
        raise DocumentError("not a PDF", f"the file starts like {kind}, not with %PDF-")


def _sniff(head: bytes) -> str:
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (a .docx or .xlsx?)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Microsoft Office file"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "an image"
    if stripped.startswith(b"{") or stripped.startswith(b"<?xml"):
        return "a text/JSON/XML file"
    return "unknown binary or text data"


class Deadline:
    """A per-document time limit checked between pages (params.yaml extract.timeout_s)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds if seconds else None

    def check(self) -> None:
        if self.until is not None and time.monotonic() > self.until:
            raise DocumentError(
                "timed out",
                f"reading took longer than {self.seconds:g} s (params.yaml extract.timeout_s)",
            )


def check_pages(n_pages: int, max_pages: int) -> None:
    if n_pages == 0:
        raise DocumentError("no pages", "the PDF has 0 pages")
    if n_pages > max_pages:
        raise DocumentError(
            "too many pages", f"{n_pages} pages > params.yaml extract.max_pages={max_pages}"
        )
