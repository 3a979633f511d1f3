"""Deadlines people can act on (issue 7 §4): every row names its project and links to its object, keeps
its duty as its title after it closes, shows when and how it closed (按时完成 / 逾期完成 with the working
days late), the list filters on that, and calendar-year deadlines show their date."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renewal import calendar as workdays
from renewal import services
from renewal.choices import DeadlineRule, DeadlineState, DepartmentCode, OrganizationKind, Role
from renewal.models import Deadline
from renewal.selectors import deadlines_with_lights
from review import services as review
from review.choices import Decision
from review.models import DepartmentReview
from tests import factories
from tests.review.helpers import World

pytestmark = pytest.mark.django_db


def row_html(html: str, deadline) -> str:
    match = re.search(rf'<tr data-deadline="{deadline.pk}">(.*?)</tr>', html, re.S)
    assert match, f"deadline {deadline.pk} is not listed"
    return match.group(1)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def organization_subject():
    return factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district("110108"))


def open_on(subject, start, amount, *, title="审查期限", rule=DeadlineRule.WORKING_DAYS):
    return services.open_deadline(
        subject,
        kind="test.land" if rule == DeadlineRule.CALENDAR_YEARS else "test.review",
        title=title,
        rule=rule,
        amount=amount,
        start=start,
    )


@pytest.fixture
def world():
    return World()


@pytest.fixture
def joint_review(world):
    """A plan in joint review; the 区发展改革委's review and its open deadline."""
    plan = review.start_joint_review(world.submitted_plan(), actor=world.staff)
    item = DepartmentReview.objects.get(
        review_round__plan=plan, department=world.departments[DepartmentCode.DEVELOPMENT_REFORM]
    )
    return plan, item, Deadline.objects.for_subject(item).get()


# --- what a row says -------------------------------------------------------------------------------


def test_a_department_review_deadline_names_its_project_not_the_reviews_state(joint_review):
    plan, _item, deadline = joint_review
    assert deadline.project_label == str(plan.project)
    assert deadline.project == plan.project
    assert "待审查" not in deadline.subject_repr and str(plan.project) in deadline.subject_repr
    assert deadline.title == "部门联合审查意见"


def test_rows_link_to_the_project_and_to_the_duty_for_staff(client, world, joint_review):
    plan, item, deadline = joint_review
    client.force_login(world.staff)
    row = row_html(client.get("/deadlines/").content.decode(), deadline)
    assert f'href="{reverse("projects:project_detail", args=[plan.project_id])}"' in row
    assert f'href="{reverse("review:department_review", args=[item.pk])}"' in row
    assert plan.project.name in text(row) and "部门联合审查意见" in text(row)
    assert "待审查" not in row


def test_rows_link_only_to_pages_the_viewer_may_open(client, world, joint_review):
    """The entity sees the deadline of its plan's review, but a department's review page is not for it:
    the project is linked, the department's page is not (no link that ends in a 403)."""
    plan, item, deadline = joint_review
    client.force_login(world.entity)
    row = row_html(client.get("/deadlines/").content.decode(), deadline)
    assert f'href="{reverse("projects:project_detail", args=[plan.project_id])}"' in row
    assert reverse("review:department_review", args=[item.pk]) not in row
    for url in re.findall(r'href="([^"]+)"', row):
        assert client.get(url).status_code == 200, url


def test_a_closed_deadline_keeps_its_duty_and_shows_when_it_was_met(client, world, joint_review):
    _plan, item, deadline = joint_review
    review.record_decision(item, actor=world.reviewer_of(item), decision=Decision.AGREE, text="同意")
    deadline.refresh_from_db()
    today = workdays.today()
    assert (deadline.state, deadline.closed_on, deadline.late_workdays) == (DeadlineState.MET, today, 0)
    client.force_login(world.staff)
    row = row_html(client.get("/deadlines/?state=met").content.decode(), deadline)
    assert "部门联合审查意见" in text(row)
    assert "按时完成" in text(row)
    assert f"{today.year}年{today.month}月{today.day}日完成" in text(row)
    assert "待审查" not in row and "同意" not in text(row).replace("部门联合审查意见", "")


