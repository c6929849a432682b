"""A parsed CRP (crp_markdown.Crp) typeset straight into PDF, each glyph drawn the way the
caller says: the producer for odd characters.

LibreOffice substitutes another font for a glyph the body font lacks, so it never writes
what other producers do with such a character: draw it with the font's `.notdef` glyph and
name it in the ToUnicode map (Word), or draw it with `.notdef` and name it U+0000, which
loses it (ReportLab). This writer places every glyph itself: each font is embedded as a
CID font with a CID → glyph map and a ToUnicode map of its own, so a character can be drawn
by the body font, by another font, or by `.notdef`, named or not.

The layout is the UN one, simplified: title, sections in bold, sub-headings in italic,
numbered paragraphs with a hanging number, justified, broken only at spaces (no
hyphenation), no footnotes and no running headers. The fonts: tests/harness/pdf_fonts.py.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from io import BytesIO

from harness.crp_markdown import Block, Crp
from harness.pdf_fonts import Face, face

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89
TOP, BOTTOM = 70.0, 770.0  # the type area, from the page's top
SECTION_X, NUMBER_X, TEXT_X, RIGHT = 62.36, 97.8, 116.22, 497.2
ASCENT = 0.8  # share of the size from a line's top to its baseline


@dataclass(frozen=True)
class Draw:
    """How a stretch of text is drawn: in `face` (None: the body font of its style), with
    the font's .notdef glyph, and whether its ToUnicode entry names the character (False:
    U+0000; None: there is no entry); `descent`: the font descriptor's Descent, where a
    broken one puts the glyph's box far off its baseline for readers that trust it; `rtl`:
    written right to left (placed in reverse order)."""

    face: str | None = None
    notdef: bool = False
    named: bool | None = True
    descent: int | None = None
    rtl: bool = False


@dataclass(frozen=True)
class Insertion:
    """`text` put into paragraph `para_no` at `offset` of its text, in place of `replaces`
    characters there, drawn as `draw` says; `trail` follows it as plain text."""

    para_no: int
    offset: int
    text: str
    draw: Draw = Draw()
    replaces: int = 0
    trail: str = ""


@dataclass
class _Piece:
    text: str
    face: str
    draw: Draw | None = None  # None: plain text


def typeset(
    crp: Crp, insertion: Insertion | None = None, numbers: tuple[int, int] | None = None
) -> bytes:
    """The document as a PDF; `numbers` (first, last) keeps only those paragraphs and the
    headings between them (a short document for quick tests)."""
    writer = _Writer()
    first, last = numbers or (0, 10**6)
    started = False
    for block in crp.blocks:
        if block.kind == "paragraph":
            if not first <= (block.number or 0) <= last:
                continue
            started = True
            pieces = _paragraph_pieces(block, insertion)
            writer.paragraph(f"{block.number}.", pieces)
        elif block.kind in ("section", "subsection") and _kept(crp, block, numbers):
            face = "sans-bold" if block.kind == "section" else "sans-italic"
            size = 12.0 if block.kind == "section" else 10.0
            x = SECTION_X if block.kind == "section" else NUMBER_X
            writer.heading([_Piece(block.text, face)], size, x, before=18.0 if started else 0.0)
        elif block.kind in ("title", "subtitle") and numbers is None:
            face, size = ("sans-bold", 15.0) if block.kind == "title" else ("sans", 12.0)
            writer.heading([_Piece(block.text, face)], size, NUMBER_X, before=0.0)
    return writer.pdf()


def _kept(crp: Crp, heading: Block, numbers: tuple[int, int] | None) -> bool:
    """Whether a heading is typeset: all are, or those whose next paragraph is kept."""
    if numbers is None:
        return True
    after = crp.blocks[crp.blocks.index(heading) :]
    number = next((b.number for b in after if b.kind == "paragraph"), None)
    return number is not None and numbers[0] <= number <= numbers[1]


def _paragraph_pieces(block: Block, insertion: Insertion | None) -> list[_Piece]:
    pieces = [_Piece(r.text, "sans-italic" if r.italic else "sans") for r in block.runs if r.text]
    if insertion is None or insertion.para_no != block.number:
        return pieces
    out: list[_Piece] = []
    at, done = 0, False
    for piece in pieces:
        end = at + len(piece.text)
        if not done and at <= insertion.offset < end:
            cut = insertion.offset - at
            rest = piece.text[cut + insertion.replaces :]
            out += [
                _Piece(piece.text[:cut], piece.face),
                _Piece(insertion.text, _use_key(insertion.draw, piece.face), insertion.draw),
                _Piece(insertion.trail + rest, piece.face),
            ]
            done = True
        else:
            out.append(piece)
        at = end
    if not done:
        raise ValueError(f"offset {insertion.offset} beyond paragraph {block.number}")
    return [p for p in out if p.text]


def _use_key(draw: Draw, face: str) -> str:
    """The font a drawn stretch uses in the PDF: its face, with its own descriptor."""
    key = draw.face or face
    return key if draw.descent is None else f"{key}@{draw.descent}"


# --- layout ----------------------------------------------------------------------------


@dataclass
class _Glyph:
    face: str
    cid: int
    width: float
    space: bool = False  # a break point, stretched in a justified line


@dataclass
class _Use:
    """One face as this PDF uses it: CIDs handed out per (glyph, Unicode) pair."""

    face: Face
    resource: str
    cids: dict[tuple[int, str], int] = field(default_factory=dict)
    descent: int | None = None  # the descriptor's, where it is not the font's

    def cid(self, gid: int, text: str) -> int:
        return self.cids.setdefault((gid, text), len(self.cids) + 1)


class _Writer:
    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.top = TOP
        self.uses: dict[str, _Use] = {}

    # placing
    def paragraph(self, number: str, pieces: list[_Piece]) -> None:
        size, leading = 10.0, 12.0
        lines = self._lines(pieces, RIGHT - TEXT_X, size)
        for i, line in enumerate(lines):
            self._room(leading)
            baseline = self.top + ASCENT * size
            if i == 0:
                self._show(self._glyphs([_Piece(number, "sans")], size), NUMBER_X, baseline, size)
            self._show(line, TEXT_X, baseline, size, justify=i < len(lines) - 1)
            self.top += leading
        self.top += 6.0

    def heading(self, pieces: list[_Piece], size: float, x: float, before: float) -> None:
        self.top += before
        lines = self._lines(pieces, RIGHT - x, size)
        self._room(size * 1.2 * len(lines) + 36.0)  # a heading is never last on its page
        for line in lines:
            self._show(line, x, self.top + ASCENT * size, size)
            self.top += size * 1.2
        self.top += 10.0

    def _room(self, height: float) -> None:
        if self.top + height > BOTTOM:
            self.pages.append([])
            self.top = TOP

    def _glyphs(self, pieces: list[_Piece], size: float) -> list[_Glyph]:
        out: list[_Glyph] = []
        for piece in pieces:
            draw = piece.draw or Draw()
            text = piece.text[::-1] if draw.rtl else piece.text
            use = self._use(piece.face)
            for ch in text:
                gid = 0 if draw.notdef else use.face.cmap[ord(ch)]
                cid = use.cid(gid, {True: ch, False: "\x00", None: ""}[draw.named])
                # a right-to-left name is one unbreakable word: its spaces do not stretch
                space = ch == " " and piece.draw is None
                out.append(_Glyph(piece.face, cid, use.face.width(gid, size), space))
        return out

    def _lines(self, pieces: list[_Piece], width: float, size: float) -> list[list[_Glyph]]:
        """Greedy line filling, broken at spaces only."""
        words: list[list[_Glyph]] = [[]]
        for glyph in self._glyphs(pieces, size):
            if glyph.space:
                words.append([glyph])
                words.append([])
            else:
                words[-1].append(glyph)
        lines: list[list[_Glyph]] = [[]]
        filled = 0.0
        for word in words:
            w = sum(g.width for g in word)
            if word and word[0].space:
                if lines[-1]:
                    lines[-1].extend(word)
                    filled += w
                continue
            if lines[-1] and filled + w > width:
                while lines[-1] and lines[-1][-1].space:
                    filled -= lines[-1].pop().width
                lines.append([])
                filled = 0.0
            lines[-1].extend(word)
            filled += w
        while lines[-1] and lines[-1][-1].space:
            lines[-1].pop()
        return [line for line in lines if line]

    def _show(
        self, glyphs: list[_Glyph], x: float, baseline: float, size: float, justify: bool = False
    ) -> None:
        spaces = sum(g.space for g in glyphs)
        stretch = 0.0
        if justify and spaces:
            stretch = (RIGHT - x - sum(g.width for g in glyphs)) / spaces
        ops = [f"BT 1 0 0 1 {x:.3f} {PAGE_HEIGHT - baseline:.3f} Tm"]
        face, array = None, ""
        for glyph in glyphs:
            if glyph.face != face:
                if array:
                    ops.append(f"[{array}] TJ")
                    array = ""
                face = glyph.face
                ops.append(f"/{self.uses[face].resource} {size:g} Tf")
            array += f"<{glyph.cid:04X}>"
            if glyph.space and stretch:
                array += f" {-stretch * 1000 / size:.3f} "
        if array:
            ops.append(f"[{array}] TJ")
        ops.append("ET")
        self.pages[-1].append(" ".join(ops))

    def _use(self, key: str) -> _Use:
        if key not in self.uses:
            name, _, descent = key.partition("@")
            use = _Use(face(name), f"F{len(self.uses) + 1}")
            use.descent = int(descent) if descent else None
            self.uses[key] = use
        return self.uses[key]

    # writing
    def pdf(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(data: bytes, extra: str = "") -> int:
            packed = zlib.compress(data)
            head = f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
            return add(head.encode() + packed + b"\nendstream")

        fonts = {use.resource: self._font(use, add, stream) for use in self.uses.values()}
        font_dict = " ".join(f"/{r} {n} 0 R" for r, n in fonts.items())
        pages_id = len(objects) + 2 * len(self.pages) + 1
        kids = []
        for ops in self.pages:
            content = stream("\n".join(ops).encode())
            kids.append(
                add(
                    f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_WIDTH} "
                    f"{PAGE_HEIGHT}] /Resources << /Font << {font_dict} >> >> "
                    f"/Contents {content} 0 R >>".encode()
                )
            )
        refs = " ".join(f"{k} 0 R" for k in kids)
        assert add(f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()) == pages_id
        catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
        info = add(b"<< /Producer (tests/harness/pdf_direct.py) >>")
        out = BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for n, body in enumerate(objects, 1):
            offsets.append(out.tell())
            out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
        out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
        out.write(
            f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n".encode()
        )
        return out.getvalue()

    def _font(self, use: _Use, add, stream) -> int:
        f = use.face
        scale = 1000 / f.units
        name = f"{chr(65 + int(use.resource[1:]))}AAAAA+{f.name}"
        by_cid = sorted((cid, gid, text) for (gid, text), cid in use.cids.items())
        file = stream(f.data, f"/Length1 {len(f.data)} ")
        bbox = " ".join(str(round(v * scale)) for v in f.bbox)
        descent = use.descent if use.descent is not None else round(f.descent * scale)
        descriptor = add(
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{bbox}] "
            f"/ItalicAngle {f.italic_angle:g} /Ascent {round(f.ascent * scale)} "
            f"/Descent {descent} /CapHeight {round(f.ascent * scale * 0.7)} "
            f"/StemV 80 /FontFile2 {file} 0 R >>".encode()
        )
        gid_map = bytearray(2 * (len(by_cid) + 1))
        for cid, gid, _ in by_cid:
            gid_map[2 * cid : 2 * cid + 2] = gid.to_bytes(2, "big")
        cid_to_gid = stream(bytes(gid_map))
        widths = " ".join(str(round(f.advances[gid] * scale)) for _, gid, _ in by_cid)
        cid_font = add(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo "
            f"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor "
            f"{descriptor} 0 R /DW 0 /W [1 [{widths}]] /CIDToGIDMap {cid_to_gid} 0 R >>".encode()
        )
        to_unicode = stream(_cmap(by_cid))
        return add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode()
        )


def _cmap(by_cid: list[tuple[int, int, str]]) -> bytes:
    entries = [
        f"<{cid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for cid, _, text in by_cid if text
    ]
    blocks = [
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar"
        for chunk in (entries[i : i + 100] for i in range(0, len(entries), 100))
    ]
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()
