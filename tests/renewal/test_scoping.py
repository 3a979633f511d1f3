"""Scoping by district and organisation (DOMAIN.md §1): outside scope is absent, and 404 over HTTP."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from renewal import services
from renewal.choices import DeadlineRule, OrganizationKind, Role
from renewal.models import AuditEvent, Deadline, Organization
from renewal.permissions import get_visible_or_404
from tests import factories

HAIDIAN, XICHENG = "110108", "110102"


def subject_in(code: str, owner=None):
    """An organisation used as the subject of deadlines; `owner` becomes the subject's owning org."""
    subject = factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district(code))
    if owner is not None:
        subject.scope_owners = lambda: (owner, None)
    return subject


def deadline_for(subject, *, title="审查期限", responsible=None):
    return services.open_deadline(
        subject,
        kind="test.review",
        title=title,
        rule=DeadlineRule.WORKING_DAYS,
        amount=10,
        start=datetime.date(2025, 9, 26),
        responsible_organization=responsible,
    )


@pytest.fixture
def world(db):
    haidian_subject = subject_in(HAIDIAN)
    xicheng_subject = subject_in(XICHENG)
    return {
        "haidian_subject": haidian_subject,
        "xicheng_subject": xicheng_subject,
        "haidian": deadline_for(haidian_subject, title="海淀期限"),
        "xicheng": deadline_for(xicheng_subject, title="西城期限"),
    }


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


# --- Deadline.objects.visible_to -------------------------------------------------------------------


def test_district_staff_sees_own_district_only(world, make_user):
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    visible = pks(Deadline.objects.visible_to(staff))
    assert world["haidian"].pk in visible
    assert world["xicheng"].pk not in visible
    xicheng_staff = make_user(Role.STAFF, district_code=XICHENG)
    assert pks(Deadline.objects.visible_to(xicheng_staff)) == {world["xicheng"].pk}


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.AUDITOR])
def test_district_leader_and_auditor_see_own_district_only(world, make_user, role):
    user = make_user(role, district_code=HAIDIAN)
    assert pks(Deadline.objects.visible_to(user)) == {world["haidian"].pk}


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.AUDITOR])
def test_city_level_users_see_every_district(world, make_user, role):
    user = make_user(role, district_code=None)
    assert user.is_city_level
    assert pks(Deadline.objects.visible_to(user)) >= {world["haidian"].pk, world["xicheng"].pk}


def test_administrator_sees_all(world, make_user):
    admin = make_user(Role.ADMINISTRATOR, district_code=None)
    assert pks(Deadline.objects.visible_to(admin)) == pks(Deadline.objects.all())
    superuser = factories.UserFactory(role="", organization=None, is_superuser=True, is_staff=True)
    assert pks(Deadline.objects.visible_to(superuser)) == pks(Deadline.objects.all())


def test_anonymous_and_missing_users_see_nothing(world):
    assert not Deadline.objects.visible_to(AnonymousUser()).exists()
    assert not Deadline.objects.visible_to(None).exists()


def test_inactive_user_sees_nothing(world, make_user):
    staff = make_user(Role.STAFF, district_code=HAIDIAN, is_active=False)
    assert not Deadline.objects.visible_to(staff).exists()


def test_user_without_organisation_or_role_sees_nothing(world):
    no_org = factories.UserFactory(role=Role.STAFF, organization=None)
    assert not Deadline.objects.visible_to(no_org).exists()
    no_role = factories.UserFactory(role="", organization=factories.organization_for(Role.STAFF, None))
    assert not Deadline.objects.visible_to(no_role).exists()


def test_entity_sees_only_deadlines_of_its_own_organisation(world, make_user):
    entity = make_user(Role.ENTITY, district_code=HAIDIAN)
    own_org = entity.organization
    owned_subject = deadline_for(subject_in(HAIDIAN, owner=own_org), title="本单位项目")
    responsible = deadline_for(subject_in(HAIDIAN), title="本单位负责", responsible=own_org)
    other_entity = factories.organization_for(Role.ENTITY, factories.district(HAIDIAN))
    other = deadline_for(
        subject_in(HAIDIAN, owner=other_entity), title="他单位项目", responsible=other_entity
    )

    assert owned_subject.subject_organization == own_org
    assert pks(Deadline.objects.visible_to(entity)) == {owned_subject.pk, responsible.pk}
    assert other.pk not in pks(Deadline.objects.visible_to(entity))
    assert world["haidian"].pk not in pks(Deadline.objects.visible_to(entity))


def test_reviewer_sees_only_deadlines_its_department_is_responsible_for(world, make_user):
    reviewer = make_user(Role.REVIEWER, district_code=HAIDIAN)
    department = reviewer.organization
    mine = deadline_for(subject_in(HAIDIAN), title="本部门审查", responsible=department)
    other_department = factories.organization_for(Role.REVIEWER, factories.district(HAIDIAN))
    theirs = deadline_for(subject_in(HAIDIAN), title="他部门审查", responsible=other_department)
    # The department owning the subject is not enough: reviewers see what they are responsible for.
    owned_only = deadline_for(subject_in(HAIDIAN, owner=department), title="仅为对象所属")

    assert pks(Deadline.objects.visible_to(reviewer)) == {mine.pk}
    assert theirs.pk not in pks(Deadline.objects.visible_to(reviewer))
    assert owned_only.pk not in pks(Deadline.objects.visible_to(reviewer))


# --- AuditEvent.objects.visible_to -----------------------------------------------------------------


