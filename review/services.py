"""Implementation plans, pre-review, joint review (会签), the joint review opinion, publicity and objections.

Rules: 《北京市城市更新实施方案联合审查管理办法（试行）》 第五条–第十二条, 第十八条;
《海淀区城市更新实施指引（2025年版）》 三(三)(四). Every state change is one function here.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from projects.choices import Library, Path, Stage
from projects.models import Project
from projects.services import housing_commission, is_district_staff, is_project_entity
from renewal import calendar as workdays
from renewal.choices import DeadlineRule, DeadlineState, OrganizationKind, Role
from renewal.models import Attachment, District, Organization
from renewal.permissions import require
from renewal.services import close_deadlines, on_deadline_recomputed, open_deadline, record_event
from renewal.workflow import Transition, TransitionRefused, Workflow, register_state_labels
from review.choices import (
    DEADLINE_DEPARTMENT_REVIEW,
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    DEADLINE_PUBLICITY_WINDOW,
    PUBLICITY_MIN_WORKDAYS,
    CommentKind,
    CommentOutcome,
    Decision,
    DeliverableKind,
    PlanFact,
    PlanState,
    PublicityState,
    RequestStatus,
)
from review.models import (
    DepartmentReview,
    ExpertReview,
    ImplementationPlan,
    JointReviewOpinion,
    PlanVersion,
    PreReviewComment,
    PublicComment,
    Publicity,
    ReviewRound,
    RevisionRequest,
    RoutingRule,
)
from review.modules import BY_CODE, MODULES
from review.redaction import redact

COMMENTS_PER_HOUR = 5  # per visitor and notice; keeps the public form usable and unspammable


class CommentRateLimited(TransitionRefused):
    """Too many comments from one visitor within an hour (answered with HTTP 429)."""


# --- guards ---------------------------------------------------------------------------------------


def has_content(plan: ImplementationPlan, **context) -> str | None:
    if not any(plan.content.get(m.code) for m in MODULES):
        return "实施方案尚未填写任何模块"
    return None


def has_text_deliverable(plan: ImplementationPlan, **context) -> str | None:
    if not Attachment.objects.for_object(plan).current().filter(kind=DeliverableKind.TEXT).exists():
        return "尚未上传实施方案文本"
    return None


def consent_recorded(plan: ImplementationPlan, **context) -> str | None:
    """联合审查办法 第五条、第六条: common decisions need the owners' vote before the plan is submitted."""
    vote = plan.content.get("consultation") or {}
    if not vote.get("common_decision"):
        return None
    missing = []
    if not vote.get("holders_count") or not vote.get("agree_count") or not vote.get("vote_date"):
        missing.append("协商表决情况（业主总数、同意人数、表决日期）")
    if not Attachment.objects.for_object(plan).current().filter(kind=DeliverableKind.ANNEX_VOTE).exists():
        missing.append("协商表决情况附件")
    return ("涉及业主共同决定事项，尚缺" + "、".join(missing)) if missing else None


def no_open_requests(plan: ImplementationPlan, **context) -> str | None:
    open_items = plan.revision_requests.filter(status=RequestStatus.OPEN).count()
    return f"尚有 {open_items} 项修改要求未解决" if open_items else None


def city_approved(plan: ImplementationPlan, **context) -> str | None:
    if plan.major_project and not plan.city_approved_on:
        return "重点项目、跨区域项目及涉密项目须先经市政府批准"
    return None


def publicity_finished(plan: ImplementationPlan, **context) -> str | None:
    publicity = plan.publicities.order_by("-pk").first()
    if publicity is None or publicity.state != PublicityState.CLOSED:
        return "公示期尚未届满"
    pending = publicity.comments.filter(outcome=CommentOutcome.PENDING).count()
    return f"尚有 {pending} 条公示意见未答复" if pending else None


PLAN = Workflow(
    name="plan",
    state_field="state",
    state_labels=dict(PlanState.choices),
    transitions=[
        Transition(
            "submit",
            "报送实施方案",
            (PlanState.DRAFT, PlanState.REVISION),
            PlanState.SUBMITTED,
            guards=(has_content, has_text_deliverable, consent_recorded),
        ),
        Transition("request_pre_review", "征求部门预审意见", (PlanState.SUBMITTED,), PlanState.PRE_REVIEW),
        Transition(
            "return_for_revision", "退回修改", (PlanState.SUBMITTED, PlanState.PRE_REVIEW), PlanState.REVISION
        ),
        Transition(
            "start_joint_review",
            "提请联合审查",
            (PlanState.SUBMITTED, PlanState.PRE_REVIEW),
            PlanState.JOINT_REVIEW,
            guards=(no_open_requests,),
        ),
        Transition(
            "return_after_review", "联合审查未通过，退回修改", (PlanState.JOINT_REVIEW,), PlanState.REVISION
        ),
        Transition("pass_review", "联合审查通过", (PlanState.JOINT_REVIEW,), PlanState.PASSED),
        Transition("record_city_approval", "登记市政府批准", (PlanState.PASSED,), None, reason_required=True),
        Transition(
            "issue_opinion",
            "出具联合审查意见",
            (PlanState.PASSED,),
            PlanState.OPINION_ISSUED,
            guards=(city_approved,),
        ),
        Transition("publish", "发布公示", (PlanState.OPINION_ISSUED,), PlanState.PUBLICITY),
        Transition(
            "accept_objection",
            "采纳异议，退回修改",
            (PlanState.PUBLICITY,),
            PlanState.REVISION,
            reason_required=True,
        ),
        Transition(
            "finish_publicity",
            "公示完成，转入行政许可",
            (PlanState.PUBLICITY,),
            PlanState.APPROVED,
            guards=(publicity_finished,),
        ),
    ],
)

# Audit trails show decision and outcome labels (同意, 已答复 …) rather than their codes.
register_state_labels({**dict(Decision.choices), **dict(CommentOutcome.choices), **dict(CommentKind.choices)})

