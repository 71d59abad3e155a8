"""The HTML report in a real browser on a laptop screen (1366x768): Debian's chromium, headless,
driven by Selenium. No horizontal scrolling, failures first, and the first failure's 异常处理
in view without scrolling. The report comes from a real run on a small inventory that needs no
lab: port checks against a port nobody listens on (CRIT) and against a listener the test opens.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from test_report_html import REMEDY, failing_report

SCREEN = (1366, 768)
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = [
    name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path
]

pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"{' and '.join(MISSING)} not installed (Debian: apt-get install -y chromium "
    "chromium-driver; bin/selftest installs them)",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[dev]'")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        # nothing leaves 127.0.0.0/8: no component updates, pings or lookups; any request
        # that is not loopback goes to a dead proxy on loopback and no name is resolved
        "--disable-component-update",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-first-run",
        "--no-pings",
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(arg)
    options.add_argument(f"--window-size={SCREEN[0]},{SCREEN[1]}")  # a laptop's screen
    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager's usage statistics
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def test_report_fits_a_laptop_screen_failures_first(
    pytester: pytest.Pytester, browser: Any
) -> None:
    html = failing_report(pytester)
    browser.get(html.as_uri())
    shot = html.with_name(f"report-{SCREEN[0]}x{SCREEN[1]}.png")  # kept beside the report
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    page = browser.execute_script(
        """
        const box = (el) => el ? el.getBoundingClientRect().toJSON() : null;
        const first = document.querySelector('#results-table tbody.results-table-row');
        const remedy = document.querySelector('#xunjian-failures tbody td.col-remedy');
        const link = document.querySelector('#xunjian-failures tbody a');
        return {
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            innerWidth: window.innerWidth,
            innerHeight: window.innerHeight,
            scrollY: window.scrollY,
            actOn: [...document.querySelectorAll('#xunjian-failures tbody td.col-verdict')].map(
                (td) => td.textContent),
            remedy: box(remedy),
            remedyText: remedy?.textContent,
            firstRow: first?.className,
            firstRowRemedy: box(first?.querySelector('td.col-remedy')),
            firstRowText: first?.querySelector('td.col-remedy')?.textContent,
            linked: !!link && !!document.getElementById(decodeURIComponent(link.hash.slice(1))),
            cells: [...document.querySelectorAll('#results-table td, #xunjian-failures td')]
                .map((td) => td.getBoundingClientRect().right),
        };
        """
    )
    width, height = page["innerWidth"], page["innerHeight"]
    print(f"viewport {width}x{height}, page {page['scrollWidth']} wide")
    assert width == SCREEN[0]
    assert page["scrollWidth"] <= width, "the page scrolls horizontally"
    assert max(page["cells"]) <= page["clientWidth"], "a cell ends beyond the window's right edge"
    # what to act on first: both failures, with the runbook's words, in view on opening
    assert page["actOn"] == ["CRITnew", "CRITnew"]  # the verdict, and its history: first seen
    assert page["remedyText"] == REMEDY
    remedy = page["remedy"]
    assert page["scrollY"] == 0
    assert remedy["top"] >= 0 and remedy["left"] >= 0, remedy
    assert remedy["bottom"] <= height and remedy["right"] <= page["clientWidth"], remedy
    # and the results table, though the failures ran last: failed rows first, remedy not cut off
    assert page["firstRow"] == "results-table-row failed"
    assert page["firstRowText"] in {REMEDY, "参照 **监控与错误处理** 进行处理"}
    assert page["firstRowRemedy"]["right"] <= page["clientWidth"]
    assert page["linked"], "the first failure's link leads to no row of the results table"
