"""The pdfplumber (pdfminer.six) reader: thorough and pure Python, a few pages a second."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pdfplumber
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.errors import DocumentError
from pipeline.readers.base import (
    DESCENT,
    NO_UNICODE,
    Char,
    Deadline,
    Document,
    PageChars,
    check_pages,
)

CID = re.compile(r"\(cid:\d+\)")  # pdfminer's text for a glyph it finds no character for
SUNK = -0.5  # a font's Descent (a share of the size, negative) lower than any text font's


def read_pdf(path: Path, timeout_s: float | None = None, max_pages: int = 2000) -> Document:
    """Every upright character of every page of `path`, with its box and font."""
    deadline = Deadline(timeout_s)
    try:
        with pdfplumber.open(path) as pdf:
            check_pages(len(pdf.pages), max_pages)
            metadata = {str(k): _text(v) for k, v in (pdf.metadata or {}).items()}
            pages = []
            for page in pdf.pages:
                deadline.check()
                pages.append(_read_page(page))
                page.close()
    except DocumentError:
        raise
    except PdfminerException as exc:
        raise _explain(exc.args[0] if exc.args else exc) from None
    except RecursionError:
        raise DocumentError(
            "too deeply nested", "the PDF's object tree exceeds Python's recursion limit"
        ) from None
    except Exception as exc:  # pdfminer raises many unrelated types on damaged files
        raise _explain(exc) from None
    return Document(pages=pages, metadata=metadata)


def _read_page(page: pdfplumber.page.Page) -> PageChars:
    upright = [c for c in page.chars if c.get("upright", True)]
    shifts = _descent_shifts(upright)
    chars = [_char(c, shifts.get(c.get("fontname"), 0.0)) for c in upright]
    return PageChars(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        chars=chars,
        n_images=len(page.images),
    )


def _descent_shifts(chars: list[dict]) -> dict[str, float]:
    """By how much of its size each font's boxes are moved up to sit where their baseline
    puts them, for the fonts whose boxes sink below it.

    pdfminer draws a glyph's box from the baseline, the text rise and the font descriptor's
    Descent. A broken Descent (a symbol font's, -0.9 of the size) sinks every box of the
    font below its line, where a lone arrow or bullet makes a line of its own. A font's
    usual offset (the median over its glyphs on the page, so a few raised ones do not
    count) is its Descent: where it is lower than any text font's, the font's boxes are
    moved to the offset the PDFium reader gives every box (DESCENT below the baseline),
    the rise of each glyph kept. Other fonts are left as they are (a font used only for
    superscripts sits high by its rise, not by its Descent).
    """
    offsets: dict[str, list[float]] = {}
    for c in chars:
        size = float(c["size"])
        if size > 0:
            offset = (float(c["y0"]) - float(c["matrix"][5])) / size
            offsets.setdefault(c.get("fontname"), []).append(offset)
    shifts = {}
    for font, values in offsets.items():
        usual = statistics.median(values)
        if usual < SUNK:
            shifts[font] = -DESCENT - usual
    return shifts


def _char(c: dict, shift: float) -> Char:
    """One glyph, its box moved up by `shift` of its size; a glyph pdfminer finds no
    character for ("(cid:12)") is one without Unicode, as PDFium reports it."""
    size = float(c["size"])
    text = c["text"]
    return Char(
        text=NO_UNICODE if CID.fullmatch(text) else text,
        x0=float(c["x0"]),
        x1=float(c["x1"]),
        top=float(c["top"]) - shift * size,
        bottom=float(c["bottom"]) - shift * size,
        size=size,
        font=str(c.get("fontname") or ""),
    )


def _explain(exc: BaseException) -> DocumentError:
    name = type(exc).__name__
    if "Password" in name or "Encrypt" in name:
        return DocumentError("encrypted", "a password is required to open it")
    if isinstance(exc, RecursionError):
        return DocumentError(
            "too deeply nested", "the PDF's object tree exceeds Python's recursion limit"
        )
    if name in ("PSEOF",):
        return DocumentError(
            "truncated", "the file ends before the PDF does (incomplete download?)"
        )
    detail = str(exc).strip() or name
    return DocumentError("corrupt", f"the PDF structure cannot be read ({name}: {detail[:120]})")


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace")
    return str(value)
