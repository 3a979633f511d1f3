"""The project library ledger (项目库台账): filters, sorting, pagination, lights, scoping, export, queries."""

import datetime
import io
import re
from decimal import Decimal

import factory
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import Library, Path, Stage
from projects.selectors import LEDGER_ROLES
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import AuditEvent
from renewal.services import close_deadlines
from tests.projects import factories
from tests.projects.factories import HAIDIAN, XICHENG

LIST_URL = "/projects/"
EXPORT_URL = "/projects/export/"
API_URL = "/api/v1/projects/"
ROW = re.compile(r'<tr data-project="(\d+)">')
EXPORT_HEADER = (
    "序号",
    "项目编号",
    "项目名称",
    "区",
    "类别",
    "子类",
    "实施路径",
    "阶段",
    "项目库",
    "实施主体",
    "统筹主体",
    "总投资（万元）",
    "总投资（亿元）",
    "受理日",
    "入库日",
    "期限",
)


@pytest.fixture
def world(db):
    return factories.ledger_world()


def html_pks(client, params=None) -> list[int]:
    response = client.get(LIST_URL, params or {})
    assert response.status_code == 200
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def api_pks(client, params=None) -> list[int]:
    response = client.get(API_URL, params or {})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def export_sheet(client, params=None):
    response = client.get(EXPORT_URL, params or {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def export_data_rows(sheet) -> list[tuple]:
    """Rows between the header row and the total row."""
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == EXPORT_HEADER
    assert rows[-1][0] == "合计"
    return rows[2:-1]


def exported_names(client, params=None) -> list[str]:
    return [row[2] for row in export_data_rows(export_sheet(client, params))]


def worst_lights(html: str) -> dict[int, str]:
    return {
        int(pk): light
        for pk, light in re.findall(r'<tr data-project="(\d+)">.*?data-worst-light="(\w+)"', html, re.S)
    }


# --- filters: each narrows, and the HTML list, the API and the export agree ------------------------

FILTER_CASES = {
    "district": (lambda w: {"district": w.haidian.pk}, lambda w: w.haidian_projects),
    "category": (
        lambda w: {"category": factories.category("industrial").pk},
        lambda w: [w.factory],
    ),
    "sub_type": (
        lambda w: {"sub_type": factories.sub_type("residential", 1).pk},
        lambda w: [w.academy, w.xicheng_project],
    ),
    "path": (lambda w: {"path": Path.JOINT_REVIEW}, lambda w: [w.academy, w.xicheng_project]),
    "stage": (lambda w: {"stage": Stage.SUBMITTED}, lambda w: [w.factory]),
    "library": (lambda w: {"library": Library.IMPLEMENTATION}, lambda w: [w.elderly]),
    "entity as coordinating or implementing": (
        lambda w: {"entity": w.entity_b.pk},
        lambda w: [w.factory, w.elderly],
    ),
    "entity as implementing": (lambda w: {"entity": w.entity_a.pk}, lambda w: [w.academy]),
    "text in name": (lambda w: {"q": "老旧"}, lambda w: [w.academy, w.factory, w.xicheng_project]),
    "text in code": (lambda w: {"q": "2024-00"}, lambda w: [w.elderly]),
    "text in location": (lambda w: {"q": "信息路"}, lambda w: [w.factory]),
    "every word of the text": (lambda w: {"q": " 老旧  厂房 "}, lambda w: [w.factory]),
    "received on or after": (
        lambda w: {"received_on_after": "2025-05-06"},
        lambda w: [w.factory, w.xicheng_project],
    ),
    "received on or before": (
        lambda w: {"received_on_before": "2025-03-03"},
        lambda w: [w.academy, w.elderly],
    ),
    "received between": (
        lambda w: {"received_on_after": "2025-01-01", "received_on_before": "2025-05-31"},
        lambda w: [w.academy, w.xicheng_project],
    ),
    "several filters at once": (
        lambda w: {"district": w.haidian.pk, "library": Library.RESERVE},
        lambda w: [w.academy],
    ),
}


@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_each_filter_narrows_the_same_way_on_list_api_and_export(client, world, administrator, case):
    params_of, expected_of = FILTER_CASES[case]
    params, expected = params_of(world), expected_of(world)
    client.force_login(administrator)
    everything = html_pks(client)
    assert len(everything) == 4  # the draft is its entity's only

    listed = html_pks(client, params)
    assert set(listed) == {p.pk for p in expected}
    assert len(listed) < len(everything)
    assert api_pks(client, params) == listed
    assert sorted(exported_names(client, params)) == sorted(p.name for p in expected)


def test_text_search_ignores_case_and_matches_parts_of_the_code(client, world, administrator):
    world.factory.code = "HD-Lift-07"
    world.factory.save()
    client.force_login(administrator)
    assert html_pks(client, {"q": "hd-lift"}) == [world.factory.pk]
    assert api_pks(client, {"q": "LIFT-07"}) == [world.factory.pk]
    assert html_pks(client, {"q": "不存在的项目"}) == []


def test_blank_filters_are_ignored(client, world, administrator):
    client.force_login(administrator)
    blank = {"district": "", "category": "", "stage": "", "q": "  ", "received_on_after": ""}
    assert set(html_pks(client, blank)) == {p.pk for p in [*world.haidian_projects, world.xicheng_project]}


def test_filter_form_keeps_the_values_and_the_export_button_keeps_the_filters(client, world, administrator):
    client.force_login(administrator)
    html = client.get(LIST_URL, {"q": "老旧", "stage": Stage.RESERVE, "page": "1"}).content.decode()
    assert 'name="q" value="老旧"' in html
    assert re.search(rf'<option value="{Stage.RESERVE.value}" selected>储备项目</option>', html)
    export_link = re.search(r'href="(/projects/export/[^"]*)"[^>]*data-testid="export"', html).group(1)
    assert "q=%E8%80%81%E6%97%A7" in export_link and "stage=reserve" in export_link
    assert "page=" not in export_link


# --- sorting -------------------------------------------------------------------------------------

STAGE_POSITION = {stage.value: position for position, stage in enumerate(Stage)}


def expected_order(projects, field: str, descending: bool) -> list[int]:
    """Empty values last in both directions, ties by primary key (as the ledger promises)."""

    def value(project):
        raw = getattr(project, field)
        return STAGE_POSITION[raw] if field == "stage" else raw

    present = sorted((p for p in projects if value(p) is not None), key=lambda p: p.pk)
    present.sort(key=value, reverse=descending)
    missing = sorted((p for p in projects if value(p) is None), key=lambda p: p.pk)
    return [p.pk for p in present + missing]


@pytest.mark.parametrize("field", ["code", "name", "total_investment", "received_on", "admitted_on", "stage"])
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_sorting_by_each_column(client, world, administrator, field, descending):
    client.force_login(administrator)
    projects = [*world.haidian_projects, world.xicheng_project]
    sort = f"-{field}" if descending else field
    expected = expected_order(projects, field, descending)
    assert html_pks(client, {"sort": sort}) == expected
    assert api_pks(client, {"sort": sort}) == expected


def test_stage_sorts_in_pipeline_order_not_alphabetically(client, world, staff):
    client.force_login(staff)
    assert html_pks(client, {"sort": "stage"}) == [
        world.factory.pk,  # 已受理
        world.academy.pk,  # 储备项目
        world.elderly.pk,  # 实施项目
    ]


def test_sortable_headers_toggle_direction_and_keep_filters(client, world, staff):
    client.force_login(staff)
    html = client.get(LIST_URL, {"q": "老旧", "sort": "code"}).content.decode()
    assert 'data-sort="-code"' in html  # sorted ascending now: the header offers descending
    assert 'data-sort="received_on"' in html
    header = re.search(r'<a href="([^"]*)" data-sort="-code">项目编号 ▲</a>', html)
    assert header, "the code header shows the ascending arrow and links to descending order"
    assert "q=%E8%80%81%E6%97%A7" in header.group(1)


def test_unknown_sort_is_a_form_error_not_a_crash(client, world, staff):
    client.force_login(staff)
    response = client.get(LIST_URL, {"sort": "password"})
    assert response.status_code == 200
    assert ROW.findall(response.content.decode()) == []
    assert "筛选条件有误" in response.content.decode()
    assert client.get(API_URL, {"sort": "password"}).status_code == 400


# --- pagination ----------------------------------------------------------------------------------


def test_pagination_50_per_page_keeps_filters(client, staff):
    projects = factories.ProjectFactory.create_batch(51, name=factory.Sequence(lambda n: f"分页项目{n}"))
    factories.ProjectFactory(name="不在筛选内的项目")
    client.force_login(staff)
    response = client.get(LIST_URL, {"q": "分页项目"})
    html = response.content.decode()
    first = [int(pk) for pk in ROW.findall(html)]
    assert len(first) == 50
    assert "第 1 / 2 页，共 51 条" in html
    assert "?q=%E5%88%86%E9%A1%B5%E9%A1%B9%E7%9B%AE&page=2" in html
    second = html_pks(client, {"q": "分页项目", "page": 2})
    assert len(second) == 1
    assert set(first) | set(second) == {p.pk for p in projects}
    assert api_pks(client, {"q": "分页项目"}) == first
    assert api_pks(client, {"q": "分页项目", "page": 2}) == second


# --- traffic lights --------------------------------------------------------------------------------


def test_each_project_shows_the_worst_light_of_its_open_deadlines(client, staff):
    today = workdays.today()
    year_ago = workdays.add_calendar_years(today, -1)
    overdue = factories.ProjectFactory(name="逾期项目")
    red_deadline = factories.open_project_deadline(overdue, year_ago, amount=10)
    soon = factories.ProjectFactory(name="临期项目")
    factories.open_project_deadline(soon, today, amount=2)
    on_time = factories.ProjectFactory(name="正常项目")
    factories.open_project_deadline(on_time, today, amount=10)
    mixed = factories.ProjectFactory(name="混合项目")
    factories.open_project_deadline(mixed, today, amount=10, title="制发入库通知书")
    factories.open_project_deadline(mixed, year_ago, amount=10, title="入库联合审查")
    factories.open_project_deadline(mixed, today, amount=1, title="补充材料")
    closed = factories.ProjectFactory(name="期限已结项目")
    factories.open_project_deadline(closed, year_ago, amount=10)
    close_deadlines(closed, reason="已确认入库")
    without = factories.ProjectFactory(name="无期限项目")

    client.force_login(staff)
    html = client.get(LIST_URL).content.decode()
    assert worst_lights(html) == {
        overdue.pk: "red",
        soon.pk: "yellow",
        on_time.pk: "green",
        mixed.pk: "red",
        closed.pk: "none",
        without.pk: "none",
    }
    days_overdue, _ = workdays.working_days_between(red_deadline.due_date, today)
    assert red_deadline.due_date == workdays.add_working_days(year_ago, 10).due
    row = re.search(rf'<tr data-project="{overdue.pk}">.*?</tr>', html, re.S).group(0)
    assert f"逾期{days_overdue}个工作日" in row
    mixed_row = re.search(rf'<tr data-project="{mixed.pk}">.*?</tr>', html, re.S).group(0)
    assert "入库联合审查 等3项" in mixed_row


def test_lights_use_one_calendar_snapshot(client, staff):
    """Two calendar queries for the page (days and confirmed years), whatever the number of deadlines."""
    today = workdays.today()
    for index in range(4):
        project = factories.ProjectFactory()
        factories.open_project_deadline(
            project, workdays.add_calendar_years(today, -index), amount=10 + index
        )
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST_URL)
    calendar_queries = [q["sql"] for q in queries.captured_queries if "renewal_workcalendarday" in q["sql"]]
    assert len(calendar_queries) == 1


# --- dates and money -------------------------------------------------------------------------------


def test_row_shows_chinese_dates_badge_and_investment(client, world, staff):
    client.force_login(staff)
    html = client.get(LIST_URL).content.decode()
    row = re.search(rf'<tr data-project="{world.academy.pk}">.*?</tr>', html, re.S).group(0)
    assert "2025年3月3日" in row and "2025年4月1日" in row
    assert '<span class="badge text-bg-success">储备项目</span>' in row
    assert ">12000.00<" in row
    assert f'href="/projects/{world.academy.pk}/"' in row
    assert "海淀甲实施公司" in row and "实施方案联合审查类" in row and "储备项目库" in row


# --- scoping ---------------------------------------------------------------------------------------


def test_xicheng_staff_never_sees_haidian_projects(client, world, make_user):
    xicheng_staff = make_user(Role.STAFF, district_code=XICHENG)
    client.force_login(xicheng_staff)
    assert html_pks(client) == [world.xicheng_project.pk]
    assert api_pks(client) == [world.xicheng_project.pk]
    assert exported_names(client) == [world.xicheng_project.name]
    html = client.get(LIST_URL).content.decode()
    assert "学院路" not in html and "海淀甲实施公司" not in html
    assert client.get(f"{API_URL}{world.academy.pk}/").status_code == 404


def test_district_choices_are_limited_to_the_users_district(client, world, make_user):
    xicheng_staff = make_user(Role.STAFF, district_code=XICHENG)
    client.force_login(xicheng_staff)
    html = client.get(LIST_URL).content.decode()
    select = re.search(r'<select name="district".*?</select>', html, re.S).group(0)
    assert "西城区" in select and "海淀区" not in select
    entities = re.search(r'<select name="entity".*?</select>', html, re.S).group(0)
    assert "西城实施公司" in entities and "海淀" not in entities

    response = client.get(LIST_URL, {"district": world.haidian.pk})
    html = response.content.decode()
    assert ROW.findall(html) == []
    assert "筛选条件有误" in html
    select = re.search(
        r'<select name="district".*?</select>\s*<div class="invalid-feedback">([^<]*)</div>', html, re.S
    )
    assert select and "is-invalid" in select.group(0) and "选择一个有效的选项" in select.group(1)
    assert client.get(API_URL, {"district": world.haidian.pk}).status_code == 400
    assert client.get(API_URL, {"entity": world.entity_a.pk}).status_code == 400


def test_entity_sees_only_its_own_organisations_projects(client, world, make_user):
    coordinator = make_user(Role.ENTITY, organization=world.entity_b)
    client.force_login(coordinator)
    mine = {world.factory.pk, world.elderly.pk}
    assert set(html_pks(client)) == mine
    assert set(api_pks(client)) == mine
    assert sorted(exported_names(client)) == sorted([world.factory.name, world.elderly.name])
    assert client.get(f"{API_URL}{world.academy.pk}/").status_code == 404
    assert client.get(API_URL, {"entity": world.entity_a.pk}).status_code == 400


def test_entity_made_implementing_entity_sees_that_project(client, world, make_user):
    newcomer = make_user(Role.ENTITY)
    client.force_login(newcomer)
    assert html_pks(client) == []
    world.draft.implementing_entity = newcomer.organization
    world.draft.save()
    assert html_pks(client) == [world.draft.pk]
    assert api_pks(client) == [world.draft.pk]


@pytest.mark.parametrize("role", [Role.STAFF, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR])
def test_district_users_see_their_district(client, world, make_user, role):
    client.force_login(make_user(role, district_code=HAIDIAN))
    assert set(html_pks(client)) == {p.pk for p in world.haidian_projects}


def test_city_level_leader_sees_every_district(client, world, make_user):
    city_leader = make_user(Role.LEADERSHIP, district_code=None)
    client.force_login(city_leader)
    everything = {p.pk for p in [*world.haidian_projects, world.xicheng_project]}
    assert set(html_pks(client)) == everything
    assert set(api_pks(client)) == everything
    html = client.get(LIST_URL).content.decode()
    select = re.search(r'<select name="district".*?</select>', html, re.S).group(0)
    assert "西城区" in select and "海淀区" in select
    assert html_pks(client, {"district": world.xicheng.pk}) == [world.xicheng_project.pk]


@pytest.mark.parametrize("role", LEDGER_ROLES)
def test_every_ledger_role_may_list_and_export(client, world, users_by_role, role):
    client.force_login(users_by_role[role])
    assert client.get(LIST_URL).status_code == 200
    assert client.get(EXPORT_URL).status_code == 200
    assert client.get(API_URL).status_code == 200


def test_anonymous_users_are_sent_to_login(client, world):
    for url in (LIST_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.get(API_URL).status_code in (401, 403)
    assert not AuditEvent.objects.filter(action="ledger.export").exists()


# --- export --------------------------------------------------------------------------------------


def test_export_contains_the_filtered_visible_rows(client, world, staff):
    today = workdays.today()
    factories.open_project_deadline(world.academy, workdays.add_calendar_years(today, -1), amount=10)
    client.force_login(staff)
    sheet = export_sheet(client, {"category": factories.category("residential").pk, "sort": "code"})
    title = sheet["A1"].value
    assert title.startswith("海淀区城市更新项目库台账") and "共1个项目" in title
    rows = export_data_rows(sheet)
    assert [row[2] for row in rows] == [world.academy.name]  # not entity_a's draft
    academy = rows[0]
    assert academy[:11] == (
        1,
        "110108-2025-0001",
        "学院路老旧小区综合整治",
        "海淀区",
        "居住类",
        "老旧小区综合整治",
        "实施方案联合审查类",
        "储备项目",
        "储备项目库",
        "海淀甲实施公司",
        None,
    )
    assert Decimal(str(academy[11])) == Decimal("12000")
    assert Decimal(str(academy[12])) == Decimal("1.2")
    assert academy[13] == datetime.datetime(2025, 3, 3) and academy[14] == datetime.datetime(2025, 4, 1)
    assert sheet.cell(3, 14).number_format == "yyyy-mm-dd"
    assert academy[15].startswith("入库联合审查：逾期") and academy[15].endswith("个工作日")
    total = list(sheet.iter_rows(values_only=True))[-1]
    assert total[2] == "共1个项目"
    assert Decimal(str(total[11])) == Decimal("12000")  # the draft's 300 万元 is not counted


def test_every_export_is_written_to_the_audit_trail(client, world, make_user):
    auditor = make_user(Role.AUDITOR, district_code=HAIDIAN)
    client.force_login(auditor)
    export_sheet(client, {"library": Library.RESERVE, "q": "老旧", "page": "3"})
    export_sheet(client)
    events = list(AuditEvent.objects.filter(action="ledger.export").order_by("pk"))
    assert len(events) == 2
    first, second = events
    assert first.actor == auditor
    assert first.action_label == "导出项目库台账"
    assert first.data == {"filters": {"library": "reserve", "q": "老旧"}, "rows": 1}
    assert second.data == {"filters": {}, "rows": 3}
    assert first.district == world.haidian
    # Listing is not exporting: no event for the HTML list.
    client.get(LIST_URL)
    assert AuditEvent.objects.filter(action="ledger.export").count() == 2


def test_export_with_invalid_filters_goes_back_to_the_list_without_a_download(client, world, staff):
    client.force_login(staff)
    response = client.get(EXPORT_URL, {"district": world.xicheng.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/projects/?district={world.xicheng.pk}")
    assert not AuditEvent.objects.filter(action="ledger.export").exists()


def test_export_of_a_city_level_auditor_covers_every_district(client, world, make_user):
    city_auditor = make_user(Role.AUDITOR, district_code=None)
    client.force_login(city_auditor)
    sheet = export_sheet(client)
    assert sheet["A1"].value.startswith("全市城市更新项目库台账")
    assert len(export_data_rows(sheet)) == 4


# --- query counts ----------------------------------------------------------------------------------


def projects_with_deadlines(count: int):
    today = workdays.today()
    entity = factories.kernel.OrganizationFactory()
    for _ in range(count):
        project = factories.ProjectFactory(
            implementing_entity=entity, coordinating_entity=entity, received_on=today
        )
        factories.open_project_deadline(project, today, amount=10)
        factories.open_project_deadline(project, workdays.add_calendar_years(today, -1), amount=30)


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_list_query_count_does_not_grow_with_the_projects(client, staff):
    projects_with_deadlines(3)
    client.force_login(staff)
    client.get(LIST_URL)  # warm caches (content types, session)
    few = count_queries(client, LIST_URL)
    assert len(html_pks(client)) == 3
    projects_with_deadlines(27)
    many = count_queries(client, LIST_URL)
    assert len(html_pks(client)) == 30
    assert few == many, f"HTML list: {few} queries for 3 projects, {many} for 30"
    filtered_few = count_queries(client, LIST_URL, {"q": "测试", "sort": "-stage"})
    assert filtered_few == many


def test_export_query_count_does_not_grow_with_the_projects(client, staff):
    projects_with_deadlines(3)
    client.force_login(staff)
    client.get(EXPORT_URL)
    few = count_queries(client, EXPORT_URL)
    projects_with_deadlines(27)
    many = count_queries(client, EXPORT_URL)
    assert len(export_data_rows(export_sheet(client))) == 30
    assert few == many, f"export: {few} queries for 3 projects, {many} for 30"
