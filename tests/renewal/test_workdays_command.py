"""`manage.py workdays`: add, between, confirm (with deadline recomputation), and the admin upload path.

Expected dates are worked out by hand (see test_calendar.py for the official schedules). For the
confirmation tests 2027 is first reset to a pure Monday–Friday provisional year, so that the dates
before and after confirming are known exactly whatever the seeding library guesses for 2027.
"""

import datetime
import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from renewal import services
from renewal.choices import (
    CalendarDayKind,
    CalendarYearStatus,
    DeadlineRule,
    DeadlineState,
    OrganizationKind,
    Role,
)
from renewal.models import AuditEvent, CalendarYear, Deadline, WorkCalendarDay
from tests import factories

D = datetime.date.fromisoformat


def run(*args) -> str:
    out = io.StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


# --- add / between ---------------------------------------------------------------------------------


def test_add_prints_the_due_date(db):
    assert run("add", "2025-09-26", "15") == "2025-10-23"


def test_add_json_is_exact(db):
    assert (
        run("add", "2025-09-26", "15", "--json")
        == '{"start": "2025-09-26", "days": 15, "due": "2025-10-23", "provisional": false}'
    )


def test_add_spring_festival_2026(db):
    assert run("add", "2026-02-12", "10") == "2026-03-04"


def test_add_into_2027_is_provisional(db):
    payload = json.loads(run("add", "2026-12-20", "15", "--json"))
    assert payload["provisional"] is True
    assert payload["start"] == "2026-12-20"
    assert payload["days"] == 15
    assert payload["due"].startswith("2027-")
    assert "暂定" in run("add", "2026-12-20", "15")


def test_between_prints_the_count(db):
    assert run("between", "2025-09-26", "2025-10-23") == "15"
    assert run("between", "2025-10-23", "2025-09-26") == "-15"
    assert run("between", "2025-09-26", "2025-09-26") == "0"


def test_between_json(db):
    assert json.loads(run("between", "2025-09-26", "2025-10-23", "--json")) == {
        "first": "2025-09-26",
        "last": "2025-10-23",
        "working_days": 15,
        "provisional": False,
    }


def test_far_future_is_answered_by_the_weekday_rule(db):
    # Sun 1 Jan 2040 + 10 working days: Mon 2 … Fri 13 Jan.
    output = run("add", "2040-01-01", "10")
    assert output.startswith("2040-01-13")
    assert "暂定" in output
    payload = json.loads(run("add", "2040-01-01", "10", "--json"))
    assert payload == {"start": "2040-01-01", "days": 10, "due": "2040-01-13", "provisional": True}


def test_date_at_the_end_of_the_range_is_a_usage_error_not_a_crash(db):
    with pytest.raises(CommandError) as excinfo:
        run("add", "9999-12-30", "5")
    assert excinfo.value.returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2025-13-40", "3"), "日期格式错误"),
        (("add", "2025/09/26", "3"), "日期格式错误"),
        (("add", "yesterday", "3"), "日期格式错误"),
        (("add", "2025-09-26", "three"), "整数"),
        (("add", "2025-09-26", "1.5"), "整数"),
        (("add", "2025-09-26", "-3"), "负数"),
        (("between", "2025-09-26", "2025-02-30"), "日期格式错误"),
        (("between", "not-a-date", "2025-10-23"), "日期格式错误"),
    ],
)
def test_bad_input_is_a_usage_error_in_chinese(db, args, message):
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


def test_real_subprocess_exits_2_with_the_message_on_stderr(tmp_path):
    # Fails while parsing the date, before any database is touched.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "renewal.settings_test",
        "RENEWAL_VAR_DIR": str(tmp_path),
        "PYTHONIOENCODING": "utf-8",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "workdays", "add", "2025-13-40", "3"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2, stderr
    assert "日期格式错误" in stderr
    assert "2025-13-40" in stderr
    assert "Traceback" not in stderr
    assert result.stdout.decode("utf-8").strip() == ""


def test_status_lists_years(db):
    lines = run("status").splitlines()
    by_year = {line.split("\t")[0]: line.split("\t")[1] for line in lines}
    assert by_year["2025"] == CalendarYearStatus.CONFIRMED
    assert by_year["2026"] == CalendarYearStatus.CONFIRMED
    assert by_year["2027"] == CalendarYearStatus.PROVISIONAL


# --- confirm ---------------------------------------------------------------------------------------

# Official-looking schedule for 2027 used by the tests: 1 Jan and Mon 4 Jan off, Sat 9 Jan a working day.
SCHEDULE_2027 = """# 2027年部分节假日安排（测试用）
2027-01-01,holiday,元旦
2027-01-04,holiday,元旦调休
2027-01-09,workday,元旦调休上班
"""


