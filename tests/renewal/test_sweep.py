"""The daily sweep (issue 12): lights and the reminder schedule across holidays, the weekly overdue repeat,
escalation, never twice (also under concurrent sweeps on PostgreSQL), a missed day caught up, and a query
count that does not grow with the number of deadlines (issue 16: no calendar lookup per deadline)."""

import datetime
import threading
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renewal import calendar as workdays
from renewal import deadline_kinds
from renewal.choices import DeadlineRule, OrganizationKind, Role
from renewal.models import Deadline, Notification, Organization, Reminder
from renewal.services import sweep_open_deadlines
from renewal.sweep import daily_sweep, send_reminders
from tests.factories import OrganizationFactory, district, user
from tests.services import need_postgresql

pytestmark = pytest.mark.django_db

deadline_kinds.register(
    deadline_kinds.DeadlineKind(
        code="test.sweep", label="测试办理期限", rule=DeadlineRule.WORKING_DAYS, length=10
    ),
    deadline_kinds.DeadlineKind(
        code="test.quiet",
        label="只提醒到期",
        rule=DeadlineRule.WORKING_DAYS,
        length=10,
        reminders=deadline_kinds.ReminderPolicy(
            at_yellow=False, overdue_every_workdays=0, escalate_when_red=False
        ),
    ),
    deadline_kinds.DeadlineKind(
        code="test.years", label="测试年限", rule=DeadlineRule.CALENDAR_YEARS, length=1
    ),
)

D = datetime.date.fromisoformat


def deadline(org, due, *, kind="test.sweep", rule=DeadlineRule.WORKING_DAYS, start=None, amount=0):
    row = Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=org.pk,
        subject_repr=f"{org.name}的测试事项",
        district=org.district,
        responsible_organization=org,
        subject_organization=org,
        kind=kind,
        title=deadline_kinds.label(kind),
        rule=rule,
        amount=amount,
        start_date=start or due,
        due_date=due,
    )
    Deadline.objects.filter(pk=row.pk).update(opened_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    return row


@pytest.fixture
def entity():
    return user(Role.ENTITY)


@pytest.fixture
def staff():
    return user(Role.STAFF)


def sent(kind=None, **filters):
    rows = Reminder.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("day", flat=True))


def run(day, capture):
    with capture(execute=True):
        return daily_sweep(D(day) if isinstance(day, str) else day)


def test_schedule_across_national_day(entity, staff, django_capture_on_commit_callbacks):
    """Due Thursday 2025-10-09, the first working day after the National Day holiday (1–8 October; 28
    September and 11 October are make-up working days)."""
    due = deadline(entity.organization, D("2025-10-09"))
    snapshot = workdays.WorkCalendar(D("2025-09-01"), D("2025-11-30"))
    first_yellow = None
    day = D("2025-09-20")
    while day <= D("2025-10-31"):
        run(day, django_capture_on_commit_callbacks)
        if first_yellow is None and snapshot.light(due.due_date, day).light == "yellow":
            first_yellow = day
        day += datetime.timedelta(days=1)
    assert first_yellow == D("2025-09-28")  # a Sunday make-up working day: 3 working days left
    assert sent("yellow") == [D("2025-09-28")]
    assert sent("due_day") == [D("2025-10-09")]
    # First working day after the due day, then every 5 working days (11 October, a Saturday, counts).
    assert sent("overdue") == [D("2025-10-10"), D("2025-10-16"), D("2025-10-23"), D("2025-10-30")]
    assert sent("escalation") == sent("overdue")
    notes = Notification.objects.filter(user=entity).order_by("created_at", "pk")
    assert notes.count() == 6
    assert Notification.objects.filter(user=staff, verb="reminder.escalation").count() == 4
    assert not Notification.objects.filter(user=staff).exclude(verb="reminder.escalation").exists()


def test_texts_say_the_light(entity, django_capture_on_commit_callbacks):
    deadline(entity.organization, D("2025-10-09"))
    run("2025-10-16", django_capture_on_commit_callbacks)
    [note] = Notification.objects.filter(user=entity, verb="reminder.overdue")
    assert "逾期6个工作日" in note.text and "2025年10月9日" in note.text
    assert note.link == "/deadlines/"


