"""Browser tests: Python Playwright drives Debian's headless Chromium against
pytest-django's live server.

Playwright's own browser downloads are never used (`playwright install` is not
needed): the tests launch /usr/bin/chromium (or E2E_CHROMIUM) and skip, saying
so, when it is not installed. Set E2E_SCREENSHOT_DIR=/some/dir to keep a
screenshot of every test's last page; a failing test always leaves one in the
system temp folder. Helpers for tests: the ``page`` fixture (a fresh browser
context on the live server) and ``log_in(page, username, password)``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Debian's Chromium; E2E_CHROMIUM points elsewhere (another build of Chromium).
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000


def _missing_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"e2e: needs Chromium at {CHROMIUM} "
            "(apt-get install chromium, or set E2E_CHROMIUM; .ci/run installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "e2e: needs the playwright package (make install)"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests up front, before any database is set up for them."""
    reason = _missing_browser_reason()
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    reason = _missing_browser_reason()
    if reason is not None:
        pytest.skip(reason)
    from playwright import sync_api

    # Playwright's sync API keeps an asyncio loop in this thread, which makes
    # Django refuse ORM calls from the test body (factories) unless told otherwise.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _roles(roles_recreated) -> None:
    """Every browser test starts with the roles in place (see ``roles_recreated``)."""


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context (no cookies) on the live server, in English."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    # Let the page's last requests (admin's jsi18n, static files) finish before the
    # test's database is flushed: with SQLite in memory the live server shares the
    # test's connection, and a request in flight would race the flush.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):  # a page that keeps polling
        page.wait_for_load_state("networkidle", timeout=5_000)
    folder = os.environ.get("E2E_SCREENSHOT_DIR")
    if getattr(request.node, "e2e_failed", False) and not folder:
        folder = str(Path(tempfile.gettempdir()) / "e2e-screenshots")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target = Path(folder) / f"{request.node.name}.png"
        page.screenshot(path=str(target), full_page=True)
        print(f"e2e screenshot: {target}")
    context.close()


def log_in(page, username: str, password: str) -> None:
    """Log in through the admin's login form, as a person would."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
