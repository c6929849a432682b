"""The pdfplumber (pdfminer.six) reader: thorough and pure Python, a few pages a second."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.errors import DocumentError
from pipeline.readers.base import Char, Deadline, Document, PageChars, check_pages


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
    chars = [
        Char(
            text=c["text"],
            x0=float(c["x0"]),
            x1=float(c["x1"]),
            top=float(c["top"]),
            bottom=float(c["bottom"]),
            size=float(c["size"]),
            font=str(c.get("fontname") or ""),
        )
        for c in page.chars
        if c.get("upright", True)
    ]
    return PageChars(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        chars=chars,
        n_images=len(page.images),
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
