"""The report's page "From dialogue to recommendation" and the uptake notes of other pages."""

from __future__ import annotations

from conftest import tiny_site

from pipeline.report import environment
from pipeline.report_search import search_rows
from pipeline.report_uptake import uptake_notes, uptake_page

ADOPTED_TEXT = "States parties should mark essential parts and components of firearms."
PARAGRAPHS = [
    {"doc_id": "d", "para_no": 3, "text": "She urged States to mark parts and components."},
    {"doc_id": "d", "para_no": 4, "text": "He called on States to publish their reviews."},
    {"doc_id": "r", "para_no": 2, "text": ADOPTED_TEXT},
]
TAGS = [
    {"doc_id": "r", "para_no": 2, "kind": "theme", "label": "parts_components", "start": 31,
     "end": 56},
]  # fmt: skip
ADOPTED = [
    {"doc_id": "r", "para_no": 2, "text": ADOPTED_TEXT, "to": "states",
     "themes": ["parts_components"], "candidate": "mark", "candidate_score": 0.9},
]  # fmt: skip
ASKS = [{"doc_id": "r", "para_no": 2, "ask_id": "mark", "score": 0.9}]
UPTAKE = [
    {"ask_id": "mark", "working_group": "firearms", "label": "Mark parts", "source": "catalogue",
     "first_doc": "d", "first_para_no": 3, "first_date": "2023-05-05", "first_year": 2023,
     "n_raised": 2, "n_sessions": 1, "last_date": "2023-05-05", "by_types": ["ngo", "academia"],
     "themes": ["parts_components"], "taken_up": True, "report_doc": "r", "report_para_no": 2,
     "report_date": "2024-04-03", "report_year": 2024, "lag_years": 1, "status": "taken up"},
    {"ask_id": "new_001", "working_group": "firearms", "label": "Publish reviews",
     "source": "new", "first_doc": "d", "first_para_no": 4, "first_date": "2023-05-05",
     "first_year": 2023, "n_raised": 1, "n_sessions": 1, "last_date": "2023-05-05",
     "by_types": ["ngo"], "themes": [], "taken_up": False, "status": "not taken up"},
]  # fmt: skip


def site():
    return tiny_site(PARAGRAPHS, TAGS, adopted=ADOPTED, adopted_asks=ASKS, uptake=UPTAKE)


def test_report_uptake_page_lists_taken_up_and_open_asks_per_working_group():
    page = uptake_page(site(), {"parts_components": "Parts and components"})
    (group,) = page["groups"]
    assert (group["name"], group["n_raised"], group["n_taken"]) == ("Firearms", 2, 1)
    (taken,) = group["taken"]
    assert taken["report_link"] == "doc-r.html#p2" and taken["first_link"] == "doc-d.html#p3"
    assert taken["adopted"] == ADOPTED_TEXT and taken["lag"] == 1
    assert taken["report"] == "Firearms Working Group report 2024"
    (still_open,) = group["open"]
    assert still_open["candidate"] and not still_open["no_report_since"]
    assert {s["label"]: s["share"] for s in group["by_who"]} == {"NGOs": 50, "Academia": 100}
    assert group["by_theme"] == [
        {"label": "Parts and components", "raised": 1, "taken": 1, "share": 100}
    ]


def test_report_uptake_notes_name_the_working_group_and_the_year():
    notes = uptake_notes(site())
    assert notes == {
        "mark": [
            {"text": "taken up by the Working Group on Firearms in 2024", "link": "doc-r.html#p2"}
        ]
    }


def test_report_uptake_page_renders_and_reports_are_not_sessions():
    data = site()
    assert list(data.sessions["doc_id"]) == ["d", "e"] and list(data.reports["doc_id"]) == ["r"]
    html = environment().get_template("uptake.html").render(**uptake_page(data, {}))
    assert "From dialogue to recommendation" in html and "Mark parts" in html
    assert 'href="doc-r.html#p2"' in html and "1 year(s) later" in html
    assert "nan" not in html and "None" not in html


def test_report_search_finds_adopted_recommendations():
    rows = search_rows(site())
    adopted = rows[rows["kind"] == "adopted"]
    assert list(zip(adopted["doc_id"], adopted["para_no"], strict=True)) == [("r", 2)]
    assert adopted.iloc[0]["themes"] == ["parts_components"]
