"""The report as a new user sees it: headless Chromium opens the index and a theme page.

Needs Debian's `chromium` and `chromium-driver` (`make test` installs them when run as
root with apt). Elsewhere the test is skipped with that message; under CI (`CI` set) a
missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        message = (
            "headless Chromium not found: install Debian's chromium and chromium-driver "
            "(`make test` does it when run as root with apt)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    yield driver
    driver.quit()


def open_page(browser, path: Path) -> list[dict]:
    browser.get(path.as_uri())
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def broken_links(browser) -> list[str]:
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
    )
    broken = []
    for href in hrefs:
        if href.startswith("file://"):
            target = Path(href[len("file://") :].split("#")[0])
            if not target.exists():
                broken.append(href)
    return broken


def test_browser_index_and_theme_page(browser, pipeline_out, tmp_path):
    from selenium.webdriver.common.by import By

    reports = pipeline_out / "reports"
    errors = open_page(browser, reports / "index.html")
    assert errors == [], errors
    assert browser.title.startswith("Themes")
    assert (
        browser.find_element(By.TAG_NAME, "h1").text == "Themes across the constructive dialogues"
    )
    assert browser.find_elements(By.CSS_SELECTOR, "td svg[role=img]")
    assert broken_links(browser) == []
    browser.save_screenshot(str(tmp_path / "index.png"))
    assert (tmp_path / "index.png").stat().st_size > 10_000

    browser.find_element(By.LINK_TEXT, "Ghost guns").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ghost guns"
    chart = browser.find_element(By.CSS_SELECTOR, "#trend + .chart svg")
    assert "share of paragraphs" in chart.get_attribute("aria-label").lower()
    assert chart.size["width"] > 200
    assert browser.find_elements(By.TAG_NAME, "mark")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert broken_links(browser) == []
    browser.save_screenshot(str(tmp_path / "theme.png"))


def search(browser, query: str, timeout: float = 10) -> list[dict]:
    """Type `query` in the page's search box and wait for the answer: the hits shown, each
    {title, href, kind, marks, snippet_html}."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = browser.find_element(By.ID, "search-q")
    box.clear()
    box.send_keys(query)
    panel = browser.find_element(By.ID, "search-panel")
    WebDriverWait(browser, timeout).until(lambda _: panel.get_attribute("data-answered") == query)
    return browser.execute_script(
        """return Array.from(document.querySelectorAll('#search-panel .hit')).map(h => ({
            title: h.querySelector('a').textContent, href: h.querySelector('a').href,
            kind: h.querySelector('.badge').textContent,
            marks: Array.from(h.querySelectorAll('mark')).map(m => m.textContent),
            snippet_html: h.querySelector('.snippet').innerHTML}))"""
    )


def test_browser_search_from_file_finds_a_word_and_follows_it_to_its_paragraph(
    browser, pipeline_out
):
    import pandas as pd
    from selenium.webdriver.common.by import By

    texts = pd.concat(
        [pd.read_parquet(pipeline_out / f"{t}.parquet") for t in ("paragraphs", "recommendations")]
    )
    holding = texts[texts["text"].str.contains("blacksmith", case=False)]
    assert holding["doc_id"].nunique() == 1 and len(holding)  # a word of one document
    doc, para_no = holding["doc_id"].iloc[0], int(holding["para_no"].min())

    errors = open_page(browser, pipeline_out / "reports" / "index.html")
    assert errors == [], errors
    hits = search(browser, "blacksmiths")
    assert len(hits) == len(holding)
    assert {h["href"].split("/")[-1] for h in hits} == {
        f"doc-{doc}.html#p{int(p)}" for p in holding["para_no"]
    }
    assert all("blacksmiths" in [m.lower() for m in h["marks"]] for h in hits)
    link = next(
        a
        for a in browser.find_elements(By.CSS_SELECTOR, ".hit a")
        if a.get_attribute("href").endswith(f"#p{para_no}")
    )
    link.click()
    assert browser.current_url.endswith(f"doc-{doc}.html#p{para_no}")
    paragraph = browser.find_element(By.ID, f"p{para_no}")
    assert "blacksmith" in paragraph.text.lower()
    assert browser.execute_script("return document.activeElement !== null")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> Path:
    """A page with the search box over the hand-written rows of tests/test_report_search.py."""
    from conftest import tiny_site
    from test_report_search import PARAGRAPHS, RECOMMENDATIONS, TAGS

    from pipeline.report import environment
    from pipeline.report_search import write_search

    out = tmp_path_factory.mktemp("tiny-report")
    site = tiny_site(PARAGRAPHS, TAGS, RECOMMENDATIONS)
    write_search(site, out / "search", {"financial_investigation": "Financial investigation"})
    page = environment().get_template("base.html").render()
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"


