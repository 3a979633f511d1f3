"""Issue 9: an entity naming another organisation as 统筹主体 on its intake application needs that
organisation's confirmation before submitting (workflow intake_coordination); naming itself needs none."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects import services
from projects.choices import CoordinationState, Stage
from projects.models import Category, Project, SubType
from renewal.choices import OrganizationKind, Role
from renewal.models import AuditEvent
from renewal.workflow import TransitionRefused
from tests.factories import OrganizationFactory, district
from tests.projects.factories import attach_required_materials

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def applicant(make_user):
    return make_user(Role.ENTITY)


@pytest.fixture
def partner():
    return OrganizationFactory(
        kind=OrganizationKind.ENTITY, district=district("110108"), name="海淀城市更新集团"
    )


@pytest.fixture
def coordinator(make_user, partner):
    return make_user(Role.ENTITY, organization=partner)


def draft(entity, **extra):
    residential = Category.objects.get(code="residential")
    data = {
        "name": "花园路小区综合整治",
        "category": residential,
        "sub_type": SubType.objects.get(category=residential, name="老旧小区综合整治"),
        "location": "海淀区花园路街道",
        "renewal_goal": "整治",
        "total_investment": Decimal("100"),
        **extra,
    }
    project = services.create_draft(actor=entity, data=data)
    attach_required_materials(project, entity)
    return project


def test_naming_another_organisation_waits_for_its_confirmation(applicant, partner, coordinator):
    project = draft(applicant, coordinating_entity=partner)
    assert project.coordination_state == CoordinationState.PROPOSED
    with pytest.raises(TransitionRefused, match="统筹主体尚未确认"):
        services.submit(project, actor=applicant)
    refusal = services.INTAKE.refusal(project, "submit", user=applicant)
    assert "统筹主体尚未确认（已提请海淀城市更新集团确认）" in refusal
    project = services.confirm_coordination(project, actor=coordinator)
    assert project.coordination_state == CoordinationState.CONFIRMED
    assert project.coordination_decided_by == coordinator
    project = services.submit(project, actor=applicant)
    assert project.stage == Stage.SUBMITTED
    codes = list(
        AuditEvent.objects.filter(action__startswith="intake_coordination.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert codes == ["intake_coordination.propose", "intake_coordination.confirm"]


def test_naming_oneself_or_nobody_needs_no_confirmation(applicant):
    project = draft(applicant, coordinating_entity=applicant.organization)
    assert project.coordination_state == CoordinationState.NOT_NEEDED
    assert services.submit(project, actor=applicant).stage == Stage.SUBMITTED
    other = draft(applicant)
    assert other.coordination_state == CoordinationState.NOT_NEEDED
    assert services.submit(other, actor=applicant).stage == Stage.SUBMITTED


def test_a_decline_needs_a_reason_and_the_applicant_must_change_or_drop_it(applicant, partner, coordinator):
    project = draft(applicant, coordinating_entity=partner)
    with pytest.raises(TransitionRefused, match="须填写原因"):
        services.decline_coordination(project, actor=coordinator, reason=" ")
    project = services.decline_coordination(project, actor=coordinator, reason="本单位不承担该片区统筹")
    assert project.coordination_state == CoordinationState.DECLINED
    with pytest.raises(TransitionRefused, match=r"统筹主体尚未确认.*本单位不承担该片区统筹"):
        services.submit(project, actor=applicant)
    event = AuditEvent.objects.get(action="intake_coordination.decline")
    assert event.reason == "本单位不承担该片区统筹" and event.actor == coordinator
    # Dropping the 统筹主体 ends the need to confirm; naming it again asks again.
    project = services.update_draft(project, actor=applicant, data={"coordinating_entity": None})
    assert project.coordination_state == CoordinationState.NOT_NEEDED
    project = services.update_draft(project, actor=applicant, data={"coordinating_entity": partner})
    assert project.coordination_state == CoordinationState.PROPOSED
    # Saving the draft without changing the 统筹主体 keeps the answer.
    project = services.confirm_coordination(project, actor=coordinator)
    project = services.update_draft(project, actor=applicant, data={"location": "海淀区花园路街道牡丹园"})
    assert project.coordination_state == CoordinationState.CONFIRMED


def test_changing_the_named_organisation_asks_the_new_one(applicant, partner, coordinator, make_user):
    project = services.confirm_coordination(draft(applicant, coordinating_entity=partner), actor=coordinator)
    newcomer = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110108"))
    project = services.update_draft(project, actor=applicant, data={"coordinating_entity": newcomer})
    assert project.coordination_state == CoordinationState.PROPOSED
    with pytest.raises(TransitionRefused, match="只有被指定为统筹主体的单位"):
        services.confirm_coordination(project, actor=coordinator)  # no longer the named organisation
    services.confirm_coordination(project, actor=make_user(Role.ENTITY, organization=newcomer))


def test_only_a_user_of_the_named_organisation_answers(applicant, partner, make_user):
    project = draft(applicant, coordinating_entity=partner)
    for person in (applicant, make_user(Role.STAFF), make_user(Role.ENTITY)):
        with pytest.raises(TransitionRefused, match="只有被指定为统筹主体的单位"):
            services.confirm_coordination(project, actor=person)
    project.refresh_from_db()
    assert project.coordination_state == CoordinationState.PROPOSED


def test_the_named_organisation_sees_the_request_and_confirms_on_its_page(
    client, applicant, partner, coordinator
):
    project = draft(applicant, coordinating_entity=partner)
    client.force_login(coordinator)
    inbox = client.get(reverse("projects:intake_inbox")).content.decode()
    url = reverse("projects:coordination", args=[project.pk])
    assert 'data-testid="coordination-requests"' in inbox and url in inbox
    page = client.get(url).content.decode()
    assert "花园路小区综合整治" in page and applicant.organization.name in page
    assert 'data-action="confirm-coordination"' in page and 'data-action="decline-coordination"' in page
    response = client.post(url, {"action": "decline", "reason": ""})
    assert response.status_code == 400 and "请填写拒绝理由。" in response.content.decode()
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.coordination_state == CoordinationState.CONFIRMED
    inbox = client.get(reverse("projects:intake_inbox")).content.decode()
    assert 'data-testid="coordination-requests"' not in inbox
    # The applicant reads the answer; it may not answer for the named organisation.
    client.force_login(applicant)
    page = client.get(url).content.decode()
    assert "统筹主体已确认" in page and 'data-action="confirm-coordination"' not in page
    project = Project.objects.get(pk=project.pk)
    services.update_draft(project, actor=applicant, data={"coordinating_entity": None})
    services.update_draft(project, actor=applicant, data={"coordinating_entity": partner})
    assert client.post(url, {"action": "confirm"}).status_code == 403


def test_the_applicants_submit_button_says_what_is_missing(client, applicant, partner):
    project = draft(applicant, coordinating_entity=partner)
    client.force_login(applicant)
    html = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert "统筹主体尚未确认" in html and "待统筹主体确认" in html


def test_other_organisations_and_districts_get_404(client, applicant, partner, make_user):
    project = draft(applicant, coordinating_entity=partner)
    url = reverse("projects:coordination", args=[project.pk])
    for person in (make_user(Role.ENTITY), make_user(Role.ENTITY, district_code="110102")):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "confirm"}).status_code == 404
    client.force_login(make_user(Role.STAFF))
    assert client.get(url).status_code == 403


def test_the_named_organisation_answers_through_the_api(applicant, partner, coordinator):
    from rest_framework.test import APIClient

    project = draft(applicant, coordinating_entity=partner)
    api = APIClient()
    api.force_authenticate(coordinator)
    listed = {row["name"]: row for row in api.get(f"/api/v1/projects/{project.pk}/actions/").json()}
    assert listed["confirm"]["allowed"] and listed["decline"]["reason_required"]
    assert api.post(f"/api/v1/projects/{project.pk}/actions/decline/", {"reason": ""}).status_code == 409
    assert api.post(f"/api/v1/projects/{project.pk}/actions/confirm/").status_code == 200
    project.refresh_from_db()
    assert project.coordination_state == CoordinationState.CONFIRMED
    mine = APIClient()
    mine.force_authenticate(applicant)
    listed = {row["name"] for row in mine.get(f"/api/v1/projects/{project.pk}/actions/").json()}
    assert "confirm" not in listed and "submit" in listed
