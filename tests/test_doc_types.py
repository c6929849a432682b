"""The kind of a document (doc_types.yaml) and the metadata of working group reports."""

from __future__ import annotations

import shutil

import pytest

from pipeline.knowledge.documents import load_doc_types
from pipeline.knowledge.taxonomy import TaxonomyError, load_taxonomy
from pipeline.metadata import Bodies, read_metadata
from pipeline.paths import TAXONOMY_DIR
from pipeline.readers.lines import Line

TAXONOMY = load_taxonomy(parts=["labels", "working_groups", "doc_types"])
KINDS = TAXONOMY.doc_types


@pytest.mark.parametrize(
    ("title", "masthead", "kind"),
    [
        (
            "Report on the meeting of the Working Group on Firearms held in Vienna on 3 and "
            "4 April 2024",
            "CTOC/COP/WG.6/2024/4",
            "wg_report",
        ),
        (
            "Report of the Working Group on Trafficking in Persons on its meeting held in "
            "Vienna from 2 to 3 July 2024",
            "",
            "wg_report",
        ),
        ("Constructive dialogue on the review process in accordance with ...", "", "crp"),
        ("Summary by the Co-Chairs", "", "crp"),
        (None, "United Nations CTOC/COP/WG.6/2023/CRP.1 English only", "crp"),  # no title
        ("Annual Report 2023", "", "other"),
        ("Background paper prepared by the Secretariat", "CTOC/COP/WG.6/2024/2", "other"),
    ],
)
def test_doc_types_title_first_then_masthead(title, masthead, kind):
    assert KINDS.of(title, masthead) == kind


def test_doc_types_a_title_outranks_the_masthead():
    # a report whose masthead happens to carry a CRP symbol is still a report
    title = "Report on the meeting of the Working Group on Firearms held in Vienna"
    assert KINDS.of(title, "CTOC/COP/WG.6/2024/CRP.3") == "wg_report"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kinds:\n  wg_report:", "kinds:\n  wg_reports:"), "unknown document type 'wg_reports'"),
        (("default: other", "default: annex"), "default: unknown document type 'annex'"),
        (
            ("    title:\n      - '^\\s*report", "    title:\n      - '(report"),
            "regular expression",
        ),
        (("kinds:", "kind:"), "unknown key"),
    ],
)
def test_doc_types_a_bad_file_is_refused_with_file_line_and_key(change, message, tmp_path):
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    path = folder / "doc_types.yaml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"doc_types\.yaml:\d+: .*" + message.split(":")[0]):
        load_doc_types(folder, TAXONOMY.labels)


def line(top: float, x0: float, x1: float, text: str, size: float = 10.0, bold=False) -> Line:
    return Line(1, x0, x1, top, top + size, text, "Times", size, bold, False)


# A UN masthead: the issuing body (bold, 14 pt) set beside the distribution and the date of
# issue, then the working group, then the title (bold, 15 pt) under it, then the chapter.
MASTHEAD = [
    line(44, 94, 200, "United Nations", 16, True),
    line(44, 354, 480, "CTOC/COP/WG.6/2024/4", 16, True),
    line(72, 62, 330, "Conference of the Parties to the United", 14, True),
    line(73, 405, 480, "Distr.: General"),
    line(88, 62, 330, "Nations Convention against Transnational", 14, True),
    line(85, 405, 480, "8 April 2024"),
    line(104, 62, 200, "Organized Crime", 14, True),
    line(142, 62, 300, "Working Group on Firearms", 10, True),
    line(180, 97, 460, "Report on the meeting of the Working Group on Firearms", 15, True),
    line(198, 97, 330, "held in Vienna on 3 and 4 April 2024", 15, True),
    line(238, 62, 200, "I. Recommendations", 12, True),
]


def test_metadata_of_a_report_title_date_and_meeting():
    bodies = Bodies(TAXONOMY.working_groups, TAXONOMY.meetings, KINDS)
    intro = "1. At its meeting held in Vienna on 3 and 4 April 2024, the Working Group ..."
    meta = read_metadata(MASTHEAD, intro, {}, 10.0, bodies)
    # the title is the display block standing alone, not the body set beside the date
    assert meta["title"] == (
        "Report on the meeting of the Working Group on Firearms held in Vienna on 3 and 4 "
        "April 2024"
    )
    assert meta["doc_type"] == "wg_report"
    assert meta["working_group"] == "firearms"
    assert meta["meeting"] == "Working Group on Firearms"  # the body that met
    assert meta["date"] == "2024-04-03"  # the first day of the meeting, not the date of issue
    assert meta["year"] == 2024 and meta["session_ordinal"] is None


def test_metadata_without_doc_type_rules_reads_no_kind():
    bodies = Bodies(TAXONOMY.working_groups, TAXONOMY.meetings)
    assert read_metadata(MASTHEAD, "", {}, 10.0, bodies)["doc_type"] is None
