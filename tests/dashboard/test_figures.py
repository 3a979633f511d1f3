"""The dashboard's figures against hand-counted fixtures (issue 14), the district report's arithmetic, and
that the figures add up to the ledger for the same user."""

import datetime
from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.models import InvestmentTarget
from dashboard.selectors import Scope, completion_percent, dashboard, growth_label, growth_percent
from projects.choices import Library, Stage
from projects.selectors import ledger_queryset
from renewal import calendar as workdays
from renewal import services
from renewal.choices import DepartmentCode, OrganizationKind, Role
from tests import factories as kernel
from tests.projects.factories import ProjectFactory, category, ledger_world, open_project_deadline, sub_type

pytestmark = pytest.mark.django_db


# --- the district report's arithmetic (DOMAIN.md §5) ------------------------------------------------


def test_completion_is_a_whole_percent_rounded_half_up_with_one_decimal_for_the_tooltip():
    assert completion_percent(Decimal("88.83"), Decimal("69")) == (129, 128.7)
    assert completion_percent(Decimal("34.5"), Decimal("100")) == (35, 34.5)  # half-up, not to even
    assert completion_percent(Decimal("0.125"), Decimal("1")) == (13, 12.5)
    assert completion_percent(Decimal("5"), None) == (None, None)
    assert completion_percent(Decimal("5"), Decimal("0")) == (None, None)


def test_next_years_target_against_this_years_target_with_two_decimals():
    assert growth_percent(Decimal("89"), Decimal("69")) == 28.99
    assert growth_label(growth_percent(Decimal("89"), Decimal("69"))) == "+28.99%"
    assert growth_label(growth_percent(Decimal("65"), Decimal("69"))) == "-5.80%"
    assert growth_label(growth_percent(Decimal("69"), Decimal("69"))) == "0.00%"
    assert growth_percent(None, Decimal("69")) is None
    assert growth_percent(Decimal("89"), None) is None


# --- pipeline ----------------------------------------------------------------------------------------


@pytest.fixture
def world():
    return ledger_world()


def counts(rows):
    return {r["code"]: r["count"] for r in rows if r["count"]}


def test_pipeline_figures_of_a_district_leader_match_the_hand_count(world):
    """海淀: academy (居住类, 储备, 12000 万元), factory (产业类, 已受理, 50000), elderly (设施类, 实施, none);
    the draft is the entity's business and the 西城 project another district's."""
    leader = kernel.user(Role.LEADERSHIP)
    figures = dashboard(Scope(leader))
    assert counts(figures["by_stage"]) == {"reserve": 1, "submitted": 1, "implementation": 1}
    assert "draft" not in {r["code"] for r in figures["by_stage"]}
    stage = {r["code"]: r for r in figures["by_stage"]}
    assert stage["submitted"]["investment"] == 5.0  # 50000 万元 = 5 亿元
    assert stage["submitted"]["url"] == "/projects/?stage=submitted"
    assert counts(figures["by_category"]) == {"residential": 1, "industrial": 1, "facility": 1}
    residential = next(r for r in figures["by_category"] if r["code"] == "residential")
    assert residential["investment"] == 1.2
    assert [(s["label"], s["count"]) for s in residential["sub_types"]] == [
        (sub_type("residential", 1).name, 1)
    ]
    assert counts(figures["library"]["items"]) == {"reserve": 1, "implementation": 1}
    assert [(r["label"], r["count"], r["investment"]) for r in figures["by_district"]] == [("海淀区", 3, 6.2)]


def test_stage_counts_add_up_to_the_ledger_total_for_every_role_that_sees_the_dashboard(world):
    for role, place in (
        (Role.LEADERSHIP, "110108"),
        (Role.LEADERSHIP, None),
        (Role.STAFF, "110108"),
        (Role.AUDITOR, "110108"),
        (Role.ADMINISTRATOR, None),
    ):
        viewer = kernel.user(role, district_code=place)
        figures = dashboard(Scope(viewer))
        assert sum(r["count"] for r in figures["by_stage"]) == ledger_queryset(viewer).count(), (role, place)
        assert sum(r["count"] for r in figures["by_category"]) == ledger_queryset(viewer).count()


