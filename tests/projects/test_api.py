"""The ledger over the API (/api/v1/projects/): fields and formats, lights, scoping, parity, queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import Library, Stage
from projects.models import AdmissionNotice
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.services import close_deadlines
from tests.projects import factories
from tests.projects.factories import HAIDIAN, XICHENG

API_URL = "/api/v1/projects/"
LIST_URL = "/projects/"
ROW = re.compile(r'<tr data-project="(\d+)">')

FIELDS = {
    "id",
    "code",
    "name",
    "district",
    "category",
    "sub_type",
    "path",
    "path_label",
    "stage",
    "stage_label",
    "library",
    "library_label",
    "source",
    "source_label",
    "entities",
    "location",
    "areas",
    "renewal_goal",
    "total_investment",
    "total_investment_yi",
    "funding_sources",
    "received_on",
    "admitted_on",
    "implementation_on",
    "light",
    "open_deadlines",
    "admission_notice_number",
    # Permits app (issue 11).
    "works_started_on",
    "completion_accepted_on",
    "library_exit_on",
    # Issue 10: 跨区, 属地, the path's basis, 市级项目库 / 城市更新计划, 动态调整.
    "districts",
    "locality",
    "designated_by_government",
    "path_reason",
    "admission_document",
    "reported_to_city_on",
    "city_plan_batch",
    "removed_on",
    "removal_reason",
    "removal_document",
}


@pytest.fixture
def world(db):
    return factories.ledger_world()


def api_pks(client, params=None) -> list[int]:
    response = client.get(API_URL, params or {})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def html_pks(client, params=None) -> list[int]:
    response = client.get(LIST_URL, params or {})
    assert response.status_code == 200
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def test_url_names():
    assert reverse("projects-api:project-list") == API_URL
    assert reverse("projects-api:project-detail", kwargs={"pk": 7}) == f"{API_URL}7/"


def test_project_fields_dates_money_entities_notice_and_deadlines(client, world, staff):
    today = workdays.today()
    year_ago = workdays.add_calendar_years(today, -1)
    overdue = factories.open_project_deadline(world.academy, year_ago, kind="intake_review")
    later = factories.open_project_deadline(
        world.academy, today, kind="admission_notice", title="制发入库通知书"
    )
    AdmissionNotice.objects.create(
        project=world.academy,
        district=world.haidian,
        year=2025,
        sequence=3,
        number="海淀城更入库〔2025〕3号",
        issued_on=datetime.date(2025, 4, 1),
        issued_by=staff,
        issuer_name="海淀区住房和城乡建设委员会",
    )
    client.force_login(staff)
    response = client.get(f"{API_URL}{world.academy.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == FIELDS
    assert data["code"] == "110108-2025-0001"
    assert data["district"] == {"id": world.haidian.pk, "code": HAIDIAN, "name": "海淀区"}
    assert data["category"]["code"] == "residential" and data["category"]["name"] == "居住类"
    assert data["sub_type"]["name"] == "老旧小区综合整治"
    assert (data["path"], data["path_label"]) == ("joint_review", "实施方案联合审查类")
    assert (data["stage"], data["stage_label"]) == ("reserve", "储备项目")
    assert (data["library"], data["library_label"]) == ("reserve", "储备项目库")
    assert (data["source"], data["source_label"]) == ("application", "入库申请")
    assert data["entities"] == {
        "coordinating": None,
        "implementing": {"id": world.entity_a.pk, "name": "海淀甲实施公司"},
    }
    assert data["areas"] == {"land_area": "8800.50", "building_area": "45000.00"}
    assert data["total_investment"] == "12000.00"
    assert data["total_investment_yi"] == "1.200000"
    assert data["funding_sources"] == "区级财政、社会资本"
    assert data["received_on"] == "2025-03-03"
    assert data["admitted_on"] == "2025-04-01"
    assert data["implementation_on"] is None
    assert data["admission_notice_number"] == "海淀城更入库〔2025〕3号"
    assert data["light"] == "red"
    days_overdue, _ = workdays.working_days_between(overdue.due_date, today)
    days_left, _ = workdays.working_days_between(today, later.due_date)
    assert data["open_deadlines"] == [
        {
            "id": overdue.pk,
            "kind": "intake_review",
            "title": "入库联合审查",
            "due_date": overdue.due_date.isoformat(),
            "provisional": overdue.provisional,
            "light": "red",
            "working_days_left": 0,
            "working_days_overdue": days_overdue,
        },
        {
            "id": later.pk,
            "kind": "admission_notice",
            "title": "制发入库通知书",
            "due_date": later.due_date.isoformat(),
            "provisional": later.provisional,
            "light": "green",
            "working_days_left": days_left,
            "working_days_overdue": 0,
        },
    ]
    listed = {row["id"]: row for row in client.get(API_URL).json()["results"]}
    assert listed[world.academy.pk] == data


def test_project_without_notice_deadlines_or_investment(client, world, staff):
    factories.open_project_deadline(world.elderly, workdays.today(), amount=10)
    close_deadlines(world.elderly, reason="已完成")
    client.force_login(staff)
    data = client.get(f"{API_URL}{world.elderly.pk}/").json()
    assert data["admission_notice_number"] is None
    assert data["open_deadlines"] == [] and data["light"] is None
    assert data["total_investment"] is None and data["total_investment_yi"] is None
    assert data["entities"]["implementing"]["name"] == "海淀乙统筹街道"


def test_yellow_light_when_due_within_three_working_days(client, world, staff):
    soon = factories.open_project_deadline(world.factory, workdays.today(), amount=2)
    factories.open_project_deadline(world.factory, workdays.today(), amount=20)
    client.force_login(staff)
    data = client.get(f"{API_URL}{world.factory.pk}/").json()
    assert data["light"] == "yellow"
    assert data["open_deadlines"][0]["id"] == soon.pk
    assert data["open_deadlines"][0]["working_days_left"] == 2


def test_reviewer_sees_only_deadlines_of_its_department(client, world, make_user):
    reviewer = make_user(Role.REVIEWER, district_code=HAIDIAN)
    today = workdays.today()
    own = factories.open_project_deadline(
        world.academy, today, amount=10, responsible_organization=reviewer.organization
    )
    factories.open_project_deadline(world.academy, workdays.add_calendar_years(today, -1), amount=10)
    client.force_login(reviewer)
    data = client.get(f"{API_URL}{world.academy.pk}/").json()
    assert [d["id"] for d in data["open_deadlines"]] == [own.pk]
    assert data["light"] == "green"


# --- scoping ---------------------------------------------------------------------------------------


def test_out_of_scope_project_is_404(client, world, make_user):
    client.force_login(make_user(Role.STAFF, district_code=XICHENG))
    response = client.get(f"{API_URL}{world.academy.pk}/")
    assert response.status_code == 404
    assert "学院路" not in response.content.decode()
    assert client.get(f"{API_URL}{world.xicheng_project.pk}/").status_code == 200
    assert api_pks(client) == [world.xicheng_project.pk]
    assert client.get(API_URL).json()["count"] == 1


def test_entity_gets_404_for_another_organisations_project(client, world, make_user):
    client.force_login(make_user(Role.ENTITY, organization=world.entity_a))
    assert set(api_pks(client)) == {world.academy.pk, world.draft.pk}
    assert client.get(f"{API_URL}{world.factory.pk}/").status_code == 404
    assert client.get(f"{API_URL}{world.academy.pk}/").status_code == 200


def test_city_level_leader_reads_every_district(client, world, make_user):
    client.force_login(make_user(Role.LEADERSHIP, district_code=None))
    assert client.get(API_URL).json()["count"] == 4  # not entity_a's draft
    assert client.get(f"{API_URL}{world.xicheng_project.pk}/").status_code == 200
    assert client.get(f"{API_URL}{world.academy.pk}/").status_code == 200


def test_anonymous_is_refused_and_the_api_changes_only_through_its_steps(client, world, staff):
    assert client.get(API_URL).status_code in (401, 403)
    assert client.get(f"{API_URL}{world.academy.pk}/").status_code in (401, 403)
    client.force_login(staff)
    # Filing an application is an entity's step (tests/projects/test_contract.py); staff are refused.
    refused = client.post(API_URL, {"name": "新项目"})
    assert refused.status_code == 403 and refused.json()["detail"] == "只有区级实施主体可以填报入库申请。"
    assert client.delete(f"{API_URL}{world.academy.pk}/").status_code == 405
    assert client.put(f"{API_URL}{world.academy.pk}/", {"name": "改名"}).status_code == 405
    assert client.patch(f"{API_URL}{world.academy.pk}/", {"name": "改名"}).status_code == 405


# --- the same parameters as the HTML list ------------------------------------------------------------

PARAMETER_SETS = [
    {},
    {"q": "老旧"},
    {"stage": Stage.RESERVE},
    {"library": Library.NONE, "sort": "-name"},
    {"sort": "total_investment"},
    {"sort": "-received_on"},
    {"received_on_after": "2024-01-01", "sort": "admitted_on"},
    {"category": "residential-not-an-id"},
]


@pytest.mark.parametrize(
    "params", PARAMETER_SETS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none"
)
@pytest.mark.parametrize("who", ["staff", "entity", "city leader"])
def test_same_parameters_give_the_same_projects_as_the_html_list(client, world, make_user, params, who):
    user = {
        "staff": lambda: make_user(Role.STAFF, district_code=HAIDIAN),
        "entity": lambda: make_user(Role.ENTITY, organization=world.entity_b),
        "city leader": lambda: make_user(Role.LEADERSHIP, district_code=None),
    }[who]()
    client.force_login(user)
    response = client.get(API_URL, params)
    listed = html_pks(client, params)
    if "category" in params:
        # An invalid value: 400 from the API, no rows and the error on the page.
        assert response.status_code == 400 and "category" in response.json()
        assert listed == []
    else:
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == listed


def test_entity_filter_matches_coordinating_entities_too(client, world, administrator):
    client.force_login(administrator)
    assert set(api_pks(client, {"entity": world.entity_b.pk})) == {world.factory.pk, world.elderly.pk}


def test_pagination_matches_the_html_list(client, staff):
    factories.ProjectFactory.create_batch(55)
    client.force_login(staff)
    body = client.get(API_URL).json()
    assert body["count"] == 55 and len(body["results"]) == 50 and "page=2" in body["next"]
    assert api_pks(client, {"page": 2}) == html_pks(client, {"page": 2})
    assert len(api_pks(client, {"page": 2})) == 5


def test_schema_documents_the_ledger_filters(client, staff):
    client.force_login(staff)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}
    assert {
        "district",
        "category",
        "sub_type",
        "path",
        "stage",
        "library",
        "entity",
        "q",
        "received_on_after",
        "received_on_before",
        "sort",
        "page",
    } <= parameters
    assert "/api/v1/projects/{id}/" in schema["paths"]


# --- query counts ----------------------------------------------------------------------------------


def projects_with_deadlines(count: int):
    today = workdays.today()
    entity = factories.kernel.OrganizationFactory()
    for _ in range(count):
        project = factories.ProjectFactory(implementing_entity=entity, received_on=today)
        factories.open_project_deadline(project, today, amount=10)
        factories.open_project_deadline(project, workdays.add_calendar_years(today, -1), amount=30)


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_api_list_query_count_does_not_grow_with_the_projects(client, staff):
    projects_with_deadlines(3)
    client.force_login(staff)
    client.get(API_URL)  # warm caches (content types, session)
    few = count_queries(client, API_URL)
    assert client.get(API_URL).json()["count"] == 3
    projects_with_deadlines(27)
    many = count_queries(client, API_URL)
    assert client.get(API_URL).json()["count"] == 30
    assert few == many, f"API list: {few} queries for 3 projects, {many} for 30"
    assert count_queries(client, API_URL, {"q": "测试", "sort": "-stage"}) == many