@pytest.fixture
def weekday_2027(db):
    """2027 as a provisional year that follows the Monday–Friday rule only."""
    services.write_year(2027, {}, status=CalendarYearStatus.PROVISIONAL, source="测试：按周一至周五推算")
    return CalendarYear.objects.get(year=2027)


@pytest.fixture
def subject(db):
    return factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district("110108"))


@pytest.fixture
def deadlines(weekday_2027, subject):
    """Open deadlines touching 2027 and one entirely in 2025, opened before 2027 is confirmed."""
    working = services.open_deadline(
        subject,
        kind="test.review",
        title="审查期限",
        rule=DeadlineRule.WORKING_DAYS,
        amount=15,
        start=D("2026-12-20"),
    )
    yearly = services.open_deadline(
        subject,
        kind="test.land",
        title="土地手续",
        rule=DeadlineRule.CALENDAR_YEARS,
        amount=2,
        start=D("2025-01-04"),
    )
    unchanged_2027 = services.open_deadline(
        subject,
        kind="test.short",
        title="短期限",
        rule=DeadlineRule.WORKING_DAYS,
        amount=3,
        start=D("2027-02-01"),
    )
    in_2025 = services.open_deadline(
        subject,
        kind="test.old",
        title="2025年期限",
        rule=DeadlineRule.WORKING_DAYS,
        amount=15,
        start=D("2025-09-26"),
    )
    return {"working": working, "yearly": yearly, "unchanged_2027": unchanged_2027, "in_2025": in_2025}


def test_deadlines_before_confirmation_are_provisional(deadlines):
    # Weekday rule in 2027: Dec 21–25, 28–31 (9), Fri 1 Jan (10), Mon 4 – Fri 8 Jan (15).
    assert (deadlines["working"].due_date, deadlines["working"].provisional) == (D("2027-01-08"), True)
    # 2025-01-04 + 2 years = Mon 4 Jan 2027, a working day under the weekday rule.
    assert (deadlines["yearly"].due_date, deadlines["yearly"].provisional) == (D("2027-01-04"), True)
    # Mon 1 Feb 2027 + 3: Tue 2, Wed 3, Thu 4 Feb.
    assert (deadlines["unchanged_2027"].due_date, deadlines["unchanged_2027"].provisional) == (
        D("2027-02-04"),
        True,
    )
    assert (deadlines["in_2025"].due_date, deadlines["in_2025"].provisional) == (D("2025-10-23"), False)


def assert_confirmed_and_recomputed(deadlines, *, actor=None, ip=None):
    working = Deadline.objects.get(pk=deadlines["working"].pk)
    yearly = Deadline.objects.get(pk=deadlines["yearly"].pk)
    unchanged = Deadline.objects.get(pk=deadlines["unchanged_2027"].pk)
    in_2025 = Deadline.objects.get(pk=deadlines["in_2025"].pk)

    # Confirmed 2027: 1 and 4 Jan off, Sat 9 Jan works. Dec 21–25, 28–31 (9), Tue 5 – Fri 8 Jan (13),
    # Sat 9 Jan (14), Mon 11 Jan (15).
    assert (working.due_date, working.provisional) == (D("2027-01-11"), False)
    # Mon 4 Jan 2027 is now a holiday: the period ends on the next working day, Tue 5 Jan.
    assert (yearly.due_date, yearly.provisional) == (D("2027-01-05"), False)
    assert (unchanged.due_date, unchanged.provisional) == (D("2027-02-04"), False)
    assert (in_2025.due_date, in_2025.provisional) == (D("2025-10-23"), False)

    year = CalendarYear.objects.get(year=2027)
    assert year.status == CalendarYearStatus.CONFIRMED
    assert year.confirmed_at is not None
    assert year.confirmed_by == actor

    day = WorkCalendarDay.objects.get(date=D("2027-01-04"))
    assert (day.is_workday, day.kind, day.name) == (False, CalendarDayKind.HOLIDAY, "元旦调休")
    day = WorkCalendarDay.objects.get(date=D("2027-01-09"))
    assert (day.is_workday, day.kind) == (True, CalendarDayKind.MAKEUP_WORKDAY)
    assert WorkCalendarDay.objects.filter(date__year=2027).count() == 365

    confirm_events = AuditEvent.objects.filter(action="calendar.confirm")
    assert confirm_events.count() == 1
    confirm = confirm_events.get()
    assert (confirm.from_state, confirm.to_state) == (
        CalendarYearStatus.PROVISIONAL,
        CalendarYearStatus.CONFIRMED,
    )
    assert confirm.actor == actor
    assert confirm.ip == ip

    recompute = list(AuditEvent.objects.filter(action="deadline.recompute"))
    by_deadline = {event.data["deadline"]: event for event in recompute}
    assert len(recompute) == 2
    assert set(by_deadline) == {working.pk, yearly.pk}
    assert (by_deadline[working.pk].from_state, by_deadline[working.pk].to_state) == (
        "2027-01-08",
        "2027-01-11",
    )
    assert (by_deadline[yearly.pk].from_state, by_deadline[yearly.pk].to_state) == (
        "2027-01-04",
        "2027-01-05",
    )
    for event in recompute:
        assert event.actor == actor
        assert event.ip == ip
        assert event.district == working.district
        assert event.reason
    assert unchanged.pk not in by_deadline
    assert in_2025.pk not in by_deadline