PROJECT_STAGE_FOR = {
    PlanState.DRAFT: Stage.PLAN_DRAFTING,
    PlanState.REVISION: Stage.PLAN_DRAFTING,
    PlanState.SUBMITTED: Stage.PLAN_PRE_REVIEW,
    PlanState.PRE_REVIEW: Stage.PLAN_PRE_REVIEW,
    PlanState.JOINT_REVIEW: Stage.JOINT_REVIEW,
    PlanState.PASSED: Stage.JOINT_REVIEW,
    PlanState.OPINION_ISSUED: Stage.JOINT_REVIEW,
    PlanState.PUBLICITY: Stage.PUBLICITY,
    PlanState.APPROVED: Stage.PERMITS,
}


def _sync_project_stage(plan: ImplementationPlan, actor) -> None:
    """The project's stage follows its plan; a change is recorded on the project's own timeline."""
    project = Project.objects.select_for_update().get(pk=plan.project_id)
    stage = PROJECT_STAGE_FOR[PlanState(plan.state)]
    if project.stage != stage:
        before = project.stage
        project.stage = stage
        project.save(update_fields=["stage", "updated_at"])
        record_event(
            actor=actor,
            action="project.stage",
            action_label=f"项目进入“{Stage(stage).label}”阶段",
            obj=project,
            from_state=before,
            to_state=stage,
        )


@transaction.atomic
def _apply(plan, action, *, actor, effects=None, reason="", request=None, data=None):
    """One plan transition and the project's stage change, in one transaction."""

    def both(locked):
        if effects is not None:
            effects(locked)

    locked = PLAN.apply(plan, action, actor=actor, reason=reason, request=request, data=data, effects=both)
    _sync_project_stage(locked, actor)
    return locked


# --- who may act ----------------------------------------------------------------------------------


def is_plan_entity(user, plan) -> bool:
    return is_project_entity(user, plan.project)


def is_plan_staff(user, plan) -> bool:
    return is_district_staff(user, plan.project)


def allowed_actions(user, plan: ImplementationPlan) -> set[str]:
    """Actions the user may attempt on the plan now (guards still decide); drives the buttons."""
    state_allows = {t.action for t in PLAN.available(plan)}
    mine = set()
    if is_plan_entity(user, plan):
        mine |= {"submit", "edit"}
    if is_plan_staff(user, plan):
        mine |= {
            "request_pre_review",
            "return_for_revision",
            "start_joint_review",
            "record_city_approval",
            "issue_opinion",
            "publish",
            "expert_review",
            "manage_departments",
            "mark_requests",
            "set_major_project",
        }
        if plan.state in (PlanState.SUBMITTED, PlanState.PRE_REVIEW):
            state_allows |= {"expert_review", "mark_requests"}
        if plan.state == PlanState.JOINT_REVIEW:
            state_allows |= {"manage_departments"}
        if plan.state in MAJOR_PROJECT_STATES:
            state_allows |= {"set_major_project"}
    if "edit" in mine and plan.state in (PlanState.DRAFT, PlanState.REVISION):
        state_allows.add("edit")
    return mine & state_allows


# --- plan content ---------------------------------------------------------------------------------


@transaction.atomic
def start_plan(project: Project, *, actor, request=None) -> ImplementationPlan:
    """The entity starts the plan of an implementation-library project on the joint-review path."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(is_project_entity(actor, project), "只有本项目的实施主体可以编制实施方案。")
    if project.path != Path.JOINT_REVIEW:
        raise TransitionRefused("按其他路径实施的项目，方案按相关行业政策编制、报批，不在本平台联合审查。")
    if project.library != Library.IMPLEMENTATION:
        raise TransitionRefused("项目纳入实施项目库后方可编制实施方案。")
    if hasattr(project, "plan"):
        raise TransitionRefused("本项目已有实施方案。")
    plan = ImplementationPlan.objects.create(project=project, created_by=actor)
    record_event(
        actor=actor,
        action="plan.start",
        action_label="开始编制实施方案",
        obj=plan,
        to_state=PlanState.DRAFT,
        request=request,
    )
    _sync_project_stage(plan, actor)
    return plan


def clean_module(module_code: str, values: dict) -> tuple[dict, dict]:
    """Typed module data and Chinese errors per field, from raw form values."""
    module = BY_CODE[module_code]
    data, errors = {}, {}
    for field in module.fields:
        raw = values.get(field.name)
        if field.kind == "bool":
            data[field.name] = bool(raw) and raw not in ("0", "false", "off")
            continue
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            continue
        if field.kind == "decimal":
            try:
                number = Decimal(raw.replace(",", ""))
            except InvalidOperation:
                errors[field.name] = f"“{field.label}”应为数字（{field.unit}）。"
                continue
            if number < 0:
                errors[field.name] = f"“{field.label}”不能为负数。"
                continue
            data[field.name] = str(number)
        elif field.kind == "int":
            if not raw.isdigit():
                errors[field.name] = f"“{field.label}”应为非负整数。"
                continue
            data[field.name] = int(raw)
        elif field.kind == "date":
            try:
                data[field.name] = datetime.date.fromisoformat(raw).isoformat()
            except ValueError:
                errors[field.name] = f"“{field.label}”日期格式应为 YYYY-MM-DD。"
        elif field.kind == "choice":
            if raw not in field.choices:
                errors[field.name] = f"请从列表中选择“{field.label}”。"
                continue
            data[field.name] = raw
        else:
            data[field.name] = raw
    text = str(values.get("text") or "").strip()
    if text:
        data["text"] = text
    if module_code == "consultation" and data.get("agree_count") is not None and data.get("holders_count"):
        if data["agree_count"] > data["holders_count"]:
            errors["agree_count"] = "同意人数不能多于物业权利人总数。"
    # Only booleans set to False and nothing else: the module was not used.
    if not any(v for v in data.values()):
        data = {}
    return data, errors


def derived_facts(content: dict) -> set[str]:
    """Facts that follow from the plan's own figures, added to the ones the entity ticks."""
    facts = set()
    planning = content.get("planning") or {}

    def number(module, name):
        value = (content.get(module) or {}).get(name)
        return Decimal(value) if value not in (None, "") else None

    before, after = number("planning", "building_scale_before"), number("planning", "building_scale")
    if before is not None and after is not None and after > before:
        facts.add(PlanFact.ADDS_SCALE)
    height_before, height_after = (
        number("planning", "building_height_before"),
        number("planning", "building_height"),
    )
    if height_before is not None and height_after is not None and height_after != height_before:
        facts.add(PlanFact.CHANGES_HEIGHT)
    if planning.get("heritage_protection"):
        facts.add(PlanFact.HERITAGE)
    assessment = content.get("assessment") or {}
    if assessment.get("industrial_land_efficiency"):
        facts.add(PlanFact.INDUSTRIAL_LAND)
    if assessment.get("building_performance"):
        facts.add(PlanFact.BUILDING_PERFORMANCE)
    if assessment.get("heritage_survey"):
        facts.add(PlanFact.HERITAGE)
    land = content.get("land") or {}
    if land.get("method") == "五年过渡期":
        facts.add(PlanFact.TRANSITION_POLICY)
    if land.get("method") in ("协议方式配置", "有偿方式配置", "划拨") or land.get("extend_term"):
        facts.add(PlanFact.CHANGES_USE)
    if (content.get("unregistered") or {}).get("involved"):
        facts.add(PlanFact.UNREGISTERED_BUILDINGS)
    fiscal = number("funding", "fiscal")
    if fiscal is not None and fiscal > 0:
        facts.add(PlanFact.FISCAL_FUNDS)
    if (content.get("operation") or {}).get("functions"):
        facts.add(PlanFact.OPERATION)
    return facts