def test_audit_events_are_scoped_by_district(world, make_user):
    # open_deadline wrote one "deadline.open" event per subject, in the subject's district.
    haidian_events = AuditEvent.objects.filter(district__code=HAIDIAN)
    xicheng_events = AuditEvent.objects.filter(district__code=XICHENG)
    assert haidian_events.exists()
    assert xicheng_events.exists()
    services.record_event(actor=None, action="calendar.test")  # no district: city level only

    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    assert pks(AuditEvent.objects.visible_to(staff)) == pks(haidian_events)

    leader = make_user(Role.LEADERSHIP, district_code=None)
    assert pks(AuditEvent.objects.visible_to(leader)) == pks(AuditEvent.objects.all())

    admin = make_user(Role.ADMINISTRATOR, district_code=None)
    assert pks(AuditEvent.objects.visible_to(admin)) == pks(AuditEvent.objects.all())

    assert not AuditEvent.objects.visible_to(AnonymousUser()).exists()


def test_entity_sees_audit_events_of_its_own_organisation_only(world, make_user):
    entity = make_user(Role.ENTITY, district_code=HAIDIAN)
    own = services.record_event(
        actor=None, action="test.own", obj=subject_in(HAIDIAN, owner=entity.organization)
    )
    assert own.organization == entity.organization
    assert pks(AuditEvent.objects.visible_to(entity)) == {own.pk}


# --- Organization.objects.visible_to ---------------------------------------------------------------


def test_organisations_are_scoped(world, make_user):
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    visible = pks(Organization.objects.visible_to(staff))
    assert world["haidian_subject"].pk in visible
    assert world["xicheng_subject"].pk not in visible
    assert visible == pks(Organization.objects.filter(district__code=HAIDIAN))

    leader = make_user(Role.LEADERSHIP, district_code=None)
    assert {world["haidian_subject"].pk, world["xicheng_subject"].pk} <= pks(
        Organization.objects.visible_to(leader)
    )
    admin = make_user(Role.ADMINISTRATOR, district_code=None)
    assert pks(Organization.objects.visible_to(admin)) == pks(Organization.objects.all())

    entity = make_user(Role.ENTITY, district_code=HAIDIAN)
    assert pks(Organization.objects.visible_to(entity)) == {entity.organization_id}
    assert not Organization.objects.visible_to(AnonymousUser()).exists()


# --- get_visible_or_404 ----------------------------------------------------------------------------


def test_get_visible_or_404(world, make_user):
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    assert get_visible_or_404(Deadline.objects, staff, pk=world["haidian"].pk) == world["haidian"]
    with pytest.raises(Http404):
        get_visible_or_404(Deadline.objects, staff, pk=world["xicheng"].pk)
    with pytest.raises(Http404):
        get_visible_or_404(Deadline.objects, staff, pk=10**9)
    with pytest.raises(Http404):
        get_visible_or_404(Deadline.objects, staff, pk="not-a-number")
    with pytest.raises(Http404):
        get_visible_or_404(Deadline.objects, AnonymousUser(), pk=world["haidian"].pk)


# --- over HTTP -------------------------------------------------------------------------------------


def test_api_detail_of_another_district_is_404_not_403(world, make_user, client):
    client.force_login(make_user(Role.STAFF, district_code=HAIDIAN))
    own = client.get(f"/api/v1/deadlines/{world['haidian'].pk}/")
    assert own.status_code == 200
    assert own.json()["id"] == world["haidian"].pk
    assert own.json()["title"] == "海淀期限"

    other = client.get(f"/api/v1/deadlines/{world['xicheng'].pk}/")
    assert other.status_code == 404
    assert "西城期限" not in other.content.decode()

    missing = client.get("/api/v1/deadlines/999999999/")
    assert missing.status_code == 404
    assert other.content == missing.content  # indistinguishable from a deadline that does not exist


def test_api_list_omits_other_districts_and_counts_only_own_rows(world, make_user, client):
    for n in range(3):
        deadline_for(world["xicheng_subject"], title=f"西城其他{n}")
    client.force_login(make_user(Role.STAFF, district_code=HAIDIAN))
    response = client.get("/api/v1/deadlines/")
    assert response.status_code == 200
    payload = response.json()
    ids = {row["id"] for row in payload["results"]}
    assert ids == {world["haidian"].pk}
    assert payload["count"] == 1
    body = response.content.decode()
    assert "西城" not in body


def test_api_audit_events_detail_outside_scope_is_404(world, make_user, client):
    xicheng_event = AuditEvent.objects.filter(district__code=XICHENG).first()
    haidian_event = AuditEvent.objects.filter(district__code=HAIDIAN).first()
    client.force_login(make_user(Role.STAFF, district_code=HAIDIAN))
    assert client.get(f"/api/v1/audit-events/{haidian_event.pk}/").status_code == 200
    assert client.get(f"/api/v1/audit-events/{xicheng_event.pk}/").status_code == 404
    listed = client.get("/api/v1/audit-events/").json()
    assert xicheng_event.pk not in {row["id"] for row in listed["results"]}


def test_api_requires_sign_in(world, client):
    response = client.get(f"/api/v1/deadlines/{world['haidian'].pk}/")
    assert response.status_code in (401, 403)
    assert "海淀期限" not in response.content.decode()


def test_deadline_list_page_omits_other_districts(world, make_user, client):
    client.force_login(make_user(Role.STAFF, district_code=HAIDIAN))
    body = client.get("/deadlines/").content.decode()
    assert "海淀期限" in body
    assert "西城期限" not in body
