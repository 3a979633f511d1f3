"""Joint review (会签): routing, rounds, department reviews and their changes, the city government's
approval and the joint review opinion (联合审查办法 第十条、第十二条、第十八条)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import Project
from projects.services import opinion_number
from renewal import calendar as workdays
from renewal.attachments import attach
from renewal.choices import DeadlineState, OrganizationKind
from renewal.models import District, Organization
from renewal.services import close_deadlines, open_deadline, record_event
from renewal.workflow import TransitionRefused
from review.choices import (
    DEADLINE_DEPARTMENT_REVIEW,
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    Decision,
    DeliverableKind,
    PlanFact,
    RoundOutcome,
)
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    JointReviewOpinion,
    ReviewRound,
    RevisionRequest,
    RoutingRule,
)
from review.services.common import apply_plan, current_round, district_departments, recorded_date
from review.workflows import DEPARTMENT_REVIEW, PLAN, REVIEW_ROUND

DECISIONS = (Decision.AGREE, Decision.AGREE_AFTER_CHANGE, Decision.DISAGREE)


LEAD_DEPARTMENT_MATTERS = "实施方案是否符合本行业专业技术导则（项目牵头部门，第十二条（二））"


def routed_departments(plan: ImplementationPlan) -> list[tuple[Organization, list[str]]]:
    """Departments of the project's district that the routing table asks to review, with their matters;
    the sub-type's lead department always (联合审查办法 第十二条（二）: the technical guidelines)."""
    facts = {PlanFact.ALWAYS, *plan.facts}
    matters: dict[str, list[str]] = {}
    sub_type = plan.project.sub_type
    if sub_type is not None and sub_type.lead_department:
        matters.setdefault(sub_type.lead_department, []).append(LEAD_DEPARTMENT_MATTERS)
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
        start=workdays.today(),
        responsible_organization=review.department,
        actor=actor,
    )


def _removal_reasons(remove) -> dict[int, str]:
    remove = {int(k): v for k, v in (remove or {}).items()}
    if any(not (v or "").strip() for v in remove.values()):
        raise TransitionRefused("移出会签部门须说明原因。", ["移出原因"])
    return remove


def start_joint_review(plan, *, actor, add=(), remove=None, all_departments=False, request=None):
    """Open a review round. First round: the routed departments (± staff changes with reasons).
    Re-review: only the departments that did not agree, unless staff choose all."""
    remove = _removal_reasons(remove)
    add = district_departments(plan, add)

    def effects(locked):
        previous = current_round(locked)
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
        everyone = all_departments or (previous is not None and previous.outcome == RoundOutcome.PASSED)
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
                reviewed_version=earlier.reviewed_version if earlier else None,
                change_confirmed_version=earlier.change_confirmed_version if earlier else None,
            )
            if earlier is None:
                _open_review_clock(review, actor)

    data = {"added": [o.name for o in add], "removed": remove, "all_departments": all_departments}
    with transaction.atomic():
        locked = apply_plan(
            plan, "start_joint_review", actor=actor, effects=effects, request=request, data=data
        )
        # Every department may already have agreed (carried over): then the round is complete at once.
        complete_round_if_decided(locked)
    locked.refresh_from_db()
    return locked


def add_departments(plan, *, actor, departments, request=None):
    """During a round staff ask further departments of the district (or one removed earlier) again."""
    departments = district_departments(plan, departments)

    def effects(locked):
        if not departments:
            raise TransitionRefused("请选择要增加的会签部门。", ["增加会签部门"])
        review_round = current_round(locked)
        for org in departments:
            review, created = DepartmentReview.objects.get_or_create(
                review_round=review_round, department=org, defaults={"matters": "主管部门增加的审查部门"}
            )
            if not created and review.is_active:
                continue  # already reviewing in this round
            if not created:
                review.is_active, review.removed_reason = True, ""
                review.save()
            if created or review.decision == Decision.PENDING:
                _open_review_clock(review, actor)

    return PLAN.apply(
        plan,
        "add_departments",
        actor=actor,
        effects=effects,
        reason="、".join(org.name for org in departments),
        request=request,
        data={"added": [org.name for org in departments]},
    )


