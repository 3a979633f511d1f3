"""Kernel rules found in review: scoping fails closed, the calendar keeps its keys and confirmed years,
tokens are audited."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from renewal.choices import CalendarYearStatus, OrganizationKind, Role
from renewal.models import AuditEvent, CalendarYear, Deadline, WorkCalendarDay
from tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_organisation_without_a_district_is_not_city_level(make_user):
    """A mis-saved 区审计局 with no district must see nothing, not every district."""
    orphan = OrganizationFactory(kind=OrganizationKind.AUDIT, district=None, name="无区审计局")
    auditor = UserFactory(role=Role.AUDITOR, organization=orphan)
    make_user(Role.STAFF)  # creates organisations (and so data) in 海淀
    assert not auditor.is_city_level
    assert Deadline.objects.visible_to(auditor).count() == 0
    city = make_user(Role.LEADERSHIP, district_code=None)
    assert city.is_city_level


def test_organisations_other_than_city_need_a_district():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="除市级机构外"):
        OrganizationFactory.build(kind=OrganizationKind.ENTITY, district=None).clean()


def test_calendar_days_cannot_be_moved_or_added_in_admin(client, make_user):
    admin_user = make_user(Role.ADMINISTRATOR, district_code=None, is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    day = WorkCalendarDay.objects.get(date="2026-03-02")
    page = client.get(reverse("admin:renewal_workcalendarday_change", args=[day.pk])).content.decode()
    assert 'name="date"' not in page  # the key is read-only
    assert client.get(reverse("admin:renewal_workcalendarday_add")).status_code == 403
    assert client.get(reverse("admin:renewal_calendaryear_add")).status_code == 403


def test_seeding_with_force_never_rewrites_a_confirmed_year():
    day = WorkCalendarDay.objects.get(date="2026-03-02")
    day.is_workday, day.name = False, "管理员调整"
    day.save()
    call_command("seed_calendar", "--first", "2026", "--last", "2027", "--force", stdout=io.StringIO())
    day.refresh_from_db()
    assert day.name == "管理员调整" and not day.is_workday
    assert CalendarYear.objects.get(year=2026).status == CalendarYearStatus.CONFIRMED


def test_token_issue_is_audited(client, make_user):
    staff = make_user(Role.STAFF)
    response = client.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="api.token", actor=staff).count() == 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_nightly_sweep_reads_the_calendar_once_whatever_the_number_of_deadlines(count, make_user):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from renewal import services
    from renewal.choices import DeadlineRule

    subject = make_user(Role.STAFF).organization
    for i in range(count):
        services.open_deadline(
            subject,
            kind="test",
            title="测试期限",
            rule=DeadlineRule.WORKING_DAYS,
            amount=10,
            start=datetime.date(2026, 1, 5) + datetime.timedelta(days=i * 7),
        )
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep_open_deadlines() == 0
    assert len(queries) <= 6, [q["sql"][:80] for q in queries]
