"""A parsed CRP (crp_markdown.Crp) → a .docx in one producer's style (a `Style`).

Written with python-docx the way an editor's Word file is: direct paragraph formatting
(indents, tab stops, spacing before and after), one font for the document, headings in
bold, sub-headings in the style's emphasis, paragraph numbers typed into the text with a
tab or a space, a running header and a footer with a page-number field, and real Word
footnotes (python-docx has no footnote API: the footnotes part is written as XML here).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Mm, Pt
from docx.text.paragraph import Paragraph

from harness.crp_markdown import Block, Crp, Run

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
PAPER = {"A4": (Mm(210), Mm(297)), "Letter": (Inches(8.5), Inches(11))}
MARGINS = {"narrow": (Cm(2.0), Cm(2.0)), "wide": (Cm(3.2), Cm(2.6))}  # (sides, top/bottom)
BODY_INDENT, NUMBER_WIDTH = Cm(1.25), Cm(1.0)  # where paragraphs start; number → text


@dataclass(frozen=True)
class Style:
    """What one producer varies. Every field is an axis of the harness grid."""

    font: str = "Liberation Serif"
    size: int = 10
    align: str = "justified"  # justified | ragged
    numbering: str = "hanging"  # hanging | tab (continuation under the number) | inline
    subheading: str = "italic"  # italic | bold | bold-italic
    para_space: int = 6  # points after each numbered paragraph
    heading_space: int = 12  # points before and after headings
    paper: str = "A4"
    margins: str = "wide"
    furniture: str = "header+footer"  # header+footer | none
    footnotes: str = "notes"  # notes | none

    def key(self) -> str:
        """A short readable name, unique per combination (file names, test ids)."""
        parts = [
            f"{self.font.replace(' ', '')}{self.size}",
            self.align[0],
            self.numbering,
            self.subheading,
            f"s{self.para_space}h{self.heading_space}",
            self.paper,
            self.margins,
            "hf" if self.furniture != "none" else "nohf",
            "fn" if self.footnotes != "none" else "nofn",
        ]
        return "-".join(parts)


def build_docx(crp: Crp, style: Style, doc_id: str, year: int) -> DocxDocument:
    """The document typeset in `style` (year: for the illustrative symbol and job number)."""
    doc = Document()
    _page_setup(doc, style)
    _base_font(doc, style)
    notes = _Notes(crp.notes if style.footnotes != "none" else {})
    for block in crp.blocks:
        _add_block(doc, block, style, notes)
    if style.furniture != "none":
        _furniture(doc, style, doc_id, year)
    if notes.bodies:
        _footnotes_part(doc, notes.bodies, style)
    return doc


@dataclass
class _Notes:
    """The footnotes referenced so far, in order: Word numbers them 1, 2, ... itself.
    Without footnotes (`texts` empty) a reference is dropped with its note."""

    texts: dict[str, list[Run]]
    bodies: list[list[Run]] = field(default_factory=list)

    def refer(self, para: Paragraph, key: str) -> None:
        if key in self.texts:
            self.bodies.append(self.texts[key])
            para._p.append(_note_reference(len(self.bodies)))


def _page_setup(doc: DocxDocument, style: Style) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAPER[style.paper]
    sides, top_bottom = MARGINS[style.margins]
    section.left_margin = section.right_margin = sides
    section.top_margin = section.bottom_margin = top_bottom


def _base_font(doc: DocxDocument, style: Style) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = style.font
    normal.font.size = Pt(style.size)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attr), style.font)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True


def _add_block(doc: DocxDocument, block: Block, style: Style, notes: _Notes) -> None:
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    fmt.left_indent = BODY_INDENT
    if block.kind == "paragraph":
        _numbered(para, block, style, notes)
        return
    fmt.keep_with_next = True
    fmt.space_before = fmt.space_after = Pt(style.heading_space)
    if block.kind == "title":
        _add_runs(para, block.runs, bold=True, size=style.size + 5)
        fmt.space_before, fmt.space_after = Pt(18), Pt(12)
    elif block.kind == "subtitle":
        _add_runs(para, block.runs, size=style.size + 2)
        fmt.space_before = Pt(0)
    elif block.kind == "section":
        _section(para, block, style)
    else:
        bold = style.subheading.startswith("bold")
        _add_runs(para, block.runs, bold=bold, italic=style.subheading.endswith("italic"))


def _section(para: Paragraph, block: Block, style: Style) -> None:
    """ "IV. Spotlight ...": the numeral hangs in the margin (a tab to the text), or is
    typed inline with a space where the producer numbers paragraphs inline."""
    label, _, rest = block.text.partition(" ")
    fmt = para.paragraph_format
    if style.numbering == "inline":
        fmt.left_indent = 0
        text = f"{label} {rest}"
    else:
        fmt.first_line_indent = -BODY_INDENT
        fmt.tab_stops.add_tab_stop(BODY_INDENT)
        text = f"{label}\t{rest}"
    _add_runs(para, [Run(text)], bold=True, size=style.size + 2)


def _numbered(para: Paragraph, block: Block, style: Style, notes: _Notes) -> None:
    fmt = para.paragraph_format
    fmt.space_after = Pt(style.para_space)
    if style.align == "justified":
        para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if style.numbering == "hanging":  # continuation lines under the text
        fmt.left_indent = BODY_INDENT + NUMBER_WIDTH
        fmt.first_line_indent = -NUMBER_WIDTH
        fmt.tab_stops.add_tab_stop(BODY_INDENT + NUMBER_WIDTH)
        label = f"{block.number}.\t"
    elif style.numbering == "tab":  # the UN's: continuation lines under the number
        fmt.tab_stops.add_tab_stop(BODY_INDENT + NUMBER_WIDTH)
        label = f"{block.number}.\t"
    else:
        label = f"{block.number}. "
    _add_runs(para, [Run(label), *block.runs], notes=notes)


def _add_runs(
    para: Paragraph,
    runs: list[Run],
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
    notes: _Notes | None = None,
) -> None:
    for run in runs:
        if run.note is not None:
            if notes is not None:
                notes.refer(para, run.note)
            continue
        piece = para.add_run(run.text)
        piece.bold = bold or None
        piece.italic = (italic or run.italic) or None
        if size is not None:
            piece.font.size = Pt(size)


def _note_reference(number: int) -> OxmlElement:
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    align = OxmlElement("w:vertAlign")
    align.set(qn("w:val"), "superscript")
    props.append(align)
    run.append(props)
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), str(number))
    run.append(ref)
    return run


def _furniture(doc: DocxDocument, style: Style, doc_id: str, year: int) -> None:
    """Running header with an (illustrative) symbol; footer with the page number and a job
    number, as UN documents print them."""
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _add_runs(header, [Run(f"CTOC/COP/WG/{year}/CRP.1")], bold=True, size=max(8, style.size - 1))
    footer = section.footer.paragraphs[0]
    job = int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 90000 + 10000
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    _add_runs(footer, [Run(f"\tV.{year % 100:02d}-{job} (E)")], size=max(7, style.size - 2))


def _footnotes_part(doc: DocxDocument, notes: list[list[Run]], style: Style) -> None:
    """word/footnotes.xml with the separators Word writes and one footnote per reference."""
    size = 2 * max(7, style.size - 2)  # half-points
    font = escape(style.font, {'"': "&quot;"})
    props = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/><w:sz w:val="{size}"/>'
    body = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>",
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>",
    ]
    for number, runs in enumerate(notes, start=1):
        texts = "".join(
            f"<w:r><w:rPr>{props}{'<w:i/>' if r.italic else ''}</w:rPr>"
            f'<w:t xml:space="preserve">{escape(r.text)}</w:t></w:r>'
            for r in runs
            if r.text
        )
        body.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:ind w:left="{BODY_INDENT.twips}"/>'
            f'</w:pPr><w:r><w:rPr>{props}<w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteRef/></w:r><w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve"> '
            f"</w:t></w:r>{texts}</w:p></w:footnote>"
        )
    xml = f'<w:footnotes xmlns:w="{W_NS}">{"".join(body)}</w:footnotes>'
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
