"""Issue 10 items 2, 4–8 and the project's 属地: the library after admission.

- 2 跨区: every listed district's users see the project (scoped as usual; only the lead district acts).
- 4 实施条件认定 (Haidian guidance 三(二)): confirmation document and requirements; the lead department.
- 5 城市更新计划 (joint review measures 第二条、第五条): 上报市级, batches, the refusal H3's review uses.
- 6 动态调整 (Haidian guidance 一(四)5): staff remove with reason and document; terminal stage.
- 7 path (joint review measures 第二条(4) "区政府确定"): set by staff with a reason, not by the entity.
- 8 admission notice basis and number formats per district (admin setting).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import library, services
from projects.choices import Library, Path, Stage
from projects.forms import ProjectForm
from projects.models import CityPlanBatch, DistrictLibrarySettings, Project
from renewal import calendar as workdays
from renewal.choices import DeadlineState, DepartmentCode, OrganizationKind, Role
from renewal.models import AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from tests import factories as kernel
from tests.projects import factories
from tests.projects.factories import ProjectFactory, material_pdf

pytestmark = pytest.mark.django_db

REQUIREMENTS = {
    "planning_requirements": "维持现状用地性质，容积率不增加",
    "function_requirements": "社区养老和便民服务",
    "supervision_requirements": "区住建委按实施方案监管",
}


def reserve_project(**kwargs) -> Project:
    defaults = {
        "stage": Stage.RESERVE,
        "library": Library.RESERVE,
        "admitted_on": datetime.date(2025, 4, 1),
        "implementing_entity": kernel.OrganizationFactory(kind=OrganizationKind.ENTITY),
    }
    return ProjectFactory(**{**defaults, **kwargs})


def department_user(make_user, code: str, district_code="110108"):
    organization = kernel.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, district=kernel.district(district_code), department_code=code
    )
    return make_user(Role.REVIEWER, organization=organization)


def confirmation_file():
    return SimpleUploadedFile("实施主体确认文件.pdf", material_pdf("确认文件"))


# --- item 4: 实施条件认定 -------------------------------------------------------------------------------


def test_implementation_needs_the_confirmation_document_and_the_requirements(staff):
    """Haidian guidance 三(二): confirmation document uploaded, planning/function/supervision recorded."""
    project = reserve_project()  # 居住类 · 危旧楼房改建: lead department is the housing commission

    with pytest.raises(TransitionRefused) as refused:
        services.move_to_implementation(project, actor=staff, reason="具备条件", requirements={})
    assert refused.value.message == (
        "不能转入实施项目库：尚缺：统筹或实施主体确认文件（请上传）、规划要求、功能要求、监管要求。"
    )

    moved = services.move_to_implementation(
        project, actor=staff, reason="具备条件", requirements=REQUIREMENTS, confirmation=confirmation_file()
    )
    assert moved.library == Library.IMPLEMENTATION and moved.stage == Stage.IMPLEMENTATION
    assert moved.planning_requirements == REQUIREMENTS["planning_requirements"]
    assert moved.attachments.filter(kind=services.CONFIRMATION_DOCUMENT).exists()


def test_implementation_is_the_lead_departments_and_staff_only_where_housing_leads(staff, make_user):
    """Haidian guidance 三(二): done by the sub-type's lead department; staff only where they lead."""
    commerce_led = reserve_project(sub_type=factories.sub_type("industrial", 4))  # 传统商业设施升级
    assert commerce_led.sub_type.lead_department == DepartmentCode.COMMERCE
    commerce = department_user(make_user, DepartmentCode.COMMERCE)
    planning = department_user(make_user, DepartmentCode.PLANNING)

    rows = {r.action: r for r in services.project_actions(staff, commerce_led)}
    assert not rows["move_to_implementation"].permitted
    with pytest.raises(TransitionRefused, match="只有项目子类的牵头行业主管部门"):
        services.move_to_implementation(
            commerce_led, actor=staff, reason="x", requirements=REQUIREMENTS, confirmation=confirmation_file()
        )
    with pytest.raises(TransitionRefused):
        services.move_to_implementation(
            commerce_led,
            actor=planning,
            reason="x",
            requirements=REQUIREMENTS,
            confirmation=confirmation_file(),
        )
    moved = services.move_to_implementation(
        commerce_led,
        actor=commerce,
        reason="具备条件",
        requirements=REQUIREMENTS,
        confirmation=confirmation_file(),
    )
    assert moved.stage == Stage.IMPLEMENTATION


