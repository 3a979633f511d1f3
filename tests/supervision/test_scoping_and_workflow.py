"""Who sees and writes what (issue 15): a unit sees only its tasks; the lead unit writes for several; the
office asks for this round's update, completes and reopens; the 完成时限 deadline follows."""

import io

import pytest
from django.urls import reverse

from renewal import calendar as workdays
from renewal.choices import DeadlineState, Role
from renewal.models import Deadline
from renewal.workflow import TransitionRefused
from supervision import services, spreadsheet
from supervision.choices import DEADLINE_TASK_DUE, TaskState
from supervision.models import SupervisionTask
from tests.factories import district, user
from tests.supervision.helpers import cells, make_units, table_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    units = make_units()
    table = spreadsheet.read_table(io.BytesIO(table_bytes()))
    spreadsheet.import_table(table, district=district(), actor=None)
    return units


@pytest.fixture
def tasks(units):
    return {t.number: t for t in SupervisionTask.objects.all()}


def test_a_unit_sees_only_its_tasks(client, units, tasks):
    reviewer = user(Role.REVIEWER, organization=units["区财政局"])
    town = user(Role.ENTITY, organization=units["学院路街道办事处"])
    office = user(Role.SUPERVISION)
    other_office = user(Role.SUPERVISION, district_code="110102")
    visible = lambda u: set(SupervisionTask.objects.visible_to(u).values_list("number", flat=True))  # noqa: E731
    assert visible(reviewer) == {"1"}
    assert visible(town) == {"2"}
    assert visible(office) == {"1", "2", "3"}
    assert visible(other_office) == set()
    client.force_login(town)
    assert client.get(reverse("supervision:task_detail", args=[tasks["1"].pk])).status_code == 404
    assert client.get(reverse("supervision:task_detail", args=[tasks["2"].pk])).status_code == 200
    page = client.get(reverse("supervision:my_tasks"))
    assert [r["task"].number for r in page.context["rows"]] == ["2"]
    api = client.get("/api/v1/supervision-tasks/").json()
    assert [t["number"] for t in api["results"]] == ["2"]
    assert client.get(f"/api/v1/supervision-tasks/{tasks['1'].pk}/").status_code == 404
    entries = client.get("/api/v1/supervision-entries/").json()["results"]
    assert {e["task"] for e in entries} == {tasks["2"].pk}


def test_lead_unit_writes_for_others_a_member_only_for_itself(units, tasks):
    task = tasks["1"]
    lead = user(Role.STAFF, organization=units["区住房城乡建设委"])
    member = user(Role.REVIEWER, organization=units["区发展改革委"])
    outsider = user(Role.REVIEWER, organization=units["区城市更新服务中心"])
    entry = services.report_progress(
        task, actor=lead, text="汇总：三家单位均已推进。", organization=units["区财政局"]
    )
    assert entry.organization == units["区财政局"] and entry.author == lead
    assert services.reportable_units(member, task) == [units["区发展改革委"]]
    with pytest.raises(TransitionRefused):
        services.report_progress(task, actor=member, text="代报", organization=units["区财政局"])
    services.report_progress(task, actor=member, text="本单位已完成资金测算。")
    with pytest.raises(TransitionRefused, match="主责单位"):
        services.report_progress(task, actor=outsider, text="不相干")
    with pytest.raises(TransitionRefused, match="未填写进展情况"):
        services.report_progress(task, actor=member, text="   ")
    assert task.entries.first().text == "本单位已完成资金测算。"


