"""Bad input files the tests generate: one of every kind the extract stage must survive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf

HTML = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n"


def corrupt(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 64)
    return path


def truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def encrypted(path: Path, source: Path) -> Path:
    with pikepdf.open(source) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    return path


def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def not_a_pdf(path: Path) -> Path:
    path.write_bytes(HTML)
    return path


def image_only(path: Path) -> Path:
    """A one-page 'scan': an image and no text layer."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, bytes([128]) * 64 * 64)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 64, 64, 8
    image.ColorSpace = pikepdf.Name.DeviceGray
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 500 0 0 700 40 60 cm /Im0 Do Q")
    pdf.save(path)
    return path


def zero_pages(path: Path) -> Path:
    pikepdf.new().save(path)
    return path


def deeply_nested(path: Path, depth: int = 100_000) -> Path:
    """A page whose content stream opens arrays 100,000 deep (a recursion bomb)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"[" * depth + b"]" * depth)
    nested = pikepdf.Array()
    for _ in range(2000):
        nested = pikepdf.Array([nested])
    pdf.pages[0].obj.Nest = nested
    pdf.save(path)
    return path


def make_all(folder: Path, source: Path) -> dict[str, Path]:
    """Every bad kind in `folder`, named after its kind; returns {kind: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "corrupt": corrupt(folder / "corrupt.pdf"),
        "truncated": truncated(folder / "truncated.pdf", source),
        "encrypted": encrypted(folder / "encrypted.pdf", source),
        "zero_byte": zero_byte(folder / "zero_byte.pdf"),
        "not_a_pdf": not_a_pdf(folder / "not_a_pdf.pdf"),
        "image_only": image_only(folder / "image_only.pdf"),
        "zero_pages": zero_pages(folder / "zero_pages.pdf"),
        "deeply_nested": deeply_nested(folder / "deeply_nested.pdf"),
    }


def copy_good(folder: Path, sources: list[Path]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(s, folder / s.name)) for s in sources]


def text_pdf(path: Path, pages: list[list[str]], size: float = 11.0) -> Path:
    """A PDF of plain text lines (Helvetica, A4), one list of lines per page."""
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    for lines in pages:
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        ops = [f"BT /F1 {size} Tf {size * 1.4:.1f} TL 72 770 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        page.Contents = pikepdf.Stream(pdf, "\n".join(ops).encode("latin-1"))
    pdf.save(path)
    return path


def not_a_crp(path: Path) -> Path:
    """An annual report of an NGO: numbered paragraphs, no UN masthead, symbol or session."""
    paragraphs = [
        "1. This annual report describes the work of the Foundation in 2023 on small arms",
        "control, including its research on ghost guns and the craft production of firearms.",
        "2. The Foundation recommended that States mark firearms at import and keep records",
        "of transfers for at least twenty years, in line with the Firearms Protocol.",
        "3. Our partners trained customs officers on the detection of firearm parts and",
        "components sent by postal and courier services.",
    ]
    return text_pdf(path, [["Annual Report 2023", "", *paragraphs[:4]], paragraphs[4:]])


def long_annex(path: Path, n_pages: int = 300) -> Path:
    """A statistical annex: hundreds of pages of table rows and no paragraph at all."""
    pages = [
        [f"Table A.{p}. Seizures by region, {2000 + p % 20}"]
        + [f"Region {r}   {p * 7 + r}   {p * 3 + r * 2}   {p + r}" for r in range(40)]
        for p in range(1, n_pages + 1)
    ]
    return text_pdf(path, pages, size=9.0)
