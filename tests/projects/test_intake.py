"""Intake (DOMAIN.md §3 steps 1–4): the application form, every transition and refusal of INTAKE,
the 10/30-working-day clocks and their restart after 补正, the admission notice, codes, scoping and
query counts — through projects.services and through the HTTP views.

Expected due dates are computed by hand from the State Council's holiday schedules (see the comments
at each date), not from renewal.calendar.
"""

import datetime
import re
import types
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.choices import Library, Opinion, Path, Stage
from projects.models import AdmissionNotice, Category, IntakeOpinion, Project, SubType, SupplementRequest
from renewal.attachments import attach
from renewal.choices import DeadlineRule, DeadlineState, DepartmentCode, OrganizationKind, Role
from renewal.models import AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from tests import factories
from tests.projects.factories import attach_required_materials, material_pdf

HAIDIAN, XICHENG = "110108", "110102"
RECEIPT = datetime.date(2026, 2, 12)  # a Thursday, just before the 2026 Spring Festival

OLD_COMMUNITY = ("residential", "老旧小区综合整治")  # lead department: housing
OLD_FACTORY = ("industrial", "老旧厂房（厂区）更新改造")  # lead department: zgc
LOW_EFFICIENCY_BUILDING = ("industrial", "低效楼宇更新改造")  # lead department: housing
OLD_QUARTER = ("regional", "老旧街区改造")  # 区域综合性

# Written out by hand (not read from projects.choices) so that a changed label fails a test.
STAGE_LABELS = {
    Stage.DRAFT: "草稿",
    Stage.SUBMITTED: "已受理",
    Stage.UNDER_REVIEW: "入库联合审查中",
    Stage.SUPPLEMENT: "待补正",
    Stage.REJECTED: "未予入库",
    Stage.RESERVE: "储备项目",
    Stage.IMPLEMENTATION: "实施项目",
}
ACTION_LABELS = {
    "submit": "提交入库申请",
    "route": "分送部门联合审查",
    "request_supplement": "发出补正通知",
    "resubmit": "补正后重新提交",
    "admit": "确认入库",
    "reject": "不予入库",
    "move_to_implementation": "转入实施项目库",
}
ALLOWED_FROM = {
    "submit": {Stage.DRAFT},
    "route": {Stage.SUBMITTED, Stage.UNDER_REVIEW},
    "request_supplement": {Stage.SUBMITTED, Stage.UNDER_REVIEW},
    "resubmit": {Stage.SUPPLEMENT},
    "admit": {Stage.SUBMITTED, Stage.UNDER_REVIEW},
    "reject": {Stage.SUBMITTED, Stage.UNDER_REVIEW},
    "move_to_implementation": {Stage.RESERVE},
}
# Who may take each step, as the refusal says it to anybody else (written out, not read from the table).
ACTOR_REFUSALS = {
    "submit": "只有本项目的实施主体可以提交入库申请。",
    "route": "只有本区城市更新主管部门可以分送联合审查。",
    "request_supplement": "只有本区城市更新主管部门可以发出补正通知。",
    "resubmit": "只有本项目的实施主体可以提交补正材料。",
    "admit": "只有本区城市更新主管部门可以确认入库。",
    "reject": "只有本区城市更新主管部门可以作出不予入库决定。",
    "move_to_implementation": "只有项目子类的牵头行业主管部门可以认定实施条件（城市更新主管部门仅在其为牵头部门时可以）。",
}
WRONG_STATE_CASES = [
    (action, stage) for action in ACTION_LABELS for stage in STAGE_LABELS if stage not in ALLOWED_FROM[action]
]


# --- helpers ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Controls renewal.calendar.today (services call workdays.today()); starts at RECEIPT."""
    state = types.SimpleNamespace(day=RECEIPT)

    def set_day(day: datetime.date):
        state.day = day

    monkeypatch.setattr("renewal.calendar.today", lambda: state.day)
    return set_day


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded materials go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def department(code=DepartmentCode.PLANNING, district_code=HAIDIAN, name=None):
    place = factories.district(district_code)
    return factories.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT,
        department_code=code,
        district=place,
        name=name or f"{place.short_name}{DepartmentCode(code).label}",
    )


@pytest.fixture
def w(make_user):
    """One 海淀 housing commission (the only one, so it is the deadlines' responsible organisation),
    its staff, two entities, three departments with a reviewer each, and 西城 staff and entity."""
    haidian = factories.district(HAIDIAN)
    hc = factories.OrganizationFactory(
        kind=OrganizationKind.HOUSING_COMMISSION, district=haidian, name="海淀区住房和城乡建设委员会"
    )
    planning = department(DepartmentCode.PLANNING)
    housing = department(DepartmentCode.HOUSING)
    ecology = department(DepartmentCode.ECOLOGY)
    world = types.SimpleNamespace(
        hc=hc,
        staff=make_user(Role.STAFF, organization=hc),
        entity=make_user(Role.ENTITY),
        other_entity=make_user(Role.ENTITY),
        planning=planning,
        housing=housing,
        ecology=ecology,
        xicheng_staff=make_user(Role.STAFF, district_code=XICHENG),
        xicheng_entity=make_user(Role.ENTITY, district_code=XICHENG),
    )
    world.reviewers = {d.pk: make_user(Role.REVIEWER, organization=d) for d in (planning, housing, ecology)}
    world.planning_reviewer = world.reviewers[planning.pk]
    world.housing_reviewer = world.reviewers[housing.pk]
    world.ecology_reviewer = world.reviewers[ecology.pk]
    return world


def kind_of(pair):
    category = Category.objects.get(code=pair[0])
    return category, SubType.objects.get(category=category, name=pair[1])


def draft_data(kind=OLD_COMMUNITY, **overrides) -> dict:
    category, sub_type = kind_of(kind)
    data = {
        "name": "中关村街道科源社区老旧小区综合整治",
        "category": category,
        "sub_type": sub_type,
        "location": "海淀区中关村街道科源社区",
        "land_area": Decimal("12000.00"),
        "building_area": Decimal("36000.00"),
        "renewal_goal": "完成12栋住宅楼节能改造和管线更新",
        "total_investment": Decimal("3000.00"),
        "funding_sources": "市区财政资金、产权单位自筹",
    }
    data.update(overrides)
    return data


def make_draft(entity, kind=OLD_COMMUNITY, materials=True, **overrides) -> Project:
    """A draft through the service; with `materials`, 申报材料 and 资金匡算 are on file (ready to submit)."""
    project = services.create_draft(actor=entity, data=draft_data(kind, **overrides))
    if materials:
        attach_required_materials(project, entity)
    return project


def upload_supplement(project, entity, kind="权属证明"):
    """A file uploaded after the 补正 request, as answering the request requires."""
    upload = SimpleUploadedFile(f"{kind}（补正）.pdf", material_pdf(f"{kind}（补正）"))
    return attach(project, upload, kind=kind, actor=entity)


def answer_supplement(project, w, response="已补充", **kwargs):
    """The entity uploads the missing document and resubmits with an explanation."""
    upload_supplement(project, w.entity)
    return services.resubmit(project, actor=w.entity, response=response, **kwargs)


def agree_all(project, w):
    for opinion in IntakeOpinion.objects.filter(
        project=project, round=project.intake_round, opinion=Opinion.PENDING
    ):
        services.record_opinion(
            opinion, actor=w.reviewers[opinion.department_id], decision=Opinion.AGREE, text="同意"
        )


def project_in(stage, w, kind=OLD_COMMUNITY, **overrides) -> Project:
    """A project brought to `stage` through the services only."""
    project = make_draft(w.entity, kind, **overrides)
    if stage == Stage.DRAFT:
        return project
    project = services.submit(project, actor=w.entity)
    if stage == Stage.SUBMITTED:
        return project
    if stage == Stage.SUPPLEMENT:
        return services.request_supplement(project, actor=w.staff, items="补充产权证明")
    if stage == Stage.REJECTED:
        return services.reject(project, actor=w.staff, reason="不符合国土空间规划")
    project = services.route(project, actor=w.staff, departments=[w.planning])
    if stage == Stage.UNDER_REVIEW:
        return project
    agree_all(project, w)
    project = services.admit(project, actor=w.staff)
    if stage == Stage.RESERVE:
        return project
    assert stage == Stage.IMPLEMENTATION
    return implement(project, w.staff)