@transaction.atomic
def remove_department(review: DepartmentReview, *, actor, reason: str, request=None) -> DepartmentReview:
    """Staff take a department out of the current round, with the reason; its clock is cancelled."""
    plan = _lock_plan_of(review)

    def effects(locked):
        locked.is_active, locked.removed_reason = False, reason.strip()[:200]
        close_deadlines(locked, state=DeadlineState.CANCELLED, reason="已移出会签", actor=actor)

    review = DEPARTMENT_REVIEW.apply(
        review,
        "remove",
        actor=actor,
        effects=effects,
        reason=reason.strip(),
        request=request,
        data={"plan": plan.pk, "department": review.department.name},
    )
    complete_round_if_decided(plan)
    return review


@transaction.atomic
def change_departments(plan, *, actor, add=(), remove=None, request=None):
    """Add departments and remove others (each with a reason) in one step."""
    remove = _removal_reasons(remove)
    if add:
        add_departments(plan, actor=actor, departments=add, request=request)
    review_round = current_round(plan)
    for review in review_round.department_reviews.filter(department_id__in=list(remove), is_active=True):
        remove_department(review, actor=actor, reason=remove[review.department_id], request=request)
    return ImplementationPlan.objects.get(pk=plan.pk)


def _lock_plan_of(review: DepartmentReview) -> ImplementationPlan:
    """The plan row is locked first, so when the last two departments answer at the same moment exactly
    one of them completes the round."""
    plan_id = (
        DepartmentReview.objects.filter(pk=review.pk).values_list("review_round__plan_id", flat=True).get()
    )
    return ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan_id)


@transaction.atomic
def record_decision(
    review: DepartmentReview, *, actor, decision: str, text: str, attachments=(), request=None
) -> DepartmentReview:
    """A department's 会签 opinion (同意 / 修改后同意 / 不同意) with its text and files."""
    plan = _lock_plan_of(review)

    def effects(locked):
        if decision not in DECISIONS:
            raise TransitionRefused("请选择“同意”“修改后同意”或“不同意”。", ["意见"])
        if decision != Decision.AGREE and not text.strip():
            raise TransitionRefused(f"“{Decision(decision).label}”须写明意见内容。", ["意见内容"])
        locked.decision, locked.text = decision, text.strip()
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.reviewed_version = plan.current_version  # the version this department saw (item 13)
        close_deadlines(locked, state=DeadlineState.MET, reason="已提出审查意见", actor=actor)

    review = DEPARTMENT_REVIEW.apply(
        review,
        "decide",
        actor=actor,
        effects=effects,
        reason=text.strip(),
        request=request,
        data={"plan": plan.pk, "round": review.review_round.number},
    )
    for upload in attachments:
        try:
            attach(review, upload, kind=DeliverableKind.REVIEW_OPINION, actor=actor, request=request)
        except ValidationError as error:
            raise TransitionRefused("；".join(error.messages), ["意见附件"]) from error
    complete_round_if_decided(plan)
    return review


@transaction.atomic
def confirm_change(review: DepartmentReview, *, actor, note: str = "", request=None) -> DepartmentReview:
    """Staff confirm that the change a 修改后同意 asked for was made; then it counts as agreement."""
    plan = _lock_plan_of(review)

    def effects(locked):
        locked.change_confirmed_by, locked.change_confirmed_at = actor, timezone.now()
        locked.change_confirmed_version = plan.current_version

    review = DEPARTMENT_REVIEW.apply(
        review,
        "confirm_change",
        actor=actor,
        effects=effects,
        reason=note.strip(),
        request=request,
        data={"plan": plan.pk, "version": plan.current_version},
    )
    complete_round_if_decided(plan)
    return review


