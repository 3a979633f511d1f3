"""The Content-Security-Policy in a real browser: it is enforced (an inline script is refused), and the
portal's own pages, the admin, the password page and the API docs run under it without a single violation
(the watch fails a test on any console error, and Chromium logs every CSP violation as one)."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.models import AdmissionNotice
from renewal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browser_refuses_an_inline_script(chromium, live_server):
    """An unwatched context: the refusal is the point here, so its console error is expected."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        violations = []
        page.on(
            "console", lambda message: violations.append(message.text) if message.type == "error" else None
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__inlineRan = true;"; document.body.appendChild(s); }"""
        )
        page.wait_for_timeout(200)
        assert page.evaluate("window.__inlineRan === undefined")
        assert any("Content Security Policy" in text for text in violations), violations
    finally:
        context.close()


def test_no_page_of_the_demo_walk_violates_the_policy(page, login, logout, live_server):
    call_command("load_demo", stdout=io.StringIO())
    # The entity's intake form: the sub-type list still follows the category (portal.js, no inline script).
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/new/")
    page.select_option("#id_category", label="居住类")
    labels = page.locator("#id_sub_type option").all_inner_texts()
    options = labels[1:]  # labels[0] is the empty choice 请选择子类
    assert options and all(text.startswith("居住类") for text in options), labels
    page.goto(f"{live_server.url}/accounts/password/")
    expect(page.locator("h1")).to_have_text("修改密码")
    logout(page)

    # Staff: the API docs (Swagger UI's start-up script is a file, not inline) draw the operations.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.goto("about:blank")  # the API docs page has no portal navbar to log out from
    page.context.clear_cookies()

    # The administrator: the admin site under the same policy.
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("系统管理")
    page.goto(f"{live_server.url}/admin/authtoken/tokenproxy/")
    page.goto(f"{live_server.url}/admin/renewal/user/")
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#id_username")).to_be_visible()


def test_the_print_and_back_buttons_work_without_inline_script(page, login, live_server, expect_http_errors):
    call_command("load_demo", stdout=io.StringIO())
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/deadlines/")
    expect_http_errors(page, [404])
    page.goto(f"{live_server.url}/no-such-page/")
    page.click("[data-history-back]")
    page.wait_for_url(f"{live_server.url}/deadlines/")
    # The admission notice's print button (data-print) calls window.print() through portal.js.
    notice = AdmissionNotice.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/projects/{notice.project_id}/notice/")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed === true")
