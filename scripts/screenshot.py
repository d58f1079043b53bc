"""Take docs/screenshot.png: the search page in headless Chromium against the served index.

    CODESEARCH_INDEX_DIR=var/index python scripts/screenshot.py [--query cpap] [--out PNG]

Starts the API (settings from the environment, as ``codesearch serve``) on a free loopback
port, searches, opens the first result's detail and saves a screenshot. Needs Debian's
``chromium`` and the ``playwright`` package (the dev extra).
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect, sync_playwright

from search_api.app import create_app

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="cpap")
    parser.add_argument("--pick", default=None, help="Code to open (default: the first).")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument("--system", default="HCPCS", help="Code system shown (no CPT text).")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the API did not start")
        time.sleep(0.1)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=options.chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(f"http://127.0.0.1:{port}/?system={options.system}")
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
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    print(f"saved {options.out}")


if __name__ == "__main__":
    main()