def complete_round_if_decided(plan: ImplementationPlan) -> None:
    """Close the round once every active department has answered: any 不同意 returns the plan with all
    opinions kept; otherwise it passes when every opinion counts as agreement. A step of the system."""
    review_round = current_round(plan)
    if REVIEW_ROUND.refusal(review_round, "return") == "":
        reviews = list(review_round.department_reviews.filter(is_active=True).select_related("department"))
        against = [r for r in reviews if r.decision == Decision.DISAGREE]
        reason = "不同意的部门：" + "、".join(r.department.name for r in against)

        def effects(locked):
            RevisionRequest.objects.bulk_create(
                RevisionRequest(
                    plan=locked,
                    raised_on_version=locked.current_version,
                    source=f"第{review_round.number}轮联合审查·{r.department.name}",
                    department=r.department,
                    text=r.text if r.decision == Decision.DISAGREE else f"（修改后同意）{r.text}",
                    raised_by=r.decided_by,
                )
                # Unconfirmed 修改后同意 conditions travel with the plan, so the next version answers them.
                for r in reviews
                if r.decision == Decision.DISAGREE
                or (r.decision == Decision.AGREE_AFTER_CHANGE and not r.counts_as_agreement)
            )

        REVIEW_ROUND.apply(review_round, "return", actor=None, reason=reason, effects=_completed)
        apply_plan(plan, "return_after_review", actor=None, effects=effects, reason=reason)
    elif REVIEW_ROUND.refusal(review_round, "pass") == "":
        REVIEW_ROUND.apply(review_round, "pass", actor=None, reason="所有会签部门均同意", effects=_completed)
        apply_plan(plan, "pass_review", actor=None, reason="所有会签部门均同意")


def _completed(review_round):
    review_round.completed_at = timezone.now()


def set_major_project(plan, *, actor, major: bool, reason: str, request=None):
    """Staff decide whether the plan is a key, cross-district or classified project that needs the city
    government's approval before the opinion (DOMAIN.md §3 step 7); the entity only declares it."""
    data = {"major_project": bool(major)}

    def effects(locked):
        data["before"] = locked.major_project
        locked.major_project = bool(major)
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        project.city_approval_required = bool(major)
        project.save(update_fields=["city_approval_required", "updated_at"])

    return PLAN.apply(
        plan,
        "set_major_project",
        actor=actor,
        effects=effects,
        reason=reason.strip(),
        request=request,
        data=data,
    )


def record_city_approval(plan, *, actor, reference: str, approved_on, request=None):
    """Key national/city, cross-district and classified projects: the city government's approval."""

    def effects(locked):
        locked.city_approval_reference, locked.city_approved_on = reference.strip(), approved_on
        # Recorded on the project too: the works-start step checks it there (old-building 第十八条).
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        project.city_approval_document, project.city_approval_on = reference.strip(), approved_on
        project.save(update_fields=["city_approval_document", "city_approval_on", "updated_at"])

    return apply_plan(
        plan,
        "record_city_approval",
        actor=actor,
        effects=effects,
        reason=reference.strip(),
        request=request,
        data={"approved_on": approved_on.isoformat() if approved_on else None},
    )


def issue_opinion(plan, *, actor, conclusion: str = "", issued_on: datetime.date | None = None, request=None):
    """联合审查意见 (第十条); its date opens the 2-year and 5-year land deadlines (第十八条). The date is
    today unless an opinion issued earlier is being recorded (issued_on)."""
    today = recorded_date(issued_on, "出具日期")

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
            review_round=current_round(locked),
            district=district,
            year=today.year,
            sequence=sequence,
            number=opinion_number(district, today.year, sequence),
            issued_on=today,
            version=locked.current_version,
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
        # 第十八条: "涉及使用过渡期政策的，按照相关规定执行" — no 2-/5-year clocks for such a plan; the
        # transition approval was recorded instead (guard transition_approval_recorded).
        if PlanFact.TRANSITION_POLICY not in locked.facts:
            for kind in (DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL):
                open_deadline(project, kind=kind, start=today, responsible_organization=entity, actor=actor)
        record_event(
            actor=actor,
            action="plan.opinion",
            action_label="出具联合审查意见",
            obj=project,
            to_state=opinion.number,
            data={"opinion": opinion.pk, "issued_on": today.isoformat()},
        )

    return apply_plan(plan, "issue_opinion", actor=actor, effects=effects, request=request)


