"""Issue 7 §3, the intake process holes: required materials (申报材料, 资金匡算) on submission, resubmission
and admission; answering a 补正 with an explanation and a new file; deleting a draft; withdrawing an
application; drafts visible to their entity only; the sub-type that follows its category; the
confirmations asked before irreversible steps.
"""

import datetime
import io
import os
import re
import types
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.choices import Opinion, Stage
from projects.models import Category, IntakeOpinion, Project, SubType, SupplementRequest
from renewal.attachments import attach
from renewal.choices import DeadlineState, DepartmentCode, OrganizationKind, Role
from renewal.models import Attachment, AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from tests import factories
from tests.projects.factories import ProjectFactory, attach_required_materials, material_pdf

RECEIPT = datetime.date(2026, 3, 2)  # a Monday


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: RECEIPT)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def w(make_user):
    haidian = factories.district("110108")
    hc = factories.OrganizationFactory(
        kind=OrganizationKind.HOUSING_COMMISSION, district=haidian, name="海淀区住房和城乡建设委员会"
    )
    planning = factories.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT,
        department_code=DepartmentCode.PLANNING,
        district=haidian,
        name="海淀规划自然资源分局",
    )
    return types.SimpleNamespace(
        staff=make_user(Role.STAFF, organization=hc),
        entity=make_user(Role.ENTITY),
        other_entity=make_user(Role.ENTITY),
        planning=planning,
        reviewer=make_user(Role.REVIEWER, organization=planning),
        leader=make_user(Role.LEADERSHIP),
        city_leader=make_user(Role.LEADERSHIP, district_code=None),
        auditor=make_user(Role.AUDITOR),
        administrator=make_user(Role.ADMINISTRATOR, district_code=None),
    )


def draft(entity, name="科源社区老旧小区综合整治", kind=("residential", "老旧小区综合整治"), **extra):
    category = Category.objects.get(code=kind[0])
    data = {
        "name": name,
        "category": category,
        "sub_type": SubType.objects.get(category=category, name=kind[1]),
        "location": "海淀区中关村街道科源社区",
        "renewal_goal": "完成12栋住宅楼节能改造和管线更新",
        "total_investment": Decimal("3000.00"),
        **extra,
    }
    return services.create_draft(actor=entity, data=data)


def upload_file(project, entity, kind, name=None):
    name = name or f"{kind}.pdf"
    return attach(project, SimpleUploadedFile(name, material_pdf(name)), kind=kind, actor=entity)


def received(w, **extra):
    project = draft(w.entity, **extra)
    attach_required_materials(project, w.entity)
    return services.submit(project, actor=w.entity)


def html_of(response) -> str:
    return response.content.decode()


def detail_url(project):
    return reverse("projects:project_detail", args=[project.pk])


def action_url(project, action):
    return reverse("projects:project_action", args=[project.pk, action])


def open_deadlines(project):
    return list(Deadline.objects.for_subject(project).open())


# --- required materials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "missing"),
    [
        ((), "申报材料、资金匡算"),
        (("申报材料",), "资金匡算"),
        (("资金匡算",), "申报材料"),
        (("项目位置图", "其他"), "申报材料、资金匡算"),
    ],
    ids=["nothing", "without-funding-estimate", "without-application-form", "other-kinds-only"],
)
def test_submit_is_refused_naming_each_missing_material(client, w, uploaded, missing):
    project = draft(w.entity)
    for kind in uploaded:
        upload_file(project, w.entity, kind)
    with pytest.raises(TransitionRefused) as refused:
        services.submit(project, actor=w.entity)
    assert refused.value.message == f"不能提交入库申请：尚未上传必备材料：{missing}。"

    client.force_login(w.entity)
    html = html_of(client.post(action_url(project, "submit"), follow=True))
    assert f"尚未上传必备材料：{missing}" in html
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT and project.code == "" and project.received_on is None
    assert not Deadline.objects.for_subject(project).exists()
    assert not AuditEvent.objects.for_object(project).filter(action="intake.submit").exists()
    # The upload form is still there: the entity can add what is missing.
    assert 'data-action="upload"' in html