def test_round_complete_reopen(units, tasks):
    task = tasks["2"]
    office = user(Role.SUPERVISION)
    with pytest.raises(TransitionRefused, match="督查室"):
        services.request_update(task, actor=user(Role.STAFF))
    task = services.request_update(task, actor=office)
    assert task.round_requested_on is not None
    assert services.is_pending(tasks["1"], None) is False  # not asked: never pending
    assert services.is_pending(task, None) is True
    latest = services.latest_entries([task]).get(task.pk)
    # The imported entry was written today, the round asked today: written on the day counts.
    assert not services.is_pending(task, latest.created_at)
    task = services.complete(task, actor=office)
    assert task.state == TaskState.COMPLETED
    deadline = Deadline.objects.for_subject(task).get(kind=DEADLINE_TASK_DUE)
    assert deadline.state == DeadlineState.MET
    with pytest.raises(TransitionRefused, match="原因"):
        services.reopen(task, actor=office, reason="")
    task = services.reopen(task, actor=office, reason="市督查室要求补充材料")
    assert task.state == TaskState.ACTIVE
    assert Deadline.objects.for_subject(task).open().count() == 1


def test_page_progress_form_and_export_show_the_entry(client, units, tasks):
    town = user(Role.ENTITY, organization=units["学院路街道办事处"])
    client.force_login(town)
    url = reverse("supervision:progress", args=[tasks["2"].pk])
    bad = client.post(url, {"date": "2025-10-01", "text": "  ", "organization": units["学院路街道办事处"].pk})
    assert bad.status_code == 400 and "请填写进展情况" in bad.content.decode()
    ok = client.post(
        url,
        {
            "date": workdays.today().isoformat(),
            "text": "截至目前，设计方案已稳定。",
            "organization": units["学院路街道办事处"].pk,
        },
    )
    assert ok.status_code == 302
    office = user(Role.SUPERVISION)
    client.force_login(office)
    response = client.get(reverse("supervision:export") + f"?list={tasks['2'].supervision_list_id}")
    assert response.status_code == 200
    rows = cells(response.content)
    assert rows[3][5] == "截至目前，设计方案已稳定。"


def test_api_report_action(client, units, tasks):
    town = user(Role.ENTITY, organization=units["学院路街道办事处"])
    client.force_login(town)
    actions = client.get(f"/api/v1/supervision-tasks/{tasks['2'].pk}/actions/").json()
    assert {a["name"]: a["allowed"] for a in actions}["report"] is True
    response = client.post(
        f"/api/v1/supervision-tasks/{tasks['2'].pk}/actions/report/",
        {"text": "接口报送"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["latest_progress"]["text"] == "接口报送"
    refused = client.post(
        f"/api/v1/supervision-tasks/{tasks['2'].pk}/actions/complete/", {}, content_type="application/json"
    )
    assert refused.status_code == 409


def test_board_and_lists_query_counts(client, units, tasks, django_assert_max_num_queries):
    office = user(Role.SUPERVISION)
    client.force_login(office)
    with django_assert_max_num_queries(30):
        board = client.get(reverse("supervision:board"))
    assert board.status_code == 200 and len(board.context["rows"]) == 3
    with django_assert_max_num_queries(25):
        assert (
            client.get(reverse("supervision:list_detail", args=[tasks["1"].supervision_list_id])).status_code
            == 200
        )
    with django_assert_max_num_queries(20):
        leaders = client.get(reverse("supervision:leaders"))
    assert leaders.status_code == 200 and leaders.context["totals"]["total"] == 3
    filtered = client.get(reverse("supervision:board") + "?state=completed&light=red&pending=1&q=x&unit=abc")
    assert filtered.status_code == 200 and filtered.context["rows"] == []


def test_units_are_told_of_the_round_and_the_office_of_progress(
    units, tasks, django_capture_on_commit_callbacks
):
    from renewal.models import Notification

    town = user(Role.ENTITY, organization=units["学院路街道办事处"])
    branch = user(Role.REVIEWER, organization=units["市规划自然资源委海淀分局"])
    office = user(Role.SUPERVISION)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_update(tasks["2"], actor=office)
    asked = Notification.objects.filter(verb="supervision_task.request_update")
    assert set(asked.values_list("user", flat=True)) == {town.pk, branch.pk}
    with django_capture_on_commit_callbacks(execute=True):
        services.report_progress(tasks["2"], actor=town, text="已报送")
    assert Notification.objects.filter(verb="supervision_task.report", user=office).count() == 1