def test_implementation_form_on_the_project_page_uploads_the_document(client, staff):
    project = reserve_project()
    client.force_login(staff)
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert 'data-testid="implementation-form"' in page and 'enctype="multipart/form-data"' in page

    url = reverse("projects:project_action", args=[project.pk, "move_to_implementation"])
    missing = client.post(url, {"reason": "具备条件"}, follow=True).content.decode()
    assert "规划要求" in missing
    client.post(url, {"reason": "具备条件", "confirmation": confirmation_file(), **REQUIREMENTS})
    project.refresh_from_db()
    assert project.stage == Stage.IMPLEMENTATION


# --- item 5: 城市更新计划 -------------------------------------------------------------------------------


def batch(**kwargs) -> CityPlanBatch:
    defaults = {
        "name": "2025年第一批",
        "document_number": "京更新办〔2025〕12号",
        "approved_on": datetime.date(2025, 5, 20),
        "approving_body": "北京市城市更新专班",
    }
    return CityPlanBatch.objects.create(**{**defaults, **kwargs})


def test_city_plan_missing_says_why_until_a_batch_admits_the_project(staff):
    """Joint review measures 第二条、第五条: joint review only for projects in the city renewal plan."""
    project = reserve_project(stage=Stage.IMPLEMENTATION, library=Library.IMPLEMENTATION)
    assert "尚未上报市级并纳入城市更新计划" in services.city_plan_missing(project)
    assert "第二条、第五条" in services.city_plan_missing(project)

    with pytest.raises(TransitionRefused, match="尚未上报市级"):
        library.admit_to_city_plan(project, actor=staff, batch=batch())
    project = library.report_to_city(project, actor=staff, reported_on=datetime.date(2025, 3, 10))
    assert "已于2025年03月10日上报市级，尚未纳入城市更新计划" in services.city_plan_missing(project)
    project = library.admit_to_city_plan(project, actor=staff, batch=CityPlanBatch.objects.get())
    assert services.city_plan_missing(project) is None
    assert AuditEvent.objects.filter(action="library.admit_to_city_plan", object_id=str(project.pk)).exists()
    with pytest.raises(TransitionRefused, match="已于2025年03月10日上报市级"):
        library.report_to_city(project, actor=staff, reported_on=datetime.date(2025, 3, 11))


def test_staff_mark_many_projects_on_the_city_plan_page(client, staff, entity_user):
    projects = [reserve_project() for _ in range(3)]
    other = reserve_project(district=kernel.district("110102"))
    client.force_login(staff)
    url = reverse("projects:city_plan")
    page = client.get(url).content.decode()
    assert all(f'data-project="{p.pk}"' in page for p in projects)
    assert f'data-project="{other.pk}"' not in page

    client.post(
        url, {"step": "report_to_city", "reported_on": "2025-03-10", "projects": [p.pk for p in projects]}
    )
    assert Project.objects.filter(reported_to_city_on=datetime.date(2025, 3, 10)).count() == 3

    client.post(
        url,
        {
            "form": "batch",
            "name": "2025年第二批",
            "document_number": "京更新办〔2025〕30号",
            "approved_on": "2025-06-30",
            "approving_body": "北京市城市更新专班",
        },
    )
    second = CityPlanBatch.objects.get(name="2025年第二批")
    client.post(
        url, {"step": "admit_to_city_plan", "batch": second.pk, "projects": [projects[0].pk, projects[1].pk]}
    )
    assert set(second.projects.values_list("pk", flat=True)) == {projects[0].pk, projects[1].pk}

    refused = client.post(url, {"step": "admit_to_city_plan", "projects": [projects[2].pk]})
    assert refused.status_code == 400 and "请选择城市更新计划批次。" in refused.content.decode()
    client.force_login(entity_user)
    assert client.get(url).status_code == 403


# --- item 6: 动态调整 -----------------------------------------------------------------------------------