def perform(action, project, w):
    """Run one transition with valid inputs by the usual actor."""
    if action == "submit":
        return services.submit(project, actor=w.entity)
    if action == "route":
        return services.route(project, actor=w.staff, departments=[w.planning])
    if action == "request_supplement":
        return services.request_supplement(project, actor=w.staff, items="补充产权证明")
    if action == "resubmit":
        return services.resubmit(project, actor=w.entity, response="已补充")
    if action == "admit":
        return services.admit(project, actor=w.staff, note="同意入库")
    if action == "reject":
        return services.reject(project, actor=w.staff, reason="不符合国土空间规划")
    return implement(project, w.staff)


# 实施条件认定 (Haidian guidance 三(二)): the planning, function and supervision requirements, and the
# 统筹/实施主体 confirmation document (issue 10 item 4).
REQUIREMENTS = {
    "planning_requirements": "符合控规",
    "function_requirements": "居住及配套",
    "supervision_requirements": "区住建委监管",
}


def confirmation():
    return SimpleUploadedFile("主体确认文件.pdf", material_pdf("确认文件"))


def implement(project, actor, reason="实施条件已具备"):
    return services.move_to_implementation(
        project, actor=actor, reason=reason, requirements=REQUIREMENTS, confirmation=confirmation()
    )


def last_event(project, action) -> AuditEvent:
    event = AuditEvent.objects.for_object(project).filter(action=action).order_by("-pk").first()
    assert event is not None, f"no audit event {action} for {project}"
    return event


def intake_deadlines(project, state=None):
    rows = Deadline.objects.for_subject(project).order_by("pk")
    return list(rows.filter(state=state) if state else rows)


def by_kind(deadlines) -> dict:
    return {d.kind: d for d in deadlines}


def login(client, user):
    client.force_login(user)
    return client


def action_url(project, action):
    return reverse("projects:project_action", args=[project.pk, action])


def detail_url(project):
    return reverse("projects:project_detail", args=[project.pk])


def html_of(response) -> str:
    return response.content.decode()


def field_errors(html: str, name: str) -> list[str]:
    """Error texts rendered next to the form field `name` (inside its own <div class="mb-3">)."""
    start = html.index(f'name="{name}"')
    end = html.find('<div class="mb-3">', start)
    block = html[start : end if end != -1 else len(html)]
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block, re.S)


def form_post_data(kind=OLD_COMMUNITY, **overrides) -> dict:
    category, sub_type = kind_of(kind)
    data = {
        "name": "学院路街道老旧小区综合整治",
        "category": category.pk,
        "sub_type": sub_type.pk,
        "generation_mode": "market_application",
        "location": "海淀区学院路街道",
        "land_area": "8000",
        "building_area": "24000",
        "renewal_goal": "完成8栋楼综合整治",
        "total_investment": "2500",
        "funding_sources": "区级财政",
        "coordinating_entity": "",
        "property_right_holders": "",
    }
    data.update(overrides)
    return data


def row_for(html: str, text: str) -> str:
    rows = [row for row in re.split(r"<tr[ >]", html) if text in row]
    assert len(rows) == 1, f"expected one table row containing {text!r}, found {len(rows)}"
    return rows[0]


# --- the application form (create_draft / update_draft) ---------------------------------------------


def test_create_form_requires_fields_with_chinese_errors_next_to_them(client, w):
    login(client, w.entity)
    response = client.post(reverse("projects:project_create"), {"generation_mode": "market_application"})
    assert response.status_code == 400
    html = html_of(response)
    assert field_errors(html, "name") == ["请填写项目名称。"]
    assert field_errors(html, "category") == ["请选择项目类别。"]
    assert field_errors(html, "sub_type") == ["请选择项目子类。"]
    assert field_errors(html, "location") == ["请填写项目位置。"]
    assert field_errors(html, "renewal_goal") == ["请填写更新目标。"]
    assert field_errors(html, "total_investment") == ["请填写资金匡算（总投资）。"]
    assert field_errors(html, "funding_sources") == []  # optional
    assert 'name="location" id="id_location" class="form-control is-invalid"' in html
    assert not Project.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-10", "0.00"])
def test_create_form_investment_must_be_positive(client, w, amount):
    login(client, w.entity)
    response = client.post(reverse("projects:project_create"), form_post_data(total_investment=amount))
    assert response.status_code == 400
    assert field_errors(html_of(response), "total_investment") == ["总投资须大于0（单位：万元）。"]
    assert not Project.objects.exists()


def test_create_form_investment_must_be_a_number(client, w):
    login(client, w.entity)
    response = client.post(reverse("projects:project_create"), form_post_data(total_investment="三千"))
    assert response.status_code == 400
    assert field_errors(html_of(response), "total_investment") == ["请输入数字（万元）。"]


@pytest.mark.parametrize("field", ["land_area", "building_area"])
def test_create_form_areas_must_not_be_negative(client, w, field):
    login(client, w.entity)
    response = client.post(reverse("projects:project_create"), form_post_data(**{field: "-1"}))
    assert response.status_code == 400
    assert field_errors(html_of(response), field) == ["面积不能为负数。"]
    assert not Project.objects.exists()


