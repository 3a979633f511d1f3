"""The calculator answers the permits kinds like the portal opens them; the daily task; the reaction."""

import datetime
import io

import pytest
from django.core.management import call_command

from permits import services
from permits.models import ProjectWorks
from permits.tasks import daily_works
from projects.choices import Stage
from projects.services import move_stage
from tests.permits.helpers import Site

pytestmark = pytest.mark.django_db


def due(*args) -> str:
    out = io.StringIO()
    call_command("workdays", "due", *args, stdout=out)
    return out.getvalue().strip()


def test_workdays_due_answers_the_permits_kinds():
    assert due("monthly_investment_report", "2026-03") == "2026-04-08"
    assert due("monthly_investment_report", "2026-09") == "2026-10-13"
    assert (
        due("monthly_investment_report", "2026-03")
        == services.report_due(datetime.date(2026, 3, 1))[0].isoformat()
    )
    assert due("joint_acceptance_application", "2026-09-28") == "2026-10-10"
    assert due("library_exit", "2024-02-29") == "2025-02-28"
    assert due("library_exit", "2025-09-30") == "2026-09-30"  # no holiday shift
    assert due("library_exit", "2025-10-01") == "2026-10-01"  # 国庆: still the anniversary
    assert "暂定" in due("monthly_investment_report", "2027-12")


def test_workdays_due_refuses_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        due("monthly_investment_report", "2026-13")


def test_daily_task_exits_and_opens_months(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 2))
    site = Site()
    project = site.started()
    services.record_builder_acceptance(project, actor=site.entity, accepted_on=datetime.date(2026, 3, 2))
    services.accept_separately(project, actor=site.staff, separate="各部门验收合格")
    other = Site().started()
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2027, 3, 3))
    result = daily_works()
    assert result["exited"] == 1 and result["months_opened"] == 12  # April 2026 … March 2027 of `other`
    assert daily_works() == {"exited": 0, "months_opened": 0}
    assert other.investment_months.count() == 13


def test_reaching_permits_creates_the_works_record(django_capture_on_commit_callbacks):
    site = Site(stage=Stage.PUBLICITY)
    with django_capture_on_commit_callbacks(execute=True):
        move_stage(site.project, stage=Stage.PERMITS, actor=site.staff)
    assert ProjectWorks.objects.get(project=site.project).state == "permits"