def test_staff_remove_a_project_with_reason_and_document(staff, entity_user):
    """Haidian guidance 一(四)5: removal is a staff step with reason and document, not the automatic exit."""
    project = reserve_project()
    kernel_deadline = factories.open_project_deadline(project, start=workdays.today())

    with pytest.raises(TransitionRefused, match="依据文号"):
        library.remove(project, actor=staff, reason="实施主体终止实施", document=" ")
    with pytest.raises(TransitionRefused):
        library.remove(project, actor=entity_user, reason="终止", document="海城更〔2025〕9号")

    removed = library.remove(project, actor=staff, reason="实施主体终止实施", document="海城更〔2025〕9号")

    assert removed.stage == Stage.REMOVED and removed.library == Library.REMOVED
    assert removed.removal_document == "海城更〔2025〕9号" and removed.removed_on == workdays.today()
    assert Deadline.objects.get(pk=kernel_deadline.pk).state == DeadlineState.CANCELLED
    event = AuditEvent.objects.get(action="library.remove", object_id=str(project.pk))
    assert event.reason == "实施主体终止实施" and event.to_state == Stage.REMOVED
    assert services.STAGE_PIPELINE[Stage.REMOVED] == ()
    with pytest.raises(TransitionRefused):
        services.move_stage(removed, stage=Stage.PLAN_DRAFTING, actor=staff)


# --- item 7: path set by staff --------------------------------------------------------------------------


def test_entity_form_no_longer_sets_the_designation_and_has_locality():
    fields = ProjectForm(district=kernel.district()).fields
    assert "designated_by_government" not in fields
    assert "locality" in fields


def test_staff_set_the_path_and_designation_with_a_reason(staff, entity_user):
    """Joint review measures 第二条: facts put a project on the joint-review path; (4) is 区政府确定."""
    project = ProjectFactory(stage=Stage.SUBMITTED, changes_land_or_building=False)

    with pytest.raises(TransitionRefused, match="区政府确定"):
        library.set_path(project, actor=staff, path=Path.JOINT_REVIEW, designated=False, reason="x")
    with pytest.raises(TransitionRefused, match=r"须填写|理由"):
        library.set_path(project, actor=staff, path=Path.JOINT_REVIEW, designated=True, reason="")
    with pytest.raises(TransitionRefused):
        library.set_path(project, actor=entity_user, path=Path.JOINT_REVIEW, designated=True, reason="x")

    project = library.set_path(
        project, actor=staff, path=Path.JOINT_REVIEW, designated=True, reason="区政府专题会议纪要〔2025〕5号"
    )
    assert project.path == Path.JOINT_REVIEW and project.designated_by_government
    assert project.path_reason == "区政府专题会议纪要〔2025〕5号"

    factual = ProjectFactory(stage=Stage.SUBMITTED, changes_land_or_building=True, path=Path.JOINT_REVIEW)
    with pytest.raises(TransitionRefused, match="第二条"):
        library.set_path(factual, actor=staff, path=Path.OTHER, designated=False, reason="x")


# --- item 8: per-district notice wording ----------------------------------------------------------------


def admitted_in(district_code, make_user):
    staff = make_user(Role.STAFF, district_code=district_code)
    project = ProjectFactory(district=kernel.district(district_code), stage=Stage.SUBMITTED)
    project.category = factories.category("regional")
    project.sub_type = factories.sub_type("regional", 0)
    project.save()
    factories.attach_required_materials(project, staff)
    return services.admit(project, actor=staff, note="区政府专题会议纪要〔2026〕1号"), staff


def test_notice_cites_the_districts_configured_basis_and_number_format(client, make_user):
    """The notice does not cite the Haidian guidance for every district (issue 10 item 8)."""
    DistrictLibrarySettings.objects.create(
        district=kernel.district("110102"),
        admission_basis="《西城区城市更新项目库管理办法》第八条",
        notice_number_format="西更入〔{year}〕第{sequence:03d}号",
    )
    project, staff = admitted_in("110102", make_user)
    year = workdays.today().year
    assert project.admission_notice.number == f"西更入〔{year}〕第001号"
    client.force_login(staff)
    html = client.get(reverse("projects:admission_notice", args=[project.pk])).content.decode()
    assert "《西城区城市更新项目库管理办法》第八条" in html and "海淀区城市更新实施指引" not in html
    assert services.opinion_number(kernel.district("110102"), 2026, 4) == "西城城更联审〔2026〕4号"


