"""Browser tests that go wrong on purpose, run only by test_browser_watch.py in a pytest of their own (the
name keeps them out of the normal collection): the first two must fail, the third must pass."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_script_error(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("setTimeout(() => { throw new Error('未捕获的错误'); })")


def test_undeclared_404(page, live_server):
    page.goto(f"{live_server.url}/no-such-page/")


def test_declared_404(page, live_server, expect_http_errors):
    expect_http_errors(page, [404])
    page.goto(f"{live_server.url}/no-such-page/")