def test_submit_succeeds_once_both_materials_are_on_file(client, w):
    project = draft(w.entity)
    client.force_login(w.entity)
    for kind in ("申报材料", "资金匡算"):
        upload = SimpleUploadedFile(f"{kind}.pdf", material_pdf(kind))
        client.post(reverse("projects:attachment_upload", args=[project.pk]), {"kind": kind, "file": upload})
    html = html_of(client.post(action_url(project, "submit"), follow=True))
    assert "已提交入库申请" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED
    assert {d.kind for d in open_deadlines(project)} == {"intake_review", "admission_notice"}


def test_project_page_and_form_list_the_required_materials_and_what_is_missing(client, w):
    project = draft(w.entity)
    upload_file(project, w.entity, "申报材料")
    client.force_login(w.entity)
    for url in (detail_url(project), reverse("projects:project_edit", args=[project.pk])):
        html = html_of(client.get(url))
        assert 'data-testid="material-checklist"' in html
        assert 'data-material="申报材料" data-present="yes"' in html
        assert 'data-material="资金匡算" data-present="no"' in html
        assert '<span class="badge text-bg-danger">尚缺</span>' in html
    html = html_of(client.get(reverse("projects:project_create")))
    assert 'data-material="申报材料" data-present="no"' in html
    assert 'data-material="资金匡算" data-present="no"' in html


def test_staff_cannot_admit_while_a_required_material_is_missing(client, w):
    """An application received before materials were required (or entered without them)."""
    project = ProjectFactory(implementing_entity=w.entity.organization, stage=Stage.SUBMITTED)
    upload_file(project, w.entity, "申报材料")
    services.route(project, actor=w.staff, departments=[w.planning])
    services.record_opinion(
        IntakeOpinion.objects.get(project=project), actor=w.reviewer, decision=Opinion.AGREE, text="同意"
    )
    with pytest.raises(TransitionRefused) as refused:
        services.admit(project, actor=w.staff)
    assert refused.value.message == "不能确认入库：尚未上传必备材料：资金匡算。"

    client.force_login(w.staff)
    html = html_of(client.post(action_url(project, "admit"), {"reason": ""}, follow=True))
    assert "不能确认入库：尚未上传必备材料：资金匡算。" in html
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_REVIEW and not hasattr(project, "admission_notice")

    upload_file(project, w.entity, "资金匡算")
    services.admit(project, actor=w.staff)
    assert Project.objects.get(pk=project.pk).stage == Stage.RESERVE


# --- answering a 补正 ---------------------------------------------------------------------------------


@pytest.fixture
def in_supplement(w):
    project = received(w)
    return services.request_supplement(project, actor=w.staff, items="1. 补充房屋权属证明")


def test_resubmit_needs_a_written_explanation(w, in_supplement):
    upload_file(in_supplement, w.entity, "权属证明")
    with pytest.raises(TransitionRefused) as refused:
        services.resubmit(in_supplement, actor=w.entity, response="   ")
    assert refused.value.message == "不能补正后重新提交：请填写补正说明，逐项说明已补正的内容。"
    assert Project.objects.get(pk=in_supplement.pk).stage == Stage.SUPPLEMENT


def test_resubmit_needs_a_file_uploaded_after_the_request(w, in_supplement):
    """The materials filed before the 补正 do not answer it."""
    with pytest.raises(TransitionRefused) as refused:
        services.resubmit(in_supplement, actor=w.entity, response="已补充权属证明")
    assert refused.value.message == (
        "不能补正后重新提交：补正通知发出后尚未上传新的或替换的材料，请至少上传一份补正材料。"
    )
    assert SupplementRequest.objects.get().responded_on is None
    assert not open_deadlines(in_supplement)


def test_resubmit_without_either_says_both(w, in_supplement):
    with pytest.raises(TransitionRefused) as refused:
        services.resubmit(in_supplement, actor=w.entity, response="")
    assert "请填写补正说明" in refused.value.message and "至少上传一份补正材料" in refused.value.message