@transaction.atomic
def save_plan(
    plan: ImplementationPlan, *, actor, modules: dict, facts: list, major_project=None, request=None
) -> ImplementationPlan:
    """Save the draft: cleaned module data (raises TransitionRefused with field errors) and ticked facts."""
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    require(is_plan_entity(actor, plan), "只有本项目的实施主体可以编制实施方案。")
    if plan.state not in (PlanState.DRAFT, PlanState.REVISION):
        raise TransitionRefused(
            f"实施方案当前为“{plan.get_state_display()}”，不能修改（仅编制中或退回修改时可以）。"
        )
    content, all_errors = {}, {}
    for module in MODULES:
        data, errors = clean_module(module.code, modules.get(module.code) or {})
        if errors:
            all_errors.update({f"{module.code}.{name}": message for name, message in errors.items()})
        if data:
            content[module.code] = data
    if all_errors:
        raise TransitionRefused(f"实施方案有 {len(all_errors)} 处填写错误。", list(all_errors.items()))
    valid = set(PlanFact.values) - {PlanFact.ALWAYS}
    ticked = {f for f in facts if f in valid}
    changed = sorted(
        code for code in {*content, *plan.content} if content.get(code) != plan.content.get(code)
    )
    plan.content = content
    plan.declared_facts = sorted(ticked)  # kept apart, so a tick survives figures that change later
    plan.facts = sorted(ticked | derived_facts(content))
    if major_project is not None and bool(major_project) != plan.major_project:
        if plan.current_version > 0:
            raise TransitionRefused("实施方案报送后，“重点项目”认定由区城市更新主管部门调整。", ["重点项目"])
        plan.major_project = bool(major_project)
    plan.save()
    record_event(
        actor=actor,
        action="plan.save",
        action_label="保存实施方案草稿",
        obj=plan,
        request=request,
        data={"modules_changed": [BY_CODE[c].title for c in changed], "facts": plan.facts},
    )
    return plan


def submit(plan: ImplementationPlan, *, actor, note: str = "", responses: dict | None = None, request=None):
    """Freeze a version and send it to the housing commission (联合审查办法 第六条)."""
    require(is_plan_entity(actor, plan), "只有本项目的实施主体可以报送实施方案。")
    responses = responses or {}

    def effects(locked: ImplementationPlan):
        locked.current_version += 1
        attachment_ids = list(Attachment.objects.for_object(locked).current().values_list("pk", flat=True))
        PlanVersion.objects.create(
            plan=locked,
            number=locked.current_version,
            content=locked.content,
            facts=locked.facts,
            attachment_ids=attachment_ids,
            note=note.strip(),
            submitted_by=actor,
        )
        for item in locked.revision_requests.filter(status=RequestStatus.OPEN):
            answer = (responses.get(item.pk) or responses.get(str(item.pk)) or "").strip()
            if answer:
                item.response = answer
                item.save(update_fields=["response"])

    return _apply(plan, "submit", actor=actor, effects=effects, reason=note, request=request)


def _departments(plan: ImplementationPlan, organizations) -> list[Organization]:
    organizations = list(organizations)
    wrong = [
        o.name
        for o in organizations
        if o.kind != OrganizationKind.DEPARTMENT or o.district_id != plan.project.district_id
    ]
    if wrong:
        raise TransitionRefused("只能选择本区的行业主管部门：" + "、".join(wrong) + " 不符合。")
    return organizations


def request_pre_review(plan, *, actor, departments, request=None):
    """联合审查办法 第八条: ask departments for comments before the joint review."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以组织预审。")
    departments = _departments(plan, departments)
    if not departments:
        raise TransitionRefused("请至少选择一个征求意见的部门。")

    def effects(locked):
        for department in departments:
            PreReviewComment.objects.get_or_create(
                plan=locked, version=locked.current_version, department=department
            )

    return _apply(
        plan,
        "request_pre_review",
        actor=actor,
        effects=effects,
        request=request,
        data={"departments": [d.name for d in departments]},
    )


@transaction.atomic
def answer_pre_review(comment: PreReviewComment, *, actor, text: str, request=None) -> PreReviewComment:
    comment = PreReviewComment.objects.select_for_update().select_related("plan__project").get(pk=comment.pk)
    require(
        actor.role == Role.REVIEWER and actor.organization_id == comment.department_id,
        "只有被征求意见的部门可以答复。",
    )
    if not text.strip():
        raise TransitionRefused("请填写预审意见。", ["意见"])
    if comment.plan.state != PlanState.PRE_REVIEW or comment.version != comment.plan.current_version:
        raise TransitionRefused("本轮预审已结束，不能再答复。")
    if comment.answered_at:
        raise TransitionRefused("本部门已答复预审意见。")
    comment.text, comment.answered_at, comment.answered_by = text.strip(), timezone.now(), actor
    comment.save()
    record_event(
        actor=actor,
        action="plan.pre_review_comment",
        action_label=f"{comment.department.name}提出预审意见",
        obj=comment.plan,
        reason=comment.text,
        request=request,
    )
    return comment


def return_for_revision(plan, *, actor, items: list[str], request=None):
    """Return the plan with itemised revision requests (修改、补充、完善)."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以退回实施方案。")
    items = [item.strip() for item in items if item and item.strip()]
    if not items:
        raise TransitionRefused("退回修改须逐项列明修改要求。", ["修改要求"])

    def effects(locked):
        RevisionRequest.objects.bulk_create(
            RevisionRequest(plan=locked, raised_on_version=locked.current_version, text=item, raised_by=actor)
            for item in items
        )

    return _apply(
        plan, "return_for_revision", actor=actor, effects=effects, reason="；".join(items), request=request
    )


