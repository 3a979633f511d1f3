"""The workflow contract of the projects app (issue 8), generated over its two tables.

For every state a demo project passes through, every role (and the lead department of the project's
sub-type), and every step of INTAKE and INTAKE_OPINION: the project page shows the step's button exactly
when `available_for` allows it, exactly when the service accepts it (tried inside a rolled-back
transaction), and `GET …/actions/` says the same. Then the API's POST actions against the pages: the same
outcome, the form's validation, refusals as 409 with the Chinese reason, out of scope as 404; the
project's stage moved by `move_stage`; and the audit vocabulary of everything projects writes.
"""

import datetime
import html as html_lib
import io
import re
import types
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import importing, services
from projects.choices import Opinion, Stage
from projects.models import Category, IntakeOpinion, Project, SubType
from projects.views.intake import PROJECT_ROLES
from renewal import audit_actions
from renewal.choices import DepartmentCode, OrganizationKind, Role
from renewal.models import Attachment, AuditEvent
from renewal.workflow import TransitionRefused
from tests import factories
from tests.contract import accepts as accepted
from tests.projects.factories import attach_required_materials, material_pdf

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)  # a Monday
API = "/api/v1/projects/"
OPINIONS_API = "/api/v1/intake-opinions/"
STEPS = {t.action for t in services.INTAKE.transitions}
ACTION = re.compile(r'data-action="([a-z_]+)"')
DECIDE_LINK = re.compile(r'href="/projects/opinions/(\d+)/" data-action="decide"')


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: TODAY)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w(users_by_role, make_user):
    """One user of every role in 海淀区, the project's entity among them, and the lead department
    (区住房城乡建设委 leads 老旧小区综合整治) besides the reviewer's own department (规划自然资源分局)."""
    place = factories.district("110108")
    users = dict(users_by_role)
    housing = factories.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT,
        department_code=DepartmentCode.HOUSING,
        district=place,
        name="海淀区住房城乡建设委",
    )
    lead = make_user(Role.REVIEWER, organization=housing)
    return types.SimpleNamespace(
        entity=users[Role.ENTITY],
        staff=users[Role.STAFF],
        reviewer=users[Role.REVIEWER],
        department=users[Role.REVIEWER].organization,
        housing=housing,
        lead=lead,
        # Every role the project page admits (the 督查 office has pages of its own).
        actors={
            **{str(role): user for role, user in users.items() if role in PROJECT_ROLES},
            "lead_department": lead,
        },
        xicheng_staff=make_user(Role.STAFF, district_code="110102"),
        other_entity=make_user(Role.ENTITY),
    )


def application(regional=False, **overrides) -> dict:
    category = Category.objects.get(code="regional" if regional else "residential")
    sub_type = "老旧街区改造" if regional else "老旧小区综合整治"
    return {
        "name": "志新村小区综合整治",
        "category": category,
        "sub_type": SubType.objects.get(category=category, name=sub_type),
        "location": "海淀区学院路街道志新村",
        "renewal_goal": "楼本体节能改造，完善社区配套",
        "total_investment": Decimal("3200"),
        **overrides,
    }


def pdf(name="补充材料"):
    return SimpleUploadedFile(f"{name}.pdf", material_pdf(name))


STATES = [
    "draft_without_materials",
    "draft",
    "submitted",
    "regional_submitted",
    "under_review",
    "agreed",
    "supplement",
    "supplement_answered",
    "rejected",
    "withdrawn",
    "reserve",
    "implementation",
]


def project_in(state, w) -> Project:
    """A project brought to `state` through the services, as the demo's projects are."""
    project = services.create_draft(actor=w.entity, data=application(regional=state == "regional_submitted"))
    if state == "draft_without_materials":
        return project
    attach_required_materials(project, w.entity)
    if state == "draft":
        return project
    project = services.submit(project, actor=w.entity)
    if state in ("submitted", "regional_submitted"):
        return project
    if state.startswith("supplement"):
        project = services.request_supplement(project, actor=w.staff, items="补充房屋权属证明")
        if state == "supplement_answered":
            services.add_material(project, pdf("权属证明"), kind="权属证明", actor=w.entity)
        return project
    if state == "rejected":
        return services.reject(project, actor=w.staff, reason="不符合国土空间规划")
    if state == "withdrawn":
        return services.withdraw(project, actor=w.entity, reason="拟合并申报")
    project = services.route(project, actor=w.staff, departments=[w.department, w.housing])
    if state == "under_review":
        return project
    for opinion, reviewer in (
        (o, w.reviewer if o.department == w.department else w.lead) for o in pending(project)
    ):
        services.record_opinion(opinion, actor=reviewer, decision=Opinion.AGREE, text="同意")
    if state == "agreed":
        return project
    project = services.admit(project, actor=w.staff)
    if state == "reserve":
        return project
    assert state == "implementation"
    return implement(project, w.staff)


