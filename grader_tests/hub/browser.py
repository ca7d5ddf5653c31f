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
EXECUTION_INDICATOR = ".jp-Notebook-ExecutionIndicator"


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
    # "Run All" sent before the page has connected to the kernel can be lost.
    page.locator(f'{EXECUTION_INDICATOR}[data-status="idle"]').first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def tests_cell_output(page, index: int = 0) -> str:
    """The output of the ``index``-th ``%%tests`` cell, once it reports its tests."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    cell = page.locator(".jp-CodeCell").filter(has_text="%%tests").nth(index)
    try:
        cell.locator(".jp-OutputArea-output").filter(has_text=re.compile(f"{PASS_MARK}|{FAIL_MARK}")).first.wait_for()
    except PlaywrightTimeout as error:
        raise AssertionError(f"la celda %%tests no informó de sus pruebas:\n{notebook_state(page)}") from error
    # text_content, not inner_text: JupyterLab leaves cells off screen unrendered (content-visibility).
    return cell.locator(".jp-OutputArea").text_content()


def notebook_state(page) -> str:
    """What the notebook page shows of its kernel and its cells: the diagnosis of a stuck run."""
    status = page.locator(EXECUTION_INDICATOR).first.get_attribute("data-status", timeout=1_000)
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_text_contents()
    return f"kernel: {status}\nprompts: {prompts}\nstderr: {errors}"
