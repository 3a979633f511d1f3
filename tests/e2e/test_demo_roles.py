"""`make run`'s demo: every demo user logs in through the browser and lands on their role's home page."""

import io

import pytest
from django.core.management import call_command

from renewal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED_HOME = {
    "admin": ("系统管理", ["系统管理", "工作日历"]),
    "hd_staff": ("区城市更新主管部门工作台", ["办理期限", "审计记录"]),
    "hd_fgw": ("行业主管部门审查工作台", ["办理期限"]),
    "hd_entity": ("实施主体工作台", ["办理期限"]),
    "hd_leader": ("领导驾驶舱", ["办理期限"]),
    "city_leader": ("领导驾驶舱", ["办理期限"]),
    "hd_auditor": ("审计监督工作台", ["审计记录"]),
}
HIDDEN = {
    "hd_entity": ["审计记录", "系统管理"],
    "hd_fgw": ["审计记录", "系统管理"],
    "hd_leader": ["系统管理", "审计记录"],
}


def test_each_demo_user_sees_their_role_home(page, login, logout):
    call_command("load_demo", stdout=io.StringIO())
    for username, (heading, visible_nav) in EXPECTED_HOME.items():
        login(page, username, DEMO_PASSWORD)
        assert page.locator("h1").first.inner_text() == heading, username
        nav = page.locator("#mainnav .navbar-nav").inner_text()
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
    assert "请输入一个正确的" in page.content()