@transaction.atomic
def mark_request(item: RevisionRequest, *, actor, resolved: bool, request=None) -> RevisionRequest:
    """On a new version, staff mark each earlier request resolved or still open."""
    item = RevisionRequest.objects.select_for_update().select_related("plan__project").get(pk=item.pk)
    require(is_plan_staff(actor, item.plan), "只有本区城市更新主管部门可以确认修改要求的落实情况。")
    if item.plan.state not in (PlanState.SUBMITTED, PlanState.PRE_REVIEW):
        raise TransitionRefused("只能在实施方案报送后、提请联合审查前确认修改要求。")
    if item.raised_on_version >= item.plan.current_version:
        raise TransitionRefused("该要求是针对当前版本提出的，须待实施主体报送新版本后确认。")
    before = item.status
    item.status = RequestStatus.RESOLVED if resolved else RequestStatus.OPEN
    item.resolved_on_version = item.plan.current_version if resolved else None
    item.resolved_by = actor if resolved else None
    item.save()
    record_event(
        actor=actor,
        action="plan.request_mark",
        action_label="确认修改要求落实情况",
        obj=item.plan,
        from_state=RequestStatus(before).label,
        to_state=RequestStatus(item.status).label,
        reason=item.text,
        data={"request": item.pk, "status": item.status},
        request=request,
    )
    return item


@transaction.atomic
def record_expert_review(
    plan, *, actor, held_on, experts: str, opinions: str, adoption: str = "", request=None
):
    """联合审查办法 第九条: expert review, with its adoption table."""
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以登记专家评审。")
    if plan.state not in (PlanState.SUBMITTED, PlanState.PRE_REVIEW):
        raise TransitionRefused("专家评审在实施方案报送后、提请联合审查前登记（联合审查办法 第九条）。")
    if not experts.strip() or not opinions.strip():
        raise TransitionRefused("请填写评审专家和评审意见。", ["专家名单", "评审意见"])
    review = ExpertReview.objects.create(
        plan=plan,
        held_on=held_on,
        experts=experts.strip(),
        opinions=opinions.strip(),
        adoption=adoption.strip(),
        recorded_by=actor,
    )
    record_event(
        actor=actor,
        action="plan.expert_review",
        action_label="登记专家评审",
        obj=plan,
        reason=review.opinions,
        data={"held_on": held_on.isoformat(), "experts": review.experts},
        request=request,
    )
    return review


# --- joint review ---------------------------------------------------------------------------------


def routed_departments(plan: ImplementationPlan) -> list[tuple[Organization, list[str]]]:
    """Departments of the project's district that the routing table asks to review, with their matters."""
    facts = {PlanFact.ALWAYS, *plan.facts}
    matters: dict[str, list[str]] = {}
    for rule in RoutingRule.objects.filter(is_active=True, fact__in=facts).order_by("pk"):
        matters.setdefault(rule.department_code, []).append(rule.matters)
    organizations = Organization.objects.filter(
        district_id=plan.project.district_id,
        kind=OrganizationKind.DEPARTMENT,
        is_active=True,
        department_code__in=list(matters),
    ).order_by("name")
    return [(org, matters[org.department_code]) for org in organizations]


def _open_review_clock(review: DepartmentReview, actor):
    open_deadline(
        review,
        kind=DEADLINE_DEPARTMENT_REVIEW,
        title="部门联合审查意见",
        rule=DeadlineRule.WORKING_DAYS,
        amount=settings.JOINT_REVIEW_WORKDAYS,
        start=workdays.today(),
        responsible_organization=review.department,
        basis="联合审查办法 第十条、第十二条",
        actor=actor,
    )