def test_each_drill_down_opens_the_ledger_with_the_same_count(client, world):
    leader = kernel.user(Role.LEADERSHIP, district_code=None)
    client.force_login(leader)
    figures = dashboard(Scope(leader))
    rows = [
        *figures["by_stage"],
        *figures["by_category"],
        *figures["library"]["items"],
        *figures["by_district"],
    ]
    rows += [s for c in figures["by_category"] for s in c["sub_types"]]
    checked = 0
    for item in rows:
        if not item["count"]:
            continue
        response = client.get(item["url"])
        assert response.status_code == 200
        assert response.context["page"].paginator.count == item["count"], item
        checked += 1
    assert checked >= 10


def test_under_publicity_lists_the_projects_in_publicity(world):
    noticed = ProjectFactory(stage=Stage.PUBLICITY, library=Library.IMPLEMENTATION, name="公示中的项目")
    figures = dashboard(Scope(kernel.user(Role.LEADERSHIP)))["under_publicity"]
    assert figures["count"] == 1
    assert figures["items"][0]["label"] == "公示中的项目"
    assert figures["items"][0]["url"] == f"/projects/{noticed.pk}/"
    assert figures["url"] == "/projects/?stage=publicity"


def test_monthly_trend_counts_milestones_per_month_with_ledger_links(client, world):
    today = workdays.today()
    this_month = today.replace(day=1)
    ProjectFactory(
        received_on=this_month, admitted_on=this_month, stage=Stage.RESERVE, library=Library.RESERVE
    )
    ProjectFactory(received_on=this_month, completion_accepted_on=this_month, library_exit_on=this_month)
    leader = kernel.user(Role.LEADERSHIP)
    trend = dashboard(Scope(leader))["monthly_trend"]
    assert len(trend["months"]) == 12 and trend["months"][-1] == this_month.strftime("%Y-%m")
    series = {s["code"]: s for s in trend["series"]}
    assert series["applications"]["counts"][-1] == 2
    assert series["admissions"]["counts"][-1] == 1
    client.force_login(leader)
    assert series["completions"]["counts"][-1] == series["exits"]["counts"][-1] == 1
    for code, expected in (("applications", 2), ("admissions", 1), ("completions", 1), ("exits", 1)):
        response = client.get(series[code]["urls"][-1])
        assert response.context["page"].paginator.count == expected


# --- investment ----------------------------------------------------------------------------------------


class FakeReports:
    """Stands in for permits.selectors.current_monthly_reports(): rows of project, month and 万元 invested."""

    def __init__(self, rows):
        self.rows = rows

    def filter(self, project_id__in, month__year):
        allowed = {row["pk"] for row in project_id__in}
        return FakeReports([r for r in self.rows if r[0].pk in allowed and r[1].year == month__year])

    def values(self, key):
        self.key = key
        return self

    def annotate(self, done):
        groups = {}
        for project, month, invested in self.rows:
            value = {
                "month": month,
                "project__sub_type__lead_department": project.sub_type.lead_department
                if project.sub_type
                else None,
                "project__locality": project.locality,
                "project__district_id": project.district_id,
            }[self.key]
            groups[value] = groups.get(value, Decimal(0)) + invested
        return [{self.key: key, "done": done} for key, done in groups.items()]


def test_investment_target_against_completed_as_the_district_reports_it(monkeypatch, world):
    year = workdays.today().year
    InvestmentTarget.objects.create(
        year=year, district=world.haidian, amount=Decimal("69"), source_document="甲"
    )
    InvestmentTarget.objects.create(
        year=year + 1, district=world.haidian, amount=Decimal("89"), source_document="乙"
    )
    InvestmentTarget.objects.create(
        year=year, district=world.xicheng, amount=Decimal("40"), source_document="丙"
    )
    department = world.academy.sub_type.lead_department
    InvestmentTarget.objects.create(
        year=year,
        district=world.haidian,
        lead_department=department,
        amount=Decimal("50"),
        source_document="甲",
    )
    rows = [
        (world.academy, datetime.date(year, 1, 1), Decimal("300000")),  # 30 亿元
        (world.factory, datetime.date(year, 2, 1), Decimal("588300")),  # 58.83 亿元
        (world.xicheng_project, datetime.date(year, 2, 1), Decimal("100000")),  # another district
        (world.factory, datetime.date(year - 1, 12, 1), Decimal("999999")),  # another year
    ]
    monkeypatch.setattr(selectors, "monthly_reports", lambda: FakeReports(rows))
    money = dashboard(Scope(kernel.user(Role.LEADERSHIP)))["investment"]
    assert (money["target"], money["completed"]) == (69.0, 88.83)
    assert (money["percent"], money["percent_precise"]) == (129, 128.7)
    assert (money["next_year_target"], money["growth_percent"], money["growth_label"]) == (
        89.0,
        28.99,
        "+28.99%",
    )
    assert money["sources"] == ["甲", "乙"]
    assert [m["cumulative"] for m in money["monthly"][:2]] == [30.0, 88.83]
    split = {r["code"]: r for r in money["by_department"]}
    assert split[department]["target"] == 50.0 and split[department]["completed"] == 30.0
    assert split[department]["percent"] == 60
    assert split[department]["url"] == f"/projects/?lead_department={department}"
    city = dashboard(Scope(kernel.user(Role.LEADERSHIP, district_code=None)))
    assert city["investment"]["target"] == 109.0
    assert city["investment"]["completed"] == 98.83
    xicheng = next(d for d in city["by_district"] if d["code"] == "110102")
    assert (xicheng["target"], xicheng["completed"], xicheng["percent"]) == (40.0, 10.0, 25)