def test_a_deadline_met_after_its_due_date_is_late_by_working_days(client, make_user, monkeypatch):
    subject = organization_subject()
    deadline = open_on(subject, datetime.date(2025, 9, 26), 5)  # due 2025-10-10 (National Day week)
    assert deadline.due_date == datetime.date(2025, 10, 10)
    monkeypatch.setattr(workdays, "today", lambda: datetime.date(2025, 10, 15))
    services.close_deadlines(subject, reason="已办结")
    deadline.refresh_from_db()
    # 13, 14, 15 October are working days after the due date (11 Oct is a make-up working day too).
    assert (
        deadline.late_workdays == workdays.working_days_between(deadline.due_date, deadline.closed_on)[0] == 4
    )
    assert deadline.outcome_label == "逾期完成"
    client.force_login(make_user(Role.STAFF))
    late_html = client.get("/deadlines/?state=late").content.decode()
    row = row_html(late_html, deadline)
    assert "逾期完成（逾期4个工作日）" in text(row) and "2025年10月15日完成" in text(row)
    assert f'data-deadline="{deadline.pk}"' not in client.get("/deadlines/?state=on_time").content.decode()


def test_rest_days_only_after_the_due_date_still_count_as_late():
    assert services.workdays_late(datetime.date(2025, 10, 10), datetime.date(2025, 10, 10)) == 0
    assert services.workdays_late(datetime.date(2025, 10, 10), datetime.date(2025, 10, 9)) == 0
    # 1–5 October 2025 are holidays only: still late, by at least one working day.
    assert services.workdays_late(datetime.date(2025, 9, 30), datetime.date(2025, 10, 5)) == 1


def test_suspended_and_cancelled_deadlines_are_neither_on_time_nor_late(client, make_user):
    subject = organization_subject()
    suspended = open_on(subject, workdays.today(), 10, title="暂停的期限")
    services.close_deadlines(subject, state=DeadlineState.SUSPENDED, reason="补正")
    suspended.refresh_from_db()
    assert suspended.closed_on == workdays.today() and suspended.late_workdays is None
    client.force_login(make_user(Role.STAFF))
    html = client.get("/deadlines/?state=suspended").content.decode()
    assert "已中止" in text(row_html(html, suspended))
    for state in ("on_time", "late", "open"):
        assert (
            f'data-deadline="{suspended.pk}"' not in client.get(f"/deadlines/?state={state}").content.decode()
        )


def test_the_state_filter_offers_on_time_and_late(client, make_user):
    client.force_login(make_user(Role.STAFF))
    html = client.get("/deadlines/").content.decode()
    options = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', html))
    assert options["on_time"] == "按时完成" and options["late"] == "逾期完成"
    assert options["open"] == "进行中"


def test_calendar_year_deadlines_show_their_date_not_hundreds_of_working_days(client, make_user):
    subject = organization_subject()
    deadline = open_on(
        subject, workdays.today(), 2, title="完成首期用地手续", rule=DeadlineRule.CALENDAR_YEARS
    )
    client.force_login(make_user(Role.STAFF))
    row = text(row_html(client.get("/deadlines/").content.decode(), deadline))
    due = deadline.due_date
    assert f"{due.year}年{due.month}月{due.day}日前" in row
    assert "剩" not in row and "个工作日" not in row.replace("2年", "")


def test_dates_in_the_list_are_chinese(client, make_user):
    subject = organization_subject()
    open_on(subject, datetime.date(2025, 9, 26), 15)
    client.force_login(make_user(Role.STAFF))
    html = client.get("/deadlines/").content.decode()
    assert "2025年9月26日" in html and "2025年10月23日" in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text(html))


