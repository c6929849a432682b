"""The odd characters real CRPs carry, the ways a producer draws them, where the harness
puts one into a paragraph, and what the paragraph's text must then hold.

Word writes Symbol and Wingdings bullets at private-use code points, arrows and check marks
from symbol fonts, ligatures, no-break and zero-width spaces, soft hyphens, combining
accents and right-to-left names. Each is drawn here in one of the ways of `GLYPHS`: by the
body font; by another font, as Word and LibreOffice substitute one; by another font whose
descriptor's Descent is far off (pdfminer's box for it sinks below the line); with the body
font's `.notdef` glyph, named in the ToUnicode map (Word with a font that lacks it); or with
`.notdef` named U+0000, which loses the character (ReportLab). `UNLISTED`, `.notdef` with
no ToUnicode entry at all, is read apart: PDFium then reads the glyph's code as a character.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.pdf_direct import Draw, Insertion
from harness.pdf_fonts import face

GLYPHS = ("body", "fallback", "misplaced", "notdef", "unnamed")
UNLISTED = "unlisted"  # .notdef with no ToUnicode entry: PDFium reads the code as a character
MISPLACED_DESCENT = -900  # a descriptor that sinks the glyph's box most of a line
FALLBACK_FACES = ("serif", "stix", "mono")  # tried in turn for a font that has the glyph


@dataclass(frozen=True)
class Odd:
    """One kind of odd character: `text` as the producer writes it, `reads` as the text
    must hold it; `where` it goes: "word" (a word of its own), "inside" (between two letters
    of a word) or "space" (in place of a word space)."""

    name: str
    text: str
    reads: str
    where: str
    rtl: bool = False


KINDS = (
    Odd("symbol-bullet", "\uf0b7", "•", "word"),
    Odd("wingdings-bullet", "\uf0a7", "•", "word"),
    Odd("arrow", "⇒", "⇒", "word"),
    Odd("check-mark", "✓", "✓", "word"),
    Odd("ligature-fi", "ﬁ", "fi", "inside"),
    Odd("ligature-fl", "ﬂ", "fl", "inside"),
    Odd("no-break-space", "\u00a0", " ", "space"),
    Odd("zero-width-space", "\u200b", "", "inside"),
    Odd("soft-hyphen", "\u00ad", "", "inside"),
    Odd("combining-acute", "\u0301", "\u0301", "inside"),
    Odd("arabic-name", "محمد علي", "محمد علي", "word", rtl=True),
)
KIND = {k.name: k for k in KINDS}


def places(text: str, odd: Odd) -> list[int]:
    """The offsets of a paragraph's text where `odd` may go."""
    if odd.where == "word":
        return [i for i in range(1, len(text)) if text[i - 1] == " " and text[i] != " "]
    if odd.where == "space":
        return [i for i in range(1, len(text) - 1) if text[i] == " "]
    return [i for i in range(1, len(text)) if text[i - 1].isalpha() and text[i].isalpha()]


def insertion(para_no: int, offset: int, odd: Odd, glyph: str) -> Insertion:
    """`odd` put at `offset` of paragraph `para_no`, drawn the `glyph` way."""
    if glyph == "body":
        draw = Draw(rtl=odd.rtl)
    elif glyph == "fallback":
        draw = Draw(face=fallback_face(odd.text), rtl=odd.rtl)
    elif glyph == "misplaced":
        draw = Draw(face=fallback_face(odd.text), descent=MISPLACED_DESCENT, rtl=odd.rtl)
    else:
        named = {"notdef": True, "unnamed": False, "unlisted": None}[glyph]
        draw = Draw(notdef=True, named=named, rtl=odd.rtl)
    return Insertion(
        para_no,
        offset,
        odd.text,
        draw,
        replaces=1 if odd.where == "space" else 0,
        trail=" " if odd.where == "word" else "",
    )


def fallback_face(text: str) -> str:
    for key in FALLBACK_FACES:
        if all(ord(ch) in face(key).cmap for ch in text if ch != " "):
            return key
    raise ValueError(f"no fallback face draws {text!r}")


def expected_text(text: str, offset: int, odd: Odd, glyph: str) -> str:
    """The paragraph's text with `odd` in it, as a reader reads it: nothing of a character
    drawn without a name (and no second space where it stood as a word of its own)."""
    reads = "" if glyph in ("unnamed", "unlisted") else odd.reads
    if odd.where == "word":
        return text[:offset] + (reads + " " if reads else "") + text[offset:]
    if odd.where == "space":
        return text[:offset] + reads + text[offset + 1 :]
    return text[:offset] + reads + text[offset:]


def differs_only_near(got: str, expected: str, offset: int, window: int = 24) -> bool:
    """Whether `got` is `expected` but for white space within `window`
    characters of `offset` (reflow may move a line break next to the inserted character)."""
    prefix = 0
    while prefix < min(len(got), len(expected)) and got[prefix] == expected[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(got), len(expected)) - prefix and got[-1 - suffix] == expected[-1 - suffix]
    ):
        suffix += 1
    end = len(expected) - suffix  # expected[prefix:end] became got[prefix:len(got) - suffix]
    if prefix >= end and len(got) == len(expected):
        return True
    near = prefix >= offset - window and end <= offset + window
    return near and _bare(got[prefix : len(got) - suffix]) == _bare(expected[prefix:end])


def _bare(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())
