"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

pytest-playwright's own browser download is never used: the browser is launched here from /usr/bin/chromium.
Run them with ``pytest -m browser tests/browser``; they skip (saying why) where no Chromium is installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM}")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls (building the world,
    # checking rows) are plain synchronous code that Django would otherwise refuse next to a running loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, live_server):
    """open_page() -> a fresh page (own cookies) with the base URL of the live server; closed after the test."""
    contexts = []

    def open_new():
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_new
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _stop_decision_listener():
    """The live server's first decision starts the decision cache's LISTEN thread; stop it before the test
    database is flushed or dropped."""
    yield
    from governance.decisions import decision_listener_stop

    decision_listener_stop()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/; with UPDATE_DOCS_SCREENSHOTS=1 also to
    docs/screenshots/ (the ones README links to)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path
