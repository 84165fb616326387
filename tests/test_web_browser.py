"""The public pages in a real browser: Debian's chromium and chromium-driver through selenium.

Each page is loaded, its links followed, withheld content looked for, a screenshot taken at a
phone's and a desktop's width, and axe-core (shipped inside the axe-selenium-python package, so
no download at run time) run in the page: no serious or critical violation is allowed.
Skipped, with the reason, where chromium or chromium-driver is not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from storage.db import Database
from tests.harness import Harness
from tests.test_web_feeds import create
from tests.test_web_pages import person, posted_issue, save

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
# The axe-core this package ships knows WCAG 2.0 A/AA, its 2.1 AA rules and best practice.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21aa", "best-practice")
WITHHELD = ("Bob Private", "TIG welding", "Secret nomination", "teams.example", "@example.ac.uk")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Root in a container has no sandbox to drop into; /dev/shm is small there.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def seed(db: Database) -> None:
    ann = person(db, "U0ANN", "Ann Atkins")
    save(db, ann, skills=["HPLC", "Cell culture"], equipment=["Bruker NMR"], public_web=True,
         bio="I look after the **HPLC** suite and teach its use.")
    bob = person(db, "U0BOB", "Bob Private")
    save(db, bob, skills=["TIG welding"], listed=True)
    posted_issue(db, "2026-11")
    create(db, title="Technical staff conference", kind="conference")
    create(db, title="Team meeting", kind="team_meeting")


def pages_from(browser: Any, start: str) -> list[str]:
    """Every page reachable from `start` by following links under /network/ (feeds left out)."""
    from selenium.webdriver.common.by import By

    origin = urlsplit(start).netloc
    seen: list[str] = []
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        browser.get(url)
        seen.append(url)
        for link in browser.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = (link.get_attribute("href") or "").split("#")[0]
            parts = urlsplit(href)
            if parts.netloc == origin and parts.path.startswith("/network/") and not parts.path.endswith(".ics") \
                    and href not in seen and href not in queue:
                queue.append(href)
    return seen


def test_every_page_loads_links_resolve_and_nothing_withheld_shows(technet: Harness, browser: Any, tmp_path: Path):
    seed(technet.db)
    pages = pages_from(browser, technet.server.url + "/network/")
    paths = {urlsplit(p).path for p in pages}
    assert {"/network/", "/network/ezine/", "/network/ezine/2026-11/", "/network/people/"} <= paths
    assert any(p.startswith("/network/people/") and p != "/network/people/" for p in paths)
    shots = Path(os.environ.get("TECHNET_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    for url in pages:
        browser.get(url)
        source = browser.page_source
        assert "There is no such page" not in source, url
        for secret in WITHHELD:
            assert secret not in source, (url, secret)
        for name, (width, height) in WIDTHS.items():
            browser.set_window_size(width, height)
            slug = urlsplit(url).path.strip("/").replace("/", "-") or "network"
            assert browser.save_screenshot(str(shots / f"{slug}-{name}.png"))
            # Readable on a phone: nothing wider than the window.
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, (url, name)


def test_search_by_skill_in_the_browser(technet: Harness, browser: Any):
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    def search(skill: str) -> None:
        field = browser.find_element(By.ID, "skill")
        field.clear()
        field.send_keys(skill)
        field.submit()

        def left(_: Any) -> bool:
            """The field belongs to a page no longer shown. Mid-navigation Chrome may say so as an
            inspector error ("Node with given id does not belong to the document"), not as staleness."""
            try:
                field.is_enabled()
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                if "does not belong to the document" not in str(error):
                    raise
                return True
            return False

        # submit() returns before the next page has loaded (get() waits; a form's navigation is not awaited).
        WebDriverWait(browser, 30).until(left)
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.readyState") == "complete")

    seed(technet.db)
    browser.get(technet.server.url + "/network/people/")
    search("nmr")
    assert "Ann Atkins" in browser.page_source and "skill=nmr" in browser.current_url
    search("welding")
    assert "Bob Private" not in browser.page_source and "0 technicians" in browser.page_source


def test_no_serious_accessibility_violations(technet: Harness, browser: Any):
    from axe_selenium_python import Axe  # type: ignore[import-untyped]  # the package ships no types

    seed(technet.db)
    browser.set_window_size(*WIDTHS["desktop"])
    for path in ("/network/", "/network/ezine/", "/network/ezine/2026-11/", "/network/people/",
                 "/network/people/?skill=hplc", "/network/nothing-here"):
        browser.get(technet.server.url + path)
        axe = Axe(browser)
        axe.inject()
        # A rejected run answers with its error rather than leaving selenium to time out.
        results = browser.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            f"axe.run({{runOnly: {{type: 'tag', values: {list(AXE_TAGS)!r}}}}})"
            ".then(function (r) { done(r); }, function (e) { done({error: String(e)}); });")
        assert "error" not in results, results
        serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{path}: {axe.report(serious)}"
        assert results["passes"], path  # axe did run its checks
