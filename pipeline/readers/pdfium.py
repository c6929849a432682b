"""The PDFium reader (pypdfium2): the same characters as the pdfplumber reader, ~20× faster.

Characters come from PDFium's text page API: the code point, the loose (advance-width)
box for x, the origin for the baseline, and the font name and size of the text object
the character belongs to (looked up once per text object). The vertical box is drawn
from the baseline and the size (ASCENT, DESCENT), not taken from PDFium's loose box:
for some embedded fonts (LibreOffice's subsets) that box's top follows each glyph's
height, so words of one printed line would get tops 2 pt apart. Spaces PDFium invents
where a PDF has none are word breaks only: their boxes (size 1, mid-line) are no text.
A glyph its font names no character for (U+0000, drawn with `.notdef`) is kept with its
box and read as nothing by the line builder (`glyphs.reading`).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from pipeline.errors import DocumentError
from pipeline.readers.base import (
    ASCENT,
    DESCENT,
    NO_UNICODE,
    Char,
    Deadline,
    Document,
    PageChars,
    check_pages,
)
from pipeline.readers.glyphs import RTL_CHAR

SKIP = {"\r", "\n", "\uffff"}
LINE_END_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen it found at a line end
PDFIUM_HYPHEN = "\x02"  # the same hyphen as FPDFText_GetUnicode gives it


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
    text = _page_text(textpage, count)
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

    has_rtl = RTL_CHAR.search(text) is not None
    alone = False  # the run is one right-to-left glyph: nothing joins it
    for i, ch in enumerate(text):
        if ch in SKIP or (ch == " " and raw.FPDFText_IsGenerated(textpage, i) == 1):
            boundary = True
            continue
        if ch == LINE_END_HYPHEN and raw.FPDFText_GetUnicode(textpage, i) == 0:
            ch = NO_UNICODE  # PDFium's page text marks a glyph without Unicode the same way
        line_end = ch == LINE_END_HYPHEN  # PDFium puts it instead of the line break
        if line_end:
            ch = "-"
        # PDFium hands right-to-left script over in reading order, against the x axis: each
        # such glyph is a run of its own, placed by its box like any other
        rtl = has_rtl and RTL_CHAR.match(ch) is not None
        size = get_size(textpage, i)
        if run and not boundary and run[5] == size and not rtl:
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
        same_line = run and run[5] == size and abs(run[4] - bottom) < 0.5
        if same_line and not (rtl or alone) and run[6] == name:
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
        boundary = ch == " " or line_end or rtl
        alone = rtl
    if run:
        close()
    return runs


def _page_text(textpage: raw.FPDF_TEXTPAGE, count: int) -> str:
    """The page's characters, one per character index.

    One call reads the whole page, but PDFium's page text leaves out a glyph the font gives
    no Unicode for (U+0000: a character drawn with the font's .notdef glyph), so from there
    on every character would be read with its neighbour's box and font (the first glyph of
    each line attached to the line above). Where the text is not one character per index,
    the page is read character by character (about 2 ms a page, only on such pages).
    """
    buffer = ctypes.create_string_buffer((2 * count + 1) * 2)  # room for surrogate pairs
    units = raw.FPDFText_GetText(
        textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    text = buffer.raw[: max(0, units - 1) * 2].decode("utf-16-le", "replace")
    if len(text) == count:
        return text
    unicode = raw.FPDFText_GetUnicode
    return "".join([chr(unicode(textpage, i)) for i in range(count)]).replace(
        PDFIUM_HYPHEN, LINE_END_HYPHEN
    )


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
