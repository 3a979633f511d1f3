"""Drill-down from the dashboard's supervision figures and district bars (issue 14 follow-up): each link
opens the deadline list or ledger with a filter that finds exactly the rows the figure counted."""

import datetime

import pytest

from dashboard.selectors import Scope, dashboard
from renewal import calendar as workdays
from renewal import services
from renewal.choices import OrganizationKind, Role
from tests import factories as kernel
from tests.projects.factories import ledger_world, open_project_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return ledger_world()


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert not [m for m in response.context["messages"]], url
    return response.context["page"].paginator.count


@pytest.fixture
def deadlines(world):
    """Overdue: 规划分局 ×2, 住建委 ×1, none ×1, 西城 ×1; met late this year: 住建委 ×1, none ×1."""
    today = workdays.today()
    planning = kernel.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, name="规划分局", district=world.haidian
    )
    housing = kernel.OrganizationFactory(
        kind=OrganizationKind.HOUSING_COMMISSION, name="住建委", district=world.haidian
    )
    long_ago = today - datetime.timedelta(days=60)
    recently = today - datetime.timedelta(days=20)
    open_project_deadline(world.academy, long_ago, responsible_organization=planning)
    open_project_deadline(world.factory, recently, responsible_organization=planning)
    open_project_deadline(world.academy, long_ago, responsible_organization=housing)
    open_project_deadline(world.factory, long_ago)
    open_project_deadline(world.factory, today, responsible_organization=housing)  # not yet due
    open_project_deadline(world.xicheng_project, long_ago)  # another district
    open_project_deadline(world.elderly, long_ago, kind="test.ledger", responsible_organization=housing)
    open_project_deadline(world.elderly, long_ago, kind="test.ledger")
    services.close_deadlines(world.elderly, kinds=["test.ledger"])
    return planning, housing


def test_each_overdue_bar_opens_the_deadline_list_with_the_same_count(client, world, deadlines):
    leader = kernel.user(Role.LEADERSHIP)
    overdue = dashboard(Scope(leader))["overdue"]
    client.force_login(leader)
    bars = {r["label"]: r for r in overdue["by_organization"]}
    assert {label: r["count"] for label, r in bars.items()} == {
        "规划分局": 2,
        "住建委": 1,
        "未指定责任单位": 1,
    }
    for bar in bars.values():
        assert "responsible_organization=" in bar["url"]
        assert listed(client, bar["url"]) == bar["count"]
    assert listed(client, overdue["url"]) == overdue["count"] == 4


def test_met_late_this_year_opens_the_list_of_those_deadlines(client, world, deadlines):
    leader = kernel.user(Role.LEADERSHIP)
    late = dashboard(Scope(leader))["overdue"]["late_this_year"]
    client.force_login(leader)
    assert late["count"] == 2
    assert f"late_year={late['year']}" in late["url"]
    assert listed(client, late["url"]) == 2
    for bar in late["by_organization"]:
        assert listed(client, bar["url"]) == bar["count"] == 1
    # Another year finds none of them; without a state the year alone means "met late".
    assert listed(client, f"/deadlines/?late_year={late['year'] - 1}") == 0
    assert listed(client, f"/deadlines/?late_year={late['year']}") == 2


def test_a_city_leader_drilling_into_a_district_gets_the_district_filter(client, world, deadlines):
    city = kernel.user(Role.LEADERSHIP, district_code=None)
    client.force_login(city)
    whole = dashboard(Scope(city))["overdue"]
    assert whole["count"] == 5
    haidian = dashboard(Scope(city, district=world.haidian))["overdue"]
    assert f"district={world.haidian.pk}" in haidian["url"]
    assert listed(client, haidian["url"]) == haidian["count"] == 4
    for bar in haidian["by_organization"]:
        assert listed(client, bar["url"]) == bar["count"]


def test_the_deadline_list_shows_the_new_filters_with_chinese_labels(client, world, deadlines):
    leader = kernel.user(Role.LEADERSHIP)
    client.force_login(leader)
    page = client.get("/deadlines/").content.decode()
    for label in ("责任单位", "到期日自", "到期日至", "逾期完成年度", "规划分局", "未指定责任单位"):
        assert label in page
    assert 'name="district"' not in page  # one district: nothing to choose
    client.force_login(kernel.user(Role.LEADERSHIP, district_code=None))
    assert 'name="district"' in client.get("/deadlines/").content.decode()


def test_bad_drill_down_parameters_say_what_is_wrong(client, world, deadlines):
    leader = kernel.user(Role.LEADERSHIP)
    client.force_login(leader)
    other = kernel.OrganizationFactory(kind=OrganizationKind.DEPARTMENT, district=world.xicheng)
    for query in (f"responsible_organization={other.pk}", "late_year=abc", "late_year=1800"):
        response = client.get(f"/deadlines/?{query}")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0
        assert "筛选条件有误" in " ".join(str(m) for m in response.context["messages"])
    response = client.get("/deadlines/?late_year=abc")
    assert "逾期完成年度应为四位年份，如2026。" in response.content.decode()


def test_a_cross_district_project_counts_in_the_ledger_of_each_district_as_on_the_dashboard(client, world):
    world.xicheng_project.districts.add(world.haidian)
    city = kernel.user(Role.LEADERSHIP, district_code=None)
    client.force_login(city)
    bars = {r["code"]: r for r in dashboard(Scope(city))["by_district"]}
    for code in ("110108", "110102"):
        assert listed(client, bars[code]["url"]) == bars[code]["count"]
    assert bars["110108"]["count"] == 4  # academy, factory, elderly and the 西城 project listing 海淀
    drilled = dashboard(Scope(city, district=world.haidian))
    assert sum(r["count"] for r in drilled["by_stage"]) == 4


def test_the_deadlines_api_has_the_same_filters(client, world, deadlines):
    planning, _ = deadlines
    leader = kernel.user(Role.LEADERSHIP)
    client.force_login(leader)
    late = dashboard(Scope(leader))["overdue"]["late_this_year"]
    body = client.get("/api/v1/deadlines/", {"state": "late", "late_year": late["year"]}).json()
    assert body["count"] == late["count"] == 2
    body = client.get("/api/v1/deadlines/", {"state": "open", "responsible_organization": planning.pk}).json()
    assert body["count"] == 2
    assert client.get("/api/v1/deadlines/", {"late_year": "abc"}).status_code == 400