def start_joint_review(plan, *, actor, add=(), remove=None, all_departments=False, request=None):
    """Open a review round. First round: the routed departments (± staff changes with reasons).
    Re-review: only the departments that did not agree, unless staff choose all."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以提请联合审查。")
    remove = {int(k): v for k, v in (remove or {}).items()}
    missing_reason = [k for k, v in remove.items() if not (v or "").strip()]
    if missing_reason:
        raise TransitionRefused("移出会签部门须说明原因。", ["移出原因"])
    add = _departments(plan, add)

    def effects(locked):
        previous = locked.review_rounds.order_by("-number").first()
        review_round = ReviewRound.objects.create(
            plan=locked,
            number=(previous.number + 1 if previous else 1),
            version=locked.current_version,
            started_by=actor,
        )
        routed = {org.pk: (org, "；".join(matters)) for org, matters in routed_departments(locked)}
        for org in add:
            routed.setdefault(org.pk, (org, "主管部门增加的审查部门"))
        if previous is not None:
            # A department that has not agreed stays in the review even if the routing no longer asks
            # for it (a fact unticked, or a department staff added by hand); only staff remove it, with a reason.
            for earlier in previous.department_reviews.filter(is_active=True).select_related("department"):
                if not earlier.counts_as_agreement:
                    routed.setdefault(earlier.department_id, (earlier.department, earlier.matters))
        removed = {org_id: routed.pop(org_id) for org_id in list(remove) if org_id in routed}
        for org_id, (org, matters) in removed.items():
            DepartmentReview.objects.create(
                review_round=review_round,
                department=org,
                matters=matters[:400],
                is_active=False,
                removed_reason=remove[org_id].strip()[:200],
            )
        agreed = {}
        # After a round that passed (an objection was accepted in publicity) everyone reviews again;
        # after a round that returned the plan, agreements stand and only the others review.
        everyone = all_departments or (previous is not None and previous.outcome == "passed")
        if previous is not None and not everyone:
            agreed = {
                r.department_id: r
                for r in previous.department_reviews.filter(is_active=True)
                if r.counts_as_agreement
            }
        if not routed:
            raise TransitionRefused("没有需要会签的部门，请检查会签路由规则。")
        for org_id, (org, matters) in routed.items():
            earlier = agreed.get(org_id)
            review = DepartmentReview.objects.create(
                review_round=review_round,
                department=org,
                matters=matters[:400],
                decision=earlier.decision if earlier else Decision.PENDING,
                text=earlier.text if earlier else "",
                carried_over=earlier is not None,
                decided_by=earlier.decided_by if earlier else None,
                decided_at=earlier.decided_at if earlier else None,
                change_confirmed_at=earlier.change_confirmed_at if earlier else None,
                change_confirmed_by=earlier.change_confirmed_by if earlier else None,
            )
            if earlier is None:
                _open_review_clock(review, actor)

    data = {"added": [o.name for o in add], "removed": remove, "all_departments": all_departments}
    with transaction.atomic():
        locked = _apply(plan, "start_joint_review", actor=actor, effects=effects, request=request, data=data)
        # Every department may already have agreed (carried over): then the round is complete at once.
        _complete_round_if_decided(locked, actor)
    locked.refresh_from_db()
    return locked


def _current_round(plan) -> ReviewRound:
    return plan.review_rounds.order_by("-number").first()


@transaction.atomic
def change_departments(plan, *, actor, add=(), remove=None, request=None):
    """During a round staff add a department or remove one, with a reason either way."""
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以调整会签部门。")
    if plan.state != PlanState.JOINT_REVIEW:
        raise TransitionRefused("只能在联合审查中调整会签部门。")
    remove = {int(k): v for k, v in (remove or {}).items()}
    if any(not (v or "").strip() for v in remove.values()):
        raise TransitionRefused("移出会签部门须说明原因。", ["移出原因"])
    add = _departments(plan, add)
    review_round = _current_round(plan)
    for org in add:
        review, created = DepartmentReview.objects.get_or_create(
            review_round=review_round, department=org, defaults={"matters": "主管部门增加的审查部门"}
        )
        if not created and not review.is_active:
            review.is_active, review.removed_reason = True, ""
            review.save()
        if created or review.decision == Decision.PENDING:
            _open_review_clock(review, actor)
        record_event(
            actor=actor,
            action="plan.department_add",
            action_label=f"增加会签部门：{org.name}",
            obj=plan,
            request=request,
        )
    for review in review_round.department_reviews.filter(department_id__in=list(remove), is_active=True):
        review.is_active, review.removed_reason = False, remove[review.department_id].strip()[:200]
        review.save()
        close_deadlines(review, state=DeadlineState.CANCELLED, reason="已移出会签", actor=actor)
        record_event(
            actor=actor,
            action="plan.department_remove",
            action_label=f"移出会签部门：{review.department.name}",
            obj=plan,
            reason=review.removed_reason,
            request=request,
        )
    _complete_round_if_decided(plan, actor)
    return plan


@transaction.atomic
def record_decision(
    review: DepartmentReview, *, actor, decision: str, text: str, request=None
) -> DepartmentReview:
    """A department's 会签 opinion. The plan row is locked first, so when the last two departments answer
    at the same moment exactly one of them completes the round."""
    plan_id = (
        DepartmentReview.objects.filter(pk=review.pk).values_list("review_round__plan_id", flat=True).get()
    )
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan_id)
    review = (
        DepartmentReview.objects.select_for_update()
        .select_related("department", "review_round")
        .get(pk=review.pk)
    )
    require(
        actor.role == Role.REVIEWER and actor.organization_id == review.department_id,
        "只有被分送的部门可以提出本部门的审查意见。",
    )
    if decision not in (Decision.AGREE, Decision.AGREE_AFTER_CHANGE, Decision.DISAGREE):
        raise TransitionRefused("请选择“同意”“修改后同意”或“不同意”。", ["意见"])
    if decision != Decision.AGREE and not text.strip():
        raise TransitionRefused(f"“{Decision(decision).label}”须写明意见内容。", ["意见内容"])
    if plan.state != PlanState.JOINT_REVIEW or review.review_round_id != _current_round(plan).pk:
        raise TransitionRefused("本轮联合审查已结束，不能再提出意见。")
    if not review.is_active:
        raise TransitionRefused("本部门已被移出本轮会签。")
    if review.decision != Decision.PENDING:
        raise TransitionRefused("本部门已提出本轮审查意见，不能重复提交。")
    review.decision, review.text = decision, text.strip()
    review.decided_by, review.decided_at = actor, timezone.now()
    review.save()
    close_deadlines(review, state=DeadlineState.MET, reason="已提出审查意见", actor=actor)
    record_event(
        actor=actor,
        action="plan.department_decision",
        action_label=f"{review.department.name}：{Decision(decision).label}",
        obj=plan,
        to_state=decision,
        reason=review.text,
        request=request,
        data={"review": review.pk, "round": review.review_round.number},
    )
    _complete_round_if_decided(plan, actor)
    return review


@transaction.atomic
def confirm_change(review: DepartmentReview, *, actor, note: str = "", request=None) -> DepartmentReview:
    """Staff confirm that the change a 修改后同意 asked for was made; then it counts as agreement."""
    plan_id = (
        DepartmentReview.objects.filter(pk=review.pk).values_list("review_round__plan_id", flat=True).get()
    )
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan_id)
    review = DepartmentReview.objects.select_for_update().select_related("department").get(pk=review.pk)
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以确认修改落实情况。")
    if review.decision != Decision.AGREE_AFTER_CHANGE or review.change_confirmed_at:
        raise TransitionRefused("只有尚未确认的“修改后同意”意见需要确认。")
    if plan.state != PlanState.JOINT_REVIEW:
        raise TransitionRefused("本轮联合审查已结束。")
    review.change_confirmed_by, review.change_confirmed_at = actor, timezone.now()
    review.save()
    record_event(
        actor=actor,
        action="plan.change_confirmed",
        action_label=f"确认已按{review.department.name}意见修改",
        obj=plan,
        reason=note,
        request=request,
    )
    _complete_round_if_decided(plan, actor)
    return review


def _complete_round_if_decided(plan: ImplementationPlan, actor) -> None:
    """Close the round once every active department has answered: any 不同意 returns the plan with all
    opinions kept; otherwise it passes when every opinion counts as agreement."""
    review_round = _current_round(plan)
    reviews = list(review_round.department_reviews.filter(is_active=True).select_related("department"))
    if not reviews or any(r.decision == Decision.PENDING for r in reviews):
        return
    against = [r for r in reviews if r.decision == Decision.DISAGREE]
    if against:

        def effects(locked):
            RevisionRequest.objects.bulk_create(
                RevisionRequest(
                    plan=locked,
                    raised_on_version=locked.current_version,
                    source=f"第{review_round.number}轮联合审查·{r.department.name}",
                    text=r.text if r.decision == Decision.DISAGREE else f"（修改后同意）{r.text}",
                    raised_by=r.decided_by,
                )
                # Unconfirmed 修改后同意 conditions travel with the plan, so the next version answers them.
                for r in reviews
                if r.decision == Decision.DISAGREE
                or (r.decision == Decision.AGREE_AFTER_CHANGE and not r.counts_as_agreement)
            )

        review_round.outcome, review_round.completed_at = "returned", timezone.now()
        review_round.save()
        _apply(
            plan,
            "return_after_review",
            actor=None,
            effects=effects,
            reason="不同意的部门：" + "、".join(r.department.name for r in against),
        )
        return
    if all(r.counts_as_agreement for r in reviews):
        review_round.outcome, review_round.completed_at = "passed", timezone.now()
        review_round.save()
        _apply(plan, "pass_review", actor=None, reason="所有会签部门均同意")


MAJOR_PROJECT_STATES = (PlanState.SUBMITTED, PlanState.PRE_REVIEW, PlanState.JOINT_REVIEW, PlanState.PASSED)


@transaction.atomic
def set_major_project(plan, *, actor, major: bool, reason: str, request=None):
    """Staff decide whether the plan is a key, cross-district or classified project that needs the city
    government's approval before the opinion (DOMAIN.md §3 step 7); the entity only declares it."""
    plan = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以认定重点项目。")
    if plan.state not in MAJOR_PROJECT_STATES:
        raise TransitionRefused("只能在出具联合审查意见前认定是否属于须经市政府批准的项目。")
    if not reason.strip():
        raise TransitionRefused("认定或撤销重点项目须说明原因。", ["原因"])
    before = plan.major_project
    plan.major_project = bool(major)
    plan.save(update_fields=["major_project", "updated_at"])
    record_event(
        actor=actor,
        action="plan.major_project",
        action_label="认定是否须经市政府批准",
        obj=plan,
        from_state="是" if before else "否",
        to_state="是" if plan.major_project else "否",
        reason=reason.strip(),
        request=request,
    )
    return plan