def test_without_monthly_reports_the_completed_figure_is_zero_and_said_so(monkeypatch, world):
    monkeypatch.setattr(selectors, "monthly_reports", lambda: None)
    money = dashboard(Scope(kernel.user(Role.LEADERSHIP)))["investment"]
    assert money["completed"] == 0.0 and money["reports_available"] is False
    assert money["target"] is None and money["percent"] is None and money["growth_label"] == ""


# --- supervision -------------------------------------------------------------------------------------------


def test_overdue_by_responsible_organisation_with_working_days_and_late_this_year(world):
    today = workdays.today()
    planning = kernel.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, name="规划分局", district=world.haidian
    )
    housing = kernel.OrganizationFactory(
        kind=OrganizationKind.HOUSING_COMMISSION, name="住建委", district=world.haidian
    )
    long_ago = today - datetime.timedelta(days=60)
    recently = today - datetime.timedelta(days=20)
    first = open_project_deadline(world.academy, long_ago, responsible_organization=planning)
    open_project_deadline(world.factory, recently, responsible_organization=planning)
    open_project_deadline(world.elderly, long_ago, responsible_organization=housing)
    open_project_deadline(world.factory, today, responsible_organization=housing)  # not yet due
    open_project_deadline(world.xicheng_project, long_ago)  # another district
    late = open_project_deadline(world.elderly, recently - datetime.timedelta(days=30), kind="test.ledger")
    services.close_deadlines(world.elderly, kinds=["test.ledger"])
    late.refresh_from_db()
    assert late.late_workdays > 0

    overdue = dashboard(Scope(kernel.user(Role.LEADERSHIP)))["overdue"]
    # elderly's overdue deadline was closed (late) with the other test.ledger deadline of that project
    assert overdue["count"] == 2
    ranking = overdue["by_organization"]
    assert [(r["rank"], r["label"], r["count"]) for r in ranking] == [(1, "规划分局", 2)]
    expected, _ = workdays.working_days_between(first.due_date, today)
    assert ranking[0]["max_workdays_overdue"] == expected
    assert overdue["late_this_year"]["count"] == 2
    late_rows = overdue["late_this_year"]["by_organization"]
    assert {r["label"]: r["count"] for r in late_rows} == {"住建委": 1, "未指定责任单位": 1}
    assert all(r["total_workdays_late"] > 0 for r in late_rows)
    assert overdue["url"].startswith("/deadlines/?state=open&due_date__lte=")


def test_overdue_list_link_shows_the_same_overdue_deadlines(client, world):
    today = workdays.today()
    open_project_deadline(world.academy, today - datetime.timedelta(days=60))
    open_project_deadline(world.factory, today - datetime.timedelta(days=45))
    open_project_deadline(world.factory, today)
    leader = kernel.user(Role.LEADERSHIP)
    overdue = dashboard(Scope(leader))["overdue"]
    client.force_login(leader)
    response = client.get(overdue["url"])
    assert response.status_code == 200
    assert response.context["page"].paginator.count == overdue["count"] == 2


# --- the ledger's new filters -------------------------------------------------------------------------------


