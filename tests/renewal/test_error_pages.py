"""Error pages (issue 7 §5): 404, 403, 400 and 500 in Chinese inside the portal's layout, with navigation
and a way back; a 403 says why in words a user understands. Rendered as in production (DEBUG off)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import get_resolver

from renewal import views
from renewal.choices import Role

ENGLISH = ("Not Found", "Forbidden", "Server Error", "Bad Request", "Page not found")


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_portal_page(html: str, heading: str):
    assert '<html lang="zh-Hans">' in html
    assert 'class="navbar' in html  # the portal's layout, not a bare page
    assert re.search(r"<h1[^>]*>\s*" + heading, html), heading
    assert "返回首页" in html and "返回上一页" in html
    for word in ENGLISH:
        assert word not in visible_text(html), word


def test_the_handlers_are_wired_in_the_root_urlconf():
    resolver = get_resolver()
    assert resolver.resolve_error_handler(400) is views.bad_request
    assert resolver.resolve_error_handler(403) is views.permission_denied
    assert resolver.resolve_error_handler(404) is views.page_not_found


def test_an_unknown_address_is_a_chinese_404_with_the_menu(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/deadlines/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_portal_page(html, "页面不存在")
    assert 'data-nav="deadline_list"' in html  # the signed-in user's navigation
    assert 'href="http://testserver/deadlines/">返回上一页' in html


def test_an_object_out_of_scope_is_the_same_404(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/projects/987654/")
    assert response.status_code == 404
    assert_portal_page(response.content.decode(), "页面不存在")


def test_a_back_link_never_points_to_another_site(client, make_user):
    client.force_login(make_user(Role.STAFF))
    html = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/x").content.decode()
    # The back link is handled by portal.js (data-history-back): the CSP allows no javascript: link.
    assert "evil.example" not in html and "data-history-back" in html


def test_a_role_refused_by_a_page_is_told_which_roles_may_use_it(client, make_user):
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get("/audit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_portal_page(html, "无权使用此页面")
    assert (
        "您的角色（领导）不能使用此页面。此页面供区城市更新主管部门工作人员、审计人员、系统管理员使用。"
        in visible_text(html)
    )


def test_a_403_shows_the_reason_the_service_gave(db, make_user):
    request = RequestFactory().post("/review/plans/1/actions/start_joint_review/")
    request.user = make_user(Role.ENTITY)
    response = views.permission_denied(
        request, PermissionDenied("只有本区城市更新主管部门可以提请联合审查。")
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "只有本区城市更新主管部门可以提请联合审查。" in html
    assert_portal_page(html, "无权使用此页面")


def test_a_403_without_a_reason_still_explains(db, make_user):
    request = RequestFactory().get("/")
    request.user = make_user(Role.ENTITY)
    html = views.permission_denied(request, PermissionDenied()).content.decode()
    assert "您没有使用此页面或执行此操作的权限。" in html


def test_a_bad_request_is_a_chinese_400(client, db):
    response = client.get("/", HTTP_HOST="not-an-allowed-host.example")  # DisallowedHost → 400
    assert response.status_code == 400
    assert_portal_page(response.content.decode(), "请求有误")


def test_a_stale_form_is_explained(db, make_user):
    request = RequestFactory().post("/projects/1/actions/submit/")
    request.user = make_user(Role.ENTITY)
    response = views.csrf_failure(request, reason="CSRF token missing.")
    assert response.status_code == 403
    assert "页面已过期或登录状态已变化" in response.content.decode()


@pytest.mark.urls("tests.renewal.error_urls")
def test_a_server_error_is_a_chinese_500_in_the_layout(client, make_user):
    client.raise_request_exception = False
    client.force_login(make_user(Role.STAFF))
    response = client.get("/test-fail/")
    assert response.status_code == 500
    assert_portal_page(response.content.decode(), "系统出错了")


def test_the_500_page_renders_without_a_request_context_or_the_database():
    """No `db` fixture: any query would raise. server_error renders the template with no request."""
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_portal_page(response.content.decode(), "系统出错了")