def test_a_replaced_file_answers_the_supplement(client, w, in_supplement):
    old = Attachment.objects.for_object(in_supplement).get(kind="申报材料")
    client.force_login(w.entity)
    page = html_of(client.get(detail_url(in_supplement)))
    assert "1. 补充房屋权属证明" in page and 'data-action="upload"' in page and 'id="resubmit-reason"' in page
    replacement = SimpleUploadedFile("申报材料（修订）.pdf", material_pdf("修订"))
    client.post(
        reverse("projects:attachment_upload", args=[in_supplement.pk]),
        {"kind": "申报材料", "file": replacement, "replaces": str(old.pk)},
    )
    html = html_of(
        client.post(action_url(in_supplement, "resubmit"), {"reason": "已修订申报书"}, follow=True)
    )
    assert "已补正后重新提交" in html
    in_supplement.refresh_from_db()
    assert in_supplement.stage == Stage.SUBMITTED
    supplement = SupplementRequest.objects.get()
    assert supplement.response == "已修订申报书" and supplement.responded_on == RECEIPT


def test_resubmit_through_the_view_without_explanation_shows_the_message(client, w, in_supplement):
    upload_file(in_supplement, w.entity, "权属证明")
    client.force_login(w.entity)
    html = html_of(client.post(action_url(in_supplement, "resubmit"), {"reason": ""}, follow=True))
    assert "请填写补正说明，逐项说明已补正的内容" in html
    assert Project.objects.get(pk=in_supplement.pk).stage == Stage.SUPPLEMENT


# --- deleting a draft ----------------------------------------------------------------------------------


