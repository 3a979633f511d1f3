"""Issue 10 follow-ups: staff catalogue an imported project (category and sub-type, with a reason, audited) so
its lead department can act, and correct the districts a 跨区 project lists (audited)."""

import pytest
from django.urls import reverse

from projects import catalogue, services
from projects.choices import Library, Source, Stage
from projects.models import Project
from renewal.choices import OrganizationKind, Role
from renewal.models import AuditEvent
from renewal.workflow import TransitionRefused
from tests import factories as kernel
from tests.projects import factories
from tests.projects.factories import HAIDIAN, XICHENG


@pytest.fixture
def imported(db):
    """A project imported into the reserve library: no category, no sub-type, listed in 海淀 and 西城."""
    haidian, xicheng = kernel.district(HAIDIAN), kernel.district(XICHENG)
    project = Project.objects.create(
        district=haidian,
        code="HD-IMP-1",
        name="跨区导入项目",
        source=Source.IMPORT,
        library=Library.RESERVE,
        stage=Stage.RESERVE,
    )
    project.districts.set([haidian, xicheng])
    return project


@pytest.fixture
def haidian_staff(make_user):
    return make_user(Role.STAFF, district_code=HAIDIAN)


def url(project):
    return reverse("projects:catalogue", args=[project.pk])


def test_staff_catalogue_an_imported_project_so_its_lead_department_can_act(client, imported, haidian_staff):
    sub_type = factories.sub_type("residential", 0)
    assert sub_type.lead_department
    lead_org = kernel.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, department_code=sub_type.lead_department, district=imported.district
    )
    lead = kernel.user(Role.REVIEWER, organization=lead_org)
    assert not services.is_lead_department(lead, imported)

    client.force_login(haidian_staff)
    detail = client.get(reverse("projects:project_detail", args=[imported.pk])).content.decode()
    assert 'data-testid="catalogue-link"' in detail and "导入项目尚未编目" in detail
    response = client.post(
        url(imported),
        {
            "step": "set_category",
            "category": sub_type.category_id,
            "sub_type": sub_type.pk,
            "reason": "按清单备注编目",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:project_detail", args=[imported.pk]
    )

    imported.refresh_from_db()
    assert (imported.category_id, imported.sub_type_id, imported.stage) == (
        sub_type.category_id,
        sub_type.pk,
        Stage.RESERVE,
    )
    assert services.is_lead_department(lead, Project.objects.get(pk=imported.pk))
    event = AuditEvent.objects.get(action="catalogue.set_category")
    assert event.actor == haidian_staff and event.reason == "按清单备注编目"
    assert event.data["before"] == {"category": "", "sub_type": ""}
    assert event.data["after"] == {"category": sub_type.category.name, "sub_type": sub_type.name}


def test_catalogue_refusals_are_shown_next_to_the_form(client, imported, haidian_staff):
    client.force_login(haidian_staff)
    wrong = factories.sub_type("industrial", 0)
    response = client.post(
        url(imported),
        {
            "step": "set_category",
            "category": factories.category("residential").pk,
            "sub_type": wrong.pk,
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert f"子类“{wrong.name}”不属于类别“居住类”" in response.content.decode()
    response = client.post(
        url(imported), {"step": "set_category", "category": "", "sub_type": "", "reason": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "请选择类别。" in html and "请填写原因。" in html
    assert not AuditEvent.objects.filter(action__startswith="catalogue.").exists()


def test_only_imported_projects_are_catalogued_here_and_only_by_their_district_staff(imported, make_user):
    applied = factories.ProjectFactory(stage=Stage.RESERVE, library=Library.RESERVE)
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    sub_type = factories.sub_type("residential", 0)
    with pytest.raises(TransitionRefused, match="只有信息导入的项目在此编目"):
        catalogue.set_category(
            applied, actor=staff, category=sub_type.category, sub_type=sub_type, reason="r"
        )
    with pytest.raises(TransitionRefused, match="只有本区城市更新主管部门"):
        catalogue.set_category(
            imported,
            actor=make_user(Role.STAFF, district_code=XICHENG),
            category=sub_type.category,
            sub_type=sub_type,
            reason="r",
        )
    with pytest.raises(TransitionRefused, match="须填写原因"):
        catalogue.set_category(
            imported, actor=staff, category=sub_type.category, sub_type=sub_type, reason=" "
        )


def test_staff_edit_the_listed_districts_of_a_cross_district_project(client, imported, haidian_staff):
    haidian, xicheng, dongcheng = (kernel.district(code) for code in (HAIDIAN, XICHENG, "110101"))
    client.force_login(haidian_staff)
    page = client.get(url(imported)).content.decode()
    assert "海淀区（牵头）、西城区" in page

    response = client.post(
        url(imported),
        {"step": "set_districts", "districts": [haidian.pk, dongcheng.pk], "reason": "区政府函更正"},
    )
    assert response.status_code == 302
    assert set(imported.districts.values_list("code", flat=True)) == {HAIDIAN, "110101"}
    event = AuditEvent.objects.get(action="catalogue.set_districts")
    assert event.data == {"before": ["海淀区", "西城区"], "after": ["海淀区", dongcheng.name]}
    assert event.reason == "区政府函更正"
    # Xicheng no longer sees it in its ledger; Dongcheng does.
    assert not Project.objects.visible_to(kernel.user(Role.AUDITOR, district_code=XICHENG)).filter(
        pk=imported.pk
    )
    assert Project.objects.visible_to(kernel.user(Role.AUDITOR, district_code="110101")).filter(
        pk=imported.pk
    )

    # The lead district stays listed.
    response = client.post(url(imported), {"step": "set_districts", "districts": [xicheng.pk], "reason": "x"})
    assert response.status_code == 400 and "涉及区域须包含牵头区“海淀区”" in response.content.decode()
    assert AuditEvent.objects.filter(action="catalogue.set_districts").count() == 1


def test_other_roles_and_districts(client, imported, make_user):
    client.force_login(make_user(Role.REVIEWER, district_code=HAIDIAN))
    assert client.get(url(imported)).status_code == 403
    client.force_login(make_user(Role.STAFF, district_code="110105"))
    assert client.get(url(imported)).status_code == 404