def test_confirm_command_recomputes_open_deadlines(deadlines, tmp_path):
    schedule = tmp_path / "schedule-2027.txt"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    output = run("confirm", "2027", str(schedule))
    assert "2027年工作日历已确认" in output
    assert "重算期限 2 项" in output
    assert "2027-01-08 → 2027-01-11" in output
    assert_confirmed_and_recomputed(deadlines)
    assert CalendarYear.objects.get(year=2027).source == "schedule-2027.txt"


def test_confirm_leaves_closed_deadlines_alone(weekday_2027, subject, tmp_path):
    closed = services.open_deadline(
        subject,
        kind="test.closed",
        title="已办结",
        rule=DeadlineRule.WORKING_DAYS,
        amount=15,
        start=D("2026-12-20"),
    )
    services.close_deadlines(subject, kinds=["test.closed"], reason="已办结")
    schedule = tmp_path / "2027.txt"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    run("confirm", "2027", str(schedule))
    closed.refresh_from_db()
    assert closed.state == DeadlineState.MET
    assert closed.due_date == D("2027-01-08")
    assert not AuditEvent.objects.filter(action="deadline.recompute").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# 2027\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n", "第3行日期格式错误"),
        ("2027-01-04,maybe\n", "第1行类型应为"),
        ("2027-01-04\n", "第1行格式"),
        ("2026-12-31,holiday,元旦\n", "不在 2027 年"),
    ],
)
def test_malformed_schedule_changes_nothing(deadlines, tmp_path, content, message):
    before_days = list(
        WorkCalendarDay.objects.filter(date__year=2027).values_list("date", "is_workday", "kind")
    )
    schedule = tmp_path / "bad.txt"
    schedule.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        run("confirm", "2027", str(schedule))
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)

    year = CalendarYear.objects.get(year=2027)
    assert year.status == CalendarYearStatus.PROVISIONAL
    assert year.source == "测试：按周一至周五推算"
    after_days = list(
        WorkCalendarDay.objects.filter(date__year=2027).values_list("date", "is_workday", "kind")
    )
    assert after_days == before_days
    working = Deadline.objects.get(pk=deadlines["working"].pk)
    assert (working.due_date, working.provisional) == (D("2027-01-08"), True)
    assert not AuditEvent.objects.filter(action__in=["calendar.confirm", "deadline.recompute"]).exists()


def test_confirm_with_a_missing_file_is_a_usage_error(weekday_2027, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run("confirm", "2027", str(tmp_path / "missing.txt"))
    assert excinfo.value.returncode == 2
    assert "找不到文件" in str(excinfo.value)
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PROVISIONAL


# --- the admin upload path -------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return factories.UserFactory(
        role=Role.ADMINISTRATOR,
        organization=factories.organization_for(Role.ADMINISTRATOR, None),
        is_superuser=True,
        is_staff=True,
    )


