"""The fonts tests/harness/pdf_direct.py draws with: DejaVu and STIX from matplotlib's package
data (a dev dependency), read once for their metrics and subset to the characters the
harness draws (glyph ids kept), the subsets cached in tests/harness/.pdf-cache/fonts."""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".pdf-cache" / "fonts"
MARKDOWN = HERE.parents[0] / "fixtures" / "markdown"

# face → (file in matplotlib's fonts, name in the PDF); "sans" is the body font
FACES = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans"),
    "sans-bold": ("DejaVuSans-Bold.ttf", "DejaVuSans-Bold"),
    "sans-italic": ("DejaVuSans-Oblique.ttf", "DejaVuSans-Oblique"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif"),
    "stix": ("STIXGeneral.ttf", "STIXGeneral"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono"),
}
# Word's Symbol and Wingdings bullets, drawn by the faces that stand in for those fonts
SYMBOL_FACES = ("sans", "mono")
PRIVATE_USE = {0xF0B7: 0x2022, 0xF0A7: 0x25AA}
# what the harness draws beside the development documents' characters
ODD_CHARS = "⇒→✓✔ﬁﬂ\u00a0\u200b\u00ad\u0301محمدعلي•▪"


@dataclass
class Face:
    name: str
    units: int
    cmap: dict[int, int]  # code point → glyph id
    advances: list[int]  # by glyph id, in font units
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]
    italic_angle: float
    data: bytes  # the subset font file (glyph ids kept)

    def width(self, gid: int, size: float) -> float:
        return self.advances[gid] * size / self.units


def fonts_dir() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return folder if (folder / FACES["sans"][0]).exists() else None


def charset() -> str:
    """Every character the harness may draw: the development documents' and ODD_CHARS."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(MARKDOWN.glob("*.md")))
    return "".join(sorted(set(text + ODD_CHARS)))


@cache
def face(key: str) -> Face:
    from fontTools.ttLib import TTFont

    folder = fonts_dir()
    if folder is None:
        raise RuntimeError("matplotlib's DejaVu fonts are not installed: pip install matplotlib")
    file, name = FACES[key]
    font = TTFont(folder / file, lazy=True)
    order = font.getGlyphOrder()
    index = {g: i for i, g in enumerate(order)}
    cmap = {c: index[g] for c, g in font.getBestCmap().items()}
    if key in SYMBOL_FACES:
        cmap.update({pua: cmap[std] for pua, std in PRIVATE_USE.items()})
    metrics = font["hmtx"].metrics
    head, hhea = font["head"], font["hhea"]
    return Face(
        name=name,
        units=head.unitsPerEm,
        cmap=cmap,
        advances=[metrics[g][0] for g in order],
        ascent=hhea.ascent,
        descent=hhea.descent,
        bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
        italic_angle=float(font["post"].italicAngle),
        data=_subset(folder / file, charset()),
    )


def _subset(path: Path, chars: str) -> bytes:
    """The font cut down to `chars`, its glyph ids kept (cached: subsetting takes a while)."""
    from fontTools import subset, version

    digest = hashlib.sha256(f"{path.name}|{version}|{chars}".encode()).hexdigest()[:16]
    cached = CACHE / f"{path.stem}-{digest}.ttf"
    if cached.exists():
        return cached.read_bytes()
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "MATH", "FFTM"]
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(out.getvalue())
    return out.getvalue()