REQUIREMENTS = {
    "planning_requirements": "符合控规",
    "function_requirements": "居住及配套",
    "supervision_requirements": "区住建委监管",
}


def implement(project, user):
    """实施条件认定 with what Haidian guidance 三(二) asks for (issue 10 item 4)."""
    return services.move_to_implementation(
        project,
        actor=user,
        reason="实施条件已具备",
        requirements=REQUIREMENTS,
        confirmation=pdf("主体确认文件"),
    )


def pending(project):
    return list(
        IntakeOpinion.objects.filter(project=project, opinion=Opinion.PENDING).select_related("department")
    )


def attempts(w, project) -> dict:
    """Each INTAKE step with valid input, as its form on the project page sends it."""
    return {
        "edit": lambda user: services.update_draft(
            project, actor=user, data={"location": "海淀区志新村东区"}
        ),
        "upload": lambda user: services.add_material(project, pdf(), kind="其他", actor=user),
        "submit": lambda user: services.submit(project, actor=user),
        "delete": lambda user: services.delete_draft(project, actor=user),
        "resubmit": lambda user: services.resubmit(project, actor=user, response="已补充房屋权属证明"),
        "withdraw": lambda user: services.withdraw(project, actor=user, reason="拟合并申报"),
        "route": lambda user: services.route(project, actor=user, departments=[w.department]),
        "request_supplement": lambda user: services.request_supplement(project, actor=user, items="补充明细"),
        "admit": lambda user: services.admit(project, actor=user, note="区政府专题会议纪要〔2026〕1号"),
        "reject": lambda user: services.reject(project, actor=user, reason="不符合国土空间规划"),
        "move_to_implementation": lambda user: implement(project, user),
    }


def detail_url(project) -> str:
    return reverse("projects:project_detail", args=[project.pk])


# --- the generated contract -----------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_buttons_availability_service_and_api_agree(client, w, state):
    project = project_in(state, w)
    opinions = list(IntakeOpinion.objects.filter(project=project).select_related("project", "department"))
    tries = attempts(w, project)
    assert set(tries) == STEPS, "every step of the INTAKE table is tried here"
    for name, user in w.actors.items():
        client.force_login(user)
        rows = services.project_actions(user, project)
        allowed = {row.action for row in rows if row.allowed}
        took = {step for step, call in tries.items() if accepted(lambda call=call, user=user: call(user))}
        assert took == allowed, f"{state} · {name}: the service accepts {took}, the table allows {allowed}"

        answerable = {
            o.pk
            for o in opinions
            if next(r for r in services.opinion_actions(user, o) if r.action == "decide").allowed
        }
        decided = {
            o.pk
            for o in opinions
            if accepted(
                lambda o=o, user=user: services.record_opinion(
                    o, actor=user, decision=Opinion.AGREE, text="同意"
                )
            )
        }
        assert decided == answerable, f"{state} · {name}: opinions {decided} accepted, {answerable} allowed"

        page = client.get(detail_url(project))
        api = client.get(f"{API}{project.pk}/actions/")
        if page.status_code == 404:
            # Out of scope: no page, no API, and nothing the user could do.
            assert api.status_code == 404 and allowed == set() and answerable == set(), (state, name)
            continue
        assert page.status_code == 200 and api.status_code == 200, (state, name)
        html = page.content.decode()
        shown = set(ACTION.findall(html)) & (STEPS | {"decide"})
        expected = allowed | ({"decide"} if answerable else set())
        assert shown == expected, f"{state} · {name}: page shows {shown}, the table allows {expected}"
        assert {int(pk) for pk in DECIDE_LINK.findall(html)} == answerable, (state, name)
        # The API lists the other tables' steps too (统筹主体 confirmation, the LIBRARY staff steps).
        intake_rows = [row for row in api.json() if row["name"] in STEPS]
        assert intake_rows == [row.as_dict() for row in rows if row.permitted], (state, name)
        # A step the state allows but something is missing for is shown disabled, with the reason.
        in_state = {t.action for t in services.INTAKE.available(project)}
        for row in rows:
            if row.permitted and not row.allowed and row.action in in_state:
                assert f'data-refusal="{row.action}">{html_lib.escape(row.reason)}</div>' in html, (
                    state,
                    name,
                    row.action,
                )
        for opinion in opinions:
            listed = client.get(f"{OPINIONS_API}{opinion.pk}/actions/")
            if listed.status_code == 404:
                assert opinion.pk not in answerable
                continue
            decide = next((row for row in listed.json() if row["name"] == "decide"), None)  # only their own
            offered = decide is not None and decide["allowed"]
            assert offered == (opinion.pk in answerable), (state, name, opinion.department.name)