def test_never_twice_the_same_day_and_emails_once(entity, django_capture_on_commit_callbacks):
    deadline(entity.organization, D("2025-10-09"))
    mail.outbox.clear()
    run("2025-10-08", django_capture_on_commit_callbacks)  # the yellow reminder (caught up from 28 Sep)
    mail.outbox.clear()
    first = run("2025-10-09", django_capture_on_commit_callbacks)
    again = run("2025-10-09", django_capture_on_commit_callbacks)
    assert first.by_kind == {"due_day": 1} and again.reminders == 0
    assert Reminder.objects.count() == 2
    [message] = [m for m in mail.outbox if entity.email in m.to]
    assert "到期提醒" in message.subject and "/deadlines/" in message.body


def test_a_missed_day_is_caught_up_once(entity, django_capture_on_commit_callbacks):
    deadline(entity.organization, D("2025-10-09"))
    run("2025-10-08", django_capture_on_commit_callbacks)
    # No sweep on 9, 10 and 11 October: the 12th sends the due-day and first-overdue reminders once.
    report = run("2025-10-12", django_capture_on_commit_callbacks)
    assert report.by_kind == {"due_day": 1, "overdue": 1, "escalation": 1}
    assert sent("overdue") == [D("2025-10-10")]
    assert run("2025-10-13", django_capture_on_commit_callbacks).reminders == 0


def test_per_kind_policy(entity, staff, django_capture_on_commit_callbacks):
    deadline(entity.organization, D("2025-10-09"), kind="test.quiet")
    for day in ("2025-09-28", "2025-10-09", "2025-10-10", "2025-10-16"):
        run(day, django_capture_on_commit_callbacks)
    # No yellow, no escalation, no weekly repeat: the due day and the first overdue day only.
    assert sorted(Reminder.objects.values_list("kind", "day")) == [
        ("due_day", D("2025-10-09")),
        ("overdue", D("2025-10-10")),
    ]
    assert not Reminder.objects.filter(kind__in=["yellow", "escalation"]).exists()
    assert not Notification.objects.filter(user=staff).exists()


def test_escalation_stays_in_the_district(entity, staff, django_capture_on_commit_callbacks):
    elsewhere = user(Role.STAFF, district_code="110102")
    deadline(entity.organization, D("2025-10-09"))
    run("2025-10-10", django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user=staff, verb="reminder.escalation").exists()
    assert not Notification.objects.filter(user=elsewhere).exists()


def _many(n, day):
    place = district()
    orgs = [OrganizationFactory(kind=OrganizationKind.ENTITY, district=place) for _ in range(3)]
    for org in orgs:
        user(Role.ENTITY, organization=org)
    ct = ContentType.objects.get_for_model(Organization)
    rows = [
        Deadline(
            content_type=ct,
            object_id=orgs[i % 3].pk,
            subject_repr="批量事项",
            district=place,
            responsible_organization=orgs[i % 3],
            kind="test.sweep",
            title="测试办理期限",
            rule=DeadlineRule.WORKING_DAYS,
            amount=0,
            start_date=day - datetime.timedelta(days=i % 20),
            due_date=day - datetime.timedelta(days=i % 20),
        )
        for i in range(n)
    ]
    Deadline.objects.bulk_create(rows)


def _queries(n, django_capture_on_commit_callbacks):
    Deadline.objects.all().delete()
    Reminder.objects.all().delete()
    day = D("2025-11-20")
    _many(n, day)
    ContentType.objects.get_for_model(Deadline)  # the content-type cache is warm in both runs
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        report = daily_sweep(day)
    assert report.reminders > 0
    return len(queries), report


def test_query_count_is_the_same_at_10_and_1000_deadlines(staff, django_capture_on_commit_callbacks):
    small, _ = _queries(10, django_capture_on_commit_callbacks)
    large, report_large = _queries(1000, django_capture_on_commit_callbacks)
    assert report_large.reminders > 1000 and report_large.notifications > 900
    assert small == large, (small, large)
    # Many red items in one district on one day: the supervising staff get one digest, not 950 items.
    digest = Notification.objects.get(
        user=staff, verb="reminder.escalation", text__contains="950项办理期限逾期"
    )
    assert digest.link == "/deadlines/"


