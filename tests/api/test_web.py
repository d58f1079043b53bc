"""The search page in a real headless Chromium (Debian's ``chromium``), against a real
uvicorn server over the fixture index: type, see suggestions, pick one, see the detail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.settings import Settings
from search_api.api.app import create_app
from search_api.engine.searcher import Searcher
from tests.helpers import HEADLESS_CHROMIUM_ARGS, ThreadedServer

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def base_url(settings: Settings, searcher: Searcher) -> Iterator[str]:
    with ThreadedServer(create_app(settings, searcher=searcher)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=HEADLESS_CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def test_type_pick_a_suggestion_with_the_keyboard_and_see_the_detail(
    browser: object, base_url: str
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="Search billing codes")
    box.press_sequentially("cpap dev", delay=40)

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    wanted = page.locator('[role="option"][data-code="E0601"]')
    expect(wanted).to_be_visible()
    codes = page.locator('[role="option"]').evaluate_all("els => els.map(e => e.dataset.code)")
    for _ in range(codes.index("E0601") + 1):
        box.press("ArrowDown")
    expect(wanted).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", wanted.get_attribute("id") or "")

    box.press("Enter")
    detail = page.get_by_role("region", name="Code detail")
    expect(detail).to_be_visible()
    expect(detail.locator("h2")).to_contain_text("E0601")
    expect(detail.get_by_role("listitem").first).to_have_text("cpap machine")  # a synonym
    expect(detail).to_contain_text("active")
    expect(listbox).to_be_hidden()
    page.close()


def test_search_results_say_why_and_open_the_detail_with_rvus(
    browser: object, base_url: str
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="Search billing codes")
    box.press_sequentially("chronic care", delay=20)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    box.press("Enter")  # no suggestion active: a full search

    results = page.get_by_role("region", name="Results")
    expect(results).to_be_visible()
    first = results.locator("li").first
    expect(first).to_contain_text("Why:")
    page.get_by_role("button", name="Details of 99490").click()
    detail = page.get_by_role("region", name="Code detail")
    expect(detail).to_contain_text("99490")
    expect(detail).to_contain_text("Work RVU")
    page.close()
