"""The PDFium reader (pypdfium2): the same characters as the pdfplumber reader, ~20× faster.

Characters come from PDFium's text page API: the code point, the loose (advance-width)
box for x, the origin for the baseline, and the font name and size of the text object
the character belongs to (looked up once per text object). The vertical box is drawn
from the baseline and the size (ASCENT, DESCENT), not taken from PDFium's loose box:
for some embedded fonts (LibreOffice's subsets) that box's top follows each glyph's
height, so words of one printed line would get tops 2 pt apart. Spaces PDFium invents
where a PDF has none are word breaks only: their boxes (size 1, mid-line) are no text.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from pipeline.errors import DocumentError
from pipeline.readers.base import Char, Deadline, Document, PageChars, check_pages

ASCENT, DESCENT = 0.8, 0.2  # share of the font size above and below the baseline
SKIP = {"\r", "\n", "\x00", "\uffff"}
LINE_END_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen it found at a line end


def read_pdf(path: Path, timeout_s: float | None = None, max_pages: int = 2000) -> Document:
    """Every character of every page of `path`, with its box and font."""
    deadline = Deadline(timeout_s)
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise _diagnose(path, str(exc)) from None
    try:
        check_pages(len(pdf), max_pages)
        metadata = {k: str(v) for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
        pages = []
        for index in range(len(pdf)):
            deadline.check()
            pages.append(_read_page(pdf, index))
        return Document(pages=pages, metadata=metadata)
    except pdfium.PdfiumError as exc:
        raise _explain(str(exc)) from None
    finally:
        pdf.close()


def _read_page(pdf: pdfium.PdfDocument, index: int) -> PageChars:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            chars = _chars(textpage.raw, height)
        finally:
            textpage.close()
        n_images = sum(1 for _ in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    finally:
        page.close()
    return PageChars(number=index + 1, width=width, height=height, chars=chars, n_images=n_images)


def _chars(textpage: raw.FPDF_TEXTPAGE, height: float) -> list[Char]:
    """The page's characters, merged into runs (one `Char` per run): consecutive characters
    of one size on one line with no gap wider than a space between them.

    Fewer Python objects and fewer calls: a character's box is read only where a run could
    break (after a space or a line end, at a change of size) and at the end of a run; the
    font name is read there too, at the start of each word, where a style can change
    (a heading's upright "A." before its italic words is a run of its own).
    """
    count = raw.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    raw.FPDFText_GetText(textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: count * 2].decode("utf-16-le", "replace")
    rect = raw.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    name_buffer = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    get_size, get_box = raw.FPDFText_GetFontSize, raw.FPDFText_GetLooseCharBox
    runs: list[Char] = []
    # [text, x0, x1, top, bottom, size, font, index of last char, of last non-space char]
    run: list = []
    boundary = True  # the previous character was a space or a line end

    def close() -> None:
        # x1 is where the last glyph ends, not the space after it: a line's right end
        # tells whether the next word would have fitted (segment's short-line evidence).
        get_box(textpage, run[8] if run[8] >= 0 else run[7], rect)
        run[2] = rect.right if run[8] >= 0 else max(run[2], rect.right)
        runs.append(Char(run[0], run[1], run[2], run[3], run[4], run[5], run[6]))

    def baseline(i: int) -> float:
        raw.FPDFText_GetCharOrigin(textpage, i, origin_x, origin_y)
        return height - origin_y.value

    for i, ch in enumerate(text):
        if ch in SKIP or (ch == " " and raw.FPDFText_IsGenerated(textpage, i) == 1):
            boundary = True
            continue
        line_end = ch == LINE_END_HYPHEN  # PDFium puts it instead of the line break
        if line_end:
            ch = "-"
        size = get_size(textpage, i)
        if run and not boundary and run[5] == size:
            run[0] += ch
            run[7] = i
            run[8] = i if ch != " " else run[8]
            boundary = ch == " " or line_end
            continue
        get_box(textpage, i, rect)
        left, right = rect.left, rect.right
        base = baseline(i)
        bottom = base + DESCENT * size
        length = raw.FPDFText_GetFontInfo(textpage, i, name_buffer, 256, flags)
        name = name_buffer.raw[: max(0, length - 1)].decode("utf-8", "replace")
        if run and run[5] == size and abs(run[4] - bottom) < 0.5 and run[6] == name:
            last_right = run[2]
            if run[7] != i - 1 or boundary:
                get_box(textpage, run[7], rect)
                last_right = max(last_right, rect.right)
            if ch == " " or 0 <= left - last_right < 0.2 * size:
                run[0] += ch
                run[2] = max(last_right, right)
                run[7] = i
                run[8] = i if ch != " " else run[8]
                boundary = ch == " " or line_end
                continue
        if run:
            close()
        top = base - ASCENT * size
        run = [ch, left, right, top, bottom, float(size), name, i, i if ch != " " else -1]
        boundary = ch == " " or line_end
    if run:
        close()
    return runs


def _diagnose(path: Path, message: str) -> DocumentError:
    """Why PDFium could not open a file: pdfminer's reading of it is more specific
    (truncated, zero pages, ...), and this runs only on files that already failed."""
    from pipeline.readers.plumber import read_pdf as read_with_plumber

    try:
        read_with_plumber(path, 10.0, 1)
    except DocumentError as specific:
        if specific.reason != "too many pages":
            return specific
    except Exception:
        pass
    return _explain(message)


def _explain(message: str) -> DocumentError:
    lowered = message.lower()
    if "password" in lowered:
        return DocumentError("encrypted", "a password is required to open it")
    if "format" in lowered or "file" in lowered:
        return DocumentError("corrupt", f"the PDF structure cannot be read (PDFium: {message})")
    return DocumentError("unreadable", f"PDFium: {message}")
