"""Issue 16: a calendar change in the admin recomputes the open deadlines in the request only when few;
above CALENDAR_RECOMPUTE_INLINE_LIMIT it writes the calendar, starts a `calendar_recompute` job and says
where to watch it. The job recomputes in batches (queries constant in the number of deadlines, a constant
per batch), audits each moved due date with the administrator as actor, and reports progress and counts."""

import csv
import datetime
import io
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renewal import calendar_jobs, jobs, services
from renewal.choices import (
    CalendarDayKind,
    CalendarYearStatus,
    DeadlineRule,
    JobStatus,
    OrganizationKind,
    Role,
)
from renewal.models import AuditEvent, CalendarYear, Deadline, Job, Organization, WorkCalendarDay
from tests import factories
from tests.services import need_postgresql

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
DAY = D("2025-10-20")  # a Monday: 2025-10-13 + 10 working days = 2025-10-27; without it, 2025-10-28
START, DUE = D("2025-10-13"), D("2025-10-27")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_user():
    return factories.user(Role.ADMINISTRATOR, district_code=None, is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _deadlines(n, *, start=START, amount=10, due=DUE):
    """n open working-day deadlines of one district's entities (their due dates as given)."""
    Deadline.objects.all().delete()
    place = factories.district()
    orgs = [factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=place) for _ in range(3)]
    ct = ContentType.objects.get_for_model(Organization)
    Deadline.objects.bulk_create(
        Deadline(
            content_type=ct,
            object_id=orgs[i % 3].pk,
            subject_repr=f"实施主体{i % 3}",
            project_label=f"测试项目{i}",
            district=place,
            responsible_organization=orgs[i % 3],
            subject_organization=orgs[i % 3],
            kind="test.ledger",
            title="测试办理期限",
            rule=DeadlineRule.WORKING_DAYS,
            amount=amount,
            start_date=start,
            due_date=due,
        )
        for i in range(n)
    )
    return list(Deadline.objects.order_by("pk"))


def _make_holiday(client):
    return client.post(
        reverse("admin:renewal_workcalendarday_change", args=[DAY.isoformat()]),
        {"date": DAY.isoformat(), "is_workday": "", "kind": CalendarDayKind.HOLIDAY, "name": "临时休息"},
        follow=True,
    )


def _dues():
    return set(Deadline.objects.values_list("due_date", flat=True))


# --- a day edited in the admin ---------------------------------------------------------------------


def test_a_small_change_is_recomputed_in_the_request_without_a_job(admin_client, admin_user):
    _deadlines(3)
    response = _make_holiday(admin_client)
    assert response.status_code == 200
    assert "已重算受影响的期限 3 项。" in response.content.decode()
    assert not Job.objects.exists()
    assert _dues() == {D("2025-10-28")}
    assert AuditEvent.objects.filter(action="deadline.recompute", actor=admin_user).count() == 3


