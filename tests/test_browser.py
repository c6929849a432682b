"""The report as a new user sees it: headless Chromium opens the index and a theme page.

Needs Debian's `chromium` and `chromium-driver` (`make test` installs them when run as
root with apt). Elsewhere the test is skipped with that message; under CI (`CI` set) a
missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
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
