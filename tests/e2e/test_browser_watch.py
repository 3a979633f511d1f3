"""The watch every browser test runs under: what it catches on a page, what a test may allow, and that a test
whose page had an error fails with a readable list of them."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.browser import BrowserWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def watched(chromium, live_server):
    """A page in a context of its own, watched but not checked after the test: the test reads the watch."""
    # bypass_csp: these tests load resources from other origins on purpose, which the portal's CSP forbids.
    context = chromium.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    watch = BrowserWatch(context, live_server.url)
    page = context.new_page()
    yield page, watch
    context.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_script_error_and_a_console_error_are_caught(watched):
    page, watch = watched
    page.set_content("<script>console.error('模块加载失败');</script><script>null.f();</script>")
    watch.settle()
    report = watch.report()
    assert "JavaScript error on about:blank: TypeError: Cannot read properties of null" in report, report
    assert "console error on about:blank: 模块加载失败" in report, report


def test_a_missing_resource_and_an_unreachable_one_are_caught(watched, live_server):
    page, watch = watched
    page.goto(f"{live_server.url}/accounts/login/")
    port = closed_port()
    page.evaluate(
        """([origin, port]) => {
            const css = document.createElement("link");
            css.rel = "stylesheet";
            css.href = origin + "/static/css/no-such.css";
            document.head.append(css);
            const js = document.createElement("script");
            js.src = "http://127.0.0.1:" + port + "/x.js";
            document.head.append(js);
            return new Promise((done) => { let n = 0; css.onerror = js.onerror = () => ++n === 2 && done(); });
        }""",
        [live_server.url, port],
    )
    watch.settle()
    report = watch.report()
    assert "HTTP 404 on /accounts/login/: GET /static/css/no-such.css" in report, report
    assert (
        f"request failed on /accounts/login/: GET http://127.0.0.1:{port}/x.js: net::ERR_CONNECTION_REFUSED"
        in (report)
    ), report
    # Chromium's own console line for the 404 repeats the HTTP line and is left out.
    assert "Failed to load resource" not in report, report


def test_an_error_page_is_caught_unless_the_test_expects_it(watched, live_server):
    page, watch = watched
    page.goto(f"{live_server.url}/no-such-page/")
    watch.settle()
    assert "HTTP 404 on /no-such-page/: GET /no-such-page/" in watch.report()

    watch.problems.clear()
    watch.allowed_statuses.add(404)
    page.goto(f"{live_server.url}/still-no-such-page/")
    watch.settle()
    assert watch.report() == ""


def test_confirmations_are_recorded_and_answered(watched):
    page, watch = watched
    assert page.evaluate("confirm('确认出具联合审查意见？')") is True
    watch.decline_dialogs = True
    assert page.evaluate("confirm('确认发布公示？')") is False
    assert watch.dialogs == ["确认出具联合审查意见？", "确认发布公示？"]


def test_a_browser_test_fails_on_what_its_pages_report(chromium):
    """The page fixture checks after the test body: see watch_selftest.py."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # an in-memory SQLite of its own, never this run's test database
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/e2e/watch_selftest.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "2 failed, 1 passed" in out, out
    assert "the browser reported errors on the pages this test visited:" in out, out
    assert "JavaScript error on /accounts/login/: Error: 未捕获的错误" in out, out
    assert "HTTP 404 on /no-such-page/: GET /no-such-page/" in out, out
    assert "watch_selftest.py::test_declared_404" not in out, out