def test_every_step_of_both_tables_says_who_may_take_it(w):
    for workflow in (services.INTAKE, services.INTAKE_OPINION):
        for transition in workflow.transitions:
            assert transition.actor is not None and transition.actor_refusal, transition.action
    assert {t.action for t in services.INTAKE.transitions if t.confirm} == {
        "delete",
        "withdraw",
        "admit",
        "reject",
        "move_to_implementation",
    }
    assert services.INTAKE.get("submit").opens == ("intake_review", "admission_notice")
    assert services.INTAKE_OPINION.get("decide").exposes_opinion


def test_the_confirmation_names_the_draft_on_the_page_and_in_the_api(client, w):
    project = project_in("draft", w)
    client.force_login(w.entity)
    question = "确认删除草稿“志新村小区综合整治”及其已上传的材料？删除后无法恢复。"
    assert f'data-confirm="{question}"' in client.get(detail_url(project)).content.decode()
    rows = {row["name"]: row for row in client.get(f"{API}{project.pk}/actions/").json()}
    assert rows["delete"]["confirm"] == question


# --- POST actions do what the forms do ---------------------------------------------------------------


def stage_on_page(client, project) -> str:
    html = client.get(detail_url(project)).content.decode()
    return re.search(r'data-testid="stage">([^<]*)<', html).group(1)


def post(client, project, action, data=None, **kwargs):
    return client.post(f"{API}{project.pk}/actions/{action}/", data or {}, **kwargs)