def test_the_shared_include_links_rows_its_view_did_not(world, joint_review):
    """Pages of other apps include the table with rows built without a viewer: it links them itself."""
    plan, item, deadline = joint_review
    html = render_to_string(
        "includes/deadline_table.html", {"rows": deadlines_with_lights([deadline]), "user": world.staff}
    )
    assert reverse("review:department_review", args=[item.pk]) in html
    assert reverse("projects:project_detail", args=[plan.project_id]) in html


def test_query_count_of_the_list_does_not_grow_with_linked_rows(client, world):
    """Rows of several kinds of object (projects and department reviews) linked with one query per kind."""

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    review.start_joint_review(world.submitted_plan(), actor=world.staff)
    client.force_login(world.staff)
    queries("/deadlines/")
    few = queries("/deadlines/")
    for name in ("第二个项目", "第三个项目"):
        review.start_joint_review(
            world.submitted_plan(world.implementation_project(name=name)), actor=world.staff
        )
    assert Deadline.objects.count() > 10
    assert queries("/deadlines/") == few


# --- rows opened before this change ------------------------------------------------------------------


def test_the_migration_backfills_closing_day_lateness_and_project(world, joint_review, monkeypatch):
    plan, item, deadline = joint_review
    monkeypatch.setattr(workdays, "today", lambda: deadline.due_date + datetime.timedelta(days=7))
    review.record_decision(item, actor=world.reviewer_of(item), decision=Decision.AGREE, text="")
    deadline.refresh_from_db()
    expected_late = deadline.late_workdays
    assert expected_late > 0
    # As an old row: closed late in the evening (Beijing time) of that day, nothing else recorded.
    closed_at = timezone.make_aware(datetime.datetime.combine(workdays.today(), datetime.time(23, 30)))
    Deadline.objects.filter(pk=deadline.pk).update(
        closed_on=None,
        late_workdays=None,
        project_content_type=None,
        project_object_id=None,
        project_label="",
        subject_repr=str(item),
        closed_at=closed_at,
    )
    migration = importlib.import_module("renewal.migrations.0006_deadline_project_and_outcome")
    migration.backfill(django_apps, None)
    deadline.refresh_from_db()
    assert deadline.closed_on == workdays.today()
    assert deadline.late_workdays == expected_late
    assert deadline.project == plan.project and deadline.project_label == str(plan.project)
    assert "待审查" not in deadline.subject_repr


def test_a_projects_deadlines_include_those_of_its_reviews(world, joint_review):
    plan, _item, deadline = joint_review
    mine = set(Deadline.objects.for_project(plan.project).values_list("pk", flat=True))
    assert deadline.pk in mine
    assert set(Deadline.objects.for_subject(plan.project).values_list("pk", flat=True)) <= mine


def test_a_deadline_due_today_says_so(client, make_user):
    subject = organization_subject()
    deadline = open_on(subject, workdays.today(), 0, title="今日期限")
    client.force_login(make_user(Role.STAFF))
    assert "今日到期" in text(row_html(client.get("/deadlines/").content.decode(), deadline))


def test_the_api_reports_the_project_closing_day_and_lateness(client, make_user, monkeypatch):
    subject = organization_subject()
    deadline = open_on(subject, datetime.date(2025, 9, 26), 5)
    monkeypatch.setattr(workdays, "today", lambda: datetime.date(2025, 10, 15))
    services.close_deadlines(subject, reason="已办结")
    client.force_login(make_user(Role.STAFF))
    body = client.get("/api/v1/deadlines/?state=late").json()
    assert [row["id"] for row in body["results"]] == [deadline.pk]
    row = body["results"][0]
    assert row["closed_on"] == "2025-10-15" and row["late_workdays"] == 4 and row["outcome"] == "late"
    assert row["project_label"] == str(subject)
    assert client.get("/api/v1/deadlines/?state=on_time").json()["count"] == 0