@override_settings(CALENDAR_RECOMPUTE_INLINE_LIMIT=1)
def test_a_large_day_change_writes_the_day_and_hands_the_recompute_to_a_job(admin_client, admin_user):
    _deadlines(5)
    response = _make_holiday(admin_client)
    assert response.status_code == 200

    # The calendar change itself is written and audited in the request …
    assert WorkCalendarDay.objects.get(date=DAY).is_workday is False
    assert AuditEvent.objects.filter(action="calendar.day", actor=admin_user).count() == 1
    # … the deadlines are not moved there: one queued job will move them.
    job = Job.objects.get()
    assert (job.kind, job.status, job.created_by) == ("calendar_recompute", JobStatus.QUEUED, admin_user)
    assert job.label == "工作日历重算期限"
    assert job.params == {
        "first": "2025-10-20",
        "last": "2025-10-20",
        "reason": "工作日历 2025年10月20日 已修改",
    }
    assert _dues() == {D("2025-10-27")}
    assert not AuditEvent.objects.filter(action="deadline.recompute").exists()
    assert AuditEvent.objects.filter(action="job.start", actor=admin_user, object_id=str(job.pk)).exists()
    # The message says so, with a working link to the job's page.
    page = response.content.decode()
    assert "受影响的期限较多（约 5 项），已转入后台重算：" in page
    assert f'<a href="/jobs/{job.pk}/">查看进度</a>' in page

    job = jobs.run_job(job.pk)

    assert job.status == JobStatus.DONE and job.progress == 100
    assert _dues() == {D("2025-10-28")}
    events = AuditEvent.objects.filter(action="deadline.recompute")
    assert events.count() == 5
    assert set(events.values_list("actor", flat=True)) == {admin_user.pk}
    assert set(events.values_list("from_state", "to_state")) == {("2025-10-27", "2025-10-28")}
    assert events.first().reason == "工作日历 2025年10月20日 已修改"
    assert (job.summary["candidates"], job.summary["moved"], job.summary["batches"]) == (5, 5, 1)
    assert job.result_rows == 5
    assert "到期日变动 5 项" in job.summary["filters"]

    # The administrator who started it opens its page (its parameters and result in Chinese, not the
    # stored codes) and downloads the list of moved deadlines.
    detail = admin_client.get(reverse("job_detail", args=[job.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "变动日期</dt>" in html and "2025年10月20日" in html and "原因</dt>" in html
    assert "检查未结期限 5 项，到期日变动 5 项" in html
    assert "first：" not in html and "2025-10-20" not in html
    download = admin_client.get(reverse("job_download", args=[job.pk]))
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["项目", "对象", "期限", "原到期日", "新到期日", "暂定"]
    assert len(rows) == 6
    assert rows[1] == ["测试项目0", "实施主体0", "测试办理期限", "2025-10-27", "2025-10-28", "否"]


@override_settings(CALENDAR_RECOMPUTE_INLINE_LIMIT=1)
def test_a_failed_calendar_write_starts_no_job(admin_client):
    _deadlines(5)
    url = reverse("admin:renewal_workcalendarday_change", args=[DAY.isoformat()])
    response = admin_client.post(url, {"date": DAY.isoformat(), "is_workday": "", "kind": "nonsense"})
    assert response.status_code == 200  # the form with its error
    assert not Job.objects.exists()
    assert WorkCalendarDay.objects.get(date=DAY).is_workday is True


# --- a year confirmed in the admin -----------------------------------------------------------------

SCHEDULE = "2027-01-01,holiday,元旦\n2027-01-05,holiday,测试休息日\n"


@pytest.fixture
def weekday_2027(db):
    services.write_year(2027, {}, status=CalendarYearStatus.PROVISIONAL, source="测试：按周一至周五推算")


def _confirm(client):
    upload = SimpleUploadedFile("国办2027.txt", SCHEDULE.encode(), content_type="text/plain")
    return client.post(
        reverse("admin:renewal_calendaryear_confirm"), {"year": "2027", "file": upload}, follow=True
    )


def test_confirming_a_year_with_few_deadlines_recomputes_in_the_request(weekday_2027, admin_client):
    # Mon 4 Jan 2027 + 3 working days (weekday rule): Thu 7 Jan; with Tue 5 Jan off: Fri 8 Jan.
    _deadlines(4, start=D("2027-01-04"), amount=3, due=D("2027-01-07"))
    response = _confirm(admin_client)
    assert "2027年工作日历已确认，重算期限 4 项。" in response.content.decode()
    assert not Job.objects.exists()
    assert _dues() == {D("2027-01-08")}


@override_settings(CALENDAR_RECOMPUTE_INLINE_LIMIT=3)
def test_confirming_a_year_with_many_deadlines_hands_the_recompute_to_a_job(
    weekday_2027, admin_client, admin_user
):
    _deadlines(4, start=D("2027-01-04"), amount=3, due=D("2027-01-07"))
    response = _confirm(admin_client)
    page = response.content.decode()
    job = Job.objects.get(kind="calendar_recompute")
    assert "2027年工作日历已确认。受影响的期限较多（约 4 项），已转入后台重算：" in page
    assert f'<a href="/jobs/{job.pk}/">查看进度</a>' in page
    # The year is confirmed in the request, its deadlines not yet moved.
    year = CalendarYear.objects.get(year=2027)
    assert (year.status, year.confirmed_by) == (CalendarYearStatus.CONFIRMED, admin_user)
    assert AuditEvent.objects.filter(action="calendar.confirm", actor=admin_user).count() == 1
    assert job.params == {"first": "2027-01-01", "last": "2027-12-31", "reason": "2027年工作日历已确认"}
    assert _dues() == {D("2027-01-07")}

    job = jobs.run_job(job.pk)

    assert job.status == JobStatus.DONE and job.progress == 100
    assert (job.summary["candidates"], job.summary["moved"], job.result_rows) == (4, 4, 4)
    assert _dues() == {D("2027-01-08")}
    assert set(Deadline.objects.values_list("provisional", flat=True)) == {False}
    events = AuditEvent.objects.filter(action="deadline.recompute")
    assert events.count() == 4 and set(events.values_list("actor", flat=True)) == {admin_user.pk}


def test_the_command_line_confirmation_stays_synchronous(weekday_2027, settings):
    settings.CALENDAR_RECOMPUTE_INLINE_LIMIT = 0
    _deadlines(4, start=D("2027-01-04"), amount=3, due=D("2027-01-07"))
    changed = services.confirm_year(2027, SCHEDULE.splitlines(), source="命令行")
    assert len(changed) == 4 and not Job.objects.exists()


# --- the runner ------------------------------------------------------------------------------------


def _start(admin_user):
    return jobs.start_job(
        services.CALENDAR_RECOMPUTE_JOB,
        user=admin_user,
        params={
            "first": DAY.isoformat(),
            "last": DAY.isoformat(),
            "reason": "工作日历 2025年10月20日 已修改",
        },
    )


def _run_counted(n, admin_user):
    """Queries of the runner over n deadlines that all move (the day is already a holiday)."""
    _deadlines(n)
    job = _start(admin_user)
    seen = []
    with CaptureQueriesContext(connection) as queries:
        result = calendar_jobs.run_calendar_recompute(job, seen.append)
    result.path.unlink()
    assert result.summary["moved"] == n and _dues() == {D("2025-10-28")}
    assert seen[-1] == 100 and seen == sorted(seen)
    return len(queries), result


def _holiday():
    WorkCalendarDay.objects.filter(date=DAY).update(is_workday=False, kind=CalendarDayKind.HOLIDAY)


def test_the_runner_queries_are_constant_in_the_number_of_deadlines(admin_user):
    _holiday()
    ContentType.objects.get_for_model(Organization)
    small, _ = _run_counted(5, admin_user)
    large, _ = _run_counted(40, admin_user)
    assert small == large, (small, large)


def test_the_runner_works_in_batches_each_a_constant_number_of_queries(admin_user, monkeypatch):
    monkeypatch.setattr(calendar_jobs, "BATCH_SIZE", 10)
    _holiday()
    ContentType.objects.get_for_model(Organization)
    one, result = _run_counted(10, admin_user)
    assert result.summary["batches"] == 1
    three, result = _run_counted(30, admin_user)
    assert result.summary["batches"] == 3
    five, result = _run_counted(50, admin_user)
    assert result.summary["batches"] == 5
    per_batch = (three - one) / 2
    assert five - three == three - one, (one, three, five)
    assert per_batch <= 12, per_batch  # locked read, snapshot, update, subjects, audit insert, savepoints
    assert AuditEvent.objects.filter(action="deadline.recompute", actor=admin_user).count() == 90


def test_overlapping_recomputes_move_each_deadline_once(admin_user):
    _deadlines(6)
    _holiday()
    first, second = _start(admin_user), _start(admin_user)
    assert jobs.run_job(first.pk).summary["moved"] == 6
    second = jobs.run_job(second.pk)
    assert (second.status, second.summary["candidates"], second.summary["moved"]) == (JobStatus.DONE, 6, 0)
    assert _dues() == {D("2025-10-28")}
    assert AuditEvent.objects.filter(action="deadline.recompute").count() == 6


def test_a_job_over_no_deadlines_finishes_at_100(admin_user):
    Deadline.objects.all().delete()
    job = jobs.run_job(_start(admin_user).pk)
    assert (job.status, job.progress, job.result_rows, job.summary["candidates"]) == (
        JobStatus.DONE,
        100,
        0,
        0,
    )


def test_only_administrators_may_start_the_recompute(make_user):
    with pytest.raises(PermissionDenied):
        _start(make_user(Role.STAFF))
    assert not Job.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_recomputes_at_once_move_each_deadline_once(monkeypatch):
    """Two jobs over overlapping ranges, in batches cut differently, run at the same time on PostgreSQL:
    each batch locks its rows in id order, so neither deadlocks, and every due date moves once."""
    need_postgresql()
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id: None)  # run them here, side by side
    monkeypatch.setattr(calendar_jobs, "BATCH_SIZE", 7)
    admin = factories.user(Role.ADMINISTRATOR, district_code=None, is_superuser=True, is_staff=True)
    # 60 deadlines the changed day moves and, between them by id, 30 only the wider range sees (Mon 13 +
    # 3 working days: Thu 16 Oct, before the changed day): the two jobs cut their batches differently.
    rows = []
    for i, deadline in enumerate(_deadlines(60)):
        rows.append(Deadline(**_fields(deadline), start_date=START, amount=10, due_date=DUE))
        if i % 2 == 0:
            rows.append(
                Deadline(**_fields(deadline), start_date=D("2025-10-13"), amount=3, due_date=D("2025-10-16"))
            )
    Deadline.objects.all().delete()
    Deadline.objects.bulk_create(rows)
    _holiday()
    narrow = _start(admin)
    wide = jobs.start_job(
        services.CALENDAR_RECOMPUTE_JOB,
        user=admin,
        params={"first": "2025-10-01", "last": "2025-10-31", "reason": "测试：整月重算"},
    )
    barrier = threading.Barrier(2)
    errors, finished = [], []

    def run(job):
        try:
            barrier.wait(timeout=30)
            finished.append(jobs.run_job(job.pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in (narrow, wide)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert [job.status for job in finished] == [JobStatus.DONE, JobStatus.DONE]
    assert sum(job.summary["moved"] for job in finished) == 60
    assert Deadline.objects.filter(due_date=D("2025-10-28")).count() == 60
    assert Deadline.objects.filter(due_date=D("2025-10-16")).count() == 30
    events = AuditEvent.objects.filter(action="deadline.recompute")
    assert events.count() == 60 == len(set(events.values_list("data__deadline", flat=True)))


def _fields(deadline) -> dict:
    names = [
        "content_type_id",
        "object_id",
        "subject_repr",
        "project_label",
        "district_id",
        "responsible_organization_id",
        "subject_organization_id",
        "kind",
        "title",
        "rule",
    ]
    return {name: getattr(deadline, name) for name in names}


def test_only_administrators_edit_the_calendar_in_the_admin(admin_client):
    """A staff account let into the admin site with every calendar permission still cannot change a day or
    confirm a year: the calendar moves every district's deadlines, and only administrators may start the
    recompute a large change needs (before, such a change failed half-way with a 403 from start_job)."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    client = Client()  # pytest-django's admin_client is its `client` signed in
    staff = factories.user(Role.STAFF)
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="renewal"))
    client.force_login(staff)
    _deadlines(5)
    assert _make_holiday(client).status_code == 403
    assert WorkCalendarDay.objects.get(date=DAY).is_workday is True and not Job.objects.exists()
    assert client.get(reverse("admin:renewal_calendaryear_confirm")).status_code == 403
    listing = client.get(reverse("admin:renewal_calendaryear_changelist")).content.decode()
    assert "加载官方放假安排" not in listing
    assert (
        "加载官方放假安排"
        in admin_client.get(reverse("admin:renewal_calendaryear_changelist")).content.decode()
    )
    assert admin_client.get(reverse("admin:renewal_calendaryear_confirm")).status_code == 200