def test_an_application_filed_and_decided_through_the_api_reads_as_on_the_pages(client, w):
    client.force_login(w.entity)
    created = client.post(
        API,
        {
            "name": "塔院小区综合整治",
            "category": Category.objects.get(code="residential").pk,
            "sub_type": SubType.objects.get(name="老旧小区综合整治").pk,
            "location": "海淀区花园路街道塔院小区",
            "renewal_goal": "节能改造",
            "total_investment": "4200",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["stage"] == Stage.DRAFT and created.json()["stage_label"] == "草稿"
    project = Project.objects.get(pk=created.json()["id"])
    assert project.implementing_entity == w.entity.organization and project.created_by == w.entity
    assert AuditEvent.objects.for_object(project).get(action="project.create").actor == w.entity

    refused = post(client, project, "submit")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "不能提交入库申请：尚未上传必备材料：申报材料、资金匡算。",
        "missing": ["尚未上传必备材料：申报材料、资金匡算"],
    }
    for kind in ("申报材料", "资金匡算"):
        uploaded = post(client, project, "upload", {"kind": kind, "file": pdf(kind)})
        assert uploaded.status_code == 200, uploaded.content
    assert {a.kind for a in Attachment.objects.for_object(project)} == {"申报材料", "资金匡算"}
    submitted = post(client, project, "submit")
    assert submitted.status_code == 200 and submitted.json()["stage_label"] == "已受理"
    # The answer is the project as it is now, with the clocks the step opened.
    assert [d["kind"] for d in submitted.json()["open_deadlines"]] == ["intake_review", "admission_notice"]
    assert stage_on_page(client, project) == "已受理"
    project.refresh_from_db()
    assert project.code.startswith("110108-2026-") and project.received_on == TODAY

    client.force_login(w.staff)
    routed = post(
        client, project, "route", {"departments": [w.department.pk]}, content_type="application/json"
    )
    assert routed.status_code == 200 and routed.json()["stage_label"] == "入库联合审查中"
    opinion = IntakeOpinion.objects.get(project=project)

    client.force_login(w.reviewer)
    no_reason = client.post(
        f"{OPINIONS_API}{opinion.pk}/actions/decide/", {"decision": "disagree", "text": ""}
    )
    assert no_reason.status_code == 400 and no_reason.json() == {"text": ["不同意入库须说明理由。"]}
    agreed = client.post(f"{OPINIONS_API}{opinion.pk}/actions/decide/", {"decision": "agree", "text": "同意"})
    assert agreed.status_code == 200 and agreed.json()["opinion_label"] == "同意"
    again = client.post(f"{OPINIONS_API}{opinion.pk}/actions/decide/", {"decision": "agree", "text": ""})
    assert again.status_code == 409
    assert again.json()["detail"] == "当前状态为“同意”，不能答复入库审查意见（仅在“待审查”状态下可以）。"

    client.force_login(w.staff)
    admitted = post(client, project, "admit", {"note": "同意入库"})
    assert admitted.status_code == 200 and admitted.json()["stage_label"] == "储备项目"
    assert admitted.json()["admission_notice_number"] == "海淀城更入库〔2026〕1号"
    assert stage_on_page(client, project) == "储备项目"

    client.force_login(w.lead)  # the lead department of 老旧小区综合整治
    missing = post(client, project, "move_to_implementation", {"reason": "", **REQUIREMENTS})
    assert missing.status_code == 409
    assert missing.json() == {"detail": "转入实施项目库须填写原因。", "missing": ["原因"]}
    moved = post(
        client,
        project,
        "move_to_implementation",
        {"reason": "实施条件已具备", "confirmation": pdf("确认文件"), **REQUIREMENTS},
    )
    assert moved.status_code == 200 and moved.json()["stage_label"] == "实施项目"
    assert stage_on_page(client, project) == "实施项目"


def test_supplement_resubmit_withdraw_and_reject_through_the_api(client, w):
    project = project_in("submitted", w)
    client.force_login(w.staff)
    assert (
        post(client, project, "request_supplement", {"items": "补充权属证明"}).json()["stage_label"]
        == "待补正"
    )

    client.force_login(w.entity)
    early = post(client, project, "resubmit", {"response": "已补充"})
    assert early.status_code == 409
    assert "补正通知发出后尚未上传新的或替换的材料" in early.json()["detail"]
    old = Attachment.objects.for_object(project).get(kind="申报材料")
    replaced = post(client, project, "upload", {"kind": "申报材料", "file": pdf("修订"), "replaces": old.pk})
    assert replaced.status_code == 200
    assert Attachment.objects.for_object(project).filter(replaces=old, version=2).exists()
    resubmitted = post(client, project, "resubmit", {"response": "已修订申报书"})
    assert resubmitted.status_code == 200 and resubmitted.json()["stage_label"] == "已受理"
    assert project.supplement_requests.get().response == "已修订申报书"

    withdrawn = post(client, project, "withdraw", {"reason": "拟合并申报"})
    assert withdrawn.status_code == 200 and withdrawn.json()["stage_label"] == "已撤回"
    assert stage_on_page(client, project) == "已撤回"

    other = project_in("submitted", w)
    client.force_login(w.staff)
    rejected = post(client, other, "reject", {"reason": "不符合国土空间规划"})
    assert rejected.status_code == 200 and rejected.json()["stage_label"] == "未予入库"
    other.refresh_from_db()
    assert other.rejection_reason == "不符合国土空间规划"


def test_edit_and_create_use_the_forms_validation(client, w):
    client.force_login(w.entity)
    residential = Category.objects.get(code="residential")
    wrong_sub_type = SubType.objects.get(name="老旧街区改造")
    bad = client.post(
        API,
        {
            "name": "错配项目",
            "category": residential.pk,
            "sub_type": wrong_sub_type.pk,
            "total_investment": "-1",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    errors = bad.json()
    assert errors["sub_type"] == ["子类“老旧街区改造”不属于“居住类”，请重新选择。"]
    assert errors["location"] == ["请填写项目位置。"] and errors["renewal_goal"] == ["请填写更新目标。"]
    assert errors["total_investment"] == ["总投资须大于0（单位：万元）。"]
    assert not Project.objects.exists()

    project = project_in("draft", w)
    edited = post(client, project, "edit", {"total_investment": "5000"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["total_investment"] == "5000.00"
    project.refresh_from_db()
    assert project.name == "志新村小区综合整治" and project.location == "海淀区学院路街道志新村"  # kept
    event = AuditEvent.objects.for_object(project).get(action="intake.edit")
    assert event.data["changed"] == {"total_investment": ["3200.00", "5000.00"]}
    cleared = post(client, project, "edit", {"location": ""}, content_type="application/json")
    assert cleared.status_code == 400 and cleared.json() == {"location": ["请填写项目位置。"]}

    bad_file = post(
        client, project, "upload", {"kind": "其他", "file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")}
    )
    assert bad_file.status_code == 400 and "file" in bad_file.json()
    bad_kind = post(client, project, "upload", {"kind": "照片", "file": pdf()})
    assert bad_kind.status_code == 400
    assert bad_kind.json() == {
        "kind": ["请选择材料类型：申报材料、项目位置图、权属证明、资金匡算、主体确认文件、其他。"]
    }

    client.force_login(w.staff)
    assert client.post(API, {"name": "x"}).status_code == 403


def test_delete_draft_through_the_api(client, w, django_capture_on_commit_callbacks):
    project = project_in("draft", w)
    client.force_login(w.entity)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, project, "delete")
    assert response.status_code == 204 and not response.content
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Attachment.objects.filter(object_id=project.pk, content_type__model="project").exists()
    event = AuditEvent.objects.get(action="intake.delete")
    assert event.object_id == str(project.pk) and event.data["name"] == "志新村小区综合整治"
    assert client.get(f"{API}{project.pk}/actions/").status_code == 404


def test_refusals_are_409_with_the_reason_and_out_of_scope_is_404(client, w):
    project = project_in("submitted", w)
    client.force_login(w.entity)
    refused = post(client, project, "admit")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "只有本区城市更新主管部门可以确认入库。", "missing": []}
    wrong_state = post(client, project, "submit")
    assert wrong_state.status_code == 409
    assert wrong_state.json()["detail"] == "当前状态为“已受理”，不能提交入库申请（仅在“草稿”状态下可以）。"

    client.force_login(w.xicheng_staff)
    assert post(client, project, "admit").status_code == 404
    assert client.get(f"{API}{project.pk}/actions/").status_code == 404
    draft = project_in("draft", w)
    for outsider in (w.other_entity, w.staff):  # a draft is its entity's only
        client.force_login(outsider)
        assert post(client, draft, "submit").status_code == 404
        assert post(client, draft, "delete").status_code == 404
    assert Project.objects.get(pk=draft.pk).stage == Stage.DRAFT
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED


def test_a_department_answers_only_its_own_opinion_and_never_reads_another(client, w):
    project = project_in("under_review", w)
    mine = IntakeOpinion.objects.get(project=project, department=w.department)
    theirs = IntakeOpinion.objects.get(project=project, department=w.housing)
    services.record_opinion(theirs, actor=w.lead, decision=Opinion.DISAGREE, text="住建委的保密理由")

    client.force_login(w.reviewer)
    listed = client.get(OPINIONS_API, {"project": project.pk}).json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert client.get(f"{OPINIONS_API}{theirs.pk}/").status_code == 404
    assert client.post(f"{OPINIONS_API}{theirs.pk}/actions/decide/", {"decision": "agree"}).status_code == 404
    page = client.get(detail_url(project)).content.decode()
    assert "住建委的保密理由" not in page

    client.force_login(w.staff)
    rows = {row["id"]: row for row in client.get(OPINIONS_API, {"project": project.pk}).json()["results"]}
    assert rows[theirs.pk]["text"] == "住建委的保密理由" and rows[theirs.pk]["opinion_label"] == "不同意"
    assert "住建委的保密理由" in client.get(detail_url(project)).content.decode()
    refused = client.post(f"{OPINIONS_API}{mine.pk}/actions/decide/", {"decision": "agree"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "只有被分送的部门可以答复本部门的审查意见。"


def test_the_timeline_labels_each_event_with_its_own_workflows_states(client, w):
    project = project_in("agreed", w)
    client.force_login(w.staff)
    html = client.get(detail_url(project)).content.decode()
    changes = re.findall(r"<span[^>]*data-stage-change>([^<]*)</span>", html)
    assert "草稿 → 已受理" in changes and "已受理 → 入库联合审查中" in changes
    assert (
        changes.count("待审查 → 同意") == 2
    )  # the two departments' answers, as the opinion table names them


# --- the project's stage after intake ----------------------------------------------------------------


def test_move_stage_follows_the_pipeline_and_records_one_event(w):
    project = project_in("implementation", w)
    with pytest.raises(TransitionRefused) as refused:
        services.move_stage(project, stage=Stage.PUBLICITY, actor=w.entity)
    assert (
        refused.value.message
        == "项目当前处于“实施项目”阶段，不能转入“公示”阶段（可转入：实施方案编制、行政许可办理）。"
    )
    with pytest.raises(TransitionRefused, match="未知的项目阶段：archived"):
        services.move_stage(project, stage="archived", actor=w.entity)
    with pytest.raises(TransitionRefused, match="不能转入“储备项目”阶段"):
        services.move_stage(project, stage=Stage.RESERVE, actor=w.staff)  # intake's own stages are INTAKE's

    moved = services.move_stage(project, stage=Stage.PLAN_DRAFTING, actor=w.entity, reason="开始编制实施方案")
    assert moved.stage == Stage.PLAN_DRAFTING == Project.objects.get(pk=project.pk).stage
    services.move_stage(moved, stage=Stage.PLAN_DRAFTING, actor=w.entity)  # already there: nothing recorded
    event = AuditEvent.objects.for_object(project).get(action="project.stage")
    assert (event.from_state, event.to_state, event.reason) == (
        Stage.IMPLEMENTATION,
        Stage.PLAN_DRAFTING,
        "开始编制实施方案",
    )
    assert event.action_label == "项目进入“实施方案编制”阶段" and event.actor == w.entity
    labels = [audit_actions.state_label("project.stage", code) for code in (event.from_state, event.to_state)]
    assert labels == ["实施项目", "实施方案编制"]
    for stage in (Stage.PLAN_PRE_REVIEW, Stage.PLAN_DRAFTING, Stage.PLAN_PRE_REVIEW, Stage.JOINT_REVIEW):
        services.move_stage(project, stage=stage, actor=w.staff)
    services.move_stage(project, stage=Stage.PUBLICITY, actor=w.staff)
    services.move_stage(project, stage=Stage.PERMITS, actor=w.staff)
    assert Project.objects.get(pk=project.pk).stage == Stage.PERMITS
    assert AuditEvent.objects.for_object(project).filter(action="project.stage").count() == 7


# --- the audit vocabulary -----------------------------------------------------------------------------


def workbook(rows) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域"])
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return SimpleUploadedFile("清单.xlsx", stream.getvalue())


def test_every_audit_event_projects_writes_is_in_the_vocabulary(
    client, w, django_capture_on_commit_callbacks
):
    for state in STATES:
        project_in(state, w)
    services.move_stage(project_in("implementation", w), stage=Stage.PLAN_DRAFTING, actor=w.entity)
    services.update_draft(project_in("draft", w), actor=w.entity, data={"location": "海淀区志新村东区"})
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_draft(project_in("draft", w), actor=w.entity)
    client.force_login(w.staff)
    assert client.get(reverse("projects:project_export")).status_code == 200
    result = importing.parse_workbook(workbook([(1, "HD-1", "学院路老旧小区", "1.5", "海淀")]), actor=w.staff)
    importing.import_rows(result, actor=w.staff, library="reserve", source_name="清单.xlsx")

    written = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "project.create",
        "project.stage",
        "project.import",
        "ledger.import",
        "ledger.export",
        "intake.notice",
        "intake.edit",
        "intake.upload",
        "intake.delete",
        "intake_opinion.decide",
    } <= written
    unregistered = {code for code in written if not audit_actions.is_registered(code)}
    assert not unregistered, f"audit actions written but not in the vocabulary: {unregistered}"
    assert "intake_opinion.decide" in audit_actions.opinion_actions()
    assert "intake.opinion" in audit_actions.opinion_actions()  # events stored before the table existed


def test_the_opinion_and_edit_forms_offer_their_step_only_when_it_is_allowed(client, w):
    project = project_in("under_review", w)
    opinion = IntakeOpinion.objects.get(project=project, department=w.department)
    url = reverse("projects:opinion", args=[opinion.pk])
    client.force_login(w.reviewer)
    assert 'data-action="decide"' in client.get(url).content.decode()
    services.request_supplement(project, actor=w.staff, items="补充权属证明")
    html = client.get(url).content.decode()
    assert 'data-action="decide"' not in html
    assert (
        '<div class="alert alert-warning py-2 text-break" data-refusal="decide">不能答复入库审查意见：项目当前为“待补正”，入库审查不在进行中。</div>'
        in html
    )

    client.force_login(w.entity)
    edit = reverse("projects:project_edit", args=[project.pk])
    assert (
        'data-action="edit"' in client.get(edit).content.decode()
    )  # a 补正 is open: the application may change
    services.add_material(project, pdf("权属证明"), kind="权属证明", actor=w.entity)
    services.resubmit(project, actor=w.entity, response="已补充")
    html = client.get(edit).content.decode()
    assert 'data-action="edit"' not in html
    assert "当前状态为“已受理”，不能修改申请（仅在“草稿、待补正”状态下可以）。" in html
