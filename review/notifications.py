"""Who the review steps notify (issue 12, DOMAIN.md §5), as reactions to committed audit events.

- the entity: 退回修改 (pre-review, after joint review, on an accepted objection), the 联合审查意见 issued,
  the plan put under publicity;
- the departments a plan is routed to, for pre-review (联合审查办法 第八条) or joint review (第九条);
- the district's staff: a plan is submitted, a department answers a pre-review, a department disagrees in
  joint review, a public comment arrives;
- a member of the public who left an address: an e-mail with the receipt number when the answer to the
  comment is published (they have no account, so no inbox).
Registered from ReviewConfig.ready().
"""

from __future__ import annotations

from django.urls import reverse

from renewal import notifications as n
from renewal.models import Notification
from renewal.reactions import react_to
from review.choices import Decision
from review.models import DepartmentReview, ImplementationPlan, PreReviewComment, PublicComment


def _plan(event) -> ImplementationPlan | None:
    obj = n.subject_of(event)
    if isinstance(obj, ImplementationPlan):
        return obj
    plan = getattr(obj, "plan", None)
    if plan is None and hasattr(obj, "review_round"):
        plan = obj.review_round.plan
    return plan


def _label(project) -> str:
    return f"{project.code} {project.name}".strip()


ENTITY_MESSAGES = {
    "plan.return_for_revision": "项目“{label}”的实施方案被退回修改：{reason}",
    "plan.return_after_review": "项目“{label}”的实施方案联合审查未通过，退回修改：{reason}",
    "plan.accept_objection": "项目“{label}”的公示异议已采纳，实施方案退回修改：{reason}",
    "plan.issue_opinion": "项目“{label}”的联合审查意见已出具。",
    "plan.publish": "项目“{label}”的实施方案已开始公示。",
}


@react_to(*ENTITY_MESSAGES)
def entity_told(event):
    plan = _plan(event)
    if plan is None:
        return
    project = plan.project
    text = ENTITY_MESSAGES[event.action].format(label=_label(project), reason=event.reason[:120]).rstrip("：")
    n.notify(n.owners_of(project), verb=event.action, text=text, link=plan.get_absolute_url(), obj=plan)


def _already_told(plan, verbs) -> set[int]:
    return set(
        Notification.objects.filter(
            verb__in=verbs, object_id=str(plan.pk), content_type__model="implementationplan"
        ).values_list("user_id", flat=True)
    )


@react_to("plan.request_pre_review")
def pre_review_requested(event):
    plan = _plan(event)
    if plan is None:
        return
    departments = PreReviewComment.objects.filter(plan=plan, answered_at__isnull=True).values_list(
        "department_id", flat=True
    )
    n.notify(
        n.reviewers_of(departments),
        verb=event.action,
        text=f"请对项目“{_label(plan.project)}”的实施方案提出预审意见。",
        link=plan.get_absolute_url(),
        obj=plan,
    )


JOINT_REVIEW_VERBS = ("plan.start_joint_review", "plan.add_departments")


@react_to(*JOINT_REVIEW_VERBS)
def joint_review_routed(event):
    plan = _plan(event)
    if plan is None:
        return
    departments = DepartmentReview.objects.filter(
        review_round__plan=plan, decision=Decision.PENDING, is_active=True
    ).values_list("department_id", flat=True)
    told = _already_told(plan, JOINT_REVIEW_VERBS) if event.action == "plan.add_departments" else set()
    n.notify(
        [u for u in n.reviewers_of(departments) if u.pk not in told],
        verb=event.action,
        text=f"请对项目“{_label(plan.project)}”的实施方案提出会签意见。",
        link=plan.get_absolute_url(),
        obj=plan,
    )


@react_to("plan.submit")
def plan_arrived(event):
    plan = _plan(event)
    if plan is not None:
        n.notify(
            n.except_actor(n.district_staff(plan.project.district_id), event),
            verb=event.action,
            text=f"收到实施方案：{_label(plan.project)}",
            link=plan.get_absolute_url(),
            obj=plan,
        )


@react_to("pre_review.answer")
def pre_review_answered(event):
    comment = n.subject_of(event)
    if isinstance(comment, PreReviewComment):
        plan = comment.plan
        n.notify(
            n.district_staff(plan.project.district_id),
            verb=event.action,
            text=f"{comment.department}已对“{_label(plan.project)}”的实施方案提出预审意见。",
            link=plan.get_absolute_url(),
            obj=plan,
        )


@react_to("department_review.decide")
def department_decided(event):
    review = n.subject_of(event)
    if not isinstance(review, DepartmentReview) or review.decision != Decision.DISAGREE:
        return
    plan = review.review_round.plan
    n.notify(
        n.district_staff(plan.project.district_id),
        verb=event.action,
        text=f"{review.department}对“{_label(plan.project)}”的实施方案提出不同意意见。",
        link=plan.get_absolute_url(),
        obj=plan,
    )


@react_to("publicity.comment")
def comment_arrived(event):
    comment = PublicComment.objects.filter(pk=(event.data or {}).get("comment")).select_related(
        "publicity__plan__project"
    )
    comment = comment.first()
    if comment is None:
        return
    project = comment.publicity.plan.project
    n.notify(
        n.district_staff(project.district_id),
        verb=event.action,
        text=f"收到公示意见（{comment.get_kind_display()}）：{_label(project)}",
        link=comment.get_absolute_url(),
        obj=comment.publicity,
    )


@react_to("public_comment_moderation.publish_answer")
def answer_published(event):
    comment = n.subject_of(event)
    if not isinstance(comment, PublicComment) or not comment.notify_email:
        return
    project = comment.publicity.plan.project
    lookup = n.absolute(f"{reverse('publicity:receipt')}?number={comment.receipt}")
    body = (
        "您好：\n\n"
        f"您对“{project.name}”公示提出的意见（回执号 {comment.receipt}）已有答复并已公开。\n\n"
        f"答复：{comment.published_response}\n\n"
        f"凭回执号查询处理情况：{lookup}\n\n"
        "（本邮件由城市更新项目管理平台自动发送，请勿直接回复。）\n"
    )
    n.send_plain_email(comment.notify_email, f"您的公示意见已答复（回执号 {comment.receipt}）", body)
