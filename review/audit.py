"""Audit actions the review app writes outside its workflow tables (renewal.audit_actions).

The transitions of the tables in `review.workflows` ("plan.<step>", "department_review.decide",
"pre_review.answer", "revision_request.resolve", "review_round.pass", "publicity.close",
"public_comment.answer" …) register themselves with their own state labels; everything else the review
app writes through `renewal.services.record_event` is listed here.
"""

from renewal.audit_actions import AuditAction, register
from review.choices import CommentKind, CommentOutcome, Decision, PlanState

register(
    AuditAction("plan.start", "开始编制实施方案", states=dict(PlanState.choices)),
    AuditAction("plan.opinion", "出具联合审查意见"),
    AuditAction("publicity.publish", "发布公示"),
    AuditAction("publicity.comment", "收到公示意见", states=dict(CommentKind.choices)),
    AuditAction("publicity.window_moved", "公示期随工作日历调整"),
    # Written before the workflow tables took these steps over (now department_review.decide,
    # pre_review.answer, revision_request.resolve/reopen, plan.add_departments, department_review.remove,
    # department_review.confirm_change, plan.set_major_project and public_comment.answer/accept); kept so
    # that events already in the trail keep their labels, and an earlier department opinion stays hidden
    # from the other departments.
    AuditAction(
        "plan.department_decision", "部门提出会签意见", exposes_opinion=True, states=dict(Decision.choices)
    ),
    AuditAction("plan.pre_review_comment", "部门提出预审意见", exposes_opinion=True),
    AuditAction("plan.request_mark", "确认修改要求落实情况"),
    AuditAction("plan.department_add", "增加会签部门"),
    AuditAction("plan.department_remove", "移出会签部门"),
    AuditAction("plan.change_confirmed", "确认已按部门意见修改"),
    AuditAction("plan.major_project", "认定是否须经市政府批准"),
    AuditAction("publicity.respond", "答复公示意见", states=dict(CommentOutcome.choices)),
)