def record_city_approval(plan, *, actor, reference: str, approved_on, request=None):
    """Key national/city, cross-district and classified projects: the city government's approval."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以登记市政府批准。")
    if not plan.major_project:
        raise TransitionRefused("本项目不属于须经市政府批准的项目。")

    def effects(locked):
        locked.city_approval_reference, locked.city_approved_on = reference.strip(), approved_on

    return _apply(
        plan, "record_city_approval", actor=actor, effects=effects, reason=reference, request=request
    )


def _recorded_date(day: datetime.date | None, what: str) -> datetime.date:
    """The date of an act: today, or an earlier day when the act is recorded after it took place (e.g.
    a notice published before the platform was in use). Never a day in the future."""
    today = workdays.today()
    if day is None:
        return today
    if day > today:
        raise TransitionRefused(f"{what}不能晚于今天（{workdays.chinese_date(today)}）。", [what])
    return day


def issue_opinion(plan, *, actor, conclusion: str = "", issued_on: datetime.date | None = None, request=None):
    """联合审查意见 (第十条); its date opens the 2-year and 5-year land deadlines (第十八条). The date is
    today unless an opinion issued earlier is being recorded (issued_on)."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以出具联合审查意见。")
    today = _recorded_date(issued_on, "出具日期")

    def effects(locked):
        district = District.objects.select_for_update().get(pk=locked.project.district_id)
        last = (
            JointReviewOpinion.objects.filter(district=district, year=today.year)
            .order_by("-sequence")
            .first()
        )
        sequence = (last.sequence if last else 0) + 1
        opinion = JointReviewOpinion.objects.create(
            plan=locked,
            review_round=_current_round(locked),
            district=district,
            year=today.year,
            sequence=sequence,
            number=f"{district.short_name or district.name}城更联审〔{today.year}〕{sequence}号",
            issued_on=today,
            issued_by=actor,
            conclusion=conclusion.strip() or "经联合审查，该城市更新实施方案符合相关规定，同意按此方案实施。",
        )
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        project.review_opinion_on = today
        project.save(update_fields=["review_opinion_on", "updated_at"])
        entity = project.implementing_entity or project.coordinating_entity
        # A new opinion (after an accepted objection and re-review) restarts the 第十八条 limits.
        close_deadlines(
            project,
            kinds=(DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
            state=DeadlineState.CANCELLED,
            reason=f"已被新的联合审查意见（{opinion.number}）取代",
            actor=actor,
        )
        for kind, title, years in (
            (DEADLINE_LAND_FIRST_PHASE, "完成首期用地手续", 2),
            (DEADLINE_LAND_ALL, "完成全部用地手续", 5),
        ):
            open_deadline(
                project,
                kind=kind,
                title=title,
                rule=DeadlineRule.CALENDAR_YEARS,
                amount=years,
                start=today,
                responsible_organization=entity,
                basis="联合审查办法 第十八条",
                actor=actor,
            )
        record_event(
            actor=actor,
            action="plan.opinion",
            action_label="出具联合审查意见",
            obj=project,
            to_state=opinion.number,
            data={"opinion": opinion.pk, "issued_on": today.isoformat()},
        )

    return _apply(plan, "issue_opinion", actor=actor, effects=effects, request=request)


# --- publicity ------------------------------------------------------------------------------------


def publicity_window(published_on: datetime.date, days: int = PUBLICITY_MIN_WORKDAYS):
    """From the first working day after publication to the end of the days-th working day after it, so
    the window always holds `days` whole working days (第十一条: not less than 15)."""
    first = workdays.add_working_days(published_on, 1)
    last = workdays.add_working_days(published_on, days)
    zone = timezone.get_default_timezone()
    starts = datetime.datetime.combine(first.due, datetime.time.min, tzinfo=zone)
    ends = datetime.datetime.combine(last.due, datetime.time(23, 59, 59), tzinfo=zone)
    return starts, ends, first.provisional or last.provisional


def key_indicators(plan: ImplementationPlan) -> list[dict]:
    """The figures shown on the public notice."""
    rows = []
    for module_code, names in (
        ("planning", ("land_area", "land_use", "building_scale_before", "building_scale", "building_height")),
        ("funding", ("total",)),
        ("phasing", ("start", "completion")),
    ):
        module = BY_CODE[module_code]
        values = plan.content.get(module_code) or {}
        for field in module.fields:
            if field.name in names and values.get(field.name) not in (None, ""):
                rows.append({"label": field.label, "value": str(values[field.name]), "unit": field.unit})
    return rows


def publish(
    plan,
    *,
    actor,
    workdays_count: int = PUBLICITY_MIN_WORKDAYS,
    summary: str = "",
    published_on: datetime.date | None = None,
    request=None,
):
    """公示 (第十一条): the window runs from the first working day after publication for `workdays_count`
    working days. Published today unless a notice published earlier is being recorded (published_on)."""
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以发布公示。")
    if workdays_count < PUBLICITY_MIN_WORKDAYS:
        raise TransitionRefused(
            f"公示时间不得少于{PUBLICITY_MIN_WORKDAYS}个工作日（联合审查办法 第十一条）。", ["公示工作日数"]
        )
    today = _recorded_date(published_on, "发布日期")

    def effects(locked):
        opinion = locked.opinions.order_by("-pk").first()
        if opinion is not None and today < opinion.issued_on:
            raise TransitionRefused(
                f"公示不能早于联合审查意见的出具日期（{workdays.chinese_date(opinion.issued_on)}）。",
                ["发布日期"],
            )
        starts, ends, provisional = publicity_window(today, workdays_count)
        positioning = (locked.content.get("positioning") or {}).get("positioning", "")
        publicity = Publicity.objects.create(
            plan=locked,
            opinion=opinion,
            published_on=today,
            workdays=workdays_count,
            starts_at=starts,
            ends_at=ends,
            provisional=provisional,
            summary=(summary.strip() or positioning or locked.project.renewal_goal)[:2000],
            indicators=key_indicators(locked),
            published_by=actor,
        )
        # The window's last working day is a Deadline row too: a confirmed calendar year recomputes it.
        open_deadline(
            publicity,
            kind=DEADLINE_PUBLICITY_WINDOW,
            title="公示期满",
            rule=DeadlineRule.WORKING_DAYS,
            amount=workdays_count,
            start=today,
            responsible_organization=housing_commission(locked.project.district),
            basis="联合审查办法 第十一条",
            actor=actor,
        )
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        project.publicity_start, project.publicity_end = starts, ends
        project.save(update_fields=["publicity_start", "publicity_end", "updated_at"])
        record_event(
            actor=actor,
            action="publicity.publish",
            action_label="发布公示",
            obj=project,
            to_state=f"{timezone.localtime(starts):%Y-%m-%d}—{timezone.localtime(ends):%Y-%m-%d}",
            data={"publicity": publicity.pk, "workdays": workdays_count, "published_on": today.isoformat()},
        )

    return _apply(plan, "publish", actor=actor, effects=effects, request=request)


def fingerprint(ip: str | None, user_agent: str = "") -> str:
    """A salted hash of who is commenting, for rate limiting without storing the address itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}|{ip or ''}".encode()).hexdigest()


@transaction.atomic
def submit_comment(
    publicity: Publicity,
    *,
    kind: str,
    text: str,
    contact: str,
    name: str = "",
    client: str = "",
    now=None,
    request=None,
) -> PublicComment:
    """Anyone may comment during the window; contact details are required and never shown."""
    now = now or timezone.now()
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    if publicity.state != PublicityState.OPEN or now > publicity.ends_at:
        end = timezone.localtime(publicity.ends_at)
        raise TransitionRefused(f"公示期已于{workdays.chinese_date(end)}结束，不再受理意见。")
    if now < publicity.starts_at:
        start = timezone.localtime(publicity.starts_at)
        raise TransitionRefused(f"公示期自{workdays.chinese_date(start)}开始，届时可提交意见。")
    if kind not in CommentKind.values:
        raise TransitionRefused("请选择意见类型。", ["类型"])
    if not text.strip():
        raise TransitionRefused("请填写意见内容。", ["意见内容"])
    if not contact.strip():
        raise TransitionRefused("请填写联系方式（不会公开）。", ["联系方式"])
    recent = publicity.comments.filter(
        client_fingerprint=client, submitted_at__gte=now - datetime.timedelta(hours=1)
    )
    if client and recent.count() >= COMMENTS_PER_HOUR:
        raise CommentRateLimited("提交过于频繁，请一小时后再试。")
    comment = PublicComment.objects.create(
        publicity=publicity,
        kind=kind,
        text=text.strip()[:5000],
        name=name.strip()[:60],
        contact=contact.strip()[:120],
        client_fingerprint=client,
        submitted_at=now,
    )
    # No request: a member of the public's IP address is not kept, only the salted fingerprint.
    record_event(
        actor=None,
        action="publicity.comment",
        action_label=f"收到公示意见（{CommentKind(kind).label}）",
        obj=publicity.plan.project,
        to_state=kind,
        data={"comment": comment.pk},
    )
    return comment


def public_text(comment: PublicComment) -> str:
    return redact(comment.text, extra_terms=(comment.name, comment.contact))


def public_response(comment: PublicComment) -> str:
    """Staff's answer as anyone but the answering staff see it: an answer may quote the commenter."""
    return redact(comment.response, extra_terms=(comment.name, comment.contact)) if comment.response else ""


@transaction.atomic
def respond_to_comment(comment: PublicComment, *, actor, response: str, accept: bool = False, request=None):
    """Staff answer each opinion; accepting an objection sends the plan back to revision."""
    comment = (
        PublicComment.objects.select_for_update()
        .select_related("publicity__plan__project")
        .get(pk=comment.pk)
    )
    plan = comment.publicity.plan
    require(is_plan_staff(actor, plan), "只有本区城市更新主管部门可以答复公示意见。")
    if not response.strip():
        raise TransitionRefused("请填写答复内容。", ["答复"])
    if comment.outcome != CommentOutcome.PENDING:
        raise TransitionRefused("该意见已答复。")
    if accept and comment.kind != CommentKind.OBJECTION:
        raise TransitionRefused("只有异议可以“采纳并退回修改”。")
    if accept and (comment.publicity.state == PublicityState.WITHDRAWN or plan.state != PlanState.PUBLICITY):
        raise TransitionRefused("该公示已终止，方案已进入新的审查，不能再据此退回；请作为一般意见答复。")
    comment.response, comment.responded_by, comment.responded_at = response.strip(), actor, timezone.now()
    comment.outcome = CommentOutcome.ACCEPTED if accept else CommentOutcome.ANSWERED
    comment.save()
    record_event(
        actor=actor,
        action="publicity.respond",
        action_label="答复公示意见",
        obj=plan.project,
        to_state=comment.outcome,
        reason=public_response(comment),
        request=request,
        data={"comment": comment.pk},
    )
    if accept:
        publicity = comment.publicity

        def effects(locked):
            RevisionRequest.objects.create(
                plan=locked,
                raised_on_version=locked.current_version,
                source="公示异议",
                text=f"{public_text(comment)}（答复：{public_response(comment)}）",
                raised_by=actor,
            )
            close_deadlines(
                locked.project,
                kinds=(DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
                state=DeadlineState.SUSPENDED,
                reason="异议采纳，实施方案退回修改；新的联合审查意见出具后重新起算",
                actor=actor,
            )
            close_deadlines(
                publicity,
                kinds=(DEADLINE_PUBLICITY_WINDOW,),
                state=DeadlineState.CANCELLED,
                reason="异议采纳，公示终止",
                actor=actor,
            )
            publicity.state, publicity.closed_at = PublicityState.WITHDRAWN, timezone.now()
            publicity.result = "异议经审查予以采纳，实施方案退回修改，修改后重新联合审查并公示。"
            publicity.save()

        _apply(
            plan,
            "accept_objection",
            actor=actor,
            effects=effects,
            reason=public_response(comment),
            request=request,
        )
    elif comment.publicity.state == PublicityState.CLOSED:
        _finish_if_possible(plan, actor)
    return comment


def _finish_if_possible(plan, actor) -> bool:
    if publicity_finished(plan) is None:
        _apply(plan, "finish_publicity", actor=actor, reason="公示期满，意见均已答复")
        return True
    return False


def close_expired_publicities(now=None) -> int:
    """Celery beat: close every window whose end has passed; the project moves on once all are answered."""
    now = now or timezone.now()
    closed = 0
    for publicity_id in Publicity.objects.filter(state=PublicityState.OPEN, ends_at__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            publicity = Publicity.objects.select_for_update().select_related("plan").get(pk=publicity_id)
            if publicity.state != PublicityState.OPEN:
                continue
            ImplementationPlan.objects.select_for_update().get(pk=publicity.plan_id)
            counts = {kind: publicity.comments.filter(kind=kind).count() for kind in CommentKind.values}
            close_deadlines(
                publicity, kinds=(DEADLINE_PUBLICITY_WINDOW,), state=DeadlineState.MET, reason="公示期满"
            )
            publicity.state, publicity.closed_at = PublicityState.CLOSED, now
            publicity.result = (
                "公示期满。收到意见：支持 {support} 条，异议 {objection} 条，建议 {suggestion} 条。".format(
                    **counts
                )
            )
            publicity.save()
            record_event(
                actor=None,
                action="publicity.close",
                action_label="公示期满",
                obj=publicity.plan.project,
                to_state=PublicityState.CLOSED,
                reason=publicity.result,
            )
            try:
                _finish_if_possible(publicity.plan, None)
            except TransitionRefused:
                # The plan moved on (e.g. back to revision); closing the window is still right.
                pass
            closed += 1
    return closed


def _publicity_window_recomputed(deadline, old_due, actor) -> None:
    """A confirmed calendar moved the window's last working day. An announced window is never shortened
    (第十一条: not less than 15 working days); a later end is taken, and the notice says so."""
    publicity = (
        Publicity.objects.select_for_update().select_related("plan__project").get(pk=deadline.object_id)
    )
    if publicity.state != PublicityState.OPEN:
        return
    new_end = datetime.datetime.combine(
        deadline.due_date, datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone()
    )
    before = publicity.ends_at
    publicity.provisional = deadline.provisional
    if new_end > publicity.ends_at:
        publicity.ends_at = new_end
        project = Project.objects.select_for_update().get(pk=publicity.plan.project_id)
        project.publicity_end = new_end
        project.save(update_fields=["publicity_end", "updated_at"])
    publicity.save(update_fields=["ends_at", "provisional"])
    if publicity.ends_at != before:
        record_event(
            actor=actor,
            action="publicity.window_moved",
            action_label="公示期随工作日历调整",
            obj=publicity.plan.project,
            from_state=workdays.chinese_date(before),
            to_state=workdays.chinese_date(publicity.ends_at),
            reason="工作日历确认后重算，公示期不少于规定的工作日数",
        )


on_deadline_recomputed(DEADLINE_PUBLICITY_WINDOW, _publicity_window_recomputed)
