"""Error pages in the browser: a page that does not exist and a page the role may not use answer 404 and 403
inside the portal's layout (painted navigation, a way back), in Chinese, without a script error. The test
declares the two statuses it means to see; anything else on the way still fails it."""

import pytest
from playwright.sync_api import expect

from renewal.choices import Role
from tests.e2e.browser import paint_problems
from tests.factories import PASSWORD, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_404_and_403_pages_keep_the_portal_around_the_message(page, login, live_server, expect_http_errors):
    entity = user(Role.ENTITY)
    login(page, entity.username, PASSWORD)
    expect_http_errors(page, [403, 404])

    answer = page.goto(f"{live_server.url}/projects/999999/")
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("nav.navbar [data-testid=whoami]")).to_contain_text(entity.get_full_name())
    assert not paint_problems(page, "nav.navbar", "background")

    answer = page.goto(f"{live_server.url}/audit/")
    assert answer.status == 403
    expect(page.locator("h1")).to_have_text("无权使用此页面")
    expect(page.locator("[data-testid=reason]")).not_to_be_empty()
    expect(page.locator("nav.navbar")).to_be_visible()

    page.locator("[data-testid=error-actions]").get_by_role("link", name="返回首页").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1").first).to_have_text("实施主体工作台")
