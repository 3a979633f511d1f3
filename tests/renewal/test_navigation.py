"""Each role's menu shows only what it may open, and every menu link answers 200 (issue 7 §5: leaders and
auditors get pages that fit them, not a bare 403); the admin greets 系统管理员 in full; every kernel model
has a Chinese name."""

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command

from renewal.choices import Role
from renewal.demo import DEMO_PASSWORD, USERS
from renewal.models import User
from renewal.navigation import NAVIGATION, items_for

pytestmark = pytest.mark.django_db

# What a person follows from a menu page; not exports, downloads, the API or the admin's own pages.
SKIP = re.compile(r"(logout|/export|download|/delete/|/api/|^/admin/|^/static/|^/media/|#)")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_link_of_every_role_answers_200(client, users_by_role, role):
    user = users_by_role[role]
    user.is_staff = role == Role.ADMINISTRATOR  # an administrator signs in to the admin site too
    user.save()
    client.force_login(user)
    items = items_for(user)
    assert items and items[0]["name"] == "home"
    for item in items:
        assert client.get(item["url"]).status_code == 200, (role, item["label"])


@pytest.mark.parametrize("role", list(Role))
def test_the_rendered_menu_is_the_one_the_role_may_open(client, users_by_role, role):
    client.force_login(users_by_role[role])
    html = client.get("/").content.decode()
    shown = re.findall(r'data-nav="([^"]+)"', html)
    assert shown == [item["name"] for item in items_for(users_by_role[role])]


def test_leaders_and_auditors_have_no_menu_item_that_refuses_them(users_by_role):
    for role in (Role.LEADERSHIP, Role.AUDITOR):
        names = {item["name"] for item in items_for(users_by_role[role])}
        assert not names & {"projects:intake_inbox", "projects:import_upload", "review:review_inbox"}
        assert "admin:index" not in names
    assert "audit_list" in {item["name"] for item in items_for(users_by_role[Role.AUDITOR])}
    assert "audit_list" not in {item["name"] for item in items_for(users_by_role[Role.LEADERSHIP])}


def test_the_admin_site_is_in_the_menu_only_for_who_may_sign_in_to_it(client, make_user):
    administrator = make_user(Role.ADMINISTRATOR, district_code=None)
    assert "admin:index" not in {item["name"] for item in items_for(administrator)}  # not is_staff
    administrator.is_staff = True
    administrator.save()
    assert "admin:index" in {item["name"] for item in items_for(administrator)}


def test_every_navigation_entry_names_an_installed_page():
    from django.urls import reverse

    for label, name, _roles, _group in NAVIGATION:
        assert reverse(name), label


# --- the demo, as `make run` shows it ------------------------------------------------------------------


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


def test_every_demo_users_menu_links_answer_200(client, demo):
    for username, _display, role, _org in USERS:
        user = User.objects.get(username=username)
        assert client.login(username=username, password=DEMO_PASSWORD), username
        html = client.get("/").content.decode()
        tags = re.findall(r"<a [^>]*data-nav=[^>]*>", html)
        links = [
            (re.search(r'href="([^"]+)"', t).group(1), re.search(r'data-nav="([^"]+)"', t).group(1))
            for t in tags
        ]
        assert [name for _url, name in links] == [item["name"] for item in items_for(user)], username
        for url, name in links:
            status = client.get(url).status_code
            assert status == 200, f"{username} ({Role(role).label}) → {name} {url}: {status}"
        client.logout()


@pytest.mark.parametrize("username", ["hd_leader", "city_leader", "hd_auditor"])
def test_leaders_and_auditors_are_never_refused_a_link_on_their_menu_pages(client, demo, username):
    """Every link on every page of their menu (and on the pages those reach) opens for them."""
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = User.objects.get(username=username)
    queue = [item["url"] for item in items_for(user)]
    seen, refused = set(), []
    while queue and len(seen) < 60:
        url = queue.pop(0)
        if url.split("?")[0] in seen:
            continue
        seen.add(url.split("?")[0])
        response = client.get(url)
        if response.status_code != 200:
            refused.append(f"{url}: {response.status_code}")
            continue
        if "text/html" in response.get("Content-Type", ""):
            for href in re.findall(r'href="(/[^"]*)"', response.content.decode()):
                href = href.replace("&amp;", "&")
                if not SKIP.search(href):
                    queue.append(href)
    assert len(seen) > 10
    assert not refused, refused


def test_the_admin_greets_the_administrator_by_the_whole_name(client, demo):
    assert client.login(username="admin", password=DEMO_PASSWORD)
    html = client.get("/admin/").content.decode()
    assert "<strong>系统管理员</strong>" in html
    assert User.objects.get(username="admin").get_short_name() == "系统管理员"


def test_every_kernel_model_and_app_has_a_chinese_name():
    for model in apps.get_app_config("renewal").get_models():
        assert CJK.search(str(model._meta.verbose_name)), model
        assert CJK.search(str(model._meta.verbose_name_plural)), model
    for label in ("renewal", "projects", "review", "permits", "supervision"):
        assert CJK.search(str(apps.get_app_config(label).verbose_name)), label


def test_the_admin_index_names_every_model_in_chinese(client, demo):
    assert client.login(username="admin", password=DEMO_PASSWORD)
    html = client.get("/admin/").content.decode()
    names = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]+">([^<]+)</a>', html)
    assert names
    english = [name for name in names if not CJK.search(name)]
    assert not english, english


def test_the_menu_is_worked_out_once_per_role(users_by_role, monkeypatch):
    """Issue 16: twenty URLs were reversed and resolved on every page; now once per process and role, and
    the menu is the same for every user of a role."""
    from renewal import navigation

    navigation._items.cache_clear()
    resolved = []
    real = navigation.page_allows
    monkeypatch.setattr(navigation, "page_allows", lambda user, url: resolved.append(url) or real(user, url))
    first = items_for(users_by_role[Role.STAFF])
    count = len(resolved)
    assert count > 5
    assert items_for(users_by_role[Role.STAFF]) == first and len(resolved) == count
    items_for(users_by_role[Role.AUDITOR])
    assert len(resolved) > count