def test_create_form_accepts_zero_areas(client, w):
    login(client, w.entity)
    response = client.post(
        reverse("projects:project_create"), form_post_data(land_area="0", building_area="0")
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.land_area == 0 and project.building_area == 0


def test_create_form_sub_type_must_belong_to_category(client, w):
    login(client, w.entity)
    residential, _ = kind_of(OLD_COMMUNITY)
    _, quarter = kind_of(OLD_QUARTER)
    response = client.post(
        reverse("projects:project_create"), form_post_data(category=residential.pk, sub_type=quarter.pk)
    )
    assert response.status_code == 400
    errors = field_errors(html_of(response), "sub_type")
    assert len(errors) == 1
    assert "老旧街区改造" in errors[0] and "不属于" in errors[0] and "居住类" in errors[0]
    assert not Project.objects.exists()


def test_create_form_saves_a_draft_for_the_entitys_own_organisation(client, w):
    login(client, w.entity)
    stranger = w.other_entity.organization
    response = client.post(
        reverse("projects:project_create"),
        form_post_data(implementing_entity=stranger.pk, district=factories.district(XICHENG).pk),
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(project)
    assert project.implementing_entity == w.entity.organization  # set automatically, not from POST
    assert project.district.code == HAIDIAN
    assert project.created_by == w.entity
    assert project.stage == Stage.DRAFT and project.library == Library.NONE
    assert project.code == "" and project.intake_round == 0
    assert project.total_investment == Decimal("2500")
    assert project.path == Path.OTHER
    event = last_event(project, "project.create")
    assert event.actor == w.entity and event.to_state == Stage.DRAFT


def test_create_form_regional_or_flagged_project_is_on_the_joint_review_path(client, w):
    login(client, w.entity)
    client.post(reverse("projects:project_create"), form_post_data(OLD_QUARTER, name="区域项目"))
    client.post(
        reverse("projects:project_create"), form_post_data(name="涉及用途调整", changes_land_or_building="on")
    )
    assert Project.objects.get(name="区域项目").path == Path.JOINT_REVIEW
    assert Project.objects.get(name="涉及用途调整").path == Path.JOINT_REVIEW


def test_create_form_is_for_entities_only(client, w):
    login(client, w.staff)
    assert client.get(reverse("projects:project_create")).status_code == 403
    assert client.post(reverse("projects:project_create"), form_post_data()).status_code == 403
    assert not Project.objects.exists()
    with pytest.raises(PermissionDenied):
        services.create_draft(actor=w.staff, data=draft_data())


def test_edit_form_updates_draft_and_records_changes(client, w):
    project = make_draft(w.entity)
    login(client, w.entity)
    response = client.post(
        reverse("projects:project_edit", args=[project.pk]),
        form_post_data(name=project.name, total_investment="4200"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.total_investment == Decimal("4200")
    event = last_event(project, "intake.edit")
    assert event.data["changed"]["total_investment"] == ["3000.00", "4200"]


def test_edit_form_shows_errors_and_refuses_after_submission(client, w):
    project = make_draft(w.entity)
    login(client, w.entity)
    bad = client.post(reverse("projects:project_edit", args=[project.pk]), form_post_data(location=""))
    assert bad.status_code == 400
    assert field_errors(html_of(bad), "location") == ["请填写项目位置。"]

    services.submit(project, actor=w.entity)
    response = client.post(
        reverse("projects:project_edit", args=[project.pk]),
        form_post_data(name="改名", total_investment="9999"),
        follow=True,
    )
    assert "当前状态为“已受理”，不能修改申请（仅在“草稿、待补正”状态下可以）" in html_of(response)
    project.refresh_from_db()
    assert project.name != "改名" and project.total_investment == Decimal("3000.00")


def test_edit_form_of_another_organisation_is_404(client, w):
    project = make_draft(w.entity)
    login(client, w.other_entity)
    assert client.get(reverse("projects:project_edit", args=[project.pk])).status_code == 404
    assert (
        client.post(reverse("projects:project_edit", args=[project.pk]), form_post_data()).status_code == 404
    )


# --- submit -----------------------------------------------------------------------------------------


def test_submit_receives_the_application(w):
    project = services.submit(make_draft(w.entity), actor=w.entity)
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert project.library == Library.NONE
    assert project.intake_round == 1
    assert project.received_on == RECEIPT and project.first_received_on == RECEIPT
    assert project.code == "110108-2026-0001"
    event = last_event(project, "intake.submit")
    assert (event.from_state, event.to_state) == (Stage.DRAFT, Stage.SUBMITTED)
    assert event.actor == w.entity and event.district.code == HAIDIAN


def test_submit_through_the_view(client, w):
    project = make_draft(w.entity)
    login(client, w.entity)
    response = client.post(action_url(project, "submit"), follow=True)
    assert response.status_code == 200
    assert "已提交入库申请" in html_of(response)
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert last_event(project, "intake.submit").to_state == Stage.SUBMITTED


def test_submit_refused_lists_the_missing_intake_conditions(client, w):
    project = make_draft(w.entity, renewal_goal="", total_investment=None, location="  ")
    with pytest.raises(TransitionRefused) as refused:
        services.submit(project, actor=w.entity)
    message = refused.value.message
    assert message.startswith("不能提交入库申请：尚缺：")
    for missing in ("更新目标", "资金匡算", "项目位置"):
        assert missing in message
    assert "项目名称" not in message and "统筹主体或实施主体" not in message

    login(client, w.entity)
    html = html_of(client.post(action_url(project, "submit"), follow=True))
    assert "尚缺：项目位置、更新目标、资金匡算（总投资须大于0）" in html
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT and project.code == "" and project.intake_round == 0
    assert not AuditEvent.objects.for_object(project).filter(action="intake.submit").exists()
    assert intake_deadlines(project) == []


def test_submit_refused_for_sub_type_of_another_category_and_zero_investment(w):
    """Data changed outside the form and the service (admin, a migration) is checked again on submit."""
    _, quarter = kind_of(OLD_QUARTER)
    project = make_draft(w.entity)
    Project.objects.filter(pk=project.pk).update(sub_type=quarter, total_investment=Decimal("0"))
    with pytest.raises(TransitionRefused) as refused:
        services.submit(project, actor=w.entity)
    assert "与类别相符的子类" in refused.value.message
    assert "资金匡算（总投资须大于0）" in refused.value.message


def test_only_the_projects_entity_may_submit(client, w):
    project = make_draft(w.entity)
    with pytest.raises(TransitionRefused) as refused:
        services.submit(project, actor=w.staff)
    assert refused.value.message == ACTOR_REFUSALS["submit"]
    login(client, w.staff)
    assert client.post(action_url(project, "submit")).status_code == 404  # a draft is the entity's only
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT


# --- route and department opinions ------------------------------------------------------------------


@pytest.mark.parametrize("source", [Stage.SUBMITTED, Stage.UNDER_REVIEW])
def test_route_sends_to_departments(w, source):
    project = project_in(source, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.housing])
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW
    opinions = IntakeOpinion.objects.filter(project=project)
    # routing the planning department again in the same round does not duplicate its opinion
    assert sorted(o.department.name for o in opinions) == sorted([w.planning.name, w.housing.name])
    assert {(o.round, o.opinion, o.routed_by_id) for o in opinions} == {(1, Opinion.PENDING, w.staff.pk)}
    event = last_event(project, "intake.route")
    assert (event.from_state, event.to_state) == (source, Stage.UNDER_REVIEW)
    assert event.data["departments"] == [w.planning.name, w.housing.name]


def test_route_through_the_view(client, w):
    project = project_in(Stage.SUBMITTED, w)
    login(client, w.staff)
    response = client.post(
        action_url(project, "route"), {"departments": [w.planning.pk, w.ecology.pk]}, follow=True
    )
    assert "已分送部门联合审查" in html_of(response)
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW
    assert set(IntakeOpinion.objects.filter(project=project).values_list("department", flat=True)) == {
        w.planning.pk,
        w.ecology.pk,
    }


def test_route_refused_without_departments_or_with_another_districts_department(client, w):
    project = project_in(Stage.SUBMITTED, w)
    with pytest.raises(TransitionRefused, match="请至少选择一个行业主管部门"):
        services.route(project, actor=w.staff, departments=[])
    xicheng_planning = department(DepartmentCode.PLANNING, XICHENG)
    with pytest.raises(TransitionRefused, match=f"只能分送本区的行业主管部门：{xicheng_planning.name}"):
        services.route(project, actor=w.staff, departments=[xicheng_planning])
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "route"), {"departments": []}, follow=True))
    assert "请至少选择一个行业主管部门。" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert not IntakeOpinion.objects.exists()


def test_route_of_a_regional_project_is_refused(client, w):
    project = project_in(Stage.SUBMITTED, w, OLD_QUARTER)
    with pytest.raises(TransitionRefused) as refused:
        services.route(project, actor=w.staff, departments=[w.planning])
    assert "区域综合性项目由区政府组织相关部门共同研究确定，不分送部门联合审查" in refused.value.message
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "route"), {"departments": [w.planning.pk]}, follow=True))
    assert "不分送部门联合审查" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert not IntakeOpinion.objects.filter(project=project).exists()