def test_unconfigured_district_gets_the_default_basis_and_format(make_user):
    project, _ = admitted_in("110105", make_user)
    notice = project.admission_notice
    assert notice.basis == "《北京市城市更新条例》及本区城市更新项目库管理有关规定"
    assert notice.number.endswith(f"城更入库〔{workdays.today().year}〕1号")


def test_number_format_placeholders_are_validated():
    from django.core.exceptions import ValidationError

    settings = DistrictLibrarySettings(district=kernel.district(), notice_number_format="{area}〔{year}〕")
    with pytest.raises(ValidationError):
        settings.full_clean()


# --- item 2: 跨区 scoping, and 属地 ---------------------------------------------------------------------


def test_cross_district_project_in_each_listed_ledger_but_only_the_lead_district_acts(client, make_user):
    haidian, xicheng = kernel.district("110108"), kernel.district("110102")
    project = reserve_project(locality="学院路街道")
    project.districts.set([haidian, xicheng])
    xicheng_staff = make_user(Role.STAFF, district_code="110102")
    xicheng_leader = make_user(Role.LEADERSHIP, district_code="110102")
    xicheng_entity = make_user(Role.ENTITY, district_code="110102")

    for user in (xicheng_staff, xicheng_leader):
        assert Project.objects.visible_to(user).filter(pk=project.pk).exists()
    assert not Project.objects.visible_to(xicheng_entity).filter(pk=project.pk).exists()
    assert not Project.objects.visible_to(make_user(Role.STAFF, district_code="110105")).exists()

    client.force_login(xicheng_staff)
    ledger = client.get(reverse("projects:project_list"), {"district": xicheng.pk}).content.decode()
    assert f'data-project="{project.pk}"' in ledger and "跨区：西城区" in ledger
    assert client.get(reverse("projects:project_detail", args=[project.pk])).status_code == 200
    assert not any(row.allowed for row in library.LIBRARY.available_for(xicheng_staff, project))


def test_ledger_filters_by_locality(client, staff):
    academy = reserve_project(locality="学院路街道")
    other = reserve_project(locality="清河街道")
    client.force_login(staff)
    html = client.get(reverse("projects:project_list"), {"locality": "学院路街道"}).content.decode()
    assert f'data-project="{academy.pk}"' in html and f'data-project="{other.pk}"' not in html


def test_catalogue_settings_and_batches_are_edited_in_the_admin(admin_client):
    """DOMAIN.md §2: the catalogue is data, editable in the admin; so are the district settings (item 8)."""
    for model in ("category", "subtype", "districtlibrarysettings", "cityplanbatch"):
        assert admin_client.get(reverse(f"admin:projects_{model}_changelist")).status_code == 200, model
        assert admin_client.get(reverse(f"admin:projects_{model}_add")).status_code == 200, model
    category = factories.category("residential")
    page = admin_client.get(reverse("admin:projects_category_change", args=[category.pk]))
    assert page.status_code == 200 and "老旧小区综合整治" in page.content.decode()


def test_city_plan_page_query_count_does_not_grow(client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    for number in range(3):
        batch(name=f"2025年第{number + 1}批")
    for _ in range(2):
        reserve_project()
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("projects:city_plan"))
    for _ in range(20):
        reserve_project()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("projects:city_plan")).status_code == 200


def test_cross_district_project_is_in_the_other_districts_export_with_its_districts(client, make_user):
    """Item 2: the export of a listed district carries the project, naming the lead and other districts."""
    import io

    import openpyxl

    project = reserve_project(name="跨区滨水空间")
    project.districts.set([kernel.district("110108"), kernel.district("110102")])
    client.force_login(make_user(Role.AUDITOR, district_code="110102"))
    response = client.get(reverse("projects:project_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row[2] == "跨区滨水空间"]
    assert len(rows) == 1 and rows[0][3] == "海淀区（跨区：西城区）"
