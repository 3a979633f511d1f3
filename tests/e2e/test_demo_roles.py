"""`make run`'s demo: every demo user logs in through the browser and lands on their role's home page."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from renewal.demo import DEMO_PASSWORD
from tests.e2e.browser import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED_HOME = {
    "admin": ("系统管理", ["系统管理", "工作日历"]),
    "hd_staff": ("区城市更新主管部门工作台", ["办理期限", "审计记录"]),
    "hd_fgw": ("行业主管部门审查工作台", ["办理期限"]),
    "hd_entity": ("实施主体工作台", ["办理期限"]),
    "hd_leader": ("领导驾驶舱", ["办理期限"]),
    "city_leader": ("领导驾驶舱", ["办理期限"]),
    "hd_auditor": ("审计监督工作台", ["审计记录"]),
    "hd_duchashi": ("督查工作台", ["督查事项", "督查统计", "办理期限"]),
}
HIDDEN = {
    "hd_entity": ["审计记录", "系统管理"],
    "hd_fgw": ["审计记录", "系统管理"],
    "hd_leader": ["系统管理", "审计记录"],
    "hd_duchashi": ["系统管理", "审计记录", "项目库台账"],
}


def test_each_demo_user_sees_their_role_home(page, login, logout):
    call_command("load_demo", stdout=io.StringIO())
    for username, (heading, visible_nav) in EXPECTED_HOME.items():
        login(page, username, DEMO_PASSWORD)
        assert page.locator("h1").first.inner_text() == heading, username
        nav = page.locator("#mainnav .navbar-nav").text_content()
        for label in visible_nav:
            assert label in nav, (username, label)
        for label in HIDDEN.get(username, []):
            assert label not in nav, (username, label)
        logout(page)


def test_wrong_password_is_refused_in_chinese(page, live_server):
    call_command("load_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "hd_staff")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.locator("main")).to_contain_text("请输入一个正确的")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_role_walks_every_menu_page(new_context, login, live_server, screen):
    """Issue 7's walk: each demo role follows every link of its menu, on a desktop and on a phone. The watch
    fails the test on any JavaScript error, console error, missing resource or refused page (a menu link that
    ends in 403); every portal page fits the screen (nothing to scroll sideways)."""
    call_command("load_demo", stdout=io.StringIO())
    walked, wide = {}, {}
    for username in EXPECTED_HOME:
        # A browser context of its own per user: a late response of the previous user's last page (it renews
        # the session cookie on every request) can then never sign the next user in as the previous one.
        context = new_context(viewport=screen, is_mobile=screen is PHONE, has_touch=screen is PHONE)
        page = context.new_page()
        login(page, username, DEMO_PASSWORD)
        links = page.locator("#mainnav a[data-nav]")
        menu = [(link.get_attribute("data-nav"), link.get_attribute("href")) for link in links.all()]
        for name, href in menu:
            page.goto(f"{live_server.url}{href}")
            if name == "swagger-ui":  # the page loads the schema and draws it after `load`
                page.wait_for_load_state("networkidle")
                expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
            if page.locator("nav.navbar [data-testid=whoami]").count():  # a portal page (not admin, API docs)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > screen["width"]:
                    wide[f"{username} {href}"] = scroll
        walked[username] = [name for name, _ in menu]
        page.goto("about:blank")  # the context is closed (and its watch read) when the test ends
    assert not wide, f"wider than the {screen['width']}px screen: {wide}"
    assert all(len(names) >= 2 for names in walked.values()), walked