def test_reviewer_records_opinion_through_the_view(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    opinion = IntakeOpinion.objects.get(project=project)
    login(client, w.planning_reviewer)
    page = client.get(reverse("projects:opinion", args=[opinion.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("projects:opinion", args=[opinion.pk]),
        {"decision": "agree", "text": " 符合规划 "},
        follow=True,
    )
    assert "审查意见已提交。" in html_of(response)
    opinion.refresh_from_db()
    assert opinion.opinion == Opinion.AGREE and opinion.text == "符合规划"
    assert opinion.decided_by == w.planning_reviewer and opinion.decided_at is not None
    event = last_event(opinion, "intake_opinion.decide")
    assert (event.from_state, event.to_state) == (Opinion.PENDING, Opinion.AGREE)
    assert event.data["round"] == 1 and event.reason == "符合规划"


def test_opinion_cannot_be_recorded_twice(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    opinion = IntakeOpinion.objects.get(project=project)
    services.record_opinion(opinion, actor=w.planning_reviewer, decision=Opinion.AGREE, text="")
    already = "当前状态为“同意”，不能答复入库审查意见（仅在“待审查”状态下可以）。"
    with pytest.raises(TransitionRefused, match=already):
        services.record_opinion(opinion, actor=w.planning_reviewer, decision=Opinion.DISAGREE, text="反对")
    login(client, w.planning_reviewer)
    html = html_of(
        client.post(
            reverse("projects:opinion", args=[opinion.pk]),
            {"decision": "disagree", "text": "反对"},
            follow=True,
        )
    )
    assert already in html
    opinion.refresh_from_db()
    assert opinion.opinion == Opinion.AGREE
    assert AuditEvent.objects.for_object(opinion).filter(action="intake_opinion.decide").count() == 1


def test_disagree_needs_a_text(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    opinion = IntakeOpinion.objects.get(project=project)
    with pytest.raises(TransitionRefused) as refused:
        services.record_opinion(opinion, actor=w.planning_reviewer, decision=Opinion.DISAGREE, text="  ")
    assert refused.value.message == "不能答复入库审查意见：不同意入库须说明理由。"
    login(client, w.planning_reviewer)
    response = client.post(
        reverse("projects:opinion", args=[opinion.pk]), {"decision": "disagree", "text": ""}
    )
    assert response.status_code == 400
    assert "不同意入库须说明理由。" in field_errors(html_of(response), "text")
    no_decision = client.post(reverse("projects:opinion", args=[opinion.pk]), {"text": "x"})
    assert no_decision.status_code == 400
    assert "请选择“同意”或“不同意”。" in html_of(no_decision)
    opinion.refresh_from_db()
    assert opinion.opinion == Opinion.PENDING


@pytest.mark.parametrize(
    ("ending", "label"),
    [("request_supplement", "待补正"), ("reject", "未予入库")],
)
def test_opinion_after_the_review_ended_is_refused(client, w, ending, label):
    project = project_in(Stage.UNDER_REVIEW, w)
    opinion = IntakeOpinion.objects.get(project=project)
    perform(ending, project, w)
    with pytest.raises(TransitionRefused) as refused:
        services.record_opinion(opinion, actor=w.planning_reviewer, decision=Opinion.AGREE, text="")
    assert refused.value.message == f"不能答复入库审查意见：项目当前为“{label}”，入库审查不在进行中。"
    login(client, w.planning_reviewer)
    html = html_of(
        client.post(
            reverse("projects:opinion", args=[opinion.pk]), {"decision": "agree", "text": ""}, follow=True
        )
    )
    assert f"项目当前为“{label}”，" in html
    opinion.refresh_from_db()
    assert opinion.opinion == Opinion.PENDING and opinion.decided_at is None
    assert not AuditEvent.objects.for_object(opinion).filter(action="intake_opinion.decide").exists()


def test_opinion_after_admission_is_refused(w):
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning])
    opinion = IntakeOpinion.objects.get(project=project)
    services.record_opinion(opinion, actor=w.planning_reviewer, decision=Opinion.AGREE, text="")
    services.admit(project, actor=w.staff)
    # a department added late cannot answer once the project is in the reserve library
    late = IntakeOpinion.objects.create(project=project, round=1, department=w.housing, routed_by=w.staff)
    with pytest.raises(TransitionRefused, match="项目当前为“储备项目”"):
        services.record_opinion(late, actor=w.housing_reviewer, decision=Opinion.AGREE, text="")


def test_only_the_routed_department_may_answer(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    opinion = IntakeOpinion.objects.get(project=project)
    only_routed = "只有被分送的部门可以答复本部门的审查意见。"
    with pytest.raises(TransitionRefused, match=only_routed):
        services.record_opinion(opinion, actor=w.housing_reviewer, decision=Opinion.AGREE, text="")
    with pytest.raises(TransitionRefused, match=only_routed):
        services.record_opinion(opinion, actor=w.staff, decision=Opinion.AGREE, text="")
    login(client, w.housing_reviewer)
    assert client.get(reverse("projects:opinion", args=[opinion.pk])).status_code == 404
    assert (
        client.post(reverse("projects:opinion", args=[opinion.pk]), {"decision": "agree"}).status_code == 404
    )
    opinion.refresh_from_db()
    assert opinion.opinion == Opinion.PENDING


# --- request_supplement / resubmit ------------------------------------------------------------------


@pytest.mark.parametrize("source", [Stage.SUBMITTED, Stage.UNDER_REVIEW])
def test_request_supplement(w, source):
    project = project_in(source, w)
    project = services.request_supplement(project, actor=w.staff, items=" 补充产权证明\n补充资金来源 ")
    project.refresh_from_db()
    assert project.stage == Stage.SUPPLEMENT
    supplement = SupplementRequest.objects.get(project=project)
    assert supplement.round == 1 and supplement.items == "补充产权证明\n补充资金来源"
    assert supplement.requested_by == w.staff and supplement.responded_on is None
    event = last_event(project, "intake.request_supplement")
    assert (event.from_state, event.to_state) == (source, Stage.SUPPLEMENT)
    assert "补充产权证明" in event.reason
    assert {d.state for d in intake_deadlines(project)} == {DeadlineState.SUSPENDED}


def test_request_supplement_needs_items(client, w):
    project = project_in(Stage.SUBMITTED, w)
    with pytest.raises(TransitionRefused) as refused:
        services.request_supplement(project, actor=w.staff, items="   ")
    assert refused.value.message == "发出补正通知须填写原因。"
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "request_supplement"), {"reason": ""}, follow=True))
    assert "发出补正通知须填写原因。" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert not SupplementRequest.objects.exists()
    assert {d.state for d in intake_deadlines(project)} == {DeadlineState.OPEN}


def test_request_supplement_and_resubmit_through_the_views(client, w):
    project = project_in(Stage.SUBMITTED, w)
    login(client, w.staff)
    client.post(action_url(project, "request_supplement"), {"reason": "补充主体确认文件"})
    project.refresh_from_db()
    assert project.stage == Stage.SUPPLEMENT
    login(client, w.entity)
    upload_supplement(project, w.entity, kind="主体确认文件")
    html = html_of(
        client.post(action_url(project, "resubmit"), {"reason": "已上传主体确认文件"}, follow=True)
    )
    assert "已补正后重新提交" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED and project.intake_round == 2
    supplement = SupplementRequest.objects.get(project=project)
    assert supplement.response == "已上传主体确认文件" and supplement.responded_by == w.entity
    event = last_event(project, "intake.resubmit")
    assert (event.from_state, event.to_state) == (Stage.SUPPLEMENT, Stage.SUBMITTED)


def test_resubmit_checks_the_intake_conditions_again(w):
    project = project_in(Stage.SUPPLEMENT, w)
    services.update_draft(project, actor=w.entity, data={"renewal_goal": ""})
    with pytest.raises(TransitionRefused, match="尚缺：更新目标"):
        services.resubmit(project, actor=w.entity)
    project.refresh_from_db()
    assert project.stage == Stage.SUPPLEMENT


# --- admit --------------------------------------------------------------------------------------------


def test_admit_after_every_department_agreed(w):
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.housing])
    agree_all(project, w)
    project = services.admit(project, actor=w.staff, note="同意纳入储备库")
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE and project.library == Library.RESERVE
    assert project.admitted_on == RECEIPT
    event = last_event(project, "intake.admit")
    assert (event.from_state, event.to_state) == (Stage.UNDER_REVIEW, Stage.RESERVE)
    assert event.reason == "同意纳入储备库" and event.actor == w.staff
    notice = AdmissionNotice.objects.get(project=project)
    assert notice.number == "海淀城更入库〔2026〕1号" and notice.issued_on == RECEIPT
    assert notice.issuer_name == "海淀区住房和城乡建设委员会" and notice.issued_by == w.staff
    assert {d.state for d in intake_deadlines(project)} == {DeadlineState.MET}


def test_admit_through_the_view_shows_the_notice(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    agree_all(project, w)
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "admit"), {"reason": ""}, follow=True))
    assert "已确认入库" in html
    assert "入库通知书 海淀城更入库〔2026〕1号" in html
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE


def test_admit_refused_while_a_department_is_pending(client, w):
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.housing, w.ecology])
    services.record_opinion(
        IntakeOpinion.objects.get(project=project, department=w.planning),
        actor=w.planning_reviewer,
        decision=Opinion.AGREE,
        text="",
    )
    with pytest.raises(TransitionRefused) as refused:
        services.admit(project, actor=w.staff)
    assert f"尚待以下部门答复：{w.housing.name}、{w.ecology.name}" in refused.value.message
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "admit"), follow=True))
    assert "尚待以下部门答复" in html and w.housing.name in html
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW and project.library == Library.NONE
    assert not AdmissionNotice.objects.exists()


def test_admit_refused_when_a_department_disagrees(w):
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.housing])
    services.record_opinion(
        IntakeOpinion.objects.get(project=project, department=w.planning),
        actor=w.planning_reviewer,
        decision=Opinion.DISAGREE,
        text="不符合控规",
    )
    services.record_opinion(
        IntakeOpinion.objects.get(project=project, department=w.housing),
        actor=w.housing_reviewer,
        decision=Opinion.AGREE,
        text="",
    )
    with pytest.raises(TransitionRefused) as refused:
        services.admit(project, actor=w.staff)
    assert f"以下部门不同意入库：{w.planning.name}" in refused.value.message
    assert w.housing.name not in refused.value.message
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW


def test_admit_refused_without_routing(client, w):
    project = project_in(Stage.SUBMITTED, w)
    with pytest.raises(TransitionRefused, match="尚未分送行业主管部门联合审查"):
        services.admit(project, actor=w.staff)
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "admit"), follow=True))
    assert "不能确认入库：尚未分送行业主管部门联合审查" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED


def test_admit_of_a_regional_project_needs_the_district_government_basis(client, w):
    project = project_in(Stage.SUBMITTED, w, OLD_QUARTER)
    with pytest.raises(TransitionRefused) as refused:
        services.admit(project, actor=w.staff, note="  ")
    assert "区域综合性项目须填写区政府研究确定的依据" in refused.value.message
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "admit"), {"reason": ""}, follow=True))
    assert "区域综合性项目须填写区政府研究确定的依据" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED

    client.post(action_url(project, "admit"), {"reason": "区政府专题会议纪要〔2026〕3号"})
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE and project.library == Library.RESERVE
    event = last_event(project, "intake.admit")
    assert (event.from_state, event.to_state) == (Stage.SUBMITTED, Stage.RESERVE)
    assert event.reason == "区政府专题会议纪要〔2026〕3号"


