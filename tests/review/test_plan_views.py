"""The implementation-plan pages (DOMAIN.md §3 steps 5–8) through HTTP: who may see and do what, the
module form and its field errors, routing, submission guards, versions and their diff, pre-review,
revision requests, joint review start, city approval, the opinion, publicity, and query counts."""

import datetime
import re
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renewal.attachments import attach
from renewal.choices import DepartmentCode, Role
from renewal.models import Attachment
from review import services
from review.choices import DeliverableKind, PlanState, RequestStatus
from review.models import (
    DepartmentReview,
    ExpertReview,
    ImplementationPlan,
    PlanVersion,
    PreReviewComment,
    ReviewRound,
)
from review.modules import MODULES
from review.workflows import PLAN
from tests.factories import user
from tests.review.helpers import PDF, World, attach_submission

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)  # a Monday
ALWAYS_ROUTED = {"district_government", "housing", "development_reform"}


@pytest.fixture(autouse=True)
def clock_and_media(monkeypatch, settings, tmp_path):
    monkeypatch.setattr("renewal.calendar.today", lambda: TODAY)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db):
    return World()


# --- helpers -------------------------------------------------------------------------------------------


def pdf(label: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{label}.pdf", PDF.replace(b"%%EOF", f"% {label}\n%%EOF".encode()))


def html_of(response) -> str:
    return response.content.decode()


def login(client, person):
    client.force_login(person)
    return client


def url(name, *args):
    return reverse(f"review:{name}", args=args)


def action(client, plan, name, data=None):
    return client.post(url("plan_action", plan.pk, name), data or {}, follow=True)


def field_block(html: str, name: str) -> str:
    """The markup of one form field on the module form, from its wrapper to the next field's."""
    start = html.index(f'data-field="{name}"')
    end = html.find('data-field="', start + 1)
    return html[start : end if end != -1 else len(html)]


def form_data(plan, facts=None, major_project=None, **changes) -> dict:
    """What the module form posts for the plan as saved, with `changes` ("module__field": value) applied."""
    data = {}
    for module in MODULES:
        values = plan.content.get(module.code) or {}
        for spec in module.fields:
            value = values.get(spec.name)
            if spec.kind == "bool":
                if value:
                    data[f"{module.code}.{spec.name}"] = "on"
            elif value not in (None, ""):
                data[f"{module.code}.{spec.name}"] = str(value)
        if values.get("text"):
            data[f"{module.code}.text"] = values["text"]
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    derived = services.derived_facts(plan.content)
    data["facts"] = list(facts) if facts is not None else [f for f in plan.facts if f not in derived]
    if major_project if major_project is not None else plan.major_project:
        data["major_project"] = "on"
    return data


def routed_codes(html: str) -> list[str]:
    return re.findall(r'data-routed="([a-z_]+)"', html)


def refreshed(plan) -> ImplementationPlan:
    return ImplementationPlan.objects.get(pk=plan.pk)


def outsider_staff():
    return user(Role.STAFF, district_code="110102")


# --- who sees what -------------------------------------------------------------------------------------


def test_plan_pages_render_for_every_role_that_may_read(client, world):
    plan = world.submitted_plan()
    services.request_pre_review(
        plan, actor=world.staff, departments=[world.departments[DepartmentCode.PLANNING]]
    )
    readers = {
        "staff": world.staff,
        "entity": world.entity,
        "reviewer": world.reviewers[DepartmentCode.PLANNING],  # asked for its pre-review comment
        "leadership": user(Role.LEADERSHIP),
        "auditor": user(Role.AUDITOR),
        "administrator": user(Role.ADMINISTRATOR, district_code=None),
        "city leadership": user(Role.LEADERSHIP, district_code=None),
    }
    for who, person in readers.items():
        login(client, person)
        for page in (url("plan_detail", plan.pk), url("plan_versions", plan.pk)):
            response = client.get(page)
            assert response.status_code == 200, (who, page)
            assert plan.project.name in html_of(response)
    comment = PreReviewComment.objects.get(plan=plan)
    login(client, world.reviewers[DepartmentCode.PLANNING])
    assert client.get(url("pre_review_comment", comment.pk)).status_code == 200
    # A department the plan was never routed to does not read it (DOMAIN.md §1).
    login(client, world.reviewers[DepartmentCode.FINANCE])
    assert client.get(url("plan_detail", plan.pk)).status_code == 404


def test_edit_page_renders_for_the_entity_while_editable(client, world):
    plan = world.draft_plan()
    response = login(client, world.entity).get(url("plan_edit", plan.pk))
    assert response.status_code == 200
    html = html_of(response)
    assert html.count('class="accordion-item"') == 11
    for module in MODULES:
        assert f'data-module="{module.code}"' in html
        assert f'name="{module.code}.text"' in html
    attach_submission(plan, world.entity)
    services.submit(plan, actor=world.entity)
    response = client.get(url("plan_edit", plan.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("plan_detail", plan.pk)
    assert "不能保存实施方案草稿（仅在“编制中、退回修改、联合审查中”状态下可以）" in html_of(response)


def test_other_district_staff_and_other_entities_get_404(client, world):
    plan = world.submitted_plan()
    services.request_pre_review(
        plan, actor=world.staff, departments=[world.departments[DepartmentCode.PLANNING]]
    )
    comment = PreReviewComment.objects.get(plan=plan)
    draft = world.draft_plan(world.implementation_project(name="另一个片区"))
    xicheng_staff = outsider_staff()
    other_entity = user(Role.ENTITY)
    xicheng_reviewer = user(Role.REVIEWER, district_code="110102")
    for person in (
        xicheng_staff,
        other_entity,
        xicheng_reviewer,
        user(Role.LEADERSHIP, district_code="110102"),
    ):
        login(client, person)
        assert client.get(url("plan_detail", plan.pk)).status_code == 404
        assert client.get(url("plan_versions", plan.pk)).status_code == 404
    login(client, other_entity)
    assert client.get(url("plan_edit", draft.pk)).status_code == 404
    assert client.post(url("plan_edit", draft.pk), form_data(draft)).status_code == 404
    assert client.post(url("plan_upload", draft.pk), {"kind": "文本", "file": pdf("x")}).status_code == 404
    assert client.post(url("plan_action", draft.pk, "submit")).status_code == 404
    assert client.post(url("plan_start", world.implementation_project(name="第三片区").pk)).status_code == 404
    login(client, xicheng_staff)
    assert client.post(url("plan_action", plan.pk, "request_pre_review")).status_code == 404
    assert client.post(url("expert_review", plan.pk), {"held_on": "2026-03-01"}).status_code == 404
    # another department of the same district does not see the planning department's request
    login(client, world.reviewers[DepartmentCode.FINANCE])
    assert client.get(url("pre_review_comment", comment.pk)).status_code == 404
    login(client, xicheng_reviewer)
    assert client.get(url("pre_review_comment", comment.pk)).status_code == 404
    assert ImplementationPlan.objects.get(pk=plan.pk).state == PlanState.PRE_REVIEW


def test_roles_that_may_never_act_get_403(client, world):
    plan = world.submitted_plan()
    services.request_pre_review(
        plan, actor=world.staff, departments=[world.departments[DepartmentCode.PLANNING]]
    )
    comment = PreReviewComment.objects.get(plan=plan)
    plan = services.return_for_revision(plan, actor=world.staff, items=["补充交通组织方案"])
    item = plan.revision_requests.get()
    readers = [world.reviewers[DepartmentCode.PLANNING], user(Role.LEADERSHIP), user(Role.AUDITOR)]
    for person in readers:
        login(client, person)
        for name in ("submit", "publish", "request_pre_review", "start_joint_review"):
            assert client.post(url("plan_action", plan.pk, name)).status_code == 403
        assert client.get(url("plan_edit", plan.pk)).status_code == 403
        assert client.post(url("plan_upload", plan.pk)).status_code == 403
        assert client.post(url("expert_review", plan.pk)).status_code == 403
        assert client.post(url("request_mark", item.pk), {"resolved": "1"}).status_code == 403
    login(client, world.staff)
    assert client.get(url("plan_edit", plan.pk)).status_code == 403
    assert client.post(url("plan_upload", plan.pk)).status_code == 403
    assert client.post(url("plan_start", plan.project.pk)).status_code == 403
    assert client.get(url("pre_review_comment", comment.pk)).status_code == 403
    # staff may not submit the entity's plan, the entity may not return or publish it (the service says so)
    assert client.post(url("plan_action", plan.pk, "submit")).status_code == 403
    login(client, world.entity)
    assert client.post(url("plan_action", plan.pk, "publish"), {"workdays": "15"}).status_code == 403
    assert client.post(url("plan_action", plan.pk, "return_for_revision"), {"items": "x"}).status_code == 403
    assert client.post(url("expert_review", plan.pk), {"held_on": "2026-03-01"}).status_code == 403
    assert client.post(url("request_mark", item.pk), {"resolved": "1"}).status_code == 403
    assert client.get(url("pre_review_comment", comment.pk)).status_code == 403
    assert client.post(url("plan_action", plan.pk, "no_such_action")).status_code == 404
    assert refreshed(plan).state == PlanState.REVISION


def test_reviewer_sees_only_its_own_department_comments(client, world):
    plan = world.submitted_plan()
    planning, finance = world.departments[DepartmentCode.PLANNING], world.departments[DepartmentCode.FINANCE]
    services.request_pre_review(plan, actor=world.staff, departments=[planning, finance])
    for comment in PreReviewComment.objects.filter(plan=plan).select_related("department"):
        services.answer_pre_review(
            comment,
            actor=world.reviewers[comment.department.department_code],
            text=f"{comment.department.name}意见",
        )
    html = html_of(login(client, world.reviewers[DepartmentCode.PLANNING]).get(url("plan_detail", plan.pk)))
    assert f"{planning.name}意见" in html and f"{finance.name}意见" not in html
    assert 'data-action="' not in html.split('id="modules"')[0]  # no action forms for a reviewer
    html = html_of(login(client, world.staff).get(url("plan_detail", plan.pk)))
    assert f"{planning.name}意见" in html and f"{finance.name}意见" in html


# --- plan start and the project page ---------------------------------------------------------------------


def test_entity_starts_the_plan_from_the_project_page(client, world):
    project = world.implementation_project()
    login(client, world.entity)
    html = html_of(client.get(reverse("projects:project_detail", args=[project.pk])))
    assert 'data-action="plan_start"' in html and "开始编制实施方案" in html
    assert 'data-action="plan_start"' not in html_of(
        login(client, world.staff).get(reverse("projects:project_detail", args=[project.pk]))
    )
    response = login(client, world.entity).post(url("plan_start", project.pk), follow=True)
    plan = ImplementationPlan.objects.get(project=project)
    assert response.redirect_chain[-1][0] == url("plan_detail", plan.pk)
    assert plan.state == PlanState.DRAFT and plan.created_by == world.entity
    html = html_of(client.get(reverse("projects:project_detail", args=[project.pk])))
    assert 'data-action="plan_start"' not in html
    assert f'href="{url("plan_detail", plan.pk)}"' in html and "实施方案（编制中）" in html
    response = client.post(url("plan_start", project.pk), follow=True)
    assert "本项目已有实施方案。" in html_of(response)
    assert ImplementationPlan.objects.filter(project=project).count() == 1


# --- the module form -------------------------------------------------------------------------------------


def test_module_form_saves_typed_values(client, world):
    plan = world.draft_plan()
    data = form_data(
        plan,
        facts=["old_trees"],
        major_project=True,
        basic_info__land_area="52,000.5",
        planning__building_scale_before="80000",
        planning__building_scale="86000",
        assessment__heritage_survey="on",
        land__method="五年过渡期",
        consultation__holders_count="120",
        consultation__agree_count="100",
        consultation__vote_date="2026-02-20",
        positioning__text="依据分区规划确定",
    )
    response = login(client, world.entity).post(url("plan_edit", plan.pk), data)
    assert response.status_code == 302 and response["Location"] == url("plan_detail", plan.pk)
    plan = refreshed(plan)
    assert plan.content["basic_info"]["land_area"] == "52000.5"
    assert plan.content["planning"]["building_scale"] == "86000"
    assert plan.content["assessment"]["heritage_survey"] is True
    assert plan.content["assessment"]["industrial_land_efficiency"] is False
    assert plan.content["land"]["method"] == "五年过渡期"
    assert plan.content["consultation"]["holders_count"] == 120
    assert plan.content["consultation"]["vote_date"] == "2026-02-20"
    assert plan.content["positioning"]["text"] == "依据分区规划确定"
    assert plan.major_project is True
    assert set(plan.facts) == {"old_trees", "adds_scale", "heritage", "transition_policy"}
    html = html_of(client.get(url("plan_edit", plan.pk)))
    assert 'value="86000"' in field_block(html, "planning.building_scale")
    assert "checked" in field_block(html, "assessment.heritage_survey")
    assert "checked" not in field_block(html, "assessment.building_performance")
    assert '<option value="五年过渡期" selected>' in field_block(html, "land.method")
    assert 'value="2026-02-20"' in field_block(html, "consultation.vote_date")
    assert re.search(r'value="adds_scale"[^>]*checked disabled', html)  # implied by the figures
    assert re.search(r'value="old_trees"[^>]*checked>', html)
    detail = html_of(client.get(url("plan_detail", plan.pk)))
    assert "52000.5 平方米" in detail and "五年过渡期" in detail and "依据分区规划确定" in detail


def test_module_form_shows_errors_next_to_fields_and_keeps_values(client, world):
    plan = world.draft_plan()
    before = dict(plan.content)
    data = form_data(
        plan,
        planning__building_scale="八万",
        consultation__holders_count="10",
        consultation__agree_count="12",
        funding__total="-5",
    )
    response = login(client, world.entity).post(url("plan_edit", plan.pk), data)
    assert response.status_code == 400
    html = html_of(response)
    assert "实施方案有 3 处填写错误。" in html
    scale = field_block(html, "planning.building_scale")
    assert "“规划建筑规模”应为数字（平方米）。" in scale and 'value="八万"' in scale and "is-invalid" in scale
    agree = field_block(html, "consultation.agree_count")
    assert "同意人数不能多于物业权利人总数。" in agree and 'value="12"' in agree
    assert "“总投资”不能为负数。" in field_block(html, "funding.total")
    assert "invalid-feedback" not in field_block(html, "consultation.holders_count")
    assert 'value="10"' in field_block(html, "consultation.holders_count")
    assert "invalid-feedback" not in field_block(html, "planning.building_scale_before")
    # the modules with errors are open, the others closed
    assert re.search(r'id="module-planning" class="accordion-collapse collapse show"', html)
    assert re.search(r'id="module-architecture" class="accordion-collapse collapse"', html)
    assert refreshed(plan).content == before


def test_facts_and_figures_change_the_departments_shown(client, world):
    plan = world.draft_plan()
    login(client, world.entity)
    assert set(routed_codes(html_of(client.get(url("plan_detail", plan.pk))))) == ALWAYS_ROUTED
    data = form_data(
        plan,
        facts=["old_trees", "special_fire_design"],
        funding__fiscal="12000",
        planning__building_scale_before="80000",
        planning__building_scale="86000",
    )
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert set(routed_codes(html)) == ALWAYS_ROUTED | {"finance", "landscaping", "planning", "fire"}
    assert "涉及财政资金支持" in html and "增加建筑规模" in html and "按方案数据判定" in html
    assert world.departments[DepartmentCode.LANDSCAPING].name in html
    # removing the fiscal funds and the ticked fact takes their departments away again
    data = form_data(refreshed(plan), facts=[], funding__fiscal="0")
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert set(routed_codes(html)) == ALWAYS_ROUTED | {"planning"}


# --- deliverables and submission -------------------------------------------------------------------------


def test_submit_needs_the_text_and_the_vote_record_and_freezes_a_version(client, world):
    plan = world.draft_plan()
    login(client, world.entity)
    html = html_of(action(client, plan, "submit"))
    assert "尚未上传实施方案文本" in html
    assert refreshed(plan).state == PlanState.DRAFT and not PlanVersion.objects.filter(plan=plan).exists()

    html = html_of(client.get(url("plan_detail", plan.pk)))
    options = re.search(r'<select[^>]*name="kind".*?</select>', html, re.S).group(0)
    kinds = re.findall(r'<option value="([^"]*)"', options)
    assert kinds == [
        "",
        "联合审查申请书",
        "主体资格证明",
        "文本",
        "附表",
        "图纸",
        "附件-前期评估工作情况",
        "附件-授权说明",
        "附件-消防专家评审意见",
        "附件-协商表决情况",
        "附件-专家评审意见采信情况表",
        "附件-矢量数据",
        "附件-抵押权人等权利人书面同意",
    ]
    response = client.post(url("plan_upload", plan.pk), {"kind": "", "file": pdf("x")}, follow=True)
    assert "请选择成果类型。" in html_of(response)
    bad = SimpleUploadedFile("方案.pdf", b"just some text, not a pdf")
    response = client.post(url("plan_upload", plan.pk), {"kind": "文本", "file": bad}, follow=True)
    assert "的内容不是允许的类型" in html_of(response)
    response = client.post(
        url("plan_upload", plan.pk), {"kind": "文本", "file": pdf("方案文本")}, follow=True
    )
    assert "已上传文本" in html_of(response)
    html = html_of(action(client, plan, "submit"))
    assert (
        "尚缺报送材料：联合审查申请书（第六条（一））、统筹主体、实施主体合法有效证照（第六条（二））" in html
    )
    for kind in ("联合审查申请书", "主体资格证明"):
        client.post(url("plan_upload", plan.pk), {"kind": kind, "file": pdf(kind)})

    data = form_data(plan, consultation__common_decision="on")
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    html = html_of(action(client, plan, "submit"))
    assert "涉及业主共同决定事项，尚缺协商表决情况（专有部分总面积、物业权利人（业主）总数" in html
    assert "表决日期）、协商表决情况附件" in html
    assert refreshed(plan).current_version == 0

    data = form_data(
        refreshed(plan),
        consultation__total_area="32000",
        consultation__holders_count="320",
        consultation__participant_area="31000",
        consultation__participant_count="310",
        consultation__agree_area="30000",
        consultation__agree_count="301",
        consultation__vote_date="2026-02-25",
    )
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    client.post(url("plan_upload", plan.pk), {"kind": "附件-协商表决情况", "file": pdf("表决结果")})
    html = html_of(action(client, plan, "submit", {"note": "首次报送"}))
    assert "已报送实施方案（第1版）。" in html
    plan = refreshed(plan)
    assert plan.state == PlanState.SUBMITTED and plan.current_version == 1
    version = plan.versions.get()
    files = Attachment.objects.for_object(plan)
    assert sorted(version.attachment_ids) == sorted(files.values_list("pk", flat=True))
    assert version.content["consultation"]["agree_count"] == 301 and version.note == "首次报送"
    # once submitted the entity can no longer upload
    response = client.post(url("plan_upload", plan.pk), {"kind": "图纸", "file": pdf("图纸")}, follow=True)
    assert "不能上传成果文件（仅在“编制中、退回修改、联合审查中”状态下可以）" in html_of(response)
    assert files.count() == 4


def test_every_submission_freezes_a_version_and_the_diff_shows_the_change(client, world):
    plan = world.submitted_plan()
    text = Attachment.objects.for_object(plan).get(kind=DeliverableKind.TEXT)
    login(client, world.staff)
    action(client, plan, "return_for_revision", {"items": "压减建筑规模"})
    item = plan.revision_requests.get()
    login(client, world.entity)
    data = form_data(refreshed(plan), planning__building_scale="83000")
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    client.post(url("plan_upload", plan.pk), {"kind": "", "replaces": text.pk, "file": pdf("方案文本v2")})
    client.post(url("plan_upload", plan.pk), {"kind": "图纸", "file": pdf("总平面图")})
    html = html_of(
        action(client, plan, "submit", {"note": "压减规模", f"response_{item.pk}": "规模压减至83000平方米"})
    )
    assert "已报送实施方案（第2版）。" in html
    plan = refreshed(plan)
    first, second = plan.versions.order_by("number")
    assert first.content["planning"]["building_scale"] == "86000"
    assert second.content["planning"]["building_scale"] == "83000"
    assert plan.revision_requests.get().response == "规模压减至83000平方米"

    response = client.get(url("plan_versions", plan.pk))
    html = html_of(response)
    assert response.context["a"].number == 1 and response.context["b"].number == 2
    rows = re.findall(r'<tr data-change="(\w+)">(.*?)</tr>', html, re.S)
    assert [code for code, _ in rows] == ["planning"]
    assert "规划建筑规模" in rows[0][1]
    assert re.search(r'data-side="before">86000 平方米<', rows[0][1])
    assert re.search(r'data-side="after">83000 平方米<', rows[0][1])
    new_text = Attachment.objects.get(replaces=text)
    assert f'data-file-added="{new_text.pk}"' in html and f'data-file-removed="{text.pk}"' in html
    assert "总平面图.pdf" in html and "被替换" in html
    assert f'data-request="{item.pk}" data-resolved="0"' in html and "规模压减至83000平方米" in html

    login(client, world.staff)
    client.post(url("request_mark", item.pk), {"resolved": "1"})
    html = html_of(client.get(url("plan_versions", plan.pk), {"a": 1, "b": 2}))
    assert f'data-request="{item.pk}" data-resolved="1"' in html
    html = html_of(client.get(url("plan_versions", plan.pk), {"b": 1}))
    assert "（空白）" in html and 'data-change="basic_info"' in html and "data-request=" not in html
    assert client.get(url("plan_versions", plan.pk), {"a": 1, "b": 9}).status_code == 404
    assert client.get(url("plan_versions", plan.pk), {"a": "x"}).status_code == 404
    detail = html_of(client.get(url("plan_detail", plan.pk)))
    assert f"{url('plan_versions', plan.pk)}?a=1&amp;b=2" in detail


# --- pre-review, revision requests and the joint review start ---------------------------------------------


def test_pre_review_return_resubmit_mark_and_start_joint_review(client, world):
    plan = world.submitted_plan()
    planning, finance = world.departments[DepartmentCode.PLANNING], world.departments[DepartmentCode.FINANCE]
    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    housing = world.departments[DepartmentCode.HOUSING]
    assert re.search(rf'name="departments" value="{housing.pk}"[^>]*checked', html)  # routed: pre-ticked
    trees = world.departments[DepartmentCode.LANDSCAPING]
    assert not re.search(rf'name="departments" value="{trees.pk}"[^>]*checked', html)  # not routed
    html = html_of(action(client, plan, "request_pre_review", {"departments": [planning.pk, finance.pk]}))
    assert refreshed(plan).state == PlanState.PRE_REVIEW
    assert "待答复" in html
    comments = {c.department_id: c for c in PreReviewComment.objects.filter(plan=plan)}
    assert set(comments) == {planning.pk, finance.pk}

    reviewer = world.reviewers[DepartmentCode.PLANNING]
    login(client, reviewer)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert url("pre_review_comment", comments[planning.pk].pk) in html
    response = client.post(url("pre_review_comment", comments[planning.pk].pk), {"text": "  "})
    assert response.status_code == 400 and "请填写预审意见。" in html_of(response)
    response = client.post(
        url("pre_review_comment", comments[planning.pk].pk), {"text": "补充交通组织方案"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("plan_detail", plan.pk)
    answered = PreReviewComment.objects.get(pk=comments[planning.pk].pk)
    assert answered.text == "补充交通组织方案" and answered.answered_by == reviewer
    response = client.post(url("pre_review_comment", answered.pk), {"text": "再答一次"}, follow=True)
    assert "当前状态为“已答复”，不能提出预审意见" in html_of(response)

    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert "补充交通组织方案" in html
    html = html_of(
        action(client, plan, "return_for_revision", {"items": "补充交通组织方案\n\n补充消防设计专篇\n"})
    )
    assert "已退回修改，共 2 项修改要求。" in html
    first, second = plan.revision_requests.order_by("pk")
    assert refreshed(plan).state == PlanState.REVISION and first.raised_on_version == 1

    login(client, world.entity)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert f'name="response_{first.pk}"' in html and f'name="response_{second.pk}"' in html
    data = form_data(refreshed(plan), planning__traffic="新增慢行系统")
    assert client.post(url("plan_edit", plan.pk), data).status_code == 302
    action(
        client,
        plan,
        "submit",
        {
            "note": "按预审意见修改",
            f"response_{first.pk}": "已补充交通组织",
            f"response_{second.pk}": "另行报审",
        },
    )
    plan = refreshed(plan)
    assert plan.state == PlanState.SUBMITTED and plan.current_version == 2
    first.refresh_from_db()
    assert first.response == "已补充交通组织"

    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert html.count('data-action="mark-resolved"') == 2
    client.post(url("request_mark", first.pk), {"resolved": "1"})
    client.post(url("request_mark", second.pk), {"resolved": "0"})
    first.refresh_from_db()
    assert first.status == RequestStatus.RESOLVED and first.resolved_on_version == 2
    html = html_of(action(client, plan, "start_joint_review"))
    assert "尚有 1 项修改要求未解决" in html
    assert refreshed(plan).state == PlanState.SUBMITTED
    assert f'data-request="{first.pk}" data-status="resolved"' in html
    assert f'data-request="{second.pk}" data-status="open"' in html

    client.post(url("request_mark", second.pk), {"resolved": "1"})
    html = html_of(action(client, plan, "start_joint_review"))
    assert "已提请联合审查" in html
    plan = refreshed(plan)
    assert plan.state == PlanState.JOINT_REVIEW
    review_round = ReviewRound.objects.get(plan=plan)
    assert review_round.version == 2
    codes = set(review_round.department_reviews.values_list("department__department_code", flat=True))
    assert set(re.findall(r'data-review="([a-z_]+)"', html)) == codes
    response = client.post(url("request_mark", first.pk), {"resolved": "0"}, follow=True)
    assert "只能在实施方案报送后、提请联合审查前确认修改要求。" in html_of(response)


def test_joint_review_removal_needs_a_reason_and_staff_may_add_departments(client, world):
    plan = world.submitted_plan()
    reform = world.departments[DepartmentCode.DEVELOPMENT_REFORM]
    trees = world.departments[DepartmentCode.LANDSCAPING]
    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert f'name="remove_{reform.pk}"' in html and f'name="reason_{reform.pk}"' in html
    assert "全部部门重新会签" not in html  # only matters once there was a round
    html = html_of(
        action(client, plan, "start_joint_review", {f"remove_{reform.pk}": "on", "add": [trees.pk]})
    )
    assert "移出会签部门须说明原因。" in html
    assert refreshed(plan).state == PlanState.SUBMITTED and not ReviewRound.objects.filter(plan=plan).exists()
    action(
        client,
        plan,
        "start_joint_review",
        {f"remove_{reform.pk}": "on", f"reason_{reform.pk}": "不涉及政府投资", "add": [trees.pk]},
    )
    assert refreshed(plan).state == PlanState.JOINT_REVIEW
    asked = set(
        DepartmentReview.objects.filter(review_round__plan=plan, is_active=True).values_list(
            "department_id", flat=True
        )
    )
    assert trees.pk in asked and reform.pk not in asked
    removed = DepartmentReview.objects.get(review_round__plan=plan, department=reform)
    assert not removed.is_active and removed.removed_reason  # the round shows who was removed and why


def test_expert_review_with_its_opinion_file(client, world):
    draft = world.draft_plan(world.implementation_project(name="草稿片区"))
    login(client, world.staff)
    response = client.post(url("expert_review", draft.pk), {"held_on": "2026-02-27"}, follow=True)
    assert "不能登记专家评审（仅在“已报送、预审征求意见中”状态下可以）" in html_of(response)
    plan = world.submitted_plan()
    response = client.post(
        url("expert_review", plan.pk), {"held_on": "2026-02-27", "experts": ""}, follow=True
    )
    assert "请填写评审专家和评审意见。" in html_of(response)
    response = client.post(url("expert_review", plan.pk), {"held_on": "二月", "experts": "张工"}, follow=True)
    assert "评审日期格式应为 YYYY-MM-DD。" in html_of(response)
    response = client.post(
        url("expert_review", plan.pk),
        {
            "held_on": "2026-02-27",
            "experts": "张工、李工、王工",
            "opinions": "建议优化交通组织",
            "adoption": "已采纳",
            "attachment": pdf("专家意见"),
        },
        follow=True,
    )
    html = html_of(response)
    assert "专家评审已登记。" in html and "建议优化交通组织" in html and "2026年2月27日" in html
    review = ExpertReview.objects.get(plan=plan)
    assert review.recorded_by == world.staff and review.held_on == datetime.date(2026, 2, 27)
    file = Attachment.objects.for_object(plan).get(kind=DeliverableKind.EXPERT_OPINION)
    assert f'href="{reverse("attachment_download", args=[file.pk])}"' in html
    deliverables = html.split('id="deliverables"')[1].split('id="requests"')[0]
    assert "专家意见.pdf" not in deliverables


# --- after the joint review: city approval, opinion, publicity --------------------------------------------


def test_major_project_needs_city_approval_then_opinion_and_publicity(client, world):
    plan = world.passed_plan(major_project=True)
    assert plan.state == PlanState.PASSED
    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", plan.pk)))
    assert 'data-action="record_city_approval"' in html and 'data-action="issue_opinion"' in html
    # Old-building measures 第十八条: needed before works start (issue 10 item 16), not before the opinion.
    assert PLAN.refusal(plan, "issue_opinion", user=world.staff) == ""
    html = html_of(
        action(client, plan, "record_city_approval", {"reference": "", "approved_on": "2026-02-27"})
    )
    assert "请填写市政府批准文件文号。" in html and refreshed(plan).city_approved_on is None
    action(
        client, plan, "record_city_approval", {"reference": "京政函〔2026〕12号", "approved_on": "2026-02-27"}
    )
    plan = refreshed(plan)
    assert plan.city_approval_reference == "京政函〔2026〕12号"
    assert plan.city_approved_on == datetime.date(2026, 2, 27)
    html = html_of(action(client, plan, "issue_opinion", {"conclusion": ""}))
    plan = refreshed(plan)
    opinion = plan.opinions.get()
    assert plan.state == PlanState.OPINION_ISSUED and f"已出具联合审查意见（{opinion.number}）。" in html
    assert f'data-opinion="{opinion.number}"' in html

    html = html_of(action(client, plan, "publish", {"workdays": "14"}))
    assert "公示时间不得少于15个工作日（联合审查办法 第十一条）。" in html
    assert refreshed(plan).state == PlanState.OPINION_ISSUED and not plan.publicities.exists()
    html = html_of(action(client, plan, "publish", {"workdays": "十五"}))
    assert "公示工作日数应为整数。" in html
    html = html_of(action(client, plan, "publish", {"workdays": "15", "summary": "西苑片区更新"}))
    assert "已发布公示：2026年3月3日至2026年3月23日，共 15 个工作日。" in html
    plan = refreshed(plan)
    assert plan.state == PlanState.PUBLICITY
    assert plan.publicities.get().summary == "西苑片区更新"
    assert "2026年3月3日 至 2026年3月23日（15 个工作日）" in html


def test_ordinary_project_has_no_city_approval_form(client, world):
    plan = world.passed_plan()
    html = html_of(login(client, world.staff).get(url("plan_detail", plan.pk)))
    assert 'data-action="record_city_approval"' not in html and 'data-action="issue_opinion"' in html
    response = action(
        client, plan, "record_city_approval", {"reference": "京政函", "approved_on": "2026-02-27"}
    )
    assert "本项目不属于须经市政府批准的项目。" in html_of(response)


# --- query counts ------------------------------------------------------------------------------------------

EXTRA_DELIVERABLES = [DeliverableKind.TABLES, DeliverableKind.DRAWINGS, DeliverableKind.ANNEX_ASSESSMENT]


def grown_plan(world, name, *, requests_per_version, deliverables, end_in_pre_review=False):
    """A plan with one version per entry of requests_per_version, each answered by that many revision
    requests; `deliverables` uploads (the text, a replaced text, then other kinds)."""
    plan = world.draft_plan(world.implementation_project(name=name))
    # 联合审查办法 第六条 and 海淀指引 三(三): the application, licences and (experts review every version)
    # the adoption table.
    attach_submission(
        plan,
        world.entity,
        kinds=(DeliverableKind.APPLICATION, DeliverableKind.LICENCE, DeliverableKind.ANNEX_EXPERT_ADOPTION),
    )
    text = attach(plan, pdf("文本"), kind=DeliverableKind.TEXT, actor=world.entity)
    if deliverables > 1:
        attach(plan, pdf("文本v2"), kind=DeliverableKind.TEXT, actor=world.entity, replaces=text)
    for index in range(deliverables - 2):
        kind = (EXTRA_DELIVERABLES + [DeliverableKind.ANNEX_VECTOR] * 9)[index]
        attach(plan, pdf(f"成果{index}"), kind=kind, actor=world.entity)
    planning = world.departments[DepartmentCode.PLANNING]
    finance = world.departments[DepartmentCode.FINANCE]
    for number, count in enumerate(requests_per_version, start=1):
        open_items = list(plan.revision_requests.filter(status=RequestStatus.OPEN))
        plan = services.submit(
            plan, actor=world.entity, note=f"第{number}次", responses={r.pk: "已修改" for r in open_items}
        )
        for item in open_items:
            services.mark_request(item, actor=world.staff, resolved=True)
        plan = services.request_pre_review(plan, actor=world.staff, departments=[planning, finance])
        for comment in PreReviewComment.objects.filter(plan=plan, version=plan.current_version):
            services.answer_pre_review(
                comment, actor=world.reviewers[comment.department.department_code], text="意见"
            )
        services.record_expert_review(
            plan, actor=world.staff, held_on=TODAY, experts="张工", opinions=f"第{number}版意见"
        )
        if count:
            plan = services.return_for_revision(
                plan, actor=world.staff, items=[f"第{number}版要求{i}" for i in range(count)]
            )
    if end_in_pre_review:
        open_items = list(plan.revision_requests.filter(status=RequestStatus.OPEN))
        plan = services.submit(plan, actor=world.entity, responses={r.pk: "已修改" for r in open_items})
        plan = services.request_pre_review(plan, actor=world.staff, departments=[planning])
    return plan


def queries_of(client, page) -> list[str]:
    client.get(page)  # warm caches (content types) outside the measurement
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def repeated(small: list[str], large: list[str]) -> str:
    shape = lambda sql: re.sub(r"\b\d+\b", "N", sql)  # noqa: E731
    a, b = Counter(map(shape, small)), Counter(map(shape, large))
    lines = [f"{b[s] - a[s]:+d} × {s[:300]}" for s in b if b[s] != a[s]]
    return f"{len(small)} vs {len(large)} queries; differing statements:\n" + "\n".join(lines)


def test_plan_page_query_count_does_not_grow(client, world):
    small = grown_plan(world, "小方案", requests_per_version=[1], deliverables=1)
    large = grown_plan(world, "大方案", requests_per_version=[2, 2, 2, 1, 1], deliverables=6)
    assert small.current_version == 1 and small.revision_requests.count() == 1
    assert large.current_version == 5 and large.revision_requests.count() == 8
    assert Attachment.objects.for_object(large).count() == 9
    assert small.state == large.state == PlanState.REVISION
    for viewer in (world.entity, world.staff, world.reviewers[DepartmentCode.PLANNING], user(Role.AUDITOR)):
        login(client, viewer)
        a, b = (
            queries_of(client, url("plan_detail", small.pk)),
            queries_of(client, url("plan_detail", large.pk)),
        )
        assert len(a) == len(b), repeated(a, b)


def test_plan_page_query_count_does_not_grow_during_pre_review(client, world):
    """Staff see every form here (return, expert review, joint review start, request marks)."""
    small = grown_plan(world, "小方案", requests_per_version=[1], deliverables=1, end_in_pre_review=True)
    large = grown_plan(
        world, "大方案", requests_per_version=[2, 2, 2, 1, 1], deliverables=6, end_in_pre_review=True
    )
    assert small.state == large.state == PlanState.PRE_REVIEW
    for viewer in (world.staff, world.reviewers[DepartmentCode.PLANNING]):
        login(client, viewer)
        a, b = (
            queries_of(client, url("plan_detail", small.pk)),
            queries_of(client, url("plan_detail", large.pk)),
        )
        assert len(a) == len(b), repeated(a, b)
    login(client, world.staff)
    html = html_of(client.get(url("plan_detail", large.pk)))
    assert html.count('data-action="mark-resolved"') == 8 and html.count("data-expert-review=") == 5


# --- outside a test transaction -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_plan_actions_commit_when_the_request_has_no_transaction_of_its_own(client):
    """Web requests run in autocommit mode; on PostgreSQL a transition must still lock inside a transaction."""
    with transaction.atomic():
        world = World()
        plan = world.submitted_plan()
    login(client, world.staff)
    html = html_of(action(client, plan, "return_for_revision", {"items": "补充交通组织方案"}))
    assert "已退回修改，共 1 项修改要求。" in html
    item = plan.revision_requests.get()
    login(client, world.entity)
    html = html_of(action(client, plan, "submit", {f"response_{item.pk}": "已补充"}))
    assert "已报送实施方案（第2版）。" in html
    login(client, world.staff)
    client.post(url("request_mark", item.pk), {"resolved": "1"})
    html = html_of(action(client, plan, "start_joint_review"))
    assert "已提请联合审查" in html
    plan = refreshed(plan)
    assert plan.state == PlanState.JOINT_REVIEW and plan.project.stage == "joint_review"
