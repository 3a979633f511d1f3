"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Every page a test opens is watched. The test fails when any of them throws a JavaScript error (`pageerror`),
logs a console message of type "error", or has a request that fails (`requestfailed`) or is answered with an
HTTP status of 400 or more. A test that opens an error page on purpose says so first:
`expect_http_errors(page, [404])`.

Confirmation dialogs (`data-confirm`, see static/js/portal.js) are accepted and recorded in
`browser_watch.dialogs`; set `browser_watch.decline_dialogs = True` to answer "cancel" instead.
"""

import os
import tempfile
from pathlib import Path

import pytest

from tests.e2e.browser import DESKTOP, BrowserWatch
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

WATCHES = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test body: fail the test if any watched page had an error (listing them all). When the
    test fails, each open page is saved as a screenshot and the pages' errors are shown with the failure."""
    watches = item.stash.get(WATCHES, [])
    try:
        result = yield
    except BaseException:
        found = _found(watches)
        shots = _screenshots(item, watches)
        if found or shots:
            item.add_report_section("call", "browser", "\n".join(filter(None, (found, shots))))
        raise
    found = _found(watches)
    if found:
        pytest.fail(f"the browser reported errors on the pages this test visited:\n{found}", pytrace=False)
    return result


def _found(watches) -> str:
    for watch in watches:
        watch.settle()
    return "\n".join(filter(None, (watch.report() for watch in watches)))


def _screenshots(item, watches) -> str:
    folder = Path(tempfile.gettempdir()) / "e2e-screenshots"
    lines = []
    pages = [page for watch in watches for page in watch.context.pages if page.url != "about:blank"]
    for number, page in enumerate(pages):
        path = folder / f"{item.name}-{number}.png"
        try:
            folder.mkdir(exist_ok=True)
            page.screenshot(path=path, full_page=True, timeout=5_000)
        except Exception:  # a closed or crashed page: nothing to show
            continue
        lines.append(f"  screenshot of {page.url}: {path}")
    return "\n".join(lines)


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
def new_context(chromium, request):
    """new_context(viewport=PHONE, …) → a watched browser context (closed after the test)."""
    contexts = []
    watches = request.node.stash.setdefault(WATCHES, [])
    origin = request.getfixturevalue("live_server").url if "live_server" in request.fixturenames else ""

    def make(viewport=None, **options):
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", **options}
        context = chromium.new_context(viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(15_000)
        watches.append(BrowserWatch(context, origin))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_context(new_context):
    return new_context()


@pytest.fixture
def browser_watch(browser_context, request):
    """The watch of the default context: its dialogs, and what it has collected so far."""
    return next(w for w in request.node.stash[WATCHES] if w.context is browser_context)


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def expect_http_errors(request):
    """expect_http_errors(page, [404]): these statuses are what the test means to see on page's context
    (the response and Chromium's console line for it are not errors)."""

    def allow(page, statuses):
        for watch in request.node.stash.get(WATCHES, []):
            if watch.context is page.context:
                watch.allowed_statuses.update(int(status) for status in statuses)
                return
        raise LookupError("that page does not belong to a watched browser context")

    return allow


@pytest.fixture
def login(live_server):
    """login(page, username, password) signs in through the real login form."""

    def sign_in(page, username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=whoami]", state="attached")  # inside the folded menu on a phone
        return page

    return sign_in


@pytest.fixture
def logout():
    def sign_out(page):
        page.click("text=退出")
        page.wait_for_selector("#id_username")

    return sign_out