# --- reject -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [Stage.SUBMITTED, Stage.UNDER_REVIEW])
def test_reject_with_reason(w, source):
    project = project_in(source, w)
    project = services.reject(project, actor=w.staff, reason=" 不符合国土空间规划 ")
    project.refresh_from_db()
    assert project.stage == Stage.REJECTED and project.library == Library.NONE
    assert project.rejected_on == RECEIPT and project.rejection_reason == "不符合国土空间规划"
    event = last_event(project, "intake.reject")
    assert (event.from_state, event.to_state) == (source, Stage.REJECTED)
    assert {d.state for d in intake_deadlines(project)} == {DeadlineState.MET}


def test_reject_needs_a_reason(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    with pytest.raises(TransitionRefused) as refused:
        services.reject(project, actor=w.staff, reason="")
    assert refused.value.message == "不予入库须填写原因。"
    login(client, w.staff)
    assert "不予入库须填写原因。" in html_of(
        client.post(action_url(project, "reject"), {"reason": " "}, follow=True)
    )
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW and project.rejected_on is None
    client.post(action_url(project, "reject"), {"reason": "项目类型不符"})
    project.refresh_from_db()
    assert project.stage == Stage.REJECTED and project.rejection_reason == "项目类型不符"


# --- move_to_implementation ---------------------------------------------------------------------------


def test_staff_moves_a_reserve_project_to_implementation(w, clock):
    project = project_in(Stage.RESERVE, w)
    clock(datetime.date(2026, 3, 10))
    project = implement(project, w.staff)
    project.refresh_from_db()
    assert project.stage == Stage.IMPLEMENTATION and project.library == Library.IMPLEMENTATION
    assert project.implementation_on == datetime.date(2026, 3, 10)
    event = last_event(project, "intake.move_to_implementation")
    assert (event.from_state, event.to_state) == (Stage.RESERVE, Stage.IMPLEMENTATION)
    with pytest.raises(TransitionRefused, match="须填写原因"):
        implement(project_in(Stage.RESERVE, w), w.staff, reason="")


@pytest.mark.parametrize(
    ("kind", "lead", "other"),
    [
        (OLD_COMMUNITY, DepartmentCode.HOUSING, DepartmentCode.PLANNING),
        (LOW_EFFICIENCY_BUILDING, DepartmentCode.HOUSING, DepartmentCode.ZGC),
        (OLD_FACTORY, DepartmentCode.ZGC, DepartmentCode.HOUSING),
    ],
)
def test_only_the_lead_department_reviewer_moves_to_implementation(client, w, make_user, kind, lead, other):
    project = project_in(Stage.RESERVE, w, kind)
    known = {DepartmentCode.HOUSING: w.housing, DepartmentCode.PLANNING: w.planning}
    not_lead = make_user(Role.REVIEWER, organization=known.get(other) or department(other))
    lead_reviewer = make_user(Role.REVIEWER, organization=known.get(lead) or department(lead))

    with pytest.raises(TransitionRefused) as refused:
        implement(project, not_lead)
    assert refused.value.message == ACTOR_REFUSALS["move_to_implementation"]
    login(client, not_lead)
    response = client.post(
        action_url(project, "move_to_implementation"), {"reason": "实施条件已具备", **REQUIREMENTS}
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE

    login(client, lead_reviewer)
    response = client.post(
        action_url(project, "move_to_implementation"),
        {"reason": "规划、功能业态及监管要求基本明确", "confirmation": confirmation(), **REQUIREMENTS},
        follow=True,
    )
    assert "已转入实施项目库" in html_of(response)
    project.refresh_from_db()
    assert project.stage == Stage.IMPLEMENTATION and project.library == Library.IMPLEMENTATION
    event = last_event(project, "intake.move_to_implementation")
    assert event.actor == lead_reviewer and event.reason == "规划、功能业态及监管要求基本明确"


def test_lead_department_of_another_district_gets_404(client, w, make_user):
    project = project_in(Stage.RESERVE, w)
    xicheng_housing = department(DepartmentCode.HOUSING, XICHENG)
    reviewer = make_user(Role.REVIEWER, organization=xicheng_housing)
    with pytest.raises(TransitionRefused) as refused:
        implement(project, reviewer, reason="x")
    assert refused.value.message == ACTOR_REFUSALS["move_to_implementation"]
    login(client, reviewer)
    assert client.post(action_url(project, "move_to_implementation"), {"reason": "x"}).status_code == 404
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE


# --- wrong state and wrong role, for every action ---------------------------------------------------


@pytest.mark.parametrize(("action", "stage"), WRONG_STATE_CASES)
def test_wrong_state_is_refused_naming_the_current_state(w, action, stage):
    project = project_in(stage, w)
    events_before = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        perform(action, project, w)
    message = refused.value.message
    assert message.startswith(f"当前状态为“{STAGE_LABELS[stage]}”，不能{ACTION_LABELS[action]}")
    for allowed in ALLOWED_FROM[action]:
        assert STAGE_LABELS[allowed] in message.split("仅在")[1]
    project.refresh_from_db()
    assert project.stage == stage
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("action", "stage", "actor"),
    [
        ("submit", Stage.SUBMITTED, "entity"),
        ("route", Stage.SUPPLEMENT, "staff"),
        ("request_supplement", Stage.RESERVE, "staff"),
        ("resubmit", Stage.SUBMITTED, "entity"),
        ("admit", Stage.REJECTED, "staff"),
        ("reject", Stage.SUPPLEMENT, "staff"),
        ("move_to_implementation", Stage.UNDER_REVIEW, "staff"),
    ],
)
def test_wrong_state_refusal_is_shown_on_the_project_page(client, w, action, stage, actor):
    project = project_in(stage, w)
    login(client, getattr(w, actor))
    data = {"reason": "说明", "departments": [w.planning.pk]}
    response = client.post(action_url(project, action), data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == detail_url(project)
    assert f"当前状态为“{STAGE_LABELS[stage]}”，不能{ACTION_LABELS[action]}" in html_of(response)
    project.refresh_from_db()
    assert project.stage == stage


@pytest.mark.parametrize(
    ("action", "stage"),
    [
        ("submit", Stage.DRAFT),
        ("route", Stage.SUBMITTED),
        ("request_supplement", Stage.SUBMITTED),
        ("resubmit", Stage.SUPPLEMENT),
        ("admit", Stage.UNDER_REVIEW),
        ("reject", Stage.SUBMITTED),
        ("move_to_implementation", Stage.RESERVE),
    ],
)
def test_another_districts_staff_gets_404(client, w, action, stage):
    project = project_in(stage, w)
    if action == "admit":
        agree_all(project, w)
    login(client, w.xicheng_staff)
    response = client.post(action_url(project, action), {"reason": "说明", "departments": [w.planning.pk]})
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.stage == stage
    if action != "submit" and action != "resubmit":
        with pytest.raises(TransitionRefused) as refused:
            perform(action, project, types.SimpleNamespace(**{**vars(w), "staff": w.xicheng_staff}))
        assert refused.value.message == ACTOR_REFUSALS[action]


@pytest.mark.parametrize("action", ["route", "request_supplement", "admit", "reject"])
def test_the_entity_may_not_decide(client, w, action):
    project = project_in(Stage.UNDER_REVIEW, w)
    agree_all(project, w)
    with pytest.raises(TransitionRefused) as refused:
        perform(action, project, types.SimpleNamespace(**{**vars(w), "staff": w.entity}))
    assert refused.value.message == ACTOR_REFUSALS[action]
    login(client, w.entity)
    response = client.post(action_url(project, action), {"reason": "说明", "departments": [w.planning.pk]})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW and project.library == Library.NONE


def test_a_reviewer_may_not_admit(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    agree_all(project, w)
    login(client, w.planning_reviewer)
    assert client.post(action_url(project, "admit"), {"reason": ""}).status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW


def test_unknown_action_changes_nothing(client, w):
    project = project_in(Stage.SUBMITTED, w)
    login(client, w.staff)
    html = html_of(client.post(action_url(project, "archive"), follow=True))
    assert "未知的操作。" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED


# --- the whole pipeline through HTTP ----------------------------------------------------------------


def test_intake_end_to_end_through_the_views(client, w):
    login(client, w.entity)
    client.post(reverse("projects:project_create"), form_post_data())
    project = Project.objects.get()
    for kind in ("申报材料", "资金匡算"):
        upload = SimpleUploadedFile(f"{kind}.pdf", material_pdf(kind))
        client.post(reverse("projects:attachment_upload", args=[project.pk]), {"kind": kind, "file": upload})
    client.post(action_url(project, "submit"))

    login(client, w.staff)
    client.post(action_url(project, "route"), {"departments": [w.planning.pk, w.housing.pk]})
    for reviewer in (w.planning_reviewer, w.housing_reviewer):
        login(client, reviewer)
        opinion = IntakeOpinion.objects.get(project=project, department=reviewer.organization)
        detail = html_of(client.get(detail_url(project)))
        assert reverse("projects:opinion", args=[opinion.pk]) in detail
        client.post(reverse("projects:opinion", args=[opinion.pk]), {"decision": "agree", "text": "同意"})

    login(client, w.staff)
    client.post(action_url(project, "admit"))
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE

    login(client, w.housing_reviewer)  # lead department of 老旧小区综合整治
    client.post(
        action_url(project, "move_to_implementation"),
        {"reason": "实施条件已具备", "confirmation": confirmation(), **REQUIREMENTS},
    )
    project.refresh_from_db()
    assert project.stage == Stage.IMPLEMENTATION
    actions = list(
        AuditEvent.objects.for_object(project)
        .filter(action__startswith="intake.")
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("intake.upload", Stage.DRAFT, Stage.DRAFT),
        ("intake.upload", Stage.DRAFT, Stage.DRAFT),
        ("intake.submit", Stage.DRAFT, Stage.SUBMITTED),
        ("intake.route", Stage.SUBMITTED, Stage.UNDER_REVIEW),
        ("intake.notice", "", "海淀城更入库〔2026〕1号"),
        ("intake.admit", Stage.UNDER_REVIEW, Stage.RESERVE),
        ("intake.move_to_implementation", Stage.RESERVE, Stage.IMPLEMENTATION),
    ]


# --- deadlines ----------------------------------------------------------------------------------------


def test_submit_opens_the_review_and_notice_clocks(w):
    project = services.submit(make_draft(w.entity), actor=w.entity)
    deadlines = by_kind(intake_deadlines(project))
    assert set(deadlines) == {"intake_review", "admission_notice"}
    review, notice = deadlines["intake_review"], deadlines["admission_notice"]
    for deadline, amount in ((review, 10), (notice, 30)):
        assert deadline.state == DeadlineState.OPEN
        assert deadline.rule == DeadlineRule.WORKING_DAYS and deadline.amount == amount
        assert deadline.start_date == RECEIPT
        assert deadline.responsible_organization == w.hc
        assert deadline.district.code == HAIDIAN
        assert deadline.subject_organization == w.entity.organization
        assert deadline.provisional is False
    # 2026-02-12 (Thu) + 10 working days: 13 Fri, 14 Sat (调休上班), 15–23 Spring Festival off,
    # 24, 25, 26, 27, 28 Sat (调休上班), 1 Mar Sun off, 2, 3, 4 → 2026-03-04.
    assert review.due_date == datetime.date(2026, 3, 4)
    # … 5, 6, 9–13, 16–20, 23–27, 30, 31 Mar, 1 Apr → the 30th working day is 2026-04-01.
    assert notice.due_date == datetime.date(2026, 4, 1)
    assert AuditEvent.objects.for_object(project).filter(action="deadline.open").count() == 2


def test_regional_project_gets_only_the_admission_notice_clock(w):
    project = services.submit(make_draft(w.entity, OLD_QUARTER), actor=w.entity)
    deadlines = intake_deadlines(project)
    assert [d.kind for d in deadlines] == ["admission_notice"]
    assert deadlines[0].due_date == datetime.date(2026, 4, 1)
    assert deadlines[0].responsible_organization == w.hc


def test_receipt_before_national_day(w, clock):
    clock(datetime.date(2025, 9, 26))
    project = services.submit(make_draft(w.entity), actor=w.entity)
    deadlines = by_kind(intake_deadlines(project))
    # 2025-09-26 (Fri): 28 Sep Sun (调休上班), 29, 30, 1–8 Oct off, 9, 10, 11 Sat (调休上班), 13, 14, 15, 16.
    assert deadlines["intake_review"].due_date == datetime.date(2025, 10, 16)
    # … 17, 20–24, 27–31 Oct, 3–7, 10, 11, 12, 13 Nov → 30th working day 2025-11-13.
    assert deadlines["admission_notice"].due_date == datetime.date(2025, 11, 13)
    project.refresh_from_db()
    assert project.code == "110108-2025-0001"


def test_supplement_suspends_and_resubmission_restarts_the_clocks(w, clock):
    project = services.submit(make_draft(w.entity), actor=w.entity)
    code = Project.objects.get(pk=project.pk).code
    first = intake_deadlines(project)

    clock(datetime.date(2026, 2, 13))
    project = services.request_supplement(project, actor=w.staff, items="补充权属证明")
    assert {d.state for d in intake_deadlines(project)} == {DeadlineState.SUSPENDED}
    assert all(d.close_reason.startswith("补正") for d in intake_deadlines(project))
    assert not intake_deadlines(project, DeadlineState.OPEN)

    clock(datetime.date(2026, 3, 2))
    project = answer_supplement(project, w, response="已补充权属证明")
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert project.intake_round == 2
    assert project.received_on == datetime.date(2026, 3, 2)
    assert project.first_received_on == RECEIPT
    assert project.code == code  # a resubmission keeps the code

    supplement = SupplementRequest.objects.get(project=project)
    assert supplement.round == 1
    assert supplement.responded_on == datetime.date(2026, 3, 2)
    assert supplement.response == "已补充权属证明" and supplement.responded_by == w.entity

    all_deadlines = intake_deadlines(project)
    assert len(all_deadlines) == 4
    old = [d for d in all_deadlines if d.pk in {f.pk for f in first}]
    assert {(d.kind, d.state, d.start_date, d.due_date) for d in old} == {
        ("intake_review", DeadlineState.SUSPENDED, RECEIPT, datetime.date(2026, 3, 4)),
        ("admission_notice", DeadlineState.SUSPENDED, RECEIPT, datetime.date(2026, 4, 1)),
    }
    new = by_kind(intake_deadlines(project, DeadlineState.OPEN))
    assert set(new) == {"intake_review", "admission_notice"}
    assert {d.start_date for d in new.values()} == {datetime.date(2026, 3, 2)}
    assert {d.responsible_organization for d in new.values()} == {w.hc}
    # 2026-03-02 (Mon) + 10 working days: 3, 4, 5, 6, 9, 10, 11, 12, 13, 16 → 2026-03-16.
    assert new["intake_review"].due_date == datetime.date(2026, 3, 16)
    # … 17–20, 23–27, 30, 31 Mar, 1–3 Apr, 4–6 Apr 清明 off, 7–10, 13, 14 → 30th is 2026-04-14.
    assert new["admission_notice"].due_date == datetime.date(2026, 4, 14)


def test_resubmission_starts_a_new_review_round(w, clock):
    """Round-1 opinions stay in the history; a new routing creates round-2 opinions, and admission then
    waits for the round-2 answer (a round-1 disagreement no longer blocks once round 2 agrees)."""
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.housing])
    round_one = {o.department_id: o for o in IntakeOpinion.objects.filter(project=project)}
    services.record_opinion(
        round_one[w.planning.pk], actor=w.planning_reviewer, decision=Opinion.DISAGREE, text="材料不全"
    )
    services.record_opinion(
        round_one[w.housing.pk], actor=w.housing_reviewer, decision=Opinion.AGREE, text=""
    )
    project = services.request_supplement(project, actor=w.staff, items="补充规划条件")
    clock(datetime.date(2026, 3, 2))
    project = answer_supplement(project, w)

    with pytest.raises(TransitionRefused, match=f"以下部门不同意入库：{w.planning.name}"):
        services.admit(project, actor=w.staff)  # planning's round-1 不同意 is still its latest opinion

    project = services.route(project, actor=w.staff, departments=[w.planning])
    round_two = IntakeOpinion.objects.get(project=project, round=2)
    assert round_two.department == w.planning and round_two.opinion == Opinion.PENDING
    kept = {o.department_id: o.opinion for o in IntakeOpinion.objects.filter(project=project, round=1)}
    assert kept == {w.planning.pk: Opinion.DISAGREE, w.housing.pk: Opinion.AGREE}
    with pytest.raises(TransitionRefused, match=f"尚待以下部门答复：{w.planning.name}"):
        services.admit(project, actor=w.staff)

    services.record_opinion(round_two, actor=w.planning_reviewer, decision=Opinion.AGREE, text="补正后同意")
    clock(datetime.date(2026, 3, 5))
    project = services.admit(project, actor=w.staff)
    project.refresh_from_db()
    assert project.stage == Stage.RESERVE and project.admitted_on == datetime.date(2026, 3, 5)
    assert AdmissionNotice.objects.get(project=project).issued_on == datetime.date(2026, 3, 5)
    states = {(d.start_date, d.kind): d.state for d in intake_deadlines(project)}
    assert states == {
        # Both departments answered before the 补正: the first 10-day review was met, not interrupted.
        (RECEIPT, "intake_review"): DeadlineState.MET,
        (RECEIPT, "admission_notice"): DeadlineState.SUSPENDED,
        (datetime.date(2026, 3, 2), "intake_review"): DeadlineState.MET,
        (datetime.date(2026, 3, 2), "admission_notice"): DeadlineState.MET,
    }
    assert IntakeOpinion.objects.filter(project=project, round=1).count() == 2


def test_a_department_left_pending_before_the_supplement_still_has_to_answer(w, clock):
    """Pins projects.services.departments_agree as it stands (each routed department's *latest* opinion
    counts, across rounds): a round-1 opinion still pending after 补正 blocks admission and can be
    answered once the review resumes. NB: the brief said "admit requires round-2 agreement only"."""
    project = project_in(Stage.SUBMITTED, w)
    project = services.route(project, actor=w.staff, departments=[w.planning, w.ecology])
    services.record_opinion(
        IntakeOpinion.objects.get(project=project, department=w.planning),
        actor=w.planning_reviewer,
        decision=Opinion.AGREE,
        text="",
    )
    project = services.request_supplement(project, actor=w.staff, items="补充环评材料")
    clock(datetime.date(2026, 3, 2))
    project = answer_supplement(project, w)
    with pytest.raises(TransitionRefused, match=f"尚待以下部门答复：{w.ecology.name}"):
        services.admit(project, actor=w.staff)
    pending = IntakeOpinion.objects.get(project=project, department=w.ecology)
    services.record_opinion(pending, actor=w.ecology_reviewer, decision=Opinion.AGREE, text="补正后同意")
    project = services.admit(project, actor=w.staff)
    assert Project.objects.get(pk=project.pk).stage == Stage.RESERVE


def test_project_page_shows_supplement_history_and_round_opinions(client, w, clock):
    project = project_in(Stage.UNDER_REVIEW, w)
    services.record_opinion(
        IntakeOpinion.objects.get(project=project),
        actor=w.planning_reviewer,
        decision=Opinion.DISAGREE,
        text="缺图纸",
    )
    services.request_supplement(project, actor=w.staff, items="补充项目位置图")
    clock(datetime.date(2026, 3, 2))
    answer_supplement(project, w)
    login(client, w.staff)
    html = html_of(client.get(detail_url(project)))
    assert "第1轮补正" in html and "补充项目位置图" in html
    assert "材料补齐日 2026年3月2日" in html
    assert "第1轮" in html and "缺图纸" in html
    assert "2026年3月16日" in html  # the restarted 10-working-day clock
    assert "已中止（重新计时）" in html  # the suspended clocks stay in the history


# --- admission notice ---------------------------------------------------------------------------------


def admitted(w, entity=None, staff=None, **overrides):
    entity, staff = entity or w.entity, staff or w.staff
    project = services.submit(make_draft(entity, OLD_QUARTER, **overrides), actor=entity)
    return services.admit(project, actor=staff, note="区政府专题会议纪要")


def test_notice_numbers_run_per_district_and_year(w, clock):
    first = admitted(w, name="海淀一号")
    second = admitted(w, name="海淀二号")
    xicheng_staff = w.xicheng_staff
    third = admitted(w, entity=w.xicheng_entity, staff=xicheng_staff, name="西城一号")
    clock(datetime.date(2027, 1, 6))
    fourth = admitted(w, name="海淀明年一号")
    numbers = {p.name: AdmissionNotice.objects.get(project=p) for p in (first, second, third, fourth)}
    assert numbers["海淀一号"].number == "海淀城更入库〔2026〕1号"
    assert numbers["海淀二号"].number == "海淀城更入库〔2026〕2号"
    assert numbers["西城一号"].number == "西城城更入库〔2026〕1号"
    assert numbers["海淀明年一号"].number == "海淀城更入库〔2027〕1号"
    assert numbers["海淀一号"].issued_on == RECEIPT
    assert numbers["海淀明年一号"].issued_on == datetime.date(2027, 1, 6)
    assert (numbers["海淀二号"].year, numbers["海淀二号"].sequence) == (2026, 2)
    assert numbers["西城一号"].district.code == XICHENG
    notice_event = last_event(first, "intake.notice")
    assert notice_event.to_state == "海淀城更入库〔2026〕1号"


def test_notice_page_is_printable_with_number_date_and_facts(client, w):
    project = project_in(Stage.UNDER_REVIEW, w)
    agree_all(project, w)
    project = services.admit(project, actor=w.staff)
    login(client, w.entity)
    response = client.get(reverse("projects:admission_notice", args=[project.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert "北京市城市更新项目纳入储备项目库通知书" in html
    assert re.search(r'data-testid="notice-number">海淀城更入库〔2026〕1号<', html)
    assert re.search(r'data-testid="notice-date">2026年2月12日<', html)
    assert "海淀区住房和城乡建设委员会" in html
    for fact in (
        "中关村街道科源社区老旧小区综合整治",
        "110108-2026-0001",
        "海淀区中关村街道科源社区",
        "居住类 · 老旧小区综合整治",
        "3000.00 万元",
        "完成12栋住宅楼节能改造和管线更新",
        w.entity.organization.name,
        "你单位于2026年2月12日报送",
    ):
        assert fact in html, fact


def test_notice_page_is_scoped(client, w, make_user):
    project = admitted(w)
    for user in (w.entity, w.staff, w.planning_reviewer, make_user(Role.LEADERSHIP, district_code=None)):
        login(client, user)
        assert client.get(reverse("projects:admission_notice", args=[project.pk])).status_code == 200
    for user in (w.other_entity, w.xicheng_staff, w.xicheng_entity):
        login(client, user)
        assert client.get(reverse("projects:admission_notice", args=[project.pk])).status_code == 404
    not_admitted = project_in(Stage.SUBMITTED, w)
    login(client, w.staff)
    assert client.get(reverse("projects:admission_notice", args=[not_admitted.pk])).status_code == 404


# --- project codes ------------------------------------------------------------------------------------


def test_codes_are_numbered_per_district_and_year(w, clock):
    draft = make_draft(w.entity, name="仅草稿")
    a = services.submit(make_draft(w.entity, name="甲"), actor=w.entity)
    b = services.submit(make_draft(w.entity, name="乙"), actor=w.entity)
    x = services.submit(make_draft(w.xicheng_entity, name="西城甲"), actor=w.xicheng_entity)
    c = services.submit(make_draft(w.other_entity, name="丙"), actor=w.other_entity)
    clock(datetime.date(2027, 1, 6))
    d = services.submit(make_draft(w.entity, name="丁"), actor=w.entity)
    codes = {p.name: Project.objects.get(pk=p.pk).code for p in (draft, a, b, x, c, d)}
    assert codes == {
        "仅草稿": "",
        "甲": "110108-2026-0001",
        "乙": "110108-2026-0002",
        "西城甲": "110102-2026-0001",
        "丙": "110108-2026-0003",
        "丁": "110108-2027-0001",
    }


def test_resubmission_keeps_the_code_and_takes_no_new_number(w, clock):
    project = project_in(Stage.SUPPLEMENT, w)
    clock(datetime.date(2026, 3, 2))
    answer_supplement(project, w)
    following = services.submit(make_draft(w.entity, name="下一个"), actor=w.entity)
    project.refresh_from_db()
    assert project.code == "110108-2026-0001"
    assert Project.objects.get(pk=following.pk).code == "110108-2026-0002"


# --- scoping ------------------------------------------------------------------------------------------


def test_project_page_is_scoped(client, w, make_user):
    project = project_in(Stage.SUBMITTED, w)
    for user in (
        w.entity,
        w.staff,
        w.planning_reviewer,
        make_user(Role.LEADERSHIP),
        make_user(Role.AUDITOR, district_code=None),
    ):
        login(client, user)
        assert client.get(detail_url(project)).status_code == 200, user.role
    for user in (
        w.xicheng_staff,
        w.xicheng_entity,
        w.other_entity,
        make_user(Role.REVIEWER, organization=department(DepartmentCode.PLANNING, XICHENG)),
        make_user(Role.LEADERSHIP, district_code=XICHENG),
    ):
        login(client, user)
        response = client.get(detail_url(project))
        assert response.status_code == 404, user.role
        assert project.name not in html_of(response)


def test_entity_sees_only_its_own_applications_in_the_inbox(client, w):
    mine = make_draft(w.entity, name="本单位的草稿")
    theirs = make_draft(w.other_entity, name="别人的草稿")
    login(client, w.entity)
    html = html_of(client.get(reverse("projects:intake_inbox")))
    assert detail_url(mine) in html and mine.name in html
    assert detail_url(theirs) not in html and theirs.name not in html


def test_reviewer_inbox_lists_only_its_own_pending_opinions(client, w):
    both = services.route(
        project_in(Stage.SUBMITTED, w, name="分送两部门"), actor=w.staff, departments=[w.planning, w.housing]
    )
    housing_only = services.route(
        project_in(Stage.SUBMITTED, w, name="仅分送住建"), actor=w.staff, departments=[w.housing]
    )
    answered = project_in(Stage.UNDER_REVIEW, w, name="规划已答复")
    agree_all(answered, w)
    supplement = project_in(Stage.UNDER_REVIEW, w, name="已转补正")
    services.request_supplement(supplement, actor=w.staff, items="补件")
    xicheng_planning = department(DepartmentCode.PLANNING, XICHENG)
    xicheng_project = services.submit(make_draft(w.xicheng_entity, name="西城项目"), actor=w.xicheng_entity)
    services.route(xicheng_project, actor=w.xicheng_staff, departments=[xicheng_planning])

    login(client, w.planning_reviewer)
    html = html_of(client.get(reverse("projects:intake_inbox")))
    mine = IntakeOpinion.objects.get(project=both, department=w.planning)
    assert reverse("projects:opinion", args=[mine.pk]) in html and "分送两部门" in html
    for absent in ("仅分送住建", "规划已答复", "已转补正", "西城项目"):
        assert absent not in html, absent
    for opinion in IntakeOpinion.objects.exclude(pk=mine.pk):
        assert reverse("projects:opinion", args=[opinion.pk]) not in html

    login(client, w.housing_reviewer)
    html = html_of(client.get(reverse("projects:intake_inbox")))
    assert "分送两部门" in html and "仅分送住建" in html and "规划已答复" not in html
    housing_opinion = IntakeOpinion.objects.get(project=housing_only)
    assert reverse("projects:opinion", args=[housing_opinion.pk]) in html


def test_staff_inbox_lists_the_districts_applications_with_lights(client, w, settings, clock):
    settings.DEADLINE_WARNING_WORKDAYS = 3
    for stage, name in (
        (Stage.DRAFT, "草稿项目"),
        (Stage.SUBMITTED, "已受理项目"),
        (Stage.UNDER_REVIEW, "审查中项目"),
        (Stage.SUPPLEMENT, "待补正项目"),
        (Stage.RESERVE, "已入库项目"),
        (Stage.REJECTED, "已驳回项目"),
    ):
        project_in(stage, w, name=name)
    services.submit(make_draft(w.xicheng_entity, name="西城已受理"), actor=w.xicheng_entity)

    login(client, w.staff)
    html = html_of(client.get(reverse("projects:intake_inbox")))
    for absent in ("草稿项目", "已入库项目", "已驳回项目", "西城已受理"):
        assert absent not in html, absent
    submitted = row_for(html, "已受理项目")
    assert "110108-2026-0001" in submitted
    assert "入库联合审查 2026年3月4日" in submitted and "制发入库通知书 2026年4月1日" in submitted
    assert submitted.count('data-light="green"') == 2
    assert row_for(html, "审查中项目").count('data-light="green"') == 2
    supplement = row_for(html, "待补正项目")
    assert "待补正，计时中止" in supplement and "data-light" not in supplement

    clock(datetime.date(2026, 3, 2))  # 2 working days before 4 March → yellow
    html = html_of(client.get(reverse("projects:intake_inbox")))
    submitted = row_for(html, "已受理项目")
    assert 'data-light="yellow"' in submitted and "剩2个工作日" in submitted
    clock(datetime.date(2026, 3, 6))  # 5 and 6 March after the due day → red, 2 working days overdue
    submitted = row_for(html_of(client.get(reverse("projects:intake_inbox"))), "已受理项目")
    assert 'data-light="red"' in submitted and "逾期2个工作日" in submitted


# --- query counts -------------------------------------------------------------------------------------


def queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def repeated(small: list[str], large: list[str]) -> str:
    """A readable report of the statements the larger page runs more often."""
    shape = lambda sql: re.sub(r"\b\d+\b", "N", sql)  # noqa: E731
    a, b = Counter(map(shape, small)), Counter(map(shape, large))
    lines = [f"{b[s] - a[s]:+d} × {s[:300]}" for s in b if b[s] != a[s]]
    return f"{len(small)} vs {len(large)} queries; differing statements:\n" + "\n".join(lines)


def pdf(label: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{label}.pdf", b"%PDF-1.4\n% " + label.encode() + b"\n%%EOF\n")


def test_project_page_query_count_does_not_grow(client, w, settings, tmp_path, make_user):
    settings.MEDIA_ROOT = tmp_path
    small = project_in(Stage.UNDER_REVIEW, w, name="小项目")
    attach(small, pdf("one"), kind="申报材料", actor=w.entity)

    large = project_in(Stage.SUBMITTED, w, name="大项目")
    departments = [w.planning, w.housing, w.ecology] + [
        department(code)
        for code in (DepartmentCode.FIRE, DepartmentCode.FINANCE, DepartmentCode.DEVELOPMENT_REFORM)
    ]
    for d in departments[3:]:
        w.reviewers[d.pk] = make_user(Role.REVIEWER, organization=d)
    large = services.route(large, actor=w.staff, departments=departments)
    for opinion in IntakeOpinion.objects.filter(project=large)[:3]:
        services.record_opinion(
            opinion, actor=w.reviewers[opinion.department_id], decision=Opinion.AGREE, text="同意"
        )
    previous = None
    for number in range(10):  # 10 attachments: 7 documents, 3 of them replaced by a second version
        replaces = previous if number in (3, 5, 7) else None
        previous = attach(large, pdf(f"file{number}"), kind="申报材料", actor=w.entity, replaces=replaces)
    assert large.attachments.count() == 12  # and the two required materials
    assert IntakeOpinion.objects.filter(project=large).count() == 6

    login(client, w.staff)
    client.get(detail_url(small))  # warm up caches (content types, session)
    small_queries = queries_of(client, detail_url(small))
    large_queries = queries_of(client, detail_url(large))
    assert len(small_queries) == len(large_queries), repeated(small_queries, large_queries)


def test_intake_inbox_query_count_does_not_grow(client, w):
    def add_projects(count, prefix):
        for number in range(count):
            project_in(Stage.SUBMITTED if number % 2 else Stage.UNDER_REVIEW, w, name=f"{prefix}{number}")

    login(client, w.staff)
    add_projects(3, "少")
    client.get(reverse("projects:intake_inbox"))
    few = queries_of(client, reverse("projects:intake_inbox"))
    add_projects(12, "多")
    assert Project.objects.count() == 15
    many_response_queries = queries_of(client, reverse("projects:intake_inbox"))
    assert len(few) == len(many_response_queries), repeated(few, many_response_queries)


def test_reviewer_inbox_query_count_does_not_grow(client, w):
    login(client, w.planning_reviewer)
    for number in range(3):
        project_in(Stage.UNDER_REVIEW, w, name=f"少{number}")
    client.get(reverse("projects:intake_inbox"))
    few = queries_of(client, reverse("projects:intake_inbox"))
    for number in range(12):
        project_in(Stage.UNDER_REVIEW, w, name=f"多{number}")
    many = queries_of(client, reverse("projects:intake_inbox"))
    assert len(few) == len(many), repeated(few, many)