def test_browser_search_stems_folds_prefixes_phrases_and_filters(browser, tiny_report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def found(query: str) -> list[str]:
        return sorted(h["href"].split("/")[-1] + ":" + h["kind"] for h in search(browser, query))

    assert open_page(browser, tiny_report) == []
    assert found("centre ") == ["doc-d.html#p1:Paragraph", "doc-d.html#p2:Paragraph"]
    assert found("COTE ") == found("côte ") == ["doc-d.html#p1:Paragraph"]
    assert found("hawal") == ["doc-e.html#p1:Paragraph", "doc-e.html#p1:Recommendation"]
    assert found("hawal ") == []  # a finished word is not a prefix
    assert found("smugg* brokers") == ["doc-e.html#p1:Paragraph"]
    assert len(found("scam centres ")) == 2
    assert found('"scam centres"') == ["doc-d.html#p1:Paragraph"]
    assert found('"trafficking in persons"') == ["doc-e.html#p2:Paragraph"]
    assert found('"persons in trafficking"') == []

    group = Select(browser.find_element(By.CSS_SELECTOR, "select[data-facet=working_group]"))
    group.select_by_visible_text("Firearms (2)")
    assert found("hawala ") == []
    group.select_by_index(0)  # any
    country = Select(browser.find_element(By.CSS_SELECTOR, "select[data-facet=country]"))
    country.select_by_index(1)  # Côte d'Ivoire
    assert found("scam ") == ["doc-d.html#p1:Paragraph"]
    country.select_by_index(0)


def test_browser_search_shows_hostile_text_as_text(browser, tiny_report):
    assert open_page(browser, tiny_report) == []
    browser.execute_script(
        "window.alerted = false; window.alert = () => { window.alerted = true; }"
    )
    [hit] = search(browser, "alert")
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in hit["snippet_html"]
    assert "&amp; &lt;b&gt;" in hit["snippet_html"]
    injected = "main script, #search-panel script, #search-panel b"
    assert browser.execute_script(f"return document.querySelectorAll('{injected}').length") == 0
    assert browser.execute_script("return window.alerted") is False


def test_browser_search_analyzes_words_as_python_does(browser, pipeline_out):
    """The browser's tokenizer, folding, stop words and stemmer (vendor/stemmer.js) give
    the terms Python indexed (lunr.py's stemmer), on every paragraph of the sample corpus."""
    import pandas as pd

    from pipeline.report_postings import STOP_WORDS, analyze

    texts = list(pd.read_parquet(pipeline_out / "paragraphs.parquet")["text"])
    texts.append("Côte d’Ivoire, São Tomé, İstanbul, ﬁnance, naïve, Ærø, ½, x²; try lay")
    assert open_page(browser, pipeline_out / "reports" / "index.html") == []
    in_browser = browser.execute_script(
        "return arguments[0].map(t => CRPSearch.analyze(t, arguments[1]))",
        texts,
        sorted(STOP_WORDS),
    )
    assert in_browser == [[list(pair) for pair in analyze(t)] for t in texts]


def test_browser_uptake_page_reads_well_and_links_both_ways(browser, pipeline_out, tmp_path):
    """From dialogue to recommendation: each working group's asks, those taken up linked to
    the adopted recommendation and to where civil society first raised them."""
    import pandas as pd
    from selenium.webdriver.common.by import By

    reports = pipeline_out / "reports"
    errors = open_page(browser, reports / "index.html")
    assert errors == [], errors
    browser.find_element(By.LINK_TEXT, "From dialogue to recommendation").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "From dialogue to recommendation"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert broken_links(browser) == []
    body = browser.find_element(By.TAG_NAME, "main").text
    assert not re.search(r"\b(?:nan|NaT|None,|None\)|None\.)|<NA>", body)  # no empty cell shown
    uptake = pd.read_parquet(pipeline_out / "uptake.parquet")
    taken = uptake[uptake["taken_up"]]
    assert len(taken), "the sample corpus has asks taken up"
    groups = browser.find_elements(By.CSS_SELECTOR, "main section h2")
    assert len(groups) == uptake["working_group"].nunique()
    items = browser.find_elements(By.CSS_SELECTOR, "ol.uptake > li")
    assert len(items) == len(taken)
    first = taken.sort_values(["working_group", "first_date", "ask_id"]).iloc[0]
    item = items[0]
    assert "First raised in" in item.text and "Taken up" in item.text
    assert item.find_element(By.TAG_NAME, "blockquote").text  # the adopted recommendation
    links = [a.get_attribute("href") for a in item.find_elements(By.TAG_NAME, "a")]
    assert links[0].endswith(f"doc-{first['first_doc']}.html#p{int(first['first_para_no'])}")
    assert links[1].endswith(f"doc-{first['report_doc']}.html#p{int(first['report_para_no'])}")
    browser.save_screenshot(str(tmp_path / "uptake.png"))
    assert (tmp_path / "uptake.png").stat().st_size > 10_000

    item.find_elements(By.TAG_NAME, "a")[1].click()  # to the adopted recommendation
    paragraph = browser.find_element(By.ID, f"p{int(first['report_para_no'])}")
    assert "Adopted recommendation" in paragraph.text and "takes up" in paragraph.text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
