"""Take docs/screenshot.png: the search page in headless Chromium against the served index.

    CODESEARCH_INDEX_DIR=var/index python scripts/screenshot.py [--query cpap] [--out PNG]

Starts the API (settings from the environment, as ``codesearch serve``) on a free loopback
port, searches, opens the first result's detail and saves a screenshot. Needs Debian's
``chromium`` and the ``playwright`` package (the dev extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from search_api.api.app import create_app
from tests.helpers import HEADLESS_CHROMIUM_ARGS, ThreadedServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="cpap")
    parser.add_argument("--pick", default=None, help="Code to open (default: the first).")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument("--system", default="HCPCS", help="Code system shown (no CPT text).")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()

    with ThreadedServer(create_app()) as url:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=options.chromium, args=HEADLESS_CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(f"{url}/?system={options.system}")
            box = page.get_by_role("combobox", name="Search billing codes")
            box.press_sequentially(options.query, delay=60)
            expect(page.get_by_role("listbox")).to_be_visible()
            box.press("Escape")
            box.press("Enter")
            results = page.get_by_role("region", name="Results")
            expect(results.locator("li").first).to_be_visible()
            code = options.pick or results.locator("li").first.get_attribute("data-code")
            page.get_by_role("button", name=f"Details of {code}").click()
            expect(page.get_by_role("region", name="Code detail")).to_contain_text(str(code))
            options.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(options.out), full_page=False)
            browser.close()
    print(f"saved {options.out}")


if __name__ == "__main__":
    main()
