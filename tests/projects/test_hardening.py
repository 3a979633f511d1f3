"""Project-library rules found in review: scoped rows on the project page, the coordinating entity."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects import services
from projects.choices import Opinion
from projects.models import Category, IntakeOpinion, SubType
from renewal.choices import DepartmentCode, OrganizationKind, Role
from renewal.workflow import TransitionRefused
from tests.factories import OrganizationFactory, district
from tests.projects.factories import attach_required_materials

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def draft(entity, **extra):
    residential = Category.objects.get(code="residential")
    data = {
        "name": "花园路小区综合整治",
        "category": residential,
        "sub_type": SubType.objects.get(category=residential, name="老旧小区综合整治"),
        "location": "海淀区",
        "renewal_goal": "整治",
        "total_investment": Decimal("100"),
        **extra,
    }
    project = services.create_draft(actor=entity, data=data)
    attach_required_materials(project, entity)
    return project


def test_a_department_reads_only_its_own_intake_opinion_on_the_project_page(client, make_user):
    entity, staff = make_user(Role.ENTITY), make_user(Role.STAFF)
    place = district("110108")
    first = OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, department_code=DepartmentCode.FINANCE, district=place
    )
    second = OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, department_code=DepartmentCode.PLANNING, district=place
    )
    one, two = make_user(Role.REVIEWER, organization=first), make_user(Role.REVIEWER, organization=second)
    project = draft(entity)
    services.submit(project, actor=entity)
    services.route(project, actor=staff, departments=[first, second])
    services.record_opinion(
        IntakeOpinion.objects.get(department=second),
        actor=two,
        decision=Opinion.DISAGREE,
        text="第二部门的保密理由",
    )
    client.force_login(one)
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert "第二部门的保密理由" not in page
    client.force_login(staff)
    assert (
        "第二部门的保密理由"
        in client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    )


def test_coordinating_entity_must_be_an_entity_of_the_district_and_is_fixed_after_receipt(make_user):
    entity = make_user(Role.ENTITY)
    elsewhere = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110102"))
    with pytest.raises(TransitionRefused, match="本区"):
        draft(entity, coordinating_entity=elsewhere)
    partner = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110108"))
    project = draft(entity, coordinating_entity=partner)
    # The named 统筹主体 confirms before the application can be submitted (issue 9).
    project = services.confirm_coordination(project, actor=make_user(Role.ENTITY, organization=partner))
    services.submit(project, actor=entity)
    staff = make_user(Role.STAFF)
    services.request_supplement(project, actor=staff, items="补充材料")
    other = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110108"))
    with pytest.raises(TransitionRefused, match="不能更换统筹主体"):
        services.update_draft(project, actor=entity, data={"coordinating_entity": other})


def test_a_malformed_replacement_id_is_ignored_not_a_server_error(client, make_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    client.force_login(entity)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    response = client.post(
        reverse("projects:attachment_upload", args=[project.pk]),
        {"kind": "申报材料", "file": upload, "replaces": "abc"},
    )
    assert response.status_code == 302


def test_moving_to_the_implementation_library_needs_a_confirmed_entity(make_user):
    from projects.choices import Library, Stage
    from projects.models import Category, Project, SubType

    staff = make_user(Role.STAFF)
    imported = Project.objects.create(
        district=district("110108"),
        code="HD-X-1",
        name="导入项目",
        library=Library.RESERVE,
        stage=Stage.RESERVE,
        # Catalogued under a housing-led sub-type, so the housing commission's staff are its lead department.
        category=Category.objects.get(code="residential"),
        sub_type=SubType.objects.get(category__code="residential", name="老旧小区综合整治"),
    )
    with pytest.raises(TransitionRefused, match="统筹主体或实施主体确认"):
        services.move_to_implementation(imported, actor=staff, reason="具备条件")
