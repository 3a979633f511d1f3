"""Before joint review: departments' pre-review comments (第八条), itemised revision requests and their
resolution on later versions, and the expert review (第九条)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from renewal.attachments import attach
from renewal.workflow import TransitionRefused
from review.choices import DeliverableKind, RequestStatus
from review.models import ExpertReview, PreReviewComment, RevisionRequest
from review.services.common import apply_plan, district_departments
from review.workflows import PLAN, PRE_REVIEW, REVISION_REQUEST


def request_pre_review(plan, *, actor, departments, request=None):
    """联合审查办法 第八条: ask departments for comments before the joint review."""
    departments = district_departments(plan, departments)

    def effects(locked):
        if not departments:
            raise TransitionRefused("请至少选择一个征求意见的部门。", ["征求意见的部门"])
        for department in departments:
            PreReviewComment.objects.get_or_create(
                plan=locked, version=locked.current_version, department=department
            )

    return apply_plan(
        plan,
        "request_pre_review",
        actor=actor,
        effects=effects,
        request=request,
        data={"departments": [d.name for d in departments]},
    )


def answer_pre_review(comment: PreReviewComment, *, actor, text: str, request=None) -> PreReviewComment:
    """The department's answer; its text is its opinion, which other departments never read."""

    def effects(locked):
        if not text.strip():
            raise TransitionRefused("请填写预审意见。", ["意见"])
        locked.text, locked.answered_at, locked.answered_by = text.strip(), timezone.now(), actor

    return PRE_REVIEW.apply(
        comment,
        "answer",
        actor=actor,
        effects=effects,
        reason=text.strip(),
        request=request,
        data={"plan": comment.plan_id, "version": comment.version},
    )


def return_for_revision(plan, *, actor, items: list[str], request=None):
    """Return the plan with itemised revision requests (修改、补充、完善)."""
    items = [item.strip() for item in items if item and item.strip()]

    def effects(locked):
        if not items:
            raise TransitionRefused("退回修改须逐项列明修改要求。", ["修改要求"])
        RevisionRequest.objects.bulk_create(
            RevisionRequest(plan=locked, raised_on_version=locked.current_version, text=item, raised_by=actor)
            for item in items
        )

    return apply_plan(
        plan, "return_for_revision", actor=actor, effects=effects, reason="；".join(items), request=request
    )


def mark_request(item: RevisionRequest, *, actor, resolved: bool, request=None) -> RevisionRequest:
    """On a new version, staff mark an earlier request resolved, or still open after all."""

    def effects(locked):
        locked.resolved_on_version = locked.plan.current_version if resolved else None
        locked.resolved_by = actor if resolved else None

    # The request's text stays on the request (it may quote one department's opinion, which the audit
    # trail would show every department).
    return REVISION_REQUEST.apply(
        item,
        "resolve" if resolved else "reopen",
        actor=actor,
        effects=effects,
        request=request,
        data={"plan": item.plan_id, "status": RequestStatus.RESOLVED if resolved else RequestStatus.OPEN},
    )


@transaction.atomic
def record_expert_review(
    plan,
    *,
    actor,
    held_on: datetime.date,
    experts: str,
    opinions: str,
    adoption: str = "",
    attachment=None,
    request=None,
):
    """联合审查办法 第九条: expert review, with its adoption table and the experts' written opinion."""
    recorded = {}

    def effects(locked):
        if not experts.strip() or not opinions.strip():
            raise TransitionRefused("请填写评审专家和评审意见。", ["专家名单", "评审意见"])
        recorded["review"] = ExpertReview.objects.create(
            plan=locked,
            held_on=held_on,
            experts=experts.strip(),
            opinions=opinions.strip(),
            adoption=adoption.strip(),
            recorded_by=actor,
        )

    locked = PLAN.apply(
        plan,
        "expert_review",
        actor=actor,
        effects=effects,
        reason=opinions.strip(),
        request=request,
        data={"held_on": held_on.isoformat(), "experts": experts.strip()},
    )
    if attachment:
        attach(locked, attachment, kind=DeliverableKind.EXPERT_OPINION, actor=actor, request=request)
    return recorded["review"]