def test_the_calendar_check_is_set_based_and_moves_what_changed(staff):
    """Issue 16: no calendar lookup per deadline (calendar-year ones included), and no lock on every row."""
    org = staff.organization
    for _ in range(5):
        deadline(
            org,
            D("2026-10-09"),
            kind="test.years",
            rule=DeadlineRule.CALENDAR_YEARS,
            start=D("2025-10-09"),
            amount=1,
        )
    with CaptureQueriesContext(connection) as few:
        assert sweep_open_deadlines() == 0
    for _ in range(200):
        deadline(
            org,
            D("2026-10-09"),
            kind="test.years",
            rule=DeadlineRule.CALENDAR_YEARS,
            start=D("2025-10-09"),
            amount=1,
        )
        deadline(org, D("2025-10-14"), start=D("2025-09-30"), amount=2)  # 30 Sep + 2 working days = 10 Oct
    with CaptureQueriesContext(connection) as many:
        moved = sweep_open_deadlines()
    assert moved == 200
    assert not any("FOR UPDATE" in q["sql"] and "IN (" not in q["sql"] for q in many.captured_queries)
    assert len([q for q in few.captured_queries]) <= 4
    assert Deadline.objects.filter(due_date=D("2025-10-10")).count() == 200
    with CaptureQueriesContext(connection) as again:
        assert sweep_open_deadlines() == 0
    assert len(again.captured_queries) == len(few.captured_queries)


def test_a_calendar_year_period_ending_on_a_holiday_moves_to_the_next_working_day(staff):
    """民法典 第二百零三条, from the shared snapshot: 2024-10-01 + 1 year ends on 2025-10-09."""
    row = deadline(
        staff.organization,
        D("2025-10-01"),
        kind="test.years",
        rule=DeadlineRule.CALENDAR_YEARS,
        start=D("2024-10-01"),
        amount=1,
    )
    assert sweep_open_deadlines() == 1
    row.refresh_from_db()
    assert row.due_date == D("2025-10-09")


def test_the_command_reports_in_chinese(entity, django_capture_on_commit_callbacks):
    deadline(entity.organization, D("2025-10-09"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_deadlines", "--date", "2025-10-10", stdout=out)
    assert "巡检完成" in out.getvalue() and "逾期提醒1条" in out.getvalue()
    with pytest.raises(Exception, match="日期格式错误"):
        call_command("sweep_deadlines", "--date", "10/10/2025")


def test_send_reminders_without_deadlines_is_quiet(db):
    report = send_reminders(D("2025-10-10"))
    assert report.reminders == 0 and report.open == 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once():
    need_postgresql()
    entity = user(Role.ENTITY)
    user(Role.STAFF)
    for i in range(50):
        deadline(entity.organization, D("2025-10-09") - datetime.timedelta(days=i % 5))
    barrier = threading.Barrier(2)
    errors, reports = [], []

    def sweep():
        try:
            barrier.wait(timeout=30)
            reports.append(send_reminders(D("2025-10-10")))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    total = sum(r.reminders for r in reports)
    assert total == Reminder.objects.count() > 0
    per_key = Notification.objects.filter(user=entity).values_list("object_id", "verb")
    assert len(per_key) == len(set(per_key)) == Reminder.objects.exclude(kind="escalation").count()


def test_the_celery_task_runs_the_sweep_and_fails_interrupted_jobs(staff, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from renewal import tasks
    from renewal.models import AuditEvent, Job

    stale = Job.objects.create(kind="test.none", label="中断的任务", created_by=staff, status="running")
    Job.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_deadlines.delay().get()
    assert result["interrupted_jobs"] == 1
    stale.refresh_from_db()
    assert stale.status == "failed" and stale.error == "后台任务中断，可重试"
    assert AuditEvent.objects.filter(action="deadline.sweep").exists()