def _required_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionRefused(f"请填写{what}。", [what])
    return value


def record_unregistered_determination(
    plan, *, actor, document: str, determined_on, publicity_on, request=None
):
    """联合审查办法 第七条: the district government's investigation and determination of unregistered
    buildings and the publicity of those to be included, recorded before the joint review."""
    document = _required_text(document, "调查认定文件")
    if determined_on is None or publicity_on is None:
        raise TransitionRefused("请填写认定日期和公示日期。", ["认定日期", "公示日期"])
    determined_on = recorded_date(determined_on, "认定日期")
    publicity_on = recorded_date(publicity_on, "公示日期")
    if publicity_on < determined_on:
        raise TransitionRefused("公示日期不能早于认定日期。", ["公示日期"])

    def effects(locked):
        locked.unregistered_determination = document[:120]
        locked.unregistered_determined_on, locked.unregistered_publicity_on = determined_on, publicity_on

    return apply_plan(
        plan,
        "record_unregistered_determination",
        actor=actor,
        effects=effects,
        reason=document,
        request=request,
        data={"determined_on": determined_on.isoformat(), "publicity_on": publicity_on.isoformat()},
    )


def record_transition_approval(plan, *, actor, document: str, approved_on, request=None):
    """Five-year transition policy (海淀指引 六(三)): the district's approval, recorded in place of the
    第十八条 land limits ("涉及使用过渡期政策的，按照相关规定执行")."""
    document = _required_text(document, "过渡期政策批准文件")
    if approved_on is None:
        raise TransitionRefused("请填写批准日期。", ["批准日期"])
    approved_on = recorded_date(approved_on, "批准日期")

    def effects(locked):
        locked.transition_approval, locked.transition_approved_on = document[:120], approved_on

    return apply_plan(
        plan,
        "record_transition_approval",
        actor=actor,
        effects=effects,
        reason=document,
        request=request,
        data={"approved_on": approved_on.isoformat()},
    )


LAND_KINDS = (DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL)


def adjust_land_deadline(plan, *, actor, kind: str, reason: str, document: str, new_due=None, request=None):
    """第十八条 "原则上": staff record an extension (a later due date) or an exception (the limit no longer
    applies) of a land limit, with the reason and the document; the audit event keeps both."""
    from renewal.models import Deadline

    if kind not in LAND_KINDS:
        raise TransitionRefused("请选择用地手续期限。", ["期限"])
    reason = _required_text(reason, "原因")
    document = _required_text(document, "依据文件")
    details = {"kind": kind, "document": document}

    def effects(locked):
        deadline = (
            Deadline.objects.for_subject(locked.project).open().filter(kind=kind).select_for_update().first()
        )
        if deadline is None:
            raise TransitionRefused("该用地手续期限未在计时，不能延长或例外。", ["期限"])
        details["due_before"] = deadline.due_date.isoformat()
        if new_due is None:
            close_deadlines(
                locked.project,
                kinds=(kind,),
                state=DeadlineState.CANCELLED,
                reason=f"例外：{reason}（{document}）",
                actor=actor,
            )
            details["exception"] = True
            return
        if new_due <= deadline.due_date:
            raise TransitionRefused("延长后的期限应晚于原到期日。", ["延长至"])
        deadline.due_date = new_due
        deadline.basis = f"{deadline.basis}；延长依据：{document}"[:200]
        deadline.save(update_fields=["due_date", "basis"])
        details["due_after"] = new_due.isoformat()

    return PLAN.apply(
        plan,
        "adjust_land_deadline",
        actor=actor,
        effects=effects,
        reason=f"{reason}（{document}）",
        request=request,
        data=details,
    )
