"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server."""

import os

import pytest

from tests.services import need_chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    path = need_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still
    # synchronous and safe, so Django's async-safety guard is relaxed once a browser is in use.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def login(live_server):
    """login(page, username, password) signs in through the real login form."""

    def sign_in(page, username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=whoami]")
        return page

    return sign_in


@pytest.fixture
def logout():
    def sign_out(page):
        page.click("text=退出")
        page.wait_for_selector("#id_username")

    return sign_out
