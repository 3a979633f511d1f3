"""Joint review (会签): routing, rounds, department reviews and their changes, the city government's
approval and the joint review opinion (联合审查办法 第十条、第十二条、第十八条)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import Project
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

    review = DEPARTMENT_REVIEW.apply(
        review,
        "confirm_change",
        actor=actor,
        effects=effects,
        reason=note.strip(),
        request=request,
        data={"plan": plan.pk},
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