def test_the_entity_deletes_its_draft_with_its_files_and_the_deletion_is_audited(
    client, w, django_capture_on_commit_callbacks
):
    project = draft(w.entity, name="待删除的草稿")
    first = upload_file(project, w.entity, "申报材料")
    attach(
        project,
        SimpleUploadedFile("v2.pdf", material_pdf("v2")),
        kind="申报材料",
        actor=w.entity,
        replaces=first,
    )
    stored = [a.file.path for a in Attachment.objects.for_object(project)]
    assert all(os.path.exists(path) for path in stored)
    pk = project.pk

    client.force_login(w.entity)
    page = html_of(client.get(detail_url(project)))
    assert re.search(
        r'action="/projects/\d+/actions/delete/"[^>]*data-confirm="确认删除草稿“待删除的草稿”', page
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(project, "delete"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:intake_inbox")
    assert "已删除草稿“待删除的草稿”" in html_of(response)

    assert not Project.objects.filter(pk=pk).exists()
    assert not Attachment.objects.filter(object_id=pk, content_type__model="project").exists()
    assert not any(os.path.exists(path) for path in stored)
    event = AuditEvent.objects.get(action="intake.delete")
    assert event.actor == w.entity and event.object_id == str(pk) and event.from_state == Stage.DRAFT
    assert event.data["name"] == "待删除的草稿" and len(event.data["attachments"]) == 2
    assert event.organization == w.entity.organization  # the entity keeps seeing its own history
    assert client.get(detail_url(types.SimpleNamespace(pk=pk))).status_code == 404


def test_only_a_draft_can_be_deleted(client, w):
    project = received(w)
    with pytest.raises(TransitionRefused, match=r"当前状态为“已受理”，不能删除草稿（仅在“草稿”状态下可以）"):
        services.delete_draft(project, actor=w.entity)
    client.force_login(w.entity)
    html = html_of(client.post(action_url(project, "delete"), follow=True))
    assert "当前状态为“已受理”，不能删除" in html
    assert Project.objects.filter(pk=project.pk).exists()


def test_nobody_else_deletes_a_draft(client, w):
    project = draft(w.entity)
    with pytest.raises(TransitionRefused, match="只有本项目的实施主体可以删除草稿。"):
        services.delete_draft(project, actor=w.other_entity)
    client.force_login(w.other_entity)
    assert client.post(action_url(project, "delete")).status_code == 404
    client.force_login(w.staff)
    assert client.post(action_url(project, "delete")).status_code == 404  # a draft is not staff's to see
    assert Project.objects.filter(pk=project.pk).exists()
    assert not AuditEvent.objects.filter(action="intake.delete").exists()


# --- withdrawing an application ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT])
def test_the_entity_withdraws_with_a_reason_and_the_clocks_are_cancelled(client, w, stage):
    project = received(w)
    if stage == Stage.UNDER_REVIEW:
        project = services.route(project, actor=w.staff, departments=[w.planning])
    if stage == Stage.SUPPLEMENT:
        project = services.request_supplement(project, actor=w.staff, items="补充权属证明")
    was_open = {d.pk for d in open_deadlines(project)}

    client.force_login(w.entity)
    page = html_of(client.get(detail_url(project)))
    assert re.search(r'action="/projects/\d+/actions/withdraw/"[^>]*data-confirm="确认撤回该入库申请？', page)
    html = html_of(
        client.post(action_url(project, "withdraw"), {"reason": "拟与周边项目合并申报"}, follow=True)
    )
    assert "已撤回入库申请" in html

    project.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN and project.get_stage_display() == "已撤回"
    assert project.withdrawn_on == RECEIPT and project.withdrawal_reason == "拟与周边项目合并申报"
    assert not open_deadlines(project)
    cancelled = Deadline.objects.filter(pk__in=was_open)
    assert {(d.state, d.close_reason) for d in cancelled} == (
        {(DeadlineState.CANCELLED, "申请已撤回")} if was_open else set()
    )
    event = AuditEvent.objects.for_object(project).get(action="intake.withdraw")
    assert (event.from_state, event.to_state, event.reason) == (
        stage,
        Stage.WITHDRAWN,
        "拟与周边项目合并申报",
    )
    assert event.actor == w.entity
    assert "撤回 2026年3月2日（拟与周边项目合并申报）" in html


def test_withdrawal_needs_a_reason(client, w):
    project = received(w)
    with pytest.raises(TransitionRefused, match="撤回入库申请须填写原因"):
        services.withdraw(project, actor=w.entity, reason="  ")
    client.force_login(w.entity)
    html = html_of(client.post(action_url(project, "withdraw"), {"reason": ""}, follow=True))
    assert "撤回入库申请须填写原因" in html
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED and len(open_deadlines(project)) == 2


def test_a_decided_application_or_a_draft_cannot_be_withdrawn(w):
    rejected = services.reject(received(w, name="甲"), actor=w.staff, reason="不符合规划")
    with pytest.raises(TransitionRefused, match="当前状态为“未予入库”，不能撤回入库申请"):
        services.withdraw(rejected, actor=w.entity, reason="撤回")
    with pytest.raises(TransitionRefused, match="当前状态为“草稿”，不能撤回入库申请"):
        services.withdraw(draft(w.entity, name="乙"), actor=w.entity, reason="撤回")


def test_only_the_entity_withdraws_and_a_department_cannot_answer_afterwards(client, w):
    project = services.route(received(w), actor=w.staff, departments=[w.planning])
    with pytest.raises(TransitionRefused, match="只有本项目的实施主体可以撤回入库申请。"):
        services.withdraw(project, actor=w.staff, reason="撤回")
    client.force_login(w.staff)
    assert client.post(action_url(project, "withdraw"), {"reason": "撤回"}).status_code == 403
    services.withdraw(project, actor=w.entity, reason="不再实施")
    with pytest.raises(TransitionRefused, match="已撤回"):
        services.record_opinion(
            IntakeOpinion.objects.get(project=project), actor=w.reviewer, decision=Opinion.AGREE, text=""
        )
    client.force_login(w.reviewer)
    assert project.name not in html_of(client.get(reverse("projects:intake_inbox")))


def test_a_withdrawn_application_stays_on_staffs_ledger_as_a_record(client, w):
    project = services.withdraw(received(w, name="已撤回的申请"), actor=w.entity, reason="合并申报")
    client.force_login(w.staff)
    assert client.get(detail_url(project)).status_code == 200
    html = html_of(client.get(reverse("projects:project_list"), {"stage": Stage.WITHDRAWN}))
    assert "已撤回的申请" in html and "已撤回" in html


# --- drafts are the entity's business only ---------------------------------------------------------------


@pytest.fixture
def draft_world(w):
    """A draft with a file, next to a received application of the same entity."""
    secret = draft(w.entity, name="保密草稿", total_investment=Decimal("777.00"))
    file = upload_file(secret, w.entity, "申报材料", name="草稿申报书.pdf")
    shown = received(w, name="已受理的申请")
    return types.SimpleNamespace(draft=secret, file=file, received=shown)


OTHER_ROLES = ["staff", "reviewer", "leader", "city_leader", "auditor", "administrator"]


def ledger_html(client, params=None):
    return html_of(client.get(reverse("projects:project_list"), params or {}))


def api_names(client, params=None):
    return [row["name"] for row in client.get("/api/v1/projects/", params or {}).json()["results"]]


def export_rows(client):
    response = client.get(reverse("projects:project_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("who", OTHER_ROLES)
def test_a_draft_is_in_no_other_roles_ledger_api_export_or_page(client, w, draft_world, who):
    client.force_login(getattr(w, who))
    html = ledger_html(client)
    assert "保密草稿" not in html
    assert "保密草稿" not in ledger_html(client, {"stage": Stage.DRAFT})
    assert "保密草稿" not in api_names(client)
    assert client.get(f"/api/v1/projects/{draft_world.draft.pk}/").status_code == 404
    rows = export_rows(client)
    assert all("保密草稿" not in (row[2] or "") for row in rows)
    total = rows[-1]
    assert total[0] == "合计" and Decimal(str(total[11])) == Decimal("3000")  # the received one only
    assert client.get(detail_url(draft_world.draft)).status_code == 404
    assert "保密草稿" not in html_of(client.get(reverse("projects:intake_inbox")))


@pytest.mark.parametrize("who", OTHER_ROLES)
def test_a_drafts_files_cannot_be_downloaded_by_anyone_else(client, w, draft_world, who):
    client.force_login(getattr(w, who))
    response = client.get(reverse("attachment_download", args=[draft_world.file.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="attachment.download").exists()


def test_the_entity_sees_its_own_draft_everywhere(client, w, draft_world):
    client.force_login(w.entity)
    assert "保密草稿" in ledger_html(client)
    assert "保密草稿" in api_names(client)
    assert any(row[2] == "保密草稿" for row in export_rows(client))
    assert "保密草稿" in html_of(client.get(reverse("projects:intake_inbox")))
    response = client.get(reverse("attachment_download", args=[draft_world.file.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(w.other_entity)
    assert "保密草稿" not in ledger_html(client)
    assert client.get(detail_url(draft_world.draft)).status_code == 404


def test_a_submitted_draft_becomes_visible_to_staff(client, w, draft_world):
    upload_file(draft_world.draft, w.entity, "资金匡算")
    services.submit(draft_world.draft, actor=w.entity)
    client.force_login(w.staff)
    assert "保密草稿" in ledger_html(client)
    assert client.get(detail_url(draft_world.draft)).status_code == 200


# --- the sub-type follows its category -------------------------------------------------------------------


def test_form_options_carry_their_category_and_the_script_filters_them(client, w):
    client.force_login(w.entity)
    html = html_of(client.get(reverse("projects:project_create")))
    select = re.search(r'<select name="sub_type".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)" data-category="(\d+)"', select)
    assert len(options) == SubType.objects.filter(is_active=True).count()
    for sub_type_pk, category_pk in options:
        assert SubType.objects.get(pk=sub_type_pk).category_id == int(category_pk)
    # The filtering script is the shared static/js/portal.js (no inline script under the CSP of issue 9).
    assert 'data-follows="id_category"' in select and "/static/js/portal.js" in html
    script = (settings.BASE_DIR / "static" / "js" / "portal.js").read_text(encoding="utf-8")
    assert 'getAttribute("data-follows")' in script and 'getAttribute("data-category")' in script
    assert "if (!category) { return; }" in script  # no error on a page without the selects


def test_a_mismatched_category_and_sub_type_is_refused(client, w):
    residential = Category.objects.get(code="residential")
    quarter = SubType.objects.get(category__code="regional", name="老旧街区改造")
    with pytest.raises(TransitionRefused, match="子类“老旧街区改造”不属于“居住类”，请重新选择。"):
        services.create_draft(
            actor=w.entity,
            data={"name": "错配项目", "category": residential, "sub_type": quarter, "location": "海淀区"},
        )
    project = draft(w.entity)
    with pytest.raises(TransitionRefused, match="子类“老旧街区改造”不属于“居住类”"):
        services.update_draft(project, actor=w.entity, data={"sub_type": quarter})
    assert Project.objects.get(pk=project.pk).sub_type.name == "老旧小区综合整治"

    client.force_login(w.entity)
    data = {
        "name": "错配项目",
        "category": residential.pk,
        "sub_type": quarter.pk,
        "generation_mode": "market_application",
        "location": "海淀区",
        "renewal_goal": "整治",
        "total_investment": "100",
    }
    response = client.post(reverse("projects:project_create"), data)
    assert response.status_code == 400
    html = html_of(response)
    assert "子类“老旧街区改造”不属于“居住类”，请重新选择。" in html
    assert re.search(r'<select name="sub_type"[^>]*class="form-select is-invalid"', html)
    assert Project.objects.filter(name="错配项目").count() == 0


# --- confirmations before irreversible steps ------------------------------------------------------------


def test_admit_and_reject_forms_ask_for_confirmation(client, w):
    project = received(w)
    client.force_login(w.staff)
    html = html_of(client.get(detail_url(project)))
    for action, question in (
        ("admit", "确认将该项目纳入储备项目库并制发入库通知书？此操作不可撤销。"),
        ("reject", "确认对该项目作出不予入库决定？此操作不可撤销。"),
    ):
        form = re.search(rf'<form[^>]*action="/projects/{project.pk}/actions/{action}/"[^>]*>', html).group(0)
        assert f'data-confirm="{question}"' in form


def test_a_long_unbroken_value_is_in_wrapping_containers(client, w):
    """The page must not widen: the name sits in a .text-break heading, values in table cells (the
    portal's stylesheet wraps both with overflow-wrap:anywhere)."""
    long_value = "更" * 3000
    project = received(w, name="长" * 190, renewal_goal=long_value)
    client.force_login(w.staff)
    html = html_of(client.get(detail_url(project)))
    assert re.search(r'<h1 class="[^"]*text-break[^"]*">' + "长" * 190, html)
    cell = re.search(r"<td([^>]*)>" + long_value + "</td>", html)
    assert cell and "text-nowrap" not in cell.group(1)


def test_the_project_timeline_names_the_projects_own_stages(client, w):
    """A plan's "draft" is 编制中 and its "submitted" 已报送; the project's are 草稿 and 已受理."""
    project = received(w)
    client.force_login(w.entity)
    html = html_of(client.get(detail_url(project)))
    changes = re.findall(r"<span[^>]*data-stage-change>([^<]*)</span>", html)
    assert " → 草稿" in changes and "草稿 → 已受理" in changes
    assert "编制中" not in html and "已报送" not in html


def test_project_page_links_the_plan_only_to_who_may_open_it(client, db):
    """A department that took part in intake but was never asked about the plan sees the project page
    without a link to the plan (following it would answer 404)."""
    from projects.models import IntakeOpinion
    from tests.review.helpers import World

    world = World()
    plan = world.submitted_plan()
    project = plan.project
    reviewer = world.reviewers[DepartmentCode.FINANCE]
    IntakeOpinion.objects.create(
        project=project, round=1, department=reviewer.organization, routed_by=world.staff
    )
    client.force_login(reviewer)
    page = client.get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    assert f"/review/plans/{plan.pk}/" not in page.content.decode()
    assert client.get(f"/review/plans/{plan.pk}/").status_code == 404
    client.force_login(world.staff)
    assert f"/review/plans/{plan.pk}/" in client.get(f"/projects/{project.pk}/").content.decode()


def test_ledger_offers_the_draft_stage_only_to_entities(client, make_user):
    client.force_login(make_user(Role.STAFF))
    assert 'value="draft"' not in client.get("/projects/").content.decode()
    client.force_login(make_user(Role.ENTITY))
    assert 'value="draft"' in client.get("/projects/").content.decode()
