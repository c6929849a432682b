"""What odd characters become in a line's text, the same for every reader.

A PDF names each glyph's character through its font, and producers name some in ways no
reader of the page would type: Word's bullets from the Symbol and Wingdings fonts sit at
private-use code points, a ligature is one character, spaces come no-break or zero-width,
a soft hyphen or a direction mark is written where nothing is printed, and a glyph the font
had no character for is named U+0000 (pdfminer: "(cid:12)"). `reading` gives each the text a
reader reads: the bullet "•", the ligature's letters, a space, nothing for what prints
nothing. Every other character is itself (an arrow stays an arrow); nothing becomes a box or
a question mark.

A glyph whose text reads as nothing keeps its place in line building: its box still
separates, or joins, the glyphs beside it (a zero-width space inside a word does not split
it, a `.notdef` box between two words is not a word space of its own).

Right-to-left script (Arabic, Hebrew) is printed right to left: glyphs placed left to right
give its letters in reverse, and `logical_order` turns each such stretch of a line back.

The table is a fixed Unicode normalisation (the Symbol and Wingdings layouts, Unicode's
ligatures and format characters), not knowledge of the documents, so it lives here rather
than in the taxonomy: a code point added to it changes every reader's output, and the
stage's code digest (pipeline/provenance.py) sends every PDF through extraction again.
"""

from __future__ import annotations

import re

# Word's list bullets: Symbol's • (U+F0B7) and Wingdings' ▪ ◆ ❖ ➢ ✓ ■ ❑ ● (U+F0xx).
PRIVATE_USE_BULLETS = "\uf0b7\uf0a7\uf0a8\uf06c\uf06e\uf06f\uf071\uf075\uf076\uf0d8\uf0fc"
LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
SPACES = "\u00a0\u2007\u202f"  # no-break, figure and narrow no-break spaces
# What prints nothing: zero-width space, non-joiner, joiner, word joiner, direction marks
# and embeddings, byte order mark; U+0000 and U+FFFD: a glyph whose character is unknown.
NOTHING = "\u200b\u200c\u200d\u2060\u200e\u200f\u202a\u202b\u202c\u202d\u202e" + (
    "\u2066\u2067\u2068\u2069\ufeff\x00\ufffd"
)
SOFT_HYPHEN = "\u00ad"  # nothing inside a line; where it ends one, the hyphen printed

READING = str.maketrans(
    {
        **dict.fromkeys(PRIVATE_USE_BULLETS, "•"),
        **LIGATURES,
        **dict.fromkeys(SPACES, " "),
        **dict.fromkeys(NOTHING + SOFT_HYPHEN, None),
    }
)
ODD = re.compile(f"[{PRIVATE_USE_BULLETS}{''.join(LIGATURES)}{SPACES}{NOTHING}{SOFT_HYPHEN}]")
NOTHING_AS_WORD = re.compile(f"(?<= )[{NOTHING}{SOFT_HYPHEN}]+ ")  # "a \x00 b" keeps one space
RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe"  # Hebrew, Arabic, Syriac, Thaana, N'Ko...
RTL_CHAR = re.compile(f"[{RTL}]")
# a stretch printed right to left: right-to-left letters, with the spaces, digits and
# punctuation between them (not those at its ends, which belong to the text around it)
RTL_RUN = re.compile(f"[{RTL}](?:[{RTL}\\s\\d.,:;'\"-]*[{RTL}])?")
DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")


def reading(text: str, ends_line: bool = False) -> str:
    """`text` (one glyph's or a run's) as a reader reads it; where a character that prints
    nothing stood as a word of its own, one space is left. `ends_line`: the text is the
    last on its line, where a soft hyphen is the hyphen it was printed as (the segmenter
    then joins the word as it joins any hyphenated line end)."""
    if (text.isascii() and "\x00" not in text) or ODD.search(text) is None:
        return text
    if ends_line and text.rstrip().endswith(SOFT_HYPHEN):
        text = text.rstrip()[:-1] + "-"
    return NOTHING_AS_WORD.sub("", text).translate(READING)


def logical_order(text: str) -> str:
    """A line's text, placed left to right, with each right-to-left stretch in the order it
    is read (its digits keep theirs)."""
    if RTL_CHAR.search(text) is None:
        return text
    return RTL_RUN.sub(lambda m: DIGITS.sub(lambda d: d.group()[::-1], m.group()[::-1]), text)