def test_ledger_filters_by_lead_department_and_admission_month(client, world):
    staff = kernel.user(Role.STAFF)
    client.force_login(staff)
    department = world.elderly.sub_type.lead_department
    expected = sum(1 for p in world.haidian_projects if p.sub_type.lead_department == department)
    response = client.get("/projects/", {"lead_department": department})
    assert response.context["page"].paginator.count == expected
    response = client.get(
        "/projects/", {"admitted_on_after": "2024-12-01", "admitted_on_before": "2024-12-31"}
    )
    assert [row.values.pk for row in response.context["rows"]] == [world.elderly.pk]
    response = client.get("/projects/", {"lead_department": "nonsense"})
    assert response.context["page"].paginator.count == 0
    assert DepartmentCode.HOUSING.value in dict(
        response.context["filterset"].form.fields["lead_department"].choices
    )


def test_category_of_projects_without_one_is_counted_as_unclassified(world):
    ProjectFactory(category=None, sub_type=None)
    rows = dashboard(Scope(kernel.user(Role.LEADERSHIP)))["by_category"]
    assert rows[-1]["label"] == "未分类" and rows[-1]["count"] == 1 and rows[-1]["url"] is None
    assert category("residential").name == rows[0]["label"]


def test_working_days_overdue_agree_with_the_traffic_light():
    today = workdays.today()
    dues = [today - datetime.timedelta(days=n) for n in (1, 2, 3, 7, 30, 200, 400)]
    counted = selectors.workdays_overdue(dues, today)
    snapshot = workdays.snapshot_for(dues, today)
    assert counted == {due: snapshot.light(due, today).working_days_overdue for due in dues}


def test_reported_to_the_city_and_admitted_to_the_city_plan_by_batch(client, world):
    from projects.models import CityPlanBatch

    first = CityPlanBatch.objects.create(
        name="2025年第一批",
        document_number="京更新〔2025〕1号",
        approved_on=datetime.date(2025, 3, 1),
        approving_body="市",
    )
    second = CityPlanBatch.objects.create(
        name="2025年第二批",
        document_number="京更新〔2025〕2号",
        approved_on=datetime.date(2025, 9, 1),
        approving_body="市",
    )
    for project, batch in ((world.academy, first), (world.elderly, second), (world.factory, None)):
        project.reported_to_city_on = datetime.date(2025, 1, 10)
        project.city_plan_batch = batch
        project.save()
    leader = kernel.user(Role.LEADERSHIP)
    library = dashboard(Scope(leader))["library"]
    assert library["reported_to_city"]["count"] == 3
    assert [(b["label"], b["count"]) for b in library["city_plan_batches"]] == [
        ("2025年第一批", 1),
        ("2025年第二批", 1),
    ]
    client.force_login(leader)
    for item in (library["reported_to_city"], *library["city_plan_batches"]):
        assert client.get(item["url"]).context["page"].paginator.count == item["count"], item


def test_investment_split_by_locality_links_to_the_ledger_of_that_locality(client, monkeypatch, world):
    year = workdays.today().year
    world.academy.locality = "学院路街道"
    world.academy.save()
    InvestmentTarget.objects.create(
        year=year, district=world.haidian, locality="学院路街道", amount=Decimal("20"), source_document="甲"
    )
    monkeypatch.setattr(
        selectors,
        "monthly_reports",
        lambda: FakeReports([(world.academy, datetime.date(year, 1, 1), Decimal("50000"))]),
    )
    leader = kernel.user(Role.LEADERSHIP)
    rows = {r["label"]: r for r in dashboard(Scope(leader))["investment"]["by_locality"]}
    assert (rows["学院路街道"]["target"], rows["学院路街道"]["completed"], rows["学院路街道"]["percent"]) == (
        20.0,
        5.0,
        25,
    )
    client.force_login(leader)
    response = client.get(rows["学院路街道"]["url"])
    assert [row.values.pk for row in response.context["rows"]] == [world.academy.pk]


def test_the_page_writes_the_notice_end_as_a_person_reads_it(client, world):
    """The figures carry ISO dates (the API's); the page wrote "公示至2026-12-17" (look-as-users)."""
    ProjectFactory(
        stage=Stage.PUBLICITY,
        library=Library.IMPLEMENTATION,
        name="公示中的项目",
        publicity_end=datetime.datetime(2026, 12, 17, 23, 59, 59, tzinfo=datetime.UTC),
    )
    client.force_login(kernel.user(Role.LEADERSHIP))
    html = client.get("/dashboard/").content.decode()
    text = html.split("<script", 1)[0]
    assert "公示至2026年12月" in text
    assert "2026-12-1" not in text