def test_admin_upload_confirms_and_recomputes(deadlines, superuser, client):
    client.force_login(superuser)
    upload = SimpleUploadedFile("国办2027.txt", SCHEDULE_2027.encode("utf-8"), content_type="text/plain")
    response = client.post(
        reverse("admin:renewal_calendaryear_confirm"),
        {"year": "2027", "file": upload},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:renewal_calendaryear_changelist")
    assert_confirmed_and_recomputed(deadlines, actor=superuser, ip="10.1.2.3")
    assert CalendarYear.objects.get(year=2027).source == "国办2027.txt"


def test_admin_upload_with_a_bom_is_accepted(deadlines, superuser, client):
    client.force_login(superuser)
    upload = SimpleUploadedFile("2027.csv", SCHEDULE_2027.encode("utf-8-sig"), content_type="text/csv")
    response = client.post(reverse("admin:renewal_calendaryear_confirm"), {"year": "2027", "file": upload})
    assert response.status_code == 302
    assert Deadline.objects.get(pk=deadlines["working"].pk).due_date == D("2027-01-11")


def test_admin_upload_of_a_malformed_file_shows_the_error_and_changes_nothing(deadlines, superuser, client):
    client.force_login(superuser)
    upload = SimpleUploadedFile("bad.txt", "2027-02-30,holiday,春节\n".encode(), content_type="text/plain")
    response = client.post(reverse("admin:renewal_calendaryear_confirm"), {"year": "2027", "file": upload})
    assert response.status_code == 200
    assert "第1行日期格式错误" in response.content.decode()
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PROVISIONAL
    assert Deadline.objects.get(pk=deadlines["working"].pk).due_date == D("2027-01-08")
    assert not AuditEvent.objects.filter(action__in=["calendar.confirm", "deadline.recompute"]).exists()


def test_admin_upload_form_is_refused_to_non_admin_staff(deadlines, make_user, client):
    client.force_login(make_user(Role.STAFF, district_code="110108"))
    upload = SimpleUploadedFile("2027.txt", SCHEDULE_2027.encode("utf-8"), content_type="text/plain")
    response = client.post(reverse("admin:renewal_calendaryear_confirm"), {"year": "2027", "file": upload})
    assert response.status_code == 302  # to the admin login page
    assert "login" in response["Location"]
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PROVISIONAL


# --- one day edited by the administrator -----------------------------------------------------------


def test_set_calendar_day_recomputes_affected_deadlines_with_audit(superuser, subject):
    # 2025-09-26 + 15 → Thu 23 Oct 2025 (see test_calendar.py).
    affected = services.open_deadline(
        subject,
        kind="test.a",
        title="受影响",
        rule=DeadlineRule.WORKING_DAYS,
        amount=15,
        start=D("2025-09-26"),
    )
    # 2025-09-26 + 11 → Fri 17 Oct 2025: due before the edited day.
    earlier = services.open_deadline(
        subject,
        kind="test.b",
        title="更早到期",
        rule=DeadlineRule.WORKING_DAYS,
        amount=11,
        start=D("2025-09-26"),
    )
    # Tue 21 Oct + 2 → Thu 23 Oct: starts after the edited day.
    later = services.open_deadline(
        subject,
        kind="test.c",
        title="之后起算",
        rule=DeadlineRule.WORKING_DAYS,
        amount=2,
        start=D("2025-10-21"),
    )
    assert (affected.due_date, earlier.due_date, later.due_date) == (
        D("2025-10-23"),
        D("2025-10-17"),
        D("2025-10-23"),
    )

    day = WorkCalendarDay.objects.get(date=D("2025-10-20"))
    assert day.is_workday is True
    day.is_workday, day.kind, day.name = False, CalendarDayKind.HOLIDAY, "临时休息"
    request = RequestFactory().post("/admin/", REMOTE_ADDR="192.0.2.7")
    changed = services.set_calendar_day(day, actor=superuser, request=request)

    assert [(deadline.pk, old) for deadline, old in changed] == [(affected.pk, D("2025-10-23"))]
    assert WorkCalendarDay.objects.get(date=D("2025-10-20")).is_workday is False
    affected.refresh_from_db()
    earlier.refresh_from_db()
    later.refresh_from_db()
    # Mon 20 Oct no longer counts: the 15th working day is Fri 24 Oct.
    assert (affected.due_date, affected.provisional) == (D("2025-10-24"), False)
    assert earlier.due_date == D("2025-10-17")
    assert later.due_date == D("2025-10-23")

    day_event = AuditEvent.objects.get(action="calendar.day")
    assert (day_event.from_state, day_event.to_state) == ("工作日", "休息日")
    assert day_event.actor == superuser
    assert day_event.ip == "192.0.2.7"
    assert day_event.data["date"] == "2025-10-20"
    recompute = AuditEvent.objects.get(action="deadline.recompute")
    assert (recompute.from_state, recompute.to_state) == ("2025-10-23", "2025-10-24")
    assert recompute.data["deadline"] == affected.pk
    assert recompute.actor == superuser


def test_admin_change_of_a_day_goes_through_set_calendar_day(superuser, subject, client):
    affected = services.open_deadline(
        subject,
        kind="test.a",
        title="受影响",
        rule=DeadlineRule.WORKING_DAYS,
        amount=15,
        start=D("2025-09-26"),
    )
    client.force_login(superuser)
    url = reverse("admin:renewal_workcalendarday_change", args=["2025-10-20"])
    response = client.post(
        url,
        {
            "date": "2025-10-20",
            "is_workday": "",
            "kind": CalendarDayKind.HOLIDAY,
            "name": "临时休息",
            "source": "管理员",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    affected.refresh_from_db()
    assert affected.due_date == D("2025-10-24")
    assert AuditEvent.objects.filter(action="calendar.day", actor=superuser).count() == 1
    assert AuditEvent.objects.filter(action="deadline.recompute", to_state="2025-10-24").count() == 1
