"""Debian's headless Chromium, driven by Playwright (never `playwright install`: it downloads)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from nncourse.grading import FAIL_MARK, PASS_MARK

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (the test runs as root), and nothing that reaches for the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 90_000


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser, hub_url: str, account, next_path: str):
    """A page of a fresh browser context, logged in through the hub's login form, at ``next_path``."""
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{hub_url}/hub/login?next={next_path}")
    page.fill("#username_input", account.name)
    page.fill("#password_input", account.password)
    page.click("#login_submit")
    page.wait_for_url(f"{hub_url}{next_path}**")
    return page


def run_all_cells(page) -> None:
    page.locator(".jp-Notebook").first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def tests_cell_output(page, index: int = 0) -> str:
    """The output of the ``index``-th ``%%tests`` cell, once it reports its tests."""
    cell = page.locator(".jp-CodeCell").filter(has_text="%%tests").nth(index)
    cell.locator(".jp-OutputArea-output").filter(has_text=re.compile(f"{PASS_MARK}|{FAIL_MARK}")).first.wait_for()
    # text_content, not inner_text: JupyterLab leaves cells off screen unrendered (content-visibility).
    return cell.locator(".jp-OutputArea").text_content()
