"""Kernel pages: home per role, login, deadlines with traffic lights, calendar, API docs, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renewal import calendar as workdays
from renewal import services
from renewal.choices import DeadlineRule, OrganizationKind, Role
from tests import factories

HEADINGS = {
    Role.STAFF: "区城市更新主管部门工作台",
    Role.REVIEWER: "行业主管部门审查工作台",
    Role.ENTITY: "实施主体工作台",
    Role.LEADERSHIP: "领导驾驶舱",
    Role.AUDITOR: "审计监督工作台",
    Role.ADMINISTRATOR: "系统管理",
    Role.SUPERVISION: "督查工作台",
}


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page has no <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def lights(html: str) -> dict[int, str]:
    """{deadline pk: light} as rendered in the deadline table."""
    return {
        int(pk): light
        for pk, light in re.findall(r'<tr data-deadline="(\d+)">\s*<td>.*?data-light="(\w+)"', html, re.S)
    }


def subject(code="110108"):
    return factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district(code))


def open_deadline(start, amount, *, title="审查期限", responsible=None, code="110108"):
    return services.open_deadline(
        subject(code),
        kind="test.review",
        title=title,
        rule=DeadlineRule.WORKING_DAYS,
        amount=amount,
        start=start,
        responsible_organization=responsible,
    )


# --- home pages and login --------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_home_page_renders_its_heading(client, users_by_role, role):
    user = users_by_role[role]
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert h1(html) == HEADINGS[role]
    assert '<html lang="zh-Hans">' in html


def test_superuser_home_page_is_the_administrator_page(client, db):
    superuser = factories.UserFactory(role="", organization=None, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    response = client.get("/")
    assert response.status_code == 200
    assert h1(response.content.decode()) == "系统管理"


def test_login_page_is_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html
    assert "用户名" in html
    assert "密码" in html


def test_login_with_password_reaches_home(client, make_user):
    user = make_user(Role.STAFF, district_code="110108")
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": factories.PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert h1(response.content.decode()) == HEADINGS[Role.STAFF]


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("path", ["/deadlines/", "/audit/", "/calendar/"])
def test_anonymous_pages_redirect_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_audit_page_is_refused_to_entities(client, make_user):
    client.force_login(make_user(Role.ENTITY))
    assert client.get("/audit/").status_code == 403


# --- deadlines with traffic lights -----------------------------------------------------------------


def test_deadline_list_shows_traffic_lights(client, make_user, settings):
    settings.DEADLINE_WARNING_WORKDAYS = 3
    today = workdays.today()
    green = open_deadline(today, 10, title="绿灯期限")
    yellow = open_deadline(today, 2, title="黄灯期限")
    last_year = workdays.add_calendar_years(today, -1)
    red = open_deadline(last_year, 5, title="红灯期限")
    assert green.due_date == workdays.add_working_days(today, 10).due
    assert red.due_date < today
    overdue, _ = workdays.working_days_between(red.due_date, today)
    assert overdue > 0

    client.force_login(make_user(Role.STAFF, district_code="110108"))
    response = client.get("/deadlines/")
    assert response.status_code == 200
    html = response.content.decode()
    assert lights(html) == {green.pk: "green", yellow.pk: "yellow", red.pk: "red"}
    assert "剩10个工作日" in html
    assert "剩2个工作日" in html
    assert f"逾期{overdue}个工作日" in html


def test_home_page_counts_lights(client, make_user, settings):
    settings.DEADLINE_WARNING_WORKDAYS = 3
    today = workdays.today()
    open_deadline(today, 10)
    open_deadline(today, 12)
    open_deadline(today, 1)
    open_deadline(workdays.add_calendar_years(today, -1), 5)
    client.force_login(make_user(Role.STAFF, district_code="110108"))
    html = client.get("/").content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"green": "2", "yellow": "1", "red": "1"}


def test_provisional_deadlines_are_marked(client, make_user):
    deadline = open_deadline(workdays.add_calendar_years(workdays.today(), 1), 15, title="暂定期限")
    assert deadline.provisional  # counts days in a year the table does not confirm
    client.force_login(make_user(Role.STAFF, district_code="110108"))
    html = client.get("/deadlines/").content.decode()
    row = re.search(rf'<tr data-deadline="{deadline.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "暂定" in row


# --- calendar page and workday API -----------------------------------------------------------------


def test_calendar_calculator_shows_the_due_date_in_chinese(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/calendar/?start=2025-09-26&days=15")
    assert response.status_code == 200
    assert "2025年10月23日" in response.content.decode()


def test_calendar_calculator_shows_a_chinese_field_error(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/calendar/?start=bad&days=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入有效日期，如 2025-09-26。" in html
    assert 'data-testid="due"' not in html


def test_calendar_calculator_refuses_negative_days(client, make_user):
    client.force_login(make_user(Role.ENTITY))
    html = client.get("/calendar/?start=2025-09-26&days=-1").content.decode()
    assert "天数不能为负数。" in html


def test_calendar_month_shows_holidays_and_make_up_days(client, make_user):
    client.force_login(make_user(Role.STAFF))
    html = client.get("/calendar/?year=2025&month=10").content.decode()
    assert "2025年10月" in html
    assert html.count('class="off"') >= 8 + 4  # 1–8 Oct holidays plus the ordinary weekend days
    assert 'class="makeup"' in html  # Sat 11 Oct


@pytest.mark.parametrize(
    "query",
    [
        "year=2025&month=13",  # not a month: falls back to the current month
        "year=abc&month=1",
        "year=9999&month=12",  # the month after it is beyond datetime.date.max
        "year=1&month=1",  # the month before it is before datetime.date.min
        "start=9999-12-30&days=5",  # the answer is beyond datetime.date.max
    ],
)
def test_calendar_page_never_fails_on_odd_input(client, make_user, query):
    client.force_login(make_user(Role.STAFF))
    client.raise_request_exception = False
    response = client.get(f"/calendar/?{query}")
    assert response.status_code == 200


def test_workday_api_add(client, make_user):
    client.force_login(make_user(Role.ENTITY))
    response = client.get("/api/v1/workdays/add/?start=2025-09-26&days=15")
    assert response.status_code == 200
    assert response.json() == {"start": "2025-09-26", "days": 15, "due": "2025-10-23", "provisional": False}


def test_workday_api_between(client, make_user):
    client.force_login(make_user(Role.ENTITY))
    response = client.get("/api/v1/workdays/between/?first=2026-02-12&last=2026-03-04")
    assert response.status_code == 200
    assert response.json() == {
        "first": "2026-02-12",
        "last": "2026-03-04",
        "working_days": 10,
        "provisional": False,
    }


@pytest.mark.parametrize("query", ["start=bad&days=1", "start=2025-09-26&days=-1", "start=2025-09-26"])
def test_workday_api_rejects_bad_input(client, make_user, query):
    client.force_login(make_user(Role.STAFF))
    response = client.get(f"/api/v1/workdays/add/?{query}")
    assert response.status_code == 400


def test_workday_api_beyond_the_date_range_is_a_400_not_a_500(client, make_user):
    client.force_login(make_user(Role.STAFF))
    client.raise_request_exception = False
    response = client.get("/api/v1/workdays/add/?start=9999-12-30&days=5")
    assert response.status_code == 400


def test_workday_api_requires_sign_in(client, db):
    assert client.get("/api/v1/workdays/add/?start=2025-09-26&days=15").status_code in (401, 403)


# --- API schema and docs ---------------------------------------------------------------------------


def test_api_schema_and_docs_answer_for_a_signed_in_user(client, make_user):
    client.force_login(make_user(Role.STAFF))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/deadlines/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode().lower()
    assert "swagger" in html
    for host in ("cdn", "jsdelivr", "unpkg"):
        assert host not in html


# --- query counts do not grow with the number of rows ----------------------------------------------


def make_deadlines(n, today):
    for i in range(n):
        department = factories.OrganizationFactory(
            kind=OrganizationKind.DEPARTMENT, district=factories.district("110108")
        )
        open_deadline(today, 5 + i % 20, title=f"期限{i}", responsible=department)


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/deadlines/", "/"])
def test_query_count_does_not_grow_with_deadlines(client, make_user, path):
    today = workdays.today()
    client.force_login(make_user(Role.STAFF, district_code="110108"))
    make_deadlines(3, today)
    queries_for(client, path)  # warm caches (content types, session)
    with_3 = queries_for(client, path)
    make_deadlines(27, today)
    with_30 = queries_for(client, path)
    assert with_30 == with_3, f"{path}: {with_3} queries with 3 deadlines, {with_30} with 30"


def test_api_deadline_list_query_count_does_not_grow(client, make_user):
    today = workdays.today()
    client.force_login(make_user(Role.STAFF, district_code="110108"))
    make_deadlines(3, today)
    queries_for(client, "/api/v1/deadlines/")
    with_3 = queries_for(client, "/api/v1/deadlines/")
    make_deadlines(27, today)
    with_30 = queries_for(client, "/api/v1/deadlines/")
    assert with_30 == with_3


def test_api_token_authentication_for_scripts(client, make_user):
    """Token auth: a script exchanges its password for a token and calls the scoped API with it."""
    from rest_framework.test import APIClient

    from tests.factories import PASSWORD

    staff = make_user(Role.STAFF)
    response = client.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    api = APIClient()
    assert api.get("/api/v1/me/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == staff.username
    wrong = client.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"})
    assert wrong.status_code == 400
